"""GitHub Actions workflow commands: one annotation per finding that counts, escaped by the
documented rules, then the summary line.

The runner reads `::name key=value,key=value::data` from the start of a line and decodes
`%0D`, `%0A`, `%3A`, `%2C` and finally `%25` (docs "Workflow commands for GitHub Actions";
actions/toolkit `escapeData`/`escapeProperty`). `decode` below is that reading, so the tests
check that what the runner gets back is exactly what easlint meant, for any text."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linter.engine import FileResult, Report, run
from linter.findings import Finding, Fix, Severity, Suppression
from linter.model import Location
from linter.policy import Policy
from linter.report import github
from linter.report.text import summary_line
from policies import RULES
from tests.conftest import REPO

PATH = "edge/haproxy.cfg"
COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<properties>[^:]*))?::(?P<data>.*)$")


def unescape(text: str, property_value: bool) -> str:
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if property_value:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


def decode(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the runner reads it: name, properties, message."""
    match = COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    properties = {}
    for pair in (match["properties"] or "").split(","):
        if pair:
            key, _, value = pair.partition("=")
            properties[key] = unescape(value, property_value=True)
    return match["name"], properties, unescape(match["data"], property_value=False)


def a_finding(**changes: object) -> Finding:
    base = Finding("EAS102", "timeout-below-max-heartbeat", Severity.ERROR, "timeout server 30m cuts long Pings",
                   Location(PATH, 19, 5), PATH, "backend be_exchange", "timeout server",
                   expected=">= 3600 s", actual="1800 s (30m)",
                   fix=Fix("in backend be_exchange, add", "backend be_exchange\n    timeout server 65m"))
    return dataclasses.replace(base, **changes)


def report_of(policy: Policy, *findings: Finding, **file: object) -> Report:
    result = FileResult(PATH, "haproxy", "checked", findings=tuple(findings), **file)  # type: ignore[arg-type]
    return Report(policy, RULES, [result])


@pytest.fixture(autouse=True)
def outside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


# -- escaping -------------------------------------------------------------------------------------


def test_documented_escapes() -> None:
    assert github.escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert github.escape_data("%0A") == "%250A"  # a literal escape in the text stays literal


@given(st.text())
def test_any_message_reaches_the_runner_unchanged_on_one_line(text: str) -> None:
    line = github.command("error", text, title=text, file="a.cfg")
    assert "\n" not in line and "\r" not in line
    name, properties, data = decode(line)
    assert (name, properties, data) == ("error", {"title": text, "file": "a.cfg"}, text)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1), st.integers(1, 10**6))
def test_any_path_stays_one_property(path: str, line_number: int) -> None:
    _, properties, _ = decode(github.command("warning", "m", file=path, line=line_number, col=None))
    assert properties == {"file": path, "line": str(line_number)}


# -- annotations ----------------------------------------------------------------------------------


def test_finding_becomes_an_annotation(policy: Policy) -> None:
    first, last = github.render(report_of(policy, a_finding())).splitlines()
    assert first.startswith("::error file=edge/haproxy.cfg,line=19,col=5,title=EAS102 timeout-below-max-heartbeat::")
    _, _, message = decode(first)
    assert message.splitlines() == ["timeout server 30m cuts long Pings", "expected: >= 3600 s", "actual: 1800 s (30m)",
                                    "fix: in backend be_exchange, add", "    backend be_exchange",
                                    "        timeout server 65m"]
    assert last == "Found 1 problem (1 error) in 1 file; 1 configuration file checked."


@pytest.mark.parametrize(("severity", "name"), [(Severity.ERROR, "error"), (Severity.WARNING, "warning"),
                                                (Severity.INFO, "notice")])
def test_levels(policy: Policy, severity: Severity, name: str) -> None:
    line = github.render(report_of(policy, a_finding(severity=severity))).splitlines()[0]
    assert decode(line)[0] == name


def test_end_line_and_missing_column(policy: Policy) -> None:
    line = github.render(report_of(policy, a_finding(location=Location(PATH, 19, None, 23)))).splitlines()[0]
    assert decode(line)[1] == {"file": PATH, "line": "19", "endLine": "23",
                               "title": "EAS102 timeout-below-max-heartbeat"}


def test_suppressed_findings_give_no_annotation(policy: Policy) -> None:
    waived = a_finding(attribute="timeout client", suppression=Suppression("inline", "accepted", Location(PATH, 17)))
    lines = github.render(report_of(policy, waived, a_finding())).splitlines()
    assert len(lines) == 2
    assert decode(lines[0])[1]["line"] == "19"
    assert lines[1] == ("Found 1 problem (1 error) in 1 file; 1 configuration file checked; "
                        "1 suppressed by waivers or the baseline.")


def test_read_and_internal_errors_are_annotated(policy: Policy) -> None:
    lines = github.render(report_of(policy, io_error=f"{PATH}: cannot read: Permission denied",
                                    internal_error=f"{PATH}: internal error (KeyError: 'x')")).splitlines()
    decoded = [decode(line) for line in lines[:-1]]
    assert [(name, properties["title"]) for name, properties, _ in decoded] == [
        ("error", "easlint: cannot read"), ("error", "easlint: internal error")]
    assert all(properties["file"] == PATH for _, properties, _ in decoded)
    assert "Permission denied" in decoded[0][2]


def test_paths_are_relative_to_the_workspace(policy: Policy, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "configs").mkdir()
    monkeypatch.chdir(tmp_path / "configs")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    line = github.render(report_of(policy, a_finding())).splitlines()[0]
    assert decode(line)[1]["file"] == "configs/edge/haproxy.cfg"


def test_paths_outside_the_workspace_are_kept(policy: Policy, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    line = github.render(report_of(policy, a_finding())).splitlines()[0]
    assert decode(line)[1]["file"] == PATH


def test_more_errors_than_github_shows_are_announced_first(policy: Policy) -> None:
    findings = [a_finding(location=Location(PATH, line, 5), attribute=str(line)) for line in range(1, 13)]
    lines = github.render(report_of(policy, *findings)).splitlines()
    name, properties, message = decode(lines[0])
    assert name == "notice" and properties == {"title": "easlint"}
    assert message.startswith("easlint found 12 errors;")
    assert len(lines) == 1 + 12 + 1


def test_examples_one_annotation_per_finding(policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    report = run(["examples"], policy, RULES)
    lines = github.render(report).splitlines()
    assert lines[-1] == summary_line(report)
    annotated = [decode(line) for line in lines[:-1] if line.startswith("::") and "title=EAS" in line]
    assert [(p["file"], int(p["line"]), p["title"].split()[0]) for _, p, _ in annotated] == [
        (f.location.file, f.location.line, f.rule_id) for f in report.findings]
    assert all((REPO / properties["file"]).is_file() for _, properties, _ in annotated)


# -- the text report shares the summary line and hides suppressed findings the same way --------------


def test_text_report_lists_suppressed_findings_only_when_asked(policy: Policy) -> None:
    from linter.report import text

    waived = a_finding(attribute="timeout client", location=Location(PATH, 30, 5),
                       suppression=Suppression("central", "accepted until the LB swap", Location(".easlint.yaml", 8),
                                               "2027-03-31"))
    report = report_of(policy, waived, a_finding())
    default = text.render(report)
    assert f"{PATH}:19:5: EAS102" in default and f"{PATH}:30:5" not in default
    assert default.splitlines()[-1] == summary_line(report)
    shown = text.render(report, show_suppressed=True)
    assert f"{PATH}:30:5: EAS102" in shown
    assert "    waived:   accepted until the LB swap (central waiver, .easlint.yaml:8, until 2027-03-31)" in shown
    in_baseline = a_finding(suppression=Suppression("baseline", "in baseline .easlint-baseline.json"))
    assert "    baseline: in baseline .easlint-baseline.json" in text.render(report_of(policy, in_baseline),
                                                                          show_suppressed=True)
