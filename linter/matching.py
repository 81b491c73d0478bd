"""Evaluate a `Condition` against a request, with three-valued logic.

A condition is True, False or None (unknown). Unknown comes from an `Opaque` node, from a
regex that cannot be evaluated faithfully, or from a field an earlier step rewrote; the reasons
are collected so the simulator can say what it could not verify. `All`/`Any`/`Not` follow
Kleene logic, so a definite answer survives an unknown term whenever it can (False AND
unknown is False).

A field that is absent makes a match fail, as in HAProxy, where a sample fetch that finds
nothing never matches (so `!{ hdr(user-agent) -m found }` is how a missing header is
tested).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

from linter.model import (
    HTTP_FIELDS,
    All,
    Any,
    Condition,
    Field,
    FieldKind,
    Location,
    Match,
    MatchOp,
    Not,
    Opaque,
)
from linter.probes import Request
from linter.regexes import Untranslatable, compile_vendor_regex

Tri = bool | None

FIREWALL_APPLICATIONS_TLS = ("ssl", "activesync")
FIREWALL_APPLICATIONS_PLAIN = ("web-browsing", "activesync")
"""What a next-generation firewall may call an ActiveSync session. Without decryption PAN-OS
App-ID sees a TLS session as `ssl` (or `activesync` where the handshake gives it away); in
clear text, `web-browsing`. A rule naming any of them applies to the Ping."""


@dataclass(frozen=True)
class Unknown:
    """Why a condition could not be decided."""

    reason: str
    location: Location | None


@dataclass
class Context:
    """What a condition is evaluated against: the request as this hop sees it."""

    request: Request
    http_visible: bool = True
    tainted: dict[tuple[FieldKind, str | None], Location] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)


def _query_params(request: Request, name: str, case_sensitive: bool, delimiter: str | None) -> list[str]:
    """Values of one URL parameter as HAProxy's url_param finds them: the parameter list starts
    after the first "?" (or, when a delimiter is given, after the first delimiter in the URL)
    and parameters end at "&", ";", "?" or the delimiter; values are not URL-decoded."""
    url = request.url
    start = url.find(delimiter or "?")
    if start < 0:
        return []
    separators = "&;?" + (delimiter or "")
    wanted = name if case_sensitive else name.lower()
    values: list[str] = []
    pair_start = start + 1
    for index in range(start + 1, len(url) + 1):
        if index < len(url) and url[index] not in separators:
            continue
        key, equals, value = url[pair_start:index].partition("=")
        pair_start = index + 1
        if equals and (key if case_sensitive else key.lower()) == wanted:
            values.append(value)
    return values


def _header_values(request: Request, item: Field) -> list[str]:
    lines = request.header_lines(item.name or "")
    if not item.split_commas:
        return lines
    return [part.strip() for line in lines for part in line.split(",")]


def extract(item: Field, context: Context) -> list[str] | None:
    """The field's values in this request; None when the hop cannot see the field at all."""
    request = context.request
    if item.kind in HTTP_FIELDS and not context.http_visible:
        return []
    kind = item.kind
    if kind is FieldKind.PATH:
        return [request.path]
    if kind is FieldKind.URL:
        return [request.url]
    if kind is FieldKind.QUERY:
        return [] if request.query is None else [request.query]
    if kind is FieldKind.QUERY_PARAM:
        return _query_params(request, item.name or "", item.name_case_sensitive, item.delimiter)
    if kind is FieldKind.HEADER:
        return _header_values(request, item)
    if kind is FieldKind.HEADER_COUNT:
        return [str(len(_header_values(request, item)))]
    if kind is FieldKind.HOST:
        host = request.host
        return [] if host is None else [host.rsplit(":", 1)[0].lower()]
    if kind is FieldKind.SNI:
        # "client-hello": read from the handshake in the buffer, so only where TLS passes
        # through (HAProxy req.ssl_sni); "tls-session": only where TLS ends here (ssl_fc_sni).
        visible = {"client-hello": not request.tls, "tls-session": request.tls}.get(item.name or "", True)
        return [request.sni] if visible and request.sni is not None else []
    if kind is FieldKind.METHOD:
        return [request.method]
    if kind is FieldKind.SRC:
        return [request.src_address]
    if kind is FieldKind.DST_ADDRESS:
        return [] if request.dst_address is None else [request.dst_address]
    if kind is FieldKind.DST_PORT:
        return [] if request.dst_port is None else [str(request.dst_port)]
    if kind is FieldKind.IP_PROTOCOL:
        return ["tcp", "6"]
    if kind is FieldKind.APPLICATION:
        return list(FIREWALL_APPLICATIONS_TLS if request.client_tls else FIREWALL_APPLICATIONS_PLAIN)
    if kind is FieldKind.TLS:
        return ["1" if request.tls else "0"]
    if kind is FieldKind.HTTP_VERSION:
        return [request.http_version]
    return None


class _TransformFailed(Exception):
    """A transform with no result for this value: the test on it is unknown, neither true nor false."""


def _transform(value: str, transforms: tuple[str, ...]) -> str:
    """The value after `transforms`, in order; raises `_TransformFailed` where one has no result."""
    for name in transforms:
        if name == "lower":
            value = value.lower()
        elif name == "upper":
            value = value.upper()
        elif name == "url_dec":
            value = unquote(value)
        elif name == "b64_dec":
            value = _base64_decoded(value)
        else:
            raise _TransformFailed(f"the transform {name!r} is not modelled")
    return value


def _base64_decoded(value: str) -> str:
    """Strict RFC 4648 base64 (alphabet and padding), each byte one character (U+0000-U+00FF),
    as BIG-IP's `b64decode` hands bytes to Tcl. Other input has no decoded value: `b64decode`
    fails on it with a Tcl error that resets the connection (tmsh reference, "ltm rule command
    b64decode"), which is neither a match nor a mismatch."""
    try:
        return base64.b64decode(value, validate=True).decode("latin-1")
    except ValueError:  # binascii.Error, and non-ASCII text
        raise _TransformFailed(f"the value is not valid base64 ({_base64_fault(value)}), so decoding it fails") from None


def _base64_fault(value: str) -> str:
    """Where a value that is not base64 goes wrong, for the message."""
    stray = _NOT_BASE64.search(value)
    if stray is not None:
        return f"{stray.group()!r} at character {stray.start() + 1}"
    if len(value) % 4:
        return f"{len(value)} characters, not a multiple of 4"
    return "'=' before the end"


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")


@lru_cache(maxsize=65536)
def address_span(spec: str) -> tuple[int, int, int]:
    """The IP version and the first and last address, as integers, of a network ("10.0.0.0/8",
    "10.1.1.1") or an inclusive range ("10.0.0.1-10.0.0.20", as firewalls write them). An
    unreadable spec spans nothing."""
    try:
        if "-" in spec:
            first, _, last = spec.partition("-")
            low, high = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
            return low.version, int(low), int(high)
        network = ipaddress.ip_network(spec, strict=False)
        return network.version, int(network.network_address), int(network.broadcast_address)
    except ValueError:
        return 0, 1, 0


@lru_cache(maxsize=4096)
def parsed_address(value: str) -> tuple[int, int]:
    """(IP version, address as an integer), or (0, 0) for a value that is not an address."""
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        return 0, 0
    return parsed.version, int(parsed)


def address_within(address: tuple[int, int], spans: Iterable[tuple[int, int, int]]) -> bool:
    """Whether a `parsed_address` lies in any of the `address_span`s (of its own IP version)."""
    version, number = address
    return version > 0 and any(span[0] == version and span[1] <= number <= span[2] for span in spans)


def _in_range(number: int, spec: str) -> bool:
    low, _, high = spec.partition(":")
    if not _:
        return number == int(spec)
    return (not low or number >= int(low)) and (not high or number <= int(high))


def _word_match(value: str, pattern: str, delimiter: str) -> bool:
    core = pattern.strip(delimiter)
    if not core:
        return False
    return f"{delimiter}{core}{delimiter}" in f"{delimiter}{value}{delimiter}"


def _match_value(match: Match, value: str, context: Context) -> Tri:
    op = match.op
    if op is MatchOp.INT or op is MatchOp.LEN:
        try:
            number = len(value) if op is MatchOp.LEN else int(value)
        except ValueError:
            return False
        return any(_in_range(number, spec) for spec in match.values)
    if op is MatchOp.BOOL:
        return value not in ("", "0")
    if op is MatchOp.IP:
        return address_within(parsed_address(value), map(address_span, match.values))
    if op is MatchOp.REGEX:
        verdict: Tri = False
        for pattern in match.values:
            compiled = compile_vendor_regex(pattern, match.case_sensitive, match.regex_dialect)
            if isinstance(compiled, Untranslatable):
                context.unknowns.append(Unknown(f"regex {pattern!r}: {compiled.reason}", match.location))
                verdict = None
            elif compiled.search(value):
                return True
        return verdict
    subject = value if match.case_sensitive else value.lower()
    for pattern in match.values:
        wanted = pattern if match.case_sensitive else pattern.lower()
        if op is MatchOp.EQUALS and subject == wanted:
            return True
        if op is MatchOp.PREFIX and subject.startswith(wanted):
            return True
        if op is MatchOp.SUFFIX and subject.endswith(wanted):
            return True
        if op is MatchOp.CONTAINS and wanted in subject:
            return True
        if op is MatchOp.DIR and _word_match(subject, wanted, "/"):
            return True
        if op is MatchOp.DOM and _word_match(subject, wanted, "."):
            return True
    return False


def evaluate_match(match: Match, context: Context) -> Tri:
    kind, name = match.field.kind, (match.field.name or "").lower() or None
    rewritten_at = context.tainted.get((kind, name)) or context.tainted.get((kind, None))
    if rewritten_at is not None:
        context.unknowns.append(
            Unknown(f"{match.field.describe()} was rewritten at line {rewritten_at.line} before this test", match.location)
        )
        return None
    values = extract(match.field, context)
    if values is None:
        context.unknowns.append(Unknown(f"field {match.field.describe()} is not modelled", match.location))
        return None
    if not values:
        return False
    if match.op is MatchOp.EXISTS:
        return True
    result: Tri = False
    for value in values:
        try:
            transformed = _transform(value, match.transforms)
        except _TransformFailed as failure:
            context.unknowns.append(Unknown(f"{match.field.describe()}: {failure}", match.location))
            result = None
            continue
        outcome = _match_value(match, transformed, context)
        if outcome:
            return True
        if outcome is None:
            result = None
    return result


def evaluate(condition: Condition, context: Context) -> Tri:
    """Kleene evaluation of `condition`; unknowns are recorded in `context.unknowns`."""
    if isinstance(condition, Match):
        return evaluate_match(condition, context)
    if isinstance(condition, All):
        result: Tri = True
        for term in condition.terms:
            value = evaluate(term, context)
            if value is False:
                return False
            if value is None:
                result = None
        return result
    if isinstance(condition, Any):
        result = False
        for term in condition.terms:
            value = evaluate(term, context)
            if value is True:
                return True
            if value is None:
                result = None
        return result
    if isinstance(condition, Not):
        value = evaluate(condition.term, context)
        return None if value is None else not value
    if isinstance(condition, Opaque):
        context.unknowns.append(Unknown(condition.reason, condition.location))
        return None
    raise TypeError(f"not a condition: {condition!r}")
