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
    name: str
    parse: Callable[[str, str, Path | None], Device]
    fixer: Fixer


_MODULES = {
    "haproxy": ("parsers.haproxy", "parsers.haproxy.fixes", "HAProxyFixer"),
}


@cache
def vendor(name: str) -> Vendor:
    parser_module, fixer_module, fixer_class = _MODULES[name]
    parse = importlib.import_module(parser_module).parse
    fixer = getattr(importlib.import_module(fixer_module), fixer_class)()
    return Vendor(name, parse, fixer)
