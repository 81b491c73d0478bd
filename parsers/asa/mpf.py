"""The Modular Policy Framework: which connection timeout and which HTTP inspection apply.

`class-map` names traffic (`match port`, `match access-list`, `match any`, `match
default-inspection-traffic`), a `policy-map` gives each class its actions (`set connection
timeout idle`, `inspect http MAP`), and `service-policy` applies a policy map globally or to
one interface. Cisco's rules (ASA firewall configuration guide, "Service Policy", feature
matching: SERVICE_POLICY_DOC in values.py): a packet matches only the first class of a policy
map for each feature, and an interface policy takes precedence over the global policy for the
same feature. Connection limits and timeouts are one feature, so a class with any `set
connection` takes the connection for it even without an idle timeout, and then the global
`timeout conn` applies ("the global defaults override the ones described here": CONN_SETTINGS_DOC).

`set connection timeout dcd` (dead connection detection): when the idle timer expires the ASA
probes both ends and, if both answer, "updates the activity timeout to the current time and
reschedules the idle timeout" ("You configure DCD when you want idle, but valid connections to
persist", CONN_SETTINGS_DOC). A phone holding a Ping and an Exchange server waiting to answer
are both alive and answer the probes, so the idle timer does not cut the Ping; only dead
connections are freed. DCD therefore supersedes the session idle timer (see `dcd_timer`).

HTTP inspection (`policy-map type inspect http` with `match request header user-agent regex X`
or `match request uri regex X`, actions `drop-connection`, `reset`) reads cleartext HTTP only.
Its steps test HTTP fields behind a guard that holds only where HTTP is visible; on a firewall
listener (l7=False) it never is, which is the truth for HTTPS without TLS interception.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.model import (ALWAYS, Action, ActionKind, All, Any, Condition, Diagnostic, Field, FieldKind, Level,
                          Location, Match, MatchOp, Not, Opaque, Step, Timer, TimerKind)
from parsers.asa.acl import AclEntry
from parsers.asa.lexer import Block, Line
from parsers.asa.values import (CONN_SETTINGS_DOC, DEFAULT_INSPECTION_TCP_PORTS, HTTP_INSPECTION_PORT, MAX_TIMEOUT,
                                parse_duration, port_number)

MPF_COMMANDS = frozenset({"class-map", "policy-map", "service-policy", "regex"})
MAX_CLASS_ACL_ENTRIES = 2000
HTTP_VISIBLE = Match(Field(FieldKind.METHOD), MatchOp.EXISTS, name="the request is readable as HTTP")
# Class sub-commands for other features: no connection timeout and no HTTP inspection.
_OTHER_CLASS_ACTIONS = frozenset({"inspect", "police", "priority", "shape", "service-policy", "user-statistics", "sfr",
                                  "ips", "csc", "cxsc", "flow-export", "queue-limit", "bandwidth", "description"})
_OTHER_CONNECTION_SETTINGS = frozenset({"advanced-options", "decrement-ttl"})  # other features than timeouts
_DENY_ACTIONS = {"drop-connection": "drop-connection", "reset": "reset", "drop": "drop"}


@dataclass
class PolicyClass:
    name: str
    location: Location
    idle: tuple[int, str, Line] | None = None  # seconds, raw value, line
    connection_line: Line | None = None  # the first `set connection` line (the class takes the feature)
    dcd: Line | None = None
    inspect_http: tuple[str, Line] | None = None  # inspection policy map, line


@dataclass
class PolicyMap:
    name: str
    location: Location
    classes: list[PolicyClass] = field(default_factory=list)


@dataclass
class InspectRule:
    condition: Condition
    action: str | None  # drop-connection, reset, drop; None for log only
    location: Location
    text: str


@dataclass
class ServicePolicy:
    policy: str
    location: Location
    text: str


class MpfTable:
    """Class maps, policy maps, regexes and service policies of one configuration."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.regexes: dict[str, str] = {}
        self.regex_classes: dict[str, tuple[bool, list[str]]] = {}  # name -> (match-all, regex names)
        self.class_maps: dict[str, list[Line]] = {}
        self.class_locations: dict[str, Location] = {}
        self.http_classes: dict[str, tuple[bool, list[Line]]] = {}
        self.policies: dict[str, PolicyMap] = {}
        self.http_policies: dict[str, list[tuple[Line, Line | None]]] = {}  # (match or class line, action line)
        self.global_policy: ServicePolicy | None = None
        self.interface_policies: dict[str, ServicePolicy] = {}
        self.diagnostics: list[Diagnostic] = []

    def at(self, line: Line) -> Location:
        return Location(self.file, line.number)

    def report(self, code: str, level: Level, message: str, line: Line, path: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, level, message, self.at(line), path, line.text))

    # -- reading ---------------------------------------------------------------------------------

    def read(self, block: Block) -> None:
        words = block.words
        if len(words) < 2:
            self.report("EAS002", Level.WARNING, f"incomplete {words[0]} command", block.head)
        elif words[0] == "regex" and len(words) >= 3:
            self.regexes[words[1]] = block.head.text.split(None, 2)[2]
            self._no_children(block)
        elif words[0] == "class-map":
            self._class_map(block)
        elif words[0] == "policy-map":
            self._policy_map(block)
        elif words[0] == "service-policy":
            self._service_policy(block)
        else:
            self.report("EAS002", Level.WARNING, f"unrecognized {words[0]} command", block.head)

    def _no_children(self, block: Block) -> None:
        for child in block.children:
            self.report("EAS002", Level.WARNING, f"unexpected line under {block.head.text!r}", child)

    def _class_map(self, block: Block) -> None:
        words = block.words
        if len(words) == 2:
            self.class_maps[words[1]] = [child for child in block.children if child.words[0] != "description"]
            self.class_locations[words[1]] = self.at(block.head)
            for child in block.children:
                if child.words[0] not in ("match", "description"):
                    self.report("EAS002", Level.WARNING, "unrecognized class-map line", child, f"class-map {words[1]}")
            return
        if words[1] == "type" and len(words) >= 4:
            kind, name = words[2], words[-1]
            match_all = "match-any" not in words
            if kind == "regex":
                names = [child.words[2] for child in block.children if child.words[:2] == ["match", "regex"] and len(child.words) == 3]
                self.regex_classes[name] = (match_all, names)
            elif kind == "inspect" and words[3] == "http":
                self.http_classes[name] = (match_all, [child for child in block.children if child.words[0] == "match"])
            else:
                return  # management classes and other protocols' inspection classes: no bearing here
            for child in block.children:
                if child.words[0] not in ("match", "description"):
                    self.report("EAS002", Level.WARNING, "unrecognized class-map line", child, f"class-map {name}")
            return
        self.report("EAS002", Level.WARNING, "unrecognized class-map command", block.head)

    def _policy_map(self, block: Block) -> None:
        words = block.words
        if len(words) == 2:
            self._layer34_policy(block, words[1])
        elif words[1] == "type" and len(words) >= 4 and words[2] == "inspect" and words[3] == "http":
            self._http_policy(block, words[-1])
        elif words[1] == "type" and len(words) >= 4:
            return  # inspection maps of other protocols, QoS and management maps: not on the path of HTTPS
        else:
            self.report("EAS002", Level.WARNING, "unrecognized policy-map command", block.head)

    def _layer34_policy(self, block: Block, name: str) -> None:
        policy = PolicyMap(name, self.at(block.head))
        self.policies[name] = policy
        current: PolicyClass | None = None
        path = f"policy-map {name}"
        for child in block.children:
            words = child.words
            if words[0] == "class" and len(words) != 2:
                current = None
                self.report("EAS002", Level.WARNING, "unrecognized policy-map class line", child, path)
            elif words[0] == "class":
                current = PolicyClass(words[1], self.at(child))
                policy.classes.append(current)
            elif words[0] == "description":
                continue
            elif current is None:
                self.report("EAS002", Level.WARNING, "unrecognized policy-map line", child, path)
            elif words[:2] == ["set", "connection"]:
                self._set_connection(current, child, f"{path} class {current.name}")
            elif words[:2] == ["inspect", "http"]:
                current.inspect_http = (words[2] if len(words) > 2 else "", child)
            elif words[0] not in _OTHER_CLASS_ACTIONS and not (child.indent > 2 and words[0] in ("set", "match")):
                self.report("EAS002", Level.WARNING, "unrecognized policy-map class line", child, path)

    def _set_connection(self, current: PolicyClass, line: Line, path: str) -> None:
        words = line.words[2:]
        if not words or words[0] in _OTHER_CONNECTION_SETTINGS:
            return
        if current.connection_line is None:
            current.connection_line = line
        if words[0] != "timeout":
            return  # conn-max, embryonic-conn-max, per-client limits, random-sequence-number
        index = 1
        while index < len(words):
            keyword = words[index]
            index += 1
            if keyword in ("embryonic", "half-closed", "idle") and index < len(words):
                raw = words[index]
                index += 1
                seconds = parse_duration(raw)
                if seconds is None or seconds > MAX_TIMEOUT:
                    self.report("EAS001", Level.ERROR, f"the ASA refuses timeout {keyword} {raw}: it takes hh:mm:ss up to 1193:0:0",
                                line, path)
                    return
                if keyword == "idle":
                    current.idle = (seconds, raw, line)
                    if index < len(words) and words[index] == "reset":
                        index += 1
            elif keyword == "dcd":
                current.dcd = line
                while index < len(words) and (parse_duration(words[index]) is not None or words[index].isdigit()):
                    index += 1
            elif keyword == "tcp-state-bypass":
                continue
            else:
                self.report("EAS002", Level.WARNING, f"unrecognized set connection timeout argument {keyword!r}", line, path)
                return

    def _http_policy(self, block: Block, name: str) -> None:
        rules: list[tuple[Line, Line | None]] = []
        self.http_policies[name] = rules
        path = f"policy-map type inspect http {name}"
        in_parameters = False
        for child in block.children:
            words = child.words
            if child.indent <= 1 or words[0] in ("class", "match", "parameters", "description"):
                in_parameters = words[0] == "parameters"
                if words[0] in ("class", "match") and len(words) >= 2:
                    rules.append((child, None))
                elif words[0] not in ("parameters", "description"):
                    self.report("EAS002", Level.WARNING, "unrecognized HTTP inspection line", child, path)
            elif in_parameters:
                continue  # protocol-violation, body-match-maximum, spoof-server: engine parameters
            elif rules and words[0] in (*_DENY_ACTIONS, "log"):
                head, action = rules[-1]
                if action is None or action.words[0] == "log":
                    rules[-1] = (head, child)
            else:
                self.report("EAS002", Level.WARNING, "unrecognized HTTP inspection action", child, path)

    def _service_policy(self, block: Block) -> None:
        words = block.words
        if len(words) == 3 and words[2] == "global":
            self.global_policy = ServicePolicy(words[1], self.at(block.head), block.head.text)
        elif len(words) == 4 and words[2] == "interface":
            self.interface_policies[words[3]] = ServicePolicy(words[1], self.at(block.head), block.head.text)
        else:
            self.report("EAS002", Level.WARNING, "unrecognized service-policy command", block.head)
        self._no_children(block)

    def check_references(self) -> None:
        """Service policies naming undefined maps and classes: the ASA refuses them."""
        applied = ([self.global_policy] if self.global_policy else []) + list(self.interface_policies.values())
        for service in applied:
            if service.policy not in self.policies:
                self.diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"the ASA refuses {service.text!r}: policy-map "
                                                   f"{service.policy} does not exist", service.location, None, service.text))


@dataclass
class ClassConditions:
    """Turns class-map match criteria into conditions over the probe."""

    mpf: MpfTable
    acls: dict[str, list[AclEntry]]

    def for_class(self, name: str, for_http_inspection: bool = False) -> Condition:
        if name == "class-default":
            return ALWAYS
        lines = self.mpf.class_maps.get(name)
        if lines is None:
            return Opaque(f"class-map {name} is not defined")
        terms = [self._criterion(line, for_http_inspection) for line in lines]
        return All(tuple(terms)) if len(terms) != 1 else terms[0]

    def _criterion(self, line: Line, for_http_inspection: bool) -> Condition:
        words = line.words
        where = self.mpf.at(line)
        if len(words) < 2:
            return Opaque(f"class-map criterion {line.text!r} is not evaluated", where)
        if words[1:] == ["any"]:
            return ALWAYS
        if words[1:] == ["default-inspection-traffic"]:
            ports = (str(HTTP_INSPECTION_PORT),) if for_http_inspection else tuple(map(str, DEFAULT_INSPECTION_TCP_PORTS))
            return All((_protocol("tcp", where), Match(Field(FieldKind.DST_PORT), MatchOp.INT, ports, location=where)))
        if words[1] == "port" and len(words) >= 5 and words[2] in ("tcp", "udp", "tcp-udp"):
            return self._port(words, where)
        if words[1] == "access-list" and len(words) == 3:
            return self._access_list(words[2], where)
        return Opaque(f"class-map criterion {line.text!r} is not evaluated", where)

    @staticmethod
    def _port(words: list[str], where: Location) -> Condition:
        protocol = words[2]
        if words[3] == "eq" and len(words) == 5:
            port = port_number(words[4], protocol)
            spec = str(port) if port is not None else None
        elif words[3] == "range" and len(words) == 6:
            low, high = port_number(words[4], protocol), port_number(words[5], protocol)
            spec = f"{low}:{high}" if low is not None and high is not None else None
        else:
            spec = None
        if spec is None:
            return Opaque(f"'{' '.join(words)}' is not a port the linter reads", where)
        protocols = ("tcp", "udp") if protocol == "tcp-udp" else (protocol,)
        return All((Match(Field(FieldKind.IP_PROTOCOL), MatchOp.EQUALS, protocols, False, location=where),
                    Match(Field(FieldKind.DST_PORT), MatchOp.INT, (spec,), location=where)))

    def _access_list(self, name: str, where: Location) -> Condition:
        """First match in the ACL: a permit entry selects the traffic, a deny entry before it
        excludes it from the class."""
        entries = [entry for entry in self.acls.get(name, ()) if not entry.inactive]
        if name not in self.acls:
            return Opaque(f"access-list {name} is not defined", where)
        if len(entries) > MAX_CLASS_ACL_ENTRIES:
            return Opaque(f"access-list {name} has more than {MAX_CLASS_ACL_ENTRIES} entries", where)
        alternatives: list[Condition] = []
        denied: list[Condition] = []
        for entry in entries:
            if entry.permit:
                alternatives.append(All((Not(Any(tuple(denied))), entry.condition)) if denied else entry.condition)
            else:
                denied.append(entry.condition)
        return Any(tuple(alternatives), name=f"access-list {name}")


def _protocol(name: str, where: Location) -> Match:
    return Match(Field(FieldKind.IP_PROTOCOL), MatchOp.EQUALS, (name,), False, location=where)


# -- connection timeouts as pool steps -----------------------------------------------------------


def dcd_timer(policy: PolicyMap, cls: PolicyClass, base: Timer, file: str) -> Timer:
    """The timer of a class with dead connection detection: it supersedes the session idle
    timer (`replaces`), because a healthy held-open Ping answers the probes and is kept
    (CONN_SETTINGS_DOC); the idle value only decides when dead connections are probed."""
    line = cls.dcd
    assert line is not None
    idle = f"idle {cls.idle[1]}" if cls.idle else f"{base.setting} {base.raw or 'default'}"
    return Timer(TimerKind.SESSION_IDLE, cls.idle[0] or None if cls.idle else base.seconds, "set connection timeout dcd",
                 f"policy-map {policy.name} class {cls.name}: dead connection detection (line {line.number}) probes both "
                 f"ends when the {idle} timer expires and keeps a connection that answers, so a held-open Ping is not cut",
                 True, Location(file, line.number), f"policy-map {policy.name} class {cls.name}", line.text,
                 replaces=(TimerKind.SESSION_IDLE,))


def class_timer(policy: PolicyMap, cls: PolicyClass, service: ServicePolicy, base: Timer, file: str) -> Timer:
    """The session idle timer a class gives the connections it takes (see the module docstring)."""
    if cls.dcd is not None:
        return dcd_timer(policy, cls, base, file)
    if cls.idle is None:
        return base
    seconds, raw, line = cls.idle
    return Timer(TimerKind.SESSION_IDLE, seconds or None, "set connection timeout idle",
                 f"policy-map {policy.name} class {cls.name}: set connection timeout idle {raw}, line {line.number} "
                 f"({service.text}, line {service.location.line}; it takes precedence over timeout conn: {CONN_SETTINGS_DOC})",
                 True, Location(file, line.number), f"policy-map {policy.name} class {cls.name}", raw)


def timer_steps(mpf: MpfTable, conditions: ClassConditions, service: ServicePolicy | None, phase: str,
                base: Timer) -> tuple[Step, ...]:
    """One ALLOW step per class that takes the connection-settings feature, in policy order:
    the first matching class sets the session idle timer and ends the phase."""
    if service is None or service.policy not in mpf.policies:
        return ()
    policy = mpf.policies[service.policy]
    steps = []
    for cls in policy.classes:
        if cls.connection_line is None:
            continue
        timer = class_timer(policy, cls, service, base, mpf.file)
        line = cls.dcd or (cls.idle[2] if cls.idle else cls.connection_line)
        steps.append(Step(conditions.for_class(cls.name), Action(ActionKind.ALLOW, detail="the first matching class with connection settings",
                                                                  timer=timer),
                          Location(mpf.file, line.number), phase, f"policy-map {policy.name} class {cls.name}: {line.text}"))
    return tuple(steps)


# -- HTTP inspection as listener steps -----------------------------------------------------------


@dataclass
class HttpInspection:
    mpf: MpfTable
    conditions: ClassConditions

    def steps(self, service: ServicePolicy | None, phase: str) -> list[Step]:
        if service is None or service.policy not in self.mpf.policies:
            return []
        steps: list[Step] = []
        for cls in self.mpf.policies[service.policy].classes:
            if cls.inspect_http is None or not cls.inspect_http[0]:
                continue
            map_name, line = cls.inspect_http
            if map_name not in self.mpf.http_policies:
                self.mpf.report("EAS001", Level.ERROR, f"the ASA refuses 'inspect http {map_name}': the inspection policy map "
                                "does not exist", line, f"policy-map {service.policy}")
                continue
            traffic = self.conditions.for_class(cls.name, for_http_inspection=True)
            for rule in self._rules(map_name):
                if rule.action is None:
                    continue
                condition = All((HTTP_VISIBLE, traffic, rule.condition), location=rule.location)
                steps.append(Step(condition, Action(ActionKind.DENY, detail=f"HTTP inspection {rule.action}"), rule.location,
                                  phase, f"policy-map type inspect http {map_name}: {rule.text}"))
        return steps

    def _rules(self, name: str) -> list[InspectRule]:
        rules = []
        for head, action_line in self.mpf.http_policies[name]:
            action = None
            if action_line is not None and action_line.words[0] in _DENY_ACTIONS:
                action = _DENY_ACTIONS[action_line.words[0]]
            where = self.mpf.at(head)
            if head.words[0] == "class":
                condition = self._http_class(head.words[1], where)
            else:
                condition = self._http_match(head, where)
            text = head.text + (f" / {action_line.text}" if action_line else "")
            rules.append(InspectRule(condition, action, where, text))
        return rules

    def _http_class(self, name: str, where: Location) -> Condition:
        found = self.mpf.http_classes.get(name)
        if found is None:
            return Opaque(f"class-map type inspect http {name} is not defined", where)
        match_all, lines = found
        terms = tuple(self._http_match(line, self.mpf.at(line)) for line in lines)
        return All(terms) if match_all else Any(terms)

    def _http_match(self, line: Line, where: Location) -> Condition:
        words = line.words[1:]
        negate = words[:1] == ["not"]
        words = words[1:] if negate else words
        condition = self._http_criterion(words, line, where)
        return Not(condition) if negate else condition

    def _http_criterion(self, words: list[str], line: Line, where: Location) -> Condition:
        if words[:1] != ["request"] or len(words) < 3:
            return Opaque(f"HTTP inspection criterion {line.text!r} is not evaluated", where)
        if words[1] == "method" and len(words) == 3:
            return Match(Field(FieldKind.METHOD), MatchOp.EQUALS, (words[2],), False, location=where, text=line.text)
        field_ = None
        rest = words[2:]
        if words[1] == "uri":
            field_ = Field(FieldKind.URL)
        elif words[1] == "args":
            field_ = Field(FieldKind.QUERY)
        elif words[1] == "header" and len(words) >= 5:
            field_ = Field(FieldKind.HEADER, words[2].lower())
            rest = words[3:]
        if field_ is None or rest[:1] != ["regex"]:
            return Opaque(f"HTTP inspection criterion {line.text!r} is not evaluated", where)
        patterns = self._patterns(rest[1:], where)
        if isinstance(patterns, Opaque):
            return patterns
        return Match(field_, MatchOp.REGEX, tuple(patterns), True, regex_dialect="pcre", location=where, text=line.text)

    def _patterns(self, words: list[str], where: Location) -> list[str] | Opaque:
        if words[:1] == ["class"] and len(words) == 2:
            found = self.mpf.regex_classes.get(words[1])
            if found is None or found[0] and len(found[1]) > 1:
                return Opaque(f"regex class {words[1]} is undefined or match-all", where)
            names = found[1]
        elif len(words) == 1:
            names = words
        else:
            return Opaque(f"regex reference {' '.join(words)!r} is not read", where)
        patterns = []
        for name in names:
            if name not in self.mpf.regexes:
                return Opaque(f"regex {name} is not defined", where)
            patterns.append(asa_regex(self.mpf.regexes[name]))
        return patterns


def asa_regex(text: str) -> str:
    """An ASA `regex` body as a PCRE pattern. The ASA syntax (Cisco ASA command reference,
    `regex`) is a PCRE subset: `.`, `*`, `+`, `?`, `{x}`, `{x,}`, `|`, `()`, `[]`, `[^]`, `^`,
    `\\` escapes and `\\xNN`, matched anywhere in the field and case-sensitively; surrounding
    quotes only keep spaces. Octal escapes (`\\NNN`) read as backreferences in PCRE, which the
    evaluator refuses, so such patterns stay "cannot verify"."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return text
