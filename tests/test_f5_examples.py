"""The F5 examples say what they claim: exchange-problems.conf has the built-in tcp profile on
the server side (EAS101), an iRule whose tests are case-sensitive (EAS202, once per test) and
that leaves EWS open (EAS206); exchange-fixed.conf has nothing to report. Expected lines are
found by the text of the line they point at."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from linter.analysis import analyze
from linter.findings import Finding
from linter.policy import Policy
from parsers.f5 import parse
from parsers.f5.fixes import F5Fixer
from policies import RULES
from policies.base import RuleContext
from tests.conftest import REPO

EXAMPLES = REPO / "examples" / "f5"
PROBLEMS = EXAMPLES / "exchange-problems.conf"
FIXED = EXAMPLES / "exchange-fixed.conf"


def lint(path: Path, policy: Policy) -> list[Finding]:
    context = RuleContext(analyze(parse(path.name, path.read_text(encoding="utf-8"), path.parent), policy), F5Fixer())
    return [finding for rule in RULES if rule.applies_to("f5") for finding in rule.check(context)]


def line_with(path: Path, text: str) -> int:
    found = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if text in line and not line.startswith("#")]
    assert len(found) == 1, f"{path.name}: {text!r} on lines {found}"
    return found[0]


def test_every_example_is_covered() -> None:
    assert sorted(EXAMPLES.glob("*.conf")) == sorted([PROBLEMS, FIXED])


def expected_findings() -> dict[Path, list[tuple[str, int]]]:
    """(rule, line) of every finding each F5 example must give, found from the lines' text."""
    builtin_tcp = line_with(PROBLEMS, "/Common/tcp {")
    # the iRule's decisions: the `reject` after the User-Agent test, then the one after the DeviceType test
    user_agent_test = line_with(PROBLEMS, "class match [HTTP::header") + 1
    device_type_test = line_with(PROBLEMS, "URI::query [HTTP::uri] DeviceType") + 1
    return {
        PROBLEMS: [("EAS101", builtin_tcp), ("EAS202", user_agent_test), ("EAS202", device_type_test),
                   ("EAS206", user_agent_test)],
        FIXED: [],
    }


def test_problems_example(policy: Policy) -> None:
    findings = lint(PROBLEMS, policy)
    assert Counter((f.rule_id, f.location.line) for f in findings) == Counter(expected_findings()[PROBLEMS])
    timer = next(f for f in findings if f.rule_id == "EAS101")
    assert timer.fix is not None and timer.fix.snippet.startswith("create ltm profile tcp /Common/exchange-tcp-3900 defaults-from /Common/tcp idle-timeout 3900")
    assert "/Common/exchange_client_tcp { context clientside }" in timer.fix.snippet  # the other profiles are kept


def test_fixed_example_is_clean(policy: Policy) -> None:
    assert lint(FIXED, policy) == []
