"""Fixes as PAN-OS `set` commands (the CLI's configure mode; they apply to any firewall whatever
format its configuration was exported in).

A short session timer is fixed where it is written: a service override's timeout, a custom
application's `tcp-timeout`. A global `timeout-tcp` that is too short (or left at its default)
is fixed for the Exchange rule alone with a service that overrides the timeout (PAN-OS "Maintain
Custom Timeouts for Data Center Applications"), so a hardening baseline that shortened the global
value keeps it for everything else. A firewall does not parse HTTP in TLS, so refusing
ActiveSync apps belongs on the reverse proxy or load balancer, or needs TLS decryption.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from linter.findings import Fix
from linter.fixes import suggested_seconds
from linter.model import Listener, Match, Step, Timer
from linter.policy import AllowedClient, BlockedApp
from linter.probes import ProbeForm

_OBJECT = re.compile(r"^(?P<kind>security rule|service|application|address) '(?P<name>[^']*)' \((?P<scope>[^)]*)\)")
_RULEBASES = ("pre-rulebase", "post-rulebase")
NOT_L7 = ("a PAN-OS security rule sees addresses, ports and App-IDs, not the HTTP request inside TLS, so it cannot test "
          "User-Agent or DeviceType")


def _word(name: str) -> str:
    return name if name and re.fullmatch(r"[\w.:/-]+", name) else f'"{name}"'


def _prefixes(scope: str) -> tuple[str, str]:
    """(object prefix, rulebase prefix) of the `set` commands for a vsys, device group or shared."""
    rulebase = next((base for base in _RULEBASES if scope.endswith(" " + base)), None)
    owner = scope[: -len(rulebase) - 1] if rulebase else scope
    if owner == "shared":
        return "shared ", f"shared {rulebase or 'pre-rulebase'} "
    if owner.startswith("device-group "):
        group = _word(owner.removeprefix("device-group "))
        return f"device-group {group} ", f"device-group {group} {rulebase or 'pre-rulebase'} "
    if owner == "vsys1":
        return "", ""  # a single-vsys firewall takes its objects and rules without a vsys prefix
    return f"vsys {_word(owner)} ", f"vsys {_word(owner)} "


def _rule_override(name: str, scope: str, seconds: int) -> str:
    objects, rules = _prefixes(scope)
    service = f"eas-https-{seconds}"
    rule = _word(name)
    return "\n".join([
        f"set {objects}service {service} protocol tcp port 443",
        f"set {objects}service {service} protocol tcp override yes timeout {seconds}",
        f"delete {rules}rulebase security rules {rule} service",
        f"set {rules}rulebase security rules {rule} service {service}",
    ])


class PanosFixer:
    def timer(self, timer: Timer, required_seconds: int) -> Fix:
        seconds = suggested_seconds(required_seconds)
        found = _OBJECT.match(timer.applies_to)
        if found is None:  # the interzone-default rule allows the session
            return Fix(f"raise the global TCP session timeout to {seconds} s (it applies to every TCP session)",
                       f"set deviceconfig setting session timeout-tcp {seconds}", timer.location)
        kind, name, scope = found["kind"], found["name"], found["scope"]
        objects, _ = _prefixes(scope)
        if kind == "service":
            return Fix(f"raise the override timeout of service {name!r} to {seconds} s",
                       f"set {objects}service {_word(name)} protocol tcp override yes timeout {seconds}", timer.location)
        if kind == "application":
            return Fix(f"raise the TCP timeout of application {name!r} to {seconds} s",
                       f"set {objects}application {_word(name)} tcp-timeout {seconds}", timer.location)
        origin = f"the global {timer.setting} {timer.raw}" if timer.explicit else "the PAN-OS default 3600 s"
        return Fix(
            f"give the rule {name!r} a service that overrides the session timeout to {seconds} s for TCP 443, instead of "
            f"{origin} (other sessions keep the global value; add 80 to the port if the rule must also allow "
            f"plain HTTP). Alternatively raise the global value: set deviceconfig setting session timeout-tcp {seconds}",
            _rule_override(name, scope, seconds),
            timer.location,
        )

    def block_app(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        return self.l7_visibility(listener, apps)

    def case_insensitive(self, step: Step, matches: Sequence[Match]) -> Fix:
        return Fix(f"{NOT_L7}; this finding cannot come from a PAN-OS rule", step.text, step.location)

    def form_gap(self, step: Step, app: BlockedApp, form: ProbeForm) -> Fix:
        return Fix(f"{NOT_L7}; this finding cannot come from a PAN-OS rule", step.text, step.location)

    def shadowed(self, deny: Step, shadowing: Step) -> Fix:
        return Fix(f"move the rule at line {deny.location.line} above the rule at line {shadowing.location.line} "
                   "(PAN-OS: move rule ... before ...)", f"{deny.text}\n{shadowing.text}", shadowing.location)

    def native_blocked(self, step: Step, client: AllowedClient, apps: Sequence[BlockedApp]) -> Fix:
        return Fix(f"{NOT_L7}; the rule at line {step.location.line} refuses the session for every client alike",
                   step.text, step.location)

    def l7_visibility(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        names = ", ".join(app.name for app in apps)
        return Fix(
            f"{NOT_L7}. Refuse {names} on the reverse proxy or load balancer that terminates TLS in front of Exchange, "
            "or with IIS request filtering on Exchange; on the firewall itself only with SSL inbound inspection "
            "(a decryption rule with the Exchange certificate) plus a custom App-ID on the User-Agent that a deny rule "
            "names before the Exchange rule",
            "\n".join([
                "# on the reverse proxy or load balancer that terminates TLS (or in IIS request filtering):",
                f"# refuse requests to /Microsoft-Server-ActiveSync whose User-Agent or DeviceType names {names}",
            ]),
            listener.location,
        )
