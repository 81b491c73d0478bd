"""What a virtual server sees of a request, and which legs its profiles time.

A virtual parses HTTP when it has an http (or fastHTTP) profile, and sees HTTPS requests only
when a client-ssl profile terminates TLS. Without one, ActiveSync clients reaching port 443 (or a
virtual on any port) speak TLS to it, which the http profile never reads; on any other port the
virtual is taken to get plain HTTP (port 80, or from a hop in front that ends TLS), since an http
profile fed TLS would refuse every request anyway. A fastL4 profile forwards bytes. Each
tcp/fastHTTP profile times the legs of its context, a fastL4 profile the one flow. Profiles
easlint cannot see (a partition file read without /Common's) may be any of these:
`visibility_of` and `legs_of` say what is then assumed, so that parsers.f5.virtuals can judge
the rest and report the assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

from linter.model import TimerKind
from parsers.f5.profiles import Attached

HTTP_TYPES = frozenset({"http", "fasthttp"})
# The legs a transport profile times: a fastL4 virtual's one flow, else the legs of its context.
FLOW_KINDS = (TimerKind.SESSION_IDLE,)
LEG_KINDS = {"clientside": (TimerKind.CLIENT_IDLE,), "serverside": (TimerKind.SERVER_IDLE,),
             "all": (TimerKind.CLIENT_IDLE, TimerKind.SERVER_IDLE)}

ALL_LEGS = frozenset({TimerKind.CLIENT_IDLE, TimerKind.SERVER_IDLE})
# The context of the implicit /Common/tcp for the legs it times.
DEFAULT_CONTEXT = {ALL_LEGS: "all", frozenset({TimerKind.CLIENT_IDLE}): "clientside",
                   frozenset({TimerKind.SERVER_IDLE}): "serverside"}


@dataclass(frozen=True, slots=True)
class Visibility:
    """Whether a virtual parses HTTP and terminates TLS, in words for the listener's mode, and
    the profile types (`http`, `client-ssl`) assumed of profiles easlint cannot see."""

    l7: bool
    tls: bool
    mode: str
    assumed: tuple[str, ...] = ()


_FASTL4 = Visibility(False, False, "fastL4 profile: layer-4 forwarding, HTTP is not parsed")
_TCP_ONLY = Visibility(False, False, "no http profile: TCP forwarding, HTTP is not parsed")
_HTTPS_PARSED = Visibility(True, True, "http and client-ssl profiles: TLS terminated, HTTP parsed")
_HTTP_PARSED = Visibility(True, False, "http profile on port 80: HTTP parsed")


def _plain_http(port: int | None) -> bool:
    """Whether clients (or the hop in front) speak plain HTTP to a virtual without client-ssl:
    not on 443, where ActiveSync devices speak TLS, nor on a virtual for any port."""
    return bool(port) and port != 443


def visibility_of(types: set[str | None], port: int | None, unseen: list[Attached]) -> Visibility:
    """What the virtual sees of a request, from the types of its profiles. Profiles easlint
    cannot see (`unseen`) may be the http or client-ssl profile the virtual needs to parse
    HTTPS: when there are enough of them to be every missing one, they are assumed to be, since
    concluding "only TLS seen" would be a guess too, and the rules the virtual lists are then
    judged; the EAS002 on each says so. Thousands of virtuals share a few answers: those are
    built once."""
    if "fastl4" in types:
        return _FASTL4
    has_http = bool(types & HTTP_TYPES)
    tls = "client-ssl" in types
    plain = _plain_http(port)
    if has_http and (tls or plain):
        if tls:
            return _HTTPS_PARSED
        return _HTTP_PARSED if port == 80 else Visibility(
            True, False, f"http profile without client-ssl on port {port}: plain HTTP parsed (from clients, or from a hop "
                         "in front that ends TLS)")
    missing = tuple(role for role, present in (("http", has_http), ("client-ssl", tls or plain)) if not present)
    if unseen and len(unseen) >= len(missing):
        tls = tls or "client-ssl" in missing
        seen = "TLS terminated and HTTP parsed" if tls else "HTTP parsed"
        mode = (f"{profiles_phrase(unseen)}, which easlint cannot see, may be the {roles_phrase(missing)} the virtual needs: "
                f"judged as if {seen}")
        return Visibility(True, tls, mode, missing)
    if unseen:  # one profile easlint cannot see, and neither an http nor a client-ssl profile
        return Visibility(False, False, f"{_TCP_ONLY.mode}; {profiles_phrase(unseen)}, which easlint cannot see, cannot be "
                                         "both the http and the client-ssl profile it would need")
    if not has_http:
        return _TCP_ONLY
    return Visibility(False, False, f"http profile without client-ssl on port {port if port else 'any'}: "
                                     "clients speak HTTPS, so it only ever sees encrypted TLS")


def legs_of(profiles: list[Attached]) -> set[TimerKind]:
    """The legs the profiles may time: a fastL4 profile the whole flow, others their context."""
    legs: set[TimerKind] = set()
    for profile in profiles:
        legs.update(ALL_LEGS if profile.type == "fastl4" else LEG_KINDS.get(profile.context, ALL_LEGS))
    return legs


def leg_names(legs: frozenset[TimerKind]) -> str:
    if len(legs) > 1:
        return "client and server sides"
    return "client side" if TimerKind.CLIENT_IDLE in legs else "server side"


def it_or_them(legs: frozenset[TimerKind]) -> str:
    return "them" if len(legs) > 1 else "it"


def roles_phrase(roles: tuple[str, ...]) -> str:
    return " and ".join(roles) + (" profiles" if len(roles) > 1 else " profile")


def profiles_phrase(profiles: list[Attached]) -> str:
    return ("profiles " if len(profiles) > 1 else "profile ") + ", ".join(profile.path for profile in profiles)
