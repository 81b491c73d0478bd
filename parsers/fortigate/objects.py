"""FortiOS address, VIP and service objects as conditions on the probe's destination and port.

A policy names objects; the simulator needs `Match`es. Each name resolves to a `Condition`:

- `firewall address` (FortiOS CLI reference, "config firewall address"): `type ipmask` (the
  default; `set subnet` defaults to 0.0.0.0/0, which is what the predefined `all` is) and
  `iprange` (`start-ip`/`end-ip`) match the destination address; `fqdn`, `geography`,
  `wildcard`, `dynamic`, `mac`, `interface-subnet` without a subnet cannot be evaluated
  offline and become `Opaque`.
- `firewall addrgrp`: the members, nested to any depth (FortiOS refuses loops; one is reported
  here), minus `exclude-member` when `exclude enable`.
- `firewall vip` (`config firewall vip`): a policy whose destination is a VIP matches sessions
  to its `extip` (a host or a range), and with `portforward enable` only to `extport` over
  `protocol` (tcp by default). `firewall vipgrp` members likewise.
- `firewall service custom`: `protocol TCP/UDP/SCTP` (the default) with `tcp-portrange
  <dst>[:<src>] ...`; `protocol IP` with `protocol-number` (0, the `ALL` service, is every
  protocol); ICMP/UDP-only services never match the TCP probe; proxy services (`proxy enable`,
  `explicit-proxy enable`, `protocol HTTP|ALL|CONNECT|...`) apply to explicit-proxy policies
  only, never to a firewall policy. `firewall service group` members, nested.

Predefined objects exist even in an excerpt that does not list them: `all`/`none` and the
factory services below, as every FortiOS backup writes them (FortiOS 5.2 to 7.4 factory
configuration, e.g. the `config firewall service custom` and `config firewall service group`
sections of `acidjunk-fortigate-config-parser__vdom.conf` in the corpus).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from linter.model import (
    ALWAYS,
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
)
from parsers.fortigate.tree import Block, Entry

DST = Field(FieldKind.DST_ADDRESS)
SRC = Field(FieldKind.SRC)
PORT = Field(FieldKind.DST_PORT)
PROTOCOL = Field(FieldKind.IP_PROTOCOL)
NEVER: Condition = Any(())
TCP = Match(PROTOCOL, MatchOp.EQUALS, ("tcp",))

PREDEFINED_SERVICES: dict[str, tuple[str, ...]] = {
    "ALL": ("ip",),
    "ALL_TCP": ("tcp", "1-65535"),
    "HTTP": ("tcp", "80"),
    "HTTPS": ("tcp", "443"),
    "DNS": ("tcp", "53"),
    "DCE-RPC": ("tcp", "135"),
    "SSH": ("tcp", "22"),
    "SMTP": ("tcp", "25"),
    "SMTPS": ("tcp", "465"),
    "IMAPS": ("tcp", "993"),
    "RDP": ("tcp", "3389"),
    "webproxy": ("proxy",),
}
"""Factory services: protocol and TCP destination ports (FortiOS factory configuration)."""
PREDEFINED_SERVICE_GROUPS: dict[str, tuple[str, ...]] = {
    "Web Access": ("DNS", "HTTP", "HTTPS"),
    "Exchange Server": ("DCE-RPC", "DNS", "HTTPS"),
}
_PROXY_PROTOCOLS = frozenset({"HTTP", "FTP", "CONNECT", "SOCKS-TCP", "SOCKS-UDP", "ALL"})
_OPAQUE_ADDRESS_TYPES = {
    "fqdn": "an FQDN address is resolved by DNS at run time",
    "geography": "a geography address depends on the GeoIP database",
    "wildcard": "a wildcard address matches by bit mask",
    "dynamic": "a dynamic (SDN/fabric) address is filled in at run time",
    "mac": "a MAC address object matches layer-2 addresses",
    "interface-subnet": "an interface-subnet address follows the interface's address",
}


@dataclass(frozen=True)
class Destination:
    """A representative destination address for binds: a host, a network's first usable host
    or a range's first address; `None` for "any"."""

    address: str | None
    names: tuple[str, ...]  # the object names that lead to it, for labels and ordering


@dataclass(frozen=True)
class Resolved:
    """What a list of names means: a condition, the names passed through (labels), the
    representative destinations, and the TCP port ranges (services)."""

    condition: Condition
    names: tuple[str, ...] = ()
    destinations: tuple[Destination, ...] = ()
    comments: tuple[str, ...] = ()


def _first_host(spec: str) -> str | None:
    try:
        if "-" in spec:
            return str(ipaddress.ip_address(spec.split("-", 1)[0].strip()))
        network = ipaddress.ip_network(spec, strict=False)
    except ValueError:
        return None
    if network.num_addresses == 1:
        return str(network.network_address)
    if network.prefixlen == 0:
        return None
    return str(network.network_address + 1)


def subnet_spec(values: list[str]) -> str | None:
    """`set subnet 10.1.1.5 255.255.255.255` or `set subnet 10.1.1.0/24` as "10.1.1.5/32"."""
    try:
        if len(values) == 2:
            return str(ipaddress.ip_network(f"{values[0]}/{values[1]}", strict=False))
        if len(values) == 1:
            return str(ipaddress.ip_network(values[0], strict=False))
    except ValueError:
        return None
    return None


def _port_ranges(values: list[str]) -> tuple[list[str], bool]:
    """TCP destination port ranges of `tcp-portrange` ("443", "8000-8080:1024-65535") as
    "lo:hi" specs, and whether any source port range narrows the match (not modelled)."""
    specs, narrowed = [], False
    for value in values:
        destination, _, source = value.partition(":")
        low, _, high = destination.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        specs.append(f"{int(low)}:{int(high or low)}")
        if source and source not in ("0-65535", "1-65535", "0", "1-65535:0-65535"):
            narrowed = True
    return specs, narrowed


@dataclass
class ObjectTables:
    """The objects of one VDOM and the way to turn their names into conditions."""

    file: str
    vdom_label: str
    addresses: Block | None
    groups: Block | None
    vips: Block | None
    vip_groups: Block | None
    services: Block | None
    service_groups: Block | None
    diagnostics: list[Diagnostic]
    _reported: set[tuple[str, str]] = field(default_factory=set)
    _cache: dict[tuple[str, str], Resolved] = field(default_factory=dict)
    _extips: tuple[str, ...] | None = None

    def _diagnose(self, code: str, line: int, message: str, owner: str | None, text: str) -> None:
        key = (message, owner or "")
        if key in self._reported:
            return
        self._reported.add(key)
        self.diagnostics.append(Diagnostic(code, Level.WARNING, message, Location(self.file, line), owner, text))

    def location(self, line: int) -> Location:
        return Location(self.file, line)

    # -- addresses -----------------------------------------------------------------------------

    def vip_extips(self) -> tuple[str, ...]:
        """Every VIP external address of this VDOM (deny policies skip them, see policies.py)."""
        if self._extips is None:
            found = (entry.value("extip") for entry in (self.vips.ordered_entries() if self.vips else []))
            self._extips = tuple(extip for extip in found if extip and extip != "0.0.0.0")
        return self._extips

    def addresses_of(self, names: list[str], owner: str, line: int, field_name: str) -> Resolved:
        terms: list[Condition] = []
        destinations: list[Destination] = []
        labels: list[str] = []
        comments: list[str] = []
        for name in names:
            key = (name, field_name)
            resolved = self._cache.get(key) or self._cache.setdefault(key, self._address(name, owner, line, field_name, ()))
            if resolved.condition == ALWAYS:
                return Resolved(ALWAYS, tuple(labels) + resolved.names, (Destination(None, (name,)),), tuple(comments) + resolved.comments)
            terms.append(resolved.condition)
            destinations.extend(resolved.destinations)
            labels.extend(resolved.names)
            comments.extend(resolved.comments)
        condition = terms[0] if len(terms) == 1 else Any(tuple(terms))
        return Resolved(condition, tuple(labels), tuple(destinations), tuple(comments))

    def _address(self, name: str, owner: str, line: int, field_name: str, seen: tuple[str, ...]) -> Resolved:
        if name in seen:
            self._diagnose("EAS001", line, f"address group loop: {' -> '.join(seen + (name,))} (FortiOS refuses it)", owner, name)
            return Resolved(NEVER, (name,))
        entry = self.addresses.entries.get(name) if self.addresses else None
        if entry is not None:
            return self._address_entry(entry)
        if name == "all":
            return Resolved(ALWAYS, (name,))
        if name == "none":
            return Resolved(NEVER, (name,))
        group = self.groups.entries.get(name) if self.groups else None
        if group is not None:
            return self._group(group, owner, line, field_name, seen + (name,))
        vip = self.vips.entries.get(name) if self.vips else None
        if vip is not None and field_name == "dstaddr":
            return self._vip(vip)
        vip_group = self.vip_groups.entries.get(name) if self.vip_groups else None
        if vip_group is not None and field_name == "dstaddr":
            parts = [self._address(member, owner, line, field_name, seen + (name,)) for member in vip_group.values("member")]
            return self._union(name, parts, vip_group.value("comments") or vip_group.value("comment"))
        self._diagnose("EAS002", line, f"{field_name} '{name}' is not defined in this file (an excerpt?); it cannot be evaluated",
                       owner, f"set {field_name} {name}")
        return Resolved(Opaque(f"{field_name} '{name}' is not defined", self.location(line)), (name,))

    def _union(self, name: str, parts: list[Resolved], comment: str | None) -> Resolved:
        labels = (name,) + tuple(label for part in parts for label in part.names)
        comments = ((comment,) if comment else ()) + tuple(text for part in parts for text in part.comments)
        if any(part.condition == ALWAYS for part in parts):
            return Resolved(ALWAYS, labels, (Destination(None, (name,)),), comments)
        destinations = tuple(Destination(dest.address, (name,) + dest.names) for part in parts for dest in part.destinations)
        return Resolved(Any(tuple(part.condition for part in parts)), labels, destinations, comments)

    def _group(self, group: Entry, owner: str, line: int, field_name: str, seen: tuple[str, ...]) -> Resolved:
        parts = [self._address(member, owner, line, field_name, seen) for member in group.values("member")]
        resolved = self._union(group.name, parts, group.value("comment"))
        if group.value("exclude") == "enable" and group.values("exclude-member"):
            excluded = [self._address(member, owner, line, field_name, seen) for member in group.values("exclude-member")]
            condition = All((resolved.condition, Not(Any(tuple(part.condition for part in excluded)))))
            return Resolved(condition, resolved.names, resolved.destinations, resolved.comments)
        return resolved

    def _address_entry(self, entry: Entry) -> Resolved:
        kind = entry.value("type", "ipmask") or "ipmask"
        comments = tuple(filter(None, [entry.value("comment")]))
        location = self.location(entry.line)
        if kind == "iprange":
            start, end = entry.value("start-ip", "0.0.0.0"), entry.value("end-ip", "0.0.0.0")
            spec = f"{start}-{end}"
            return Resolved(Match(DST, MatchOp.IP, (spec,), location=location, text=f"address {entry.name}"), (entry.name,),
                            (Destination(_first_host(spec), (entry.name,)),), comments)
        if kind == "ipmask" or (kind == "interface-subnet" and "subnet" in entry.settings):
            spec = subnet_spec(entry.values("subnet")) if "subnet" in entry.settings else "0.0.0.0/0"
            if spec is None:
                return Resolved(Opaque(f"address '{entry.name}': unreadable subnet", location), (entry.name,), (), comments)
            if spec == "0.0.0.0/0":
                return Resolved(ALWAYS, (entry.name,), (Destination(None, (entry.name,)),), comments)
            return Resolved(Match(DST, MatchOp.IP, (spec,), location=location, text=f"address {entry.name}"), (entry.name,),
                            (Destination(_first_host(spec), (entry.name,)),), comments)
        reason = _OPAQUE_ADDRESS_TYPES.get(kind, f"address type '{kind}' is not modelled")
        return Resolved(Opaque(f"address '{entry.name}': {reason}", location), (entry.name,), (), comments)

    def _vip(self, vip: Entry) -> Resolved:
        location = self.location(vip.line)
        comments = tuple(filter(None, [vip.value("comment")]))
        kind = vip.value("type", "static-nat")
        extip = vip.value("extip")
        if kind not in ("static-nat", "server-load-balance") or not extip:
            return Resolved(Opaque(f"VIP '{vip.name}' of type {kind} is not modelled", location), (vip.name,), (), comments)
        terms: list[Condition] = []
        if extip != "0.0.0.0":  # 0.0.0.0: the external interface's own address
            terms.append(Match(DST, MatchOp.IP, (extip,), location=location, text=f"vip {vip.name} extip {extip}"))
        if vip.value("portforward") == "enable" or kind == "server-load-balance":
            protocol = (vip.value("protocol", "tcp") or "tcp").lower()
            extport = vip.value("extport", "0") or "0"
            low, _, high = extport.partition("-")
            terms.append(Match(PROTOCOL, MatchOp.EQUALS, (protocol,)))
            if low.isdigit() and (not high or high.isdigit()):
                terms.append(Match(PORT, MatchOp.INT, (f"{low}:{high or low}",), location=location, text=f"vip {vip.name} extport {extport}"))
        destination = _first_host(extip) if extip != "0.0.0.0" else None
        mapped = tuple(value for value in vip.values("mappedip"))
        return Resolved(All(tuple(terms)) if terms else ALWAYS, (vip.name,) + mapped, (Destination(destination, (vip.name,)),), comments)

    # -- services ------------------------------------------------------------------------------

    def services_of(self, names: list[str], owner: str, line: int) -> tuple[Resolved, list[tuple[Entry, Condition]]]:
        """The condition of the listed services, and each custom service that carries its own
        `session-ttl` with the condition under which it applies (in the order listed)."""
        terms: list[Condition] = []
        labels: list[str] = []
        with_ttl: list[tuple[Entry, Condition]] = []
        for name in names:
            condition = self._service(name, owner, line, (), labels, with_ttl)
            terms.append(condition)
        condition = ALWAYS if any(term == ALWAYS for term in terms) else (terms[0] if len(terms) == 1 else Any(tuple(terms)))
        return Resolved(condition, tuple(labels)), with_ttl

    def _service(self, name: str, owner: str, line: int, seen: tuple[str, ...], labels: list[str],
                 with_ttl: list[tuple[Entry, Condition]]) -> Condition:
        labels.append(name)
        if name in seen:
            self._diagnose("EAS001", line, f"service group loop: {' -> '.join(seen + (name,))} (FortiOS refuses it)", owner, name)
            return NEVER
        entry = self.services.entries.get(name) if self.services else None
        if entry is not None:
            condition = self._custom_service(entry)
            ttl = entry.value("session-ttl")
            if ttl and ttl != "0" and condition != NEVER:
                with_ttl.append((entry, condition))
            return condition
        group = self.service_groups.entries.get(name) if self.service_groups else None
        members = group.values("member") if group is not None else list(PREDEFINED_SERVICE_GROUPS.get(name, ()))
        if group is not None or name in PREDEFINED_SERVICE_GROUPS:
            parts = [self._service(member, owner, line, seen + (name,), labels, with_ttl) for member in members]
            return ALWAYS if any(part == ALWAYS for part in parts) else Any(tuple(parts))
        predefined = PREDEFINED_SERVICES.get(name)
        if predefined is not None:
            return _predefined_condition(predefined)
        self._diagnose("EAS002", line, f"service '{name}' is not defined in this file and is not a FortiOS factory service; "
                       "it cannot be evaluated", owner, f"set service {name}")
        return Opaque(f"service '{name}' is not defined", self.location(line))

    def _custom_service(self, entry: Entry) -> Condition:
        location = self.location(entry.line)
        protocol = (entry.value("protocol", "TCP/UDP/SCTP") or "TCP/UDP/SCTP").upper()
        if entry.value("proxy") == "enable" or entry.value("explicit-proxy") == "enable" or protocol in _PROXY_PROTOCOLS:
            return NEVER  # explicit web proxy services never match a firewall policy session
        if protocol == "IP":
            number = entry.value("protocol-number", "0") or "0"
            if number == "0":
                return ALWAYS
            return Match(PROTOCOL, MatchOp.EQUALS, ("tcp",) if number == "6" else (number,), location=location,
                         text=f"service {entry.name} protocol-number {number}")
        if protocol != "TCP/UDP/SCTP":
            return Match(PROTOCOL, MatchOp.EQUALS, (protocol.lower(),), location=location, text=f"service {entry.name}")
        specs, narrowed = _port_ranges(entry.values("tcp-portrange"))
        if not specs:
            return NEVER  # UDP/SCTP only
        terms: list[Condition] = [TCP, Match(PORT, MatchOp.INT, tuple(specs), location=location,
                                             text=f"service {entry.name} tcp-portrange {' '.join(entry.values('tcp-portrange'))}")]
        if narrowed:
            terms.append(Opaque(f"service '{entry.name}' also restricts the client's source port", location))
        iprange = entry.value("iprange")
        if iprange and iprange != "0.0.0.0":
            terms.append(Match(DST, MatchOp.IP, (iprange,), location=location, text=f"service {entry.name} iprange {iprange}"))
        if entry.value("fqdn"):
            terms.append(Opaque(f"service '{entry.name}' is limited to FQDN {entry.value('fqdn')}", location))
        return All(tuple(terms))


def as_source(condition: Condition) -> Condition:
    """The same address test applied to the client's address (`srcaddr`) instead of the
    destination: the objects are the same, the field differs."""
    if isinstance(condition, Match):
        return Match(SRC, condition.op, condition.values, location=condition.location, text=condition.text) if condition.field == DST else condition
    if isinstance(condition, All):
        return All(tuple(as_source(term) for term in condition.terms))
    if isinstance(condition, Any):
        return Any(tuple(as_source(term) for term in condition.terms))
    if isinstance(condition, Not):
        return Not(as_source(condition.term))
    return condition


def _predefined_condition(definition: tuple[str, ...]) -> Condition:
    kind = definition[0]
    if kind == "ip":
        return ALWAYS
    if kind == "proxy":
        return NEVER
    low, _, high = definition[1].partition("-")
    return All((TCP, Match(PORT, MatchOp.INT, (f"{low}:{high or low}",))))


def service_ports(condition: Condition) -> set[int]:
    """Which of the probe ports (443, 80) a service condition can let through, for binds."""
    from linter.matching import Context, evaluate
    from linter.probes import Request

    ports = set()
    for port in (443, 80):
        request = Request("POST", "/", None, (), dst_address=None, dst_port=port)
        if evaluate(condition, Context(request, http_visible=False)) is not False:
            ports.add(port)
    return ports
