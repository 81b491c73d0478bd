"""HAProxy time values and the timers that govern a held-open ActiveSync Ping.

Time values are an integer with an optional unit (`us`, `ms`, `s`, `m`, `h`, `d`; milliseconds
when none), at most 2147483647 ms, and 0 means "no timeout" (HAProxy then warns about
missing timeouts), as HAProxy 2.6 reads them.

Which timers cut a Ping was measured on HAProxy 2.6 (see DESIGN, Simulation): in `mode http`
only `timeout server` runs while the answer is awaited (a 5 s answer passed a 2 s
`timeout client`); in `mode tcp` `timeout client` and `timeout server` are idle timers on their
side, and `timeout tunnel`, when set, supersedes both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linter.model import Location, Timer, TimerKind

MAX_MILLISECONDS = 2147483647
_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_TIME = re.compile(r"(\d+)(us|ms|s|m|h|d)?(.*)", re.DOTALL)
TIMEOUT_NAMES = frozenset(
    {"check", "client", "client-fin", "connect", "http-keep-alive", "http-request", "queue",
     "server", "server-fin", "tarpit", "tunnel"}
)


class TimeError(ValueError):
    """A time value HAProxy refuses."""


def parse_time(text: str) -> tuple[float, str]:
    """Milliseconds for an HAProxy time value such as `30s`, `1h` or `500` (ms), and what follows
    the unit. HAProxy 2.6 reads `65min` as 65m and only warns about "in"; callers report it."""
    match = _TIME.match(text)
    if not match:
        bad = text[:1] or " "
        raise TimeError(f"unexpected character '{bad}' in time value '{text}'")
    number, unit, rest = match.groups()
    if rest and unit is None:
        raise TimeError(f"unexpected character '{rest[0]}' in time value '{text}'")
    value = int(number) * _UNITS_MS[unit or "ms"]
    if value > MAX_MILLISECONDS:
        raise TimeError(f"timer overflow in '{text}' (maximum value is 2147483647 ms or ~24.8 days)")
    return value, rest


def parse_time_ms(text: str) -> float:
    """Milliseconds for a time value that must be exact (no trailing characters)."""
    value, rest = parse_time(text)
    if rest:
        raise TimeError(f"unexpected character '{rest[0]}' after the time value '{text}'")
    return value


def format_seconds(seconds: float) -> str:
    """A time value in HAProxy syntax, in the largest unit that keeps it exact."""
    milliseconds = round(seconds * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if milliseconds % size == 0:
            return f"{milliseconds // size}{unit}"
    return f"{milliseconds}ms"


@dataclass(frozen=True)
class TimeoutSetting:
    """One `timeout <name> <value>` line, and the section it was written in."""

    name: str
    milliseconds: float
    raw: str
    location: Location
    section: str  # e.g. "defaults http" or "backend be_exchange"


def _timer(kind: TimerKind, name: str, setting: TimeoutSetting | None, owner: str, owner_location: Location,
           replaces: tuple[TimerKind, ...] = ()) -> Timer:
    label = f"timeout {name}"
    if setting is None:
        return Timer(kind, None, label, f"{label} is not set: HAProxy applies no timeout (it warns about missing timeouts at start-up)",
                     False, owner_location, owner)
    inherited_from = None if setting.section == owner else setting.section
    where = f"{setting.section}, inherited by {owner}" if inherited_from else owner
    seconds = None if setting.milliseconds == 0 else setting.milliseconds / 1000
    source = f"{label} {setting.raw} in {where} (line {setting.location.line})"
    if seconds is None:
        source += ": 0 disables the timeout"
    return Timer(kind, seconds, label, source, True, setting.location, owner, setting.raw, replaces, inherited_from)


def listener_timers(http_mode: bool, timeouts: dict[str, TimeoutSetting], owner: str, location: Location) -> tuple[Timer, ...]:
    """Client-side timers that can cut a Ping on a frontend or listen section."""
    if http_mode:
        return ()
    return (_timer(TimerKind.CLIENT_IDLE, "client", timeouts.get("client"), owner, location),)


def pool_timers(http_mode: bool, timeouts: dict[str, TimeoutSetting], owner: str, location: Location) -> tuple[Timer, ...]:
    """Server-side timers that can cut a Ping on a backend or listen section."""
    if http_mode:
        return (_timer(TimerKind.RESPONSE, "server", timeouts.get("server"), owner, location),)
    timers = [_timer(TimerKind.SERVER_IDLE, "server", timeouts.get("server"), owner, location)]
    tunnel = timeouts.get("tunnel")
    if tunnel is not None and tunnel.milliseconds > 0:
        timers.append(
            _timer(TimerKind.SESSION_IDLE, "tunnel", tunnel, owner, location,
                   replaces=(TimerKind.CLIENT_IDLE, TimerKind.SERVER_IDLE))
        )
    return tuple(timers)


def override_timer(value_ms: float, raw: str, location: Location, owner: str) -> Timer:
    """The timer an `http-request set-timeout server` rule gives the requests it matches."""
    source = f"http-request set-timeout server {raw} in {owner} (line {location.line}), for the requests it matches"
    seconds = None if value_ms == 0 else value_ms / 1000
    return Timer(TimerKind.RESPONSE, seconds, "timeout server", source, True, location, owner, raw)
