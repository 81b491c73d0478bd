"""Fixes in web.config XML and PowerShell for findings on Exchange-side files.

Heartbeat settings are fixed in the back-end Sync web.config (the `<add key=... value=...>`
line, or `Set-WebConfigurationProperty` on the Exchange Back End site's ActiveSync vdir);
blocking is fixed in the front-end vdir's IIS request filtering rules. IIS filtering always
ignores letter case, never allows before it denies and always sees HTTP, so the fixes for
case-sensitive, shadowed and blind blocks only say that nothing is to change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from linter.findings import Fix
from linter.model import ActionKind, Listener, Match, Setting, Step, Timer
from linter.policy import AllowedClient, BlockedApp
from linter.probes import ProbeForm
from linter.scope import iter_matches

SYNC_VDIR_PSPATH = r"IIS:\Sites\Exchange Back End\Microsoft-Server-ActiveSync"
RULE_NAME = "BlockActiveSyncApps"
INDENT = "  "
_REMOVED_AT = re.compile(r"RequestFilteringModule is removed at (line \d+)")


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.lower(), value)
    return list(seen.values())


def _deny_strings(strings: Sequence[str]) -> list[str]:
    return ["<denyStrings>"] + [f'{INDENT}<add string="{_attribute(value)}" />' for value in strings] + ["</denyStrings>"]


def _user_agent_scan() -> list[str]:
    return ["<scanHeaders>", f'{INDENT}<add requestHeader="User-Agent" />', "</scanHeaders>"]


def filtering_rule(apps: Sequence[BlockedApp], name: str = RULE_NAME) -> str:
    """A rule that refuses the apps by User-Agent header and by any query text (DeviceType)."""
    strings = _unique(value for app in apps for value in app.user_agents + app.device_types)
    body = _user_agent_scan() + _deny_strings(strings)
    return "\n".join([f'<filteringRule name="{name}" scanUrl="false" scanQueryString="true">']
                     + [INDENT + line for line in body] + ["</filteringRule>"])


def _module_removal(listener: Listener) -> str | None:
    """Where the file unloads the filtering module ("line 26"), read from the steps IIS never runs."""
    for step in listener.steps:
        found = _REMOVED_AT.search(step.action.detail) if step.action.kind is ActionKind.CONTINUE else None
        if found:
            return found.group(1)
    return None


class ExchangeFixer:
    def setting(self, setting: Setting) -> Fix:
        """Write the value Exchange falls back to, which is one it accepts."""
        snippet = "\n".join([
            f'<add key="{setting.key}" value="{setting.effective}" />',
            (f'Set-WebConfigurationProperty -PSPath "{SYNC_VDIR_PSPATH}" '
             f"-Filter \"appSettings/add[@key='{setting.key}']\" -Name value -Value {setting.effective}"),
        ])
        return Fix(f"in the Sync web.config's <appSettings>, set {setting.key} to a value Exchange accepts "
                   f"(the XML line, or the PowerShell line on the Exchange server; then recycle MSExchangeSyncAppPool)",
                   snippet, setting.location)

    def timer(self, timer: Timer, required_seconds: int) -> Fix:
        return Fix("IIS web.config holds no idle timer on the Ping path; Exchange holds the Ping itself", "", timer.location)

    def block_app(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        removed = _module_removal(listener)
        description = "add this rule under <system.webServer><security><requestFiltering><filteringRules>"
        if removed:
            description = (f"IIS runs no filtering rule here: delete the <remove name=\"RequestFilteringModule\" /> at {removed} "
                           f"and keep a rule like this one under <filteringRules>")
        return Fix(description, filtering_rule(apps), listener.location)

    def allow_only(self, listener: Listener, clients: Sequence[AllowedClient]) -> Fix:
        return Fix("IIS request filtering can only deny strings, not allow a list of clients: enforce an allowlist with "
                   "Exchange device access rules (Set-ActiveSyncOrganizationSettings -DefaultAccessLevel Block plus "
                   "New-ActiveSyncDeviceAccessRule -AccessLevel Allow) or at a proxy in front", "", listener.location)

    def case_insensitive(self, step: Step, matches: Sequence[Match]) -> Fix:
        return Fix("IIS request filtering always ignores letter case; nothing to change here", "", step.location)

    def form_gap(self, step: Step, app: BlockedApp, form: ProbeForm) -> Fix:
        where = f"in {step.text} (line {step.location.line})"
        if form is ProbeForm.UA_ONLY:
            lines = _user_agent_scan() + _deny_strings(_unique(app.user_agents or app.device_types))
            return Fix(f"{where}, also scan the User-Agent header: the base64 query form hides DeviceType",
                       "\n".join(lines), step.location)
        if form is ProbeForm.DEVICETYPE_ONLY:
            lines = _deny_strings(_unique(app.device_types or app.user_agents))
            return Fix(f'{where}, set scanQueryString="true" and deny the DeviceType: these requests have no User-Agent',
                       "\n".join(lines), step.location)
        return Fix(r"add the same rule to the web.config of the FrontEnd\HttpProxy\ews virtual directory, so the app "
                   "cannot switch to EWS", filtering_rule([app]), step.location)

    def shadowed(self, deny: Step, shadowing: Step) -> Fix:
        return Fix("IIS request filtering has no allow rules; nothing can shadow a filtering rule", "", deny.location)

    def native_blocked(self, step: Step, client: AllowedClient, apps: Sequence[BlockedApp]) -> Fix:
        seen = (client.user_agent.lower(), client.device_type.lower())
        culprits = _unique(value for match in iter_matches(step.condition) for value in match.values
                           if any(value.lower() in text for text in seen))
        lines = [f'<remove string="{_attribute(value)}" />' for value in culprits]
        return Fix(f"in the <denyStrings> of {step.text} (line {step.location.line}), drop the strings that also occur in "
                   f"{client.name}'s requests and deny the apps by their own names", "\n".join(lines), step.location)

    def l7_visibility(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        return Fix("IIS terminates TLS and sees HTTP; nothing to change here", "", listener.location)
