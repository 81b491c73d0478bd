"""`easlint trace`: how each request form of one app or client goes through a device, step by
step, or through each hop of a configured path, so a person can see why a finding was (or was
not) reported."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from linter.analysis import SIMULATED_FORMS, analyze, entry_binds, probes_at
from linter.files import Candidate, Unreadable, display_path, read_text
from linter.model import Device
from linter.paths import Hop, PathError, combine, hop_files, probe_keys, summarize, where_written
from linter.policy import Policy
from linter.probes import build_probes
from linter.scope import find_scope
from linter.simulate import Outcome, pool_phrase, simulate_on
from parsers import SUPPORTED, archive_vendor, vendor
from parsers.detect import detect_vendor

if TYPE_CHECKING:
    from linter.config import NetworkPath


def _request_line(outcome: Outcome) -> str:
    request = outcome.probe.request
    user_agent = request.header("user-agent")
    agent = f"User-Agent: {user_agent}" if user_agent is not None else "no User-Agent"
    return f"{request.method} {request.url}  ({agent})"


def _verdict(outcome: Outcome, exchange_pools: dict[str, str]) -> str:
    verdict = outcome.verdict.value
    pools = outcome.pools
    if not pools:
        return verdict
    marks = [f"{pool}{' (Exchange)' if pool in exchange_pools else ''}" for pool in pools]
    return f"{verdict}, {pool_phrase(outcome.verdict)} {' or '.join(marks)}"


def render_trace(device: Device, policy: Policy, client: str, host: str | None = None) -> str:
    scope = find_scope(device)
    wanted = client.casefold()
    probes = tuple(p for p in build_probes(policy) if p.client.casefold() == wanted and p.form in SIMULATED_FORMS)
    listeners = [listener for listener in device.listeners if listener.object_path in scope.listeners]
    lines = [f"{device.name}: {len(device.listeners)} listener(s), {len(device.pools)} pool(s)"]
    if not listeners:
        lines.append("Nothing is marked as Exchange, so no listener carries ActiveSync; tracing every listener.")
        listeners = list(device.listeners)
    for listener in listeners:
        why = scope.listeners.get(listener.object_path)
        lines.append("")
        lines.append(f"{listener.object_path} (line {listener.location.line}), {listener.mode_source}"
                     + (f"; ActiveSync because {why}" if why else ""))
        binds = entry_binds(listener)
        if not binds:
            lines.append("  no bind with a port: nothing reaches it directly")
        for bind in binds:
            for probe in probes_at(listener, bind, probes, scope.exchange_pools):
                if host is not None and probe.request.host != host:
                    continue
                outcome = simulate_on(device, listener, bind, probe)
                lines.append(f"  [{probe.form_label}] {probe.description}, via {bind.describe()}, Host {probe.request.host}")
                lines.append(f"      {_request_line(outcome)}")
                primary = outcome.primary
                for event in primary.trace if primary else ():
                    where = f"line {event.location.line}: " if event.location else ""
                    lines.append(f"      {where}{event.message}")
                for branch in outcome.branches[1:]:
                    assumed = "; ".join(f"line {a.step.location.line} {'matches' if a.assumed else 'does not match'}"
                                        for a in branch.assumptions)
                    lines.append(f"      other branch, if {assumed}: {branch.verdict.value}"
                                 + (f", pool {branch.pool}" if branch.pool else ""))
                lines.append(f"      => {_verdict(outcome, scope.exchange_pools)}")
    return "\n".join(lines) + "\n"


# -- easlint trace --path --------------------------------------------------------------------------


def _parse(path: Path) -> Device:
    name = display_path(path)
    archive = archive_vendor(path)
    if archive is not None:
        parse_archive = vendor(archive).parse_archive
        assert parse_archive is not None
        return parse_archive(name, path)
    text = read_text(path)
    if isinstance(text, Unreadable):
        raise PathError(f"{name}: {text.reason}")
    vendor_name = detect_vendor(text)
    if vendor_name not in SUPPORTED:
        raise PathError(f"{name}: not a configuration easlint reads")
    return vendor(vendor_name).parse(name, text, path.parent)


def path_devices(path: NetworkPath, root: Path) -> list[Device]:
    """Each hop's device, read from the files its glob matches under `root` (the configuration's
    directory); PathError names the config line when a hop matches no device or several."""
    from linter.engine import device_candidates

    devices = []
    for number, hop in enumerate(path.hops):
        candidates = device_candidates([Candidate(found, explicit=True) for found in hop_files(hop, root)])
        if len(candidates) != 1:
            found = ", ".join(display_path(candidate.path) for candidate in candidates) or "nothing"
            raise PathError(f"{where_written(path, number)}: hop '{hop}' must match one device under "
                            f"{display_path(root)}, it matches {found}")
        devices.append(_parse(candidates[0].path))
    return devices


def render_path_trace(path: NetworkPath, hop_devices: Sequence[Device], policy: Policy, app: str) -> str:
    """Each request form of `app` (a blocked app or allowed client of the policy) through every
    hop of `path` in order, with each hop's decision, then the path's verdict."""
    hops = []
    for device in hop_devices:
        analysis = analyze(device, policy)
        hops.append(Hop(device.name, device.kind, analysis.has_activesync_path, summarize(analysis)))
    lines = [f"path '{path.name}' ({path.location.file}:{path.location.line}), from the Internet:"]
    for number, hop in enumerate(hops, start=1):
        note = "" if hop.activesync else "; no ActiveSync path found, assumed to pass requests on"
        lines.append(f"  hop {number}: {hop.name} ({hop.kind.value if hop.kind else 'device'}{note})")
    wanted = app.casefold()
    keys = [key for key in probe_keys(hops) if key.client.casefold() == wanted]
    if not keys:
        lines.append("")
        lines.append(f"No hop takes a request of {app} to Exchange.")
    for key in keys:
        decisions = [hop.decision(key) for hop in hops]
        lines.append("")
        lines.append(f"[{key.form_label}] {key.client}: {key.description}")
        for number, (hop, decision) in enumerate(zip(hops, decisions), start=1):
            seen = "sees HTTP" if decision.sees_http else "does not see HTTP"
            entry = f" on {decision.listener}" + (f", Host {decision.host}" if decision.host else "") if decision.listener else ""
            lines.append(f"  hop {number} {hop.name}{entry}: {seen}; {decision.detail}")
        lines.append(f"  => {combine(decisions).describe(hops)}")
    return "\n".join(lines) + "\n"
