"""EAS004-EAS005: the waivers themselves are checked, so an accepted risk cannot rot unseen.

A waiver is a promise: this finding is known, here is why, and here is when to look again.
A waiver that no longer suppresses anything (the config was fixed, the object renamed, the
comment moved) would silently swallow the next real finding on that line, so it is reported
(EAS004, ruff's RUF100). A waiver without a reason, past its `until` date or unreadable is
reported (EAS005) and suppresses nothing, so the finding it covered comes back.

These rules have no `check` of their own: they need every other rule's findings first, and
the waiver pass in `linter.waivers` produces them after all rules ran.
"""

from __future__ import annotations

from collections.abc import Iterator

from linter.findings import Finding, Severity
from policies.base import Rule, RuleContext


def _reported_by_the_waiver_pass(context: RuleContext) -> Iterator[Finding]:
    """Nothing here: `linter.waivers.apply_waivers` reports these rules once all findings are known."""
    return iter(())


UNUSED_WAIVER = Rule(
    "EAS004", "unused-waiver", Severity.WARNING,
    "A waiver suppresses nothing: no finding of the rules it names is where it points.",
    _reported_by_the_waiver_pass,
)
INVALID_WAIVER = Rule(
    "EAS005", "invalid-waiver", Severity.ERROR,
    "A waiver has no reason, has expired, or cannot be read; it suppresses nothing.",
    _reported_by_the_waiver_pass,
)
WAIVER_RULES = (UNUSED_WAIVER, INVALID_WAIVER)
