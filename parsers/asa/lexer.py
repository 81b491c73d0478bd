"""ASA running-config text as numbered lines grouped into top-level commands.

The ASA prints its configuration as top-level commands at column 0 and their sub-commands
indented below them (`object network X` / ` host 10.1.1.5`, `policy-map P` / ` class C` /
`  set connection ...`). A `Block` is one top-level command with every indented line under it,
each line keeping its 1-based number so every value can be traced back to the file.

`show running-config` decorations (`: Saved`, `: Written by`, `Cryptochecksum:`, `: end`) and
`!` separators are not commands. Hostile input is bounded: NUL bytes and other control
characters make a line unreadable (reported by the caller), and lines longer than
`MAX_LINE_LENGTH` are cut, since no ASA command comes close (the CLI limit is 512 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LINE_LENGTH = 4096
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    indent: int
    text: str  # without indentation and trailing blanks

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(slots=True)
class Block:
    head: Line
    children: list[Line] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return self.head.words


@dataclass(frozen=True, slots=True)
class Lexed:
    blocks: list[Block]
    unreadable: list[Line]  # lines holding binary junk
    orphans: list[Line]  # indented lines before any top-level command


def is_decoration(text: str) -> bool:
    """`show running-config` output that is not a command, and comments."""
    return text.startswith(("!", ":", "Cryptochecksum:"))


def lex(text: str) -> Lexed:
    blocks: list[Block] = []
    unreadable: list[Line] = []
    orphans: list[Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        raw = raw[:MAX_LINE_LENGTH].rstrip()
        stripped = raw.lstrip(" \t")
        if not stripped:
            continue
        line = Line(number, len(raw) - len(stripped), stripped)
        if _CONTROL.search(stripped):
            unreadable.append(line)
            continue
        if line.indent == 0:
            if is_decoration(stripped):
                continue
            blocks.append(Block(line))
        elif stripped.startswith("!"):
            continue
        elif blocks:
            blocks[-1].children.append(line)
        else:
            orphans.append(line)
    return Lexed(blocks, unreadable, orphans)
