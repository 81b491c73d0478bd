"""The objects of a BIG-IP configuration that matter on the ActiveSync path, by full name.

`collect` sorts the stanzas of every file of a device into a `Config`: virtual servers, pools,
monitors, profiles, LTM policies, iRules, data groups, APM access profiles, iApp services and the
service and timer policies a virtual server can name (a timer policy overrides the idle timeout
of the flows it matches). Other stanza types are counted and skipped without being tokenized,
which is most of the speed on a large file. Most of them (`net vlan`, `sys ntp`, `gtm ...`)
cannot change how an HTTP request is handled or how long an idle connection lives; a few can
and are not evaluated yet: the service policy of a route domain, self IP or AFM firewall rule
(tmsh reference `net timer-policy`: those contexts also apply timer policies, below a virtual
server's own) and AFM firewall policies.

Names: tmsh writes full paths (`/Common/app.app/pool`), hand-written files often bare names.
A bare name refers to the folder of the object that names it, then its partition, then
`/Common` (the lookup order of BIG-IP administrative partitions: "objects in partition Common
are visible from every partition", BIG-IP TMOS: Implementations, "Administrative partitions").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linter.model import Diagnostic, Level, Location
from parsers.f5.tmsh import Node, Problem, Stanza, parse_body

if TYPE_CHECKING:
    from parsers.f5.profiles import Setting

# Stanza types read into the model (the rest are counted and skipped).
MODELLED = frozenset({
    ("ltm", "virtual"), ("ltm", "virtual-address"), ("ltm", "pool"), ("ltm", "policy"), ("ltm", "rule"),
    ("ltm", "node"), ("apm", "profile", "access"), ("sys", "application", "service"), ("ltm", "traffic-matching-criteria"),
    ("net", "service-policy"), ("net", "timer-policy"),
})
MODELLED_PREFIXES = (("ltm", "profile"), ("ltm", "monitor"), ("ltm", "data-group"))


def full_path(name: str, partition: str) -> str:
    return name if name.startswith("/") else f"/{partition}/{name}"


def folder_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def partition_of(path: str) -> str:
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else "Common"


READ_TOGETHER = " (check the partition's file in its configuration directory, beside config/bigip.conf, or a UCS archive)"


def not_read(what: str, written: str, path: str) -> str:
    """Why an object a reference names (`written`, resolved to `path`) proves nothing by its
    absence: the partition it may be in, the one its full name says, else /Common (a bare name
    that is not in the referrer's own partition falls back to /Common), was not read."""
    partition = f"/{partition_of(path)}" if written.startswith("/") else "/Common"
    return (f"{what} {written} is not defined in the files read; it may be defined in partition {partition}, "
            "whose bigip.conf was not read")


def resolve(name: str, referrer: str, known: Container[str]) -> str:
    """The full path a reference means, seen from the object `referrer` (a full path)."""
    if name.startswith("/"):
        return name
    candidates = [f"{folder_of(referrer)}/{name}", f"/{partition_of(referrer)}/{name}", f"/Common/{name}"]
    for candidate in candidates:
        if candidate in known:
            return candidate
    return candidates[1]


class Entry:
    """A modelled stanza: `path` is the object's full name. Its body is read the first time it
    is needed (most nodes, monitors and profiles of a large device never are); the problems
    found then go to `sink`, the device's diagnostics.

    A large device asks an entry for its values and locations tens of thousands of times, so
    what never changes is worked out once: its `object_path`, the index of its statements, and
    its `Location`s, shared through `locations` (one table per file) by every entry of the
    file; a `Location` is immutable, so sharing one is the same as making it again."""

    __slots__ = ("_body", "_index", "_locations", "_object_path", "kind", "path", "sink", "stanza")

    def __init__(self, stanza: Stanza, path: str, sink: list[Diagnostic], locations: dict[int, Location] | None = None,
                 kind: tuple[str, ...] | None = None) -> None:
        self.stanza = stanza
        self.path = path
        self.sink = sink
        self.kind = kind if kind is not None else stanza.kind
        self._locations = locations if locations is not None else {}
        self._object_path: str | None = None
        self._body: list[Node] | None = None
        self._index: dict[str, Node] | None = None

    def __repr__(self) -> str:
        return f"Entry({self.object_path!r})"

    @property
    def body(self) -> list[Node]:
        if self._body is None:
            problems: list[Problem] = []
            self._body = parse_body(self.stanza, problems)
            self.sink.extend(problem_diagnostic(self.stanza.file, problem) for problem in problems)
        return self._body

    @property
    def object_path(self) -> str:
        """`ltm virtual /Common/vs`: how findings and diagnostics name the object."""
        if self._object_path is None:
            self._object_path = " ".join(self.kind) + " " + self.path
        return self._object_path

    @property
    def type(self) -> str:
        """The type word after the module and class (`tcp` of `ltm profile tcp`)."""
        return self.kind[2] if len(self.kind) > 2 else self.kind[-1]

    def location(self, line: int | None = None) -> Location:
        line = line or self.stanza.line
        found = self._locations.get(line)
        if found is None:
            found = self._locations[line] = Location(self.stanza.file, line)
        return found

    @property
    def index(self) -> dict[str, Node]:
        """The first statement of each key (`pool`, `profiles`, ...)."""
        if self._index is None:  # read backwards, so that the first statement of a key is the one kept
            self._index = {node.words[0]: node for node in reversed(self.body) if node.words}
        return self._index

    def first(self, key: str) -> Node | None:
        return (self._index if self._index is not None else self.index).get(key)

    def value(self, key: str) -> tuple[str, int] | None:
        """The single value of `key value` and its line."""
        node = (self._index if self._index is not None else self.index).get(key)
        if node is None or len(node.words) < 2:
            return None
        return node.words[1], node.line


@dataclass
class Config:
    """Every modelled object of a device, by full path, plus what was skipped."""

    virtuals: list[Entry] = field(default_factory=list)
    virtual_addresses: dict[str, Entry] = field(default_factory=dict)
    pools: dict[str, Entry] = field(default_factory=dict)
    nodes: dict[str, Entry] = field(default_factory=dict)
    monitors: dict[str, Entry] = field(default_factory=dict)
    profiles: dict[str, Entry] = field(default_factory=dict)
    policies: dict[str, Entry] = field(default_factory=dict)
    rules: dict[str, Stanza] = field(default_factory=dict)
    data_groups: dict[str, Entry] = field(default_factory=dict)
    app_services: dict[str, Entry] = field(default_factory=dict)
    traffic_criteria: dict[str, Entry] = field(default_factory=dict)
    service_policies: dict[str, Entry] = field(default_factory=dict)
    timer_policies: dict[str, Entry] = field(default_factory=dict)
    base_paths: set[str] = field(default_factory=set)  # defined by profile_base.conf and not redefined since
    base_defined: set[str] = field(default_factory=set)  # defined by profile_base.conf, redefined or not
    partitions_read: set[str] = field(default_factory=set)  # of the files read, profile_base.conf aside
    skipped: Counter[str] = field(default_factory=Counter)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _profile_names: set[str] | None = field(default=None, repr=False)
    locations: dict[str, dict[int, Location]] = field(default_factory=dict, repr=False)  # per file, by line
    settings: dict[tuple[str, ...], Setting | None] = field(default_factory=dict, repr=False)  # found by profiles.find_setting

    def profile_names(self) -> set[str]:
        """Every profile name a reference can mean: the configuration's and the built-ins'."""
        if self._profile_names is None:
            from parsers.f5.builtins import BUILTIN_PROFILES

            self._profile_names = set(self.profiles) | set(BUILTIN_PROFILES)
        return self._profile_names

    def outside_files_read(self, written: str, path: str) -> bool:
        """Whether an object a reference names (`written`, resolved to `path`) may live in a
        partition none of the files read holds: a partition's bigip.conf checked without the
        /Common one it refers to. Its absence then proves nothing about the device."""
        if partition_of(path) not in self.partitions_read:
            return True
        return not written.startswith("/") and "Common" not in self.partitions_read

    def report(self, code: str, message: str, location: Location, object_path: str | None = None, text: str | None = None) -> None:
        level = Level.ERROR if code == "EAS001" else Level.WARNING
        self.diagnostics.append(Diagnostic(code, level, message, location, object_path, text))


def _modelled(kind: tuple[str, ...]) -> bool:
    return kind in MODELLED or kind[:2] in MODELLED_PREFIXES


def problem_diagnostic(file: str, problem: Problem) -> Diagnostic:
    level = Level.ERROR if problem.code == "EAS001" else Level.WARNING
    return Diagnostic(problem.code, level, problem.message, Location(file, problem.line), problem.object_header, problem.text)


def collect(config: Config, stanzas: list[Stanza], partition: str, base: bool = False) -> None:
    """File the stanzas of one file (whose default partition is `partition`) into `config`.
    `base`: the file is profile_base.conf, whose objects bigip.conf may redefine (a modified
    built-in profile is saved in bigip.conf)."""
    for stanza in stanzas:
        kind = stanza.kind
        if not _modelled(kind) or len(stanza.header) < 3:
            if not base:  # by type: `net vlan`, or the whole header of a singleton (`sys global-settings`)
                config.skipped[" ".join(kind if len(stanza.header) >= 3 else stanza.header)] += 1
            continue
        path = full_path(stanza.name, partition)
        if kind == ("ltm", "rule"):
            _add(config, config.rules, path, stanza, stanza)
            continue
        locations = config.locations.get(stanza.file)
        if locations is None:
            locations = config.locations[stanza.file] = {}
        entry = Entry(stanza, path, config.diagnostics, locations, kind)
        if kind == ("ltm", "virtual"):
            config.virtuals.append(entry)
        elif kind == ("ltm", "virtual-address"):
            _add(config, config.virtual_addresses, path, entry, stanza)
        elif kind == ("ltm", "pool"):
            _add(config, config.pools, path, entry, stanza)
        elif kind == ("ltm", "node"):
            _add(config, config.nodes, path, entry, stanza)
        elif kind == ("ltm", "policy"):
            _add(config, config.policies, path, entry, stanza)
        elif kind == ("apm", "profile", "access") or kind[:2] == ("ltm", "profile"):
            _add(config, config.profiles, path, entry, stanza)
        elif kind[:2] == ("ltm", "monitor"):
            _add(config, config.monitors, path, entry, stanza)
        elif kind[:2] == ("ltm", "data-group"):
            _add(config, config.data_groups, path, entry, stanza)
        elif kind == ("sys", "application", "service"):
            _add(config, config.app_services, path, entry, stanza)
        elif kind == ("ltm", "traffic-matching-criteria"):
            _add(config, config.traffic_criteria, path, entry, stanza)
        elif kind == ("net", "service-policy"):
            _add(config, config.service_policies, path, entry, stanza)
        elif kind == ("net", "timer-policy"):
            _add(config, config.timer_policies, path, entry, stanza)
        if base:
            config.base_paths.add(path)
            config.base_defined.add(path)


def _add(config: Config, table: dict, path: str, value: object, stanza: Stanza) -> None:
    if path in table and path not in config.base_paths:
        config.report("EAS001", f"{' '.join(stanza.kind)} {path} is defined twice (tmsh refuses a duplicate name)",
                      Location(stanza.file, stanza.line), f"{' '.join(stanza.kind)} {path}", " ".join(stanza.header))
    config.base_paths.discard(path)
    table[path] = value
