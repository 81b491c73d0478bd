"""`set` commands (the PAN-OS CLI's `set cli config-output-format set` export, or a load script)
as the same tree the XML reader builds.

Each command is walked down the schema: an `Entries` level takes the next word as the object's
name, a `Members` level takes the rest of the line (`[ a b ]` or one word) as list values and
adds them to the list (as the CLI does: `set` adds members, it never replaces a list), a `Leaf`
takes one value, which a later command overwrites. Top-level words are placed where the XML has
them: `deviceconfig`, `network`, `vsys`, `device-group`, `template` under the local device;
`shared`, `mgt-config` under the root; every other word (`address`, `rulebase`, `zone`...) is an
object of vsys1, as on a single-vsys firewall. A `config` prefix (Panorama template exports)
names the root itself. `delete` removes what its path names.

A word the schema does not know keeps its line in a node of its own, which the validator
reports as EAS002; words inside a `SKIP` subtree are counted and dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.panos import schema
from parsers.panos.schema import Container, Entries, Leaf, Members, Skip
from parsers.panos.tree import ENTRY, MEMBER, Node


_BRACKETS = ("[", "]")


class CommandError(Exception):
    """A line the PAN-OS CLI itself would refuse (unbalanced quotes or brackets)."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass
class SetProblem:
    """A line that is not a command easlint can place: `code` EAS001 (refused by the device) or EAS002."""

    code: str
    message: str
    line: int
    column: int | None
    text: str


@dataclass
class SetResult:
    root: Node
    problems: list[SetProblem] = field(default_factory=list)
    skipped_lines: int = 0  # lines inside known-irrelevant subtrees


_WORD = re.compile(r"""\"([^\"]*)\"|'([^']*)'|(\[|\])|([^\s\[\]\"']+)|(["'])""")


def tokenize(line: str) -> list[str]:
    """Words of a command: double or single quotes group words, `[` and `]` stand alone."""
    if not any(char in line for char in "\"'[]"):
        return line.split()
    words: list[str] = []
    depth = 0
    for found in _WORD.finditer(line):
        double, single, bracket, plain, stray = found.groups()
        if stray is not None:
            raise CommandError(f"unterminated {stray} quote", found.start() + 1)
        if bracket is not None:
            depth += 1 if bracket == "[" else -1
            if depth < 0:
                raise CommandError("']' without a matching '['", found.start() + 1)
            words.append(bracket)
        else:
            words.append(next(part for part in (double, single, plain) if part is not None))
    if depth:
        raise CommandError("'[' without a matching ']'", len(line))
    return words


def _placed(words: list[str]) -> list[str]:
    """The command's words from the `<config>` root (see the module docstring)."""
    while words and words[0] == "config":
        words = words[1:]
    if not words:
        return words
    if words[0] in schema.ROOT_WORDS:
        return words
    device = ["devices", schema.LOCAL_DEVICE]
    if words[0] in schema.DEVICE_WORDS:
        return device + words
    return device + ["vsys", schema.DEFAULT_VSYS] + words


def _values(words: list[str]) -> list[str]:
    return [word for word in words if word not in _BRACKETS]


class _Reader:
    def __init__(self) -> None:
        self.result = SetResult(Node("config", 1))
        # Children by (tag, entry name) while the tree grows; `Node`'s own index is built after.
        self.index: dict[int, dict[tuple[str, str | None], Node]] = {}

    def _find(self, parent: Node, tag: str, name: str | None = None) -> Node | None:
        return self.index.get(id(parent), {}).get((tag, name))

    def _find_or_add(self, parent: Node, tag: str, line: int, name: str | None = None) -> Node:
        children = self.index.setdefault(id(parent), {})
        found = children.get((tag, name))
        if found is None:
            found = children[(tag, name)] = Node(tag, line, name)
            parent.children.append(found)
        return found

    def _remove(self, parent: Node, node: Node) -> None:
        parent.children.remove(node)
        self.index.get(id(parent), {}).pop((node.tag, node.name), None)

    def apply(self, words: list[str], line: int, raw: str, delete: bool) -> None:
        node, shape = self.result.root, schema.CONFIG
        index = 0
        parent: Node | None = None
        while index < len(words):
            word = words[index]
            if isinstance(shape, Skip):
                self.result.skipped_lines += 1
                return
            if word in _BRACKETS:
                break
            if isinstance(shape, Entries):
                child = self._find(node, ENTRY, word) if delete else self._find_or_add(node, ENTRY, line, word)
                shape = shape.item
            elif isinstance(shape, Container):
                known = shape.children.get(word)
                if known is None:
                    if not delete:
                        node.children.append(Node(word, line, text=" ".join(words[index + 1:]) or None))
                    return
                child = self._find(node, word) if delete else self._find_or_add(node, word, line)
                shape = known
            else:
                break
            if child is None:  # deleting something that is not there
                return
            parent, node = node, child
            index += 1
        rest = words[index:]
        if delete:
            self._delete(parent, node, rest)
            return
        if isinstance(shape, Skip):
            self.result.skipped_lines += 1
        elif isinstance(shape, Members):
            self._add_members(node, _values(rest), line)
        elif isinstance(shape, Leaf):
            self._set_leaf(node, rest, line, raw)
        elif rest:
            node.children.append(Node(rest[0], line, text=" ".join(rest[1:]) or None))

    def _add_members(self, node: Node, values: list[str], line: int) -> None:
        present = {child.text for child in node.children if child.tag == MEMBER}
        for value in values:
            if value not in present:
                node.children.append(Node(MEMBER, line, text=value))
                present.add(value)

    def _set_leaf(self, node: Node, rest: list[str], line: int, raw: str) -> None:
        values = _values(rest)
        node.line = line
        node.text = values[0] if values else None
        if len(values) != 1:
            problem = "no value" if not values else f"{len(values)} values where PAN-OS takes one"
            self.result.problems.append(SetProblem("EAS001", f"'{node.tag}' is given {problem}", line, None, raw))

    def _delete(self, parent: Node | None, node: Node, rest: list[str]) -> None:
        if rest and any(child.tag == MEMBER for child in node.children):
            doomed = set(_values(rest))
            node.children = [child for child in node.children if not (child.tag == MEMBER and child.text in doomed)]
        elif parent is not None and not rest:
            self._remove(parent, node)


def read_set(text: str) -> SetResult:
    reader = _Reader()
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = tokenize(line)
        except CommandError as error:
            reader.result.problems.append(SetProblem("EAS001", f"the command cannot be read: {error.message}", number,
                                                     error.column + len(raw_line) - len(raw_line.lstrip()), raw_line))
            continue
        verb = words[0]
        if verb not in ("set", "delete"):
            reader.result.problems.append(SetProblem(
                "EAS002", f"'{verb}' is not a PAN-OS configuration command (set or delete)", number, None, raw_line))
            continue
        placed = _placed(words[1:])
        if not placed:
            reader.result.problems.append(SetProblem("EAS001", f"'{verb}' without a configuration path", number, None, raw_line))
            continue
        reader.apply(placed, number, raw_line, delete=verb == "delete")
    return reader.result
