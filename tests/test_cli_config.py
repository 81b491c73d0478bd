"""The configuration file as the command line uses it: found from the working directory, or
named with --config; its rules, severities, gate, apps and waivers change what a run reports,
and the command line wins over it. The loader itself is tested in test_config.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linter import cli
from tests.conftest import REPO

SHORT = REPO / "examples" / "haproxy" / "exchange-short-timeout.cfg"  # EAS102 (error), EAS202 and EAS203 (warnings)
NINE_ALLOWED = """\
global
    log stdout format raw local0

defaults
    mode http
    timeout connect 5s
    timeout client 65m
    timeout server 65m

frontend fe_exchange
    bind :443
    acl blocked_app req.fhdr(user-agent) -m sub -i cloudmagic
    acl blocked_app url_param(DeviceType) -m str -i cloudmagic
    http-request deny if { path_beg -i /microsoft-server-activesync } blocked_app
    http-request deny if { path_beg -i /ews/ } blocked_app
    default_backend be_exchange

backend be_exchange
    server exch1 10.0.0.11:443 ssl verify none
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config repository with one HAProxy file, as the working directory."""
    (tmp_path / ".git").mkdir()  # discovery stops at the top of the repository
    shutil.copy(SHORT, tmp_path / "haproxy.cfg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = cli.main([*args, "--format", "json", "--jobs", "1"])
    return code, json.loads(capsys.readouterr().out)


def severities(report: dict) -> dict[str, str]:
    return {finding["rule_id"]: finding["severity"] for finding in report["findings"]}


def test_without_a_configuration_the_built_in_defaults_apply(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 1
    assert severities(report) == {"EAS102": "error", "EAS202": "warning", "EAS203": "warning"}


def test_the_configuration_in_a_parent_directory_is_found(project: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".easlint.yaml").write_text("rules:\n  ignore: [EAS2]\n")
    (project / "lb").mkdir()
    shutil.move(project / "haproxy.cfg", project / "lb" / "haproxy.cfg")
    monkeypatch.chdir(project / "lb")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 1
    assert severities(report) == {"EAS102": "error"}


def test_pyproject_tool_section_is_a_configuration(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "configs"\n\n[tool.easlint]\nfail_on = "warning"\n'
                                            '[tool.easlint.rules]\nselect = ["EAS2"]\n')
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 1  # only warnings are left, and fail_on warning makes them fail the run
    assert severities(report) == {"EAS202": "warning", "EAS203": "warning"}


def test_severity_overrides_reach_every_output_and_the_gate(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text("rules:\n  severity:\n    EAS102: warning\n    EAS2: info\n")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 0  # nothing is an error any more
    assert severities(report) == {"EAS102": "warning", "EAS202": "info", "EAS203": "info"}
    assert cli.main(["haproxy.cfg", "--format", "sarif", "--jobs", "1"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert (levels["EAS102"], levels["EAS202"], levels["EAS101"]) == ("warning", "note", "error")
    assert {result["ruleId"]: result["level"] for result in sarif["runs"][0]["results"]}["EAS102"] == "warning"


def test_the_command_line_wins_over_the_configuration(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text("fail_on: never\nrules:\n  select: [EAS2]\n")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert (code, sorted(severities(report))) == (0, ["EAS202", "EAS203"])
    code, report = run_json(["haproxy.cfg", "--select", "EAS102", "--fail-on", "error"], capsys)
    assert (code, sorted(severities(report))) == (1, ["EAS102"])


@pytest.mark.parametrize("selection", [["--select", "EAS102,EAS202"], ["--select", "EAS102", "--select", "EAS202,"],
                                       ["--select", "EAS102, timeout-below-max-heartbeat,EAS202"]])
def test_select_takes_a_comma_separated_list_as_ruff_does(project: Path, capsys: pytest.CaptureFixture[str],
                                                          selection: list[str]) -> None:
    code, report = run_json(["haproxy.cfg", *selection], capsys)
    assert sorted(severities(report)) == ["EAS102", "EAS202"]
    code, report = run_json(["haproxy.cfg", "--ignore", "EAS102,EAS203"], capsys)
    assert sorted(severities(report)) == ["EAS202"]


def test_an_unknown_rule_in_a_select_list_is_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["haproxy.cfg", "--select", "EAS102,EAS999"]) == 2
    assert "--select: unknown rule 'EAS999'" in capsys.readouterr().err


def test_an_app_added_in_the_configuration_is_probed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "haproxy.cfg").write_text(NINE_ALLOWED)
    code, report = run_json(["haproxy.cfg"], capsys)
    assert (code, report["findings"]) == (0, [])
    (project / ".easlint.yaml").write_text("apps:\n  block:\n    - name: Nine\n      user_agents: [NineMail]\n"
                                           "      device_types: [NineDevice]\n")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 1
    [finding] = [f for f in report["findings"] if f["rule_id"] == "EAS201"]
    assert "Nine" in finding["message"]


def test_allowlist_mode_from_the_configuration(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "haproxy.cfg").write_text(NINE_ALLOWED)
    (project / ".easlint.yaml").write_text("apps:\n  mode: allowlist\n")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 1
    assert any(f["rule_id"] == "EAS201" and "unknown third-party ActiveSync client" in f["message"] for f in report["findings"])


def test_a_central_waiver_suppresses_and_is_counted(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text(
        "waivers:\n  - rule: EAS102\n    file: '*.cfg'\n    reason: 'pool retired in CHG-1234'\n    until: 2099-12-31\n")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 0
    [waived] = [f for f in report["findings"] if f["rule_id"] == "EAS102"]
    assert waived["suppression"]["kind"] == "central"
    assert "CHG-1234" in waived["suppression"]["justification"]
    assert report["summary"]["suppressed"] == 1


def test_an_expired_central_waiver_is_reported_at_its_config_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text(
        "fail_on: error\nwaivers:\n  - rule: EAS102\n    file: '*.cfg'\n    reason: 'old'\n    until: 2020-01-31\n")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 1
    [invalid] = [f for f in report["findings"] if f["rule_id"] == "EAS005"]
    assert (invalid["location"]["file"], invalid["location"]["line"]) == (".easlint.yaml", 3)


def test_a_broken_configuration_is_a_usage_error_naming_file_and_line(project: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text("rules:\n  selct: [EAS1]\nfail_on: sometimes\n")
    assert cli.main(["haproxy.cfg"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors[0].startswith("easlint: error: .easlint.yaml:2:3: unknown key 'selct'")
    assert errors[1].startswith("easlint: error: .easlint.yaml:3:10: ")
    assert "Traceback" not in "\n".join(errors)


def test_config_option_names_the_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = project / "settings" / "lint.yaml"
    settings.parent.mkdir()
    settings.write_text("rules:\n  ignore: [EAS1]\n")
    code, report = run_json(["haproxy.cfg", "--config", str(settings)], capsys)
    assert sorted(severities(report)) == ["EAS202", "EAS203"]
    assert cli.main(["haproxy.cfg", "--config", "missing.yaml"]) == 2
    assert "missing.yaml: no such file" in capsys.readouterr().err


def test_show_config_prints_where_each_setting_came_from(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text("exchange:\n  max_heartbeat_interval: 1800\n")
    assert cli.main(["--show-config", "--fail-on", "warning"]) == 0
    shown = capsys.readouterr().out
    assert "max_heartbeat_interval: 1800" in shown and ".easlint.yaml:2" in shown
    assert "fail_on: warning" in shown and "# command line" in shown


def test_heartbeat_from_the_configuration_sets_the_threshold(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text("exchange:\n  max_heartbeat_interval: 1500\n")
    code, report = run_json(["haproxy.cfg"], capsys)  # timeout server 30m = 1800 s > 1500 + 60
    assert "EAS102" not in severities(report)


def test_init_writes_a_starter_that_loads_and_never_overwrites(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["init"]) == 0
    written = (project / ".easlint.yaml").read_text()
    assert written.startswith("# easlint configuration")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert severities(report) == {"EAS102": "error", "EAS202": "warning", "EAS203": "warning"}
    (project / ".easlint.yaml").write_text("fail_on: never\n")
    assert cli.main(["init"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (project / ".easlint.yaml").read_text() == "fail_on: never\n"


def test_files_globs_set_the_vendor_content_does_not_reveal(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = "".join(f"# {number:05d} change log entry kept at the top of the file by the team\n" for number in range(1200))
    (project / "haproxy.cfg").write_text(history + SHORT.read_text())  # the sections start after 64 KiB of comments
    code, report = run_json(["haproxy.cfg"], capsys)
    assert (code, report["files"][0]["status"]) == (0, "skipped")
    (project / ".easlint.yaml").write_text("files:\n  - glob: '*.cfg'\n    vendor: haproxy\n")
    code, report = run_json(["haproxy.cfg"], capsys)
    assert code == 1 and report["files"][0]["vendor"] == "haproxy"
    assert sorted(severities(report)) == ["EAS102", "EAS202", "EAS203"]


def test_a_path_brings_in_its_other_hops(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "fw").mkdir()
    shutil.copy(REPO / "examples" / "asa" / "exchange-edge.cfg", project / "fw" / "edge.cfg")
    shutil.copy(REPO / "examples" / "haproxy" / "exchange-good.cfg", project / "haproxy.cfg")
    (project / ".easlint.yaml").write_text("paths:\n  - name: internet\n    hops: [fw/edge.cfg, haproxy.cfg]\n")
    code, report = run_json(["haproxy.cfg"], capsys)  # as a pre-commit hook passes one changed file
    assert sorted(result["path"] for result in report["files"]) == ["fw/edge.cfg", "haproxy.cfg"]
    assert [f["rule_id"] for f in report["findings"]] == ["EAS102"]  # the firewall's timer; the proxy blocks for both


def test_a_hop_that_matches_nothing_is_reported_at_its_own_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".easlint.yaml").write_text("paths:\n  - name: internet\n    hops:\n      - haproxy.cfg\n"
                                           "      - firewall/*.conf\n")
    assert cli.main(["haproxy.cfg", "--jobs", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("easlint: error: .easlint.yaml:5: path 'internet': hop 'firewall/*.conf' matches no file")
