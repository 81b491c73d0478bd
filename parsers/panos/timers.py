"""The idle timer of a session a security rule allows, with PAN-OS precedence.

PAN-OS picks the TCP idle timeout of an established session from, most specific first:

1. the rule's service object with `override yes` (`protocol tcp override yes timeout`, range
   1-604800, default 3600 when the timeout is left out): "Maintain Custom Timeouts for Data
   Center Applications",
   https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-admin/app-id/service-based-session-timeouts;
2. the session's application's own timeout (`tcp-timeout`, else `timeout`, of a custom
   application): "application timeouts override the global TCP session timeouts",
   https://docs.paloaltonetworks.com/pan-os/10-1/pan-os-networking-admin/session-settings-and-timeouts/configure-session-timeouts;
3. the global `deviceconfig setting session timeout-tcp` (range 1-15999999, default 3600),
   same page; on Panorama, the firewalls take it from their template.

The built-in App-IDs `ssl`, `web-browsing` and `activesync` may carry timeouts of their own
from the content release; those are not in the configuration and cannot be known offline, so
they are not modelled and the global value stands (each timer's source says so).

The pool of a rule carries the global timer; the more specific ones are pool steps that set a
timer when they apply, least specific first, so the last one set wins, as PAN-OS's order says.
"""

from __future__ import annotations

from dataclasses import dataclass

from linter.model import Action, ActionKind, Condition, Location, Step, Timer, TimerKind
from parsers.panos.objects import CustomApp, ServiceItem

DEFAULT_TCP_TIMEOUT = 3600
TCP_TIMEOUT_RANGE = (1, 15_999_999)
GLOBAL_SETTING = "deviceconfig setting session timeout-tcp"
GLOBAL_SOURCE_DOC = ("PAN-OS default (Device > Setup > Session > Session Timeouts, https://docs.paloaltonetworks.com/"
                     "pan-os/10-1/pan-os-networking-admin/session-settings-and-timeouts/configure-session-timeouts)")
BUILT_IN_APPS_NOTE = "the built-in App-IDs' own timeouts (ssl, web-browsing, activesync) are not in the configuration and not modelled"
PHASE = "session timeout"


@dataclass(frozen=True)
class GlobalTimeout:
    """A `timeout-tcp` written in the device settings (or a template), or None for the default."""

    seconds: int
    raw: str
    location: Location
    owner: str  # "deviceconfig setting session" or "template 'T' deviceconfig setting session"


def global_timer(value: GlobalTimeout | None, rule_path: str, rule_location: Location) -> Timer:
    if value is None:
        return Timer(TimerKind.SESSION_IDLE, DEFAULT_TCP_TIMEOUT, GLOBAL_SETTING,
                     f"{GLOBAL_SETTING} not set: {DEFAULT_TCP_TIMEOUT} s, the {GLOBAL_SOURCE_DOC}; {BUILT_IN_APPS_NOTE}",
                     False, rule_location, rule_path)
    setting = f"{value.owner} timeout-tcp"
    return Timer(TimerKind.SESSION_IDLE, value.seconds, setting,
                 f"{setting} {value.raw} (global), line {value.location.line}; {BUILT_IN_APPS_NOTE}",
                 True, value.location, rule_path, value.raw, inherited_from=value.owner)


def application_timer(app: CustomApp) -> Timer | None:
    """The custom application's own TCP timeout, when it sets a usable one."""
    if app.timeout_setting is None or app.timeout_raw is None or app.timeout_location is None:
        return None
    if not app.timeout_raw.isdigit() or int(app.timeout_raw) == 0:
        return None
    return Timer(TimerKind.SESSION_IDLE, int(app.timeout_raw), app.timeout_setting,
                 f"application '{app.name}' {app.timeout_setting} {app.timeout_raw}, line {app.timeout_location.line} "
                 f"(an application's own timeout overrides the global timeout-tcp)",
                 True, app.timeout_location, app.object_path, app.timeout_raw)


def service_timer(service: ServiceItem) -> Timer | None:
    override = service.override
    if override is None:
        return None
    explicit = override.raw.isdigit()
    written = f"timeout {override.raw}" if explicit else f"without a timeout (PAN-OS default {override.seconds})"
    return Timer(TimerKind.SESSION_IDLE, override.seconds, "protocol tcp override yes timeout",
                 f"service '{service.name}' override yes {written}, line {override.location.line} (a service override "
                 f"beats the application's timeout and the global timeout-tcp)",
                 explicit, override.location, override.service, override.raw if explicit else None)


def timer_step(condition: Condition, timer: Timer, location: Location, text: str) -> Step:
    """A pool step that sets `timer` when the session matches `condition`; later ones win."""
    return Step(condition, Action(ActionKind.CONTINUE, detail=f"sets the idle timer to {timer.seconds:g} s", timer=timer),
                location, PHASE, text)
