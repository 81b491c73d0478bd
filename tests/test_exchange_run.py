"""Exchange's own files in a run: a Sync web.config sets the threshold every device is judged
against, and a device access rule export adds the apps Exchange refuses, found among the files
or named in the configuration, end to end through the command line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from linter import cli
from tests.conftest import REPO
from tests.haproxy_support import haproxy_check

SYNC_WEB_CONFIG = REPO / "examples" / "exchange" / "Sync" / "web.config"  # MaxHeartbeatInterval 1800 at line 19
ACCESS_RULES = REPO / "examples" / "exchange" / "device-access-rules.csv"  # Block UserAgent CloudMagic at line 3
LOAD_BALANCER = """\
global
    log stdout format raw local0

defaults
    mode http
    timeout connect 5s
    timeout client 65m
    timeout server {seconds}s

frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.pem
    acl blocked_app req.fhdr(user-agent) -m sub -i cloudmagic
    acl blocked_app url_param(DeviceType) -m str -i cloudmagic
    http-request deny if {{ path_beg -i /microsoft-server-activesync }} blocked_app
    http-request deny if {{ path_beg -i /ews/ }} blocked_app
    default_backend be_exchange

backend be_exchange
    server exch1 10.0.0.11:443 ssl verify none
"""
NINE_RULES = """\
#TYPE Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncDeviceAccessRule
"QueryString","Characteristic","AccessLevel","Name","Identity"
"NineMail","UserAgent","Block","Block Nine","Block Nine"
"""


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    code = cli.main([*args, "--format", "json", "--jobs", "1"])
    return code, json.loads(capsys.readouterr().out)["findings"]


def place_load_balancer(directory: Path, seconds: int) -> Path:
    path = directory / "lb" / "haproxy.cfg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LOAD_BALANCER.format(seconds=seconds))
    return path


def test_load_balancer_fixture_is_valid(tmp_path: Path) -> None:
    result = haproxy_check(place_load_balancer(tmp_path, 2000), tmp_path)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("seconds", "failing"), [(2000, False), (1700, True), (3600, False)])
def test_a_sync_web_config_in_the_run_sets_the_threshold(repository: Path, seconds: int, failing: bool,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    place_load_balancer(repository, seconds)
    shutil.copy(SYNC_WEB_CONFIG, repository / "web.config")
    code, findings = lint(".", capsys=capsys)
    timers = [finding for finding in findings if finding["rule_id"] == "EAS102"]
    assert (code, bool(timers)) == (int(failing), failing)
    for finding in timers:
        assert finding["expected"].startswith(">= 1860 s (MaxHeartbeatInterval 1800 s")
        [cited] = [e for e in finding["evidence"] if "Sync web.config" in e["message"]]
        assert cited["message"] == "MaxHeartbeatInterval 1800 s from the Exchange Sync web.config web.config"
        assert (cited["location"]["file"], cited["location"]["line"]) == ("web.config", 19)


def test_without_the_web_config_the_defaults_apply(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    place_load_balancer(repository, 2000)
    code, findings = lint(".", capsys=capsys)
    assert code == 1 and [f["expected"][:9] for f in findings if f["rule_id"] == "EAS102"] == [">= 3600 s"]


def test_the_configuration_names_the_web_config(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lb = place_load_balancer(repository, 1700)
    (repository / "exchange").mkdir()
    shutil.copy(SYNC_WEB_CONFIG, repository / "exchange" / "web.config")
    (repository / ".easlint.yaml").write_text("exchange:\n  web_config: exchange/web.config\n")
    code, findings = lint(str(lb), capsys=capsys)  # the web.config is not among the files checked
    [finding] = [f for f in findings if f["rule_id"] == "EAS102"]
    assert finding["expected"].startswith(">= 1860 s")


def test_of_several_web_configs_the_most_demanding_applies(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    place_load_balancer(repository, 2000)
    for server, maximum in (("mbx1", "1800"), ("mbx2", "2400")):
        (repository / server).mkdir()
        text = SYNC_WEB_CONFIG.read_text().replace('"MaxHeartbeatInterval" value="1800"', f'"MaxHeartbeatInterval" value="{maximum}"')
        (repository / server / "web.config").write_text(text)
    code, findings = lint(".", capsys=capsys)
    [finding] = [f for f in findings if f["rule_id"] == "EAS102"]
    assert finding["expected"].startswith(">= 2460 s (MaxHeartbeatInterval 2400 s")
    assert any("mbx2/web.config" in e["message"] and "2 Sync web.config files" in e["message"] for e in finding["evidence"])


def test_a_block_rule_on_user_agent_is_probed_and_named(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    place_load_balancer(repository, 3600)
    (repository / "rules.csv").write_text(NINE_RULES)
    code, findings = lint(".", capsys=capsys)
    [through] = [f for f in findings if f["rule_id"] == "EAS201"]
    assert code == 1
    assert through["message"].startswith("NineMail reaches Exchange through")
    assert "User-Agent: NineMail" in through["actual"]
    # The finding names the rule, at its line of the export (a related location in SARIF).
    [cited] = [e for e in through["evidence"] if "device access rule" in e["message"]]
    assert cited["message"] == "NineMail is listed by device access rule 'Block Nine'"
    assert (Path(cited["location"]["file"]).name, cited["location"]["line"]) == ("rules.csv", 3)


def test_access_rules_named_in_the_configuration_can_replace_the_pack(repository: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    place_load_balancer(repository, 3600)
    (repository / "exchange").mkdir()
    shutil.copy(ACCESS_RULES, repository / "exchange" / "rules.csv")
    (repository / ".easlint.yaml").write_text("apps:\n  device_access_rules: exchange/rules.csv\n"
                                              "  device_access_rules_mode: replace\n")
    code, findings = lint("lb", capsys=capsys)
    assert (code, findings) == (0, [])  # the load balancer refuses CloudMagic; iPhone still passes
    assert cli.main(["--show-config"]) == 0
    assert "device_access_rules_mode: replace" in capsys.readouterr().out


def test_trace_probes_the_apps_of_the_named_access_rules(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lb = place_load_balancer(repository, 3600)
    (repository / "rules.csv").write_text(NINE_RULES)
    (repository / ".easlint.yaml").write_text("apps:\n  device_access_rules: rules.csv\n")
    assert cli.main(["trace", str(lb), "--app", "NineMail"]) == 0
    shown = capsys.readouterr().out
    assert "User-Agent: NineMail" in shown and "verdict: allowed" in shown


def test_show_config_shows_what_the_named_exchange_files_contribute(repository: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(SYNC_WEB_CONFIG, repository / "web.config")
    (repository / "rules.csv").write_text(NINE_RULES)
    (repository / ".easlint.yaml").write_text("exchange:\n  web_config: web.config\napps:\n  device_access_rules: rules.csv\n")
    assert cli.main(["--show-config"]) == 0
    shown = capsys.readouterr().out
    assert re.search(r"^  # max_heartbeat_interval: 1800 +# from the Exchange Sync web.config web.config, line 19$",
                     shown, re.MULTILINE)
    assert re.search(r"^    # - name: NineMail +# from device access rule 'Block Nine' \(rules.csv:3\)$", shown, re.MULTILINE)


def test_the_web_config_reaches_worker_processes(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("lb-a", "lb-b"):
        place_load_balancer(repository / name, 1700)
    shutil.copy(SYNC_WEB_CONFIG, repository / "web.config")
    assert cli.main([".", "--format", "json", "--jobs", "2"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    timers = [finding for finding in findings if finding["rule_id"] == "EAS102"]
    assert len(timers) == 2 and all(f["expected"].startswith(">= 1860 s") for f in timers)
