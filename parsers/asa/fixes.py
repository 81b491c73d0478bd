"""Fixes in ASA CLI for the findings of every rule.

Timer fixes change the command that set the timer, in place: `timeout conn` globally, or the
`set connection timeout idle` of the policy-map class that takes the Exchange connections (a
class overrides `timeout conn` for the traffic it matches, so raising the global value alone
would change nothing for it). The blocking rules cannot be fixed on the ASA: it never sees the
User-Agent or the query of an HTTPS request, so the fix says where blocking belongs instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from linter.findings import Fix
from linter.fixes import suggested_seconds
from linter.model import Listener, Match, Step, Timer
from linter.policy import AllowedClient, BlockedApp
from linter.probes import ProbeForm
from parsers.asa.values import format_duration

_CLASS_PATH = re.compile(r"^policy-map (?P<policy>\S+) class (?P<cls>\S+)$")
NOT_L7 = ("the ASA never parses HTTP inside TLS (it is a packet filter here), so this finding cannot come from an ASA "
          "listener; refuse the apps on the load balancer or reverse proxy that terminates TLS")


def _iis_rule(apps: Sequence[BlockedApp]) -> str:
    """An IIS request filtering rule for the Exchange front end (the ActiveSync virtual
    directory), refusing the apps' User-Agent strings and DeviceType values with 404.19."""
    strings = list(dict.fromkeys([*(agent for app in apps for agent in app.user_agents),
                                  *(device for app in apps for device in app.device_types)]))
    lines = ['<filteringRule name="BlockActiveSyncApps" scanUrl="false" scanQueryString="true">',
             '  <scanHeaders><add requestHeader="User-Agent" /></scanHeaders>',
             '  <denyStrings>']
    lines += [f'    <add string="{value}" />' for value in strings]
    lines += ['  </denyStrings>', '</filteringRule>']
    return "\n".join(lines)


class AsaFixer:
    def timer(self, timer: Timer, required_seconds: int) -> Fix:
        value = format_duration(suggested_seconds(required_seconds))
        found = _CLASS_PATH.match(timer.applies_to)
        if found is not None:
            policy, cls = found["policy"], found["cls"]
            return Fix(
                f"raise the idle timeout of class {cls} in policy-map {policy} (line {timer.location.line}); it takes "
                "precedence over 'timeout conn' for the connections the class matches",
                f"policy-map {policy}\n class {cls}\n  set connection timeout idle {value}",
                timer.location,
            )
        if timer.explicit:
            return Fix(f"change line {timer.location.line} to 'timeout conn {value}' (the global idle timeout of TCP "
                       "connections; MPF classes with their own idle timeout keep theirs)",
                       f"timeout conn {value}", timer.location)
        return Fix(f"set the global idle timeout explicitly (it is the ASA default 1:00:00 for {timer.applies_to}), "
                   "so a change of default or an old hardening guide cannot shorten it unnoticed",
                   f"timeout conn {value}", None)

    def block_app(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        return Fix(NOT_L7, _iis_rule(apps), listener.location)

    def case_insensitive(self, step: Step, matches: Sequence[Match]) -> Fix:
        return Fix("ASA regexes are case-sensitive: write each letter as a class, like [Cc][Ll][Oo][Uu][Dd]; " + NOT_L7,
                   step.text, step.location)

    def form_gap(self, step: Step, app: BlockedApp, form: ProbeForm) -> Fix:
        return Fix(NOT_L7, step.text, step.location)

    def shadowed(self, deny: Step, shadowing: Step) -> Fix:
        return Fix(f"move the entry at line {deny.location.line} above the one at line {shadowing.location.line}",
                   f"{deny.text}\n{shadowing.text}", shadowing.location)

    def native_blocked(self, step: Step, client: AllowedClient, apps: Sequence[BlockedApp]) -> Fix:
        return Fix(f"the rule at line {step.location.line} also refuses {client.name}; " + NOT_L7, step.text, step.location)

    def l7_visibility(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        names = ", ".join(app.name for app in apps)
        return Fix(
            f"{listener.object_path} passes HTTPS through encrypted: the ASA cannot read User-Agent or DeviceType, and "
            f"its HTTP inspection sees only cleartext. Refuse {names} where TLS ends: on the load balancer or reverse "
            "proxy in front of Exchange, or with IIS request filtering on the Exchange servers (this rule, in the "
            "web.config of the Microsoft-Server-ActiveSync virtual directory, answers 404.19); then lint that hop "
            "together with this firewall",
            _iis_rule(apps),
            listener.location,
        )
