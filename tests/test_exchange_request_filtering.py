"""IIS request filtering in a front-end web.config as a hop (parsers.exchange.request_filtering).

The verdicts come from simulating the policy's probes through the parsed device, so each test
says what IIS would do with a real request: case-insensitive substring matching, appliesTo by
extension (never an extension-less ActiveSync URL), the raw and unescaped query scans, and the
virtual directory the file belongs to.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from linter.analysis import analyze
from linter.policy import BlockedApp, Policy
from linter.probes import ProbeForm, Role
from linter.simulate import Verdict
from parsers import vendor
from tests.conftest import lint_text


def front_end(rules: str, protocol: str | None = "Eas", extra_web_server: str = "", filtering_attributes: str = "") -> str:
    app_settings = f'<appSettings><add key="HttpProxy.ProtocolType" value="{protocol}" /></appSettings>' if protocol else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n  {app_settings}\n  <system.webServer>\n'
            f"    {extra_web_server}\n    <security>\n      <requestFiltering{filtering_attributes}>\n"
            f"        <filteringRules>\n{rules}\n        </filteringRules>\n"
            "      </requestFiltering>\n    </security>\n  </system.webServer>\n</configuration>\n")


def rule(attributes: str = 'scanQueryString="true"', headers: tuple[str, ...] = (), applies_to: tuple[str, ...] = (),
         strings: tuple[str, ...] = ("CloudMagic",), name: str = "Block") -> str:
    parts = [f'<filteringRule name="{name}" {attributes}>']
    if headers:
        parts.append("<scanHeaders>" + "".join(f'<add requestHeader="{h}" />' for h in headers) + "</scanHeaders>")
    if applies_to:
        parts.append("<appliesTo>" + "".join(f'<add fileExtension="{e}" />' for e in applies_to) + "</appliesTo>")
    parts.append("<denyStrings>" + "".join(f'<add string="{s}" />' for s in strings) + "</denyStrings>")
    return "".join(parts) + "</filteringRule>"


def verdicts(text: str, policy: Policy, name: str = "web.config", config_dir: Path | None = None) -> dict[tuple[str, str], Verdict]:
    device = vendor("exchange").parse(name, text, config_dir)
    analysis = analyze(device, policy)
    return {(outcome.probe.client, outcome.probe.form_label): outcome.verdict for outcome in analysis.outcomes}


def rule_ids(text: str, policy: Policy, name: str = "web.config") -> list[str]:
    return sorted(finding.rule_id for finding in lint_text("exchange", text, policy, name))


def test_query_scan_refuses_the_plain_form_in_any_case_but_not_base64(policy: Policy) -> None:
    found = verdicts(front_end(rule(strings=("cloudMAGIC",))), policy)
    assert found[("CloudMagic", "plain")] is Verdict.DENIED
    assert found[("CloudMagic", "case")] is Verdict.DENIED
    assert found[("CloudMagic", "devicetype-only")] is Verdict.DENIED
    assert found[("CloudMagic", "ua-only")] is Verdict.ALLOWED
    assert found[("iOS Mail", "plain")] is Verdict.ALLOWED


def test_header_scan_catches_base64_but_not_requests_without_user_agent(policy: Policy) -> None:
    found = verdicts(front_end(rule(attributes="", headers=("User-Agent",))), policy)
    assert found[("CloudMagic", "ua-only")] is Verdict.DENIED
    assert found[("CloudMagic", "devicetype-only")] is Verdict.ALLOWED


def test_unescaped_query_scan_follows_unescape_query_string(policy: Policy) -> None:
    """"Cloud Magic" is sent as DeviceType=Cloud%20Magic: only the unescaped scan finds it."""
    spaced = dataclasses.replace(policy, blocked_apps=(BlockedApp("Spaced", device_types=("Cloud Magic",)),))
    rules = rule(strings=("Cloud Magic",))
    assert verdicts(front_end(rules), spaced)[("Spaced", "devicetype-only")] is Verdict.DENIED
    raw_only = front_end(rules, filtering_attributes=' unescapeQueryString="false"')
    assert verdicts(raw_only, spaced)[("Spaced", "devicetype-only")] is Verdict.ALLOWED


def test_applies_to_extensions_never_sees_the_extensionless_activesync_url(policy: Policy) -> None:
    text = front_end(rule(attributes="", headers=("User-Agent",), applies_to=(".asmx",)), protocol=None)
    found = verdicts(text, policy)
    assert found[("CloudMagic", "plain")] is Verdict.ALLOWED
    assert found[("CloudMagic", "ews")] is Verdict.DENIED


def test_sync_vdir_from_the_directory_name(policy: Policy, tmp_path: Path) -> None:
    text = front_end(rule(attributes="", headers=("User-Agent",)), protocol=None)
    found = verdicts(text, policy, r"FrontEnd\HttpProxy\sync\web.config")
    assert found[("CloudMagic", "plain")] is Verdict.DENIED
    assert found[("CloudMagic", "ews")] is Verdict.ALLOWED  # /EWS/ is served by another vdir
    in_directory = verdicts(text, policy, "web.config", tmp_path / "FrontEnd" / "HttpProxy" / "sync")
    assert in_directory[("CloudMagic", "ews")] is Verdict.ALLOWED


def test_ews_vdir_never_judges_activesync(policy: Policy) -> None:
    text = front_end(rule(), protocol="Ews")
    assert rule_ids(text, policy) == []
    device = vendor("exchange").parse("FrontEnd/HttpProxy/ews/web.config", text, None)
    assert not analyze(device, policy).has_activesync_path


def test_unknown_vdir_is_named_and_covers_both(policy: Policy) -> None:
    text = front_end(rule(attributes="", headers=("User-Agent",)), protocol=None)
    device = vendor("exchange").parse("web.config", text, None)
    assert "unknown" in device.listeners[0].object_path
    found = verdicts(text, policy)
    assert found[("CloudMagic", "plain")] is Verdict.DENIED and found[("CloudMagic", "ews")] is Verdict.DENIED


def test_scan_all_raw_cannot_be_verified(policy: Policy) -> None:
    text = front_end(rule(attributes='scanAllRaw="true"'))
    assert "EAS003" in rule_ids(text, policy)


def test_removed_module_makes_rules_inert(policy: Policy) -> None:
    modules = '<modules><remove name="RequestFilteringModule" /></modules>'
    text = front_end(rule(attributes='scanQueryString="true"', headers=("User-Agent",)), extra_web_server=modules)
    assert verdicts(text, policy)[("CloudMagic", "plain")] is Verdict.ALLOWED
    assert "EAS201" in rule_ids(text, policy)
    re_added = modules.replace("</modules>", '<add name="RequestFilteringModule" /></modules>')
    assert verdicts(front_end(rule(), extra_web_server=re_added), policy)[("CloudMagic", "plain")] is Verdict.DENIED


def test_a_deny_string_that_matches_a_native_client_is_reported(policy: Policy) -> None:
    text = front_end(rule(attributes="", headers=("User-Agent",), strings=("CloudMagic", "Apple-")))
    findings = lint_text("exchange", text, policy, "web.config")
    native = [finding for finding in findings if finding.rule_id == "EAS205"]
    assert native and native[0].fix is not None
    assert '<remove string="Apple-" />' in native[0].fix.snippet


def test_front_end_without_rules_is_no_hop(policy: Policy) -> None:
    text = front_end("")
    device = vendor("exchange").parse("web.config", text, None)
    assert device.listeners == () and device.pools == ()
    assert rule_ids(text, policy) == []


def test_blocked_app_fix_is_a_filtering_rule(policy: Policy) -> None:
    text = front_end(rule(strings=("SomethingElse",)))
    findings = [finding for finding in lint_text("exchange", text, policy, "web.config") if finding.rule_id == "EAS201"]
    assert findings and findings[0].fix is not None
    snippet = findings[0].fix.snippet
    assert '<add requestHeader="User-Agent" />' in snippet and '<add string="CloudMagic" />' in snippet


def test_probes_for_every_form_reach_the_listener(policy: Policy) -> None:
    device = vendor("exchange").parse("web.config", front_end(rule()), None)
    analysis = analyze(device, policy)
    forms = {outcome.probe.form for outcome in analysis.select(Role.BLOCKED)}
    assert {ProbeForm.PLAIN, ProbeForm.UA_ONLY, ProbeForm.DEVICETYPE_ONLY, ProbeForm.CASE, ProbeForm.EWS} <= forms
    assert analysis.path_timers == []
