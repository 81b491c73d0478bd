"""The session TTL (idle timer) of the sessions a FortiGate policy accepts, with its precedence.

FortiOS keeps an idle session for its TTL and then drops it; the value comes from, most
specific first:

1. the matched custom service's `session-ttl` (`config firewall service custom`, 0 = not set);
2. the policy's `session-ttl` (`config firewall policy`, 0 = not set);
3. a `config system session-ttl` / `config port` entry for the session's protocol and
   destination port (`timeout`, 300 s when the entry does not set it);
4. `config system session-ttl` / `set default` (3600 s when not set; range 300-2764800 or
   `never`).

Sources: Fortinet KB "Technical Tip: Priority of session-ttl settings in FortiGate"
(community.fortinet.com/fortigate-3/technical-tip-priority-of-session-ttl-settings-in-fortigate-95856):
"Session-ttl under firewall service will override settings under firewall policy, and
session-ttl under firewall policy will override settings under config system session-ttl";
KB 191228 "Technical Tip: Session timeout settings" (port entries override `default`; the
port entry `timeout` "is 300 seconds by default"); KB 194357 "Default session timeout value"
(default 3600); FortiOS CLI reference "config system session-ttl" (7.4.3). Note the order:
the service beats the policy, so a short service TTL is fixed on the service, not the policy.

Not documented by Fortinet and chosen here: when several port entries match, the first in the
table wins; when several listed services carry a TTL, the first listed that matches wins.

In the model the pool's own timer is the policy's `session-ttl` when set, else the system
default; port entries (only when the policy sets nothing) and services are pool steps that
set a timer when the probe's protocol and port match, least specific first, so the last one
set wins as FortiOS's precedence says.
"""

from __future__ import annotations

from dataclasses import dataclass

from linter.model import (
    ALWAYS,
    Action,
    ActionKind,
    All,
    Condition,
    Diagnostic,
    Level,
    Location,
    Match,
    MatchOp,
    Step,
    Timer,
    TimerKind,
)
from parsers.fortigate.objects import PORT, TCP
from parsers.fortigate.paths import port_entry_path, service_path, session_ttl_path
from parsers.fortigate.tree import Block, Entry

DEFAULT_TTL = 3600
PORT_ENTRY_DEFAULT_TTL = 300
PHASE = "session-ttl"


@dataclass(frozen=True)
class TtlContext:
    file: str
    vdom: str | None  # VDOM name when VDOMs are enabled
    session_ttl: Block | None
    diagnostics: list[Diagnostic]

    def location(self, line: int) -> Location:
        return Location(self.file, line)


def _seconds(raw: str, context: TtlContext, line: int, owner: str, text: str) -> tuple[bool, float | None]:
    """(valid, seconds) of a TTL value; `never` is unbounded."""
    if raw == "never":
        return True, None
    if raw.isdigit():
        return True, float(int(raw))
    context.diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"session TTL '{raw}' is not a number of seconds or 'never'",
                                          context.location(line), owner, text))
    return False, None


def _default_timer(context: TtlContext, policy: Entry, policy_path: str) -> Timer:
    block = context.session_ttl
    setting = block.settings.get("default") if block else None
    owner = session_ttl_path(context.vdom)
    if setting and setting.values:
        valid, seconds = _seconds(setting.values[0], context, setting.line, owner, setting.text)
        if valid:
            return Timer(TimerKind.SESSION_IDLE, seconds, "system session-ttl default",
                         f"config system session-ttl: set default {setting.values[0]}, line {setting.line}", True,
                         context.location(setting.line), policy_path, setting.values[0], inherited_from=owner)
    return Timer(TimerKind.SESSION_IDLE, float(DEFAULT_TTL), "system session-ttl default",
                 f"system session-ttl default {DEFAULT_TTL} (FortiOS default, not set)", False,
                 context.location(policy.line), policy_path, None, inherited_from=owner)


def _port_condition(entry: Entry) -> Condition | None:
    """When a port entry applies to the TCP probe: protocol 6 within its port range, or
    protocol 0 (every protocol)."""
    protocol = entry.value("protocol", "0") or "0"
    if protocol not in ("0", "6"):
        return None
    start = int(entry.value("start-port", "0") or 0) if (entry.value("start-port", "0") or "0").isdigit() else 0
    end = int(entry.value("end-port", "0") or 0) if (entry.value("end-port", "0") or "0").isdigit() else 0
    terms: list[Condition] = [TCP] if protocol == "6" else []
    if start or end:
        terms.append(Match(PORT, MatchOp.INT, (f"{start}:{max(start, end)}",)))
    return All(tuple(terms)) if terms else ALWAYS


def _port_steps(context: TtlContext, policy_path: str) -> list[Step]:
    block = context.session_ttl.blocks.get("port") if context.session_ttl else None
    if block is None:
        return []
    steps = []
    for entry in reversed(block.ordered_entries()):  # the first matching entry is applied last, so it wins
        condition = _port_condition(entry)
        if condition is None:
            continue
        owner = port_entry_path(entry.name, context.vdom)
        setting = entry.settings.get("timeout")
        if setting and setting.values:
            valid, seconds = _seconds(setting.values[0], context, setting.line, owner, setting.text)
            if not valid:
                continue
            timer = Timer(TimerKind.SESSION_IDLE, seconds, "system session-ttl port timeout",
                          f"config system session-ttl / config port / edit {entry.name}: set timeout {setting.values[0]}, line {setting.line}",
                          True, context.location(setting.line), policy_path, setting.values[0], inherited_from=owner)
        else:
            timer = Timer(TimerKind.SESSION_IDLE, float(PORT_ENTRY_DEFAULT_TTL), "system session-ttl port timeout",
                          f"system session-ttl port entry {entry.name} (line {entry.line}) sets no timeout: "
                          f"FortiOS default {PORT_ENTRY_DEFAULT_TTL}", False, context.location(entry.line), policy_path, None,
                          inherited_from=owner)
        text = f"system session-ttl port {entry.name} ({describe_port_entry(entry)})"
        steps.append(Step(condition, Action(ActionKind.CONTINUE, detail=f"session TTL {timer.raw or 'default 300'}", timer=timer),
                          context.location(entry.line), PHASE, text))
    return steps


def describe_port_entry(entry: Entry) -> str:
    return (f"protocol {entry.value('protocol', '0')}, ports {entry.value('start-port', '0')}-{entry.value('end-port', '0')}")


def _service_steps(context: TtlContext, policy_path: str, services: list[tuple[Entry, Condition]]) -> list[Step]:
    steps = []
    for service, condition in reversed(services):  # the first listed service is applied last, so it wins
        setting = service.settings["session-ttl"]
        owner = service_path(service.name, context.vdom)
        valid, seconds = _seconds(setting.values[0], context, setting.line, owner, setting.text)
        if not valid:
            continue
        timer = Timer(TimerKind.SESSION_IDLE, seconds, f"session-ttl of service '{service.name}'",
                      f"config firewall service custom / edit \"{service.name}\": set session-ttl {setting.values[0]}, line {setting.line} "
                      "(a service's session-ttl overrides the policy's)", True, context.location(setting.line), policy_path,
                      setting.values[0], inherited_from=owner)
        steps.append(Step(condition, Action(ActionKind.CONTINUE, detail=f"service session-ttl {setting.values[0]}", timer=timer),
                          context.location(setting.line), PHASE, f"service '{service.name}' session-ttl {setting.values[0]}"))
    return steps


def policy_timers(context: TtlContext, policy: Entry, policy_path: str,
                  services: list[tuple[Entry, Condition]]) -> tuple[tuple[Timer, ...], tuple[Step, ...]]:
    """The pool timers and timer steps of an accepting policy."""
    setting = policy.settings.get("session-ttl")
    raw = setting.values[0] if setting and setting.values else "0"
    if raw != "0" and setting is not None:
        valid, seconds = _seconds(raw, context, setting.line, policy_path, setting.text)
        if valid:
            timer = Timer(TimerKind.SESSION_IDLE, seconds, "session-ttl", f"set session-ttl {raw} in {policy_path}, line {setting.line}",
                          True, context.location(setting.line), policy_path, raw)
            return (timer,), tuple(_service_steps(context, policy_path, services))
    steps = _port_steps(context, policy_path) + _service_steps(context, policy_path, services)
    return (_default_timer(context, policy, policy_path),), tuple(steps)
