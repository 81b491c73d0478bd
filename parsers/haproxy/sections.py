"""Split an HAProxy configuration into sections of lexed lines.

A section starts at a line whose first word is a section keyword, wherever it is indented, as
HAProxy reads it. Conditional blocks (`.if` ... `.endif`) are resolved when their condition is
a constant; any other condition (`feature(QUIC)`, `defined(VAR)`, a version test) depends on
the machine HAProxy runs on, so the `.if` branch is read as if true, the other branches are
skipped, and an EAS003 diagnostic says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linter.model import Diagnostic, Level, Location
from parsers.haproxy.lexer import LexError, Word, split_words

PROXY_SECTIONS = frozenset({"defaults", "frontend", "backend", "listen"})
OTHER_SECTIONS = frozenset(
    {"global", "userlist", "peers", "resolvers", "mailers", "program", "http-errors", "ring",
     "cache", "fcgi-app", "log-forward", "crt-store", "traces", "acme"}
)
_MESSAGE_DIRECTIVES = frozenset({".diag", ".notice", ".warning", ".alert"})


@dataclass(frozen=True)
class ConfigLine:
    number: int
    words: list[Word]
    text: str

    def location(self, file: str, column: int | None = None) -> Location:
        return Location(file, self.number, column if column is not None else self.words[0].column)

    @property
    def keyword(self) -> str:
        return self.words[0].text


@dataclass
class Section:
    kind: str
    name: str | None
    from_name: str | None
    header: ConfigLine
    lines: list[ConfigLine] = field(default_factory=list)

    @property
    def object_path(self) -> str:
        return f"{self.kind} {self.name}" if self.name else self.kind


@dataclass
class _Conditional:
    line: int  # where the `.if` is
    active: bool  # lines of the current branch are read
    taken: bool  # some branch of this block was already read
    assumed: bool  # a condition could not be evaluated


def _constant_condition(words: list[Word]) -> bool | None:
    if len(words) == 1 and words[0].text.lstrip("-").isdigit():
        return int(words[0].text) != 0
    return None


def split_sections(file: str, text: str, diagnostics: list[Diagnostic]) -> list[Section]:
    sections: list[Section] = []
    stack: list[_Conditional] = []
    current: Section | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            words = split_words(raw)
        except LexError as error:
            diagnostics.append(Diagnostic("EAS001", Level.ERROR, str(error), Location(file, number, error.column),
                                          current.object_path if current else None, raw.strip()))
            continue
        if not words:
            continue
        line = ConfigLine(number, words, raw.strip())
        keyword = line.keyword
        if keyword.startswith(".") and not words[0].quoted:
            _directive(file, line, stack, diagnostics, current)
            continue
        if stack and not all(level.active for level in stack):
            continue
        if keyword in PROXY_SECTIONS or keyword in OTHER_SECTIONS:
            current = _header(file, line, diagnostics)
            sections.append(current)
            continue
        if current is None:
            diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"unknown keyword '{keyword}' out of section",
                                          line.location(file), None, line.text))
            continue
        current.lines.append(line)
    for level in stack:
        diagnostics.append(Diagnostic("EAS001", Level.ERROR, "this '.if' block has no '.endif'", Location(file, level.line), None, None))
    return sections


def _header(file: str, line: ConfigLine, diagnostics: list[Diagnostic]) -> Section:
    kind = line.keyword
    args = [word.text for word in line.words[1:]]
    name: str | None = None
    from_name: str | None = None
    if kind in PROXY_SECTIONS:
        if args and args[0] != "from":
            name = args[0]
            args = args[1:]
        if args[:1] == ["from"]:
            from_name = args[1] if len(args) > 1 else None
            if from_name is None:
                diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"'{kind}' expects a defaults section name after 'from'",
                                              line.location(file), None, line.text))
            args = args[2:]
        if args:
            message = ("please use the 'bind' keyword for listening addresses" if kind in ("frontend", "listen")
                       else f"unexpected '{args[0]}' after the {kind} name")
            diagnostics.append(Diagnostic("EAS001", Level.ERROR, message, line.location(file, line.words[-len(args)].column), None, line.text))
        if name is None and kind != "defaults":
            diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"'{kind}' expects a name", line.location(file), None, line.text))
            name = f"(unnamed, line {line.number})"
    else:
        name = args[0] if args else None
    return Section(kind, name, from_name, line)


def _directive(file: str, line: ConfigLine, stack: list[_Conditional], diagnostics: list[Diagnostic],
               current: Section | None) -> None:
    keyword = line.keyword
    owner = current.object_path if current else None

    def undecidable() -> None:
        if all(level.active for level in stack[:-1]):
            diagnostics.append(Diagnostic(
                "EAS003", Level.WARNING,
                f"'{line.text}' depends on the machine HAProxy runs on: the lines after it are checked as if it "
                "held, the later '.elif'/'.else' branches are not checked",
                line.location(file), owner, line.text))

    if keyword == ".if":
        value = _constant_condition(line.words[1:])
        stack.append(_Conditional(line.number, active=value is not False, taken=value is not False, assumed=value is None))
        if value is None:
            undecidable()
    elif keyword in (".elif", ".else"):
        if not stack:
            diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"'{keyword}' without '.if'", line.location(file), owner, line.text))
            return
        level = stack[-1]
        if level.assumed or level.taken:
            level.active = False
            return
        value = True if keyword == ".else" else _constant_condition(line.words[1:])
        level.active = level.taken = value is not False
        if value is None:
            level.assumed = True
            undecidable()
    elif keyword == ".endif":
        if not stack:
            diagnostics.append(Diagnostic("EAS001", Level.ERROR, "'.endif' without '.if'", line.location(file), owner, line.text))
            return
        stack.pop()
    elif keyword not in _MESSAGE_DIRECTIVES:
        diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"unknown directive '{keyword}'", line.location(file), owner, line.text))
