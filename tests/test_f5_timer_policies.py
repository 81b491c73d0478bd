"""F5 timer policies: a virtual's `service-policy` names a `net service-policy`, whose `net
timer-policy` overrides the idle timeout of the flows its rules match. Each leg's flow is matched
by its destination port (the virtual's on the client side, a pool member's on the server side);
what cannot be decided is EAS002 on the virtual, never a silent pass."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from linter import cli
from linter.model import Device, Location, TimerKind
from linter.policy import Policy
from parsers.f5 import parse
from parsers.f5.objects import Config, Entry, collect
from parsers.f5.timer_policies import TimerRule, choose_timer_rule, read_timer_rules, timer_rule_of, timer_rule_setting
from parsers.f5.tmsh import split_stanzas
from tests.conftest import lint_text

RULES_DIR = Path(__file__).parent / "rules"

# As BIG-IP 15.0 saves them (f5-automation-config-converter, test/engines/as3Converter/
# idle_timeout_policy/idle_timeout_policy.conf), with an Exchange rule set.
TIMER_POLICY = """net timer-policy /Common/exchange-timers {
    rules {
        alt-https {
            destination-ports {
                8443-8444 { }
            }
            ip-protocol tcp
            timers {
                flow-idle-timeout {
                    value immediate
                }
            }
        }
        dns {
            destination-ports {
                53 { }
            }
            ip-protocol udp
            timers {
                flow-idle-timeout {
                    value 60
                }
            }
        }
        esp {
            ip-protocol esp
            timers {
                flow-idle-timeout {
                    value indefinite
                }
            }
        }
        https {
            destination-ports {
                443 { }
            }
            ip-protocol tcp
            timers {
                flow-idle-timeout {
                    value 300
                }
            }
        }
        other-tcp {
            destination-ports {
                0 { }
            }
            ip-protocol tcp
            timers {
                flow-idle-timeout { }
            }
        }
    }
}
"""


def _entry(text: str) -> Entry:
    config = Config()
    collect(config, split_stanzas("bigip.conf", text).stanzas, "Common")
    return next(iter(config.timer_policies.values()))


def _rule(name: str, protocol: str = "tcp", ranges: tuple[tuple[int, int], ...] = (), all_ports: bool = False,
          value: str | None = "3900", unreadable: str | None = None) -> TimerRule:
    return TimerRule("net timer-policy /Common/t", name, protocol, ranges, all_ports, unreadable, value, Location("bigip.conf", 1))


def test_rules_are_read_as_saved() -> None:
    rules = {rule.name: rule for rule in read_timer_rules(_entry(TIMER_POLICY))}
    assert {name: (rule.protocol, rule.ranges, rule.all_ports, rule.value) for name, rule in rules.items()} == {
        "alt-https": ("tcp", ((8443, 8444),), False, "immediate"),
        "dns": ("udp", ((53, 53),), False, "60"),
        "esp": ("esp", (), True, "indefinite"),
        "https": ("tcp", ((443, 443),), False, "300"),
        "other-tcp": ("tcp", (), True, None),  # `flow-idle-timeout { }`: unspecified
    }
    lines = TIMER_POLICY.splitlines()
    assert rules["https"].location.line == lines.index("                    value 300") + 1  # the value's line
    assert rules["other-tcp"].location.line == lines.index("        other-tcp {") + 1  # no value: the rule's line


@pytest.mark.parametrize(("port", "expected"), [
    (443, "https"),  # a TCP rule that lists the port
    (8444, "alt-https"),  # ... or a range holding it
    (25, "other-tcp"),  # else the TCP rule for every other port
])
def test_rule_that_governs_a_tcp_flow(port: int, expected: str) -> None:
    choice = choose_timer_rule(read_timer_rules(_entry(TIMER_POLICY)), port)
    assert (choice.rule.name if choice.rule else None, choice.undecided) == (expected, None)


def test_rule_for_every_other_protocol_comes_after_tcp_rules() -> None:
    rules = [_rule("https", ranges=((443, 443),)), _rule("rest", protocol="all-other")]
    assert choose_timer_rule(rules, 443).rule.name == "https"
    assert choose_timer_rule(rules, 25).rule.name == "rest"
    assert choose_timer_rule([_rule("udp", protocol="udp")], 443).rule is None  # nothing for TCP: the profile's timeout


def test_rule_that_lists_no_ports_matches_every_port() -> None:
    entry = _entry(TIMER_POLICY.replace("                0 { }\n", "").replace(
        "            destination-ports {\n            }\n", "            destination-ports none\n"))
    rule = next(rule for rule in read_timer_rules(entry) if rule.name == "other-tcp")
    assert (rule.ranges, rule.all_ports) == ((), True)


@pytest.mark.parametrize(("rules", "port", "words"), [
    ([_rule("https", ranges=((443, 443),))], None, "not fixed (any port)"),
    ([_rule("a", ranges=((443, 443),)), _rule("b", ranges=((400, 500),))], 443, "rules a, b of net timer-policy /Common/t match the same TCP flow"),
    ([_rule("a", all_ports=True), _rule("b", all_ports=True)], 25, "rules a, b of net timer-policy /Common/t match the same TCP flow"),
    ([_rule("named", unreadable="https")], 443, "lists destination port 'https'"),
])
def test_what_cannot_be_decided_says_why(rules: list[TimerRule], port: int | None, words: str) -> None:
    choice = choose_timer_rule(rules, port)
    assert choice.rule is None and choice.undecided is not None and words in choice.undecided


def test_setting_names_the_rule_for_the_fix() -> None:
    assert timer_rule_of(timer_rule_setting(_rule("https"))) == "https"
    assert timer_rule_of(timer_rule_setting(_rule("exchange https"))) == '"exchange https"'
    assert timer_rule_of("idle-timeout") is None


# -- the virtual's timers ----------------------------------------------------------------------------

POOL = """ltm pool /Common/exchange_pool {
    members {
        /Common/mbx01:443 {
            address 10.0.10.11
        }
        /Common/mbx02:443 {
            address 10.0.10.12
        }
    }
}
"""
PROFILE = """ltm profile tcp /Common/exchange-tcp {
    defaults-from /Common/tcp
    idle-timeout 3900
}
"""
SERVICE = """net service-policy /Common/exchange-service {
    timer-policy /Common/exchange-timers
}
"""


def _virtual(extra: str = "    service-policy /Common/exchange-service\n", destination: str = "/Common/203.0.113.20:443") -> str:
    return (f"ltm virtual /Common/exchange_vs {{\n    destination {destination}\n    ip-protocol tcp\n"
            "    pool /Common/exchange_pool\n    profiles {\n        /Common/clientssl {\n            context clientside\n"
            f"        }}\n        /Common/exchange-tcp {{ }}\n        /Common/http {{ }}\n    }}\n{extra}}}\n")


def _timers(device: Device) -> list[tuple[TimerKind, float | None, str, str]]:
    return sorted(((t.kind, t.seconds, t.setting, t.applies_to) for t in device.listeners[0].timers), key=str)


def _codes(device: Device) -> list[tuple[str, int, str]]:
    return [(d.code, d.location.line, d.message) for d in device.diagnostics]


def test_timer_policy_overrides_both_legs_of_the_profile() -> None:
    text = POOL + PROFILE + _virtual() + SERVICE + TIMER_POLICY
    device = parse("bigip.conf", text)
    assert _timers(device) == [
        (TimerKind.CLIENT_IDLE, 300, "rules https timers flow-idle-timeout", "net timer-policy /Common/exchange-timers"),
        (TimerKind.SERVER_IDLE, 300, "rules https timers flow-idle-timeout", "net timer-policy /Common/exchange-timers"),
    ]
    timer = device.listeners[0].timers[0]
    value_line = text.splitlines().index("                    value 300") + 1
    assert (timer.explicit, timer.raw, timer.location.line) == (True, "300", value_line)
    assert "overrides idle-timeout 3900 of ltm profile tcp /Common/exchange-tcp" in timer.source
    assert _codes(device) == []


def test_members_on_other_ports_keep_each_timer_they_meet() -> None:
    """The server side goes to 443 (rule https) and to 80 (no TCP rule for it but the
    unspecified one: the profile's 3900 s stays); both govern some Pings, both are judged."""
    pool = POOL.replace("/Common/mbx02:443", "/Common/mbx02:80")
    device = parse("bigip.conf", pool + PROFILE + _virtual() + SERVICE + TIMER_POLICY)
    server = sorted((t.seconds, t.applies_to) for t in device.listeners[0].timers if t.kind is TimerKind.SERVER_IDLE)
    assert server == [(300, "net timer-policy /Common/exchange-timers"), (3900, "ltm profile tcp /Common/exchange-tcp")]
    assert _codes(device) == []


def test_flow_to_any_port_is_eas002_and_keeps_the_profile_timer() -> None:
    text = POOL + PROFILE + _virtual(destination="/Common/203.0.113.20:0") + SERVICE + TIMER_POLICY
    device = parse("bigip.conf", text)
    client = [t for t in device.listeners[0].timers if t.kind is TimerKind.CLIENT_IDLE]
    assert [(t.seconds, t.applies_to) for t in client] == [(3900, "ltm profile tcp /Common/exchange-tcp")]
    line = text.splitlines().index("    service-policy /Common/exchange-service") + 1
    [(code, at, message)] = _codes(device)
    assert (code, at) == ("EAS002", line)
    assert "client-side idle timeout of ltm virtual /Common/exchange_vs is not evaluated" in message
    assert "not fixed (any port)" in message


def test_unspecified_rule_leaves_the_profile_timer() -> None:
    policy = TIMER_POLICY.replace("                    value 300\n", "")
    device = parse("bigip.conf", POOL + PROFILE + _virtual() + SERVICE + policy)
    assert {t.applies_to for t in device.listeners[0].timers} == {"ltm profile tcp /Common/exchange-tcp"}


@pytest.mark.parametrize("extra", ["", "    service-policy none\n"])
def test_timer_policy_not_named_by_the_virtual_changes_nothing(extra: str) -> None:
    device = parse("bigip.conf", POOL + PROFILE + _virtual(extra=extra) + SERVICE + TIMER_POLICY)
    assert {t.applies_to for t in device.listeners[0].timers} == {"ltm profile tcp /Common/exchange-tcp"}
    assert _codes(device) == []


@pytest.mark.parametrize(("value", "words"), [("0", "'0'"), ("1h", "'1h'")])
def test_unknown_timeout_value_is_eas002_at_the_rule(value: str, words: str) -> None:
    text = POOL + PROFILE + _virtual() + SERVICE + TIMER_POLICY.replace("value 300", f"value {value}")
    device = parse("bigip.conf", text)
    line = text.splitlines().index(f"                    value {value}") + 1
    assert {(code, at) for code, at, _ in _codes(device)} == {("EAS002", line)}
    assert all(words in message for _, _, message in _codes(device))
    assert {t.applies_to for t in device.listeners[0].timers} == {"ltm profile tcp /Common/exchange-tcp"}


def test_missing_service_and_timer_policies_are_parse_errors() -> None:
    missing_service = parse("bigip.conf", POOL + PROFILE + _virtual())
    assert [(code, message) for code, _, message in _codes(missing_service)] == [
        ("EAS001", "net service-policy /Common/exchange-service does not exist")]
    text = POOL + PROFILE + _virtual() + SERVICE
    missing_timer = parse("bigip.conf", text)
    line = text.splitlines().index("    timer-policy /Common/exchange-timers") + 1
    assert _codes(missing_timer) == [("EAS001", line, "net timer-policy /Common/exchange-timers does not exist")]


def test_port_misuse_policy_is_not_passed_over() -> None:
    service = SERVICE.replace("    timer-policy", "    port-misuse-policy /Common/exchange-misuse\n    timer-policy")
    device = parse("bigip.conf", POOL + PROFILE + _virtual() + service + TIMER_POLICY)
    assert [(code, "port-misuse-policy /Common/exchange-misuse" in message) for code, _, message in _codes(device)] == [
        ("EAS002", True)]


# -- findings, fix, model ----------------------------------------------------------------------------


def test_finding_points_at_the_rule_and_fixes_it(policy: Policy) -> None:
    path = RULES_DIR / "EAS101" / "f5" / "timer-policy-overrides-profile.conf"
    findings = [f for f in lint_text("f5", path.read_text(), policy, path.name) if f.rule_id == "EAS101"]
    [finding] = findings
    assert finding.object_path == "net timer-policy /Common/exchange-timers"
    assert finding.fix is not None and finding.fix.snippet == (
        "modify net timer-policy /Common/exchange-timers rules modify { https { timers modify { flow-idle-timeout "
        "{ value 3900 } } } }")


def test_profile_timer_is_judged_again_when_the_policy_passes(policy: Policy) -> None:
    """The _fp fixture's profile says 300 s; only because the timer policy overrides it does no
    EAS101 fire: with the service policy taken away, the profile's 300 s is reported."""
    path = RULES_DIR / "EAS101" / "f5" / "timer-policy-3900_fp.conf"
    text = path.read_text().replace("    service-policy /Common/exchange-service\n", "")
    assert [f.rule_id for f in lint_text("f5", text, policy, path.name) if f.rule_id == "EAS101"] == ["EAS101"]


def test_service_and_timer_policies_are_modelled_not_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    path = RULES_DIR / "EAS101" / "f5" / "timer-policy-overrides-profile.conf"
    code = cli.main(["model", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    device = json.loads(out)
    jsonschema.validate(device, json.loads(resources.files("linter").joinpath("schemas/model.schema.json").read_text()))
    assert device["skipped"] == []  # the fixture's other objects are all modelled too
    timers = [timer for listener in device["listeners"] for timer in listener["timers"]]
    assert {timer["applies_to"] for timer in timers} == {"net timer-policy /Common/exchange-timers"}
