"""Which vendor wrote a configuration file, told from its content.

Detection reads only the start of a file, so scanning a large repository stays cheap. HAProxy
is recognised by section header lines (`global`, `defaults [name]`, `frontend|backend|listen
<name>`) together with proxy keywords, and by the absence of the brace- and semicolon-ended
lines that NGINX, F5 and JSON-like formats are made of.
"""

from __future__ import annotations

import re

SNIFF_BYTES = 64 * 1024
_HAPROXY_HEADER = re.compile(r"^\s*(?:(?:global|defaults)(?:\s+[\w.:-]+(?:\s+from\s+[\w.:-]+)?)?|(?:frontend|backend|listen)\s+[\w.:-]+(?:\s+from\s+[\w.:-]+)?)\s*(?:#.*)?$")
_HAPROXY_KEYWORD = re.compile(r"^\s*(?:bind|server|mode|timeout|balance|option|default_backend|use_backend|http-request|acl)\s")


def detect_vendor(head: str) -> str | None:
    """The vendor of a file whose first bytes are `head`, or None when it is not recognised."""
    headers = keywords = braced = meaningful = 0
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        meaningful += 1
        if _HAPROXY_HEADER.match(line):
            headers += 1
        elif _HAPROXY_KEYWORD.match(line):
            keywords += 1
        if stripped.endswith(("{", ";")):
            braced += 1
    if headers and keywords and braced * 20 < meaningful:
        return "haproxy"
    return None
