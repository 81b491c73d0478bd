"""Fixes in FortiOS CLI for the findings a FortiGate can have.

A timer is raised where FortiOS's precedence lets the new value win for this policy only
(sessions.py): a service's own `session-ttl` beats the policy's, so it is changed on the
service; any other value (a port entry, the system default) is overridden by setting the
policy's `session-ttl`, which leaves other policies as they are. With VDOMs the commands go
inside `config vdom` / `edit <vdom>`.

A firewall policy never parses HTTP, so the app-blocking fixes say where blocking belongs: on
the reverse proxy or load balancer that terminates TLS, or in IIS request filtering on the
Exchange servers.
"""

from __future__ import annotations

from collections.abc import Sequence

from linter.findings import Fix
from linter.fixes import suggested_seconds
from linter.model import Listener, Match, Step, Timer
from linter.policy import AllowedClient, BlockedApp
from linter.probes import ProbeForm
from parsers.fortigate.paths import parse_path

INDENT = "    "


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _in_vdom(vdom: str | None, lines: list[str]) -> str:
    if not vdom:
        return "\n".join(lines)
    return "\n".join(["config vdom", f"edit {vdom}"] + [INDENT + line for line in lines] + ["end"])


def _edit(table: str, name: str, setting: str, vdom: str | None) -> str:
    return _in_vdom(vdom, [f"config {table}", f"{INDENT}edit {name}", f"{INDENT * 2}{setting}", f"{INDENT}next", "end"])


def _iis_filtering_rule(apps: Sequence[BlockedApp]) -> str:
    strings = list(dict.fromkeys([agent for app in apps for agent in app.user_agents]
                                 + [device_type for app in apps for device_type in app.device_types]))
    lines = ['<filteringRule name="Block third-party ActiveSync apps" scanUrl="false" scanQueryString="true">',
             '  <scanHeaders><add requestHeader="User-Agent" /></scanHeaders>',
             "  <denyStrings>"]
    lines += [f'    <add string="{value}" />' for value in strings]
    lines += ["  </denyStrings>", "</filteringRule>"]
    return "\n".join(lines)


_NOT_REACHABLE = ("a FortiGate firewall policy does not parse HTTP, so this cannot apply to it; refuse the apps on the "
                  "reverse proxy or load balancer that terminates TLS in front of Exchange")


class FortiGateFixer:
    def timer(self, timer: Timer, required_seconds: int) -> Fix:
        value = suggested_seconds(required_seconds)
        policy = parse_path(timer.applies_to)
        origin = parse_path(timer.inherited_from)
        if origin is not None and origin.kind == "service":
            return Fix(
                f"raise the session-ttl of service {_quoted(origin.name)} to {value}: a service's session-ttl overrides the "
                f"policy's, and every policy that uses the service gets the new value",
                _edit("firewall service custom", _quoted(origin.name), f"set session-ttl {value}", origin.vdom),
                timer.location,
            )
        if policy is None:  # never produced by this parser; keep the fix honest anyway
            return Fix(f"set session-ttl {value} on the policy that accepts ActiveSync", f"set session-ttl {value}", timer.location)
        if timer.inherited_from is None:
            description = f"change the session-ttl of policy {policy.name} to {value}"
        else:
            description = (f"set session-ttl {value} on policy {policy.name}: it overrides {timer.setting} "
                           f"({timer.raw or 'not set'}) for this policy only")
        return Fix(description, _edit("firewall policy", policy.name, f"set session-ttl {value}", policy.vdom), timer.location)

    def block_app(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        return Fix(_NOT_REACHABLE, _iis_filtering_rule(apps), listener.location)

    def case_insensitive(self, step: Step, matches: Sequence[Match]) -> Fix:
        return Fix(_NOT_REACHABLE, step.text, step.location)

    def form_gap(self, step: Step, app: BlockedApp, form: ProbeForm) -> Fix:
        return Fix(_NOT_REACHABLE, step.text, step.location)

    def shadowed(self, deny: Step, shadowing: Step) -> Fix:
        return Fix(f"move the policy at line {deny.location.line} above the one at line {shadowing.location.line} "
                   "(config firewall policy / move <id> before <id>)", f"{deny.text}\n{shadowing.text}", shadowing.location)

    def native_blocked(self, step: Step, client: AllowedClient, apps: Sequence[BlockedApp]) -> Fix:
        return Fix(_NOT_REACHABLE, step.text, step.location)

    def l7_visibility(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        names = ", ".join(app.name for app in apps)
        return Fix(
            f"{listener.object_path} passes ActiveSync inside TLS; a FortiGate firewall policy cannot see the User-Agent "
            f"or DeviceType there. Refuse {names} on the reverse proxy or load balancer that terminates TLS in front of "
            "Exchange, or with IIS request filtering on the Exchange servers (web.config of the Microsoft-Server-ActiveSync "
            "virtual directory, inside <system.webServer><security><requestFiltering><filteringRules>)",
            _iis_filtering_rule(apps),
            listener.location,
        )
