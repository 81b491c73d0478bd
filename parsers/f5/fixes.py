"""Fixes as tmsh commands, for the findings of every rule.

Timers: a user-defined profile is changed in place (`modify ltm profile tcp ... idle-timeout`);
a built-in profile is never changed, even one bigip.conf has modified (every virtual that uses
it would change), so the fix creates a child profile with the right value and swaps it into the
virtual, keeping its other profiles and their contexts (`profiles replace-all-with`). A timer
policy's rule is changed in place (`modify net timer-policy ... rules modify { r { timers modify
{ flow-idle-timeout { value N } } } }`, the syntax of the tmsh reference `net timer-policy`).

A rule gets only the timer (`linter.fixes.Fixer.timer`), and the model's `Timer` carries no
vendor data beyond its texts, so the virtual's profile list and the timer policy's rule are
read back from the timer's `source` and `setting`, where the parser writes them for this purpose
and for the person reading the evidence; `parsers.f5.profiles` and `parsers.f5.timer_policies`
write and read them side by side (`builtin_use`, `timer_rule_of`).

Blocking: an LTM policy (the BIG-IP way to refuse requests without Tcl, evaluated before any
iRule), created as a draft, published and attached (tmsh reference `ltm policy`: "create
policy Drafts/[name]", "publish policy name"). Conditions of LTM policies ignore letter case
by default, which is what blocking needs. Fixes to iRules are written as Tcl lines.

A rule added to a policy that exists must not take the name of one of its rules and must run
before the rules that send the request to a pool (rules run by ascending `ordinal`). A fix
gets only the step that fails, not the policy, so it cannot see the policy's other rules: the
rules it adds carry names of their own (`easlint-block-...-<app>`) and ordinal 0, the lowest.
A device-saved policy gives its first rule ordinal 0 too (tmsh writes no `ordinal` line for
it), and F5 does not document how rules of equal ordinal are ordered, so the fix's description
tells the administrator to renumber such a rule when it forwards to a pool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from linter.findings import Fix
from linter.fixes import client_prefix, suggested_seconds
from linter.model import FieldKind, Listener, Match, MatchOp, Step, Timer, TimerKind
from linter.policy import AllowedClient, BlockedApp
from linter.probes import ProbeForm
from parsers.f5.profiles import builtin_use, profile_item
from parsers.f5.timer_policies import TIMER_POLICY_SETTING, timer_rule_of

ACTIVESYNC_CONDITION = "http-uri path starts-with values { /Microsoft-Server-ActiveSync }"
ACTIVESYNC_AND_EWS_CONDITION = "http-uri path starts-with values { /Microsoft-Server-ActiveSync /EWS/ }"
EWS_CONDITION = "http-uri path starts-with values { /EWS/ }"
_IRULE_OPS = {MatchOp.EQUALS: "equals", MatchOp.PREFIX: "starts_with", MatchOp.SUFFIX: "ends_with",
              MatchOp.CONTAINS: "contains", MatchOp.REGEX: "matches_regex"}


def _partition(object_path: str) -> str:
    path = object_path.split()[-1]
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else "Common"


def _values(values: Sequence[str]) -> str:
    return " ".join(f'"{value}"' if not re.fullmatch(r"[A-Za-z0-9_./:-]+", value) else value for value in values)


def _policy_rule(name: str, ordinal: int, conditions: Sequence[str]) -> str:
    numbered = " ".join(f"{index} {{ {condition} }}" for index, condition in enumerate(conditions))
    return f"{name} {{ conditions add {{ {numbered} }} actions add {{ 0 {{ forward reset }} }} ordinal {ordinal} }}"


USER_AGENT = "user-agent"
DEVICE_TYPE = "device-type"
ADDED_RULE_ORDINAL = 0


@dataclass(frozen=True)
class _Refusal:
    """The conditions of one refusing rule, by what it matches (`USER_AGENT`, `DEVICE_TYPE`)."""

    matches: str
    conditions: tuple[str, ...]


def _refusals(apps: Sequence[BlockedApp], path_condition: str = ACTIVESYNC_CONDITION) -> list[_Refusal]:
    agents = [agent for app in apps for agent in app.user_agents]
    device_types = [device_type for app in apps for device_type in app.device_types]
    refusals = []
    if agents:  # apps that sync over ActiveSync also use EWS with the same User-Agent
        agent_path = ACTIVESYNC_AND_EWS_CONDITION if path_condition == ACTIVESYNC_CONDITION else path_condition
        agent_match = f"http-header name User-Agent contains values {{ {_values(agents)} }}"
        refusals.append(_Refusal(USER_AGENT, (agent_path, agent_match)))
    if device_types and path_condition == ACTIVESYNC_CONDITION:
        type_match = f"http-uri query-parameter name DeviceType equals values {{ {_values(device_types)} }}"
        refusals.append(_Refusal(DEVICE_TYPE, (path_condition, type_match)))
    return refusals


def _new_policy_rules(apps: Sequence[BlockedApp]) -> list[str]:
    """The rules of a policy the fix creates: nothing to collide with, numbered from 1."""
    return [_policy_rule(f"block-{refusal.matches}", ordinal, refusal.conditions)
            for ordinal, refusal in enumerate(_refusals(apps), 1)]


def _added_policy_rules(apps: Sequence[BlockedApp], path_condition: str = ACTIVESYNC_CONDITION,
                        matching: Sequence[str] = (USER_AGENT, DEVICE_TYPE)) -> list[str]:
    """Rules added to a policy that exists, whose rules the fixer cannot see: names no
    administrator gives (`easlint-block-user-agent-cloudmagic`, `easlint-block-ews-...` for the
    /EWS/ rule) and the lowest ordinal, so that they run before the rules that forward to a pool."""
    scope = "ews-" if path_condition == EWS_CONDITION else ""
    slug = _slug(apps)
    return [_policy_rule(f"easlint-block-{scope}{refusal.matches}-{slug}", ADDED_RULE_ORDINAL, refusal.conditions)
            for refusal in _refusals(apps, path_condition) if refusal.matches in matching]


def _added_order(rules: Sequence[str]) -> str:
    """What the ordinal of added rules means, for the fix's description."""
    subject = "the added rule gets ordinal 0, so it runs" if len(rules) == 1 else "the added rules get ordinal 0, so they run"
    return (f"{subject} before the policy's rules numbered 1 and up; a rule listed without an 'ordinal' line is at 0 "
            "as well, and if such a rule sends requests to a pool, give it ordinal 1 or more so that the refusal comes first")


def _slug(apps: Sequence[BlockedApp]) -> str:
    """The apps' names as a tmsh object name part: `Newton Mail` -> `newton-mail`."""
    return "-".join(filter(None, (re.sub(r"[^a-z0-9]+", "-", app.name.lower()).strip("-") for app in apps))) or "apps"


def _policy_commands(listener: Listener, name: str, rules: Sequence[str]) -> list[str]:
    partition = _partition(listener.object_path)
    return [
        f"create ltm policy /{partition}/Drafts/{name} strategy first-match requires add {{ http }} controls add {{ forwarding }} "
        f"rules add {{ {' '.join(rules)} }}",
        f"publish ltm policy /{partition}/Drafts/{name}",
        f"modify {listener.object_path} policies add {{ /{partition}/{name} }}",
    ]


def _irule_subject(match: Match) -> str | None:
    field = match.field
    if field.kind is FieldKind.HEADER and field.name:
        return f'[string tolower [HTTP::header value "{field.name}"]]'
    if field.kind is FieldKind.QUERY_PARAM and field.name:
        return f"[string tolower [URI::query [HTTP::uri] {field.name}]]"
    if field.kind is FieldKind.PATH:
        return "[string tolower [HTTP::path]]"
    if field.kind is FieldKind.URL:
        return "[string tolower [HTTP::uri]]"
    if field.kind is FieldKind.QUERY:
        return "[string tolower [HTTP::query]]"
    return None


def _irule_test(match: Match) -> str | None:
    subject = _irule_subject(match)
    operator = _IRULE_OPS.get(match.op)
    if subject is None or operator is None or not match.values:
        return None
    tests = [f'{subject} {operator} "{value.lower()}"' for value in match.values]
    return " or ".join(tests)


def _is_policy(step: Step) -> bool:
    return step.phase.startswith("ltm policy")


def _draft_edit(step: Step, change: str) -> str:
    """tmsh commands that change a published policy: edit a draft copy, then publish it."""
    path = step.phase.split()[-1]
    folder, _, name = path.rpartition("/")
    draft = f"{folder}/Drafts/{name}"
    return "\n".join([f"modify ltm policy {path} create-draft", f"modify ltm policy {draft} {change}", f"publish ltm policy {draft}"])


def _rule_name(step: Step) -> str:
    return step.text.rsplit(" rule ", 1)[-1]


def _irule_block(apps: Sequence[BlockedApp]) -> list[str]:
    agents = " or ".join(f'[string tolower [HTTP::header value "User-Agent"]] contains "{agent.lower()}"'
                         for app in apps for agent in app.user_agents)
    types = " or ".join(f'[string tolower [URI::query [HTTP::uri] DeviceType]] equals "{device_type.lower()}"'
                        for app in apps for device_type in app.device_types)
    tests = " or ".join(f"( {test} )" for test in (agents, types) if test)
    return [
        "when HTTP_REQUEST {",
        f'    if {{ [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" and ( {tests} ) }} {{',
        "        reject",
        "    }",
        "}",
    ]


def _profile_fix(timer: Timer, value: int) -> Fix:
    """A user-defined profile: change it in place."""
    setting = timer.setting
    command = f"modify {timer.applies_to} {setting} {value}"
    if timer.applies_to.startswith("apm profile access"):
        command += f"\nmodify {timer.applies_to} generation-action increment"
    where = (f"line {timer.location.line}" if timer.explicit and timer.inherited_from is None
             else f"{timer.applies_to} (it inherits {timer.raw or 'the default'} from {timer.inherited_from})")
    return Fix(f"set {setting} {value} in {where}; only the virtual servers using this profile change", command, timer.location)


def _timer_policy_fix(timer: Timer, value: int) -> Fix:
    """A timer policy's rule: change its flow-idle-timeout in place."""
    rule = timer_rule_of(timer.setting)
    path = timer.applies_to.split()[-1]
    if rule is None:
        return Fix(f"give {timer.applies_to} a {TIMER_POLICY_SETTING} of {value}",
                   f"# {timer.applies_to}: {TIMER_POLICY_SETTING} {value}", timer.location)
    change = f"timers modify {{ {TIMER_POLICY_SETTING} {{ value {value} }} }}"
    command = f"modify net timer-policy {path} rules modify {{ {rule} {{ {change} }} }}"
    return Fix(f"set {TIMER_POLICY_SETTING} {value} in rule {rule} of {timer.applies_to} (line {timer.location.line}); every "
               "virtual server whose service policy uses this timer policy changes", command, timer.location)


def _child_profile_fix(timer: Timer, value: int) -> Fix:
    """A built-in profile, modified or not: a child profile with the value takes its place in
    the virtual, the virtual's other profiles kept with their contexts."""
    setting = timer.setting
    use = builtin_use(timer.source)
    if use is None:
        return Fix(f"give {timer.applies_to} a profile with {setting} {value}", f"# {timer.applies_to}: {setting} {value}",
                   timer.location)
    partition = _partition(timer.applies_to)
    # Named after the built-in and the value, so every virtual's fix shares one child profile, fixes
    # for different values never clash, and a profile of that name that already exists is most
    # likely this fix applied before.
    child = f"/{partition}/exchange-{use.path.rsplit('/', 1)[-1]}-{value}"
    context = next((context for path, context in use.profiles if path == use.path), None)
    if any(path == child for path, _ in use.profiles):  # the virtual already uses a profile of that name: name the leg too
        child = f"{child}-{context or 'all'}"
    profiles = [profile_item(child if path == use.path else path, context) for path, context in use.profiles]
    if all(path != use.path for path, _ in use.profiles):
        profiles.append(profile_item(child, None))
    commands = [
        f"create ltm profile {use.type} {child} defaults-from {use.path} {setting} {value}",
        f"modify {timer.applies_to} profiles replace-all-with {{ {' '.join(profiles)} }}",
    ]
    leg = _leg(timer.kind, context, use.path in (path for path, _ in use.profiles))
    return Fix(
        f"{use.path} is a built-in profile shared by every virtual that uses it: create a child profile with "
        f"{setting} {value} (once: other virtuals' fixes use the same one) and use it for {leg} of "
        f"{timer.applies_to.split()[-1]}, keeping the other profiles",
        "\n".join(commands),
        timer.location,
    )


def _leg(kind: TimerKind, context: str | None, listed: bool) -> str:
    """Which side of the virtual the child profile serves: both when the built-in is listed
    without a context (or not listed at all, as the default tcp profile)."""
    if context in (None, "all") or not listed:
        return "both sides"
    return {TimerKind.CLIENT_IDLE: "the client side", TimerKind.SERVER_IDLE: "the server side"}.get(kind, "the connection")


class F5Fixer:
    # -- timers -----------------------------------------------------------------------------

    def timer(self, timer: Timer, required_seconds: int) -> Fix:
        value = suggested_seconds(required_seconds)
        if timer.applies_to.startswith(("ltm profile ", "apm profile ")):
            return _profile_fix(timer, value)
        if timer.applies_to.startswith("net timer-policy "):
            return _timer_policy_fix(timer, value)
        return _child_profile_fix(timer, value)

    # -- blocking ---------------------------------------------------------------------------

    def block_app(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        names = ", ".join(app.name for app in apps)
        return Fix(
            f"refuse {names} by User-Agent and by DeviceType on {listener.object_path} with an LTM policy (both are "
            "needed: base64 queries hide DeviceType, and the User-Agent header may be absent)",
            "\n".join(_policy_commands(listener, "exchange-block-apps", _new_policy_rules(apps))),
            listener.location,
        )

    def allow_only(self, listener: Listener, clients: Sequence[AllowedClient]) -> Fix:
        prefixes = _values([client_prefix(client) for client in clients])
        rule = _policy_rule("allow-only-native", 1, [ACTIVESYNC_CONDITION,
                                                     f"http-header name User-Agent not starts-with values {{ {prefixes} }}"])
        return Fix(
            f"allowlist mode: refuse every ActiveSync request on {listener.object_path} whose User-Agent is not one of "
            f"the allowed clients ({', '.join(client.name for client in clients)})",
            "\n".join(_policy_commands(listener, "exchange-allow-only", [rule])),
            listener.location,
        )

    def case_insensitive(self, step: Step, matches: Sequence[Match]) -> Fix:
        location = matches[0].location if matches and matches[0].location else step.location
        if _is_policy(step):
            lines = [match.text.replace(" case-sensitive", "") for match in matches if match.text]
            return Fix(
                f"remove 'case-sensitive' from the conditions of {step.text} (LTM policy conditions ignore case by "
                "default); edit a draft of the policy (modify ltm policy ... create-draft), then publish it",
                "\n".join(dict.fromkeys(lines)) or step.text,
                location,
            )
        tests = [f"( {test} )" if " or " in test else test for test in map(_irule_test, matches) if test]
        return Fix(
            "compare in lower case: wrap the value in [string tolower ...] and write the pattern in lower case "
            "(IIS serves the path in any case, and apps vary the case of their User-Agent and DeviceType)",
            f"if {{ {' and '.join(tests)} }} {{ reject }}" if tests else step.text,
            location,
        )

    def form_gap(self, step: Step, app: BlockedApp, form: ProbeForm) -> Fix:
        if form is ProbeForm.EWS:
            why = f"{app.name} also syncs over EWS, so refuse it on /EWS/ by User-Agent too"
            rules = _added_policy_rules([app], EWS_CONDITION)
            agents = " or ".join(f'[string tolower [HTTP::header value "User-Agent"]] contains "{agent.lower()}"' for agent in app.user_agents)
            irule = f'if {{ [string tolower [HTTP::path]] starts_with "/ews/" and ( {agents} ) }} {{ reject }}'
        elif form is ProbeForm.UA_ONLY:
            why = "base64-encoded queries carry DeviceType in binary, so refuse by User-Agent as well"
            rules = _added_policy_rules([app], matching=(USER_AGENT,))
            agents = " or ".join(f'[string tolower [HTTP::header value "User-Agent"]] contains "{agent.lower()}"' for agent in app.user_agents)
            irule = f'if {{ [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" and ( {agents} ) }} {{ reject }}'
        else:
            why = "requests without a User-Agent header carry DeviceType in the query, so refuse by DeviceType as well"
            rules = _added_policy_rules([app], matching=(DEVICE_TYPE,))
            types = " or ".join(f'[string tolower [URI::query [HTTP::uri] DeviceType]] equals "{dt.lower()}"' for dt in app.device_types)
            irule = f'if {{ [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" and ( {types} ) }} {{ reject }}'
        if _is_policy(step) and rules:
            snippet = _draft_edit(step, f"rules add {{ {' '.join(rules)} }}")
            return Fix(f"{why}: add this rule to {step.phase}; {_added_order(rules)}", snippet, step.location)
        return Fix(f"{why}: add next to line {step.location.line}", irule, step.location)

    def shadowed(self, deny: Step, shadowing: Step) -> Fix:
        if _is_policy(deny) and deny.phase == shadowing.phase:
            name = _rule_name(shadowing)
            return Fix(
                f"rule {name} (line {shadowing.location.line}) wins before rule {_rule_name(deny)} (line {deny.location.line}) "
                f"can act: give {name} the highest ordinal of the policy, so the refusals come first",
                _draft_edit(shadowing, f"rules modify {{ {name} {{ ordinal 1000 }} }}"),
                shadowing.location,
            )
        return Fix(f"move the refusal at line {deny.location.line} above line {shadowing.location.line}, so it decides first",
                    f"{deny.text}\n{shadowing.text}", shadowing.location)

    def native_blocked(self, step: Step, client: AllowedClient, apps: Sequence[BlockedApp]) -> Fix:
        why = (f"the rule at line {step.location.line} also matches {client.name}; replace it with rules that match the "
               "blocked apps' own User-Agent and DeviceType values")
        if _is_policy(step):
            rules = _added_policy_rules(apps)
            snippet = _draft_edit(step, f"rules delete {{ {_rule_name(step)} }} rules add {{ {' '.join(rules)} }}")
            why = f"{why}; {_added_order(rules)}"
        else:
            snippet = "\n".join(_irule_block(apps))
        return Fix(why, snippet or step.text, step.location)

    def l7_visibility(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        partition = _partition(listener.object_path)
        profiles = (f"/Common/tcp {{ }} /Common/http {{ }} /{partition}/exchange-clientssl {{ context clientside }} "
                    "/Common/serverssl { context serverside }")
        if "fastL4" in listener.mode_source:
            change = f"modify {listener.object_path} profiles replace-all-with {{ {profiles} }}"
        else:
            change = (f"modify {listener.object_path} profiles add {{ /Common/http {{ }} /{partition}/exchange-clientssl "
                      "{ context clientside } /Common/serverssl { context serverside } }")
        commands = [f"create ltm profile client-ssl /{partition}/exchange-clientssl defaults-from /Common/clientssl "
                    "cert-key-chain add { exchange { cert /Common/exchange.crt key /Common/exchange.key } }", change]
        commands += _policy_commands(listener, "exchange-block-apps", _new_policy_rules(apps))
        return Fix(
            f"terminate TLS on {listener.object_path} (client-ssl with the Exchange certificate, server-ssl toward the "
            "servers) and parse HTTP, so an LTM policy can refuse apps; or refuse them on another hop that sees HTTP",
            "\n".join(commands),
            listener.location,
        )
