"""iRules as model steps: what an iRule does to a request on its way to the pool.

BIG-IP runs the `when HTTP_REQUEST` blocks of a virtual's iRules in priority order (default
500, lower first; ties in the order the rules are attached: clouddocs.f5.com/api/irules/
priority.html). Within a block, commands run top to bottom, and none of the decisions stops
the script: `reject`, `drop`/`discard` and `HTTP::respond` let the rest of the event run
(and the other iRules' handlers too) but the request is refused whatever follows
(clouddocs.f5.com/api/irules/reject.html, .../drop.html); `pool` only records a choice, and
the last `pool` executed wins; `return` leaves the current handler only. So the steps of a
handler come in two groups: filters in program order (refusals, redirects, rewrites, and
`return` as an `allow` that ends the handler's own phase), then pool selections in reverse
program order with their full reachability, so the first matching one is the last one BIG-IP
would have executed. `combine_irules` does the same across the rules of a virtual.

Conditions are translated where their meaning is certain: `HTTP::header|uri|path|query|host|
method`, `URI::query`, `URI::decode`, `b64decode`, `string tolower|toupper|match|equal`,
`class match|search` over data groups, `IP::addr`, `regexp`, the comparison operators
(case-sensitive, as Tcl compares strings), `and`/`or`/`not`, `if/elseif/else`,
`switch -exact|-glob|-regexp` and local variables (`set ua [string tolower [HTTP::header
User-Agent]]`). Where BIG-IP returns an empty string for a missing header or parameter, a test
that holds for "" also holds when the field is absent. Everything else that can decide is
`Opaque`, naming the command and its line, so the simulator reports "cannot verify" instead of
guessing; nothing raises.
"""

from __future__ import annotations

import base64
import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from linter.model import (
    ALWAYS,
    Action,
    ActionKind,
    All,
    Any,
    Condition,
    Diagnostic,
    Field,
    FieldKind,
    Level,
    Location,
    Match,
    MatchOp,
    Not,
    Opaque,
    Step,
    Timer,
    TimerKind,
)
from linter.regexes import Untranslatable, compile_vendor_regex
from parsers.f5.objects import not_read
from parsers.f5.tcl import (
    Binary,
    Command,
    Expression,
    Operand,
    Part,
    Script,
    TclSyntaxError,
    Ternary,
    Unary,
    Word,
    parse_expression,
    parse_script,
    parse_word,
    split_list,
)

NEVER: Condition = Any(())
DEFAULT_PRIORITY = 500  # clouddocs.f5.com/api/irules/priority.html: "All events default to a priority of 500"
MAX_CHOICE_DEPTH = 6  # nested "value depends on a branch" before a variable is simply unknown
MAX_BLOCK_DEPTH = 60
_SNIPPET = 160

# Events that run while the request travels to the pool, in the order BIG-IP raises them
# (devcentral.f5.com "iRules Event Order"; clouddocs HTTP event order diagrams). Others
# (HTTP_RESPONSE, CLIENT_CLOSED, ...) cannot change whether a request reaches Exchange.
REQUEST_EVENTS = (
    "CLIENT_ACCEPTED", "CLIENTSSL_CLIENTHELLO", "CLIENTSSL_HANDSHAKE", "HTTP_REQUEST", "ACCESS_SESSION_STARTED",
    "ACCESS_POLICY_AGENT_EVENT", "ACCESS_POLICY_COMPLETED", "ACCESS_ACL_ALLOWED", "HTTP_CLASS_SELECTED", "LB_SELECTED",
    "SERVER_CONNECTED", "HTTP_REQUEST_SEND",
)
_HTTP_EVENTS = frozenset({"HTTP_REQUEST", "ACCESS_ACL_ALLOWED", "ACCESS_POLICY_AGENT_EVENT", "HTTP_CLASS_SELECTED",
                          "HTTP_REQUEST_SEND", "ACCESS_SESSION_STARTED", "ACCESS_POLICY_COMPLETED"})
_SERVER_SIDE_EVENTS = frozenset({"SERVER_CONNECTED", "HTTP_REQUEST_SEND"})
_POOL_EVENTS = frozenset({"CLIENT_ACCEPTED", "CLIENTSSL_CLIENTHELLO", "CLIENTSSL_HANDSHAKE", "HTTP_REQUEST",
                          "ACCESS_ACL_ALLOWED", "HTTP_CLASS_SELECTED"})  # after these, load balancing has happened
_METADATA = frozenset({"nowrite", "nodelete", "definition-signature", "definition-checksum", "verification-status",
                       "ignore-verification", "api-anonymous", "app-service", "description", "partition"})

# Commands with no effect on whether or where a request goes (queries, logging, persistence,
# SNAT, statistics, SSL and APM session data). Tcl built-ins first, then BIG-IP's.
_NO_DECISION = frozenset({
    "append", "array", "binary", "break", "clock", "concat", "continue", "expr", "format", "global", "incr", "info",
    "join", "lappend", "lindex", "linsert", "list", "llength", "lrange", "lreplace", "lsearch", "lset", "lsort", "regsub",
    "scan", "split", "string", "subst", "unset", "upvar", "variable", "namespace",
    "log", "persist", "snat", "snatpool", "clone", "timing", "table", "session", "class", "matchclass", "findclass",
    "findstr", "getfield", "substr", "domain", "whereis", "md5", "sha1", "sha256", "sha384", "sha512", "b64encode",
    "b64decode", "crc32", "active_members", "active_nodes", "members", "rateclass", "nexthop", "lasthop", "sharedvar",
    "ACCESS::session", "ACCESS::policy", "ACCESS::disable", "ACCESS::enable", "ACCESS::restrict_irule_events",
    "ACCESS::user", "ACCESS::flowid", "ACCESS::log", "ACCESS::uri", "ASM::disable", "ASM::enable", "LB::server",
    "LB::status", "LB::snat", "LB::mode", "LB::class", "LB::bias", "LB::context_id", "HTTP::version", "HTTP::username",
    "HTTP::password", "HTTP::request", "HTTP::request_num", "HTTP::close", "HTTP::fallback", "HTTP::is_keepalive",
    "HTTP::is_redirect", "HTTP::status", "HTTP::class", "HTTP::host", "HTTP::method", "HTTP::has_responded",
    "HTTP::passthrough_reason", "HTTP::payload", "TCP::client_port", "TCP::local_port", "TCP::remote_port",
    "TCP::server_port", "TCP::mss", "TCP::nagle", "TCP::rtt", "TCP::bandwidth", "TCP::option", "TCP::offset",
    "TCP::unused_port", "TCP::keepalive", "TCP::release", "TCP::notify",
})
_NO_DECISION_PREFIXES = ("HSL::", "STATS::", "ISTATS::", "SSL::", "X509::", "CRYPTO::", "AES::", "URI::", "CACHE::",
                         "COMPRESS::", "ONECONNECT::", "STREAM::", "PROFILE::", "ROUTE::", "WEBSSO::", "DNS::", "RESOLV::",
                         "CLASSIFY::", "ASN1::", "IP::")
# Commands that assign to variables named by their literal arguments.
_VARIABLE_WRITERS = frozenset({"append", "lappend", "incr", "unset", "regsub", "scan", "binary", "foreach", "lassign",
                               "array", "upvar", "gets", "lset"})
_CONTAINERS = frozenset({"foreach", "while", "for", "catch", "eval", "uplevel", "after", "time", "proc"})
_DECISIVE = frozenset({"reject", "drop", "discard", "pool", "node", "virtual", "return", "HTTP::respond",
                       "HTTP::redirect", "HTTP::retry", "HTTP::collect", "HTTP::disable", "TCP::respond", "TCP::close",
                       "LB::reselect", "LB::detach", "ACCESS::respond", "event", "call"})
_HEADER_SUBCOMMANDS = frozenset({"value", "values", "names", "count", "at", "exists", "insert", "lws", "is_keepalive",
                                 "is_redirect", "replace", "remove", "insert_modssl_fields", "sanitize"})


@dataclass(frozen=True)
class DataGroup:
    name: str  # full path, "/Common/blocked_agents"
    type: str  # "string" | "ip" | "integer", or "external" (records not in the configuration)
    records: tuple[tuple[str, str], ...]  # (key, value) in file order
    location: Location


@dataclass(frozen=True)
class Disable:
    """`event disable all` (every later handler of every rule) or `event <EVENT> disable` (this
    rule's later handlers of that event), executed when `condition` holds."""

    condition: Condition
    event: str | None  # None: all events of all iRules


@dataclass(frozen=True)
class Handler:
    """One translated `when` block on the request path."""

    event: str
    priority: int
    filters: tuple[Step, ...]  # program order: refusals, redirects, rewrites, `return`
    routes: tuple[Step, ...]  # pool selections, last executed first
    disables: tuple[Disable, ...] = ()


@dataclass(frozen=True)
class IRuleResult:
    steps: tuple[Step, ...]  # the request-path logic as model Steps, in order (phase "irule <name>")
    diagnostics: tuple[Diagnostic, ...]  # EAS002/EAS003 with exact lines
    events: tuple[str, ...]  # events the rule handles (HTTP_REQUEST, CLIENT_ACCEPTED, ...)
    pools: tuple[str, ...]  # pool names the rule may select
    handlers: tuple[Handler, ...] = ()  # per-handler steps, for `combine_irules` across the rules of a virtual
    # Pools named literally by a `pool` command (as written, where): BIG-IP's validator checks that
    # each exists, so the caller, which knows the device's pools, can report one that does not.
    pool_references: tuple[tuple[str, Location], ...] = ()


# -- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Ref:
    """A request field as an iRule command returns it."""

    field: Field
    text: str  # the command, for messages
    transforms: tuple[str, ...] = ()
    absent_is_empty: bool = True  # BIG-IP returns "" when the header or parameter is missing
    never: bool = False  # a parameter name that cannot match after lower-casing: always ""


@dataclass(frozen=True)
class Flag:
    """A true/false result (`class match`, a comparison)."""

    condition: Condition


@dataclass(frozen=True)
class Unknown:
    reason: str


@dataclass(frozen=True)
class Choice:
    """A variable whose value depends on which branch ran."""

    condition: Condition
    then: Value
    otherwise: Value
    depth: int = 1


Value = Lit | Ref | Flag | Unknown | Choice

_HEADER_FIELD_KINDS = (FieldKind.HEADER, FieldKind.HEADER_COUNT)


def _choice(condition: Condition, then: Value, otherwise: Value) -> Value:
    if then == otherwise:
        return then
    depth = 1 + max(getattr(then, "depth", 0), getattr(otherwise, "depth", 0))
    if depth > MAX_CHOICE_DEPTH:
        return Unknown("the variable is set on too many different paths to follow")
    return Choice(condition, then, otherwise, depth)


# -- patterns ------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def glob_to_test(pattern: str) -> tuple[MatchOp, str] | None:
    """A Tcl `string match` pattern (tcl.tk/man/tcl8.4/TclCmd/string.htm: `*`, `?`, `[chars]`,
    `\\x`) as a simple test or an anchored regular expression; None when it has a character
    class we do not translate."""
    literal: list[str] = []
    regex: list[str] = []
    simple = True
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            literal.append(pattern[index + 1])
            regex.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            literal.append("\0*")
            if not regex or regex[-1] != ".*":
                regex.append(".*")
        elif char == "?":
            simple = False
            regex.append(".")
        elif char == "[":
            close = pattern.find("]", index + 1)
            body = pattern[index + 1 : close] if close > 0 else ""
            if close < 0 or not body or body[0] in "^!" or "\\" in body or "[" in body:
                return None
            simple = False
            regex.append("[" + body + "]")
            index = close + 1
            continue
        else:
            literal.append(char)
            regex.append(re.escape(char))
        index += 1
    if simple:
        pieces = re.sub("(?:\0\\*)+", "\0*", "".join(literal)).split("\0*")
        if len(pieces) == 1:
            return MatchOp.EQUALS, pieces[0]
        if len(pieces) == 2 and pieces[1] == "":
            return MatchOp.PREFIX, pieces[0]
        if len(pieces) == 2 and pieces[0] == "":
            return MatchOp.SUFFIX, pieces[1]
        if len(pieces) == 3 and pieces[0] == pieces[2] == "":
            return MatchOp.CONTAINS, pieces[1]
    return MatchOp.REGEX, "^" + "".join(regex) + "$"


def _holds_on_empty(op: MatchOp, pattern: str, case_sensitive: bool, dialect: str) -> bool:
    if op is MatchOp.REGEX:
        compiled = compile_vendor_regex(pattern, case_sensitive, dialect)
        return not isinstance(compiled, Untranslatable) and compiled.search("") is not None
    if op is MatchOp.IP:
        return False
    return pattern == ""


def _static_test(op: MatchOp, pattern: str, value: str, case_sensitive: bool, dialect: str) -> bool | None:
    if not case_sensitive:
        value, pattern = value.lower(), (pattern.lower() if op is not MatchOp.REGEX else pattern)
    if op is MatchOp.EQUALS:
        return value == pattern
    if op is MatchOp.PREFIX:
        return value.startswith(pattern)
    if op is MatchOp.SUFFIX:
        return value.endswith(pattern)
    if op is MatchOp.CONTAINS:
        return pattern in value
    if op is MatchOp.REGEX:
        compiled = compile_vendor_regex(pattern, case_sensitive, dialect)
        return None if isinstance(compiled, Untranslatable) else compiled.search(value) is not None
    return None


# -- the translator --------------------------------------------------------------------------------


@dataclass
class _HandlerState:
    event: str
    priority: int
    phase: str
    filters: list[Step] = field(default_factory=list)
    routes: list[Step] = field(default_factory=list)
    returns: list[Condition] = field(default_factory=list)
    disables: list[Disable] = field(default_factory=list)


class _Translator:
    def __init__(self, name: str, text: str, body_line: int, file: str, data_groups: Mapping[str, DataGroup],
                 partition: str, known_pools: Collection[str] | None, unread: Callable[[str, str], bool] | None) -> None:
        self.name = name
        self.unread = unread
        self.text = text
        self.body_line = body_line
        self.file = file
        self.data_groups = data_groups
        self.partition = partition.strip("/") or "Common"
        self.known_pools = known_pools
        self.newlines = [found.start() for found in re.finditer("\n", text)]
        self.diagnostics: dict[tuple[str, int, str], Diagnostic] = {}
        self.pools: dict[str, None] = {}
        self.pool_references: dict[str, Location] = {}  # first place each pool is named literally
        self.statics: dict[str, Value] = {}
        self.connection_env: dict[str, Value] = {}
        self.procs: set[str] = set()

    # -- places and messages ----------------------------------------------------------------

    def line(self, offset: int) -> int:
        return self.body_line + bisect_left(self.newlines, offset)

    def location(self, offset: int) -> Location:
        return Location(self.file, self.line(offset))

    def snippet(self, start: int, end: int) -> str:
        text = " ".join(self.text[start : min(end, start + 4 * _SNIPPET)].split())
        return text if len(text) <= _SNIPPET else text[: _SNIPPET - 3] + "..."

    def report(self, code: str, message: str, offset: int, text: str, level: Level = Level.WARNING) -> None:
        location = self.location(offset)
        key = (code, location.line, message)
        self.diagnostics.setdefault(key, Diagnostic(code, level, message, location, f"ltm rule {self.name}", text))

    def opaque(self, reason: str, start: int, end: int) -> Opaque:
        text = self.snippet(start, end)
        return Opaque(f"iRule {self.name} line {self.line(start)}: `{text}` {reason}", self.location(start), text)

    def report_script(self, script: Script) -> None:
        for warning in script.warnings:
            # Tcl's parser stops here, but the reading is obvious and iRules written this way
            # circulate (f5-corkscrew's test rule): whether BIG-IP's validator refuses it is not
            # documented, so it is a warning, not EAS001.
            self.report("EAS002", f"Tcl reports `{warning}` here; easlint reads it as a separate word",
                        warning.offset, self.snippet(warning.offset, warning.offset + 40))

    def report_parse_error(self, error: TclSyntaxError, consequence: str) -> None:
        """A syntax error of Tcl's own makes BIG-IP refuse the iRule when it is saved or loaded
        (its validator compiles every event body: "01070151:3: Rule [...] error: ... [parse
        error: ...]"): EAS001. Where easlint stops reading on text Tcl may accept (`limit`), the
        rule is only not understood: EAS002."""
        snippet = self.snippet(error.offset, error.offset + 60)
        if error.limit:
            self.report("EAS002", f"easlint stops reading here: {error}; {consequence}", error.offset, snippet)
        else:
            self.report("EAS001", f"BIG-IP refuses this iRule: Tcl cannot parse it ({error}); {consequence}", error.offset,
                        snippet, Level.ERROR)

    # -- the rule ---------------------------------------------------------------------------

    def translate(self) -> IRuleResult:
        script = parse_script(self.text)
        self.report_script(script)
        if script.error is not None:
            self.report_parse_error(script.error, "the rest of it is not evaluated")
        declarations: list[tuple[str, int, Word, Command]] = []
        priority = DEFAULT_PRIORITY
        for command in script.commands:
            name = command.name
            if name == "when":
                declaration = self._when(command, priority)
                if declaration:
                    declarations.append((declaration[0], declaration[1], command.words[-1], command))
            elif name == "priority" and len(command.words) == 2 and (command.words[1].literal or "").isdigit():
                priority = int(command.words[1].literal or DEFAULT_PRIORITY)
            elif name == "proc" and len(command.words) == 4:
                self.procs.add(command.words[1].literal or "")
            elif name == "timing" or name in _METADATA:
                continue
            else:
                self.report("EAS002", f"`{name}` is not an iRule event declaration (`when`, `priority`, `proc`)",
                            command.start, self.snippet(command.start, command.end))
        events = tuple(dict.fromkeys(event for event, _, _, _ in declarations))
        handlers: list[Handler] = []
        if script.error is not None:
            handlers.append(self._broken_rule(script.error))
        for event, _, body, _ in declarations:
            if event == "RULE_INIT":
                self._rule_init(body)
        order = {event: index for index, event in enumerate(REQUEST_EVENTS)}
        request_handlers = sorted(
            ((order[event], prio, index, event, body) for index, (event, prio, body, _) in enumerate(declarations)
             if event in order),
        )
        seen: dict[str, int] = {}
        for _, prio, _, event, body in request_handlers:
            seen[event] = seen.get(event, 0) + 1
            phase = f"irule {self.name}" if event == "HTTP_REQUEST" else f"irule {self.name} {event}"
            if seen[event] > 1:
                phase += f" #{seen[event]}"
            handlers.append(self._handler(event, prio, phase, body))
        diagnostics = tuple(sorted(self.diagnostics.values(), key=lambda item: item.location.line))
        result = IRuleResult((), diagnostics, events, tuple(self.pools), tuple(handlers))
        return IRuleResult(combine_irules([result]), diagnostics, events, tuple(self.pools), tuple(handlers),
                           tuple(self.pool_references.items()))

    def _when(self, command: Command, priority: int) -> tuple[str, int] | None:
        words = command.words
        if len(words) < 3 or words[-1].style == "quoted" and words[-1].literal is None:
            self.report("EAS002", "`when` needs an event name and a body", command.start, self.snippet(command.start, command.end))
            return None
        event = words[1].literal or ""
        index = 2
        while index < len(words) - 1:
            option = words[index].literal
            value = words[index + 1].literal if index + 1 < len(words) - 1 else None
            if option == "priority" and value and value.isdigit():
                priority = int(value)
            elif option == "timing" and value in ("on", "off", "enable", "disable"):
                pass
            else:
                self.report("EAS002", f"unknown `when` option `{option}`", words[index].start,
                            self.snippet(command.start, words[-1].start))
                return None
            index += 2
        return event, priority

    def _broken_rule(self, error: TclSyntaxError) -> Handler:
        """A rule Tcl cannot read is refused by BIG-IP; if it were on a box anyway, it could do
        anything, so its effect on every request is unknown."""
        location = self.location(error.offset)
        reason = Opaque(f"iRule {self.name} cannot be parsed from line {location.line} ({error}); its effect is unknown",
                        location, self.snippet(error.offset, error.offset + 60))
        step = Step(ALWAYS, Action(ActionKind.CONTINUE, detail="unparsable iRule", opaque=reason), location,
                    f"irule {self.name}", f"iRule {self.name}: unparsable from line {location.line}")
        return Handler("HTTP_REQUEST", DEFAULT_PRIORITY, (step,), ())

    def _rule_init(self, body: Word) -> None:
        """`static::` variables set in RULE_INIT to literal values are constants for the rule."""
        script = parse_script(self.text, body.content_start, body.content_end)
        for command in script.commands:
            if command.name == "set" and len(command.words) == 3:
                name = (command.words[1].literal or "").lstrip(":")
                value = self.word_value(command.words[2], {}, "RULE_INIT")
                if isinstance(value, Lit):
                    self.statics[name] = value

    def _handler(self, event: str, priority: int, phase: str, body: Word) -> Handler:
        state = _HandlerState(event, priority, phase)
        env: dict[str, Value] = dict(self.connection_env) if event != "CLIENT_ACCEPTED" else {}
        if body.style == "braced" or body.literal is not None:
            self.block(state, body.content_start, body.content_end, (), env, 0)
        else:
            self.filter(state, (), ActionKind.CONTINUE, body.start, body.end,
                        opaque=self.opaque("is computed at run time and is not evaluated", body.start, body.end))
        if event == "CLIENT_ACCEPTED":
            self.connection_env = env
        return Handler(event, priority, tuple(state.filters), tuple(reversed(state.routes)), tuple(state.disables))

    # -- steps ------------------------------------------------------------------------------

    def filter(self, state: _HandlerState, guard: tuple[Condition, ...], kind: ActionKind, start: int, end: int,
               detail: str = "", opaque: Opaque | None = None, rewrites: tuple[Field, ...] = (),
               timer: Timer | None = None) -> None:
        condition = _conjunction(guard)
        text = f"{self.snippet(start, end)} (iRule {self.name})"
        action = Action(kind, detail=detail, opaque=opaque, rewrites=rewrites, timer=timer)
        state.filters.append(Step(condition, action, self.location(start), state.phase, text))

    def route(self, state: _HandlerState, guard: tuple[Condition, ...], start: int, end: int, pool: str | None,
              opaque: Opaque | None = None) -> None:
        reach = _conjunction(guard + (_none_of(state.returns),))
        text = f"{self.snippet(start, end)} (iRule {self.name})"
        detail = f"pool {pool} selected by iRule {self.name}" if pool else ""
        action = Action(ActionKind.ROUTE, pool=pool, detail=detail, opaque=opaque)
        state.routes.append(Step(reach, action, self.location(start), f"irule {self.name} pool selection", text))
        if pool:
            self.pools[pool] = None

    # -- blocks -----------------------------------------------------------------------------

    def block(self, state: _HandlerState, start: int, end: int, guard: tuple[Condition, ...], env: dict[str, Value],
              depth: int) -> bool:
        """Translate the script in text[start:end]; True when it always ends with `return`."""
        if depth > MAX_BLOCK_DEPTH:
            self.filter(state, guard, ActionKind.CONTINUE, start, end,
                        opaque=self.opaque(f"is nested more than {MAX_BLOCK_DEPTH} blocks deep and is not evaluated", start, end))
            return False
        script = parse_script(self.text, start, end)
        self.report_script(script)
        for command in _join_else_lines(script.commands):
            if self.command(state, command, guard, env, depth):
                return True
        if script.error is not None:
            offset = script.error.offset
            self.report_parse_error(script.error, "what follows is not evaluated")
            self.filter(state, guard, ActionKind.CONTINUE, offset, min(end, offset + 60),
                        opaque=self.opaque(f"cannot be parsed ({script.error}); what follows is not evaluated", offset, end))
        return False

    def body_range(self, word: Word) -> tuple[int, int] | None:
        if word.style == "braced" or word.literal is not None:
            return word.content_start, word.content_end
        return None

    def command(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                depth: int) -> bool:
        if command.name == "use" and len(command.words) > 1:  # BIG-IP 4.x form: `use pool x` is `pool x`
            command = Command(command.words[1:], command.words[1].start, command.end)
        words = command.words
        name = command.name
        start, end = command.start, command.end
        if name is None:
            self.filter(state, guard, ActionKind.CONTINUE, start, end,
                        opaque=self.opaque("runs a command whose name is computed at run time", start, end))
            return False
        handler = _COMMANDS.get(name)
        if handler is not None:
            return handler(self, state, command, guard, env, depth)
        self.invalidate_written(name, words, env)
        if name in _CONTAINERS:
            return self.container(state, command, guard, env)
        if name.startswith("HTTP::") and state.event not in _HTTP_EVENTS:
            self.filter(state, guard, ActionKind.CONTINUE, start, end,
                        opaque=self.opaque(f"is not valid in {state.event} (a Tcl error resets the connection)", start, end))
            return False
        if _is_passive(name):
            return False
        reason = "is not evaluated by easlint; it may refuse, answer or route the request"
        if name in self.procs:
            reason = "calls a procedure of this iRule, which is not evaluated"
        self.filter(state, guard, ActionKind.CONTINUE, start, end, opaque=self.opaque(reason, start, end))
        return False

    def invalidate_written(self, name: str, words: tuple[Word, ...], env: dict[str, Value]) -> None:
        if name not in _VARIABLE_WRITERS and name not in _CONTAINERS and name != "regexp":
            return
        for word in words[1:]:
            literal = word.literal
            if literal and literal.lstrip(":") in env:
                env[literal.lstrip(":")] = Unknown(f"${literal} is changed by `{name}` at line {self.line(word.start)}")

    def container(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value]) -> bool:
        """Loops, `catch`, `eval` and the like: followed only far enough to see whether they can
        decide; if they can, they are opaque."""
        start, end = command.start, command.end
        decisive = self.find_decisive(command)
        for name in self.assigned_in(command):
            env[name] = Unknown(f"${name} is set inside `{command.name}` at line {self.line(start)}")
        if decisive is not None:
            self.filter(state, guard, ActionKind.CONTINUE, start, end,
                        opaque=self.opaque(f"holds `{decisive}`, which easlint does not evaluate inside `{command.name}`",
                                           start, end))
        return False

    def find_decisive(self, command: Command) -> str | None:
        """The first command inside `command`'s braced words that can decide, if any."""
        for word in command.words[1:]:
            if word.style != "braced":
                continue
            script = parse_script(self.text, word.content_start, word.content_end)
            if script.error is not None:
                return "unparsable script"
            for inner in script.commands:
                if _may_decide(inner.name):
                    return inner.name or "a computed command"
                found = self.find_decisive(inner)
                if found:
                    return found
        return None

    def assigned_in(self, command: Command) -> list[str]:
        names: list[str] = []
        for word in command.words[1:]:
            if word.style != "braced":
                continue
            for inner in parse_script(self.text, word.content_start, word.content_end).commands:
                if inner.name == "set" and len(inner.words) >= 3 and inner.words[1].literal:
                    names.append(inner.words[1].literal.lstrip(":"))
                names.extend(self.assigned_in(inner))
        if command.name == "foreach" and len(command.words) >= 2 and command.words[1].literal:
            names.extend(command.words[1].literal.split())
        return names

    # -- control flow -----------------------------------------------------------------------

    def cmd_if(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
               depth: int) -> bool:
        words = list(command.words[1:])
        arms: list[tuple[Condition, Word]] = []
        otherwise: Word | None = None
        index = 0
        problem = None
        while index < len(words):
            keyword = words[index].literal if index else None
            if index and keyword == "elseif":
                index += 1
            elif index and keyword == "else":
                if index + 1 >= len(words):
                    problem = "`else` without a body"
                    break
                otherwise = words[index + 1]
                index += 2
                if index < len(words):
                    problem = "extra words after the `else` body"
                break
            elif index:
                otherwise = words[index]  # Tcl: "the else keyword is optional"
                index += 1
                if index < len(words):
                    problem = "extra words after the last body"
                break
            if index + 1 >= len(words):
                problem = "wrong # args: no script following the expression"
                break
            condition = self.expression(words[index], env, state.event)
            index += 1
            if words[index].literal == "then":
                index += 1
            if index >= len(words):
                problem = "wrong # args: no script following `then`"
                break
            arms.append((condition, words[index]))
            index += 1
        if problem:
            self.report("EAS002", f"Tcl `if`: {problem}", command.start, self.snippet(command.start, command.end))
            self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end,
                        opaque=self.opaque(f"is a malformed `if` ({problem}); Tcl fails here at run time", command.start,
                                           command.end))
            return False
        return self.branches(state, command, guard, env, depth,
                             [(condition, body) for condition, body in arms] + ([(None, otherwise)] if otherwise else []))

    def branches(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                 depth: int, arms: list[tuple[Condition | None, Word]]) -> bool:
        """Exclusive arms in order (a None condition is `else`/`default`); each body runs under
        the enclosing guard, its own condition and the negation of every earlier one."""
        earlier: list[Condition] = []
        outcomes: list[tuple[Condition, dict[str, Value]]] = []
        has_default = False
        for condition, body in arms:
            # The arm's own test first: evaluation stops there for every arm that does not match.
            if condition is None:
                has_default = True
                arm = _none_of(earlier)
            else:
                arm = _conjunction((condition, _none_of(earlier)))
                earlier.append(condition)
            if _is_never(arm):
                continue
            branch_env = dict(env)
            span = self.body_range(body)
            if span is None:
                self.filter(state, guard + (arm,), ActionKind.CONTINUE, body.start, body.end,
                            opaque=self.opaque("is a script computed at run time", body.start, body.end))
                ended = False
            else:
                ended = self.block(state, span[0], span[1], guard + (arm,), branch_env, depth + 1)
            if not ended:
                outcomes.append((arm, branch_env))
            if condition is None or _is_always(condition):
                has_default = True
                break
        if not has_default:
            outcomes.append((_none_of(earlier), dict(env)))
        if not outcomes:
            return True
        self.merge(env, outcomes)
        return False

    def merge(self, env: dict[str, Value], outcomes: list[tuple[Condition, dict[str, Value]]]) -> None:
        names = set().union(*(branch for _, branch in outcomes))
        for name in names:
            values = [branch.get(name, Unknown(f"${name} is not set on every path")) for _, branch in outcomes]
            merged = values[-1]
            for (condition, _), value in zip(reversed(outcomes[:-1]), reversed(values[:-1])):
                merged = _choice(condition, value, merged)
            env[name] = merged

    def cmd_switch(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                   depth: int) -> bool:
        words = list(command.words[1:])
        mode, case_sensitive = "exact", True
        index = 0
        while index < len(words) and (words[index].literal or "").startswith("-"):
            option = words[index].literal
            index += 1
            if option == "--":
                break
            if option in ("-exact", "-glob", "-regexp"):
                mode = option[1:]
            elif option == "-nocase":
                case_sensitive = False
            else:
                return self.malformed(state, command, guard, f"switch option `{option}` is not supported")
        if index >= len(words):
            return self.malformed(state, command, guard, "switch without a subject")
        subject = self.word_value(words[index], env, state.event)
        rest = words[index + 1 :]
        pairs: list[tuple[str | None, Word | None, int]] = []  # (pattern, body word, offset)
        if len(rest) == 1:
            elements = split_list(self.text, rest[0].content_start, rest[0].content_end)
            if isinstance(elements, TclSyntaxError):
                return self.malformed(state, command, guard, f"switch pattern list: {elements}")
            items = [(element.value, element.word, element.word.start) for element in elements]
        else:
            items = [(word.literal, word, word.start) for word in rest]
        if len(items) % 2:
            return self.malformed(state, command, guard, "extra switch pattern with no body")
        for position in range(0, len(items), 2):
            pattern, _, offset = items[position]
            body_text, body_word, _ = items[position + 1]
            if pattern is not None and pattern.startswith("#"):
                self.report("EAS002", f"switch pattern `{pattern[:40]}` looks like a comment; inside a switch body it is a "
                            "pattern", offset, self.snippet(offset, offset + 60))
            pairs.append((pattern, None if body_text == "-" else body_word, offset))
        arms: list[tuple[Condition | None, Word]] = []
        group: list[tuple[str | None, int]] = []
        for number, (pattern, body, offset) in enumerate(pairs):
            group.append((pattern, offset))
            if body is None:
                if number == len(pairs) - 1:
                    return self.malformed(state, command, guard, "no body specified for the last pattern")
                continue
            if len(group) == 1 and group[0][0] == "default" and number == len(pairs) - 1:
                arms.append((None, body))
            else:
                arms.append((self.switch_test(subject, mode, case_sensitive, group, command), body))
            group = []
        return self.branches(state, command, guard, env, depth, arms)

    def switch_test(self, subject: Value, mode: str, case_sensitive: bool, group: list[tuple[str | None, int]],
                    command: Command) -> Condition:
        if any(pattern is None for pattern, _ in group):
            return self.opaque("has a switch pattern computed at run time", command.start, command.end)
        patterns = tuple(pattern or "" for pattern, _ in group)
        if mode == "exact":
            tests = [(MatchOp.EQUALS, pattern) for pattern in patterns]
        elif mode == "regexp":
            tests = [(MatchOp.REGEX, pattern) for pattern in patterns]
        else:
            translated = [glob_to_test(pattern) for pattern in patterns]
            if any(test is None for test in translated):
                return self.opaque("has a glob pattern with a character class easlint does not translate", command.start,
                                   command.end)
            tests = [test for test in translated if test is not None]
        dialect = "tcl-are" if mode == "regexp" else "pcre"
        return self.test_value(subject, tests, case_sensitive, dialect, command.start, command.end)

    def malformed(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], problem: str) -> bool:
        self.report("EAS002", f"Tcl `{command.name}`: {problem}", command.start, self.snippet(command.start, command.end))
        self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end,
                    opaque=self.opaque(f"is malformed ({problem}); Tcl fails here at run time", command.start, command.end))
        return False

    # -- commands with effects --------------------------------------------------------------

    def cmd_set(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                depth: int) -> bool:
        words = command.words
        if len(words) == 3 and words[1].literal:
            env[words[1].literal.lstrip(":")] = self.word_value(words[2], env, state.event)
        elif len(words) != 2:
            self.report("EAS002", "Tcl `set` takes a variable name and at most one value", command.start,
                        self.snippet(command.start, command.end))
        return False

    def cmd_return(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                   depth: int) -> bool:
        self.filter(state, guard, ActionKind.ALLOW, command.start, command.end,
                    detail=f"`return` ends {state.event} of iRule {self.name}; other iRules still run")
        state.returns.append(_conjunction(guard))
        return True

    def cmd_deny(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                 depth: int) -> bool:
        name = command.name
        if name == "reject":
            detail = "connection reset by iRule (reject)"
        elif name == "HTTP::respond":
            status = command.words[1].literal if len(command.words) > 1 else None
            detail = f"answered by BIG-IP with status {status or '(computed)'} (HTTP::respond)"
        else:
            detail = f"connection dropped by iRule ({name})"
        self.filter(state, guard, ActionKind.DENY, command.start, command.end, detail=detail)
        return False

    def cmd_redirect(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                     depth: int) -> bool:
        target = self.snippet(command.words[1].start, command.words[1].end) if len(command.words) > 1 else "?"
        self.filter(state, guard, ActionKind.REDIRECT, command.start, command.end, detail=f"redirected to {target}")
        return False

    def cmd_pool(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                 depth: int) -> bool:
        start, end = command.start, command.end
        if len(command.words) < 2:
            return False  # `pool` alone is a query of the current pool
        written = command.words[1].literal
        if written:
            self.pool_references.setdefault(written, self.location(start))
        if state.event not in _POOL_EVENTS:
            self.filter(state, guard, ActionKind.CONTINUE, start, end,
                        opaque=self.opaque(f"selects a pool in {state.event}, after load balancing; not evaluated", start, end))
            return False
        self.route_to(state, guard, command, self.word_value(command.words[1], env, state.event))
        return False

    def route_to(self, state: _HandlerState, guard: tuple[Condition, ...], command: Command, target: Value) -> None:
        if isinstance(target, Choice):
            self.route_to(state, guard + (target.condition,), command, target.then)
            self.route_to(state, guard + (Not(target.condition),), command, target.otherwise)
        elif isinstance(target, Lit) and target.text:
            self.route(state, guard, command.start, command.end, self.resolve_pool(target.text))
        else:
            reason = target.reason if isinstance(target, Unknown) else "is not a pool name"
            self.route(state, guard, command.start, command.end, None,
                       opaque=self.opaque(f"selects a pool computed at run time ({reason})", command.start, command.end))

    def resolve_pool(self, name: str) -> str:
        """BIG-IP looks a relative name up in the rule's partition, then in /Common. Without
        `known_pools` the name stays as written, for the caller to resolve."""
        if name.startswith("/") or self.known_pools is None:
            return name
        for candidate in (f"/{self.partition}/{name}", f"/Common/{name}"):
            if candidate in self.known_pools:
                return candidate
        return f"/{self.partition}/{name}"

    def cmd_elsewhere(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                      depth: int) -> bool:
        """`node` and `virtual` send the request somewhere other than a pool."""
        if len(command.words) == 1 or (command.name == "virtual" and command.words[1].literal == "name"):
            return False  # queries: the current node or virtual
        self.route(state, guard, command.start, command.end, None,
                   opaque=self.opaque("sends the request to a server or virtual directly, not to a pool", command.start,
                                      command.end))
        return False

    def cmd_event(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                  depth: int) -> bool:
        """`event disable all` stops every later handler of every iRule; `event <EVENT> disable`
        this rule's later handlers of that event; `event disable` (the current event of this
        rule) only affects later requests (clouddocs.f5.com/api/irules/event.html)."""
        args = [word.literal for word in command.words[1:]]
        if args in (["disable", "all"], ["info"], ["name"], ["enable", "all"], ["disable"], ["enable"]) or args == []:
            if args == ["disable", "all"]:
                state.disables.append(Disable(_conjunction(guard + (_none_of(state.returns),)), None))
            return False
        if len(args) == 2 and args[1] in ("disable", "enable") and args[0]:
            if args[1] == "disable" and args[0] != state.event:
                state.disables.append(Disable(_conjunction(guard + (_none_of(state.returns),)), args[0]))
            return False
        self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end,
                    opaque=self.opaque("changes which iRule events run; not evaluated", command.start, command.end))
        return False

    def cmd_header(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                   depth: int) -> bool:
        words = command.words
        sub = words[1].literal if len(words) > 1 else None
        if state.event not in _HTTP_EVENTS:
            return self.cmd_invalid_http(state, command, guard)
        changed: tuple[Field, ...] | None = None
        if sub in ("insert", "replace", "remove") and len(words) > 2:
            names = [w.literal for w in words[2:]] if sub == "insert" else [words[2].literal]
            if sub == "insert":
                names = [w.literal for w in words[2:] if w.literal != "lws"][::2]
            if any(name is None for name in names):
                changed = (Field(FieldKind.HEADER), Field(FieldKind.HEADER_COUNT), Field(FieldKind.HOST))
            else:
                changed = tuple(item for name in names for item in _header_fields(name or ""))
        elif sub in ("sanitize", "insert_modssl_fields"):
            changed = (Field(FieldKind.HEADER), Field(FieldKind.HEADER_COUNT), Field(FieldKind.HOST))
        elif sub == "value" and len(words) == 4 and words[2].literal:
            changed = _header_fields(words[2].literal)
        if changed is not None:
            self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end,
                        detail=f"HTTP::header {sub}", rewrites=changed)
        return False

    def cmd_cookie(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                   depth: int) -> bool:
        sub = command.words[1].literal if len(command.words) > 1 else None
        writes = sub in ("insert", "remove", "replace", "sanitize", "encrypt", "decrypt") or (sub == "value" and len(command.words) == 4)
        if writes:
            self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end, detail=f"HTTP::cookie {sub}",
                        rewrites=_header_fields("cookie"))
        return False

    def cmd_uri_setter(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                       depth: int) -> bool:
        """`HTTP::uri|path|query <value>` rewrite the request; without a value they are queries."""
        if len(command.words) < 2 or (command.words[1].literal or "").startswith("-"):
            return False
        path = (Field(FieldKind.PATH), Field(FieldKind.URL))
        query = (Field(FieldKind.QUERY), Field(FieldKind.QUERY_PARAM), Field(FieldKind.URL))
        rewrites = {"HTTP::uri": path + query, "HTTP::path": path, "HTTP::query": query}[command.name or ""]
        self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end, detail=f"{command.name} rewrite",
                    rewrites=rewrites)
        return False

    def cmd_idle_timer(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                       depth: int) -> bool:
        """`TCP::idletime <s>` / `IP::idle_timeout <s>` set this connection's idle timeout
        (clouddocs.f5.com/api/irules/TCP__idletime.html, .../IP__idle_timeout.html): a timer
        override on the side of the proxy the event runs on."""
        if len(command.words) < 2:
            return False
        raw = command.words[1].literal
        value = self.word_value(command.words[1], env, state.event)
        kind = TimerKind.SERVER_IDLE if state.event in _SERVER_SIDE_EVENTS else TimerKind.CLIENT_IDLE
        if not isinstance(value, Lit) or not value.text.isdigit():
            self.report("EAS003", f"{command.name} sets the {kind.value} timeout to a value computed at run time; the "
                        "idle timer of the requests it applies to cannot be verified", command.start,
                        self.snippet(command.start, command.end))
            return False
        seconds = int(value.text)
        location = self.location(command.start)
        timer = Timer(kind, None if seconds == 0 else float(seconds), command.name or "", f"iRule {self.name} ({state.event}): "
                      f"{command.name} {raw}", True, location, f"ltm rule {self.name}", raw)
        self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end,
                    detail=f"{command.name} {raw} (idle timeout override)", timer=timer)
        return False

    def cmd_regexp(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                   depth: int) -> bool:
        """As a statement, `regexp` only sets its match variables (when it matches)."""
        parsed = self.regexp_parts(command, env, state.event)
        if parsed is None:
            for word in command.words[1:]:
                if word.literal and word.literal in env:
                    env[word.literal] = Unknown(f"${word.literal} may be set by `regexp` at line {self.line(command.start)}")
            return False
        matched, variables = parsed
        for name in variables:
            captured = Unknown(f"${name} holds text captured by `regexp` at line {self.line(command.start)}")
            before = env.get(name, Unknown(f"${name} is only set when the `regexp` at line {self.line(command.start)} matches"))
            env[name] = _choice(matched, captured, before) if not isinstance(matched, Opaque) else Unknown(captured.reason)
        return False

    def cmd_invalid_http(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...]) -> bool:
        self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end,
                    opaque=self.opaque(f"is not valid in {state.event} (a Tcl error resets the connection)", command.start,
                                       command.end))
        return False

    def cmd_opaque(self, state: _HandlerState, command: Command, guard: tuple[Condition, ...], env: dict[str, Value],
                   depth: int) -> bool:
        reasons = {
            "HTTP::collect": "collects the request body; what HTTP_REQUEST_DATA then does is not evaluated",
            "HTTP::disable": "turns HTTP processing off; later HTTP iRule logic does not run",
            "HTTP::retry": "resends the request; not evaluated",
            "TCP::close": "closes the client connection; not evaluated",
            "TCP::respond": "answers on the raw TCP connection; not evaluated",
            "TCP::collect": "collects raw TCP data; what CLIENT_DATA then does is not evaluated",
            "LB::reselect": "changes the load-balancing choice; not evaluated",
            "LB::detach": "detaches the server connection; not evaluated",
            "ACCESS::respond": "answers through APM; not evaluated",
            "call": "calls a procedure, which is not evaluated",
        }
        self.filter(state, guard, ActionKind.CONTINUE, command.start, command.end,
                    opaque=self.opaque(reasons.get(command.name or "", "is not evaluated"), command.start, command.end))
        return False

    # -- values -----------------------------------------------------------------------------

    def word_value(self, word: Word, env: dict[str, Value], event: str) -> Value:
        if word.style == "braced":
            return Lit(word.parts[0].value if word.parts else "")
        values = [self.part_value(part, env, event) for part in word.parts]
        if not values:
            return Lit("")
        if len(values) == 1:
            return values[0]
        if all(isinstance(value, Lit) for value in values):
            return Lit("".join(value.text for value in values))  # type: ignore[union-attr]
        return Unknown(f"`{self.snippet(word.start, word.end)}` is built at run time")

    def part_value(self, part: Part, env: dict[str, Value], event: str) -> Value:
        if part.kind == "text":
            return Lit(part.value)
        if part.kind == "variable":
            name = part.value.lstrip(":")
            if name in env:
                return env[name]
            if name in self.statics:
                return self.statics[name]
            return Unknown(f"${part.value} is not set by any command easlint evaluates before line {self.line(part.start)}")
        return self.command_value(part.start, part.end, env, event)

    def command_value(self, start: int, end: int, env: dict[str, Value], event: str) -> Value:
        script = parse_script(self.text, start, end)
        if script.error is not None or not script.commands:
            return Unknown(f"`[{self.snippet(start, end)}]` cannot be parsed") if script.error else Lit("")
        if len(script.commands) > 1:
            return Unknown(f"`[{self.snippet(start, end)}]` runs several commands")
        return self.call_value(script.commands[0], env, event)

    def call_value(self, command: Command, env: dict[str, Value], event: str) -> Value:
        name = command.name or ""
        words = command.words
        text = f"[{self.snippet(command.start, command.end)}]"
        args = [word.literal for word in words[1:]]
        if name.startswith("HTTP::") and event not in _HTTP_EVENTS:
            return Unknown(f"{text} is not valid in {event} (a Tcl error resets the connection)")
        if name == "HTTP::header":
            if len(args) == 1 and args[0] and args[0] not in _HEADER_SUBCOMMANDS:
                return Ref(Field(FieldKind.HEADER, args[0].lower()), text)
            if len(args) == 2 and args[0] == "value" and args[1]:
                return Ref(Field(FieldKind.HEADER, args[1].lower()), text)
            if len(args) == 2 and args[0] == "exists" and args[1]:
                return Flag(Match(Field(FieldKind.HEADER, args[1].lower()), MatchOp.EXISTS, location=self.location(command.start),
                                  text=text))
            return Unknown(f"{text} is not evaluated")
        simple = {
            "HTTP::uri": (FieldKind.URL, False), "HTTP::path": (FieldKind.PATH, False), "HTTP::query": (FieldKind.QUERY, True),
            "HTTP::method": (FieldKind.METHOD, False), "HTTP::version": (FieldKind.HTTP_VERSION, False),
        }
        if name in simple and not args:
            kind, may_be_absent = simple[name]
            return Ref(Field(kind), text, absent_is_empty=may_be_absent)
        if name == "HTTP::host" and not args:
            return Ref(Field(FieldKind.HEADER, "host"), text)  # the Host header as sent, port included
        if name in ("IP::client_addr", "IP::remote_addr") and not args:
            if name == "IP::remote_addr" and event in _SERVER_SIDE_EVENTS:
                return Unknown(f"{text} is the server's address in {event}")
            return Ref(Field(FieldKind.SRC), text, absent_is_empty=False)
        if name == "string" and args:
            return self.string_value(command, env, event, text)
        if name == "URI::decode" and len(words) == 2:
            inner = self.word_value(words[1], env, event)
            return _transform(inner, "url_dec", lambda value: _url_decode(value))
        if name == "URI::query" and len(words) in (2, 3):
            return self.uri_query_value(command, env, event, text)
        if name == "b64decode" and len(words) == 2:
            return _b64decode_value(self.word_value(words[1], env, event), text)
        if name == "b64decode":
            return Unknown(f"{text} is not evaluated")
        if name in ("class", "matchclass"):
            return self.class_value(command, env, event, text)
        if name == "IP::addr" and len(words) == 4 and args[1] == "equals":
            left = self.word_value(words[1], env, event)
            right = self.word_value(words[3], env, event)
            if isinstance(left, Lit) and isinstance(right, Ref):
                left, right = right, left
            if isinstance(left, Ref) and left.field.kind is FieldKind.SRC and isinstance(right, Lit):
                return Flag(Match(left.field, MatchOp.IP, (right.text,), location=self.location(command.start), text=text))
            return Unknown(f"{text} is not evaluated")
        if name == "regexp":
            parsed = self.regexp_parts(command, env, event)
            return Flag(parsed[0]) if parsed else Unknown(f"{text} is not evaluated")
        if name == "expr" and len(words) == 2:
            return self.expression_value(words[1], env, event)
        if name == "info" and len(args) == 2 and args[0] == "exists" and args[1]:
            variable = args[1].lstrip(":")
            if variable in env or variable in self.statics:
                value = env.get(variable, self.statics.get(variable))
                if not (isinstance(value, Unknown) and "not set on every path" in value.reason):
                    return Flag(ALWAYS)
            return Unknown(f"{text}: whether the variable exists depends on earlier requests on the connection")
        return Unknown(f"{text} is not evaluated")

    def string_value(self, command: Command, env: dict[str, Value], event: str, text: str) -> Value:
        words = command.words
        sub = words[1].literal
        if sub in ("tolower", "toupper") and len(words) == 3:
            inner = self.word_value(words[2], env, event)
            transform = "lower" if sub == "tolower" else "upper"
            return _transform(inner, transform, str.lower if sub == "tolower" else str.upper)
        if sub == "match" and len(words) in (4, 5):
            nocase = len(words) == 5
            if nocase and words[2].literal != "-nocase":
                return Unknown(f"{text} is not evaluated")
            pattern = self.word_value(words[-2], env, event)
            subject = self.word_value(words[-1], env, event)
            if not isinstance(pattern, Lit):
                return Unknown(f"{text} matches a pattern computed at run time")
            test = glob_to_test(pattern.text)
            if test is None:
                return Unknown(f"{text} uses a character class easlint does not translate")
            return Flag(self.test_value(subject, [test], not nocase, "pcre", command.start, command.end))
        if sub == "equal" and len(words) in (4, 5):
            nocase = len(words) == 5
            if nocase and words[2].literal != "-nocase":
                return Unknown(f"{text} is not evaluated")
            left, right = self.word_value(words[-2], env, event), self.word_value(words[-1], env, event)
            if isinstance(left, Lit) and not isinstance(right, Lit):
                left, right = right, left
            if not isinstance(right, Lit):
                return Unknown(f"{text} compares two run-time values")
            return Flag(self.test_value(left, [(MatchOp.EQUALS, right.text)], not nocase, "pcre", command.start, command.end))
        return Unknown(f"{text} is not evaluated")

    def uri_query_value(self, command: Command, env: dict[str, Value], event: str, text: str) -> Value:
        """`URI::query <uri> [<name>]`: the query of a URI, or one parameter's value, "" when absent.
        The manual describes no decoding (clouddocs.f5.com/api/irules/URI__query.html), so the
        value is matched as written; the name is taken as case-sensitive."""
        uri = self.word_value(command.words[1], env, event)
        if (not isinstance(uri, Ref) or uri.field.kind is not FieldKind.URL
                or not set(uri.transforms) <= {"lower", "upper"}):  # a decoded URI parses differently
            return Unknown(f"{text} parses a URI other than [HTTP::uri]")
        if len(command.words) == 2:
            return Ref(Field(FieldKind.QUERY), text, uri.transforms)
        name = self.word_value(command.words[2], env, event)
        if not isinstance(name, Lit):
            return Unknown(f"{text} reads a parameter whose name is computed at run time")
        lowered = "lower" in uri.transforms or "upper" in uri.transforms
        if lowered:
            folded = name.text.lower() if uri.transforms[-1] == "lower" else name.text.upper()
            never = folded != name.text
            return Ref(Field(FieldKind.QUERY_PARAM, name.text, name_case_sensitive=False), text, uri.transforms, never=never)
        return Ref(Field(FieldKind.QUERY_PARAM, name.text, name_case_sensitive=True), text)

    def class_value(self, command: Command, env: dict[str, Value], event: str, text: str) -> Value:
        """`class match [--] <item> <op> <dg>` and `class search [--] <dg> <op> <item>`
        (clouddocs.f5.com/api/irules/class.html): true when the item and some key of the data
        group stand in the relation (`starts_with`: the item starts with the key)."""
        words = list(command.words[1:])
        if command.name == "matchclass" or not words or words[0].literal not in ("match", "search"):
            return Unknown(f"{text} is not evaluated")
        sub = words.pop(0).literal
        while words and (words[0].literal or "").startswith("-"):
            if words.pop(0).literal != "--":
                return Unknown(f"{text} returns a name, value or index, not true/false; not evaluated")
        if len(words) != 3:
            return Unknown(f"{text} is not evaluated")
        if sub == "match":
            item_word, op, group_word = words
        else:
            group_word, op, item_word = words
        operator = {"equals": MatchOp.EQUALS, "starts_with": MatchOp.PREFIX, "ends_with": MatchOp.SUFFIX,
                    "contains": MatchOp.CONTAINS}.get(op.literal or "")
        group_name = self.word_value(group_word, env, event)
        if operator is None or not isinstance(group_name, Lit):
            return Unknown(f"{text} is not evaluated")
        group = self.data_group(group_name.text)
        if group is None:
            return self.missing_data_group(group_name.text, command, text)
        if group.type == "external":  # `ltm data-group external`: records in a `sys file data-group`
            return Unknown(f"{text}: the records of data group {group.name} live in an external file easlint does not read")
        item = self.word_value(item_word, env, event)
        keys = tuple(key for key, _ in group.records)
        if group.type == "ip":
            if operator is MatchOp.EQUALS and isinstance(item, Ref) and item.field.kind is FieldKind.SRC:
                return Flag(Match(item.field, MatchOp.IP, keys, location=self.location(command.start), text=text))
            return Unknown(f"{text} matches an address data group against something other than the client address")
        if group.type != "string":
            return Unknown(f"{text} compares with an {group.type} data group; not evaluated")
        return Flag(self.test_value(item, [(operator, key) for key in keys], True, "pcre", command.start, command.end))

    def missing_data_group(self, name: str, command: Command, text: str) -> Unknown:
        """A data group named by a literal that is not defined. BIG-IP's validator refuses to
        save or load such an iRule ("01070151:3: Rule [...] error: Unable to find value_list
        (<name>) referenced at line <n>"), unless the group may be in a partition whose file
        was not read: then nothing is proven about it."""
        snippet = self.snippet(command.start, command.end)
        path = name if name.startswith("/") else f"/{self.partition}/{name}"
        if self.unread is not None and self.unread(name, path):
            self.report("EAS002", f"{not_read('data group', name, path)}: `{snippet}` is not evaluated", command.start, snippet)
            return Unknown(f"{text}: data group {name} is not defined in the files read")
        self.report("EAS001", f"data group {name} does not exist: BIG-IP refuses to load an iRule whose `class` command names "
                    f"a missing data group (\"Unable to find value_list ({name})\")", command.start, snippet, Level.ERROR)
        return Unknown(f"{text}: data group {name} does not exist")

    def data_group(self, name: str) -> DataGroup | None:
        if name.startswith("/"):
            return self.data_groups.get(name)
        for candidate in (f"/{self.partition}/{name}", f"/Common/{name}"):
            if candidate in self.data_groups:
                return self.data_groups[candidate]
        return None

    def regexp_parts(self, command: Command, env: dict[str, Value], event: str) -> tuple[Condition, list[str]] | None:
        """`regexp [-nocase] [--] <pattern> <string> [matchVar subVar...]`: the match test and
        the variables it sets; None for options easlint does not evaluate."""
        words = list(command.words[1:])
        case_sensitive = True
        while words and (words[0].literal or "").startswith("-"):
            option = words.pop(0).literal
            if option == "--":
                break
            if option != "-nocase":
                return None
            case_sensitive = False
        if len(words) < 2:
            return None
        pattern = self.word_value(words[0], env, event)
        subject = self.word_value(words[1], env, event)
        variables = [word.literal.lstrip(":") for word in words[2:] if word.literal]
        if len(variables) != len(words) - 2:
            return None
        if not isinstance(pattern, Lit):
            return self.opaque("matches a regular expression computed at run time", command.start, command.end), variables
        test = self.test_value(subject, [(MatchOp.REGEX, pattern.text)], case_sensitive, "tcl-are", command.start, command.end)
        return test, variables

    # -- conditions -------------------------------------------------------------------------

    def expression(self, word: Word, env: dict[str, Value], event: str) -> Condition:
        value = self.expression_value(word, env, event)
        return self.truth(value, word.start, word.end)

    def expression_value(self, word: Word, env: dict[str, Value], event: str) -> Value:
        start, end = (word.content_start, word.content_end) if word.style != "bare" else (word.start, word.end)
        try:
            tree = parse_expression(self.text[start:end])
        except TclSyntaxError as error:
            reader = "easlint does not read" if error.limit else "Tcl cannot parse"
            self.report("EAS002", f"{reader} this expression: {error}", start + error.offset, self.snippet(start, end))
            return Unknown(f"`{self.snippet(start, end)}` cannot be parsed as an expression ({error})")
        return self.node_value(tree, start, env, event)

    def node_value(self, node: Expression, base: int, env: dict[str, Value], event: str) -> Value:
        if isinstance(node, Operand):
            return self.operand_value(node, base, env, event)
        if isinstance(node, Unary) and node.op in ("!", "not"):
            inner = self.node_value(node.term, base, env, event)
            return Flag(Not(self.truth(inner, base, base)))
        if isinstance(node, Binary):
            if node.op in ("&&", "and", "||", "or"):
                left = self.truth(self.node_value(node.left, base, env, event), base, base)
                right = self.truth(self.node_value(node.right, base, env, event), base, base)
                return Flag(All((left, right)) if node.op in ("&&", "and") else Any((left, right)))
            left_value = self.node_value(node.left, base, env, event)
            right_value = self.node_value(node.right, base, env, event)
            start, end = _extent(node, base)
            return Flag(self.compare(left_value, node.op, right_value, start, end))
        start, end = _extent(node, base)
        return Unknown(f"`{self.snippet(start, end)}` is arithmetic or a conditional expression; not evaluated")

    def operand_value(self, operand: Operand, base: int, env: dict[str, Value], event: str) -> Value:
        start, end = base + operand.start, base + operand.end
        raw = self.text[start:end]
        if operand.kind == "command":
            return self.command_value(start + 1, end - 1, env, event)
        if operand.kind == "braced":
            return Lit(raw[1:-1])
        if operand.kind in ("quoted", "variable"):
            try:
                word = parse_word(self.text, start, end)
            except TclSyntaxError as error:
                return Unknown(f"`{raw}` cannot be parsed ({error})")
            return self.word_value(word, env, event)
        if operand.kind == "number":
            return Lit(raw)
        if operand.kind == "word" and raw.lower() in ("true", "false", "yes", "no", "on", "off"):
            return Lit(raw)
        if operand.kind == "word":
            return Unknown(f"`{raw}` is a bare word, which Tcl refuses in an expression at run time")
        return Unknown(f"`{raw}` is a math function; not evaluated")

    def truth(self, value: Value, start: int, end: int) -> Condition:
        if isinstance(value, Flag):
            return value.condition
        if isinstance(value, Choice):
            return Any((All((value.condition, self.truth(value.then, start, end))),
                        All((Not(value.condition), self.truth(value.otherwise, start, end)))))
        if isinstance(value, Lit):
            boolean = _tcl_boolean(value.text)
            if boolean is not None:
                return ALWAYS if boolean else NEVER
            return self.opaque(f"uses `{value.text}` as a truth value, which Tcl refuses at run time", start, end)
        if isinstance(value, Ref):
            return self.opaque(f"uses {value.text} as a truth value; not evaluated", start, end)
        return self.opaque(f"is not evaluated: {value.reason}", start, end)

    def compare(self, left: Value, op: str, right: Value, start: int, end: int) -> Condition:
        symmetric = op in ("==", "eq", "equals", "!=", "ne")
        if isinstance(left, Choice):
            return Any((All((left.condition, self.compare(left.then, op, right, start, end))),
                        All((Not(left.condition), self.compare(left.otherwise, op, right, start, end)))))
        if isinstance(right, Choice):
            return Any((All((right.condition, self.compare(left, op, right.then, start, end))),
                        All((Not(right.condition), self.compare(left, op, right.otherwise, start, end)))))
        if symmetric and isinstance(left, Lit) and not isinstance(right, Lit):
            left, right = right, left
        for value in (left, right):
            if isinstance(value, Unknown):
                return self.opaque(f"is not evaluated: {value.reason}", start, end)
        if isinstance(left, Flag) and isinstance(right, Lit) and symmetric:
            boolean = _tcl_boolean(right.text)
            if boolean is None:
                return NEVER if op in ("==", "eq", "equals") else ALWAYS
            holds = left.condition if boolean else Not(left.condition)
            return holds if op in ("==", "eq", "equals") else Not(holds)
        if isinstance(left, Lit) and isinstance(right, Lit):
            return self.static_compare(left.text, op, right.text, start, end)
        if not (isinstance(left, Ref) and isinstance(right, Lit)):
            return self.opaque(f"compares values easlint cannot relate (`{op}`)", start, end)
        negate = op in ("!=", "ne")
        tests: list[tuple[MatchOp, str]]
        dialect = "pcre"
        if op in ("==", "!=") and _is_number(right.text):
            return self.opaque("is a numeric comparison; not evaluated", start, end)
        if op in ("==", "eq", "equals", "!=", "ne"):
            tests = [(MatchOp.EQUALS, right.text)]
        elif op in ("contains", "starts_with", "ends_with"):
            tests = [({"contains": MatchOp.CONTAINS, "starts_with": MatchOp.PREFIX, "ends_with": MatchOp.SUFFIX}[op], right.text)]
        elif op == "matches_glob":
            test = glob_to_test(right.text)
            if test is None:
                return self.opaque("uses a glob character class easlint does not translate", start, end)
            tests = [test]
        elif op == "matches_regex":
            tests, dialect = [(MatchOp.REGEX, right.text)], "tcl-are"
        else:
            return self.opaque(f"uses the operator `{op}`, which easlint does not evaluate on request fields", start, end)
        condition = self.test_value(left, tests, True, dialect, start, end)
        return Not(condition) if negate else condition

    def static_compare(self, left: str, op: str, right: str, start: int, end: int) -> Condition:
        results = {
            "eq": left == right, "equals": left == right, "ne": left != right, "contains": right in left,
            "starts_with": left.startswith(right), "ends_with": left.endswith(right),
        }
        if op in ("==", "!=") and not (_is_number(left) or _is_number(right)):
            results[op] = (left == right) == (op == "==")
        if op in results:
            return ALWAYS if results[op] else NEVER
        return self.opaque(f"compares constants with `{op}`; not evaluated", start, end)

    def test_value(self, subject: Value, tests: list[tuple[MatchOp, str]], case_sensitive: bool, dialect: str, start: int,
                   end: int) -> Condition:
        """Whether `subject` passes any of `tests` (op, pattern)."""
        if isinstance(subject, Choice):
            return Any((All((subject.condition, self.test_value(subject.then, tests, case_sensitive, dialect, start, end))),
                        All((Not(subject.condition),
                             self.test_value(subject.otherwise, tests, case_sensitive, dialect, start, end)))))
        if isinstance(subject, Lit):
            outcomes = [_static_test(op, pattern, subject.text, case_sensitive, dialect) for op, pattern in tests]
            if any(outcome is True for outcome in outcomes):
                return ALWAYS
            if any(outcome is None for outcome in outcomes):
                return self.opaque("matches a constant against a pattern easlint cannot evaluate", start, end)
            return NEVER
        if not isinstance(subject, Ref):
            reason = subject.reason if isinstance(subject, Unknown) else "a true/false value is matched as text"
            return self.opaque(f"is not evaluated: {reason}", start, end)
        location, text = self.location(start), self.snippet(start, end)
        on_empty = subject.absent_is_empty and any(
            _holds_on_empty(op, pattern, case_sensitive, dialect) for op, pattern in tests)
        if subject.never:
            return ALWAYS if any(_holds_on_empty(op, pattern, case_sensitive, dialect) for op, pattern in tests) else NEVER
        grouped: dict[MatchOp, list[str]] = {}
        for op, pattern in tests:
            grouped.setdefault(op, []).append(pattern)
        terms: list[Condition] = [
            Match(subject.field, op, tuple(patterns), case_sensitive, subject.transforms,
                  dialect if op is MatchOp.REGEX else "pcre", location=location, text=text)
            for op, patterns in grouped.items()
        ]
        if on_empty:
            terms.append(Not(Match(subject.field, MatchOp.EXISTS, location=location, text=text)))
        return terms[0] if len(terms) == 1 else Any(tuple(terms))


_COMMANDS = {
    "if": _Translator.cmd_if,
    "switch": _Translator.cmd_switch,
    "set": _Translator.cmd_set,
    "return": _Translator.cmd_return,
    "reject": _Translator.cmd_deny,
    "drop": _Translator.cmd_deny,
    "discard": _Translator.cmd_deny,
    "HTTP::respond": _Translator.cmd_deny,
    "HTTP::redirect": _Translator.cmd_redirect,
    "pool": _Translator.cmd_pool,
    "node": _Translator.cmd_elsewhere,
    "virtual": _Translator.cmd_elsewhere,
    "event": _Translator.cmd_event,
    "HTTP::header": _Translator.cmd_header,
    "HTTP::cookie": _Translator.cmd_cookie,
    "HTTP::uri": _Translator.cmd_uri_setter,
    "HTTP::path": _Translator.cmd_uri_setter,
    "HTTP::query": _Translator.cmd_uri_setter,
    "TCP::idletime": _Translator.cmd_idle_timer,
    "IP::idle_timeout": _Translator.cmd_idle_timer,
    "regexp": _Translator.cmd_regexp,
    "HTTP::collect": _Translator.cmd_opaque,
    "HTTP::disable": _Translator.cmd_opaque,
    "HTTP::retry": _Translator.cmd_opaque,
    "TCP::close": _Translator.cmd_opaque,
    "TCP::respond": _Translator.cmd_opaque,
    "TCP::collect": _Translator.cmd_opaque,
    "LB::reselect": _Translator.cmd_opaque,
    "LB::detach": _Translator.cmd_opaque,
    "ACCESS::respond": _Translator.cmd_opaque,
    "call": _Translator.cmd_opaque,
}


# -- helpers ---------------------------------------------------------------------------------------


def _is_passive(name: str) -> bool:
    """A command that neither decides nor rewrites (a query, logging, persistence, ...)."""
    if name.startswith("TCP::"):
        return name not in _DECISIVE and name not in ("TCP::collect", "TCP::payload")
    return name in _NO_DECISION or name.startswith(_NO_DECISION_PREFIXES)


def _may_decide(name: str | None) -> bool:
    """Whether a command inside a loop or `catch` could refuse, answer or route the request."""
    if name is None or name in _DECISIVE:
        return True
    return not (name in _COMMANDS or name in _CONTAINERS or _is_passive(name))


def _is_always(condition: Condition) -> bool:
    return type(condition) is All and not condition.terms


def _is_never(condition: Condition) -> bool:
    return type(condition) is Any and not condition.terms


def _none_of(conditions: Sequence[Condition]) -> Condition:
    """True when no condition holds (one node, so long `elseif` chains stay linear in size)."""
    return ALWAYS if not conditions else Not(conditions[0] if len(conditions) == 1 else Any(tuple(conditions)))


def _conjunction(terms: tuple[Condition, ...]) -> Condition:
    kept = tuple(term for term in terms if not _is_always(term))
    if any(_is_never(term) for term in kept):
        return NEVER
    if not kept:
        return ALWAYS
    return kept[0] if len(kept) == 1 else All(kept)


def _join_else_lines(commands: tuple[Command, ...]) -> list[Command]:
    """An `elseif`/`else` at the start of the line after an `if` continues that `if` on BIG-IP.
    Plain Tcl would call a command named `elseif` there; BIG-IP's own system iRules
    (`_sys_APM_activesync`, `_sys_APM_ExchangeSupport_main`, shipped in profile_base.conf and
    run by every APM deployment) are written this way, so BIG-IP reads it as one `if`."""
    joined: list[Command] = []
    for command in commands:
        previous = joined[-1] if joined else None
        if (command.name in ("elseif", "else") and previous is not None and previous.name == "if"
                and previous.words[-2].literal != "else"):
            joined[-1] = Command(previous.words + command.words, previous.start, command.end)
        else:
            joined.append(command)
    return joined


def _header_fields(name: str) -> tuple[Field, ...]:
    fields = (Field(FieldKind.HEADER, name.lower()), Field(FieldKind.HEADER_COUNT, name.lower()))
    if name.lower() == "host":
        fields += (Field(FieldKind.HOST),)
    return fields


def _transform(value: Value, transform: str, on_text) -> Value:
    if isinstance(value, Lit):
        return Lit(on_text(value.text))
    if isinstance(value, Ref):
        return Ref(value.field, value.text, value.transforms + (transform,), value.absent_is_empty, value.never)
    if isinstance(value, Choice):
        return _choice(value.condition, _transform(value.then, transform, on_text), _transform(value.otherwise, transform, on_text))
    return value if isinstance(value, Unknown) else Unknown("a true/false value is transformed as text")


def _url_decode(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def _b64decode_value(value: Value, text: str) -> Value:
    """`b64decode <value>`: a constant is decoded here, a request field by the `b64_dec` match
    transform (linter.matching), with the same rules as `_tcl_b64decode`. In the MS-ASHTTP base64
    query the DeviceType bytes appear verbatim once decoded, so `contains` finds them; a value
    that is not base64 makes the test unknown, as the command fails on BIG-IP."""
    if isinstance(value, Lit):
        decoded = _tcl_b64decode(value.text)
        if decoded is None:
            return Unknown(f"{text} is given {value.text[:40]!r}, which is not base64; on input it cannot decode, "
                           "b64decode fails with a Tcl error (conversion error) that resets the connection")
        return Lit(decoded)
    if isinstance(value, Ref):
        return Ref(value.field, value.text, value.transforms + ("b64_dec",), value.absent_is_empty, value.never)
    if isinstance(value, Choice):
        return _choice(value.condition, _b64decode_value(value.then, text), _b64decode_value(value.otherwise, text))
    return value if isinstance(value, Unknown) else Unknown("a true/false value is decoded as base64")


def _tcl_b64decode(text: str) -> str | None:
    """What `b64decode` returns for `text`, or None where it fails.

    The tmsh reference (clouddocs.f5.com/cli/tmsh-reference/v13/modules/ltm/
    ltm_rule_command_b64decode.html) says only that it "Returns a string that is base-64
    decoded"; its example shows `b64decode "\\\\a b c d"` failing with "TCL error ... conversion
    error" (so characters outside the alphabet are not skipped) and its hint says such input
    resets the connection. Which other inputs BIG-IP accepts is not documented, so only strict
    RFC 4648 base64 (alphabet, padding) counts as decodable; anything else is a failure, never
    a value that could match. The bytes become one character each (U+0000-U+00FF), as Tcl
    turns a byte array into a string, so `string tolower` and the comparisons see them as
    BIG-IP does."""
    try:
        return base64.b64decode(text, validate=True).decode("latin-1")
    except ValueError:  # binascii.Error, and non-ASCII input
        return None


def _tcl_boolean(text: str) -> bool | None:
    """Tcl's truth of a string (Tcl_GetBoolean): numbers (non-zero is true) and yes/no/true/false/on/off."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    if _is_number(lowered):
        try:
            return float(int(lowered, 0) if lowered.lstrip("-+").startswith("0x") else lowered) != 0
        except ValueError:
            return None
    return None


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[-+]?(?:0[xX][0-9A-Fa-f]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)\s*", text))


def _extent(node: Expression, base: int) -> tuple[int, int]:
    """The first and last offsets an expression node covers."""
    operands: list[Operand] = []
    stack: list[Expression] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Operand):
            operands.append(item)
        elif isinstance(item, Unary):
            stack.append(item.term)
        elif isinstance(item, Binary):
            stack.extend((item.left, item.right))
        elif isinstance(item, Ternary):
            stack.extend((item.test, item.then, item.otherwise))
    return base + min(op.start for op in operands), base + max(op.end for op in operands)


# -- entry points ----------------------------------------------------------------------------------


def translate_irule(name: str, body: str, body_line: int, file: str, data_groups: Mapping[str, DataGroup],
                    partition: str = "Common", known_pools: Collection[str] | None = (),
                    unread: Callable[[str, str], bool] | None = None) -> IRuleResult:
    """Translate one iRule. `body` is the text between the rule's outer braces and starts on
    `body_line` of `file`. `known_pools` (full paths), when given, lets a relative pool name
    fall back to /Common as BIG-IP does; None leaves relative names as written, for a caller
    that resolves them itself. `unread(written, path)` says whether an object not
    found may live in a partition whose file was not read (`Config.outside_files_read`).
    Never raises on any input."""
    try:
        return _Translator(name, body, body_line, file, data_groups, partition, known_pools, unread).translate()
    except RecursionError:
        location = Location(file, body_line)
        message = f"iRule {name} is nested too deeply to translate; its effect is unknown"
        step = Step(ALWAYS, Action(ActionKind.CONTINUE, opaque=Opaque(message, location)), location, f"irule {name}",
                    f"iRule {name}")
        diagnostic = Diagnostic("EAS002", Level.WARNING, message, location, f"ltm rule {name}")
        return IRuleResult((step,), (diagnostic,), (), (), (Handler("HTTP_REQUEST", DEFAULT_PRIORITY, (step,), ()),))


def combine_irules(results: Sequence[IRuleResult]) -> tuple[Step, ...]:
    """The steps of the iRules of one virtual, in the order they are attached.

    Handlers run by event, then priority, then rule order; their filters come in that order,
    then every pool selection, last executed first, so a refusal anywhere wins over any pool
    choice and the last `pool` executed wins among them, as on BIG-IP. A handler that follows
    an `event disable all` (or an `event <EVENT> disable` in the same rule) runs only when that
    command did not."""
    order = {event: index for index, event in enumerate(REQUEST_EVENTS)}
    entries = sorted(
        (order.get(handler.event, len(order)), handler.priority, rule_index, handler_index, handler)
        for rule_index, result in enumerate(results)
        for handler_index, handler in enumerate(result.handlers)
    )
    filters: list[Step] = []
    routes: list[list[Step]] = []
    disabled_all: list[Condition] = []
    disabled_event: dict[tuple[int, str], list[Condition]] = {}
    for _, _, rule_index, _, handler in entries:
        gates = disabled_all + disabled_event.get((rule_index, handler.event), [])
        filters.extend(_gated(step, gates) for step in handler.filters)
        routes.append([_gated(step, gates) for step in handler.routes])
        for disable in handler.disables:
            if disable.event is None:
                disabled_all.append(disable.condition)
            else:
                disabled_event.setdefault((rule_index, disable.event), []).append(disable.condition)
    return tuple(filters) + tuple(step for group in reversed(routes) for step in group)


def _gated(step: Step, gates: list[Condition]) -> Step:
    if not gates:
        return step
    condition = _conjunction(tuple(Not(gate) for gate in gates) + (step.condition,))
    return Step(condition, step.action, step.location, step.phase, step.text)
