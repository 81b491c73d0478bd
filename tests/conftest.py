"""Shared fixtures: the built-in policy and a one-call way to lint a configuration text."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.analysis import Analysis, analyze
from linter.findings import Finding
from linter.model import Device
from linter.policy import Policy, load_builtin
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
    device = parse_haproxy(text, name, config_dir)
    context = RuleContext(analyze(device, policy), vendor("haproxy").fixer)
    return [finding for rule in RULES for finding in rule.check(context)]
