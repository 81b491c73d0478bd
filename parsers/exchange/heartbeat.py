"""The heartbeat values Exchange really uses, from the Sync (back-end ActiveSync) web.config.

What the file says and what Exchange does can differ: the AirSync handler validates the four
keys when it loads and silently falls back to defaults for values it rejects, logging an event
nobody may read. This module reproduces that validation (Exchange 2013+ `HeartBeatInterval.Read`
and `GlobalSettings.LoadSetting`, read from the decompiled code cited in eas-facts.md A2):

- an absent or empty key means the default (60 / 3540 / 200 / 540), with no event;
- MinHeartbeatInterval and MaxHeartbeatInterval are parsed as .NET `int.TryParse` does
  (surrounding white space and a sign allowed); an unparsable one takes its default (event 1119,
  GlobalValueNotParsable);
- then, in this order and only the first that applies: Min > Max -> both revert to 60 / 3540
  (event 1009, InvalidHbiLimits); Max > 3540 -> both revert (event 1010, MaxHbiTooHigh);
  Min < 1 -> both revert (event 1011, MinHbiTooLow);
- HeartbeatSampleSize (0..10000) and HeartbeatAlertThreshold (0..3540) outside their range take
  their default (event 1118, GlobalValueOutOfRange). The 1041/1042 events
  (HeartbeatSampleSizeTooHigh, HeartbeatAlertThresholdTooHigh) are declared in Exchange's event
  table but the code that loads these settings logs 1118. These two are converted by PowerShell's
  `LanguagePrimitives`; easlint accepts the plain integers that conversion certainly accepts and
  calls anything else unparsable (event 1119).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from linter.model import Diagnostic, Level, Location, Setting
from linter.policy import Heartbeat
from parsers.exchange.app_settings import AppSetting, AppSettings, read_app_settings
from parsers.exchange.xml_reader import Element, XmlRefused, read_xml

MIN_KEY, MAX_KEY = "MinHeartbeatInterval", "MaxHeartbeatInterval"
SAMPLE_KEY, THRESHOLD_KEY = "HeartbeatSampleSize", "HeartbeatAlertThreshold"
HEARTBEAT_KEYS = (MIN_KEY, MAX_KEY, SAMPLE_KEY, THRESHOLD_KEY)
DEFAULT_MIN, DEFAULT_MAX, DEFAULT_SAMPLE, DEFAULT_THRESHOLD = 60, 3540, 200, 540
HIGHEST_INTERVAL = 3540
HIGHEST_SAMPLE_SIZE = 10000
EVENT_INVALID_LIMITS, EVENT_MAX_TOO_HIGH, EVENT_MIN_TOO_LOW = 1009, 1010, 1011
EVENT_OUT_OF_RANGE, EVENT_NOT_PARSABLE = 1118, 1119
_INT32 = (-(2**31), 2**31 - 1)
_DOTNET_INTEGER = re.compile(r"^[ \t\n\v\f\r]*([+-]?[0-9]+)[ \t\n\v\f\r]*$")
_EXPECTED = {
    MIN_KEY: f"an integer from 1 to {HIGHEST_INTERVAL}, not above {MAX_KEY}",
    MAX_KEY: f"an integer from 1 to {HIGHEST_INTERVAL}, not below {MIN_KEY}",
    SAMPLE_KEY: f"an integer from 0 to {HIGHEST_SAMPLE_SIZE}",
    THRESHOLD_KEY: f"an integer from 0 to {HIGHEST_INTERVAL}",
}
_DEFAULTS = {MIN_KEY: DEFAULT_MIN, MAX_KEY: DEFAULT_MAX, SAMPLE_KEY: DEFAULT_SAMPLE, THRESHOLD_KEY: DEFAULT_THRESHOLD}
_RANGES = {SAMPLE_KEY: (0, HIGHEST_SAMPLE_SIZE), THRESHOLD_KEY: (0, HIGHEST_INTERVAL)}


@dataclass(frozen=True)
class HeartbeatSettings:
    """The effective heartbeat of one Sync web.config, each key as a `Setting` (with the problem
    that made Exchange discard it, if any), and why the file could not be read, if it could not."""

    heartbeat: Heartbeat
    settings: tuple[Setting, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def problems(self) -> tuple[Setting, ...]:
        return tuple(setting for setting in self.settings if setting.problem)


def parse_int(text: str) -> int | None:
    """The value as .NET `int.TryParse(NumberStyles.Integer, InvariantCulture)` reads it, or None."""
    match = _DOTNET_INTEGER.match(text)
    if not match:
        return None
    number = int(match.group(1))
    return number if _INT32[0] <= number <= _INT32[1] else None


@dataclass
class _Key:
    """One key while it is validated: what is written, the number Exchange holds, and why."""

    name: str
    written: AppSetting | None
    number: int
    problems: list[str]


def _read_key(name: str, settings: AppSettings) -> _Key:
    written = settings.get(name)
    default = _DEFAULTS[name]
    if written is None or not written.value:
        return _Key(name, written, default, [])
    number = parse_int(written.value)
    if number is None:
        problem = (f"{written.value!r} is not an integer: Exchange logs event {EVENT_NOT_PARSABLE} (GlobalValueNotParsable) "
                   f"and uses the default {default}")
        return _Key(name, written, default, [problem])
    return _Key(name, written, number, [])


def _revert_intervals(low: _Key, high: _Key, culprit: _Key, reason: str, event: int, name: str) -> None:
    culprit.problems.append(f"{reason}: Exchange logs event {event} ({name}) and reverts both {MIN_KEY} and {MAX_KEY} "
                            f"to {DEFAULT_MIN} and {DEFAULT_MAX}")
    low.number, high.number = DEFAULT_MIN, DEFAULT_MAX


def _validate_intervals(low: _Key, high: _Key) -> None:
    """`HeartBeatInterval.Read`: one check applies, in this order."""
    if low.number > high.number:
        _revert_intervals(low, high, low, f"{MIN_KEY} {low.number} is above {MAX_KEY} {high.number}",
                          EVENT_INVALID_LIMITS, "InvalidHbiLimits")
    elif high.number > HIGHEST_INTERVAL:
        _revert_intervals(low, high, high, f"{MAX_KEY} {high.number} is above {HIGHEST_INTERVAL}",
                          EVENT_MAX_TOO_HIGH, "MaxHbiTooHigh")
    elif low.number < 1:
        _revert_intervals(low, high, low, f"{MIN_KEY} {low.number} is below 1", EVENT_MIN_TOO_LOW, "MinHbiTooLow")


def _validate_range(key: _Key) -> None:
    """`GlobalSettings.LoadSetting`: a value outside the property's range takes the default."""
    lowest, highest = _RANGES[key.name]
    if not lowest <= key.number <= highest:
        default = _DEFAULTS[key.name]
        key.problems.append(f"{key.number} is outside {lowest}..{highest}: Exchange logs event {EVENT_OUT_OF_RANGE} "
                            f"(GlobalValueOutOfRange) and uses the default {default}")
        key.number = default


def _setting(key: _Key, file: str, section_line: int | None) -> Setting:
    line = key.written.line if key.written else section_line or 1
    return Setting(
        key=key.name,
        value=key.written.value if key.written else None,
        location=Location(file, line),
        effective=str(key.number),
        problem="; ".join(key.problems) or None,
        expected=_EXPECTED[key.name],
    )


def _source(name: str, keys: list[_Key]) -> str:
    """The web.config, and Exchange's defaults for what it does not write (the lines of what it
    writes are in `Heartbeat.written`)."""
    absent = [key.name for key in keys if key.written is None]
    if len(absent) == len(keys):
        return f"Exchange Sync web.config {name} (no heartbeat key written: Exchange defaults)"
    return f"Exchange Sync web.config {name}" + (f" (Exchange defaults for {', '.join(absent)})" if absent else "")


def heartbeat_from_tree(name: str, root: Element, base: Heartbeat) -> HeartbeatSettings:
    """The effective heartbeat of an already parsed web.config; `base` gives the margin."""
    app_settings = read_app_settings(root)
    keys = [_read_key(key, app_settings) for key in HEARTBEAT_KEYS]
    low, high, sample, threshold = keys
    _validate_intervals(low, high)
    _validate_range(sample)
    _validate_range(threshold)
    heartbeat = dataclasses.replace(base, min_interval=low.number, max_interval=high.number, sample_size=sample.number,
                                    alert_threshold=threshold.number, source=_source(name, keys),
                                    written=tuple((key.name, Location(name, key.written.line)) for key in keys if key.written))
    return HeartbeatSettings(heartbeat, tuple(_setting(key, name, app_settings.line) for key in keys))


def xml_diagnostic(name: str, error: XmlRefused) -> Diagnostic:
    return Diagnostic("EAS001", Level.ERROR, error.message, Location(name, error.line, error.column))


def read_heartbeat(name: str, text: str, base: Heartbeat | None = None) -> HeartbeatSettings:
    """The effective heartbeat of the Sync web.config `text` (shown as `name`). `base` is the
    caller's policy heartbeat, whose margin is kept; when the file cannot be read, `base` comes
    back unchanged with the reason as a diagnostic."""
    base = base or Heartbeat()
    try:
        root = read_xml(text)
    except XmlRefused as error:
        return HeartbeatSettings(base, (), (xml_diagnostic(name, error),))
    return heartbeat_from_tree(name, root, base)
