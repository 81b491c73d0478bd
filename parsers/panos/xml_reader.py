"""The XML running-config (`show config running` in XML, an API export, a Panorama export) as a tree.

Read through `parsers.safe_xml` (defusedxml), whose locator gives each element the line it
starts on. A configuration that declares a DTD or entities (billion laughs, external entities)
is refused before anything is expanded or fetched: PAN-OS never writes either, so such a file
is an EAS001 error, not something to read around. Malformed XML is EAS001 with the line and
column expat reports.
"""

from __future__ import annotations

import xml.sax

from parsers.panos.tree import Node
from parsers.safe_xml import LocatedHandler, XmlRefused, parse_safely

__all__ = ["XmlRefused", "read_xml"]

MAX_DEPTH = 256
"""PAN-OS configurations nest about 20 deep; deeper input is hostile or broken, not a config."""


class _TreeBuilder(LocatedHandler):
    def __init__(self) -> None:
        super().__init__(MAX_DEPTH)
        self.stack: list[Node] = []
        self.text: list[list[str]] = []
        self.root: Node | None = None

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        line, _ = self.position(len(self.stack))
        node = Node(name, line, attrs.get("name"))
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)
        self.text.append([])

    def endElement(self, name: str) -> None:
        node = self.stack.pop()
        parts = self.text.pop()
        if parts:
            text = "".join(parts)
            if text.strip():
                node.text = text

    def characters(self, content: str) -> None:
        if self.text:
            self.text[-1].append(content)


def read_xml(text: str) -> Node:
    """The tree of the document; raises XmlRefused for hostile or malformed input."""
    builder = _TreeBuilder()
    parse_safely(text, builder, "PAN-OS configurations")
    if builder.root is None:
        raise XmlRefused("the XML document has no root element", 1)
    return builder.root
