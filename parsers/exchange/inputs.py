"""Exchange's own files as inputs of a run: the policy a run judges the edge against.

A Sync web.config says how long Exchange really holds a Ping (its effective heartbeat), and a
device access rule export says which apps Exchange itself refuses and which clients it lets in.
`apply_exchange_inputs` folds both into the run's policy, so the edge is judged against what
this Exchange does rather than against the built-in defaults. The engine picks the files with
`classify` (or the `is_*` helpers of `parsers.exchange.classify`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TypeVar

from linter.policy import AllowedClient, BlockedApp, Policy
from parsers.exchange.access_rules import read_access_rules, to_apps
from parsers.exchange.classify import (
    ExchangeInput,
    classify,
    is_access_rules,
    is_request_filtering,
    is_sync_web_config,
)
from parsers.exchange.heartbeat import read_heartbeat

__all__ = ["ExchangeInput", "apply_exchange_inputs", "classify", "is_access_rules", "is_request_filtering",
           "is_sync_web_config"]

ADD, REPLACE = "add", "replace"


class ExchangeInputError(ValueError):
    """Inputs that cannot be combined (several Sync web.config files, an unknown mode)."""


def _with_known_user_agents(allowed: tuple[AllowedClient, ...], known: tuple[AllowedClient, ...]) -> tuple[AllowedClient, ...]:
    """A DeviceType-only Allow rule probes with its DeviceType as User-Agent; when the policy
    already allows a client of that DeviceType, its real User-Agent is the better probe."""
    by_device_type = {client.device_type.lower(): client for client in known}
    result = []
    for client in allowed:
        twin = by_device_type.get(client.device_type.lower())
        if twin is not None and client.user_agent == client.device_type:
            client = dataclasses.replace(client, user_agent=twin.user_agent, forms=twin.forms)
        result.append(client)
    return tuple(result)


def _traits(app: BlockedApp) -> set[str]:
    return {value.casefold() for value in (*app.user_agents, *app.device_types)}


def _merged_blocks(listed: tuple[BlockedApp, ...], found: tuple[BlockedApp, ...]) -> tuple[BlockedApp, ...]:
    """The listed apps with the access rules' apps added. A rule that names an app the list
    already has (its User-Agent or DeviceType is one of the app's) is merged into it: one app,
    under the name it already had, probed with the traits of both and citing the rule. Two
    entries for one app would report every gap twice."""
    merged = list(listed)
    for app in found:
        twin = next((index for index, known in enumerate(merged) if _traits(known) & _traits(app)), None)
        if twin is None:
            merged.append(app)
            continue
        known = merged[twin]
        merged[twin] = BlockedApp(known.name, tuple(dict.fromkeys((*known.user_agents, *app.user_agents))),
                                  tuple(dict.fromkeys((*known.device_types, *app.device_types))),
                                  tuple(dict.fromkeys((*known.query_tokens, *app.query_tokens))),
                                  tuple(dict.fromkeys((*known.sources, *app.sources))))
    return tuple(merged)


_Entry = TypeVar("_Entry", BlockedApp, AllowedClient)


def _distinct_names(apps: tuple[BlockedApp, ...], clients: tuple[AllowedClient, ...]
                    ) -> tuple[tuple[BlockedApp, ...], tuple[AllowedClient, ...]]:
    """Probes, findings and `trace --app` tell apps and clients apart by name: an entry from a
    device access rule whose QueryString another entry already goes by (an Allow and a Block
    rule on the same string, or a client of the pack with that name) takes its rule's name too."""
    taken: set[str] = set()
    return tuple(_distinct(app, taken) for app in apps), tuple(_distinct(client, taken) for client in clients)


def _distinct(entry: _Entry, taken: set[str]) -> _Entry:
    name = entry.name
    if name.casefold() in taken and entry.sources:
        name = f"{name} ({entry.sources[0].description})"
    taken.add(name.casefold())
    return entry if name == entry.name else dataclasses.replace(entry, name=name)


def apply_exchange_inputs(policy: Policy, web_configs: Sequence[tuple[str, str]], access_rules: Sequence[tuple[str, str]],
                          access_rules_mode: str = ADD) -> tuple[Policy, list[str]]:
    """The policy whose heartbeat comes from the Sync web.config (`(name, text)`, at most one) and
    whose apps include (`add`) or are (`replace`) those of the access rule exports, with notes
    saying what was taken, from where, and what could not be. Raises ExchangeInputError for
    several Sync web.config files or an unknown mode."""
    if access_rules_mode not in (ADD, REPLACE):
        raise ExchangeInputError(f"access rules mode must be '{ADD}' or '{REPLACE}', not {access_rules_mode!r}")
    if len(web_configs) > 1:
        names = ", ".join(name for name, _ in web_configs)
        raise ExchangeInputError(f"several Sync web.config files ({names}): Exchange has one heartbeat per server role; "
                                 "give the one of the servers behind this edge")
    notes: list[str] = []
    heartbeat = policy.heartbeat
    for name, text in web_configs:
        settings = read_heartbeat(name, text, policy.heartbeat)
        notes += [f"{diagnostic.location}: {diagnostic.message}; heartbeat kept from the {policy.heartbeat.source}"
                  for diagnostic in settings.diagnostics]
        notes += [f"{setting.location}: {setting.key}: {setting.problem}" for setting in settings.problems]
        if not settings.diagnostics:
            heartbeat = settings.heartbeat
            notes.append(f"heartbeat from the {heartbeat.source}: MaxHeartbeatInterval {heartbeat.max_interval} s, "
                         f"HeartbeatAlertThreshold {heartbeat.alert_threshold} s")
    blocked: tuple[BlockedApp, ...] = ()
    allowed: tuple[AllowedClient, ...] = ()
    for name, text in access_rules:
        rules = read_access_rules(name, text)
        notes += [f"{problem.location}: {problem.message}" for problem in rules.problems]
        found_blocked, found_allowed, found_notes = to_apps(rules)
        blocked += found_blocked
        allowed += found_allowed
        notes += found_notes
    allowed = _with_known_user_agents(allowed, policy.allowed_clients)
    if access_rules and access_rules_mode == REPLACE:
        apps, clients = _distinct_names(_merged_blocks((), blocked), allowed)
    else:
        apps, clients = _distinct_names(_merged_blocks(policy.blocked_apps, blocked), policy.allowed_clients + allowed)
    if access_rules:
        notes.append(f"{len(blocked)} blocked app(s) and {len(allowed)} allowed client(s) from device access rules "
                     f"({access_rules_mode})")
    return dataclasses.replace(policy, heartbeat=heartbeat, blocked_apps=apps, allowed_clients=clients), notes
