"""The XML running-config (`show config running` in XML, an API export, a Panorama export) as a tree.

Parsing goes through defusedxml's SAX reader, whose locator gives each element the line it
starts on. A configuration that declares a DTD or entities (billion laughs, external entities)
is refused before anything is expanded or fetched: PAN-OS never writes either, so such a file
is an EAS001 error, not something to read around. Malformed XML is EAS001 with the line and
column expat reports.
"""

from __future__ import annotations

import re
import xml.sax
from xml.sax.xmlreader import Locator

from defusedxml import sax as defused_sax
from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden

from parsers.panos.tree import Node

MAX_DEPTH = 256
"""PAN-OS configurations nest about 20 deep; deeper input is hostile or broken, not a config."""
_ENCODING_DECLARATION = re.compile(r"""^(\s*<\?xml\b[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")
_DECLARATIONS = re.compile(r"<!(?:DOCTYPE|ENTITY)\b")


class XmlRefused(Exception):
    """Why the XML cannot be read, and where."""

    def __init__(self, message: str, line: int, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class _TooDeep(Exception):
    pass


class _TreeBuilder(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.locator: Locator | None = None
        self.stack: list[Node] = []
        self.text: list[list[str]] = []
        self.root: Node | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _TooDeep(self.locator.getLineNumber() if self.locator else 1)
        line = self.locator.getLineNumber() if self.locator else 1
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


def _line_of(text: str, pattern: re.Pattern[str]) -> int:
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def read_xml(text: str) -> Node:
    """The tree of the document; raises XmlRefused for hostile or malformed input."""
    # The text is already decoded: hand expat UTF-8 and drop a declared encoding that no longer holds.
    data = _ENCODING_DECLARATION.sub(r"\1", text.lstrip("\ufeff"), count=1).encode("utf-8", "surrogatepass")
    builder = _TreeBuilder()
    try:
        defused_sax.parseString(data, builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as error:
        raise XmlRefused(
            f"the XML declares a DTD ({error.name!r}); PAN-OS configurations have none, so it was refused unread "
            "(no entity is expanded and nothing is fetched)", _line_of(text, _DECLARATIONS)) from None
    except EntitiesForbidden as error:
        raise XmlRefused(f"the XML declares the entity {error.name!r}; refused unexpanded and unfetched",
                         _line_of(text, _DECLARATIONS)) from None
    except DefusedXmlException as error:
        raise XmlRefused(f"the XML uses a construct refused for safety ({type(error).__name__})", 1) from None
    except xml.sax.SAXParseException as error:
        column = error.getColumnNumber()
        raise XmlRefused(f"malformed XML: {error.getMessage()}", error.getLineNumber() or 1,
                         column + 1 if column is not None and column >= 0 else None) from None
    except _TooDeep as error:
        raise XmlRefused(f"elements nest deeper than {MAX_DEPTH} levels; not a PAN-OS configuration", error.args[0]) from None
    if builder.root is None:
        raise XmlRefused("the XML document has no root element", 1)
    return builder.root
