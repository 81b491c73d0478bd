"""Names in security rules resolved to what they match: addresses, services, applications.

A rule in a vsys (or a Panorama device group) sees that scope's objects first, then the shared
ones (PAN-OS object resolution; a device group's parent groups are not read, so a name defined
only there is reported as undefined). Groups are followed recursively, with a depth limit and a
guard against cycles, and every object and group name met on the way is kept as a label, so a
rule toward the group `EXCHANGE-SERVERS` counts as Exchange.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from linter.model import Location
from parsers.panos.tree import Node

MAX_GROUP_DEPTH = 32
PREDEFINED_SERVICES = {
    # Predefined service objects of PAN-OS (Objects > Services: service-http is TCP 80 and 8080,
    # service-https TCP 443).
    "service-http": ("tcp", ("80", "8080")),
    "service-https": ("tcp", ("443",)),
}
MALICIOUS_IP_LISTS = frozenset({"panw-highrisk-ip-list", "panw-known-ip-list", "panw-bulletproof-ip-list"})
"""Predefined external dynamic lists of known malicious hosts (PAN-OS "Built-in External Dynamic
Lists"): a legitimate ActiveSync client or the Exchange server is not on them."""
_REGION = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class AddressItem:
    """One resolved address: `spec` for an IP match ("10.1.1.5", "10.0.0.0/24", "a-b"), or why it
    cannot be evaluated (`opaque`), or why it matches no legitimate host (`never`)."""

    spec: str | None = None
    representative: str | None = None  # the address a probe is sent to
    opaque: str | None = None
    never: str | None = None
    location: Location | None = None  # where an opaque object is defined


@dataclass(frozen=True)
class ServiceOverride:
    seconds: int
    raw: str
    location: Location
    service: str  # object path of the service


@dataclass(frozen=True)
class ServiceItem:
    name: str
    protocol: str
    ports: tuple[str, ...]  # "443" or "8000:8100", as `MatchOp.INT` takes them
    location: Location
    object_path: str
    source_port: str | None = None
    override: ServiceOverride | None = None


@dataclass(frozen=True)
class CustomApp:
    name: str
    object_path: str
    location: Location
    tcp_ports: tuple[str, ...]
    timeout_setting: str | None  # "tcp-timeout" or "timeout"
    timeout_raw: str | None
    timeout_location: Location | None
    has_signature: bool


@dataclass
class Resolution:
    """What a rule's member list resolves to, with names met on the way and undefined names."""

    addresses: list[AddressItem] = field(default_factory=list)
    services: list[ServiceItem] = field(default_factory=list)
    predefined_apps: list[str] = field(default_factory=list)
    custom_apps: list[CustomApp] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)  # reasons for members that cannot be evaluated
    labels: list[str] = field(default_factory=list)
    undefined: list[str] = field(default_factory=list)


def representative(network: ipaddress.IPv4Network | ipaddress.IPv6Network, written: str) -> str:
    """The address a probe goes to: the written host when it is one, else the first usable host."""
    host = ipaddress.ip_address(written)
    if host != network.network_address or network.num_addresses == 1:
        return str(host)
    return str(next(network.hosts(), network.network_address))


def literal_address(value: str) -> AddressItem | None:
    """An address written in the rule itself ("10.1.1.5", "10.0.0.0/24", "10.0.0.1-10.0.0.20")."""
    try:
        if "-" in value:
            first, _, last = value.partition("-")
            low, high = ipaddress.ip_address(first), ipaddress.ip_address(last)
            if low.version != high.version or low > high:
                return None
            return AddressItem(spec=f"{low}-{high}", representative=str(low))
        address, _, _ = value.partition("/")
        network = ipaddress.ip_network(value, strict=False)
        spec = str(network.network_address) if network.num_addresses == 1 else str(network)
        return AddressItem(spec=spec, representative=representative(network, address))
    except ValueError:
        return None


def parse_ports(text: str) -> tuple[str, ...] | None:
    """A PAN-OS port list ("80,443", "8000-8100") as INT match specs; None if unreadable."""
    specs = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            return None
        specs.append(f"{int(low)}:{int(high)}" if dash else str(int(low)))
    return tuple(specs)


class Resolver:
    """Object lookup for one vsys or device group (`scopes`: its own node first, then shared)."""

    def __init__(self, file: str, scopes: list[tuple[Node, str]], report: Callable[[str, Location, str | None], None]) -> None:
        self.file = file
        self.scopes = [(node, label) for node, label in scopes if node is not None]
        self.report = report  # (message, location, object path): an unreadable value in an object
        self.resolved: dict[int, AddressItem] = {}  # address objects are shared by many rules: read each once

    def _location(self, node: Node) -> Location:
        return Location(self.file, node.line)

    def _lookup(self, kind: str, name: str) -> tuple[Node, str] | None:
        for scope, label in self.scopes:
            container = scope.child(kind)
            found = container.entry(name) if container is not None else None
            if found is not None:
                return found, label
        return None

    # -- addresses ---------------------------------------------------------------------------------

    def addresses(self, values: list[str]) -> Resolution:
        result = Resolution()
        for value in values:
            self._address(value, result, 0, set())
        return result

    def _address(self, value: str, result: Resolution, depth: int, seen: set[str]) -> None:
        if value in seen or depth > MAX_GROUP_DEPTH:
            result.addresses.append(AddressItem(opaque=f"address group nesting of {value!r} loops or is deeper than {MAX_GROUP_DEPTH}"))
            return
        found = self._lookup("address", value)
        if found is not None:
            result.labels += [value] + [text for text in (found[0].value("description"),) if text]
            key = id(found[0])
            if key not in self.resolved:
                self.resolved[key] = self._address_object(*found)
            result.addresses.append(self.resolved[key])
            return
        group = self._lookup("address-group", value)
        if group is not None:
            node, scope = group
            result.labels += [value] + [text for text in (node.value("description"),) if text]
            if node.child("dynamic") is not None:
                result.addresses.append(AddressItem(opaque=f"dynamic address group {value!r} ({scope}): its members "
                                                           f"come from tags at run time", location=self._location(node)))
                return
            for member in node.member_values("static"):
                self._address(member, result, depth + 1, seen | {value})
            return
        if self._lookup("external-list", value) is not None:
            result.labels.append(value)
            result.addresses.append(AddressItem(opaque=f"external dynamic list {value!r}: its addresses are fetched at run time"))
            return
        if value in MALICIOUS_IP_LISTS:
            result.addresses.append(AddressItem(never=f"predefined list {value} (known malicious hosts)"))
            return
        literal = literal_address(value)
        if literal is not None:
            result.addresses.append(literal)
            return
        if _REGION.match(value):
            result.addresses.append(AddressItem(opaque=f"region {value} (geolocation is not modelled)"))
            return
        result.undefined.append(value)
        result.addresses.append(AddressItem(opaque=f"address {value!r} is not defined in this configuration"))

    def _address_object(self, node: Node, scope: str) -> AddressItem:
        name = node.name or ""
        for kind in ("ip-netmask", "ip-range"):
            text = node.value(kind)
            if text is not None:
                item = literal_address(text)
                if item is None or (kind == "ip-range") != ("-" in text):
                    self.report(f"address {name!r} has an unreadable {kind} {text!r}", self._location(node.path(kind) or node),
                                f"address '{name}' ({scope})")
                    return AddressItem(opaque=f"address {name!r}: unreadable {kind} {text!r}")
                return item
        where = self._location(node)
        if node.value("fqdn") is not None:
            return AddressItem(opaque=f"address {name!r} is the FQDN {node.value('fqdn')} (resolved by the firewall at run time)",
                               location=where)
        if node.value("ip-wildcard") is not None:
            return AddressItem(opaque=f"address {name!r} is the wildcard mask {node.value('ip-wildcard')}", location=where)
        return AddressItem(opaque=f"address {name!r} has no address", location=where)

    # -- services ----------------------------------------------------------------------------------

    def services(self, values: list[str]) -> Resolution:
        result = Resolution()
        for value in values:
            self._service(value, result, 0, set())
        return result

    def _service(self, value: str, result: Resolution, depth: int, seen: set[str]) -> None:
        if value in seen or depth > MAX_GROUP_DEPTH:
            result.opaque.append(f"service group nesting of {value!r} loops or is deeper than {MAX_GROUP_DEPTH}")
            return
        found = self._lookup("service", value)
        if found is not None:
            result.labels.append(value)
            item = self._service_object(*found)
            if item is None:
                result.opaque.append(f"service {value!r} has no readable protocol and port")
            else:
                result.services.append(item)
            return
        group = self._lookup("service-group", value)
        if group is not None:
            result.labels.append(value)
            for member in group[0].member_values("members"):
                self._service(member, result, depth + 1, seen | {value})
            return
        if value in PREDEFINED_SERVICES:
            protocol, ports = PREDEFINED_SERVICES[value]
            result.labels.append(value)
            result.services.append(ServiceItem(value, protocol, ports, Location(self.file, 1), f"predefined service {value}"))
            return
        result.undefined.append(value)
        result.opaque.append(f"service {value!r} is not defined in this configuration")

    def _service_object(self, node: Node, scope: str) -> ServiceItem | None:
        name = node.name or ""
        object_path = f"service '{name}' ({scope})"
        protocol_node = node.child("protocol")
        if protocol_node is None or not protocol_node.children:
            return None
        protocol = protocol_node.children[0]
        port_text = protocol.value("port")
        ports = parse_ports(port_text) if port_text else None
        if ports is None:
            self.report(f"service {name!r} has an unreadable port {port_text!r}", self._location(protocol.path("port") or node),
                        object_path)
            return None
        override = None
        timeout_node = protocol.path("override", "yes", "timeout")
        if protocol.tag == "tcp" and protocol.path("override", "yes") is not None:
            raw = timeout_node.text.strip() if timeout_node is not None and timeout_node.text else None
            if raw is not None and not raw.isdigit():
                self.report(f"service {name!r} has an unreadable override timeout {raw!r}", self._location(timeout_node), object_path)
            else:
                # Override without a TCP timeout keeps the documented default of 3600 s (PAN-OS
                # "Maintain Custom Timeouts for Data Center Applications": range 1-604800, default 3600).
                where = timeout_node if timeout_node is not None else protocol.path("override", "yes")
                override = ServiceOverride(int(raw) if raw else 3600, raw or "(default 3600)",
                                           self._location(where or node), object_path)
        return ServiceItem(name, protocol.tag, ports, self._location(node), object_path, protocol.value("source-port"), override)

    # -- applications ------------------------------------------------------------------------------

    def applications(self, values: list[str]) -> Resolution:
        result = Resolution()
        for value in values:
            self._application(value, result, 0, set())
        return result

    def _application(self, value: str, result: Resolution, depth: int, seen: set[str]) -> None:
        if value in seen or depth > MAX_GROUP_DEPTH:
            result.opaque.append(f"application group nesting of {value!r} loops or is deeper than {MAX_GROUP_DEPTH}")
            return
        result.labels.append(value)
        custom = self._lookup("application", value)
        if custom is not None:
            result.custom_apps.append(self.custom_app(*custom))
            return
        group = self._lookup("application-group", value)
        if group is not None:
            for member in group[0].member_values("members"):
                self._application(member, result, depth + 1, seen | {value})
            return
        if self._lookup("application-filter", value) is not None:
            result.opaque.append(f"application filter {value!r} (App-ID attributes are not modelled)")
            return
        result.predefined_apps.append(value.lower())

    def custom_app(self, node: Node, scope: str) -> CustomApp:
        name = node.name or ""
        object_path = f"application '{name}' ({scope})"
        tcp_ports: list[str] = []
        for member in node.member_values("default", "port"):
            protocol, _, ports = member.partition("/")
            if protocol.lower() == "tcp":
                parsed = parse_ports(ports)
                if parsed is None and ports != "dynamic":
                    self.report(f"application {name!r} has an unreadable default port {member!r}", self._location(node), object_path)
                tcp_ports += parsed or ()
        setting = next((key for key in ("tcp-timeout", "timeout") if node.value(key) is not None), None)
        timeout_node = node.child(setting) if setting else None
        return CustomApp(name, object_path, self._location(node), tuple(tcp_ports), setting,
                         node.value(setting) if setting else None,
                         self._location(timeout_node) if timeout_node is not None else None,
                         node.child("signature") is not None)

    def application(self, name: str) -> CustomApp | None:
        found = self._lookup("application", name)
        return self.custom_app(*found) if found else None
