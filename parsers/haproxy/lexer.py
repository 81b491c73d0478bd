"""Cut HAProxy configuration lines into words the way HAProxy 2.6 does (manual section 2.2).

A backslash escapes a space, `#`, `\\` and quotes (and `$`, inside double quotes only, which
the real binary does although the manual's table says otherwise), and `\\n`, `\\r`, `\\t`,
`\\xNN` give control characters (a word ends at a NUL); any other backslash pair is kept as written (so `\\d` reaches a
regex intact). Double quotes protect spaces, `#` and single quotes and expand environment
variables; single quotes protect everything. An unquoted `#` starts a comment. There are no
continuation lines: a trailing backslash is a word of its own, as HAProxy reads it.

Environment variables cannot be known at lint time, so a word that uses one keeps the
`${NAME}` text and lists the names in `Word.env`; callers treat such values as unknown.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEX = re.compile(r"[0-9A-Fa-f]{2}")
_ESCAPABLE = frozenset(" \t#\\'\"")
_SPECIAL = re.compile(r"[\"'\\]")  # lines without these need no quote or escape handling
_PLAIN_WORD = re.compile(r"[^ \t]+")
_CONTROL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}


class LexError(Exception):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


class Word(NamedTuple):
    """One word; a named tuple because a large configuration has hundreds of thousands."""

    text: str
    column: int  # 1-based column where the word starts
    quoted: bool = False  # any part was quoted or escaped: never a keyword such as `if`
    env: tuple[str, ...] = ()


def _env_reference(line: str, index: int) -> tuple[str, str, int]:
    """Parse `$NAME` or `${NAME...}` at `index` inside double quotes; return (name, literal text,
    next index). HAProxy refuses a `$` that does not start a variable name (`"^a$"`)."""
    if line.startswith("${", index):
        end = line.find("}", index + 2)
        if end < 0:
            raise LexError(f"unmatched brace in environment variable name at position {index + 1}", index + 1)
        name = _ENV_NAME.match(line, index + 2)
        if not name:
            raise LexError(f"forbidden first char in environment variable name at position {index + 1}", index + 1)
        return name.group(0), line[index : end + 1], end + 1
    name = _ENV_NAME.match(line, index + 1)
    if not name:
        raise LexError(f"forbidden first char in environment variable name at position {index + 1}", index + 1)
    return name.group(0), "${" + name.group(0) + "}", name.end()


def split_words(line: str) -> list[Word]:
    """The words of one configuration line, comments removed."""
    if not _SPECIAL.search(line):  # no quote or backslash: words are runs of non-blanks
        return [Word(m.group(), m.start() + 1) for m in _PLAIN_WORD.finditer(line.partition("#")[0])]
    words: list[Word] = []
    index = 0
    length = len(line)
    while True:
        while index < length and line[index] in " \t":
            index += 1
        if index >= length or line[index] == "#":
            return words
        start = index
        parts: list[str] = []
        quoted = False
        env: list[str] = []
        quote: str | None = None
        quote_start = 0
        while index < length:
            char = line[index]
            if quote == "'":
                if char == "'":
                    quote = None
                else:
                    parts.append(char)
                index += 1
                continue
            if char == "\\":
                nxt = line[index + 1] if index + 1 < length else ""
                if nxt and (nxt in _ESCAPABLE or (nxt == "$" and quote == '"')):
                    parts.append(nxt)
                    quoted = True
                    index += 2
                elif nxt in _CONTROL_ESCAPES and nxt:
                    parts.append(_CONTROL_ESCAPES[nxt])
                    quoted = True
                    index += 2
                elif nxt == "x":
                    if not _HEX.match(line, index + 2):
                        raise LexError(f"truncated or invalid hexadecimal sequence at position {index + 1}", index + 1)
                    parts.append(chr(int(line[index + 2 : index + 4], 16)))
                    quoted = True
                    index += 4
                else:
                    parts.append(char)
                    index += 1
                continue
            if quote == '"':
                if char == '"':
                    quote = None
                    index += 1
                    continue
                if char == "$":
                    name, literal, index = _env_reference(line, index)
                    env.append(name)
                    parts.append(literal)
                    continue
                parts.append(char)
                index += 1
                continue
            if char in "'\"":
                quote = char
                quote_start = index
                quoted = True
                index += 1
                continue
            if char in " \t" or char == "#":
                break
            parts.append(char)
            index += 1
        if quote is not None:
            raise LexError(f"unmatched quote at position {quote_start + 1}", quote_start + 1)
        text = "".join(parts).partition("\0")[0]  # HAProxy's words end at a NUL (from \x00)
        words.append(Word(text, start + 1, quoted, tuple(env)))
