"""Every element of the tree is modelled, known-irrelevant, or reported (EAS002 with its line).

The walk follows `schema`: an element the schema names is read by the model builder, one under a
`SKIP` is counted and left alone, anything else is reported once, at the line where it starts
(its children are not reported again). The object path of the report names the security rule,
service, address or application the element sits in, so the engine raises it to an error when
that object is on the ActiveSync path.
"""

from __future__ import annotations

from dataclasses import dataclass

from linter.model import Diagnostic, Level, Location
from parsers.panos import schema
from parsers.panos.schema import Container, Entries, Leaf, Members, Shape, Skip
from parsers.panos.tree import ENTRY, MEMBER, Node

_OBJECT_KINDS = {
    "address": "address", "address-group": "address-group", "service": "service", "service-group": "service-group",
    "application": "application", "application-group": "application-group", "zone": "zone",
}


@dataclass
class Validation:
    diagnostics: list[Diagnostic]
    skipped_elements: int


def scope_label(trail: list[Node]) -> str | None:
    """"vsys1", "device-group DG1" or "shared" for an element below one of them."""
    for parent, node in zip(trail, trail[1:]):
        if parent.tag == "vsys" and node.tag == ENTRY:
            return node.name
        if parent.tag == "device-group" and node.tag == ENTRY:
            return f"device-group {node.name}"
    if len(trail) > 1 and trail[1].tag == "shared":
        return "shared"
    return None


def rule_path(kind: str, name: str, owner: str, rulebase: str | None) -> str:
    """How findings name a rule: "security rule 'Allow-EAS' (vsys1)", "... (device-group DG pre-rulebase)"."""
    return f"{kind} '{name}' ({owner}{' ' + rulebase if rulebase else ''})"


def object_path_of(trail: list[Node]) -> str | None:
    """The object an element sits in, named as the model builder names it."""
    scope = scope_label(trail)
    if scope is None:
        return None
    rulebase = next((node.tag for node in trail if node.tag in ("pre-rulebase", "post-rulebase")), None)
    for index, node in enumerate(trail[:-1]):
        following = trail[index + 1]
        if node.tag == "rules" and following.tag == ENTRY and index >= 1:
            kind = {"security": "security rule", "application-override": "application-override rule"}.get(trail[index - 1].tag)
            if kind:
                return rule_path(kind, following.name or "", scope, rulebase)
        if node.tag in _OBJECT_KINDS and following.tag == ENTRY and index >= 1 and trail[index - 1].tag != "rules":
            return f"{_OBJECT_KINDS[node.tag]} '{following.name}' ({scope})"
    return None


def _where(trail: list[Node]) -> str:
    return "/".join(node.describe() for node in trail[1:]) or trail[0].tag


class _Validator:
    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.skipped = 0
        self.reported: set[int] = set()

    def unknown(self, node: Node, trail: list[Node], why: str) -> None:
        if node.line in self.reported:
            return
        self.reported.add(node.line)
        message = f"{why} at {_where(trail)}: easlint does not model it, so it is not checked"
        self.diagnostics.append(Diagnostic("EAS002", Level.WARNING, message, Location(self.file, node.line),
                                           object_path_of(trail), node.tag if node.text is None else f"{node.tag} {node.text.strip()}"))

    def walk(self, root: Node) -> None:
        stack: list[tuple[Node, Shape, list[Node]]] = [(root, schema.CONFIG, [root])]
        while stack:
            node, shape, trail = stack.pop()
            if isinstance(shape, Skip):
                self.skipped += 1
                continue
            if isinstance(shape, Leaf):
                for child in node.children:
                    self.unknown(child, trail + [child], f"unexpected '{child.tag}' inside the value '{node.tag}'")
                continue
            if isinstance(shape, Members):
                for child in node.children:
                    if child.tag != MEMBER:
                        self.unknown(child, trail + [child], f"unexpected '{child.tag}' in the list '{node.tag}'")
                continue
            pending = []
            for child in node.children:
                if isinstance(shape, Entries):
                    if child.tag != ENTRY or child.name is None:
                        self.unknown(child, trail + [child], f"'{child.tag}' where named entries are expected")
                        continue
                    pending.append((child, shape.item, trail + [child]))
                elif isinstance(shape, Container):
                    known = shape.children.get(child.tag)
                    if known is None:
                        self.unknown(child, trail + [child], f"unrecognized setting '{child.tag}'")
                        continue
                    pending.append((child, known, trail + [child]))
            stack.extend(reversed(pending))


def validate(file: str, root: Node) -> Validation:
    validator = _Validator(file)
    if root.tag != "config":
        validator.diagnostics.append(Diagnostic(
            "EAS001", Level.ERROR, f"the XML root element is <{root.tag}>, not the <config> of a PAN-OS configuration",
            Location(file, root.line), None, root.tag))
        return Validation(validator.diagnostics, 0)
    validator.walk(root)
    return Validation(validator.diagnostics, validator.skipped)
