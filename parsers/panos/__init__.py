"""Palo Alto Networks PAN-OS (firewall and Panorama) configurations as `linter.model.Device`s.

`parse` reads the XML running-config or `set` commands into one tree (`tree.Node`), checks every
element against the schema (`validate`), and builds the firewall model (`policy`, `build`):
a listener per source zone, a step per enabled security rule in evaluation order, a pool per
allow rule carrying the session idle timer with PAN-OS precedence (`timers`).
"""

from __future__ import annotations

import re
from pathlib import Path

from linter.model import Device, DeviceKind, Diagnostic, Level, Location
from parsers.detect import UNSUPPORTED
from parsers.panos.build import build
from parsers.panos.policy import policy_contexts
from parsers.panos.set_reader import read_set
from parsers.panos.tree import Node
from parsers.panos.validate import validate
from parsers.panos.xml_reader import XmlRefused, read_xml

VENDOR = "panos"
# Whitespace within a line only: `^\s*` searched over a whole file would run across every
# blank line from every line start (quadratic on a file of blank lines).
_BRACE_FORMAT = re.compile(r"^[ \t]*[\w.-]+[ \t]*\{[ \t\r]*$", re.MULTILINE)
_SET_COMMAND = re.compile(r"^[ \t]*(?:set|delete)\s", re.MULTILINE)
_LEVELS = {"EAS001": Level.ERROR, "EAS002": Level.WARNING, "EAS003": Level.WARNING}


def _config_root(root: Node) -> Node:
    """The `<config>` element, also inside an XML API answer (`<response><result><config>`)."""
    if root.tag == "response":
        found = root.path("result", "config")
        if found is not None:
            return found
    return root


def read_tree(display_name: str, text: str, diagnostics: list[Diagnostic]) -> Node | None:
    """The configuration tree of either format, or None when the file cannot be read at all."""
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        try:
            return _config_root(read_xml(text))
        except XmlRefused as error:
            diagnostics.append(Diagnostic("EAS001", Level.ERROR, error.message, Location(display_name, error.line, error.column)))
            return None
    brace = None if _SET_COMMAND.search(text) else _BRACE_FORMAT.search(text)
    if brace is not None:
        line = text.count("\n", 0, brace.start()) + 1
        # the same advice detection gives when it meets this format unasked (parsers.detect)
        diagnostics.append(Diagnostic("EAS001", Level.ERROR, UNSUPPORTED["panos-text"], Location(display_name, line)))
        return None
    result = read_set(text)
    for problem in result.problems:
        diagnostics.append(Diagnostic(problem.code, _LEVELS[problem.code], problem.message,
                                      Location(display_name, problem.line, problem.column), None, problem.text.strip()))
    return result.root


def parse(display_name: str, text: str, config_dir: Path | None = None) -> Device:
    """The firewall one PAN-OS configuration (XML or set commands) describes."""
    diagnostics: list[Diagnostic] = []
    listeners, pools = [], []
    root = read_tree(display_name, text, diagnostics)
    if root is not None:
        diagnostics += validate(display_name, root).diagnostics

        def report(code: str, message: str, location: Location, object_path: str | None) -> None:
            diagnostics.append(Diagnostic(code, _LEVELS[code], message, location, object_path))

        if root.tag == "config":
            listeners, pools = build(policy_contexts(root, display_name, report), display_name, report)
    diagnostics.sort(key=lambda diagnostic: (diagnostic.location.line, diagnostic.location.column or 0))
    return Device(VENDOR, display_name, (display_name,), tuple(listeners), tuple(pools), tuple(diagnostics),
                  kind=DeviceKind.FIREWALL)
