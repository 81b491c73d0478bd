"""Baselines: written stable, read strictly, matched by fingerprint as a multiset, and they
survive edits that move lines."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from linter import __version__
from linter.analysis import analyze
from linter.baseline import (
    SCHEMA_VERSION,
    Baseline,
    BaselineEntry,
    BaselineError,
    apply_baseline,
    load_baseline,
    write_baseline,
)
from linter.findings import Finding, Severity, Suppression
from linter.model import Location
from linter.policy import Policy
from linter.waivers import apply_waivers, read_inline_waivers
from parsers import vendor
from policies import RULES
from policies.base import RuleContext

NAME = "lb1/haproxy.cfg"

# Two problems: the Exchange backend cuts Pings after 20 minutes (EAS102), and nothing refuses
# CloudMagic (EAS201, EAS206 and its siblings).
CONFIG = """\
global
    log /dev/log local0

defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 65m

frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.example.com.pem
    default_backend be_exchange

backend be_exchange
    balance leastconn
    timeout server 20m
    server mbx1 10.0.10.11:443 check ssl verify none
"""

MOVED = """\
# Exchange edge, site 1. Owner: netops (INC-2291).
global
    log /dev/log local0
    maxconn 20000

defaults
    mode http
    option httplog
    timeout connect 5s
    timeout client 1m
    timeout server 65m

backend be_owa_static
    server web1 10.0.20.11:80 check

backend be_exchange
    balance leastconn
    option httpchk GET /owa/healthcheck.htm
    timeout server 20m
    server mbx1 10.0.10.11:443 check ssl verify none

frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.example.com.pem
    default_backend be_exchange
"""


def lint(text: str, policy: Policy, name: str = NAME) -> list[Finding]:
    support = vendor("haproxy")
    context = RuleContext(analyze(support.parse(name, text, None), policy), support.fixer)
    return [finding for rule in RULES if rule.applies_to("haproxy") for finding in rule.check(context)]


def finding(rule_id: str = "EAS102", line: int = 10, attribute: str = "timeout server", device: str = NAME,
            suppression: Suppression | None = None) -> Finding:
    return Finding(rule_id, "rule", Severity.ERROR, "message", Location(device, line), device, "backend be_exchange",
                   attribute, suppression=suppression)


def active(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.suppression is None]


# -- round trip ----------------------------------------------------------------------------------------------


def test_round_trip_suppresses_every_finding_it_recorded(policy: Policy, tmp_path: Path) -> None:
    findings = lint(CONFIG, policy)
    assert {f.rule_id for f in findings} >= {"EAS102", "EAS201"}
    path = tmp_path / "easlint-baseline.json"
    assert write_baseline(findings, path) == len(findings)
    baseline = load_baseline(path)
    assert baseline.path == str(path)
    result, fixed = apply_baseline(findings, baseline)
    assert fixed == 0
    assert [f.suppression for f in result] == [Suppression("baseline", f"in baseline {path}")] * len(findings)
    assert [replace(f, suppression=None) for f in result] == findings, "only the suppression changes, and the order stays"


def test_the_file_is_sorted_readable_and_stable(policy: Policy, tmp_path: Path) -> None:
    findings = lint(CONFIG, policy)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    write_baseline(findings, first)
    write_baseline(list(reversed(findings)), second)
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text(encoding="utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["tool"] == {"name": "easlint", "version": __version__}
    entries = document["entries"]
    assert all(set(entry) == {"fingerprint", "rule", "device", "object", "attribute", "file"} for entry in entries)
    keys = [(e["file"], e["device"], e["rule"], e["object"], e["attribute"], e["fingerprint"]) for e in entries]
    assert keys == sorted(keys)
    timer = next(e for e in entries if e["rule"] == "EAS102")
    assert timer == {"fingerprint": timer["fingerprint"], "rule": "EAS102", "device": NAME, "object": "backend be_exchange",
                     "attribute": "timeout server", "file": NAME}
    assert first.read_text(encoding="utf-8").endswith("}\n")
    assert not [p.name for p in tmp_path.iterdir() if p.name not in {"a.json", "b.json"}], "no temporary file left behind"


def test_a_baseline_survives_lines_moving(policy: Policy, tmp_path: Path) -> None:
    before, after = lint(CONFIG, policy), lint(MOVED, policy)
    assert {(f.rule_id, f.location.line) for f in before} != {(f.rule_id, f.location.line) for f in after}
    path = tmp_path / "baseline.json"
    write_baseline(before, path)
    result, fixed = apply_baseline(after, load_baseline(path))
    assert active(result) == [] and fixed == 0


def test_a_new_finding_is_not_absorbed_and_a_fixed_one_is_counted(policy: Policy, tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(lint(CONFIG, policy), path)
    # The timer is fixed; a second Exchange backend with a 5-minute timer appears.
    changed = CONFIG.replace("timeout server 20m", "timeout server 65m").replace(
        "    default_backend be_exchange\n",
        "    use_backend be_exchange_dr if { hdr(host) -i dr.mail.example.com }\n    default_backend be_exchange\n",
    ) + "\nbackend be_exchange_dr\n    timeout server 5m\n    server mbx9 10.0.90.11:443 check ssl verify none\n"
    result, fixed = apply_baseline(lint(changed, policy), load_baseline(path))
    assert [(f.rule_id, f.object_path) for f in active(result)] == [("EAS101", "backend be_exchange_dr")]
    assert fixed == 1


def test_the_same_name_on_another_device_is_a_new_finding(policy: Policy, tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(lint(CONFIG, policy, "lb1/haproxy.cfg"), path)
    result, fixed = apply_baseline(lint(CONFIG, policy, "lb2/haproxy.cfg"), load_baseline(path))
    assert len(active(result)) == len(result) > 0
    assert fixed == len(result)


# -- the multiset ---------------------------------------------------------------------------------------------


def test_findings_with_the_same_fingerprint_are_counted_one_for_one(tmp_path: Path) -> None:
    twins = [finding(line=10), finding(line=20)]
    assert twins[0].fingerprint == twins[1].fingerprint
    path = tmp_path / "baseline.json"
    write_baseline(twins[:1], path)
    result, fixed = apply_baseline(twins, load_baseline(path))
    assert [f.suppression is not None for f in result] == [True, False], "the first in report order is matched"
    assert fixed == 0
    write_baseline(twins, path)
    result, fixed = apply_baseline(twins[:1], load_baseline(path))
    assert active(result) == [] and fixed == 1
    result, fixed = apply_baseline(twins + [finding(line=30)], load_baseline(path))
    assert [f.location.line for f in active(result)] == [30] and fixed == 0


def test_fixed_counts_only_entries_the_run_looked_at(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline([finding(device="lb1/haproxy.cfg"), finding(device="lb2/haproxy.cfg")], path)
    baseline = load_baseline(path)
    _, fixed = apply_baseline([], baseline)
    assert fixed == 2
    _, fixed = apply_baseline([], baseline, checked=lambda entry: entry.file == "lb1/haproxy.cfg")
    assert fixed == 1


# -- what a baseline holds ----------------------------------------------------------------------------------------


def test_waived_findings_and_waiver_findings_are_not_recorded(policy: Policy, tmp_path: Path) -> None:
    text = CONFIG.replace("    timeout server 20m\n",
                          '    # easlint: disable=EAS102 reason="pool drained nightly"\n    timeout server 20m\n'
                          "    # easlint: disable=EAS101\n"
                          '    # easlint: disable=EAS104 reason="servers keep connections open"\n')
    findings = apply_waivers(lint(text, policy), [read_inline_waivers(NAME, text, "haproxy")], (), today=date(2026, 11, 22),
                             inline=True, selected=lambda rule_id: True)
    assert {"EAS102", "EAS004", "EAS005"} <= {f.rule_id for f in findings}
    path = tmp_path / "baseline.json"
    write_baseline(findings, path)
    recorded = {entry.rule for entry in load_baseline(path).entries}
    assert recorded and not recorded & {"EAS102", "EAS004", "EAS005"}
    result, _ = apply_baseline(findings, load_baseline(path))
    assert {f.rule_id for f in active(result)} == {"EAS004", "EAS005"}, "waiver findings are not absorbed by a baseline"


def test_rewriting_a_baseline_keeps_what_it_suppressed(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline([finding()], path)
    result, _ = apply_baseline([finding(), finding(rule_id="EAS103", attribute="timeout client")], load_baseline(path))
    write_baseline(result, path)
    assert sorted(entry.rule for entry in load_baseline(path).entries) == ["EAS102", "EAS103"]


def test_a_finding_waived_after_the_baseline_keeps_its_waiver_and_is_not_fixed(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline([finding()], path)
    waived = finding(suppression=Suppression("inline", "pool drained nightly", Location(NAME, 9)))
    result, fixed = apply_baseline([waived], load_baseline(path))
    assert result == [waived] and fixed == 0


# -- bad baseline files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "complaint"), [
    (b"", "invalid JSON"),
    (b'{"schema_version": 1, "entries": [', "invalid JSON"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8"),
    (b"[]", "expected a JSON object with 'schema_version' and 'entries'"),
    (b'{"schema_version": 1}', "expected a JSON object"),
    (b'{"schema_version": 2, "entries": []}', "schema version 2 is not supported"),
    (b'{"entries": []}', "schema version None is not supported"),
    (b'{"schema_version": 1, "entries": {}}', "'entries' must be a list"),
    (b'{"schema_version": 1, "entries": ["abc"]}', "entry 1 is not an object"),
    (b'{"schema_version": 1, "entries": [{"rule": "EAS102"}]}', "entry 1: 'fingerprint' must be 32 lowercase hex digits"),
    (b'{"schema_version": 1, "entries": [{"fingerprint": "' + b"0" * 32 + b'", "rule": 102}]}', "entry 1: rule must be text"),
    (b"[" * 100_000, "not a baseline"),
])
def test_a_corrupt_baseline_is_a_clear_error_naming_the_file(tmp_path: Path, content: bytes, complaint: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(content)
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    assert str(raised.value).startswith(str(path))
    assert complaint in str(raised.value)


def test_invalid_json_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text('{\n  "schema_version": 1,\n  "entries": [,]\n}\n', encoding="utf-8")
    with pytest.raises(BaselineError, match=r"baseline\.json:3:15: not a baseline: invalid JSON"):
        load_baseline(path)


def test_a_missing_baseline_says_how_to_create_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(BaselineError, match=rf"^{path}: baseline file not found \(create it with --write-baseline {path}\)$"):
        load_baseline(path)


def test_an_unwritable_baseline_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "missing-directory" / "baseline.json"
    with pytest.raises(BaselineError, match=rf"^{path}: cannot write the baseline: "):
        write_baseline([finding()], path)


def test_an_empty_baseline_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    assert write_baseline([], path) == 0
    assert load_baseline(path) == Baseline(str(path), ())
    assert apply_baseline([finding()], load_baseline(path)) == ([finding()], 0)


def test_entries_keep_their_readable_fields(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline([finding()], path)
    assert load_baseline(path).entries == (BaselineEntry(finding().fingerprint, "EAS102", NAME, "backend be_exchange",
                                                         "timeout server", NAME),)


def test_a_baseline_matches_from_another_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Written at the top of a repository, used from a subdirectory: paths are recorded relative
    to the top of the repository, so the same findings still match and none counts as fixed."""
    from linter import cli

    (tmp_path / ".git").mkdir()
    (tmp_path / "lb").mkdir()
    shutil.copy(Path(__file__).parents[1] / "examples" / "haproxy" / "exchange-short-timeout.cfg", tmp_path / "lb" / "haproxy.cfg")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lb", "--write-baseline", "easlint-baseline.json", "--jobs", "1", "--quiet"]) == 0
    recorded = json.loads((tmp_path / "easlint-baseline.json").read_text())["entries"]
    assert {entry["device"] for entry in recorded} == {"lb/haproxy.cfg"}
    capsys.readouterr()
    monkeypatch.chdir(tmp_path / "lb")
    assert cli.main(["haproxy.cfg", "--baseline", "../easlint-baseline.json", "--format", "json", "--jobs", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] and all(f["suppression"]["kind"] == "baseline" for f in report["findings"])
    assert report["summary"]["baseline_fixed"] == 0
