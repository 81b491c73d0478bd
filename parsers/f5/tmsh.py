"""The tmsh reader: bigip.conf text as top-level stanzas, and a stanza's body as a tree.

A saved BIG-IP configuration is a sequence of stanzas that start at column 0
(`ltm virtual /Common/vs {`) and end at their matching brace. Reading happens in two passes so
that a 90,000-line file costs little:

1. `split_stanzas` finds where each stanza ends. BIG-IP saves its configuration in one layout:
   a stanza starts with a column-0 header (`ltm pool /Common/p {`) and ends with `}` alone at
   column 0 before the next header. The fast path finds the headers with one compiled regex
   over the whole text and accepts the chunk between two headers as one stanza when, counted
   over the whole chunk at once, its first brace closes at its last character (no backslash,
   `#` or quote spanning lines in it). Anything else (an iRule with escapes or comments, a
   multi-line quoted string, a stray line, unbalanced braces) goes to the exact reader, which
   walks the lines and counts braces. Two counting modes exist because tmsh and Tcl disagree:
   in ordinary stanzas braces inside `"..."` do not count (tmsh quoting); in stanzas whose body
   is Tcl (`ltm rule`, `cli script`, ...) quotes are not special and only backslash-escaped
   braces are skipped, which is how Tcl itself reads a braced word. A stanza whose braces do
   not balance runs into the next column-0 header; it is cut there (at its last column-0 `}`)
   and reported, so one broken object never swallows the rest of the file.
2. `parse_body` turns the body of a stanza the parser models into `Node`s (words plus an
   optional block), only when asked: stanzas of types easlint never reads are skipped unparsed.
   It reads line by line (a statement ends at a line end or after its block), tokenizing only
   lines that hold a quote, `#` or backslash; a quoted string spanning lines sends the stanza to
   the exact tokenizer, one regex over the whole body. Both give the same nodes
   (tests/test_f5_tmsh_fastpath.py checks it on generated text).

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
# A header that may open a stanza: `ltm pool /Common/p {`, `... { }`, or a one-line stanza
# `ltm node /Common/n { address 10.0.0.1 }`.
_HEADER = re.compile(r"^([a-z][a-z0-9-]*)\s+\S[^\n]*\{(?:[^\n]*\})?\s*$")
# Where a stanza may start: a line whose first word is a module and that holds a `{`. Searched
# as "a newline, then a word" (MULTILINE `^` would be tried at every character, and an
# alternation of the module names at every newline costs three times as much as one word
# pattern); `_stanza_starts` keeps the words that are modules. The second group is the rest of
# the header up to its first brace: the header's words without reading the line again.
_WORD_LINE = r"([a-z][a-z0-9-]*)([^\S\n][^\n{]*)\{"
_FIRST_HEADER_LINE = re.compile(_WORD_LINE)
_NEXT_HEADER_LINE = re.compile("\n" + _WORD_LINE)
_ONE_LINE_QUOTED = re.compile(r'"[^"\n]*"')
_NOT_BRACE_BYTES = bytes(code for code in range(256) if code not in b"{}")  # bytes.translate deletes these
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
    `quoted` says which of them were written in quotes, and is empty when none was. A list block
    (`vlans { a b }`) holds statements whose words are the items."""

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
    """A top-level object: `header` words (`ltm`, `virtual`, `/Common/vs`) and its text, from
    the header to the closing brace (its last line ends with that brace)."""

    header: list[str]
    file: str
    line: int
    end_line: int
    text: str
    tcl: bool = False

    @property
    def kind(self) -> tuple[str, ...]:
        """The type words before the name (`("ltm", "profile", "tcp")`)."""
        return tuple(self.header[:-1]) if len(self.header) > 1 else tuple(self.header)

    @property
    def name(self) -> str:
        return self.header[-1] if self.header else ""

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def body_text(self) -> tuple[str, int]:
        """The text between the stanza's outer braces, and the line its first character is on."""
        text = self.text
        open_at = text.find("{")
        first_end = text.find("\n")
        if first_end < 0:
            rest = text[open_at + 1 :]
            close_at = rest.rfind("}")
            return (rest[:close_at] if close_at >= 0 else rest), self.line
        last_start = text.rfind("\n") + 1
        last = text[last_start:]
        close_at = last.rfind("}")
        after_first = text[first_end + 1 : last_start] + (last[:close_at] if close_at >= 0 else last)
        head = text[open_at + 1 : first_end]
        if head.strip():
            return head + "\n" + after_first, self.line
        return after_first, self.line + 1


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


def _stanza_starts(text: str) -> list[tuple[int, list[str] | None]]:
    """Where each column-0 line that opens a stanza of a known module starts, with the words of
    its header before the first brace (None when a quote is among them: the exact reader reads
    that header)."""
    starts = []
    first = _FIRST_HEADER_LINE.match(text)
    for match in ([first] if first else []) + list(_NEXT_HEADER_LINE.finditer(text)):
        module, rest = match.group(1, 2)
        if module in MODULES:
            starts.append((match.start() + (match is not first), None if '"' in rest else [module, *rest.split()]))
    return starts


def split_stanzas(file: str, text: str) -> SplitResult:
    """The top-level stanzas of a tmsh file, each with its text, in file order.

    Each chunk from one module header to the next is tried on the fast path; when it is refused,
    the exact reader takes over at that line and goes as far as its stanza really goes (further
    than the chunk when a quoted string runs on), and the fast path resumes at the next header."""
    result = SplitResult()
    starts = _stanza_starts(text)
    if not starts:  # no stanza at all: the exact reader says what the lines are
        lines = text.split("\n")
        _read_span(file, lines, 0, len(lines), result)
        return result
    starts.append((len(text), None))
    lines: list[str] | None = None  # the file's lines, split only when the exact reader needs them
    line_index = text.count("\n", 0, starts[0][0])  # of the current chunk's first line
    resume = 0  # the first line not read yet
    for position in range(len(starts) - 1):
        (start, header), stop = starts[position], starts[position + 1][0]
        newlines = text.count("\n", start, stop)
        next_index = line_index + newlines
        if line_index > resume:  # lines before this header: a preamble, stray lines, other stanzas
            lines = lines if lines is not None else text.split("\n")
            resume = _read_span(file, lines, resume, line_index, result)
        if line_index >= resume:  # not read yet by the exact reader running on
            stanza = _standard_stanza(file, text[start:stop], line_index + 1, header, newlines)
            if stanza is not None:
                result.stanzas.append(stanza)
                resume = max(next_index, stanza.end_line)  # what follows it in the chunk is blank
            else:
                lines = lines if lines is not None else text.split("\n")
                resume = _read_span(file, lines, line_index, next_index, result)
        line_index = next_index
    if lines is not None:  # the exact reader ran: it reads on to the end of the file
        _read_span(file, lines, resume, len(lines), result)
    return result


def _standard_stanza(file: str, chunk: str, line: int, header: list[str] | None, newlines: int) -> Stanza | None:
    """The fast path: the text between two headers as one stanza, when it is in the layout
    BIG-IP writes (its first brace closes at its last character, nothing after it but blank
    lines, no backslash, `#` or quote spanning lines); None sends the chunk to the exact reader.
    `header`: the words of its first line before the brace; `newlines`: how many the chunk has."""
    if header is None:
        return None
    body = chunk.rstrip()
    if not body.endswith("}") or "\\" in body or "#" in body:
        return None
    end_line = line + newlines - chunk.count("\n", len(body))
    if "\r" in body:
        body = "\n".join(part.rstrip("\r") for part in body.split("\n"))
    tcl = (header[0], header[1]) in TCL_STANZAS if len(header) > 1 else False
    counted = body.replace('"', "") if tcl else _ONE_LINE_QUOTED.sub("", body) if '"' in body else body
    if '"' in counted:
        return None
    opening = counted.count("{")
    if opening == 1 and counted.count("}") == 1:  # `ltm node n {`, `address a`, `}`: nothing to pair up
        return Stanza(header, file, line, end_line, body, tcl)
    # Only the braces, in order; in UTF-8 no byte of another character is a brace.
    braces = counted.encode("utf-8", "surrogatepass").translate(None, _NOT_BRACE_BYTES)
    inner = braces[1:-1]  # the first brace is the header's, the last the stanza's end
    while b"{}" in inner:
        inner = inner.replace(b"{}", b"")
    if inner or braces[:1] != b"{":
        return None
    return Stanza(header, file, line, end_line, body, tcl)


def _read_span(file: str, lines: list[str], index: int, count: int, result: SplitResult) -> int:
    """The exact reader, line by line, over lines[index:count] and as far past `count` as the last
    stanza it starts there goes; returns the index of the first line it did not read."""
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
    return index


def _header_words(line: str) -> list[str] | None:
    """The words of a stanza header before its `{`, or None when the line opens no stanza."""
    open_at = line.find("{")
    if open_at <= 0:
        return None
    before = line[:open_at]
    if '"' in before:
        return None
    return before.split() or None


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
    result.stanzas.append(_exact_stanza(header, file, lines, start, end, tcl))
    return end + 1


def _exact_stanza(header: list[str], file: str, lines: list[str], start: int, end: int, tcl: bool) -> Stanza:
    return Stanza(header, file, start + 1, end + 1, "\n".join(line.rstrip("\r") for line in lines[start : end + 1]), tcl)


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
    result.stanzas.append(_exact_stanza(header, file, lines, start, end, tcl))
    return end + 1


def _unterminated(file: str, lines: list[str], start: int, header: list[str], tcl: bool, result: SplitResult,
                  in_quote: bool) -> int:
    what = " ".join(header)
    reason = "a quoted string never closes" if in_quote else "its closing '}' is missing"
    end = _last_closing_line(lines, start, len(lines))
    result.problems.append(Problem("EAS001", f"{what} is not complete: {reason} before the end of the file",
                                   start + 1, lines[start].strip(), what))
    if end is not None and not in_quote:
        result.stanzas.append(_exact_stanza(header, file, lines, start, end, tcl))
    return len(lines)


# -- bodies ----------------------------------------------------------------------------------------


def parse_body(stanza: Stanza, problems: list[Problem]) -> list[Node]:
    """The statements of a stanza's body. A statement ends at a line end or after its block."""
    text, first_line = stanza.body_text()
    found: list[Problem] = []
    what = " ".join(stanza.header)
    body = _layout_body(text, first_line, what, found)
    if body is None:
        found = []
        body = _tokenized_body(text, first_line, what, found)
    problems.extend(found)
    if first_line == stanza.line or _INLINE_BLOCK.search(text):
        body = _one_line_properties(body, stanza.line)
    return body


# A `{` with a statement after it on the same line: one-line syntax (`ltm node n { address a }`).
_INLINE_BLOCK = re.compile(r"\{[ \t]*[^\s}]")
_PROPERTY = re.compile(r"[a-z][a-z0-9-]*\Z")
_NOT_PAIRS = frozenset({"and", "of", "min"})  # monitor rules: `/Common/a and /Common/b`, `min 1 of { ... }`


def _one_line_properties(nodes: list[Node], open_line: int) -> list[Node]:
    """Several properties written on the line of the brace that opens their block, as tmsh
    accepts them (`ltm profile tcp /Common/x { defaults-from /Common/tcp idle-timeout 3600 }`,
    `ltm pool /Common/p { monitor /Common/http members { ... } }`), as one statement each, the way
    the saved layout writes them one per line. The last word before a block owns it; the words
    before it, or of a statement without a block, pair up as `key value` when they are an even
    number and every key looks like a property name, and stay one statement otherwise."""
    result: list[Node] = []
    for node in nodes:
        if node.block is not None:
            node.block = _one_line_properties(node.block, node.line)
        words, flags = node.words, node.quoted or (False,) * len(node.words)
        leading = words[:-1] if node.block is not None else words
        if node.line != open_line or not leading or node.block is None and len(leading) < 4:
            result.append(node)
            continue
        if (len(leading) % 2 or _NOT_PAIRS.intersection(leading)
                or not all(_PROPERTY.match(leading[index]) and not flags[index] for index in range(0, len(leading), 2))):
            result.append(Node(leading, node.line, None, 0, _flags(list(flags[: len(leading)]))))
        else:
            for index in range(0, len(leading), 2):
                result.append(Node(leading[index : index + 2], node.line, None, 0, _flags(list(flags[index : index + 2]))))
        if node.block is not None:
            result.append(Node(words[-1:], node.line, node.block, node.end_line, _flags(list(flags[-1:]))))
    return result


class _Blocks:
    """The open blocks of a body being read: statements go into the innermost one."""

    __slots__ = ("root", "blocks", "owners", "what", "problems")

    def __init__(self, what: str, problems: list[Problem]) -> None:
        self.root: list[Node] = []
        self.blocks: list[list[Node]] = [self.root]
        self.owners: list[Node] = []
        self.what = what
        self.problems = problems

    def open(self, node: Node) -> None:
        node.block = []
        self.blocks.append(node.block)
        self.owners.append(node)

    def close(self, line: int) -> None:
        if self.owners:
            self.owners.pop().end_line = line
            self.blocks.pop()
        else:
            self.problems.append(Problem("EAS001", f"unbalanced '}}' in {self.what}", line, "}", self.what))

    def finish(self) -> list[Node]:
        if self.owners:
            self.problems.append(Problem("EAS001", f"a block in {self.what} is not closed", self.owners[-1].line, "{", self.what))
        return self.root


def _flags(quoted: list[bool]) -> tuple[bool, ...]:
    return tuple(quoted) if True in quoted else ()


def _layout_body(text: str, line: int, what: str, problems: list[Problem]) -> list[Node] | None:
    """The fast reader: line by line, the shapes BIG-IP writes (`key value`, `name {`, `name { }`,
    `}`, `key "a quoted value"`) without a tokenizer, other lines through it one at a time. None
    when a quoted string spans lines: only the exact tokenizer reads those.

    It runs over every line of every body easlint reads, so its loop is written for speed: the
    innermost block is a local (`current`), blocks open and close inline, and a body without `#`
    or backslash (nearly all of them) skips the two tests that send a line to the tokenizer."""
    blocks = _Blocks(what, problems)
    open_blocks, owners = blocks.blocks, blocks.owners
    current = blocks.root
    special = "#" in text or "\\" in text
    for number, raw in enumerate(text.split("\n"), line):
        statement = raw.strip()
        if not statement:
            continue
        if special and ("#" in statement or "\\" in statement):
            tokens = [(match.lastgroup, match.group()) for match in _TOKEN.finditer(raw)]
            if any(kind == "open" for kind, _ in tokens):
                return None
        elif '"' in statement:
            opening = statement.find('"')
            if statement[-1] == '"' and statement.count('"') == 2 and "{" not in statement and "}" not in statement:
                words = statement[:opening].split()  # `description "web application"`: words, then one quoted value
                flags = (False,) * len(words) + (True,)
                words.append(statement[opening + 1 : -1])
                current.append(Node(words, number, None, 0, flags))
                continue
            tokens = [(match.lastgroup, match.group()) for match in _TOKEN.finditer(raw)]
            if any(kind == "open" for kind, _ in tokens):
                return None
        elif "{" not in statement:
            if "}" not in statement:
                current.append(Node(statement.split(), number))
                continue
            if statement == "}":
                if owners:
                    owners.pop().end_line = number
                    open_blocks.pop()
                    current = open_blocks[-1]
                else:
                    blocks.close(number)  # reports the stray brace
                continue
            tokens = _split_braces(statement)
        elif statement[-1] == "{" and "}" not in statement and statement.count("{") == 1:
            node = Node(statement[:-1].split(), number, [])
            current.append(node)
            owners.append(node)
            current = node.block
            open_blocks.append(current)
            continue
        elif statement.endswith("{ }") and statement.count("{") == 1 and statement.count("}") == 1:
            current.append(Node(statement[:-3].split(), number, [], number))  # `/Common/http { }`
            continue
        else:
            tokens = _split_braces(statement)
        _line_tokens(tokens, number, blocks)
        current = open_blocks[-1]
    return blocks.finish()


def _split_braces(statement: str) -> list[tuple[str | None, str]]:
    """The tokens of a line without quotes or comments: braces and the words between them."""
    return [("brace" if word in "{}" else "word", word) for word in statement.replace("{", " { ").replace("}", " } ").split()]


def _line_tokens(tokens: list[tuple[str | None, str]], number: int, blocks: _Blocks) -> None:
    """The statements of one line given as tokens (kind, text): words, braces, a comment."""
    current: Node | None = None
    quoted: list[bool] = []
    for kind, token in tokens:
        if kind == "comment":
            break
        if kind == "brace":
            if token == "{":
                node = current if current is not None else Node([], number)
                if current is None:
                    blocks.blocks[-1].append(node)
                node.quoted = _flags(quoted)
                blocks.open(node)
            else:
                if current is not None:
                    current.quoted = _flags(quoted)
                blocks.close(number)
            current, quoted = None, []
            continue
        if current is None:
            current = Node([], number)
            blocks.blocks[-1].append(current)
        if kind == "quoted":
            current.words.append(token[1:-1])
            quoted.append(True)
        else:
            current.words.append(token)
            quoted.append(False)
    if current is not None:
        current.quoted = _flags(quoted)


def _tokenized_body(text: str, line: int, what: str, problems: list[Problem]) -> list[Node]:
    """The exact reader of a stanza body: every token through one regex, quotes over lines."""
    blocks = _Blocks(what, problems)
    current: Node | None = None
    quoted: list[bool] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        token = match.group()
        if kind == "newline":
            line += 1
            if current is not None:
                current.quoted = _flags(quoted)
                current = None
            continue
        if kind == "comment":
            continue
        if kind == "brace":
            if token == "{":
                node = current
                if node is None:
                    node = Node([], line)
                    blocks.blocks[-1].append(node)
                    quoted = []
                node.quoted = _flags(quoted)
                blocks.open(node)
            else:
                if current is not None:
                    current.quoted = _flags(quoted)
                blocks.close(line)
            current, quoted = None, []
            continue
        if kind == "open":
            problems.append(Problem("EAS001", f"a quoted string never closes in {what}", line, token.split("\n", 1)[0][:80], what))
            break
        if current is None:
            current = Node([], line)
            blocks.blocks[-1].append(current)
            quoted = []
        if kind == "quoted":
            current.words.append(token[1:-1])
            quoted.append(True)
            line += token.count("\n")
        else:
            current.words.append(token)
            quoted.append(False)
    if current is not None:
        current.quoted = _flags(quoted)
    return blocks.finish()
