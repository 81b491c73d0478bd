"""Allowlist mode (`apps.mode: allowlist`): only the allowed clients may pass, so a request from
a client nobody listed must be refused like a blocked app (EAS201 otherwise), while the native
clients still get through (EAS205)."""

from __future__ import annotations

import dataclasses

import pytest

from linter.policy import ALLOWLIST, UNKNOWN_CLIENT, Policy
from linter.probes import build_probes
from tests.conftest import lint_haproxy

FRONT_END = """\
defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 65m

frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.example.com.pem
    acl activesync path_beg -i /microsoft-server-activesync
{rules}
    default_backend be_exchange

backend be_exchange
    server mbx1 10.0.10.11:443 check ssl verify required ca-file /etc/haproxy/certs/exchange-ca.pem
"""
BLOCKLIST_RULES = """\
    http-request deny deny_status 403 if activesync { req.fhdr(User-Agent) -m sub -i CloudMagic }
    http-request deny deny_status 403 if activesync { url_param(DeviceType) -m str -i CloudMagic }
    http-request deny deny_status 403 if { path_beg -i /ews/ } { req.fhdr(User-Agent) -m sub -i CloudMagic }"""
ALLOWLIST_RULES = """\
    http-request deny deny_status 403 if activesync !{ req.fhdr(User-Agent) -m beg -i Apple-iPhone Android }
    http-request deny deny_status 403 if { path_beg -i /ews/ } { req.fhdr(User-Agent) -m sub -i CloudMagic MailSyncPro }"""


@pytest.fixture
def allowlist(policy: Policy) -> Policy:
    return dataclasses.replace(policy, mode=ALLOWLIST)


def rules_fired(text: str, policy: Policy) -> dict[str, list]:
    fired: dict[str, list] = {}
    for finding in lint_haproxy(text, policy):
        fired.setdefault(finding.rule_id, []).append(finding)
    return fired


def test_allowlist_mode_probes_an_unknown_client(policy: Policy, allowlist: Policy) -> None:
    assert UNKNOWN_CLIENT.name not in {probe.client for probe in build_probes(policy)}
    assert UNKNOWN_CLIENT.name in {probe.client for probe in build_probes(allowlist)}


def test_a_blocklist_config_fails_in_allowlist_mode(policy: Policy, allowlist: Policy) -> None:
    text = FRONT_END.format(rules=BLOCKLIST_RULES)
    assert "EAS201" not in rules_fired(text, policy)
    fired = rules_fired(text, allowlist)
    [finding] = fired["EAS201"]
    assert "unknown third-party ActiveSync client" in finding.message and "iOS Mail, Android native" in finding.message
    assert "!{ req.fhdr(user-agent) -m beg -i Apple-iPhone Android }" in finding.fix.snippet


def test_the_suggested_allowlist_rule_passes_and_keeps_native_clients(allowlist: Policy) -> None:
    fired = rules_fired(FRONT_END.format(rules=ALLOWLIST_RULES), allowlist)
    assert not {"EAS201", "EAS203", "EAS205"} & set(fired), fired
