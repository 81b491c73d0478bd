"""The rule registry: every rule easlint has, in id order.

Explicit on purpose (yamllint's `_RULES`): adding a rule means adding it here, and a test
fails when a registered rule lacks its documentation page or its fixtures.
"""

from __future__ import annotations

from policies import app_blocking, exchange_settings, heartbeat, hygiene, waiver_rules
from policies.base import Rule

RULES: tuple[Rule, ...] = (
    hygiene.PARSE_ERROR,
    hygiene.UNRECOGNIZED,
    hygiene.CANNOT_VERIFY,
    waiver_rules.UNUSED_WAIVER,
    waiver_rules.INVALID_WAIVER,
    heartbeat.TIMEOUT_BELOW_ALERT,
    heartbeat.TIMEOUT_BELOW_MAX,
    heartbeat.TIMEOUT_IMPLICIT_DEFAULT,
    heartbeat.TIMEOUT_UNBOUNDED,
    app_blocking.BLOCKED_APP_ALLOWED,
    app_blocking.BLOCK_CASE_SENSITIVE,
    app_blocking.BLOCK_FORM_GAP,
    app_blocking.BLOCK_SHADOWED,
    app_blocking.NATIVE_CLIENT_BLOCKED,
    app_blocking.EWS_NOT_COVERED,
    app_blocking.NO_L7_VISIBILITY,
    exchange_settings.HEARTBEAT_SETTINGS_INVALID,
)


class UnknownRule(ValueError):
    pass


def find(selector: str) -> list[Rule]:
    """Rules named by an id (EAS102), a name (timeout-below-max-heartbeat) or an id prefix (EAS1)."""
    wanted = selector.strip()
    upper = wanted.upper()
    found = [rule for rule in RULES if rule.id == upper or rule.name == wanted.lower() or rule.id.startswith(upper)]
    if not found or not wanted:
        raise UnknownRule(f"unknown rule '{selector}' (see 'easlint rules')")
    return found


def selected(select: list[str] | None, ignore: list[str] | None) -> tuple[Rule, ...]:
    chosen = {rule.id for selector in select for rule in find(selector)} if select else {rule.id for rule in RULES}
    for selector in ignore or ():
        chosen -= {rule.id for rule in find(selector)}
    return tuple(rule for rule in RULES if rule.id in chosen)
