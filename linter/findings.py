"""Findings: what a rule reports, in a form every output format can render.

A finding carries the rule, the place, what was expected and what was found, the evidence
that proves it (which object, inherited from where, which rule decided) and a vendor-native
fix. Its fingerprint is built from the rule, the device, the object path and the attribute,
never from line numbers, so baselines survive edits that move lines.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from linter.model import Location


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Evidence:
    message: str
    location: Location | None = None


@dataclass(frozen=True)
class Fix:
    """A vendor-native change that resolves the finding; `location` is where it goes."""

    description: str
    snippet: str
    location: Location | None = None


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count: a waiver (inline comment or the config's central list) or
    a baseline entry. Suppressed findings stay in JSON and SARIF, marked, and are counted."""

    kind: str  # "inline", "central" or "baseline"
    justification: str
    location: Location | None = None  # where the waiver is written
    until: str | None = None  # ISO date after which the waiver no longer applies


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    location: Location
    device: str
    object_path: str
    attribute: str
    expected: str | None = None
    actual: str | None = None
    evidence: tuple[Evidence, ...] = ()
    fix: Fix | None = None
    suppression: Suppression | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.rule_id, self.device, self.object_path, self.attribute)

    def sort_key(self) -> tuple:
        return (self.location.file, self.location.line, self.location.column or 0, self.rule_id, self.attribute)


def fingerprint_of(rule_id: str, device: str, object_path: str, attribute: str) -> str:
    """The identity of a finding that survives moved lines: rule, device, object and attribute."""
    key = "\x1f".join((rule_id, device, object_path, attribute))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
