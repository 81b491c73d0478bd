"""FortiGate firewall policies as listeners (ingress interfaces), steps (policies) and pools.

Per VDOM, every interface or zone named in a policy's `srcintf` is a `Listener`: the place a
connection from the Internet enters. Its steps are the enabled policies whose `srcintf`
names it (or `any`), in the order of the table ("policies are evaluated top-down", FortiOS
Administration Guide, "Policy views and policy lookup"; the `edit` ids give no order, `move`
does), then the implicit deny (policy 0). A policy matches on:

- `srcaddr` against the client's address (the probe comes from the Internet) and `dstaddr`
  against the address it connects to; a VIP in `dstaddr` matches its `extip` (objects.py);
- `service` against TCP and the destination port;
- `-negate` settings invert their part;
- what cannot be known offline is `Opaque`: users and groups, Internet Service Database
  objects, a `schedule` other than `always`, application and URL-category matches.

`dstintf` is not tested: the route to the destination decides it, and the destination address
(or the VIP) already says where the session goes. A deny policy does not match sessions to a
VIP unless it sets `match-vip enable` or names the VIP (FortiOS CLI reference, `match-vip`:
"Enable to match packets that have had their destination addresses changed by a VIP"; the
default is disable). `action` defaults to `deny` (CLI reference); `ipsec` accepts into a tunnel.

A firewall policy is layer 4: even with an IPS or application-control profile and deep
inspection (not modelled), the linter does not count on it to refuse apps by User-Agent, so
every listener is `l7=False` and the blocking rules say so (EAS207).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.model import (
    ALWAYS,
    Action,
    ActionKind,
    All,
    Bind,
    Condition,
    Diagnostic,
    Level,
    Listener,
    Location,
    Match,
    MatchOp,
    Not,
    Opaque,
    Pool,
    Step,
)
from linter.scope import exchange_word
from parsers.fortigate import known
from parsers.fortigate.objects import (
    DST,
    ObjectTables,
    Resolved,
    as_source,
    service_ports,
)
from parsers.fortigate.paths import policy_path
from parsers.fortigate.sessions import TtlContext, policy_timers
from parsers.fortigate.tree import Block, Entry

MAX_BINDS = 256
MODE_SOURCE = "FortiGate firewall policy: layer 4 (addresses, services, ports); HTTP inside TLS is not inspected"
_OPAQUE_SETTINGS = {
    "users": "the policy applies only to authenticated users",
    "groups": "the policy applies only to authenticated user groups",
    "fsso-groups": "the policy applies only to FSSO user groups",
    "application": "the policy matches applications (NGFW mode)",
    "app-category": "the policy matches application categories (NGFW mode)",
    "app-group": "the policy matches application groups (NGFW mode)",
    "url-category": "the policy matches URL categories (NGFW mode)",
}


@dataclass
class VdomTables:
    """The blocks of one VDOM that the policies read."""

    name: str | None  # the VDOM's name when VDOMs are enabled
    policies: Block | None
    objects: ObjectTables
    ttl: TtlContext
    interfaces: dict[str, Entry]
    zones: dict[str, Entry]
    ports_cache: dict[Condition, frozenset[int]] = field(default_factory=dict)
    source_cache: dict[tuple[str, ...], Condition] = field(default_factory=dict)


@dataclass
class _Rule:
    entry: Entry
    path: str
    step: Step
    pool: Pool | None
    srcintf: list[str]
    binds: list[tuple[Bind, bool]]  # with whether its objects look like Exchange


def _check_keys(entry: Entry, modelled: frozenset[str], ignored: frozenset[str], owner: str, file: str,
                diagnostics: list[Diagnostic]) -> None:
    for key, setting in entry.settings.items():
        if key not in modelled and key not in ignored:
            diagnostics.append(Diagnostic("EAS002", Level.WARNING, f"unrecognized setting '{key}' in {owner}",
                                          Location(file, setting.line), owner, setting.text))


def _label(entry: Entry) -> str:
    return entry.value("name") or ""


def _policy_condition(tables: VdomTables, entry: Entry, path: str, action: str) -> tuple[Condition, Resolved, Resolved, list]:
    objects = tables.objects
    location = Location(objects.file, entry.line)
    terms: list[Condition] = []

    def line_of(key: str) -> int:
        return entry.settings[key].line if key in entry.settings else entry.line

    if entry.value("internet-service-src") == "enable":
        terms.append(Opaque("the source is an Internet Service Database object", Location(objects.file, line_of("internet-service-src"))))
    else:
        names = tuple(entry.values("srcaddr") or ["all"])
        condition = tables.source_cache.get(names)
        if condition is None:
            source = objects.addresses_of(list(names), path, line_of("srcaddr"), "srcaddr")
            condition = tables.source_cache[names] = as_source(source.condition)
        terms.append(Not(condition) if entry.value("srcaddr-negate") == "enable" else condition)
    if entry.value("internet-service") == "enable":
        destination = Resolved(Opaque("the destination is an Internet Service Database object",
                                      Location(objects.file, line_of("internet-service"))))
        terms.append(destination.condition)
    else:
        destination = objects.addresses_of(entry.values("dstaddr") or ["all"], path, line_of("dstaddr"), "dstaddr")
        condition = destination.condition
        terms.append(Not(condition) if entry.value("dstaddr-negate") == "enable" else condition)
        names_vip = objects.vips is not None and any(name in objects.vips.entries for name in destination.names)
        extips = objects.vip_extips()
        if action == "deny" and entry.value("match-vip") != "enable" and extips and not names_vip:
            terms.append(Not(Match(DST, MatchOp.IP, tuple(extips), text="VIP external addresses (match-vip disable)")))
    services, with_ttl = objects.services_of(entry.values("service") or [], path, line_of("service"))
    if not entry.values("service") and entry.value("internet-service") != "enable":
        terms.append(Opaque("the policy names no service (FortiOS refuses it)", location))
    terms.append(Not(services.condition) if entry.value("service-negate") == "enable" else services.condition)
    schedule = entry.value("schedule", "always")
    if schedule != "always":
        terms.append(Opaque(f"schedule '{schedule}': the policy applies only at the times it names", Location(objects.file, line_of("schedule"))))
    for key, reason in _OPAQUE_SETTINGS.items():
        if entry.values(key):
            terms.append(Opaque(f"{reason} ({key} {' '.join(entry.values(key))})", Location(objects.file, line_of(key))))
    condition = All(tuple(term for term in terms if term != ALWAYS))
    return condition, destination, services, with_ttl


def _binds(tables: VdomTables, location: Location, entry: Entry, destination: Resolved, services: Resolved,
           labels: list[str]) -> list[tuple[Bind, bool]]:
    """One bind per destination and probe port the policy lets through; a network or range
    stands for itself by its first usable host."""
    allowed = tables.ports_cache.get(services.condition)
    if allowed is None:
        allowed = tables.ports_cache[services.condition] = frozenset(service_ports(services.condition))
    ports = sorted(allowed, key=lambda port: port != 443)
    if not ports:
        return []
    marked_policy = any(exchange_word(label) for label in labels)
    destinations = destination.destinations
    if entry.value("dstaddr-negate") == "enable" or not destinations:
        addresses: list[tuple[str | None, bool]] = [(None, marked_policy)]
    else:
        addresses = [(dest.address, marked_policy or any(exchange_word(name) for name in dest.names)) for dest in destinations]
    binds = []
    for address, marked in addresses:
        for port in ports:
            binds.append((Bind(address, port, False, location), marked))
    return binds


def _rule(tables: VdomTables, entry: Entry, diagnostics: list[Diagnostic]) -> _Rule | None:
    objects = tables.objects
    path = policy_path(entry.name, entry.value("name"), tables.name)
    _check_keys(entry, known.POLICY_MODELLED, known.POLICY_IGNORED, path, objects.file, diagnostics)
    for block in entry.blocks.values():
        diagnostics.append(Diagnostic("EAS002", Level.WARNING, f"unrecognized block 'config {block.path}' in {path}",
                                      Location(objects.file, block.line), path, f"config {block.path}"))
    if entry.value("status", "enable") == "disable":
        return None
    action = entry.value("action", "deny") or "deny"
    condition, destination, services, with_ttl = _policy_condition(tables, entry, path, action)
    location = Location(objects.file, entry.line)
    summary = (f"{path}: {action} srcaddr {' '.join(entry.values('srcaddr')) or 'all'} dstaddr {' '.join(entry.values('dstaddr')) or 'all'} "
               f"service {' '.join(entry.values('service')) or '-'}")
    srcintf = entry.values("srcintf") or ["any"]
    if action in ("accept", "ipsec"):
        pool_name = f"{tables.name or 'root'}/policy {entry.name}"
        labels = [text for text in (_label(entry), entry.value("comments")) if text]
        labels += list(destination.names) + list(destination.comments) + list(services.names)
        timers, steps = policy_timers(tables.ttl, entry, path, with_ttl)
        pool = Pool(pool_name, path, location, False, timers=timers, steps=steps, labels=tuple(dict.fromkeys(labels)))
        step = Step(condition, Action(ActionKind.ROUTE, pool=pool_name, detail="permit"), location, "firewall-policy", summary)
        binds = _binds(tables, location, entry, destination, services, labels)
        return _Rule(entry, path, step, pool, srcintf, binds)
    if action != "deny":
        diagnostics.append(Diagnostic("EAS002", Level.WARNING, f"unrecognized action '{action}' in {path}",
                                      Location(objects.file, entry.settings["action"].line), path, entry.settings["action"].text))
    step = Step(condition, Action(ActionKind.DENY, detail=f"deny ({path})"), location, "firewall-policy", summary)
    return _Rule(entry, path, step, None, srcintf, [])


def _listener_location(tables: VdomTables, name: str, rules: list[_Rule]) -> Location:
    entry = tables.interfaces.get(name) or tables.zones.get(name)
    if entry is not None:
        return Location(tables.objects.file, entry.line)
    first = next((rule for rule in rules if name in rule.srcintf), rules[0])
    return Location(tables.objects.file, first.entry.line)


def _interface_labels(tables: VdomTables, name: str) -> tuple[str, ...]:
    entry = tables.interfaces.get(name) or tables.zones.get(name)
    if entry is None:
        return (name,)
    return tuple(dict.fromkeys([name] + [text for key in ("alias", "description") if (text := entry.value(key))]))


def build_policies(tables: VdomTables, diagnostics: list[Diagnostic]) -> tuple[list[Listener], list[Pool]]:
    """The listeners and pools of one VDOM."""
    block = tables.policies
    if block is None:
        return [], []
    rules = [rule for rule in (_rule(tables, entry, diagnostics) for entry in block.ordered_entries()) if rule is not None]
    if not rules:
        return [], []
    interfaces = list(dict.fromkeys(name for rule in rules for name in rule.srcintf if name != "any")) or ["any"]
    deny_location = Location(tables.objects.file, block.end_line or block.line)
    implicit = Step(ALWAYS, Action(ActionKind.DENY, detail="implicit deny (policy 0)"), deny_location, "firewall-policy",
                    "implicit deny (policy 0): no policy matched")
    suffix = f" (vdom {tables.name})" if tables.name else ""
    listeners = []
    for name in interfaces:
        own = [rule for rule in rules if name in rule.srcintf or "any" in rule.srcintf]
        binds: dict[tuple[str | None, int | None], tuple[Bind, bool]] = {}
        for rule in own:
            for bind, marked in rule.binds:
                binds.setdefault((bind.address, bind.port), (bind, marked))
        ranked = sorted(binds.values(), key=lambda item: (not item[1], item[0].address is None))
        ordered = [bind for bind, _ in ranked[:MAX_BINDS]]
        path = f"srcintf {name}{suffix}" if name != "any" else f"srcintf any{suffix}"
        listeners.append(Listener(path, path, _listener_location(tables, name, rules), False, MODE_SOURCE,
                                  binds=tuple(ordered), steps=tuple(rule.step for rule in own) + (implicit,),
                                  labels=_interface_labels(tables, name)))
    pools = [rule.pool for rule in rules if rule.pool is not None]
    return listeners, pools
