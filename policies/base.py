"""What a rule is, and what it is given to check.

A rule is a module-level `Rule` object (yamllint's model): stable id, kebab-case name, default
severity, one-line summary, the vendors it applies to, and a `check` function that yields
findings. Rules never filter, waive or format findings; the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from linter.analysis import Analysis
from linter.findings import Evidence, Finding, Fix, Severity
from linter.fixes import Fixer
from linter.model import Location

ALL_VENDORS = ("*",)


@dataclass(frozen=True)
class RuleContext:
    analysis: Analysis
    fixer: Fixer


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    check: Callable[[RuleContext], Iterable[Finding]]
    vendors: tuple[str, ...] = ALL_VENDORS

    def finding(
        self,
        context: RuleContext,
        message: str,
        location: Location,
        object_path: str,
        attribute: str,
        *,
        expected: str | None = None,
        actual: str | None = None,
        evidence: Iterable[Evidence] = (),
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            rule_name=self.name,
            severity=severity or self.severity,
            message=message,
            location=location,
            device=context.analysis.device.name,
            object_path=object_path,
            attribute=attribute,
            expected=expected,
            actual=actual,
            evidence=tuple(evidence),
            fix=fix,
        )

    def applies_to(self, vendor: str) -> bool:
        return self.vendors == ALL_VENDORS or vendor in self.vendors
