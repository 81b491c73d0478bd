"""FortiGate: FortiOS CLI backups as `linter.model.Device`s (a firewall, see `Device`).

`parse` reads a backup (`execute backup config`, `show full-configuration`, or an excerpt of
one) the way FortiOS restores it: blocks nested per VDOM (tree.py), the objects policies name
(objects.py), the policies in table order as listeners, steps and pools (policies.py) and the
session TTL that applies to each accepted session (sessions.py). Every block and setting is
modelled, known to be irrelevant (known.py), or reported with its line.

The parser is written by hand rather than with TTP templates: the CLI is a tree whose
meaning depends on nesting (VDOMs, `config port` inside `config system session-ttl`, entries
edited twice, `move`), which a line-template matcher flattens, and a 30,000-line backup must
lint in well under a second.
"""

from __future__ import annotations

from pathlib import Path

from linter.model import Device, DeviceKind, Diagnostic, Level, Location
from parsers.fortigate import known
from parsers.fortigate.lexer import statements
from parsers.fortigate.objects import ObjectTables
from parsers.fortigate.paths import session_ttl_path
from parsers.fortigate.policies import VdomTables, build_policies
from parsers.fortigate.sessions import TtlContext
from parsers.fortigate.tree import GLOBAL_SCOPE, Backup, Block, Entry, build

VENDOR = "fortigate"
_ENTRY_KEYS = {
    "firewall address": (known.ADDRESS_MODELLED, known.ADDRESS_IGNORED),
    "firewall addrgrp": (known.ADDRGRP_MODELLED, known.ADDRGRP_IGNORED),
    "firewall vip": (known.VIP_MODELLED, known.VIP_IGNORED),
    "firewall service custom": (known.SERVICE_MODELLED, known.SERVICE_IGNORED),
    "firewall service group": (known.SERVICE_GROUP_MODELLED, known.SERVICE_GROUP_IGNORED),
}
_IGNORED_ENTRY_BLOCKS = frozenset({"tagging", "realservers", "app-category", "application", "ssl-cipher-suites",
                                   "ssl-server-cipher-suites", "quic", "src-vip-filter", "list"})


def _report(diagnostics: list[Diagnostic], file: str, line: int, message: str, owner: str | None, text: str) -> None:
    diagnostics.append(Diagnostic("EAS002", Level.WARNING, message, Location(file, line), owner, text))


def _check_entries(block: Block, owner_prefix: str, file: str, diagnostics: list[Diagnostic]) -> None:
    modelled, ignored = _ENTRY_KEYS[block.path]
    for entry in block.ordered_entries():
        owner = f"{block.path} '{entry.name}'{owner_prefix}"
        for key, setting in entry.settings.items():
            if key not in modelled and key not in ignored:
                _report(diagnostics, file, setting.line, f"unrecognized setting '{key}' in {owner}", owner, setting.text)
        for sub in entry.blocks.values():
            if sub.path not in _IGNORED_ENTRY_BLOCKS:
                _report(diagnostics, file, sub.line, f"unrecognized block 'config {sub.path}' in {owner}", owner, f"config {sub.path}")


def _check_session_ttl(block: Block, vdom: str | None, file: str, diagnostics: list[Diagnostic]) -> None:
    owner = session_ttl_path(vdom)
    for key, setting in block.settings.items():
        if key not in known.SESSION_TTL_MODELLED:
            _report(diagnostics, file, setting.line, f"unrecognized setting '{key}' in {owner}", owner, setting.text)
    for sub in block.blocks.values():
        if sub.path != "port":
            _report(diagnostics, file, sub.line, f"unrecognized block 'config {sub.path}' in {owner}", owner, f"config {sub.path}")
            continue
        for entry in sub.ordered_entries():
            for key, setting in entry.settings.items():
                if key not in known.SESSION_TTL_PORT_MODELLED and key not in known.SESSION_TTL_PORT_IGNORED:
                    _report(diagnostics, file, setting.line, f"unrecognized setting '{key}' in {owner} port {entry.name}", owner, setting.text)


def _check_blocks(backup: Backup, file: str, diagnostics: list[Diagnostic]) -> None:
    """Every block is modelled, known to be irrelevant, or reported once at its `config` line."""
    for scope, blocks in backup.scopes.items():
        vdom = scope if backup.multi_vdom and scope != GLOBAL_SCOPE else None
        suffix = f" (vdom {vdom})" if vdom else ""
        for path, block in blocks.items():
            if path in _ENTRY_KEYS:
                _check_entries(block, suffix, file, diagnostics)
            elif path == "system session-ttl":
                _check_session_ttl(block, vdom, file, diagnostics)
            elif path not in known.MODELLED_BLOCKS and not known.ignored_block(path):
                _report(diagnostics, file, block.line, f"'config {path}' is not modelled; what it does to ActiveSync sessions is not checked",
                        None, f"config {path}")


def _entries(backup: Backup, path: str) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for blocks in backup.scopes.values():
        block = blocks.get(path)
        if block is not None:
            found.update(block.entries)
    return found


def _vdom_tables(backup: Backup, vdom: str, file: str, diagnostics: list[Diagnostic]) -> VdomTables:
    blocks = backup.blocks(vdom)
    global_blocks = backup.scopes.get(GLOBAL_SCOPE, {})
    name = vdom if backup.multi_vdom else None
    objects = ObjectTables(file, vdom, blocks.get("firewall address"), blocks.get("firewall addrgrp"), blocks.get("firewall vip"),
                           blocks.get("firewall vipgrp"), blocks.get("firewall service custom"), blocks.get("firewall service group"),
                           diagnostics)
    ttl_block = blocks.get("system session-ttl") or global_blocks.get("system session-ttl")
    ttl = TtlContext(file, name, ttl_block, diagnostics)
    zones = blocks.get("system zone")
    return VdomTables(name, blocks.get("firewall policy"), objects, ttl, _entries(backup, "system interface"),
                      dict(zones.entries) if zones else {})


def parse(display_name: str, text: str, config_dir: Path | None = None) -> Device:
    """The device one FortiOS backup describes. `config_dir` is unused: a backup is one file."""
    diagnostics: list[Diagnostic] = []
    backup = build(display_name, statements(text), diagnostics)
    _check_blocks(backup, display_name, diagnostics)
    listeners, pools = [], []
    for vdom in backup.vdoms():
        vdom_listeners, vdom_pools = build_policies(_vdom_tables(backup, vdom, display_name, diagnostics), diagnostics)
        listeners.extend(vdom_listeners)
        pools.extend(vdom_pools)
    diagnostics.sort(key=lambda diagnostic: (diagnostic.location.line, diagnostic.location.column or 0))
    return Device(VENDOR, display_name, (display_name,), tuple(listeners), tuple(pools), tuple(diagnostics),
                  kind=DeviceKind.FIREWALL)
