"""Tcl ARE regexes (iRule `regexp`, `matches_regex`, `switch -regexp`) mean what Tcl means.

In Tcl `\\b` is a backspace and `\\B` a backslash (re_syntax(n), "character-entry escapes"); word
boundaries are the constraint escapes `\\m`, `\\M`, `\\y`, `\\Y`. An iRule written with PCRE habits
(`regexp {\\bCloudMagic\\b}`) therefore never matches a User-Agent on BIG-IP, and easlint must
see that the app gets through, not evaluate a PCRE word boundary the device never applies.
"""

from __future__ import annotations

import re

import pytest

from linter.analysis import analyze
from linter.policy import load_builtin
from linter.regexes import Untranslatable, compile_vendor_regex
from parsers.f5 import parse
from parsers.f5.fixes import F5Fixer
from policies import RULES
from policies.base import RuleContext


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        (r"\bCloudMagic\b", "CloudMagic/7.1", False),  # backspaces, not word boundaries
        (r"\bCloudMagic\b", "\bCloudMagic\b", True),
        (r"a\Bb", "a\\b", True),  # \B is a backslash
        (r"a\Bb", "ab", False),
        (r"[\b]", "\b", True),
        (r"\mCloudMagic\M", "Mozilla CloudMagic/7.1", True),
        (r"\mCloudMagic\M", "NotCloudMagic/7.1", False),  # \m: a word must begin here
        (r"\mCloudMagic\M", "CloudMagicX", False),  # \M: a word must end here
        (r"\yMagic\y", "Cloud Magic", True),
        (r"\yMagic\y", "CloudMagic", False),
        (r"Cloud\YMagic", "CloudMagic", True),  # \Y: not at a word boundary
        (r"Cloud\Y Magic", "Cloud Magic", False),
        (r"\M", "ab", True),
        (r"^\M", "ab", False),  # no word ends at the start
        (r"\m$", "ab", False),  # no word begins at the end
        (r"\x41Z", "AZ", True),
    ],
)
def test_tcl_escapes_match_what_tcl_matches(pattern: str, subject: str, matches: bool) -> None:
    compiled = compile_vendor_regex(pattern, True, "tcl-are")
    assert isinstance(compiled, re.Pattern), compiled
    assert bool(compiled.search(subject)) is matches


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"[\m]", "bracket expression"),
        (r"[a\y]", "bracket expression"),
        (r"\m*", "quantified"),
        (r"\y+x", "quantified"),
        (r"\x41B", "hexadecimal"),  # Tcl reads \x41B as one character, U+041B
    ],
)
def test_tcl_constructs_with_no_python_equivalent_are_refused(pattern: str, reason: str) -> None:
    compiled = compile_vendor_regex(pattern, True, "tcl-are")
    assert isinstance(compiled, Untranslatable) and reason in compiled.reason


def test_pcre_keeps_its_own_escapes() -> None:
    pcre = compile_vendor_regex(r"\bCloudMagic\b", True, "pcre")
    assert isinstance(pcre, re.Pattern) and pcre.search("CloudMagic/7.1")
    assert isinstance(compile_vendor_regex(r"\mCloudMagic", True, "pcre"), Untranslatable)


def _config(expression: str) -> str:
    return f"""ltm pool /Common/exchange_pool {{
    members {{
        /Common/10.0.10.11:443 {{
            address 10.0.10.11
        }}
    }}
}}
ltm profile tcp /Common/eas-tcp {{
    defaults-from /Common/tcp
    idle-timeout 3900
}}
ltm rule /Common/block_apps {{
when HTTP_REQUEST {{
    if {{ {expression} }} {{
        reject
    }}
}}
}}
ltm virtual /Common/exchange_vs {{
    destination /Common/203.0.113.20:443
    ip-protocol tcp
    pool /Common/exchange_pool
    profiles {{
        /Common/eas-tcp {{ }}
        /Common/http {{ }}
        /Common/clientssl {{
            context clientside
        }}
    }}
    rules {{
        /Common/block_apps
    }}
}}
"""


def _findings(expression: str) -> list:
    device = parse("bigip.conf", _config(expression))
    context = RuleContext(analyze(device, load_builtin()), F5Fixer())
    return [finding for rule in RULES if rule.applies_to("f5") for finding in rule.check(context)]


def _blocked_by_user_agent(expression: str) -> bool:
    """Whether CloudMagic's plain-form probe is refused: EAS201 names the apps that get through."""
    return not any(finding.rule_id == "EAS201" and "CloudMagic" in finding.message for finding in _findings(expression))


def test_a_pcre_style_word_boundary_in_an_irule_blocks_nothing() -> None:
    word_boundaries = r"[regexp -nocase {\mcloudmagic\M} [HTTP::header User-Agent]]"
    backspaces = r"[regexp -nocase {\bcloudmagic\b} [HTTP::header User-Agent]]"
    assert _blocked_by_user_agent(word_boundaries)
    assert not _blocked_by_user_agent(backspaces)


def test_matches_regex_reads_tcl_escapes_too() -> None:
    assert _blocked_by_user_agent(r"[string tolower [HTTP::header User-Agent]] matches_regex {\ycloudmagic\y}")
    assert not _blocked_by_user_agent(r"[string tolower [HTTP::header User-Agent]] matches_regex {\bcloudmagic\b}")


def test_a_refused_tcl_regex_cannot_be_verified_at_its_line() -> None:
    findings = _findings(r"[regexp {[\m]cloudmagic} [string tolower [HTTP::header User-Agent]]]")
    unverified = [finding for finding in findings if finding.rule_id == "EAS003"]
    assert unverified and {finding.location.line for finding in unverified} == {14}
    assert any("bracket expression" in finding.message for finding in unverified)
