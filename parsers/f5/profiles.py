"""Profiles and timer policies: the idle timers a virtual server's flows get.

A virtual server lists profiles with a context (`clientside`, `serverside`, or `all` when the
braces are empty): "the profile context determines whether the profile applies to the
client-side connection, the server-side connection, or both" (tmsh reference `ltm virtual`,
`profiles`). The idle timeout of the client leg comes from the tcp/fastL4/fastHTTP profile in
context `clientside` or `all`, that of the server leg from `serverside` or `all`.

A profile that does not write `idle-timeout` inherits it from its `defaults-from` parent, up
to a built-in profile ("Your new profile inherits all settings and values from the parent
profile", BIG-IP LTM Profiles Reference). The chain is followed through the configuration, then
profile_base.conf (when present), then `parsers.f5.builtins`. Values: an integer number of
seconds, `indefinite` or 0 (never reclaimed: "0, or indefinite", Ansible bigip_profile_tcp
`idle_timeout`; tmsh reference `ltm profile tcp`), `immediate` (reclaimed at once).

A built-in profile stays built-in when bigip.conf redefines it (tmsh saves a modified
`/Common/tcp` there): the device uses the modified value, but the fix must not change a profile
every other virtual shares, so its timer is attached to the virtual, as for an unmodified one.

A timer policy (`net timer-policy`, named by the `net service-policy` a virtual's
`service-policy` names) overrides the idle timeout of the connections it matches: "Timer and
Port Misuse policies allow you to override how the BIG-IP system manages idle connections"; a
timer policy "specifies one or more protocols, service ports and the idle timeout period for
connections that match these protocols and service ports" (BIG-IP Network Firewall: Policies
and Implementations 14.1, "Setting Timers and Preventing Port Misuse with Service Policies"); a
virtual server is one of the contexts it applies to (tmsh reference `net timer-policy`).
`choose_timer_rule` says which rule governs a flow.

The texts the parser writes into a timer for the person reading the evidence are also how the
F5 fixer learns what to change (the model carries no vendor data); both directions live here,
side by side (`describe_profiles`/`builtin_use`, `timer_rule_setting`/`timer_rule_of`), so a
change of wording cannot silently break the fixes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from linter.model import Location, Timer, TimerKind
from parsers.f5.builtins import ACCESS_INACTIVITY_DEFAULT, ACCESS_INACTIVITY_SOURCE, BUILTIN_PROFILES, BuiltinProfile
from parsers.f5.objects import Config, Entry, resolve
from parsers.f5.tmsh import Node

MAX_CHAIN = 32


class ProfileError(Exception):
    """A profile the device would refuse (a missing parent, a loop, a value it cannot read).
    `object_path` names the profile, so the problem is reported once, not once per virtual."""

    def __init__(self, message: str, location: Location, object_path: str | None = None) -> None:
        super().__init__(message)
        self.location = location
        self.object_path = object_path


@dataclass(slots=True)
class Attached:
    """A profile a virtual names: full path, type, context and the line that names it. A
    parser-internal record of one virtual's build (thousands per device), so a plain slots
    class: the model objects made from it are the frozen ones."""

    path: str
    type: str | None  # None: defined nowhere easlint can see
    context: str  # clientside, serverside or all
    line: int

    def describe(self) -> str:
        return f"{self.path} {{ context {self.context} }}" if self.context != "all" else f"{self.path} {{ }}"


@dataclass(frozen=True)
class Setting:
    """A value found along a `defaults-from` chain and where it was written."""

    raw: str
    written_in: str  # the profile that writes it
    location: Location | None  # None: a built-in default outside the configuration
    builtin_source: str | None
    chain: tuple[str, ...]  # the profiles walked, from the one used to the one that writes it


def profile_type(config: Config, path: str) -> str | None:
    entry = config.profiles.get(path)
    if entry is not None:
        return "access" if entry.kind == ("apm", "profile", "access") else entry.type
    builtin = BUILTIN_PROFILES.get(path)
    return builtin.type if builtin else None


def find_setting(config: Config, path: str, key: str, type_default: tuple[str, str] | None = None) -> Setting | None:
    """The value of `key` for profile `path`, following `defaults-from`. Thousands of virtuals
    share a few profiles, so each chain is walked once per device (`config.settings`); a chain
    that raises is walked again each time, to raise again."""
    cache_key = (path, key) if type_default is None else (path, key, *type_default)
    if cache_key in config.settings:
        return config.settings[cache_key]
    found = _walk_chain(config, path, key, type_default)
    config.settings[cache_key] = found
    return found


def _walk_chain(config: Config, path: str, key: str, type_default: tuple[str, str] | None) -> Setting | None:
    chain: list[str] = []
    current: str | None = path
    while current is not None:
        if current in chain or len(chain) >= MAX_CHAIN:
            entry = config.profiles.get(path)
            raise ProfileError(f"the defaults-from chain of {path} loops ({' -> '.join(chain + [current])})",
                               entry.location() if entry else Location("", 1), entry.object_path if entry else None)
        chain.append(current)
        entry = config.profiles.get(current)
        builtin = BUILTIN_PROFILES.get(current)
        if entry is not None:
            found = entry.value(key)
            if found is not None and current in config.base_paths:  # profile_base.conf: a vendor default
                return Setting(found[0], current, None, f"{entry.stanza.file}, line {found[1]}", tuple(chain))
            if found is not None:
                return Setting(found[0], current, entry.location(found[1]), None, tuple(chain))
            parent = entry.value("defaults-from")
            if parent is not None:
                resolved = resolve(parent[0], current, config.profile_names())
                if resolved not in config.profiles and resolved not in BUILTIN_PROFILES:
                    raise ProfileError(f"{entry.object_path}: defaults-from {parent[0]} names a profile that does not exist",
                                       entry.location(parent[1]), entry.object_path)
                current = resolved
                continue
        if builtin is not None:
            value = _builtin_value(builtin, key)
            if value is not None:
                return Setting(value, current, None, builtin.source, tuple(chain))
            current = builtin.parent
            continue
        current = None
    if type_default is not None:
        return Setting(type_default[0], chain[-1], None, type_default[1], tuple(chain))
    return None


def _builtin_value(builtin: BuiltinProfile, key: str) -> str | None:
    if key == "idle-timeout":
        return builtin.idle_timeout
    return None


def seconds_of(raw: str) -> float | None:
    """Seconds of an idle-timeout value; None for unbounded. Raises ValueError when unreadable."""
    if raw == "indefinite":
        return None
    if raw == "immediate":
        return 0
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return None if value == 0 else float(value)


def is_builtin(config: Config, path: str) -> bool:
    """Whether `path` is one of the profiles every BIG-IP has, modified in bigip.conf or not."""
    return path in BUILTIN_PROFILES or path in config.base_defined


def _describe_chain(setting: Setting) -> str:
    if len(setting.chain) == 1:
        return setting.chain[0]
    return " defaults-from ".join(setting.chain)


def _bad_value(config: Config, setting: Setting, key: str, accepted: str, fallback: Location) -> ProfileError:
    """The error for a value the device cannot use, named by its setting, as written, where it
    is written."""
    entry = config.profiles.get(setting.written_in)
    owner = entry.object_path if entry is not None else setting.written_in
    return ProfileError(f"{owner}: {key} '{setting.raw}' is not {accepted}", setting.location or fallback,
                        entry.object_path if entry is not None else None)


# -- the texts that carry a built-in profile's use to the fixer ----------------------------------

_LISTED = re.compile(r"which lists profiles \{ (?P<list>.*) \}(?: \([^()]*\))?$")
_LISTED_ITEM = re.compile(r"(?P<path>/\S+) \{ (?:context (?P<context>\S+) )?\}")
_BUILTIN_USE = re.compile(r"^built-in (?P<type>\S+) profile (?P<path>/[^\s:]+)")


def describe_profiles(attached: Sequence[Attached]) -> str:
    """A virtual's profile list as tmsh writes it (`/Common/tcp { } /Common/x { context clientside }`)."""
    return " ".join(profile.describe() for profile in attached)


@dataclass(frozen=True)
class BuiltinUse:
    """What a built-in profile's timer says for its fix: the built-in the virtual uses and the
    virtual's whole profile list, so a child profile can take its place and keep the others."""

    type: str
    path: str
    profiles: tuple[tuple[str, str | None], ...]  # (path, context as written; None for `{ }`)


def builtin_use(source: str) -> BuiltinUse | None:
    """The `BuiltinUse` written in a timer's `source` by `idle_timer`; None for other timers."""
    builtin = _BUILTIN_USE.match(source)
    listing = _LISTED.search(source)
    if builtin is None or listing is None:
        return None
    profiles = tuple((item["path"], item["context"]) for item in _LISTED_ITEM.finditer(listing["list"]))
    return BuiltinUse(builtin["type"], builtin["path"], profiles)


def _builtin_source(type_: str, subject: str, detail: str, leg: str, virtual: Entry, listing: str, note: str) -> str:
    """The source text of a built-in profile's timer; `builtin_use` reads it back."""
    return (f"built-in {type_} profile {subject}: {detail}; {leg} side of {virtual.object_path}, "
            f"which lists profiles {{ {listing} }}" + (f" ({note})" if note else ""))


# -- idle timers of profiles ---------------------------------------------------------------------


def idle_timer(config: Config, attached: Attached, kind: TimerKind, virtual: Entry, listing: str, note: str = "") -> Timer:
    """The idle timer a tcp/fastL4/fastHTTP profile gives one leg of `virtual`. `listing` is
    the virtual's profile list (`describe_profiles`); `note` says why the profile is not in it."""
    type_ = attached.type or "tcp"
    setting = find_setting(config, attached.path, "idle-timeout", ("300", f"the {type_} profile type default"))
    assert setting is not None
    try:
        seconds = seconds_of(setting.raw)
    except ValueError:
        raise _bad_value(config, setting, "idle-timeout", "a number of seconds, 'indefinite' or 'immediate'",
                         virtual.location(attached.line)) from None
    entry = config.profiles.get(attached.path)
    leg = "server" if kind is TimerKind.SERVER_IDLE else "client"  # a fastL4 flow's one timer starts on the client side
    if entry is None or attached.path in config.base_paths:
        # A built-in profile used as it is: the fix goes in the virtual (a child profile).
        detail = f"idle-timeout {setting.raw} ({setting.builtin_source})"
        source = _builtin_source(type_, _describe_chain(setting), detail, leg, virtual, listing, note)
        return Timer(kind, seconds, "idle-timeout", source, False, virtual.location(attached.line), virtual.object_path, None,
                     inherited_from=setting.written_in)
    if is_builtin(config, attached.path):
        return _modified_builtin_timer(config, attached, kind, virtual, listing, note, setting, seconds)
    applies_to = entry.object_path
    explicit = setting.location is not None
    if explicit and setting.written_in == attached.path:
        source = f"{applies_to}: idle-timeout {setting.raw}; {leg} side of {virtual.object_path}"
        return Timer(kind, seconds, "idle-timeout", source, True, setting.location or entry.location(), applies_to, setting.raw)
    origin = f"written in {setting.written_in}" if explicit else f"built-in default of {setting.written_in} ({setting.builtin_source})"
    source = (f"{applies_to} sets no idle-timeout: {_describe_chain(setting)} gives {setting.raw}, {origin}; "
              f"{leg} side of {virtual.object_path}")
    location = setting.location if explicit and setting.location else entry.location()
    return Timer(kind, seconds, "idle-timeout", source, explicit, location, applies_to, setting.raw if explicit else None,
                 inherited_from=setting.written_in)


def _modified_builtin_timer(config: Config, attached: Attached, kind: TimerKind, virtual: Entry, listing: str, note: str,
                            setting: Setting, seconds: float | None) -> Timer:
    """A built-in profile that bigip.conf redefines: the device uses the value written there,
    but every virtual that names the profile shares it, so the timer (and its fix, a child
    profile) belongs to the virtual, at the line that names the profile."""
    type_ = attached.type or "tcp"
    leg = "server" if kind is TimerKind.SERVER_IDLE else "client"
    explicit = setting.location is not None
    written = f"written at {setting.location}" if explicit else f"{setting.builtin_source}"
    if setting.written_in != attached.path:
        written = f"inherited from {setting.written_in}, {written}"
    detail = f"modified in this configuration, idle-timeout {setting.raw} ({written})"
    source = _builtin_source(type_, attached.path, detail, leg, virtual, listing, note)
    return Timer(kind, seconds, "idle-timeout", source, explicit, virtual.location(attached.line), virtual.object_path,
                 setting.raw if explicit else None, inherited_from=setting.written_in)


def access_timer(config: Config, attached: Attached, virtual: Entry) -> Timer:
    """An APM access profile's `inactivity-timeout`: the session ends after that long without
    traffic, and a Ping held open by Exchange is traffic-free for its whole length."""
    setting = find_setting(config, attached.path, "inactivity-timeout", (ACCESS_INACTIVITY_DEFAULT, ACCESS_INACTIVITY_SOURCE))
    assert setting is not None
    entry = config.profiles.get(attached.path)
    if not setting.raw.isdigit():
        fallback = entry.location() if entry is not None else virtual.location(attached.line)
        raise _bad_value(config, setting, "inactivity-timeout", "a whole number of seconds", fallback)
    value = int(setting.raw)
    seconds = None if value == 0 else float(value)
    if attached.path in config.base_paths:
        entry = None
    applies_to = entry.object_path if entry else virtual.object_path
    explicit = setting.location is not None
    if explicit:
        source = f"apm profile access {setting.written_in}: inactivity-timeout {setting.raw}; session of {virtual.object_path}"
        location = setting.location or virtual.location(attached.line)
    else:
        source = f"{attached.path} sets no inactivity-timeout: default {setting.raw} ({setting.builtin_source}); session of {virtual.object_path}"
        location = entry.location() if entry else virtual.location(attached.line)
    return Timer(TimerKind.SESSION_IDLE, seconds, "inactivity-timeout", source, explicit, location, applies_to,
                 setting.raw if explicit else None,
                 inherited_from=None if explicit and setting.written_in == attached.path else setting.written_in)


# -- timer policies ------------------------------------------------------------------------------

TIMER_POLICY_SETTING = "flow-idle-timeout"
_TIMER_RULE_SETTING = re.compile(r'^rules (?P<rule>"[^"]*"|\S+) timers flow-idle-timeout$')
_TCP = frozenset({"tcp", "6"})


@dataclass(frozen=True)
class TimerRule:
    """One rule of a `net timer-policy`: the flows it matches and the idle timeout it sets.

    Saved form (tmsh reference `net timer-policy`; a configuration saved by BIG-IP 15.0 in the
    tests of F5's AS3 configuration converter, f5-automation-config-converter,
    test/engines/as3Converter/idle_timeout_policy): `rules { NAME { ip-protocol tcp
    destination-ports { 443 { } 8000-8080 { } } timers { flow-idle-timeout { value 300 } } } }`.
    Port `0` stands for every other port (the converter maps it to AS3's `all-other`), as does
    a rule that lists no ports; a rule without `ip-protocol` matches every other protocol
    (Ansible bigip_timer_policy `protocol`: "if this parameter is not specified, the default is
    all-other"). `value` is seconds, `indefinite`, `immediate`, or none at all: "unspecified",
    the rule sets nothing and the profile's timeout stays (Ansible bigip_timer_policy
    `idle_timeout`: a number, or one of "indefinite", "immediate", "unspecified")."""

    policy: str  # object path: "net timer-policy /Common/eas-timers"
    name: str
    protocol: str  # "tcp", "udp", "all-other", a number...
    ranges: tuple[tuple[int, int], ...]  # destination ports the rule lists (inclusive ranges)
    all_ports: bool  # it matches every port no other rule of its protocol lists
    unreadable_port: str | None  # a port entry easlint cannot read: which ports it matches is unknown
    value: str | None  # flow-idle-timeout as written; None: unspecified
    location: Location  # the value's line, else the rule's

    def lists(self, port: int) -> bool:
        return any(low <= port <= high for low, high in self.ranges)

    def describe(self) -> str:
        ports = "all other ports" if self.all_ports else "destination-ports " + " ".join(
            str(low) if low == high else f"{low}-{high}" for low, high in self.ranges)
        return f"rule {self.name} (ip-protocol {self.protocol}, {ports})"


def read_timer_rules(entry: Entry) -> tuple[TimerRule, ...]:
    """The rules of a `net timer-policy`, as saved."""
    rules_node = entry.first("rules")
    if rules_node is None:
        return ()
    return tuple(_timer_rule(entry, node) for node in rules_node.block or () if node.words and node.block is not None)


def _timer_rule(entry: Entry, node: Node) -> TimerRule:
    body = {sub.key: sub for sub in node.block or ()}
    protocol_node = body.get("ip-protocol")
    protocol = protocol_node.words[1] if protocol_node is not None and len(protocol_node.words) > 1 else "all-other"
    ports = body["destination-ports"].items() if "destination-ports" in body else []  # `destination-ports none`: []
    ranges: list[tuple[int, int]] = []
    all_ports = not ports
    unreadable = None
    for port in ports:
        low, _, high = port.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            unreadable = port
        elif int(low) == 0 and not high:
            all_ports = True
        else:
            ranges.append((int(low), int(high or low)))
    value, line = None, node.line
    timers = body.get("timers")
    for timer in timers.block or () if timers is not None else ():
        if timer.key == TIMER_POLICY_SETTING:
            for sub in timer.block or ():
                if sub.key == "value" and len(sub.words) > 1:
                    value, line = sub.words[1], sub.line
    return TimerRule(entry.object_path, node.words[0], protocol, tuple(ranges), all_ports, unreadable, value,
                     entry.location(line))


@dataclass(frozen=True)
class TimerChoice:
    """Which rule of a timer policy governs a flow: `rule` None with `undecided` None means no
    rule matches it (its profile's timeout stays); `undecided` says why it cannot be known."""

    rule: TimerRule | None
    undecided: str | None = None


def choose_timer_rule(rules: Sequence[TimerRule], port: int | None) -> TimerChoice:
    """The rule that governs a TCP flow to `port` (None: any port). A rule for TCP that lists
    the port comes first, then a TCP rule for every other port, then a rule for every other
    protocol ("When all-other is specified, if there are no specific ip-protocol rules that
    match the flow, the flow matches all the other ip-protocol rules", Ansible
    bigip_timer_policy `protocol`). Rules are a named set, not an ordered list: two rules at the
    same level that both match leave the choice to BIG-IP, which documents none."""
    tcp = [rule for rule in rules if rule.protocol in _TCP]
    listing = [rule for rule in tcp if rule.ranges or rule.unreadable_port]
    unreadable = [rule for rule in listing if rule.unreadable_port]
    if unreadable:
        rule = unreadable[0]
        return TimerChoice(None, f"{rule.policy} {rule.describe()} lists destination port '{rule.unreadable_port}', "
                                 "which easlint does not read")
    if port is None and listing:
        names = ", ".join(rule.name for rule in listing)
        return TimerChoice(None, f"the flow's destination port is not fixed (any port), and {_rule_word(listing)} {names} "
                                 f"of {listing[0].policy} match only some ports")
    for level in ([rule for rule in listing if port is not None and rule.lists(port)],
                  [rule for rule in tcp if rule.all_ports],
                  [rule for rule in rules if rule.protocol == "all-other"]):
        if len(level) == 1:
            return TimerChoice(level[0])
        if level:
            names = ", ".join(rule.name for rule in level)
            return TimerChoice(None, f"rules {names} of {level[0].policy} match the same TCP flow to port "
                                     f"{port if port is not None else 'any'}; which one BIG-IP applies is not documented")
    return TimerChoice(None)


def _rule_word(rules: Sequence[TimerRule]) -> str:
    return "rule" if len(rules) == 1 else "rules"


def timer_rule_seconds(rule: TimerRule) -> float | None:
    """Seconds of a rule's flow-idle-timeout; None for `indefinite`. Raises ValueError for a
    value easlint does not know (0 is not documented for timer policies)."""
    if rule.value == "indefinite":
        return None
    if rule.value == "immediate":
        return 0
    if rule.value is None or not rule.value.isdigit() or int(rule.value) == 0:
        raise ValueError(rule.value)
    return float(rule.value)


def timer_rule_setting(rule: TimerRule) -> str:
    """The setting a timer policy's timer names, as tmsh addresses it; `timer_rule_of` reads
    the rule back for the fix."""
    name = f'"{rule.name}"' if any(char.isspace() for char in rule.name) else rule.name
    return f"rules {name} timers {TIMER_POLICY_SETTING}"


def timer_rule_of(setting: str) -> str | None:
    """The rule name in a setting written by `timer_rule_setting`; None for other settings."""
    found = _TIMER_RULE_SETTING.match(setting)
    return found["rule"] if found else None
