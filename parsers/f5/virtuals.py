"""Virtual servers and pools as model listeners and pools.

A virtual server (`ltm virtual`) is a `Listener` with one bind, its `destination`. What it can
see of a request depends on its profiles, as on the device:

- an http (or fastHTTP) profile makes it parse HTTP; without one, or with a fastL4 profile, it
  forwards bytes (layer 4), and no rule on it can refuse an app by User-Agent;
- a client-ssl profile terminates TLS (`Bind.tls`); an http profile on a virtual that does not
  terminate TLS, on any port but 80, only ever sees TLS records: clients speak HTTPS to it;
- the client leg's idle timer comes from the tcp/fastHTTP profile in context `clientside` or
  `all`, the server leg's from `serverside` or `all`; a fastL4 virtual has one flow, one timer;
  an APM access profile adds its session `inactivity-timeout`;
- a profile defined nowhere easlint can see (a partition's bigip.conf checked without the
  /Common bigip.conf that defines its shared profiles) may be any of these: it is EAS002, no
  timer is invented for a leg it may time, and a missing http or client-ssl profile it may be
  is assumed present, so the virtual's own rules are judged rather than declared blind;
- a `service-policy` whose timer policy matches a leg's flow overrides that leg's timer
  (`parsers.f5.timer_policies`): the client-side flow goes to the virtual's port,
  the server-side flow to a pool member's port, so members on different ports can meet
  different rules, and each timer they give is judged; what cannot be decided (a flow to any
  port) is EAS002 on the virtual, and the profile's timer stays in the model.

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
from collections.abc import Mapping, Sequence

from linter.model import ALWAYS, Action, ActionKind, Bind, Listener, Location, Member, Opaque, Pool, Step, Timer, TimerKind
from parsers.f5.builtins import BUILTIN_IRULES, BUILTIN_IRULES_SOURCE, TIMED_TYPES
from parsers.f5.objects import READ_TOGETHER, Config, Entry, not_read, partition_of, resolve
from parsers.f5.policies import PolicySteps, policy_steps
from parsers.f5.profiles import Attached, ProfileError, access_timer, describe_profiles, idle_timer, profile_type
from parsers.f5.timer_policies import (
    TimerChoice, TimerRule, choose_timer_rule, read_timer_rules, timer_rule_seconds, timer_rule_setting,
)
from parsers.f5.visibility import (
    ALL_LEGS, DEFAULT_CONTEXT, FLOW_KINDS, HTTP_TYPES, LEG_KINDS, Visibility, it_or_them, leg_names, legs_of, roles_phrase,
    visibility_of,
)

# Service names tmsh writes for ports (/etc/services on the BIG-IP).
_SERVICES = {"http": 80, "https": 443, "any": None, "smtp": 25, "imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995,
             "ftp": 21, "ssh": 22, "ldap": 389, "ldaps": 636, "dns": 53, "domain": 53, "snmp": 161, "rdp": 3389,
             "http-alt": 8080, "pcsync-https": 8443}
_IP_LITERAL = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$")  # IPv4 or IPv6 text
_ANY_ADDRESSES = frozenset({"any", "any6", "0.0.0.0", "::"})
_NON_SERVING = frozenset({"ip-forward", "l2-forward", "reject", "dhcp-relay", "internal", "stateless"})
# Virtual server properties this module reads (the non-serving types make it build no listener).
_READ_PROPERTIES = frozenset({
    "destination", "ip-protocol", "profiles", "pool", "rules", "policies", "disabled", "description",
    "app-service", "traffic-matching-criteria", "service-policy", "per-flow-request-access-policy",
}) | _NON_SERVING
# Properties passed over without a report. Most cannot change what a request meets or how long it
# may idle (persistence, address translation, mirroring, statistics, metadata). Some can and are
# not evaluated yet, a known gap: which VLANs `vlans` with `vlans-enabled`/`vlans-disabled` lets
# reach the virtual (only `vlans-enabled` on no VLAN is read: the virtual serves nothing),
# `fw-enforced-policy` and `fw-rules` (AFM rules: they can drop the connection, and
# a rule's own service policy takes precedence over the virtual's, tmsh reference
# `net timer-policy`), `ip-intelligence-policy`, `dos-profiles`, `api-protection`, `auth`, the
# connection and rate limits (they can refuse a request), `flow-eviction-policy` (it can reap
# idle flows) and `http-class` (BIG-IP 11 HTTP class profiles, which can send a request to
# another pool or redirect it).
# Sources of the names below besides the tmsh reference `ltm virtual`: F5's AS3 property table
# (github.com/F5Networks/f5-appsvcs-extension, src/lib/properties.json, "ltm virtual", which
# lists `last-hop-pool`); `list ltm virtual all-properties` as BIG-IP prints it, kept as
# templates in F5's test framework for BIG-IP 11 and later (github.com/zone1511/f5test2,
# f5test/macros/tmosconf/ltm.py: `last-hop-pool`, `mobile-app-tunnel`; `fw-rules` and
# `snat automap` in its BIG-IP 11 template); the tmsh-derived option list of the
# ansible-module-f5bigip `f5bigip_ltm_virtual` module (`last-hop-pool`: "the last hop pool that
# you want the virtual server to use to direct reply traffic to the last hop router";
# `http-class`). `last-hop-pool` only routes replies toward the client, `mobile-app-tunnel`
# switches APM's F5 Access app tunnel, `snat` is BIG-IP 11's source address translation: none of
# them refuses a request or changes an idle timer.
_UNEVALUATED_PROPERTIES = frozenset({
    "enabled", "source", "mask", "translate-address", "translate-port", "source-address-translation", "persist",
    "fallback-persistence", "creation-time", "last-modified-time", "metadata", "vlans", "vlans-enabled",
    "vlans-disabled", "serverssl-use-sni", "auto-lasthop", "cmp-enabled", "connection-limit", "rate-limit",
    "rate-limit-mode", "rate-limit-src-mask", "rate-limit-dst-mask", "rate-class", "mirror", "nat64", "gtm-score",
    "syn-cookie-status", "address-status", "security-log-profiles", "service-down-immediate-action",
    "throughput-capacity", "flow-eviction-policy", "ip-intelligence-policy", "related-rules", "clone-pools",
    "partition", "fw-enforced-policy", "fw-staged-policy", "security-nat-policy", "bwc-policy", "auth", "source-port",
    "traffic-classes", "transparent-nexthop", "urldb-feed-policy", "evictionpolicy", "hardware-syn-cookie",
    "api-protection", "dos-profiles", "dos-status", "vs-index", "last-hop-pool", "mobile-app-tunnel", "fw-rules",
    "http-class", "snat",
})
_KNOWN_PROPERTIES = _READ_PROPERTIES | _UNEVALUATED_PROPERTIES


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

    def __init__(self, config: Config, pools: Mapping[str, Pool]) -> None:
        self.config = config
        self.pools = pools  # the device's pools, already built, by full path
        self.known_profiles = config.profile_names()
        self._profile_types: dict[str, str | None] = {}  # by full path: thousands of virtuals share a few profiles
        self._irules: dict[str, object] = {}
        self._policies: dict[str, PolicySteps] = {}
        self._data_groups: Mapping[str, object] | None = None
        self._timer_rules: dict[str, tuple[TimerRule, ...]] = {}  # by timer policy: many virtuals share one

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
            attached.append(Attached(path, type_, context, item.line))
        return attached

    def _report_unseen(self, virtual: Entry, unseen: list[Attached], untimed: frozenset[TimerKind],
                       visibility: Visibility) -> None:
        """EAS002 for each profile defined nowhere easlint can see, naming what the virtual's
        verdicts then rest on: the legs left without a timer and the profiles assumed."""
        for profile in unseen:
            consequences = []
            legs = untimed.intersection(LEG_KINDS.get(profile.context, ALL_LEGS))
            if legs:
                consequences.append(f"if it is the tcp profile of the {leg_names(legs)}, its idle-timeout decides whether "
                                    f"Direct Push Pings survive there, and no idle timeout is judged for {it_or_them(legs)}")
            if visibility.assumed:
                seen = "terminates TLS and parses HTTP" if visibility.tls else "parses HTTP"
                consequences.append(f"the virtual lists no {roles_phrase(visibility.assumed)} easlint can see and this may be it, "
                                    f"so the virtual is judged as if it {seen}")
            effect = "".join(f"; {consequence}" for consequence in consequences)
            self.report("EAS002", f"profile {profile.path} is neither defined in this configuration nor a built-in profile easlint "
                        f"knows: its effect on {virtual.object_path} is not evaluated{effect} (check this file together with "
                        "the one that defines the profile)", virtual.location(profile.line), virtual, profile.path)

    def _unknown_properties(self, virtual: Entry) -> None:
        if virtual.index.keys() <= _KNOWN_PROPERTIES:  # every statement's key is in the index: nothing unknown
            return
        for node in virtual.body:
            if node.words and node.words[0] not in _KNOWN_PROPERTIES:
                self.report("EAS002", f"unknown ltm virtual property '{node.key}'", virtual.location(node.line), virtual, " ".join(node.words))

    # -- timers -----------------------------------------------------------------------------

    def _timers(self, virtual: Entry, attached: list[Attached], unseen: list[Attached], port: int | None,
                default_pool: str | None, steps: list[Step]) -> list[Timer]:
        """The idle timers of the virtual's legs and session. `port` is the virtual's; the
        default pool and the steps say where requests go, whose members' ports a timer policy
        may match on the server side."""
        timers = self._leg_timers(virtual, attached, unseen)
        if "service-policy" in virtual.index:
            timers = self._timer_policy_timers(virtual, timers, port, _routed_pools(default_pool, steps))
        return timers + self._access_timers(virtual, attached)

    def _leg_timers(self, virtual: Entry, attached: list[Attached], unseen: list[Attached]) -> list[Timer]:
        """One timer per leg of each tcp/fastL4/fastHTTP profile, by its context (a fastL4 flow
        has one); /Common/tcp when the virtual lists none, as BIG-IP adds it, but only on the
        legs no profile easlint cannot see (`unseen`) may time."""
        listing = describe_profiles(attached)
        transports = [profile for profile in attached if profile.type in TIMED_TYPES]
        note = ""
        if not transports:
            context = DEFAULT_CONTEXT.get(ALL_LEGS - legs_of(unseen)) if unseen else "all"
            transports = [Attached("/Common/tcp", "tcp", context, virtual.stanza.line)] if context else []
            note = "no tcp profile listed: BIG-IP uses /Common/tcp"
        timers: list[Timer] = []
        for profile in transports:
            for kind in FLOW_KINDS if profile.type == "fastl4" else LEG_KINDS.get(profile.context, ()):
                try:
                    timers.append(idle_timer(self.config, profile, kind, virtual, listing, note))
                except ProfileError as error:
                    self._profile_error(virtual, error)
        return timers

    def _access_timers(self, virtual: Entry, attached: list[Attached]) -> list[Timer]:
        timers: list[Timer] = []
        for profile in attached:
            if profile.type == "access":
                try:
                    timers.append(access_timer(self.config, profile, virtual))
                except ProfileError as error:
                    self._profile_error(virtual, error)
        return timers

    def _profile_error(self, virtual: Entry, error: ProfileError) -> None:
        """A profile the device would refuse gives its virtual no timer for that leg; it is
        reported once per profile, and the virtual's other timers are built all the same."""
        self.config.report("EAS001", str(error), error.location, error.object_path or virtual.object_path)

    # -- timer policies ---------------------------------------------------------------------

    def _timer_policy_timers(self, virtual: Entry, timers: list[Timer], port: int | None,
                             pools: list[str | None]) -> list[Timer]:
        """The leg timers with those a timer policy overrides replaced by the policy's."""
        found = self._service_timer_rules(virtual)
        if found is None:
            return timers
        rules, line = found
        server_ports = self._server_ports(pools) if any(timer.kind is TimerKind.SERVER_IDLE for timer in timers) else []
        result: list[Timer] = []
        for timer in timers:
            ports = server_ports if timer.kind is TimerKind.SERVER_IDLE else [port]
            result += self._policy_timers(virtual, timer, rules, ports, line)
        return list(dict.fromkeys(result))

    def _service_timer_rules(self, virtual: Entry) -> tuple[tuple[TimerRule, ...], int] | None:
        """The rules of the timer policy the virtual's service policy names, and the line that
        names the service policy; None when it names none (a missing object is reported)."""
        written = virtual.value("service-policy")
        if written is None or written[0] == "none":
            return None
        name, line = written
        service = self.config.service_policies.get(resolve(name, virtual.path, self.config.service_policies))
        if service is None:
            self.report("EAS001", f"net service-policy {name} does not exist", virtual.location(line), virtual, name)
            return None
        misuse = service.value("port-misuse-policy")
        if misuse is not None and misuse[0] != "none":
            self.report("EAS002", f"port-misuse-policy {misuse[0]} of {service.object_path} is not evaluated: it drops "
                        "connections whose traffic is not the application the port requires",
                        virtual.location(line), virtual, name)
        timer = service.value("timer-policy")
        if timer is None or timer[0] == "none":
            return None
        path = resolve(timer[0], service.path, self.config.timer_policies)
        entry = self.config.timer_policies.get(path)
        if entry is None:
            self.config.report("EAS001", f"net timer-policy {timer[0]} does not exist", service.location(timer[1]),
                               service.object_path, timer[0])
            return None
        if path not in self._timer_rules:
            self._timer_rules[path] = read_timer_rules(entry)
        return self._timer_rules[path], line

    def _server_ports(self, pools: list[str | None]) -> list[int | None]:
        """Destination ports of the virtual's server-side flows: its pools' member ports; None
        for a member on any port (port 0: the port then depends on the request) or a pool
        easlint cannot name."""
        ports: set[int | None] = set()
        for name in pools:
            pool = self.pools.get(name) if name is not None else None
            if pool is None:
                ports.add(None)
                continue
            ports.update(member.port or None for member in pool.members)
        return sorted(ports, key=lambda value: (value is None, value or 0))

    def _policy_timers(self, virtual: Entry, timer: Timer, rules: tuple[TimerRule, ...], ports: list[int | None],
                       line: int) -> list[Timer]:
        """The timers that govern the leg `timer` stands for, one for each way its flow can go:
        a server-side flow to members on different ports may meet different rules (or none,
        keeping `timer`), and every one of them must outlast a Ping. A choice that cannot be
        decided is reported, and `timer` kept for it."""
        leg = {TimerKind.CLIENT_IDLE: "client-side", TimerKind.SERVER_IDLE: "server-side"}.get(timer.kind, "flow")
        governing: list[Timer] = []
        for choice in dict.fromkeys(choose_timer_rule(rules, port) for port in ports):
            governing.append(self._chosen_timer(virtual, timer, choice, leg, line))
        return governing

    def _chosen_timer(self, virtual: Entry, timer: Timer, choice: TimerChoice, leg: str, line: int) -> Timer:
        if choice.undecided is not None:
            self.report("EAS002", f"whether the timer policy of its service-policy overrides the {leg} idle timeout of "
                        f"{virtual.object_path} is not evaluated: {choice.undecided}", virtual.location(line), virtual)
            return timer
        rule = choice.rule
        if rule is None or rule.value is None:  # no rule matches, or it leaves the timeout unspecified
            return timer
        try:
            seconds = timer_rule_seconds(rule)
        except ValueError:
            self.report("EAS002", f"flow-idle-timeout value '{rule.value}' of {rule.policy} rule {rule.name} is not evaluated "
                        f"(a number of seconds, 'indefinite', 'immediate' or 'unspecified' is): the {leg} idle timeout of "
                        f"{virtual.object_path} is unknown", rule.location, virtual)
            return timer
        source = (f"{rule.policy} {rule.describe()}: flow-idle-timeout {rule.value}; {leg} flow of {virtual.object_path}, "
                  f"through its service-policy (line {line}); overrides {timer.setting} {_as_written(timer)} "
                  f"of {timer.applies_to}")
        return Timer(timer.kind, seconds, timer_rule_setting(rule), source, True, rule.location, rule.policy, rule.value)

    # -- rules ------------------------------------------------------------------------------

    def _data_group_table(self) -> Mapping[str, object]:
        """Every data group an iRule can name. An external group's records live in a file
        (`external-file-name`, a `sys file data-group`) that is not part of bigip.conf, so it
        goes in with none and the type `external`: the translator then leaves a `class match`
        on it unevaluated (Opaque), where leaving it out would read as a group that does not
        exist."""
        if self._data_groups is None:
            from parsers.f5.irules import DataGroup

            table = {}
            for path, entry in self.config.data_groups.items():
                if entry.type == "external":
                    table[path] = DataGroup(path, "external", (), entry.location())
                    continue
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
            result = self._translate(path)
            self.config.diagnostics.extend(result.diagnostics)
            self._check_pool_references(path, result.pool_references)
            self._irules[path] = result
        return self._irules[path]

    def _translate(self, path: str):  # -> IRuleResult
        """The iRule's translation. The translator (and pyparsing under it) is imported only for
        a device that has an iRule: most files of a large device have none."""
        from parsers.f5.irules import translate_irule

        stanza = self.config.rules[path]
        body, body_line = stanza.body_text()
        return translate_irule(path, body, body_line, stanza.file, self._data_group_table(), partition_of(path),
                               known_pools=None, unread=self.config.outside_files_read)

    def validate_unattached_irules(self) -> None:
        """BIG-IP's validator checks every iRule when the configuration is saved or loaded,
        attached or not: one it refuses fails the whole load. An iRule no virtual uses is
        translated for that check alone, and only what BIG-IP would refuse (EAS001) is kept,
        since nothing it does reaches a request."""
        for path in self.config.rules:
            if path in self._irules:
                continue
            result = self._translate(path)
            self.config.diagnostics.extend(d for d in result.diagnostics if d.code == "EAS001")
            self._check_pool_references(path, result.pool_references, attached=False)

    def _check_pool_references(self, rule: str, references: Sequence[tuple[str, Location]], attached: bool = True) -> None:
        """BIG-IP's validator refuses to save or load an iRule whose `pool` command names a pool
        that does not exist ("01070151:3: Rule [...] error: Unable to find pool (<name>)
        referenced at line <n>"): EAS001 at that line, once per iRule. A pool that may be in a
        partition whose file was not read proves nothing: EAS002 when a virtual uses the rule,
        and `_rule_pool` makes its route opaque."""
        for written, location in references:
            path = resolve(written, rule, self.config.pools)
            if path in self.config.pools:
                continue
            if self.config.outside_files_read(written, path):
                if attached:
                    self.config.report("EAS002", f"{not_read('pool', written, path)}: iRule {rule} names it, and its members "
                                       f"and what they time are not evaluated{READ_TOGETHER}", location, f"ltm rule {rule}",
                                       f"pool {written}")
            else:
                self.config.report("EAS001", f"pool {written} does not exist: BIG-IP refuses to load iRule {rule}, which names "
                                   f"it (\"Unable to find pool ({written})\")", location, f"ltm rule {rule}", f"pool {written}")

    def _rule_pool(self, step: Step, rule: str) -> Step:
        """An iRule's pool selection with the pool's full path, resolved from the rule. A pool
        that may be defined in a partition whose file was not read is a route easlint cannot
        follow, so every verdict it could change is "cannot verify"."""
        written = step.action.pool
        assert written is not None
        path = resolve(written, rule, self.config.pools)
        if path in self.config.pools or not self.config.outside_files_read(written, path):
            return dataclasses.replace(step, action=dataclasses.replace(step.action, pool=path))
        reason = f"{not_read('pool', written, path)} (selected by iRule {rule})"
        return dataclasses.replace(step, action=dataclasses.replace(step.action, pool=None,
                                                                    opaque=Opaque(reason, step.location, written)))

    def _rule_steps(self, virtual: Entry, has_http: bool) -> list[Step]:
        node = virtual.first("rules")
        steps: list[Step] = []
        unread: list[Step] = []  # iRules defined in a partition whose file was not read: their effect is unknown
        results = []
        owners: dict[int, str] = {}
        for item in node.items() if node else []:
            path = resolve(item, virtual.path, self.config.rules)
            if path not in self.config.rules:
                if self.config.outside_files_read(item, path) and not path.startswith("/Common/_sys_"):
                    unread.append(self._unread_object("iRule", item, path, virtual, node.line, f"irule {path}"))
                else:
                    self._missing_irule(virtual, item, path, node.line)
                continue
            result = self._irule(path)
            if "HTTP_REQUEST" in result.events and not has_http:
                self.report("EAS001", f"iRule {path} handles HTTP_REQUEST but {virtual.object_path} has no http profile "
                            "(BIG-IP refuses it: the event requires an HTTP or FastHTTP profile)", virtual.location(node.line), virtual, item)
            results.append(result)
            owners.update({id(step): path for step in result.steps})
        if not results:
            return unread
        steps += unread
        # The iRule translator (and pyparsing under it) is imported only for a device that has
        # iRules to translate: most virtuals of a large device have none.
        from parsers.f5.irules import combine_irules

        # Refusals of every iRule come before any pool choice: on BIG-IP a later iRule's reject
        # still refuses a request an earlier one sent to a pool (parsers.f5.irules.combine_irules).
        for step in combine_irules(results):
            if step.action.kind is ActionKind.ROUTE and step.action.pool and step.action.opaque is None:
                step = self._rule_pool(step, owners.get(id(step), virtual.path))
            steps.append(step)
        return steps

    def _unread_object(self, what: str, item: str, path: str, virtual: Entry, line: int, phase: str) -> Step:
        """An iRule, LTM policy or default pool that may be defined in a partition whose file was
        not read (a partition's bigip.conf checked without /Common's): reported, and a step whose
        effect is unknown, so every verdict it could change is "cannot verify", never a silent
        pass. A pool becomes a last route easlint cannot follow (not "not served"), the others
        logic that may refuse."""
        location = virtual.location(line)
        reason = not_read(what, item, path)
        is_pool = what == "pool"
        effect = "its members and what they time are" if is_pool else f"what it does to requests on {virtual.object_path} is"
        self.report("EAS002", f"{reason}: {effect} not evaluated{READ_TOGETHER}", location, virtual, item)
        kind = ActionKind.ROUTE if is_pool else ActionKind.CONTINUE
        return Step(ALWAYS, Action(kind, detail=f"unread {what}", opaque=Opaque(reason, location, item)), location, phase,
                    f"{what} {item}")

    def _missing_irule(self, virtual: Entry, item: str, path: str, line: int) -> None:
        """An iRule the configuration does not define. A built-in (`/Common/_sys_...`) lives in
        profile_base.conf: when the device's own was read, a name it lacks does not exist
        (BIG-IP refuses the configuration); otherwise one of the built-ins of BIG-IP 15.1 is
        passed over, as ever, and any other `_sys_` name is one easlint cannot place, since
        built-ins differ between releases."""
        location = virtual.location(line)
        name = path.rsplit("/", 1)[-1]
        if not path.startswith("/Common/_sys_"):
            self.report("EAS001", f"iRule {item} does not exist", location, virtual, item)
        elif self.config.base_defined:  # profile_base.conf was read: it defines every built-in iRule
            self.report("EAS001", f"iRule {item} does not exist: it is not one of the built-in iRules the device's "
                        "profile_base.conf defines", location, virtual, item)
        elif name not in BUILTIN_IRULES:
            self.report("EAS002", f"iRule {item} is not defined in this configuration and is not a built-in iRule of BIG-IP "
                        f"15.1 ({BUILTIN_IRULES_SOURCE}): if it is a built-in of another release, what it does to requests "
                        f"on {virtual.object_path} is not evaluated; if it is misspelled, BIG-IP refuses the configuration "
                        "(read it with the device's profile_base.conf, as in a UCS archive, to tell)", location, virtual, item)

    def _policy_steps(self, virtual: Entry) -> tuple[list[Step], list[Step], list[str]]:
        node = virtual.first("policies")
        early: list[Step] = []
        routes: list[Step] = []
        names: list[str] = []
        for item in node.items() if node else []:
            path = resolve(item, virtual.path, self.config.policies)
            entry = self.config.policies.get(path)
            if entry is None and self.config.outside_files_read(item, path):
                early.append(self._unread_object("LTM policy", item, path, virtual, node.line, f"ltm policy {path}"))
                continue
            if entry is None:
                self.report("EAS001", f"LTM policy {item} does not exist", virtual.location(node.line), virtual, item)
                continue
            names.append(path)
            if path not in self._policies:  # many virtuals share a policy: its rules are read, and reported, once
                self._policies[path] = policy_steps(entry, self.config)
            steps = self._policies[path]
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

    @staticmethod
    def _on_no_vlan(virtual: Entry) -> bool:
        """`vlans-enabled` with an empty VLAN list: the virtual listens on no network at all
        (tmsh reference `ltm virtual`: vlans-enabled makes it available only on the VLANs listed)."""
        if "vlans-enabled" not in virtual.index:
            return False
        vlans = virtual.first("vlans")
        return vlans is None or not vlans.items()

    def build(self, virtual: Entry) -> Listener | None:
        keys = virtual.index.keys()
        if "disabled" in keys or not _NON_SERVING.isdisjoint(keys) or self._on_no_vlan(virtual):
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
        unseen = [profile for profile in attached if profile.type is None] if None in types else []
        has_http = bool(types & HTTP_TYPES)
        visibility = visibility_of(types, port, unseen)
        l7, tls, mode = visibility.l7, visibility.tls, visibility.mode
        early, routes, policy_names = self._policy_steps(virtual)
        # An HTTP_REQUEST iRule needs an http profile: one easlint cannot see may be it.
        steps = early + self._rule_steps(virtual, has_http or (bool(unseen) and "fastl4" not in types)) + routes
        pool = virtual.value("pool")
        default_pool = resolve(pool[0], virtual.path, self.config.pools) if pool else None
        if default_pool is not None and default_pool not in self.config.pools:
            if self.config.outside_files_read(pool[0], default_pool):  # type: ignore[index]
                steps.append(self._unread_object("pool", pool[0], default_pool, virtual, pool[1], "default pool"))  # type: ignore[index]
            else:
                self.report("EAS001", f"pool {pool[0]} does not exist", virtual.location(pool[1]), virtual, pool[0])  # type: ignore[index]
        rules_node = virtual.first("rules")
        labels = _labels(virtual, self.config) + policy_names + (rules_node.items() if rules_node else [])
        if "per-flow-request-access-policy" in keys:
            self._per_request_policy(virtual)
        bind = Bind(address, port, tls, virtual.location(destination[1]))
        timers = self._timers(virtual, attached, unseen, port, default_pool, steps)
        if unseen:
            untimed = frozenset(legs_of(unseen) - legs_of([p for p in attached if p.type in TIMED_TYPES]))
            self._report_unseen(virtual, unseen, untimed, visibility)
        return Listener(
            virtual.path, virtual.object_path, virtual.location(), l7, mode, (bind,), tuple(steps),
            default_pool, virtual.location(pool[1]) if pool else None, tuple(timers), tuple(labels),
        )

    def _per_request_policy(self, virtual: Entry) -> None:
        """An APM per-request policy runs on every request and can refuse it ("a per-request
        policy makes it possible to apply additional criteria for access any time the user makes
        a request", with Allow and Reject endings: BIG-IP APM Implementations 14.0, "Protecting
        Internal Resources Per-Request"). easlint does not read APM policies, so the virtual's
        verdicts are not what the device decides: said, never passed over."""
        written = virtual.value("per-flow-request-access-policy")
        if written is None or written[0] == "none":
            return
        self.report("EAS002", f"per-request access policy {written[0]} is not evaluated: it runs on every request to "
                    f"{virtual.object_path} and can refuse it, so what this virtual lets through is not known",
                    virtual.location(written[1]), virtual, written[0])


def _routed_pools(default_pool: str | None, steps: list[Step]) -> list[str | None]:
    """The pools a virtual's requests can go to; None stands for one easlint cannot name (an
    iRule's computed `pool`, a forward to a target it does not follow)."""
    pools: list[str | None] = [default_pool] if default_pool is not None else []
    for step in steps:
        if step.action.kind is ActionKind.ROUTE:
            pools.append(step.action.pool if step.action.opaque is None else None)
    return pools


def _as_written(timer: Timer) -> str:
    if timer.raw is not None:
        return timer.raw
    return "indefinite" if timer.seconds is None else f"{timer.seconds:g}"


def build_device_objects(config: Config) -> tuple[list[Listener], list[Pool]]:
    pools = [build_pool(entry, config) for entry in config.pools.values()]
    builder = VirtualBuilder(config, {pool.name: pool for pool in pools})
    listeners = [listener for listener in map(builder.build, config.virtuals) if listener is not None]
    builder.validate_unattached_irules()
    return listeners, pools

