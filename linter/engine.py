"""Files in, findings out: discover, read, detect, parse, analyze, run the selected rules.

Each file is checked on its own and nothing one file does can stop the others: an unreadable
file becomes an EAS001 finding (or an I/O error when the operating system refused), and a bug
in easlint while checking a file is recorded as an internal error for that file, without a
traceback, while the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.analysis import analyze
from linter.files import Candidate, InputError, Unreadable, discover, display_path, read_text
from linter.findings import Finding
from linter.model import Device
from linter.policy import Policy
from parsers import vendor
from parsers.detect import SNIFF_BYTES, detect_vendor
from policies.base import Rule, RuleContext
from policies.hygiene import PARSE_ERROR, unreadable_file

__all__ = ["FileResult", "InputError", "Report", "check_file", "run"]


@dataclass(frozen=True)
class FileResult:
    path: str
    vendor: str | None
    status: str  # "checked", "skipped" (not a recognised configuration) or "failed"
    explicit: bool = False  # named on the command line
    activesync: bool | None = None  # whether an ActiveSync path was found
    note: str | None = None
    findings: tuple[Finding, ...] = ()


@dataclass
class Report:
    policy: Policy
    rules: tuple[Rule, ...]
    files: list[FileResult] = field(default_factory=list)
    io_errors: list[str] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sorted((finding for result in self.files for finding in result.findings), key=Finding.sort_key)


def _unreadable(name: str, reason: str, rules: tuple[Rule, ...]) -> tuple[Finding, ...]:
    return (unreadable_file(name, reason),) if PARSE_ERROR in rules else ()


def _run_rules(device: Device, policy: Policy, rules: tuple[Rule, ...], vendor_name: str) -> tuple[list[Finding], bool]:
    support = vendor(vendor_name)
    analysis = analyze(device, policy)
    context = RuleContext(analysis, support.fixer)
    findings = [finding for rule in rules if rule.applies_to(vendor_name) for finding in rule.check(context)]
    return findings, analysis.has_activesync_path


def check_file(candidate: Candidate, policy: Policy, rules: tuple[Rule, ...], report: Report) -> FileResult:
    name = display_path(candidate.path)

    def done(vendor_name: str | None, status: str, note: str | None = None, activesync: bool | None = None,
             findings: tuple[Finding, ...] = ()) -> FileResult:
        return FileResult(name, vendor_name, status, candidate.explicit, activesync, note, findings)

    head = read_text(candidate.path, limit=SNIFF_BYTES)
    if isinstance(head, Unreadable):
        if head.io_error:
            report.io_errors.append(f"{name}: {head.reason}")
            return done(None, "failed", note=head.reason)
        if not candidate.explicit:
            return done(None, "skipped", note=head.reason)
        return done(None, "failed", note=head.reason, findings=_unreadable(name, head.reason, rules))
    vendor_name = detect_vendor(head)
    if vendor_name is None:
        return done(None, "skipped", note="not a recognised configuration")
    text = read_text(candidate.path)
    if isinstance(text, Unreadable):
        return done(vendor_name, "failed", note=text.reason, findings=_unreadable(name, text.reason, rules))
    try:
        device = vendor(vendor_name).parse(name, text, candidate.path.parent)
        findings, activesync = _run_rules(device, policy, rules, vendor_name)
    except Exception as error:  # a bug in easlint: report it for this file and go on
        message = f"{name}: internal error while checking ({type(error).__name__}: {error})"
        report.internal_errors.append(message)
        return done(vendor_name, "failed", note=message)
    return done(vendor_name, "checked", activesync=activesync, findings=tuple(findings))


def run(paths: list[str], policy: Policy, rules: tuple[Rule, ...], all_files: bool = False) -> Report:
    """Check every configuration under `paths`; raises InputError for a path that does not exist."""
    report = Report(policy, rules)
    for candidate in discover(paths, all_files):
        report.files.append(check_file(candidate, policy, rules, report))
    return report
