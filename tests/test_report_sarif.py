"""SARIF output: valid against the official SARIF 2.1.0 schema for every fixture and example, and
carrying what GitHub code scanning reads (rule metadata, regions, fingerprints, related
locations, suppressions, execution notifications). Suppressed findings are also checked in the
JSON report, the other format that keeps them."""

from __future__ import annotations

import dataclasses
import json
import re
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from linter.engine import FileResult, Report, run
from linter.findings import Evidence, Finding, Fix, Severity, Suppression
from linter.model import Location
from linter.policy import Policy
from linter.report import json as json_report
from linter.report import sarif
from policies import RULES
from tests.conftest import REPO

OFFICIAL_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-2.1.0.json"
LINTED = ["tests/rules", "examples"]


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    if not OFFICIAL_SCHEMA.is_file():
        pytest.skip(f"the official SARIF schema is not at {OFFICIAL_SCHEMA}")
    schema = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def fixtures_report(policy: Policy) -> Report:
    """Every rule fixture and example, linted the way the command line does, from the repository root."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        return run(LINTED, policy, RULES)


@pytest.fixture(scope="module")
def fixtures_log(fixtures_report: Report) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        return json.loads(sarif.render(fixtures_report))


def errors_of(validator: jsonschema.Draft4Validator, log: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(log)]


def a_finding(**changes: object) -> Finding:
    base = Finding("EAS102", "timeout-below-max-heartbeat", Severity.ERROR, "timeout server 30m cuts long Pings",
                   Location("edge/haproxy.cfg", 19, 5), "edge/haproxy.cfg", "backend be_exchange", "timeout server",
                   expected=">= 3600 s", actual="1800 s (30m)",
                   evidence=(Evidence("set in defaults", Location("edge/haproxy.cfg", 4, 5)), Evidence("no location")),
                   fix=Fix("in backend be_exchange, add", "timeout server 65m", Location("edge/haproxy.cfg", 18)))
    return dataclasses.replace(base, **changes)


def report_of(policy: Policy, findings: list[Finding], **file: object) -> Report:
    result = FileResult("edge/haproxy.cfg", "haproxy", "checked", findings=tuple(findings),
                        **file)  # type: ignore[arg-type]
    return Report(policy, RULES, [result])


def only_run(policy: Policy, findings: list[Finding], **file: object) -> dict:
    return sarif.report_to_sarif(report_of(policy, findings, **file))["runs"][0]


# -- the official schema --------------------------------------------------------------------------


def test_fixtures_and_examples_give_valid_sarif(sarif_validator: jsonschema.Draft4Validator, fixtures_report: Report,
                                                fixtures_log: dict) -> None:
    checked = [result for result in fixtures_report.files if result.status == "checked"]
    assert len(checked) >= 50 and fixtures_report.findings, "the fixtures were not found or gave no finding"
    assert not errors_of(sarif_validator, fixtures_log)


def test_waived_failed_and_odd_paths_give_valid_sarif(sarif_validator: jsonschema.Draft4Validator,
                                                      policy: Policy) -> None:
    findings = [
        a_finding(suppression=Suppression("inline", "vendor appliance sets it", Location("edge/haproxy.cfg", 17),
                                          "2027-03-31")),
        a_finding(attribute="timeout client",
                  suppression=Suppression("baseline", "in baseline .easlint-baseline.json")),
        a_finding(location=Location("edge/odd name %1.cfg", 1, None, 3)),
    ]
    log = sarif.report_to_sarif(report_of(policy, findings, io_error="edge/x.cfg: cannot read: Permission denied",
                                          internal_error="edge/haproxy.cfg: internal error (KeyError: 'x')"))
    assert not errors_of(sarif_validator, log)


# -- tool.driver ----------------------------------------------------------------------------------


def first_paragraph_of_page(rule_id: str) -> str:
    """The paragraph under the title, as plain text: a link shows as its text."""
    page = (REPO / "policies" / "docs" / f"{rule_id}.md").read_text(encoding="utf-8")
    body = page.split("\n\n")[1]
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", " ".join(line.strip() for line in body.splitlines()))


def test_driver_describes_every_registered_rule(fixtures_log: dict) -> None:
    driver = fixtures_log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "easlint" and driver["version"] and driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == [rule.id for rule in RULES]
    for rule, descriptor in zip(RULES, driver["rules"]):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == first_paragraph_of_page(rule.id)
        page = (REPO / "policies" / "docs" / f"{rule.id}.md").read_text(encoding="utf-8")
        assert descriptor["help"]["text"] == page
        assert descriptor["helpUri"].startswith("https://") and descriptor["helpUri"].endswith(rule.id)
        assert descriptor["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            rule.severity.value]
        assert "security" in descriptor["properties"]["tags"]


def test_help_markdown_links_to_other_rule_pages_are_absolute(fixtures_log: dict) -> None:
    linked = [rule for rule in fixtures_log["runs"][0]["tool"]["driver"]["rules"] if "](EAS" in rule["help"]["text"]]
    assert linked, "no rule page links to another: the rewrite is untested"
    for rule in linked:
        markdown = rule["help"]["markdown"]
        assert "](EAS" not in markdown
        for target in re.findall(r"\]\((EAS\d{3})\.md\)", rule["help"]["text"]):
            assert f"]({sarif.help_uri(target)})" in markdown


def test_security_severity_follows_github_bands(fixtures_log: dict) -> None:
    """GitHub: 9.0 and above critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low; high and above
    fail a pull request check by default, as errors fail easlint's default gate."""
    bands = {"error": (7.0, 8.9), "warning": (4.0, 6.9), "note": (0.1, 3.9)}
    for rule in fixtures_log["runs"][0]["tool"]["driver"]["rules"]:
        score = rule["properties"]["security-severity"]
        assert isinstance(score, str)
        low, high = bands[rule["defaultConfiguration"]["level"]]
        assert low <= float(score) <= high, rule["id"]


# -- results --------------------------------------------------------------------------------------


def test_one_result_per_finding_at_its_place(fixtures_report: Report, fixtures_log: dict) -> None:
    run_log = fixtures_log["runs"][0]
    rules = run_log["tool"]["driver"]["rules"]
    results = run_log["results"]
    assert len(results) == len(fixtures_report.findings)
    for finding, result in zip(fixtures_report.findings, results):
        assert result["ruleId"] == finding.rule_id == rules[result["ruleIndex"]]["id"]
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding.severity.value]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert unquote(location["artifactLocation"]["uri"]) == finding.location.file
        # relative to the source root; a member of an archive lies below the archive
        inside = REPO / finding.location.file
        assert any(path.is_file() for path in (inside, *inside.parents)), finding.location.file
        assert location["region"]["startLine"] == finding.location.line
        assert location["region"].get("startColumn") == finding.location.column
        assert result["partialFingerprints"] == {"easlintFingerprint/v1": finding.fingerprint}
        assert result["message"]["text"].startswith(finding.message)


def test_result_message_says_expected_actual_and_fix(policy: Policy) -> None:
    [result] = only_run(policy, [a_finding()])["results"]
    text = result["message"]["text"]
    assert text.splitlines() == ["timeout server 30m cuts long Pings", "Expected: >= 3600 s", "Actual: 1800 s (30m)",
                                 "Evidence: no location", "Fix: in backend be_exchange, add"]
    assert result["properties"]["fix"] == {
        "description": "in backend be_exchange, add", "snippet": "timeout server 65m", "location": "edge/haproxy.cfg:18"}
    assert "fixes" not in result  # a vendor instruction, not a byte replacement SARIF could apply
    assert result["properties"]["object"] == "backend be_exchange"


def test_evidence_with_a_place_becomes_related_locations(policy: Policy) -> None:
    [result] = only_run(policy, [a_finding()])["results"]
    assert result["relatedLocations"] == [{
        "id": 1,
        "physicalLocation": {"artifactLocation": {"uri": "edge/haproxy.cfg", "uriBaseId": "%SRCROOT%"},
                             "region": {"startLine": 4, "startColumn": 5}},
        "message": {"text": "set in defaults"},
    }]


def test_related_locations_of_real_findings(fixtures_report: Report, fixtures_log: dict) -> None:
    for finding, result in zip(fixtures_report.findings, fixtures_log["runs"][0]["results"]):
        placed = [item for item in finding.evidence if item.location is not None]
        related = result.get("relatedLocations", [])
        assert [item["message"]["text"] for item in related] == [item.message for item in placed]
        assert [item["physicalLocation"]["region"]["startLine"] for item in related] == [
            item.location.line for item in placed if item.location is not None]


def test_end_line_is_kept(policy: Policy) -> None:
    [result] = only_run(policy, [a_finding(location=Location("edge/haproxy.cfg", 19, 5, 24))])["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 19, "startColumn": 5, "endLine": 24}


@pytest.mark.parametrize(("path", "uri"), [
    ("edge/odd name %1.cfg", "edge/odd%20name%20%251.cfg"),
    ("bigip.ucs!/config/bigip.conf", "bigip.ucs%21/config/bigip.conf"),
    ("caf\udce9.cfg", "caf%E9.cfg"),  # a Latin-1 file name as the file system gives it
])
def test_relative_paths_are_percent_encoded(policy: Policy, path: str, uri: str) -> None:
    [result] = only_run(policy, [a_finding(location=Location(path, 3))])["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": uri, "uriBaseId": "%SRCROOT%"}


def test_paths_outside_the_working_directory_are_file_uris(policy: Policy, tmp_path: Path) -> None:
    outside = tmp_path / "fw.cfg"
    [result] = only_run(policy, [a_finding(location=Location(outside.as_posix(), 3))])["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": outside.resolve().as_uri()}


def test_source_root_is_the_working_directory(policy: Policy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_log = only_run(policy, [a_finding()])
    root = run_log["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == tmp_path.resolve().as_uri() + "/"


# -- suppressions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "sarif_kind"), [("inline", "inSource"), ("central", "external"),
                                                  ("baseline", "external")])
def test_suppressed_findings_stay_marked(policy: Policy, kind: str, sarif_kind: str) -> None:
    waiver = Suppression(kind, "LB idle timer set by the vendor appliance", Location(".easlint.yaml", 12), "2027-03-31")
    [result] = only_run(policy, [a_finding(suppression=waiver)])["results"]
    [suppression] = result["suppressions"]
    assert suppression["kind"] == sarif_kind
    assert suppression["justification"] == "LB idle timer set by the vendor appliance"
    assert suppression["location"]["physicalLocation"]["region"]["startLine"] == 12
    assert suppression["properties"] == {"source": kind, "until": "2027-03-31"}
    assert result["level"] == "error"  # still what it is; the suppression says why it does not count


def test_unsuppressed_findings_have_no_suppressions(policy: Policy) -> None:
    [result] = only_run(policy, [a_finding()])["results"]
    assert "suppressions" not in result


def test_json_report_marks_and_counts_suppressed_findings(policy: Policy) -> None:
    waived = a_finding(
        suppression=Suppression("inline", "accepted risk", Location("edge/haproxy.cfg", 17), "2027-03-31"))
    report = report_of(policy, [waived, a_finding(attribute="timeout client")])
    data = json_report.report_to_json(report)
    jsonschema.validate(data, json.loads(resources.files("linter").joinpath("schemas/report.schema.json").read_text()))
    assert [finding["suppression"] for finding in data["findings"]].count(None) == 1
    marked = next(finding["suppression"] for finding in data["findings"] if finding["suppression"])
    assert marked == {"kind": "inline", "justification": "accepted risk", "until": "2027-03-31",
                      "location": {"file": "edge/haproxy.cfg", "line": 17, "column": None, "end_line": None}}
    assert data["summary"]["findings"] == 1 and data["summary"]["suppressed"] == 1
    assert data["summary"]["by_severity"]["error"] == 1
    assert data["files"][0]["findings"] == 1 and data["files"][0]["suppressed"] == 1


# -- invocations ----------------------------------------------------------------------------------


def test_clean_run_is_successful_without_notifications(policy: Policy) -> None:
    [invocation] = only_run(policy, [a_finding()])["invocations"]
    assert invocation == {"executionSuccessful": True, "toolExecutionNotifications": []}


def test_io_and_internal_errors_are_notifications(policy: Policy) -> None:
    run_log = only_run(policy, [], io_error="edge/haproxy.cfg: cannot read: Permission denied",
                       internal_error="edge/haproxy.cfg: internal error while checking (KeyError: 'x')")
    [invocation] = run_log["invocations"]
    assert invocation["executionSuccessful"] is False
    notifications = invocation["toolExecutionNotifications"]
    descriptors = run_log["tool"]["driver"]["notifications"]
    assert [descriptors[n["descriptor"]["index"]]["id"] for n in notifications] == ["io-error", "internal-error"]
    assert [n["descriptor"]["id"] for n in notifications] == ["io-error", "internal-error"]
    assert all(n["level"] == "error" for n in notifications)
    assert "Permission denied" in notifications[0]["message"]["text"]
    assert notifications[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "edge/haproxy.cfg"


def test_more_results_than_github_shows_is_announced(policy: Policy) -> None:
    findings = [a_finding(attribute=f"timeout {number}") for number in range(sarif.GITHUB_SHOWN_RESULTS + 1)]
    run_log = only_run(policy, findings)
    [notification] = run_log["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "warning" and str(sarif.GITHUB_SHOWN_RESULTS + 1) in notification["message"]["text"]
    assert len(run_log["results"]) == sarif.GITHUB_SHOWN_RESULTS + 1  # the log itself keeps every result


def test_rule_missing_from_the_registry_still_has_a_descriptor(policy: Policy) -> None:
    stray = a_finding(rule_id="EAS999", rule_name="not-registered", severity=Severity.WARNING)
    run_log = only_run(policy, [stray])
    [result] = run_log["results"]
    descriptor = run_log["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert descriptor["id"] == "EAS999" and descriptor["name"] == "not-registered"
    assert descriptor["defaultConfiguration"]["level"] == "warning"


def test_render_is_json_ending_in_a_newline(fixtures_report: Report) -> None:
    text = sarif.render(fixtures_report)
    assert text.endswith("}\n")
    assert json.loads(text)["version"] == "2.1.0"
