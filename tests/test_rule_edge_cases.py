"""Regressions found while documenting and fixturing the rules: each reproduces a reported
problem with the smallest configuration that shows it."""

from __future__ import annotations

from linter.policy import Policy
from tests.conftest import lint_haproxy, parse_haproxy

EXCHANGE = """
defaults
    mode http
    timeout server 65m
frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.pem
    acl activesync path_beg -i /microsoft-server-activesync
{rules}
    http-request deny deny_status 403 if {{ path_beg -i /ews/ }} {{ req.fhdr(User-Agent) -m sub -i CloudMagic }}
    default_backend be_exchange
backend be_exchange
    server exch1 10.0.0.11:443 ssl verify none
"""


def found(text: str, policy: Policy) -> set[tuple[str, int]]:
    return {(f.rule_id, f.location.line) for f in lint_haproxy(text, policy)}


def test_a_case_sensitive_devicetype_test_behind_a_case_insensitive_user_agent_test(policy: Policy) -> None:
    # A request without User-Agent and with DeviceType=cLOUDmAGIC gets past both rules.
    text = EXCHANGE.format(rules="""\
    http-request deny deny_status 403 if activesync { req.fhdr(User-Agent) -m sub -i CloudMagic }
    http-request deny deny_status 403 if activesync { url_param(DeviceType) -m str CloudMagic }""")
    assert found(text, policy) == {("EAS202", 9)}


def test_set_timeout_needs_a_backend_and_2_6_knows_no_client_timeout(policy: Policy) -> None:
    device = parse_haproxy(EXCHANGE.format(rules="""\
    http-request set-timeout server 5m if activesync
    http-request set-timeout client 65m"""))
    messages = [(d.code, d.location.line, d.message) for d in device.diagnostics]
    assert [(code, line) for code, line, _ in messages] == [("EAS001", 8), ("EAS001", 9)]
    assert "needs a backend capability, which frontend fe_exchange has not" in messages[0][2]
    assert "supports 'server'/'tunnel' (got 'client')" in messages[1][2]
    assert not any(f.rule_id == "EAS101" for f in lint_haproxy(EXCHANGE.format(rules="    http-request set-timeout server 5m"), policy))


def test_an_unknown_server_option_is_reported_once(policy: Policy) -> None:
    device = parse_haproxy("backend be_exchange\n    mode http\n    server exch1 10.0.0.11:443 init-state up check\n")
    assert [(d.code, d.location.column) for d in device.diagnostics] == [("EAS002", 32)]


def test_form_gap_messages_read_as_sentences(policy: Policy) -> None:
    text = EXCHANGE.format(rules="    http-request deny if activesync { url_param(DeviceType) -m str -i CloudMagic }")
    [gap] = [f for f in lint_haproxy(text, policy) if f.rule_id == "EAS203"]
    assert gap.message == (
        "the block at line 8 refuses CloudMagic's plain requests but not its base64-encoded query form "
        "(MS-ASHTTP 2.2.1.1.1.1), which hides DeviceType in binary: that form reaches backend be_exchange"
    )


def test_tls_passthrough_routed_by_sni_is_on_the_activesync_path(policy: Policy) -> None:
    text = """
defaults
    timeout client 30m
    timeout server 30m
frontend fe_tls
    mode tcp
    bind :443
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend be_exchange if { req.ssl_sni -i mail.example.com }
    default_backend be_other
backend be_exchange
    mode tcp
    server exch1 10.0.0.11:443
backend be_other
    mode tcp
    server web1 10.0.0.21:443
"""
    assert found(text, policy) == {("EAS102", 3), ("EAS102", 4), ("EAS207", 5)}


def test_an_exchange_host_is_probed_however_many_other_hosts_come_first(policy: Policy) -> None:
    routes = "\n".join(f"    use_backend be_app{i} if {{ hdr(host) -i app{i}.example.com }}" for i in range(20))
    apps = "\n".join(f"backend be_app{i}\n    server a{i} 10.0.1.{i}:80" for i in range(20))
    text = f"""
defaults
    mode http
    timeout server 30m
frontend fe_shared
    bind :443 ssl crt /etc/haproxy/certs/shared.pem
{routes}
    use_backend be_exchange if {{ hdr(host) -i mail.example.com }}
backend be_exchange
    server exch1 10.0.0.11:443
{apps}
"""
    assert ("EAS102", 4) in found(text, policy) and ("EAS201", 5) in found(text, policy)
