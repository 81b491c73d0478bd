"""Whatever the input, the whole pipeline (parse, analyze, every rule) returns findings and
never raises: configurations are assembled from realistic and broken HAProxy lines."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.policy import Policy
from tests.conftest import lint_haproxy

LINES = [
    "global", "defaults", "defaults named", "defaults d2 from named", "frontend fe_exchange", "frontend fe from named",
    "backend be_exchange", "backend be_web", "listen eas", "mode http", "mode tcp", "mode bogus",
    "bind :443 ssl crt /x.pem", "bind :80", "bind 10.0.0.1:8443,:9443", "bind :", "bind unix@/run/x.sock",
    "timeout server 30m", "timeout server 65m", "timeout client 1m", "timeout tunnel 1h", "timeout server 0",
    "timeout server 1.5s", "timeout bogus 1s",
    "acl eas path_beg -i /microsoft-server-activesync", "acl bad_ua req.fhdr(user-agent) -m sub -i cloudmagic",
    "acl bad_ua url_param(DeviceType) -m str cloudmagic", "acl weird hdr_reg(user-agent) (a+)+$", "acl broken blah(x)",
    "http-request deny if eas bad_ua", "http-request allow if eas", "http-request deny if !eas or bad_ua",
    "http-request deny if { hdr(user-agent) -m sub CloudMagic }", "http-request deny if nosuchacl",
    "http-request lua.check", "http-request set-header User-Agent x", "http-request set-timeout server 65m if eas",
    "http-request redirect scheme https unless { ssl_fc }", "http-request return status 200",
    "tcp-request content reject if { src 10.0.0.0/8 }", "tcp-request inspect-delay 5s",
    "use_backend be_exchange if eas", "use_backend be_web", "use_backend missing", "use_backend %[req.hdr(host)]",
    "default_backend be_exchange", "default_backend be_web", "server exch1 10.0.0.11:443 ssl verify none",
    "server web1 10.0.0.21:80 check", "default-server ssl", "option httpchk GET /owa/healthcheck.htm",
    "stats uri /", "monitor-uri /microsoft-server-activesync", ".if feature(QUIC)", ".else", ".endif",
    'acl q hdr(x) -m sub "unterminated', "reqdeny ^User-Agent", "frobnicate", "{", "}", "!", "if", "",
    "http-request if eas", "tcp-request content unless eas", "use_backend if eas", "redirect location if eas",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(LINES), max_size=40), st.lists(st.sampled_from(["", "    ", "\t"]), min_size=40, max_size=40))
def test_any_assembly_of_lines_is_linted_without_raising(policy: Policy, lines: list[str], indents: list[str]) -> None:
    text = "\n".join(indent + line for indent, line in zip(indents, lines))
    for finding in lint_haproxy(text, policy):
        assert finding.rule_id.startswith("EAS") and finding.location.line >= 1 and finding.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_arbitrary_text_is_linted_without_raising(policy: Policy, text: str) -> None:
    lint_haproxy(text, policy)
