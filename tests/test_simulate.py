"""The simulator on HAProxy semantics: evaluation order, phases, conditions, unknowns, timers.
(tests/live checks the same semantics against a running HAProxy.)"""

from __future__ import annotations

import dataclasses

from linter.analysis import entry_binds
from linter.model import Device, TimerKind
from linter.policy import Policy
from linter.probes import Probe, ProbeForm, Role, build_probes
from linter.simulate import MAX_BRANCHES, Outcome, Verdict, simulate_on
from tests.conftest import parse_haproxy

HEAD = """
defaults
    mode http
    timeout client 1m
    timeout server 65m
"""
BACKENDS = """
backend be_exchange
    server exch1 10.0.0.11:443 ssl verify none
backend be_web
    server web1 10.0.0.21:80
"""


def probe(policy: Policy, client: str = "CloudMagic", form: ProbeForm = ProbeForm.PLAIN, **changes: object) -> Probe:
    found = next(p for p in build_probes(policy) if p.client == client and p.form is form)
    return found.retarget(dataclasses.replace(found.request, **changes)) if changes else found


def run(device: Device, probe_: Probe, listener_name: str = "fe", host: str = "mail.example.com") -> Outcome:
    listener = next(item for item in device.listeners if item.name == listener_name)
    bind = entry_binds(listener)[0]
    request = probe_.request.arriving_at(bind.address, bind.port, bind.tls).with_host(host)
    return simulate_on(device, listener, bind, probe_.retarget(request))


def frontend(rules: str, extra: str = "") -> Device:
    return parse_haproxy(HEAD + f"""
frontend fe
    bind :443 ssl crt /etc/haproxy/certs/mail.pem
{rules}
    default_backend be_exchange
""" + BACKENDS + extra)


def test_first_deny_decides_and_names_the_step(policy: Policy) -> None:
    device = frontend("""
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }
    http-request deny if { path_beg /never }""")
    outcome = run(device, probe(policy))
    assert outcome.verdict is Verdict.DENIED
    assert outcome.decided_by is not None and outcome.decided_by.location.line == 10
    assert outcome.pools == ("be_exchange",)  # where it was heading


def test_allow_ends_the_http_request_rules_but_routing_still_happens(policy: Policy) -> None:
    device = frontend("""
    http-request allow if { path_beg -i /microsoft-server-activesync }
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }
    use_backend be_web if { path_beg -i /microsoft-server-activesync }""")
    outcome = run(device, probe(policy))
    assert outcome.verdict is Verdict.ALLOWED and outcome.pools == ("be_web",)
    assert any("skipped, http-request rules already ended" in event.message for event in outcome.primary.trace)


def test_backend_rules_run_after_routing(policy: Policy) -> None:
    device = frontend("    use_backend be_guarded if { path_beg -i /microsoft-server-activesync }", """
backend be_guarded
    http-request deny if { url_param(DeviceType) -m str -i cloudmagic }
    server exch1 10.0.0.11:443
""")
    assert run(device, probe(policy)).verdict is Verdict.DENIED
    assert run(device, probe(policy, client="iOS Mail")).pools == ("be_guarded",)


def test_an_allow_in_the_frontend_does_not_end_the_backend_rules(policy: Policy) -> None:
    device = frontend("""
    http-request allow if { path_beg -i /microsoft-server-activesync }
    use_backend be_guarded if { path_beg -i /microsoft-server-activesync }""", """
backend be_guarded
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }
    server exch1 10.0.0.11:443
""")
    assert run(device, probe(policy)).verdict is Verdict.DENIED


def test_same_name_acls_or_together_including_later_lines(policy: Policy) -> None:
    device = frontend("""
    acl bad_app req.fhdr(user-agent) -m sub -i newton
    http-request deny if bad_app
    acl bad_app url_param(DeviceType) -m str -i cloudmagic""")
    assert run(device, probe(policy, form=ProbeForm.DEVICETYPE_ONLY)).verdict is Verdict.DENIED


def test_flags_apply_to_later_patterns_only(policy: Policy) -> None:
    device = frontend("    http-request deny if { req.fhdr(user-agent) -m sub CLOUDMAGIC -i }")
    # "-i" after a pattern is a pattern: the test stays case-sensitive and never matches.
    assert run(device, probe(policy)).verdict is Verdict.ALLOWED


def test_hdr_splits_on_commas_but_fhdr_does_not(policy: Policy) -> None:
    headers = (("User-Agent", "Mozilla/5.0 (like Gecko), CloudMagic"), ("Content-Type", "application/vnd.ms-sync.wbxml"))
    split = frontend("    http-request deny if { hdr(user-agent) -m str CloudMagic }")
    whole = frontend("    http-request deny if { req.fhdr(user-agent) -m str CloudMagic }")
    assert run(split, probe(policy, headers=headers)).verdict is Verdict.DENIED
    assert run(whole, probe(policy, headers=headers)).verdict is Verdict.ALLOWED


def test_url_param_names_are_case_sensitive_and_semicolons_delimit(policy: Policy) -> None:
    device = frontend("    http-request deny if { url_param(devicetype) -m str -i cloudmagic }")
    assert run(device, probe(policy)).verdict is Verdict.ALLOWED
    assert run(device, probe(policy, query="x=1;devicetype=CloudMagic")).verdict is Verdict.DENIED


def test_or_negation_and_unless(policy: Policy) -> None:
    device = frontend("""
    acl eas path_beg -i /microsoft-server-activesync
    http-request deny if !eas or { path_beg /nothing }
    http-request deny unless { req.fhdr(user-agent) -m found } || { src 10.0.0.0/8 }""")
    assert run(device, probe(policy, form=ProbeForm.DEVICETYPE_ONLY)).verdict is Verdict.DENIED
    assert run(device, probe(policy, client="iOS Mail")).verdict is Verdict.ALLOWED


def test_redirect_and_not_served(policy: Policy) -> None:
    device = parse_haproxy(HEAD + """
frontend fe
    bind :80
    http-request redirect scheme https code 301 unless { ssl_fc }
frontend fe_nothing
    bind :8080
""" + BACKENDS)
    assert run(device, probe(policy)).verdict is Verdict.REDIRECTED
    assert run(device, probe(policy), "fe_nothing").verdict is Verdict.NOT_SERVED


def test_lua_action_is_indeterminate_unless_a_later_deny_decides_anyway(policy: Policy) -> None:
    device = frontend("""
    http-request lua.check_client
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }""")
    blocked = run(device, probe(policy))
    assert blocked.verdict is Verdict.DENIED  # both branches refuse
    native = run(device, probe(policy, client="iOS Mail"))
    assert native.verdict is Verdict.INDETERMINATE
    assert [branch.verdict for branch in native.branches] == [Verdict.ALLOWED, Verdict.DENIED]
    assert "Lua action lua.check_client" in native.unknowns[0].reason


def test_dynamic_backend_makes_routing_unknown(policy: Policy) -> None:
    device = parse_haproxy(HEAD + """
frontend fe
    bind :443
    use_backend %[req.hdr(host),lower,map(/etc/haproxy/hosts.map)]
""" + BACKENDS)
    outcome = run(device, probe(policy, client="iOS Mail"))
    assert outcome.verdict is Verdict.INDETERMINATE and outcome.pools == ()


def test_a_rewritten_field_cannot_be_trusted_but_other_headers_can(policy: Policy) -> None:
    device = frontend("""
    http-request del-header X-Forwarded-For
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }
    http-request set-header User-Agent probe
    http-request deny if { req.fhdr(user-agent) -m sub -i iphone }""")
    assert run(device, probe(policy)).verdict is Verdict.DENIED
    native = run(device, probe(policy, client="iOS Mail"))
    assert native.verdict is Verdict.INDETERMINATE
    assert "rewritten at line 12" in native.unknowns[0].reason


def test_set_timeout_overrides_the_server_timeout_for_matching_requests(policy: Policy) -> None:
    device = parse_haproxy("""
defaults
    mode http
    timeout server 30s
frontend fe
    bind :443
    default_backend be_exchange
backend be_exchange
    http-request set-timeout server 65m if { path_beg -i /microsoft-server-activesync }
    server exch1 10.0.0.11:443
""")
    [timer] = run(device, probe(policy, client="iOS Mail")).primary.timers
    assert (timer.kind, timer.seconds, timer.location.line) == (TimerKind.RESPONSE, 3900, 9)
    [other] = run(device, probe(policy, client="iOS Mail", path="/owa/")).primary.timers
    assert other.seconds == 30


def test_tcp_passthrough_cannot_see_http_and_tunnel_replaces_idle_timers(policy: Policy) -> None:
    device = parse_haproxy("""
defaults
    timeout client 1m
    timeout server 1m
frontend fe
    bind :443
    tcp-request content reject if { req.fhdr(user-agent) -m sub -i cloudmagic }
    default_backend be_exchange
backend be_exchange
    timeout tunnel 2h
    server exch1 10.0.0.11:443
""")
    outcome = run(device, probe(policy))
    assert outcome.verdict is Verdict.ALLOWED
    assert [(t.kind, t.seconds) for t in outcome.primary.timers] == [(TimerKind.SESSION_IDLE, 7200)]


def test_listen_rules_run_once(policy: Policy) -> None:
    device = parse_haproxy(HEAD + """
listen eas
    bind :443
    http-request deny if { req.fhdr(user-agent) -m sub -i cloudmagic }
    server exch1 10.0.0.11:443
""")
    outcome = run(device, probe(policy, client="iOS Mail"), "eas")
    assert outcome.verdict is Verdict.ALLOWED and outcome.pools == ("eas",)
    assert sum("cloudmagic" in event.message for event in outcome.primary.trace) == 1


def test_branching_is_capped(policy: Policy) -> None:
    rules = "\n".join(f"    http-request lua.check{i}" for i in range(12))
    outcome = run(frontend(rules), probe(policy, client="iOS Mail"))
    assert outcome.verdict is Verdict.INDETERMINATE
    assert len(outcome.branches) <= MAX_BRANCHES
    assert outcome.primary.verdict is Verdict.ALLOWED and outcome.primary.assumptions


def test_probe_role_is_kept_through_retargeting(policy: Policy) -> None:
    outcome = run(frontend(""), probe(policy, client="Android native"))
    assert outcome.probe.role is Role.ALLOWED and outcome.probe.request.host == "mail.example.com"


def test_url_param_separators_and_delimiter_as_haproxy_reads_them(policy: Policy) -> None:
    anywhere = frontend("    http-request deny if { url_param(DeviceType) -m str -i cloudmagic }")
    assert run(anywhere, probe(policy, query="Cmd=Ping?DeviceType=CloudMagic")).verdict is Verdict.DENIED
    after_semicolon = frontend("    http-request deny if { url_param(DeviceType,;) -m str -i cloudmagic }")
    # With a delimiter the parameter list starts after its first occurrence in the URL.
    assert run(after_semicolon, probe(policy)).verdict is Verdict.ALLOWED
    assert run(after_semicolon, probe(policy, query="a=1;DeviceType=CloudMagic")).verdict is Verdict.DENIED
    assert run(after_semicolon, probe(policy, query="DeviceType=CloudMagic;b=2")).verdict is Verdict.ALLOWED


def test_req_ssl_sni_sees_nothing_once_tls_is_offloaded_but_ssl_fc_sni_does(policy: Policy) -> None:
    device = parse_haproxy(HEAD + """
frontend fe
    bind :443 ssl crt /etc/haproxy/certs/mail.pem
    use_backend be_web if { req.ssl_sni -i mail.example.com }
    use_backend be_exchange if { ssl_fc_sni -i mail.example.com }
""" + BACKENDS)
    assert run(device, probe(policy, client="iOS Mail")).pools == ("be_exchange",)
