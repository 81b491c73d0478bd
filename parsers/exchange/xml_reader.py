"""IIS configuration XML (web.config, applicationHost.config) as a tree of elements with lines.

Parsing goes through defusedxml's SAX reader: a file that declares a DTD or entities (billion
laughs, an external entity pointing at /etc/passwd) is refused before anything is expanded or
fetched, because IIS configuration never needs either. The locator gives each element the line
and column it starts on, so findings can point at the `<add key=...>` they are about. A UTF-8
byte-order mark, which Exchange's own web.config files carry, is accepted.
"""

from __future__ import annotations

import re
import xml.sax
from dataclasses import dataclass, field
from xml.sax.xmlreader import Locator

from defusedxml import sax as defused_sax
from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden

MAX_DEPTH = 128
"""web.config files nest about ten deep; deeper input is hostile or broken, not a configuration."""
_ENCODING_DECLARATION = re.compile(r"""^(\s*<\?xml\b[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")
_DECLARATIONS = re.compile(r"<!(?:DOCTYPE|ENTITY)\b")


class XmlRefused(Exception):
    """Why the XML cannot be read, and where."""

    def __init__(self, message: str, line: int, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


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


class _TooDeep(Exception):
    pass


class _TreeBuilder(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.locator: Locator | None = None
        self.stack: list[Element] = []
        self.root: Element | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        line = self.locator.getLineNumber() if self.locator else 1
        if len(self.stack) >= MAX_DEPTH:
            raise _TooDeep(line)
        column = self.locator.getColumnNumber() if self.locator else None
        element = Element(name, dict(attrs.items()), line or 1, column + 1 if column is not None and column >= 0 else None)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def endElement(self, name: str) -> None:
        self.stack.pop()


def _line_of(text: str, pattern: re.Pattern[str]) -> int:
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def read_xml(text: str) -> Element:
    """The element tree of the document; raises XmlRefused for hostile or malformed input."""
    # The text is already decoded: hand expat UTF-8 and drop a declared encoding that no longer holds.
    body = text.removeprefix("\ufeff")
    data = _ENCODING_DECLARATION.sub(r"\1", body, count=1).encode("utf-8", "surrogatepass")
    builder = _TreeBuilder()
    try:
        defused_sax.parseString(data, builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        raise XmlRefused("the XML declares a DTD; IIS configuration files have none, so it was refused unread "
                         "(no entity is expanded and nothing is fetched)", _line_of(body, _DECLARATIONS)) from None
    except EntitiesForbidden as error:
        raise XmlRefused(f"the XML declares the entity {error.name!r}; refused unexpanded and unfetched",
                         _line_of(body, _DECLARATIONS)) from None
    except DefusedXmlException as error:
        raise XmlRefused(f"the XML uses a construct refused for safety ({type(error).__name__})", 1) from None
    except xml.sax.SAXParseException as error:
        column = error.getColumnNumber()
        raise XmlRefused(f"malformed XML: {error.getMessage()}", error.getLineNumber() or 1,
                         column + 1 if column is not None and column >= 0 else None) from None
    except _TooDeep as error:
        raise XmlRefused(f"elements nest deeper than {MAX_DEPTH} levels; not an IIS configuration file", error.args[0]) from None
    if builder.root is None:
        raise XmlRefused("the XML document has no root element", 1)
    return builder.root
