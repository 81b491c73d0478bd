#!/usr/bin/env python3
"""easlint beside f5-corkscrew on one large generated bigip.conf.

    python3 bench/run_f5.py                       # 3,000 virtual servers, 3 runs per tool
    python3 bench/run_f5.py --virtuals 500 --repeat 5 --json bench/out/f5-figures.json

Both tools run in fresh processes, interleaved (easlint, corkscrew, easlint, ...) after one
unmeasured warm-up each, so a burst of load from elsewhere hits both. easlint is timed over its
whole process (`python -m linter.cli FILE --format json`: start-up, parse, simulation, rules,
report); corkscrew over `loadParseAsync` alone (its own figure, taken inside node by
bench/corkscrew_parse.js), which is the comparison the issue asks for, plus its process wall
time. Since corkscrew's figure leaves out node's start-up and the loading of its modules, easlint
is also timed the same way, in its own fresh process (bench/easlint_lint.py: every easlint module
imported first, then the clock runs over what `easlint FILE --format json` does after its
imports), and both ratios are reported. Peak memory (maximum resident set size) of each process
comes from GNU time. The JSON report of every easlint run, whole-process or in-process, must
hold exactly the findings bench/generate_f5.py planted, so a fast but wrong easlint cannot look
good.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_f5", BENCH / "generate_f5.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, peak RSS in MB, result) of one run, RSS from GNU time when present."""
    gnu_time = shutil.which("time") if Path("/usr/bin/time").exists() else None
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", report.name, *command] if gnu_time else command
        start = time.perf_counter()
        result = subprocess.run(wrapped, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, cwd=REPO)
        wall = time.perf_counter() - start
        text = Path(report.name).read_text().strip() if gnu_time else ""
    rss = int(text.splitlines()[-1]) / 1024 if re.fullmatch(r"\d+", text.splitlines()[-1] if text else "") else float("nan")
    return wall, rss, result


def _check_findings(stdout: str, manifest: list[dict]) -> None:
    report = json.loads(stdout)
    findings = report.get("findings", report if isinstance(report, list) else [])
    found = Counter(finding["rule_id"] if "rule_id" in finding else finding.get("rule") for finding in findings)
    wanted = Counter(rule for entry in manifest for rule in entry["expected"])
    assert found == wanted, f"easlint found {dict(found)}, the generator planted {dict(wanted)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--virtuals", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    config = OUT / f"bigip-{args.virtuals}-s{args.seed}.conf"
    text, manifest = _generator().generate(args.virtuals, args.seed)
    config.write_text(text, encoding="utf-8")
    lines = text.count("\n")
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(OUT / "pycache"))
    # An installed easlint runs from bytecode (pip compiles it at install time): the warm-up run
    # writes it under PYTHONPYCACHEPREFIX, which a PYTHONDONTWRITEBYTECODE inherited from the
    # shell would prevent, making every measured run compile every module again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    easlint = [sys.executable, "-m", "linter.cli", str(config), "--format", "json"]
    in_process = [sys.executable, str(BENCH / "easlint_lint.py"), str(config)]
    corkscrew = ["node", str(BENCH / "corkscrew_parse.js"), "--time", str(config)]
    runs: dict[str, list[dict]] = {"easlint": [], "easlint_in_process": [], "corkscrew": []}
    for round_number in range(args.repeat + 1):
        wall, rss, result = _timed(easlint, env)
        assert result.returncode in (0, 1), f"easlint failed ({result.returncode}):\n{result.stderr[-2000:]}"
        _check_findings(result.stdout, manifest)
        if round_number:
            runs["easlint"].append({"wall_s": wall, "rss_mb": rss})
        wall, rss, result = _timed(in_process, env)
        assert result.returncode == 0, f"easlint_lint.py failed ({result.returncode}):\n{result.stderr[-2000:]}"
        timed = json.loads(result.stdout)
        _check_findings(json.dumps(timed["report"]), manifest)
        if round_number:
            runs["easlint_in_process"].append({"wall_s": wall, "rss_mb": rss, "lint_s": timed["seconds"]})
        wall, rss, result = _timed(corkscrew, env)
        assert result.returncode == 0, f"corkscrew_parse.js failed:\n{result.stderr[-2000:]}"
        parsed = json.loads(result.stdout)[str(config)]
        if round_number:
            runs["corkscrew"].append({"wall_s": wall, "rss_mb": rss, "load_parse_s": parsed["seconds"]})
    easlint_wall = statistics.median(run["wall_s"] for run in runs["easlint"])
    easlint_lint = statistics.median(run["lint_s"] for run in runs["easlint_in_process"])
    corkscrew_parse = statistics.median(run["load_parse_s"] for run in runs["corkscrew"])
    figures = {
        "file": str(config.relative_to(REPO)), "lines": lines, "virtuals": args.virtuals, "runs": runs,
        "easlint_wall_s": easlint_wall, "easlint_rss_mb": statistics.median(run["rss_mb"] for run in runs["easlint"]),
        "easlint_in_process_lint_s": easlint_lint,
        "corkscrew_load_parse_s": corkscrew_parse,
        "corkscrew_wall_s": statistics.median(run["wall_s"] for run in runs["corkscrew"]),
        "corkscrew_rss_mb": statistics.median(run["rss_mb"] for run in runs["corkscrew"]),
        "ratio_corkscrew_parse_over_easlint_lint": corkscrew_parse / easlint_wall,
        "ratio_corkscrew_parse_over_easlint_in_process": corkscrew_parse / easlint_lint,
        "load_average": os.getloadavg(),
    }
    print(f"{config.name}: {lines} lines, {args.virtuals} virtual servers, {args.repeat} runs per tool (medians)")
    print(f"  easlint lint (whole process): {easlint_wall:.2f} s, peak RSS {figures['easlint_rss_mb']:.0f} MB")
    print(f"  easlint lint (in process, after imports): {easlint_lint:.2f} s")
    print(f"  corkscrew loadParseAsync:     {corkscrew_parse:.2f} s (process {figures['corkscrew_wall_s']:.2f} s, "
          f"peak RSS {figures['corkscrew_rss_mb']:.0f} MB)")
    print(f"  corkscrew parse / easlint lint: {figures['ratio_corkscrew_parse_over_easlint_lint']:.1f}x whole process, "
          f"{figures['ratio_corkscrew_parse_over_easlint_in_process']:.1f}x in process "
          f"(load average {figures['load_average'][0]:.1f})")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
