"""Inline and central waivers: what they suppress, and the EAS004/EAS005 findings about them.

HAProxy configurations go through the real parser and rules; the other vendors' comment
syntaxes are tested on their own text with findings placed where their parsers put them, so
these tests do not depend on parsers still being written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from linter.analysis import analyze
from linter.findings import Evidence, Finding, Severity, Suppression
from linter.model import Location
from linter.policy import Policy
from linter.waivers import (
    BANG,
    HASH,
    XML,
    CentralWaiver,
    FileWaivers,
    LineScope,
    apply_waivers,
    comment_syntax,
    read_inline_waivers,
)
from parsers import vendor
from policies import RULES
from policies.base import RuleContext

TODAY = date(2026, 11, 22)
NAME = "lb/haproxy.cfg"

EXCHANGE = """\
global
    log /dev/log local0

defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 65m
{before_frontend}
frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.example.com.pem
    acl activesync path_beg -i /microsoft-server-activesync
    http-request deny deny_status 403 if activesync {{ req.fhdr(User-Agent) -m sub -i CloudMagic }}
    http-request deny deny_status 403 if {{ path_beg -i /ews/ }} {{ req.fhdr(User-Agent) -m sub -i CloudMagic }}
    http-request deny deny_status 403 if activesync {{ url_param(DeviceType) -m str -i CloudMagic }}
    default_backend be_exchange
{before_backend}
backend be_exchange
    balance leastconn
{before_timer}    timeout server 20m
    server mbx1 10.0.10.11:443 check ssl verify none
"""


def config(before_frontend: str = "", before_backend: str = "", before_timer: str = "") -> str:
    return EXCHANGE.format(before_frontend=before_frontend, before_backend=before_backend, before_timer=before_timer)


def rule_findings(text: str, policy: Policy, name: str = NAME) -> list[Finding]:
    """Every rule's findings for an HAProxy text, before waivers."""
    support = vendor("haproxy")
    context = RuleContext(analyze(support.parse(name, text, None), policy), support.fixer)
    return [finding for rule in RULES if rule.applies_to("haproxy") for finding in rule.check(context)]


def waive(text: str, policy: Policy, *, today: date = TODAY, inline: bool = True, central: tuple[CentralWaiver, ...] = (),
          selected: set[str] | None = None) -> list[Finding]:
    findings = rule_findings(text, policy)
    if selected is not None:
        findings = [finding for finding in findings if finding.rule_id in selected]
    return apply_waivers(findings, [read_inline_waivers(NAME, text, "haproxy")], central, today=today, inline=inline,
                         selected=(lambda rule_id: True) if selected is None else selected.__contains__)


def of(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [finding for finding in findings if finding.rule_id == rule_id]


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if fragment in line)


WAIVER = '    # easlint: disable=EAS102 reason="pool drained nightly by the backup job" until=2027-03-31\n'


# -- what a waiver suppresses --------------------------------------------------------------------------


def test_the_config_without_waivers_has_one_eas102_finding(policy: Policy) -> None:
    # The premise of the tests below: one EAS102 on the backend's timer, nothing else.
    text = config()
    assert [(f.rule_id, f.location.line) for f in rule_findings(text, policy)] == [("EAS102", line_of(text, "timeout server 20m"))]


def test_a_waiver_on_the_line_before_suppresses_and_marks_the_finding(policy: Policy) -> None:
    text = config(before_timer=WAIVER)
    findings = waive(text, policy)
    [finding] = findings
    assert finding.rule_id == "EAS102"
    waiver_line = line_of(text, "easlint:")
    assert finding.suppression == Suppression("inline", "pool drained nightly by the backup job",
                                              Location(NAME, waiver_line, 5), "2027-03-31")


def test_rule_names_work_as_selectors_and_ids_ignore_case(policy: Policy) -> None:
    for selector in ("timeout-below-max-heartbeat", "eas102", "Timeout-Below-Max-Heartbeat"):
        text = config(before_timer=f'    # easlint: disable={selector} reason="pool drained nightly"\n')
        assert [f.suppression is not None for f in waive(text, policy)] == [True], selector


def test_a_waiver_above_the_frontend_covers_findings_whose_evidence_names_the_frontend(policy: Policy) -> None:
    # The timer finding sits in the backend, but its evidence says the ActiveSync path runs through
    # the frontend, so a waiver above the frontend accepts it.
    text = config(before_frontend='# easlint: disable=EAS102 reason="lab tenant: Direct Push is off"\n')
    [finding] = waive(text, policy)
    assert finding.suppression is not None and finding.suppression.kind == "inline"


def test_a_waiver_above_the_backend_covers_its_timer_finding(policy: Policy) -> None:
    text = config(before_backend='# easlint: disable=EAS102 reason="pool drained nightly"\n')
    [finding] = waive(text, policy)
    assert finding.suppression is not None


def test_stacked_waivers_all_apply_to_the_next_configuration_line(policy: Policy) -> None:
    text = config(before_timer=(
        '    # easlint: disable=EAS102 reason="pool drained nightly"\n'
        "\n"
        "    # The Exchange team asked for this (INC-2291).\n"
        '    # easlint: disable=EAS101 reason="in case someone lowers it further"\n'
    ))
    findings = waive(text, policy)
    assert of(findings, "EAS102")[0].suppression is not None
    # The EAS101 waiver is stacked on the same line but nothing of EAS101 is there.
    [unused] = of(findings, "EAS004")
    assert unused.location.line == line_of(text, "disable=EAS101")
    assert "EAS101" in unused.message


def test_a_waiver_covers_only_the_rules_it_names(policy: Policy) -> None:
    text = config(before_timer='    # easlint: disable=EAS101 reason="pool drained nightly"\n')
    findings = waive(text, policy)
    assert of(findings, "EAS102")[0].suppression is None
    assert len(of(findings, "EAS004")) == 1


def test_disable_file_covers_the_whole_file_wherever_it_is_written(policy: Policy) -> None:
    text = config() + '# easlint: disable-file=EAS102 reason="timers owned by the appliance team"\n'
    [finding] = waive(text, policy)
    assert finding.suppression is not None and finding.suppression.location == Location(NAME, line_of(text, "disable-file"), 1)


def test_lines_are_numbered_as_the_parser_numbers_them(policy: Policy) -> None:
    text = config(before_timer=WAIVER).replace("\n", "\r\n")
    [finding] = waive(text, policy)
    assert finding.suppression is not None


# -- EAS005: invalid waivers -----------------------------------------------------------------------------


def test_an_expired_waiver_is_eas005_and_the_finding_comes_back(policy: Policy) -> None:
    text = config(before_timer=WAIVER)
    findings = waive(text, policy, today=date(2027, 4, 1))
    assert of(findings, "EAS102")[0].suppression is None
    [invalid] = of(findings, "EAS005")
    assert invalid.severity is Severity.ERROR
    assert invalid.location.line == line_of(text, "easlint:")
    assert "expired on 2027-03-31" in invalid.message
    assert invalid.fix is not None and "until=<next review date" in invalid.fix.snippet
    assert not of(findings, "EAS004")


def test_a_waiver_is_valid_through_its_until_date(policy: Policy) -> None:
    findings = waive(config(before_timer=WAIVER), policy, today=date(2027, 3, 31))
    assert [f.rule_id for f in findings] == ["EAS102"] and findings[0].suppression is not None


def test_a_waiver_without_reason_is_eas005_and_suppresses_nothing(policy: Policy) -> None:
    for comment in ("    # easlint: disable=EAS102\n", '    # easlint: disable=EAS102 reason=""\n',
                    '    # easlint: disable=EAS102 reason="   " until=2027-03-31\n'):
        findings = waive(config(before_timer=comment), policy)
        assert of(findings, "EAS102")[0].suppression is None, comment
        [invalid] = of(findings, "EAS005")
        assert "has no reason" in invalid.message
        assert invalid.fix is not None and 'reason="<why the finding is accepted>"' in invalid.fix.snippet


@pytest.mark.parametrize(("comment", "complaint"), [
    ('disable=EAS1O2 reason="x"', "unknown rule 'EAS1O2' (did you mean EAS102?)"),
    ('disable=timeout-below-max reason="x"', "unknown rule 'timeout-below-max'"),
    ('disable=EAS1 reason="x"', "unknown rule 'EAS1'"),
    ('disable=EAS102 reason="x" until=31.03.2027', "until '31.03.2027' is not a date"),
    ('disable=EAS102 reason="x" until=2027-02-30', "until '2027-02-30' is not a date"),
    ('disable=EAS102 reason=pool drained nightly', 'a reason with spaces must be quoted: reason="pool drained nightly"'),
    ('disable=EAS102 reason="pool drained', "a quoted value is not closed"),
    ('disable=EAS102, EAS101 reason="x"', "separate rules by commas without spaces"),
    ('disable=EAS102 reason="x" owner=netops', "unknown key 'owner' (allowed: disable, disable-file, reason, until)"),
    ('reason="x"', "names no rules"),
    ('disable=EAS102 disable-file=EAS102 reason="x"', "either disable= or disable-file="),
    ('disable=EAS102 reason="x" reason="y"', "'reason' is given twice"),
    ('disable=EAS005 reason="x"', "EAS005 (invalid-waiver) cannot be waived"),
    ('disable=unused-waiver reason="x"', "EAS004 (unused-waiver) cannot be waived"),
])
def test_a_malformed_waiver_is_eas005_at_its_line_saying_what_is_wrong(policy: Policy, comment: str, complaint: str) -> None:
    text = config(before_timer=f"    # easlint: {comment}\n")
    findings = waive(text, policy)
    [invalid] = of(findings, "EAS005")
    assert complaint in invalid.message
    assert invalid.location == Location(NAME, line_of(text, "easlint:"), 5)
    assert of(findings, "EAS102")[0].suppression is None, "an invalid waiver suppresses nothing"
    assert not of(findings, "EAS004"), "an invalid waiver is not also reported unused"


def test_a_waiver_at_the_end_of_a_configuration_line_is_eas005(policy: Policy) -> None:
    text = config().replace("    timeout server 20m\n", '    timeout server 20m  # easlint: disable=EAS102 reason="drained"\n')
    findings = waive(text, policy)
    [invalid] = of(findings, "EAS005")
    assert "comment line of its own" in invalid.message
    assert invalid.fix is not None and invalid.fix.snippet == '    # easlint: disable=EAS102 reason="drained"'


def test_comments_that_mention_easlint_in_prose_are_not_waivers(policy: Policy) -> None:
    text = config(before_timer="    # Checked by easlint in CI; easlint: see .easlint.yaml for central waivers.\n"
                               "    # EASLINT is run by the pre-commit hook\n")
    assert [f.rule_id for f in waive(text, policy)] == ["EAS102"]


def test_the_fix_of_a_misspelt_rule_names_the_rule_meant(policy: Policy) -> None:
    [invalid] = of(waive(config(before_timer='    # easlint: disable=EAS1O2 reason="drained"\n'), policy), "EAS005")
    assert invalid.fix is not None and invalid.fix.snippet == '    # easlint: disable=EAS102 reason="drained"'


# -- EAS004: unused waivers ----------------------------------------------------------------------------------


def test_a_waiver_that_suppresses_nothing_is_eas004_at_its_line(policy: Policy) -> None:
    text = config(before_timer=WAIVER).replace("timeout server 20m", "timeout server 65m")
    findings = waive(text, policy)
    [unused] = findings
    assert (unused.rule_id, unused.severity, unused.location.line) == ("EAS004", Severity.WARNING, line_of(text, "easlint:"))
    assert unused.fix is not None and unused.fix.snippet == WAIVER.strip()
    assert unused.fix.description.startswith("Delete this waiver comment")


def test_a_misplaced_waiver_is_eas004_and_points_at_the_finding(policy: Policy) -> None:
    text = config().replace("    balance leastconn\n", WAIVER + "    balance leastconn\n")
    findings = waive(text, policy)
    [unused] = of(findings, "EAS004")
    finding_line = line_of(text, "timeout server 20m")
    assert Evidence(f"EAS102 findings of this file are on line(s) {finding_line}", Location(NAME, finding_line)) in unused.evidence
    assert of(findings, "EAS102")[0].suppression is None


def test_only_the_unused_rules_of_a_waiver_are_reported(policy: Policy) -> None:
    text = config(before_timer='    # easlint: disable=EAS102,timeout-unbounded reason="drained" until=2027-03-31\n')
    findings = waive(text, policy)
    assert of(findings, "EAS102")[0].suppression is not None
    [unused] = of(findings, "EAS004")
    assert unused.message.startswith("inline waiver for EAS104 suppresses nothing")
    assert unused.fix is not None and unused.fix.snippet == '    # easlint: disable=EAS102 reason="drained" until=2027-03-31'


def test_a_waiver_followed_by_no_configuration_line_is_unused(policy: Policy) -> None:
    text = config() + "\n# easlint: disable=EAS102 reason=drained\n# end of file\n"
    [unused] = of(waive(text, policy), "EAS004")
    assert "no configuration line follows it" in unused.message


def test_a_waiver_for_a_rule_that_did_not_run_is_not_called_unused(policy: Policy) -> None:
    text = config(before_timer='    # easlint: disable=EAS102,EAS201 reason="drained"\n')
    findings = waive(text, policy, selected={"EAS102", "EAS004", "EAS005"})
    assert [(f.rule_id, f.suppression is not None) for f in findings] == [("EAS102", True)]


def test_waiver_findings_are_reported_only_when_their_rule_is_selected(policy: Policy) -> None:
    text = config(before_timer="    # easlint: disable=EAS102\n") + "# easlint: disable-file=EAS201 reason=x\n"
    everything = {rule.id for rule in RULES} | {"EAS004", "EAS005"}
    assert {f.rule_id for f in waive(text, policy, selected=everything)} == {"EAS102", "EAS004", "EAS005"}
    assert {f.rule_id for f in waive(text, policy, selected=everything - {"EAS004", "EAS005"})} == {"EAS102"}


def test_waiver_findings_have_fingerprints_without_line_numbers(policy: Policy) -> None:
    text = config(before_timer="    # easlint: disable=EAS102\n") + "# easlint: disable-file=EAS201 reason=x\n"
    before = {f.fingerprint for f in waive(text, policy) if f.rule_id in {"EAS004", "EAS005"}}
    after = {f.fingerprint for f in waive("# Managed by netops.\n\n" + text, policy) if f.rule_id in {"EAS004", "EAS005"}}
    assert len(before) == 2 and before == after


# -- --no-inline-waivers ------------------------------------------------------------------------------------


def test_inline_false_ignores_inline_waivers_entirely(policy: Policy) -> None:
    text = config(before_timer=WAIVER) + "# easlint: disable-file=EAS201 reason=x\n# easlint: disable=EAS102\nfrontend x\n"
    assert {f.rule_id for f in waive(text, policy)} >= {"EAS004", "EAS005"}
    findings = waive(text, policy, inline=False)
    assert [(f.rule_id, f.suppression) for f in findings] == [("EAS102", None)]


def test_inline_false_still_applies_central_waivers(policy: Policy, tmp_path: Path) -> None:
    entry = CentralWaiver("EAS102", "lb/*.cfg", None, "appliance team owns the timer", None, Location(".easlint.yaml", 7))
    findings = waive(config(before_timer=WAIVER), policy, inline=False, central=(entry,))
    [finding] = findings
    assert finding.suppression == Suppression("central", "appliance team owns the timer", Location(".easlint.yaml", 7), None)


# -- central waivers ---------------------------------------------------------------------------------------


def central(glob: str, rule: str = "EAS102", object_path: str | None = None, reason: str | None = "owned by the appliance team",
            until: date | str | None = None, config_file: str = ".easlint.yaml") -> CentralWaiver:
    return CentralWaiver(rule, glob, object_path, reason, until, Location(config_file, 12))


@pytest.mark.parametrize(("glob", "suppressed"), [
    ("lb/haproxy.cfg", True),
    ("./lb/haproxy.cfg", True),
    ("lb/*.cfg", True),
    ("*/haproxy.cfg", True),
    ("**/haproxy.cfg", True),
    ("lb/**", True),
    ("l?/haproxy.cf[gx]", True),
    ("haproxy.cfg", False),  # relative to the config file's directory, not any file of that name
    ("*.cfg", False),  # '*' stays within one directory
    ("lb/[!h]*.cfg", False),
    ("lb/haproxy.cfg.bak", False),
])
def test_central_waivers_match_files_by_glob_relative_to_the_config_file(policy: Policy, glob: str, suppressed: bool) -> None:
    findings = waive(config(), policy, central=(central(glob),))
    assert (of(findings, "EAS102")[0].suppression is not None) is suppressed
    assert bool(of(findings, "EAS004")) is not suppressed


def test_an_absolute_central_glob_matches_absolute_paths(policy: Policy) -> None:
    absolute = Path.cwd().as_posix() + "/lb/*.cfg"
    assert waive(config(), policy, central=(central(absolute),))[0].suppression is not None
    assert waive(config(), policy, central=(central("/etc/haproxy/*.cfg"),))[0].suppression is None


def test_a_central_glob_is_relative_to_the_directory_of_the_config_file(policy: Policy) -> None:
    # The finding's file is lb/haproxy.cfg (relative to the working directory); a config file
    # in lb/ names it haproxy.cfg, one in another directory does not reach it.
    assert waive(config(), policy, central=(central("haproxy.cfg", config_file="lb/.easlint.yaml"),))[0].suppression
    findings = waive(config(), policy, central=(central("**", config_file="other/.easlint.yaml"),))
    assert of(findings, "EAS102")[0].suppression is None


def test_a_central_waiver_can_name_one_object(policy: Policy) -> None:
    hit = waive(config(), policy, central=(central("**/*.cfg", object_path="backend be_exchange"),))
    assert hit[0].suppression is not None
    miss = waive(config(), policy, central=(central("**/*.cfg", object_path="backend be_owa"),))
    assert miss[0].suppression is None
    [unused] = of(miss, "EAS004")
    assert unused.location == Location(".easlint.yaml", 12)
    assert "object 'backend be_owa'" in unused.message


def test_a_central_waiver_accepts_a_rule_name(policy: Policy) -> None:
    assert waive(config(), policy, central=(central("lb/*", rule="timeout-below-max-heartbeat"),))[0].suppression


@pytest.mark.parametrize(("entry", "complaint"), [
    (central("lb/*", reason=None), "has no reason"),
    (central("lb/*", reason="  "), "has no reason"),
    (central("lb/*", until=date(2026, 6, 30)), "expired on 2026-06-30"),
    (central("lb/*", until="2026-06-30"), "expired on 2026-06-30"),
    (central("lb/*", until="next spring"), "until 'next spring' is not a date"),
    (central("lb/*", rule="EAS999"), "unknown rule 'EAS999'"),
    (central(""), "names no files"),
])
def test_an_invalid_central_waiver_is_eas005_at_its_config_line(policy: Policy, entry: CentralWaiver, complaint: str) -> None:
    findings = waive(config(), policy, central=(entry,))
    [invalid] = of(findings, "EAS005")
    assert complaint in invalid.message
    assert invalid.location == Location(".easlint.yaml", 12)
    assert invalid.device == ".easlint.yaml"
    assert of(findings, "EAS102")[0].suppression is None


def test_a_central_waiver_valid_until_a_future_date(policy: Policy) -> None:
    [finding] = waive(config(), policy, central=(central("lb/*", until=date(2027, 3, 31)),))
    assert finding.suppression == Suppression("central", "owned by the appliance team", Location(".easlint.yaml", 12), "2027-03-31")


def test_an_inline_waiver_wins_over_a_central_one_and_both_count_as_used(policy: Policy) -> None:
    findings = waive(config(before_timer=WAIVER), policy, central=(central("lb/*"),))
    assert [(f.rule_id, f.suppression and f.suppression.kind) for f in findings] == [("EAS102", "inline")]


# -- comment syntax per vendor --------------------------------------------------------------------------------


@pytest.mark.parametrize(("vendor_name", "text", "expected"), [
    ("haproxy", "global\n", HASH),
    ("f5", "#TMSH-VERSION: 15.1.0\nltm virtual /Common/vs_exchange {\n}\n", HASH),
    ("fortigate", "#config-version=FGT60F-7.2.5\nconfig firewall policy\n", HASH),
    ("panos", "set deviceconfig setting session timeout-tcp 3600\n", HASH),
    ("panos", "<?xml version=\"1.0\"?>\n<config version=\"10.2.0\">\n", XML),
    ("exchange", "\ufeff<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n", XML),
    ("asa", ": Saved\n!\nhostname edge-fw\n", BANG),
    ("exchange", '{"MaxHeartbeatInterval": 3540}', None),
    ("exchange", '#TYPE Selected.Microsoft.Exchange\n"Name","Value"\n', None),
])
def test_comment_syntax_by_vendor_and_content(vendor_name: str, text: str, expected: object) -> None:
    assert comment_syntax(vendor_name, text) == expected


def synthetic(file: str, line: int, rule_id: str = "EAS102") -> Finding:
    return Finding(rule_id, "timeout-below-max-heartbeat", Severity.ERROR, "short timer", Location(file, line), file,
                   "some object", "some attribute")


ASA = """\
: Saved
: Written by enable_15 at 10:12:01.512 UTC Mon Mar 3 2026
!
ASA Version 9.16(4)
!
hostname edge-fw
! easlint: disable=EAS102 reason="the F5 behind this firewall keeps sessions alive"
!
: end of comments
policy-map global_policy
 class class-default
  set connection timeout idle 0:30:00
"""

PANOS_XML = """\
<?xml version="1.0"?>
<config version="10.2.0">
  <devices>
    <!-- easlint: disable=EAS102 reason="session timer set by the hosting provider" -->
    <!--
      A comment over
      several lines.
    -->
    <entry name="localhost.localdomain">
    </entry>
  </devices>
</config>
"""

FORTIGATE = """\
#config-version=FGT60F-7.2.5-FW-build1517-230606:opmode=0:vdom=0
config system session-ttl
    # easlint: disable=EAS102 reason="ttl owned by the MSP"

    set default 1800
end
"""


@pytest.mark.parametrize(("vendor_name", "text", "waiver_line", "target_line"), [
    ("asa", ASA, 7, 10),
    ("panos", PANOS_XML, 4, 9),
    ("fortigate", FORTIGATE, 3, 5),
    ("exchange", PANOS_XML.replace("<config", "<configuration"), 4, 9),
])
def test_each_comment_syntax_waives_the_next_configuration_line(vendor_name: str, text: str, waiver_line: int,
                                                               target_line: int) -> None:
    waivers = read_inline_waivers("device.conf", text, vendor_name)
    [waiver] = waivers.waivers
    assert waiver.location.line == waiver_line and not waiver.errors
    assert waiver.scope == LineScope("device.conf", target_line, text.splitlines()[target_line - 1].strip())
    findings = apply_waivers([synthetic("device.conf", target_line)], [waivers], (), today=TODAY, inline=True,
                             selected=lambda rule_id: True)
    assert [f.suppression is not None for f in findings] == [True]


def test_an_xml_waiver_must_close_on_its_line() -> None:
    text = '<config>\n  <!-- easlint: disable=EAS102 reason="provider"\n  -->\n  <entry/>\n</config>\n'
    [waiver] = read_inline_waivers("panos.xml", text, "panos").waivers
    assert any("must close with '-->'" in message for _, message in waiver.errors)


def test_a_byte_order_mark_does_not_hide_a_waiver_on_the_first_line() -> None:
    [waiver] = read_inline_waivers("h.cfg", '\ufeff# easlint: disable-file=EAS102 reason="x"\nglobal\n', "haproxy").waivers
    assert waiver.errors == () and waiver.location == Location("h.cfg", 1, 1)


def test_a_hash_comment_is_not_an_asa_waiver() -> None:
    text = 'hostname edge-fw\n# easlint: disable=EAS102 reason="x"\ntimeout conn 0:30:00\n'
    assert read_inline_waivers("asa.cfg", text, "asa") == FileWaivers("asa.cfg")


def test_formats_without_comments_have_no_inline_waivers() -> None:
    text = '{"note": "# easlint: disable=EAS102 reason=x"}'
    assert read_inline_waivers("ex.json", text, "exchange") == FileWaivers("ex.json")


# -- bad input -------------------------------------------------------------------------------------------------


def test_a_large_file_is_read_without_trouble_and_the_waiver_found_on_its_line() -> None:
    body = "".join(f"    server s{n} 10.0.{n // 250}.{n % 250}:443 check\n" for n in range(100_000))
    assert read_inline_waivers("big.cfg", "backend be_big\n" + body, "haproxy").waivers == ()
    text = "backend be_big\n" + body + '    # easlint: disable=EAS102 reason="x"\n    timeout server 5m\n'
    [waiver] = read_inline_waivers("big.cfg", text, "haproxy").waivers
    assert (waiver.location.line, waiver.scope) == (100_002, LineScope("big.cfg", 100_003, "timeout server 5m"))


@pytest.mark.parametrize("text", [
    "# easlint:",
    "# easlint: \x00\x01\xff disable=\x00",
    "# easlint: disable=" + "A," * 10_000 + ' reason="x"',
    "# easlint: disable=EAS102 reason=\"" + "\\" * 5000,
    "# easlint: disable=EAS102 reason='unclosed until=2027-01-01",
    "#easlint:disable=EAS102 reason=x\n",
    "# easlint: disable=EAS102 reason=\"x\" until=9999-99-99",
    "\ufeff# easlint: disable==EAS102 reason==x",
    '# easlint: disable=EAS102 reason=drained until="2027-01-01',
    "# easlint: disable=EAS102 reason=drained until=",
    "# easlint: disable=EAS102 reason=a b c d e f g h i j k l m n o p q r s t u v w x y z " * 200,
])
def test_hostile_waiver_text_gives_eas005_never_an_exception(text: str) -> None:
    waivers = read_inline_waivers("junk.cfg", text, "haproxy")
    findings = apply_waivers([], [waivers], (), today=TODAY, inline=True, selected=lambda rule_id: True)
    assert all(finding.rule_id in {"EAS004", "EAS005"} and finding.location.file == "junk.cfg" for finding in findings)
    assert findings
