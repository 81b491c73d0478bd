"""XML from a configuration file, read without trusting it, for every vendor that writes XML.

Parsing goes through defusedxml's SAX reader: a file that declares a DTD or entities (billion
laughs, an external entity pointing at /etc/passwd) is refused before anything is expanded or
fetched, because no device configuration easlint reads needs either. Each vendor builds its own
tree with a `LocatedHandler`, whose locator gives every element the line (and column) it starts
on, and whose depth limit stops hostile nesting. A UTF-8 byte-order mark is accepted, and the
text arrives decoded, so a declared encoding that no longer holds is dropped before expat reads it.
"""

from __future__ import annotations

import re
import xml.sax
from xml.sax.xmlreader import Locator

from defusedxml import sax as defused_sax
from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden

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


class LocatedHandler(xml.sax.ContentHandler):
    """A SAX handler that knows where each element starts and refuses nesting beyond `max_depth`."""

    def __init__(self, max_depth: int) -> None:
        super().__init__()
        self.locator: Locator | None = None
        self.max_depth = max_depth

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def position(self, depth: int) -> tuple[int, int | None]:
        """(line, 1-based column or None) of the element being opened at `depth` levels deep."""
        line = (self.locator.getLineNumber() if self.locator else 1) or 1
        if depth >= self.max_depth:
            raise _TooDeep(line)
        column = self.locator.getColumnNumber() if self.locator else None
        return line, column + 1 if column is not None and column >= 0 else None


def _line_of(text: str, pattern: re.Pattern[str]) -> int:
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def parse_safely(text: str, handler: LocatedHandler, what: str) -> None:
    """Feed `text` to `handler`; raises XmlRefused for hostile or malformed input. `what` names
    the files expected here ("IIS configuration files") for the messages."""
    body = text.removeprefix("\ufeff")
    data = _ENCODING_DECLARATION.sub(r"\1", body, count=1).encode("utf-8", "surrogatepass")
    try:
        defused_sax.parseString(data, handler, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        raise XmlRefused(f"the XML declares a DTD; {what} have none, so it was refused unread "
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
        raise XmlRefused(f"elements nest deeper than {handler.max_depth} levels; not one of the {what}",
                         error.args[0]) from None
