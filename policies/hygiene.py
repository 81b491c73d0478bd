"""EAS001-EAS003: what the linter could not read or could not decide, reported, never hidden.

A parse problem or an undecidable rule is a finding like any other, so a CI gate fails on it
by the same `--fail-on` switch instead of passing silently (the Checkov and gixy complaint).
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.findings import Evidence, Finding, Severity
from linter.model import Diagnostic, Level, Location
from linter.probes import ProbeForm, Role
from linter.simulate import Outcome, Verdict, pool_phrase
from policies.base import Rule, RuleContext

_LEVELS = {Level.ERROR: Severity.ERROR, Level.WARNING: Severity.WARNING, Level.INFO: Severity.INFO}


def _diagnostics(context: RuleContext, code: str) -> Iterator[Diagnostic]:
    return (diagnostic for diagnostic in context.analysis.device.diagnostics if diagnostic.code == code)


def _from_diagnostic(rule: Rule, context: RuleContext, diagnostic: Diagnostic, severity: Severity) -> Finding:
    evidence = [Evidence(f"source: {diagnostic.text}", diagnostic.location)] if diagnostic.text else []
    return rule.finding(
        context,
        diagnostic.message,
        diagnostic.location,
        diagnostic.object_path or "(file)",
        f"{diagnostic.message} | {diagnostic.text or ''}",
        evidence=evidence,
        severity=severity,
    )


def unreadable_file(name: str, reason: str) -> Finding:
    """EAS001 for a file that cannot even be read as text (binary, too large)."""
    return Finding(PARSE_ERROR.id, PARSE_ERROR.name, Severity.ERROR, reason, Location(name, 1), name, "(file)",
                   f"unreadable | {reason}")


def _check_parse_error(context: RuleContext) -> Iterator[Finding]:
    for diagnostic in _diagnostics(context, PARSE_ERROR.id):
        yield _from_diagnostic(PARSE_ERROR, context, diagnostic, Severity.ERROR)


def _check_unrecognized(context: RuleContext) -> Iterator[Finding]:
    on_path = context.analysis.objects_on_path
    for diagnostic in _diagnostics(context, UNRECOGNIZED.id):
        if diagnostic.object_path in on_path:
            severity = Severity.ERROR
            message = f"{diagnostic.message}; it sits in {diagnostic.object_path}, which is on the ActiveSync path"
            diagnostic = Diagnostic(diagnostic.code, diagnostic.level, message, diagnostic.location,
                                    diagnostic.object_path, diagnostic.text)
        else:
            severity = _LEVELS[diagnostic.level]
        yield _from_diagnostic(UNRECOGNIZED, context, diagnostic, severity)


def _matters(outcome: Outcome) -> bool:
    """An undecided outcome matters when one way it goes breaks the policy. EWS requests are
    probed only for EAS206, a warning about a second protocol; where their route cannot be
    known they are not reported, so run-time routing of other sites stays quiet."""
    if outcome.verdict is not Verdict.INDETERMINATE or outcome.probe.form is ProbeForm.EWS:
        return False
    if outcome.probe.role is Role.BLOCKED:
        return any(b.verdict is Verdict.ALLOWED for b in outcome.branches)
    return any(b.verdict is Verdict.DENIED for b in outcome.branches)


def _check_cannot_verify(context: RuleContext) -> Iterator[Finding]:
    for diagnostic in _diagnostics(context, CANNOT_VERIFY.id):
        yield _from_diagnostic(CANNOT_VERIFY, context, diagnostic, _LEVELS[diagnostic.level])
    groups: dict[tuple, list[Outcome]] = {}
    for outcome in context.analysis.outcomes:
        if _matters(outcome):
            for unknown in outcome.unknowns:
                groups.setdefault((unknown.reason, unknown.location), []).append(outcome)
    for (reason, location), outcomes in groups.items():
        listener = outcomes[0].listener
        assert listener is not None
        probes = sorted({outcome.probe.label for outcome in outcomes})
        evidence = []
        for branch in outcomes[0].branches:
            decided = f" by line {branch.decided_by.location.line}" if branch.decided_by else ""
            where = f", {pool_phrase(branch.verdict)} {branch.pool}" if branch.pool else ""
            assumed = "; ".join(f"line {a.step.location.line} {'matches' if a.assumed else 'does not match'}" for a in branch.assumptions)
            evidence.append(Evidence(f"if {assumed or 'nothing is assumed'}: {branch.verdict.value}{decided}{where}"))
        yield CANNOT_VERIFY.finding(
            context,
            f"cannot verify how {listener.object_path} treats {', '.join(probes)}: {reason}",
            location or listener.location,
            listener.object_path,
            f"undecidable: {reason}",
            expected="a definite verdict for every probe",
            actual=f"depends on logic easlint cannot evaluate: {reason}",
            evidence=evidence,
        )


PARSE_ERROR = Rule(
    "EAS001", "parse-error", Severity.ERROR,
    "A file, or a line of it, cannot be parsed (the device itself would refuse it).",
    _check_parse_error,
)
UNRECOGNIZED = Rule(
    "EAS002", "unrecognized-syntax", Severity.WARNING,
    "A line easlint does not model; an error when it sits in an object on the ActiveSync path.",
    _check_unrecognized,
)
CANNOT_VERIFY = Rule(
    "EAS003", "cannot-verify", Severity.WARNING,
    "A verdict depends on logic easlint cannot evaluate (Lua, run-time values, untranslatable regex).",
    _check_cannot_verify,
)
