#!/usr/bin/env python3
"""easlint benchmark: easlint beside a peer on one large generated configuration per vendor.

    python3 bench/run.py                      # every vendor, 5 runs per tool
    python3 bench/run.py --vendor asa fortigate --repeat 3 --json bench/out/figures.json
    python3 bench/run.py --vendor haproxy --frontends 500 --profile

The peers: `haproxy -c` for HAProxy (2,000 frontends, ~24,000 lines), ciscoconfparse2 parsing
the same ~30,000-line Cisco ASA config (installed from PyPI into bench/.deps with `pip install
--target`, never into this environment; skipped with a note when PyPI is out of reach), none
for the ~30,000-line FortiGate backup, f5-corkscrew for F5 (bench/run_f5.py, run as a child).
The closing table puts all of them side by side; the exit code is 1 when easlint's findings on
any generated file are not exactly the planted ones.

Every measured command runs in a fresh process; wall time is taken around the child's whole
life, CPU time and peak memory (maximum resident set size) come from GNU time, or from
os.wait4 when GNU time is missing (which adds the benchmark's own size). Runs of the tools
are interleaved (easlint, haproxy, easlint, ...) after one unmeasured warm-up each, so a burst
of load on a shared machine hits both. The figures are medians (and minimums) over the runs;
only ratios between tools measured in the same run mean anything across machines.

With HAProxy, start-up (which a pre-commit hook pays on every commit) is measured on `easlint --version`
and on one small example file, next to the interpreter's own floor (`python -c pass`) and
`haproxy -c` on the same example; `python -X importtime` lists the heaviest imports.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
SMALL_EXAMPLE = REPO / "examples" / "haproxy" / "exchange-good.cfg"
CERT = REPO / "tests" / "data" / "insecure-test-cert.pem"


def _sibling(name: str):
    """A script beside this one (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_common = _sibling("_common")
generate_haproxy = _sibling("generate_haproxy")
generate_asa = _sibling("generate_asa")
generate_fortigate = _sibling("generate_fortigate")


# -- measuring ---------------------------------------------------------------------------------


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system time of the child
    max_rss_mb: float
    exit_code: int


@dataclass
class Measurement:
    label: str
    command: list[str]
    env: dict[str, str] | None = None  # None: CACHED_ENV
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    def minimum(self, attribute: str) -> float:
        return min(getattr(run, attribute) for run in self.runs)

    def summary(self) -> dict[str, object]:
        return {
            "label": self.label,
            "command": self.command,
            "runs": len(self.runs),
            "exit_codes": sorted({run.exit_code for run in self.runs}),
            "wall_s": {"median": self.median("wall_s"), "min": self.minimum("wall_s"), "max": max(r.wall_s for r in self.runs)},
            "cpu_s": {"median": self.median("cpu_s"), "min": self.minimum("cpu_s")},
            "max_rss_mb": {"median": self.median("max_rss_mb"), "min": self.minimum("max_rss_mb"),
                           "max": max(r.max_rss_mb for r in self.runs)},
            "all_runs": [asdict(run) for run in self.runs],
        }


def gnu_time() -> str | None:
    """GNU time, when installed: it measures peak RSS without counting this Python process.

    A child forked (or vforked) from this benchmark inherits its resident size until it execs,
    and Linux keeps that figure in the child's ru_maxrss, so os.wait4 alone reports at least
    the benchmark's own ~20 MB even for `true`. GNU time is small; the command it forks starts
    from that small image, so its peak RSS is the command's own.
    """
    for candidate in ("/usr/bin/time", shutil.which("gtime")):
        if candidate and os.access(candidate, os.X_OK):
            probe = subprocess.run([candidate, "--version"], capture_output=True, text=True, check=False)
            if "GNU" in probe.stdout + probe.stderr:
                return candidate
    return None


GNU_TIME = gnu_time()
RSS_METHOD = ("GNU time %M (child forked by a small process)" if GNU_TIME else
              "os.wait4 ru_maxrss (includes this benchmark's own RSS at fork: ~20 MB floor)")


def _environment_with_bytecode_cache() -> dict[str, str]:
    """Children compile each module once into bench/out/pycache and reuse it, as an installed
    easlint (pip, pre-commit) does, even where PYTHONDONTWRITEBYTECODE=1 is set globally."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return env


def _environment_without_bytecode_cache() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPYCACHEPREFIX", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


CACHED_ENV = _environment_with_bytecode_cache()
UNCACHED_ENV = _environment_without_bytecode_cache()


def run_once(command: list[str], stdout_path: Path | None = None, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """Run `command` in a fresh process; wall time, CPU time and peak RSS of that command."""
    usage_file = OUT / ".usage"
    full = [GNU_TIME, "-f", "%M %U %S", "-o", str(usage_file)] + command if GNU_TIME else command
    with open(stdout_path or os.devnull, "wb") as stdout:
        start = time.perf_counter()
        child = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.DEVNULL, cwd=cwd,
                                 env=env if env is not None else CACHED_ENV)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
    if GNU_TIME:
        fields = usage_file.read_text().split()[-3:]  # "Command exited with non-zero status N" may come first
        rss_kib, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
        return Run(wall, cpu, rss_kib / 1024, child.returncode)
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    rss_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return Run(wall, usage.ru_utime + usage.ru_stime, rss_bytes / (1024 * 1024), child.returncode)


def measure_interleaved(measurements: list[Measurement], repeat: int, warmup: int = 1,
                        stdout_for: dict[str, Path] | None = None) -> None:
    stdout_for = stdout_for or {}
    for _ in range(warmup):
        for measurement in measurements:
            run_once(measurement.command, stdout_for.get(measurement.label), env=measurement.env)
    for _ in range(repeat):
        for measurement in measurements:
            measurement.runs.append(run_once(measurement.command, stdout_for.get(measurement.label), env=measurement.env))


# -- the environment ---------------------------------------------------------------------------


def resolve_easlint() -> tuple[list[str], str]:
    """The easlint console script, with a pyenv shim resolved to the script it runs."""
    found = shutil.which("easlint")
    if found is None:
        return [sys.executable, "-m", "linter.cli"], f"{sys.executable} -m linter.cli (no easlint on PATH)"
    try:
        first = Path(found).read_bytes()[:200].split(b"\n", 1)[0]
    except OSError:
        first = b""
    if b"python" not in first and shutil.which("pyenv"):
        resolved = subprocess.run(["pyenv", "which", "easlint"], capture_output=True, text=True, check=False).stdout.strip()
        if resolved:
            return [resolved], f"{resolved} (behind the pyenv shim {found})"
    return [found], found


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next(
        (candidate for candidate in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.access(candidate, os.X_OK)), None)


def first_line(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr).strip() else "?"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def script_interpreter(command: list[str]) -> str:
    """The Python that runs the easlint console script (its shebang), else this one."""
    if command[0] == sys.executable:
        return sys.executable
    try:
        shebang = Path(command[0]).read_bytes()[:300].split(b"\n", 1)[0].decode(errors="replace")
    except OSError:
        return sys.executable
    words = shebang[2:].split() if shebang.startswith("#!") else []
    if words and words[0].endswith("/env") and len(words) > 1:
        return shutil.which(words[1]) or sys.executable
    return words[0] if words and "python" in words[0] else sys.executable


def git_state() -> str:
    """The commit easlint's code is at, and whether the work tree differs from it."""
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    if head.returncode != 0:
        return "not a git checkout"
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "--", "linter", "parsers", "policies"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return head.stdout.strip() + (" + uncommitted changes in linter/, parsers/ or policies/" if dirty else "")


def environment(easlint: list[str], easlint_note: str, haproxy: str | None) -> dict[str, object]:
    interpreter = script_interpreter(easlint)
    return {
        "easlint_code": git_state(),
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": first_line([interpreter, "--version"]),
        "python_executable": interpreter,
        "easlint": first_line(easlint + ["--version"]),
        "easlint_command": easlint_note,
        "haproxy": first_line([haproxy, "-v"]) if haproxy else "not installed",
        "haproxy_path": haproxy,
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average_before": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "peak_rss_method": RSS_METHOD,
        "bytecode": "children use a bytecode cache in bench/out/pycache (PYTHONPYCACHEPREFIX) unless a row says otherwise; "
                    f"PYTHONDONTWRITEBYTECODE in this environment: {os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}",
    }


# -- imports -----------------------------------------------------------------------------------

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def _importtime(python: str, env: dict[str, str]) -> list[dict[str, object]]:
    result = subprocess.run([python, "-X", "importtime", "-m", "linter.cli", str(SMALL_EXAMPLE.relative_to(REPO))],
                            capture_output=True, text=True, cwd=REPO, check=False, env=env)
    modules = []
    for line in result.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            modules.append({"module": name, "self_ms": int(self_us) / 1000, "cumulative_ms": int(cumulative_us) / 1000,
                            "depth": (len(indent) - 1) // 2})
    return modules


def heaviest_imports(python: str, top: int, runs: int = 5) -> dict[str, object]:
    """`python -X importtime -m linter.cli <small example>`: totals and the heaviest modules.

    The run with the median total (of `runs`, bytecode cache warm) gives the lists; one run
    without a bytecode cache shows what compiling every module from source adds."""
    _importtime(python, CACHED_ENV)  # warm the cache
    samples = sorted((_importtime(python, CACHED_ENV) for _ in range(runs)), key=lambda ms: sum(m["self_ms"] for m in ms))
    modules = samples[len(samples) // 2]
    uncached = _importtime(python, UNCACHED_ENV)
    own = ("linter", "parsers", "policies")
    return {
        "runs": runs,
        "total_ms": sum(module["self_ms"] for module in modules),
        "total_ms_without_bytecode_cache": sum(module["self_ms"] for module in uncached),
        "modules": len(modules),
        "easlint_own_self_ms": sum(m["self_ms"] for m in modules if m["module"].split(".")[0] in own),
        "top_cumulative": sorted(modules, key=lambda m: m["cumulative_ms"], reverse=True)[:top],
        "top_self": sorted(modules, key=lambda m: m["self_ms"], reverse=True)[:top],
    }


# -- the report --------------------------------------------------------------------------------


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) if index == 0 else cell.rjust(width) for index, (cell, width) in enumerate(zip(cells, widths)))


def table(measurements: list[Measurement]) -> list[str]:
    widths = [34, 14, 11, 13, 12]
    lines = [_row(["tool", "median wall s", "min wall s", "median CPU s", "peak RSS MB"], widths)]
    for m in measurements:
        if not m.ok:
            lines.append(_row([m.label, "-", "-", "-", "-"], widths))
            continue
        lines.append(_row([m.label, f"{m.median('wall_s'):.3f}", f"{m.minimum('wall_s'):.3f}", f"{m.median('cpu_s'):.3f}",
                           f"{m.median('max_rss_mb'):.1f}"], widths))
    return lines


def ratios(a: Measurement, b: Measurement) -> dict[str, float] | None:
    if not (a.ok and b.ok):
        return None
    return {
        "wall_median": a.median("wall_s") / b.median("wall_s"),
        "wall_min": a.minimum("wall_s") / b.minimum("wall_s"),
        "cpu_median": a.median("cpu_s") / b.median("cpu_s"),
        "max_rss_median": a.median("max_rss_mb") / b.median("max_rss_mb"),
    }


def by_object(finding: dict[str, Any]) -> tuple[str, object]:
    """HAProxy findings are planted on named frontends and backends."""
    return finding["rule_id"], finding["object"]


def by_line(finding: dict[str, Any]) -> tuple[str, object]:
    """Firewall findings are planted on lines (the ASA and FortiGate generators know where)."""
    return finding["rule_id"], finding["location"]["line"]


def check_report(report_path: Path, expected: set[tuple[str, object]],
                 key: Callable[[dict[str, Any]], tuple[str, object]]) -> dict[str, object]:
    """Sanity check of the measured easlint output: valid JSON holding exactly the planted
    findings, so that a fast but wrong run cannot look good."""
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {"valid_json": False, "ok": False, "error": str(error)}
    findings = report.get("findings", [])
    got = {key(finding) for finding in findings}
    missing, unexpected = sorted(map(list, expected - got)), sorted(map(list, got - expected))
    return {
        "valid_json": True,
        "ok": not missing and not unexpected,
        "findings": len(findings),
        "by_rule": dict(sorted(Counter(finding["rule_id"] for finding in findings).items())),
        "planted_missing": missing,
        "unexpected": unexpected,
    }


def print_check(sanity: dict[str, Any]) -> None:
    if not sanity["valid_json"]:
        print(f"  easlint output is not valid JSON: {sanity['error']}")
        return
    print(f"  easlint output: {sanity['findings']} findings {sanity['by_rule']}; planted but not reported: "
          f"{len(sanity['planted_missing'])}; reported but not planted: {len(sanity['unexpected'])}"
          + ("" if sanity["ok"] else "  <- WRONG OUTPUT"))
    for rule, where in sanity["planted_missing"]:
        print(f"    missing: {rule} on {where}")
    for rule, where in sanity["unexpected"]:
        print(f"    unexpected: {rule} on {where}")


@dataclass
class VendorResult:
    """One row of the closing side-by-side table: easlint and the vendor's peer on one large file."""
    vendor: str
    lines: int
    easlint_wall_s: float | None
    easlint_rss_mb: float | None
    peer: str
    peer_wall_s: float | None = None
    peer_rss_mb: float | None = None
    findings_ok: bool = False

    @classmethod
    def measured(cls, vendor: str, lines: int, easlint: Measurement, peer: Measurement | None, peer_name: str,
                 findings_ok: bool) -> VendorResult:
        peer_ok = peer is not None and peer.ok
        return cls(vendor, lines, easlint.median("wall_s") if easlint.ok else None,
                   easlint.median("max_rss_mb") if easlint.ok else None, peer_name,
                   peer.median("wall_s") if peer_ok else None, peer.median("max_rss_mb") if peer_ok else None, findings_ok)


def summary_table(results: list[VendorResult]) -> list[str]:
    widths = [10, 8, 15, 15, 12, 12, 13, 11]
    lines = [_row(["vendor", "lines", "easlint wall s", "easlint RSS MB", "peer wall s", "peer RSS MB", "easlint/peer",
                   "findings"], widths) + "  peer"]

    def number(value: float | None, digits: int) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    for r in results:
        ratio = f"{r.easlint_wall_s / r.peer_wall_s:.2f}x" if r.easlint_wall_s and r.peer_wall_s else "-"
        lines.append(_row([r.vendor, f"{r.lines:,}", number(r.easlint_wall_s, 3), number(r.easlint_rss_mb, 1),
                           number(r.peer_wall_s, 3), number(r.peer_rss_mb, 1), ratio, "as planted" if r.findings_ok else "WRONG"],
                          widths) + "  " + r.peer)
    return lines


def scaling(sizes: list[int], seed: int, repeat: int, easlint: list[str], haproxy: str | None) -> list[dict[str, object]]:
    """Both tools on configs of several sizes: how the cost grows with the number of proxies."""
    print(f"\nScaling: {repeat} runs per tool and size (+1 warm-up); median wall s and peak RSS MB")
    widths = [10, 8, 16, 16, 18, 18, 8]
    print("  " + _row(["frontends", "lines", "easlint wall s", "haproxy wall s", "easlint RSS MB", "haproxy RSS MB", "wall x"], widths))
    rows = []
    for size in sizes:
        config = OUT / f"edge-{size}-s{seed}.cfg"
        text, _ = generate_haproxy.generate(size, seed, CERT)
        config.write_text(text, encoding="utf-8")
        relative = str(config.relative_to(REPO))
        measured = [Measurement("easlint", easlint + [relative, "--format", "json"])]
        if haproxy:
            measured.append(Measurement("haproxy", [haproxy, "-c", "-f", relative]))
        measure_interleaved(measured, repeat)
        row = {"frontends": size, "lines": text.count("\n"), **{m.label: m.summary() for m in measured}}
        rows.append(row)
        e = measured[0]
        h = measured[1] if haproxy else None
        print("  " + _row([str(size), f"{row['lines']:,}", f"{e.median('wall_s'):.3f}", f"{h.median('wall_s'):.3f}" if h else "-",
                           f"{e.median('max_rss_mb'):.1f}", f"{h.median('max_rss_mb'):.1f}" if h else "-",
                           f"{e.median('wall_s') / h.median('wall_s'):.2f}" if h else "-"], widths))
    return rows



# -- HAProxy -----------------------------------------------------------------------------------


def bench_haproxy(args: argparse.Namespace, easlint: list[str], haproxy: str | None, figures: dict[str, Any]) -> VendorResult:
    """The large generated edge, easlint beside `haproxy -c`; then start-up, imports, scaling and
    the profile as asked."""
    env = figures["environment"]
    stem = f"edge-{args.frontends}-s{args.seed}" + ("-gaps" if args.known_gaps else "")
    config = OUT / f"{stem}.cfg"
    text, manifest = generate_haproxy.generate(args.frontends, args.seed, CERT, known_gaps=args.known_gaps)
    config.write_text(text, encoding="utf-8")
    (OUT / f"{stem}.manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    planted = manifest["exchange"]
    config_info = {
        "path": str(config.relative_to(REPO)), "bytes": len(text.encode()), "lines": text.count("\n"),
        "frontends": manifest["frontends"], "backends": manifest["backends"], "listen": manifest["listen"],
        "exchange_front_ends": len(planted), "with_planted_problems": sum(1 for p in planted if p["expected"]),
    }
    figures["config"] = config_info
    relative = str(config.relative_to(REPO))
    failed = VendorResult("haproxy", config_info["lines"], None, None, "haproxy -c")

    print(f"\nHAProxy: {relative}: {config_info['lines']:,} lines, {config_info['bytes'] / 1e6:.1f} MB, {config_info['frontends']} "
          f"frontends, {config_info['backends']} backends, {config_info['listen']} listen; {config_info['exchange_front_ends']} "
          f"Exchange front ends, {config_info['with_planted_problems']} with planted problems")
    if haproxy:
        check = subprocess.run([haproxy, "-c", "-f", relative], capture_output=True, text=True, cwd=REPO, check=False)
        config_info["haproxy_check"] = {"exit_code": check.returncode, "warnings": (check.stdout + check.stderr).count("[WARNING]")}
        print(f"haproxy -c: exit {check.returncode}, {config_info['haproxy_check']['warnings']} warnings")
        if check.returncode != 0:
            print((check.stdout + check.stderr)[-2000:], file=sys.stderr)
            return failed

    large = [Measurement("easlint FILE --format json", easlint + [relative, "--format", "json"])]
    if haproxy:
        large.append(Measurement("haproxy -c -f FILE", [haproxy, "-c", "-f", relative]))
    report_path = OUT / "easlint-report.json"
    print(f"\nLarge config: {args.repeat} runs per tool (+1 warm-up), each in a fresh process, interleaved")
    measure_interleaved(large, args.repeat, stdout_for={large[0].label: report_path})
    for line in table(large):
        print("  " + line)
    figures["large"] = [m.summary() for m in large]
    if haproxy:
        r = ratios(large[0], large[1])
        figures["ratios_easlint_over_haproxy"] = r
        if r:
            print(f"  ratio easlint/haproxy: wall {r['wall_median']:.2f}x (median), {r['wall_min']:.2f}x (min); "
                  f"CPU {r['cpu_median']:.2f}x; peak RSS {r['max_rss_median']:.2f}x")
    expected = {(item["rule_id"], item["object"]) for planted in manifest["exchange"] for item in planted["expected"]}
    sanity = check_report(report_path, expected, by_object)
    figures["easlint_output"] = sanity
    print_check(sanity)

    if not args.no_startup:
        startup_and_imports(args, easlint, haproxy, env["python_executable"] or sys.executable, figures)
    if args.scaling:
        sizes = [int(size) for size in args.scaling.split(",") if size.strip()]
        figures["scaling"] = scaling(sizes, args.seed, args.repeat, easlint, haproxy)
    if args.profile:
        print()
        profile = subprocess.run([sys.executable, str(BENCH / "profile_easlint.py"), relative, "--top", "25"],
                                 cwd=REPO, capture_output=True, text=True, check=False)
        sys.stdout.write(profile.stdout)
        sys.stderr.write(profile.stderr)
    return VendorResult.measured("haproxy", config_info["lines"], large[0], large[1] if haproxy else None,
                                 "haproxy -c" if haproxy else "haproxy not installed", sanity["ok"])


def startup_and_imports(args: argparse.Namespace, easlint: list[str], haproxy: str | None, python: str,
                        figures: dict[str, Any]) -> None:
    """What a pre-commit hook pays on every commit: start-up on a small file, and the imports."""
    small = str(SMALL_EXAMPLE.relative_to(REPO))
    startup = [
        Measurement("python -c pass (interpreter floor)", [python, "-c", "pass"]),
        Measurement("easlint --version", easlint + ["--version"]),
        Measurement("easlint SMALL", easlint + [small]),
    ]
    startup.append(Measurement("easlint SMALL, no bytecode cache", easlint + [small], env=UNCACHED_ENV))
    if shutil.which("easlint") and easlint[0] != shutil.which("easlint"):
        startup.append(Measurement("easlint SMALL (via PATH shim)", [shutil.which("easlint"), small]))
    if haproxy:
        loadable = OUT / "exchange-good.loadable.cfg"
        loadable.write_text(re.sub(r"\bcrt\s+\S+", f"crt {CERT}", SMALL_EXAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
        startup.append(Measurement("haproxy -c -f SMALL", [haproxy, "-c", "-f", str(loadable.relative_to(REPO))]))
    print(f"\nStart-up: {args.startup_repeat} runs each; SMALL = {small}")
    measure_interleaved(startup, args.startup_repeat)
    for line in table(startup):
        print("  " + line)
    figures["startup"] = [m.summary() for m in startup]
    imports = heaviest_imports(python, args.top)
    figures["imports"] = imports
    print(f"\nImports: python -X importtime -m linter.cli {small} (median of {imports['runs']}, bytecode cache warm): "
          f"{imports['modules']} modules, {imports['total_ms']:.0f} ms in total, {imports['easlint_own_self_ms']:.0f} ms in "
          f"easlint's own modules; {imports['total_ms_without_bytecode_cache']:.0f} ms without a bytecode cache")
    print("  heaviest by cumulative time (ms, includes what they import):")
    for module in imports["top_cumulative"]:
        print(f"    {module['cumulative_ms']:8.1f}  {'  ' * module['depth']}{module['module']}")
    print("  heaviest by self time (ms):")
    for module in imports["top_self"]:
        print(f"    {module['self_ms']:8.1f}  {module['module']}")


# -- Cisco ASA and FortiGate -------------------------------------------------------------------

# vendor: (generator, its size option, file suffix, title)
FIREWALLS = {
    "asa": ("generate_asa.py", "--publications", ".cfg", "Cisco ASA"),
    "fortigate": ("generate_fortigate.py", "--policies", ".conf", "FortiGate"),
}
ACL_ENTRY = re.compile(r"^access-list\s+\S+\s+extended", re.MULTILINE)  # what the ciscoconfparse2 peer queries
CISCOCONFPARSE2_PARSE = (  # the peer's process: argv = [deps directory, ASA file]
    f"import json, sys; sys.path.insert(0, {str(BENCH)!r}); import generate_asa; "
    "print(json.dumps(generate_asa.time_ciscoconfparse2(generate_asa.Path(sys.argv[2]), sys.argv[1])))"
)


def generate_firewall(vendor: str, size: int, seed: int) -> tuple[Path, dict[str, Any], dict[str, Any]] | None:
    """Run the vendor's generator in a fresh process (this one stays small for the measurements):
    the file, its manifest, and easlint's phase times on it in that process (`--time`)."""
    script, size_option, suffix, _ = FIREWALLS[vendor]
    config = OUT / f"{vendor}-{size}-s{seed}{suffix}"
    manifest_path = config.with_suffix(".manifest.json")
    result = subprocess.run([sys.executable, str(BENCH / script), size_option, str(size), "--seed", str(seed), "-o", str(config),
                             "--manifest", str(manifest_path), "--time"],
                            capture_output=True, text=True, cwd=REPO, env=CACHED_ENV, check=False, timeout=600)
    if result.returncode != 0:
        print(f"  bench/{script} failed (exit {result.returncode}):\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    return config, json.loads(manifest_path.read_text(encoding="utf-8")), json.loads(result.stdout)["easlint"]


def install_ciscoconfparse2(deps: Path) -> tuple[str | None, str]:
    """ciscoconfparse2 in `deps`, installed from PyPI with `pip install --target` on first use and
    never into this Python's environment: (its version, "") or (None, why it is missing)."""
    def installed() -> list[Path]:
        return sorted(deps.glob("ciscoconfparse2-*.dist-info"))

    if not installed():
        print(f"  installing ciscoconfparse2 into {deps} (pip install --target, from PyPI) ...", flush=True)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
                   "--retries", "1", "--timeout", "15", "--target", str(deps), "ciscoconfparse2"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"pip could not run ({error})"
        if result.returncode != 0 or not installed():
            errors = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("WARNING")]
            return None, f"pip could not install ciscoconfparse2 from PyPI ({errors[-1] if errors else f'exit {result.returncode}'})"
    return installed()[-1].name.removesuffix(".dist-info").split("-", 1)[1], ""


def check_ciscoconfparse2(output: Path, text: str) -> dict[str, Any]:
    """The peer's own figures from its last measured run, and whether it saw every ACL entry."""
    try:
        figures = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {"ok": False, "error": f"no figures from ciscoconfparse2 ({error})"}
    return {**figures, "acl_lines_in_file": len(ACL_ENTRY.findall(text)), "ok": figures["acl_lines"] == len(ACL_ENTRY.findall(text))}


def bench_firewall(vendor: str, args: argparse.Namespace, easlint: list[str], python: str, figures: dict[str, Any]) -> VendorResult:
    """easlint on the vendor's generated ~30,000-line file; for the ASA beside ciscoconfparse2."""
    script, _, _, title = FIREWALLS[vendor]
    size = args.asa_publications if vendor == "asa" else args.fortigate_policies
    peer_name = "ciscoconfparse2 parse" if vendor == "asa" else "none (no FortiOS parser to compare)"
    print(f"\n{title}: generating with bench/{script} (size {size}, seed {args.seed}) ...", flush=True)
    generated = generate_firewall(vendor, size, args.seed)
    if generated is None:
        return VendorResult(vendor, 0, None, None, peer_name)
    config, manifest, phases = generated
    relative = str(config.relative_to(REPO))
    text = config.read_text(encoding="utf-8")
    expected = {(rule, line) for rule, line in _common.expected_findings(manifest)}
    info: dict[str, Any] = {"path": relative, "bytes": len(text.encode()), "lines": manifest["lines"],
                            "exchange_planted": len(manifest["exchange"]), "expected_findings": len(expected),
                            "easlint_in_process": phases}
    print(f"{relative}: {info['lines']:,} lines, {info['bytes'] / 1e6:.1f} MB; Exchange publications: {info['exchange_planted']}, "
          f"planted findings: {len(expected)}")

    measured = [Measurement("easlint FILE --format json", easlint + [relative, "--format", "json"])]
    report_path = OUT / f"easlint-report-{vendor}.json"
    stdout_for = {measured[0].label: report_path}
    peer_output = OUT / f"ciscoconfparse2-{vendor}.json"
    if vendor == "asa":
        version, why_not = install_ciscoconfparse2(Path(args.deps))
        info["ciscoconfparse2_version"] = version
        if version:
            label = "ciscoconfparse2 CiscoConfParse(FILE)"
            measured.append(Measurement(label, [python, "-c", CISCOCONFPARSE2_PARSE, str(Path(args.deps).resolve()), relative]))
            stdout_for[label] = peer_output
            peer_name = f"ciscoconfparse2 {version} parse"
        else:
            print(f"  {why_not}: skipping the ciscoconfparse2 peer")
            peer_name = "ciscoconfparse2 skipped (no PyPI)"
    print(f"{args.repeat} runs per tool (+1 warm-up), each in a fresh process, interleaved")
    measure_interleaved(measured, args.repeat, stdout_for=stdout_for)
    for line in table(measured):
        print("  " + line)
    info["measured"] = [m.summary() for m in measured]
    print(f"  easlint in-process (one run, imports excluded): parse {phases['parse_s']:.2f} s, analyze {phases['analyze_s']:.2f} s, "
          f"rules {phases['rules_s']:.2f} s; {phases['listeners']} listeners, {phases['pools']} pools")
    peer = measured[1] if len(measured) > 1 else None
    peer_ok = True
    if peer:
        r = ratios(measured[0], peer)
        info["ratios_easlint_over_peer"] = r
        peer_check = check_ciscoconfparse2(peer_output, text)
        info["ciscoconfparse2"] = peer_check
        peer_ok = peer_check["ok"] and {run.exit_code for run in peer.runs} == {0}
        if "error" in peer_check:
            print(f"  {peer_check['error']}")
        else:
            print(f"  ciscoconfparse2 in-process: CiscoConfParse() {peer_check['parse_s']:.2f} s, ACL query "
                  f"{peer_check['parse_and_query_s'] - peer_check['parse_s']:.2f} s; {peer_check['acl_lines']} ACL entries found, "
                  f"{peer_check['acl_lines_in_file']} in the file" + ("" if peer_ok else "  <- WRONG OUTPUT"))
        if r:
            print(f"  ratio easlint/ciscoconfparse2: wall {r['wall_median']:.2f}x (median), {r['wall_min']:.2f}x (min); "
                  f"CPU {r['cpu_median']:.2f}x; peak RSS {r['max_rss_median']:.2f}x")
    sanity = check_report(report_path, expected, by_line)
    info["easlint_output"] = sanity
    print_check(sanity)
    figures[vendor] = info
    return VendorResult.measured(vendor, info["lines"], measured[0], peer, peer_name, sanity["ok"] and peer_ok)


# -- F5 ----------------------------------------------------------------------------------------


def bench_f5(args: argparse.Namespace, figures: dict[str, Any]) -> VendorResult:
    """bench/run_f5.py, F5's own script (easlint beside f5-corkscrew), in a child process; it
    checks easlint's findings itself and fails when they are not the planted ones."""
    figures_path = OUT / "f5-figures.json"
    figures_path.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH / "run_f5.py"), "--virtuals", str(args.f5_virtuals), "--seed", str(args.seed),
               "--repeat", str(args.repeat), "--json", str(figures_path)]
    print(f"\nF5 BIG-IP: {' '.join(command[1:])}", flush=True)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    for line in result.stdout.splitlines():
        print("  " + line)
    if result.returncode != 0 or not figures_path.is_file():
        print(f"  bench/run_f5.py failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
        return VendorResult("f5", 0, None, None, "f5-corkscrew")
    f5 = json.loads(figures_path.read_text(encoding="utf-8"))
    figures["f5"] = f5
    return VendorResult("f5", f5["lines"], f5["easlint_wall_s"], f5["easlint_rss_mb"], "f5-corkscrew (node process)",
                        f5["corkscrew_wall_s"], f5["corkscrew_rss_mb"], findings_ok=True)


# -- main --------------------------------------------------------------------------------------

VENDORS = ("haproxy", "asa", "fortigate", "f5")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendor", nargs="+", choices=VENDORS, default=list(VENDORS), metavar="VENDOR",
                        help=f"which vendors to measure, in this order (default: all of {', '.join(VENDORS)})")
    parser.add_argument("--seed", type=int, default=generate_haproxy.DEFAULT_SEED, help="generator seed (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per tool on each large config (default 5)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON to FILE")
    haproxy_options = parser.add_argument_group("HAProxy")
    haproxy_options.add_argument("--frontends", type=int, default=generate_haproxy.DEFAULT_FRONTENDS,
                                 help="size of the generated config (default 2000)")
    haproxy_options.add_argument("--startup-repeat", type=int, default=10, help="measured runs per start-up command (default 10)")
    haproxy_options.add_argument("--top", type=int, default=12, help="how many imports to list (default 12)")
    haproxy_options.add_argument("--profile", action="store_true", help="also cProfile easlint on the large config (bench/profile_easlint.py)")
    haproxy_options.add_argument("--no-startup", action="store_true", help="skip the start-up measurements")
    haproxy_options.add_argument("--known-gaps", action="store_true",
                                 help="plant the constructs an early easlint missed as well (the output check requires them)")
    haproxy_options.add_argument("--scaling", metavar="N,N,...", help="also compare both tools at these sizes (frontends), e.g. 500,1000,4000")
    firewall_options = parser.add_argument_group("Cisco ASA, FortiGate, F5")
    firewall_options.add_argument("--asa-publications", type=int, default=generate_asa.DEFAULT_PUBLICATIONS,
                                  help=f"published servers in the ASA config (default {generate_asa.DEFAULT_PUBLICATIONS}: ~30,000 lines)")
    firewall_options.add_argument("--fortigate-policies", type=int, default=generate_fortigate.DEFAULT_POLICIES,
                                  help=f"policies in the FortiGate backup (default {generate_fortigate.DEFAULT_POLICIES}: ~30,000 lines)")
    firewall_options.add_argument("--deps", default=str(BENCH / ".deps"),
                                  help="where ciscoconfparse2 is installed with pip install --target (default bench/.deps)")
    firewall_options.add_argument("--f5-virtuals", type=int, default=3000, help="virtual servers for bench/run_f5.py (default 3000)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.startup_repeat < 1:
        parser.error("--repeat and --startup-repeat must be at least 1")
    if min(args.frontends, args.asa_publications, args.fortigate_policies, args.f5_virtuals) < 1:
        parser.error("sizes must be at least 1")

    OUT.mkdir(parents=True, exist_ok=True)
    easlint, easlint_note = resolve_easlint()
    haproxy = haproxy_binary()
    env = environment(easlint, easlint_note, haproxy)
    figures: dict[str, Any] = {"environment": env}
    print(f"easlint benchmark, {env['date']}")
    print(f"machine:  {env['platform']}, {env['cpu_count']} CPUs ({env['cpu']}), load average before "
          f"{', '.join(f'{x:.2f}' for x in env['load_average_before']) if env['load_average_before'] else '?'}")
    print(f"versions: {env['python']}, {env['easlint']}, {env['haproxy']}")
    print(f"easlint:  {easlint_note}; code at {env['easlint_code']}")
    print(f"memory:   {RSS_METHOD}")

    results = []
    for vendor in dict.fromkeys(args.vendor):
        if vendor == "haproxy":
            results.append(bench_haproxy(args, easlint, haproxy, figures))
        elif vendor == "f5":
            results.append(bench_f5(args, figures))
        else:
            results.append(bench_firewall(vendor, args, easlint, env["python_executable"] or sys.executable, figures))

    print("\nSide by side: median wall time of the whole process and its peak RSS; easlint runs "
          "`easlint FILE --format json` on each large file")
    for line in summary_table(results):
        print("  " + line)
    figures["summary"] = [asdict(result) for result in results]
    env["load_average_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0 if all(result.findings_ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
