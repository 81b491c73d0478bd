"""The interface through which rules ask a vendor for a native fix.

Rules are vendor-neutral; the words of a fix are not (`timeout server 65m` for HAProxy,
`modify ltm profile tcp ... idle-timeout 3900` for F5). Each vendor module provides a `Fixer`;
the engine hands the device's fixer to the rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from linter.findings import Fix
from linter.model import Listener, Match, Step, Timer
from linter.policy import AllowedClient, BlockedApp
from linter.probes import ProbeForm


def client_prefix(client: AllowedClient) -> str:
    """The product part of a client's User-Agent, which stays the same across device models and
    versions ("Apple-iPhone14C2/2001.51" -> "Apple-iPhone", "Android/13-EAS-2.0" -> "Android")."""
    match = re.match(r"[A-Za-z][A-Za-z-]*[A-Za-z]", client.user_agent)
    return match.group(0) if match else client.user_agent


def suggested_seconds(required: int) -> int:
    """A round value comfortably above `required`: the next multiple of five minutes."""
    return (required // 300 + 1) * 300


class Fixer(Protocol):
    def timer(self, timer: Timer, required_seconds: int) -> Fix:
        """Make `timer` last at least `required_seconds`."""

    def block_app(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        """Refuse the apps' ActiveSync requests on `listener`, in every request form."""

    def allow_only(self, listener: Listener, clients: Sequence[AllowedClient]) -> Fix:
        """Refuse every ActiveSync request on `listener` that does not come from the clients
        (allowlist mode)."""

    def case_insensitive(self, step: Step, matches: Sequence[Match]) -> Fix:
        """Make the case-sensitive `matches` of a blocking step ignore letter case."""

    def form_gap(self, step: Step, app: BlockedApp, form: ProbeForm) -> Fix:
        """Also catch `form` of the app's requests next to the blocking `step`."""

    def shadowed(self, deny: Step, shadowing: Step) -> Fix:
        """Let `deny` decide before `shadowing` does."""

    def native_blocked(self, step: Step, client: AllowedClient, apps: Sequence[BlockedApp]) -> Fix:
        """Stop `step` from refusing a native client while still refusing the apps."""

    def l7_visibility(self, listener: Listener, apps: Sequence[BlockedApp]) -> Fix:
        """Let `listener` see HTTP so it can refuse the apps."""
