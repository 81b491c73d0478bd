"""The command line as users meet it: formats, exit codes, selection, and bad input handled
with a clear message (never a traceback) while the run goes on."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from linter import cli
from tests.conftest import REPO

GOOD = REPO / "examples" / "haproxy" / "exchange-good.cfg"
SHORT = REPO / "examples" / "haproxy" / "exchange-short-timeout.cfg"
FINDING_LINE = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): (?P<id>EAS\d{3}) (?P<name>[a-z0-9-]+) \[(?P<sev>error|warning|info)\] .+")
WARNINGS_ONLY = """
defaults
    mode http
    timeout server 65m
frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.pem
    http-request deny if { path_beg -i /microsoft-server-activesync } { req.fhdr(user-agent) -m sub -i cloudmagic }
    http-request deny if { path_beg -i /ews/ } { req.fhdr(user-agent) -m sub -i cloudmagic }
    default_backend be_exchange
backend be_exchange
    server exch1 10.0.0.11:443 ssl verify none
"""


def schema(name: str) -> dict:
    return json.loads(resources.files("linter").joinpath(f"schemas/{name}").read_text())


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_installed_console_script_runs_the_main_job() -> None:
    result = subprocess.run(["easlint", str(SHORT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    findings = [FINDING_LINE.match(line) for line in result.stdout.splitlines() if FINDING_LINE.match(line)]
    assert {(m["id"], m["line"]) for m in findings} == {("EAS102", "19"), ("EAS202", "24"), ("EAS203", "24")}
    assert result.stdout.rstrip().splitlines()[-1].startswith("Found 3 problems (1 error, 2 warnings) in 1 file")
    assert "Traceback" not in result.stderr


def test_json_report_validates_and_carries_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", str(REPO / "examples"), "--format", "json"], capsys)
    report = json.loads(out)
    jsonschema.validate(report, schema("report.schema.json"))
    assert code == 1
    configurations = [path for path in (REPO / "examples").rglob("*") if path.is_file() and path.suffix != ".yaml"]
    assert report["summary"]["files_checked"] == len(configurations)  # easlint's own settings are no device
    timeout = next(f for f in report["findings"] if f["rule_id"] == "EAS102" and f["location"]["file"].endswith("short-timeout.cfg"))
    assert timeout["object"] == "backend be_exchange" and timeout["attribute"] == "timeout server"
    # examples/exchange/Sync/web.config lowers MaxHeartbeatInterval to 1800 s for the whole run
    assert timeout["expected"].startswith(">= 1860 s") and timeout["actual"].startswith("1800 s")
    assert any(e["message"] == "MaxHeartbeatInterval 1800 s from the Exchange Sync web.config examples/exchange/Sync/web.config"
               and (e["location"]["file"], e["location"]["line"]) == ("examples/exchange/Sync/web.config", 19)
               for e in timeout["evidence"])
    assert timeout["fix"]["snippet"] == "backend be_exchange\n    timeout server 35m"
    assert any("inherited by backend be_exchange" in e["message"] for e in timeout["evidence"])


def test_fingerprints_ignore_line_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    moved = write(tmp_path, "haproxy.cfg", "# a comment that moves every line down\n\n" + SHORT.read_text())
    original = write(tmp_path / "", "orig.cfg", SHORT.read_text())
    _, out_moved, _ = run_cli([str(moved), "--format", "json"], capsys)
    _, out_orig, _ = run_cli([str(original), "--format", "json"], capsys)
    moved_prints = {(f["rule_id"], f["location"]["line"], f["fingerprint"]) for f in json.loads(out_moved)["findings"]}
    orig_prints = {(f["rule_id"], f["location"]["line"], f["fingerprint"]) for f in json.loads(out_orig)["findings"]}
    assert {p for _, _, p in moved_prints} != set()
    assert {(r, line - 2) for r, line, _ in moved_prints} == {(r, line) for r, line, _ in orig_prints}


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str, expected: int) -> None:
    path = write(tmp_path, "haproxy.cfg", WARNINGS_ONLY)  # the block ignores the base64 form: EAS203 warning
    code, out, _ = run_cli([str(path), "--fail-on", fail_on], capsys)
    assert "EAS203 block-form-gap [warning]" in out
    assert code == expected


def test_select_and_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli([str(SHORT), "--select", "EAS2", "--ignore", "block-form-gap", "--format", "json"], capsys)
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"EAS202"}
    assert code == 0  # EAS202 is a warning
    code, _, err = run_cli([str(SHORT), "--select", "EAS9"], capsys)
    assert code == 2 and "unknown rule 'EAS9'" in err


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["no/such/haproxy.cfg"], capsys)
    assert code == 2 and out == ""
    assert err == "easlint: error: no/such/haproxy.cfg: no such file or directory\n"


def test_bad_files_are_reported_and_the_run_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = write(tmp_path, "junk.cfg", bytes(range(256)) * 64)
    broken = write(tmp_path, "broken.cfg", 'frontend fe\n    mode http\n    bind :443\n    acl a hdr(x) -m sub "open\n')
    code, out, err = run_cli([str(junk), str(broken), str(SHORT), "--format", "json"], capsys)
    report = json.loads(out)
    by_file = {Path(f["location"]["file"]).name: f for f in report["findings"] if f["rule_id"] == "EAS001"}
    assert "binary file (NUL byte at offset 0)" in by_file["junk.cfg"]["message"]
    assert by_file["broken.cfg"]["location"]["line"] == 4 and "unmatched quote" in by_file["broken.cfg"]["message"]
    assert any(f["rule_id"] == "EAS102" for f in report["findings"])  # the good file was still checked
    assert code == 1 and err == ""


def test_a_huge_file_is_refused_with_its_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "haproxy.cfg"
    with path.open("w") as handle:
        handle.write("frontend fe\n    bind :80\n    mode http\n")
        handle.write(("# " + "x" * 1022 + "\n") * (51 * 1024))
    code, out, _ = run_cli([str(path)], capsys)
    assert code == 1 and "above the 50 MB limit" in out


def test_inputs_are_never_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "haproxy.cfg", SHORT.read_text())
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    run_cli([str(tmp_path), "--output", str(tmp_path / "report.json"), "--format", "json"], capsys)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["haproxy.cfg", "report.json"]


def test_unrecognised_files_are_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = write(tmp_path, "notes.txt", "not a configuration\n")
    code, out, _ = run_cli([str(notes), str(GOOD)], capsys)
    assert code == 0
    assert f"Skipped {notes}: not a recognised configuration" in out
    assert out.rstrip().endswith("No problems found; 1 configuration file checked.")


def test_no_activesync_path_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "haproxy.cfg", "defaults\n    mode http\nfrontend fe_web\n    bind :80\n    default_backend be_web\n"
                                          "backend be_web\n    timeout server 5s\n    server w 10.0.0.1:80\n")
    code, out, _ = run_cli([str(path)], capsys)
    assert code == 0
    assert "No ActiveSync path found" in out and "haproxy.cfg" in out


def test_internal_errors_exit_3_name_the_file_and_never_show_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import parsers.haproxy.proxies as proxies

    def explode(self: object, proxy: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(proxies._Builder, "_final_mode", explode)
    code, out, err = run_cli([str(SHORT)], capsys)
    assert code == 3
    assert "internal error while checking (RuntimeError: simulated bug)" in out and "exchange-short-timeout.cfg" in out
    assert "Traceback" not in out + err


def test_model_command_output_validates(capsys: pytest.CaptureFixture[str]) -> None:
    for example in sorted((REPO / "examples" / "haproxy").glob("*.cfg")):
        code, out, _ = run_cli(["model", str(example)], capsys)
        assert code == 0
        jsonschema.validate(json.loads(out), schema("model.schema.json"))


def test_trace_shows_each_form_and_its_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["trace", str(SHORT), "--app", "cloudmagic"], capsys)
    assert code == 0
    verdicts = re.findall(r"^  \[([a-z -]+)\].*?=> (\w+)", out, flags=re.M | re.S)
    assert verdicts == [("plain", "denied"), ("case", "allowed"), ("ua-only", "denied"), ("case of ua-only", "allowed"),
                        ("devicetype-only", "allowed"), ("case of devicetype-only", "allowed"), ("ews", "denied")]
    assert "line 24: http-request deny if { path_beg -i /microsoft-server-activesync } blocked_app: matches" in out
    # a refused request names the pool it was heading to, not as if it went there
    assert "=> denied, was heading to pool be_exchange (Exchange)" in out and "=> allowed, pool be_exchange (Exchange)" in out
    code, _, err = run_cli(["trace", str(SHORT), "--app", "Outlook"], capsys)
    assert code == 2 and "the policy knows: CloudMagic, iOS Mail, Android native" in err


def test_custom_policy_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = write(tmp_path, "pack.yaml", """
name: strict
exchange: {max_heartbeat_interval: 1800, heartbeat_alert_threshold: 540, margin: 60}
apps:
  block:
    - {name: Newton, user_agents: [Newton], device_types: [Newton]}
  allow:
    - {name: iOS Mail, user_agent: Apple-iPhone14C2/2001.51, device_type: iPhone}
""")
    code, out, _ = run_cli([str(GOOD), "--policy", str(pack), "--format", "json"], capsys)
    report = json.loads(out)
    assert report["policy"]["blocked_apps"] == ["Newton"]
    assert [(f["rule_id"], f["message"].split(" reaches")[0]) for f in report["findings"]] == [("EAS201", "Newton")]
    assert code == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nexchange: {}\napps: [\n", "pack.yaml:4:1: invalid YAML"),
        ("name: x\nexchange:\n  max_heartbeat_interval: 9000\napps: {}\n", "pack.yaml:3: exchange/max_heartbeat_interval: 9000 is greater"),
        ("name: x\nexchange: {}\napps:\n  block:\n    - name: A\n", "pack.yaml:5: apps/block/0:"),
        ("name: x\nexchange: {}\napps: {}\nextra: 1\n", "pack.yaml:1: (top level): Additional properties"),
    ],
)
def test_bad_policy_packs_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str) -> None:
    pack = write(tmp_path, "pack.yaml", text)
    code, out, err = run_cli([str(GOOD), "--policy", str(pack)], capsys)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_builtin_pack_matches_its_schema() -> None:
    from ruamel.yaml import YAML

    from linter.policy import builtin_pack_text

    jsonschema.validate(YAML(typ="safe", pure=True).load(builtin_pack_text()), schema("policy-pack.schema.json"))


def test_a_pathological_regex_is_cannot_verify_not_a_hang(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "haproxy.cfg", """
defaults
    mode http
    timeout server 65m
frontend fe_exchange
    bind :443
    http-request deny if { req.fhdr(user-agent) -m reg ^(a+)+$ }
    http-request deny if { url_param(DeviceType) -m str -i cloudmagic }
    default_backend be_exchange
backend be_exchange
    server exch1 10.0.0.11:443
""")
    code, out, _ = run_cli([str(path), "--format", "json"], capsys)
    findings = json.loads(out)["findings"]
    # Plain and case forms are refused either way (the DeviceType deny catches them); the base64
    # form and the native clients depend on the refused regex: cannot verify, a warning.
    assert {f["rule_id"] for f in findings} == {"EAS003"}
    assert all("nested quantifier could backtrack catastrophically" in f["message"] for f in findings)
    # each possible outcome is spelt out; a refusal names the pool the request was heading to
    branches = {e["message"] for f in findings for e in f["evidence"]}
    assert "if line 7 matches: denied by line 7, was heading to pool be_exchange" in branches
    assert "if line 7 does not match: allowed, pool be_exchange" in branches
    assert code == 0


def test_help_and_version() -> None:
    result = subprocess.run([sys.executable, "-m", "linter.cli", "--version"], capture_output=True, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.stdout.strip().startswith("easlint ")
    result = subprocess.run(["easlint", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "trace" in result.stdout


# -- outputs, parallel runs and time limits ----------------------------------------------------------


def test_several_formats_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    code, out, err = run_cli(["--format", "text", "--format", f"json:{target}", str(SHORT)], capsys)
    assert code == 1, err
    assert re.search(r"EAS102 timeout-below-max-heartbeat", out)
    data = json.loads(target.read_text())
    jsonschema.validate(data, schema("report.schema.json"))
    assert {finding["rule_id"] for finding in data["findings"]} == {"EAS102", "EAS202", "EAS203"}


@pytest.mark.parametrize("formats", [["text", "json"], ["json", "json:x.json", "text"]])
def test_two_formats_on_stdout_is_a_usage_error(formats: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    args = [item for name in formats for item in ("--format", name)]
    code, out, err = run_cli(args + [str(SHORT)], capsys)
    assert code == 2 and "standard output" in err and out == ""


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["--format", "yaml", str(SHORT)], capsys)
    assert code == 2 and "unknown format 'yaml'" in err


def test_exit_zero_keeps_the_report_but_not_the_failure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--exit-zero", str(SHORT)], capsys)
    assert code == 0 and "EAS102" in out


def test_exit_zero_does_not_hide_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run_cli(["--exit-zero", "/no/such/path"], capsys)
    assert code == 2


def test_parallel_run_gives_the_same_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(6):
        write(tmp_path, f"edge{index}.cfg", SHORT.read_text().replace("be_exchange", f"be_exchange{index}"))
    write(tmp_path, "junk.cfg", b"\x00\x01binary")
    reports = []
    for jobs in ("1", "3"):
        code, out, err = run_cli(["--format", "json", "--jobs", jobs, str(tmp_path)], capsys)
        assert code == 1, err
        data = json.loads(out)
        reports.append(([(f["location"], f["rule_id"], f["fingerprint"]) for f in data["findings"]],
                        [(f["path"], f["status"]) for f in data["files"]]))
    assert reports[0] == reports[1]
    assert len(reports[0][0]) == 18


def test_a_file_over_the_time_limit_is_reported_and_the_run_goes_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from linter import scheduler

    slow = write(tmp_path, "slow.cfg", SHORT.read_text())
    write(tmp_path, "fast.cfg", SHORT.read_text())
    real_check = scheduler.check_file

    def check(candidate, policy, rules):
        if candidate.path.name == "slow.cfg":
            time.sleep(30)
        return real_check(candidate, policy, rules)

    monkeypatch.setattr(scheduler, "check_file", check)
    started = time.monotonic()
    code, out, err = run_cli(["--format", "json", "--jobs", "1", "--timeout", "0.5", str(tmp_path)], capsys)
    assert time.monotonic() - started < 20
    assert code == 1, err
    data = json.loads(out)
    by_path = {entry["path"]: entry for entry in data["files"]}
    assert by_path[display(slow)]["status"] == "failed" and "time limit" in by_path[display(slow)]["note"]
    limit = [f for f in data["findings"] if f["location"]["file"] == display(slow)]
    assert [(f["rule_id"], f["severity"]) for f in limit] == [("EAS003", "error")]
    assert {f["rule_id"] for f in data["findings"] if f["location"]["file"].endswith("fast.cfg")} == {"EAS102", "EAS202", "EAS203"}


def display(path: Path) -> str:
    from linter.files import display_path

    return display_path(path)


@pytest.mark.parametrize("value", ["0x", "-1", "nan"])
def test_bad_timeout_and_jobs_are_usage_errors(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--timeout", value, str(SHORT)])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--jobs", value, str(SHORT)])
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_github_actions_picks_workflow_commands(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run_cli([str(SHORT)], capsys)
    assert code == 1
    assert any(line.startswith("::error file=") and "EAS102" in line for line in out.splitlines())


# -- waivers and baselines through the command line --------------------------------------------------


def test_inline_waiver_suppresses_and_ci_can_switch_it_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SHORT.read_text().replace("\nbackend be_exchange\n",
                                     '\n# easlint: disable=EAS102 reason="pool drained nightly"\nbackend be_exchange\n', 1)
    path = write(tmp_path, "haproxy.cfg", text)
    code, out, _ = run_cli(["--format", "json", str(path)], capsys)
    data = json.loads(out)
    waived = [f for f in data["findings"] if f["rule_id"] == "EAS102"]
    assert len(waived) == 1 and waived[0]["suppression"]["kind"] == "inline"
    assert data["summary"]["suppressed"] == 1
    code, out, _ = run_cli(["--format", "json", "--no-inline-waivers", str(path)], capsys)
    assert [f["suppression"] for f in json.loads(out)["findings"] if f["rule_id"] == "EAS102"] == [None]


def test_baseline_round_trip_survives_moved_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "haproxy.cfg", SHORT.read_text())
    baseline = tmp_path / "baseline.json"
    code, _, err = run_cli(["--write-baseline", str(baseline), str(path)], capsys)
    assert code == 0 and "recorded 3 findings" in err
    path.write_text("# moved down\n\n" + SHORT.read_text())
    code, out, _ = run_cli(["--baseline", str(baseline), str(path)], capsys)
    assert code == 0, out
    assert "3 suppressed by waivers or the baseline; 0 baseline entries fixed" in out
    path.write_text(SHORT.read_text().replace("timeout server 30m", "timeout server 65m"))
    code, out, _ = run_cli(["--baseline", str(baseline), str(path)], capsys)
    assert code == 0 and "1 baseline entry fixed" in out
    code, _, err = run_cli(["--baseline", str(tmp_path / "missing.json"), str(path)], capsys)
    assert code == 2 and "missing.json" in err
