"""Files in, findings out: discover, read, detect, parse, analyze, run the selected rules.

Each device is checked on its own and nothing one device does can stop the others: an
unreadable file becomes an EAS001 finding (or an I/O error when the operating system refused),
a bug in easlint while checking a file is recorded as an internal error for that file, without
a traceback, and a file that takes longer than the time limit is reported as not verified. The
run goes on in every case. `linter.scheduler` runs the checks, in a process pool for audits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from linter.analysis import Analysis, analyze
from linter.collector import paused
from linter.config import Config
from linter.files import (
    Candidate,
    InputError,
    Unreadable,
    discover,
    display_path,
    read_text,
)
from linter.findings import Finding, Severity
from linter.model import Device, DeviceKind, Location
from linter.policy import Policy
from linter.waivers import (
    CentralWaiver,
    FileWaivers,
    apply_waivers,
    read_inline_waivers,
)
from parsers import SUPPORTED, archive_vendor, vendor
from parsers.detect import SNIFF_BYTES, UNSUPPORTED, detect_vendor
from policies.app_blocking import NO_L7_VISIBILITY
from policies.base import Rule, RuleContext
from policies.hygiene import CANNOT_VERIFY, PARSE_ERROR, unreadable_file

if TYPE_CHECKING:  # imported where used: most runs have no baseline and no network paths
    from linter.baseline import Baseline
    from linter.paths import ProbeVerdict

__all__ = ["FileResult", "InputError", "Report", "check_file", "run"]

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class FileResult:
    path: str
    vendor: str | None
    status: str  # "checked", "skipped" (not a recognised configuration) or "failed"
    explicit: bool = False  # named on the command line
    activesync: bool | None = None  # whether an ActiveSync path was found; None: the device has no listener
    note: str | None = None
    findings: tuple[Finding, ...] = ()
    device_kind: DeviceKind | None = None
    waivers: tuple[FileWaivers, ...] = ()  # inline waivers of each file of the device
    io_error: str | None = None  # the operating system refused to read it (exit 2)
    internal_error: str | None = None  # a bug in easlint while checking it (exit 3)
    seconds: float = 0.0
    files: tuple[str, ...] = ()  # every file the device was read from (a path's hop globs match these)
    verdicts: tuple[ProbeVerdict, ...] = ()  # what the device did with each probe, when the run has paths


@dataclass
class Report:
    policy: Policy
    rules: tuple[Rule, ...]
    files: list[FileResult] = field(default_factory=list)
    extra_findings: list[Finding] = field(default_factory=list)  # about no checked file (a central waiver)
    baseline_fixed: int | None = None  # baseline entries no longer found, when a baseline was given

    @property
    def findings(self) -> list[Finding]:
        found = [finding for result in self.files for finding in result.findings] + self.extra_findings
        return sorted(found, key=Finding.sort_key)

    @property
    def io_errors(self) -> list[str]:
        return [result.io_error for result in self.files if result.io_error]

    @property
    def internal_errors(self) -> list[str]:
        return [result.internal_error for result in self.files if result.internal_error]


def _unreadable(name: str, reason: str, rules: tuple[Rule, ...]) -> tuple[Finding, ...]:
    return (unreadable_file(name, reason),) if PARSE_ERROR in rules else ()


def _run_rules(device: Device, policy: Policy, rules: tuple[Rule, ...], vendor_name: str) -> tuple[list[Finding], Analysis]:
    support = vendor(vendor_name)
    analysis = analyze(device, policy)
    context = RuleContext(analysis, support.fixer)
    findings = [finding for rule in rules if rule.applies_to(vendor_name) for finding in rule.check(context)]
    return findings, analysis


def _skip_unsupported(vendor_name: str) -> str:
    return UNSUPPORTED.get(vendor_name, f"{vendor_name} configuration: easlint does not read this vendor yet")


def check_file(candidate: Candidate, policy: Policy, rules: tuple[Rule, ...], verdicts: bool = False) -> FileResult:
    """Check one device, named by its main file; never raises for anything the file holds.
    With `verdicts` (the run has paths) the result also says what the device did with each probe."""
    name = display_path(candidate.path)

    def done(vendor_name: str | None, status: str, **details: object) -> FileResult:
        return FileResult(name, vendor_name, status, candidate.explicit, **details)  # type: ignore[arg-type]

    archive = archive_vendor(candidate.path)
    if archive is not None:
        return _check_device(candidate, archive, None, policy, rules, done, verdicts)
    head = read_text(candidate.path, limit=SNIFF_BYTES)
    if isinstance(head, Unreadable):
        if head.io_error:
            return done(None, "failed", note=head.reason, io_error=f"{name}: {head.reason}")
        if not candidate.explicit:
            return done(None, "skipped", note=head.reason)
        return done(None, "failed", note=head.reason, findings=_unreadable(name, head.reason, rules))
    vendor_name = candidate.vendor or detect_vendor(head)
    if vendor_name is None:
        return done(None, "skipped", note="not a recognised configuration")
    if vendor_name not in SUPPORTED:
        return done(vendor_name, "skipped", note=_skip_unsupported(vendor_name))
    text = read_text(candidate.path)
    if isinstance(text, Unreadable):
        return done(vendor_name, "failed", note=text.reason, findings=_unreadable(name, text.reason, rules))
    return _check_device(candidate, vendor_name, text, policy, rules, done, verdicts)


def _check_device(candidate: Candidate, vendor_name: str, text: str | None, policy: Policy, rules: tuple[Rule, ...],
                  done: Callable[..., FileResult], verdicts: bool) -> FileResult:
    name = display_path(candidate.path)
    try:
        with paused():  # the device lives only inside _examine (linter.collector says why)
            details = _examine(candidate, name, vendor_name, text, policy, rules, verdicts)
    except Exception as error:  # a bug in easlint: report it for this file and go on
        message = f"{name}: internal error while checking ({type(error).__name__}: {error})"
        return done(vendor_name, "failed", note=message, internal_error=message)
    return done(vendor_name, "checked", **details)


def _examine(candidate: Candidate, name: str, vendor_name: str, text: str | None, policy: Policy,
             rules: tuple[Rule, ...], verdicts: bool) -> dict[str, object]:
    """Parse, analyze and check one device; what the result keeps of it (never the device itself,
    so that it is freed as soon as this returns)."""
    support = vendor(vendor_name)
    if text is None:
        assert support.parse_archive is not None
        device = support.parse_archive(name, candidate.path)
    else:
        device = support.parse(name, text, candidate.path.parent)
    findings, analysis = _run_rules(device, policy, rules, vendor_name)
    summary: tuple[ProbeVerdict, ...] = ()
    if verdicts:
        from linter.paths import summarize

        summary = summarize(analysis)
    # a file with nothing traffic passes through (an Exchange input) has no path to look for
    activesync = analysis.has_activesync_path if device.listeners else None
    return {"activesync": activesync, "findings": tuple(findings), "device_kind": device.kind,
            "waivers": _inline_waivers(device, vendor_name, text, name), "files": device.files, "verdicts": summary}


def _inline_waivers(device: Device, vendor_name: str, text: str | None, name: str) -> tuple[FileWaivers, ...]:
    """The waiver comments of every file the device was read from (not of archive members)."""
    found = []
    for file in device.files:
        if file == name and text is not None:
            found.append(read_inline_waivers(file, text, vendor_name))
            continue
        content = read_text(Path(file)) if Path(file).is_file() else None
        if isinstance(content, str):
            found.append(read_inline_waivers(file, content, vendor_name))
    return tuple(found)


def timed_out(candidate: Candidate, seconds: float, rules: tuple[Rule, ...]) -> FileResult:
    """A file that took longer than the limit: nothing in it was verified, which must fail the
    gate like any other unverifiable verdict (EAS003, raised to an error)."""
    name = display_path(candidate.path)
    reason = f"checking stopped after the {seconds:g} s time limit (--timeout); nothing in this file was verified"
    findings: tuple[Finding, ...] = ()
    if CANNOT_VERIFY in rules:
        findings = (Finding(CANNOT_VERIFY.id, CANNOT_VERIFY.name, Severity.ERROR, reason, Location(name, 1), name,
                            "(file)", "time limit", expected=f"checked within {seconds:g} s",
                            actual="not finished"),)
    return FileResult(name, None, "failed", candidate.explicit, note=reason, findings=findings, seconds=seconds)


def device_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per device: a file that belongs to a device spanning several files (an F5
    `bigip_base.conf`, a partition's `bigip.conf`) is replaced by the device's main file, which
    the vendor's parser reads together with the rest."""
    chosen: dict[Path, Candidate] = {}
    for candidate in candidates:
        root = _device_root(candidate.path, candidate.vendor)
        key = root.resolve()
        if key in chosen:
            if candidate.explicit and not chosen[key].explicit:
                chosen[key] = dataclasses.replace(chosen[key], explicit=True)
            continue
        chosen[key] = candidate if root == candidate.path else dataclasses.replace(candidate, path=root)
    return sorted(chosen.values(), key=lambda candidate: display_path(candidate.path))


def _device_root(path: Path, forced_vendor: str | None) -> Path:
    if archive_vendor(path) is not None:
        return path
    head = read_text(path, limit=SNIFF_BYTES)
    if isinstance(head, Unreadable):
        return path
    vendor_name = forced_vendor or detect_vendor(head)
    if vendor_name not in SUPPORTED:
        return path
    find_root = vendor(vendor_name).device_root
    return find_root(path) if find_root is not None else path


def run(paths: list[str], policy: Policy, rules: tuple[Rule, ...], all_files: bool = False, jobs: int = 1,
        timeout: float | None = DEFAULT_TIMEOUT, progress: bool = False, *, inline_waivers: bool = True,
        central_waivers: Sequence[CentralWaiver] = (), baseline: Baseline | None = None,
        today: date | None = None, config: Config | None = None) -> Report:
    """Check every configuration under `paths`; raises InputError for a path that does not exist,
    and its subclasses for a configuration the files contradict (PathError: a `paths` entry whose
    hops do not each name one device; ExchangeInputsError: an Exchange input that cannot be read).

    `config` adds what the configuration says about the files: the vendor of files matching a
    `files` glob, the network paths (whose hops are brought into the run when one of them is in
    it, as a changed `bigip_base.conf` brings in its `bigip.conf`), and the Exchange web.config
    and device access rules. Exchange inputs, named there or found among the files, set the
    policy every device is judged against, so they are read before any device is checked.

    The devices of a network path are judged together for blocking apps (`linter.paths`) before
    waivers and the baseline are applied, so both work on path findings too. Waivers and the
    baseline are applied once all files are checked: a waiver is unused only when nothing in the
    whole run needed it, and a baseline entry is fixed only when the file it names was checked and
    no longer has it."""
    from linter.exchange_inputs import policy_for_run
    from linter.scheduler import check_all

    config = config or Config()
    candidates = discover(paths, all_files)
    if config.paths:
        from linter.paths import with_hops

        candidates = with_hops(candidates, config.paths, config.root, config.matches)
    candidates = device_candidates([dataclasses.replace(candidate, vendor=config.vendor_for(candidate.path))
                                    for candidate in candidates])
    policy = policy_for_run(policy, candidates, config)
    report = Report(policy, rules)
    report.files.extend(check_all(candidates, policy, rules, jobs=jobs, timeout=timeout, progress=progress,
                                  verdicts=bool(config.paths)))
    on_path: frozenset[str] = frozenset()
    if config.paths:
        from linter.paths import judge_paths

        report.files[:], on_path = judge_paths(report.files, config.paths, config.matches, rules)
    _firewalls_behind_proxies(report, on_path)
    _apply_waivers(report, inline_waivers, central_waivers, today or date.today())
    if baseline is not None:
        _apply_baseline(report, baseline)
    return report


def _apply_waivers(report: Report, inline: bool, central: Sequence[CentralWaiver], today: date) -> None:
    selected = {rule.id for rule in report.rules}
    files = [waivers for result in report.files for waivers in result.waivers]
    _redistribute(report, apply_waivers(report.findings, files, central, today=today, inline=inline,
                                        selected=selected.__contains__))


def _apply_baseline(report: Report, baseline: Baseline) -> None:
    from linter.baseline import apply_baseline

    checked = {result.path for result in report.files if result.status == "checked"}
    selected = {rule.id for rule in report.rules}
    findings, fixed = apply_baseline(report.findings, baseline,
                                     checked=lambda entry: baseline.file_of(entry) in checked and entry.rule in selected)
    _redistribute(report, findings)
    report.baseline_fixed = fixed


def _redistribute(report: Report, findings: list[Finding]) -> None:
    """Give each file of the report back its findings after a run-wide pass changed them;
    findings located in no checked file (a central waiver's, in the config) are kept apart."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.location.file, []).append(finding)
    for index, result in enumerate(report.files):
        report.files[index] = dataclasses.replace(result, findings=tuple(by_file.pop(result.path, ())))
    report.extra_findings = [finding for found in by_file.values() for finding in found]


def _firewalls_behind_proxies(report: Report, on_path: frozenset[str]) -> None:
    """A firewall never sees HTTP, so "no hop can block apps" (EAS207) is true of it only when it
    is the only hop: when the run also holds a proxy with an ActiveSync path, that proxy is where
    apps are blocked and judged, and the firewall's EAS207 findings are dropped. A firewall on a
    configured path (`on_path`) was judged with its path instead, and keeps what the path found."""
    if not any(result.activesync and result.device_kind is DeviceKind.PROXY for result in report.files):
        return
    for index, result in enumerate(report.files):
        if result.device_kind is DeviceKind.FIREWALL and result.path not in on_path:
            kept = tuple(finding for finding in result.findings if finding.rule_id != NO_L7_VISIBILITY.id)
            report.files[index] = dataclasses.replace(result, findings=kept)
