"""EAS101-EAS104: every idle timer on the path of a Direct Push Ping must outlast it.

Exchange holds a Ping for up to MaxHeartbeatInterval (3540 s by default) before answering. A
timer on the way that fires first cuts the Ping: the device falls back to shorter heartbeats,
drains its battery, and once the average heartbeat drops to HeartbeatAlertThreshold (540 s)
Exchange logs event 1040 (KB 905013).

Each timer gets at most one finding, the most severe that applies: EAS101 at or below the alert
threshold, else EAS102 below MaxHeartbeatInterval + margin, else EAS104 when it is disabled on
purpose, else EAS103 when it passes only by a vendor default. A timer left unset and therefore
unbounded is EAS103: the fix is the same, set it explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.analysis import PathTimer
from linter.findings import Evidence, Finding
from linter.findings import Severity
from linter.fixes import Fixer
from linter.model import Timer, TimerKind
from linter.policy import Heartbeat
from policies.base import Rule, RuleContext

_KIND_MEANING = {
    TimerKind.RESPONSE: "how long the device waits for the server's answer, which Exchange withholds for the whole Ping",
    TimerKind.CLIENT_IDLE: "how long the client side may stay idle, which it does for the whole Ping",
    TimerKind.SERVER_IDLE: "how long the server side may stay idle, which it does for the whole Ping",
    TimerKind.SESSION_IDLE: "how long the whole connection may stay idle, which it does for the whole Ping",
}


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _actual(timer: Timer) -> str:
    value = "unbounded" if timer.seconds is None else _seconds(timer.seconds)
    written = f"{timer.setting} {timer.raw}" if timer.raw else f"{timer.setting} not set"
    return f"{value} ({written})"


def _threshold_evidence(rule: Rule, heartbeat: Heartbeat) -> Evidence:
    """The Exchange value the timer is judged by, where it comes from, at its line when a Sync
    web.config writes it."""
    key, value = (("HeartbeatAlertThreshold", heartbeat.alert_threshold) if rule is TIMEOUT_BELOW_ALERT
                  else ("MaxHeartbeatInterval", heartbeat.max_interval))
    return Evidence(f"{key} {value} s from the {heartbeat.source}", heartbeat.written_at(key))


def _evidence(rule: Rule, entry: PathTimer, heartbeat: Heartbeat) -> list[Evidence]:
    timer = entry.timer
    path = f"{entry.listener.object_path} (line {entry.listener.location.line})"
    if entry.pool is not None:
        path += f" -> {entry.pool.object_path} (line {entry.pool.location.line})"
    return [
        Evidence(timer.source, timer.location),
        Evidence(f"{timer.kind.value} timer: {_KIND_MEANING[timer.kind]}"),
        Evidence(f"on the ActiveSync path: {path}", entry.listener.location),
        *([Evidence(f"the ActiveSync path ends in {entry.pool.object_path}", entry.pool.location)] if entry.pool is not None else []),
        _threshold_evidence(rule, heartbeat),
    ]


def _expected(heartbeat: Heartbeat) -> str:
    return (f">= {heartbeat.required_seconds} s (MaxHeartbeatInterval {heartbeat.max_interval} s "
            f"+ margin {heartbeat.margin} s)")


def _classify(timer: Timer, heartbeat: Heartbeat) -> Rule | None:
    if timer.seconds is None:
        return TIMEOUT_UNBOUNDED if timer.explicit else TIMEOUT_IMPLICIT_DEFAULT
    if timer.seconds <= heartbeat.alert_threshold:
        return TIMEOUT_BELOW_ALERT
    if timer.seconds < heartbeat.required_seconds:
        return TIMEOUT_BELOW_MAX
    return None if timer.explicit else TIMEOUT_IMPLICIT_DEFAULT


def _message(rule: Rule, entry: PathTimer, heartbeat: Heartbeat) -> str:
    timer = entry.timer
    where = f"{timer.setting} on {timer.applies_to}"
    if rule is TIMEOUT_BELOW_ALERT:
        return (f"{where} is {_seconds(timer.seconds or 0)}, at or below HeartbeatAlertThreshold {heartbeat.alert_threshold} s: "
                f"Direct Push Pings are cut, clients fall back to short heartbeats and Exchange logs event 1040")
    if rule is TIMEOUT_BELOW_MAX:
        return (f"{where} is {_seconds(timer.seconds or 0)}, below MaxHeartbeatInterval {heartbeat.max_interval} s "
                f"+ {heartbeat.margin} s margin: Pings held longer than that are cut and clients shorten their heartbeat")
    if rule is TIMEOUT_UNBOUNDED:
        return f"{where} is disabled: idle connections are never reclaimed and connection tables can fill"
    if timer.seconds is None:
        return f"{where} is not set, so it is unbounded by default; set it explicitly"
    return f"{where} passes only by the vendor default ({_seconds(timer.seconds)}); set it explicitly so it cannot drift"


def _findings(rule: Rule, context: RuleContext) -> Iterator[Finding]:
    heartbeat = context.analysis.policy.heartbeat
    fixer: Fixer = context.fixer
    for entry in context.analysis.path_timers:
        timer = entry.timer
        if _classify(timer, heartbeat) is not rule:
            continue
        yield rule.finding(
            context,
            _message(rule, entry, heartbeat),
            timer.location,
            timer.applies_to,
            timer.setting,
            expected=_expected(heartbeat) if rule is not TIMEOUT_UNBOUNDED else f"a bound >= {heartbeat.required_seconds} s",
            actual=_actual(timer),
            evidence=_evidence(rule, entry, heartbeat),
            fix=fixer.timer(timer, heartbeat.required_seconds),
        )


TIMEOUT_BELOW_ALERT = Rule(
    "EAS101", "timeout-below-alert-threshold", Severity.ERROR,
    "An idle timer on the ActiveSync path is at or below HeartbeatAlertThreshold (540 s): event 1040.",
    lambda context: _findings(TIMEOUT_BELOW_ALERT, context),
)
TIMEOUT_BELOW_MAX = Rule(
    "EAS102", "timeout-below-max-heartbeat", Severity.ERROR,
    "An idle timer on the ActiveSync path is shorter than MaxHeartbeatInterval + margin (3540 + 60 s).",
    lambda context: _findings(TIMEOUT_BELOW_MAX, context),
)
TIMEOUT_IMPLICIT_DEFAULT = Rule(
    "EAS103", "timeout-implicit-default", Severity.WARNING,
    "A timer on the ActiveSync path is a vendor default, not set explicitly.",
    lambda context: _findings(TIMEOUT_IMPLICIT_DEFAULT, context),
)
TIMEOUT_UNBOUNDED = Rule(
    "EAS104", "timeout-unbounded", Severity.INFO,
    "A timer on the ActiveSync path is disabled on purpose: connection tables can fill.",
    lambda context: _findings(TIMEOUT_UNBOUNDED, context),
)
