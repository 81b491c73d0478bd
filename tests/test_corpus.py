"""Real configurations written by others (../shared/corpus) never crash easlint: every HAProxy
file parses, the whole corpus runs through the engine without an internal error, the files of
every vendor easlint reads are checked, and the others are skipped rather than misread."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from linter.engine import run
from linter.policy import Policy
from parsers import SUPPORTED
from policies import RULES
from tests.conftest import CORPUS, lint_haproxy

HAPROXY_FILES = sorted((CORPUS / "haproxy").glob("*")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


@needs_corpus
@pytest.mark.parametrize("path", HAPROXY_FILES, ids=lambda path: path.name)
def test_every_haproxy_corpus_file_is_linted(path: Path, policy: Policy) -> None:
    findings = lint_haproxy(path.read_text(errors="replace"), policy, name=path.name)
    assert all(finding.location.line >= 1 for finding in findings)


@needs_corpus
def test_the_whole_corpus_runs_and_supported_vendors_are_read(policy: Policy) -> None:
    report = run([str(CORPUS)], policy, RULES, all_files=True)
    assert report.internal_errors == [] and report.io_errors == []
    vendors = {Path(result.path).name: result.vendor for result in report.files if result.status == "checked"}
    read = {path.name: path.parent.name for path in sorted(CORPUS.glob("*/*"))
            if path.parent.name in SUPPORTED and path.name in vendors}
    assert set(vendors.values()) <= SUPPORTED
    assert {name: vendor for name, vendor in vendors.items()} == read
    assert {path.name for path in HAPROXY_FILES} <= set(vendors)
    from linter.report.json import render

    jsonschema.validate(json.loads(render(report)),
                        json.loads(resources.files("linter").joinpath("schemas/report.schema.json").read_text()))


@needs_corpus
def test_haproxys_own_error_tests_are_reported_where_haproxy_reports_them(policy: Policy) -> None:
    """tests/conf/ports.cfg of HAProxy lists the errors HAProxy 2.6 gives for bind addresses."""
    path = CORPUS / "haproxy" / "haproxy__tests_conf_ports.cfg"
    lines = {f.location.line for f in lint_haproxy(path.read_text(), policy, name=path.name) if f.rule_id == "EAS001"}
    assert {11, 15, 16, 17, 20, 21, 22, 23, 24, 25} <= lines
