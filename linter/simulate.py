"""Run a probe through a device: which step of the listener decides, which pool it lands on,
and which idle timers govern the held-open request on each leg.

The caller names the entry point (listener and bind) rather than letting an address select
it, because HAProxy and others can bind the same port in several listeners (SO_REUSEPORT).

Steps run in the order the parser gave (the vendor's real evaluation order). An `allow` ends
the filter steps of its own phase, never its routing (an F5 LTM policy's winning rule ends the
policy, and its pool selection, a step of the same phase after the iRules, still acts); a
`deny` or `redirect` ends the request; a `route` leaves the listener for
a pool, whose own steps then run. When a condition or action cannot be evaluated, the
simulation forks: one branch assumes it holds, the other that it does not. If every branch
ends the same way the verdict is still definite (an unknown test in front of a definite deny
still denies); otherwise it is `indeterminate` and the unknowns say why. The number of
branches is capped so that a configuration full of opaque logic cannot blow up the run.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from linter.matching import (
    Context,
    Unknown,
    address_span,
    address_within,
    evaluate,
    parsed_address,
)
from linter.model import (
    ActionKind,
    All,
    Bind,
    Device,
    FieldKind,
    Listener,
    Location,
    Match,
    MatchOp,
    Pool,
    Step,
    Timer,
    TimerKind,
)
from linter.probes import Probe

MAX_BRANCHES = 64


class Verdict(str, enum.Enum):
    ALLOWED = "allowed"  # forwarded to a pool
    DENIED = "denied"  # refused or answered by the device itself
    REDIRECTED = "redirected"  # sent elsewhere (it would come back on another listener)
    NOT_SERVED = "not-served"  # no listener takes it, or no pool is selected
    INDETERMINATE = "indeterminate"  # depends on logic the linter cannot evaluate


@dataclass(frozen=True)
class TraceEvent:
    message: str
    location: Location | None = None


@dataclass(frozen=True)
class Assumption:
    """An undecidable step and what one branch assumed about it."""

    step: Step
    assumed: bool
    unknowns: tuple[Unknown, ...]


@dataclass(frozen=True)
class Branch:
    """One way the request can go; definite unless it carries assumptions."""

    verdict: Verdict
    decided_by: Step | None
    pool: str | None  # the pool reached, or the one it was heading for when refused
    timers: tuple[Timer, ...]
    trace: tuple[TraceEvent, ...]
    assumptions: tuple[Assumption, ...] = ()
    routing_unknown: Unknown | None = None


@dataclass(frozen=True)
class Outcome:
    probe: Probe
    listener: Listener | None
    bind: Bind | None
    branches: tuple[Branch, ...]

    @property
    def primary(self) -> Branch | None:
        """The branch that gave every undecidable step the benefit of the doubt."""
        return self.branches[0] if self.branches else None

    @property
    def verdict(self) -> Verdict:
        verdicts = {branch.verdict for branch in self.branches}
        if not verdicts:
            return Verdict.NOT_SERVED
        if len(verdicts) > 1 or any(branch.routing_unknown for branch in self.branches):
            return Verdict.INDETERMINATE
        return verdicts.pop()

    @property
    def pools(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for branch in self.branches:
            if branch.pool is not None:
                seen.setdefault(branch.pool)
        return tuple(seen)

    @property
    def decided_by(self) -> Step | None:
        return self.primary.decided_by if self.primary else None

    @property
    def unknowns(self) -> tuple[Unknown, ...]:
        found: dict[Unknown, None] = {}
        for branch in self.branches:
            for assumption in branch.assumptions:
                for unknown in assumption.unknowns:
                    found.setdefault(unknown)
            if branch.routing_unknown:
                found.setdefault(branch.routing_unknown)
        return tuple(found)


@dataclass
class _State:
    trace: list[TraceEvent]
    ended_phases: set[str] = field(default_factory=set)
    overrides: dict[TimerKind, Timer] = field(default_factory=dict)
    tainted: dict[tuple[FieldKind, str | None], Location] = field(default_factory=dict)
    assumptions: list[Assumption] = field(default_factory=list)

    def fork(self) -> _State:
        return _State(
            trace=list(self.trace),
            ended_phases=set(self.ended_phases),
            overrides=dict(self.overrides),
            tainted=dict(self.tainted),
            assumptions=list(self.assumptions),
        )


_SPAN_CACHE: dict[int, tuple[tuple[Step, ...], list[tuple | None]]] = {}
_SPAN_CACHE_SIZE = 64


def _destination_spans(steps: tuple[Step, ...]) -> list[tuple | None]:
    """For each step, the address spans its destination test allows when the step can only match
    inside them (its condition is a conjunction with a `dst_address` match), else None. A
    firewall rulebase has thousands of such steps and a probe goes to one address, so this lets
    the walk skip the others without evaluating them; the verdict is the same, since a
    conjunction with a false term is false whatever its other terms are."""
    cached = _SPAN_CACHE.get(id(steps))
    if cached is not None and cached[0] is steps:
        return cached[1]
    spans: list[tuple | None] = []
    for step in steps:
        found = None
        condition = step.condition
        if isinstance(condition, All):
            for term in condition.terms:
                if isinstance(term, Match) and term.field.kind is FieldKind.DST_ADDRESS and term.op is MatchOp.IP \
                        and not term.transforms:
                    found = tuple(address_span(value) for value in term.values)
                    break
        spans.append(found)
    if len(_SPAN_CACHE) >= _SPAN_CACHE_SIZE:
        _SPAN_CACHE.clear()
    _SPAN_CACHE[id(steps)] = (steps, spans)
    return spans


def effective_timers(listener: Listener, pool: Pool | None, overrides: dict[TimerKind, Timer]) -> tuple[Timer, ...]:
    """Client-side plus server-side timers, after per-request overrides and supersession."""
    timers = list(listener.timers) + (list(pool.timers) if pool else [])
    if overrides:
        timers = [timer for timer in timers if timer.kind not in overrides] + list(overrides.values())
    replaced = {kind for timer in timers for kind in timer.replaces}
    return tuple(timer for timer in timers if timer.kind not in replaced)


def pool_phrase(verdict: Verdict) -> str:
    """How a verdict names its pool: where an allowed request goes, or where a refused or
    redirected one was heading."""
    return "pool" if verdict is Verdict.ALLOWED else "was heading to pool"


class _Simulation:
    def __init__(self, device: Device, listener: Listener, bind: Bind | None, probe: Probe) -> None:
        self.device = device
        self.listener = listener
        self.bind = bind
        self.probe = probe
        self.branches: list[Branch] = []
        self.pending = 0

    # -- leaves ------------------------------------------------------------------------------

    def _finish(self, state: _State, verdict: Verdict, step: Step | None, pool: Pool | None, pool_name: str | None,
                routing_unknown: Unknown | None = None) -> None:
        timers = effective_timers(self.listener, pool, state.overrides) if pool_name else ()
        state.trace.append(TraceEvent(f"verdict: {verdict.value}" + (f", {pool_phrase(verdict)} {pool_name}" if pool_name else "")))
        self.branches.append(
            Branch(verdict, step, pool_name, timers, tuple(state.trace), tuple(state.assumptions), routing_unknown)
        )

    def _intended_pool(self, index: int, state: _State) -> str | None:
        """Where the request was heading when a filter step refused it (routing steps only)."""
        context = Context(self.probe.request, self.listener.l7, state.tainted)  # matching only reads it
        for step in self.listener.steps[index:]:
            if step.action.kind is not ActionKind.ROUTE:
                continue
            if evaluate(step.condition, context) is True:
                return step.action.pool
        return self.listener.default_pool

    # -- walking steps -----------------------------------------------------------------------

    def _context(self, pool: Pool | None, state: _State) -> Context:
        visible = self.listener.l7 or (pool is not None and pool.l7)
        return Context(self.probe.request, visible, state.tainted)

    def _branch_allowed(self) -> bool:
        return len(self.branches) + self.pending + 1 < MAX_BRANCHES

    def walk(self, steps: tuple[Step, ...], index: int, state: _State, pool: Pool | None) -> None:
        spans = _destination_spans(steps)
        destination = parsed_address(self.probe.request.dst_address or "")
        while index < len(steps):
            step = steps[index]
            index += 1
            step_spans = spans[index - 1]
            if step_spans is not None and not address_within(destination, step_spans):
                continue  # a firewall rule for another destination: cannot match, not worth a trace line
            if step.phase in state.ended_phases and step.action.kind is not ActionKind.ROUTE:  # routing still happens
                if step.action.kind in (ActionKind.DENY, ActionKind.ALLOW, ActionKind.REDIRECT):
                    state.trace.append(TraceEvent(f"{step.text}: skipped, {step.phase} rules already ended", step.location))
                continue
            context = self._context(pool, state)
            result = evaluate(step.condition, context)
            if result is None:
                assumption = tuple(context.unknowns)
                if self._branch_allowed():
                    taken = state.fork()
                    taken.assumptions.append(Assumption(step, True, assumption))
                    taken.trace.append(TraceEvent(f"{step.text}: cannot evaluate, assuming it matches", step.location))
                    self.pending += 1
                    if self._apply(step, index, taken, pool):
                        self.walk(steps, index, taken, pool)
                    self.pending -= 1
                state.assumptions.append(Assumption(step, False, assumption))
                state.trace.append(TraceEvent(f"{step.text}: cannot evaluate, assuming it does not match", step.location))
                continue
            if not result:
                state.trace.append(TraceEvent(f"{step.text}: no match", step.location))
                continue
            if not self._apply(step, index, state, pool):
                return
        self._end_of_steps(state, pool)

    def _apply(self, step: Step, index: int, state: _State, pool: Pool | None) -> bool:
        """Apply a matching step's action; True when evaluation goes on after it."""
        action = step.action
        if action.kind is ActionKind.ALLOW:
            state.ended_phases.add(step.phase)
            if action.timer is not None:  # the first match of its phase sets the timer (ASA MPF classes)
                state.overrides[action.timer.kind] = action.timer
            state.trace.append(TraceEvent(f"{step.text}: matches, {action.detail or 'allow'} ends the {step.phase} rules", step.location))
            return True
        if action.kind in (ActionKind.DENY, ActionKind.REDIRECT):
            verdict = Verdict.DENIED if action.kind is ActionKind.DENY else Verdict.REDIRECTED
            state.trace.append(TraceEvent(f"{step.text}: matches, {action.detail or action.kind.value}", step.location))
            heading = pool.name if pool else self._intended_pool(index, state)
            self._finish(state, verdict, step, pool or self.device.pool(heading), heading)
            return False
        if action.kind is ActionKind.ROUTE:
            if pool is not None:  # a pool cannot route further in this model
                return True
            if action.opaque is not None:
                state.trace.append(TraceEvent(f"{step.text}: matches, {action.opaque.reason}", step.location))
                self._finish(state, Verdict.ALLOWED, step, None, None, Unknown(action.opaque.reason, step.location))
                return False
            state.trace.append(TraceEvent(f"{step.text}: matches, routed to {action.pool}", step.location))
            self._enter_pool(action.pool, state)
            return False
        # CONTINUE
        if action.opaque is not None:
            if self._branch_allowed():
                refused = state.fork()
                refused.assumptions.append(Assumption(step, True, (Unknown(action.opaque.reason, step.location),)))
                refused.trace.append(TraceEvent(f"{step.text}: {action.opaque.reason}; assuming it refuses", step.location))
                heading = pool.name if pool else self._intended_pool(index, refused)
                self._finish(refused, Verdict.DENIED, step, pool or self.device.pool(heading), heading)
            state.assumptions.append(Assumption(step, False, (Unknown(action.opaque.reason, step.location),)))
            state.trace.append(TraceEvent(f"{step.text}: {action.opaque.reason}; assuming it lets the request through", step.location))
            return True
        if action.timer is not None:
            state.overrides[action.timer.kind] = action.timer
        for rewritten in action.rewrites:
            state.tainted[(rewritten.kind, (rewritten.name or "").lower() or None)] = step.location
        state.trace.append(TraceEvent(f"{step.text}: matches, {action.detail or 'no decision'}", step.location))
        return True

    def _enter_pool(self, name: str | None, state: _State) -> None:
        pool = self.device.pool(name)
        if pool is None:
            state.trace.append(TraceEvent(f"pool {name} is not defined"))
            self._finish(state, Verdict.NOT_SERVED, None, None, None)
            return
        state.trace.append(TraceEvent(f"enters {pool.object_path}", pool.location))
        # The pool's rules are rule sets of their own: an allow in the listener does not end them.
        state.ended_phases = set()
        # An object that is both listener and pool (HAProxy `listen`) runs its rules once.
        steps = () if pool.object_path == self.listener.object_path else pool.steps
        self.walk(steps, 0, state, pool)

    def _end_of_steps(self, state: _State, pool: Pool | None) -> None:
        if pool is not None:
            self._finish(state, Verdict.ALLOWED, None, pool, pool.name)
            return
        if self.listener.default_pool is None:
            state.trace.append(TraceEvent("no rule selects a pool and there is no default", self.listener.location))
            self._finish(state, Verdict.NOT_SERVED, None, None, None)
            return
        state.trace.append(TraceEvent(f"default pool {self.listener.default_pool}", self.listener.default_pool_location))
        self._enter_pool(self.listener.default_pool, state)


def simulate_on(device: Device, listener: Listener, bind: Bind | None, probe: Probe) -> Outcome:
    simulation = _Simulation(device, listener, bind, probe)
    request = probe.request
    arrival = f"arrives on {listener.object_path}"
    if bind is not None:
        arrival += f", bind {bind.describe()}"
    if request.host:
        arrival += f", Host {request.host}"
    state = _State(trace=[TraceEvent(arrival, bind.location if bind else listener.location)])
    simulation.walk(listener.steps, 0, state, None)
    # The benefit-of-the-doubt branch (every unknown assumed not to match) is always last to
    # finish; put it first so `Outcome.primary` is the one a person reads first.
    branches = simulation.branches[-1:] + simulation.branches[:-1]
    return Outcome(probe, listener, bind, tuple(branches))

