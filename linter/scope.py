"""Which listeners and pools of a device carry ActiveSync.

A configuration repository holds many unrelated services, and a 30-second timer on a web
backend is not a Direct Push problem, so rules only look at objects the device itself marks
as Exchange: a name, server, health check, description, host or path that mentions exchange,
activesync, autodiscover, owa, ews, mapi or eas (as whole words, so "news" is not "ews", and
not "exchange" after a word that makes it another kind: "file exchange", "key exchange"). A
pool is Exchange when it is marked itself, or when it is the target of a marked listener that
routes to no marked pool (a frontend called `fe_exchange` in front of a backend called
`servers`).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from dataclasses import dataclass

from linter.model import All, Any, Condition, Device, FieldKind, Listener, Match, MatchOp, Not, Step

# A word (a run of ASCII letters and digits) that starts with exchange, activesync or
# autodiscover, or is owa, ews, mapi, eas or exch with an optional number. One search over the
# whole text finds the first such word: scope checks tens of thousands of labels on a large device.
_MARKING_WORD = re.compile(
    r"(?<![a-z0-9])(?:(?:exchange|activesync|autodiscover)[a-z0-9]*|(?:owa|ews|mapi|eas|exch)[0-9]*(?![a-z0-9]))"
)
MAX_HOSTS_PER_LISTENER = 16
UNKNOWN_HOST = "unrouted.easlint.invalid"
_HOST_FIELDS = (FieldKind.HOST, FieldKind.SNI)


# Words that make "exchange" mean something other than Microsoft Exchange when they come right
# before it ("file exchange", "key exchange", "data-exchange"): marking those services as
# Exchange would judge their timers against the heartbeat, a false alarm.
_OTHER_EXCHANGES = frozenset({"file", "files", "data", "key", "stock", "currency", "foreign", "document", "documents"})
_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _word_before(text: str, index: int) -> str:
    """The word that ends before text[index], across the separators between (each separator
    is stepped over once per marking word, so hostile text stays linear)."""
    end = index
    while end > 0 and text[end - 1] not in _WORD_CHARACTERS:
        end -= 1
    start = end
    while start > 0 and text[start - 1] in _WORD_CHARACTERS:
        start -= 1
    return text[start:end]


def _may_mark(lowered: str) -> bool:
    """Whether lowercase text holds a part every marking word contains. Most labels hold none,
    and these seven substring tests cost a quarter of one search of `_MARKING_WORD`, whose
    look-behind keeps the regex engine from skipping ahead to a likely start."""
    return ("exch" in lowered or "eas" in lowered or "ews" in lowered or "owa" in lowered or "mapi" in lowered
            or "activesync" in lowered or "autodiscover" in lowered)


def exchange_word(text: str) -> str | None:
    """The word in `text` that marks it as Exchange, if any."""
    lowered = text.lower()
    if not _may_mark(lowered):
        return None
    for found in _MARKING_WORD.finditer(lowered):
        word = found.group()
        if word.startswith("exchange"):
            if _word_before(lowered, found.start()) in _OTHER_EXCHANGES:
                continue
        return word
    return None


def iter_matches(condition: Condition) -> Iterator[Match]:
    if isinstance(condition, Match):
        yield condition
    elif isinstance(condition, (All, Any)):
        for term in condition.terms:
            yield from iter_matches(term)
    elif isinstance(condition, Not):
        yield from iter_matches(condition.term)


def _is_host_match(match: Match) -> bool:
    field = match.field
    return field.kind in _HOST_FIELDS or (field.kind is FieldKind.HEADER and field.name == "host")


def _condition_evidence(step: Step) -> str | None:
    for match in iter_matches(step.condition):
        if match.field.kind in (FieldKind.PATH, FieldKind.URL) or _is_host_match(match):
            for value in match.values:
                if exchange_word(value):
                    return f"{step.text} (line {step.location.line})"
    return None


def _labels_evidence(object_path: str, name: str, labels: tuple[str, ...]) -> str | None:
    """"ltm pool /Common/exchange_pool (named after Exchange)", or the label that marks it."""
    # Most objects of a large device are not Exchange: one search over all their labels (joined
    # by a separator, so no word spans two) rules them out; only a hit looks label by label.
    joined = "\n".join(labels).lower()
    if not _may_mark(joined) or not _MARKING_WORD.search(joined):
        return None
    for label in labels:
        if exchange_word(label):
            return f"{object_path} (named after Exchange)" if label == name else f"{object_path} ({label!r})"
    return None


def _route_targets(listener: Listener) -> list[str]:
    targets = [step.action.pool for step in listener.steps if step.action.pool]
    if listener.default_pool:
        targets.append(listener.default_pool)
    return targets


@dataclass(frozen=True)
class Scope:
    exchange_pools: dict[str, str]  # pool name -> why it counts as Exchange
    listeners: dict[str, str]  # listener object path -> why it may carry ActiveSync

    def is_exchange_pool(self, name: str | None) -> bool:
        return name is not None and name in self.exchange_pools


def find_scope(device: Device) -> Scope:
    pools: dict[str, str] = {}
    for pool in device.pools:
        evidence = _labels_evidence(pool.object_path, pool.name, pool.labels)
        if evidence:
            pools[pool.name] = evidence
    for listener in device.listeners:
        for step in listener.steps:
            if step.action.pool and step.action.pool not in pools:
                evidence = _condition_evidence(step)
                if evidence and device.pool(step.action.pool):
                    pools[step.action.pool] = f"routed by {evidence}"
    listeners: dict[str, str] = {}
    for listener in device.listeners:
        targets = _route_targets(listener)
        evidence = _labels_evidence(listener.object_path, listener.name, listener.labels) or next(
            (found for found in map(_condition_evidence, listener.steps) if found), None
        )
        marked_target = next((name for name in targets if name in pools), None)
        if marked_target:
            pool_path, why = device.pool(marked_target).object_path, pools[marked_target]
            listeners[listener.object_path] = f"it routes to {why if why.startswith(pool_path) else f'{pool_path} ({why})'}"
        elif evidence:
            listeners[listener.object_path] = evidence
            for name in targets:
                if device.pool(name):
                    pools[name] = f"the only kind of pool behind {evidence}"
    return Scope(pools, listeners)


def _host_candidates(match: Match) -> Iterator[str]:
    for value in match.values:
        value = value if match.case_sensitive else value.lower()
        if match.op in (MatchOp.EQUALS, MatchOp.CONTAINS, MatchOp.DOM):
            yield value
        elif match.op is MatchOp.SUFFIX:
            yield ("host" + value) if value.startswith(".") else value
        elif match.op is MatchOp.PREFIX:
            yield value + ("example.invalid" if value.endswith(".") else ".example.invalid")


def host_variants(listener: Listener, exchange_pools: Container[str] = ()) -> tuple[str, ...]:
    """Host names to send probes with: every one the listener routes to an Exchange pool on, then
    others that name Exchange, then the rest up to a limit, and always one it does not know."""
    ranked: dict[str, int] = {}
    for step in listener.steps:
        routes_to_exchange = step.action.pool in exchange_pools
        for match in iter_matches(step.condition):
            if _is_host_match(match):
                for host in _host_candidates(match):
                    rank = 0 if routes_to_exchange else 1 if exchange_word(host) else 2
                    ranked[host] = min(rank, ranked.get(host, rank))
    essential = [host for host, rank in ranked.items() if rank == 0]
    others = sorted((host for host, rank in ranked.items() if rank > 0), key=lambda host: ranked[host])
    room = max(0, MAX_HOSTS_PER_LISTENER - 1 - len(essential))
    return tuple(essential + others[:room]) + (UNKNOWN_HOST,)
