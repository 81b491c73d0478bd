"""An ASA configuration as a firewall `Device`: ingress interfaces as listeners, permit entries
as pools, the session idle timer and its MPF overrides.

- A listener per `access-group ACL in interface IF`: its entries, then those of `access-group
  G global` (checked after the interface's own rules, Cisco ASA firewall configuration guide,
  "Access Rules": global rules follow interface rules), then the implicit deny. With only a global
  ACL, one listener stands for every interface. An interface without an ACL (and no global one)
  lets nothing in from a lower security level, so it has no listener.
- Binds: one per destination a permit entry allows on TCP 443 (and 80), Exchange-looking first,
  at most MAX_BINDS per listener. The destination interface is not tested: ACLs name real
  (untranslated) destination addresses since ASA 8.3, and the entry's destination decides.
- A pool per permit entry (per entry and interface when the ACL is applied on several), whose
  timer is `timeout conn` (or its default), overridden by pool steps from the MPF classes: the
  global service policy first, then the interface's, so the interface policy wins.
- `access-group ... out` filters on the way out, which depends on routing the linter does not
  model: reported as cannot verify (EAS003) instead of being silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.model import (ALWAYS, Action, ActionKind, Bind, Diagnostic, Level, Listener, Location, Opaque, Pool, Step,
                          Timer, TimerKind)
from linter.scope import exchange_word
from parsers.asa.acl import AclEntry, AclParser, AclSyntaxError, allows_port, representative
from parsers.asa.lexer import Block, Line
from parsers.asa.mpf import ClassConditions, HttpInspection, MpfTable, timer_steps
from parsers.asa.objects import Addresses, ObjectTable, ResolveError, network_spec
from parsers.asa.values import CONN_SETTINGS_DOC, DEFAULT_CONN_TIMEOUT, MAX_TIMEOUT, MIN_CONN_TIMEOUT, format_duration, parse_duration

MAX_BINDS = 256
PROBED_PORTS = (443, 80)
MODE_SOURCE = "Cisco ASA access rules filter by address and port; the ASA does not decrypt TLS"


@dataclass
class Interface:
    nameif: str
    location: Location
    address: str | None = None
    security_level: int | None = None
    description: str | None = None


@dataclass
class AccessGroup:
    acl: str
    interface: str | None  # None for global
    location: Location
    text: str


@dataclass
class Config:
    """What the dispatcher collected, before it is turned into a device."""

    file: str
    objects: ObjectTable
    mpf: MpfTable
    interfaces: dict[str, Interface] = field(default_factory=dict)
    acl_lines: list[Line] = field(default_factory=list)
    access_groups: list[AccessGroup] = field(default_factory=list)
    conn_timeout: tuple[int, str, Line] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def at(self, line: Line) -> Location:
        return Location(self.file, line.number)

    def report(self, code: str, level: Level, message: str, line: Line, path: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, level, message, self.at(line), path, line.text))

    # -- the commands read here ------------------------------------------------------------------

    def interface(self, block: Block) -> None:
        found: dict[str, str | int | None] = {}
        for child in block.children:
            words = child.words
            if words[0] == "nameif" and len(words) == 2:
                found["nameif"] = words[1]
            elif words[0] == "security-level" and len(words) == 2 and words[1].isdigit():
                found["security_level"] = int(words[1])
            elif words[:2] == ["ip", "address"] and len(words) >= 4:
                found["address"] = network_spec(words[2])
            elif words[:2] == ["ip", "address"] and len(words) >= 3:
                found["address"] = None  # dhcp, pppoe: not a static address
            elif words[0] == "description":
                found["description"] = child.text.split(None, 1)[1] if len(words) > 1 else ""
        name = found.get("nameif")
        if isinstance(name, str):
            self.interfaces[name] = Interface(name, self.at(block.head), found.get("address"),  # type: ignore[arg-type]
                                              found.get("security_level"), found.get("description"))  # type: ignore[arg-type]

    def timeout(self, block: Block) -> None:
        """`timeout conn hh:mm:ss [half-closed ...] [udp ...] ...`: only `conn` bears on TCP idle."""
        words = block.words
        for index, word in enumerate(words[1:-1], 1):
            if word != "conn":
                continue
            raw = words[index + 1]
            seconds = parse_duration(raw)
            if seconds is None or seconds > MAX_TIMEOUT or 0 < seconds < MIN_CONN_TIMEOUT:
                self.report("EAS001", Level.ERROR, f"the ASA refuses 'timeout conn {raw}': it takes 0:5:0 to 1193:0:0, "
                            f"or 0 for never ({CONN_SETTINGS_DOC})", block.head)
                return
            self.conn_timeout = (seconds, raw, block.head)
        for child in block.children:
            self.report("EAS002", Level.WARNING, "unexpected line under 'timeout'", child)

    def access_group(self, block: Block) -> None:
        words = block.words
        line = block.head
        for child in block.children:
            self.report("EAS002", Level.WARNING, "unexpected line under 'access-group'", child)
        if len(words) == 3 and words[2] == "global":
            self.access_groups.append(AccessGroup(words[1], None, self.at(line), line.text))
        elif len(words) >= 5 and words[2] == "in" and words[3] == "interface":
            if words[5:] not in ([], ["per-user-override"], ["control-plane"]):
                self.report("EAS002", Level.WARNING, "unrecognized access-group option", line)
            elif "control-plane" not in words:  # to-the-box traffic: not a path to Exchange
                self.access_groups.append(AccessGroup(words[1], words[4], self.at(line), line.text))
        elif len(words) == 5 and words[2] == "out" and words[3] == "interface":
            self.report("EAS003", Level.WARNING, f"'{line.text}' filters connections leaving {words[4]}, which depends on "
                        "routing the linter does not model; ActiveSync connections leaving there are judged without it", line)
        else:
            self.report("EAS002", Level.WARNING, "unrecognized access-group command", line)

    # -- the conn timer --------------------------------------------------------------------------

    def explicit_timer(self) -> Timer | None:
        if self.conn_timeout is None:
            return None
        seconds, raw, line = self.conn_timeout
        return Timer(TimerKind.SESSION_IDLE, seconds or None, "timeout conn",
                     f"timeout conn {raw} (global), line {line.number}", True, self.at(line), "global timeout", raw)

    @staticmethod
    def default_timer(pool_path: str, location: Location) -> Timer:
        return Timer(TimerKind.SESSION_IDLE, DEFAULT_CONN_TIMEOUT, "timeout conn",
                     f"timeout conn not set: ASA default {format_duration(DEFAULT_CONN_TIMEOUT)} ({CONN_SETTINGS_DOC})",
                     False, location, pool_path)


def read_acls(config: Config) -> dict[str, list[AclEntry]]:
    """Every extended entry, by ACL, in order; remarks label the next entry."""
    parser = AclParser(config.objects, {name: interface.address for name, interface in config.interfaces.items()})
    entries: dict[str, list[AclEntry]] = {}
    positions: dict[str, int] = {}
    remarks: dict[str, list[str]] = {}
    for line in config.acl_lines:
        words = line.words
        if len(words) >= 4 and words[2] == "line" and words[3].isdigit():
            words = words[:2] + words[4:]
        if len(words) < 3:
            config.report("EAS002", Level.WARNING, "unrecognized access-list command", line)
            continue
        name, kind = words[1], words[2]
        positions[name] = positions.get(name, 0) + 1
        if kind == "remark":
            remarks.setdefault(name, []).append(" ".join(words[3:]))
            continue
        if kind in ("standard", "webtype", "ethertype"):
            continue  # VPN split tunnels, clientless VPN and layer-2 filters: not TCP to Exchange
        if kind != "extended":
            config.report("EAS002", Level.WARNING, f"unrecognized access-list type {kind!r}", line)
            continue
        text = " ".join(words[2:])
        location = config.at(line)
        try:
            entry = parser.entry(name, positions[name], text, location, tuple(remarks.pop(name, ())))
        except ResolveError as error:
            config.report("EAS001", Level.ERROR, f"the ASA refuses this access-list entry: {error}", line, f"access-list {name}")
            continue
        except AclSyntaxError as error:
            config.report("EAS002", Level.WARNING, f"unrecognized access-list entry ({error}); it is kept as a rule "
                          "that cannot be verified", line, f"access-list {name}")
            entry = _unreadable_entry(name, positions[name], text, location, str(error))
            if entry is None:
                continue
        entries.setdefault(name, []).append(entry)
    return entries


def _unreadable_entry(acl: str, position: int, text: str, location: Location, why: str) -> AclEntry | None:
    words = text.split()
    if len(words) < 2 or words[1] not in ("permit", "deny"):
        return None
    return AclEntry(acl, position, words[1] == "permit", text, location,
                    Opaque(f"access-list entry the linter cannot read: {why}", location, text), (), Addresses(),
                    False, ())


@dataclass
class _Ingress:
    name: str
    object_path: str
    location: Location
    entries: list[AclEntry]
    acl_names: list[str]
    interface: str | None
    labels: tuple[str, ...]


def build(config: Config) -> tuple[list[Listener], list[Pool]]:
    acls = read_acls(config)
    conditions = ClassConditions(config.mpf, acls)
    inspection = HttpInspection(config.mpf, conditions)
    config.mpf.check_references()
    ingresses = _ingresses(config, acls)
    uses: dict[str, int] = {}
    for ingress in ingresses:
        for acl in ingress.acl_names:
            uses[acl] = uses.get(acl, 0) + 1
    explicit = config.explicit_timer()
    listeners: list[Listener] = []
    pools: list[Pool] = []
    for ingress in ingresses:
        interface_policy = config.mpf.interface_policies.get(ingress.interface or "")
        steps: list[Step] = []
        steps += inspection.steps(config.mpf.global_policy, "inspect http (global policy)")
        steps += inspection.steps(interface_policy, f"inspect http (interface {ingress.interface})")
        shared_steps = None
        if explicit is not None:
            shared_steps = _mpf_steps(config, conditions, interface_policy, ingress, explicit)
        binds: list[tuple[bool, Bind]] = []
        for entry in ingress.entries:
            if entry.inactive:
                continue
            if not entry.permit:
                steps.append(Step(entry.condition, Action(ActionKind.DENY, detail="deny"), entry.location, "access-list",
                                  f"access-list {entry.acl} line {entry.position}: {entry.text}"))
                continue
            shared = uses.get(entry.acl, 0) > 1 and ingress.interface is not None
            name = f"{entry.acl} line {entry.position}" + (f" on {ingress.interface}" if shared else "")
            path = entry.object_path + (f" on interface {ingress.interface}" if shared else "")
            base = explicit or Config.default_timer(path, entry.location)
            pool_steps = shared_steps if shared_steps is not None else _mpf_steps(config, conditions, interface_policy, ingress, base)
            pools.append(Pool(name, path, entry.location, False, steps=pool_steps, timers=(base,), labels=entry.labels))
            steps.append(Step(entry.condition, Action(ActionKind.ROUTE, pool=name, detail="permit"), entry.location,
                              "access-list", f"access-list {entry.acl} line {entry.position}: {entry.text}"))
            binds.extend(_binds(entry))
        steps.append(Step(ALWAYS, Action(ActionKind.DENY, detail="implicit deny"), ingress.location, "access-list",
                          f"implicit deny at the end of {' and '.join(f'access-list {name}' for name in ingress.acl_names)}"))
        listeners.append(Listener(ingress.name, ingress.object_path, ingress.location, False,
                                  MODE_SOURCE,
                                  binds=_ranked_binds(binds), steps=tuple(steps), labels=ingress.labels))
    return listeners, pools


def _mpf_steps(config: Config, conditions: ClassConditions, interface_policy, ingress: _Ingress, base: Timer) -> tuple[Step, ...]:
    global_steps = timer_steps(config.mpf, conditions, config.mpf.global_policy, "service-policy global", base)
    interface_steps = timer_steps(config.mpf, conditions, interface_policy, f"service-policy interface {ingress.interface}", base)
    return global_steps + interface_steps


def _ingresses(config: Config, acls: dict[str, list[AclEntry]]) -> list[_Ingress]:
    groups = []
    for group in config.access_groups:
        if group.acl not in acls:
            config.diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"the ASA refuses '{group.text}': access-list "
                                                 f"{group.acl} has no extended entries", group.location, None, group.text))
        elif group.interface is not None and group.interface not in config.interfaces and config.interfaces:
            config.diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"the ASA refuses '{group.text}': no interface has "
                                                 f"nameif {group.interface}", group.location, None, group.text))
        else:
            groups.append(group)
    global_group = next((group for group in reversed(groups) if group.interface is None), None)
    global_entries = acls[global_group.acl] if global_group else []
    ingresses = []
    seen: set[str] = set()
    for group in groups:
        if group.interface is None or group.interface in seen:
            continue
        seen.add(group.interface)
        interface = config.interfaces.get(group.interface)
        labels = [group.interface] + ([interface.description] if interface and interface.description else [])
        if interface and interface.security_level is not None:
            labels.append(f"security-level {interface.security_level}")
        ingresses.append(_Ingress(group.interface, f"access-group {group.acl} in interface {group.interface}", group.location,
                                  acls[group.acl] + global_entries,
                                  [group.acl] + ([global_group.acl] if global_group else []), group.interface, tuple(labels)))
    if global_group is not None:
        others = sorted(set(config.interfaces) - seen)
        if others or not seen:
            ingresses.append(_Ingress("global", f"access-group {global_group.acl} global", global_group.location,
                                      global_entries, [global_group.acl], None, tuple(others)))
    return ingresses


def _binds(entry: AclEntry) -> list[tuple[bool, Bind]]:
    exchange = any(exchange_word(label) for label in entry.labels)
    found = []
    for port in PROBED_PORTS:
        if not allows_port(entry, port):
            continue
        # probes come from an IPv4 Internet address, so IPv6 destinations are not entry points
        specs = [spec for spec in dict.fromkeys(entry.destinations.specs) if ":" not in spec]
        addresses = [None] if entry.destinations.any else [representative(spec) for spec in specs]
        for address in addresses:
            found.append((exchange, Bind(address, port, False, entry.location)))
    return found


def _ranked_binds(binds: list[tuple[bool, Bind]]) -> tuple[Bind, ...]:
    """Distinct binds, Exchange-looking first, at most MAX_BINDS."""
    chosen: dict[tuple[str | None, int | None], Bind] = {}
    for _, bind in sorted(binds, key=lambda item: not item[0]):
        chosen.setdefault((bind.address, bind.port), bind)
        if len(chosen) >= MAX_BINDS:
            break
    return tuple(chosen.values())
