"""Timer policies: the idle timeout a `net timer-policy` sets for the flows it matches.

A timer policy (`net timer-policy`, named by the `net service-policy` a virtual's
`service-policy` names) overrides the idle timeout of the connections it matches: "Timer and
Port Misuse policies allow you to override how the BIG-IP system manages idle connections"; a
timer policy "specifies one or more protocols, service ports and the idle timeout period for
connections that match these protocols and service ports" (BIG-IP Network Firewall: Policies
and Implementations 14.1, "Setting Timers and Preventing Port Misuse with Service Policies"); a
virtual server is one of the contexts it applies to (tmsh reference `net timer-policy`).
`choose_timer_rule` says which rule governs a flow; parsers.f5.virtuals applies it to a
virtual's legs.

The setting a timer policy's timer names is also how the F5 fixer finds the rule to change:
`timer_rule_setting` writes it and `timer_rule_of` reads it back, side by side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from linter.model import Location
from parsers.f5.objects import Entry
from parsers.f5.tmsh import Node

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
