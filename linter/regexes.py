r"""Vendor regular expressions (PCRE, Tcl ARE) evaluated with Python's `re`, or refused.

Tcl AREs (iRule `regexp`, `matches_regex`, `switch -regexp`; LTM policy `matches`) are first
rewritten where an escape means something else in Tcl (`\b` is backspace there, word
boundaries are `\m \M \y \Y`), then held to the same subset as PCRE.

A pattern is only evaluated when Python's `re` means the same thing as the vendor's engine:
every construct outside a known-equivalent subset makes it "cannot verify" instead of a
guess. Patterns that could backtrack catastrophically (a quantified group that itself holds a
quantifier or an alternation, or many unbounded quantifiers in a row) are refused too, since
`re` cannot be interrupted and a lint run must never hang on a hostile configuration.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache

MAX_PATTERN_LENGTH = 2000
MAX_UNBOUNDED_QUANTIFIERS = 3

# Escapes with the same meaning in PCRE and Python `re` (for ASCII subjects, which probes are).
_SAFE_LETTER_ESCAPES = frozenset("dDwWsSbBAntrfv")
_ATOMIC_SUPPORTED = sys.version_info >= (3, 11)


# Tcl ARE escapes whose meaning differs from Python's (Tcl re_syntax(n), "ESCAPES"): `\b` is
# backspace and `\B` a synonym for backslash ("character-entry escapes"), while word boundaries
# are the constraint escapes `\m` (beginning of a word), `\M` (end of a word), `\y` (beginning
# or end) and `\Y` (a point that is neither). Each is rewritten to the Python that means the
# same; a word character is `\w` in both (alphanumerics and underscore, ASCII here).
_TCL_ESCAPES = {"b": r"\x08", "B": r"\\", "y": r"\b", "Y": r"\B", "m": r"\b(?=\w)", "M": r"\b(?<=\w)"}
# The same rewrite for the safety scan, which knows no lookbehind: constraints are zero-width.
_TCL_SCAN_FORMS = {"b": r"\x08", "B": r"\\", "y": r"\b", "Y": r"\B", "m": r"\b", "M": r"\b"}
_TCL_CONSTRAINTS = frozenset("mMyY")


@dataclass(frozen=True)
class Untranslatable:
    reason: str


def _translate_tcl(pattern: str) -> tuple[str, str] | Untranslatable:
    """(Python pattern, the form the safety scan reads) of a Tcl ARE, escapes rewritten."""
    translated: list[str] = []
    scanned: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            letter = pattern[i + 1]
            if letter in _TCL_ESCAPES:
                if in_class and letter in _TCL_CONSTRAINTS:
                    return Untranslatable(f"Tcl constraint escape \\{letter} inside a bracket expression is an error in Tcl")
                if letter in _TCL_CONSTRAINTS and pattern[i + 2 : i + 3] in ("*", "+", "?", "{"):
                    return Untranslatable(f"a quantified Tcl constraint escape \\{letter} is an error in Tcl")
                translated.append(_TCL_ESCAPES[letter])
                scanned.append(_TCL_SCAN_FORMS[letter])
                i += 2
                continue
            if letter == "x" and not re.match(r"[0-9A-Fa-f]{2}(?![0-9A-Fa-f])", pattern[i + 2 :]):
                return Untranslatable("Tcl \\x takes every hexadecimal digit that follows: only \\x with two is evaluated")
            translated.append(pattern[i : i + 2])
            scanned.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class and char == "]":
            in_class = False
        elif not in_class and char == "[":
            in_class = True
            opening = i + 1 + (pattern[i + 1 : i + 2] == "^")
            if pattern[opening : opening + 1] == "]":  # a literal "]" first in the class
                translated.append(pattern[i : opening + 1])
                scanned.append(pattern[i : opening + 1])
                i = opening + 1
                continue
        translated.append(char)
        scanned.append(char)
        i += 1
    return "".join(translated), "".join(scanned)


def _scan(pattern: str) -> str | None:
    """Return why `pattern` is outside the safe subset, or None when it is inside."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"pattern longer than {MAX_PATTERN_LENGTH} characters"
    group_has_inner: list[bool] = []  # per open group: holds a quantifier or alternation
    unbounded = 0
    i = 0
    in_class = False
    last_closed_group_risky = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                return "pattern ends with a lone backslash"
            nxt = pattern[i + 1]
            if nxt.isalpha() and nxt not in _SAFE_LETTER_ESCAPES:
                if nxt == "x" and re.match(r"[0-9A-Fa-f]{2}", pattern[i + 2 : i + 4]):
                    i += 4
                    last_closed_group_risky = False
                    continue
                return f"escape \\{nxt} has no identical meaning in Python's re"
            if nxt.isdigit() and not in_class:
                return "backreferences are not evaluated"
            i += 2
            last_closed_group_risky = False
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif char == "[" and pattern[i + 1 : i + 2] == ":":
                return "POSIX character classes are not evaluated"
            i += 1
            continue
        if char == "[":
            in_class = True
            i += 1
            if pattern[i : i + 1] == "^":
                i += 1
            if pattern[i : i + 1] == "]":  # a literal "]" first in the class
                i += 1
            last_closed_group_risky = False
            continue
        if char == "(":
            if i == 0 and pattern.startswith("(?i)"):  # a leading flag means the same in both engines
                i += 4
                continue
            if pattern.startswith("(?", i):
                head = pattern[i + 2 : i + 3]
                if not (head in (":", "=", "!") or (head == ">" and _ATOMIC_SUPPORTED)):
                    return f"group construct {pattern[i:i + 3]!r} is not evaluated"
            group_has_inner.append(False)
            i += 1
            continue
        if char == ")":
            if not group_has_inner:
                return "unbalanced parenthesis"
            last_closed_group_risky = group_has_inner.pop()
            if group_has_inner and last_closed_group_risky:
                group_has_inner[-1] = True
            i += 1
            continue
        if char == "|":
            if group_has_inner:
                group_has_inner[-1] = True
            i += 1
            continue
        if char in "*+?{":
            if char == "{":
                bound = re.match(r"\{(\d*)(,?)(\d*)\}", pattern[i:])
                if not bound:
                    i += 1  # a literal brace, as in both engines
                    continue
                is_unbounded = bool(bound.group(2)) and not bound.group(3)
                width = len(bound.group(0))
            else:
                is_unbounded = char != "?"
                width = 1
            if pattern[i + width : i + width + 1] == "+" and not _ATOMIC_SUPPORTED:
                return "possessive quantifiers need Python 3.11"
            if last_closed_group_risky and char != "?":
                return "nested quantifier could backtrack catastrophically"
            if is_unbounded:
                unbounded += 1
            if group_has_inner:
                group_has_inner[-1] = True
            i += width
            if pattern[i : i + 1] in ("?", "+"):
                i += 1
            last_closed_group_risky = False
            continue
        last_closed_group_risky = False
        i += 1
    if in_class:
        return "unterminated character class"
    if group_has_inner:
        return "unbalanced parenthesis"
    if unbounded > MAX_UNBOUNDED_QUANTIFIERS:
        return f"more than {MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers could backtrack for too long"
    return None


@lru_cache(maxsize=4096)
def compile_vendor_regex(pattern: str, case_sensitive: bool, dialect: str = "pcre") -> re.Pattern[str] | Untranslatable:
    """A compiled Python regex equivalent to `pattern` in `dialect`, or why there is none."""
    if dialect not in ("pcre", "tcl-are", "posix-ere"):
        return Untranslatable(f"regex dialect {dialect} is not evaluated")
    scanned = pattern
    if dialect == "tcl-are":
        tcl = _translate_tcl(pattern)
        if isinstance(tcl, Untranslatable):
            return tcl
        pattern, scanned = tcl
    problem = _scan(scanned)
    if problem:
        return Untranslatable(problem)
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        return re.compile(pattern, flags | re.ASCII)
    except re.error as error:
        return Untranslatable(f"pattern does not compile: {error}")
