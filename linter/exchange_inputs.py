"""The Exchange files of a run turned into the policy every device of it is judged against.

A Sync web.config says how long this Exchange really holds a Ping, and a device access rule
export which apps it refuses and which clients it lets in (`parsers.exchange.inputs`). They
come from the configuration (`exchange.web_config`, `apps.device_access_rules`) or are found
among the run's files; a file the configuration names wins over ones found. When a run holds
the Sync web.config of several servers, the edge in front of them must keep every server's
Pings alive, so the one with the longest MaxHeartbeatInterval applies. They are read here,
before any device is checked, because every device's verdict depends on them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from linter.config import Config
from linter.files import Candidate, InputError, Unreadable, display_path, read_text
from linter.policy import Policy
from parsers.detect import SNIFF_BYTES, detect_vendor


class ExchangeInputsError(InputError):
    """An Exchange input the configuration names that cannot be read, or an unknown mode."""


def _read(path: Path) -> str | None:
    text = read_text(path)
    return text if isinstance(text, str) else None


def _found(candidates: Sequence[Candidate]) -> tuple[list[Path], list[Path]]:
    """The Sync web.config files and device access rule exports among the run's files."""
    from parsers.exchange.classify import ExchangeInput, classify

    web_configs: list[Path] = []
    access_rules: list[Path] = []
    for candidate in candidates:
        if candidate.vendor not in (None, "exchange"):
            continue
        head = read_text(candidate.path, limit=SNIFF_BYTES)
        if isinstance(head, Unreadable) or (candidate.vendor is None and detect_vendor(head) != "exchange"):
            continue
        text = _read(candidate.path)
        kind = classify(text) if text is not None else None
        if kind is ExchangeInput.SYNC_WEB_CONFIG:
            web_configs.append(candidate.path)
        elif kind is ExchangeInput.ACCESS_RULES:
            access_rules.append(candidate.path)
    return web_configs, access_rules


def policy_for_run(policy: Policy, candidates: Sequence[Candidate], config: Config) -> Policy:
    """`policy` with the heartbeat of the run's Sync web.config and the apps of its device
    access rules; unchanged when the run has neither (no Exchange parser is even imported)."""
    named_web_config = config.exchange.web_config
    named_rules = config.apps.device_access_rules
    found_web_configs, found_rules = _found(candidates) if _may_hold_exchange(candidates) else ([], [])
    web_configs = [named_web_config] if named_web_config else found_web_configs
    access_rules = [named_rules] if named_rules else found_rules
    if not web_configs and not access_rules:
        return policy
    from parsers.exchange.inputs import ExchangeInputError, apply_exchange_inputs

    texts = {path: _read(path) for path in {*web_configs, *access_rules}}
    unreadable = [display_path(path) for path, text in texts.items() if text is None]
    if unreadable:
        raise ExchangeInputsError(f"{', '.join(unreadable)}: cannot read this Exchange input")
    chosen = [(display_path(path), texts[path]) for path in web_configs]
    strictest = _strictest(policy, chosen)  # type: ignore[arg-type]
    try:
        adjusted, _ = apply_exchange_inputs(policy, [strictest] if strictest else [],
                                            [(display_path(p), texts[p]) for p in access_rules],  # type: ignore[misc]
                                            config.apps.device_access_rules_mode)
    except ExchangeInputError as error:
        raise ExchangeInputsError(str(error)) from None
    if len(chosen) > 1:
        source = f"{adjusted.heartbeat.source}, the longest MaxHeartbeatInterval of the {len(chosen)} Sync web.config files in this run"
        adjusted = dataclasses.replace(adjusted, heartbeat=dataclasses.replace(adjusted.heartbeat, source=source))
    return adjusted


def _strictest(policy: Policy, web_configs: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The Sync web.config whose effective heartbeat asks the most of the edge."""
    if len(web_configs) < 2:
        return web_configs[0] if web_configs else None
    from parsers.exchange.heartbeat import read_heartbeat

    def demand(entry: tuple[str, str]) -> tuple[int, int]:
        heartbeat = read_heartbeat(entry[0], entry[1], policy.heartbeat).heartbeat
        return heartbeat.max_interval, heartbeat.alert_threshold

    return max(web_configs, key=demand)


def _may_hold_exchange(candidates: Sequence[Candidate]) -> bool:
    """Whether any file could be an Exchange input by its name, so a run of load balancer
    configs never reads its files twice: Exchange's files are XML, CSV or JSON."""
    return any(candidate.vendor == "exchange" or candidate.path.suffix.lower() in (".config", ".xml", ".csv", ".json")
               for candidate in candidates)
