"""Extended access-list entries as model conditions, in the order the ASA evaluates them.

`access-list NAME extended {permit|deny} PROTOCOL SOURCE [PORT] DESTINATION [PORT] [log ...]
[time-range NAME] [inactive]`, where PROTOCOL is a name or number, `object SERVICE` or
`object-group SERVICES|PROTOCOLS`; an address is `any|any4|any6`, `host A`, `A MASK`, `A/LEN`,
`object X`, `object-group G` or `interface IF` (a `name` alias may stand for an address); a port
is `eq|neq|lt|gt P`, `range A B` or `object-group PORTS` (Cisco ASA command reference,
`access-list extended`). Entries are hand-parsed rather than templated: whether `object-group G`
after an address is a port group or the next address depends on what G is, which only the
object table knows.

Probes come from one IPv4 Internet address to one destination address and TCP port, so:
`any4` matches like `any`, `any6` never matches; a source port constraint matches when it
admits every ephemeral port (49152-65535), never when it admits none, and is "cannot verify"
otherwise; user and security-group arguments and `time-range` cannot be evaluated (Opaque).
The ASA numbers an ACL's lines counting remarks (`show access-list` "line N"); so does `position`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from linter.model import All, ALWAYS, Any, Condition, Field, FieldKind, Location, Match, MatchOp, Opaque
from parsers.asa.objects import Addresses, ObjectTable, ResolveError, Service, network_spec, parse_ports, protocols_of
from parsers.asa.values import protocol_name

_PORT_OPS = frozenset({"eq", "neq", "lt", "gt", "range"})
_PORTED = frozenset({"tcp", "udp", "sctp", "tcp-udp"})
_IDENTITY = {"user": 1, "user-group": 1, "object-group-user": 1, "security-group": 2, "object-group-security": 1}
EPHEMERAL_PORTS = (49152, 65535)  # IANA dynamic range, where client source ports come from


class AclSyntaxError(ValueError):
    """The entry does not read as an extended ACE (the linter's grammar, not the device's)."""


@dataclass(frozen=True)
class AclEntry:
    acl: str
    position: int
    permit: bool
    text: str  # the entry after "access-list NAME "
    location: Location
    condition: Condition
    services: tuple[Service, ...]
    destinations: Addresses
    inactive: bool
    labels: tuple[str, ...]

    @property
    def object_path(self) -> str:
        return f"access-list {self.acl} line {self.position} ({self.text.removeprefix('extended ')})"


@dataclass
class _Reader:
    words: list[str]
    index: int = 0

    def peek(self, offset: int = 0) -> str | None:
        position = self.index + offset
        return self.words[position] if position < len(self.words) else None

    def take(self) -> str:
        word = self.peek()
        if word is None:
            raise AclSyntaxError("the entry ends too early")
        self.index += 1
        return word


class AclParser:
    """Reads extended entries against one configuration's objects and interfaces."""

    def __init__(self, objects: ObjectTable, interface_addresses: dict[str, str | None]) -> None:
        self.objects = objects
        self.interface_addresses = interface_addresses

    def entry(self, acl: str, position: int, text: str, location: Location, remarks: tuple[str, ...]) -> AclEntry:
        """Raises ResolveError for what the ASA refuses, AclSyntaxError for what the linter cannot read."""
        reader = _Reader(text.split()[1:])  # after "extended"
        action = reader.take()
        if action not in ("permit", "deny"):
            raise AclSyntaxError(f"expected permit or deny, found {action!r}")
        services, port_protocol = self._protocol(reader)
        identity: list[Condition] = []
        source = self._address(reader, identity)
        source_ports = self._ports(reader, port_protocol)
        destination = self._address(reader, identity)
        destination_ports = self._ports(reader, port_protocol)
        icmp = any(service.protocols and set(service.protocols) <= {"icmp", "icmp6"} for service in services)
        inactive, timing = self._options(reader, location, icmp)
        if destination_ports is not None or source_ports is not None:
            services = [Service(service.protocols, destination_ports, source_ports) for service in services]
        # The destination first: it is what tells most entries apart, so evaluation stops early.
        terms: list[Condition] = [_address_match(FieldKind.DST_ADDRESS, destination, location)]
        terms.append(self._service_condition(services, location))
        terms.append(_address_match(FieldKind.SRC, source, location))
        terms.extend(identity)
        terms.extend(timing)
        condition = All(tuple(term for term in terms if term != ALWAYS), location=location)
        labels = tuple(dict.fromkeys([*remarks, *destination.labels, *self._service_labels(text)]))
        return AclEntry(acl, position, action == "permit", text, location, condition, tuple(services), destination,
                        inactive, labels)

    # -- protocol and services -------------------------------------------------------------------

    def _protocol(self, reader: _Reader) -> tuple[list[Service], str | None]:
        """The entry's services, and the protocol its port operands are read for (if any)."""
        word = reader.take()
        if word in ("object-group", "object"):
            name = reader.take()
            group = word == "object-group"
            kind = self.objects.kind_of(name)
            if kind is None and not group:
                # Some releases predefine service objects (batfish reads `object icmp-echo`);
                # the linter cannot tell whether this one exists, so it does not call it refused.
                raise AclSyntaxError(f"service object {name} is not defined in this file")
            if group and kind == "network-group" or not group and kind == "network":
                raise AclSyntaxError(f"{word} {name} is an address where the protocol belongs")
            services = self.objects.services(name, group)
            if kind == "protocol-group":
                protocols = {p for service in services for p in (service.protocols or ("ip",))}
                return services, next(iter(protocols)) if len(protocols) == 1 and protocols <= _PORTED else None
            return services, None
        protocol = protocol_name(word)
        if not (protocol.isdigit() or protocol.isalpha() or protocol in ("tcp-udp", "icmp6")):
            raise AclSyntaxError(f"unknown protocol {word!r}")
        return [Service(protocols_of(protocol))], protocol if protocol in _PORTED else None

    def _ports(self, reader: _Reader, protocol: str | None) -> tuple[str, ...] | None:
        word = reader.peek()
        if protocol is None or word is None:
            return None
        if word in _PORT_OPS:
            try:
                specs, reader.index = parse_ports(reader.words, reader.index, protocol)
            except ValueError as error:
                raise AclSyntaxError(str(error)) from None
            return specs
        if word == "object-group" and self.objects.kind_of(reader.peek(1) or "") == "service-group":
            reader.index += 2
            return self.objects.port_group(reader.words[reader.index - 1], protocol)
        return None

    def _service_condition(self, services: list[Service], location: Location) -> Condition:
        alternatives: list[Condition] = []
        for service in services:
            terms: list[Condition] = []
            if service.protocols is not None:
                terms.append(Match(Field(FieldKind.IP_PROTOCOL), MatchOp.EQUALS, service.protocols, False, location=location))
            if service.dst_ports is not None:
                terms.append(Match(Field(FieldKind.DST_PORT), MatchOp.INT, service.dst_ports, location=location))
            if service.src_ports is not None:
                terms.append(_source_port_term(service.src_ports, location))
            if not terms:
                return ALWAYS
            alternatives.append(All(tuple(terms)) if len(terms) > 1 else terms[0])
        return alternatives[0] if len(alternatives) == 1 else Any(tuple(alternatives))

    def _service_labels(self, text: str) -> list[str]:
        """Service object and group names of the entry (`object-group EXCHANGE-PORTS`)."""
        words = text.split()
        labels = []
        for index, word in enumerate(words[:-1]):
            if word in ("object", "object-group") and self.objects.kind_of(words[index + 1]) in ("service", "service-group"):
                name = words[index + 1]
                labels.append(name)
                description = self.objects.description(name)
                if description:
                    labels.append(description)
        return labels

    # -- addresses -------------------------------------------------------------------------------

    def _address(self, reader: _Reader, identity: list[Condition]) -> Addresses:
        while reader.peek() in _IDENTITY:
            keyword = reader.take()
            names = [reader.take() for _ in range(_IDENTITY[keyword])]
            identity.append(Opaque(f"{keyword} {' '.join(names)}: who the user is is known only at run time"))
        word = reader.take()
        if word in ("any", "any4"):
            return Addresses(any=True)
        if word == "any6":
            return Addresses(specs=["::/0"], labels=[])
        if word == "host":
            address = reader.take()
            spec = network_spec(self.objects.alias(address))
            if spec is None:
                raise ResolveError(f"host {address} is neither an address nor a name")
            return Addresses(specs=[spec], labels=_alias_labels(self.objects, address))
        if word == "object":
            return self.objects.network(reader.take(), group=False)
        if word == "object-group":
            return self.objects.network(reader.take(), group=True)
        if word == "interface":
            name = reader.take()
            if name not in self.interface_addresses:
                raise ResolveError(f"interface {name} has no nameif")
            address = self.interface_addresses[name]
            if address is None:
                return Addresses(opaque=[f"the address of interface {name} is not static"], labels=[name])
            return Addresses(specs=[address], labels=[name])
        if "/" in word:
            spec = network_spec(word)
        else:
            mask = reader.take()
            spec = network_spec(self.objects.alias(word), mask)
        if spec is None:
            raise AclSyntaxError(f"{word!r} does not read as an address")
        return Addresses(specs=[spec], any=spec in ("0.0.0.0/0",), labels=_alias_labels(self.objects, word))

    # -- options ---------------------------------------------------------------------------------

    def _options(self, reader: _Reader, location: Location, icmp: bool) -> tuple[bool, list[Condition]]:
        inactive = False
        timing: list[Condition] = []
        icmp_words = 0
        while reader.peek() is not None:
            word = reader.take()
            if word == "log":
                if reader.peek() is not None and (reader.peek().isdigit() or reader.peek() in _LOG_LEVELS):
                    reader.take()
                if reader.peek() == "interval":
                    reader.take()
                    reader.take()
            elif word == "time-range":
                name = reader.take()
                timing.append(Opaque(f"the entry is active only during time-range {name}", location))
            elif word == "inactive":
                inactive = True
            elif icmp and word == "object-group" and icmp_words == 0:
                reader.take()  # an icmp-type group
                icmp_words = 2
            elif icmp and icmp_words < 2:
                icmp_words += 1  # an ICMP type or code (`echo-reply`, `unreachable`, `3`)
            else:
                raise AclSyntaxError(f"unexpected {word!r}")
        return inactive, timing


_LOG_LEVELS = frozenset({"disable", "default", "emergencies", "alerts", "critical", "errors", "warnings",
                         "notifications", "informational", "debugging"})


def _alias_labels(objects: ObjectTable, word: str) -> list[str]:
    if objects.alias(word) == word:
        return []
    description = objects.alias_description(word)
    return [word] + ([description] if description else [])


def _source_port_term(ranges: tuple[str, ...], location: Location) -> Condition:
    """A client's source port is ephemeral: a constraint admitting every ephemeral port always
    holds for a probe, one admitting none never does; anything between cannot be known."""
    low, high = EPHEMERAL_PORTS
    covered = 0
    for spec in ranges:
        first, _, last = spec.partition(":")
        start, end = int(first), int(last or first)
        covered += max(0, min(end, high) - max(start, low) + 1)
    if covered == high - low + 1:
        return ALWAYS
    if covered == 0:
        return Any(())
    return Opaque(f"source port {' '.join(ranges)}: the client's ephemeral port may or may not be in it", location)


def _address_match(kind: FieldKind, addresses: Addresses, location: Location) -> Condition:
    if addresses.any:
        return ALWAYS
    terms: list[Condition] = []
    if addresses.specs:
        terms.append(Match(Field(kind), MatchOp.IP, tuple(dict.fromkeys(addresses.specs)), location=location))
    terms.extend(Opaque(reason, location) for reason in dict.fromkeys(addresses.opaque))
    if not terms:
        return Any(())
    return terms[0] if len(terms) == 1 else Any(tuple(terms))


def representative(spec: str) -> str | None:
    """One address that stands for a destination spec: a host as is, a network's first usable
    host, a range's first address (the binds a firewall listener is probed at)."""
    if "-" in spec:
        return spec.split("-", 1)[0]
    if "/" not in spec:
        return spec
    network = ipaddress.ip_network(spec, strict=False)
    if network.num_addresses > 2:
        return str(network.network_address + 1)
    return str(network.network_address)


def allows_port(entry: AclEntry, port: int) -> bool:
    """Whether an entry's services admit TCP to `port` (the binds of its listener)."""
    for service in entry.services:
        if service.protocols is not None and "tcp" not in service.protocols:
            continue
        if service.dst_ports is None or any(_in_range(port, spec) for spec in service.dst_ports):
            return True
    return False


def _in_range(port: int, spec: str) -> bool:
    first, _, last = spec.partition(":")
    return int(first) <= port <= int(last or first)
