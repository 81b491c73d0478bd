"""Scope from `exchange.endpoints`: where the user says ActiveSync is published.

Without endpoints, scope guesses from names (`linter.scope`). With them, the answer is the
user's, and each kind of endpoint narrows what it can:

- An address (`203.0.113.10`, `203.0.113.10:443`) picks the entry points: a listener is in
  scope when one of its binds accepts that address and port (a wildcard bind, or a firewall
  rule whose destination network holds it), and probes arrive addressed to it.
- A host name (`mail.example.com`) picks the Host header and TLS server name of every probe,
  so requests go where that name is routed; a listener is in scope when it routes the name
  explicitly or is named after Exchange. A name cannot pick a firewall rule (there is no DNS at
  lint time): give the address for that.

A port defaults to 443, the port ActiveSync clients use. When names are given, whatever pool
their requests reach is ActiveSync's path. With addresses alone the Host name is unknown, so
pools named after Exchange still mark the path when the device has any (an unknown Host on the
Exchange address landing on a web backend is not what phones do); otherwise every pool reached.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from linter.matching import Context, address_span, address_within, evaluate_match, parsed_address
from linter.model import Bind, Device, FieldKind, Listener
from linter.policy import Endpoint
from linter.probes import Request
from linter.scope import Scope, iter_matches

ACTIVESYNC_PORT = 443
_HOST_FIELDS = (FieldKind.HOST, FieldKind.SNI)


def _takes_port(bind: Bind, port: int) -> bool:
    return bind.port is not None and bind.port <= port <= (bind.port_end or bind.port)


def _takes_address(bind: Bind, address: str) -> bool:
    return bind.address is None or bind.address in ("*", "0.0.0.0", "::") or \
        address_within(parsed_address(address), [address_span(bind.address)])


def endpoint_binds(binds: Sequence[Bind], endpoints: Sequence[Endpoint]) -> list[Bind]:
    """The entry points among `binds` that take a request for an endpoint, each narrowed to the
    endpoint's address and port (a probe must arrive addressed to the endpoint, not to the first
    address of a firewall rule's network)."""
    addresses = [endpoint for endpoint in endpoints if endpoint.is_address]
    wanted = addresses or list(endpoints)
    chosen: dict[tuple[str | None, int, bool], Bind] = {}
    for bind in binds:
        for endpoint in wanted:
            port = endpoint.port or ACTIVESYNC_PORT
            if not _takes_port(bind, port):
                continue
            if endpoint.is_address:
                if _takes_address(bind, endpoint.host):
                    narrowed = dataclasses.replace(bind, address=endpoint.host, port=port, port_end=None)
                    chosen.setdefault((endpoint.host, port, bind.tls), narrowed)
            else:
                chosen.setdefault((bind.address, port, bind.tls), dataclasses.replace(bind, port=port, port_end=None))
    return list(chosen.values())


def endpoint_hosts(endpoints: Sequence[Endpoint]) -> tuple[str, ...]:
    """The Host names probes carry: the endpoints' names (none when only addresses are given)."""
    return tuple(dict.fromkeys(endpoint.host for endpoint in endpoints if not endpoint.is_address))


def _routes_name(listener: Listener, names: Sequence[str]) -> str | None:
    """A name the listener tests the Host or TLS server name for, explicitly."""
    for step in listener.steps:
        for match in iter_matches(step.condition):
            host_test = match.field.kind in _HOST_FIELDS or (match.field.kind is FieldKind.HEADER and match.field.name == "host")
            if not host_test:
                continue
            for name in names:
                request = Request("POST", "/", None, (("Host", name),))
                if evaluate_match(match, Context(request)):
                    return name
    return None


def endpoint_scope(device: Device, named: Scope, binds_of: dict[str, list[Bind]], endpoints: Sequence[Endpoint]) -> Scope:
    """The listeners and pools in scope given the endpoints. `named` is the scope guessed from
    names; `binds_of` maps each listener to its entry binds."""
    names = endpoint_hosts(endpoints)
    addresses = [str(endpoint) for endpoint in endpoints if endpoint.is_address]
    listeners: dict[str, str] = {}
    for listener in device.listeners:
        if not endpoint_binds(binds_of.get(listener.object_path, ()), endpoints):
            continue
        if addresses:
            listeners[listener.object_path] = f"it accepts exchange.endpoints {', '.join(addresses)}"
            continue
        routed = _routes_name(listener, names)
        if routed is not None:
            listeners[listener.object_path] = f"it routes exchange.endpoints name {routed}"
        elif listener.object_path in named.listeners:
            listeners[listener.object_path] = named.listeners[listener.object_path]
    if names or not named.exchange_pools:
        reason = f"reached by exchange.endpoints {', '.join(map(str, endpoints))}"
        pools = {pool.name: named.exchange_pools.get(pool.name, reason) for pool in device.pools}
    else:
        pools = dict(named.exchange_pools)
    return Scope(pools, listeners)
