"""The configuration tree both PAN-OS readers produce, so one model builder serves both formats.

The shape is the XML running-config's: `<entry name="...">` elements hold named objects and
`<member>` elements hold list values. The `set` reader builds the same tree from commands
(`set address WEB ip-netmask 10.1.1.5/32` becomes
`devices/entry[localhost.localdomain]/vsys/entry[vsys1]/address/entry[WEB]/ip-netmask`), so
nothing downstream knows which format it came from. Every node keeps the line it was read
from, for findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

ENTRY = "entry"
MEMBER = "member"


@dataclass(slots=True, eq=False)
class Node:
    """One element: its tag, the `name` attribute of an `entry`, its text, its children.

    Lookups by tag and entry name go through an index built on first use (a rulebase can hold
    thousands of entries), so a reader must finish changing `children` before it looks anything up.
    """

    tag: str
    line: int
    name: str | None = None
    text: str | None = None
    children: list[Node] = field(default_factory=list)
    _index: dict[tuple[str, str | None], Node] | None = field(default=None, repr=False)

    def _lookup(self, tag: str, name: str | None) -> Node | None:
        if self._index is None:
            self._index = {}
            for node in self.children:
                self._index.setdefault((node.tag, node.name if node.tag == ENTRY else None), node)
        return self._index.get((tag, name))

    def child(self, tag: str) -> Node | None:
        """The first child with this tag (PAN-OS writes each setting once)."""
        return self._lookup(tag, None)

    def path(self, *tags: str) -> Node | None:
        node: Node | None = self
        for tag in tags:
            node = node.child(tag) if node is not None else None
        return node

    def value(self, *tags: str) -> str | None:
        """The stripped text of the node at `tags`, if it has one."""
        node = self.path(*tags)
        if node is None or node.text is None:
            return None
        return node.text.strip() or None

    def entries(self, *tags: str) -> Iterator[Node]:
        """The named `entry` children of the node at `tags`, in document order."""
        node = self.path(*tags)
        if node is not None:
            for item in node.children:
                if item.tag == ENTRY and item.name is not None:
                    yield item

    def entry(self, name: str) -> Node | None:
        return self._lookup(ENTRY, name)

    def members(self, *tags: str) -> list[Node]:
        """The `member` children of the node at `tags` (a list value such as `from` or `static`)."""
        node = self.path(*tags)
        if node is None:
            return []
        return [item for item in node.children if item.tag == MEMBER and item.text and item.text.strip()]

    def member_values(self, *tags: str) -> list[str]:
        return [item.text.strip() for item in self.members(*tags) if item.text]

    def describe(self) -> str:
        return f"{self.tag}[{self.name}]" if self.name is not None else self.tag
