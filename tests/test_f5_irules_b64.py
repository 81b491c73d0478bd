"""`b64decode` in iRules: the MS-ASHTTP base64 query form, decoded as BIG-IP decodes it.

BIG-IP's `b64decode` returns the decoded bytes, and fails with a Tcl error (which resets the
connection) on input it cannot decode (tmsh reference, `ltm rule command b64decode`). Decoded
constants and decoded request fields are compared like text, and a value that is not base64
makes the test "cannot verify": it is never a match and never a silent pass.
"""

from __future__ import annotations

import dataclasses

import pytest

from linter.model import All, Any, Bind, Condition, Device, Listener, Location, Not, Opaque, Pool
from linter.policy import Policy
from linter.probes import Probe, ProbeForm, build_probes
from linter.simulate import Outcome, Verdict, simulate_on
from parsers.f5.irules import IRuleResult, translate_irule
from tests.conftest import lint_text

LOCATION = Location("bigip.conf", 1)
EXCHANGE = "/Common/exchange_pool"

# The iRule of the task: the decoded query searched for the app's DeviceType. Line 100 is the
# line `when` is on.
DECODE_RAW_QUERY = """when HTTP_REQUEST {
    if { [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" } {
        if { [string tolower [b64decode [HTTP::query]]] contains "cloudmagic" } { reject }
    }
}"""

# The same with the query percent-decoded first: clients percent-encode the base64 text ("="
# padding is sent as %3D), and b64decode does not skip characters outside the alphabet.
DECODE_DECODED_QUERY = DECODE_RAW_QUERY.replace("[b64decode [HTTP::query]]", "[b64decode [URI::decode [HTTP::query]]]")


def translate(body: str) -> IRuleResult:
    return translate_irule("/Common/eas_b64", body, 100, "bigip.conf", {})


def simulate(result: IRuleResult, probe: Probe) -> Outcome:
    """The probe through a TLS virtual whose default pool is the Exchange pool."""
    listener = Listener("vs_exchange", "ltm virtual /Common/vs_exchange", LOCATION, True, "test",
                        (Bind("192.0.2.10", 443, True, LOCATION),), result.steps, EXCHANGE, LOCATION)
    device = Device("f5", "bigip.conf", ("bigip.conf",), (listener,), (Pool(EXCHANGE, f"ltm pool {EXCHANGE}", LOCATION, True),))
    request = probe.request.arriving_at("192.0.2.10", 443, True).with_host("mail.example.com")
    return simulate_on(device, listener, listener.binds[0], probe.retarget(request))


@pytest.fixture(scope="module")
def base64_policy(policy: Policy) -> Policy:
    """The built-in policy with the native clients also sending the base64 query form."""
    clients = tuple(dataclasses.replace(client, forms=("plain", ProbeForm.UA_ONLY.value)) for client in policy.allowed_clients)
    return dataclasses.replace(policy, allowed_clients=clients)


def base64_outcomes(result: IRuleResult, policy: Policy) -> dict[str, Outcome]:
    """Every base64-query probe (and its letter-case variant) by label."""
    return {probe.label: simulate(result, probe) for probe in build_probes(policy)
            if probe.form is ProbeForm.UA_ONLY or probe.base_form is ProbeForm.UA_ONLY}


def only_opaque(result: IRuleResult) -> Opaque:
    """The one Opaque term in the rule's steps (the test under examination)."""
    opaque = [term for step in result.steps for term in _nodes(step.condition) if isinstance(term, Opaque)]
    assert len(opaque) == 1, opaque
    return opaque[0]


def _nodes(condition: Condition) -> list[Condition]:
    if isinstance(condition, (All, Any)):
        return [condition] + [node for term in condition.terms for node in _nodes(term)]
    if isinstance(condition, Not):
        return [condition] + _nodes(condition.term)
    return [condition]


# -- a decoded request field --------------------------------------------------------------------


def test_decoded_query_refuses_cloudmagic_and_passes_native_base64_clients(base64_policy: Policy) -> None:
    outcomes = base64_outcomes(translate(DECODE_DECODED_QUERY), base64_policy)
    assert outcomes["CloudMagic (ua-only)"].verdict is Verdict.DENIED
    assert outcomes["CloudMagic (case of ua-only)"].verdict is Verdict.DENIED  # tolower after decoding
    assert outcomes["iOS Mail (ua-only)"].verdict is Verdict.ALLOWED
    assert outcomes["Android native (ua-only)"].verdict is Verdict.ALLOWED


def test_percent_encoded_padding_makes_b64decode_fail(base64_policy: Policy) -> None:
    """Without URI::decode, a query with "=" padding (sent as %3D) is not base64 to BIG-IP: the
    Tcl error resets the connection whatever the DeviceType, so the verdict is not a pass."""
    outcomes = base64_outcomes(translate(DECODE_RAW_QUERY), base64_policy)
    assert outcomes["iOS Mail (ua-only)"].verdict is Verdict.ALLOWED  # 45 bytes: no padding, nothing encoded
    for label in ("Android native (ua-only)", "CloudMagic (ua-only)"):
        assert outcomes[label].verdict is Verdict.INDETERMINATE, label
        assert any("not valid base64" in unknown.reason for unknown in outcomes[label].unknowns), label


def test_lint_reports_cannot_verify_at_the_irule_line(policy: Policy) -> None:
    """The task's iRule decodes every ActiveSync query, plain ones too: "Cmd=Ping&..." is not
    base64, so on BIG-IP the Tcl error resets native clients' plain requests as well."""
    config = BIGIP_CONF.replace("@RULE@", DECODE_RAW_QUERY)
    findings = lint_text("f5", config, policy, "bigip.conf")
    rule_line = config.splitlines().index("        if { [string tolower [b64decode [HTTP::query]]] contains \"cloudmagic\" } { reject }") + 1
    cannot_verify = [finding for finding in findings if finding.rule_id == "EAS003"]
    assert cannot_verify and {finding.location.line for finding in cannot_verify} == {rule_line}
    assert any("iOS Mail (plain)" in finding.message and "not valid base64" in finding.message for finding in cannot_verify)
    assert not [finding for finding in findings if finding.rule_id in ("EAS201", "EAS203", "EAS205")]


# -- constants are decoded as BIG-IP decodes them ---------------------------------------------


def test_decoded_constant_is_compared_like_text(policy: Policy) -> None:
    matching = translate('when HTTP_REQUEST {\n  if { [string tolower [b64decode "Q2xvdWRNYWdpYw=="]] eq "cloudmagic" } { reject }\n}')
    other = translate('when HTTP_REQUEST {\n  if { [b64decode "Q2xvdWRNYWdpYw=="] eq "cloudmagic" } { reject }\n}')
    probe = next(p for p in build_probes(policy) if p.client == "iOS Mail")
    assert simulate(matching, probe).verdict is Verdict.DENIED
    assert simulate(other, probe).verdict is Verdict.ALLOWED  # "CloudMagic" eq "cloudmagic" is false: Tcl compares exactly


def test_decoded_bytes_are_one_character_each(policy: Policy) -> None:
    # "wA==" is the single byte 0xC0; Tcl's string of it is U+00C0, one character long.
    result = translate('when HTTP_REQUEST {\n  if { [b64decode "wA=="] eq "\u00c0" } { reject }\n}')
    probe = next(p for p in build_probes(policy) if p.client == "iOS Mail")
    assert simulate(result, probe).verdict is Verdict.DENIED


@pytest.mark.parametrize("text", ["Q2xvdWRNYWdpYw", "Q2xvdWRNYWdpYw%3D%3D", "\\\\a b c d", "Cmd=Ping&DeviceType=CloudMagic"])
def test_invalid_base64_is_a_tcl_error_never_a_match(text: str, policy: Policy) -> None:
    result = translate(f'when HTTP_REQUEST {{\n  if {{ [b64decode "{text}"] contains "Cloud" }} {{ reject }}\n}}')
    reason = only_opaque(result).reason
    assert "not base64" in reason and "Tcl error" in reason
    probe = next(p for p in build_probes(policy) if p.client == "iOS Mail")
    assert simulate(result, probe).verdict is Verdict.INDETERMINATE


@pytest.mark.parametrize("compared_with", ["$blocked_types", "[table lookup -subtable eas blocked]"])
def test_comparison_with_an_unknowable_value_stays_opaque(compared_with: str, policy: Policy) -> None:
    body = f"when HTTP_REQUEST {{\n  if {{ [b64decode [HTTP::query]] contains {compared_with} }} {{ reject }}\n}}"
    result = translate(body)
    assert "line 101" in only_opaque(result).reason
    for probe in build_probes(policy):
        if probe.request.path.lower().startswith("/microsoft-server-activesync"):
            assert simulate(result, probe).verdict is Verdict.INDETERMINATE, probe.label


BIGIP_CONF = """#TMSH-VERSION: 15.1.8.2
ltm node /Common/mbx01 {
    address 10.0.10.11
}
ltm pool /Common/exchange_pool {
    members {
        /Common/mbx01:443 {
            address 10.0.10.11
        }
    }
    monitor /Common/https
}
ltm profile client-ssl /Common/mail_example_com_clientssl {
    cert-key-chain {
        mail_example_com {
            cert /Common/mail.example.com.crt
            key /Common/mail.example.com.key
        }
    }
    defaults-from /Common/clientssl
    inherit-ca-certkeychain true
}
ltm profile tcp /Common/exchange_tcp {
    defaults-from /Common/tcp
    idle-timeout 3900
}
ltm rule /Common/block_eas_b64 {
@RULE@
}
ltm virtual /Common/exchange_https_vs {
    destination /Common/203.0.113.20:443
    ip-protocol tcp
    mask 255.255.255.255
    pool /Common/exchange_pool
    profiles {
        /Common/exchange_tcp { }
        /Common/http { }
        /Common/mail_example_com_clientssl {
            context clientside
        }
        /Common/serverssl {
            context serverside
        }
    }
    rules {
        /Common/block_eas_b64
    }
    source 0.0.0.0/0
    source-address-translation {
        type automap
    }
    translate-address enabled
    translate-port enabled
}
ltm virtual-address /Common/203.0.113.20 {
    address 203.0.113.20
    arp enabled
    mask 255.255.255.255
}
"""
