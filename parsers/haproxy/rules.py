"""HAProxy request rules as model steps: `http-request`, `tcp-request`, `use_backend`,
`redirect`, `monitor-uri` and `stats uri`.

What matters for ActiveSync is whether a rule can end the request before it reaches a server
(deny, reject, tarpit, silent-drop, return, auth, redirect, use-service), route it, change a
field a later rule reads (set-header, set-path, ...), or give it a different server timeout
(`set-timeout server`). Actions with no such effect are kept as "no decision" steps so traces
stay complete; Lua actions and actions newer than HAProxy 2.6 may refuse a request and are
opaque.
"""

from __future__ import annotations

from dataclasses import dataclass

from linter.model import (
    ALWAYS, Action, ActionKind, Condition, Diagnostic, Field, FieldKind, Level, Location, Match, MatchOp, Not, Opaque, Step,
)
from parsers.haproxy.acl import AclScope, ConditionError, parse_condition
from parsers.haproxy.lexer import Word
from parsers.haproxy.timeouts import TimeError, override_timer, parse_time_ms

# Phases in the order HAProxy 2.6 runs them for one proxy (http_process_req_common and the
# tcp-request analysers); `use_backend` only in proxies with the frontend capability.
PHASES = (
    "tcp-request connection",
    "tcp-request session",
    "tcp-request content",
    "monitor-uri",
    "http-request",
    "stats",
    "redirect",
    "use_backend",
)

# Actions HAProxy 2.6 knows, as its own "expects ..." error message lists them; a name ending in
# "(" takes its argument in parentheses (`set-var(txn.x)`). Those without a modelled effect
# (deny, rewrite, timer, ...) are "no decision" steps.
_HTTP_ACTIONS_2_6 = frozenset({
    "wait-for-handshake", "ot-group", "set-log-level", "set-nice", "use-service", "send-spoe-group", "cache-use",
    "add-header", "allow", "auth", "capture", "del-header", "deny", "disable-l7-retry", "early-hint", "normalize-uri",
    "redirect", "reject", "replace-header", "replace-path", "replace-pathq", "replace-uri", "replace-value", "return",
    "set-header", "set-method", "set-path", "set-pathq", "set-query", "set-uri", "strict-mode", "tarpit", "set-timeout",
    "wait-for-body", "set-dst", "set-dst-port", "set-mark", "set-src", "set-src-port", "set-tos", "silent-drop",
    "set-priority-class", "set-priority-offset", "track-sc0", "track-sc1", "track-sc2",
})
_HTTP_ACTION_CALLS_2_6 = ("sc-inc-gpc(", "sc-inc-gpc0(", "sc-inc-gpc1(", "sc-set-gpt(", "sc-set-gpt0(", "do-resolve(",
                          "add-acl(", "del-acl(", "del-map(", "set-map(", "set-var-fmt(", "set-var(", "unset-var(")
_TCP_ACTIONS_2_6 = frozenset({
    "accept", "reject", "capture", "expect-proxy", "expect-netscaler-cip", "track-sc0", "track-sc1", "track-sc2",
    "ot-group", "set-log-level", "set-nice", "switch-mode", "use-service", "send-spoe-group", "set-src", "set-src-port",
    "set-dst", "set-dst-port", "set-mark", "set-tos", "silent-drop", "set-priority-class", "set-priority-offset",
})
_TCP_ACTION_CALLS_2_6 = ("sc-inc-gpc(", "sc-inc-gpc0(", "sc-inc-gpc1(", "sc-set-gpt(", "sc-set-gpt0(", "do-resolve(",
                         "set-var-fmt(", "set-var(", "unset-var(")


def _header_fields(name: str) -> tuple[Field, ...]:
    fields = (Field(FieldKind.HEADER, name.lower()), Field(FieldKind.HEADER_COUNT, name.lower()))
    if name.lower() == "host":
        fields += (Field(FieldKind.HOST), Field(FieldKind.SNI))
    return fields


_PATH_FIELDS = (Field(FieldKind.PATH), Field(FieldKind.URL))
_QUERY_FIELDS = (Field(FieldKind.QUERY), Field(FieldKind.QUERY_PARAM), Field(FieldKind.URL))
_REWRITES = {
    "set-path": _PATH_FIELDS,
    "replace-path": _PATH_FIELDS,
    "normalize-uri": _PATH_FIELDS + _QUERY_FIELDS,
    "set-pathq": _PATH_FIELDS + _QUERY_FIELDS,
    "replace-pathq": _PATH_FIELDS + _QUERY_FIELDS,
    "set-query": _QUERY_FIELDS,
    "set-uri": _PATH_FIELDS + _QUERY_FIELDS,
    "replace-uri": _PATH_FIELDS + _QUERY_FIELDS,
    "set-method": (Field(FieldKind.METHOD),),
    "set-src": (Field(FieldKind.SRC),),
    "set-src-port": (),
    "set-dst-port": (Field(FieldKind.DST_PORT),),
}
_HEADER_ACTIONS = frozenset({"set-header", "add-header", "del-header", "replace-header", "replace-value"})


class RuleError(Exception):
    """A rule line HAProxy refuses; carries the column when known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class RuleContext:
    """What translating one proxy's rules needs to know, and where its problems go."""

    owner: str  # object path, e.g. "frontend fe_exchange"
    scope: AclScope
    diagnostics: list[Diagnostic]
    backend_capable: bool = True  # a backend or listen (some actions need one)

    def report(self, code: str, level: Level, message: str, location: Location, text: str) -> None:
        self.diagnostics.append(Diagnostic(code, level, message, location, self.owner, text))


def _split_condition(words: list[Word], expected: str, at_least: int = 1) -> tuple[list[Word], str | None, list[Word]]:
    """The words before `if`/`unless`, the keyword, and the condition's words. Fewer than
    `at_least` words before the keyword is a line HAProxy refuses (`http-request if ...`)."""
    for index, word in enumerate(words):
        if not word.quoted and word.text in ("if", "unless"):
            if index < at_least:
                raise RuleError(f"{expected} before '{word.text}'", word.column)
            return words[:index], word.text, words[index + 1 :]
    return words, None, []


def _condition(keyword: str | None, words: list[Word], context: RuleContext, location: Location, text: str) -> Condition:
    """The rule's condition. One HAProxy refuses is reported (EAS001) and kept as opaque, so the
    rule's effect becomes "cannot verify" instead of silently vanishing."""
    if keyword is None:
        return ALWAYS
    try:
        condition = parse_condition(words, context.scope, location)
    except ConditionError as error:
        where = Location(location.file, location.line, error.column)
        context.report("EAS001", Level.ERROR, f"HAProxy refuses this condition: {error}", where, text)
        return Opaque(f"condition not understood: {error}", location, text)
    return Not(condition) if keyword == "unless" else condition


# Status codes HAProxy 2.6 has a default error page for (a deny or tarpit without its own
# payload must use one of them; checked with haproxy -c, which also accepts 401 and 407).
_DEFAULT_ERROR_STATUSES = frozenset({200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504})
_PAYLOAD_ARGUMENTS = frozenset({"string", "lf-string", "file", "lf-file", "errorfile", "errorfiles", "hdr"})


def _status(args: list[Word], default: int, needs_error_page: bool = False) -> int:
    status = default
    for index, word in enumerate(args[:-1]):
        if word.text in ("deny_status", "status", "code"):
            try:
                status = int(args[index + 1].text)
            except ValueError:
                raise RuleError(f"invalid status code '{args[index + 1].text}'", args[index + 1].column) from None
            if needs_error_page and status not in _DEFAULT_ERROR_STATUSES and not _PAYLOAD_ARGUMENTS & {w.text for w in args}:
                raise RuleError(f"status code '{status}' not handled by default with 'default-errorfiles' argument",
                                args[index + 1].column)
    return status


def _http_action(name: str, args: list[Word], context: RuleContext, location: Location) -> Action:
    if name == "allow":
        return Action(ActionKind.ALLOW, detail="http-request allow")
    if name == "deny":
        return Action(ActionKind.DENY, detail=f"refused with status {_status(args, 403, needs_error_page=True)}")
    if name == "reject":
        return Action(ActionKind.DENY, detail="connection closed (reject)")
    if name == "tarpit":
        return Action(ActionKind.DENY, detail=f"held, then refused with status {_status(args, 500, needs_error_page=True)} (tarpit)")
    if name == "silent-drop":
        return Action(ActionKind.DENY, detail="connection dropped silently (silent-drop)")
    if name == "return":
        return Action(ActionKind.DENY, detail=f"answered by HAProxy with status {_status(args, 200)} (return)")
    if name == "auth":
        return Action(ActionKind.DENY, detail="answered with 401 until the client authenticates (auth)")
    if name == "use-service":
        service = args[0].text if args else "?"
        return Action(ActionKind.DENY, detail=f"answered by the HAProxy service {service} (use-service)")
    if name == "redirect":
        return Action(ActionKind.REDIRECT, detail=f"redirected ({' '.join(w.text for w in args[:2])})")
    if name == "set-timeout":
        return _set_timeout(args, context, location)
    if name in _HEADER_ACTIONS:
        if not args:
            raise RuleError(f"'http-request {name}' expects a header name", location.column)
        return Action(ActionKind.CONTINUE, detail=f"{name} {args[0].text}", rewrites=_header_fields(args[0].text))
    if name in _REWRITES:
        return Action(ActionKind.CONTINUE, detail=name, rewrites=_REWRITES[name])
    if name.startswith("lua."):
        return Action(ActionKind.CONTINUE, opaque=Opaque(f"Lua action {name} may refuse the request", location))
    if name in _HTTP_ACTIONS_2_6 or name.startswith(_HTTP_ACTION_CALLS_2_6):
        return Action(ActionKind.CONTINUE, detail=name)
    return _unknown_action("http-request", name, context, location)


def _unknown_action(rule: str, name: str, context: RuleContext, location: Location) -> Action:
    """An action newer than HAProxy 2.6 (or misspelt): reported, and it may refuse the request."""
    context.report("EAS002", Level.WARNING, f"unknown '{rule}' action '{name}' (not in HAProxy 2.6)", location, f"{rule} {name}")
    return Action(ActionKind.CONTINUE, opaque=Opaque(f"action {name} is not known to HAProxy 2.6 and may refuse the request", location))


def _set_timeout(args: list[Word], context: RuleContext, location: Location) -> Action:
    if len(args) < 2 or args[0].text not in ("server", "tunnel"):
        got = args[0].text if args else ""
        raise RuleError(f"'http-request set-timeout' supports 'server'/'tunnel' (got '{got}')", location.column)
    if not context.backend_capable:
        raise RuleError(f"'http-request set-timeout' needs a backend capability, which {context.owner} has not", location.column)
    which, value = args[0].text, args[1].text
    if which != "server":
        return Action(ActionKind.CONTINUE, detail=f"set-timeout {which} {value} (does not apply to a pending response)")
    try:
        milliseconds = parse_time_ms(value)
    except TimeError:
        message = f"set-timeout server {value} is computed at run time: the server timeout of the requests it matches cannot be verified"
        context.report("EAS003", Level.WARNING, message, location, f"http-request set-timeout server {value}")
        return Action(ActionKind.CONTINUE, detail=f"set-timeout server {value} (computed at run time)")
    return Action(ActionKind.CONTINUE, detail=f"set-timeout server {value}",
                  timer=override_timer(milliseconds, value, location, context.owner))


def _tcp_action(name: str, args: list[Word], context: RuleContext, location: Location) -> Action:
    if name == "accept":
        return Action(ActionKind.ALLOW, detail="accept")
    if name == "reject":
        return Action(ActionKind.DENY, detail="connection closed (reject)")
    if name == "silent-drop":
        return Action(ActionKind.DENY, detail="connection dropped silently (silent-drop)")
    if name == "use-service":
        service = args[0].text if args else "?"
        return Action(ActionKind.DENY, detail=f"answered by the HAProxy service {service} (use-service)")
    if name.startswith("lua."):
        return Action(ActionKind.CONTINUE, opaque=Opaque(f"Lua action {name} may refuse the connection", location))
    if name in _TCP_ACTIONS_2_6 or name.startswith(_TCP_ACTION_CALLS_2_6):
        return Action(ActionKind.CONTINUE, detail=name)
    return _unknown_action("tcp-request", name, context, location)


def _text(words: list[Word]) -> str:
    return " ".join(word.text for word in words)


def http_request_step(words: list[Word], context: RuleContext, location: Location) -> Step:
    """`http-request <action> [args] [if|unless <condition>]`."""
    if len(words) < 2:
        raise RuleError("'http-request' expects an action", location.column)
    action_words, keyword, condition_words = _split_condition(words[1:], "'http-request' expects an action")
    name, args = action_words[0].text, action_words[1:]
    action = _http_action(name, args, context, location)
    condition = _condition(keyword, condition_words, context, location, _text(words))
    return Step(condition, action, location, "http-request", _text(words))


def tcp_request_step(words: list[Word], context: RuleContext, location: Location) -> Step | None:
    """`tcp-request connection|session|content <action> [...]`; None for inspect-delay."""
    if len(words) < 2:
        raise RuleError("'tcp-request' expects a rule set", location.column)
    ruleset = words[1].text
    if ruleset == "inspect-delay":
        return None
    if ruleset not in ("connection", "session", "content") or len(words) < 3:
        raise RuleError(f"'tcp-request' expects 'connection', 'session', 'content' or 'inspect-delay', got '{ruleset}'", words[1].column)
    action_words, keyword, condition_words = _split_condition(words[2:], f"'tcp-request {ruleset}' expects an action")
    action = _tcp_action(action_words[0].text, action_words[1:], context, location)
    condition = _condition(keyword, condition_words, context, location, _text(words))
    return Step(condition, action, location, f"tcp-request {ruleset}", _text(words))


def use_backend_step(words: list[Word], context: RuleContext, location: Location) -> Step:
    """`use_backend <name> [if|unless <condition>]`; a `%[...]` name is computed at run time."""
    if len(words) < 2:
        raise RuleError("'use_backend' expects a backend name", location.column)
    target_words, keyword, condition_words = _split_condition(words[1:], "'use_backend' expects a backend name")
    target = target_words[0].text
    condition = _condition(keyword, condition_words, context, location, _text(words))
    if "%[" in target:
        action = Action(ActionKind.ROUTE, opaque=Opaque(f"backend name {target} is computed at run time", location))
    else:
        action = Action(ActionKind.ROUTE, pool=target)
    return Step(condition, action, location, "use_backend", _text(words))


def redirect_step(words: list[Word], context: RuleContext, location: Location) -> Step:
    """`redirect location|prefix|scheme <to> [code <n>] [option...] [if|unless <condition>]`."""
    if len(words) < 3 or words[1].text not in ("location", "prefix", "scheme"):
        raise RuleError("'redirect' expects 'location', 'prefix' or 'scheme' and a target", location.column)
    action_words, keyword, condition_words = _split_condition(words[1:], f"'redirect {words[1].text}' expects a target", 2)
    condition = _condition(keyword, condition_words, context, location, _text(words))
    action = Action(ActionKind.REDIRECT, detail=f"redirected ({action_words[0].text} {action_words[1].text})")
    return Step(condition, action, location, "redirect", _text(words))


def monitor_uri_step(words: list[Word], location: Location) -> Step:
    """`monitor-uri <uri>`: HAProxy answers that exact URI itself."""
    if len(words) < 2:
        raise RuleError("'monitor-uri' expects a URI", location.column)
    condition = Match(Field(FieldKind.URL), MatchOp.EQUALS, (words[1].text,), location=location, text=_text(words))
    return Step(condition, Action(ActionKind.DENY, detail="answered by HAProxy (monitor-uri)"), location, "monitor-uri", _text(words))


def stats_step(uri: str, location: Location, text: str) -> Step:
    """The statistics page: HAProxy answers every URI that starts with the stats URI."""
    condition = Match(Field(FieldKind.URL), MatchOp.PREFIX, (uri,), location=location, text=text)
    return Step(condition, Action(ActionKind.DENY, detail="answered by the HAProxy statistics page (stats uri)"), location, "stats", text)
