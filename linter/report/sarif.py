"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Follows the OASIS SARIF 2.1.0 schema and the subset GitHub code scanning reads
(https://docs.github.com/en/code-security/reference/code-scanning/sarif-files/sarif-support-for-code-scanning):

- every registered rule is described in `tool.driver.rules`, with its documentation page as
  `help`, so an alert explains itself without a trip to the docs;
- `partialFingerprints` carries the finding's own fingerprint (rule, device, object, attribute;
  never a line number), so GitHub keeps one alert per problem while lines move;
- `properties.security-severity` is what GitHub shows as critical/high/medium/low, and only for
  rules tagged `security`: every easlint rule is an edge security control (the availability of
  the Exchange front door or who may sync mail), so every rule carries the tag;
- suppressed findings (inline or central waivers, the baseline) stay in the log with
  `suppressions`, which GitHub shows as dismissed instead of opening an alert.

Fixes are not written as SARIF `fixes`: a fix is a vendor-native instruction ("change line 19
to ...", "add next to line 40"), not a byte replacement SARIF can express, so its snippet goes in
`properties.fix` and its description in the message.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from linter import __version__
from linter.engine import Report
from linter.findings import Finding, Severity, Suppression
from linter.model import Location
from policies import RULES
from policies.base import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# The project has no public address yet: `.invalid` (RFC 2606) can never point at something else.
INFORMATION_URI = "https://easlint.invalid/"
RULE_DOCS_URI = INFORMATION_URI + "rules/"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "easlintFingerprint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub maps security-severity 7.0-8.9 to "high", 4.0-6.9 to "medium" and 0.1-3.9 to "low", and by
# default fails a pull request check on "high" or worse: the same line easlint's gate draws with
# its default --fail-on error. The values sit in the middle of each band.
SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
RULE_FAMILIES = {"0": "hygiene", "1": "direct-push-timers", "2": "app-blocking", "3": "exchange-settings"}
SUPPRESSION_KINDS = {"inline": "inSource", "central": "external", "baseline": "external"}
# GitHub keeps only the 5,000 most severe results of a run and refuses a run above 25,000.
GITHUB_SHOWN_RESULTS = 5000
GITHUB_MAX_RESULTS = 25000

NOTIFICATIONS = (
    {"id": "io-error", "shortDescription": {"text": "A file could not be read; it was not checked."}},
    {"id": "internal-error", "shortDescription": {"text": "A bug in easlint stopped the check of a file."}},
    {"id": "github-result-limit", "shortDescription": {"text": "More results than GitHub code scanning shows."}},
)
_NOTIFICATION_INDEX = {descriptor["id"]: index for index, descriptor in enumerate(NOTIFICATIONS)}
_RELATIVE_DOC_LINK = re.compile(r"\]\((EAS\d{3})\.md\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def help_uri(rule_id: str) -> str:
    return f"{RULE_DOCS_URI}{rule_id}"


@cache
def _doc_page(rule_id: str) -> str | None:
    page = resources.files("policies").joinpath(f"docs/{rule_id}.md")
    return page.read_text(encoding="utf-8") if page.is_file() else None


def _first_paragraph(page: str) -> str:
    """The paragraph under the page's title: what the rule finds, in a few sentences."""
    paragraph: list[str] = []
    for line in page.splitlines()[1:]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    return _MARKDOWN_LINK.sub(r"\1", " ".join(paragraph))


def _rule_properties(rule_id: str, severity: Severity) -> dict:
    family = RULE_FAMILIES.get(rule_id[3:4], "other")
    return {"security-severity": SECURITY_SEVERITY[severity], "tags": ["security", "exchange-activesync", family]}


def _rule_descriptor(rule: Rule) -> dict:
    page = _doc_page(rule.id)
    descriptor: dict = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_paragraph(page) if page else rule.summary},
        "helpUri": help_uri(rule.id),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": _rule_properties(rule.id, rule.severity),
    }
    if page:
        # Links between rule pages are relative in the repository; in an alert they must be absolute.
        descriptor["help"] = {"text": page, "markdown": _RELATIVE_DOC_LINK.sub(lambda m: f"]({help_uri(m[1])})", page)}
    return descriptor


def _unregistered_descriptor(finding: Finding) -> dict:
    """A rule a finding names that the registry does not hold, described by what the finding says."""
    return {
        "id": finding.rule_id,
        "name": finding.rule_name,
        "shortDescription": {"text": finding.rule_name.replace("-", " ")},
        "helpUri": help_uri(finding.rule_id),
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": _rule_properties(finding.rule_id, finding.severity),
    }


def _uri(path: str) -> dict:
    """A relative POSIX path under %SRCROOT% (the working directory findings are relative to), or
    an absolute file URI for a file outside it. A file name that is not UTF-8 keeps its bytes,
    percent-encoded."""
    posix = PurePosixPath(path)
    if posix.is_absolute() or ".." in posix.parts:
        return {"uri": Path(path).resolve().as_uri()}
    return {"uri": quote(posix.as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _physical(location: Location) -> dict:
    region: dict = {"startLine": max(location.line, 1)}
    if location.column:
        region["startColumn"] = location.column
    if location.end_line and location.end_line >= region["startLine"]:
        region["endLine"] = location.end_line
    return {"physicalLocation": {"artifactLocation": _uri(location.file), "region": region}}


def _message(finding: Finding) -> str:
    """The finding's message first (GitHub shows the first sentence as the alert title), then what
    was expected and found, the evidence no related location carries, and the fix."""
    lines = [finding.message]
    if finding.expected is not None:
        lines.append(f"Expected: {finding.expected}")
    if finding.actual is not None:
        lines.append(f"Actual: {finding.actual}")
    lines += [f"Evidence: {item.message}" for item in finding.evidence if item.location is None]
    if finding.fix is not None:
        lines.append(f"Fix: {finding.fix.description}")
    return "\n".join(lines)


def _suppression(suppression: Suppression) -> dict:
    entry: dict = {
        "kind": SUPPRESSION_KINDS[suppression.kind],
        "status": "accepted",
        "justification": suppression.justification,
        "properties": {"source": suppression.kind},
    }
    if suppression.location is not None:
        entry["location"] = _physical(suppression.location)
    if suppression.until is not None:
        entry["properties"]["until"] = suppression.until
    return entry


def _result(finding: Finding, rule_index: int) -> dict:
    result: dict = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [_physical(finding.location)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    related = [
        {"id": number, **_physical(item.location), "message": {"text": item.message}}
        for number, item in enumerate((item for item in finding.evidence if item.location is not None), start=1)
    ]
    if related:
        result["relatedLocations"] = related
    if finding.suppression is not None:
        result["suppressions"] = [_suppression(finding.suppression)]
    properties: dict = {"device": finding.device, "object": finding.object_path, "attribute": finding.attribute}
    if finding.expected is not None:
        properties["expected"] = finding.expected
    if finding.actual is not None:
        properties["actual"] = finding.actual
    if finding.fix is not None:
        properties["fix"] = {"description": finding.fix.description, "snippet": finding.fix.snippet}
        if finding.fix.location is not None:
            properties["fix"]["location"] = str(finding.fix.location)
    result["properties"] = properties
    return result


def _notification(kind: str, text: str, level: str, path: str | None = None) -> dict:
    notification: dict = {
        "descriptor": {"id": kind, "index": _NOTIFICATION_INDEX[kind]},
        "level": level,
        "message": {"text": text},
    }
    if path is not None:
        notification["locations"] = [{"physicalLocation": {"artifactLocation": _uri(path)}}]
    return notification


def _notifications(report: Report, result_count: int) -> list[dict]:
    notifications = []
    for file in report.files:
        if file.io_error:
            notifications.append(_notification("io-error", file.io_error, "error", file.path))
        if file.internal_error:
            notifications.append(_notification(
                "internal-error", f"{file.internal_error}; please report it with the file that caused it", "error",
                file.path))
    if result_count > GITHUB_SHOWN_RESULTS:
        verdict = "refuses the upload" if result_count > GITHUB_MAX_RESULTS else "keeps the most severe"
        notifications.append(_notification(
            "github-result-limit",
            f"{result_count} results: GitHub code scanning shows at most {GITHUB_SHOWN_RESULTS} per run and {verdict}",
            "warning"))
    return notifications


def _source_root() -> str:
    uri = Path.cwd().resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def report_to_sarif(report: Report) -> dict:
    configured = {rule.id: rule for rule in report.rules}  # with the configuration's severities
    descriptors = [_rule_descriptor(configured.get(rule.id, rule)) for rule in RULES]
    index = {rule.id: position for position, rule in enumerate(RULES)}
    findings = report.findings
    for finding in findings:
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(_unregistered_descriptor(finding))
    results = [_result(finding, index[finding.rule_id]) for finding in findings]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "easlint",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": descriptors,
                    "notifications": list(NOTIFICATIONS),
                },
            },
            "invocations": [{
                "executionSuccessful": not (report.io_errors or report.internal_errors),
                "toolExecutionNotifications": _notifications(report, len(results)),
            }],
            "originalUriBaseIds": {
                SRCROOT: {
                    "uri": _source_root(),
                    "description": {"text": "The directory easlint ran in; finding paths are relative to it."},
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"policy": report.policy.name},
        }],
    }


def render(report: Report) -> str:
    return json.dumps(report_to_sarif(report), indent=2, ensure_ascii=False) + "\n"
