"""The PAN-OS parser: both formats give one model, rules keep PAN-OS order and precedence, and bad
input becomes a diagnostic with a line, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.analysis import analyze
from linter.findings import Finding
from linter.model import ActionKind, Device, DeviceKind
from linter.policy import Policy
from linter.probes import ProbeForm, Role
from linter.simulate import Verdict
from parsers.panos import parse
from parsers.panos.fixes import PanosFixer
from parsers.panos.set_reader import read_set
from policies import RULES
from policies.base import RuleContext
from tests.conftest import CORPUS

EDGE_SET = """\
set deviceconfig setting session timeout-tcp 1800
set zone untrust network layer3 ethernet1/1
set zone dmz network layer3 ethernet1/2
set address EXCH-MBX01 ip-netmask 10.20.30.11/32
set address EXCH-MBX01 description "Exchange mailbox server"
set address-group EXCHANGE static [ EXCH-MBX01 ]
set rulebase security rules "Allow Exchange" from untrust
set rulebase security rules "Allow Exchange" to dmz
set rulebase security rules "Allow Exchange" source any
set rulebase security rules "Allow Exchange" destination EXCHANGE
set rulebase security rules "Allow Exchange" application [ ssl activesync ]
set rulebase security rules "Allow Exchange" service application-default
set rulebase security rules "Allow Exchange" action allow
"""

EDGE_XML = """\
<config version="10.2.0">
  <devices>
    <entry name="localhost.localdomain">
      <deviceconfig><setting><session><timeout-tcp>1800</timeout-tcp></session></setting></deviceconfig>
      <vsys>
        <entry name="vsys1">
          <zone>
            <entry name="untrust"><network><layer3><member>ethernet1/1</member></layer3></network></entry>
            <entry name="dmz"><network><layer3><member>ethernet1/2</member></layer3></network></entry>
          </zone>
          <address>
            <entry name="EXCH-MBX01">
              <ip-netmask>10.20.30.11/32</ip-netmask>
              <description>Exchange mailbox server</description>
            </entry>
          </address>
          <address-group>
            <entry name="EXCHANGE"><static><member>EXCH-MBX01</member></static></entry>
          </address-group>
          <rulebase>
            <security>
              <rules>
                <entry name="Allow Exchange">
                  <from><member>untrust</member></from>
                  <to><member>dmz</member></to>
                  <source><member>any</member></source>
                  <destination><member>EXCHANGE</member></destination>
                  <application><member>ssl</member><member>activesync</member></application>
                  <service><member>application-default</member></service>
                  <action>allow</action>
                </entry>
              </rules>
            </security>
          </rulebase>
        </entry>
      </vsys>
    </entry>
  </devices>
</config>
"""


def lint(text: str, policy: Policy, name: str = "fw.set") -> list[Finding]:
    device = parse(name, text)
    context = RuleContext(analyze(device, policy), PanosFixer())
    return [finding for rule in RULES for finding in rule.check(context)]


def codes(device: Device) -> list[tuple[str, int]]:
    return [(diagnostic.code, diagnostic.location.line) for diagnostic in device.diagnostics]


def allowed_timers(device: Device, policy: Policy) -> set[float | None]:
    return {entry.timer.seconds for entry in analyze(device, policy).path_timers}


def plain_outcomes(device: Device, policy: Policy, role: Role = Role.BLOCKED) -> list:
    return analyze(device, policy).select(role, ProbeForm.PLAIN)


def with_rules(rules: str, objects: str = "", session: str = "set deviceconfig setting session timeout-tcp 1800\n") -> str:
    return session + "set address EXCH ip-netmask 10.20.30.11\n" + objects + rules


def rule(name: str, *lines: str, source: str = "any", destination: str = "EXCH", zone: str = "untrust") -> str:
    head = f"set rulebase security rules {name} "
    fields = [f"from {zone}", "to dmz", f"source {source}", f"destination {destination}"] + list(lines)
    return "".join(head + field + "\n" for field in fields)


# -- one model from both formats ---------------------------------------------------------------------


def _shape(device: Device) -> tuple:
    return (
        [(listener.object_path, [bind.describe() for bind in listener.binds], [step.text for step in listener.steps],
          [step.action.kind for step in listener.steps]) for listener in device.listeners],
        [(pool.object_path, [(timer.seconds, timer.explicit, timer.setting) for timer in pool.timers], pool.labels)
         for pool in device.pools],
    )


def test_xml_and_set_formats_give_the_same_model() -> None:
    from_set, from_xml = parse("fw.set", EDGE_SET), parse("fw.xml", EDGE_XML)
    assert from_set.diagnostics == () and from_xml.diagnostics == ()
    assert _shape(from_set) == _shape(from_xml)
    assert from_set.kind is DeviceKind.FIREWALL


def test_rulebase_becomes_a_zone_listener_with_rule_steps_and_a_pool(policy: Policy) -> None:
    device = parse("fw.set", EDGE_SET)
    (listener,) = device.listeners
    assert listener.object_path == "zone 'untrust' (vsys1)"
    assert "ethernet1/1" in listener.labels and not listener.l7
    assert [bind.describe() for bind in listener.binds] == ["10.20.30.11:443", "10.20.30.11:80"]
    assert [step.action.kind for step in listener.steps] == [ActionKind.ROUTE, ActionKind.DENY]
    assert "interzone-default" in listener.steps[-1].text
    (pool,) = device.pools
    assert pool.object_path == "security rule 'Allow Exchange' (vsys1)"
    assert {"EXCHANGE", "EXCH-MBX01", "Exchange mailbox server", "activesync"} <= set(pool.labels)
    (timer,) = pool.timers
    assert (timer.seconds, timer.explicit, timer.location.line) == (1800, True, 1)


def test_xml_elements_keep_their_source_lines() -> None:
    device = parse("fw.xml", EDGE_XML)
    assert device.pools[0].location.line == EDGE_XML.splitlines().index('                <entry name="Allow Exchange">') + 1
    assert device.pools[0].timers[0].location.line == 4


def test_xml_api_answer_is_unwrapped() -> None:
    wrapped = f'<response status="success"><result>{EDGE_XML}</result></response>'
    assert _shape(parse("api.xml", wrapped)) == _shape(parse("fw.xml", EDGE_XML))


# -- timers and their precedence ---------------------------------------------------------------------


def test_unset_global_timeout_is_the_default_3600_at_the_rule(policy: Policy) -> None:
    device = parse("fw.set", with_rules(rule("Allow-Exchange", "application ssl", "service application-default", "action allow"),
                                        session=""))
    (timer,) = device.pools[0].timers
    assert (timer.seconds, timer.explicit, timer.location.line) == (3600, False, 2)
    assert "default" in timer.source


def test_service_override_beats_a_short_global(policy: Policy) -> None:
    objects = ("set service eas-https protocol tcp port 443\n"
               "set service eas-https protocol tcp override yes timeout 3900\n")
    text = with_rules(rule("Exchange", "application [ ssl activesync ]", "service eas-https", "action allow"), objects)
    assert allowed_timers(parse("fw.set", text), policy) == {3900}


def test_service_without_override_leaves_the_global(policy: Policy) -> None:
    objects = "set service eas-https protocol tcp port 443\nset service eas-https protocol tcp override no\n"
    text = with_rules(rule("Exchange", "application ssl", "service eas-https", "action allow"), objects)
    assert allowed_timers(parse("fw.set", text), policy) == {1800}


def test_application_override_gives_the_custom_applications_timeout(policy: Policy) -> None:
    objects = ("set application exchange-eas default port tcp/443\n"
               "set application exchange-eas tcp-timeout 7200\n"
               "set rulebase application-override rules EAS from untrust\n"
               "set rulebase application-override rules EAS destination EXCH\n"
               "set rulebase application-override rules EAS protocol tcp\n"
               "set rulebase application-override rules EAS port 443\n"
               "set rulebase application-override rules EAS application exchange-eas\n")
    text = with_rules(rule("Exchange", "application exchange-eas", "service application-default", "action allow"), objects)
    device = parse("fw.set", text)
    assert allowed_timers(device, policy) == {7200}
    # Without the override rule, App-ID names the session ssl: a rule for the custom app never matches it.
    without = "".join(line + "\n" for line in text.splitlines() if "application-override" not in line)
    assert all(outcome.verdict is Verdict.DENIED for outcome in plain_outcomes(parse("fw.set", without), policy, Role.ALLOWED))


def test_service_override_beats_the_applications_timeout(policy: Policy) -> None:
    objects = ("set application exchange-eas default port tcp/443\n"
               "set application exchange-eas tcp-timeout 7200\n"
               "set service svc-short protocol tcp port 443\n"
               "set service svc-short protocol tcp override yes timeout 900\n"
               "set rulebase application-override rules EAS destination EXCH\n"
               "set rulebase application-override rules EAS from any\n"
               "set rulebase application-override rules EAS protocol tcp\n"
               "set rulebase application-override rules EAS port 443\n"
               "set rulebase application-override rules EAS application exchange-eas\n")
    text = with_rules(rule("Exchange", "application exchange-eas", "service svc-short", "action allow"), objects)
    assert allowed_timers(parse("fw.set", text), policy) == {900}


def test_invalid_global_timeout_is_refused_like_the_device_does() -> None:
    device = parse("fw.set", "set deviceconfig setting session timeout-tcp 0\n")
    assert ("EAS001", 1) in codes(device)


# -- evaluation order and matching ---------------------------------------------------------------------


def test_disabled_rule_produces_no_step(policy: Policy) -> None:
    text = with_rules(rule("Old-Deny", "application any", "service any", "action deny", "disabled yes")
                      + rule("Allow", "application ssl", "service application-default", "action allow"))
    device = parse("fw.set", text)
    assert [step.action.kind for step in device.listeners[0].steps] == [ActionKind.ROUTE, ActionKind.DENY]
    assert all(outcome.verdict is Verdict.ALLOWED for outcome in plain_outcomes(device, policy))


def test_deny_before_allow_decides(policy: Policy) -> None:
    text = with_rules(rule("Deny", "application any", "service any", "action drop")
                      + rule("Allow", "application ssl", "service application-default", "action allow"))
    device = parse("fw.set", text)
    assert all(outcome.verdict is Verdict.DENIED for outcome in plain_outcomes(device, policy))
    assert allowed_timers(device, policy) == set()  # no Ping is held open, so no timer is judged


@pytest.mark.parametrize(("applications", "service", "allowed"), [
    ("ssl", "application-default", True),
    ("web-browsing", "application-default", False),  # a TLS Ping is ssl/activesync, not web-browsing
    ("any", "application-default", True),  # ssl on its standard port 443
    ("activesync", "service-https", True),
    ("ssl", "service-http", False),  # 80 and 8080 only
])
def test_application_and_service_decide_the_443_ping(applications: str, service: str, allowed: bool, policy: Policy) -> None:
    text = with_rules(rule("Exchange", f"application {applications}", f"service {service}", "action allow"))
    outcomes = [outcome for outcome in plain_outcomes(parse("fw.set", text), policy, Role.ALLOWED)
                if outcome.bind is not None and outcome.bind.port == 443]
    assert bool(outcomes) is allowed
    assert all(outcome.verdict is Verdict.ALLOWED for outcome in outcomes)


def test_internal_source_rule_does_not_match_the_internet(policy: Policy) -> None:
    text = with_rules(rule("Exchange", "application ssl", "service application-default", "action allow",
                           source="10.0.0.0/8"))
    assert not plain_outcomes(parse("fw.set", text), policy)
    negated = with_rules(rule("Exchange", "application ssl", "service application-default", "action allow",
                              "negate-source yes", source="10.0.0.0/8"))
    assert plain_outcomes(parse("fw.set", negated), policy)


def test_nested_address_groups_resolve_and_loops_do_not_hang() -> None:
    objects = ("set address EXCH2 ip-range 10.20.30.20-10.20.30.29\n"
               "set address-group inner static [ EXCH EXCH2 ]\n"
               "set address-group outer static [ inner 10.20.40.0/24 ]\n"
               "set address-group loop-a static loop-b\nset address-group loop-b static loop-a\n")
    text = with_rules(rule("Exchange", "application ssl", "service application-default", "action allow", destination="outer")
                      + rule("Looping", "application ssl", "service application-default", "action allow", destination="loop-a"),
                      objects)
    device = parse("fw.set", text)
    binds = [bind.describe() for bind in device.listeners[0].binds]
    # ssl on application-default is 443 only; the Exchange rule's binds come first, the loop is
    # opaque and gets one bind without an address.
    assert binds == ["10.20.30.11:443", "10.20.30.20:443", "10.20.40.1:443", "*:443"]


def test_fqdn_destination_is_cannot_verify(policy: Policy) -> None:
    text = "set address owa fqdn mail.example.com\n" + rule(
        "Exchange", "application ssl", "service application-default", "action allow", destination="owa")
    findings = lint(text, policy)
    assert [finding.location.line for finding in findings if finding.rule_id == "EAS003"] == [1]


def test_panorama_rule_order_and_template_timeout(policy: Policy) -> None:
    text = """\
set shared pre-rulebase security rules Shared-Pre from any
set shared pre-rulebase security rules Shared-Pre destination any
set shared pre-rulebase security rules Shared-Pre application ssl
set shared pre-rulebase security rules Shared-Pre action deny
set shared pre-rulebase security rules Shared-Pre disabled yes
set device-group DG pre-rulebase security rules DG-Pre from untrust
set device-group DG pre-rulebase security rules DG-Pre destination any
set device-group DG pre-rulebase security rules DG-Pre action allow
set device-group DG post-rulebase security rules DG-Post from any
set device-group DG post-rulebase security rules DG-Post destination any
set device-group DG post-rulebase security rules DG-Post action deny
set shared post-rulebase security rules Shared-Post from any
set shared post-rulebase security rules Shared-Post destination any
set shared post-rulebase security rules Shared-Post action deny
set template T config deviceconfig setting session timeout-tcp 2400
"""
    device = parse("panorama.set", text)
    assert device.diagnostics == ()
    (listener,) = device.listeners
    assert [step.text.split(":")[0] for step in listener.steps] == [
        "security rule 'DG-Pre' (device-group DG pre-rulebase)",
        "security rule 'DG-Post' (device-group DG post-rulebase)",
        "security rule 'Shared-Post' (shared post-rulebase)",
        "interzone-default (device-group DG)",
    ]
    (timer,) = device.pools[0].timers
    assert (timer.seconds, timer.setting) == (2400, "template 'T' deviceconfig setting session timeout-tcp")


def test_interzone_default_allow_routes_to_its_own_pool() -> None:
    text = rule("Nothing", "application dns", "service application-default", "action allow") + \
        "set rulebase default-security-rules rules interzone-default action allow\n"
    device = parse("fw.set", "set address EXCH ip-netmask 10.20.30.11\n" + text)
    assert device.listeners[0].steps[-1].action.kind is ActionKind.ROUTE
    assert device.pool("interzone-default (vsys1)") is not None


# -- the set format ----------------------------------------------------------------------------------


def test_set_members_add_up_and_delete_removes() -> None:
    result = read_set("set rulebase security rules R from untrust\nset rulebase security rules R from [ dmz vpn ]\n"
                      "delete rulebase security rules R from dmz\nset address A ip-netmask 10.0.0.1\ndelete address A\n")
    vsys = result.root.path("devices").entry("localhost.localdomain").path("vsys").entry("vsys1")
    assert vsys.path("rulebase", "security", "rules").entry("R").member_values("from") == ["untrust", "vpn"]
    assert vsys.path("address").entry("A") is None


def test_known_irrelevant_lines_are_counted_not_reported() -> None:
    text = ("set deviceconfig system hostname fw\nset network virtual-router default interface ethernet1/1\n"
            "set profiles virus default decoder http action alert\nset rulebase nat rules N from untrust\n")
    assert read_set(text).skipped_lines == 4
    assert parse("fw.set", text).diagnostics == ()


def test_unknown_and_broken_lines_are_reported_with_their_lines() -> None:
    text = ("set rulebase security rules R from untrust\n"
            "set rulebase security rules R frobnicate yes\n"
            "show running config\n"
            "set address A description \"unterminated\n"
            "set rulebase security rules R action\n")
    device = parse("fw.set", text)
    assert codes(device) == [("EAS002", 2), ("EAS002", 3), ("EAS001", 4), ("EAS001", 5)]
    assert device.diagnostics[0].object_path == "security rule 'R' (vsys1)"


def test_brace_format_is_one_clear_error() -> None:
    device = parse("fw.txt", "config {\n  devices {\n  }\n}\n")
    assert codes(device) == [("EAS001", 1)]
    assert "set cli config-output-format set" in device.diagnostics[0].message


# -- hostile and malformed XML -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line"), [
    ('<?xml version="1.0"?>\n<!DOCTYPE config [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n<config>&b;</config>', 2),
    ('<?xml version="1.0"?>\n\n<!DOCTYPE config [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<config>&x;</config>', 3),
    ('<config>\n  <devices>\n  </shared>\n</config>', 3),
    ("<config>" + "<a>" * 400 + "</a>" * 400 + "</config>", 1),
])
def test_hostile_or_malformed_xml_is_eas001_with_a_line(text: str, line: int) -> None:
    device = parse("fw.xml", text)
    assert codes(device) == [("EAS001", line)]
    assert device.listeners == ()


def test_malformed_xml_names_the_column() -> None:
    (diagnostic,) = parse("fw.xml", "<config>\n  <devices>\n  </shared>\n</config>").diagnostics
    assert diagnostic.location.column == 5 and "mismatched tag" in diagnostic.message


def test_unknown_xml_element_in_a_rule_is_eas002_on_its_line() -> None:
    text = EDGE_XML.replace("<action>allow</action>", "<action>allow</action>\n<frobnicate>yes</frobnicate>")
    device = parse("fw.xml", text)
    (diagnostic,) = device.diagnostics
    assert diagnostic.code == "EAS002" and text.splitlines()[diagnostic.location.line - 1] == "<frobnicate>yes</frobnicate>"
    assert diagnostic.object_path == "security rule 'Allow Exchange' (vsys1)"


def test_other_xml_is_not_a_panos_configuration() -> None:
    assert codes(parse("x.xml", "<configuration><appSettings/></configuration>")) == [("EAS001", 1)]


@pytest.mark.parametrize("text", ["set", "set \"\n", "[ ] [\n", "set address [ a b\n", "\x7f\x80\ufffd set zone",
                                  "set rulebase security rules " + "x " * 5000])
def test_junk_never_raises(text: str) -> None:
    device = parse("junk.set", text)
    assert all(diagnostic.location.line >= 1 for diagnostic in device.diagnostics)


# -- fixes ---------------------------------------------------------------------------------------------


def test_fix_for_a_short_global_is_a_service_override_on_the_rule(policy: Policy) -> None:
    (finding,) = [f for f in lint(EDGE_SET, policy) if f.rule_id == "EAS102"]
    assert finding.fix is not None
    assert finding.fix.snippet.splitlines() == [
        "set service eas-https-3900 protocol tcp port 443",
        "set service eas-https-3900 protocol tcp override yes timeout 3900",
        'delete rulebase security rules "Allow Exchange" service',
        'set rulebase security rules "Allow Exchange" service eas-https-3900',
    ]


def test_fixes_name_the_object_where_the_timer_is_written(policy: Policy) -> None:
    text = """\
set device-group DG service svc-eas protocol tcp port 443
set device-group DG service svc-eas protocol tcp override yes timeout 600
set device-group DG address EXCH ip-netmask 10.20.30.11
set device-group DG pre-rulebase security rules Exchange from untrust
set device-group DG pre-rulebase security rules Exchange destination EXCH
set device-group DG pre-rulebase security rules Exchange application ssl
set device-group DG pre-rulebase security rules Exchange service svc-eas
set device-group DG pre-rulebase security rules Exchange action allow
"""
    (finding,) = [f for f in lint(text, policy, "panorama.set") if f.rule_id == "EAS102"]
    assert finding.fix is not None and finding.location.line == 2
    assert finding.fix.snippet == "set device-group DG service svc-eas protocol tcp override yes timeout 3900"


# -- real configurations -----------------------------------------------------------------------------

CORPUS_FILES = sorted((CORPUS / "panos").glob("*")) if (CORPUS / "panos").is_dir() else []


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus/panos is not present")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
def test_every_corpus_file_parses(path: Path, policy: Policy) -> None:
    text = path.read_text(errors="replace")
    device = parse(path.name, text)
    lines = text.splitlines()
    for diagnostic in device.diagnostics:
        assert 1 <= diagnostic.location.line <= max(1, len(lines))
    lint(text, policy, path.name)


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus/panos is not present")
def test_iron_skillet_baseline_is_read_without_unrecognized_lines() -> None:
    for name in ("iron-skillet__panos_full_mgmt-static.xml", "iron-skillet__panos_full_set-commands.conf",
                 "iron-skillet__panorama_full_set-commands.conf"):
        path = CORPUS / "panos" / name
        if path.is_file():
            assert codes(parse(name, path.read_text())) == [], name


# -- the example ---------------------------------------------------------------------------------------


def test_example_reports_the_hardening_baseline_and_the_missing_l7_hop(policy: Policy) -> None:
    from tests.conftest import REPO

    path = REPO / "examples" / "panos" / "exchange-edge.xml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    findings = lint(text, policy, path.name)
    assert sorted((finding.rule_id, lines[finding.location.line - 1].strip()) for finding in findings) == [
        ("EAS102", "<timeout-tcp>1800</timeout-tcp>"),
        ("EAS207", '<entry name="untrust">'),
    ]
