"""Rulebases as the firewall model: a listener per source zone, a pool per allow rule.

Each source zone named in a rulebase's enabled rules is an ingress point (`Listener`): its steps
are the rules whose `from` names it or `any`, in evaluation order, then `interzone-default`. A
rulebase whose rules all say `from any` has one listener named after it. Binds are the
destinations the zone's allow rules let through on TCP 443 and 80 (a network or range by a
representative host; `any`, FQDNs and dynamic objects by one bind without an address), rules
that look like Exchange first. Each allow rule routes to its own `Pool`, which carries the
session's idle timer (see `timers`). Disabled rules are read and produce no step; an
`intrazone` rule cannot see a session that crosses zones, so it produces none either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.model import (
    ALWAYS, Action, ActionKind, Bind, Condition, FieldKind, Listener, Location, Match, MatchOp, Opaque, Pool, Step,
)
from linter.scope import exchange_word
from parsers.panos.conditions import (
    PROTOCOL, Override, Session, SessionMatcher, address_condition, all_of, port_match,
)
from parsers.panos.objects import AddressItem, Resolution, parse_ports
from parsers.panos.policy import PlacedRule, PolicyContext, Report
from parsers.panos.timers import application_timer, global_timer, service_timer, timer_step
from parsers.panos.tree import Node

MAX_BINDS = 256
MODE_SOURCE = ("PAN-OS security policy (zones, addresses, services, App-ID): HTTP inside TLS is not visible to it "
               "without decryption")
DENY_ACTIONS = frozenset({"deny", "drop", "reset-client", "reset-server", "reset-both"})
_ANY = "any"
_OPAQUE_LISTS = {
    "source-user": "source-user {}: User-ID is not modelled",
    "category": "URL category {}: URL filtering is not modelled",
    "source-hip": "source HIP profile {}: HIP is not modelled",
    "destination-hip": "destination HIP profile {}: HIP is not modelled",
    "hip-profiles": "HIP profile {}: HIP is not modelled",
    "source-imei": "source IMEI {}: not modelled",
    "source-imsi": "source IMSI {}: not modelled",
    "source-nw-slice": "network slice {}: not modelled",
}


@dataclass
class CompiledRule:
    """The zone-independent parts of an enabled security rule."""

    placed: PlacedRule
    location: Location
    action: str
    zones: list[str]
    terms: list[Condition]  # source, destination and the other opaque parts
    destinations: list[AddressItem]
    any_destination: bool
    any_app: bool
    apps: Resolution
    services: list[str]
    service_items: Resolution
    labels: list[str]
    text: str
    exchange: bool = False


@dataclass
class _Built:
    listeners: list[Listener] = field(default_factory=list)
    pools: dict[str, Pool] = field(default_factory=dict)


def _values(node: Node, tag: str, default: str = _ANY) -> list[str]:
    return node.member_values(tag) or [default]


def _yes(node: Node, tag: str) -> bool:
    return (node.value(tag) or "").lower() == "yes"


class ContextBuilder:
    def __init__(self, context: PolicyContext, file: str, report: Report) -> None:
        self.context = context
        self.file = file
        self.report = report
        self.resolver = context.resolver

    def _location(self, node: Node) -> Location:
        return Location(self.file, node.line)

    def _undefined(self, rule: PlacedRule, kind: str, names: list[str]) -> None:
        for name in dict.fromkeys(names):
            self.report("EAS002", f"{rule.object_path} refers to {kind} {name!r}, which this configuration does not "
                        "define (PAN-OS refuses to commit it; in a Panorama export it may come from a parent device "
                        "group or a template, which easlint does not read); that part of the rule is not evaluated",
                        self._location(rule.node), rule.object_path)

    # -- rules ---------------------------------------------------------------------------------

    def compile(self, rule: PlacedRule) -> CompiledRule | None:
        node, location = rule.node, self._location(rule.node)
        if _yes(node, "disabled") or (node.value("rule-type") or "universal") == "intrazone":
            return None
        action = (node.value("action") or "allow").lower()
        if action != "allow" and action not in DENY_ACTIONS:
            self.report("EAS001", f"{rule.object_path} has the action {action!r}, which PAN-OS does not have",
                        self._location(node.child("action") or node), rule.object_path)
            return None
        terms: list[Condition] = []
        labels = [rule.name] + [text for text in (node.value("description"),) if text] + node.member_values("tag")
        sources = _values(node, "source")
        if _ANY not in sources or _yes(node, "negate-source"):
            resolved = self.resolver.addresses([value for value in sources if value != _ANY])
            self._undefined(rule, "the address", resolved.undefined)
            terms.append(address_condition(FieldKind.SRC, resolved.addresses, resolved.opaque, location,
                                           _yes(node, "negate-source"), "source"))
        destinations = _values(node, "destination")
        any_destination = _ANY in destinations or _yes(node, "negate-destination")
        resolved_destinations = self.resolver.addresses([value for value in destinations if value != _ANY])
        self._undefined(rule, "the address", resolved_destinations.undefined)
        labels += resolved_destinations.labels
        if _ANY not in destinations or _yes(node, "negate-destination"):
            terms.append(address_condition(FieldKind.DST_ADDRESS, resolved_destinations.addresses, resolved_destinations.opaque,
                                           location, _yes(node, "negate-destination"), "destination"))
        for tag, reason in _OPAQUE_LISTS.items():
            values = node.member_values(tag)
            if values and _ANY not in values:
                terms.append(Opaque(reason.format(" ".join(values)), location))
        if node.value("schedule"):
            terms.append(Opaque(f"schedule {node.value('schedule')}: the rule applies only at scheduled times", location))
        applications = _values(node, "application")
        apps = self.resolver.applications([value for value in applications if value != _ANY])
        self._undefined(rule, "the application", apps.undefined)
        services = _values(node, "service", "application-default")
        service_items = self.resolver.services([value for value in services if value not in (_ANY, "application-default")])
        self._undefined(rule, "the service", service_items.undefined)
        labels += apps.labels + service_items.labels
        zones = _values(node, "from")
        text = (f"{rule.object_path}: {action} from {' '.join(zones)} to {' '.join(_values(node, 'to'))}, "
                f"destination {' '.join(destinations)}, application {' '.join(applications)}, service {' '.join(services)}")
        compiled = CompiledRule(rule, location, action, zones, terms, resolved_destinations.addresses, any_destination,
                                _ANY in applications, apps, services, service_items, labels, text)
        compiled.exchange = any(exchange_word(label) for label in labels)
        return compiled

    def overrides(self, zone: str | None) -> list[Override]:
        """The enabled application-override rules that see sessions from `zone`, compiled."""
        found = []
        for rule in self.context.overrides:
            node = rule.node
            zones = _values(node, "from")
            if _yes(node, "disabled") or (zone is not None and zone not in zones and _ANY not in zones):
                continue
            location = self._location(node)
            terms: list[Condition] = []
            for tag, kind, negate in (("source", FieldKind.SRC, "negate-source"), ("destination", FieldKind.DST_ADDRESS, "negate-destination")):
                values = _values(node, tag)
                if _ANY not in values:
                    resolved = self.resolver.addresses(values)
                    self._undefined(rule, "the address", resolved.undefined)
                    terms.append(address_condition(kind, resolved.addresses, resolved.opaque, location, _yes(node, negate), tag))
            protocol = (node.value("protocol") or "tcp").lower()
            terms.append(Match(PROTOCOL, MatchOp.EQUALS, (protocol,), case_sensitive=False, location=location, text=f"protocol {protocol}"))
            port = node.value("port")
            if port:
                parsed = parse_ports(port)
                terms.append(port_match(parsed, location) if parsed else Opaque(f"port {port!r} cannot be read", location))
            name = node.value("application") or ""
            app = self.resolver.application(name)
            found.append(Override(all_of(terms, name=rule.object_path, location=location), name, app, location,
                                  f"{rule.object_path}: application {name}"))
        return found

    # -- steps and pools -----------------------------------------------------------------------

    def _pool(self, rule: CompiledRule, matcher: SessionMatcher, name: str) -> Pool:
        placed = rule.placed
        steps: list[Step] = []
        custom = {app.name for app in rule.apps.custom_apps}
        for index, override in enumerate(matcher.overrides):
            timer = application_timer(override.app) if override.app else None
            if timer and (rule.any_app or override.application in custom):
                steps.append(timer_step(matcher.decides(index), timer, override.location,
                                        f"{override.text}: the session is {override.application}"))
        signed = [app for app in rule.apps.custom_apps if app.has_signature]
        only_app = (len(signed) == 1 and not rule.any_app and not rule.apps.predefined_apps and not rule.apps.opaque
                    and len(rule.apps.custom_apps) == 1)
        for app in signed:
            timer = application_timer(app)
            if timer is None:
                continue
            identified: Condition = matcher.none() if only_app else all_of([
                matcher.none(), Opaque(f"whether App-ID identifies the session as {app.name!r}", app.location)])
            steps.append(timer_step(identified, timer, app.location, f"{app.object_path}: the session is {app.name}"))
        if "application-default" not in rule.services and _ANY not in rule.services:
            for item in reversed(rule.service_items.services):  # the first listed service wins
                timer = service_timer(item)
                if timer and item.protocol == "tcp":
                    condition = all_of([Match(PROTOCOL, MatchOp.EQUALS, ("tcp",), case_sensitive=False), port_match(item.ports)])
                    steps.append(timer_step(condition, timer, item.location, f"{item.object_path}: the session's port"))
        timers = tuple(global_timer(value, placed.object_path, rule.location) for value in self.context.timeouts)
        return Pool(name, placed.object_path, rule.location, False, steps=tuple(steps), timers=timers,
                    labels=tuple(dict.fromkeys(rule.labels)))

    def _default_step(self, location: Location) -> tuple[Step, Pool | None]:
        entry = self.context.interzone_default
        action = ((entry.value("action") if entry is not None else None) or "deny").lower()
        where = self._location(entry) if entry is not None else location
        origin = f"set in the configuration, line {where.line}" if entry is not None else "PAN-OS default rule"
        text = (f"interzone-default ({self.context.label}): {action} ({origin}; an Internet session crosses zones, so the "
                "intrazone-default rule does not apply)")
        if action != "allow":
            return Step(ALWAYS, Action(ActionKind.DENY, detail=f"interzone-default {action}"), where, "security", text), None
        name = f"interzone-default ({self.context.label})"
        timers = tuple(global_timer(value, name, where) for value in self.context.timeouts)
        pool = Pool(name, name, where, False, timers=timers, labels=("interzone-default",))
        return Step(ALWAYS, Action(ActionKind.ROUTE, pool=name, detail="permit"), where, "security", text), pool

    def build(self, built: _Built) -> None:
        compiled = [rule for rule in map(self.compile, self.context.security) if rule is not None]
        zones = list(dict.fromkeys(zone for rule in compiled for zone in rule.zones if zone != _ANY))
        listener_zones: list[str | None] = zones or ([None] if compiled else [])
        for zone in listener_zones:
            built.listeners.append(self._listener(zone, compiled, built))

    def _listener(self, zone: str | None, compiled: list[CompiledRule], built: _Built) -> Listener:
        overrides = self.overrides(zone)
        matcher = SessionMatcher(overrides)
        label = self.context.label
        steps: list[Step] = []
        binds: list[tuple[bool, Bind]] = []
        rules = [rule for rule in compiled if zone is None or zone in rule.zones or _ANY in rule.zones]
        for rule in rules:
            session: Session = matcher.session(rule.any_app, rule.apps, rule.services, rule.service_items, rule.location)
            condition = all_of(rule.terms + [session.condition], name=rule.placed.name, location=rule.location)
            if rule.action == "allow":
                name = rule.placed.object_path if not overrides else f"{rule.placed.object_path} from zone {zone}"
                if name not in built.pools:
                    built.pools[name] = self._pool(rule, matcher, name)
                action = Action(ActionKind.ROUTE, pool=name, detail="permit")
                binds += [(rule.exchange, bind) for bind in self._binds(rule, session)]
            else:
                action = Action(ActionKind.DENY, detail=rule.action)
            steps.append(Step(condition, action, rule.location, "security", rule.text))
        location = self._zone_location(zone) or (rules[0].location if rules else Location(self.file, 1))
        default, pool = self._default_step(location)
        steps.append(default)
        if pool is not None:
            built.pools.setdefault(pool.name, pool)
        unique: dict[tuple[str | None, int | None], Bind] = {}
        for _, bind in sorted(binds, key=lambda item: not item[0]):  # rules that look like Exchange first
            unique.setdefault((bind.address, bind.port), bind)
        name = zone or label
        object_path = f"zone '{zone}' ({label})" if zone else f"security rulebase ({label})"
        return Listener(name, object_path, location, False, MODE_SOURCE, tuple(list(unique.values())[:MAX_BINDS]), tuple(steps),
                        labels=tuple([name] + self._interfaces(zone)))

    def _binds(self, rule: CompiledRule, session: Session) -> list[Bind]:
        addresses: list[str | None] = [item.representative for item in rule.destinations if item.representative]
        if rule.any_destination or any(item.opaque for item in rule.destinations):
            addresses.append(None)
        return [Bind(address, port, False, rule.location) for address in addresses for port in sorted(session.ports, reverse=True)]

    def _zone(self, zone: str | None) -> Node | None:
        scope = self.context.scope
        container = scope.child("zone") if scope is not None and zone else None
        return container.entry(zone) if container is not None and zone else None

    def _zone_location(self, zone: str | None) -> Location | None:
        node = self._zone(zone)
        return self._location(node) if node is not None else None

    def _interfaces(self, zone: str | None) -> list[str]:
        node = self._zone(zone)
        network = node.child("network") if node is not None else None
        if network is None:
            return []
        return [value for child in network.children for value in
                (item.text.strip() for item in child.children if item.text and item.text.strip())]


def build(contexts: list[PolicyContext], file: str, report: Report) -> tuple[list[Listener], list[Pool]]:
    built = _Built()
    for context in contexts:
        ContextBuilder(context, file, report).build(built)
    return built.listeners, list(built.pools.values())
