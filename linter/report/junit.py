"""JUnit XML for CI test report views (Jenkins `junit`, GitLab `artifacts:reports:junit`).

Each checked file is a `<testsuite>` and each rule that applies to it a `<testcase>`, so a CI
page shows which rules a config passes, not only what failed:

- a rule with unsuppressed findings on the file fails, with one `<failure>` whose text lists
  every finding (line, message, expected, actual, fix); a rule with no finding passes;
- suppressed findings (waived or in the baseline) never fail; they are listed in the test case's
  `<system-out>` with their justification, so the waiver stays visible in CI;
- a file easlint did not check (not a configuration, a vendor it does not read) is one skipped
  test case, so a config that slipped through unchecked is visible, not silently green;
- a file that could not be read or that hit a bug in easlint is one test case with an
  `<error>` (JUnit's "the test could not run"), beside the findings it did give.

Every finding is a failure whatever its severity: the exit code applies `--fail-on`, the report
shows everything found. Built with ElementTree, which escapes text and attributes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from linter.engine import FileResult, Report
from linter.findings import Finding
from policies.base import Rule

FILE_CASE = "configuration check"
# Characters XML 1.0 cannot hold at all, escaped or not (control characters, lone surrogates from
# undecodable file names). ElementTree would write them as they are and break the document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(root: ET.Element) -> None:
    """Show each character XML cannot hold as a visible escape (\\x1b), in every text and attribute."""
    def clean(text: str) -> str:
        return _NOT_XML.sub(lambda match: f"\\x{ord(match[0]):02x}", text)

    for element in root.iter():
        if element.text:
            element.text = clean(element.text)
        for name, value in element.attrib.items():
            element.set(name, clean(value))


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _describe(finding: Finding) -> str:
    lines = [f"{finding.location}: [{finding.severity.value}] {finding.message}"]
    if finding.expected is not None:
        lines.append(f"    expected: {finding.expected}")
    if finding.actual is not None:
        lines.append(f"    actual:   {finding.actual}")
    for item in finding.evidence:
        where = f"{item.location}: " if item.location is not None else ""
        lines.append(f"    evidence: {where}{item.message}")
    if finding.fix is not None:
        lines.append(f"    fix:      {finding.fix.description}")
        lines += [f"        | {line}" for line in finding.fix.snippet.splitlines()]
    return "\n".join(lines)


def _failure_message(findings: list[Finding]) -> str:
    if len(findings) == 1:
        return f"line {findings[0].location.line}: {findings[0].message}"
    lines = ", ".join(str(finding.location.line) for finding in findings)
    return f"{len(findings)} findings, lines {lines}: {findings[0].message}"


def _rule_case(suite: ET.Element, path: str, rule_id: str, rule_name: str, findings: list[Finding]) -> None:
    case = ET.SubElement(suite, "testcase", name=f"{rule_id} {rule_name}", classname=path)
    active = [finding for finding in findings if finding.suppression is None]
    suppressed = [finding for finding in findings if finding.suppression is not None]
    if active:
        failure = ET.SubElement(case, "failure", message=_failure_message(active), type=rule_id)
        failure.text = "\n\n".join(_describe(finding) for finding in active)
    if suppressed:
        out = ET.SubElement(case, "system-out")
        out.text = "\n\n".join(
            f"suppressed ({finding.suppression.kind}: {finding.suppression.justification}):\n{_describe(finding)}"
            for finding in suppressed if finding.suppression is not None
        )


def _cases_for(result: FileResult, rules: tuple[Rule, ...]) -> list[tuple[str, str, list[Finding]]]:
    """(rule id, rule name, findings) for each test case of a file: every rule that ran on a
    checked file, and for a file that failed only the rules that still reported something
    (the others never ran, so they neither passed nor failed)."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    names: dict[str, str] = {}
    for finding in sorted(result.findings, key=Finding.sort_key):
        by_rule[finding.rule_id].append(finding)
        names[finding.rule_id] = finding.rule_name
    if result.status == "checked" and result.vendor is not None:
        for rule in rules:
            if rule.applies_to(result.vendor):
                names.setdefault(rule.id, rule.name)
    return [(rule_id, names[rule_id], by_rule.get(rule_id, [])) for rule_id in sorted(names)]


def _suite(parent: ET.Element, result: FileResult, rules: tuple[Rule, ...]) -> ET.Element:
    suite = ET.SubElement(parent, "testsuite", name=result.path)
    for rule_id, rule_name, findings in _cases_for(result, rules):
        _rule_case(suite, result.path, rule_id, rule_name, findings)
    if result.status == "skipped":
        case = ET.SubElement(suite, "testcase", name=FILE_CASE, classname=result.path)
        ET.SubElement(case, "skipped", message=result.note or "not checked")
    for kind, message in (("io-error", result.io_error), ("internal-error", result.internal_error)):
        if message:
            case = ET.SubElement(suite, "testcase", name=FILE_CASE, classname=result.path)
            ET.SubElement(case, "error", message=message, type=kind).text = message
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", str(sum(1 for case in cases if case.find("error") is not None)))
    suite.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    suite.set("time", _seconds(result.seconds))
    return suite


def report_to_junit(report: Report) -> ET.Element:
    root = ET.Element("testsuites", name="easlint")
    suites = [_suite(root, result, report.rules) for result in report.files]
    for counter in ("tests", "failures", "errors", "skipped"):
        root.set(counter, str(sum(int(suite.get(counter, "0")) for suite in suites)))
    root.set("time", _seconds(sum(result.seconds for result in report.files)))
    return root


def render(report: Report) -> str:
    root = report_to_junit(report)
    _xml_safe(root)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
