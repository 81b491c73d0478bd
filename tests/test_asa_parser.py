"""The Cisco ASA parser: what each command means for a connection from the Internet to Exchange.

Configurations are small but real ASA syntax; verdicts are read from the simulator, so a test
fails when the parser gets the ASA's order, precedence or matching wrong, not only its shape.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.fixes import suggested_seconds
from linter.model import ActionKind, Device, DeviceKind, FieldKind, Level, MatchOp
from linter.policy import Policy
from linter.probes import ProbeForm, Role, build_probes
from linter.scope import iter_matches
from linter.simulate import Verdict, simulate_on
from parsers.asa import parse
from parsers.asa.device import MAX_BINDS
from parsers.asa.fixes import AsaFixer
from parsers.asa.mpf import asa_regex
from parsers.asa.values import format_duration, parse_duration
from parsers.detect import detect_vendor
from tests.conftest import CORPUS, REPO

INTERFACES = """ASA Version 9.14(3)
hostname fw
interface GigabitEthernet0/0
 description Internet uplink
 nameif outside
 security-level 0
 ip address 198.51.100.2 255.255.255.248
interface GigabitEthernet0/1
 nameif dmz
 security-level 50
 ip address 10.20.0.1 255.255.255.0
object network EXCH-CAS
 host 10.20.0.25
 description Exchange client access
"""
PUBLISH = """access-list outside_in remark Exchange publishing
access-list outside_in extended permit tcp any object EXCH-CAS eq https
access-group outside_in in interface outside
"""


def device(text: str) -> Device:
    return parse("fw.cfg", text)


def codes(found: Device) -> list[tuple[str, int]]:
    return [(diagnostic.code, diagnostic.location.line) for diagnostic in found.diagnostics]


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def blocked_probe(policy: Policy, form: ProbeForm = ProbeForm.PLAIN):
    return next(probe for probe in build_probes(policy) if probe.role is Role.BLOCKED and probe.form is form)


def outcome(found: Device, policy: Policy, address: str | None, port: int = 443, listener: str = "outside"):
    chosen = next(item for item in found.listeners if item.name == listener)
    bind = next(item for item in chosen.binds if item.address == address and item.port == port)
    probe = blocked_probe(policy)
    return simulate_on(found, chosen, bind, probe.retarget(probe.request.arriving_at(bind.address, bind.port, False, port != 80)))


def session_timer(found: Device, policy: Policy, address: str = "10.20.0.25"):
    branch = outcome(found, policy, address).primary
    assert branch is not None and branch.verdict is Verdict.ALLOWED
    timers = [timer for timer in branch.timers if timer.kind.value == "session-idle"]
    return timers[0] if timers else None


# -- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [("1:00:00", 3600), ("0:30:00", 1800), ("1:0:0", 3600), ("0", 0),
                                                ("0:0:0", 0), ("1193:0:0", 1193 * 3600), ("1:60:00", None), ("abc", None)])
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


def test_duration_round_trip() -> None:
    assert format_duration(3900) == "1:05:00"
    assert parse_duration(format_duration(3900)) == 3900


# -- timeout conn ---------------------------------------------------------------------------------


def test_explicit_timeout_conn_is_the_pool_timer(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + "timeout conn 0:30:00 half-closed 0:10:00 udp 0:02:00\n"
    timer = session_timer(device(text), policy)
    assert (timer.seconds, timer.explicit, timer.location.line) == (1800, True, line_of(text, "timeout conn"))
    assert "timeout conn 0:30:00 (global)" in timer.source


def test_default_timeout_conn_is_marked_at_the_rule(policy: Policy) -> None:
    text = INTERFACES + PUBLISH
    timer = session_timer(device(text), policy)
    assert (timer.seconds, timer.explicit) == (3600, False)
    assert timer.location.line == line_of(text, "permit tcp any object EXCH-CAS")
    assert "default 1:00:00" in timer.source


def test_timeout_conn_zero_is_unbounded(policy: Policy) -> None:
    timer = session_timer(device(INTERFACES + PUBLISH + "timeout conn 0:00:00\n"), policy)
    assert timer.seconds is None and timer.explicit


@pytest.mark.parametrize("value", ["0:02:00", "1200:00:00", "30m"])
def test_timeout_conn_the_asa_refuses(value: str, policy: Policy) -> None:
    text = INTERFACES + PUBLISH + f"timeout conn {value}\n"
    found = device(text)
    assert ("EAS001", line_of(text, "timeout conn")) in codes(found)
    assert session_timer(found, policy).explicit is False  # the refused line changes nothing


# -- access lists ---------------------------------------------------------------------------------


def test_listener_binds_pools_and_labels() -> None:
    found = device(INTERFACES + PUBLISH)
    assert found.kind is DeviceKind.FIREWALL
    (listener,) = found.listeners
    assert (listener.name, listener.object_path, listener.l7) == ("outside", "access-group outside_in in interface outside", False)
    assert [bind.describe() for bind in listener.binds] == ["10.20.0.25:443"]
    assert "Internet uplink" in listener.labels
    (pool,) = found.pools
    assert pool.object_path == "access-list outside_in line 2 (permit tcp any object EXCH-CAS eq https)"
    assert {"Exchange publishing", "EXCH-CAS", "Exchange client access"} <= set(pool.labels)
    assert listener.steps[-1].action.kind is ActionKind.DENY and "implicit deny" in listener.steps[-1].text


def test_deny_before_permit_decides(policy: Policy) -> None:
    text = INTERFACES + """access-list outside_in extended deny tcp any host 10.20.0.25 eq https
access-list outside_in extended permit tcp any object EXCH-CAS eq https
access-group outside_in in interface outside
"""
    result = outcome(device(text), policy, "10.20.0.25")
    assert result.verdict is Verdict.DENIED
    assert result.decided_by.location.line == line_of(text, "deny tcp any host")


@pytest.mark.parametrize(("ports", "reaches"), [
    ("eq https", True), ("eq 443", True), ("range 440 450", True), ("gt 442", True), ("lt 443", False),
    ("neq https", False), ("eq www", False),
])
def test_port_operators(ports: str, reaches: bool, policy: Policy) -> None:
    text = INTERFACES + f"""access-list outside_in extended permit tcp any object EXCH-CAS {ports}
access-list outside_in extended permit tcp any object EXCH-CAS eq 8443
access-group outside_in in interface outside
"""
    found = device(text)
    assert any(bind.port == 443 for bind in found.listeners[0].binds) is reaches
    if reaches:
        assert outcome(found, policy, "10.20.0.25").verdict is Verdict.ALLOWED


def test_udp_and_icmp_entries_never_match_tcp(policy: Policy) -> None:
    text = INTERFACES + """access-list outside_in extended permit udp any object EXCH-CAS eq 443
access-list outside_in extended permit icmp any object EXCH-CAS echo-reply
access-list outside_in extended permit tcp any object EXCH-CAS eq https
access-group outside_in in interface outside
"""
    found = device(text)
    assert not codes(found)
    assert outcome(found, policy, "10.20.0.25").pools == ("outside_in line 3",)


def test_internal_source_does_not_match_an_internet_client(policy: Policy) -> None:
    text = INTERFACES + """access-list outside_in extended permit tcp 10.0.0.0 255.0.0.0 object EXCH-CAS eq https
access-list outside_in extended permit tcp any4 object EXCH-CAS eq https
access-group outside_in in interface outside
"""
    assert outcome(device(text), policy, "10.20.0.25").pools == ("outside_in line 2",)


def test_nested_object_groups_and_protocol_less_service_groups(policy: Policy) -> None:
    text = INTERFACES + """object-group network EXCH-NODES
 network-object host 10.20.0.26
 network-object object EXCH-CAS
object-group network EXCHANGE
 group-object EXCH-NODES
 network-object 10.20.1.0 255.255.255.0
object-group service WEB
 service-object tcp destination eq https
 service-object tcp destination eq www
object-group service EXCH-SERVICES
 group-object WEB
access-list outside_in extended permit object-group EXCH-SERVICES any object-group EXCHANGE
access-group outside_in in interface outside
"""
    found = device(text)
    assert not codes(found)
    binds = {bind.describe() for bind in found.listeners[0].binds}
    assert binds == {f"{address}:{port}" for address in ("10.20.0.26", "10.20.0.25", "10.20.1.1") for port in (443, 80)}
    assert outcome(found, policy, "10.20.1.1").verdict is Verdict.ALLOWED
    assert {"EXCHANGE", "EXCH-NODES", "EXCH-CAS", "EXCH-SERVICES"} <= set(found.pools[0].labels)


def test_group_cycle_and_undefined_objects_are_refused() -> None:
    text = INTERFACES + """object-group network A
 group-object B
object-group network B
 group-object A
access-list outside_in extended permit tcp any object-group A eq https
access-list outside_in extended permit tcp any object-group MISSING eq https
access-group outside_in in interface outside
"""
    found = device(text)
    assert ("EAS001", line_of(text, "object-group A eq")) in codes(found)
    assert ("EAS001", line_of(text, "object-group MISSING")) in codes(found)
    assert "contains itself" in " ".join(diagnostic.message for diagnostic in found.diagnostics)


def test_inactive_entry_is_modelled_without_a_step() -> None:
    text = INTERFACES + """access-list outside_in extended permit tcp any object EXCH-CAS eq https inactive
access-group outside_in in interface outside
"""
    found = device(text)
    assert not codes(found)
    assert not found.pools and not found.listeners[0].binds
    assert [step.action.detail for step in found.listeners[0].steps] == ["implicit deny"]


def test_time_range_cannot_be_verified(policy: Policy) -> None:
    text = INTERFACES + """access-list outside_in extended permit tcp any object EXCH-CAS eq https time-range BUSINESS-HOURS
access-group outside_in in interface outside
"""
    assert outcome(device(text), policy, "10.20.0.25").verdict is Verdict.INDETERMINATE


def test_names_stand_for_addresses(policy: Policy) -> None:
    text = INTERFACES + """names
name 10.20.0.25 exchange-cas description Exchange front end
access-list outside_in extended permit tcp any host exchange-cas eq https
access-group outside_in in interface outside
"""
    found = device(text)
    assert [bind.address for bind in found.listeners[0].binds] == ["10.20.0.25"]
    assert "Exchange front end" in found.pools[0].labels


def test_global_rules_follow_interface_rules_and_cover_other_interfaces(policy: Policy) -> None:
    text = INTERFACES + """access-list outside_in extended deny tcp any host 10.20.0.99 eq https
access-list GLOBAL extended permit tcp any object EXCH-CAS eq https
access-group outside_in in interface outside
access-group GLOBAL global
"""
    found = device(text)
    assert [listener.name for listener in found.listeners] == ["outside", "global"]
    outside = found.listeners[0]
    assert [step.location.line for step in outside.steps[:2]] == [line_of(text, "deny tcp"), line_of(text, "GLOBAL extended")]
    assert outcome(found, policy, "10.20.0.25").verdict is Verdict.ALLOWED
    assert outcome(found, policy, "10.20.0.25", listener="global").verdict is Verdict.ALLOWED
    assert len({pool.name for pool in found.pools}) == 2  # one pool per entry and interface


def test_outbound_access_group_is_reported_not_ignored() -> None:
    text = INTERFACES + PUBLISH + "access-list dmz_out extended deny ip any any\naccess-group dmz_out out interface dmz\n"
    assert ("EAS003", line_of(text, "access-group dmz_out out")) in codes(device(text))


def test_binds_put_exchange_first_and_are_capped() -> None:
    entries = "".join(f"access-list outside_in extended permit tcp any host 10.30.{i // 250}.{i % 250 + 1} eq https\n"
                      for i in range(MAX_BINDS + 20))
    text = INTERFACES + entries + "access-list outside_in extended permit tcp any object EXCH-CAS eq https\n" \
        + "access-group outside_in in interface outside\n"
    binds = device(text).listeners[0].binds
    assert len(binds) == MAX_BINDS
    assert binds[0].address == "10.20.0.25"


# -- MPF ------------------------------------------------------------------------------------------

MPF = """access-list EXCH-TRAFFIC extended permit tcp any object EXCH-CAS eq https
class-map EXCH-CLASS
 match access-list EXCH-TRAFFIC
class-map HTTPS
 match port tcp eq https
"""


def test_class_idle_timeout_overrides_timeout_conn(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + MPF + """timeout conn 2:00:00
policy-map global_policy
 class EXCH-CLASS
  set connection timeout idle 0:20:00 reset
service-policy global_policy global
"""
    timer = session_timer(device(text), policy)
    assert (timer.seconds, timer.setting, timer.applies_to) == (1200, "set connection timeout idle", "policy-map global_policy class EXCH-CLASS")
    assert timer.location.line == line_of(text, "idle 0:20:00")


def test_interface_policy_wins_over_global(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + MPF + """policy-map global_policy
 class EXCH-CLASS
  set connection timeout idle 0:20:00
policy-map outside_policy
 class HTTPS
  set connection timeout idle 1:30:00
service-policy global_policy global
service-policy outside_policy interface outside
"""
    assert session_timer(device(text), policy).seconds == 5400


def test_interface_class_without_idle_restores_timeout_conn(policy: Policy) -> None:
    """The interface policy takes the connection-settings feature, and its class has no idle
    timeout, so the global `timeout conn` applies, not the global policy's class."""
    text = INTERFACES + PUBLISH + MPF + """timeout conn 1:10:00
policy-map global_policy
 class EXCH-CLASS
  set connection timeout idle 0:20:00
policy-map outside_policy
 class HTTPS
  set connection conn-max 10000
service-policy global_policy global
service-policy outside_policy interface outside
"""
    timer = session_timer(device(text), policy)
    assert (timer.seconds, timer.setting) == (4200, "timeout conn")


def test_first_class_with_connection_settings_wins(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + MPF + """policy-map global_policy
 class HTTPS
  inspect http
 class EXCH-CLASS
  set connection timeout idle 1:10:00
 class class-default
  set connection timeout idle 0:15:00
service-policy global_policy global
"""
    assert session_timer(device(text), policy).seconds == 4200


def test_class_acl_deny_excludes_traffic(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + """access-list SHORT extended deny tcp any object EXCH-CAS eq https
access-list SHORT extended permit tcp any any eq https
class-map SHORT-CLASS
 match access-list SHORT
policy-map global_policy
 class SHORT-CLASS
  set connection timeout idle 0:10:00
service-policy global_policy global
timeout conn 1:10:00
"""
    assert session_timer(device(text), policy).seconds == 4200


def test_dead_connection_detection_keeps_the_ping(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + MPF + """policy-map global_policy
 class EXCH-CLASS
  set connection timeout idle 0:20:00
  set connection timeout dcd 0:00:15 5
service-policy global_policy global
"""
    found = device(text)
    assert session_timer(found, policy) is None
    branch = outcome(found, policy, "10.20.0.25").primary
    assert any("dcd" in event.message for event in branch.trace)


def test_default_inspection_traffic_does_not_include_https(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + """class-map inspection_default
 match default-inspection-traffic
policy-map global_policy
 class inspection_default
  inspect http
  set connection timeout idle 0:10:00
service-policy global_policy global
timeout conn 1:10:00
"""
    found = device(text)
    assert not codes(found)
    assert session_timer(found, policy).seconds == 4200


def test_inspection_only_class_takes_no_timer(policy: Policy) -> None:
    text = INTERFACES + PUBLISH + MPF + """policy-map global_policy
 class EXCH-CLASS
  inspect http
service-policy global_policy global
timeout conn 1:10:00
"""
    assert session_timer(device(text), policy).setting == "timeout conn"


HTTP_INSPECTION = INTERFACES + """access-list outside_in extended permit tcp any object EXCH-CAS eq https
access-list outside_in extended permit tcp any object EXCH-CAS eq www
access-group outside_in in interface outside
regex CLOUDMAGIC "[Cc]loud[Mm]agic"
class-map WEB
 match port tcp range www https
class-map type inspect http match-all APPS
 match request header user-agent regex CLOUDMAGIC
policy-map type inspect http EXCH-HTTP
 parameters
  protocol-violation action log
 class APPS
  drop-connection log
 match request uri regex CLOUDMAGIC
  reset log
policy-map global_policy
 class WEB
  inspect http EXCH-HTTP
service-policy global_policy global
"""


def test_http_inspection_steps_match_user_agent_and_uri() -> None:
    found = device(HTTP_INSPECTION)
    assert not codes(found)
    steps = [step for step in found.listeners[0].steps if step.phase.startswith("inspect http")]
    assert [step.action.detail for step in steps] == ["HTTP inspection drop-connection", "HTTP inspection reset"]
    fields = [{(match.field.kind, match.field.name, match.op) for match in iter_matches(step.condition)} for step in steps]
    assert (FieldKind.HEADER, "user-agent", MatchOp.REGEX) in fields[0]
    assert (FieldKind.URL, None, MatchOp.REGEX) in fields[1]
    assert all((FieldKind.DST_PORT, None, MatchOp.INT) in found_fields for found_fields in fields)


def test_http_inspection_cannot_see_https_or_anything_on_a_firewall(policy: Policy) -> None:
    found = device(HTTP_INSPECTION)
    assert outcome(found, policy, "10.20.0.25", 443).verdict is Verdict.ALLOWED
    assert outcome(found, policy, "10.20.0.25", 80).verdict is Verdict.ALLOWED


def test_http_inspection_would_drop_the_app_where_http_is_visible(policy: Policy) -> None:
    """The steps are real: on a listener that could read cleartext HTTP they refuse CloudMagic."""
    found = device(HTTP_INSPECTION)
    seeing = dataclasses.replace(found, listeners=(dataclasses.replace(found.listeners[0], l7=True),))
    result = outcome(seeing, policy, "10.20.0.25", 80)
    assert result.verdict is Verdict.DENIED
    assert result.decided_by.action.detail == "HTTP inspection drop-connection"


def test_asa_regex_quotes() -> None:
    assert asa_regex('"Cloud Magic"') == "Cloud Magic"
    assert asa_regex("[Cc]loud") == "[Cc]loud"


# -- lines the parser does not model --------------------------------------------------------------


def test_unknown_commands_are_reported_and_known_ones_are_quiet() -> None:
    text = INTERFACES + PUBLISH + """logging enable
crypto ca trustpool policy
 auto-import
frobnicate everything
object network EXCH-CAS
 bogus-member 1
policy-map global_policy
 class class-default
  frobnicate
"""
    found = device(text)
    assert codes(found) == [("EAS002", line_of(text, "frobnicate everything")), ("EAS002", line_of(text, "bogus-member")),
                            ("EAS002", line_of(text, "  frobnicate"))]
    assert all(diagnostic.level is Level.WARNING for diagnostic in found.diagnostics)


def test_binary_junk_is_a_parse_error_with_its_line() -> None:
    text = INTERFACES + "access-list outside_in extended \x00\x01\x02 permit\n" + PUBLISH
    found = device(text)
    assert ("EAS001", line_of(text, "\x00")) in codes(found)
    assert found.listeners


SAMPLE_LINES = (INTERFACES + PUBLISH + MPF + HTTP_INSPECTION).splitlines() + [
    "", " ", "access-list", "object-group network", "access-list x extended permit tcp any", "timeout conn",
    "class-map", "policy-map type", " class", "  set connection timeout", "service-policy", "regex"]


@st.composite
def truncated_lines(draw: st.DrawFn) -> str:
    """A real line cut after some of its words: the commonest malformed input."""
    words = draw(st.sampled_from(SAMPLE_LINES)).split(" ")
    return " ".join(words[: draw(st.integers(0, len(words)))])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SAMPLE_LINES) | truncated_lines() | st.text(max_size=80), max_size=40))
def test_hostile_input_never_raises(lines: list[str]) -> None:
    found = device("\n".join(lines))
    assert isinstance(found, Device)
    assert all(diagnostic.location.line >= 1 for diagnostic in found.diagnostics)


def test_large_object_group_is_bounded() -> None:
    members = "".join(f" network-object host 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}\n" for i in range(60_000))
    text = INTERFACES + "object-group network HUGE\n" + members + \
        "access-list outside_in extended permit tcp any object-group HUGE eq https\naccess-group outside_in in interface outside\n"
    found = device(text)
    assert ("EAS001", line_of(text, "object-group HUGE eq")) in codes(found)


# -- fixes ----------------------------------------------------------------------------------------


def test_timer_fixes_use_the_command_that_set_the_timer(policy: Policy) -> None:
    fixer = AsaFixer()
    value = format_duration(suggested_seconds(3600))
    explicit = session_timer(device(INTERFACES + PUBLISH + "timeout conn 0:30:00\n"), policy)
    assert fixer.timer(explicit, 3600).snippet == f"timeout conn {value}"
    default = session_timer(device(INTERFACES + PUBLISH), policy)
    assert fixer.timer(default, 3600).snippet == f"timeout conn {value}"
    text = INTERFACES + PUBLISH + MPF + "policy-map P\n class EXCH-CLASS\n  set connection timeout idle 0:20:00\nservice-policy P global\n"
    assert fixer.timer(session_timer(device(text), policy), 3600).snippet == \
        f"policy-map P\n class EXCH-CLASS\n  set connection timeout idle {value}"


def test_l7_fix_says_the_asa_cannot_see_https(policy: Policy) -> None:
    found = device(INTERFACES + PUBLISH)
    fix = AsaFixer().l7_visibility(found.listeners[0], policy.blocked_apps)
    assert "cannot read User-Agent" in fix.description and "TLS" in fix.description
    assert all(app.user_agents[0] in fix.snippet for app in policy.blocked_apps if app.user_agents)


# -- real files -----------------------------------------------------------------------------------


CORPUS_FILES = sorted((CORPUS / "asa").glob("*")) if (CORPUS / "asa").is_dir() else []


@pytest.mark.skipif(not CORPUS_FILES, reason="no shared ASA corpus on this machine")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
def test_corpus_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = device(text)
    lines = text.splitlines()
    for diagnostic in found.diagnostics:
        assert 1 <= diagnostic.location.line <= len(lines)
        if diagnostic.code == "EAS002":
            assert diagnostic.text and diagnostic.text in lines[diagnostic.location.line - 1]


@pytest.mark.skipif(not (CORPUS / "asa" / "ciscoconfparse__sample_01.asa").is_file(), reason="no shared ASA corpus")
def test_realistic_corpus_file_is_read_whole() -> None:
    text = (CORPUS / "asa" / "ciscoconfparse__sample_01.asa").read_text(encoding="utf-8")
    found = device(text)
    assert detect_vendor(text) == "asa"
    # The only complaints: two entries naming an object-group the file never defines.
    assert [code for code, _ in codes(found)] == ["EAS001", "EAS001"]
    assert "TSUNAMI_addrs" in found.diagnostics[0].message
    assert [listener.name for listener in found.listeners] == ["OUTSIDE", "INSIDE"]


def test_example_and_fixtures_are_detected_as_asa() -> None:
    paths = [REPO / "examples" / "asa" / "exchange-edge.cfg", *sorted((REPO / "tests" / "rules").glob("*/asa/*.cfg"))]
    assert paths[1:], "no ASA fixtures"
    for path in paths:
        assert detect_vendor(path.read_text(encoding="utf-8")) == "asa", path
