"""GitHub Actions workflow commands: each finding becomes an annotation on its line of the diff.

    ::error file=haproxy.cfg,line=19,col=5,title=EAS102 timeout-below-max-heartbeat::message

Escaping follows the runner's rules (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions,
and `escapeData`/`escapeProperty` of actions/toolkit `packages/core/src/command.ts`): in the
message `%`, CR and LF become `%25`, `%0D`, `%0A`, so a finding can never start a line of its
own and smuggle in another command; property values also escape `:` and `,`, which separate
properties. Suppressed findings give no annotation. A plain summary line closes the output.

Paths are relative to the repository root (`GITHUB_WORKSPACE`) when easlint runs below it, since
that is what GitHub resolves annotation paths against.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from linter.engine import Report
from linter.findings import Finding, Severity
from linter.report.text import summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# GitHub shows at most this many error and this many warning annotations of one step; the rest
# are only in the log (https://github.com/orgs/community/discussions/68471).
ANNOTATIONS_SHOWN = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    """One workflow command; properties that are None are left out."""
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def workspace_path(path: str) -> str:
    """`path` relative to the repository root of the workflow, when it lies below it."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return path
    try:
        return Path(path).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except (ValueError, OSError):
        return path


def _message(finding: Finding) -> str:
    lines = [finding.message]
    if finding.expected is not None:
        lines.append(f"expected: {finding.expected}")
    if finding.actual is not None:
        lines.append(f"actual: {finding.actual}")
    if finding.fix is not None:
        lines.append(f"fix: {finding.fix.description}")
        lines += [f"    {line}" for line in finding.fix.snippet.splitlines()]
    return "\n".join(lines)


def annotation(finding: Finding) -> str:
    location = finding.location
    return command(
        COMMANDS[finding.severity],
        _message(finding),
        file=workspace_path(location.file),
        line=location.line,
        col=location.column,
        endLine=location.end_line,
        title=f"{finding.rule_id} {finding.rule_name}",
    )


def render(report: Report) -> str:
    active = [finding for finding in report.findings if finding.suppression is None]
    lines = [annotation(finding) for finding in active]
    for result in report.files:
        if result.io_error:
            lines.append(command("error", result.io_error, file=workspace_path(result.path),
                                 title="easlint: cannot read"))
        if result.internal_error:
            lines.append(command("error", f"{result.internal_error}; please report it with the file that caused it",
                                 file=workspace_path(result.path), title="easlint: internal error"))
    lines.append(summary_line(report))
    return "\n".join(_beyond_limit(active) + lines) + "\n"


def _beyond_limit(active: list[Finding]) -> list[str]:
    """A notice, first so GitHub shows it, when some annotations will only be in the log."""
    counts = Counter(finding.severity for finding in active)
    hidden = [f"{counts[severity]} {COMMANDS[severity]}s" for severity in (Severity.ERROR, Severity.WARNING)
              if counts[severity] > ANNOTATIONS_SHOWN]
    if not hidden:
        return []
    return [command("notice", f"easlint found {' and '.join(hidden)}; GitHub shows {ANNOTATIONS_SHOWN} annotations "
                              "of each kind per step, the step log lists them all.", title="easlint")]
