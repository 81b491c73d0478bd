"""Object paths of FortiGate objects, written by the parser and read back by the fixer.

The fixer gets a `Timer` only, so the policy id, VDOM and service a fix must name travel in
the timer's `applies_to` and `inherited_from`. Both directions live here so they cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_POLICY = re.compile(r"^firewall policy (?P<id>\S+)(?: '(?P<name>.*)')?(?: \(vdom (?P<vdom>[^)]+)\))?$")
_SERVICE = re.compile(r"^firewall service custom '(?P<name>.*)'(?: \(vdom (?P<vdom>[^)]+)\))?$")
_PORT = re.compile(r"^system session-ttl port (?P<id>\S+)(?: \(vdom (?P<vdom>[^)]+)\))?$")


def _vdom(vdom: str | None) -> str:
    return f" (vdom {vdom})" if vdom else ""


def policy_path(policy_id: str, name: str | None, vdom: str | None) -> str:
    """"firewall policy 12 'Exchange-In' (vdom root)"; the VDOM only when VDOMs are enabled."""
    return f"firewall policy {policy_id}" + (f" '{name}'" if name else "") + _vdom(vdom)


def service_path(name: str, vdom: str | None) -> str:
    return f"firewall service custom '{name}'" + _vdom(vdom)


def session_ttl_path(vdom: str | None) -> str:
    return "system session-ttl" + _vdom(vdom)


def port_entry_path(entry_id: str, vdom: str | None) -> str:
    return f"system session-ttl port {entry_id}" + _vdom(vdom)


@dataclass(frozen=True)
class ObjectRef:
    kind: str  # "policy", "service" or "port"
    name: str  # policy id, service name, port entry id
    vdom: str | None


def parse_path(path: str | None) -> ObjectRef | None:
    if not path:
        return None
    for kind, pattern, key in (("policy", _POLICY, "id"), ("service", _SERVICE, "name"), ("port", _PORT, "id")):
        match = pattern.match(path)
        if match:
            return ObjectRef(kind, match[key], match["vdom"])
    return None
