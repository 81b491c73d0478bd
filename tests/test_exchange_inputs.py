"""Exchange files as run inputs: classification and the policy they produce (parsers.exchange.inputs)."""

from __future__ import annotations

import pytest

from linter.policy import Policy
from parsers.exchange.inputs import (
    ExchangeInput,
    ExchangeInputError,
    apply_exchange_inputs,
    classify,
    is_access_rules,
    is_request_filtering,
    is_sync_web_config,
)
from tests.conftest import REPO

EXAMPLES = REPO / "examples" / "exchange"
SYNC = (EXAMPLES / "Sync" / "web.config").read_text(encoding="utf-8")
FRONT_END = (EXAMPLES / "FrontEnd" / "HttpProxy" / "sync" / "web.config").read_text(encoding="utf-8")
RULES = (EXAMPLES / "device-access-rules.csv").read_text(encoding="utf-8")
HAPROXY = (REPO / "examples" / "haproxy" / "exchange-good.cfg").read_text(encoding="utf-8")


def test_classification() -> None:
    assert classify(SYNC) is ExchangeInput.SYNC_WEB_CONFIG
    assert classify(FRONT_END) is ExchangeInput.WEB_CONFIG
    assert classify(RULES) is ExchangeInput.ACCESS_RULES
    assert classify(HAPROXY) is None
    assert classify("<configuration><appSettings></configuration>") is ExchangeInput.UNREADABLE_XML
    assert is_sync_web_config(SYNC) and not is_sync_web_config(FRONT_END)
    assert is_request_filtering(FRONT_END) and not is_request_filtering(SYNC) and not is_request_filtering(RULES)
    assert is_access_rules(RULES) and not is_access_rules(SYNC)
    assert is_access_rules('[{"Name": "x", "Characteristic": 3, "QueryString": "x", "AccessLevel": 1}]')


def test_policy_takes_the_effective_heartbeat_and_keeps_the_margin(policy: Policy) -> None:
    result, notes = apply_exchange_inputs(policy, [("Sync/web.config", SYNC)], [])
    assert result.heartbeat.max_interval == 1800
    assert result.heartbeat.margin == policy.heartbeat.margin
    assert "Sync/web.config" in result.heartbeat.source
    assert result.blocked_apps == policy.blocked_apps
    assert any("1800" in note for note in notes)


def test_invalid_keys_give_the_values_exchange_uses(policy: Policy) -> None:
    text = SYNC.replace('value="1800"', 'value="7200"')
    result, notes = apply_exchange_inputs(policy, [("web.config", text)], [])
    assert result.heartbeat.max_interval == 3540
    assert any("event 1010" in note for note in notes)


def test_unreadable_web_config_keeps_the_policy_heartbeat(policy: Policy) -> None:
    result, notes = apply_exchange_inputs(policy, [("web.config", "<configuration>")], [])
    assert result.heartbeat == policy.heartbeat
    assert notes and "web.config:" in notes[0]


def test_several_sync_web_configs_are_an_error(policy: Policy) -> None:
    with pytest.raises(ExchangeInputError, match="a.config, b.config"):
        apply_exchange_inputs(policy, [("a.config", SYNC), ("b.config", SYNC)], [])
    with pytest.raises(ExchangeInputError):
        apply_exchange_inputs(policy, [], [], access_rules_mode="merge")


def test_access_rules_add_to_the_apps(policy: Policy) -> None:
    result, notes = apply_exchange_inputs(policy, [], [("rules.csv", RULES)])
    assert result.heartbeat == policy.heartbeat
    # The rule names the pack's CloudMagic: one app, under its name, probed with both's traits, citing the rule.
    assert len(result.blocked_apps) == len(policy.blocked_apps)
    merged = result.blocked_apps[0]
    assert merged.name == "CloudMagic"
    assert [(source.description, str(source.location)) for source in merged.sources] == [
        ("device access rule 'CloudMagic (UserAgent)'", "rules.csv:3")]
    assert (merged.user_agents, merged.device_types) == (("CloudMagic",), ("CloudMagic",))
    added = result.allowed_clients[-1]
    # The iPhone DeviceType rule reuses the User-Agent of the policy's own iPhone client.
    assert (added.device_type, added.user_agent) == ("iPhone", "Apple-iPhone14C2/2001.51")
    assert notes[-1] == "1 blocked app(s) and 1 allowed client(s) from device access rules (add)"


def test_a_rule_for_an_app_the_pack_lacks_is_added(policy: Policy) -> None:
    nine = '"QueryString","Characteristic","AccessLevel","Name"\n"NineMail","UserAgent","Block","Nine"\n'
    result, _ = apply_exchange_inputs(policy, [], [("rules.csv", nine)])
    assert [app.user_agents for app in result.blocked_apps] == [("CloudMagic",), ("NineMail",)]


def test_access_rules_replace_the_apps(policy: Policy) -> None:
    result, _ = apply_exchange_inputs(policy, [], [("rules.csv", RULES)], access_rules_mode="replace")
    assert [app.user_agents for app in result.blocked_apps] == [("CloudMagic",)]
    assert [client.device_type for client in result.allowed_clients] == ["iPhone"]


def test_entries_that_would_share_a_name_take_their_rules_name(policy: Policy) -> None:
    """Probes and findings tell apps and clients apart by name: an Allow and a Block rule on the
    same string (a contradiction Exchange resolves by rule order) stay two entries."""
    from tests.test_exchange_access_rules import csv_export, row

    rules = csv_export(row("NineMail", "UserAgent", "Block", "Block Nine"), row("NineMail", "DeviceType", "Allow", "Allow Nine"))
    result, _ = apply_exchange_inputs(policy, [], [("rules.csv", rules)], access_rules_mode="replace")
    assert [app.name for app in result.blocked_apps] == ["NineMail"]
    assert [client.name for client in result.allowed_clients] == ["NineMail (device access rule 'Allow Nine')"]
    assert result.blocked_app("ninemail") is result.blocked_apps[0]
    assert result.allowed_client("NineMail (device access rule 'Allow Nine')") is result.allowed_clients[0]
