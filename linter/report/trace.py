"""`easlint trace`: how each request form of one app or client goes through a device, step by
step, so a person can see why a finding was (or was not) reported."""

from __future__ import annotations

from linter.analysis import SIMULATED_FORMS, entry_binds, probes_at
from linter.model import Device
from linter.policy import Policy
from linter.probes import build_probes
from linter.scope import find_scope
from linter.simulate import Outcome, simulate_on


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
    return f"{verdict}, pool {' or '.join(marks)}"


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
