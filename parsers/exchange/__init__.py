"""Exchange's own files as `linter.model.Device`s: web.config files and device access rule exports.

`parse` reads one file:

- a back-end Sync web.config: its heartbeat keys become `Device.settings`, each with the value
  Exchange really uses and the reason when it discards the written one (EAS301);
- a web.config with IIS request filtering rules (a front-end `HttpProxy\\sync` or `\\ews` vdir):
  a proxy hop whose steps are the rules (`request_filtering`), so the app-blocking rules judge it.
  A web.config without filtering rules has no listener: it blocks nothing on purpose, and a
  repository of Exchange configurations must not drown in "app not blocked" findings;
- a `Get-ActiveSyncDeviceAccessRule` export: an input, not a hop, so a device with no listener
  whose only diagnostics are rows that cannot be read.

Files that are not XML well enough to read (or that declare a DTD or entities) give EAS001 with
the line. The run-level use of the Sync web.config and the access rules (the policy's heartbeat
and apps) is in `parsers.exchange.inputs`.
"""

from __future__ import annotations

from pathlib import Path, PureWindowsPath

from linter.model import Device, Listener, Pool
from linter.policy import Heartbeat
from parsers.exchange.access_rules import read_access_rules
from parsers.exchange.classify import is_sync_tree
from parsers.exchange.heartbeat import heartbeat_from_tree, xml_diagnostic
from parsers.exchange.request_filtering import build_hop, read_request_filtering
from parsers.exchange.xml_reader import XmlRefused, read_xml

VENDOR = "exchange"


def _path_hint(display_name: str, config_dir: Path | None) -> str:
    """A path whose directories can tell the vdir: the display name, or the file in its directory."""
    if PureWindowsPath(display_name).parent.name or config_dir is None:
        return display_name
    return str(config_dir / PureWindowsPath(display_name).name)


def parse(display_name: str, text: str, config_dir: Path | None = None) -> Device:
    """The device one Exchange-side file describes (see the module documentation)."""
    if not text.lstrip("\ufeff \t\r\n").startswith("<"):
        rules = read_access_rules(display_name, text)
        return Device(VENDOR, display_name, (display_name,), diagnostics=rules.problems)
    try:
        root = read_xml(text)
    except XmlRefused as error:
        return Device(VENDOR, display_name, (display_name,), diagnostics=(xml_diagnostic(display_name, error),))
    settings = heartbeat_from_tree(display_name, root, Heartbeat()).settings if is_sync_tree(root) else ()
    listeners: list[Listener] = []
    pools: dict[str, Pool] = {}
    for filtering in read_request_filtering(display_name, root, _path_hint(display_name, config_dir)):
        listener, hop_pools = build_hop(filtering)
        listeners.append(listener)
        for pool in hop_pools:
            pools.setdefault(pool.name, pool)
    return Device(VENDOR, display_name, (display_name,), tuple(listeners), tuple(pools.values()), settings=settings)
