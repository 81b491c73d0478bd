"""Fixes in haproxy.cfg syntax for the findings of every rule.

Blocking rules use anonymous ACLs so that a pasted line can never merge with an ACL of the
same name already in the section (same-name ACLs OR together in HAProxy). Timer fixes go in
the object the timer applies to, so other proxies sharing a defaults section keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from linter.findings import Fix
from linter.fixes import client_prefix, suggested_seconds
from linter.model import Listener, Match, Step, Timer, TimerKind
from linter.policy import AllowedClient, BlockedApp
from linter.probes import ProbeForm
from parsers.haproxy.lexer import split_words
from parsers.haproxy.timeouts import format_seconds

ACTIVESYNC_TEST = "{ path_beg -i /microsoft-server-activesync }"
EWS_TEST = "{ path_beg -i /ews/ }"
INDENT = "    "


def _quoted(value: str) -> str:
    """A pattern as one HAProxy word (quoted when it holds spaces or special characters)."""
    if value and all(char.isalnum() or char in "-_./:()" for char in value):
        return value
    return "'" + value.replace("'", "") + "'"


def _deny_rule(values: list[str], test: str, path_test: str = ACTIVESYNC_TEST) -> str | None:
    """A deny rule for the requests `path_test` selects (ActiveSync by default) whose anonymous
    ACL applies `test` to the values, if any."""
    if not values:
        return None
    patterns = " ".join(_quoted(value) for value in values)
    return f"http-request deny deny_status 403 if {path_test} {{ {test} {patterns} }}"


def _user_agent_rule(apps: Sequence[BlockedApp]) -> str | None:
    return _deny_rule([agent for app in apps for agent in app.user_agents], "req.fhdr(user-agent) -m sub -i")


def _device_type_rule(apps: Sequence[BlockedApp]) -> str | None:
    return _deny_rule([device_type for app in apps for device_type in app.device_types], "url_param(DeviceType) -m str -i")


def _block_rules(apps: Sequence[BlockedApp]) -> list[str]:
    return [rule for rule in (_user_agent_rule(apps), _device_type_rule(apps)) if rule]


def _section(header: str, lines: Sequence[str]) -> str:
    return "\n".join([header] + [INDENT + line for line in lines])


def _with_ignore_case(text: str) -> str:
    """An ACL expression with `-i` right after its criterion (flags precede patterns)."""
    words = [word.text for word in split_words(text)]
    if "-i" in words:
        return text
    return " ".join(words[:1] + ["-i"] + words[1:])


class HAProxyFixer:
    def timer(self, timer: Timer, required_seconds: int) -> Fix:
        value = format_seconds(suggested_seconds(required_seconds))
        setting = timer.setting
        if timer.source.startswith("http-request set-timeout"):
            return Fix(
                f"raise the per-request server timeout of the rule at line {timer.location.line} to {value}",
                f"http-request set-timeout server {value} if {ACTIVESYNC_TEST}",
                timer.location,
            )
        if timer.kind in (TimerKind.CLIENT_IDLE, TimerKind.SERVER_IDLE):
            hint = "; in mode tcp, 'timeout tunnel' in the backend overrides both client and server timeouts"
        else:
            hint = ""
        if timer.explicit and timer.inherited_from is None:
            return Fix(f"in {timer.applies_to}, change line {timer.location.line} to '{setting} {value}'{hint}",
                       _section(timer.applies_to, [f"{setting} {value}"]), timer.location)
        origin = f"inherited from {timer.inherited_from}" if timer.inherited_from else "not set"
        return Fix(
            f"add '{setting} {value}' to {timer.applies_to} (it is {origin}; setting it there leaves other proxies as they are){hint}",
            _section(timer.applies_to, [f"{setting} {value}"]),
            None,
        )

    def block_app(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        names = ", ".join(app.name for app in apps)
        return Fix(
            f"refuse {names} by User-Agent and by DeviceType in {listener.object_path}, before any "
            "'http-request allow' and 'use_backend' rule (both forms are needed: base64 queries hide DeviceType, "
            "and the User-Agent header may be absent)",
            _section(listener.object_path, _block_rules(apps)),
            listener.location,
        )

    def case_insensitive(self, step: Step, matches: Sequence[Match]) -> Fix:
        lines = []
        for match in matches:
            if match.text is None:
                continue
            fixed = _with_ignore_case(match.text)
            if match.name:
                lines.append(f"acl {match.name} {fixed}")
            else:
                lines.append(step.text.replace(match.text, fixed))
        return Fix(
            "add -i so the test ignores letter case (IIS serves the path in any case, and apps vary the case of "
            "their User-Agent and DeviceType)",
            "\n".join(dict.fromkeys(lines)) or step.text,
            matches[0].location if matches and matches[0].location else step.location,
        )

    def allow_only(self, listener: Listener, clients: Sequence[AllowedClient]) -> Fix:
        prefixes = " ".join(_quoted(client_prefix(client)) for client in clients)
        rule = f"http-request deny deny_status 403 if {ACTIVESYNC_TEST} !{{ req.fhdr(user-agent) -m beg -i {prefixes} }}"
        return Fix(
            f"allowlist mode: refuse every ActiveSync request on {listener.object_path} whose User-Agent is not one of "
            f"the allowed clients ({', '.join(client.name for client in clients)})",
            _section(listener.object_path, [rule]),
            listener.location,
        )

    def form_gap(self, step: Step, app: BlockedApp, form: ProbeForm) -> Fix:
        if form is ProbeForm.EWS:
            rule = _deny_rule(list(app.user_agents), "req.fhdr(user-agent) -m sub -i", EWS_TEST)
            why = f"{app.name} also syncs over EWS, so refuse it on /EWS/ by User-Agent too"
            return Fix(f"{why}: add next to line {step.location.line}", rule or step.text, step.location)
        if form is ProbeForm.UA_ONLY:
            rule = _user_agent_rule([app])
            why = "base64-encoded queries carry DeviceType in binary, so refuse by User-Agent as well"
        else:
            rule = _device_type_rule([app])
            why = "requests without a User-Agent header carry DeviceType in the query, so refuse by DeviceType as well"
        return Fix(f"{why}: add next to line {step.location.line}", rule or step.text, step.location)

    def shadowed(self, deny: Step, shadowing: Step) -> Fix:
        return Fix(
            f"move the deny at line {deny.location.line} above the allow at line {shadowing.location.line}, "
            "so it decides first",
            f"{deny.text}\n{shadowing.text}",
            shadowing.location,
        )

    def native_blocked(self, step: Step, client: AllowedClient, apps: Sequence[BlockedApp]) -> Fix:
        return Fix(
            f"the rule at line {step.location.line} also matches {client.name}; replace it with rules that match the "
            "blocked apps' own User-Agent and DeviceType values",
            "\n".join(_block_rules(apps)) or step.text,
            step.location,
        )

    def l7_visibility(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        lines = ["mode http", "bind :443 ssl crt /etc/haproxy/certs/exchange.pem"] + _block_rules(apps)
        return Fix(
            f"terminate TLS on {listener.object_path} and run it in mode http so it can refuse apps (its backend "
            "needs 'mode http' and 'ssl verify required ca-file ...' on its servers), or refuse them on another hop "
            "that sees HTTP",
            _section(listener.object_path, lines),
            listener.location,
        )
