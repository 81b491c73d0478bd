"""The machine report: stable JSON, described by `linter/schemas/report.schema.json`.

`schema_version` changes only when a field is removed or changes meaning; new fields may be
added without a change. Findings are sorted by file, line, column and rule.
"""

from __future__ import annotations

import json
from collections import Counter

from linter import __version__
from linter.engine import Report
from linter.findings import Finding, Severity
from linter.model import Location

SCHEMA_VERSION = 1


def _location(location: Location | None) -> dict | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column, "end_line": location.end_line}


def finding_to_json(finding: Finding) -> dict:
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": _location(finding.location),
        "device": finding.device,
        "object": finding.object_path,
        "attribute": finding.attribute,
        "expected": finding.expected,
        "actual": finding.actual,
        "evidence": [{"message": item.message, "location": _location(item.location)} for item in finding.evidence],
        "fix": None if finding.fix is None else {
            "description": finding.fix.description,
            "snippet": finding.fix.snippet,
            "location": _location(finding.fix.location),
        },
        "fingerprint": finding.fingerprint,
        "suppression": None if finding.suppression is None else {
            "kind": finding.suppression.kind,
            "justification": finding.suppression.justification,
            "location": _location(finding.suppression.location),
            "until": finding.suppression.until,
        },
    }


def report_to_json(report: Report) -> dict:
    """Every finding, suppressed ones marked; the summary counts only those that count, and the
    suppressed ones apart."""
    findings = report.findings
    active = [finding for finding in findings if finding.suppression is None]
    counts = Counter(finding.severity.value for finding in active)
    heartbeat = report.policy.heartbeat
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "easlint", "version": __version__},
        "policy": {
            "name": report.policy.name,
            "source": report.policy.source,
            "max_heartbeat_interval": heartbeat.max_interval,
            "heartbeat_alert_threshold": heartbeat.alert_threshold,
            "margin": heartbeat.margin,
            "blocked_apps": [app.name for app in report.policy.blocked_apps],
            "allowed_clients": [client.name for client in report.policy.allowed_clients],
        },
        "rules": [{"id": rule.id, "name": rule.name, "severity": rule.severity.value} for rule in report.rules],
        "files": [
            {
                "path": result.path,
                "vendor": result.vendor,
                "status": result.status,
                "activesync_path": result.activesync,
                "note": result.note,
                "findings": sum(1 for finding in result.findings if finding.suppression is None),
                "suppressed": sum(1 for finding in result.findings if finding.suppression is not None),
            }
            for result in report.files
        ],
        "findings": [finding_to_json(finding) for finding in findings],
        "summary": {
            "files_checked": sum(1 for result in report.files if result.status == "checked"),
            "files_skipped": sum(1 for result in report.files if result.status == "skipped"),
            "files_failed": sum(1 for result in report.files if result.status == "failed"),
            "findings": len(active),
            "suppressed": len(findings) - len(active),
            "baseline_fixed": report.baseline_fixed,
            "by_severity": {severity.value: counts.get(severity.value, 0) for severity in Severity},
            "io_errors": list(report.io_errors),
            "internal_errors": list(report.internal_errors),
        },
    }


def render(report: Report) -> str:
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n"
