"""The tmsh reader: bigip.conf text as top-level stanzas, and a stanza's body as a tree.

A saved BIG-IP configuration is a sequence of stanzas that start at column 0
(`ltm virtual /Common/vs {`) and end at their matching brace. Reading happens in two passes so
that a 90,000-line file costs little:

1. `split_stanzas` walks the lines once and finds where each stanza ends by counting braces,
   line by line (a quoted string or a backslash makes that line take the slow, exact path).
   Two counting modes exist because tmsh and Tcl disagree: in ordinary stanzas braces inside
   `"..."` do not count (tmsh quoting); in stanzas whose body is Tcl (`ltm rule`, `cli script`,
   ...) quotes are not special and only backslash-escaped braces are skipped, which is how Tcl
   itself reads a braced word. A stanza whose braces do not balance runs into the next
   column-0 header; it is cut there (at its last column-0 `}`) and reported, so one broken
   object never swallows the rest of the file.
2. `parse_body` turns the body of a stanza the parser models into `Node`s (words plus an
   optional block), only when asked: stanzas of types easlint never reads are skipped unparsed.

Both passes are linear in the size of the text: every line is looked at a bounded number of
times, and the one regex that reads quoted strings consumes the rest of the stanza when a quote
never closes, instead of trying again from every later quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# tmsh modules whose stanzas start at column 0 (tmsh reference, "MODULES"); a column-0 line
# starting with one of them while a stanza is still open means that stanza is unbalanced.
MODULES = frozenset({
    "analytics", "apm", "asm", "auth", "cli", "cm", "gtm", "ilx", "lic", "ltm", "net", "pem", "security",
    "sys", "util", "vcmp", "wam", "wom", "afm", "dos", "fpga", "ipfix", "ifc", "ssl-orchestrator", "access",
})
# Stanza types whose body is Tcl (or holds Tcl): braces count the way Tcl counts them.
TCL_STANZAS = frozenset({
    ("ltm", "rule"), ("gtm", "rule"), ("cli", "script"), ("pem", "irule"), ("sys", "icall"),
    ("sys", "application"), ("ilx", "plugin"), ("ltm", "rule-profiler"),
})
_HEADER = re.compile(r"^([a-z][a-z0-9-]*)\s+\S[^\n]*\{\s*\}?\s*$")
_ONE_LINE_QUOTED = re.compile(r'"[^"\n]*"')
_QUOTE_OR_BRACE = re.compile(r'\\.|["{}]', re.DOTALL)
_TCL_BRACE = re.compile(r"\\.|[{}]", re.DOTALL)
_TOKEN = re.compile(
    r"(?m)(?P<comment>(?:^|(?<=[ \t]))#[^\n]*)"  # a comment, to the end of its line
    r'|(?P<quoted>"(?:[^"\\]|\\.)*")'  # a quoted string, possibly over several lines
    r'|(?P<open>"[\s\S]*)'  # a quote that never closes: the rest of the stanza, reported
    r"|(?P<brace>[{}])"
    r"|(?P<newline>\n)"
    r'|(?P<word>[^\s{}"]+)',
)


@dataclass(slots=True)
class Node:
    """One statement of a stanza body: its words, and the block that follows them, if any.

    `words` are unquoted (`"GET / HTTP/1.1\\r\\n"` keeps its escapes as tmsh stores them);
    `quoted` says which of them were written in quotes. A list block (`vlans { a b }`) holds
    statements whose words are the items."""

    words: list[str]
    line: int
    block: list[Node] | None = None
    end_line: int = 0
    quoted: tuple[bool, ...] = ()

    @property
    def key(self) -> str:
        return self.words[0] if self.words else ""

    def items(self) -> list[str]:
        """Every word of a list block (`values { a b }` written on one line or on several)."""
        return [word for node in self.block or () for word in node.words]


@dataclass(slots=True)
class Stanza:
    """A top-level object: `header` words (`ltm`, `virtual`, `/Common/vs`), its lines and text."""

    header: list[str]
    file: str
    line: int
    end_line: int
    lines: list[str]  # the stanza's lines, first to last
    tcl: bool = False

    @property
    def kind(self) -> tuple[str, ...]:
        """The type words before the name (`("ltm", "profile", "tcp")`)."""
        return tuple(self.header[:-1]) if len(self.header) > 1 else tuple(self.header)

    @property
    def name(self) -> str:
        return self.header[-1] if self.header else ""

    def body_text(self) -> tuple[str, int]:
        """The text between the stanza's outer braces, and the line its first character is on."""
        first = self.lines[0]
        open_at = first.find("{")
        rest = first[open_at + 1 :]
        if len(self.lines) == 1:
            close_at = rest.rfind("}")
            return (rest[:close_at] if close_at >= 0 else rest), self.line
        last = self.lines[-1]
        close_at = last.rfind("}")
        tail = last[:close_at] if close_at >= 0 else last
        middle = self.lines[1:-1]
        if rest.strip():
            return "\n".join([rest, *middle, tail]), self.line
        return "\n".join([*middle, tail]), self.line + 1


@dataclass(slots=True)
class Problem:
    """A reading problem: `code` EAS001 (the device would refuse it) or EAS002 (not understood)."""

    code: str
    message: str
    line: int
    text: str
    object_header: str | None = None


@dataclass
class SplitResult:
    stanzas: list[Stanza] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _is_header(line: str) -> bool:
    """A column-0 line that opens a tmsh stanza of a known module."""
    if not line or line[0] in " \t#}":
        return False
    match = _HEADER.match(line)
    return bool(match and match.group(1) in MODULES)


def _count(line: str, tcl: bool, in_quote: bool) -> tuple[int, bool]:
    """(brace balance of the line, whether a quote is still open after it): the exact path."""
    delta = 0
    pattern = _TCL_BRACE if tcl else _QUOTE_OR_BRACE
    for match in pattern.finditer(line):
        token = match.group()
        if token[0] == "\\":
            continue
        if token == '"':
            in_quote = not in_quote
        elif in_quote:
            continue
        elif token == "{":
            delta += 1
        else:
            delta -= 1
    return delta, in_quote


def _line_delta(line: str, tcl: bool, in_quote: bool) -> tuple[int, bool]:
    if not in_quote and "\\" not in line and (tcl or '"' not in line):
        if not tcl and line.lstrip().startswith("#"):
            return 0, False
        return line.count("{") - line.count("}"), False
    return _count(line, tcl, in_quote)


def _module_line(line: str) -> bool:
    """A column-0 line whose first word is a tmsh module: where a stanza may start."""
    if not line or line[0] in " \t#}\r":
        return False
    first = line.split(None, 1)[0]
    return first in MODULES and "{" in line


def split_stanzas(file: str, text: str) -> SplitResult:
    """The top-level stanzas of a tmsh file, each with its lines, in file order.

    Fast path: the lines between two column-0 module headers are one stanza when their braces
    balance (counted over the whole chunk at once) and the chunk ends with `}`; anything else
    (quotes, backslashes, stray lines, unbalanced braces) is read line by line."""
    result = SplitResult()
    lines = text.split("\n")
    starts = [index for index, line in enumerate(lines) if _module_line(line)]
    starts.append(len(lines))
    if starts[0] > 0:
        _read_span(file, lines, 0, starts[0], result)
    for position in range(len(starts) - 1):
        start, stop = starts[position], starts[position + 1]
        last = stop - 1
        while last > start and (not lines[last].strip() or lines[last].lstrip().startswith("#")):
            last -= 1
        chunk = "\n".join(lines[start : last + 1])
        header = _header_words(lines[start].rstrip("\r"))
        tcl = header is not None and tuple(header[:2]) in TCL_STANZAS
        if tcl:
            chunk = chunk.replace('"', "")  # Tcl counts braces inside quotes too
        elif '"' in chunk and "\\" not in chunk:  # with backslashes, the exact reader (linear) decides
            chunk = _ONE_LINE_QUOTED.sub("", chunk)  # tmsh: quoted strings that close on their line
        if (header is not None and '"' not in chunk and "\\" not in chunk and "#" not in chunk
                and lines[last].rstrip("\r").endswith("}") and chunk.count("{") == chunk.count("}")):
            stanza_lines = [line.rstrip("\r") for line in lines[start : last + 1]] if "\r" in chunk else lines[start : last + 1]
            result.stanzas.append(Stanza(header, file, start + 1, last + 1, stanza_lines, tcl))
        else:
            _read_span(file, lines, start, stop, result)
    return result


def _read_span(file: str, lines: list[str], index: int, count: int, result: SplitResult) -> None:
    """The exact reader, line by line, over lines[index:count]."""
    stray_start: int | None = None
    while index < count:
        line = lines[index].rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        header_words = _header_words(line)
        if line[0] in " \t}" or header_words is None:
            if stray_start is None:
                stray_start = index
            index += 1
            continue
        if stray_start is not None:
            _report_stray(result, lines, stray_start, index)
            stray_start = None
        index = _read_stanza(file, lines, index, header_words, result)
    if stray_start is not None:
        _report_stray(result, lines, stray_start, count)


def _header_words(line: str) -> list[str] | None:
    """The words of a stanza header before its `{`, or None when the line opens no stanza."""
    open_at = line.find("{")
    if open_at <= 0:
        return None
    words = line[:open_at].split()
    if not words or any('"' in word for word in words):
        return None
    return words


def _report_stray(result: SplitResult, lines: list[str], start: int, end: int) -> None:
    """Lines outside any stanza (an imish dump appended to bigip.conf, a stray brace): one report
    for the run of them, since each line alone says nothing more."""
    meaningful = [number for number in range(start, end) if lines[number].strip() and not lines[number].strip().startswith("#")]
    if not meaningful:
        return
    first = meaningful[0]
    result.problems.append(Problem(
        "EAS002",
        f"{len(meaningful)} line(s) outside any tmsh object, from line {first + 1} to line {meaningful[-1] + 1}: not read",
        first + 1,
        lines[first].strip(),
    ))


def _read_stanza(file: str, lines: list[str], start: int, header: list[str], result: SplitResult) -> int:
    """Read the stanza that starts at `start`; return the index of the line after it."""
    tcl = tuple(header[:2]) in TCL_STANZAS
    depth, in_quote = _line_delta(lines[start].rstrip("\r"), tcl, False)
    index = start
    count = len(lines)
    while depth > 0 or in_quote:
        index += 1
        if index >= count:
            return _unterminated(file, lines, start, header, tcl, result, in_quote)
        line = lines[index].rstrip("\r")
        if not in_quote and line and _is_header(line):
            return _runaway(file, lines, start, index, header, tcl, result)
        delta, in_quote = _line_delta(line, tcl, in_quote)
        depth += delta
    if depth < 0:
        result.problems.append(Problem("EAS001", f"unbalanced '}}' in {' '.join(header)}", index + 1,
                                       lines[index].strip(), " ".join(header)))
    end = index
    result.stanzas.append(Stanza(header, file, start + 1, end + 1, [line.rstrip("\r") for line in lines[start : end + 1]], tcl))
    return end + 1


def _last_closing_line(lines: list[str], start: int, stop: int) -> int | None:
    for number in range(stop - 1, start, -1):
        if lines[number].rstrip("\r") == "}":
            return number
    return None


def _runaway(file: str, lines: list[str], start: int, header_index: int, header: list[str], tcl: bool,
             result: SplitResult) -> int:
    """A stanza still open when the next column-0 header comes: cut it at its last column-0 `}`."""
    end = _last_closing_line(lines, start, header_index)
    what = " ".join(header)
    result.problems.append(Problem(
        "EAS001",
        f"the braces of {what} do not balance: it runs into the next object at line {header_index + 1}"
        + (f"; read up to line {end + 1}" if end is not None else ""),
        start + 1, lines[start].strip(), what,
    ))
    if end is None:
        return header_index
    result.stanzas.append(Stanza(header, file, start + 1, end + 1, [line.rstrip("\r") for line in lines[start : end + 1]], tcl))
    return end + 1


def _unterminated(file: str, lines: list[str], start: int, header: list[str], tcl: bool, result: SplitResult,
                  in_quote: bool) -> int:
    what = " ".join(header)
    reason = "a quoted string never closes" if in_quote else "its closing '}' is missing"
    end = _last_closing_line(lines, start, len(lines))
    result.problems.append(Problem("EAS001", f"{what} is not complete: {reason} before the end of the file",
                                   start + 1, lines[start].strip(), what))
    if end is not None and not in_quote:
        result.stanzas.append(Stanza(header, file, start + 1, end + 1, [line.rstrip("\r") for line in lines[start : end + 1]], tcl))
    return len(lines)


# -- bodies ----------------------------------------------------------------------------------------


_SPECIAL = re.compile(r'["#\\]')


def parse_body(stanza: Stanza, problems: list[Problem]) -> list[Node]:
    """The statements of a stanza's body. A statement ends at a line end or after its block.

    Saved configurations put one statement per line (`key value`, `name {`, `}`), so lines
    are split with `str.split` and only a line holding a quote, `#` or backslash goes through
    the tokenizer; a quoted string spanning lines sends the whole stanza there."""
    lines = stanza.lines
    if len(lines) < 2 or not lines[0].rstrip().endswith("{") or lines[-1].strip() != "}" or lines[0].count("{") != 1:
        return _tokenized_body(stanza, problems)
    what = ""
    root: list[Node] = []
    blocks: list[list[Node]] = [root]
    owners: list[Node] = []
    number = stanza.line
    for raw in lines[1:-1]:
        number += 1
        text = raw.strip()
        if not text:
            continue
        if _SPECIAL.search(text):
            if text[0] == "#":
                continue
            tokens = [(match.lastgroup, match.group()) for match in _TOKEN.finditer(text)]
            if any(kind == "open" for kind, _ in tokens):
                return _tokenized_body(stanza, problems)
        elif "{" not in text and "}" not in text:
            blocks[-1].append(Node(text.split(), number))
            continue
        elif text == "}":
            if owners:
                owners.pop().end_line = number
                blocks.pop()
            else:
                what = what or " ".join(stanza.header)
                problems.append(Problem("EAS001", f"unbalanced '}}' in {what}", number, "}", what))
            continue
        elif text[-1] == "{" and text.count("{") == 1 and "}" not in text:
            node = Node(text[:-1].split(), number, [])
            blocks[-1].append(node)
            blocks.append(node.block)  # type: ignore[arg-type]
            owners.append(node)
            continue
        else:
            tokens = [("brace" if word in "{}" else "word", word)
                      for word in text.replace("{", " { ").replace("}", " } ").split()]
        current: Node | None = None
        quoted: list[bool] = []
        for kind, token in tokens:
            if kind == "comment":
                break
            if kind == "brace":
                if current is not None:
                    current.quoted = tuple(quoted)
                if token == "{":
                    node = current if current is not None else Node([], number)
                    if current is None:
                        blocks[-1].append(node)
                    node.block = []
                    blocks.append(node.block)
                    owners.append(node)
                elif owners:
                    owners.pop().end_line = number
                    blocks.pop()
                else:
                    what = what or " ".join(stanza.header)
                    problems.append(Problem("EAS001", f"unbalanced '}}' in {what}", number, "}", what))
                current, quoted = None, []
                continue
            if current is None:
                current = Node([], number)
                blocks[-1].append(current)
                quoted = []
            if kind == "quoted":
                current.words.append(token[1:-1])
                quoted.append(True)
            else:
                current.words.append(token)
                quoted.append(False)
        if current is not None:
            current.quoted = tuple(quoted)
    if owners:
        what = " ".join(stanza.header)
        problems.append(Problem("EAS001", f"a block in {what} is not closed", owners[-1].line, "{", what))
    return root


def _tokenized_body(stanza: Stanza, problems: list[Problem]) -> list[Node]:
    """The exact reader of a stanza body: every token through one regex, quotes over lines."""
    text, first_line = stanza.body_text()
    what = " ".join(stanza.header)
    root: list[Node] = []
    stack: list[tuple[list[Node], Node | None]] = [(root, None)]
    current: Node | None = None
    quoted: list[bool] = []
    line = first_line
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        token = match.group()
        if kind == "newline":
            line += 1
            if current is not None:
                current.quoted = tuple(quoted)
                current = None
            continue
        if kind == "comment":
            continue
        if kind == "brace":
            if token == "{":
                node = current
                if node is None:
                    node = Node([], line)
                    stack[-1][0].append(node)
                    quoted = []
                node.quoted = tuple(quoted)
                node.block = []
                stack.append((node.block, node))
            elif len(stack) == 1:
                problems.append(Problem("EAS001", f"unbalanced '}}' in {what}", line, "}", what))
            else:
                if current is not None:
                    current.quoted = tuple(quoted)
                _, owner = stack.pop()
                if owner is not None:
                    owner.end_line = line
            current, quoted = None, []
            continue
        if kind == "open":
            problems.append(Problem("EAS001", f"a quoted string never closes in {what}", line, token.split("\n", 1)[0][:80], what))
            break
        if current is None:
            current = Node([], line)
            stack[-1][0].append(current)
            quoted = []
        if kind == "quoted":
            current.words.append(token[1:-1])
            quoted.append(True)
            line += token.count("\n")
        else:
            current.words.append(token)
            quoted.append(False)
    if current is not None:
        current.quoted = tuple(quoted)
    if len(stack) > 1:
        owner = stack[-1][1]
        problems.append(Problem("EAS001", f"a block in {what} is not closed", owner.line if owner else stanza.line, "{", what))
    return root
