"""Vendor regexes are evaluated only when Python's `re` means the same thing, and patterns that
could backtrack for too long are refused instead of run."""

from __future__ import annotations

import re

import pytest

from linter.regexes import Untranslatable, compile_vendor_regex


@pytest.mark.parametrize(
    ("pattern", "subject", "case_sensitive", "matches"),
    [
        ("cloudmagic", "CloudMagic/7.1", False, True),
        ("cloudmagic", "CloudMagic/7.1", True, False),
        ("^(CloudMagic|Newton)/", "Newton/10.0 (iPhone)", True, True),
        (r"^/microsoft-server-activesync\b", "/microsoft-server-activesync?Cmd=Ping", True, True),
        (r"Device[Tt]ype=\w+Magic", "DeviceType=CloudMagic", True, True),
        (r"[^/]+\.asmx$", "/EWS/Exchange.asmx", True, True),
        (r"a{2,3}", "caab", True, True),
        ("x{", "x{", True, True),  # a brace that is not a quantifier is literal in both engines
    ],
)
def test_safe_patterns_behave_like_pcre(pattern: str, subject: str, case_sensitive: bool, matches: bool) -> None:
    compiled = compile_vendor_regex(pattern, case_sensitive)
    assert isinstance(compiled, re.Pattern)
    assert bool(compiled.search(subject)) is matches


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"\p{L}+", "escape \\p"),
        (r"(?<name>x)", "group construct"),
        (r"(a)\1", "backreferences"),
        (r"[[:alpha:]]+", "POSIX character classes"),
        (r"foo\z", "escape \\z"),
        (r"\Qa.b\E", "escape \\Q"),
        ("(a+)+$", "nested quantifier"),
        ("(a|aa)*c", "nested quantifier"),
        ("(x*)*y", "nested quantifier"),
        (".*a.*b.*c.*d", "unbounded quantifiers"),
        ("(unbalanced", "unbalanced"),
        ("x" * 2001, "longer than"),
    ],
)
def test_untranslatable_or_risky_patterns_are_refused(pattern: str, reason: str) -> None:
    result = compile_vendor_regex(pattern, True)
    assert isinstance(result, Untranslatable)
    assert reason in result.reason


def test_unknown_dialect_is_refused() -> None:
    assert isinstance(compile_vendor_regex("a", True, dialect="lua-pattern"), Untranslatable)
