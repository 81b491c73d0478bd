"""The configuration library: discovery, loading, error messages, hostile YAML, provenance,
applying the config to the policy pack, `show_config` and the starter config."""

from __future__ import annotations

import json
import re
import textwrap
import time
from datetime import date
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.config import (
    COMMAND_LINE,
    MAX_CONFIG_BYTES,
    Config,
    ConfigError,
    Endpoint,
    find_config,
    init_text,
    load_config,
    show_config,
)
from linter.findings import Severity
from linter.policy import load_builtin
from tests.conftest import lint_text


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test from its own directory, so file names in messages are short and stable."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---- discovery


def test_finds_the_config_in_the_start_directory_or_the_nearest_parent(tmp_path: Path) -> None:
    config = write(tmp_path / "repo" / ".easlint.yaml", "fail_on: warning\n")
    (tmp_path / "repo" / "lb" / "dc1").mkdir(parents=True)
    assert find_config(tmp_path / "repo") == config.resolve()
    assert find_config(tmp_path / "repo" / "lb" / "dc1") == config.resolve()


def test_accepts_the_yml_spelling_and_a_file_as_start(tmp_path: Path) -> None:
    config = write(tmp_path / ".easlint.yml", "fail_on: warning\n")
    device = write(tmp_path / "haproxy.cfg", "global\n")
    assert find_config(device) == config.resolve()


def test_nearest_directory_wins_whatever_the_kind_of_file(tmp_path: Path) -> None:
    write(tmp_path / ".easlint.yaml", "fail_on: warning\n")
    pyproject = write(tmp_path / "team" / "pyproject.toml", '[tool.easlint]\nfail_on = "info"\n')
    (tmp_path / "team" / "lb").mkdir()
    assert find_config(tmp_path / "team" / "lb") == pyproject.resolve()


def test_easlint_yaml_beats_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    config = write(tmp_path / ".easlint.yaml", "fail_on: warning\n")
    write(tmp_path / "pyproject.toml", '[tool.easlint]\nfail_on = "info"\n')
    assert find_config(tmp_path) == config.resolve()


def test_pyproject_without_an_easlint_table_is_passed_over(tmp_path: Path) -> None:
    config = write(tmp_path / ".easlint.yaml", "fail_on: warning\n")
    write(tmp_path / "tools" / "pyproject.toml", '[project]\nname = "netconfigs"\n\n[tool.ruff]\nline-length = 100\n')
    assert find_config(tmp_path / "tools") == config.resolve()


def test_discovery_stops_at_the_top_of_a_git_repository(tmp_path: Path) -> None:
    write(tmp_path / ".easlint.yaml", "fail_on: never\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "f5").mkdir()
    assert find_config(tmp_path / "repo" / "f5") is None
    inside = write(tmp_path / "repo" / ".easlint.yaml", "fail_on: warning\n")
    assert find_config(tmp_path / "repo" / "f5") == inside.resolve()


def test_a_broken_pyproject_that_mentions_easlint_is_found_and_its_error_reported(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", '[tool.easlint]\nfail_on = "warning\n')
    assert find_config(tmp_path) == pyproject.resolve()
    error = load_error(pyproject)
    assert str(error).startswith("pyproject.toml:2:")
    assert "invalid TOML" in str(error)


# ---- error messages: file, line, column, key and what is allowed


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("rules:\n  severity:\n    EAS102: fatal\n",
                 ".easlint.yaml:3:13: rules.severity.EAS102: 'fatal' is not one of error, warning, info", id="enum"),
    pytest.param("extends: exchange-default\nexchnage:\n  margin: 60\n",
                 ".easlint.yaml:2:1: unknown key 'exchnage'; allowed: extends, exchange, apps, files, paths, "
                 "rules, fail_on, waivers (did you mean 'exchange'?)", id="unknown-key"),
    pytest.param("waivers:\n  - rule: EAS102\n    file: lb/*.cfg\n    reason: CHG-1\n    until: 2027-13-01\n",
                 ".easlint.yaml:5:12: waivers[0].until: '2027-13-01' is not a date (YYYY-MM-DD)", id="bad-date"),
    pytest.param("exchange:\n  max_heartbeat_interval: one hour\n",
                 ".easlint.yaml:2:27: exchange.max_heartbeat_interval: 'one hour' is text; expected an integer",
                 id="wrong-type"),
    pytest.param("rules:\n  select: [EAS1, EAS2\nfail_on: error\n",
                 ".easlint.yaml:3:8: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence at line 2)",
                 id="yaml-syntax"),
    pytest.param("exchange:\n  max_heartbeat_interval: 4000\n",
                 ".easlint.yaml:2:27: exchange.max_heartbeat_interval: 4000 is out of range; allowed: 1 to 3540",
                 id="out-of-range"),
    pytest.param("exchange:\n  endpoint: mail.example.com\n",
                 ".easlint.yaml:2:3: unknown key 'endpoint' in exchange; allowed: min_heartbeat_interval, "
                 "max_heartbeat_interval, heartbeat_sample_size, heartbeat_alert_threshold, margin, web_config, endpoints "
                 "(did you mean 'endpoints'?)", id="nested-unknown-key"),
    pytest.param("paths:\n  - name: internet\n  - hops: [edge.cfg]\n",
                 ".easlint.yaml:2:5: paths[0]: missing required key 'hops'\n"
                 ".easlint.yaml:3:5: paths[1]: missing required key 'name'", id="missing-keys"),
    pytest.param("apps:\n  block:\n    - name: Nine\n",
                 ".easlint.yaml:3:7: apps.block[0]: a blocked app needs at least one of user_agents, device_types, query_tokens",
                 id="blocked-app-without-identity"),
    pytest.param("apps:\n  allow:\n    - name: Outlook\n      user_agent: Outlook-iOS/2.0\n      device_type: Outlook-iOS\n",
                 ".easlint.yaml:5:20: apps.allow[0].device_type: 'Outlook-iOS' is not allowed: a DeviceType has no '-' "
                 "(Exchange answers HTTP 400 to one)", id="device-type-pattern"),
    pytest.param("apps:\n  device_access_rules_mode: replace\n",
                 ".easlint.yaml:2:3: apps.device_access_rules_mode: needs apps.device_access_rules beside it", id="dependency"),
    pytest.param("files:\n  - glob: '*.conf'\n    vendor: bigip\n",
                 ".easlint.yaml:3:13: files[0].vendor: 'bigip' is not one of haproxy, f5, nginx, netscaler, asa, panos, "
                 "fortigate, exchange", id="vendor"),
    pytest.param("fail_on: [error]\n", ".easlint.yaml:1:10: fail_on: [\"error\"] is not one of error, warning, info, never",
                 id="list-for-enum"),
    pytest.param("- fail_on: error\n", ".easlint.yaml:1:1: the configuration is a list; expected a mapping of settings "
                 "(extends:, exchange:, apps:, rules:, ...)", id="top-level-list"),
    pytest.param("fail_on: error\nfail_on: never\n",
                 ".easlint.yaml:2:1: invalid YAML: found duplicate key \"fail_on\" with value \"never\" (original value: "
                 "\"error\") (while constructing a mapping at line 1)", id="duplicate-key"),
])
def test_each_error_names_file_line_key_and_what_is_allowed(tmp_path: Path, text: str, expected: str) -> None:
    error = load_error(write(tmp_path / ".easlint.yaml", text))
    assert str(error) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("rules:\n  ignore: [EAS999]\n", ".easlint.yaml:2:12: rules.ignore[0]: unknown rule 'EAS999'", id="ignore"),
    pytest.param("rules:\n  severity:\n    timeout-too-low: info\n",
                 ".easlint.yaml:3:5: rules.severity.timeout-too-low: unknown rule 'timeout-too-low'", id="severity-key"),
    pytest.param("waivers:\n  - rule: EAS1O2\n    file: x\n    reason: y\n",
                 ".easlint.yaml:2:11: waivers[0].rule: unknown rule 'EAS1O2'", id="waiver"),
])
def test_rule_names_are_checked_against_the_registry(tmp_path: Path, text: str, expected: str) -> None:
    message = str(load_error(write(tmp_path / ".easlint.yaml", text)))
    assert message.startswith(expected)
    assert "see 'easlint rules'" in message


def test_checks_the_schema_cannot_make(tmp_path: Path) -> None:
    web_config = write(tmp_path / "exchange" / "web.config", "<configuration/>\n")
    error = load_error(write(tmp_path / ".easlint.yaml", f"""\
        extends: exchange-strict
        exchange:
          web_config: {web_config.relative_to(tmp_path)}
          max_heartbeat_interval: 1800
          endpoints: [mail.example.com, "mail.example.com:99999"]
        apps:
          device_access_rules: exports/rules.csv
          block:
            - name: Nine
              user_agents: [NineMail]
            - name: nine
              device_types: [NineDevice]
        """))
    lines = str(error).splitlines()
    assert lines[0] == ".easlint.yaml:1:10: extends: 'exchange-strict' is not a built-in pack; allowed: exchange-default"
    assert lines[1] == (".easlint.yaml:4:3: exchange.max_heartbeat_interval: cannot be set together with "
                        "exchange.web_config (line 3), which is where Exchange reads it; remove one")
    assert lines[2].startswith(".easlint.yaml:5:33: exchange.endpoints[1]: 'mail.example.com:99999' is not a host name")
    assert lines[3].startswith(".easlint.yaml:7:24: apps.device_access_rules: 'exports/rules.csv' is not a file")
    assert lines[4] == ".easlint.yaml:11:13: apps.block[1].name: 'nine' is already listed at line 9"


def test_heartbeat_values_exchange_would_reject_are_refused(tmp_path: Path) -> None:
    error = load_error(write(tmp_path / ".easlint.yaml", "exchange:\n  max_heartbeat_interval: 45\n"))
    assert str(error) == (".easlint.yaml:2:27: exchange.max_heartbeat_interval: min_heartbeat_interval 60 is above "
                          "max_heartbeat_interval 45; Exchange rejects that and falls back to 60/3540 (event 1009)")


def test_pyproject_errors_point_at_the_toml_line(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", """\
        [project]
        name = "netconfigs"

        [tool.easlint]
        fail_on = "warning"

        [tool.easlint.rules.severity]
        EAS103 = "fatal"

        [[tool.easlint.waivers]]
        rule = "EAS102"
        file = "lb/*.cfg"
        reason = "CHG-1"
        until = 2027-03-31

        [[tool.easlint.waivers]]
        rule = "EAS102"
        file = "lb/*.cfg"
        until = "2027-02-30"
        """)
    assert str(load_error(pyproject)).splitlines() == [
        "pyproject.toml:8:10: rules.severity.EAS103: 'fatal' is not one of error, warning, info",
        "pyproject.toml:19:9: waivers[1].until: '2027-02-30' is not a date (YYYY-MM-DD)",
    ]


def test_explicit_pyproject_without_the_table_is_an_error(tmp_path: Path) -> None:
    error = load_error(write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n'))
    assert str(error) == "pyproject.toml:1: no [tool.easlint] table in this pyproject.toml"


def test_unreadable_paths_are_errors_not_exceptions(tmp_path: Path) -> None:
    assert str(load_error(tmp_path / "missing.yaml")) == "missing.yaml:1: cannot read the configuration: No such file or directory"
    assert str(load_error(tmp_path)).endswith("is a directory; give the configuration file")


# ---- hostile input: a clear error, quickly, nothing executed


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    config = write(tmp_path / ".easlint.yaml", f"fail_on: !!python/object/apply:os.system ['touch {marker}']\n")
    assert str(load_error(config)) == (".easlint.yaml:1:10: YAML tag '!!python/object/apply:os.system' is not allowed: "
                                       "a configuration holds plain values only")
    assert not marker.exists()


def test_local_tags_are_refused_too(tmp_path: Path) -> None:
    error = load_error(write(tmp_path / ".easlint.yaml", "rules:\n  select: !include other.yaml\n"))
    assert str(error).startswith(".easlint.yaml:2:11: YAML tag '!include' is not allowed")


def test_billion_laughs_is_refused_at_the_alias_that_overflows(tmp_path: Path) -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for number, name in enumerate("bcdefghi", 1):
        previous = "abcdefghi"[number - 1]
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    config = write(tmp_path / ".easlint.yaml", "\n".join(levels) + "\n")
    started = time.perf_counter()
    error = load_error(config)
    assert time.perf_counter() - started < 2
    assert re.fullmatch(r"\.easlint\.yaml:5:\d+: anchors and aliases expand to more than 20000 values \(an alias bomb\?\); "
                        r"write the values out", str(error))


def test_recursive_aliases_are_refused(tmp_path: Path) -> None:
    error = load_error(write(tmp_path / ".easlint.yaml", "rules: &r\n  select: [*r]\n"))
    assert str(error) == ".easlint.yaml:2:12: alias *r is inside the node it names; recursive structures are not allowed"


@pytest.mark.parametrize("text", [
    pytest.param("rules: " + "[" * 30000 + "]" * 30000 + "\n", id="flow"),
    pytest.param("".join("  " * depth + "k:\n" for depth in range(200)), id="block"),
])
def test_deep_nesting_is_refused_before_the_loader_recurses(tmp_path: Path, text: str) -> None:
    started = time.perf_counter()
    error = load_error(write(tmp_path / ".easlint.yaml", text))
    assert time.perf_counter() - started < 5
    assert "nested more than 32 levels deep" in str(error)


def test_huge_files_are_refused_unread(tmp_path: Path) -> None:
    config = tmp_path / ".easlint.yaml"
    config.write_text("waivers:\n" + "  - {rule: EAS102, file: x, reason: y}\n" * (MAX_CONFIG_BYTES // 30))
    started = time.perf_counter()
    error = load_error(config)
    assert time.perf_counter() - started < 0.5
    assert str(error) == ".easlint.yaml:1: the configuration is larger than 64 KiB; a real one is a few KiB (is this the right file?)"


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    config = tmp_path / ".easlint.yaml"
    config.write_bytes(b"fail_on: error\n\x00\x01\x02\xff\xfe")
    assert str(load_error(config)) == ".easlint.yaml:2: not UTF-8 text (byte 18); a configuration is a UTF-8 YAML file"
    config.write_bytes(b"fail_on: error\n\x00\x01")
    assert str(load_error(config)) == (".easlint.yaml:2: invalid YAML: character U+0000 is not allowed in YAML text "
                                       "(is this a binary file?)")


# ---- what a valid configuration gives


FULL = """\
    extends: exchange-default
    exchange:
      max_heartbeat_interval: 1800
      margin: 120
      endpoints: [Mail.Example.com, "203.0.113.10:443", "[2001:db8::10]:443"]
    apps:
      mode: allowlist
      block:
        - name: Nine
          user_agents: [NineMail]
          device_types: [NineDevice]
          query_tokens: [Cm=Nine]
      allow:
        - name: Outlook for iOS
          user_agent: Outlook-iOS/2.0
          device_type: Outlook
    files:
      - glob: "lb/**/*.cfg"
        vendor: haproxy
    paths:
      - name: internet-to-exchange
        hops: [firewall/edge.conf, lb/dc1/haproxy.cfg]
    rules:
      ignore: [timeout-implicit-default]
      severity:
        EAS1: info
        EAS102: warning
    fail_on: warning
    waivers:
      - rule: EAS102
        file: "lb/**/*.cfg"
        object: backend be_legacy
        reason: "legacy pool retired in CHG-1234"
        until: 2027-03-31
      - rule: EAS201
        file: lb/dc1/haproxy.cfg
    """


def test_a_full_configuration_gives_typed_settings(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "netconfigs" / ".easlint.yaml", FULL))
    assert config.root == tmp_path / "netconfigs"
    assert config.exchange.max_heartbeat_interval == 1800 and config.exchange.min_heartbeat_interval is None
    assert config.exchange.endpoints == (Endpoint("mail.example.com"), Endpoint("203.0.113.10", 443),
                                         Endpoint("2001:db8::10", 443))
    assert [str(endpoint) for endpoint in config.exchange.endpoints] == ["mail.example.com", "203.0.113.10:443",
                                                                         "[2001:db8::10]:443"]
    assert config.apps.mode == "allowlist"
    assert config.apps.block[0].query_tokens == ("Cm=Nine",)
    assert config.paths[0].hops == ("firewall/edge.conf", "lb/dc1/haproxy.cfg")
    assert (config.paths[0].location.file, config.paths[0].location.line) == ("netconfigs/.easlint.yaml", 21)
    assert config.fail_on == "warning"
    first, second = config.waivers
    assert first.until == date(2027, 3, 31) and first.object_path == "backend be_legacy"
    assert (first.location.file, first.location.line) == ("netconfigs/.easlint.yaml", 30)
    assert second.reason is None, "a waiver without a reason loads: the waiver engine reports it as EAS005"
    assert (second.rule, second.file_glob) == ("EAS201", "lb/dc1/haproxy.cfg")


def test_the_most_specific_severity_override_wins_whatever_the_order(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", FULL))
    assert config.severity("EAS101", Severity.ERROR) is Severity.INFO
    assert config.severity("EAS102", Severity.ERROR) is Severity.WARNING
    assert config.severity("EAS201", Severity.ERROR) is Severity.ERROR
    assert config.origin("rules.severity.EAS101") == ".easlint.yaml:26 (as EAS1)"
    assert config.origin("rules.severity.EAS102") == ".easlint.yaml:27"


def test_selected_rules_follow_select_and_ignore(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", "rules:\n  select: [EAS1]\n  ignore: [EAS103]\n"))
    assert [rule.id for rule in config.selected_rules()] == ["EAS101", "EAS102", "EAS104"]


def test_relative_paths_start_at_the_config_directory_not_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web_config = write(tmp_path / "repo" / "exchange" / "Sync" / "web.config", "<configuration/>\n")
    config_file = write(tmp_path / "repo" / ".easlint.yaml", "exchange:\n  web_config: exchange/Sync/web.config\n")
    monkeypatch.chdir(tmp_path / "repo" / "exchange")
    assert load_config(config_file).exchange.web_config == web_config.resolve()


def test_globs_are_anchored_at_the_config_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(write(tmp_path / "netconfigs" / ".easlint.yaml", FULL))
    monkeypatch.chdir(tmp_path / "netconfigs")
    assert config.vendor_for(Path("lb/dc1/haproxy.cfg")) == "haproxy"
    assert config.vendor_for(Path("lb/edge.cfg")) == "haproxy", "** also matches no directory at all"
    assert config.vendor_for(tmp_path / "netconfigs" / "lb" / "dc1" / "haproxy.cfg") == "haproxy"
    assert config.vendor_for(Path("lb/dc1/haproxy.conf")) is None
    assert config.vendor_for(Path("other/lb/dc1/haproxy.cfg")) is None, "relative globs are anchored, not floating"
    assert config.matches("lb/*.cfg", Path("lb/edge.cfg"))
    assert not config.matches("lb/*.cfg", Path("lb/dc1/edge.cfg")), "* stays within one directory"
    assert config.matches("lb/dc[0-9]/ha?roxy.cfg", Path("lb/dc1/haproxy.cfg"))
    assert not config.matches("lb/dc[!0-9]/haproxy.cfg", Path("lb/dc1/haproxy.cfg"))


def test_an_empty_file_and_no_file_mean_the_built_in_defaults(tmp_path: Path) -> None:
    empty = load_config(write(tmp_path / ".easlint.yaml", "# nothing configured yet\n"))
    default = load_config(None)
    for config in (empty, default):
        assert (config.extends, config.fail_on, config.rules.select, config.waivers) == ("exchange-default", "error", None, ())
        assert config.origin("fail_on") == "built-in default"
        assert config.policy(load_builtin()) == load_builtin()


def test_settings_from_pyproject_carry_their_line(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", """\
        [project]
        name = "netconfigs"

        [tool.easlint]
        fail_on = "warning"
        exchange = { margin = 120 }

        [tool.easlint.rules]
        ignore = [
            "EAS103",  # vendor defaults are documented in the runbook
        ]
        select = ["EAS1"]
        """)
    config = load_config(pyproject)
    assert (config.fail_on, config.exchange.margin, config.rules.ignore, config.rules.select) == (
        "warning", 120, ("EAS103",), ("EAS1",))
    assert config.origin("fail_on") == "pyproject.toml:5 [tool.easlint]"
    assert config.origin("exchange.margin") == "pyproject.toml:6 [tool.easlint]", "inline tables take the key's line"
    assert config.origin("rules.select") == "pyproject.toml:12 [tool.easlint]", "continuation lines are not keys"


# ---- provenance and the command line


def test_every_setting_says_where_it_came_from(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", FULL))
    assert config.origin("exchange.max_heartbeat_interval") == ".easlint.yaml:3"
    assert config.origin("exchange.min_heartbeat_interval") == "built-in default"
    assert config.origin("apps.block.Nine") == ".easlint.yaml:9"
    assert config.origin("rules.ignore") == ".easlint.yaml:24"
    assert config.origin("fail_on") == ".easlint.yaml:28"
    assert config.origin("rules.select") == "built-in default"


def test_command_line_overrides_are_recorded(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", FULL))
    merged = config.merge_cli(select=["EAS2"], ignore=["EAS205"], fail_on="error")
    assert merged.rules.select == ("EAS2",)
    assert merged.rules.ignore == ("timeout-implicit-default", "EAS205"), "--ignore adds to the file's ignore list"
    assert merged.fail_on == "error"
    assert merged.origin("rules.select") == merged.origin("fail_on") == COMMAND_LINE
    assert merged.origin("rules.ignore") == ".easlint.yaml:24 and command line"
    assert config.fail_on == "warning", "the loaded config is not changed"
    assert config.merge_cli() == config
    with pytest.raises(ConfigError, match=r"^--ignore: unknown rule 'EAS9X9'"):
        config.merge_cli(ignore=["EAS9X9"])


# ---- applying the configuration to the policy pack


HAPROXY = """\
global
    maxconn 20000

defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server {server}

frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.example.com.pem
    acl activesync path_beg -i /microsoft-server-activesync
    http-request deny deny_status 403 if activesync {{ req.fhdr(User-Agent) -m sub -i CloudMagic }}
    http-request deny deny_status 403 if activesync {{ url_param(DeviceType) -m str -i CloudMagic }}
    default_backend be_exchange

backend be_exchange
    server exch1 10.0.10.11:443 check ssl verify none
"""


def test_heartbeat_values_from_the_config_set_the_thresholds_and_are_cited(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", "exchange:\n  max_heartbeat_interval: 1800\n"))
    pack = load_builtin()
    policy = config.policy(pack)
    assert policy.heartbeat.max_interval == 1800 and policy.heartbeat.required_seconds == 1860
    assert policy.heartbeat.source == ("configuration (max_heartbeat_interval at .easlint.yaml:2; the rest from the "
                                       "policy pack exchange-default (policies/packs/exchange-default.yaml))")
    assert [f.rule_id for f in lint_text("haproxy", HAPROXY.format(server="2000s"), pack) if f.rule_id == "EAS102"]
    assert not [f for f in lint_text("haproxy", HAPROXY.format(server="2000s"), policy) if f.rule_id.startswith("EAS10")]
    short = [f for f in lint_text("haproxy", HAPROXY.format(server="1700s"), policy) if f.rule_id == "EAS102"]
    assert short and short[0].expected.startswith(">= 1860 s (MaxHeartbeatInterval 1800 s")
    assert any("max_heartbeat_interval at .easlint.yaml:2" in evidence.message for evidence in short[0].evidence)


def test_blocked_apps_from_the_config_are_probed(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", """\
        apps:
          block:
            - name: Nine
              user_agents: [NineMail]
              device_types: [NineDevice]
        """))
    pack = load_builtin()
    policy = config.policy(pack)
    assert [app.name for app in policy.blocked_apps] == ["CloudMagic", "Nine"]
    text = HAPROXY.format(server="60m")
    assert not [f for f in lint_text("haproxy", text, pack) if f.rule_id == "EAS201"]
    leaks = [f for f in lint_text("haproxy", text, policy) if f.rule_id == "EAS201"]
    assert leaks and all("Nine" in f.message for f in leaks)


def test_an_entry_named_like_a_pack_entry_replaces_it(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", """\
        apps:
          block:
            - name: cloudmagic
              user_agents: [CloudMagic, Newton]
          allow:
            - name: iOS Mail
              user_agent: Apple-iPhone15C3/2104.63
              device_type: iPhone
        """))
    policy = config.policy(load_builtin())
    assert [(app.name, app.user_agents) for app in policy.blocked_apps] == [("cloudmagic", ("CloudMagic", "Newton"))]
    assert [client.user_agent for client in policy.allowed_clients][0] == "Apple-iPhone15C3/2104.63"
    assert len(policy.allowed_clients) == len(load_builtin().allowed_clients)


# ---- show_config


def test_show_config_prints_each_setting_with_its_origin(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", FULL)).merge_cli(fail_on="error")
    text = show_config(config)
    assert re.search(r"^  max_heartbeat_interval: 1800 +# \.easlint\.yaml:3$", text, re.MULTILINE)
    assert re.search(r"^  min_heartbeat_interval: 60 +# policy pack exchange-default \(policies/packs/exchange-default\.yaml\)$", text, re.MULTILINE)
    assert re.search(r"^    - name: CloudMagic +# policy pack exchange-default$", text, re.MULTILINE)
    assert re.search(r"^    - name: Nine +# \.easlint\.yaml:9$", text, re.MULTILINE)
    assert re.search(r"^    EAS101: info +# \.easlint\.yaml:26 \(as EAS1\)$", text, re.MULTILINE)
    assert re.search(r"^fail_on: error +# command line$", text, re.MULTILINE)
    assert re.search(r"^  - rule: EAS102 +# \.easlint\.yaml:30$", text, re.MULTILINE)


def test_show_config_output_loads_back_to_the_same_effect(tmp_path: Path) -> None:
    original = load_config(write(tmp_path / ".easlint.yaml", FULL))
    shown = load_config(write(tmp_path / "shown.yaml", show_config(original)))
    pack = load_builtin()
    assert dataclass_values(shown.policy(pack)) == dataclass_values(original.policy(pack))
    assert shown.selected_rules() == original.selected_rules()
    assert dict(shown.rules.severity) == dict(original.rules.severity)
    assert (shown.fail_on, shown.files[0].glob, shown.paths[0].hops) == (original.fail_on, "lb/**/*.cfg", original.paths[0].hops)
    assert [(w.rule, w.file_glob, w.object_path, w.reason, w.until) for w in shown.waivers] == \
           [(w.rule, w.file_glob, w.object_path, w.reason, w.until) for w in original.waivers]


def dataclass_values(policy) -> tuple:  # type: ignore[no-untyped-def]
    """A policy without its source texts, which name the file the values were read from."""
    return policy.heartbeat.required_seconds, policy.heartbeat.alert_threshold, policy.blocked_apps, policy.allowed_clients


def test_show_config_without_a_file_says_so() -> None:
    text = show_config(load_config(None))
    assert text.startswith("# easlint effective configuration; settings from built-in defaults (no configuration file found)")
    assert re.search(r"^fail_on: error +# built-in default$", text, re.MULTILINE)


# ---- the starter configuration and the schema


def test_the_starter_config_loads_and_mentions_every_section(tmp_path: Path) -> None:
    text = init_text()
    config = load_config(write(tmp_path / ".easlint.yaml", text))
    assert (config.extends, config.fail_on) == ("exchange-default", "error")
    schema = json.loads(resources.files("linter").joinpath("schemas/config.schema.json").read_text())
    for key in schema["properties"]:
        assert re.search(rf"^#?{key}:", text, re.MULTILINE), f"the starter config does not show '{key}'"


def test_the_starter_configs_examples_are_valid_once_uncommented(tmp_path: Path) -> None:
    """Example lines are '#' directly followed by the YAML (prose is '# ' and text)."""
    uncommented = re.sub(r"^#(?=\S|  )", "", init_text(), flags=re.MULTILINE)
    config = load_config(write(tmp_path / ".easlint.yaml", uncommented))
    assert config.exchange.endpoints and config.apps.block and config.files and config.paths and config.waivers
    assert config.waivers[0].reason, "the example waiver shows that a reason is expected"


def test_the_schema_is_valid_and_matches_the_config_sections() -> None:
    schema = json.loads(resources.files("linter").joinpath("schemas/config.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    fields = set(Config.__dataclass_fields__) - {"path", "root", "provenance"}
    assert set(schema["properties"]) == fields


def test_anchors_and_aliases_within_reason_still_work(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".easlint.yaml", """\
        apps:
          block:
            - name: Nine
              user_agents: &nine [NineMail, Nine-Android]
              query_tokens: [Cm=Nine]
            - name: Nine Work
              user_agents: *nine
        """))
    assert config.apps.block[1].user_agents == ("NineMail", "Nine-Android")


YAML_PIECES = [*"abEAS102:-[]{}&*!#|>'\"\n ,.?%@`\t\\", "exchange:", "rules:", "  severity:", "  - ", "waivers:", "<<: *a",
               "&a ", "*a", "!!str ", "!!int ", "!!float ", "!!binary ", "!!timestamp ", "!!set ", "? ", "--- ", "...\n",
               "%YAML 1.1\n", "%TAG ! tag:example.com,2000:\n", "2027-13-01", "0x1F", "1e9", "~", "true"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(YAML_PIECES) | st.characters(), max_size=60).map("".join))
def test_any_text_gives_a_config_or_a_config_error(tmp_path: Path, text: str) -> None:
    config = tmp_path / ".easlint.yaml"
    config.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(config)
    except ConfigError as error:
        assert error.problems and all(problem.file == ".easlint.yaml" and problem.line >= 1 for problem in error.problems)


def test_central_waivers_reach_the_waiver_engine_anchored_at_the_config(tmp_path: Path) -> None:
    from linter.waivers import central_waiver

    accepted, unexplained = (central_waiver(entry) for entry in load_config(write(tmp_path / "netconfigs" / ".easlint.yaml", FULL)).waivers)
    assert accepted.scope.matches_file("netconfigs/lb/dc1/haproxy.cfg")
    assert not accepted.scope.matches_file("lb/dc1/haproxy.cfg"), "the glob starts at the config's directory"
    before_expiry = date(2027, 3, 1)
    assert not accepted.problems(before_expiry)
    assert unexplained.problems(before_expiry), "the missing reason is the waiver engine's to report (EAS005)"
