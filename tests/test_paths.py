"""Network paths (`paths:` in the configuration): the hops of a path are judged together for
blocking apps, the first hop that refuses a probe decides, timers stay per device.

Firewalls are the realistic examples of examples/; the HAProxy hops are in tests/data/paths and
pass `haproxy -c`. Expected lines are found by the text of the line, so comments can change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.config import Config, NetworkPath
from linter.engine import Report, run
from linter.findings import Finding
from linter.model import Location
from linter.paths import Hop, HopVerdict, PathError, combine, probe_keys
from linter.policy import Policy
from linter.probes import ProbeForm, Role
from linter.report.trace import path_devices, render_path_trace
from policies import RULES
from tests.conftest import REPO
from tests.haproxy_support import haproxy_check

DATA = REPO / "tests" / "data" / "paths"
ASA = "examples/asa/exchange-edge.cfg"
FORTIGATE = "examples/fortigate/exchange-edge.conf"
PANOS = "examples/panos/exchange-edge.xml"
BLOCKING_PROXY = "examples/haproxy/exchange-good.cfg"
TCP_PROXY = "tests/data/paths/haproxy-tcp-passthrough.cfg"
DEVICETYPE_BLOCK = "tests/data/paths/haproxy-devicetype-block.cfg"
USERAGENT_BLOCK = "tests/data/paths/haproxy-useragent-block.cfg"
BLOCKS_ANDROID = "tests/data/paths/haproxy-blocks-android-too.cfg"
NO_BLOCK = "tests/data/paths/haproxy-no-block.cfg"
CONFIG_FILE = ".easlint.yaml"
BLOCKING = {"EAS201", "EAS202", "EAS203", "EAS205", "EAS206", "EAS207"}


def network_path(*hops: str, name: str = "internet-to-exchange", line: int = 12) -> NetworkPath:
    return NetworkPath(name, hops, Location(CONFIG_FILE, line))


def lint(files: list[str], policy: Policy, paths: tuple[NetworkPath, ...] = (), jobs: int = 1) -> Report:
    return run([str(REPO / file) for file in files], policy, tuple(RULES), jobs=jobs, timeout=None,
               config=Config(root=REPO, paths=paths))


def line_with(file: str, text: str) -> int:
    found = [number for number, line in enumerate((REPO / file).read_text(encoding="utf-8").splitlines(), start=1)
             if text in line and not line.lstrip().startswith("#")]
    assert len(found) == 1, f"{file}: {text!r} on lines {found}"
    return found[0]


def blocking(report: Report) -> list[Finding]:
    return [finding for finding in report.findings if finding.rule_id in BLOCKING]


def summary(findings: list[Finding]) -> list[tuple[str, str, int]]:
    return sorted((finding.rule_id, Path(finding.location.file).name, finding.location.line) for finding in findings)


@pytest.mark.parametrize("config", sorted(DATA.glob("*.cfg")), ids=lambda path: path.name)
def test_haproxy_fixtures_are_valid(config: Path, tmp_path: Path) -> None:
    result = haproxy_check(config, tmp_path)
    assert result.returncode == 0, result.stdout


def test_firewall_then_blocking_proxy_refuses_at_the_proxy(policy: Policy) -> None:
    report = lint([ASA, BLOCKING_PROXY], policy, (network_path(ASA, BLOCKING_PROXY),))
    assert blocking(report) == []
    assert ("EAS102", "exchange-edge.cfg", line_with(ASA, "timeout conn 0:30:00")) in summary(report.findings)
    hops = [Hop.of(result) for result in sorted(report.files, key=lambda result: result.path != ASA)]
    plain = next(key for key in probe_keys(hops) if key.client == "CloudMagic" and key.form is ProbeForm.PLAIN)
    verdict = combine([hop.decision(plain) for hop in hops])
    assert verdict.verdict is HopVerdict.REFUSED and verdict.decided_at == 1
    assert not verdict.decisions[0].sees_http and verdict.decisions[0].verdict is HopVerdict.PASSED_ON
    assert verdict.decisions[1].step_location.line == line_with(BLOCKING_PROXY, "if activesync eas_blocked_ua")


def test_the_firewall_alone_has_no_hop_that_sees_http(policy: Policy) -> None:
    report = lint([ASA], policy, (network_path(ASA),))
    [finding] = blocking(report)
    assert finding.rule_id == "EAS207" and finding.attribute == "path:internet-to-exchange:l7-visibility"
    assert finding.location.file == ASA and finding.fix is not None


def test_firewall_then_tcp_proxy_sees_no_http(policy: Policy) -> None:
    report = lint([PANOS, TCP_PROXY], policy, (network_path(PANOS, TCP_PROXY),))
    [finding] = blocking(report)
    assert finding.rule_id == "EAS207"
    assert (finding.location.file, finding.location.line) == (TCP_PROXY, line_with(TCP_PROXY, "frontend fe_exchange_tls"))
    assert "internet-to-exchange" in finding.message and PANOS in finding.message
    assert finding.evidence[0].location == Location(CONFIG_FILE, 12)
    assert finding.fix is not None and "mode http" in finding.fix.snippet


def test_two_proxies_that_block_different_forms_pass_together(policy: Policy) -> None:
    alone = lint([DEVICETYPE_BLOCK, USERAGENT_BLOCK], policy)
    assert summary(blocking(alone)) == sorted([
        ("EAS203", "haproxy-devicetype-block.cfg", line_with(DEVICETYPE_BLOCK, "http-request deny")),
        ("EAS206", "haproxy-devicetype-block.cfg", line_with(DEVICETYPE_BLOCK, "http-request deny")),
        ("EAS203", "haproxy-useragent-block.cfg", line_with(USERAGENT_BLOCK, "if activesync eas_blocked_ua")),
    ])
    for order in ((DEVICETYPE_BLOCK, USERAGENT_BLOCK), (USERAGENT_BLOCK, DEVICETYPE_BLOCK)):
        report = lint([FORTIGATE, DEVICETYPE_BLOCK, USERAGENT_BLOCK], policy, (network_path(FORTIGATE, *order),))
        assert blocking(report) == [], order


def test_a_native_client_refused_by_the_second_hop(policy: Policy) -> None:
    report = lint([DEVICETYPE_BLOCK, BLOCKS_ANDROID], policy, (network_path(DEVICETYPE_BLOCK, BLOCKS_ANDROID),))
    [finding] = blocking(report)
    assert finding.rule_id == "EAS205"
    assert (finding.location.file, finding.location.line) == (BLOCKS_ANDROID, line_with(BLOCKS_ANDROID, "if activesync eas_blocked_ua"))
    assert "Android native" in finding.message and "internet-to-exchange" in finding.message
    assert finding.fix is not None


def test_a_gap_of_the_whole_path_is_reported_at_the_hop_that_blocks(policy: Policy) -> None:
    alone = {finding.rule_id: finding for finding in lint([DEVICETYPE_BLOCK], policy).findings}
    report = lint([ASA, DEVICETYPE_BLOCK], policy, (network_path(ASA, DEVICETYPE_BLOCK),))
    deny = line_with(DEVICETYPE_BLOCK, "http-request deny")
    assert summary(blocking(report)) == [("EAS203", "haproxy-devicetype-block.cfg", deny),
                                         ("EAS206", "haproxy-devicetype-block.cfg", deny)]
    for finding in blocking(report):
        assert finding.fix == alone[finding.rule_id].fix  # the hop's own vendor fix
        assert finding.attribute == f"path:internet-to-exchange:{alone[finding.rule_id].attribute}"
        assert finding.fingerprint != alone[finding.rule_id].fingerprint


def test_a_blocked_app_through_every_hop_is_reported_where_http_is_first_seen(policy: Policy) -> None:
    report = lint([ASA, NO_BLOCK], policy, (network_path(ASA, NO_BLOCK),))
    [finding] = blocking(report)
    assert finding.rule_id == "EAS201"
    assert (finding.location.file, finding.location.line) == (NO_BLOCK, line_with(NO_BLOCK, "frontend fe_mail"))
    assert "CloudMagic" in finding.message and "every hop" in finding.message
    assert finding.fix is not None and "CloudMagic" in finding.fix.snippet


def test_devices_on_no_path_are_still_judged_alone(policy: Policy) -> None:
    report = lint([FORTIGATE, DEVICETYPE_BLOCK, USERAGENT_BLOCK, NO_BLOCK], policy,
                  (network_path(FORTIGATE, DEVICETYPE_BLOCK, USERAGENT_BLOCK),))
    [finding] = blocking(report)
    assert (finding.rule_id, finding.location.file) == ("EAS201", NO_BLOCK)
    assert not finding.attribute.startswith("path:")


def test_a_hop_that_matches_no_checked_file_is_a_configuration_error(policy: Policy) -> None:
    with pytest.raises(PathError, match=r"\.easlint\.yaml:7: path 'edge': hop 'firewall/edge-fw\.conf' matches no file"):
        lint([NO_BLOCK], policy, (network_path("firewall/edge-fw.conf", NO_BLOCK, name="edge", line=7),))


def test_a_hop_that_matches_several_devices_is_a_configuration_error(policy: Policy) -> None:
    with pytest.raises(PathError, match=r"hop 'tests/data/paths/\*-block\.cfg' matches 3 devices"):
        lint([ASA, DEVICETYPE_BLOCK, USERAGENT_BLOCK, NO_BLOCK], policy, (network_path(ASA, "tests/data/paths/*-block.cfg"),))


def test_a_path_with_no_device_in_the_run_is_left_out(policy: Policy) -> None:
    report = lint([NO_BLOCK], policy, (network_path(ASA, DEVICETYPE_BLOCK),))
    assert [finding.rule_id for finding in blocking(report)] == ["EAS201"]


def test_without_paths_no_device_summarises_its_probes(policy: Policy) -> None:
    report = lint([ASA, NO_BLOCK], policy)
    assert all(result.verdicts == () for result in report.files)


def test_verdicts_come_back_from_worker_processes(policy: Policy) -> None:
    paths = (network_path(ASA, DEVICETYPE_BLOCK, BLOCKS_ANDROID),)
    files = [ASA, DEVICETYPE_BLOCK, BLOCKS_ANDROID, NO_BLOCK]
    one, pool = lint(files, policy, paths, jobs=1), lint(files, policy, paths, jobs=3)
    assert [result.verdicts for result in pool.files] == [result.verdicts for result in one.files]
    assert pool.findings == one.findings
    roles = {verdict.probe.role for result in pool.files for verdict in result.verdicts}
    assert roles == {Role.BLOCKED, Role.ALLOWED}


def test_trace_shows_each_hop_and_the_path_verdict(policy: Policy) -> None:
    path = network_path("examples/asa/*.cfg", DEVICETYPE_BLOCK, USERAGENT_BLOCK)
    text = render_path_trace(path, path_devices(path, REPO), policy, "cloudmagic")
    ua_only = text.split("[ua-only]")[1].split("\n\n")[0]
    assert f"hop 1 {ASA}" in ua_only and "does not see HTTP" in ua_only
    assert f"hop 2 {DEVICETYPE_BLOCK} on frontend fe_mail" in ua_only
    assert "sees HTTP; passed on to backend be_exchange" in ua_only
    deny = line_with(USERAGENT_BLOCK, "if activesync eas_blocked_ua")
    assert f"refused by line {deny}" in ua_only
    assert f"=> refused by hop 3 ({USERAGENT_BLOCK}) at line {deny}" in ua_only


def test_trace_of_a_path_whose_hop_matches_nothing(policy: Policy) -> None:
    with pytest.raises(PathError, match="hop 'nowhere/\\*.cfg' must match one device"):
        path_devices(network_path(ASA, "nowhere/*.cfg"), REPO)


IIS_SYNC_WEB_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="MinHeartbeatInterval" value="60" />
    <add key="MaxHeartbeatInterval" value="3540" />
    <add key="HeartbeatSampleSize" value="200" />
    <add key="HeartbeatAlertThreshold" value="540" />
  </appSettings>
  <system.webServer>
    <security>
      <requestFiltering>
        <filteringRules>
          <filteringRule name="Block CloudMagic" scanUrl="true" scanQueryString="true">
            <denyStrings>
              <add string="CloudMagic" />
            </denyStrings>
          </filteringRule>
        </filteringRules>
      </requestFiltering>
    </security>
  </system.webServer>
</configuration>
"""


def test_only_the_iis_filter_blocks_and_misses_the_user_agent_only_form(policy: Policy, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("parsers.exchange")
    from parsers import SUPPORTED

    if "exchange" not in SUPPORTED:
        pytest.skip("the exchange vendor is not registered yet")
    sync = tmp_path / "exchange" / "FrontEnd" / "HttpProxy" / "sync" / "web.config"
    sync.parent.mkdir(parents=True)
    sync.write_text(IIS_SYNC_WEB_CONFIG, encoding="utf-8")
    for name in ("edge-fw.xml", "lb.cfg"):
        (tmp_path / name).write_text((REPO / (PANOS if name.endswith(".xml") else TCP_PROXY)).read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    hops = ("edge-fw.xml", "lb.cfg", "exchange/FrontEnd/HttpProxy/sync/web.config")
    report = run([str(tmp_path)], policy, tuple(RULES), timeout=None, all_files=True,
                 config=Config(root=tmp_path, paths=(network_path(*hops),)))
    found = blocking(report)
    assert "EAS201" not in {finding.rule_id for finding in found}
    gaps = [finding for finding in found if finding.rule_id == "EAS203" and ":ua-only:" in finding.attribute]
    assert gaps and all(finding.location.file.endswith("web.config") for finding in gaps)
