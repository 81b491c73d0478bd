"""HAProxy: configuration files as `linter.model.Device`s.

`parse` reads one configuration file the way HAProxy 2.6 does and returns its listeners
(frontend, listen), pools (backend, listen) and every line it could not account for.
"""

from __future__ import annotations

from pathlib import Path

from linter.model import Device
from parsers.haproxy.proxies import build_proxies
from parsers.haproxy.sections import split_sections

VENDOR = "haproxy"


def parse(display_name: str, text: str, config_dir: Path | None = None) -> Device:
    """The device one HAProxy configuration describes.

    `display_name` is the path shown in findings; `config_dir` is where pattern files named by
    `acl ... -f` are looked for (only files beside the configuration are read).
    """
    diagnostics = []
    sections = split_sections(display_name, text, diagnostics)
    listeners, pools = build_proxies(display_name, sections, diagnostics, config_dir)
    diagnostics.sort(key=lambda diagnostic: (diagnostic.location.line, diagnostic.location.column or 0))
    return Device(VENDOR, display_name, (display_name,), tuple(listeners), tuple(pools), tuple(diagnostics))
