"""Virtual servers and pools as model listeners and pools.

A virtual server (`ltm virtual`) is a `Listener` with one bind, its `destination`. What it can
see of a request depends on its profiles, as on the device:

- an http (or fastHTTP) profile makes it parse HTTP; without one, or with a fastL4 profile, it
  forwards bytes (layer 4), and no rule on it can refuse an app by User-Agent;
- a client-ssl profile terminates TLS (`Bind.tls`); an http profile on a virtual that does not
  terminate TLS, on any port but 80, only ever sees TLS records: clients speak HTTPS to it;
- the client leg's idle timer comes from the tcp/fastHTTP profile in context `clientside` or
  `all`, the server leg's from `serverside` or `all`; a fastL4 virtual has one flow, one timer;
  an APM access profile adds its session `inactivity-timeout`.

Request rules run in F5's order: LTM policies before iRules in the same event (F5 K16590,
"Overview of the Local Traffic Policies feature": "policies are evaluated before iRules"),
iRules in the order the virtual lists them. A policy that selects a pool does not end
evaluation (iRules still run and can refuse or re-route), so its pool selections are placed
after the iRules' steps; `policies.policy_steps` has already made them mutually exclusive.
The virtual's `pool` is the default pool.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from linter.model import ActionKind, Bind, Listener, Location, Member, Pool, Step, Timer, TimerKind
from parsers.f5.objects import Config, Entry, partition_of, resolve
from parsers.f5.policies import policy_steps
from parsers.f5.profiles import Attached, ProfileError, access_timer, idle_timer, profile_type

# Service names tmsh writes for ports (/etc/services on the BIG-IP).
_SERVICES = {"http": 80, "https": 443, "any": None, "smtp": 25, "imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995,
             "ftp": 21, "ssh": 22, "ldap": 389, "ldaps": 636, "dns": 53, "domain": 53, "snmp": 161, "rdp": 3389,
             "http-alt": 8080, "pcsync-https": 8443}
_IP_LITERAL = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$")  # IPv4 or IPv6 text
_ANY_ADDRESSES = frozenset({"any", "any6", "0.0.0.0", "::"})
_HTTP_TYPES = frozenset({"http", "fasthttp"})
_TRANSPORT_TYPES = frozenset({"tcp", "fastl4", "fasthttp", "udp", "sctp"})
# Virtual server properties that do not change what a request meets or how long it may idle.
_IRRELEVANT = frozenset({
    "description", "source", "mask", "translate-address", "translate-port", "source-address-translation", "persist",
    "fallback-persistence", "creation-time", "last-modified-time", "metadata", "vlans", "vlans-enabled",
    "vlans-disabled", "enabled", "serverssl-use-sni", "auto-lasthop", "cmp-enabled", "connection-limit",
    "rate-limit", "rate-limit-mode", "rate-limit-src-mask", "rate-limit-dst-mask", "rate-class", "mirror", "nat64",
    "gtm-score", "syn-cookie-status", "address-status", "security-log-profiles", "service-down-immediate-action",
    "throughput-capacity", "flow-eviction-policy", "ip-intelligence-policy", "related-rules", "clone-pools",
    "app-service", "partition", "fw-enforced-policy", "fw-staged-policy", "security-nat-policy", "bwc-policy",
    "per-flow-request-access-policy", "auth", "source-port", "dhcp-relay", "l2-forward", "ip-forward", "stateless",
    "internal", "reject", "traffic-classes", "transparent-nexthop", "urldb-feed-policy", "evictionpolicy",
    "traffic-matching-criteria", "hardware-syn-cookie", "destination", "ip-protocol", "profiles", "pool", "rules",
    "policies", "disabled", "api-protection", "service-policy", "dos-profiles", "dos-status", "vs-index",
})
_NON_SERVING = frozenset({"ip-forward", "l2-forward", "reject", "dhcp-relay", "internal", "stateless"})


def parse_destination(raw: str, referrer: str, config: Config) -> tuple[str | None, int | None]:
    """Address and port of `destination /Common/10.1.1.10:443` (IPv6: `addr.port`, route domain
    `%N` dropped, ports by service name, `any` for every port or address)."""
    spec = raw.rsplit("/", 1)[-1]
    if spec.count(":") > 1 or ("." in spec and ":" in spec.rsplit(".", 1)[0]) or spec.startswith("any6."):
        address, _, port_text = spec.rpartition(".")
    else:
        address, _, port_text = spec.rpartition(":")
    address = address.split("%", 1)[0]
    port = _SERVICES.get(port_text, None) if not port_text.isdigit() else (int(port_text) or None)
    if port_text and not port_text.isdigit() and port_text not in _SERVICES:
        raise ValueError(f"unknown port '{port_text}'")
    if address in _ANY_ADDRESSES:
        return None, port
    if not _IP_LITERAL.match(address):
        named = config.virtual_addresses.get(resolve(address, referrer, config.virtual_addresses))
        found = named.value("address") if named else None
        if found is None:
            return address, port
        address = found[0].split("%", 1)[0]
        return (None if address in _ANY_ADDRESSES else address), port
    return address, port


def _labels(entry: Entry, config: Config) -> list[str]:
    labels = [entry.path]
    description = entry.value("description")
    if description:
        labels.append(description[0])
    app = entry.value("app-service")
    if app:
        labels.append(app[0])
        service = config.app_services.get(app[0])
        template = service.value("template") if service else None
        if template:
            labels.append(template[0])
    return labels


# -- pools -----------------------------------------------------------------------------------------


def _member(node_words: list[str], line: int, entry: Entry, config: Config, block: list) -> Member:
    name = node_words[0]
    spec = name.rsplit("/", 1)[-1]
    if spec.count(":") > 1 or ("." in spec and ":" in spec.rsplit(".", 1)[0]):
        host, _, port_text = spec.rpartition(".")
    else:
        host, _, port_text = spec.rpartition(":")
    address = None
    for sub in block:
        if len(sub.words) > 1 and sub.words[0] == "address":
            address = sub.words[1]
            break
    if address is None:
        node = config.nodes.get(resolve(host, entry.path, config.nodes))
        found = node.value("address") if node else None
        address = found[0] if found else host
    port = int(port_text) if port_text.isdigit() else _SERVICES.get(port_text)
    return Member(name, address.split("%", 1)[0], port, False, entry.location(line))


def _monitor_labels(entry: Entry, config: Config) -> list[str]:
    node = entry.first("monitor")
    if node is None:
        return []
    names = [word for word in node.words[1:] + node.items() if word not in ("and", "min", "of") and not word.isdigit()]
    labels = []
    for name in names:
        monitor = config.monitors.get(resolve(name, entry.path, config.monitors))
        labels.append(name)
        if monitor is not None:
            for key in ("send", "description"):
                found = monitor.value(key)
                if found:
                    labels.append(found[0])
    return labels


def build_pool(entry: Entry, config: Config) -> Pool:
    members = []
    member_labels = []
    members_node = entry.first("members")
    for node in (members_node.block or []) if members_node else []:
        if not node.words:
            continue
        member = _member(node.words, node.line, entry, config, node.block or [])
        members.append(member)
        member_labels.append(member.name.rsplit("/", 1)[-1])
        description = next((sub.words[1] for sub in node.block or [] if sub.key == "description" and len(sub.words) > 1), None)
        if description:
            member_labels.append(description)
    labels = _labels(entry, config) + member_labels + _monitor_labels(entry, config)
    return Pool(entry.path, entry.object_path, entry.location(), False, tuple(members), (), (), tuple(labels))


# -- virtual servers -------------------------------------------------------------------------------


class VirtualBuilder:
    """Builds the listeners of one device, translating each iRule once."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.known_profiles = config.profile_names()
        self._profile_types: dict[str, str | None] = {}  # by full path: thousands of virtuals share a few profiles
        self._irules: dict[str, object] = {}
        self._data_groups: Mapping[str, object] | None = None

    def report(self, code: str, message: str, location: Location, virtual: Entry, text: str | None = None) -> None:
        self.config.report(code, message, location, virtual.object_path, text)

    # -- properties -------------------------------------------------------------------------

    def _attached(self, virtual: Entry) -> list[Attached]:
        node = virtual.first("profiles")
        attached = []
        for item in node.block or [] if node else []:
            if not item.words:
                continue
            path = resolve(item.words[0], virtual.path, self.known_profiles)
            context = "all"
            for sub in item.block or []:
                if sub.key == "context" and len(sub.words) > 1:
                    context = sub.words[1]
            if path in self._profile_types:
                type_ = self._profile_types[path]
            else:
                type_ = self._profile_types[path] = profile_type(self.config, path)
            if type_ is None:
                self.report("EAS002", f"profile {item.words[0]} is neither defined in this configuration nor a built-in profile "
                            f"easlint knows: its effect on {virtual.object_path} is not evaluated", virtual.location(item.line),
                            virtual, " ".join(item.words))
            attached.append(Attached(path, type_, context, item.line))
        return attached

    def _unknown_properties(self, virtual: Entry) -> None:
        if virtual.index.keys() <= _IRRELEVANT:  # every statement's key is in the index: nothing unknown
            return
        for node in virtual.body:
            if node.words and node.words[0] not in _IRRELEVANT:
                self.report("EAS002", f"unknown ltm virtual property '{node.key}'", virtual.location(node.line), virtual, " ".join(node.words))

    # -- timers -----------------------------------------------------------------------------

    def _timers(self, virtual: Entry, attached: list[Attached]) -> list[Timer]:
        listing = " ".join(profile.describe() for profile in attached)
        transports = [profile for profile in attached if profile.type in ("tcp", "fastl4", "fasthttp")]
        timers: list[Timer] = []
        try:
            if not transports:
                implicit = Attached("/Common/tcp", "tcp", "all", virtual.stanza.line)
                for kind in (TimerKind.CLIENT_IDLE, TimerKind.SERVER_IDLE):
                    timer = idle_timer(self.config, implicit, kind, virtual, listing + " (no tcp profile listed: BIG-IP uses /Common/tcp)")
                    timers.append(timer)
            for profile in transports:
                if profile.type == "fastl4":
                    timers.append(idle_timer(self.config, profile, TimerKind.SESSION_IDLE, virtual, listing))
                    continue
                if profile.context in ("clientside", "all"):
                    timers.append(idle_timer(self.config, profile, TimerKind.CLIENT_IDLE, virtual, listing))
                if profile.context in ("serverside", "all"):
                    timers.append(idle_timer(self.config, profile, TimerKind.SERVER_IDLE, virtual, listing))
            for profile in attached:
                if profile.type == "access":
                    timers.append(access_timer(self.config, profile, virtual))
        except ProfileError as error:
            self.report("EAS001", str(error), error.location, virtual)
        except ValueError as error:
            self.report("EAS001", f"idle-timeout value '{error}' is not a number of seconds, 'indefinite' or 'immediate'",
                        virtual.location(), virtual)
        return timers

    # -- rules ------------------------------------------------------------------------------

    def _data_group_table(self) -> Mapping[str, object]:
        if self._data_groups is None:
            from parsers.f5.irules import DataGroup

            table = {}
            for path, entry in self.config.data_groups.items():
                if entry.type != "internal":
                    continue
                type_node = entry.value("type")
                records = []
                for node in entry.first("records").block or [] if entry.first("records") else []:
                    if not node.words:
                        continue
                    data = next((sub.words[1] for sub in node.block or [] if sub.key == "data" and len(sub.words) > 1), "")
                    records.append((node.words[0], data))
                table[path] = DataGroup(path, type_node[0] if type_node else "string", tuple(records), entry.location())
            self._data_groups = table
        return self._data_groups

    def _irule(self, path: str):  # -> IRuleResult
        if path not in self._irules:
            from parsers.f5.irules import translate_irule

            stanza = self.config.rules[path]
            body, body_line = stanza.body_text()
            result = translate_irule(path, body, body_line, stanza.file, self._data_group_table(), partition_of(path))
            self.config.diagnostics.extend(result.diagnostics)
            self._irules[path] = result
        return self._irules[path]

    def _rule_steps(self, virtual: Entry, has_http: bool) -> list[Step]:
        node = virtual.first("rules")
        steps: list[Step] = []
        results = []
        owners: dict[int, str] = {}
        for item in node.items() if node else []:
            path = resolve(item, virtual.path, self.config.rules)
            if path not in self.config.rules:
                if not path.startswith("/Common/_sys_"):
                    self.report("EAS001", f"iRule {item} does not exist", virtual.location(node.line), virtual, item)
                continue
            result = self._irule(path)
            if "HTTP_REQUEST" in result.events and not has_http:
                self.report("EAS001", f"iRule {path} handles HTTP_REQUEST but {virtual.object_path} has no http profile "
                            "(BIG-IP refuses it: the event requires an HTTP or FastHTTP profile)", virtual.location(node.line), virtual, item)
            results.append(result)
            owners.update({id(step): path for step in result.steps})
        if not results:
            return steps
        # The iRule translator (and pyparsing under it) is imported only for a device that has
        # iRules to translate: most virtuals of a large device have none.
        from parsers.f5.irules import combine_irules

        # Refusals of every iRule come before any pool choice: on BIG-IP a later iRule's reject
        # still refuses a request an earlier one sent to a pool (parsers.f5.irules.combine_irules).
        for step in combine_irules(results):
            if step.action.kind is ActionKind.ROUTE and step.action.pool and step.action.opaque is None:
                pool = resolve(step.action.pool, owners.get(id(step), virtual.path), self.config.pools)
                step = dataclasses.replace(step, action=dataclasses.replace(step.action, pool=pool))
            steps.append(step)
        return steps

    def _policy_steps(self, virtual: Entry) -> tuple[list[Step], list[Step], list[str]]:
        node = virtual.first("policies")
        early: list[Step] = []
        routes: list[Step] = []
        names: list[str] = []
        for item in node.items() if node else []:
            path = resolve(item, virtual.path, self.config.policies)
            entry = self.config.policies.get(path)
            if entry is None:
                self.report("EAS001", f"LTM policy {item} does not exist", virtual.location(node.line), virtual, item)
                continue
            names.append(path)
            steps = policy_steps(entry, self.config)
            early += steps.early
            routes += steps.routes
        return early, routes, names

    def _matching_criteria(self, virtual: Entry) -> tuple[str, int] | None:
        """The destination a `traffic-matching-criteria` object gives (BIG-IP 14.1+), written as
        a `destination` would be."""
        found = virtual.value("traffic-matching-criteria")
        if found is None:
            return None
        criteria = self.config.traffic_criteria.get(resolve(found[0], virtual.path, self.config.traffic_criteria))
        if criteria is None:
            self.report("EAS001", f"traffic-matching-criteria {found[0]} does not exist", virtual.location(found[1]), virtual, found[0])
            return None
        address = criteria.value("destination-address-inline")
        port = criteria.value("destination-port-inline")
        if address is None or port is None:
            self.report("EAS002", f"traffic-matching-criteria {found[0]} gives no single destination address and port: "
                        "not evaluated", virtual.location(found[1]), virtual, found[0])
            return None
        return f"{address[0]}:{port[0]}", found[1]

    # -- the listener -----------------------------------------------------------------------

    def build(self, virtual: Entry) -> Listener | None:
        keys = virtual.index.keys()
        if "disabled" in keys or not _NON_SERVING.isdisjoint(keys):
            return None
        protocol = virtual.value("ip-protocol")
        if protocol and protocol[0] not in ("tcp", "6"):
            return None
        self._unknown_properties(virtual)
        destination = virtual.value("destination") or self._matching_criteria(virtual)
        if destination is None:
            self.report("EAS001", f"{virtual.object_path} has no destination", virtual.location(), virtual)
            return None
        try:
            address, port = parse_destination(destination[0], virtual.path, self.config)
        except ValueError as error:
            self.report("EAS001", f"destination {destination[0]}: {error}", virtual.location(destination[1]), virtual, destination[0])
            return None
        attached = self._attached(virtual)
        types = {profile.type for profile in attached}
        has_http = bool(types & _HTTP_TYPES)
        tls = "client-ssl" in types
        fastl4 = "fastl4" in types
        if fastl4:
            l7, mode = False, "fastL4 profile: layer-4 forwarding, HTTP is not parsed"
        elif not has_http:
            l7, mode = False, "no http profile: TCP forwarding, HTTP is not parsed"
        elif not tls and port != 80:
            l7, mode = False, (f"http profile without client-ssl on port {port if port else 'any'}: "
                               "clients speak HTTPS, so it only ever sees encrypted TLS")
        else:
            l7 = True
            mode = "http and client-ssl profiles: TLS terminated, HTTP parsed" if tls else "http profile on port 80: HTTP parsed"
        early, routes, policy_names = self._policy_steps(virtual)
        steps = early + self._rule_steps(virtual, has_http) + routes
        pool = virtual.value("pool")
        default_pool = resolve(pool[0], virtual.path, self.config.pools) if pool else None
        if default_pool is not None and default_pool not in self.config.pools:
            self.report("EAS001", f"pool {pool[0]} does not exist", virtual.location(pool[1]), virtual, pool[0])  # type: ignore[index]
        rules_node = virtual.first("rules")
        labels = _labels(virtual, self.config) + policy_names + (rules_node.items() if rules_node else [])
        bind = Bind(address, port, tls, virtual.location(destination[1]))
        return Listener(
            virtual.path, virtual.object_path, virtual.location(), l7, mode, (bind,), tuple(steps),
            default_pool, virtual.location(pool[1]) if pool else None, tuple(self._timers(virtual, attached)), tuple(labels),
        )


def build_device_objects(config: Config) -> tuple[list[Listener], list[Pool]]:
    pools = [build_pool(entry, config) for entry in config.pools.values()]
    builder = VirtualBuilder(config)
    listeners = [listener for listener in map(builder.build, config.virtuals) if listener is not None]
    return listeners, pools

