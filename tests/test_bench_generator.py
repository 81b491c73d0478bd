"""The benchmark's configuration generators (bench/generate_haproxy.py, generate_asa.py,
generate_fortigate.py) and the output check of bench/run.py.

A small generated configuration must be reproducible byte for byte, be accepted by the real
HAProxy, and give exactly the findings the generator planted: each problem class with its rule
id on its object, and nothing on the correct Exchange front ends or on the ordinary services.
The ASA and FortiGate generators plant findings by line; easlint must report exactly those, and
the benchmark must call a report that differs wrong.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from linter.engine import run
from policies import RULES
from tests.haproxy_support import TEST_CERT, haproxy_binary

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
GENERATOR = BENCH / "generate_haproxy.py"
FRONTENDS = 20
SEED = 7


def _bench_module(name: str):
    """A script of bench/, which is not a package."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generator = _bench_module("generate_haproxy")

# The rule each planted problem class must be reported with, and on which object.
PLANTED_RULES = {
    "short-timeout": ("EAS102", "backend"),
    "short-timeout-inherited": ("EAS102", "backend"),
    "alert-timeout": ("EAS101", "backend"),
    "case-sensitive": ("EAS202", "frontend"),
    "shadowed": ("EAS204", "frontend"),
    "passthrough": ("EAS207", "frontend"),
    "no-block": ("EAS201", "frontend"),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    directory = tmp_path_factory.mktemp("bench")
    config, manifest = directory / "edge.cfg", directory / "edge.manifest.json"
    subprocess.run([sys.executable, str(GENERATOR), "--frontends", str(FRONTENDS), "--seed", str(SEED), "--cert", str(TEST_CERT),
                    "-o", str(config), "--manifest", str(manifest)], check=True, capture_output=True, timeout=120)
    return config, json.loads(manifest.read_text(encoding="utf-8"))


def test_same_seed_gives_byte_identical_output(generated: tuple[Path, dict], tmp_path: Path) -> None:
    config, _ = generated
    again = tmp_path / "again.cfg"
    subprocess.run([sys.executable, str(GENERATOR), "--frontends", str(FRONTENDS), "--seed", str(SEED), "--cert", str(TEST_CERT),
                    "-o", str(again)], check=True, capture_output=True, timeout=120)
    assert again.read_bytes() == config.read_bytes()
    text, _ = generator.generate(FRONTENDS, SEED, TEST_CERT)
    assert text.encode("utf-8") == config.read_bytes()
    other, _ = generator.generate(FRONTENDS, SEED + 1, TEST_CERT)
    assert other != text


def test_sizes_and_planted_classes(generated: tuple[Path, dict]) -> None:
    config, manifest = generated
    lines = config.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("frontend ") for line in lines) == manifest["frontends"] == FRONTENDS
    assert sum(line.startswith("backend ") for line in lines) == manifest["backends"] == FRONTENDS
    assert any(line.startswith("defaults ") for line in lines) and "defaults" in lines  # named and anonymous
    kinds = Counter(planted["kind"] for planted in manifest["exchange"])
    assert set(PLANTED_RULES) <= set(kinds), "every problem class is planted even in a small config"
    assert set(generator.GOOD_KINDS) <= set(kinds), "and every correct variant"
    for planted in manifest["exchange"]:
        assert bool(planted["expected"]) == (planted["kind"] in PLANTED_RULES)


def test_haproxy_accepts_it(generated: tuple[Path, dict]) -> None:
    config, _ = generated
    result = subprocess.run([haproxy_binary(), "-c", "-f", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0, result.stdout
    assert "[ALERT]" not in result.stdout and "[WARNING]" not in result.stdout, result.stdout


def test_easlint_reports_exactly_what_was_planted(generated: tuple[Path, dict], policy) -> None:
    config, manifest = generated
    report = run([str(config)], policy, RULES)
    assert not report.internal_errors and not report.io_errors
    assert [result.status for result in report.files] == ["checked"]
    reported = Counter((finding.rule_id, finding.object_path) for finding in report.findings)

    for planted in manifest["exchange"]:
        objects = {planted["frontend"], planted["backend"]}
        on_it = sorted(rule for rule, obj in reported if obj in objects)
        if planted["kind"] in PLANTED_RULES:
            rule, where = PLANTED_RULES[planted["kind"]]
            assert (rule, planted[where]) in reported, f"{planted['kind']} in {planted[where]}: {rule} not reported (got {on_it})"
        elif planted["kind"] != "good-shared":  # a shared frontend may carry another service's finding
            assert not on_it, f"correct Exchange front end {planted['frontend']} got {on_it}"
        else:
            assert not [rule for rule, obj in reported if obj == planted["backend"]]

    expected = {(item["rule_id"], item["object"]) for planted in manifest["exchange"] for item in planted["expected"]}
    assert set(reported) == expected, "nothing reported beyond the planted problems"


@pytest.fixture(scope="module")
def with_known_gaps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    config = tmp_path_factory.mktemp("gaps") / "edge-gaps.cfg"
    text, manifest = generator.generate(FRONTENDS, SEED, TEST_CERT, known_gaps=True)
    config.write_text(text, encoding="utf-8")
    return config, manifest


def test_known_gap_config_is_valid_haproxy(with_known_gaps: tuple[Path, dict]) -> None:
    config, manifest = with_known_gaps
    assert {planted["kind"] for planted in manifest["exchange"] if planted["known_gap"]} == {k for k, _, _ in generator.KNOWN_GAP_KINDS}
    assert manifest["frontends"] == FRONTENDS  # the gaps own 19 backends: more than 20 in so small a config
    result = subprocess.run([haproxy_binary(), "-c", "-f", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0 and "[WARNING]" not in result.stdout, result.stdout


def test_known_gaps_are_reported(with_known_gaps: tuple[Path, dict], policy) -> None:
    config, manifest = with_known_gaps
    reported = {(finding.rule_id, finding.object_path) for finding in run([str(config)], policy, RULES).findings}
    expected = {(item["rule_id"], item["object"]) for planted in manifest["exchange"] for item in planted["expected"]}
    assert reported == expected


# -- Cisco ASA and FortiGate ------------------------------------------------------------------

# vendor: (generator, size option, a size small enough to be fast that still plants every kind)
FIREWALL_GENERATORS = {
    "asa": ("generate_asa.py", "--publications", 110),
    "fortigate": ("generate_fortigate.py", "--policies", 700),
}


@pytest.fixture(scope="module", params=sorted(FIREWALL_GENERATORS))
def firewall(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict]:
    vendor = request.param
    script, size_option, size = FIREWALL_GENERATORS[vendor]
    directory = tmp_path_factory.mktemp(vendor)
    config, manifest = directory / f"{vendor}.conf", directory / f"{vendor}.manifest.json"
    subprocess.run([sys.executable, str(BENCH / script), size_option, str(size), "--seed", str(SEED), "-o", str(config),
                    "--manifest", str(manifest)], check=True, capture_output=True, timeout=120)
    return vendor, config, json.loads(manifest.read_text(encoding="utf-8"))


def test_firewall_generator_is_deterministic_and_plants_every_kind(firewall: tuple[str, Path, dict]) -> None:
    vendor, config, manifest = firewall
    module = _bench_module(FIREWALL_GENERATORS[vendor][0].removesuffix(".py"))
    text, again = module.generate(FIREWALL_GENERATORS[vendor][2], SEED)
    assert text.encode("utf-8") == config.read_bytes() and again == manifest
    assert module.generate(FIREWALL_GENERATORS[vendor][2], SEED + 1)[0] != text
    assert {planted["kind"] for planted in manifest["exchange"]} == {kind for kind, _ in module.KINDS}
    assert manifest["lines"] == text.count("\n")


def test_easlint_reports_exactly_the_planted_firewall_findings(firewall: tuple[str, Path, dict], policy) -> None:
    vendor, config, manifest = firewall
    report = run([str(config)], policy, RULES)
    assert [(result.vendor, result.status) for result in report.files] == [(vendor, "checked")]
    reported = sorted((finding.rule_id, finding.location.line) for finding in report.findings)
    expected = sorted((item["rule_id"], item["line"]) for item in manifest["expected_findings"])
    planted_rules = {rule for planted in manifest["exchange"] for rule in planted["expected"]}
    assert planted_rules and {"EAS207"} | planted_rules == {rule for rule, _ in expected}
    assert reported == expected


def test_run_calls_a_report_with_a_missing_or_extra_finding_wrong(firewall: tuple[str, Path, dict], tmp_path: Path) -> None:
    _, _, manifest = firewall
    bench = _bench_module("run")
    expected = set(bench._common.expected_findings(manifest))
    findings = [{"rule_id": rule, "location": {"line": line}} for rule, line in sorted(expected)]
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"findings": findings}), encoding="utf-8")
    assert bench.check_report(report, expected, bench.by_line)["ok"]
    report.write_text(json.dumps({"findings": findings[1:] + [{"rule_id": "EAS201", "location": {"line": 1}}]}), encoding="utf-8")
    wrong = bench.check_report(report, expected, bench.by_line)
    assert not wrong["ok"]
    assert wrong["planted_missing"] == [list(sorted(expected)[0])] and wrong["unexpected"] == [["EAS201", 1]]
    report.write_text("{not json", encoding="utf-8")
    broken = bench.check_report(report, expected, bench.by_line)
    assert broken["valid_json"] is False and broken["ok"] is False
