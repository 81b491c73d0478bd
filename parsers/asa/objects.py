"""Names, objects and object-groups: what an ACL entry's `object X` / `object-group G` means.

The lines are classified by the TTP template `parsers/templates/asa_objects.ttp` (one result per
line, with its number), then read here: addresses become specs the model's `MatchOp.IP`
understands ("10.1.1.5", "10.0.0.0/24", "10.0.0.1-10.0.0.20"), services become protocol and
port-range pairs. Groups nest (`group-object`), so they are resolved lazily, once each, with
cycles and undefined members reported instead of followed. An FQDN object cannot be resolved
without DNS, so it stays an opaque member that makes the matching ACL term "cannot verify".

Grammar and semantics: Cisco ASA CLI configuration guide, "Objects for Access Control"
(`object network` host/subnet/range/fqdn, `object service` with `service PROTO [source OP]
[destination OP]`, `object-group service NAME [tcp|udp|tcp-udp]` with `port-object`, the
protocol-less form with `service-object`, and `group-object` nesting).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ttp import ttp

from linter.model import Diagnostic, Level, Location
from parsers.asa.lexer import Block
from parsers.asa.values import port_number, protocol_name

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "templates" / "asa_objects.ttp"
OBJECT_COMMANDS = frozenset({"name", "names", "object", "object-group"})
MAX_GROUP_MEMBERS = 50_000  # resolved addresses or services of one group; larger is reported
_PORT_OPS = frozenset({"eq", "neq", "lt", "gt", "range"})
_OTHER_GROUP_TYPES = frozenset({"icmp-type", "user", "security"})


@cache
def _template() -> str:
    return TEMPLATE_PATH.read_text(encoding="utf-8")


class ResolveError(Exception):
    """A reference the ASA itself would refuse (undefined object, wrong type, a cycle)."""


@dataclass(frozen=True, slots=True)
class Service:
    """What one service entry allows: protocols (None = any IP protocol) and port ranges
    ("443", "1024:65535"; None = any port)."""

    protocols: tuple[str, ...] | None
    dst_ports: tuple[str, ...] | None = None
    src_ports: tuple[str, ...] | None = None


@dataclass
class Addresses:
    """A resolved network reference: specs, opaque members, and the names and descriptions met
    on the way (labels that tell whether a rule publishes Exchange)."""

    specs: list[str] = field(default_factory=list)
    any: bool = False
    opaque: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass
class _Definition:
    kind: str  # "network", "service", "network-group", "service-group", "protocol-group", "other-group"
    name: str
    location: Location
    protocol: str | None = None  # the protocol of `object-group service NAME tcp`
    members: list[tuple[str, str, Location]] = field(default_factory=list)  # (member kind, args, where)
    description: str | None = None

    @property
    def object_path(self) -> str:
        word = "object-group" if self.kind.endswith("group") else "object"
        return f"{word} {self.kind.removesuffix('-group')} {self.name}"


def network_spec(address: str, mask: str | None = None) -> str | None:
    """"10.0.0.0/24" for `10.0.0.0 255.255.255.0`, "2001:db8::/64" for `2001:db8::/64`, a bare
    address for a host; None when the ASA would refuse the value."""
    try:
        if mask is None:
            if "/" in address:
                return str(ipaddress.ip_network(address, strict=False))
            return str(ipaddress.ip_address(address))
        network = ipaddress.ip_network(f"{address}/{mask}", strict=False)
    except ValueError:
        return None
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def parse_ports(words: list[str], index: int, protocol: str) -> tuple[tuple[str, ...], int]:
    """Port ranges of `eq|neq|lt|gt P` or `range A B` at `words[index]`, and the index after it.
    Raises ValueError for an unknown port name or a malformed operator."""
    op = words[index]
    if op == "range":
        if index + 2 >= len(words):
            raise ValueError("'range' needs two ports")
        low, high = port_number(words[index + 1], protocol), port_number(words[index + 2], protocol)
        if low is None or high is None:
            raise ValueError(f"unknown port in 'range {words[index + 1]} {words[index + 2]}'")
        return (f"{low}:{high}",), index + 3
    if index + 1 >= len(words):
        raise ValueError(f"'{op}' needs a port")
    port = port_number(words[index + 1], protocol)
    if port is None:
        raise ValueError(f"unknown {protocol} port name {words[index + 1]!r}")
    if op == "eq":
        specs: tuple[str, ...] = (str(port),)
    elif op == "lt":
        specs = (f"0:{port - 1}",) if port > 0 else ()
    elif op == "gt":
        specs = (f"{port + 1}:65535",) if port < 65535 else ()
    else:  # neq
        specs = tuple(spec for spec in ((f"0:{port - 1}" if port > 0 else ""), (f"{port + 1}:65535" if port < 65535 else "")) if spec)
    return specs, index + 2


def protocols_of(word: str) -> tuple[str, ...] | None:
    """The IP protocols a protocol word stands for; None for `ip` (every protocol)."""
    word = protocol_name(word)
    if word == "ip":
        return None
    if word == "tcp-udp":
        return ("tcp", "udp")
    return (word,)


def parse_service_words(words: list[str]) -> Service:
    """`PROTO [source OP..] [destination OP..]`, also the older `PROTO OP..` (destination) and
    ICMP types; raises ValueError when the words do not read as a service."""
    if not words:
        raise ValueError("no protocol")
    protocol = protocol_name(words[0])
    protocols = protocols_of(protocol)
    if protocol not in ("tcp", "udp", "tcp-udp", "sctp"):
        return Service(protocols)  # icmp types, ip, gre...: no ports
    index, src, dst = 1, None, None
    while index < len(words):
        word = words[index]
        if word in ("source", "destination"):
            if index + 1 >= len(words) or words[index + 1] not in _PORT_OPS:
                raise ValueError(f"'{word}' needs a port operator")
            specs, index = parse_ports(words, index + 1, protocol)
            if word == "source":
                src = specs
            else:
                dst = specs
        elif word in _PORT_OPS:
            dst, index = parse_ports(words, index, protocol)
        else:
            raise ValueError(f"unexpected {word!r}")
    return Service(protocols, dst, src)


class ObjectTable:
    """Every name, object and object-group of one configuration, resolved on demand."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.aliases: dict[str, tuple[str, str | None]] = {}  # name -> (address, description)
        self.definitions: dict[str, _Definition] = {}
        self.diagnostics: list[Diagnostic] = []
        self._networks: dict[str, Addresses] = {}
        self._services: dict[str, list[Service]] = {}
        self._resolving: set[str] = set()

    # -- reading ---------------------------------------------------------------------------------

    def read(self, blocks: list[Block]) -> None:
        rows: list[str] = []
        texts: dict[int, str] = {}
        for block in blocks:
            rows.append(f"{block.head.number} {block.head.text}")
            texts[block.head.number] = block.head.text
            for child in block.children:
                rows.append(f"{child.number} - {child.text}")
                texts[child.number] = child.text
        if not rows:
            return
        parser = ttp(data="\n".join(rows), template=_template())
        parser.parse()
        results = parser.result()[0][0]
        results = results.get("lines", []) if isinstance(results, dict) else results
        if isinstance(results, dict):
            results = [results]
        seen: set[int] = set()
        current: _Definition | None = None
        for result in sorted(results, key=lambda row: int(row["line"])):
            number = int(result["line"])
            seen.add(number)
            current = self._apply(result, Location(self.file, number), texts[number], current)
        for block in blocks:
            for line in [block.head, *block.children]:
                if line.number not in seen:
                    path = " ".join(block.words[:3])
                    self._report("EAS002", Level.WARNING, f"unrecognized {path!r} line", line.number, line.text, path)
                    if line is block.head:
                        current = None

    def _report(self, code: str, level: Level, message: str, line: int, text: str, path: str | None) -> None:
        self.diagnostics.append(Diagnostic(code, level, message, Location(self.file, line), path, text))

    def _apply(self, row: dict, where: Location, text: str, current: _Definition | None) -> _Definition | None:
        kind = row["kind"]
        if kind == "names":
            return None
        if kind == "name":
            if network_spec(row["address"]) is None:
                self._report("EAS001", Level.ERROR, f"the ASA refuses 'name': {row['address']!r} is not an IP address",
                             where.line, text, None)
            else:
                self.aliases[row["alias"]] = (row["address"], row.get("description"))
            return None
        if kind in ("object", "object-group"):
            return self._define(kind, row, where, text)
        if current is None:
            self._report("EAS002", Level.WARNING, f"{kind!r} outside an object", where.line, text, None)
            return None
        if kind == "description":
            current.description = row["text"]
        elif kind != "nat":  # object NAT changes addresses after the ACL check: not a filter
            args = row.get("args") or row.get("name") or row.get("address") or f"{row.get('first')} {row.get('last')}"
            current.members.append((kind, args, where))
        return current

    def _define(self, kind: str, row: dict, where: Location, text: str) -> _Definition | None:
        type_ = row["type"]
        name = row["name"]
        if kind == "object" and type_ in ("network", "service"):
            definition_kind = type_
        elif kind == "object-group" and type_ in ("network", "service", "protocol"):
            definition_kind = f"{type_}-group"
        elif kind == "object-group" and type_ in _OTHER_GROUP_TYPES:
            definition_kind = "other-group"
        else:
            self._report("EAS002", Level.WARNING, f"unrecognized {kind} type {type_!r}", where.line, text, None)
            return None
        protocol = row.get("protocol")
        if protocol is not None and (definition_kind != "service-group" or protocol not in ("tcp", "udp", "tcp-udp")):
            self._report("EAS002", Level.WARNING, f"unrecognized {kind} {type_} argument {protocol!r}", where.line, text, None)
            return None
        existing = self.definitions.get(name)
        if existing is not None:
            if existing.kind == definition_kind and existing.protocol == protocol:
                return existing  # the ASA reopens an object to add to it (object NAT blocks do)
            self._report("EAS001", Level.ERROR, f"the ASA refuses {kind} {type_} {name}: the name is already a "
                         f"{existing.object_path} (line {existing.location.line})", where.line, text, None)
            return None
        definition = _Definition(definition_kind, name, where, protocol)
        self.definitions[name] = definition
        return definition

    # -- resolving -------------------------------------------------------------------------------

    def kind_of(self, name: str) -> str | None:
        definition = self.definitions.get(name)
        return definition.kind if definition else None

    def description(self, name: str) -> str | None:
        definition = self.definitions.get(name)
        return definition.description if definition else None

    def location(self, name: str) -> Location | None:
        definition = self.definitions.get(name)
        return definition.location if definition else None

    def alias(self, word: str) -> str:
        """The address a `name` alias stands for, or the word itself."""
        found = self.aliases.get(word)
        return found[0] if found else word

    def alias_description(self, word: str) -> str | None:
        found = self.aliases.get(word)
        return found[1] if found else None

    def _lookup(self, name: str, kinds: tuple[str, ...]) -> _Definition:
        definition = self.definitions.get(name)
        if definition is None:
            raise ResolveError(f"{' or '.join(kinds)} {name} does not exist")
        if definition.kind not in kinds:
            raise ResolveError(f"{name} is a {definition.object_path}, not a {' or '.join(kinds)}")
        return definition

    def _enter(self, key: str) -> None:
        if key in self._resolving:
            raise ResolveError(f"{key} contains itself")
        self._resolving.add(key)

    def network(self, name: str, group: bool) -> Addresses:
        """The addresses of `object NAME` (group=False) or `object-group NAME` (group=True)."""
        kinds = ("network-group",) if group else ("network",)
        key = f"{kinds[0]} {name}"
        if key in self._networks:
            return self._networks[key]
        definition = self._lookup(name, kinds)
        self._enter(key)
        try:
            found = Addresses(labels=[name] + ([definition.description] if definition.description else []))
            for member, args, where in definition.members:
                self._add_network_member(found, definition, member, args, where)
                if len(found.specs) > MAX_GROUP_MEMBERS:
                    raise ResolveError(f"{definition.object_path} resolves to more than {MAX_GROUP_MEMBERS} addresses")
        finally:
            self._resolving.discard(key)
        self._networks[key] = found
        return found

    def _add_network_member(self, found: Addresses, definition: _Definition, member: str, args: str, where: Location) -> None:
        words = args.split()
        if member == "host" or (member == "network-object" and words[:1] == ["host"] and len(words) == 2):
            spec = network_spec(self.alias(words[-1]))
        elif member == "subnet" or (member == "network-object" and len(words) in (1, 2) and words[0] != "object"):
            spec = network_spec(self.alias(words[0]), words[1] if len(words) == 2 else None)
        elif member == "range" and len(words) == 2:
            first, last = network_spec(words[0]), network_spec(words[1])
            spec = f"{first}-{last}" if first and last else None
        elif member == "fqdn":
            found.opaque.append(f"{definition.object_path} is the DNS name {words[-1]} (line {where.line}), resolved only at run time")
            return
        elif member == "network-object" and words[0] == "object" and len(words) == 2:
            self._merge(found, self.network(words[1], group=False))
            return
        elif member == "group-object" and definition.kind == "network-group":
            self._merge(found, self.network(args, group=True))
            return
        else:
            raise ResolveError(f"{definition.object_path} has a member the linter does not read: {member} {args} (line {where.line})")
        if spec is None:
            raise ResolveError(f"{definition.object_path} has an invalid address: {member} {args} (line {where.line})")
        if spec in ("0.0.0.0/0", "::/0"):
            found.any = True
        found.specs.append(spec)

    @staticmethod
    def _merge(found: Addresses, other: Addresses) -> None:
        found.specs.extend(other.specs)
        found.any = found.any or other.any
        found.opaque.extend(other.opaque)
        found.labels.extend(other.labels)

    def services(self, name: str, group: bool) -> list[Service]:
        """The services of `object NAME` or `object-group NAME` (service or protocol group)."""
        kinds = ("service-group", "protocol-group") if group else ("service",)
        key = f"services {name}"
        if key in self._services:
            return self._services[key]
        definition = self._lookup(name, kinds)
        self._enter(key)
        try:
            found: list[Service] = []
            for member, args, where in definition.members:
                found.extend(self._service_member(definition, member, args, where))
                if len(found) > MAX_GROUP_MEMBERS:
                    raise ResolveError(f"{definition.object_path} resolves to more than {MAX_GROUP_MEMBERS} services")
        finally:
            self._resolving.discard(key)
        self._services[key] = found
        return found

    def _service_member(self, definition: _Definition, member: str, args: str, where: Location) -> list[Service]:
        words = args.split()
        try:
            if member == "service" and definition.kind == "service":
                return [parse_service_words(words)]
            if member == "service-object" and words[:1] == ["object"] and len(words) == 2:
                return self.services(words[1], group=False)
            if member == "service-object":
                return [parse_service_words(words)]
            if member == "port-object" and definition.protocol:
                specs, end = parse_ports(words, 0, definition.protocol)
                if end != len(words):
                    raise ValueError(f"unexpected {words[end]!r}")
                return [Service(protocols_of(definition.protocol), specs)]
            if member == "protocol-object" and definition.kind == "protocol-group":
                return [Service(protocols_of(args))]
            if member == "group-object":
                return self.services(args, group=True)
        except ValueError as error:
            raise ResolveError(f"{definition.object_path}: {member} {args} (line {where.line}): {error}") from None
        raise ResolveError(f"{definition.object_path} has a member the linter does not read: {member} {args} (line {where.line})")

    def port_group(self, name: str, protocol: str) -> tuple[str, ...]:
        """Port ranges of a service group used as an ACL port operand (`eq` replaced by
        `object-group TCP_PORTS` after an address)."""
        ranges: list[str] = []
        for service in self.services(name, group=True):
            if service.dst_ports is None:
                return ("0:65535",)
            ranges.extend(service.dst_ports)
        return tuple(ranges)
