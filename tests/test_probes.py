"""Probes: the request forms of each client, and the MS-ASHTTP base64 query encoding."""

from __future__ import annotations

import base64
from urllib.parse import unquote

from linter.policy import AllowedClient, BlockedApp, Policy
from linter.probes import ProbeForm, Role, allowed_client_probes, blocked_app_probes, build_probes, encode_base64_query


def test_base64_query_reproduces_the_ms_ashttp_example() -> None:
    # MS-ASHTTP 2.2.1.1.1.1: protocol 14.0, Sync (0), en-US, DeviceId v140Device, DeviceType SmartPhone
    encoded = encode_base64_query("v140Device", "SmartPhone", command_code=0, protocol_version="14.0")
    assert encoded == "jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l"


def test_base64_ping_layout() -> None:
    raw = base64.b64decode(encode_base64_query("ABC123", "CloudMagic", policy_key=0x01020304))
    assert raw[0] == 141 and raw[1] == 18  # protocol 14.1, Ping
    assert raw[2:4] == b"\x09\x04"  # locale 0x0409, little-endian
    assert raw[4] == 6 and raw[5:11] == b"ABC123"
    assert raw[11] == 4 and raw[12:16] == b"\x04\x03\x02\x01"
    assert raw[16] == 10 and raw[17:] == b"CloudMagic"


def test_blocked_app_forms(policy: Policy) -> None:
    all_probes = blocked_app_probes(policy.blocked_apps[0])
    assert [p.label for p in all_probes] == [
        "CloudMagic (plain)", "CloudMagic (case)", "CloudMagic (ua-only)", "CloudMagic (case of ua-only)",
        "CloudMagic (devicetype-only)", "CloudMagic (case of devicetype-only)", "CloudMagic (ews)",
    ]
    probes = {probe.form: probe for probe in all_probes if probe.base_form in (None, ProbeForm.PLAIN)}
    assert set(probes) == set(ProbeForm)
    case_of_no_agent = all_probes[5].request
    assert case_of_no_agent.header("User-Agent") is None and case_of_no_agent.query.endswith("DeviceType=cLOUDmAGIC")
    assert case_of_no_agent.path == "/microsoft-server-activesync"
    plain = probes[ProbeForm.PLAIN].request
    assert plain.method == "POST" and plain.path == "/Microsoft-Server-ActiveSync"
    assert plain.query.startswith("Cmd=Ping&User=") and plain.query.endswith("&DeviceType=CloudMagic")
    assert plain.header("User-Agent") == "CloudMagic" and plain.header("MS-ASProtocolVersion") == "14.1"
    case = probes[ProbeForm.CASE].request
    assert case.path == "/microsoft-server-activesync"
    assert case.header("User-Agent") == "cLOUDmAGIC" and case.query.endswith("DeviceType=cLOUDmAGIC")
    hidden = probes[ProbeForm.UA_ONLY].request
    assert "DeviceType" not in hidden.query and "CloudMagic" not in unquote(hidden.query)
    assert base64.b64decode(unquote(hidden.query)).endswith(b"CloudMagic")
    assert hidden.header("MS-ASProtocolVersion") is None  # MS-ASHTTP: not with a base64 query
    no_agent = probes[ProbeForm.DEVICETYPE_ONLY].request
    assert no_agent.header("User-Agent") is None and no_agent.query == plain.query
    assert probes[ProbeForm.EWS].request.path == "/EWS/Exchange.asmx"
    assert all(probe.role is Role.BLOCKED for probe in probes.values())


def test_app_known_by_user_agent_only_has_no_devicetype_only_form() -> None:
    probes = blocked_app_probes(BlockedApp("Newton", user_agents=("Newton/10.0",)))
    forms = [probe.form for probe in probes]
    assert ProbeForm.DEVICETYPE_ONLY not in forms
    assert probes[0].request.query.endswith("DeviceType=SmartPhone")


def test_each_user_agent_and_device_type_gets_a_plain_probe() -> None:
    app = BlockedApp("Multi", user_agents=("A/1", "B/2"), device_types=("TypeA", "TypeB"))
    plain = [(p.user_agent, p.device_type) for p in blocked_app_probes(app) if p.form is ProbeForm.PLAIN]
    assert plain == [("A/1", "TypeA"), ("B/2", "TypeA"), ("A/1", "TypeB")]


def test_native_clients_send_the_forms_the_pack_lists(policy: Policy) -> None:
    assert [p.form for p in allowed_client_probes(policy.allowed_clients[0])] == [ProbeForm.PLAIN]
    client = AllowedClient("iOS Mail", "Apple-iPhone14C2/2001.51", "iPhone", forms=("plain", "ua-only"))
    assert [p.form for p in allowed_client_probes(client)] == [ProbeForm.PLAIN, ProbeForm.UA_ONLY]


def test_the_builtin_policy_builds_probes_for_every_client(policy: Policy) -> None:
    clients = {(probe.client, probe.role) for probe in build_probes(policy)}
    assert clients == {("CloudMagic", Role.BLOCKED), ("iOS Mail", Role.ALLOWED), ("Android native", Role.ALLOWED)}


def test_device_ids_are_stable_and_valid(policy: Policy) -> None:
    ids = {probe.request.query.split("DeviceId=")[1].split("&")[0] for probe in build_probes(policy) if probe.form is ProbeForm.PLAIN}
    assert all(len(device_id) <= 32 and device_id.isalnum() for device_id in ids)
    assert len(ids) == 3
