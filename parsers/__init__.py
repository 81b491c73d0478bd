"""The vendor registry: how to parse each vendor's files and phrase fixes in its syntax.

Vendor modules are imported only when a file of that vendor is checked, so a pre-commit run on
HAProxy files never pays for the F5 or PAN-OS parsers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from linter.fixes import Fixer
from linter.model import Device


@dataclass(frozen=True)
class Vendor:
    """A vendor's entry points. `parse(name, text, directory)` is required; a vendor whose device
    spans several files provides `device_root(path)` (the file that stands for the whole device,
    so a changed `bigip_base.conf` brings in its `bigip.conf`), and one with binary archives
    provides `parse_archive(name, path)` for the suffixes `ARCHIVES` maps to it."""

    name: str
    parse: Callable[[str, str, Path | None], Device]
    fixer: Fixer
    device_root: Callable[[Path], Path] | None = None
    parse_archive: Callable[[str, Path], Device] | None = None


_MODULES = {
    "haproxy": ("parsers.haproxy", "parsers.haproxy.fixes", "HAProxyFixer"),
    "fortigate": ("parsers.fortigate", "parsers.fortigate.fixes", "FortiGateFixer"),
    "asa": ("parsers.asa", "parsers.asa.fixes", "AsaFixer"),
    "panos": ("parsers.panos", "parsers.panos.fixes", "PanosFixer"),
    "f5": ("parsers.f5", "parsers.f5.fixes", "F5Fixer"),
    "exchange": ("parsers.exchange", "parsers.exchange.fixes", "ExchangeFixer"),
}
SUPPORTED = frozenset(_MODULES)
"""Vendors with a parser; detection also knows vendors still to come, whose files are skipped."""
ARCHIVES: dict[str, str] = {".ucs": "f5"}
"""Binary archive suffixes and the vendor that reads them whole (`.ucs` for F5)."""


def archive_vendor(path: Path) -> str | None:
    """The vendor whose archive format `path` has, by its suffix."""
    return ARCHIVES.get(path.suffix.lower())


@cache
def vendor(name: str) -> Vendor:
    parser_module, fixer_module, fixer_class = _MODULES[name]
    module = importlib.import_module(parser_module)
    fixer = getattr(importlib.import_module(fixer_module), fixer_class)()
    return Vendor(name, module.parse, fixer, getattr(module, "device_root", None), getattr(module, "parse_archive", None))
