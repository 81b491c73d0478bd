"""The human report: one block per finding, grouped by file, then a one-line summary.

The first line of each finding is `file:line:col: ID name [severity] message`, the form editors
and terminals turn into a link; the lines under it give what was expected, what was found, the
evidence and a vendor-native fix.
"""

from __future__ import annotations

from collections import Counter

from linter.engine import Report
from linter.findings import Finding, Severity

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _labelled(label: str, lines: list[str]) -> list[str]:
    out = []
    for index, line in enumerate(lines):
        out.append(f"    {label + ':' if index == 0 else '':<10}{line}")
    return out


def render_finding(finding: Finding, color: bool) -> list[str]:
    severity = _paint(f"[{finding.severity.value}]", _COLORS[finding.severity], color)
    rule = _paint(f"{finding.rule_id} {finding.rule_name}", "1", color)
    lines = [f"{finding.location}: {rule} {severity} {finding.message}"]
    if finding.expected is not None:
        lines += _labelled("expected", [finding.expected])
    if finding.actual is not None:
        lines += _labelled("actual", [finding.actual])
    evidence = []
    for item in finding.evidence:
        prefix = f"line {item.location.line}: " if item.location and f"line {item.location.line}" not in item.message else ""
        if item.location and item.location.file != finding.location.file:
            prefix = f"{item.location}: "
        evidence.append(prefix + item.message)
    if evidence:
        lines += _labelled("evidence", evidence)
    if finding.fix is not None:
        lines += _labelled("fix", [finding.fix.description] + [f"| {line}" for line in finding.fix.snippet.splitlines()])
    suppression = finding.suppression
    if suppression is not None and suppression.kind == "baseline":
        lines += _labelled("baseline", [suppression.justification])
    elif suppression is not None:
        details = [f"{suppression.kind} waiver"]
        if suppression.location is not None:
            details.append(str(suppression.location))
        if suppression.until is not None:
            details.append(f"until {suppression.until}")
        lines += _labelled("waived", [f"{suppression.justification} ({', '.join(details)})"])
    return lines


def summary_line(report: Report) -> str:
    """Counts of the findings that count; suppressed ones (waived or in the baseline) are only
    counted, so that what was set aside stays visible."""
    findings = [finding for finding in report.findings if finding.suppression is None]
    suppressed = len(report.findings) - len(findings)
    counts = Counter(finding.severity for finding in findings)
    checked = [result for result in report.files if result.status == "checked"]
    parts = [f"{counts[severity]} {severity.value}{'s' if counts[severity] != 1 and severity is not Severity.INFO else ''}"
             for severity in Severity if counts[severity]]
    files_with = len({finding.location.file for finding in findings})
    if findings:
        text = f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) in {files_with} file{'s' if files_with != 1 else ''}"
    else:
        text = "No problems found"
    text += f"; {len(checked)} configuration file{'s' if len(checked) != 1 else ''} checked"
    if suppressed:
        text += f"; {suppressed} suppressed by waivers or the baseline"
    if report.baseline_fixed is not None:
        text += f"; {report.baseline_fixed} baseline entr{'y' if report.baseline_fixed == 1 else 'ies'} fixed"
    return text + "."


def render(report: Report, color: bool = False, quiet: bool = False, show_suppressed: bool = False) -> str:
    out: list[str] = []
    current_file = None
    for finding in report.findings:
        if finding.suppression is not None and not show_suppressed:
            continue
        if current_file is not None and finding.location.file != current_file:
            out.append("")
        current_file = finding.location.file
        out += render_finding(finding, color)
    if out:
        out.append("")
    if not quiet:
        no_path = [result.path for result in report.files if result.status == "checked" and result.activesync is False]
        if no_path:
            out.append("No ActiveSync path found (nothing names Exchange, ActiveSync, OWA, EWS, MAPI or autodiscover) in: "
                       + ", ".join(no_path))
        skipped = [result for result in report.files if result.status == "skipped" and result.explicit]
        for result in skipped:
            out.append(f"Skipped {result.path}: {result.note}")
    for message in report.io_errors:
        out.append(f"error: {message}")
    for message in report.internal_errors:
        out.append(f"internal error: {message}; please report it with the file that caused it")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
