"""What a security rule matches, as a `Condition` over the fields a firewall sees.

- Source and destination addresses: `MatchOp.IP` on `src` / `dst_address`, `Not` for
  `negate-source` / `negate-destination`; FQDN objects, dynamic groups, external lists and
  regions are `Opaque`; the predefined lists of malicious hosts never match a legitimate client.
- The destination zone (`to`) is not tested: the rule's destination address decides where the
  session goes, and the linter does not model routing. The source zone (`from`) selects the
  listener the rule belongs to.
- `source-user`, URL `category`, HIP profiles, IMEI/IMSI, `schedule` other than `any`/unset
  are `Opaque` (User-ID, URL filtering and time are not modelled).
- Application and service: the App-ID the session gets (`linter.matching`: a TLS Ping is `ssl`
  or `activesync`, a clear-text one `web-browsing` or `activesync`), unless an
  application-override rule assigns a custom application first (then App-ID does not run).
  `service application-default` limits each application to its standard ports (PAN-OS
  "Security Policy Rule: Service/URL Category"; `ssl` 443, `web-browsing` 80, `activesync` 80 and
  443); with `application any` the standard ports of whatever the session is identified as, so a
  TLS session on 443 (identified as `ssl`) matches and one on 8443 does not. Service objects
  match protocol and destination port; a `source-port` restriction is `Opaque`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from linter.model import All, Any, Condition, Field, FieldKind, Location, Match, MatchOp, Not, Opaque
from parsers.panos.objects import AddressItem, CustomApp, Resolution, ServiceItem

STANDARD_TCP_PORTS = {
    # Standard ports of the built-in App-IDs a Ping can be identified as (Applipedia).
    "ssl": ("443",),
    "web-browsing": ("80",),
    "activesync": ("80", "443"),
}
PROBED_PORTS = (443, 80)
APPLICATION = Field(FieldKind.APPLICATION)
DST_PORT = Field(FieldKind.DST_PORT)
PROTOCOL = Field(FieldKind.IP_PROTOCOL)


def all_of(terms: Sequence[Condition], name: str | None = None, location: Location | None = None) -> Condition:
    terms = [term for term in terms if not (isinstance(term, All) and not term.terms)]
    if len(terms) == 1 and name is None:
        return terms[0]
    return All(tuple(terms), name, location)


def any_of(terms: Sequence[Condition], name: str | None = None) -> Condition:
    if len(terms) == 1 and name is None:
        return terms[0]
    return Any(tuple(terms), name)


def port_match(ports: Sequence[str], location: Location | None = None) -> Match:
    return Match(DST_PORT, MatchOp.INT, tuple(ports), location=location, text=f"port {','.join(ports)}")


def covers(ports: Sequence[str], port: int) -> bool:
    for spec in ports:
        low, colon, high = spec.partition(":")
        if (colon and int(low) <= port <= int(high)) or (not colon and int(low) == port):
            return True
    return False


def address_condition(kind: FieldKind, items: list[AddressItem], opaque: list[str], location: Location,
                      negate: bool, label: str) -> Condition:
    """Any of the resolved addresses (negated for `negate-source` / `negate-destination`)."""
    specs = tuple(dict.fromkeys(item.spec for item in items if item.spec))
    terms: list[Condition] = []
    if specs:
        terms.append(Match(Field(kind), MatchOp.IP, specs, location=location, text=f"{label} {' '.join(specs)}"))
    terms += [Opaque(item.opaque, item.location or location) for item in items if item.opaque]
    terms += [Opaque(reason, location) for reason in opaque]
    never = [item.never for item in items if item.never]
    condition = Any(tuple(terms), name=f"{label}: {'; '.join(never)}") if never or not terms else any_of(terms)
    return Not(condition) if negate else condition


@dataclass(frozen=True)
class Override:
    """An application-override rule that applies to the listener's zone, compiled."""

    condition: Condition
    application: str
    app: CustomApp | None
    location: Location
    text: str


@dataclass(frozen=True)
class Session:
    """What App-ID and the service part of a rule accept, and which of the probed ports they allow."""

    condition: Condition
    ports: frozenset[int]


class SessionMatcher:
    """Application and service conditions for one listener (its application-override rules)."""

    def __init__(self, overrides: list[Override]) -> None:
        self.overrides = overrides

    def decides(self, index: int) -> Condition:
        """The `index`-th override rule is the first that matches (PAN-OS: first match wins)."""
        earlier = [Not(rule.condition) for rule in self.overrides[:index]]
        return all_of(earlier + [self.overrides[index].condition])

    def none(self) -> Condition:
        return all_of([Not(rule.condition) for rule in self.overrides])

    def _app_id(self, apps: Sequence[str], default_ports: bool, location: Location) -> list[Condition]:
        """Terms for sessions App-ID identifies as one of `apps` (no override rule matched)."""
        if not apps:
            return []
        if not default_ports:
            match = Match(APPLICATION, MatchOp.EQUALS, tuple(apps), case_sensitive=False, location=location,
                          text=f"application {' '.join(apps)}")
            return [all_of([self.none(), match])]
        terms: list[Condition] = []
        for app in apps:
            match = Match(APPLICATION, MatchOp.EQUALS, (app,), case_sensitive=False, location=location, text=f"application {app}")
            ports = STANDARD_TCP_PORTS.get(app)
            terms.append(all_of([self.none(), match] + ([port_match(ports, location)] if ports else [])))
        return terms

    def session(self, any_app: bool, apps: Resolution, services: list[str], service_items: Resolution,
                location: Location) -> Session:
        default_ports = "application-default" in services
        if any_app and not default_ports:
            condition, ports = all_of([]), set(PROBED_PORTS)  # any application on the service's ports
        else:
            condition, ports = self._applications(any_app, apps, default_ports, location)
        if default_ports or "any" in services or not services:
            return Session(condition, frozenset(ports))
        service_terms: list[Condition] = [service_condition(item) for item in service_items.services]
        service_terms += [Opaque(reason, location) for reason in service_items.opaque]
        service_ports = {port for port in PROBED_PORTS
                         if any(item.protocol == "tcp" and covers(item.ports, port) for item in service_items.services)}
        if service_items.opaque:
            service_ports |= set(PROBED_PORTS)
        service_part = any_of(service_terms) if service_terms else Any((), name="no service of this rule is defined")
        return Session(all_of([condition, service_part]), frozenset(ports & service_ports))

    def _applications(self, any_app: bool, apps: Resolution, default_ports: bool,
                      location: Location) -> tuple[Condition, set[int]]:
        terms: list[Condition] = []
        ports: set[int] = set()
        custom = {app.name for app in apps.custom_apps}
        for index, rule in enumerate(self.overrides):
            if any_app or rule.application in custom:
                app_ports = rule.app.tcp_ports if rule.app else ()
                port_term = [port_match(app_ports, location)] if default_ports else []
                terms.append(all_of([self.decides(index)] + port_term))
                ports |= {port for port in PROBED_PORTS if not default_ports or covers(app_ports, port)}
        predefined = list(STANDARD_TCP_PORTS) if any_app else apps.predefined_apps
        terms += self._app_id(predefined, default_ports, location)
        for app in predefined:
            ports |= {port for port in PROBED_PORTS if not default_ports or covers(STANDARD_TCP_PORTS.get(app, ()), port)}
        for app in [] if any_app else apps.custom_apps:
            if not app.has_signature:
                continue  # identified only through an application-override rule, handled above
            reason = f"custom application {app.name!r} is identified by App-ID signatures, which easlint does not evaluate"
            port_term = [port_match(app.tcp_ports, location)] if default_ports else []
            terms.append(all_of([self.none(), Opaque(reason, app.location)] + port_term))
            ports |= {port for port in PROBED_PORTS if not default_ports or covers(app.tcp_ports, port)}
        if not any_app and apps.opaque:
            terms += [all_of([self.none(), Opaque(reason, location)]) for reason in apps.opaque]
            ports |= set(PROBED_PORTS)
        condition = any_of(terms) if terms else Any((), name="no application of this rule can be the session's")
        return condition, ports


def service_condition(item: ServiceItem) -> Condition:
    terms: list[Condition] = [
        Match(PROTOCOL, MatchOp.EQUALS, (item.protocol,), case_sensitive=False, location=item.location,
              text=f"service {item.name} protocol {item.protocol}"),
        port_match(item.ports, item.location),
    ]
    if item.source_port:
        terms.append(Opaque(f"service {item.name!r} also requires source port {item.source_port}", item.location))
    return all_of(terms)
