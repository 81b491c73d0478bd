"""Shared fixtures: the built-in policy and a one-call way to lint a configuration text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from linter.analysis import Analysis, analyze
from linter.findings import Finding
from linter.model import Device
from linter.policy import Policy, load_builtin
from linter.waivers import apply_waivers, read_inline_waivers
from parsers import vendor
from policies import RULES
from policies.base import RuleContext

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_builtin()


def parse_haproxy(text: str, name: str = "haproxy.cfg", config_dir: Path | None = None) -> Device:
    return vendor("haproxy").parse(name, text, config_dir)


def analyze_haproxy(text: str, policy: Policy) -> Analysis:
    return analyze(parse_haproxy(text), policy)


def lint_haproxy(text: str, policy: Policy, name: str = "haproxy.cfg", config_dir: Path | None = None) -> list[Finding]:
    """Every finding of every rule for one HAProxy configuration text."""
    return lint_text("haproxy", text, policy, name, config_dir)


def lint_text(vendor_name: str, text: str, policy: Policy, name: str = "config", config_dir: Path | None = None) -> list[Finding]:
    """Every finding that counts, of every rule, for one configuration text of `vendor_name`
    judged alone: its inline waivers applied as the engine applies them (EAS004/EAS005
    included), and the findings they waive left out."""
    support = vendor(vendor_name)
    device = support.parse(name, text, config_dir)
    context = RuleContext(analyze(device, policy), support.fixer)
    findings = [finding for rule in RULES if rule.applies_to(vendor_name) for finding in rule.check(context)]
    waivers = read_inline_waivers(name, text, vendor_name)
    applied = apply_waivers(findings, [waivers], (), today=date.today(), inline=True, selected=lambda rule_id: True)
    return [finding for finding in applied if finding.suppression is None]
