"""JUnit XML output, read back with junitparser (the reader behind the common "publish test
results" GitHub Action) and checked for what Jenkins' `junit` step and GitLab's
`artifacts:reports:junit` read: one <testsuites>, a <testsuite> per file with consistent
counters, a <testcase> per file and rule named "ID name" with the file as classname, <failure>
with message and type for a failing rule, <skipped/> and <error> for files that were not
checked."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from linter.engine import FileResult, Report, run
from linter.findings import Evidence, Finding, Fix, Severity, Suppression
from linter.model import Location
from linter.policy import Policy
from linter.report import junit
from policies import RULES
from tests.conftest import REPO

PATH = "edge/haproxy.cfg"


@pytest.fixture(scope="module")
def fixtures_report(policy: Policy) -> Report:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        return run(["tests/rules", "examples"], policy, RULES)


def parse(report: Report) -> JUnitXml:
    xml = JUnitXml.fromstring(junit.render(report))
    assert isinstance(xml, JUnitXml), "the root element must be <testsuites>"
    return xml


def suites(xml: JUnitXml) -> list[TestSuite]:
    return list(xml)


def cases(suite: TestSuite) -> list[TestCase]:
    return list(suite)


def a_finding(line: int = 19, **changes: object) -> Finding:
    base = Finding("EAS102", "timeout-below-max-heartbeat", Severity.ERROR, "timeout server 30m cuts long Pings",
                   Location(PATH, line, 5), PATH, "backend be_exchange", f"timeout server {line}",
                   expected=">= 3600 s", actual="1800 s (30m)",
                   evidence=(Evidence("set in defaults", Location(PATH, 4, 5)),),
                   fix=Fix("in backend be_exchange, add", "backend be_exchange\n    timeout server 65m"))
    return dataclasses.replace(base, **changes)


def report_of(policy: Policy, *results: FileResult) -> Report:
    return Report(policy, RULES, list(results))


def checked(*findings: Finding, path: str = PATH) -> FileResult:
    return FileResult(path, "haproxy", "checked", findings=tuple(findings), seconds=0.25)


# -- the fixtures, read back ----------------------------------------------------------------------


def test_every_file_is_a_suite_and_every_rule_a_case(fixtures_report: Report) -> None:
    xml = parse(fixtures_report)
    by_name = {suite.name: suite for suite in suites(xml)}
    assert list(by_name) == [result.path for result in fixtures_report.files]
    for result in fixtures_report.files:
        suite = by_name[result.path]
        if result.status == "checked" and result.vendor is not None:
            applicable = [f"{rule.id} {rule.name}" for rule in RULES if rule.applies_to(result.vendor)]
            assert [case.name for case in cases(suite)] == sorted(applicable)
        assert all(case.classname == result.path for case in cases(suite))


def test_failing_cases_are_exactly_the_rules_with_findings(fixtures_report: Report) -> None:
    expected: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for result in fixtures_report.files:
        for finding in result.findings:
            if finding.suppression is None:  # waived findings never fail a test case
                expected[(result.path, finding.rule_id)].append(finding)
    failed = {}
    for suite in suites(parse(fixtures_report)):
        for case in cases(suite):
            failures = [item for item in case.result if isinstance(item, Failure)]
            if failures:
                [failure] = failures
                failed[(suite.name, case.name.split()[0])] = failure
    assert set(failed) == set(expected)
    for key, failure in failed.items():
        assert failure.type == key[1]
        header = re.match(r"(?:\d+ findings, lines (?P<lines>[\d, ]+)|line (?P<line>\d+)): ", failure.message)
        assert header, failure.message
        lines = [int(number) for number in (header["lines"] or header["line"]).split(", ")]
        assert lines == [finding.location.line for finding in sorted(expected[key], key=Finding.sort_key)]
        for finding in expected[key]:
            assert f"{finding.location}: [{finding.severity.value}] {finding.message}" in failure.text


def test_counters_match_the_cases(fixtures_report: Report) -> None:
    xml = parse(fixtures_report)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites(xml):
        results = [case.result for case in cases(suite)]
        counted = {
            "tests": len(results),
            "failures": sum(1 for result in results if any(isinstance(item, Failure) for item in result)),
            "errors": sum(1 for result in results if any(isinstance(item, Error) for item in result)),
            "skipped": sum(1 for result in results if any(isinstance(item, Skipped) for item in result)),
        }
        assert {name: getattr(suite, name) for name in counted} == counted, suite.name
        for name, value in counted.items():
            totals[name] += value
    assert {name: getattr(xml, name) for name in totals} == totals
    assert totals["failures"] == len({(result.path, finding.rule_id) for result in fixtures_report.files
                                      for finding in result.findings if finding.suppression is None})


def test_document_is_utf8_xml_with_a_declaration(fixtures_report: Report) -> None:
    text = junit.render(fixtures_report)
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<testsuites ")
    ET.fromstring(text.encode("utf-8"))


# -- one file at a time ---------------------------------------------------------------------------


def test_failure_text_lists_each_finding(policy: Policy) -> None:
    [suite] = suites(parse(report_of(policy, checked(a_finding(19), a_finding(40)))))
    [case] = [case for case in cases(suite) if case.name == "EAS102 timeout-below-max-heartbeat"]
    [failure] = case.result
    assert isinstance(failure, Failure) and failure.type == "EAS102"
    assert failure.message == "2 findings, lines 19, 40: timeout server 30m cuts long Pings"
    blocks = failure.text.split("\n\n")
    assert blocks[0].splitlines() == [
        "edge/haproxy.cfg:19:5: [error] timeout server 30m cuts long Pings",
        "    expected: >= 3600 s",
        "    actual:   1800 s (30m)",
        "    evidence: edge/haproxy.cfg:4:5: set in defaults",
        "    fix:      in backend be_exchange, add",
        "        | backend be_exchange",
        "        |     timeout server 65m",
    ]
    assert blocks[1].startswith("edge/haproxy.cfg:40:5: ")
    assert suite.time == 0.25


def test_rules_without_findings_pass(policy: Policy) -> None:
    [suite] = suites(parse(report_of(policy, checked(a_finding()))))
    passing = [case.name for case in cases(suite) if case.is_passed]
    assert "EAS101 timeout-below-alert-threshold" in passing
    assert "EAS102 timeout-below-max-heartbeat" not in passing
    assert suite.tests == len(RULES) and suite.failures == 1


def test_suppressed_findings_do_not_fail(policy: Policy) -> None:
    waived = a_finding(suppression=Suppression("inline", "vendor appliance sets it", Location(PATH, 17), "2027-03-31"))
    [suite] = suites(parse(report_of(policy, checked(waived))))
    [case] = [case for case in cases(suite) if case.name.startswith("EAS102 ")]
    assert case.is_passed and suite.failures == 0
    assert "suppressed (inline: vendor appliance sets it)" in case.system_out
    assert "edge/haproxy.cfg:19:5" in case.system_out


def test_only_unsuppressed_findings_fail(policy: Policy) -> None:
    waived = a_finding(19, suppression=Suppression("baseline", "in baseline b.json"))
    [suite] = suites(parse(report_of(policy, checked(waived, a_finding(40)))))
    [case] = [case for case in cases(suite) if case.name.startswith("EAS102 ")]
    [failure] = case.result
    assert failure.message == "line 40: timeout server 30m cuts long Pings"
    assert ":19:" not in failure.text and ":19:" in case.system_out


def test_skipped_file_is_one_skipped_case(policy: Policy) -> None:
    result = FileResult("edge/notes.txt", None, "skipped", note="not a recognised configuration")
    [suite] = suites(parse(report_of(policy, result)))
    [case] = cases(suite)
    assert case.is_skipped and case.classname == "edge/notes.txt"
    assert case.result[0].message == "not a recognised configuration"
    assert (suite.tests, suite.skipped, suite.failures) == (1, 1, 0)


def test_unreadable_and_crashed_files_are_errors(policy: Policy) -> None:
    unreadable = FileResult("edge/a.cfg", None, "failed", note="cannot read: Permission denied",
                            io_error="edge/a.cfg: cannot read: Permission denied")
    crashed = FileResult(PATH, "haproxy", "failed", internal_error="edge/haproxy.cfg: internal error (KeyError: 'x')")
    first, second = suites(parse(report_of(policy, unreadable, crashed)))
    [case] = cases(first)
    [error] = case.result
    assert isinstance(error, Error) and error.type == "io-error" and "Permission denied" in error.message
    [case] = cases(second)
    assert case.result[0].type == "internal-error"
    assert (first.errors, second.errors) == (1, 1)


def test_failed_file_lists_only_the_rules_that_reported(policy: Policy) -> None:
    """A file that could not be parsed was not checked by the other rules: they neither pass nor fail."""
    parse_error = a_finding(rule_id="EAS001", rule_name="parse-error", message="binary file")
    [suite] = suites(parse(report_of(policy, FileResult(PATH, None, "failed", findings=(parse_error,)))))
    assert [case.name for case in cases(suite)] == ["EAS001 parse-error"]
    assert suite.failures == 1


def test_text_xml_cannot_hold_is_shown_escaped(policy: Policy) -> None:
    odd = a_finding(message="unknown keyword '\x1b[31mred\x0c' <&> \"quoted\"", actual="\udcff byte")
    text = junit.render(report_of(policy, checked(odd)))
    [suite] = suites(JUnitXml.fromstring(text))
    [failure] = [case.result[0] for case in cases(suite) if not case.is_passed]
    assert "unknown keyword '\\x1b[31mred\\x0c' <&> \"quoted\"" in failure.message
    assert "\\xdcff byte" in failure.text
