"""Synthetic ActiveSync requests ("probes") built from the policy.

Each blocked app and each allowed client becomes a Direct Push `Ping` in the request forms
real clients use, so the simulator can show whether a block holds in all of them:

- `plain`: `POST /Microsoft-Server-ActiveSync?Cmd=Ping&User=..&DeviceId=..&DeviceType=..` with
  a User-Agent header (MS-ASHTTP 2.2.1.1.1.2);
- `case`: the same with a lower-case path and the User-Agent and DeviceType in swapped case
  (IIS serves paths case-insensitively);
- `ua-only`: the base64-encoded query of MS-ASHTTP 2.2.1.1.1.1, where DeviceType is hidden in
  binary, with the User-Agent header;
- `devicetype-only`: the plain query without a User-Agent header (MS-ASCMD lets clients move it
  into the Settings command);
- `ews`: `POST /EWS/Exchange.asmx` with the app's User-Agent.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from linter.policy import AllowedClient, BlockedApp, Policy

ACTIVESYNC_PATH = "/Microsoft-Server-ActiveSync"
EWS_PATH = "/EWS/Exchange.asmx"
PROBE_USER = "eas.probe"
PROBE_PASSWORD = "placeholder"  # probes never leave the process; this is no one's password
# Clients authenticate every request, and the common way to an on-premises Exchange is HTTP
# Basic: "For HTTP basic authentication, credentials are encoded with base64 encoding ...
# Authorization: Basic ..." (MS-ASHTTP, "Authentication", learn.microsoft.com/openspecs/
# exchange_server_protocols/ms-ashttp/7b7fabb9-910c-4f1c-9396-57d7ca579a31). Edges check it:
# F5's `_sys_APM_activesync` answers 401 when it is missing, so a probe without it would read
# as a native client refused. Every probe, blocked app or allowed client, carries it.
AUTHORIZATION = "Basic " + base64.b64encode(f"{PROBE_USER}:{PROBE_PASSWORD}".encode("ascii")).decode("ascii")
PROBE_SOURCE_ADDRESS = "203.0.113.10"  # TEST-NET-3: a client somewhere on the Internet
PROTOCOL_VERSION = "14.1"
PING_COMMAND_CODE = 18  # MS-ASHTTP 2.2.1.1.1.1.2
LOCALE_EN_US = 0x0409
NEUTRAL_DEVICE_TYPE = "SmartPhone"  # used when an app is known by its User-Agent only


class ProbeForm(str, enum.Enum):
    PLAIN = "plain"
    CASE = "case"
    UA_ONLY = "ua-only"
    DEVICETYPE_ONLY = "devicetype-only"
    EWS = "ews"


FORM_DESCRIPTIONS = {
    ProbeForm.PLAIN: "plain query with User-Agent",
    ProbeForm.CASE: "lower-case path, User-Agent and DeviceType in other letter case",
    ProbeForm.UA_ONLY: "base64-encoded query (DeviceType hidden), User-Agent present",
    ProbeForm.DEVICETYPE_ONLY: "plain query, no User-Agent header",
    ProbeForm.EWS: "EWS request with the app's User-Agent",
}


class Role(str, enum.Enum):
    BLOCKED = "blocked"
    ALLOWED = "allowed"


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as it arrives at a listener."""

    method: str
    path: str
    query: str | None
    headers: tuple[tuple[str, str], ...]
    dst_address: str | None = None
    dst_port: int | None = None
    tls: bool = True  # TLS is terminated by the hop the request arrives at (HAProxy ssl_fc)
    client_tls: bool = True  # the client speaks TLS, terminated here or passed through
    src_address: str = PROBE_SOURCE_ADDRESS
    http_version: str = "1.1"

    @property
    def host(self) -> str | None:
        return self.header("host")

    @property
    def sni(self) -> str | None:
        """The server name of the client's TLS handshake: visible whether the hop terminates TLS
        or passes it through (HAProxy `ssl_fc_sni` and `req.ssl_sni`)."""
        if not self.client_tls or self.host is None:
            return None
        return self.host.rsplit(":", 1)[0] if not self.host.startswith("[") else self.host

    @property
    def url(self) -> str:
        return self.path if self.query is None else f"{self.path}?{self.query}"

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def header_lines(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def with_host(self, host: str) -> Request:
        headers = tuple((k, v) for k, v in self.headers if k.lower() != "host")
        return dataclasses.replace(self, headers=(("Host", host),) + headers)

    def arriving_at(self, address: str | None, port: int | None, tls: bool, client_tls: bool | None = None) -> Request:
        """The request as it reaches a bind: `tls` when the bind terminates TLS; `client_tls` when
        the client speaks TLS there at all (default: only when the bind terminates it)."""
        return dataclasses.replace(self, dst_address=address, dst_port=port, tls=tls,
                                   client_tls=tls if client_tls is None else client_tls)


@dataclass(frozen=True, slots=True)
class Probe:
    """A request standing for one client of the policy in one request form."""

    request: Request
    client: str
    role: Role
    form: ProbeForm
    user_agent: str | None
    device_type: str | None
    base_form: ProbeForm | None = None  # for a `case` probe: the form it is a letter-case variant of

    @property
    def form_label(self) -> str:
        if self.form is ProbeForm.CASE and self.base_form not in (None, ProbeForm.PLAIN):
            return f"case of {self.base_form.value}"  # type: ignore[union-attr]
        return self.form.value

    @property
    def description(self) -> str:
        if self.form is ProbeForm.CASE and self.base_form not in (None, ProbeForm.PLAIN):
            return f"{FORM_DESCRIPTIONS[ProbeForm.CASE]}, otherwise as the {FORM_DESCRIPTIONS[self.base_form]}"  # type: ignore[index]
        return FORM_DESCRIPTIONS[self.form]

    @property
    def label(self) -> str:
        return f"{self.client} ({self.form_label})"

    def retarget(self, request: Request) -> Probe:
        return dataclasses.replace(self, request=request)


def device_id_for(client_name: str) -> str:
    """A stable DeviceId (MS-ASHTTP: up to 32 letters and digits) for a client."""
    digest = hashlib.sha256(client_name.encode("utf-8")).hexdigest().upper()
    return ("EASLINT" + digest)[:32]


def encode_base64_query(
    device_id: str,
    device_type: str,
    command_code: int = PING_COMMAND_CODE,
    protocol_version: str = PROTOCOL_VERSION,
    locale: int = LOCALE_EN_US,
    policy_key: int | None = None,
) -> str:
    """The MS-ASHTTP 2.2.1.1.1.1 base64 query value (not yet percent-encoded).

    Layout: protocol version (1 byte, e.g. 141 for 14.1), command code (1 byte), locale
    (2 bytes, little-endian), device ID length + bytes, policy key length (0 or 4) + key,
    device type length + bytes. Ping takes no command parameters.
    """
    version_byte = int(protocol_version.replace(".", ""))
    device_id_bytes = device_id.encode("ascii")
    device_type_bytes = device_type.encode("utf-8")
    if len(device_id_bytes) > 255 or len(device_type_bytes) > 255:
        raise ValueError("DeviceId and DeviceType must fit in one length byte")
    data = bytearray([version_byte, command_code])
    data += locale.to_bytes(2, "little")
    data += bytes([len(device_id_bytes)]) + device_id_bytes
    if policy_key is None:
        data += b"\x00"
    else:
        data += b"\x04" + policy_key.to_bytes(4, "little")
    data += bytes([len(device_type_bytes)]) + device_type_bytes
    return base64.b64encode(bytes(data)).decode("ascii")


def plain_query(device_id: str, device_type: str, extra_tokens: tuple[str, ...] = ()) -> str:
    params = [
        ("Cmd", "Ping"),
        ("User", PROBE_USER),
        ("DeviceId", device_id),
        ("DeviceType", device_type),
    ]
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params)
    return "&".join((query,) + extra_tokens)


def _headers(user_agent: str | None, plain: bool) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    if user_agent is not None:
        headers.append(("User-Agent", user_agent))
    if plain:  # MS-ASHTTP: MS-ASProtocolVersion SHOULD NOT accompany a base64 query
        headers.append(("MS-ASProtocolVersion", PROTOCOL_VERSION))
    headers.append(("Authorization", AUTHORIZATION))
    headers.append(("Content-Type", "application/vnd.ms-sync.wbxml"))
    return tuple(headers)


def _activesync_request(path: str, query: str, user_agent: str | None, plain: bool) -> Request:
    return Request(method="POST", path=path, query=query, headers=_headers(user_agent, plain))


def _probe(request: Request, name: str, role: Role, form: ProbeForm, ua: str | None, dt: str | None,
           base_form: ProbeForm | None = None) -> Probe:
    return Probe(request, name, role, form, ua, dt, base_form)


def blocked_app_probes(app: BlockedApp) -> list[Probe]:
    """Every form of a Ping from a blocked app, each with its letter-case variant, and its EWS request.

    The case variant of a form has the lower-case path and the User-Agent and DeviceType in
    swapped case, so a block that is case-sensitive in any one test shows in some variant."""
    device_id = device_id_for(app.name)
    device_types = app.device_types or (NEUTRAL_DEVICE_TYPE,)
    user_agents: tuple[str | None, ...] = app.user_agents or (None,)
    pairs = [(ua, device_types[0]) for ua in user_agents] + [(user_agents[0], dt) for dt in device_types[1:]]
    probes: list[Probe] = []
    role, case = Role.BLOCKED, ProbeForm.CASE

    def both_cases(form: ProbeForm, ua: str | None, dt: str | None, base64: bool) -> None:
        for path, agent, device_type, probe_form, base in (
            (ACTIVESYNC_PATH, ua, dt, form, None),
            (ACTIVESYNC_PATH.lower(), ua.swapcase() if ua else None, dt.swapcase() if dt else None, case, form),
        ):
            if base64:
                query = quote(encode_base64_query(device_id, device_type or device_types[0]), safe="")
            else:
                query = plain_query(device_id, device_type or device_types[0], app.query_tokens)
            request = _activesync_request(path, query, agent, not base64)
            probes.append(_probe(request, app.name, role, probe_form, agent, None if base64 else device_type, base))

    for ua, dt in pairs:
        both_cases(ProbeForm.PLAIN, ua, dt, base64=False)
    for ua in app.user_agents:
        both_cases(ProbeForm.UA_ONLY, ua, device_types[0], base64=True)
    for dt in app.device_types:
        both_cases(ProbeForm.DEVICETYPE_ONLY, None, dt, base64=False)
    for ua in app.user_agents:
        request = Request(method="POST", path=EWS_PATH, query=None,
                          headers=(("User-Agent", ua), ("Authorization", AUTHORIZATION), ("Content-Type", "text/xml; charset=utf-8")))
        probes.append(_probe(request, app.name, role, ProbeForm.EWS, ua, None))
    return probes


def allowed_client_probes(client: AllowedClient) -> list[Probe]:
    """The forms a native client really sends (the pack says which; plain by default)."""
    device_id = device_id_for(client.name)
    probes: list[Probe] = []
    for form in client.forms:
        if form == ProbeForm.PLAIN.value:
            query = plain_query(device_id, client.device_type)
            request = _activesync_request(ACTIVESYNC_PATH, query, client.user_agent, True)
        else:
            query = quote(encode_base64_query(device_id, client.device_type), safe="")
            request = _activesync_request(ACTIVESYNC_PATH, query, client.user_agent, False)
        probes.append(_probe(request, client.name, Role.ALLOWED, ProbeForm(form), client.user_agent, client.device_type))
    return probes


def build_probes(policy: Policy) -> tuple[Probe, ...]:
    probes: list[Probe] = []
    for app in policy.probed_apps:
        probes += blocked_app_probes(app)
    for client in policy.allowed_clients:
        probes += allowed_client_probes(client)
    return tuple(probes)
