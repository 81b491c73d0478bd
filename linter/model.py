"""The vendor-neutral model that every parser produces and every rule reads.

A parser turns one vendor's configuration into a `Device`. The simulator and the rules never
look at vendor syntax again, so everything they need is made explicit here: the evaluation
order of request rules (`Step`, in the vendor's real order), what each rule matches
(`Condition`), which idle timers govern a held-open request on each leg (`Timer`), and where
every value came from (`Location`, `Timer.source`). Logic a parser cannot translate becomes
`Opaque`, which the simulator reports as "cannot verify" instead of guessing.

A parser makes a device once and nothing changes it afterwards, so it is shared by the
simulator, every rule and the report without copies (tests/test_model_unchanged.py checks that
analysis and rules leave it as parsed). The classes are slots dataclasses, hashable by value,
but not frozen: a large bigip.conf makes tens of thousands of them, and a frozen dataclass
costs three times as much to construct, a tenth of the whole lint of such a file.
`to_jsonable` turns any of them into plain JSON for `easlint model`.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Union


@dataclass(slots=True, unsafe_hash=True)
class Location:
    """A place in a source file; lines and columns are 1-based."""

    file: str
    line: int
    column: int | None = None
    end_line: int | None = None

    def __str__(self) -> str:
        if self.column:
            return f"{self.file}:{self.line}:{self.column}"
        return f"{self.file}:{self.line}"


class TimerKind(str, enum.Enum):
    """What a timer limits, from the point of view of a request the server holds open."""

    CLIENT_IDLE = "client-idle"  # idle time allowed on the client-facing connection
    SERVER_IDLE = "server-idle"  # idle time allowed on the server-facing connection
    SESSION_IDLE = "session-idle"  # idle time of the whole flow (firewall session, HAProxy tunnel)
    RESPONSE = "response"  # time allowed for the server's answer (HAProxy http `timeout server`)


@dataclass(slots=True, unsafe_hash=True)
class Timer:
    """One idle timer that a held-open ActiveSync Ping must outlast.

    `seconds=None` means unbounded. `explicit=False` marks a vendor default the configuration
    never wrote; then `location` points at the object the default applies to. A value written in
    another object (a defaults section, a parent profile) names it in `inherited_from`. `replaces` lists
    kinds this timer supersedes on the same path (HAProxy's `timeout tunnel` replaces both
    client and server timeouts in TCP mode), so the simulator can apply it without knowing
    the vendor.
    """

    kind: TimerKind
    seconds: float | None
    setting: str
    source: str
    explicit: bool
    location: Location
    applies_to: str
    raw: str | None = None
    replaces: tuple[TimerKind, ...] = ()
    inherited_from: str | None = None  # the object the value is written in, when not `applies_to`


class FieldKind(str, enum.Enum):
    """Parts of a request a condition can look at."""

    PATH = "path"  # path without the query, as sent
    URL = "url"  # path plus "?query", as sent
    QUERY = "query"  # raw query string after the first "?"
    QUERY_PARAM = "query_param"  # value(s) of one query parameter, not URL-decoded
    HEADER = "header"  # value(s) of one request header
    HEADER_COUNT = "header_count"  # number of values of one header
    HOST = "host"  # host name the client asked for (Host header without port)
    SNI = "sni"  # TLS server name indication; name "client-hello" or "tls-session" says where it is read
    METHOD = "method"
    SRC = "src"  # client address
    DST_ADDRESS = "dst_address"  # address the client connects to (a firewall rule's destination)
    DST_PORT = "dst_port"
    IP_PROTOCOL = "ip_protocol"  # "tcp" for every probe (ActiveSync is HTTPS over TCP)
    APPLICATION = "application"  # the App-IDs a next-generation firewall may give the session
    TLS = "tls"  # whether the connection arrived over TLS (boolean)
    HTTP_VERSION = "http_version"


HTTP_FIELDS = frozenset(
    {
        FieldKind.PATH,
        FieldKind.URL,
        FieldKind.QUERY,
        FieldKind.QUERY_PARAM,
        FieldKind.HEADER,
        FieldKind.HEADER_COUNT,
        FieldKind.HOST,
        FieldKind.METHOD,
        FieldKind.HTTP_VERSION,
    }
)
"""Fields only a hop that parses HTTP can see (not a TCP or TLS-passthrough hop)."""


@dataclass(slots=True, unsafe_hash=True)
class Field:
    """A request field plus the vendor's way of extracting it.

    `split_commas`: the header's comma-separated values are matched one by one (HAProxy
    `hdr()`), not the full line (`req.fhdr()`). `name_case_sensitive`: whether the parameter or
    header *name* must match in case (HAProxy `url_param` names are case-sensitive; header
    names never are). `delimiter`: an extra query parameter delimiter (HAProxy `url_param`).
    """

    kind: FieldKind
    name: str | None = None
    split_commas: bool = False
    name_case_sensitive: bool = False
    delimiter: str | None = None

    def describe(self) -> str:
        return f"{self.kind.value}({self.name})" if self.name else self.kind.value


class MatchOp(str, enum.Enum):
    """How a field's value is compared with the patterns."""

    EQUALS = "equals"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    CONTAINS = "contains"
    REGEX = "regex"
    EXISTS = "exists"  # the field is present, whatever its value
    DIR = "dir"  # a "/"-delimited component sequence equals the pattern
    DOM = "dom"  # a "."-delimited component sequence equals the pattern
    IP = "ip"  # address within a network
    INT = "int"  # integer within a range "lo:hi" (either side may be empty)
    LEN = "len"  # string length within a range "lo:hi"
    BOOL = "bool"  # boolean value is true


@dataclass(slots=True, unsafe_hash=True)
class Match:
    """A test of one field against patterns; it holds when any pattern matches any value."""

    field: Field
    op: MatchOp
    values: tuple[str, ...] = ()
    case_sensitive: bool = True
    transforms: tuple[str, ...] = ()  # applied to the value before matching: lower, upper, url_dec, b64_dec
    regex_dialect: str = "pcre"
    name: str | None = None
    location: Location | None = None
    text: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class All:
    """Conjunction. `All(())` is always true."""

    terms: tuple[Condition, ...]
    name: str | None = None
    location: Location | None = None


@dataclass(slots=True, unsafe_hash=True)
class Any:
    """Disjunction. `Any(())` is always false. Same-name HAProxy ACLs become one `Any`."""

    terms: tuple[Condition, ...]
    name: str | None = None
    location: Location | None = None


@dataclass(slots=True, unsafe_hash=True)
class Not:
    term: Condition


@dataclass(slots=True, unsafe_hash=True)
class Opaque:
    """Logic the linter cannot evaluate; a verdict that depends on it is "cannot verify"."""

    reason: str
    location: Location | None = None
    text: str | None = None


Condition = Union[Match, All, Any, Not, Opaque]
ALWAYS: Condition = All(())


class ActionKind(str, enum.Enum):
    ALLOW = "allow"  # stop evaluating the current phase's filter steps; routing still happens
    DENY = "deny"  # the request is refused or answered by the device itself
    REDIRECT = "redirect"  # the client is sent elsewhere (it comes back on another listener)
    ROUTE = "route"  # the request goes to a pool; ends the listener's steps
    CONTINUE = "continue"  # no decision (header rewrite, timer override, ...)


@dataclass(slots=True, unsafe_hash=True)
class Action:
    """What a step does when its condition holds.

    `opaque` marks an effect the linter cannot know (a Lua action that may refuse, a backend
    name computed at run time). `timer` is a per-request timer override (HAProxy
    `http-request set-timeout` on a `continue`; on an `allow`, the first matching step of its
    phase sets it, as an ASA policy-map's first matching class does). `rewrites` lists the fields the step changes (a `Field` with no
    name stands for every name of that kind), so later conditions on them cannot be trusted.
    """

    kind: ActionKind
    pool: str | None = None
    detail: str = ""
    opaque: Opaque | None = None
    timer: Timer | None = None
    rewrites: tuple[Field, ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class Step:
    """One request rule, in the vendor's evaluation order.

    `phase` names the rule set the step belongs to ("http-request", "use_backend", ...). An
    `allow` ends only its own phase, as HAProxy's `http-request allow` ends the http-request
    rules but not backend selection.
    """

    condition: Condition
    action: Action
    location: Location
    phase: str
    text: str


@dataclass(slots=True, unsafe_hash=True)
class Bind:
    """An address and port a listener accepts connections on. `address=None` means any."""

    address: str | None
    port: int | None
    tls: bool
    location: Location
    port_end: int | None = None

    def describe(self) -> str:
        address = self.address or "*"
        if self.port is None:
            return address
        ports = f"{self.port}-{self.port_end}" if self.port_end else str(self.port)
        return f"{address}:{ports}" + (" (TLS)" if self.tls else "")


@dataclass(slots=True, unsafe_hash=True)
class Member:
    """A server in a pool."""

    name: str
    address: str
    port: int | None
    tls: bool
    location: Location


@dataclass(slots=True, unsafe_hash=True)
class Pool:
    """Where requests are forwarded: HAProxy backend, F5 pool, NGINX upstream, ...

    `steps` run after the request has been routed here (HAProxy backend `http-request`
    rules). `labels` are descriptive strings the parser found (server names, health-check
    URIs, descriptions) that tell whether this pool serves Exchange.
    """

    name: str
    object_path: str
    location: Location
    l7: bool
    members: tuple[Member, ...] = ()
    steps: tuple[Step, ...] = ()
    timers: tuple[Timer, ...] = ()
    labels: tuple[str, ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class Listener:
    """A place that accepts client connections: HAProxy frontend/listen, F5 virtual, ...

    `l7` says whether it parses HTTP (and so can block by User-Agent or query at all).
    `timers` are the client-side timers that govern a held-open request.
    """

    name: str
    object_path: str
    location: Location
    l7: bool
    mode_source: str
    binds: tuple[Bind, ...] = ()
    steps: tuple[Step, ...] = ()
    default_pool: str | None = None
    default_pool_location: Location | None = None
    timers: tuple[Timer, ...] = ()
    labels: tuple[str, ...] = ()


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(slots=True, unsafe_hash=True)
class Diagnostic:
    """A parse problem. `code` is the rule it becomes (EAS001, EAS002 or EAS003).

    `object_path` names the object the line sits in, so the engine can raise an unrecognized
    line to an error when that object is on the ActiveSync path.
    """

    code: str
    level: Level
    message: str
    location: Location
    object_path: str | None = None
    text: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class Setting:
    """A device-wide setting that is neither a timer nor a step (Exchange's heartbeat keys in a
    Sync web.config): what the file says, what the device really uses, and why they differ.

    `value=None` means the key is not written, so the device's default applies and `location`
    points at the section it would go in. `problem` says why the device does not use the written
    value (a rule reports it); `expected` describes the values the device accepts.
    """

    key: str
    value: str | None
    location: Location
    effective: str
    problem: str | None = None
    expected: str | None = None


class DeviceKind(str, enum.Enum):
    """What the device is on the path. A packet-filtering firewall never sees HTTP, so blocking
    apps is not its job when another hop of the run can do it."""

    PROXY = "proxy"  # load balancer or reverse proxy: listeners, pools, request rules
    FIREWALL = "firewall"  # stateful firewall: rulebases as listeners, permit rules as pools


@dataclass
class Device:
    """One device's normalized configuration.

    A firewall fits the same shape as a proxy, so the simulator and the rules need no special
    case: each rulebase that can see the connection (an ASA interface ACL, a PAN-OS or FortiGate
    ingress zone) is a `Listener` whose binds are the destinations its rules name and whose
    steps are the rules in order, matching `dst_address`, `dst_port`, `ip_protocol` and
    `application`; a permit rule routes to a `Pool` that stands for the sessions it creates and
    carries their idle timer (with the vendor's overrides as pool steps that set a timer).

    `settings` are device-wide values that are neither timers nor steps (see `Setting`).
    `skipped` counts the objects a parser read past, by type, because nothing on the ActiveSync
    path can depend on them (F5: `net vlan`, `sys ntp`), so `easlint model` shows what was not
    modelled and why nothing is reported about it.
    """

    vendor: str
    name: str
    files: tuple[str, ...]
    listeners: tuple[Listener, ...] = ()
    pools: tuple[Pool, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    kind: DeviceKind = DeviceKind.PROXY
    settings: tuple[Setting, ...] = ()
    skipped: tuple[tuple[str, int], ...] = ()
    _pools_by_name: dict[str, Pool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._pools_by_name = {pool.name: pool for pool in self.pools}

    def pool(self, name: str | None) -> Pool | None:
        return self._pools_by_name.get(name) if name is not None else None


def to_jsonable(value: object) -> object:
    """Plain JSON data for any model value; condition nodes carry a "type" tag."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: dict[str, object] = {}
        if isinstance(value, (Match, All, Any, Not, Opaque)):
            data["type"] = type(value).__name__.lower()
        for item in dataclasses.fields(value):
            if item.name.startswith("_"):
                continue
            data[item.name] = to_jsonable(getattr(value, item.name))
        return data
    if isinstance(value, (tuple, list)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    return value
