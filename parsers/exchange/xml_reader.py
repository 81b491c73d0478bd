"""IIS configuration XML (web.config, applicationHost.config) as a tree of elements with lines.

Read through `parsers.safe_xml` (defusedxml; a DTD or entity is refused unexpanded), so findings
can point at the line and column of the `<add key=...>` they are about. A UTF-8 byte-order
mark, which Exchange's own web.config files carry, is accepted.
"""

from __future__ import annotations

import xml.sax
from dataclasses import dataclass, field

from parsers.safe_xml import LocatedHandler, XmlRefused, parse_safely

__all__ = ["Element", "XmlRefused", "read_xml"]

MAX_DEPTH = 128
"""web.config files nest about ten deep; deeper input is hostile or broken, not a configuration."""


@dataclass
class Element:
    """An XML element: its name, attributes, children in document order and the line it starts on."""

    name: str
    attributes: dict[str, str]
    line: int
    column: int | None = None
    children: list[Element] = field(default_factory=list)

    def child(self, name: str) -> Element | None:
        """The first child called `name` (IIS section names are case-sensitive)."""
        return next((child for child in self.children if child.name == name), None)

    def path(self, *names: str) -> Element | None:
        node: Element | None = self
        for name in names:
            node = node.child(name) if node else None
        return node

    def attribute(self, name: str) -> str | None:
        return self.attributes.get(name)

    def tag_text(self) -> str:
        """The start tag as it could be written, for evidence and step texts."""
        attributes = "".join(f' {key}="{value}"' for key, value in self.attributes.items())
        return f"<{self.name}{attributes}>"


class _TreeBuilder(LocatedHandler):
    def __init__(self) -> None:
        super().__init__(MAX_DEPTH)
        self.stack: list[Element] = []
        self.root: Element | None = None

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        line, column = self.position(len(self.stack))
        element = Element(name, dict(attrs.items()), line, column)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def endElement(self, name: str) -> None:
        self.stack.pop()


def read_xml(text: str) -> Element:
    """The element tree of the document; raises XmlRefused for hostile or malformed input."""
    builder = _TreeBuilder()
    parse_safely(text, builder, "IIS configuration files")
    if builder.root is None:
        raise XmlRefused("the XML document has no root element", 1)
    return builder.root
