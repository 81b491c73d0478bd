"""Cisco ASA: a running configuration (`show running-config`, or the file a repository keeps)
as a firewall `linter.model.Device`.

`parse` splits the text into top-level commands (lexer), reads names and objects through the
TTP template `parsers/templates/asa_objects.ttp` (objects), access-lists (acl), MPF class and
policy maps (mpf) and builds listeners and pools (device). Every line is modelled, known to be
irrelevant (commands), or reported: EAS001 for what the ASA itself refuses, EAS002 for what the
linter does not read, EAS003 for what it cannot evaluate.
"""

from __future__ import annotations

from pathlib import Path

from linter.model import Device, DeviceKind, Diagnostic, Level, Location
from parsers.asa.commands import IRRELEVANT
from parsers.asa.device import Config, build
from parsers.asa.lexer import Block, lex
from parsers.asa.mpf import MPF_COMMANDS, MpfTable
from parsers.asa.objects import OBJECT_COMMANDS, ObjectTable

VENDOR = "asa"


def parse(display_name: str, text: str, config_dir: Path | None = None) -> Device:
    """The device one ASA configuration describes (`config_dir` is unused: an ASA
    configuration refers to no other file)."""
    lexed = lex(text)
    config = Config(display_name, ObjectTable(display_name), MpfTable(display_name))
    for line in lexed.unreadable:
        config.diagnostics.append(Diagnostic("EAS001", Level.ERROR, "line holds binary or control characters, not ASA "
                                             "configuration text", Location(display_name, line.number), None, None))
    for line in lexed.orphans:
        config.report("EAS002", Level.WARNING, "indented line before any command", line)
    object_blocks: list[Block] = []
    for block in lexed.blocks:
        _dispatch(config, block, object_blocks)
    config.objects.read(object_blocks)
    listeners, pools = build(config)
    diagnostics = config.diagnostics + config.objects.diagnostics + config.mpf.diagnostics
    diagnostics.sort(key=lambda diagnostic: (diagnostic.location.line, diagnostic.location.column or 0))
    return Device(VENDOR, display_name, (display_name,), tuple(listeners), tuple(pools), tuple(diagnostics),
                  kind=DeviceKind.FIREWALL)


def _dispatch(config: Config, block: Block, object_blocks: list[Block]) -> None:
    command = block.words[0]
    if command in OBJECT_COMMANDS:
        object_blocks.append(block)
    elif command in MPF_COMMANDS:
        config.mpf.read(block)
    elif command == "access-list":
        config.acl_lines.append(block.head)
        for child in block.children:
            config.report("EAS002", Level.WARNING, "unexpected line under 'access-list'", child)
    elif command == "access-group":
        config.access_group(block)
    elif command == "timeout":
        config.timeout(block)
    elif command == "interface":
        config.interface(block)
    elif command == "ASA" or command in IRRELEVANT:
        return
    else:
        config.report("EAS002", Level.WARNING, f"unrecognized command {command!r}", block.head)
