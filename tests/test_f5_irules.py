"""The iRule translator: Tcl reading, condition semantics, decisions, and the verdicts the
simulator reaches with the translated steps, checked against what BIG-IP does with the same
request (reject/respond win over any pool, the last `pool` wins, `return` ends one handler,
a missing header reads as "")."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.model import (
    ActionKind,
    Bind,
    Device,
    Listener,
    Location,
    Opaque,
    Pool,
    Step,
    TimerKind,
)
from linter.policy import Policy
from linter.probes import Probe, ProbeForm, build_probes
from linter.scope import iter_matches
from linter.simulate import Verdict, simulate_on
from parsers.f5.irules import (
    DataGroup,
    IRuleResult,
    combine_irules,
    glob_to_test,
    translate_irule,
)
from parsers.f5.tcl import (
    TclSyntaxError,
    matching_brace,
    parse_expression,
    parse_script,
    split_list,
)
from tests.conftest import CORPUS

F5_CORPUS = CORPUS / "f5"
EXCHANGE = "/Common/exchange_pool"
DEFAULT = "/Common/default_pool"
LOCATION = Location("bigip.conf", 1)


def translate(body: str, name: str = "/Common/eas_rule", data_groups: dict[str, DataGroup] | None = None,
              **options: object) -> IRuleResult:
    return translate_irule(name, body, 100, "bigip.conf", data_groups or {}, **options)  # type: ignore[arg-type]


def device_for(steps: tuple[Step, ...], pools: tuple[str, ...] = ()) -> Device:
    names = dict.fromkeys((EXCHANGE, DEFAULT) + pools)
    listener = Listener("vs_exchange", "ltm virtual /Common/vs_exchange", LOCATION, True, "test",
                        (Bind("192.0.2.10", 443, True, LOCATION),), steps, DEFAULT, LOCATION)
    return Device("f5", "bigip.conf", ("bigip.conf",), (listener,),
                  tuple(Pool(name, f"ltm pool {name}", LOCATION, True) for name in names))


def outcome(steps: tuple[Step, ...], probe: Probe, pools: tuple[str, ...] = ()):
    device = device_for(steps, pools)
    listener = device.listeners[0]
    request = probe.request.arriving_at("192.0.2.10", 443, True).with_host("mail.example.com")
    return simulate_on(device, listener, listener.binds[0], probe.retarget(request))


def probes(policy: Policy, client: str, form: ProbeForm | None = None) -> list[Probe]:
    return [p for p in build_probes(policy) if p.client == client and (form is None or p.form is form)]


def verdicts(result: IRuleResult, policy: Policy) -> dict[str, Verdict]:
    return {p.label: outcome(result.steps, p, result.pools).verdict for p in build_probes(policy)}


# -- Tcl reading -----------------------------------------------------------------------------------


def test_tcl_words_comments_continuations_and_separators() -> None:
    text = 'set a [string tolower [HTTP::header "User-Agent"]]; log local0. "x \\"y\\" $a"\n# a { comment\nfoo \\\n  bar {b {c}}\n'
    script = parse_script(text)
    assert script.error is None
    assert [c.name for c in script.commands] == ["set", "log", "foo"]
    foo = script.commands[2]
    assert [w.literal for w in foo.words] == ["foo", "bar", "b {c}"]
    quoted = script.commands[1].words[2]
    assert [(p.kind, p.value) for p in quoted.parts] == [("text", 'x "y" '), ("variable", "a")]


def test_tcl_brace_inside_quotes_still_counts_inside_braces() -> None:
    # Tcl counts braces in a braced word even inside quotes: this body is unbalanced.
    text = 'when HTTP_REQUEST { log local0. "{" }'
    assert parse_script(text).error is not None
    assert matching_brace("{ a \\{ b }", 0) == 9


def test_tcl_reports_missing_bracket_with_offset() -> None:
    script = parse_script("set a 1\nset b [HTTP::uri\n")
    assert [c.name for c in script.commands] == ["set"]
    assert isinstance(script.error, TclSyntaxError) and script.error.offset > 8


def test_list_split_keeps_brackets_literal() -> None:
    text = '"*[Cc]loud*" - {/a b} { pool x }\n default {reject}'
    elements = split_list(text, 0, len(text))
    assert not isinstance(elements, TclSyntaxError)
    assert [e.value for e in elements] == ["*[Cc]loud*", "-", "/a b", " pool x ", "default", "reject"]


def test_expression_precedence() -> None:
    tree = parse_expression('$a eq 1 or $b contains "x" and not $c')
    assert tree.op == "or" and tree.right.op == "and"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("*cloudmagic*", ("contains", "cloudmagic")), ("/owa*", ("prefix", "/owa")), ("*.css", ("suffix", ".css")),
     ("exact", ("equals", "exact")), ("a\\*b", ("equals", "a*b")), ("*a*b*", ("regex", "^.*a.*b.*$"))],
)
def test_glob_translation(pattern: str, expected: tuple[str, str]) -> None:
    op, value = glob_to_test(pattern)  # type: ignore[misc]
    assert (op.value, value) == expected


# -- blocking semantics ------------------------------------------------------------------------------

BLOCK_BY_UA_AND_DEVICETYPE = """
when HTTP_REQUEST {
    set ua [string tolower [HTTP::header "User-Agent"]]
    if { [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" } {
        if { $ua contains "cloudmagic" or [string tolower [URI::query [HTTP::uri] DeviceType]] eq "cloudmagic" } {
            HTTP::respond 403 content "Third-party ActiveSync clients are not allowed"
            return
        }
        pool exchange_pool
    }
}
"""


def test_case_insensitive_block_refuses_every_form_that_names_the_app(policy: Policy) -> None:
    result = translate(BLOCK_BY_UA_AND_DEVICETYPE)
    assert result.diagnostics == ()
    assert result.pools == (EXCHANGE,)
    found = verdicts(result, policy)
    for label, verdict in found.items():
        if label.startswith("CloudMagic") and "ews" not in label:
            assert verdict is Verdict.DENIED, label
    assert found["CloudMagic (ews)"] is Verdict.ALLOWED  # /EWS is not guarded by this rule: default pool
    assert all(v is Verdict.ALLOWED for label, v in found.items() if not label.startswith("CloudMagic"))


def test_case_sensitive_block_lets_a_case_variant_through(policy: Policy) -> None:
    result = translate('when HTTP_REQUEST {\n  if { [HTTP::header User-Agent] contains "CloudMagic" } { reject }\n}')
    plain = probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]
    case = probes(policy, "CloudMagic", ProbeForm.CASE)[0]
    assert outcome(result.steps, plain).verdict is Verdict.DENIED
    assert outcome(result.steps, case).verdict is Verdict.ALLOWED
    match = next(iter_matches(result.steps[0].condition))
    assert match.case_sensitive and match.location == Location("bigip.conf", 101)


def test_missing_header_reads_as_empty_string(policy: Policy) -> None:
    # BIG-IP: [HTTP::header User-Agent] is "" when the header is absent, so `eq ""` holds.
    result = translate('when HTTP_REQUEST {\n  if { [HTTP::header User-Agent] eq "" } { reject }\n}')
    no_ua = probes(policy, "CloudMagic", ProbeForm.DEVICETYPE_ONLY)[0]
    with_ua = probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]
    assert outcome(result.steps, no_ua).verdict is Verdict.DENIED
    assert outcome(result.steps, with_ua).verdict is Verdict.ALLOWED


def test_switch_glob_with_fall_through_and_default(policy: Policy) -> None:
    body = """when HTTP_REQUEST {
    switch -glob -- [string tolower [HTTP::header User-Agent]] {
        "*cloudmagic*" -
        "*nine*" { reject }
        "*iphone*" { pool exchange_pool }
        default { pool web_pool }
    }
}"""
    result = translate(body)
    found = verdicts(result, policy)
    assert found["CloudMagic (plain)"] is Verdict.DENIED and found["CloudMagic (case)"] is Verdict.DENIED
    ios = outcome(result.steps, probes(policy, "iOS Mail")[0], result.pools)
    android = outcome(result.steps, probes(policy, "Android native")[0], result.pools)
    assert ios.verdict is Verdict.ALLOWED and ios.pools == (EXCHANGE,)  # "Apple-iPhone..." lower-cased
    assert android.verdict is Verdict.ALLOWED and android.pools == ("/Common/web_pool",)


def test_string_toupper_upper_cases_the_subject(policy: Policy) -> None:
    """Tcl string(n): `string toupper string` returns string with every letter in upper case."""
    upper = translate('when HTTP_REQUEST {\n  if { [string toupper [HTTP::header User-Agent]] contains "CLOUDMAGIC" } {'
                      ' reject }\n}')
    found = verdicts(upper, policy)
    assert found["CloudMagic (plain)"] is Verdict.DENIED and found["CloudMagic (case)"] is Verdict.DENIED
    assert found["iOS Mail (plain)"] is Verdict.ALLOWED and found["Android native (plain)"] is Verdict.ALLOWED
    # An upper-cased subject never contains a lower-case literal: this rule refuses nothing.
    lower = translate('when HTTP_REQUEST {\n  if { [string toupper [HTTP::header User-Agent]] contains "cloudmagic" } {'
                      ' reject }\n}')
    assert set(verdicts(lower, policy).values()) == {Verdict.ALLOWED}


def test_string_match_is_a_case_sensitive_glob(policy: Policy) -> None:
    """Tcl string(n): `string match ?-nocase? pattern string` is a glob match of the whole
    string, case-sensitive unless -nocase is given."""
    result = translate('when HTTP_REQUEST {\n  if { [string match "*CloudMagic*" [HTTP::header User-Agent]] } { reject }\n}')
    found = verdicts(result, policy)
    assert found["CloudMagic (plain)"] is Verdict.DENIED and found["CloudMagic (ews)"] is Verdict.DENIED
    assert found["CloudMagic (case)"] is Verdict.ALLOWED  # User-Agent cLOUDmAGIC
    assert found["iOS Mail (plain)"] is Verdict.ALLOWED
    match = next(iter_matches(result.steps[0].condition))
    assert match.case_sensitive and match.location == Location("bigip.conf", 101)


def test_string_match_nocase_ignores_letter_case(policy: Policy) -> None:
    """Tcl string(n): with -nocase, "the comparison is done in a case-insensitive manner"."""
    result = translate('when HTTP_REQUEST {\n  if { [string match -nocase "cloud*" [HTTP::header User-Agent]] } { reject }\n}')
    found = verdicts(result, policy)
    assert found["CloudMagic (plain)"] is Verdict.DENIED and found["CloudMagic (case)"] is Verdict.DENIED
    assert found["CloudMagic (devicetype-only)"] is Verdict.ALLOWED  # no User-Agent: "" matches no `cloud*`
    assert found["iOS Mail (plain)"] is Verdict.ALLOWED and found["Android native (plain)"] is Verdict.ALLOWED


def test_switch_exact_compares_whole_strings_without_glob(policy: Policy) -> None:
    """Tcl switch(n): -exact "use exact matching when comparing string to a pattern"; a
    body `-` falls through to the next pattern's body."""
    body = """when HTTP_REQUEST {
    switch -exact -- [string tolower [URI::query [HTTP::uri] DeviceType]] {
        "*cloudmagic*" { pool web_pool }
        "cloudmagic" -
        "nine" { reject }
        default { pool exchange_pool }
    }
}"""
    result = translate(body)
    found = verdicts(result, policy)
    # `*cloudmagic*` is a literal string under -exact: the DeviceType "cloudmagic" skips it.
    assert found["CloudMagic (plain)"] is Verdict.DENIED and found["CloudMagic (case)"] is Verdict.DENIED
    ios = outcome(result.steps, probes(policy, "iOS Mail")[0], result.pools)
    assert ios.verdict is Verdict.ALLOWED and ios.pools == (EXCHANGE,)
    ua_only = outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.UA_ONLY)[0], result.pools)
    assert ua_only.verdict is Verdict.ALLOWED and ua_only.pools == (EXCHANGE,)  # base64 query: no DeviceType parameter


@pytest.mark.parametrize("negation", ["not ", "!"])
def test_negation_refuses_what_does_not_match(policy: Policy, negation: str) -> None:
    """`!` is Tcl's logical not; iRules add the word form `not` for it (F5 DevCentral, iRules
    operators: `not` "performs a logical not")."""
    result = translate(f'when HTTP_REQUEST {{\n  if {{ {negation}([HTTP::header User-Agent] starts_with "Apple-") }} {{'
                       ' reject }\n}')
    found = verdicts(result, policy)
    assert found["iOS Mail (plain)"] is Verdict.ALLOWED
    assert found["Android native (plain)"] is Verdict.DENIED and found["CloudMagic (plain)"] is Verdict.DENIED
    assert found["CloudMagic (devicetype-only)"] is Verdict.DENIED  # no User-Agent: "" does not start with Apple-


def test_later_pool_wins_and_refusal_wins_over_pool(policy: Policy) -> None:
    body = """when HTTP_REQUEST {
    pool web_pool
    if { [HTTP::path] starts_with "/Microsoft-Server-ActiveSync" } { pool exchange_pool }
    if { [HTTP::header User-Agent] contains "CloudMagic" } { reject }
}"""
    result = translate(body)
    blocked = outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0], result.pools)
    native = outcome(result.steps, probes(policy, "iOS Mail")[0], result.pools)
    assert blocked.verdict is Verdict.DENIED  # pool ran first in the script, reject still wins
    assert native.verdict is Verdict.ALLOWED and native.pools == (EXCHANGE,)  # the later pool command wins
    kinds = [step.action.kind for step in result.steps]
    assert kinds == [ActionKind.DENY, ActionKind.ROUTE, ActionKind.ROUTE]


def test_return_ends_the_handler_but_not_an_earlier_pool_choice(policy: Policy) -> None:
    body = """when HTTP_REQUEST {
    if { [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" } {
        pool exchange_pool
        return
    }
    reject
}"""
    result = translate(body)
    activesync = outcome(result.steps, probes(policy, "iOS Mail")[0], result.pools)
    ews = outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.EWS)[0], result.pools)
    assert activesync.verdict is Verdict.ALLOWED and activesync.pools == (EXCHANGE,)
    assert ews.verdict is Verdict.DENIED


def test_if_elseif_else_arms_are_exclusive(policy: Policy) -> None:
    body = """when HTTP_REQUEST {
    if { [HTTP::method] eq "GET" } {
        pool web_pool
    } elseif { [HTTP::header User-Agent] contains "CloudMagic" } {
        reject
    } else {
        pool exchange_pool
    }
}"""
    result = translate(body)
    assert outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]).verdict is Verdict.DENIED
    native = outcome(result.steps, probes(policy, "iOS Mail")[0], result.pools)
    assert native.pools == (EXCHANGE,)


def test_variable_set_on_branches_is_followed(policy: Policy) -> None:
    body = """when HTTP_REQUEST {
    set target web_pool
    if { [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" } { set target exchange_pool }
    pool $target
}"""
    result = translate(body)
    assert set(result.pools) == {EXCHANGE, "/Common/web_pool"}
    assert outcome(result.steps, probes(policy, "iOS Mail")[0], result.pools).pools == (EXCHANGE,)
    assert outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.EWS)[0], result.pools).pools == ("/Common/web_pool",)


def test_class_match_uses_the_data_group_keys(policy: Policy) -> None:
    group = DataGroup("/Common/blocked_agents", "string", (("cloudmagic", ""), ("nine", "")), LOCATION)
    body = "when HTTP_REQUEST {\n  if { [class match [string tolower [HTTP::header User-Agent]] contains blocked_agents] } { drop }\n}"
    result = translate(body, data_groups={group.name: group})
    assert outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.CASE)[0]).verdict is Verdict.DENIED
    assert outcome(result.steps, probes(policy, "iOS Mail")[0]).verdict is Verdict.ALLOWED
    missing = translate(body)
    condition = missing.steps[0].condition
    assert isinstance(condition, Opaque) and "data group blocked_agents does not exist" in condition.reason
    # BIG-IP refuses to load it ("Unable to find value_list (blocked_agents) referenced at line ...")
    assert [(d.code, d.level.value, d.location.line) for d in missing.diagnostics] == [("EAS001", "error", 101)]
    assert "Unable to find value_list (blocked_agents)" in missing.diagnostics[0].message


def test_a_data_group_in_a_partition_not_read_is_not_evaluated_but_not_missing(policy: Policy) -> None:
    body = "when HTTP_REQUEST {\n  if { [class match [HTTP::header User-Agent] contains blocked_agents] } { drop }\n}"
    result = translate(body, partition="Exchange", unread=lambda written, path: not written.startswith("/"))
    assert [(d.code, d.level.value) for d in result.diagnostics] == [("EAS002", "warning")]
    assert "it may be defined in partition /Common, whose bigip.conf was not read" in result.diagnostics[0].message
    assert outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]).verdict is Verdict.INDETERMINATE


def test_data_group_resolves_in_partition_then_common() -> None:
    local = DataGroup("/Tenant/agents", "string", (("local", ""),), LOCATION)
    common = DataGroup("/Common/agents", "string", (("common", ""),), LOCATION)
    body = "when HTTP_REQUEST {\n if { [class match [HTTP::header User-Agent] equals agents] } { reject }\n}"
    in_tenant = translate(body, data_groups={local.name: local, common.name: common}, partition="Tenant")
    in_common = translate(body, data_groups={common.name: common}, partition="Tenant")
    assert next(iter_matches(in_tenant.steps[0].condition)).values == ("local",)
    assert next(iter_matches(in_common.steps[0].condition)).values == ("common",)


def test_unknown_command_is_opaque_at_its_line(policy: Policy) -> None:
    body = "when HTTP_REQUEST {\n  log local0. hello\n  ASM::raise_violation x\n}"
    result = translate(body)
    assert len(result.steps) == 1
    step = result.steps[0]
    assert step.location.line == 102 and step.action.opaque is not None and "ASM::raise_violation" in step.action.opaque.reason
    assert outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]).verdict is Verdict.INDETERMINATE


def test_client_accepted_reject_by_address_and_idle_timer() -> None:
    body = """when CLIENT_ACCEPTED {
    TCP::idletime 7200
    if { [IP::addr [IP::client_addr] equals 203.0.113.0/24] } { reject }
}"""
    result = translate(body)
    timer = result.steps[0].action.timer
    assert timer is not None and timer.kind is TimerKind.CLIENT_IDLE and timer.seconds == 7200
    assert result.steps[1].action.kind is ActionKind.DENY  # probes come from 203.0.113.10


def test_parse_error_is_reported_at_its_line_and_opaque() -> None:
    """Tcl's own syntax errors make BIG-IP refuse the iRule (EAS001); what easlint could read
    before the error still runs, and the rest is opaque."""
    result = translate('when HTTP_REQUEST {\n  if { [HTTP::uri] eq "/a" } {\n    reject\n')
    assert [(d.code, d.level.value, d.location.line) for d in result.diagnostics] == [("EAS001", "error", 100)]
    assert "missing close-brace" in result.diagnostics[0].message
    assert result.steps and result.steps[0].action.opaque is not None


def test_easlint_reading_limits_are_not_reported_as_refused() -> None:
    """Nesting deeper than easlint reads is text Tcl may accept: EAS002, not EAS001."""
    nested = "[HTTP::uri]"
    for _ in range(120):
        nested = f"[string tolower {nested}]"
    result = translate(f"when HTTP_REQUEST {{\n  set uri {nested}\n  reject\n}}")
    assert [(d.code, d.level.value) for d in result.diagnostics] == [("EAS002", "warning")]
    assert "easlint stops reading here: nested more than 100 levels deep" in result.diagnostics[0].message


@pytest.mark.parametrize(("condition", "message"), [
    ("(" * 30 + '[HTTP::header User-Agent] contains "CloudMagic"' + ")" * 30,
     "easlint does not read this expression: parentheses nested more than 24 deep"),
    (" or ".join(f'[HTTP::header User-Agent] contains "app{n}"' for n in range(300)),
     "easlint does not read this expression: expression longer than 8000 characters"),
    ('[HTTP::header User-Agent] contains', "Tcl cannot parse this expression"),
])
def test_an_expression_easlint_cannot_read_is_reported_and_cannot_verify(condition: str, message: str,
                                                                          policy: Policy) -> None:
    """An expression beyond easlint's limits, or one Tcl itself cannot parse, is EAS002 with
    the reason, and the block it guards decides nothing definite (EAS003), never a pass."""
    result = translate(f"when HTTP_REQUEST {{\n  if {{ {condition} }} {{ reject }}\n}}")
    assert [(d.code, d.location.line) for d in result.diagnostics] == [("EAS002", 101)]
    assert message in result.diagnostics[0].message
    assert outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]).verdict is Verdict.INDETERMINATE


def test_closing_brace_glued_to_opening_brace_is_read_and_reported(policy: Policy) -> None:
    result = translate('when HTTP_REQUEST {\n  if { [HTTP::header User-Agent] contains "CloudMagic" }{ reject }\n}')
    assert [d.location.line for d in result.diagnostics] == [101]
    assert outcome(result.steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]).verdict is Verdict.DENIED


# -- several iRules on one virtual -------------------------------------------------------------------


def test_combined_rules_refusal_in_a_later_rule_beats_an_earlier_pool(policy: Policy) -> None:
    routing = translate('when HTTP_REQUEST {\n  pool exchange_pool\n}', name="/Common/routing")
    blocking = translate('when HTTP_REQUEST {\n  if { [HTTP::header User-Agent] contains "CloudMagic" } { reject }\n}',
                         name="/Common/blocking")
    steps = combine_irules([routing, blocking])
    assert outcome(steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]).verdict is Verdict.DENIED
    assert outcome(steps, probes(policy, "iOS Mail")[0]).pools == (EXCHANGE,)


def test_event_disable_all_skips_later_rules(policy: Policy) -> None:
    first = translate('when HTTP_REQUEST priority 100 {\n  if { [HTTP::path] starts_with "/Microsoft" } {\n'
                      '    event disable all\n    return\n  }\n}', name="/Common/first")
    later = translate('when HTTP_REQUEST {\n  if { [HTTP::header User-Agent] contains "CloudMagic" } { reject }\n}',
                      name="/Common/later")
    steps = combine_irules([later, first])  # attached second, but its priority 100 runs it first
    assert outcome(steps, probes(policy, "CloudMagic", ProbeForm.PLAIN)[0]).verdict is Verdict.ALLOWED
    assert outcome(steps, probes(policy, "CloudMagic", ProbeForm.EWS)[0]).verdict is Verdict.DENIED


# -- real configurations -------------------------------------------------------------------------------


def corpus_rules(name: str) -> list[tuple[str, str, int]]:
    path = F5_CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    text = path.read_text(encoding="utf-8", errors="replace")
    rules = []
    for found in re.finditer(r"^ltm rule (\S+) \{", text, re.MULTILINE):
        opening = found.end() - 1
        closing = matching_brace(text, opening)
        rules.append((found.group(1), text[opening + 1 : closing], text.count("\n", 0, opening) + 1))
    return rules


def test_apm_activesync_system_irule_answers_401_without_credentials(policy: Policy) -> None:
    rule = next(rule for rule in corpus_rules("f5-corkscrew__profile_base.conf") if rule[0] == "_sys_APM_activesync")
    result = translate_irule(rule[0], rule[1], rule[2], "profile_base.conf", {})
    assert "HTTP_REQUEST" in result.events and result.diagnostics == ()
    for probe in build_probes(policy):
        found = outcome(result.steps, probe)
        headers = tuple(header for header in probe.request.headers if header[0] != "Authorization")
        without_credentials = outcome(result.steps, probe.retarget(dataclasses.replace(probe.request, headers=headers)))
        if probe.form is ProbeForm.EWS:  # not ActiveSync: `else return` ends HTTP_REQUEST; what APM's own
            # ACCESS_POLICY_COMPLETED handler then does depends on variables of other events: not evaluated
            assert found.primary is not None and found.primary.verdict is Verdict.ALLOWED
            assert found.verdict is not Verdict.DENIED and without_credentials.verdict is not Verdict.DENIED
        else:  # BIG-IP answers 401 to an ActiveSync request without Basic credentials, and every client sends them
            decided = without_credentials.decided_by
            assert without_credentials.verdict is Verdict.DENIED and "401" in (decided.action.detail if decided else "")
            assert found.verdict is not Verdict.DENIED


@pytest.mark.parametrize("name", ["batfish__f5_bigip_structured_ltm_rule.conf", "f5-corkscrew__f5_corkscrew_test.conf",
                                  "batfish__f5_bigip_structured_ltm.conf", "f5-corkscrew__profile_base.conf"])
def test_corpus_rules_translate_without_exceptions(name: str) -> None:
    for rule, body, line in corpus_rules(name):
        result = translate_irule(rule, body, line, name, {})
        for diagnostic in result.diagnostics:
            assert diagnostic.code in ("EAS001", "EAS002", "EAS003") and diagnostic.location.line >= line
        for step in result.steps:
            assert line <= step.location.line <= line + body.count("\n")


def test_corkscrew_pool_rule_pools() -> None:
    rule = next(rule for rule in corpus_rules("f5-corkscrew__f5_corkscrew_test.conf") if rule[0] == "/Common/app4_pool_rule")
    result = translate_irule(rule[0], rule[1], rule[2], "test.conf", {})
    assert result.pools == ("/Common/css_pool", "/Common/jpg.pool", "/Common/js.io_t80_pool")
    opaque_routes = [s for s in result.steps if s.action.kind is ActionKind.ROUTE and s.action.opaque]
    assert {s.text.split()[0] for s in opaque_routes} == {"node", "pool"}  # node 10.10.10.1 and pool $html-pool


# -- robustness ----------------------------------------------------------------------------------------


def test_long_irule_is_linear_and_exact() -> None:
    checks = "\n".join(
        f'    if {{ [string tolower [HTTP::header User-Agent]] contains "agent{i}" }} {{\n        reject\n        return\n    }}'
        for i in range(1100)
    )
    arms = "\n".join(f'        "/path{i}*" {{ pool pool{i} }}' for i in range(900))
    body = (f"when HTTP_REQUEST {{\n{checks}\n    switch -glob [HTTP::path] {{\n{arms}\n"
            "        default { pool exchange_pool }\n    }\n}\n")
    assert body.count("\n") > 5000
    result = translate(body)
    assert len(result.steps) == 2200 + 901 and result.diagnostics == ()
    # routes come last, last executed first: the final step is the first arm, `/path0*`, one line below `switch`
    assert result.steps[-1].location.line == 100 + 1 + 4 * 1100 + 1
    assert result.steps[2200].text.startswith("pool exchange_pool")


@pytest.mark.parametrize("body", ["[" * 5000, "{" * 5000 + "}" * 5000, "if {" + "(" * 400 + "1" + ")" * 400 + "} {reject}",
                                  'when HTTP_REQUEST { if { "unterminated } { reject } }', "\x00\xff when \\"])
def test_hostile_bodies_never_raise(body: str) -> None:
    result = translate(body)
    assert isinstance(result, IRuleResult)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list('{}[]"$\\;#\n -*') + ["when HTTP_REQUEST ", "if ", "elseif ", "else ", "pool x",
                                                             "reject", "switch -glob", "$ua ", "[HTTP::uri]", " contains ",
                                                             "set ua ", "return", "class match "]), max_size=60))
def test_fuzzed_bodies_never_raise(pieces: list[str]) -> None:
    result = translate("".join(pieces))
    for step in result.steps:
        assert step.location.line >= 100
