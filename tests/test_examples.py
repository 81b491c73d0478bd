"""The sample configurations of examples/ (the README's demo) say what they claim.

- exchange-good.cfg: nothing to report;
- exchange-short-timeout.cfg: the 30-minute `timeout server` inherited from defaults (EAS102),
  and the User-Agent-only, case-sensitive CloudMagic block (EAS202, EAS203);
- exchange-shadowed-deny.cfg: both CloudMagic denies shadowed by the allow above them (EAS204).

Expected lines are found by the text of the line they point at, so editing the comments of an
example does not break the test, while a finding moving to another line does. Every example is
a real configuration (`haproxy -c`), and the installed `easlint` command reports the same.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from linter.findings import Finding, Severity
from linter.policy import Policy
from policies import RULES
from tests.conftest import REPO, lint_haproxy
from tests.haproxy_support import haproxy_check

EXAMPLES = REPO / "examples" / "haproxy"
GOOD = EXAMPLES / "exchange-good.cfg"
SHORT_TIMEOUT = EXAMPLES / "exchange-short-timeout.cfg"
SHADOWED = EXAMPLES / "exchange-shadowed-deny.cfg"
SEVERITY = {rule.id: rule.severity for rule in RULES}


def lines_with(path: Path, text: str) -> list[int]:
    """Numbers of the configuration lines (not comments) that contain `text`."""
    found = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if text in line and not line.lstrip().startswith("#")]
    assert found, f"{path.name} has no line with {text!r}: the example changed, update this test"
    return found


def line_with(path: Path, text: str) -> int:
    found = lines_with(path, text)
    assert len(found) == 1, f"{path.name}: {text!r} is on several lines {found}"
    return found[0]


def expected_findings() -> dict[Path, list[tuple[str, int]]]:
    """(rule, line) of every finding each example must give, from reading the examples."""
    inherited_timeout = line_with(SHORT_TIMEOUT, "timeout server 30m")  # in defaults; be_exchange sets none
    ua_only_block = line_with(SHORT_TIMEOUT, "http-request deny if { path_beg -i /microsoft-server-activesync } blocked_app")
    shadowed = lines_with(SHADOWED, "http-request deny deny_status 403 if activesync")
    assert len(shadowed) == 2
    return {
        GOOD: [],
        SHORT_TIMEOUT: [("EAS102", inherited_timeout), ("EAS202", ua_only_block), ("EAS203", ua_only_block)],
        SHADOWED: [("EAS204", line) for line in shadowed],
    }


def lint_file(path: Path, policy: Policy) -> list[Finding]:
    return lint_haproxy(path.read_text(encoding="utf-8"), policy, path.name, path.parent)


def test_every_example_is_covered() -> None:
    assert sorted(EXAMPLES.glob("*.cfg")) == sorted(expected_findings())


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.cfg")), ids=lambda path: path.name)
def test_example_findings(path: Path, policy: Policy) -> None:
    findings = lint_file(path, policy)
    actual = Counter((finding.rule_id, finding.location.line) for finding in findings)
    expected = Counter(expected_findings()[path])
    described = "\n".join(f"  {f.rule_id} line {f.location.line}: {f.message}" for f in findings) or "  (none)"
    assert actual == expected, f"findings of {path.name}:\n{described}"


def test_short_timeout_findings_say_why(policy: Policy) -> None:
    by_rule = {finding.rule_id: finding for finding in lint_file(SHORT_TIMEOUT, policy)}
    timeout = by_rule["EAS102"]
    assert timeout.object_path == "backend be_exchange"
    assert "1800 s" in (timeout.actual or "")
    assert any("inherited by backend be_exchange" in item.message for item in timeout.evidence)
    assert "CloudMagic (case)" in (by_rule["EAS202"].actual or "")  # the variant that gets through
    assert "no User-Agent header" in (by_rule["EAS203"].actual or "")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.cfg")), ids=lambda path: path.name)
def test_example_passes_haproxy_check(path: Path, tmp_path: Path) -> None:
    result = haproxy_check(path, tmp_path)
    assert result.returncode == 0, result.stdout


# -- the installed command -------------------------------------------------------------------------


def easlint_command() -> str:
    found = shutil.which("easlint") or shutil.which("easlint", path=str(Path(sys.executable).parent))
    assert found, "the easlint console script is not installed (python3 -m pip install -e '.[test]')"
    return found


def run_easlint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    env["NO_COLOR"] = "1"
    return subprocess.run([easlint_command(), *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)


def summary(findings: list[tuple[str, int]], files_with_findings: int, files_checked: int) -> str:
    """The report's last line for these findings (each rule at its default severity)."""
    counts = Counter(SEVERITY[rule] for rule, _ in findings)
    return (f"Found {len(findings)} problems ({counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings) "
            f"in {files_with_findings} files; {files_checked} configuration files checked.")


def firewall_findings() -> dict[Path, list[tuple[str, int]]]:
    """The firewall examples in a run with the HAProxy examples: each has one short session timer;
    their EAS207 (a firewall cannot see HTTP) is dropped because a proxy of the run carries
    ActiveSync and blocks apps."""
    found: dict[Path, list[tuple[str, int]]] = {}
    for relative, setting in FIREWALL_EXAMPLES.items():
        path = REPO / "examples" / relative
        if path.exists():
            found[path] = [("EAS102", line_with(path, setting))]
    return found


def exchange_findings() -> dict[Path, list[tuple[str, int]]]:
    """The Exchange examples: the Sync web.config (MaxHeartbeatInterval 1800, which sets the
    threshold of the whole run) and the device access rules are inputs with no finding of their
    own; the front-end request filter blocks CloudMagic in the URL and query only, so the base64
    query form (EAS203) and EWS (EAS206) get through it."""
    examples = REPO / "examples" / "exchange"
    front_end = examples / "FrontEnd" / "HttpProxy" / "sync" / "web.config"
    rule = line_with(front_end, '<filteringRule name="BlockCloudMagic"')
    return {examples / "Sync" / "web.config": [], examples / "device-access-rules.csv": [],
            front_end: [("EAS203", rule), ("EAS206", rule)]}


FIREWALL_EXAMPLES = {
    "asa/exchange-edge.cfg": "timeout conn 0:30:00",
    "fortigate/exchange-edge.conf": "set default 1800",
    "panos/exchange-edge.xml": "<timeout-tcp>1800</timeout-tcp>",
}


def test_easlint_on_examples_directory() -> None:
    result = run_easlint("examples/")
    assert result.returncode == 1, result.stdout + result.stderr
    from tests.test_f5_examples import expected_findings as f5_findings

    expected = expected_findings() | firewall_findings() | f5_findings() | exchange_findings()
    shown = Counter(
        ((REPO / match["file"]).resolve(), match["rule"], int(match["line"]))
        for match in re.finditer(r"^(?P<file>\S+?):(?P<line>\d+)(?::\d+)?: (?P<rule>EAS\d{3}) ", result.stdout, re.MULTILINE)
    )
    wanted = Counter((path.resolve(), rule, line) for path, found in expected.items() for rule, line in found)
    assert shown == wanted, result.stdout
    all_findings = [finding for found in expected.values() for finding in found]
    files_with_findings = sum(1 for found in expected.values() if found)
    assert summary(all_findings, files_with_findings, len(expected)) in result.stdout.splitlines(), result.stdout


def test_on_the_example_path_the_load_balancer_covers_the_request_filters_gaps() -> None:
    """examples/exchange/easlint-paths.yaml ties the PAN-OS firewall, the good HAProxy and the
    IIS request filter into one path: the load balancer refuses every form first, so the IIS
    filter's own gaps are no finding, while every hop's timers are still judged."""
    result = run_easlint("--config", "examples/exchange/easlint-paths.yaml", "examples/")
    assert result.returncode == 1, result.stdout + result.stderr
    from tests.test_f5_examples import expected_findings as f5_findings

    expected = expected_findings() | firewall_findings() | f5_findings() | exchange_findings()
    front_end = REPO / "examples" / "exchange" / "FrontEnd" / "HttpProxy" / "sync" / "web.config"
    expected[front_end] = []
    shown = Counter(
        ((REPO / match["file"]).resolve(), match["rule"], int(match["line"]))
        for match in re.finditer(r"^(?P<file>\S+?):(?P<line>\d+)(?::\d+)?: (?P<rule>EAS\d{3}) ", result.stdout, re.MULTILINE)
    )
    assert shown == Counter((path.resolve(), rule, line) for path, found in expected.items() for rule, line in found), result.stdout
    trace = run_easlint("trace", "--config", "examples/exchange/easlint-paths.yaml", "--path", "internet-to-exchange",
                        "--app", "CloudMagic")
    assert trace.returncode == 0, trace.stderr
    assert "=> refused by hop 2 (examples/haproxy/exchange-good.cfg)" in trace.stdout


def test_easlint_on_good_example_exits_zero() -> None:
    result = run_easlint("examples/haproxy/exchange-good.cfg")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"\bEAS\d{3}\b", result.stdout), result.stdout
    assert "No problems found; 1 configuration file checked." in result.stdout.splitlines(), result.stdout
