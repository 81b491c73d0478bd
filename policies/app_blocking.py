"""EAS201-EAS207: third-party ActiveSync apps are refused in every request form,
native clients are not.

All of them read the simulated outcomes of the analysis, never the configuration text: a
block that exists but is case-sensitive, shadowed by an earlier allow, blind to the base64
query form, or bound where ActiveSync never passes shows up as the request getting through.
Each finding names the probe that got through and the step that decided (or failed to).

One problem, one finding: when an app gets through because an earlier allow shadows the
deny meant for it, EAS204 reports that instead of EAS201; a hop that cannot see HTTP at all
gets EAS207 instead of EAS201.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from linter.analysis import Analysis
from linter.findings import Evidence, Finding, Severity
from linter.matching import Context, evaluate
from linter.model import ActionKind, FieldKind, Match, MatchOp, Step
from linter.policy import UNKNOWN_CLIENT
from linter.probes import Probe, ProbeForm, Role
from linter.scope import iter_matches
from linter.simulate import Branch, Outcome, Verdict
from policies.base import Rule, RuleContext

MAX_TRACE_EVIDENCE = 10
_TEXT_OPS = frozenset({MatchOp.EQUALS, MatchOp.PREFIX, MatchOp.SUFFIX, MatchOp.CONTAINS, MatchOp.REGEX, MatchOp.DIR, MatchOp.DOM})
_CASE_FIELDS = frozenset({FieldKind.PATH, FieldKind.URL, FieldKind.QUERY, FieldKind.QUERY_PARAM, FieldKind.HEADER})


@dataclass(frozen=True)
class _Context:
    """One entry point: a listener, one of its binds, one Host name."""

    listener: str
    port: int | None
    tls: bool
    host: str | None


def _context(outcome: Outcome) -> _Context:
    bind = outcome.bind
    return _Context(outcome.listener.object_path if outcome.listener else "", bind.port if bind else None,
                    bind.tls if bind else False, outcome.probe.request.host)


def sees_http(outcome: Outcome, branch: Branch, analysis: Analysis) -> bool:
    """Whether a hop parses the request on this branch, so it could refuse an app by its headers."""
    pool = analysis.device.pool(branch.pool)
    return bool(outcome.listener and outcome.listener.l7) or bool(pool and pool.l7)


def _reaches_exchange(outcome: Outcome, analysis: Analysis) -> Branch | None:
    """The branch by which a definite outcome reaches an Exchange pool, if it does."""
    if outcome.verdict is not Verdict.ALLOWED:
        return None
    branches = analysis.on_path(outcome)
    return branches[0] if branches else None


def _refused_on_path(outcome: Outcome, analysis: Analysis) -> Branch | None:
    if outcome.verdict is not Verdict.DENIED:
        return None
    branches = analysis.on_path(outcome)
    return branches[0] if branches else None


_ProbeKey = tuple[str, ProbeForm, "ProbeForm | None"]


def _by_context(analysis: Analysis) -> dict[_Context, dict[_ProbeKey, Outcome]]:
    table: dict[_Context, dict[_ProbeKey, Outcome]] = {}
    for outcome in analysis.outcomes:
        probe = outcome.probe
        table.setdefault(_context(outcome), {}).setdefault((probe.client, probe.form, probe.base_form), outcome)
    return table


def _trace_evidence(branch: Branch) -> list[Evidence]:
    events = branch.trace
    if len(events) > MAX_TRACE_EVIDENCE:
        events = events[: MAX_TRACE_EVIDENCE - 1] + events[-1:]
    return [Evidence(event.message, event.location) for event in events]


def _listed_by(analysis: Analysis, name: str) -> list[Evidence]:
    """Where the blocked app or allowed client `name` comes from when Exchange's own device
    access rules list it: each rule, at its line of the export."""
    entry = analysis.policy.blocked_app(name) or analysis.policy.allowed_client(name)
    return [Evidence(f"{entry.name} is listed by {source.description}", source.location) for source in entry.sources] if entry else []


def _probe_description(probe: Probe) -> str:
    request = probe.request
    parts = [f"{request.method} {request.url}"]
    user_agent = request.header("user-agent")
    parts.append(f"User-Agent: {user_agent}" if user_agent is not None else "no User-Agent header")
    if request.host:
        parts.append(f"Host: {request.host}")
    return "; ".join(parts)


def _landing(branch: Branch, analysis: Analysis) -> str:
    pool = analysis.device.pool(branch.pool)
    return pool.object_path if pool else str(branch.pool)


def _blocked_apps(analysis: Analysis) -> list[str]:
    return [app.name for app in analysis.policy.blocked_apps]


# -- what each finding is about: its attribute, shared with the path findings of linter.paths ---


def blocked_app_attribute(app: str) -> str:
    return f"blocked-app:{app}"


NO_L7_ATTRIBUTE = "l7-visibility"


def case_attribute(client: str, step_text: str) -> str:
    return f"case:{client}:{step_text}"


def form_gap_attribute(form: ProbeForm, app: str, step_text: str) -> str:
    return f"form:{form.value}:{app}:{step_text}"


def ews_attribute(app: str) -> str:
    return f"ews:{app}"


def native_attribute(client: str, step_text: str) -> str:
    return f"native:{client}:{step_text}"


# -- EAS207 and EAS201 ---------------------------------------------------------------------------


def _check_no_l7(context: RuleContext) -> Iterator[Finding]:
    analysis = context.analysis
    reported: set[str] = set()
    for outcome in analysis.select(Role.BLOCKED, ProbeForm.PLAIN):
        branch = _reaches_exchange(outcome, analysis)
        listener = outcome.listener
        if branch is None or listener is None or sees_http(outcome, branch, analysis):
            continue
        if listener.object_path in reported:
            continue
        reported.add(listener.object_path)
        pool = analysis.device.pool(branch.pool)
        passthrough = bool(outcome.bind and not outcome.bind.tls and pool and any(member.tls or member.port == 443 for member in pool.members))
        how = "TLS passes through encrypted" if passthrough else "it forwards bytes without parsing HTTP"
        yield NO_L7_VISIBILITY.finding(
            context,
            f"{listener.object_path} carries ActiveSync to {_landing(branch, analysis)} but {how} ({listener.mode_source}): "
            f"no rule here can refuse {', '.join(_blocked_apps(analysis))} by User-Agent or DeviceType",
            listener.location,
            listener.object_path,
            NO_L7_ATTRIBUTE,
            expected="a hop that terminates TLS and parses HTTP refuses blocked apps",
            actual=f"{listener.mode_source}; {outcome.probe.label} forwarded to {_landing(branch, analysis)}",
            evidence=_trace_evidence(branch),
            fix=context.fixer.l7_visibility(listener, analysis.policy.blocked_apps),
        )


def _check_blocked_app_allowed(context: RuleContext) -> Iterator[Finding]:
    analysis = context.analysis
    explained = shadowed_apps(analysis)
    reported: set[tuple[str, str]] = set()
    for outcome in analysis.select(Role.BLOCKED, ProbeForm.PLAIN):
        branch = _reaches_exchange(outcome, analysis)
        listener = outcome.listener
        if branch is None or listener is None or not sees_http(outcome, branch, analysis):
            continue
        key = (listener.object_path, outcome.probe.client)
        if key in reported or key in explained:
            continue
        reported.add(key)
        app = analysis.policy.blocked_app(outcome.probe.client)
        assert app is not None
        policy = analysis.policy
        if app is UNKNOWN_CLIENT:
            allowed = ", ".join(client.name for client in policy.allowed_clients)
            message = (f"an unknown third-party ActiveSync client reaches Exchange through {listener.object_path}: in allowlist "
                       f"mode only {allowed} may pass")
            fix = context.fixer.allow_only(listener, policy.allowed_clients)
        else:
            message = f"{app.name} reaches Exchange through {listener.object_path}: no rule refuses its ActiveSync requests"
            fix = context.fixer.block_app(listener, [app])
        yield BLOCKED_APP_ALLOWED.finding(
            context,
            message,
            listener.location,
            listener.object_path,
            blocked_app_attribute(app.name),
            expected="refused before it reaches Exchange",
            actual=f"forwarded to {_landing(branch, analysis)} ({_probe_description(outcome.probe)})",
            evidence=_trace_evidence(branch) + _listed_by(analysis, app.name),
            fix=fix,
        )


# -- EAS202 and EAS203: the plain form is refused, a variant is not -----------------------------


def _variant_gaps(analysis: Analysis, reference: Callable[[Probe], ProbeForm | None]) -> Iterator[tuple[Outcome, Outcome, Branch, Step]]:
    """(reference outcome, variant outcome, variant's branch, deciding step) where a blocked app's
    request in the reference form is refused by a step, and its variant reaches Exchange at the
    same entry point. `reference` names the form a probe is a variant of, or None."""
    for outcomes in _by_context(analysis).values():
        for (client, _, _), variant in outcomes.items():
            reference_form = reference(variant.probe)
            if variant.probe.role is not Role.BLOCKED or reference_form is None:
                continue
            base = outcomes.get((client, reference_form, None))
            refused = _refused_on_path(base, analysis) if base else None
            if base is None or refused is None or refused.decided_by is None:
                continue
            branch = _reaches_exchange(variant, analysis)
            if branch is not None:
                yield base, variant, branch, refused.decided_by


def _case_variant_of(probe: Probe) -> ProbeForm | None:
    return probe.base_form if probe.form is ProbeForm.CASE else None


def _form_variant_of(probe: Probe) -> ProbeForm | None:
    return ProbeForm.PLAIN if probe.form in (ProbeForm.UA_ONLY, ProbeForm.DEVICETYPE_ONLY) else None


def _case_sensitive_matches(step: Step) -> list[Match]:
    return [
        match for match in iter_matches(step.condition)
        if match.case_sensitive and match.op in _TEXT_OPS and match.field.kind in _CASE_FIELDS and not match.transforms
    ]


def _check_case_sensitive(context: RuleContext) -> Iterator[Finding]:
    analysis = context.analysis
    reported: set[tuple[str, Step]] = set()
    for plain, variant, branch, step in _variant_gaps(analysis, _case_variant_of):
        key = (plain.probe.client, step)
        if key in reported:
            continue
        reported.add(key)
        matches = _case_sensitive_matches(step)
        evidence = [Evidence(f"case-sensitive test: {match.text or match.field.describe()}", match.location) for match in matches]
        evidence.append(Evidence(f"{plain.probe.label} is refused: {step.text}", step.location))
        evidence.append(Evidence(f"{variant.probe.label} gets through: {_probe_description(variant.probe)}"))
        evidence += _listed_by(analysis, plain.probe.client)
        yield BLOCK_CASE_SENSITIVE.finding(
            context,
            f"the block at line {step.location.line} refuses {plain.probe.client} only in one letter case: "
            f"the same request in another case ({variant.probe.description}) reaches {_landing(branch, analysis)}",
            step.location,
            plain.listener.object_path if plain.listener else "",
            case_attribute(plain.probe.client, step.text),
            expected="refused in any letter case (IIS serves /microsoft-server-activesync too)",
            actual=f"{variant.probe.label} forwarded to {_landing(branch, analysis)}",
            evidence=evidence,
            fix=context.fixer.case_insensitive(step, matches),
        )


_FORM_GAP_WHY = {
    ProbeForm.UA_ONLY: "its base64-encoded query form (MS-ASHTTP 2.2.1.1.1.1), which hides DeviceType in binary",
    ProbeForm.DEVICETYPE_ONLY: "its requests without a User-Agent header (MS-ASCMD lets clients move it into the Settings command)",
}


def _check_form_gap(context: RuleContext) -> Iterator[Finding]:
    analysis = context.analysis
    reported: set[tuple[str, Step, ProbeForm]] = set()
    for plain, variant, branch, step in _variant_gaps(analysis, _form_variant_of):
        form = variant.probe.form
        key = (plain.probe.client, step, form)
        if key in reported:
            continue
        reported.add(key)
        app = analysis.policy.blocked_app(plain.probe.client)
        assert app is not None
        yield BLOCK_FORM_GAP.finding(
            context,
            f"the block at line {step.location.line} refuses {app.name}'s plain requests but not {_FORM_GAP_WHY[form]}: "
            f"that form reaches {_landing(branch, analysis)}",
            step.location,
            plain.listener.object_path if plain.listener else "",
            form_gap_attribute(form, app.name, step.text),
            expected=f"refused in the {form.value} form too",
            actual=f"{variant.probe.label} forwarded to {_landing(branch, analysis)} ({_probe_description(variant.probe)})",
            evidence=[Evidence(f"{plain.probe.label} is refused: {step.text}", step.location)] + _trace_evidence(branch)
            + _listed_by(analysis, app.name),
            fix=context.fixer.form_gap(step, app, form),
        )


# -- EAS204: a deny that an earlier allow always pre-empts ---------------------------------------


def _steps_on_path(outcome: Outcome, analysis: Analysis) -> list[tuple[tuple[Step, ...], bool]]:
    """The step lists a request passes: the listener's, then its pool's (with HTTP visibility)."""
    listener = outcome.listener
    if listener is None:
        return []
    lists = [(listener.steps, listener.l7)]
    for branch in analysis.on_path(outcome):
        pool = analysis.device.pool(branch.pool)
        if pool and pool.object_path != listener.object_path:
            lists.append((pool.steps, listener.l7 or pool.l7))
    return lists


def _first_allow_before(steps: tuple[Step, ...], index: int, context: Context) -> Step | None:
    deny = steps[index]
    for step in steps[:index]:
        if step.phase == deny.phase and step.action.kind is ActionKind.ALLOW and evaluate(step.condition, context) is True:
            return step
    return None


def _shadowed(analysis: Analysis) -> list[tuple[str, str, tuple[Step, Step]]]:
    """(listener, app, (deny, allow)) for each deny that matches blocked requests but never
    decides them because an allow earlier in its phase always does. EAS201 and EAS204 both
    ask, so it is worked out once per analysis and kept with it (not in a module-level cache,
    which would keep the last devices of a run alive)."""
    found = analysis.derived.get("shadowed")
    if found is None:
        found = analysis.derived["shadowed"] = _find_shadowed(analysis)
    return found  # type: ignore[return-value]


def _find_shadowed(analysis: Analysis) -> list[tuple[str, str, tuple[Step, Step]]]:
    decisive: set[Step] = set()
    shadows: dict[tuple[str, str, Step], Step] = {}
    for outcome in analysis.select(Role.BLOCKED):
        if outcome.probe.form is ProbeForm.EWS or outcome.listener is None:
            continue
        if outcome.verdict is Verdict.DENIED and outcome.decided_by is not None:
            decisive.add(outcome.decided_by)
            continue
        if _reaches_exchange(outcome, analysis) is None:
            continue
        for steps, visible in _steps_on_path(outcome, analysis):
            if not visible:
                continue  # a hop blind to HTTP has no deny meant for an app (a firewall rulebase)
            for index, step in enumerate(steps):
                if step.action.kind is not ActionKind.DENY:
                    continue
                context = Context(outcome.probe.request, visible)
                if evaluate(step.condition, context) is not True:
                    continue
                allow = _first_allow_before(steps, index, context)
                if allow is not None:
                    shadows.setdefault((outcome.listener.object_path, outcome.probe.client, step), allow)
    return [(listener, app, (deny, allow)) for (listener, app, deny), allow in shadows.items() if deny not in decisive]


def shadowed_apps(analysis: Analysis) -> frozenset[tuple[str, str]]:
    """(listener, app) pairs where an app gets through because an allow shadows the deny meant
    for it: EAS204 reports those, and EAS201 stays silent about them."""
    return frozenset((listener, app) for listener, app, _ in _shadowed(analysis))


def _check_shadowed(context: RuleContext) -> Iterator[Finding]:
    reported: set[Step] = set()
    for listener, app, (deny, allow) in _shadowed(context.analysis):
        if deny in reported:
            continue
        reported.add(deny)
        yield BLOCK_SHADOWED.finding(
            context,
            f"line {deny.location.line} can never refuse {app}: the allow at line {allow.location.line} "
            f"ends the {deny.phase} rules first, so {app} reaches Exchange",
            deny.location,
            listener,
            f"shadowed:{deny.text}",
            expected=f"the deny decides for {app} before any allow",
            actual=f"pre-empted by line {allow.location.line}: {allow.text}",
            evidence=[Evidence(f"shadowing allow: {allow.text}", allow.location), Evidence(f"shadowed deny: {deny.text}", deny.location)]
            + _listed_by(context.analysis, app),
            fix=context.fixer.shadowed(deny, allow),
        )


# -- EAS206 ----------------------------------------------------------------------------------------


def _check_ews_not_covered(context: RuleContext) -> Iterator[Finding]:
    """A blocked app refused on ActiveSync but let through to EWS at the same entry point: the
    app (CloudMagic/Newton syncs mail over EWS too) simply switches protocol. Reported only where
    ActiveSync is blocked; where it is not, EAS201 already says so."""
    analysis = context.analysis
    reported: set[tuple[str, str]] = set()
    for outcomes in _by_context(analysis).values():
        for (client, form, _), ews in outcomes.items():
            if form is not ProbeForm.EWS or ews.probe.role is not Role.BLOCKED or ews.listener is None:
                continue
            plain = outcomes.get((client, ProbeForm.PLAIN, None))
            refused = _refused_on_path(plain, analysis) if plain else None
            branch = _reaches_exchange(ews, analysis)
            if refused is None or refused.decided_by is None or branch is None:
                continue
            key = (ews.listener.object_path, client)
            if key in reported:
                continue
            reported.add(key)
            app = analysis.policy.blocked_app(client)
            assert app is not None
            step = refused.decided_by
            yield EWS_NOT_COVERED.finding(
                context,
                f"{app.name} is refused on ActiveSync by line {step.location.line} but reaches EWS through "
                f"{ews.listener.object_path}: the app can sync the same mailbox over /EWS/",
                step.location,
                ews.listener.object_path,
                ews_attribute(app.name),
                expected="refused on /EWS/ as on /Microsoft-Server-ActiveSync",
                actual=f"forwarded to {_landing(branch, analysis)} ({_probe_description(ews.probe)})",
                evidence=[Evidence(f"ActiveSync refused by: {step.text}", step.location)] + _trace_evidence(branch)
                + _listed_by(analysis, app.name),
                fix=context.fixer.form_gap(step, app, ProbeForm.EWS),
            )


# -- EAS205 ----------------------------------------------------------------------------------------


def _check_native_blocked(context: RuleContext) -> Iterator[Finding]:
    analysis = context.analysis
    reported: set[tuple[str, Step]] = set()
    for outcome in analysis.select(Role.ALLOWED):
        branch = _refused_on_path(outcome, analysis)
        step = outcome.decided_by
        if branch is None or step is None:
            continue
        key = (outcome.probe.client, step)
        if key in reported:
            continue
        reported.add(key)
        client = analysis.policy.allowed_client(outcome.probe.client)
        assert client is not None
        yield NATIVE_CLIENT_BLOCKED.finding(
            context,
            f"line {step.location.line} refuses {client.name} (User-Agent {client.user_agent!r}, DeviceType {client.device_type!r}): "
            f"native clients must keep working",
            step.location,
            outcome.listener.object_path if outcome.listener else "",
            native_attribute(client.name, step.text),
            expected=f"forwarded to {_landing(branch, analysis)}",
            actual=f"refused: {step.action.detail or step.action.kind.value}",
            evidence=_trace_evidence(branch) + _listed_by(analysis, client.name),
            fix=context.fixer.native_blocked(step, client, analysis.policy.blocked_apps),
        )


NO_L7_VISIBILITY = Rule(
    "EAS207", "no-l7-visibility", Severity.WARNING,
    "No hop on the ActiveSync path sees HTTP (TCP mode, TLS passthrough), so nothing can refuse third-party apps.",
    _check_no_l7,
)
BLOCKED_APP_ALLOWED = Rule(
    "EAS201", "blocked-app-allowed", Severity.ERROR,
    "A third-party app the policy blocks reaches Exchange ActiveSync.",
    _check_blocked_app_allowed,
)
BLOCK_CASE_SENSITIVE = Rule(
    "EAS202", "block-case-sensitive", Severity.WARNING,
    "A block matches in one letter case only; the same request in another case gets through.",
    _check_case_sensitive,
)
BLOCK_FORM_GAP = Rule(
    "EAS203", "block-form-gap", Severity.WARNING,
    "A block catches one request form but not another (base64 query, no User-Agent).",
    _check_form_gap,
)
BLOCK_SHADOWED = Rule(
    "EAS204", "block-shadowed", Severity.ERROR,
    "A blocking rule can never decide: an earlier allow always decides first.",
    _check_shadowed,
)
EWS_NOT_COVERED = Rule(
    "EAS206", "ews-not-covered", Severity.WARNING,
    "A blocked app is refused on ActiveSync but reaches Exchange Web Services (/EWS/).",
    _check_ews_not_covered,
)
NATIVE_CLIENT_BLOCKED = Rule(
    "EAS205", "native-client-blocked", Severity.ERROR,
    "A native client the policy allows (iOS Mail, Android) is refused.",
    _check_native_blocked,
)
