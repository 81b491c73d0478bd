"""Profiles: what type each profile a virtual names is, and the idle timers they give it.

A virtual server lists profiles with a context (`clientside`, `serverside`, or `all` when the
braces are empty): "the profile context determines whether the profile applies to the
client-side connection, the server-side connection, or both" (tmsh reference `ltm virtual`,
`profiles`). The idle timeout of the client leg comes from the tcp/fastL4/fastHTTP profile in
context `clientside` or `all`, that of the server leg from `serverside` or `all`.

A profile that does not write `idle-timeout` inherits it from its `defaults-from` parent, up
to a built-in profile ("Your new profile inherits all settings and values from the parent
profile", BIG-IP LTM Profiles Reference). The chain is followed through the configuration, then
profile_base.conf (when present), then `parsers.f5.builtins`. Values: an integer number of
seconds, `indefinite` or 0 (never reclaimed: "0, or indefinite", Ansible bigip_profile_tcp
`idle_timeout`; tmsh reference `ltm profile tcp`), `immediate` (reclaimed at once).

A built-in profile stays built-in when bigip.conf redefines it (tmsh saves a modified
`/Common/tcp` there): the device uses the modified value, but the fix must not change a profile
every other virtual shares, so its timer is attached to the virtual, as for an unmodified one.

The texts the parser writes into a built-in profile's timer for the person reading the
evidence are also how the F5 fixer learns what to change (the model carries no vendor data);
both directions live here, side by side (`describe_profiles`/`builtin_use`), so a change of
wording cannot silently break the fixes (parsers.f5.timer_policies does the same for timer
policy rules).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from linter.model import Location, Timer, TimerKind
from parsers.f5.builtins import ACCESS_INACTIVITY_DEFAULT, ACCESS_INACTIVITY_SOURCE, BUILTIN_PROFILES, BuiltinProfile
from parsers.f5.objects import Config, Entry, resolve

MAX_CHAIN = 32


class ProfileError(Exception):
    """A profile the device would refuse (a missing parent, a loop, a value it cannot read).
    `object_path` names the profile, so the problem is reported once, not once per virtual."""

    def __init__(self, message: str, location: Location, object_path: str | None = None) -> None:
        super().__init__(message)
        self.location = location
        self.object_path = object_path


@dataclass(slots=True)
class Attached:
    """A profile a virtual names: full path, type, context and the line that names it. A
    parser-internal record of one virtual's build (thousands per device), so a plain slots
    class: the model objects made from it are the frozen ones."""

    path: str
    type: str | None  # None: defined nowhere easlint can see
    context: str  # clientside, serverside or all
    line: int

    def describe(self) -> str:
        return profile_item(self.path, self.context)


def profile_item(path: str, context: str | None) -> str:
    """One entry of a virtual's profile list as tmsh writes it: `/Common/tcp { }` for context
    `all` (or none given), `/Common/x { context clientside }` otherwise."""
    return f"{path} {{ context {context} }}" if context not in (None, "all") else f"{path} {{ }}"


@dataclass(frozen=True)
class Setting:
    """A value found along a `defaults-from` chain and where it was written."""

    raw: str
    written_in: str  # the profile that writes it
    location: Location | None  # None: a built-in default outside the configuration
    builtin_source: str | None
    chain: tuple[str, ...]  # the profiles walked, from the one used to the one that writes it


def profile_type(config: Config, path: str) -> str | None:
    entry = config.profiles.get(path)
    if entry is not None:
        return "access" if entry.kind == ("apm", "profile", "access") else entry.type
    builtin = BUILTIN_PROFILES.get(path)
    return builtin.type if builtin else None


def find_setting(config: Config, path: str, key: str, type_default: tuple[str, str] | None = None) -> Setting | None:
    """The value of `key` for profile `path`, following `defaults-from`. Thousands of virtuals
    share a few profiles, so each chain is walked once per device (`config.settings`); a chain
    that raises is walked again each time, to raise again."""
    cache_key = (path, key) if type_default is None else (path, key, *type_default)
    if cache_key in config.settings:
        return config.settings[cache_key]
    found = _walk_chain(config, path, key, type_default)
    config.settings[cache_key] = found
    return found


def _walk_chain(config: Config, path: str, key: str, type_default: tuple[str, str] | None) -> Setting | None:
    chain: list[str] = []
    current: str | None = path
    while current is not None:
        if current in chain or len(chain) >= MAX_CHAIN:
            entry = config.profiles.get(path)
            raise ProfileError(f"the defaults-from chain of {path} loops ({' -> '.join(chain + [current])})",
                               entry.location() if entry else Location("", 1), entry.object_path if entry else None)
        chain.append(current)
        entry = config.profiles.get(current)
        builtin = BUILTIN_PROFILES.get(current)
        if entry is not None:
            found = entry.value(key)
            if found is not None and current in config.base_paths:  # profile_base.conf: a vendor default
                return Setting(found[0], current, None, f"{entry.stanza.file}, line {found[1]}", tuple(chain))
            if found is not None:
                return Setting(found[0], current, entry.location(found[1]), None, tuple(chain))
            parent = entry.value("defaults-from")
            if parent is not None:
                resolved = resolve(parent[0], current, config.profile_names())
                if resolved not in config.profiles and resolved not in BUILTIN_PROFILES:
                    raise ProfileError(f"{entry.object_path}: defaults-from {parent[0]} names a profile that does not exist",
                                       entry.location(parent[1]), entry.object_path)
                current = resolved
                continue
        if builtin is not None:
            value = _builtin_value(builtin, key)
            if value is not None:
                return Setting(value, current, None, builtin.source, tuple(chain))
            current = builtin.parent
            continue
        current = None
    if type_default is not None:
        return Setting(type_default[0], chain[-1], None, type_default[1], tuple(chain))
    return None


def _builtin_value(builtin: BuiltinProfile, key: str) -> str | None:
    if key == "idle-timeout":
        return builtin.idle_timeout
    return None


def seconds_of(raw: str) -> float | None:
    """Seconds of an idle-timeout value; None for unbounded. Raises ValueError when unreadable."""
    if raw == "indefinite":
        return None
    if raw == "immediate":
        return 0
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return None if value == 0 else float(value)


def is_builtin(config: Config, path: str) -> bool:
    """Whether `path` is one of the profiles every BIG-IP has, modified in bigip.conf or not."""
    return path in BUILTIN_PROFILES or path in config.base_defined


def _describe_chain(setting: Setting) -> str:
    if len(setting.chain) == 1:
        return setting.chain[0]
    return " defaults-from ".join(setting.chain)


def _bad_value(config: Config, setting: Setting, key: str, accepted: str, fallback: Location) -> ProfileError:
    """The error for a value the device cannot use, named by its setting, as written, where it
    is written."""
    entry = config.profiles.get(setting.written_in)
    owner = entry.object_path if entry is not None else setting.written_in
    return ProfileError(f"{owner}: {key} '{setting.raw}' is not {accepted}", setting.location or fallback,
                        entry.object_path if entry is not None else None)


# -- the texts that carry a built-in profile's use to the fixer ----------------------------------

_LISTED = re.compile(r"which lists profiles \{ (?P<list>.*) \}(?: \([^()]*\))?$")
_LISTED_ITEM = re.compile(r"(?P<path>/\S+) \{ (?:context (?P<context>\S+) )?\}")
_BUILTIN_USE = re.compile(r"^built-in (?P<type>\S+) profile (?P<path>/[^\s:]+)")


def describe_profiles(attached: Sequence[Attached]) -> str:
    """A virtual's profile list as tmsh writes it (`/Common/tcp { } /Common/x { context clientside }`)."""
    return " ".join(profile.describe() for profile in attached)


@dataclass(frozen=True)
class BuiltinUse:
    """What a built-in profile's timer says for its fix: the built-in the virtual uses and the
    virtual's whole profile list, so a child profile can take its place and keep the others."""

    type: str
    path: str
    profiles: tuple[tuple[str, str | None], ...]  # (path, context as written; None for `{ }`)


def builtin_use(source: str) -> BuiltinUse | None:
    """The `BuiltinUse` written in a timer's `source` by `idle_timer`; None for other timers."""
    builtin = _BUILTIN_USE.match(source)
    listing = _LISTED.search(source)
    if builtin is None or listing is None:
        return None
    profiles = tuple((item["path"], item["context"]) for item in _LISTED_ITEM.finditer(listing["list"]))
    return BuiltinUse(builtin["type"], builtin["path"], profiles)


def _builtin_source(type_: str, subject: str, detail: str, leg: str, virtual: Entry, listing: str, note: str) -> str:
    """The source text of a built-in profile's timer; `builtin_use` reads it back."""
    return (f"built-in {type_} profile {subject}: {detail}; {leg} side of {virtual.object_path}, "
            f"which lists profiles {{ {listing} }}" + (f" ({note})" if note else ""))


# -- idle timers of profiles ---------------------------------------------------------------------


def idle_timer(config: Config, attached: Attached, kind: TimerKind, virtual: Entry, listing: str, note: str = "") -> Timer:
    """The idle timer a tcp/fastL4/fastHTTP profile gives one leg of `virtual`. `listing` is
    the virtual's profile list (`describe_profiles`); `note` says why the profile is not in it."""
    type_ = attached.type or "tcp"
    setting = find_setting(config, attached.path, "idle-timeout", ("300", f"the {type_} profile type default"))
    assert setting is not None
    try:
        seconds = seconds_of(setting.raw)
    except ValueError:
        raise _bad_value(config, setting, "idle-timeout", "a number of seconds, 'indefinite' or 'immediate'",
                         virtual.location(attached.line)) from None
    entry = config.profiles.get(attached.path)
    leg = "server" if kind is TimerKind.SERVER_IDLE else "client"  # a fastL4 flow's one timer starts on the client side
    if entry is None or attached.path in config.base_paths:
        # A built-in profile used as it is: the fix goes in the virtual (a child profile).
        detail = f"idle-timeout {setting.raw} ({setting.builtin_source})"
        source = _builtin_source(type_, _describe_chain(setting), detail, leg, virtual, listing, note)
        return Timer(kind, seconds, "idle-timeout", source, False, virtual.location(attached.line), virtual.object_path, None,
                     inherited_from=setting.written_in)
    if is_builtin(config, attached.path):
        return _modified_builtin_timer(config, attached, kind, virtual, listing, note, setting, seconds)
    applies_to = entry.object_path
    explicit = setting.location is not None
    if explicit and setting.written_in == attached.path:
        source = f"{applies_to}: idle-timeout {setting.raw}; {leg} side of {virtual.object_path}"
        return Timer(kind, seconds, "idle-timeout", source, True, setting.location or entry.location(), applies_to, setting.raw)
    origin = f"written in {setting.written_in}" if explicit else f"built-in default of {setting.written_in} ({setting.builtin_source})"
    source = (f"{applies_to} sets no idle-timeout: {_describe_chain(setting)} gives {setting.raw}, {origin}; "
              f"{leg} side of {virtual.object_path}")
    location = setting.location if explicit and setting.location else entry.location()
    return Timer(kind, seconds, "idle-timeout", source, explicit, location, applies_to, setting.raw if explicit else None,
                 inherited_from=setting.written_in)


def _modified_builtin_timer(config: Config, attached: Attached, kind: TimerKind, virtual: Entry, listing: str, note: str,
                            setting: Setting, seconds: float | None) -> Timer:
    """A built-in profile that bigip.conf redefines: the device uses the value written there,
    but every virtual that names the profile shares it, so the timer (and its fix, a child
    profile) belongs to the virtual, at the line that names the profile."""
    type_ = attached.type or "tcp"
    leg = "server" if kind is TimerKind.SERVER_IDLE else "client"
    explicit = setting.location is not None
    written = f"written at {setting.location}" if explicit else f"{setting.builtin_source}"
    if setting.written_in != attached.path:
        written = f"inherited from {setting.written_in}, {written}"
    detail = f"modified in this configuration, idle-timeout {setting.raw} ({written})"
    source = _builtin_source(type_, attached.path, detail, leg, virtual, listing, note)
    return Timer(kind, seconds, "idle-timeout", source, explicit, virtual.location(attached.line), virtual.object_path,
                 setting.raw if explicit else None, inherited_from=setting.written_in)


def access_timer(config: Config, attached: Attached, virtual: Entry) -> Timer:
    """An APM access profile's `inactivity-timeout`: the session ends after that long without
    traffic, and a Ping held open by Exchange is traffic-free for its whole length."""
    setting = find_setting(config, attached.path, "inactivity-timeout", (ACCESS_INACTIVITY_DEFAULT, ACCESS_INACTIVITY_SOURCE))
    assert setting is not None
    entry = config.profiles.get(attached.path)
    if not setting.raw.isdigit():
        fallback = entry.location() if entry is not None else virtual.location(attached.line)
        raise _bad_value(config, setting, "inactivity-timeout", "a whole number of seconds", fallback)
    value = int(setting.raw)
    seconds = None if value == 0 else float(value)
    if attached.path in config.base_paths:
        entry = None
    applies_to = entry.object_path if entry else virtual.object_path
    explicit = setting.location is not None
    if explicit:
        source = f"apm profile access {setting.written_in}: inactivity-timeout {setting.raw}; session of {virtual.object_path}"
        location = setting.location or virtual.location(attached.line)
    else:
        source = f"{attached.path} sets no inactivity-timeout: default {setting.raw} ({setting.builtin_source}); session of {virtual.object_path}"
        location = entry.location() if entry else virtual.location(attached.line)
    return Timer(TimerKind.SESSION_IDLE, seconds, "inactivity-timeout", source, explicit, location, applies_to,
                 setting.raw if explicit else None,
                 inherited_from=None if explicit and setting.written_in == attached.path else setting.written_in)
