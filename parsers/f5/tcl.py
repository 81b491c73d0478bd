"""Tcl 8.4 as BIG-IP reads iRules: scripts cut into commands and words, and a pyparsing grammar
for `expr` conditions.

The word rules are Tcl's own (the "Dodekalogue", tcl.tk/man/tcl8.4/TclCmd/Tcl.htm, which BIG-IP
iRules follow: "iRules use Tcl 8.4", clouddocs.f5.com/api/irules/Operators.html): a command
ends at a newline or `;`; `#` starts a comment only where a command may start; `{...}` quotes
everything, counting nested braces even inside comments and strings (so a brace in an iRule
comment really does unbalance it); `"..."` and bare words substitute `$variables`,
`[commands]` and backslash escapes; backslash-newline joins lines everywhere. The scanner is a
single pass with no backtracking, so a long or hostile iRule costs linear time; nesting is
capped so Python's recursion limit is never reached.

Scripts are parsed lazily: a braced word keeps its offsets, and the translator parses it as a
script only where Tcl would run it (an `if` body, a `when` body). All offsets are absolute in
the text handed to `parse_script`, so the caller maps any of them to a file line.

Condition expressions (`if {...}`) use a pyparsing grammar with Tcl's precedence table plus
BIG-IP's word operators (`contains`, `starts_with`, `ends_with`, `equals`, `matches_glob`,
`matches_regex`, `and`, `or`, `not`; clouddocs.f5.com/api/irules/Operators.html). Its operands
(`[cmd]`, `"..."`, `{...}`) are delimited by the same scanner, and come back as offsets for
the translator to parse as Tcl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyparsing as pp

MAX_NESTING = 100  # brackets, braces and quotes inside each other; deeper is refused, not recursed
MAX_EXPRESSION_LENGTH = 8000
MAX_EXPRESSION_PARENS = 24  # pyparsing's operator-precedence parser slows down sharply with deep parens

_SPACE = " \t\r\f\v"
_ORDINARY_BARE = re.compile(r"[^\\\[\]$;\n \t\r\f\v\"{}]+")
_ORDINARY_QUOTED = re.compile(r'[^\\\[$"]+')
_BRACE_EVENT = re.compile(r"[{}\\]")
_VARIABLE_NAME = re.compile(r"(?:::)?[A-Za-z0-9_]+(?:::[A-Za-z0-9_]+)*")
_BACKSLASH_NEWLINE = re.compile(r"\\\n[ \t]*")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class TclSyntaxError(Exception):
    """Text Tcl cannot parse; `offset` is where the problem starts. `limit` marks where easlint
    stops reading (nesting depth, expression length) on text Tcl itself may accept: only the
    other errors are Tcl's own, which make BIG-IP refuse the iRule."""

    def __init__(self, message: str, offset: int, limit: bool = False) -> None:
        super().__init__(message)
        self.offset = offset
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a word: literal text (escapes decoded), a `$variable`, or a `[command]`
    substitution (`start`/`end` delimit the script between the brackets)."""

    kind: str  # "text" | "variable" | "command"
    value: str  # decoded text, variable name, or the command script's source
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a command. For a braced word `parts` is its verbatim content."""

    style: str  # "bare" | "braced" | "quoted"
    parts: tuple[Part, ...]
    start: int  # first character of the word (its brace or quote included)
    end: int  # one past the last character
    content_start: int  # inside the braces or quotes
    content_end: int

    @property
    def literal(self) -> str | None:
        """The word's value when it involves no substitution."""
        if all(part.kind == "text" for part in self.parts):
            return "".join(part.value for part in self.parts)
        return None


@dataclass(frozen=True, slots=True)
class Command:
    words: tuple[Word, ...]
    start: int
    end: int

    @property
    def name(self) -> str | None:
        return self.words[0].literal if self.words else None


@dataclass(frozen=True, slots=True)
class Script:
    """The commands of a script. Parsing stops at the first error, which is kept with the
    commands read before it; `warnings` are problems Tcl reports but that have one obvious
    reading (a brace followed directly by another word)."""

    commands: tuple[Command, ...]
    error: TclSyntaxError | None = None
    warnings: tuple[TclSyntaxError, ...] = ()


def decode_backslash(text: str, index: int, limit: int | None = None) -> tuple[str, int]:
    """The character(s) a backslash sequence at `index` stands for, and the index after it."""
    limit = len(text) if limit is None else limit
    if index + 1 >= limit:
        return "\\", index + 1
    char = text[index + 1]
    if char == "\n":
        end = index + 2
        while end < limit and text[end] in " \t":
            end += 1
        return " ", end
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char], index + 2
    if char in "xu":
        width = 4 if char == "u" else 2
        digits = re.match(rf"[0-9A-Fa-f]{{1,{width}}}", text[index + 2 : index + 6])
        if digits:
            return chr(int(digits.group(0), 16)), index + 2 + len(digits.group(0))
        return char, index + 2
    if char in "01234567":
        digits = re.match(r"[0-7]{1,3}", text[index + 1 : index + 4])
        assert digits is not None
        return chr(int(digits.group(0), 8) & 0xFF), index + 1 + len(digits.group(0))
    return char, index + 2


class _Parser:
    """One pass over `text`; every method takes and returns absolute indexes."""

    def __init__(self, text: str, end: int) -> None:
        self.text = text
        self.limit = end
        self.warnings: list[TclSyntaxError] = []

    # -- scripts ---------------------------------------------------------------------------

    def script(self, index: int, depth: int, in_brackets: bool) -> tuple[list[Command], int]:
        """Commands from `index` to the end (or to the `]` closing a substitution)."""
        text, limit = self.text, self.limit
        opened_at = index - 1  # the `[` of a substitution: where a missing `]` is reported, as for a brace or quote
        commands: list[Command] = []
        while True:
            while index < limit:
                char = text[index]
                if char in _SPACE or char in "\n;":
                    index += 1
                elif char == "\\" and text.startswith("\\\n", index):
                    index += 2
                else:
                    break
            if index >= limit:
                if in_brackets:
                    raise TclSyntaxError("missing close-bracket", opened_at)
                return commands, index
            if in_brackets and text[index] == "]":
                return commands, index + 1
            if text[index] == "#":
                index = self.comment_end(index)
                continue
            command, index = self.command(index, depth, in_brackets)
            commands.append(command)

    def comment_end(self, index: int) -> int:
        text, limit = self.text, self.limit
        while index < limit:
            newline = text.find("\n", index, limit)
            if newline < 0:
                return limit
            backslashes = 0
            while newline - backslashes - 1 >= index and text[newline - backslashes - 1] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                return newline + 1
            index = newline + 1
        return limit

    def command(self, index: int, depth: int, in_brackets: bool) -> tuple[Command, int]:
        text, limit = self.text, self.limit
        start = index
        words: list[Word] = []
        while True:
            while index < limit:
                char = text[index]
                if char in _SPACE:
                    index += 1
                elif char == "\\" and text.startswith("\\\n", index):
                    index += 2
                    while index < limit and text[index] in " \t":
                        index += 1
                else:
                    break
            if index >= limit or text[index] in "\n;" or (in_brackets and text[index] == "]"):
                end = words[-1].end if words else index
                return Command(tuple(words), start, end), index
            word = self.word(index, depth, in_brackets)
            words.append(word)
            index = word.end

    # -- words -----------------------------------------------------------------------------

    def word(self, index: int, depth: int, in_brackets: bool) -> Word:
        if depth > MAX_NESTING:
            raise TclSyntaxError(f"nested more than {MAX_NESTING} levels deep", index, limit=True)
        char = self.text[index]
        if char == "{":
            close = self.brace_end(index)
            word = Word("braced", (Part("text", self.text[index + 1 : close], index + 1, close),), index, close + 1, index + 1, close)
            self._check_word_end(word.end, "close-brace", in_brackets)
            return word
        if char == '"':
            word = self._quoted(index, depth)
            self._check_word_end(word.end, "close-quote", in_brackets)
            return word
        return self._bare(index, depth, in_brackets)

    def _check_word_end(self, index: int, what: str, in_brackets: bool) -> None:
        """Tcl refuses `{a}b` ("extra characters after close-brace"); we read it as two words
        and warn, since that is what the author meant and what the rest of the rule needs."""
        if index < self.limit:
            char = self.text[index]
            if not (char in _SPACE or char in "\n;" or (in_brackets and char == "]") or self.text.startswith("\\\n", index)):
                self.warnings.append(TclSyntaxError(f"extra characters after {what}", index))

    def brace_end(self, index: int) -> int:
        """Index of the `}` matching the `{` at `index` (backslashes escape braces)."""
        level = 0
        for found in _BRACE_EVENT.finditer(self.text, index, self.limit):
            char = found.group(0)
            if char == "\\":
                continue  # handled by skipping below
            position = found.start()
            if self._escaped(position, index):
                continue
            level += 1 if char == "{" else -1
            if level == 0:
                return position
        raise TclSyntaxError("missing close-brace", index)

    def _escaped(self, position: int, floor: int) -> bool:
        count = 0
        while position - count - 1 >= floor and self.text[position - count - 1] == "\\":
            count += 1
        return count % 2 == 1

    def _quoted(self, index: int, depth: int) -> Word:
        text, limit = self.text, self.limit
        parts: list[Part] = []
        position = index + 1
        while position < limit:
            char = text[position]
            if char == '"':
                return Word("quoted", _merge(parts), index, position + 1, index + 1, position)
            position = self._substitution(position, parts, depth, _ORDINARY_QUOTED)
        raise TclSyntaxError('missing "', index)

    def _bare(self, index: int, depth: int, in_brackets: bool) -> Word:
        text, limit = self.text, self.limit
        parts: list[Part] = []
        position = index
        while position < limit:
            char = text[position]
            if char in _SPACE or char in "\n;" or (in_brackets and char == "]") or text.startswith("\\\n", position):
                break  # a backslash-newline is a word separator
            if char in "{}\"]":  # ordinary inside a bare word
                parts.append(Part("text", char, position, position + 1))
                position += 1
                continue
            position = self._substitution(position, parts, depth, _ORDINARY_BARE)
        return Word("bare", _merge(parts), index, position, index, position)

    def _substitution(self, position: int, parts: list[Part], depth: int, ordinary: re.Pattern[str]) -> int:
        text = self.text
        char = text[position]
        if char == "\\":
            value, end = decode_backslash(text, position, self.limit)
            parts.append(Part("text", value, position, end))
            return end
        if char == "$":
            return self._variable(position, parts)
        if char == "[":
            _, end = self.script(position + 1, depth + 1, in_brackets=True)
            parts.append(Part("command", text[position + 1 : end - 1], position + 1, end - 1))
            return end
        run = ordinary.match(text, position, self.limit)
        end = run.end() if run and run.end() > position else position + 1
        parts.append(Part("text", text[position:end], position, end))
        return end

    def _variable(self, position: int, parts: list[Part]) -> int:
        text = self.text
        if text.startswith("${", position):
            close = text.find("}", position + 2, self.limit)
            if close < 0:
                raise TclSyntaxError("missing close-brace for variable name", position)
            parts.append(Part("variable", text[position + 2 : close], position, close + 1))
            return close + 1
        name = _VARIABLE_NAME.match(text, position + 1, self.limit)
        if not name:
            parts.append(Part("text", "$", position, position + 1))
            return position + 1
        end = name.end()
        if end < self.limit and text[end] == "(":
            close = text.find(")", end, self.limit)
            if close < 0:
                raise TclSyntaxError("missing )", end)
            parts.append(Part("variable", text[position + 1 : close + 1], position, close + 1))
            return close + 1
        parts.append(Part("variable", name.group(0), position, end))
        return end


def _merge(parts: list[Part]) -> tuple[Part, ...]:
    """Adjacent text parts as one, so a plain word is a single literal part."""
    merged: list[Part] = []
    for part in parts:
        if merged and part.kind == "text" and merged[-1].kind == "text":
            merged[-1] = Part("text", merged[-1].value + part.value, merged[-1].start, part.end)
        else:
            merged.append(part)
    return tuple(merged)


def parse_script(text: str, start: int = 0, end: int | None = None) -> Script:
    """The commands of the script in `text[start:end]`, offsets absolute in `text`. At a syntax
    error, the commands completed before it are kept with the error, so the caller can still
    translate them and report the error at its own line."""
    parser = _Parser(text, len(text) if end is None else end)
    commands: list[Command] = []
    index, limit = start, parser.limit
    while True:
        while index < limit and (text[index] in _SPACE or text[index] in "\n;" or text.startswith("\\\n", index)):
            index += 2 if text[index] == "\\" else 1
        if index >= limit:
            return Script(tuple(commands), None, tuple(parser.warnings))
        try:
            if text[index] == "#":
                index = parser.comment_end(index)
                continue
            command, index = parser.command(index, 0, in_brackets=False)
        except TclSyntaxError as error:
            return Script(tuple(commands), error, tuple(parser.warnings))
        except RecursionError:
            return Script(tuple(commands), TclSyntaxError("nested too deeply", index, limit=True), tuple(parser.warnings))
        commands.append(command)


def matching_brace(text: str, index: int) -> int:
    """Index of the `}` that closes the `{` at `index`, by Tcl's rules; raises TclSyntaxError."""
    return _Parser(text, len(text)).brace_end(index)


def parse_word(text: str, start: int, end: int) -> Word:
    """The single word in `text[start:end]` (an expression operand); raises TclSyntaxError."""
    parser = _Parser(text, end)
    try:
        return parser.word(start, 0, in_brackets=False)
    except RecursionError:
        raise TclSyntaxError("nested too deeply", start, limit=True) from None


@dataclass(frozen=True, slots=True)
class ListElement:
    """One element of a Tcl list; `word` gives its extent (content offsets for a script body)."""

    value: str
    word: Word


def split_list(text: str, start: int, end: int) -> list[ListElement] | TclSyntaxError:
    """The elements of the Tcl list in `text[start:end]` (tcl.tk/man/tcl8.4/TclCmd/list.htm):
    any whitespace, newlines included, separates; braces and quotes group; backslashes escape;
    there is no substitution and no comment (a `#` in a `switch` body is a pattern)."""
    parser = _Parser(text, end)
    elements: list[ListElement] = []
    index = start
    while True:
        while index < end and (text[index] in _SPACE or text[index] == "\n"):
            index += 1
        if index >= end:
            return elements
        char = text[index]
        try:
            if char == "{":
                close = parser.brace_end(index)
                value = text[index + 1 : close]
                word = Word("braced", (Part("text", value, index + 1, close),), index, close + 1, index + 1, close)
            elif char == '"':
                value, close = _list_run(text, index + 1, end, quoted=True)
                if close >= end:
                    raise TclSyntaxError('unmatched open quote in list', index)
                word = Word("quoted", (Part("text", value, index + 1, close),), index, close + 1, index + 1, close)
            else:
                value, stop = _list_run(text, index, end, quoted=False)
                word = Word("bare", (Part("text", value, index, stop),), index, stop, index, stop)
        except TclSyntaxError as error:
            return error
        if word.end < end and not (text[word.end] in _SPACE or text[word.end] == "\n"):
            return TclSyntaxError("list element in braces or quotes followed by other characters", word.end)
        elements.append(ListElement(value, word))
        index = word.end


def _list_run(text: str, index: int, end: int, quoted: bool) -> tuple[str, int]:
    """Decoded text up to the closing quote (quoted) or whitespace, and where it stops."""
    pieces: list[str] = []
    while index < end:
        char = text[index]
        if quoted and char == '"' or not quoted and (char in _SPACE or char == "\n"):
            break
        if char == "\\":
            decoded, index = decode_backslash(text, index, end)
            pieces.append(decoded)
            continue
        pieces.append(char)
        index += 1
    return "".join(pieces), index


# -- expressions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operand:
    """An expression operand: its kind and its extent in the expression text."""

    kind: str  # "command" | "quoted" | "braced" | "variable" | "number" | "word" | "call"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    term: Expression


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Expression
    right: Expression


@dataclass(frozen=True, slots=True)
class Ternary:
    test: Expression
    then: Expression
    otherwise: Expression


Expression = Operand | Unary | Binary | Ternary


_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_VARIABLE = re.compile(r"\$(?:\{[^}]*\}|(?:::)?[A-Za-z0-9_]+(?:::[A-Za-z0-9_]+)*(?:\([^)]*\))?)")
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\s*\((?:[^()]|\([^()]*\))*\)")
_WORD_OPERATORS = ("and", "or", "not", "eq", "ne", "contains", "starts_with", "ends_with", "equals", "matches_glob",
                   "matches_regex", "matches")
_BAREWORD = re.compile(rf"(?!(?:{'|'.join(_WORD_OPERATORS)})(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_.:]*")


class _TclOperand(pp.Token):
    """One operand, chosen by its first character: `[command]`, `"quoted"` and `{braced}` are
    delimited by the Tcl scanner above; `$variable`, numbers, `func(...)` and bare words by
    regular expressions. One token instead of seven alternatives keeps pyparsing's per-element
    overhead off the hot path."""

    def __init__(self) -> None:
        super().__init__()
        self.mayReturnEmpty = False
        self.mayIndexError = False
        self.errmsg = "expected an operand"
        self.set_name("operand")

    def parseImpl(self, instring: str, loc: int, do_actions: bool = True):  # pyparsing's method name
        if loc >= len(instring):
            raise pp.ParseException(instring, loc, self.errmsg, self)
        char = instring[loc]
        if char in "[\"{":
            try:
                parser = _Parser(instring, len(instring))
                if char == "[":
                    _, end = parser.script(loc + 1, 1, in_brackets=True)
                else:
                    end = parser.word(loc, 1, in_brackets=False).end
            except (TclSyntaxError, RecursionError) as error:
                raise pp.ParseException(instring, loc, str(error), self) from None
            kind = {"[": "command", '"': "quoted", "{": "braced"}[char]
            return end, [Operand(kind, loc, end)]
        for kind, pattern in (("variable", _VARIABLE), ("number", _NUMBER), ("call", _CALL), ("word", _BAREWORD)):
            found = pattern.match(instring, loc)
            if found:
                return found.end(), [Operand(kind, loc, found.end())]
        raise pp.ParseException(instring, loc, self.errmsg, self)


# Binary operators, loosest first (tcl.tk/man/tcl8.4/TclCmd/expr.htm). BIG-IP's word operators
# sit with Tcl's string comparisons `eq`/`ne`, and `and`/`or` with `&&`/`||`
# (clouddocs.f5.com/api/irules/Operators.html).
STRING_OPERATORS = ("eq", "ne", "contains", "starts_with", "ends_with", "equals", "matches_glob", "matches_regex", "matches")
_PRECEDENCE = {
    **{op: 1 for op in ("||", "or")},
    **{op: 2 for op in ("&&", "and")},
    "|": 3, "^": 4, "&": 5,
    **{op: 6 for op in STRING_OPERATORS},
    "==": 7, "!=": 7,
    **{op: 8 for op in ("<", ">", "<=", ">=")},
    "<<": 9, ">>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "%": 11,
}

def _fold_binary(tokens: pp.ParseResults) -> Expression:
    """Precedence climbing over `operand (op operand)*`; all binary operators are left-associative."""
    items = list(tokens)
    position = 0

    def climb(minimum: int) -> Expression:
        nonlocal position
        left = items[position]
        position += 1
        while position < len(items) and _PRECEDENCE[items[position]] >= minimum:
            op = items[position]
            position += 1
            right = climb(_PRECEDENCE[op] + 1)
            left = Binary(op, left, right)
        return left

    return climb(1)


def _fold_unary(tokens: pp.ParseResults) -> Expression:
    result = tokens[-1]
    for op in reversed(list(tokens)[:-1]):
        result = Unary(str(op), result)
    return result


def _fold_ternary(tokens: pp.ParseResults) -> Expression:
    if len(tokens) == 1:
        return tokens[0]
    return Ternary(tokens[0], tokens[2], tokens[4])


def _build_grammar() -> pp.ParserElement:
    """`ternary := binary ("?" ternary ":" ternary)?`, `binary := unary (op unary)*` folded by
    precedence in a parse action, `unary := op* atom`. Every operand is parsed once, so time is
    linear (pyparsing's `infix_notation` re-parses operands at each of Tcl's thirteen levels
    and took seconds on ordinary iRule conditions)."""
    ternary = pp.Forward()
    words = "|".join(_WORD_OPERATORS)
    atom = (_TclOperand() | (pp.Suppress("(") + ternary + pp.Suppress(")"))).set_name("operand")
    unary_op = pp.Regex(r"[-+~]|!(?!=)|not(?![A-Za-z0-9_])").set_name("unary operator")
    unary = (pp.ZeroOrMore(unary_op) + atom).set_parse_action(_fold_unary).set_name("term")
    binary_op = pp.Regex(
        rf"\|\||&&|==|!=|<=|>=|<<|>>|[<>|^&*/%+-]|(?:{words})(?![A-Za-z0-9_])"
    ).set_name("operator")
    binary = (unary + pp.ZeroOrMore(binary_op + unary)).set_parse_action(_fold_binary).set_name("expression")
    ternary <<= (binary + pp.Optional(pp.Literal("?") + ternary + pp.Literal(":") + ternary)).set_parse_action(_fold_ternary)
    return ternary + pp.StringEnd()


_GRAMMAR: pp.ParserElement | None = None


def parse_expression(text: str) -> Expression:
    """The operator tree of a Tcl/iRules expression; offsets in operands are into `text`.
    Raises TclSyntaxError for text it cannot read (or will not, being too large). Results are
    cached: generated iRules repeat the same conditions many times."""
    result = _parse_expression(text)
    if isinstance(result, TclSyntaxError):
        raise result
    return result


@lru_cache(maxsize=4096)
def _parse_expression(text: str) -> Expression | TclSyntaxError:
    global _GRAMMAR
    if len(text) > MAX_EXPRESSION_LENGTH:
        return TclSyntaxError(f"expression longer than {MAX_EXPRESSION_LENGTH} characters", 0, limit=True)
    # Backslash-newline is a space in Tcl, even inside braces; keep offsets by padding.
    text = _BACKSLASH_NEWLINE.sub(lambda found: " " * len(found.group(0)), text)
    if _paren_depth(text) > MAX_EXPRESSION_PARENS:
        return TclSyntaxError(f"parentheses nested more than {MAX_EXPRESSION_PARENS} deep", 0, limit=True)
    if _GRAMMAR is None:
        _GRAMMAR = _build_grammar()
    try:
        return _GRAMMAR.parse_string(text)[0]  # the grammar ends with StringEnd
    except pp.ParseBaseException as error:
        return TclSyntaxError(f"syntax error in expression: {error.msg}", error.loc)
    except RecursionError:
        return TclSyntaxError("expression nested too deeply", 0, limit=True)


def _paren_depth(text: str) -> int:
    """Depth of parentheses anywhere in the text: a cheap guard before the recursive parse."""
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest
