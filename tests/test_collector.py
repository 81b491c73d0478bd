"""The cyclic collector is paused while a device is checked, and the device is freed when the
check ends (linter.collector): a large bigip.conf is checked without the collector walking its
objects again and again, and nothing keeps a checked device alive afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from linter.engine import check_file
from linter.files import Candidate
from linter.model import Device
from linter.policy import Policy
from policies import RULES
from tests.test_f5_parser import _many_virtuals


@pytest.fixture
def large_bigip(tmp_path: Path) -> Path:
    config = tmp_path / "bigip.conf"
    config.write_text(_many_virtuals(1500), encoding="utf-8")
    return config


@pytest.fixture
def collector_running() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    gc.collect()
    yield
    (gc.enable if was_enabled else gc.disable)()


def _collections_during(action) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    runs: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            runs.append(info["generation"])

    gc.callbacks.append(count)
    try:
        result = action()
    finally:
        gc.callbacks.remove(count)
    return result, len(runs)


def test_a_large_device_is_checked_without_cycle_collections(large_bigip: Path, policy: Policy,
                                                             collector_running: None) -> None:
    result, collections = _collections_during(lambda: check_file(Candidate(large_bigip, True), policy, RULES))
    assert result.status == "checked" and result.activesync
    # 1,500 virtual servers allocate a few hundred thousand objects: with the collector running
    # that is hundreds of collections. Paused, at most the one after it resumes remains.
    assert collections <= 1
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_keeps_it_paused(large_bigip: Path, policy: Policy) -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        assert check_file(Candidate(large_bigip, True), policy, RULES).status == "checked"
        assert not gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_a_checked_device_is_freed_by_reference_counting(large_bigip: Path, policy: Policy) -> None:
    """Nothing (a cache keyed by the analysis, say) keeps the device alive once its result is
    made: with the collector off, only reference counting can have freed it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = check_file(Candidate(large_bigip, True), policy, RULES)
        assert result.findings
        assert not [thing for thing in gc.get_objects() if isinstance(thing, Device) and thing.name == result.path]
    finally:
        (gc.enable if was_enabled else gc.disable)()
