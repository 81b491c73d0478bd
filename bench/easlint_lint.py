#!/usr/bin/env python3
"""easlint's lint of one file timed inside its process, after its imports (bench/run_f5.py).

    python3 bench/easlint_lint.py FILE     # JSON: {"seconds": ..., "exit_code": ..., "report": {...}}

The mirror of bench/corkscrew_parse.js --time, which times corkscrew's `loadParseAsync` after
node has started and `require()` has loaded corkscrew: here the modules easlint loads to lint a
bigip.conf (the command line, the engine and scheduler, the rules, the JSON report, the YAML
reader of the policy pack and every module of the F5 parser, iRule translator included) are
imported first, then the clock runs over exactly what `easlint FILE --format json` does after
its imports (options, configuration, discovery, parse, analysis, rules, the JSON report). The
report is captured, not printed, and returned beside the time so that the benchmark can check
it holds the planted findings.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import pkgutil
import sys
import time

MODULES = ("linter.cli", "linter.engine", "linter.scheduler", "linter.config", "linter.policy", "linter.report.json",
           "linter.exchange_inputs", "policies", "ruamel.yaml", "glob")  # ruamel.yaml reads the built-in policy pack
PACKAGES = ("parsers.f5",)


def import_easlint() -> None:
    """Import what a lint of a bigip.conf uses, as `require()` loads corkscrew."""
    for name in MODULES:
        importlib.import_module(name)
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(module.name)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: easlint_lint.py FILE\n")
        return 2
    import_easlint()
    from linter.cli import main as easlint

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        start = time.perf_counter()
        exit_code = easlint([argv[0], "--format", "json"])
        seconds = time.perf_counter() - start
    if exit_code not in (0, 1):
        sys.stderr.write(f"easlint exited {exit_code}\n{captured.getvalue()[-2000:]}")
        return exit_code
    json.dump({"seconds": seconds, "exit_code": exit_code, "report": json.loads(captured.getvalue())}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
