"""LTM policies as model steps, with F5's matching strategies made explicit.

A policy holds rules ordered by `ordinal`; each rule has conditions (all must hold) and actions.
The strategy decides which matching rules act (BIG-IP Local Traffic Policies: Getting Started,
"About strategies for local traffic policy matching"; tmsh reference `ltm policy-strategy`):

- `first-match`: the actions of the first matching rule, by ordinal, and no other;
- `all-match`: the actions of every matching rule; when several decide where the request goes
  (reset, select pool, redirect) only the first of them by ordinal acts ("only the action of
  the best-match rule is executed ... the lowest ordinal");
- `best-match`: the most specific match by F5's built-in precedence table of operands, which
  easlint does not reproduce: when two deciding rules both match, which one acts is `Opaque`.

Under first-match and all-match, a rule that wins ends the policy: it becomes an `allow` step
of the policy's phase (later rules of the policy no longer act, as an earlier `allow` ends
HAProxy's http-request rules), so a refusal behind it shows as shadowed. Pool selections are
separate steps placed after the virtual's iRules, because "policies are evaluated before
iRules" (F5 K16590) but a later iRule `pool` or `reject` still acts on a request a policy sent
to a pool; each is guarded by the negation of the rules that take precedence over it.

Conditions compare without regard to letter case unless they say `case-sensitive` (the
"Case Sensitive" option of a policy condition is off by default: tmsh reference `ltm policy`,
CONDITION_SPEC `case-insensitive` / `case-sensitive`).
"""

from __future__ import annotations

from dataclasses import dataclass

from linter.model import (
    Action, ActionKind, All, Any, Condition, Field, FieldKind, Location, Match, MatchOp, Not, Opaque, Step,
)
from parsers.f5.objects import READ_TOGETHER, Config, Entry, not_read, resolve
from parsers.f5.tmsh import Node

_OPERATORS = {
    "equals": MatchOp.EQUALS, "starts-with": MatchOp.PREFIX, "ends-with": MatchOp.SUFFIX,
    "contains": MatchOp.CONTAINS, "matches": MatchOp.REGEX,
}
_EVENTS = frozenset({"request", "proxy-request", "proxy-connect", "client-accepted", "server-connected",
                     "ssl-client-hello", "ssl-client-serverhello-send", "ssl-server-hello", "ssl-server-handshake",
                     "response", "proxy-response", "classification-detected", "ws-request", "ws-response"})
_REQUEST_EVENTS = frozenset({"request", "proxy-request", "client-accepted", "ssl-client-hello"})
_MODIFIERS = frozenset({"not", "case-sensitive", "case-insensitive", "missing", "present", "external", "internal",
                        "remote", "local", "datagroup"})
_DECIDING = (ActionKind.DENY, ActionKind.REDIRECT, ActionKind.ROUTE)
# Actions that change nothing a request-blocking or timer rule looks at.
_NEUTRAL_ACTIONS = frozenset({"log", "persist", "compress", "cache", "server-ssl", "tcp-nagle", "websocket",
                              "l7dos", "ltm-policy-stats", "request-adapt", "response-adapt", "decompress", "tcl",
                              "http", "http-cookie", "http-set-cookie", "http-referer", "classification", "pem",
                              "iprep", "acceleration", "fix", "sslsni", "route-domain", "wam",
                              "http2", "ssl-persistence", "stream", "http-reply-status"})
# Actions that hand the request to a security module that can refuse it, by settings easlint
# does not read: an ASM policy ("If the request does not comply with the security policy, the
# ASM generates a violation and the request is either blocked by the ASM or forwarded to the web
# app depending on the enforcement mode of the policy", DevCentral, "The BIG-IP Application
# Security Manager Part 2: Policy Building"; tmsh reference `asm policy`, `blocking-mode`), a bot
# defense profile (`enforcement-mode blocking`, mitigation actions `block` and `tcp-reset`, tmsh
# reference `security bot-defense profile`), an APM policy (per-request policies end in Allow or
# Reject, BIG-IP APM Implementations 14.0). Enabling one is not neutral: it is Opaque, so a
# verdict that depends on it reads "cannot verify". Disabling one refuses nothing.
_SECURITY_ACTIONS = frozenset({"asm", "bot-defense", "apm"})


@dataclass(frozen=True)
class PolicyRule:
    name: str
    ordinal: int
    condition: Condition
    action: Action
    location: Location
    text: str
    request_event: bool  # False: it acts on the response, after Exchange has the request


@dataclass
class PolicySteps:
    """A policy's steps split by what they do: refusals and rewrites, and pool selections."""

    early: list[Step]
    routes: list[Step]


def _flatten(nodes: list[Node]) -> list[str | list[str]]:
    """A condition or action written over one or several statements, as one token list where a
    `{ ... }` block is a list of its words."""
    tokens: list[str | list[str]] = []
    for node in nodes:
        tokens.extend(node.words)
        if node.block is not None:
            tokens.append(node.items())
    return tokens


def _render(tokens: list[str | list[str]]) -> str:
    """The tokens as tmsh writes them on one line (`values { a b }`)."""
    return " ".join(f"{{ {' '.join(token)} }}" if isinstance(token, list) else token for token in tokens)


def _field(tokens: list[str], operand: str, text: str, location: Location) -> Field | Opaque:
    words = [token for token in tokens if token not in _EVENTS and token not in _MODIFIERS]
    selector = words[0] if words else None
    if operand == "http-uri":
        if selector in (None, "all", "uri"):
            return Field(FieldKind.URL)
        if selector == "path":
            return Field(FieldKind.PATH)
        if selector == "query-string":
            return Field(FieldKind.QUERY)
        if selector == "query-parameter" and len(words) > 2 and words[1] == "name":
            return Field(FieldKind.QUERY_PARAM, words[2], name_case_sensitive=False)
        if selector == "host":
            return Field(FieldKind.HOST)
    elif operand == "http-header":
        if selector == "name" and len(words) > 1:
            return Field(FieldKind.HEADER, words[1])
    elif operand == "http-host":
        if selector in (None, "all", "host"):
            return Field(FieldKind.HOST)
    elif operand == "http-method":
        if selector in (None, "all"):
            return Field(FieldKind.METHOD)
    elif operand == "http-user-agent":
        if selector in (None, "all"):
            return Field(FieldKind.HEADER, "User-Agent")
    elif operand == "ssl-extension":
        # `ssl-extension ssl-client-hello server-name ends-with values { ... }`: the SNI of the
        # client's TLS ClientHello (AS3's sslExtension condition writes this form), read whether
        # a client-ssl profile ends TLS or the ClientHello passes through (ssl-persistence).
        if selector == "server-name":
            return Field(FieldKind.SNI)
    elif operand == "tcp":
        if selector == "address" and "local" not in tokens:
            return Field(FieldKind.SRC)
        if selector == "port" and "local" in tokens:
            return Field(FieldKind.DST_PORT)
    return Opaque(f"LTM policy condition '{text}' is not evaluated by easlint", location, text)


def parse_condition(nodes: list[Node], location: Location) -> tuple[Condition, bool]:
    """One condition (`http-header name User-Agent contains values { CloudMagic }`) and whether
    it is evaluated on the request."""
    tokens = _flatten(nodes)
    words = [token for token in tokens if isinstance(token, str)]
    text = _render(tokens)
    if not words:
        return Opaque("empty LTM policy condition", location, text), True
    operand = words[0]
    on_request = not any(word in _EVENTS and word not in _REQUEST_EVENTS for word in words[1:])
    values: list[str] = []
    for index, token in enumerate(tokens):
        if isinstance(token, list) and index > 0 and tokens[index - 1] == "values":
            values = token
    operator = next((word for word in words if word in _OPERATORS), None)
    present = "present" in words
    missing = "missing" in words
    field = _field([word for word in words[1:] if word not in _OPERATORS and word != "values"], operand, text, location)
    if isinstance(field, Opaque):
        return field, on_request
    case_sensitive = "case-sensitive" in words
    if present or missing:
        match: Condition = Match(field, MatchOp.EXISTS, (), True, location=location, text=text)
        return (Not(match) if missing else match), on_request
    if operator is None or not values:
        return Opaque(f"LTM policy condition '{text}' has no operator easlint knows", location, text), on_request
    op = _OPERATORS[operator]
    if field.kind is FieldKind.SRC:
        op = MatchOp.IP
    match = Match(field, op, tuple(values), case_sensitive, regex_dialect="tcl-are", location=location, text=text)
    return (Not(match) if "not" in words else match), on_request


def parse_action(nodes: list[Node], config: Config, referrer: str, location: Location) -> tuple[Action, bool]:
    """One action (`forward reset`, `forward select pool /Common/p`, `http-header replace ...`)."""
    tokens = _flatten(nodes)
    words = [token for token in tokens if isinstance(token, str)]
    text = _render(tokens)
    if not words:
        return Action(ActionKind.CONTINUE, detail="no action"), True
    operand = words[0]
    on_request = not any(word in _EVENTS and word not in _REQUEST_EVENTS for word in words[1:])
    rest = [word for word in words[1:] if word not in _EVENTS]
    if operand == "forward":
        if "reset" in rest:
            return Action(ActionKind.DENY, detail="forward reset (the connection is reset)"), on_request
        if "pool" in rest and rest.index("pool") + 1 < len(rest):
            return _forward_to_pool(rest[rest.index("pool") + 1], config, referrer, location), on_request
        reason = f"'{text}' forwards to a target easlint does not follow"
        return Action(ActionKind.ROUTE, detail=text, opaque=Opaque(reason, location, text)), on_request
    if operand in ("drop", "shutdown"):
        return Action(ActionKind.DENY, detail=text), on_request
    if operand == "http-reply":
        return Action(ActionKind.REDIRECT, detail=text), on_request
    if operand in ("http-header", "http-uri", "http-host"):
        return Action(ActionKind.CONTINUE, detail=text, rewrites=(_rewritten(operand, rest),)), on_request
    if operand in _NEUTRAL_ACTIONS or (operand in _SECURITY_ACTIONS and "disable" in rest):
        return Action(ActionKind.CONTINUE, detail=text), on_request
    if operand in _SECURITY_ACTIONS:
        reason = (f"LTM policy action '{text}' hands the request to {operand}, which can refuse it by settings easlint does "
                  "not read")
        return Action(ActionKind.CONTINUE, detail=text, opaque=Opaque(reason, location, text)), on_request
    reason = f"LTM policy action '{text}' is not evaluated by easlint (it may refuse the request)"
    return Action(ActionKind.CONTINUE, detail=text, opaque=Opaque(reason, location, text)), on_request


def _forward_to_pool(written: str, config: Config, referrer: str, location: Location) -> Action:
    """`forward select pool <name>`. BIG-IP keeps a policy's references whole (a pool a policy
    action uses cannot be deleted), so one that does not exist is refused (EAS001); one that
    may be in a partition whose file was not read proves nothing and is a route easlint
    cannot follow (EAS002)."""
    name = resolve(written, referrer, config.pools)
    if name not in config.pools:
        if config.outside_files_read(written, name):
            reason = not_read("pool", written, name)
            config.report("EAS002", f"{reason}: where LTM policy {referrer} forwards requests is not evaluated{READ_TOGETHER}",
                          location, f"ltm policy {referrer}", written)
            return Action(ActionKind.ROUTE, detail=f"forward select pool {written}", opaque=Opaque(reason, location, written))
        config.report("EAS001", f"pool {written} does not exist: LTM policy {referrer} forwards requests to it", location,
                      f"ltm policy {referrer}", written)
    return Action(ActionKind.ROUTE, pool=name, detail=f"forward select pool {name}")


def _rewritten(operand: str, words: list[str]) -> Field:
    if operand == "http-header":
        name = words[words.index("name") + 1] if "name" in words and words.index("name") + 1 < len(words) else None
        return Field(FieldKind.HEADER, name)
    if operand == "http-host":
        return Field(FieldKind.HOST)
    if "path" in words:
        return Field(FieldKind.PATH)
    if "query-string" in words:
        return Field(FieldKind.QUERY)
    return Field(FieldKind.URL)


def _combine(actions: list[Action]) -> Action:
    """A rule's actions as one: a refusal wins over a redirect over a pool selection."""
    for kind in (ActionKind.DENY, ActionKind.REDIRECT, ActionKind.ROUTE):
        chosen = [action for action in actions if action.kind is kind]
        if chosen:
            return chosen[0]
    opaque = next((action.opaque for action in actions if action.opaque), None)
    rewrites = tuple(field for action in actions for field in action.rewrites)
    detail = "; ".join(action.detail for action in actions if action.detail) or "no decision"
    return Action(ActionKind.CONTINUE, detail=detail, opaque=opaque, rewrites=rewrites)


def _numbered(block: list[Node] | None) -> list[list[Node]]:
    """The entries of `conditions { 0 { ... } 1 { ... } }` in order."""
    return [node.block for node in block or () if node.block is not None]


def read_rules(entry: Entry, config: Config) -> list[PolicyRule]:
    rules_node = entry.first("rules")
    rules: list[PolicyRule] = []
    for position, rule in enumerate(rules_node.block or () if rules_node else ()):
        if not rule.words or rule.block is None:
            continue
        name = rule.words[0]
        body = {node.key: node for node in rule.block}
        location = entry.location(rule.line)
        ordinal_node = body.get("ordinal")
        ordinal = int(ordinal_node.words[1]) if ordinal_node and len(ordinal_node.words) > 1 and ordinal_node.words[1].isdigit() else position
        conditions = []
        on_request = True
        for nodes in _numbered(body["conditions"].block if "conditions" in body else None):
            condition, request = parse_condition(nodes, entry.location(nodes[0].line) if nodes else location)
            conditions.append(condition)
            on_request = on_request and request
        actions = []
        for nodes in _numbered(body["actions"].block if "actions" in body else None):
            action, request = parse_action(nodes, config, entry.path, entry.location(nodes[0].line) if nodes else location)
            actions.append(action)
            on_request = on_request and request
        condition = conditions[0] if len(conditions) == 1 else All(tuple(conditions))
        text = f"ltm policy {entry.path} rule {name}"
        rules.append(PolicyRule(name, ordinal, condition, _combine(actions), location, text, on_request))
    rules.sort(key=lambda rule: rule.ordinal)
    return rules


def _strategy(entry: Entry) -> str:
    found = entry.value("strategy")
    return found[0].rsplit("/", 1)[-1] if found else "first-match"


def policy_steps(entry: Entry, config: Config) -> PolicySteps:
    """The policy's rules as steps. Under first-match and all-match a rule that wins ends the
    policy (an `allow` of the policy's phase: later rules of this policy no longer act, iRules
    still run); its pool selection is a separate step placed after the iRules, guarded so that
    only the winning rule's selection counts. Under best-match, which rule wins between two
    matching ones is `Opaque`."""
    strategy = _strategy(entry)
    phase = f"ltm policy {entry.path}"
    rules = [rule for rule in read_rules(entry, config) if rule.request_event]
    result = PolicySteps([], [])
    for index, rule in enumerate(rules):
        kind = rule.action.kind
        if strategy == "best-match":
            rivals = [other for other in rules if other is not rule and other.action.kind in _DECIDING]
            condition = rule.condition
            if kind in _DECIDING and rivals:
                condition = All((rule.condition,) + tuple(
                    Any((Not(other.condition), Opaque(f"best-match strategy of {entry.path}: whether rule {rule.name} or rule "
                                                      f"{other.name} is the more specific match", other.location)))
                    for other in rivals))
            step = Step(condition, rule.action, rule.location, phase, rule.text)
            (result.routes if kind is ActionKind.ROUTE else result.early).append(step)
            continue
        wins = strategy != "all-match" or kind in _DECIDING  # its actions pre-empt later rules
        if kind is not ActionKind.ROUTE:
            result.early.append(Step(rule.condition, rule.action, rule.location, phase, rule.text))
        if wins and kind in (ActionKind.ROUTE, ActionKind.CONTINUE):
            ends = Action(ActionKind.ALLOW, detail=f"{strategy}: rule {rule.name} matched ({rule.action.detail}); "
                          "later rules of the policy do not act")
            result.early.append(Step(rule.condition, ends, rule.location, phase, rule.text))
        if kind is ActionKind.ROUTE:
            earlier = [other for other in rules[:index] if strategy != "all-match" or other.action.kind in _DECIDING]
            result.routes.append(Step(_unless(rule.condition, earlier), rule.action, rule.location, phase, rule.text))
    return result


def _unless(condition: Condition, earlier: list[PolicyRule]) -> Condition:
    if not earlier:
        return condition
    return All((condition,) + tuple(Not(other.condition) for other in earlier))
