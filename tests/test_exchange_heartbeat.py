"""The heartbeat Exchange really uses, read from a Sync web.config (parsers.exchange.heartbeat).

Each case writes the keys, and the expectations follow Exchange's validation: defaults for
absent keys, one interval check in the order Min > Max, Max > 3540, Min < 1 (each reverting
both to 60/3540), defaults for out-of-range sample size and threshold, and .NET's case-insensitive
appSettings keys where a later `<add>` wins.
"""

from __future__ import annotations

import pytest

from linter.model import Location
from linter.policy import Heartbeat
from parsers.exchange.heartbeat import parse_int, read_heartbeat


def web_config(*adds: str) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<configuration>", "  <appSettings>"]
    lines += [f"    {add}" for add in adds]
    lines += ["  </appSettings>", "</configuration>"]
    return "\n".join(lines) + "\n"


def add(key: str, value: str) -> str:
    return f'<add key="{key}" value="{value}" />'


def effective(text: str) -> tuple[int, int, int, int]:
    heartbeat = read_heartbeat("Sync/web.config", text).heartbeat
    return heartbeat.min_interval, heartbeat.max_interval, heartbeat.sample_size, heartbeat.alert_threshold


def problems(text: str) -> dict[str, str]:
    return {setting.key: setting.problem or "" for setting in read_heartbeat("Sync/web.config", text).problems}


def test_absent_keys_are_the_defaults_without_problems() -> None:
    text = web_config(add("SomethingElse", "1"))
    assert effective(text) == (60, 3540, 200, 540)
    assert problems(text) == {}


def test_valid_values_are_used_and_margin_comes_from_the_caller() -> None:
    text = web_config(add("MinHeartbeatInterval", "120"), add("MaxHeartbeatInterval", "1800"),
                      add("HeartbeatSampleSize", "50"), add("HeartbeatAlertThreshold", "300"))
    settings = read_heartbeat("exchange/Sync/web.config", text, Heartbeat(margin=120))
    assert (settings.heartbeat.min_interval, settings.heartbeat.max_interval) == (120, 1800)
    assert (settings.heartbeat.sample_size, settings.heartbeat.alert_threshold) == (50, 300)
    assert settings.heartbeat.margin == 120
    assert settings.heartbeat.required_seconds == 1920
    assert "exchange/Sync/web.config" in settings.heartbeat.source
    assert settings.heartbeat.written_at("MaxHeartbeatInterval") == Location("exchange/Sync/web.config", 5)


@pytest.mark.parametrize(
    ("adds", "expected", "culprit", "event"),
    [
        ((add("MinHeartbeatInterval", "600"), add("MaxHeartbeatInterval", "300")), (60, 3540), "MinHeartbeatInterval", "1009"),
        ((add("MinHeartbeatInterval", "120"), add("MaxHeartbeatInterval", "5400")), (60, 3540), "MaxHeartbeatInterval", "1010"),
        ((add("MinHeartbeatInterval", "0"), add("MaxHeartbeatInterval", "1800")), (60, 3540), "MinHeartbeatInterval", "1011"),
        ((add("MinHeartbeatInterval", "abc"), add("MaxHeartbeatInterval", "1800")), (60, 1800), "MinHeartbeatInterval", "1119"),
    ],
)
def test_invalid_intervals(adds: tuple[str, ...], expected: tuple[int, int], culprit: str, event: str) -> None:
    text = web_config(*adds)
    assert effective(text)[:2] == expected
    found = problems(text)
    assert list(found) == [culprit]
    assert f"event {event}" in found[culprit]


def test_max_above_3540_also_discards_a_valid_min() -> None:
    text = web_config(add("MinHeartbeatInterval", "120"), add("MaxHeartbeatInterval", "3541"))
    settings = read_heartbeat("web.config", text)
    by_key = {setting.key: setting for setting in settings.settings}
    assert by_key["MinHeartbeatInterval"].effective == "60"
    assert "reverts both" in (by_key["MaxHeartbeatInterval"].problem or "")


def test_unparsable_min_then_min_above_max_reports_both_steps() -> None:
    text = web_config(add("MinHeartbeatInterval", "sixty"), add("MaxHeartbeatInterval", "30"))
    assert effective(text)[:2] == (60, 3540)
    assert "1119" in problems(text)["MinHeartbeatInterval"] and "1009" in problems(text)["MinHeartbeatInterval"]


@pytest.mark.parametrize(("key", "value", "default"), [
    ("HeartbeatSampleSize", "10001", 200), ("HeartbeatSampleSize", "-1", 200),
    ("HeartbeatAlertThreshold", "3541", 540), ("HeartbeatAlertThreshold", "x", 540),
])
def test_sample_size_and_threshold_out_of_range(key: str, value: str, default: int) -> None:
    text = web_config(add(key, value))
    values = dict(zip(("MinHeartbeatInterval", "MaxHeartbeatInterval", "HeartbeatSampleSize", "HeartbeatAlertThreshold"),
                      effective(text)))
    assert values[key] == default
    assert key in problems(text)


def test_boundaries_are_accepted() -> None:
    text = web_config(add("MinHeartbeatInterval", "1"), add("MaxHeartbeatInterval", "3540"),
                      add("HeartbeatSampleSize", "10000"), add("HeartbeatAlertThreshold", "0"))
    assert effective(text) == (1, 3540, 10000, 0)
    assert problems(text) == {}


def test_keys_are_case_insensitive_and_the_last_add_wins() -> None:
    text = web_config(add("maxheartbeatinterval", "1200"), add("MAXHEARTBEATINTERVAL", "900"))
    settings = read_heartbeat("web.config", text)
    assert settings.heartbeat.max_interval == 900
    assert next(s for s in settings.settings if s.key == "MaxHeartbeatInterval").location.line == 5


def test_remove_and_clear() -> None:
    text = web_config(add("MaxHeartbeatInterval", "99999"), '<remove key="maxHeartbeatInterval" />',
                      add("HeartbeatSampleSize", "-5"), "<clear />", add("MinHeartbeatInterval", "90"))
    assert effective(text) == (90, 3540, 200, 540)
    assert problems(text) == {}


def test_long_form_add_and_byte_order_mark() -> None:
    text = "\ufeff" + web_config('<add key="MaxHeartbeatInterval" value="2400"></add>')
    assert effective(text)[1] == 2400


@pytest.mark.parametrize(("text", "number"), [
    ("60", 60), (" 60 ", 60), ("+60", 60), ("-5", -5), ("2147483647", 2147483647),
    ("2147483648", None), ("6 0", None), ("0x3C", None), ("", None), ("60s", None),
])
def test_dotnet_integer_parsing(text: str, number: int | None) -> None:
    assert parse_int(text) == number


def test_unreadable_file_keeps_the_callers_heartbeat() -> None:
    base = Heartbeat(max_interval=1800, margin=30, source="policy pack x")
    settings = read_heartbeat("web.config", "<configuration><appSettings></configuration>", base)
    assert settings.heartbeat == base
    assert [d.code for d in settings.diagnostics] == ["EAS001"]
    assert settings.diagnostics[0].location.line == 1
