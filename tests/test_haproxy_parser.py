"""The HAProxy parser: sections, defaults inheritance, timers, binds, servers, and accounting for
every line (modelled, known and irrelevant, or reported)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.model import ActionKind, Device, Listener, Pool, TimerKind
from parsers.haproxy.timeouts import TimeError, format_seconds, parse_time_ms
from tests.conftest import parse_haproxy


def listener(device: Device, name: str) -> Listener:
    return next(item for item in device.listeners if item.name == name)


def pool(device: Device, name: str) -> Pool:
    found = device.pool(name)
    assert found is not None
    return found


def codes(device: Device) -> list[tuple[str, int]]:
    return [(diagnostic.code, diagnostic.location.line) for diagnostic in device.diagnostics]


@pytest.mark.parametrize(
    ("text", "milliseconds"),
    [("500", 500), ("30s", 30_000), ("30m", 1_800_000), ("1h", 3_600_000), ("2d", 172_800_000), ("1500us", 1.5), ("10ms", 10)],
)
def test_time_units(text: str, milliseconds: float) -> None:
    assert parse_time_ms(text) == milliseconds


@pytest.mark.parametrize("text", ["1.5s", "30x", "", "s", "25d", "-1s"])
def test_times_haproxy_refuses(text: str) -> None:
    with pytest.raises(TimeError):
        parse_time_ms(text)


def test_format_seconds_prefers_the_largest_exact_unit() -> None:
    assert [format_seconds(s) for s in (3900, 3600, 90, 1.5)] == ["65m", "1h", "90s", "1500ms"]


HTTP_DEFAULTS = """
defaults
    mode http
    timeout client 1m
    timeout server 30m
"""


def test_http_mode_puts_only_timeout_server_on_the_ping_path() -> None:
    device = parse_haproxy(HTTP_DEFAULTS + """
frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.pem
    default_backend be_exchange
backend be_exchange
    server exch1 10.0.0.11:443 ssl verify none
""")
    front = listener(device, "fe_exchange")
    back = pool(device, "be_exchange")
    assert front.l7 and back.l7
    assert front.timers == ()  # timeout client does not run while the answer is awaited
    [timer] = back.timers
    assert (timer.kind, timer.seconds, timer.setting, timer.explicit) == (TimerKind.RESPONSE, 1800, "timeout server", True)
    assert timer.inherited_from == "defaults"
    assert timer.location.line == 5
    assert "inherited by backend be_exchange" in timer.source


def test_tcp_mode_client_and_server_timers_and_tunnel_supersedes_both() -> None:
    device = parse_haproxy("""
defaults
    timeout client 10m
    timeout server 10m
frontend fe_eas
    bind :443
    default_backend be_eas
backend be_eas
    timeout tunnel 2h
    server exch1 10.0.0.11:443
""")
    front = listener(device, "fe_eas")
    back = pool(device, "be_eas")
    assert not front.l7 and "HAProxy's default" in front.mode_source
    assert [(t.kind, t.seconds) for t in front.timers] == [(TimerKind.CLIENT_IDLE, 600)]
    assert [(t.kind, t.seconds) for t in back.timers] == [(TimerKind.SERVER_IDLE, 600), (TimerKind.SESSION_IDLE, 7200)]
    assert back.timers[1].replaces == (TimerKind.CLIENT_IDLE, TimerKind.SERVER_IDLE)


def test_unset_and_zero_timeouts_are_unbounded() -> None:
    device = parse_haproxy("""
defaults
    mode http
backend be_unset
    server a 10.0.0.1:80
backend be_zero
    timeout server 0
    server a 10.0.0.1:80
""")
    [unset] = pool(device, "be_unset").timers
    [zero] = pool(device, "be_zero").timers
    assert (unset.seconds, unset.explicit) == (None, False)
    assert (zero.seconds, zero.explicit) == (None, True)
    assert "0 disables the timeout" in zero.source


def test_proxies_take_the_latest_defaults_unless_from_names_one() -> None:
    device = parse_haproxy("""
defaults long
    mode http
    timeout server 2h
defaults short
    mode http
    timeout server 10s
backend be_latest
    server a 10.0.0.1:80
backend be_named from long
    server a 10.0.0.1:80
defaults
    mode tcp
backend be_reset
    server a 10.0.0.1:80
""")
    assert pool(device, "be_latest").timers[0].seconds == 10
    assert pool(device, "be_named").timers[0].seconds == 7200
    reset = pool(device, "be_reset")  # a new defaults section resets everything
    assert not reset.l7 and reset.timers[0].seconds is None


def test_defaults_from_defaults_inherits_then_overrides() -> None:
    device = parse_haproxy("""
defaults base
    mode http
    timeout server 5m
defaults exchange from base
    timeout connect 5s
backend be_exchange from exchange
    server a 10.0.0.1:443
""")
    [timer] = pool(device, "be_exchange").timers
    assert timer.seconds == 300 and timer.inherited_from == "defaults base"


def test_named_defaults_rules_run_before_the_proxy_rules() -> None:
    device = parse_haproxy("""
defaults hardened
    mode http
    timeout server 65m
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }
frontend fe_exchange from hardened
    bind :443
    http-request deny if { path_beg /wp-admin }
    default_backend be_exchange
defaults
    mode http
    timeout server 65m
backend be_exchange
    server a 10.0.0.1:443
""")
    steps = listener(device, "fe_exchange").steps
    assert [step.location.line for step in steps] == [5, 8]
    assert codes(device) == []


def test_a_rules_defaults_shared_by_frontend_and_backend_is_refused_at_its_header() -> None:
    device = parse_haproxy("""
defaults hardened
    mode http
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }
frontend fe
    bind :443
    default_backend be
backend be
    server a 10.0.0.1:443
""")
    [diagnostic] = device.diagnostics
    assert (diagnostic.code, diagnostic.location.line) == ("EAS001", 2)
    assert "cannot inherit from the same defaults section" in diagnostic.message


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("defaults\n    mode http\n    http-request deny\n", [("EAS001", 3)]),  # rules need a named defaults
        ("defaults d\n    mode http\n    http-request deny\ndefaults e from d\n", [("EAS001", 4)]),
        ("defaults d\n    mode http\n    http-request deny\nlisten l from d\n    bind :80\n", [("EAS001", 4)]),
        ("frontend f from nope\n    bind :80\n", [("EAS001", 1)]),
    ],
)
def test_defaults_misuse_haproxy_refuses(config: str, expected: list[tuple[str, int]]) -> None:
    assert codes(parse_haproxy(config)) == expected


def test_http_request_runs_before_use_backend_whatever_the_order() -> None:
    device = parse_haproxy(HTTP_DEFAULTS + """
frontend fe
    bind :80
    use_backend be_a if { path_beg /a }
    http-request deny if { path_beg /b }
    default_backend be_a
backend be_a
    server a 10.0.0.1:80
""")
    steps = listener(device, "fe").steps
    assert [(step.phase, step.location.line) for step in steps] == [("http-request", 10), ("use_backend", 9)]


def test_rules_in_a_tcp_proxy_that_need_http_are_reported_and_dropped() -> None:
    device = parse_haproxy("""
frontend fe_eas
    mode tcp
    bind :443
    http-request deny if { hdr_sub(user-agent) cloudmagic }
    default_backend be_eas
backend be_eas
    mode tcp
    server a 10.0.0.1:443
""")
    assert listener(device, "fe_eas").steps == ()
    [diagnostic] = device.diagnostics
    assert (diagnostic.code, diagnostic.location.line) == ("EAS002", 5)
    assert "require HTTP mode" in diagnostic.message


def test_binds_addresses_ports_ranges_and_tls() -> None:
    device = parse_haproxy("""
frontend fe
    mode http
    bind 192.0.2.10:443,:8443 ssl crt /etc/haproxy/certs/a.pem alpn h2,http/1.1
    bind :::80 v4v6
    bind ipv4@*:9000-9009
    bind unix@/run/haproxy/fe.sock
    bind quic4@:443 ssl crt /etc/haproxy/certs/a.pem
""")
    binds = [(b.address, b.port, b.port_end, b.tls) for b in listener(device, "fe").binds]
    assert binds == [
        ("192.0.2.10", 443, None, True),
        (None, 8443, None, True),
        (None, 80, None, False),
        (None, 9000, 9009, False),
        ("unix@/run/haproxy/fe.sock", None, None, False),
        (None, 443, None, True),
    ]
    assert device.diagnostics == ()


@pytest.mark.parametrize(
    ("bind", "message"),
    [(":", "missing port"), (":::+11011", "port offset"), (":0", "invalid port '0'"), (":65016-1024", "invalid port range"),
     ("udp@:11013", "dgram-type"), (":66016", "invalid port '66016'")],
)
def test_bind_errors_match_haproxy(bind: str, message: str) -> None:
    device = parse_haproxy(f"frontend fe\n    bind {bind}\n")
    [diagnostic] = device.diagnostics
    assert diagnostic.code == "EAS001" and message in diagnostic.message


def test_servers_tls_from_default_server_and_labels() -> None:
    device = parse_haproxy("""
backend be_mbx
    mode http
    description Exchange 2019 mailbox servers
    default-server ssl verify none check inter 5s
    option httpchk GET /owa/healthcheck.htm
    server mbx1 10.0.0.11:443
    server mbx2 exch02.corp.example:443 no-ssl source 10.9.0.1 usesrc clientip
    server-template mbx 3 10.0.0.20:443
""")
    back = pool(device, "be_mbx")
    assert [(m.name, m.address, m.port, m.tls) for m in back.members] == [
        ("mbx1", "10.0.0.11", 443, True),
        ("mbx2", "exch02.corp.example", 443, False),
        ("mbx*", "10.0.0.20", 443, True),
    ]
    assert "Exchange 2019 mailbox servers" in back.labels
    assert "/owa/healthcheck.htm" in back.labels
    assert "exch02.corp.example" in back.labels
    assert device.diagnostics == ()


def test_every_line_is_modelled_known_or_reported() -> None:
    device = parse_haproxy("""
global
    maxconn 4096
    tune.ssl.default-dh-param 2048
    no-such-global-keyword on
defaults
    mode http
    option httplog
    compression algo gzip
frontend fe
    bind :80
    stick-table type ip size 1m expire 10m
    http-response set-header X-Frame-Options DENY
    capture request header User-Agent len 64
    frobnicate everything
    reqdeny ^User-Agent:.*CloudMagic
    block if { path /x }
    clitimeout 5000
""")
    assert codes(device) == [("EAS002", 5), ("EAS002", 15), ("EAS001", 16), ("EAS001", 17), ("EAS001", 18)]


def test_conditional_blocks() -> None:
    device = parse_haproxy("""
frontend fe
    mode http
.if 0
    bind :81
.elif 1
    bind :82
.else
    bind :83
.endif
.if feature(QUIC)
    bind :84
.else
    bind :85
.endif
""")
    assert [b.port for b in listener(device, "fe").binds] == [82, 84]
    [diagnostic] = device.diagnostics
    assert (diagnostic.code, diagnostic.location.line) == ("EAS003", 11)


def test_lex_errors_and_lines_out_of_section() -> None:
    device = parse_haproxy('timeout server 30s\nfrontend fe\n    acl a hdr(user-agent) -m sub "x\n    bind :80\n')
    assert codes(device) == [("EAS001", 1), ("EAS001", 3)]
    assert listener(device, "fe").binds[0].port == 80  # the rest of the file is still read


def test_use_backend_to_a_missing_backend_and_wrong_mode() -> None:
    device = parse_haproxy("""
frontend fe
    mode http
    bind :80
    use_backend nope if { path_beg /x }
    default_backend be_tcp
backend be_tcp
    mode tcp
    server a 10.0.0.1:80
""")
    messages = [d.message for d in device.diagnostics]
    assert any("unable to find required use_backend: 'nope'" in m for m in messages)
    assert any("incompatible tcp backend be_tcp" in m for m in messages)


def test_dynamic_use_backend_is_opaque() -> None:
    device = parse_haproxy("""
frontend fe
    mode http
    bind :80
    use_backend %[req.hdr(host),lower,map(/etc/haproxy/hosts.map,be_default)]
""")
    [step] = listener(device, "fe").steps
    assert step.action.kind is ActionKind.ROUTE and step.action.pool is None
    assert step.action.opaque is not None and "computed at run time" in step.action.opaque.reason


def test_pattern_files_are_read_only_when_beside_the_config(tmp_path: Path) -> None:
    (tmp_path / "blocked-agents.lst").write_text("# third-party apps\n  CloudMagic\n\nNewton\n")
    text = """
frontend fe
    mode http
    bind :80
    acl bad_ua req.fhdr(user-agent) -m sub -i -f /etc/haproxy/blocked-agents.lst
    acl missing req.fhdr(user-agent) -m sub -f /etc/haproxy/nowhere.lst
    http-request deny if bad_ua || missing
"""
    [step] = listener(parse_haproxy(text, config_dir=tmp_path), "fe").steps
    bad_ua, missing = step.condition.terms
    assert bad_ua.values == ("CloudMagic", "Newton") and not bad_ua.case_sensitive
    assert "not beside the configuration" in missing.reason


@pytest.mark.parametrize(("rule", "refused"), [("deny deny_status 402", True), ("deny deny_status 429", False),
                                               ("tarpit status 302", True), ("return status 302", False),
                                               ("deny status 402 content-type text/plain string nope", False)])
def test_deny_status_codes_haproxy_accepts(rule: str, refused: bool) -> None:
    device = parse_haproxy(f"frontend fe\n    mode http\n    bind :80\n    http-request {rule}\n")
    assert (codes(device) == [("EAS001", 4)]) is refused
    assert len(listener(device, "fe").steps) == (0 if refused else 1)


def test_a_unit_followed_by_more_characters_is_read_as_haproxy_2_6_reads_it() -> None:
    from parsers.haproxy.timeouts import parse_time

    assert parse_time("65min") == (3_900_000, "in") and parse_time("1h5m") == (3_600_000, "5m")
    device = parse_haproxy("backend be\n    mode http\n    timeout server 65min\n    timeout connect 5 s\n")
    assert pool(device, "be").timers[0].seconds == 3900
    assert [(d.code, d.location.line) for d in device.diagnostics] == [("EAS002", 3), ("EAS001", 4)]
    assert "unexpected extra argument 's' after value '5'" in device.diagnostics[1].message


@pytest.mark.parametrize(("rule", "message"), [
    ("http-request if { src 10.0.0.1 }", "'http-request' expects an action before 'if'"),
    ("http-request unless { src 10.0.0.1 }", "'http-request' expects an action before 'unless'"),
    ("tcp-request content if { src 10.0.0.1 }", "'tcp-request content' expects an action before 'if'"),
    ("use_backend if { src 10.0.0.1 }", "'use_backend' expects a backend name before 'if'"),
    ("redirect location if { src 10.0.0.1 }", "'redirect location' expects a target before 'if'"),
])
def test_a_rule_with_nothing_before_its_condition_is_refused_as_haproxy_refuses_it(rule: str, message: str,
                                                                                  tmp_path: Path) -> None:
    from tests.haproxy_support import haproxy_check

    text = (f"defaults\n    mode http\n    timeout client 65m\n    timeout server 65m\n    timeout connect 5s\n"
            f"frontend fe\n    bind :80\n    {rule}\n    default_backend be\nbackend be\n    server s1 10.0.0.1:80\n")
    device = parse_haproxy(text)
    assert codes(device) == [("EAS001", 8)]
    assert message in device.diagnostics[0].message
    assert listener(device, "fe").steps == ()
    config = tmp_path / "haproxy.cfg"
    config.write_text(text, encoding="utf-8")
    result = haproxy_check(config, tmp_path)
    assert result.returncode != 0 and ":8]" in result.stdout, result.stdout
