"""What the benchmark's configuration generators share: writing their output, and timing
easlint's phases in-process on what they wrote.

bench/ is not a package; the generators load this module from their own directory.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write_outputs(text: str, output: str, manifest: dict[str, object], manifest_path: str | None) -> None:
    """The configuration to `output` ("-": standard output) and the manifest as JSON, creating
    parent directories: the benchmark writes into bench/out/, which a fresh checkout lacks."""
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")
    if manifest_path:
        Path(manifest_path).parent.mkdir(parents=True, exist_ok=True)
        Path(manifest_path).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def expected_findings(manifest: dict[str, object]) -> list[tuple[str, int]]:
    """(rule id, line) of every finding the generator planted, sorted."""
    return sorted((item["rule_id"], item["line"]) for item in manifest["expected_findings"])  # type: ignore[index,union-attr]


def time_lint(display_name: str, text: str, vendor_name: str) -> dict[str, object]:
    """Parse, analysis and every rule of easlint on `text`, timed in this process (imports and
    the policy pack excluded): where a whole-process figure spends its time."""
    sys.path.insert(0, str(REPO))
    from linter.analysis import analyze
    from linter.policy import load_builtin
    from parsers import vendor
    from policies import RULES
    from policies.base import RuleContext

    support = vendor(vendor_name)
    policy = load_builtin()
    start = time.perf_counter()
    device = support.parse(display_name, text, None)
    parsed = time.perf_counter()
    analysis = analyze(device, policy)
    analyzed = time.perf_counter()
    context = RuleContext(analysis, support.fixer)
    findings = [finding for rule in RULES if rule.applies_to(vendor_name) for finding in rule.check(context)]
    done = time.perf_counter()
    return {"parse_s": round(parsed - start, 3), "analyze_s": round(analyzed - parsed, 3), "rules_s": round(done - analyzed, 3),
            "lint_s": round(done - start, 3), "listeners": len(device.listeners), "pools": len(device.pools),
            "findings": dict(sorted(Counter(finding.rule_id for finding in findings).items()))}
