"""Every probe through every ActiveSync entry point of a device, once, for all rules to read.

An entry point is a listener the scope marks, one of its binds (one per port and TLS flag,
leaving out ports of the other protocols Exchange publishes, such as SMTP), and a Host name it
routes on. An outcome is kept when it lands, or was heading, on an Exchange
pool, or when its routing cannot be known; outcomes on other pools belong to other services.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property

from linter.endpoints import endpoint_binds, endpoint_hosts, endpoint_scope
from linter.model import Bind, Device, FieldKind, Listener, Pool, Timer
from linter.policy import Policy
from linter.probes import Probe, ProbeForm, Role, build_probes
from linter.scope import Scope, find_scope, host_variants, iter_matches
from linter.simulate import Branch, Outcome, Verdict, simulate_on

SIMULATED_FORMS = (ProbeForm.PLAIN, ProbeForm.CASE, ProbeForm.UA_ONLY, ProbeForm.DEVICETYPE_ONLY, ProbeForm.EWS)
ACTIVESYNC_FORMS = frozenset(SIMULATED_FORMS) - {ProbeForm.EWS}
"""EWS requests are simulated for EAS206 only: their path is not the Direct Push path, so its
timers and objects are not judged as ActiveSync's."""


@dataclass(frozen=True)
class PathTimer:
    """A timer on the path of a held-open Ping, with the listener and pool it was seen on."""

    timer: Timer
    listener: Listener
    pool: Pool | None


@dataclass(eq=False)
class Analysis:
    device: Device
    policy: Policy
    scope: Scope
    outcomes: list[Outcome] = field(default_factory=list)
    # What rules derive from the analysis and share, by name; it lives and dies with the analysis.
    derived: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def has_activesync_path(self) -> bool:
        return any(outcome.probe.form in ACTIVESYNC_FORMS for outcome in self.outcomes)

    def on_path(self, outcome: Outcome) -> list[Branch]:
        """The branches of an outcome that land (or were heading) on an Exchange pool."""
        return [branch for branch in outcome.branches if self.scope.is_exchange_pool(branch.pool)]

    @cached_property
    def objects_on_path(self) -> frozenset[str]:
        paths = set()
        for outcome in self.outcomes:
            if outcome.probe.form not in ACTIVESYNC_FORMS:
                continue
            if outcome.listener:
                paths.add(outcome.listener.object_path)
            for branch in self.on_path(outcome):
                pool = self.device.pool(branch.pool)
                if pool:
                    paths.add(pool.object_path)
        return frozenset(paths)

    @cached_property
    def path_timers(self) -> list[PathTimer]:
        """Each distinct timer that governs a Ping that reaches Exchange (a refused request
        holds nothing open, and never ran the pool's rules that may change its timers)."""
        seen: dict[tuple, PathTimer] = {}
        for outcome in self.outcomes:
            if outcome.probe.form not in ACTIVESYNC_FORMS:
                continue
            for branch in self.on_path(outcome):
                if branch.verdict is not Verdict.ALLOWED:
                    continue
                for timer in branch.timers:
                    key = (timer.setting, timer.applies_to, timer.location, timer.seconds)
                    if key not in seen and outcome.listener is not None:
                        seen[key] = PathTimer(timer, outcome.listener, self.device.pool(branch.pool))
        return list(seen.values())

    def select(self, role: Role | None = None, form: ProbeForm | None = None, client: str | None = None) -> list[Outcome]:
        return [
            outcome for outcome in self.outcomes
            if (role is None or outcome.probe.role is role)
            and (form is None or outcome.probe.form is form)
            and (client is None or outcome.probe.client == client)
        ]


def _tests_destination(listener: Listener) -> bool:
    return any(match.field.kind is FieldKind.DST_ADDRESS for step in listener.steps for match in iter_matches(step.condition))


# Ports of the other protocols an Exchange deployment publishes, often through the same load
# balancer and under Exchange names (SMTP 25/465/587, POP3 110/995, IMAP4 143/993, the RPC
# endpoint mapper 135, LDAP and the global catalog 389/636/3268/3269): no ActiveSync client
# connects to them, so a bind on one of them is no entry point for ActiveSync probes, and its
# timers and filters are not judged as Direct Push's ("Exchange Server 2019 network ports",
# learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/network-ports).
OTHER_PROTOCOL_PORTS = frozenset({25, 465, 587, 110, 995, 143, 993, 135, 389, 636, 3268, 3269})


def _may_carry_activesync(bind: Bind) -> bool:
    """A bind with a port that is not one of another protocol's (a port range counts when it
    holds more than that port)."""
    return bind.port is not None and (bind.port not in OTHER_PROTOCOL_PORTS or bool(bind.port_end and bind.port_end > bind.port))


def entry_binds(listener: Listener) -> list[Bind]:
    """One bind per port and TLS flag: further addresses on the same port behave the same,
    unless the listener's steps test the destination address (a firewall rulebase), where each
    address is its own entry point. Most listeners have one bind per port (every F5 virtual
    has one destination), and then nothing needs to be merged or tested."""
    binds = [bind for bind in listener.binds if _may_carry_activesync(bind)]
    keys = [(bind.port, bind.tls) for bind in binds]
    if len(set(keys)) == len(keys):
        return binds
    by_address = _tests_destination(listener)
    chosen: dict[tuple[str | None, int | None, bool], Bind] = {}
    for bind in binds:
        chosen.setdefault((bind.address if by_address else None, bind.port, bind.tls), bind)
    return list(chosen.values())


def _blind_to_http(device: Device, listener: Listener) -> bool:
    """Whether no step on the way can see HTTP, so every probe at one bind and Host name goes
    the same way (a firewall, a TCP-mode proxy) and one simulation serves them all."""
    return not listener.l7 and not any(pool.l7 for pool in device.pools)


def client_speaks_tls(listener: Listener, bind: Bind) -> bool:
    """ActiveSync clients use HTTPS: a bind that terminates TLS sees it, and so does a bind that
    does not parse HTTP (TLS passes through), except on port 80 where plain HTTP is spoken. A
    bind that parses HTTP without terminating TLS can only be receiving plain HTTP."""
    return bind.tls or (not listener.l7 and bind.port != 80)


def probes_at(listener: Listener, bind: Bind, probes: tuple[Probe, ...], exchange_pools: Container[str] = (),
              hosts: tuple[str, ...] | None = None) -> list[Probe]:
    """The probes as they arrive at one bind of a listener, once per Host name (`hosts`, when
    the caller has already worked them out for the listener)."""
    arriving = []
    client_tls = client_speaks_tls(listener, bind)
    for host in hosts if hosts is not None else host_variants(listener, exchange_pools):
        for probe in probes:
            request = probe.request.arriving_at(bind.address, bind.port, bind.tls, client_tls).with_host(host)
            arriving.append(probe.retarget(request))
    return arriving


def _entry_points(device: Device, policy: Policy) -> tuple[Scope, dict[str, list[Bind]]]:
    """The scope and, per listener, the binds probes enter by: with `exchange.endpoints`, only
    those that take an endpoint, narrowed to it (`linter.endpoints`)."""
    scope = find_scope(device)
    binds = {listener.object_path: entry_binds(listener) for listener in device.listeners}
    if not policy.endpoints:
        return scope, binds
    scope = endpoint_scope(device, scope, binds, policy.endpoints)
    return scope, {path: endpoint_binds(found, policy.endpoints) for path, found in binds.items()}


def analyze(device: Device, policy: Policy) -> Analysis:
    scope, binds = _entry_points(device, policy)
    analysis = Analysis(device, policy, scope)
    probes = tuple(probe for probe in build_probes(policy) if probe.form in SIMULATED_FORMS)
    named_hosts = endpoint_hosts(policy.endpoints)
    for listener in device.listeners:
        if listener.object_path not in scope.listeners:
            continue
        blind = _blind_to_http(device, listener)
        hosts = named_hosts or host_variants(listener, scope.exchange_pools)
        for bind in binds[listener.object_path]:
            shared: dict[str | None, Outcome] = {}
            for probe in probes_at(listener, bind, probes, hosts=hosts):
                host = probe.request.host
                if blind and host in shared:
                    outcome = dataclasses.replace(shared[host], probe=probe)
                else:
                    outcome = shared[host] = simulate_on(device, listener, bind, probe)
                if analysis.on_path(outcome) or any(branch.routing_unknown for branch in outcome.branches):
                    analysis.outcomes.append(outcome)
    return analysis
