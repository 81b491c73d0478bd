"""Cut a FortiOS CLI backup into statements (`config`, `edit`, `set`, `next`, `end`, ...).

FortiOS quoting, as the backups written by `show full-configuration` and `execute backup` use
it (and as batfish's FortiOS grammar reads it, `batfish__fortios_replacemsg.conf` in the
corpus): words are separated by blanks; single or double quotes group a word and may span
lines (replacement-message buffers hold whole HTML pages); a backslash escapes the next
character everywhere, and a backslash before a line break joins the lines. A line whose first
non-blank character is `#` is a comment (the `#config-version=` header is one).

Most lines hold no quote or backslash; they are split with `str.split` so that a 30,000-line
backup lexes in milliseconds. Only lines with quotes take the character scanner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_QUOTED_LINES = 5000
"""A quoted value longer than this is taken for an unclosed quote (a replacement message is a
few hundred lines); the lexer reports it and goes on from the next line."""


_QUOTED_WORD = re.compile(r"""(?:"[^"]*"|'[^']*'|[^\s"'])+""")
_QUOTED_PART = re.compile(r""""([^"]*)"|'([^']*)'""")


def _unquote(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _quoted_line(line: str) -> list[str]:
    """Words of a one-line statement whose quotes pair up and that has no backslash (`edit
    "wan1"`, `set member "a" "b"`), by regular expression: the common case, kept fast."""
    return [_QUOTED_PART.sub(_unquote, word) if ("\"" in word or "'" in word) else word for word in _QUOTED_WORD.findall(line)]


@dataclass(frozen=True, slots=True)
class Statement:
    """One command; `line` is where it starts, `end_line` where a multi-line value ends."""

    line: int
    end_line: int
    words: tuple[str, ...]
    text: str  # the first physical line, stripped, for messages

    @property
    def keyword(self) -> str:
        return self.words[0]


@dataclass(frozen=True, slots=True)
class LexProblem:
    """A quote that never closes: the device would refuse the file from here."""

    line: int
    message: str
    text: str


def _scan(lines: list[str], start: int) -> tuple[list[str], int] | None:
    """Words of the statement that begins at `lines[start]`, and the index of its last line;
    None when a quote stays open for MAX_QUOTED_LINES lines or to the end of the file."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote: str | None = None
    index = start
    last = min(len(lines), start + MAX_QUOTED_LINES)
    while index < last:
        line = lines[index]
        position, length = 0, len(line)
        while position < length:
            char = line[position]
            if char == "\\":
                if position + 1 < length:
                    current.append(line[position + 1])
                    in_word = True
                    position += 2
                    continue
                if index + 1 < last:  # backslash at the end of a line: the next line continues it
                    break
                position += 1
                continue
            if quote is not None:
                if char == quote:
                    quote = None
                else:
                    current.append(char)
                position += 1
                continue
            if char in "\"'":
                quote = char
                in_word = True
            elif char in " \t\r":
                if in_word:
                    words.append("".join(current))
                    current, in_word = [], False
            else:
                current.append(char)
                in_word = True
            position += 1
        else:
            if quote is None:
                if in_word:
                    words.append("".join(current))
                return words, index
            current.append("\n")
        index += 1
    return None


def statements(text: str) -> Iterator[Statement | LexProblem]:
    """Every statement of the file in order, with comments and blank lines left out."""
    lines = text.split("\n")
    index = 0
    total = len(lines)
    while index < total:
        raw = lines[index]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        if "\"" not in raw and "'" not in raw and "\\" not in raw:
            yield Statement(index + 1, index + 1, tuple(stripped.split()), stripped)
            index += 1
            continue
        if "\\" not in raw and raw.count('"') % 2 == 0 and raw.count("'") % 2 == 0:
            yield Statement(index + 1, index + 1, tuple(_quoted_line(stripped)), stripped)
            index += 1
            continue
        scanned = _scan(lines, index)
        if scanned is None:
            yield LexProblem(index + 1, "a quoted value opened here is never closed", stripped[:200])
            index += 1
            continue
        words, last = scanned
        if words:
            yield Statement(index + 1, last + 1, tuple(words), stripped)
        index = last + 1
