"""Paths: the devices a request from the Internet meets, in order, judged together.

Alone, every device that sees HTTP must refuse blocked apps by itself. On a `paths:` entry of
the configuration the question becomes the one the network answers: does the request get
through every hop? Walking from the Internet, the first hop that refuses a probe decides; a hop
blind to HTTP (a firewall, TLS passed through) passes it on; the path lets the probe through
only when every hop does. Timers are not combined: every hop holds the Ping open, so every hop's
timers are still judged on their own.

Each checked device summarises what it did with each probe (`ProbeVerdict`), from the analysis
its rules read, small enough to come back from a worker process. This module resolves the
configured hops to the run's devices, combines their verdicts, and replaces the hops' own
blocking findings with the path's. A path finding borrows the vendor fix (and the evidence) of
the hop finding it corresponds to, which the hop's rules already built with the hop's fixer.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from linter.analysis import Analysis
from linter.files import Candidate, InputError
from linter.findings import Evidence, Finding
from linter.model import DeviceKind, Location
from linter.probes import Probe, ProbeForm, Role
from linter.simulate import Branch, Outcome, Verdict
from policies.app_blocking import (
    BLOCK_CASE_SENSITIVE,
    BLOCK_FORM_GAP,
    BLOCKED_APP_ALLOWED,
    EWS_NOT_COVERED,
    NATIVE_CLIENT_BLOCKED,
    NO_L7_ATTRIBUTE,
    NO_L7_VISIBILITY,
    blocked_app_attribute,
    case_attribute,
    ews_attribute,
    form_gap_attribute,
    native_attribute,
    sees_http,
    shadowed_apps,
)
from policies.base import Rule

if TYPE_CHECKING:
    from linter.config import NetworkPath
    from linter.engine import FileResult

PATH_JUDGED_RULES = frozenset(rule.id for rule in (BLOCKED_APP_ALLOWED, BLOCK_CASE_SENSITIVE, BLOCK_FORM_GAP,
                                                   NATIVE_CLIENT_BLOCKED, EWS_NOT_COVERED, NO_L7_VISIBILITY))
"""Rules a hop of a path is judged by on the path, not alone. EAS204 (a deny an earlier allow
always pre-empts) stays with the device: the dead rule is there whatever the other hops do."""

_GAP_RULES = {ProbeForm.CASE: BLOCK_CASE_SENSITIVE, ProbeForm.UA_ONLY: BLOCK_FORM_GAP,
              ProbeForm.DEVICETYPE_ONLY: BLOCK_FORM_GAP, ProbeForm.EWS: EWS_NOT_COVERED}


class PathError(InputError):
    """A `paths` entry that does not name one checked device per hop (exit code 2)."""


# -- what one device did with each probe ---------------------------------------------------------


class HopVerdict(str, enum.Enum):
    REFUSED = "refused"
    PASSED_ON = "passed on"
    NOT_SERVED = "not served"  # no entry point takes it to Exchange (or it is redirected)
    CANNOT_VERIFY = "cannot verify"  # depends on logic easlint cannot evaluate


@dataclass(frozen=True)
class ProbeKey:
    """A probe without the entry point it arrived at: the same request on every hop."""

    client: str
    role: Role
    form: ProbeForm
    base_form: ProbeForm | None
    user_agent: str | None
    device_type: str | None
    form_label: str = dataclasses.field(compare=False)
    description: str = dataclasses.field(compare=False)

    @classmethod
    def of(cls, probe: Probe) -> ProbeKey:
        return cls(probe.client, probe.role, probe.form, probe.base_form, probe.user_agent, probe.device_type,
                   probe.form_label, probe.description)


@dataclass(frozen=True)
class ProbeVerdict:
    """What a device did with a probe at its worst entry point for the probe's role: a blocked
    app's request counts as passed on if any entry point lets it through (preferring one that
    sees HTTP, where a block belongs), a native client's as refused if any entry point refuses it."""

    probe: ProbeKey
    verdict: HopVerdict
    sees_http: bool
    detail: str  # what happened, for a person
    host: str | None = None
    listener: str | None = None
    listener_location: Location | None = None
    step: str | None = None  # the deciding step's text
    step_location: Location | None = None
    shadowed: bool = False  # passed on because an allow pre-empts the deny meant for it (EAS204)

    @property
    def location(self) -> Location | None:
        return self.step_location or self.listener_location


_ORDER = {
    Role.BLOCKED: (HopVerdict.NOT_SERVED, HopVerdict.REFUSED, HopVerdict.CANNOT_VERIFY, HopVerdict.PASSED_ON),
    Role.ALLOWED: (HopVerdict.NOT_SERVED, HopVerdict.PASSED_ON, HopVerdict.CANNOT_VERIFY, HopVerdict.REFUSED),
}
_HOP_VERDICT = {Verdict.ALLOWED: HopVerdict.PASSED_ON, Verdict.DENIED: HopVerdict.REFUSED,
                Verdict.INDETERMINATE: HopVerdict.CANNOT_VERIFY}


@dataclass(frozen=True)
class _Seen:
    """An outcome with what ranks it: cheap to build for each of thousands of entry points."""

    outcome: Outcome
    verdict: HopVerdict
    branch: Branch | None
    sees_http: bool

    @property
    def rank(self) -> tuple[int, bool]:
        return _ORDER[self.outcome.probe.role].index(self.verdict), self.sees_http


def _seen(outcome: Outcome, analysis: Analysis) -> _Seen:
    verdict = _HOP_VERDICT.get(outcome.verdict, HopVerdict.NOT_SERVED)
    on_path = analysis.on_path(outcome)
    branch = on_path[0] if on_path and verdict is HopVerdict.PASSED_ON else outcome.primary
    listener = outcome.listener
    visible = sees_http(outcome, branch, analysis) if branch else bool(listener and listener.l7)
    return _Seen(outcome, verdict, branch, visible)


def _probe_verdict(seen: _Seen, analysis: Analysis, shadowed: frozenset[tuple[str, str]]) -> ProbeVerdict:
    outcome, verdict, branch = seen.outcome, seen.verdict, seen.branch
    listener = outcome.listener
    step = outcome.decided_by if outcome.verdict in (Verdict.DENIED, Verdict.REDIRECTED) else None
    if verdict is HopVerdict.PASSED_ON and branch is not None:
        pool = analysis.device.pool(branch.pool)
        detail = f"passed on to {pool.object_path if pool else branch.pool}"
    elif step is not None:
        detail = f"{'refused' if verdict is HopVerdict.REFUSED else 'redirected'} by line {step.location.line}: {step.text}"
    elif verdict is HopVerdict.CANNOT_VERIFY:
        detail = "cannot verify: " + "; ".join(unknown.reason for unknown in outcome.unknowns[:2])
    else:
        detail = "not served: no rule or default takes it to a pool"
    client = outcome.probe.client
    return ProbeVerdict(
        ProbeKey.of(outcome.probe), verdict, seen.sees_http, detail, outcome.probe.request.host,
        listener.object_path if listener else None, listener.location if listener else None,
        step.text if step else None, step.location if step else None,
        shadowed=verdict is HopVerdict.PASSED_ON and listener is not None and (listener.object_path, client) in shadowed,
    )


def summarize(analysis: Analysis) -> tuple[ProbeVerdict, ...]:
    """One verdict per probe the device was given, in probe order (see `ProbeVerdict`)."""
    worst: dict[tuple, _Seen] = {}
    for outcome in analysis.outcomes:
        probe = outcome.probe
        key = (probe.client, probe.role, probe.form, probe.base_form, probe.user_agent, probe.device_type)
        seen = _seen(outcome, analysis)
        kept = worst.get(key)
        if kept is None or seen.rank > kept.rank:
            worst[key] = seen
    shadowed = shadowed_apps(analysis)
    return tuple(_probe_verdict(seen, analysis, shadowed) for seen in worst.values())


# -- a path's hops and their combined verdict ----------------------------------------------------


@dataclass(frozen=True)
class Hop:
    name: str  # the device's main file
    kind: DeviceKind | None
    activesync: bool  # whether the device has an ActiveSync path at all
    verdicts: tuple[ProbeVerdict, ...]

    @classmethod
    def of(cls, result: FileResult) -> Hop:
        return cls(result.path, result.device_kind, bool(result.activesync), result.verdicts)

    def decision(self, probe: ProbeKey) -> ProbeVerdict:
        """The hop's verdict for a probe. A device where no ActiveSync path was found (nothing
        named after Exchange, no endpoints) is assumed to pass requests on untouched: the
        configuration says the traffic crosses it, and it has nothing that would refuse it."""
        found = next((verdict for verdict in self.verdicts if verdict.probe == probe), None)
        if found is not None:
            return found
        if self.activesync:
            return ProbeVerdict(probe, HopVerdict.NOT_SERVED, False, "no entry point takes it to Exchange")
        return ProbeVerdict(probe, HopVerdict.PASSED_ON, False,
                            "no ActiveSync path found on this device (set exchange.endpoints): assumed to pass it on")


@dataclass(frozen=True)
class PathVerdict:
    verdict: HopVerdict  # PASSED_ON: reaches Exchange through every hop
    decisions: tuple[ProbeVerdict, ...]  # each hop's, from the Internet
    decided_at: int | None = None  # the hop that refused it, stopped it, or cannot be verified

    def describe(self, hops: Sequence[Hop]) -> str:
        if self.decided_at is None:
            return "reaches Exchange through every hop"
        hop, decision = hops[self.decided_at], self.decisions[self.decided_at]
        where = f"hop {self.decided_at + 1} ({hop.name})"
        if self.verdict is HopVerdict.REFUSED:
            return f"refused by {where}" + (f" at line {decision.step_location.line}" if decision.step_location else "")
        if self.verdict is HopVerdict.NOT_SERVED:
            return f"does not reach Exchange: {where} does not take it there ({decision.detail})"
        return f"cannot verify: {where} depends on logic easlint cannot evaluate"


def combine(decisions: Sequence[ProbeVerdict]) -> PathVerdict:
    """Walk from the Internet: the first hop that refuses (or does not serve) the probe decides;
    a hop that cannot be verified leaves the verdict open unless a later hop refuses anyway."""
    uncertain = None
    for index, decision in enumerate(decisions):
        if decision.verdict in (HopVerdict.REFUSED, HopVerdict.NOT_SERVED):
            return PathVerdict(decision.verdict, tuple(decisions), index)
        if decision.verdict is HopVerdict.CANNOT_VERIFY and uncertain is None:
            uncertain = index
    if uncertain is not None:
        return PathVerdict(HopVerdict.CANNOT_VERIFY, tuple(decisions), uncertain)
    return PathVerdict(HopVerdict.PASSED_ON, tuple(decisions))


def probe_keys(hops: Sequence[Hop]) -> list[ProbeKey]:
    """Every probe some hop was given, in probe order."""
    return list(dict.fromkeys(verdict.probe for hop in hops for verdict in hop.verdicts))


# -- the findings of a path ----------------------------------------------------------------------


class _PathJudge:
    """The blocking findings of one path: EAS201 and EAS207 for a blocked app's plain request
    through every hop, EAS202/EAS203/EAS206 for a form that passes while another is refused,
    EAS205 for a native client any hop refuses."""

    def __init__(self, path: NetworkPath, hops: Sequence[Hop], hop_findings: Sequence[Sequence[Finding]],
                 rules: Mapping[str, Rule]) -> None:
        self.path = path
        self.hops = hops
        self.hop_findings = hop_findings
        self.rules = rules
        self.keys = probe_keys(hops)
        self.verdicts = {key: combine([hop.decision(key) for hop in hops]) for key in self.keys}

    def findings(self) -> Iterator[tuple[int, Finding]]:
        """(hop index, finding) pairs: each finding belongs with the hop it is located on."""
        yield from self._blocked_apps_through()
        yield from self._form_gaps()
        yield from self._natives_refused()

    # -- building a finding ----------------------------------------------------------------------

    def _route(self) -> str:
        return " -> ".join(hop.name for hop in self.hops)

    def _evidence(self, verdict: PathVerdict) -> list[Evidence]:
        lines = [Evidence(f"path '{self.path.name}': {self._route()}", self.path.location)]
        for number, (hop, decision) in enumerate(zip(self.hops, verdict.decisions), start=1):
            seen = "sees HTTP" if decision.sees_http else "does not see HTTP"
            lines.append(Evidence(f"hop {number} {hop.name} ({seen}): {decision.detail}", decision.location))
        return lines

    def _finding(self, rule: Rule, hop: int, message: str, location: Location, object_path: str, attribute: str,
                 verdict: PathVerdict, expected: str, actual: str) -> Finding:
        """A path finding on `hop`, with the fix and evidence of the hop's own finding that says the
        same of the device alone (same rule, attribute and place), when the hop's rules gave one."""
        source = next((finding for finding in self.hop_findings[hop] if finding.rule_id == rule.id
                       and finding.attribute == attribute and finding.location == location), None)
        evidence = self._evidence(verdict) + list(source.evidence if source else ())
        return Finding(rule.id, rule.name, rule.severity, message, location, source.device if source else self.hops[hop].name,
                       object_path, f"path:{self.path.name}:{attribute}", expected=expected, actual=actual,
                       evidence=tuple(evidence), fix=source.fix if source else None)

    # -- EAS201 and EAS207 -----------------------------------------------------------------------

    def _blocked_apps_through(self) -> Iterator[tuple[int, Finding]]:
        blind: list[tuple[ProbeKey, PathVerdict]] = []
        reported: set[str] = set()
        for key in self.keys:
            verdict = self.verdicts[key]
            if key.role is not Role.BLOCKED or key.form is not ProbeForm.PLAIN or verdict.verdict is not HopVerdict.PASSED_ON:
                continue
            seeing = next((index for index, decision in enumerate(verdict.decisions) if decision.sees_http), None)
            if seeing is None:
                blind.append((key, verdict))
                continue
            decision = verdict.decisions[seeing]
            rule = self.rules.get(BLOCKED_APP_ALLOWED.id)
            if rule is None or key.client in reported or decision.shadowed or decision.listener_location is None:
                continue
            reported.add(key.client)
            hop = self.hops[seeing]
            yield seeing, self._finding(
                rule, seeing,
                f"{key.client} reaches Exchange through every hop of path '{self.path.name}': {hop.name} sees HTTP "
                f"on {decision.listener} and should refuse it",
                decision.listener_location, decision.listener or "", blocked_app_attribute(key.client), verdict,
                expected="refused by some hop of the path", actual=f"{key.client} ({key.form_label}) passes every hop",
            )
        if blind:
            yield from self._no_l7(blind)

    def _no_l7(self, blind: list[tuple[ProbeKey, PathVerdict]]) -> Iterator[tuple[int, Finding]]:
        """One EAS207 for the path, on its first proxy (the natural place to terminate TLS and
        refuse apps), or on its first hop when every hop is a firewall."""
        rule = self.rules.get(NO_L7_VISIBILITY.id)
        if rule is None:
            return
        key, verdict = blind[0]
        proxies = [index for index, hop in enumerate(self.hops) if hop.kind is DeviceKind.PROXY
                   and verdict.decisions[index].listener_location is not None]
        located = [index for index, decision in enumerate(verdict.decisions) if decision.listener_location is not None]
        if not located:
            return
        index = (proxies or located)[0]
        decision = verdict.decisions[index]
        assert decision.listener_location is not None
        apps = ", ".join(dict.fromkeys(found.client for found, _ in blind))
        yield index, self._finding(
            rule, index,
            f"no hop of path '{self.path.name}' sees HTTP ({self._route()}): nothing on the path can refuse {apps} "
            f"by User-Agent or DeviceType",
            decision.listener_location, decision.listener or "", NO_L7_ATTRIBUTE, verdict,
            expected="a hop that terminates TLS and parses HTTP refuses blocked apps",
            actual=f"{key.client} ({key.form_label}) passes every hop without any of them seeing HTTP",
        )

    # -- EAS202, EAS203, EAS206 ------------------------------------------------------------------

    def _reference(self, variant: ProbeKey) -> PathVerdict | None:
        """The path verdict of the form `variant` is a variant of, when a hop's step refuses it."""
        form = variant.base_form if variant.form is ProbeForm.CASE else ProbeForm.PLAIN
        for key in self.keys:
            if key.client != variant.client or key.role is not Role.BLOCKED or key.form is not form or key.base_form:
                continue
            verdict = self.verdicts[key]
            if verdict.verdict is HopVerdict.REFUSED and verdict.decided_at is not None \
                    and verdict.decisions[verdict.decided_at].step is not None:
                return verdict
        return None

    def _form_gaps(self) -> Iterator[tuple[int, Finding]]:
        reported: set[tuple[str, ProbeForm, str, Location | None]] = set()
        for key in self.keys:
            rule = self.rules.get(_GAP_RULES[key.form].id) if key.form in _GAP_RULES else None
            verdict = self.verdicts[key]
            if rule is None or key.role is not Role.BLOCKED or verdict.verdict is not HopVerdict.PASSED_ON:
                continue
            reference = self._reference(key)
            if reference is None or reference.decided_at is None:
                continue
            hop = reference.decided_at
            refusal = reference.decisions[hop]
            assert refusal.step is not None and refusal.step_location is not None
            dedupe = (key.client, key.form, rule.id, refusal.step_location)
            if dedupe in reported:
                continue
            reported.add(dedupe)
            if key.form is ProbeForm.CASE:
                attribute = case_attribute(key.client, refusal.step)
            elif key.form is ProbeForm.EWS:
                attribute = ews_attribute(key.client)
            else:
                attribute = form_gap_attribute(key.form, key.client, refusal.step)
            yield hop, self._finding(
                rule, hop,
                f"on path '{self.path.name}', {self.hops[hop].name} refuses {key.client}'s {refusal.probe.form_label} requests "
                f"at line {refusal.step_location.line}, but no hop refuses its {key.form_label} form "
                f"({key.description}): that form reaches Exchange",
                refusal.step_location, refusal.listener or "", attribute, verdict,
                expected=f"refused in the {key.form_label} form too by some hop",
                actual=f"{key.client} ({key.form_label}) passes every hop",
            )

    # -- EAS205 ----------------------------------------------------------------------------------

    def _natives_refused(self) -> Iterator[tuple[int, Finding]]:
        rule = self.rules.get(NATIVE_CLIENT_BLOCKED.id)
        if rule is None:
            return
        reported: set[tuple[str, int, Location]] = set()
        for key in self.keys:
            if key.role is not Role.ALLOWED:
                continue
            verdict = self.verdicts[key]
            for index, decision in enumerate(verdict.decisions):
                if decision.verdict is not HopVerdict.REFUSED or decision.step is None or decision.step_location is None:
                    continue
                if (key.client, index, decision.step_location) in reported:
                    continue
                reported.add((key.client, index, decision.step_location))
                yield index, self._finding(
                    rule, index,
                    f"on path '{self.path.name}', {self.hops[index].name} refuses {key.client} at line "
                    f"{decision.step_location.line}: native clients must keep working",
                    decision.step_location, decision.listener or "", native_attribute(key.client, decision.step), verdict,
                    expected="passed on by every hop", actual=decision.detail,
                )


def path_findings(path: NetworkPath, hops: Sequence[Hop], hop_findings: Sequence[Sequence[Finding]],
                  rules: Iterable[Rule]) -> list[tuple[int, Finding]]:
    """(hop index, finding) for each blocking finding of `path`; `hop_findings` are each hop's
    own findings (alone), whose vendor fixes the path findings reuse."""
    return list(_PathJudge(path, hops, hop_findings, {rule.id: rule for rule in rules}).findings())


# -- resolving the configured hops and judging the run's paths ----------------------------------


def hop_files(pattern: str, root: Path) -> list[Path]:
    """The files a hop's glob matches, relative to `root` (the configuration's directory) unless
    it is absolute."""
    anchored = Path(pattern) if Path(pattern).is_absolute() else root / pattern
    anchor = Path(anchored.anchor)
    return sorted(found for found in anchor.glob(str(anchored.relative_to(anchor))) if found.is_file())


def where_written(path: NetworkPath, hop: int | None = None) -> str:
    """Where a path is written, as `file:line: path 'name'`, at the hop's own line when `hop` is given."""
    location = path.location if hop is None else path.hop_location(hop)
    return f"{location.file}:{location.line}: path '{path.name}'"


def resolve(paths: Sequence[NetworkPath], results: Sequence[FileResult],
            matches: Callable[[str, Path], bool]) -> list[tuple[NetworkPath, tuple[int, ...]]]:
    """For each path with a device in this run, the index in `results` of each hop's device.

    A path none of whose hops is in the run (a pre-commit run on other files) is left out. A hop
    that matches no file of the run, matches several devices, or names a file easlint did not
    check is a configuration error: a path can only be judged with all of its devices."""
    resolved = []
    for path in paths:
        found = [[index for index, result in enumerate(results)
                  if any(matches(hop, Path(file)) for file in result.files or (result.path,))] for hop in path.hops]
        if not any(found):
            continue
        for number, (hop, indexes) in enumerate(zip(path.hops, found, strict=True)):
            where = where_written(path, number)
            if not indexes:
                raise PathError(f"{where}: hop '{hop}' matches no file checked in this run; a path is judged "
                                "with all of its devices, so check them together")
            if len(indexes) > 1:
                names = ", ".join(results[index].path for index in indexes)
                raise PathError(f"{where}: hop '{hop}' matches {len(indexes)} devices ({names}); name one device per hop")
            result = results[indexes[0]]
            if result.status == "skipped":
                raise PathError(f"{where}: hop '{hop}' is {result.path}, which easlint did not check ({result.note})")
        resolved.append((path, tuple(indexes[0] for indexes in found)))
    return resolved


def judge_paths(results: Sequence[FileResult], paths: Sequence[NetworkPath], matches: Callable[[str, Path], bool],
                rules: Sequence[Rule]) -> tuple[list[FileResult], frozenset[str]]:
    """The results with each path's blocking findings in place of its hops' own, and the names
    of the devices judged on a path. A path with a hop that could not be checked (parse error,
    time limit) is not judged: its other devices keep their own findings."""
    judged = [(path, indexes) for path, indexes in resolve(paths, results, matches)
              if all(results[index].status == "checked" for index in indexes)
              and any(results[index].activesync for index in indexes)]
    on_path = {index for _, indexes in judged for index in indexes}
    added: dict[int, list[Finding]] = {index: [] for index in on_path}
    for path, indexes in judged:
        hops = [Hop.of(results[index]) for index in indexes]
        for hop, finding in path_findings(path, hops, [results[index].findings for index in indexes], rules):
            added[indexes[hop]].append(finding)
    updated = []
    for index, result in enumerate(results):
        if index in on_path:
            kept = tuple(finding for finding in result.findings if finding.rule_id not in PATH_JUDGED_RULES)
            result = dataclasses.replace(result, findings=kept + tuple(added[index]))
        updated.append(result)
    return updated, frozenset(results[index].path for index in on_path)


def with_hops(candidates: Sequence[Candidate], paths: Sequence[NetworkPath], root: Path,
              matches: Callable[[str, Path], bool]) -> list[Candidate]:
    """The candidates plus the files of every hop of a path that has a hop among them: a path is
    judged with all of its devices, so a pre-commit run on one changed hop brings in the others
    (as a changed `bigip_base.conf` brings in its `bigip.conf`). Hops are globs relative to the
    configuration's directory; what they match is left for `resolve` to judge."""
    present = [candidate.path for candidate in candidates]
    known = {path.resolve() for path in present}
    added: list[Candidate] = []
    for path in paths:
        if not any(matches(hop, file) for hop in path.hops for file in present):
            continue
        for hop in path.hops:
            for file in hop_files(hop, root):
                if file.resolve() not in known:
                    known.add(file.resolve())
                    added.append(Candidate(file, explicit=False))
    return [*candidates, *added]
