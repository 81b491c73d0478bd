"""Device access rule exports (Export-Csv, ConvertTo-Json) as rules and policy entries."""

from __future__ import annotations

import json

import pytest

from linter.policy import Policy
from linter.probes import NEUTRAL_DEVICE_TYPE, blocked_app_probes
from parsers import vendor
from parsers.exchange.access_rules import (
    AccessLevel,
    Characteristic,
    read_access_rules,
    to_apps,
)
from tests.conftest import lint_text

TYPE_LINE = "#TYPE Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncDeviceAccessRule"
HEADER = '"RunspaceId","QueryString","Characteristic","AccessLevel","Name","Identity","IsValid"'


def csv_export(*rows: str, type_line: bool = True) -> str:
    return "\n".join(([TYPE_LINE] if type_line else []) + [HEADER] + list(rows)) + "\n"


def row(query: str, characteristic: str, level: str, name: str) -> str:
    return f'"a1b2","{query}","{characteristic}","{level}","{name}","{name}","True"'


def test_csv_rows_with_lines() -> None:
    text = csv_export(row("CloudMagic", "UserAgent", "Block", "Block CloudMagic"), row("iPhone", "DeviceType", "Allow", "iOS"))
    rules = read_access_rules("rules.csv", text)
    assert rules.problems == ()
    assert [(r.query_string, r.characteristic, r.access_level, r.location.line) for r in rules.rules] == [
        ("CloudMagic", Characteristic.USER_AGENT, AccessLevel.BLOCK, 3),
        ("iPhone", Characteristic.DEVICE_TYPE, AccessLevel.ALLOW, 4),
    ]


def test_csv_without_type_line_with_bom_and_a_multiline_field() -> None:
    text = "\ufeff" + csv_export('"x","Nine ""Mail""","DeviceType","Block","two\nlines","n","True"',
                                  row("Spark", "UserAgent", "Block", "Spark"), type_line=False)
    rules = read_access_rules("rules.csv", text)
    assert [(r.query_string, r.name, r.location.line) for r in rules.rules] == [('Nine "Mail"', "two\nlines", 2), ("Spark", "Spark", 4)]


def test_malformed_rows_are_problems_naming_their_line() -> None:
    text = csv_export(row("A", "Colour", "Block", "a"), row("B", "UserAgent", "Maybe", "b"), '"only","two"',
                      row("", "UserAgent", "Block", "c"), row("D", "UserAgent", "Block", "d"))
    rules = read_access_rules("rules.csv", text)
    assert [r.query_string for r in rules.rules] == ["D"]
    assert [(p.code, p.location.line) for p in rules.problems] == [("EAS002", 3), ("EAS002", 4), ("EAS002", 5), ("EAS002", 6)]
    assert "Colour" in rules.problems[0].message


def test_a_csv_without_the_columns_is_unreadable() -> None:
    rules = read_access_rules("other.csv", '"Name","Value"\n"a","b"\n')
    assert [(p.code, p.location.line) for p in rules.problems] == [("EAS001", 1)]


def test_json_array_with_enum_numbers_and_lines() -> None:
    text = json.dumps([
        {"Name": "Block CloudMagic", "Characteristic": 3, "QueryString": "CloudMagic", "AccessLevel": 1, "Extra": {"a": 1}},
        {"Name": "Allow Android", "Characteristic": 0, "QueryString": "Android", "AccessLevel": 0},
        {"Name": "Quarantine Nine", "Characteristic": "DeviceType", "QueryString": "Nine", "AccessLevel": 2},
    ], indent=2)
    rules = read_access_rules("rules.json", text)
    assert [(r.characteristic, r.access_level) for r in rules.rules] == [
        (Characteristic.USER_AGENT, AccessLevel.BLOCK), (Characteristic.DEVICE_TYPE, AccessLevel.ALLOW),
        (Characteristic.DEVICE_TYPE, AccessLevel.QUARANTINE)]
    starts = [number for number, line in enumerate(text.splitlines(), start=1) if line == "  {"]
    assert [r.location.line for r in rules.rules] == starts


def test_json_single_object_and_windows_powershell_wrapper() -> None:
    single = read_access_rules("r.json", '{"Characteristic": 4, "QueryString": "x", "AccessLevel": "Block"}')
    assert single.rules[0].characteristic is Characteristic.XMSWL_HEADER
    assert single.rules[0].name == "x (XMSWLHeader)"
    wrapped = read_access_rules("r.json", '{"value": [{"Characteristic": 3, "QueryString": "y", "AccessLevel": 1}], "Count": 1}')
    assert [r.query_string for r in wrapped.rules] == ["y"]


@pytest.mark.parametrize(("text", "line"), [('[{"a": 1,}]', 1), ('[\n {"Characteristic": 3},\n oops]', 3)])
def test_invalid_json_is_unreadable_with_its_line(text: str, line: int) -> None:
    rules = read_access_rules("r.json", text)
    assert [(p.code, p.location.line) for p in rules.problems] == [("EAS001", line)]


def test_to_apps() -> None:
    text = csv_export(row("CloudMagic", "UserAgent", "Block", "Block CloudMagic"), row("BlueMail", "DeviceType", "Block", "bm"),
                      row("Apple-iPhone14C2/2001.51", "UserAgent", "Allow", "ua"), row("iPad", "DeviceType", "Allow", "ipad"),
                      row("Nine", "DeviceType", "Quarantine", "q"), row("SM-G991B", "DeviceModel", "Block", "m"),
                      row("Android 13", "DeviceOS", "Allow", "os"))
    blocked, allowed, notes = to_apps(read_access_rules("rules.csv", text))
    assert [(app.name, app.user_agents, app.device_types) for app in blocked] == [
        ("CloudMagic", ("CloudMagic",), ()), ("BlueMail", (), ("BlueMail",)),
    ]
    # Each entry cites its rule, at its line of the export, for the findings' evidence.
    assert [(source.description, str(source.location)) for app in blocked for source in app.sources] == [
        ("device access rule 'Block CloudMagic'", "rules.csv:3"), ("device access rule 'bm'", "rules.csv:4"),
    ]
    assert [source.description for client in allowed for source in client.sources] == [
        "device access rule 'ua'", "device access rule 'ipad'"]
    assert [(c.user_agent, c.device_type) for c in allowed] == [("Apple-iPhone14C2/2001.51", NEUTRAL_DEVICE_TYPE), ("iPad", "iPad")]
    assert len(notes) == 3
    assert "Quarantine" in notes[0] and "DeviceModel" in notes[1] and "DeviceOS" in notes[2]


def test_unsendable_values_are_notes_not_probes() -> None:
    rules = read_access_rules("r.json", json.dumps({"Characteristic": 0, "QueryString": "x" * 300, "AccessLevel": 1}))
    blocked, allowed, notes = to_apps(rules)
    assert blocked == () and allowed == () and len(notes) == 1


def test_probes_carry_the_query_string_exactly() -> None:
    blocked, _, _ = to_apps(read_access_rules("r.csv", csv_export(row("Cloud Magic/1.0", "UserAgent", "Block", "cm"))))
    agents = {probe.form.value: probe.user_agent for probe in blocked_app_probes(blocked[0])}
    assert agents["plain"] == "Cloud Magic/1.0"
    assert agents["case"] == "cLOUD mAGIC/1.0"


def test_an_export_alone_is_an_input_without_findings(policy: Policy) -> None:
    text = csv_export(row("CloudMagic", "UserAgent", "Block", "Block CloudMagic"), '"broken"')
    device = vendor("exchange").parse("rules.csv", text, None)
    assert device.listeners == ()
    assert [finding.rule_id for finding in lint_text("exchange", text, policy, "rules.csv")] == ["EAS002"]
