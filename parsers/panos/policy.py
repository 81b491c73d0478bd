"""The rulebases of a configuration, in PAN-OS evaluation order, with what each one sees.

A firewall evaluates each vsys's own security rules. A Panorama export holds no local rules;
its device groups push, in this order: shared pre-rules, the device group's pre-rules, (the
firewall's local rules), the device group's post-rules, shared post-rules, then the default
rules (PAN-OS "Panorama: Policy" / "Device Group Policies",
https://docs.paloaltonetworks.com/panorama/10-1/panorama-admin/panorama-overview/centralized-firewall-configuration-and-update-management/device-groups/device-group-policies).
A Panorama export without device groups but with shared pre/post rules is read as one
rulebase named "shared". Device-group nesting (`parent-dg`) is not followed.

The default rules end every rulebase: `intrazone-default` (allow) and `interzone-default`
(deny), either of which the configuration may override (`default-security-rules`). An
ActiveSync session from the Internet crosses zones, so only `interzone-default` can decide it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from linter.model import Location
from parsers.panos.objects import Resolver
from parsers.panos.timers import TCP_TIMEOUT_RANGE, GlobalTimeout
from parsers.panos.tree import Node
from parsers.panos.validate import rule_path

Report = Callable[[str, str, Location, str | None], None]  # (code, message, location, object path)


@dataclass(frozen=True)
class PlacedRule:
    """A rule in the rulebase it is written in."""

    node: Node
    owner: str  # "vsys1", "device-group DG1", "shared"
    rulebase: str | None  # "pre-rulebase" / "post-rulebase" on Panorama
    object_path: str

    @property
    def name(self) -> str:
        return self.node.name or ""


@dataclass(frozen=True)
class PolicyContext:
    """One rulebase as a firewall evaluates it: a vsys, or a Panorama device group."""

    label: str
    scope: Node | None  # the vsys or device-group node (zones, objects)
    security: list[PlacedRule]
    overrides: list[PlacedRule]
    interzone_default: Node | None
    timeouts: list[GlobalTimeout | None]  # [None]: not written, the PAN-OS default applies
    resolver: Resolver


def _rules(scope: Node | None, rulebase: str | None, kind: str, owner: str) -> list[PlacedRule]:
    if scope is None:
        return []
    base = scope.child(rulebase) if rulebase else scope.child("rulebase")
    entries = list(base.entries(kind, "rules")) if base is not None else []
    title = "security rule" if kind == "security" else "application-override rule"
    return [PlacedRule(node, owner, rulebase, rule_path(title, node.name or "", owner, rulebase)) for node in entries]


def _ordered(scope: Node | None, shared: Node | None, owner: str, kind: str, panorama: bool) -> list[PlacedRule]:
    if not panorama:
        return _rules(scope, None, kind, owner)
    return (_rules(shared, "pre-rulebase", kind, "shared") + _rules(scope, "pre-rulebase", kind, owner)
            + _rules(scope, "post-rulebase", kind, owner) + _rules(shared, "post-rulebase", kind, "shared"))


def _interzone_default(bases: list[Node | None]) -> Node | None:
    for base in bases:
        if base is not None:
            found = base.path("default-security-rules", "rules")
            entry = found.entry("interzone-default") if found is not None else None
            if entry is not None:
                return entry
    return None


def _timeout(session: Node | None, owner: str, file: str, report: Report) -> GlobalTimeout | None:
    node = session.child("timeout-tcp") if session is not None else None
    if node is None:
        return None
    raw = (node.text or "").strip()
    low, high = TCP_TIMEOUT_RANGE
    if not raw.isdigit() or not low <= int(raw) <= high:
        report("EAS001", f"timeout-tcp {raw!r} is not a number of seconds from {low} to {high}; PAN-OS refuses it",
               Location(file, node.line), None)
        return None
    return GlobalTimeout(int(raw), raw, Location(file, node.line), owner)


def _template_timeouts(device: Node, file: str, report: Report) -> list[GlobalTimeout | None]:
    found: list[GlobalTimeout | None] = []
    for template in device.entries("template"):
        config = template.child("config")
        if config is None:
            continue
        settings = [config.path("deviceconfig", "setting", "session")]
        settings += [entry.path("deviceconfig", "setting", "session") for entry in config.entries("devices")]
        for session in settings:
            value = _timeout(session, f"template '{template.name}' deviceconfig setting session", file, report)
            if value is not None:
                found.append(value)
    return found or [None]


def policy_contexts(root: Node, file: str, report: Report) -> list[PolicyContext]:
    shared = root.child("shared")
    contexts: list[PolicyContext] = []

    def resolver(scope: Node | None, label: str) -> Resolver:
        return Resolver(file, [(scope, label), (shared, "shared")],
                        lambda message, location, path: report("EAS001", message, location, path))

    for device in root.entries("devices"):
        device_timeout = _timeout(device.path("deviceconfig", "setting", "session"), "deviceconfig setting session", file, report)
        for vsys in device.entries("vsys"):
            label = vsys.name or ""
            contexts.append(PolicyContext(
                label, vsys, _ordered(vsys, shared, label, "security", False), _ordered(vsys, shared, label, "application-override", False),
                _interzone_default([vsys.child("rulebase")]), [device_timeout], resolver(vsys, label)))
        groups = list(device.entries("device-group"))
        if groups or device.child("template") is not None:
            timeouts = _template_timeouts(device, file, report)
            for group in groups:
                label = f"device-group {group.name}"
                contexts.append(PolicyContext(
                    label, group, _ordered(group, shared, label, "security", True),
                    _ordered(group, shared, label, "application-override", True),
                    _interzone_default([group.child("post-rulebase"), shared.child("post-rulebase") if shared else None]),
                    timeouts, resolver(group, label)))
    if not contexts and shared is not None and (shared.child("pre-rulebase") or shared.child("post-rulebase")):
        contexts.append(PolicyContext(
            "shared", None, _ordered(None, shared, "shared", "security", True), _ordered(None, shared, "shared", "application-override", True),
            _interzone_default([shared.child("post-rulebase")]), [None], resolver(None, "shared")))
    return contexts
