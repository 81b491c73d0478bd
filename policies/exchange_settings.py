"""EAS301: Exchange discards a heartbeat setting of the Sync web.config and uses another value.

The AirSync handler validates MinHeartbeatInterval, MaxHeartbeatInterval, HeartbeatSampleSize
and HeartbeatAlertThreshold when it loads; a value it rejects is replaced by a default, and the
only trace is an event in the Application log (1009, 1010, 1011, 1118 or 1119). An admin who
lowered MaxHeartbeatInterval to suit a firewall, or raised it past 3540, then runs with values
nobody chose, and every timer judgement (EAS101-EAS104) made against the written value is wrong.
The parser (`parsers.exchange.heartbeat`) has already worked out what Exchange does with each
key; this rule reports the keys whose written value is not the one Exchange uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from linter.findings import Evidence, Finding, Fix, Severity
from linter.model import Setting
from policies.base import Rule, RuleContext


@runtime_checkable
class SettingFixer(Protocol):
    """A vendor fixer that can rewrite a device-wide setting (the Exchange fixer)."""

    def setting(self, setting: Setting) -> Fix: ...


def _check(context: RuleContext) -> Iterator[Finding]:
    device = context.analysis.device
    fixer = context.fixer
    for setting in device.settings:
        if not setting.problem:
            continue
        yield HEARTBEAT_SETTINGS_INVALID.finding(
            context,
            f"{setting.key} = {setting.value!r} is not used: {setting.problem}; Exchange runs with {setting.effective}",
            setting.location,
            "appSettings",
            setting.key,
            expected=setting.expected,
            actual=f"{setting.value} (Exchange uses {setting.effective})",
            evidence=[Evidence(f'written: <add key="{setting.key}" value="{setting.value}">', setting.location),
                      Evidence(f"effective value: {setting.effective}")],
            fix=fixer.setting(setting) if isinstance(fixer, SettingFixer) else None,
        )


HEARTBEAT_SETTINGS_INVALID = Rule(
    "EAS301", "heartbeat-settings-invalid", Severity.ERROR,
    "A heartbeat key of the Exchange Sync web.config is invalid: Exchange ignores it and uses a default.",
    _check,
)
"""For every vendor, like the other rules (a JUnit report lists each rule once per device): only
devices with `settings`, so far Exchange's Sync web.config, can fire it."""
