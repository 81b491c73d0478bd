"""IIS request filtering rules (`<filteringRules>`) in an Exchange front-end web.config as a hop.

Admins block third-party ActiveSync apps by adding a rule to the web.config of the front-end
`FrontEnd\\HttpProxy\\sync` (or `...\\ews`) virtual directory:

    <filteringRule name="BlockCloudMagic" scanUrl="false" scanQueryString="true">
      <scanHeaders><add requestHeader="User-Agent" /></scanHeaders>
      <denyStrings><add string="CloudMagic" /></denyStrings>
    </filteringRule>

IIS semantics (learn.microsoft.com, system.webServer/security/requestFiltering/filteringRules):
a rule refuses a request (HTTP 404.19, "Denied by filtering rule") when any of its deny strings
occurs, as a case-insensitive substring, in a part it scans: the URL path (`scanUrl`), the query
string (`scanQueryString`; scanned raw and, when `<requestFiltering unescapeQueryString>` is
true, its default, a second time unescaped), the listed headers (`<scanHeaders>`), or every raw
header (`scanAllRaw`, which easlint cannot enumerate and leaves opaque). `<appliesTo>` limits a
rule to file name extensions; empty, it applies to every request. An extension-less URL such as
/Microsoft-Server-ActiveSync has no extension to list, so a rule whose appliesTo names
extensions never sees ActiveSync. The collections follow IIS's `<add>`/`<remove>`/`<clear/>`.

The module itself is a native IIS module that a web.config can unload with
`<modules><remove name="RequestFilteringModule" /></modules>` (Exchange 2019's own front-end
web.config files do, and applicationHost.config leaves that item unlocked): then no filtering
rule of the file runs, and the steps say so instead of refusing.

The hop is a listener that takes HTTPS (IIS terminates TLS, so the rules see HTTP) whose steps
are the rules, in order, and which routes to a pool standing for the Exchange back end. Which
virtual directory the file belongs to decides which requests it sees: a sync file governs
/Microsoft-Server-ActiveSync only, so EWS requests pass it untouched (and EAS206 says a blocked
app can switch to EWS); an ews file never sees ActiveSync. When neither the path nor the content
tells, the listener says so and its rules are applied to both. IIS's own idle timers are not in
web.config and Exchange holds the Ping itself, so the hop carries no timer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import PurePath, PureWindowsPath

from linter.model import (
    ALWAYS,
    Action,
    ActionKind,
    All,
    Any,
    Bind,
    Condition,
    Field,
    FieldKind,
    Listener,
    Location,
    Match,
    MatchOp,
    Opaque,
    Pool,
    Step,
)
from parsers.exchange.app_settings import read_app_settings
from parsers.exchange.xml_reader import Element

PHASE = "requestFiltering"
MODULE = "RequestFilteringModule"
PROTOCOL_TYPE_KEY = "HttpProxy.ProtocolType"
HTTPS_PORT = 443


class Vdir(str, enum.Enum):
    """The front-end virtual directory a web.config configures."""

    SYNC = "sync"
    EWS = "ews"
    UNKNOWN = "unknown"


_VDIR_PATHS = {Vdir.SYNC: "/microsoft-server-activesync", Vdir.EWS: "/ews/"}
_VDIR_NAMES = {
    Vdir.SYNC: "Microsoft-Server-ActiveSync virtual directory",
    Vdir.EWS: "EWS virtual directory",
    Vdir.UNKNOWN: "virtual directory unknown (neither sync nor ews in its path or HttpProxy.ProtocolType): applied to both",
}
_DIRECTORY_VDIRS = {"sync": Vdir.SYNC, "microsoft-server-activesync": Vdir.SYNC, "ews": Vdir.EWS}
_PROTOCOL_VDIRS = {"eas": Vdir.SYNC, "ews": Vdir.EWS}


@dataclass(frozen=True)
class FilteringRule:
    name: str
    scan_url: bool
    scan_query: bool
    scan_all_raw: bool
    headers: tuple[str, ...]
    applies_to: tuple[str, ...]
    deny_strings: tuple[str, ...]
    location: Location
    text: str


@dataclass(frozen=True)
class RequestFiltering:
    """One `<requestFiltering>` section with its rules as IIS resolves them."""

    rules: tuple[FilteringRule, ...]
    unescape_query: bool
    location: Location
    vdir: Vdir
    module_removed: Location | None  # where the file unloads RequestFilteringModule


def _flag(element: Element, name: str, default: bool = False) -> bool:
    value = element.attribute(name)
    return default if value is None else value.strip().lower() == "true"


def _collection(element: Element | None, key: str) -> tuple[str, ...]:
    """An IIS collection (`<add key=..>`, `<remove key=..>`, `<clear/>`), keys compared without case."""
    values: dict[str, str] = {}
    for item in element.children if element else ():
        value = item.attribute(key)
        if item.name == "clear":
            values.clear()
        elif item.name == "remove" and value is not None:
            values.pop(value.lower(), None)
        elif item.name == "add" and value is not None:
            values.setdefault(value.lower(), value)
    return tuple(values.values())


def _rule(file: str, element: Element) -> FilteringRule:
    return FilteringRule(
        name=element.attribute("name") or "",
        scan_url=_flag(element, "scanUrl"),
        scan_query=_flag(element, "scanQueryString"),
        scan_all_raw=_flag(element, "scanAllRaw"),
        headers=_collection(element.child("scanHeaders"), "requestHeader"),
        applies_to=_collection(element.child("appliesTo"), "fileExtension"),
        deny_strings=_collection(element.child("denyStrings"), "string"),
        location=Location(file, element.line),
        text=element.tag_text(),
    )


def _rules(file: str, section: Element) -> tuple[FilteringRule, ...]:
    rules: dict[str, FilteringRule] = {}
    for item in section.children:
        name = (item.attribute("name") or "").lower()
        if item.name == "clear":
            rules.clear()
        elif item.name == "remove":
            rules.pop(name, None)
        elif item.name == "filteringRule":
            rules.setdefault(name, _rule(file, item))
    return tuple(rules.values())


def _module_removed(file: str, web_server: Element | None) -> Location | None:
    """Where the file unloads the request filtering module, if it ends up unloaded."""
    removed: Location | None = None
    for item in web_server.child("modules").children if web_server and web_server.child("modules") else ():
        if item.name == "clear" or (item.name == "remove" and item.attribute("name") == MODULE):
            removed = Location(file, item.line)
        elif item.name == "add" and item.attribute("name") == MODULE:
            removed = None
    return removed


def vdir_of(name: str, root: Element, location_path: str | None = None) -> Vdir:
    """The virtual directory: a `<location path>` names it, else HttpProxy.ProtocolType (Eas,
    Ews) in the file's appSettings, else the directory the file sits in (`...\\HttpProxy\\sync`)."""
    if location_path:
        last = PurePath(location_path.replace("\\", "/")).name.lower()
        if last in _DIRECTORY_VDIRS:
            return _DIRECTORY_VDIRS[last]
    protocol = read_app_settings(root).get(PROTOCOL_TYPE_KEY)
    if protocol and protocol.value and protocol.value.strip().lower() in _PROTOCOL_VDIRS:
        return _PROTOCOL_VDIRS[protocol.value.strip().lower()]
    directory = PureWindowsPath(name).parent.name.lower()
    return _DIRECTORY_VDIRS.get(directory, Vdir.UNKNOWN)


def _sections(root: Element) -> list[tuple[Element, Element, str | None]]:
    """(system.webServer, requestFiltering, location path) for the file itself and each `<location>`."""
    found = []
    for holder, path in [(root, None)] + [(item, item.attribute("path")) for item in root.children if item.name == "location"]:
        web_server = holder.child("system.webServer")
        section = web_server.path("security", "requestFiltering") if web_server else None
        if web_server is not None and section is not None:
            found.append((web_server, section, path))
    return found


def read_request_filtering(name: str, root: Element, path_hint: str | None = None) -> list[RequestFiltering]:
    """Every `<requestFiltering>` section of the file that holds filtering rules; `path_hint` is a
    path whose directories may tell the vdir, when the display name `name` has none."""
    module_removed = _module_removed(name, root.child("system.webServer"))
    found = []
    for web_server, section, path in _sections(root):
        rules_element = section.child("filteringRules")
        rules = _rules(name, rules_element) if rules_element is not None else ()
        if not rules:
            continue
        removed = _module_removed(name, web_server) if path is not None else module_removed
        found.append(RequestFiltering(rules, _flag(section, "unescapeQueryString", True), Location(name, section.line),
                                      vdir_of(path_hint or name, root, path), removed or module_removed))
    return found


# -- the hop ---------------------------------------------------------------------------------------


def _contains(kind: FieldKind, values: tuple[str, ...], rule: FilteringRule, what: str, header: str | None = None,
              decoded: bool = False) -> Match:
    return Match(Field(kind, header), MatchOp.CONTAINS, values, case_sensitive=False,
                 transforms=("url_dec",) if decoded else (), location=rule.location,
                 text=f"filteringRule '{rule.name}' scans {what}")


def rule_condition(rule: FilteringRule, unescape_query: bool) -> Condition:
    """When the rule refuses a request: a deny string in a scanned part, for a listed extension."""
    deny = rule.deny_strings
    scanned: list[Condition] = []
    if rule.scan_url:
        scanned.append(_contains(FieldKind.PATH, deny, rule, "the URL", decoded=True))
    if rule.scan_query:
        scanned.append(_contains(FieldKind.QUERY, deny, rule, "the query string"))
        if unescape_query:
            scanned.append(_contains(FieldKind.QUERY, deny, rule, "the unescaped query string", decoded=True))
    scanned += [_contains(FieldKind.HEADER, deny, rule, f"header {header}", header.lower()) for header in rule.headers]
    if rule.scan_all_raw:
        scanned.append(Opaque("scanAllRaw scans every raw request header, which easlint does not enumerate", rule.location,
                              rule.text))
    condition: Condition = Any(tuple(scanned), location=rule.location)
    if rule.applies_to:
        extensions = Match(Field(FieldKind.PATH), MatchOp.SUFFIX, rule.applies_to, case_sensitive=False,
                           location=rule.location, text=f"appliesTo {', '.join(rule.applies_to)}")
        condition = All((extensions, condition), location=rule.location)
    return condition


def _in_vdir(vdir: Vdir) -> Condition:
    if vdir is Vdir.UNKNOWN:
        return ALWAYS
    return Match(Field(FieldKind.PATH), MatchOp.PREFIX, (_VDIR_PATHS[vdir],), case_sensitive=False,
                 text=f"IIS maps {_VDIR_PATHS[vdir]} to the {_VDIR_NAMES[vdir]}")


def _step(rule: FilteringRule, filtering: RequestFiltering) -> Step:
    condition = rule_condition(rule, filtering.unescape_query)
    if filtering.vdir is not Vdir.UNKNOWN:
        condition = All((_in_vdir(filtering.vdir), condition))
    if filtering.module_removed is not None:
        action = Action(ActionKind.CONTINUE, detail=f"does nothing: {MODULE} is removed at line "
                                                    f"{filtering.module_removed.line}, so IIS runs no filtering rule here")
    else:
        action = Action(ActionKind.DENY, detail="IIS answers 404.19 (Denied by filtering rule)")
    return Step(condition, action, rule.location, PHASE, rule.text)


def _pool(name: str, object_path: str, location: Location, label: str) -> Pool:
    return Pool(name, object_path, location, l7=True, labels=(label,))


def build_hop(filtering: RequestFiltering) -> tuple[Listener, list[Pool]]:
    """The listener for one filtering section and the pools its requests go on to."""
    location = filtering.location
    vdir = filtering.vdir
    steps = [_step(rule, filtering) for rule in filtering.rules]
    backend = f"exchange-{vdir.value}" if vdir is not Vdir.UNKNOWN else "exchange-back-end"
    pools = [_pool(backend, f"Exchange back end behind the {_VDIR_NAMES[vdir].split(' (')[0]}", location,
                   "Exchange back end (proxied by the front end's HttpProxy module)")]
    default_pool: str | None = backend
    if vdir is not Vdir.UNKNOWN:
        steps.append(Step(_in_vdir(vdir), Action(ActionKind.ROUTE, pool=backend), location, "vdir",
                          f"IIS serves {_VDIR_PATHS[vdir]} from this {_VDIR_NAMES[vdir]}"))
        default_pool = None
    if vdir is Vdir.SYNC:
        # Other paths (/EWS/ above all) are served by other virtual directories, whose own
        # web.config filters them: this file lets them through untouched.
        default_pool = "exchange-other-vdirs"
        pools.append(_pool(default_pool, "Exchange virtual directories other than Microsoft-Server-ActiveSync "
                                         "(filtered by their own web.config, not this one)", location,
                           "Exchange EWS and other front-end virtual directories"))
    listener = Listener(
        name=f"request filtering ({vdir.value})",
        object_path=f"IIS request filtering, {_VDIR_NAMES[vdir]}",
        location=location,
        l7=True,
        mode_source="IIS terminates TLS and reads HTTP",
        binds=(Bind(None, HTTPS_PORT, True, location),),
        steps=tuple(steps),
        default_pool=default_pool,
        default_pool_location=location if default_pool else None,
        labels=("Exchange front end (IIS)",),
    )
    return listener, pools
