#!/usr/bin/env python3
"""Where easlint spends its time on one configuration: phase timings, then cProfile.

    python3 bench/profile_easlint.py bench/out/edge-2000-s1.cfg [--top 25]

Phases (one run, in this process, after the imports): read the file, split it into sections
and parse it into the model (HAProxy parser), analyze (scope, probes, simulation), each rule's
check, and the JSON report. Then the whole `easlint FILE --format json` path runs again under
cProfile; the profile is saved beside the config (`.prof`, readable with `python -m pstats`)
and the top functions are printed by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def phases(path: Path) -> list[tuple[str, float]]:
    started = time.perf_counter()
    from linter.analysis import analyze
    from linter.engine import FileResult, Report, run
    from linter.files import display_path, read_text
    from linter.policy import load_builtin
    from linter.report.json import render
    from parsers import vendor
    from parsers.haproxy.proxies import build_proxies
    from parsers.haproxy.sections import split_sections
    from policies import selected
    from policies.base import RuleContext

    timings = [("imports (linter, parsers, policies)", time.perf_counter() - started)]

    def timed(label: str, function, *args):
        start = time.perf_counter()
        value = function(*args)
        timings.append((label, time.perf_counter() - start))
        return value

    policy = timed("load the built-in policy pack", load_builtin)
    rules = selected(None, None)
    name = display_path(path)
    text = timed("read the file", read_text, path)
    diagnostics: list = []
    sections = timed("parse: lex and split into sections", split_sections, name, text, diagnostics)
    timed("parse: build listeners and pools", build_proxies, name, sections, diagnostics, path.parent)
    support = vendor("haproxy")
    device = timed("parse: whole HAProxy parser (again, end to end)", support.parse, name, text, path.parent)
    analysis = timed("analyze: scope, probes, simulation", analyze, device, policy)
    context = RuleContext(analysis, support.fixer)
    findings = []
    for rule in rules:
        findings += timed(f"rule {rule.id} {rule.name}", lambda r=rule: list(r.check(context)))
    report = Report(policy, rules, [FileResult(name, "haproxy", "checked", True, analysis.has_activesync_path, None, tuple(findings))])
    timed("render the JSON report", render, report)
    start = time.perf_counter()
    run([str(path)], policy, rules)
    timings.append(("whole check (engine.run) once more", time.perf_counter() - start))
    return timings


def profile(path: Path, top: int) -> str:
    from linter.cli import main

    profiler = cProfile.Profile()
    sink = io.StringIO()
    real_stdout = sys.stdout
    sys.stdout = sink
    try:
        profiler.enable()
        main([str(path), "--format", "json"])
        profiler.disable()
    finally:
        sys.stdout = real_stdout
    saved = path.with_suffix(".prof")
    profiler.dump_stats(saved)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    out.write(f"cProfile of `easlint {path} --format json` (saved to {saved})\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Phase timings and cProfile of easlint on one configuration.")
    parser.add_argument("config", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    timings = phases(args.config)
    print(f"Phase timings of easlint on {args.config} (one run, wall seconds):")
    for label, seconds in timings:
        print(f"  {seconds:8.3f}  {label}")
    print()
    print(profile(args.config, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
