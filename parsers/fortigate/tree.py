"""Nest FortiOS statements into `config` blocks and `edit` entries, per VDOM.

The CLI is a tree: `config <path>` opens a table or a settings block, `edit <name>` an entry
of a table, `set`/`unset`/`append`/`select`/`unselect` change a setting, `next` closes an
entry and `end` closes a block (and the entry still open in it, as the CLI saves it). In a
multi-VDOM backup, `config global` holds the global blocks and `config vdom` / `edit <vdom>`
holds each VDOM's blocks, closed by one `end`; a backup without VDOMs is all VDOM `root`.

A block that appears twice (two `config firewall address` sections) is one table, and an
`edit` of an existing entry changes it in place, as the CLI does. `move X before|after Y` in
`config firewall policy` reorders the table ("Policies are evaluated top-down in the order they
appear", FortiOS Administration Guide, "Policy views and policy lookup"; `move` is the CLI way
to change that order). Broken nesting (a missing `next` or `end`, a stray `end`) is reported
with its line (EAS001: FortiOS would not restore the file) and the reading goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from linter.model import Diagnostic, Level, Location
from parsers.fortigate.lexer import LexProblem, Statement

GLOBAL_SCOPE = "global"
DEFAULT_VDOM = "root"
_CHANGES = frozenset({"set", "unset", "append", "select", "unselect"})


@dataclass
class Setting:
    key: str
    values: list[str]
    line: int
    text: str


@dataclass
class Entry:
    """An `edit` entry of a table."""

    name: str
    line: int
    settings: dict[str, Setting] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)

    def value(self, key: str, default: str | None = None) -> str | None:
        setting = self.settings.get(key)
        return setting.values[0] if setting and setting.values else default

    def values(self, key: str) -> list[str]:
        setting = self.settings.get(key)
        return list(setting.values) if setting else []


@dataclass
class Block:
    """A `config <path>` block: a table of entries, or settings of its own, or both."""

    path: str
    line: int
    settings: dict[str, Setting] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    end_line: int | None = None
    order: list[str] = field(default_factory=list)  # entry names in evaluation order

    def ordered_entries(self) -> list[Entry]:
        return [self.entries[name] for name in self.order if name in self.entries]


@dataclass
class Backup:
    """The blocks of each scope ("global" or a VDOM name), and whether VDOMs are enabled."""

    scopes: dict[str, dict[str, Block]] = field(default_factory=dict)
    multi_vdom: bool = False
    vdom_lines: dict[str, int] = field(default_factory=dict)

    def blocks(self, scope: str) -> dict[str, Block]:
        return self.scopes.setdefault(scope, {})

    def vdoms(self) -> list[str]:
        names = [name for name in self.scopes if name != GLOBAL_SCOPE]
        return names or [DEFAULT_VDOM]


@dataclass
class _Frame:
    """One open level: a block, or an entry (with the block it belongs to)."""

    block: Block | None
    entry: Entry | None
    scope: str
    is_vdom_list: bool = False  # `config vdom`: its entries are VDOMs holding blocks


class _Builder:
    def __init__(self, file: str, diagnostics: list[Diagnostic]) -> None:
        self.file = file
        self.diagnostics = diagnostics
        self.backup = Backup()
        self.stack: list[_Frame] = []

    def error(self, line: int, message: str, text: str) -> None:
        self.diagnostics.append(Diagnostic("EAS001", Level.ERROR, message, Location(self.file, line), None, text))

    # -- where a new block goes --------------------------------------------------------------

    def _scope(self) -> str:
        return self.stack[-1].scope if self.stack else DEFAULT_VDOM

    def _open_block(self, statement: Statement) -> None:
        path = " ".join(statement.words[1:])
        if not path:
            self.error(statement.line, "'config' without a path", statement.text)
            path = "(none)"
        top = self.stack[-1] if self.stack else None
        if top is None or (top.is_vdom_list and top.entry is not None):
            self._open_top_block(statement, path, top)
            return
        if top.is_vdom_list:
            self.error(statement.line, f"'config {path}' inside 'config vdom' before any 'edit <vdom>'", statement.text)
        container = top.entry.blocks if top.entry is not None else (top.block.blocks if top.block else {})
        block = container.get(path)
        if block is None:
            block = container[path] = Block(path, statement.line)
        self.stack.append(_Frame(block, None, top.scope))

    def _open_top_block(self, statement: Statement, path: str, top: _Frame | None) -> None:
        if top is None and path == "vdom":
            self.backup.multi_vdom = True
            self.stack.append(_Frame(None, None, DEFAULT_VDOM, is_vdom_list=True))
            return
        if top is None and path == "global":
            self.backup.multi_vdom = True
            self.stack.append(_Frame(None, None, GLOBAL_SCOPE, is_vdom_list=True))
            self.stack[-1].entry = Entry(GLOBAL_SCOPE, statement.line)  # `config global` holds blocks directly
            return
        scope = top.scope if top is not None else DEFAULT_VDOM
        blocks = self.backup.blocks(scope)
        block = blocks.get(path)
        if block is None:
            block = blocks[path] = Block(path, statement.line)
        self.stack.append(_Frame(block, None, scope))

    # -- statements ----------------------------------------------------------------------------

    def edit(self, statement: Statement) -> None:
        if len(statement.words) < 2:
            self.error(statement.line, "'edit' without a name", statement.text)
            return
        name = statement.words[1]
        if not self.stack:
            self.error(statement.line, f"'edit {name}' outside any 'config' block", statement.text)
            return
        top = self.stack[-1]
        if top.is_vdom_list:
            if top.entry is not None and top.scope != GLOBAL_SCOPE:
                self.error(statement.line, f"'edit {name}' while VDOM '{top.entry.name}' is open: 'next' or 'end' is missing", statement.text)
            if top.scope == GLOBAL_SCOPE:
                self.error(statement.line, f"'edit {name}' directly inside 'config global'", statement.text)
                return
            top.entry = Entry(name, statement.line)
            top.scope = name
            self.backup.blocks(name)
            self.backup.vdom_lines.setdefault(name, statement.line)
            return
        if top.entry is not None:
            self.error(statement.line, f"'edit {name}' while entry '{top.entry.name}' (line {top.entry.line}) is open: 'next' is missing",
                       statement.text)
            top.entry = None
        assert top.block is not None
        entry = top.block.entries.get(name)
        if entry is None:
            entry = top.block.entries[name] = Entry(name, statement.line)
            top.block.order.append(name)
        top.entry = entry

    def next(self, statement: Statement) -> None:
        top = self.stack[-1] if self.stack else None
        if top is None or top.entry is None or (top.is_vdom_list and top.scope == GLOBAL_SCOPE):
            self.error(statement.line, "'next' without an open 'edit'", statement.text)
            return
        if top.is_vdom_list:
            top.scope = DEFAULT_VDOM
        top.entry = None

    def end(self, statement: Statement) -> None:
        if not self.stack:
            self.error(statement.line, "'end' without an open 'config' block", statement.text)
            return
        frame = self.stack.pop()
        if frame.block is not None:
            frame.block.end_line = statement.line

    def change(self, statement: Statement) -> None:
        top = self.stack[-1] if self.stack else None
        if top is None or top.is_vdom_list:
            self.error(statement.line, f"'{statement.keyword}' outside any 'config' block", statement.text)
            return
        if len(statement.words) < 2:
            self.error(statement.line, f"'{statement.keyword}' without a setting name", statement.text)
            return
        settings = top.entry.settings if top.entry is not None else top.block.settings  # type: ignore[union-attr]
        key, values = statement.words[1], list(statement.words[2:])
        verb = statement.keyword
        if verb in ("set", "select"):
            settings[key] = Setting(key, values, statement.line, statement.text)
        elif verb == "unset":
            settings.pop(key, None)
        elif verb == "append":
            old = settings.get(key)
            settings[key] = Setting(key, (old.values if old else []) + values, statement.line, statement.text)
        else:  # unselect
            old = settings.get(key)
            if old is not None:
                settings[key] = Setting(key, [value for value in old.values if value not in values], statement.line, statement.text)

    def move(self, statement: Statement) -> None:
        top = self.stack[-1] if self.stack else None
        words = statement.words
        if top is None or top.block is None or top.entry is not None or len(words) != 4 or words[2] not in ("before", "after"):
            self.error(statement.line, "'move' needs 'move <id> before|after <id>' inside a table", statement.text)
            return
        order = top.block.order
        moved, anchor = words[1], words[3]
        if moved not in order or anchor not in order:
            self.error(statement.line, f"'move {moved} {words[2]} {anchor}': no such entry", statement.text)
            return
        order.remove(moved)
        order.insert(order.index(anchor) + (1 if words[2] == "after" else 0), moved)

    def delete(self, statement: Statement) -> None:
        top = self.stack[-1] if self.stack else None
        if top is None or top.block is None or top.entry is not None or len(statement.words) != 2:
            self.error(statement.line, "'delete' needs 'delete <name>' inside a table", statement.text)
            return
        top.block.entries.pop(statement.words[1], None)

    def unknown(self, statement: Statement) -> None:
        self.diagnostics.append(Diagnostic("EAS002", Level.WARNING, f"unrecognized command '{statement.keyword}'",
                                           Location(self.file, statement.line), None, statement.text))

    def finish(self) -> Backup:
        for frame in reversed(self.stack):
            if frame.block is not None:
                self.error(frame.block.line, f"'config {frame.block.path}' is never closed with 'end'", f"config {frame.block.path}")
            elif frame.entry is not None:
                self.error(frame.entry.line, f"'config {'global' if frame.scope == GLOBAL_SCOPE else 'vdom'}' is never closed with 'end'",
                           f"edit {frame.entry.name}")
        return self.backup


def build(file: str, items: Iterable[Statement | LexProblem], diagnostics: list[Diagnostic]) -> Backup:
    builder = _Builder(file, diagnostics)
    handlers = {"config": builder._open_block, "edit": builder.edit, "next": builder.next, "end": builder.end,
                "move": builder.move, "delete": builder.delete}
    for item in items:
        if isinstance(item, LexProblem):
            builder.error(item.line, item.message, item.text)
            continue
        keyword = item.keyword
        if keyword in _CHANGES:
            builder.change(item)
        else:
            handlers.get(keyword, builder.unknown)(item)
    return builder.finish()
