"""Analysis and rules never change the device a parser made.

The model's classes are plain slots dataclasses, not frozen ones: a large bigip.conf makes tens
of thousands of them, and a frozen dataclass costs three times as much to construct (each field
is set through `object.__setattr__`), about a tenth of the whole lint of a 3,000-virtual file.
What freezing guaranteed is kept as a tested rule instead: every rule and the simulator only
read the device, so one device can be shared by all of them without copies. This test runs the
whole analysis and every rule over each bundled example and checks the device is still equal
to a deep copy taken before.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from linter.analysis import analyze
from linter.files import read_text
from linter.model import Location
from linter.policy import load_builtin
from parsers import vendor
from parsers.detect import detect_vendor
from policies import RULES
from policies.base import RuleContext

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example_devices() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(EXAMPLES.rglob("*")):
        text = read_text(path) if path.is_file() else None
        vendor_name = detect_vendor(text) if isinstance(text, str) else None
        if vendor_name is not None and vendor(vendor_name) is not None and vendor(vendor_name).parse is not None:
            found.append((vendor_name, path))
    return found


EXAMPLE_DEVICES = _example_devices()


def test_every_vendor_with_an_example_is_covered() -> None:
    assert {"haproxy", "f5", "asa", "panos", "fortigate"} <= {vendor_name for vendor_name, _ in EXAMPLE_DEVICES}


@pytest.mark.parametrize(("vendor_name", "path"), EXAMPLE_DEVICES, ids=lambda value: str(value).rsplit("examples/", 1)[-1])
def test_analysis_and_rules_leave_the_device_as_parsed(vendor_name: str, path: Path) -> None:
    support = vendor(vendor_name)
    device = support.parse(str(path), read_text(path), path.parent)
    before = copy.deepcopy(device)
    policy = load_builtin()
    context = RuleContext(analyze(device, policy), support.fixer)
    findings = [finding for rule in RULES if rule.applies_to(vendor_name) for finding in rule.check(context)]
    assert device == before
    assert findings or "fixed" in path.name or "good" in path.name or vendor_name == "exchange", "the rules ran on nothing"


def test_model_objects_are_hashable_by_value() -> None:
    """Rules key dictionaries and sets by model objects (locations, conditions)."""
    assert hash(Location("bigip.conf", 12)) == hash(Location("bigip.conf", 12))
    assert len({Location("bigip.conf", 12), Location("bigip.conf", 12), Location("bigip.conf", 13)}) == 2
