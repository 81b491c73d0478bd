"""`exchange.endpoints`: with them, exactly the listeners and rules that take the endpoints are
ActiveSync's path, whatever their names; without them, nothing unnamed is judged."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from linter import cli
from linter.policy import Endpoint, Policy
from tests.conftest import lint_text
from tests.haproxy_support import haproxy_check

DATA = Path(__file__).parent / "data" / "endpoints"
ASA = (DATA / "edge-asa.cfg").read_text()  # permits 443 to app-a and app-b; only app-a's class idles out at 30 min
HAPROXY = (DATA / "shared-haproxy.cfg").read_text()  # mail.example.com -> be_mail (10 min); other hosts -> be_shop (30 s)


def with_endpoints(policy: Policy, *endpoints: Endpoint) -> Policy:
    return dataclasses.replace(policy, endpoints=endpoints)


def timer_findings(vendor: str, text: str, policy: Policy) -> list[tuple[str, int]]:
    return sorted((f.rule_id, f.location.line) for f in lint_text(vendor, text, policy) if f.rule_id.startswith("EAS10"))


def test_haproxy_fixture_is_valid(tmp_path: Path) -> None:
    result = haproxy_check(DATA / "shared-haproxy.cfg", tmp_path)
    assert result.returncode == 0, result.stdout


def test_nothing_named_after_exchange_means_no_path_without_endpoints(policy: Policy) -> None:
    assert lint_text("asa", ASA, policy) == []
    assert lint_text("haproxy", HAPROXY, policy) == []


def test_a_firewall_address_picks_the_rule_and_its_class(policy: Policy) -> None:
    short = with_endpoints(policy, Endpoint("203.0.113.10"))
    assert timer_findings("asa", ASA, short) == [("EAS102", 30)]  # set connection timeout idle 0:30:00
    other = with_endpoints(policy, Endpoint("203.0.113.20", 443))
    assert timer_findings("asa", ASA, other) == []  # app-b keeps timeout conn 2:00:00


def test_an_address_no_rule_permits_has_no_path(policy: Policy) -> None:
    assert lint_text("asa", ASA, with_endpoints(policy, Endpoint("203.0.113.99"))) == []
    assert lint_text("asa", ASA, with_endpoints(policy, Endpoint("203.0.113.10", 8443))) == []


def test_a_host_name_follows_the_proxys_routing(policy: Policy) -> None:
    mail = with_endpoints(policy, Endpoint("mail.example.com"))
    findings = lint_text("haproxy", HAPROXY, mail)
    timers = sorted((f.rule_id, f.object_path) for f in findings if f.rule_id.startswith("EAS10"))
    assert timers == [("EAS102", "backend be_mail")]  # be_shop's 30 s is another service's business
    assert {f.rule_id for f in findings} >= {"EAS201"}  # and nothing blocks CloudMagic on mail.example.com


def test_an_unrouted_name_reaches_the_default_backend(policy: Policy) -> None:
    shop = with_endpoints(policy, Endpoint("shop.example.com"))
    timers = {(f.rule_id, f.object_path) for f in lint_text("haproxy", HAPROXY, shop) if f.rule_id.startswith("EAS10")}
    assert timers == set()  # fe_https does not route the name and is not named after Exchange: not in scope


def test_an_address_picks_the_listener_bound_to_it(policy: Policy) -> None:
    partner = with_endpoints(policy, Endpoint("198.51.100.20", 443))
    timers = {(f.rule_id, f.object_path) for f in lint_text("haproxy", HAPROXY, partner) if f.rule_id.startswith("EAS10")}
    # fe_partner (bound to the address) and fe_https (bound to every address) both take it
    assert ("EAS101", "backend be_shop") in timers


def test_endpoints_from_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copy(DATA / "edge-asa.cfg", tmp_path / "edge-asa.cfg")
    (tmp_path / ".easlint.yaml").write_text("exchange:\n  endpoints:\n    - 203.0.113.10:443\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["edge-asa.cfg", "--format", "json", "--jobs", "1"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["rule_id"], f["location"]["line"]) for f in report["findings"] if f["rule_id"] == "EAS102"] == \
        [("EAS102", 30)]
