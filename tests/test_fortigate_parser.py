"""The FortiGate parser: FortiOS CLI backups read as FortiOS restores them, policies simulated in
table order, the session TTL precedence of Fortinet's KB, and fixes in FortiOS CLI.

The vendor is used through `parsers.fortigate` and its fixer directly, so these tests do not
depend on the vendor registry.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from linter.analysis import analyze
from linter.findings import Finding
from linter.model import Device, DeviceKind, Level
from linter.policy import Policy
from linter.simulate import Verdict
from parsers.fortigate import parse
from parsers.fortigate.fixes import FortiGateFixer
from parsers.fortigate.lexer import LexProblem, Statement, statements
from policies import RULES
from policies.base import RuleContext
from tests.conftest import CORPUS, REPO

FORTIGATE_CORPUS = sorted((CORPUS / "fortigate").glob("*")) if (CORPUS / "fortigate").is_dir() else []
EXAMPLE = REPO / "examples" / "fortigate" / "exchange-edge.conf"


def lint(text: str, policy: Policy, name: str = "fortigate.conf") -> list[Finding]:
    device = parse(name, text)
    context = RuleContext(analyze(device, policy), FortiGateFixer())
    return [finding for rule in RULES if rule.applies_to("fortigate") for finding in rule.check(context)]


def rules_at(findings: list[Finding]) -> list[tuple[str, int]]:
    return sorted((finding.rule_id, finding.location.line) for finding in findings)


def line_of(text: str, fragment: str) -> int:
    found = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(found) == 1, f"{fragment!r} on lines {found}"
    return found[0]


def codes(device: Device) -> list[tuple[str, int]]:
    return [(diagnostic.code, diagnostic.location.line) for diagnostic in device.diagnostics]


PUBLICATION = """\
config system interface
    edit "wan1"
        set vdom "root"
        set ip 198.51.100.2 255.255.255.248
        set type physical
    next
end
{session_ttl}config firewall service custom
    edit "Exchange-HTTPS"
        set tcp-portrange 443
{service_ttl}    next
end
config firewall vip
    edit "VIP-Exchange"
        set extip 198.51.100.5
        set mappedip "10.30.0.11"
        set extintf "wan1"
        set portforward enable
        set extport 443
        set mappedport 443
    next
end
config firewall policy
    edit 12
        set name "Exchange-ActiveSync-In"
        set srcintf "wan1"
        set dstintf "dmz"
        set srcaddr "all"
        set dstaddr "VIP-Exchange"
        set action accept
        set schedule "always"
        set service "{service}"
{policy_ttl}    next
end
"""


def publication(session_ttl: str = "", service_ttl: str = "", policy_ttl: str = "", service: str = "Exchange-HTTPS") -> str:
    return PUBLICATION.format(session_ttl=session_ttl, service_ttl=service_ttl, policy_ttl=policy_ttl, service=service)


def timer_findings(text: str, policy: Policy) -> list[tuple[str, int]]:
    """(rule, line) of the timer findings."""
    return sorted((f.rule_id, f.location.line) for f in lint(text, policy) if f.rule_id in ("EAS101", "EAS102", "EAS103", "EAS104"))


# -- lexer -------------------------------------------------------------------------------------------


def test_lexer_quotes_escapes_and_multiline_values() -> None:
    text = 'config system replacemsg http "url-block"\n    set buffer "<html>\n<p>\\"blocked\\"</p>\n</html>"\n    set header http\nend\n'
    items = list(statements(text))
    assert all(isinstance(item, Statement) for item in items)
    buffer = items[1]
    assert buffer.words == ("set", "buffer", '<html>\n<p>"blocked"</p>\n</html>')
    assert (buffer.line, buffer.end_line) == (2, 4)
    assert items[2].words == ("set", "header", "http") and items[2].line == 5


def test_lexer_single_quotes_mixed_quotes_and_line_continuation() -> None:
    items = list(statements("set comments 'it''s \"x\"'\nset name a\\\nb\nset member \"a b\" c\n"))
    assert [item.words for item in items] == [("set", "comments", 'its "x"'), ("set", "name", "ab"), ("set", "member", "a b", "c")]


def test_unclosed_quote_is_reported_and_reading_goes_on() -> None:
    items = list(statements('set comments "never closed\nset name x\n'))
    assert isinstance(items[0], LexProblem) and items[0].line == 1
    assert isinstance(items[-1], Statement) and items[-1].words == ("set", "name", "x")


# -- nesting and recovery ----------------------------------------------------------------------------


def test_broken_nesting_is_reported_with_lines_and_later_policies_still_count() -> None:
    text = """config firewall address
    edit "EXCH"
        set subnet 10.0.0.1 255.255.255.255
    edit "WEB"
        set subnet 10.0.0.2/32
    next
end
end
next
set hostname x
config firewall policy
    edit 1
        set srcintf "wan1"
        set dstaddr "EXCH"
        set action accept
        set service "HTTPS"
    next
"""
    device = parse("broken.conf", text)
    assert codes(device) == [("EAS001", 4), ("EAS001", 8), ("EAS001", 9), ("EAS001", 10), ("EAS001", 11)]
    assert "never closed" in device.diagnostics[-1].message
    assert [bind.describe() for bind in device.listeners[0].binds] == ["10.0.0.1:443"]


def test_vdoms_are_separate_listeners_and_global_blocks_are_shared() -> None:
    text = (REPO / "tests" / "rules" / "EAS102" / "fortigate" / "vdom-default.conf").read_text()
    device = parse("vdom.conf", text)
    assert [listener.object_path for listener in device.listeners] == ["srcintf wan1 (vdom EDGE)"]
    assert device.pools[0].object_path == "firewall policy 3 'Exchange-In' (vdom EDGE)"
    assert device.listeners[0].location.line == line_of(text, 'edit "wan1"')
    assert device.kind is DeviceKind.FIREWALL and not device.listeners[0].l7


def test_move_changes_the_evaluation_order() -> None:
    text = "config firewall policy\n" + "".join(
        f"    edit {n}\n        set srcintf any\n        set srcaddr all\n        set dstaddr all\n        set action accept\n"
        f"        set service ALL\n    next\n" for n in (1, 2, 3, 4, 5)) + "    move 5 before 1\n    move 4 after 2\nend\n"
    device = parse("move.conf", text)
    order = [step.action.pool for step in device.listeners[0].steps[:-1]]
    assert order == ["root/policy 5", "root/policy 1", "root/policy 2", "root/policy 4", "root/policy 3"]


def test_unknown_settings_and_blocks_are_reported_known_ones_are_not() -> None:
    text = """config firewall policy
    edit 1
        set srcintf "wan1"
        set dstaddr "all"
        set srcaddr "all"
        set service "HTTPS"
        set action accept
        set nat enable
        set ips-sensor "default"
        set frobnicate yes
    next
end
config router static
    edit 1
        set gateway 10.0.0.1
    next
end
config firewall security-policy
    edit 1
        set name "ngfw"
    next
end
"""
    device = parse("keys.conf", text)
    assert codes(device) == [("EAS002", 10), ("EAS002", 18)]
    assert device.diagnostics[0].object_path == "firewall policy 1"


# -- policies ----------------------------------------------------------------------------------------


def _verdicts(text: str, policy: Policy) -> dict[str, Verdict]:
    analysis = analyze(parse("p.conf", text), policy)
    return {outcome.bind.describe(): outcome.verdict for outcome in analysis.outcomes if outcome.bind}


def test_first_matching_policy_decides_and_implicit_deny_ends_the_list(policy: Policy) -> None:
    device = parse("p.conf", publication())
    steps = device.listeners[0].steps
    assert steps[-1].text.startswith("implicit deny (policy 0)")
    assert [bind.describe() for bind in device.listeners[0].binds] == ["198.51.100.5:443"]
    assert _verdicts(publication(), policy) == {"198.51.100.5:443": Verdict.ALLOWED}


def test_disabled_policy_makes_no_step_and_default_action_is_deny() -> None:
    text = """config firewall policy
    edit 1
        set srcintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set service "ALL"
        set action accept
        set status disable
    next
    edit 2
        set srcintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set service "ALL"
    next
end
"""
    steps = parse("p.conf", text).listeners[0].steps
    assert [step.action.kind.value for step in steps] == ["deny", "deny"]
    assert steps[0].location.line == 10


def test_nested_address_group_with_exclusion(policy: Policy) -> None:
    text = """config firewall address
    edit "EXCH-01"
        set subnet 198.51.100.21 255.255.255.255
    next
    edit "EXCH-NET"
        set type iprange
        set start-ip 198.51.100.20
        set end-ip 198.51.100.29
    next
end
config firewall addrgrp
    edit "Inner"
        set member "EXCH-NET"
        set exclude enable
        set exclude-member "EXCH-01"
    next
    edit "Outer"
        set member "Inner"
    next
end
config firewall policy
    edit 1
        set name "Exchange-In"
        set srcintf "wan1"
        set srcaddr "all"
        set dstaddr "Outer"
        set action accept
        set service "HTTPS"
    next
end
"""
    device = parse("grp.conf", text)
    assert [bind.describe() for bind in device.listeners[0].binds] == ["198.51.100.20:443"]
    condition = device.listeners[0].steps[0].condition
    from linter.matching import Context, evaluate
    from linter.probes import Request

    def allowed(address: str) -> bool | None:
        return evaluate(condition, Context(Request("POST", "/", None, (), dst_address=address, dst_port=443), http_visible=False))

    assert allowed("198.51.100.25") is True
    assert allowed("198.51.100.21") is False  # excluded
    assert allowed("198.51.100.30") is False


def test_group_loop_is_reported() -> None:
    text = """config firewall addrgrp
    edit "A"
        set member "B"
    next
    edit "B"
        set member "A"
    next
end
config firewall policy
    edit 1
        set srcintf "wan1"
        set srcaddr "all"
        set dstaddr "A"
        set action accept
        set service "HTTPS"
    next
end
"""
    device = parse("loop.conf", text)
    assert any(d.code == "EAS001" and "loop" in d.message for d in device.diagnostics)


def test_internal_source_and_udp_only_services_do_not_match_internet_probes(policy: Policy) -> None:
    text = publication(service="Exchange-HTTPS").replace('set srcaddr "all"', 'set srcaddr "LAN"').replace(
        "config firewall policy", 'config firewall address\n    edit "LAN"\n        set subnet 10.0.0.0 255.0.0.0\n    next\nend\nconfig firewall policy')
    assert _verdicts(text, policy) == {}  # denied by the implicit deny: not an ActiveSync path
    udp = publication().replace("set tcp-portrange 443", "set udp-portrange 443")
    assert parse("udp.conf", udp).listeners[0].binds == ()


def test_deny_policy_skips_vip_traffic_unless_match_vip(policy: Policy) -> None:
    deny = """    edit 5
        set srcintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set action deny
        set service "ALL"
{match_vip}    next
    move 5 before 12
"""
    text = publication()
    assert text.endswith("    next\nend\n")
    base = text[: -len("end\n")] + "{deny}end\n"
    skipped = base.format(deny=deny.format(match_vip=""))
    matched = base.format(deny=deny.format(match_vip="        set match-vip enable\n"))
    assert _verdicts(skipped, policy) == {"198.51.100.5:443": Verdict.ALLOWED}
    assert _verdicts(matched, policy) == {"198.51.100.5:443": Verdict.DENIED}


def test_fqdn_destination_is_opaque() -> None:
    text = """config firewall address
    edit "mail"
        set type fqdn
        set fqdn "mail.example.com"
    next
end
config firewall policy
    edit 1
        set name "Exchange-In"
        set srcintf "wan1"
        set srcaddr "all"
        set dstaddr "mail"
        set action accept
        set service "HTTPS"
    next
end
"""
    step = parse("fqdn.conf", text).listeners[0].steps[0]
    assert "FQDN address" in str(step.condition)


# -- session TTL precedence --------------------------------------------------------------------------


DEFAULT_1800 = "config system session-ttl\n    set default 1800\nend\n"


def test_default_session_ttl_applies_when_nothing_else_does(policy: Policy) -> None:
    text = publication(session_ttl=DEFAULT_1800)
    assert timer_findings(text, policy) == [("EAS102", line_of(text, "set default 1800"))]


def test_policy_session_ttl_beats_a_short_default(policy: Policy) -> None:
    text = publication(session_ttl=DEFAULT_1800, policy_ttl="        set session-ttl 3900\n")
    assert timer_findings(text, policy) == []


def test_service_session_ttl_beats_the_policy(policy: Policy) -> None:
    text = publication(service_ttl="        set session-ttl 900\n", policy_ttl="        set session-ttl 3900\n")
    findings = [f for f in lint(text, policy) if f.rule_id == "EAS102"]
    assert rules_at(findings) == [("EAS102", line_of(text, "set session-ttl 900"))]
    assert "config firewall service custom" in findings[0].fix.snippet and 'edit "Exchange-HTTPS"' in findings[0].fix.snippet


def test_port_entry_beats_default_and_defaults_to_300(policy: Policy) -> None:
    entry = "config system session-ttl\n    set default 3900\n    config port\n        edit 7\n            set protocol 6\n" \
            "            set start-port 443\n            set end-port 443\n{timeout}        next\n    end\nend\n"
    without = publication(session_ttl=entry.format(timeout=""))
    assert timer_findings(without, policy) == [("EAS101", line_of(without, "edit 7"))]
    explicit = publication(session_ttl=entry.format(timeout="            set timeout 7200\n"))
    assert timer_findings(explicit, policy) == []
    other_port = publication(session_ttl=entry.format(timeout="").replace("443", "8443"))
    assert timer_findings(other_port, policy) == []


def test_policy_session_ttl_beats_a_port_entry(policy: Policy) -> None:
    entry = "config system session-ttl\n    config port\n        edit 1\n            set protocol 6\n            set timeout 600\n" \
            "            set start-port 443\n            set end-port 443\n        next\n    end\nend\n"
    text = publication(session_ttl=entry, policy_ttl="        set session-ttl 3900\n")
    assert timer_findings(text, policy) == []


def test_unset_default_is_eas103_at_the_policy(policy: Policy) -> None:
    text = publication()
    assert timer_findings(text, policy) == [("EAS103", line_of(text, "edit 12"))]


# -- fixes -------------------------------------------------------------------------------------------


def test_fix_sets_the_policy_session_ttl(policy: Policy) -> None:
    finding = next(f for f in lint(publication(session_ttl=DEFAULT_1800), policy) if f.rule_id == "EAS102")
    assert finding.fix.snippet == "config firewall policy\n    edit 12\n        set session-ttl 3900\n    next\nend"
    assert finding.expected.startswith(">= 3600 s") and finding.actual == "1800 s (system session-ttl default 1800)"


def test_fix_in_a_vdom_is_wrapped_in_config_vdom(policy: Policy) -> None:
    text = (REPO / "tests" / "rules" / "EAS102" / "fortigate" / "vdom-default.conf").read_text()
    finding = next(f for f in lint(text, policy) if f.rule_id == "EAS102")
    assert finding.fix.snippet.splitlines()[:3] == ["config vdom", "edit EDGE", "    config firewall policy"]
    assert finding.fix.snippet.splitlines()[-1] == "end"


def test_firewall_alone_gets_eas207_with_an_honest_fix(policy: Policy) -> None:
    findings = [f for f in lint(publication(policy_ttl="        set session-ttl 3900\n"), policy) if f.rule_id == "EAS207"]
    assert len(findings) == 1 and findings[0].location.line == 2
    assert "cannot see the User-Agent" in findings[0].fix.description
    assert '<add string="CloudMagic" />' in findings[0].fix.snippet


# -- example, corpus, hostile input ------------------------------------------------------------------


def test_example_reports_its_one_problem(policy: Policy) -> None:
    text = EXAMPLE.read_text()
    findings = lint(text, policy, EXAMPLE.name)
    assert rules_at(findings) == [("EAS102", line_of(text, "set default 1800")), ("EAS207", line_of(text, 'edit "wan1"'))]


@pytest.mark.skipif(not FORTIGATE_CORPUS, reason="../shared/corpus/fortigate is not present")
@pytest.mark.parametrize("path", FORTIGATE_CORPUS, ids=lambda path: path.name)
def test_every_corpus_file_parses(path: Path, policy: Policy) -> None:
    text = path.read_text(errors="replace")
    device = parse(path.name, text)
    line_count = len(text.splitlines())
    assert all(1 <= d.location.line <= line_count and d.text for d in device.diagnostics)
    lint(text, policy, path.name)


@pytest.mark.skipif(not FORTIGATE_CORPUS, reason="../shared/corpus/fortigate is not present")
def test_corpus_specifics() -> None:
    recovery = CORPUS / "fortigate" / "batfish__fortios_edit_recovery.conf"
    device = parse(recovery.name, recovery.read_text())
    assert codes(device) == [("EAS002", 13), ("EAS002", 19), ("EAS002", 26)]
    assert all("UNDEFINED" in d.text for d in device.diagnostics)
    move = CORPUS / "fortigate" / "batfish__fortios_policy_move.conf"
    steps = parse(move.name, move.read_text()).listeners[0].steps
    assert [step.text.split(":")[0] for step in steps[:-1]] == [f"firewall policy {n}" for n in (5, 1, 2, 4, 3)]
    vdom = CORPUS / "fortigate" / "acidjunk-fortigate-config-parser__example.conf"
    assert {listener.object_path for listener in parse(vdom.name, vdom.read_text()).listeners} == {
        "srcintf port1 (vdom root)", "srcintf port5 (vdom root)"}


@pytest.mark.parametrize("text", [
    "\x00\x01\x02 binary \xff junk\n" * 200,
    "config firewall policy\n" * 3000,
    'set buffer "' + "x" * 100000,
    "end\n" * 1000 + "next\n",
    "config firewall policy\n    edit 1\n        set srcintf " + " ".join(f'"p{n}"' for n in range(5000)) + "\n",
])
def test_hostile_input_gives_diagnostics_not_exceptions(text: str, policy: Policy) -> None:
    device = parse("hostile.conf", text)
    assert device.diagnostics or device.listeners
    assert all(d.location.line >= 1 for d in device.diagnostics)
    lint(text, policy)


# -- benchmark generator -----------------------------------------------------------------------------


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate_fortigate", REPO / "bench" / "generate_fortigate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_its_planted_problems_are_found(policy: Policy) -> None:
    generator = _generator()
    text, manifest = generator.generate(200, 3)
    assert generator.generate(200, 3)[0] == text
    findings = lint(text, policy, "bench.conf")
    timers = sorted((f.rule_id, f.object_path) for f in findings if f.rule_id.startswith("EAS10"))
    expected = sorted((rule, f"firewall policy {item['policy']} '{item['name']}' (vdom EDGE)")
                      for item in manifest["exchange"] for rule in item["expected"])
    assert expected and timers == expected
    assert not [d for d in parse("bench.conf", text).diagnostics if d.level is Level.ERROR]
    assert {f.rule_id for f in findings} <= {"EAS101", "EAS102", "EAS103", "EAS207"}
