"""easlint's word splitter against HAProxy's own, word by word.

HAProxy echoes a parsed word back: `http-request return status 200 content-type text/plain
string <word>` answers with exactly the bytes HAProxy made of `<word>`. Each word gets a
backend of its own (chosen by `use_backend w<N> if { path /<N> }`), so a `#` that turns the rest
of a line into a comment cannot change which rule answers. The body must equal the text
`split_words()` gives for that word on the same line.

Hypothesis writes words of printable ASCII (spaces, quotes, backslashes, `#`, `$`) with escapes
(`\\x41`, `\\n`, `\\t`, ...), quoted and unquoted; every word of one example goes into ONE
configuration and one HAProxy run. Words HAProxy refuses are dropped (`haproxy -c` names their
lines), and so are words with `$` inside double quotes (environment variables are deliberately
unknown to easlint).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from parsers.haproxy.lexer import LexError, split_words
from tests.live.harness import LiveHAProxy, haproxy_check_text, send

pytestmark = pytest.mark.live

PREFIX = "    http-request return status 200 content-type text/plain string "
PREFIX_WORDS = ["http-request", "return", "status", "200", "content-type", "text/plain", "string"]
HEADER = """\
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s

frontend fe_words
    bind :80
"""
_ALERT_LINE = re.compile(r"\[ALERT\].*?parsing \[[^\]]*:(\d+)\]")


def word_config(words: dict[int, str]) -> tuple[str, dict[int, int]]:
    """The configuration echoing each word, and the line number of each word's line."""
    lines = HEADER.splitlines()
    lines += [f"    use_backend w{key} if {{ path /{key} }}" for key in words]
    lines.append("    default_backend w_none")
    line_of: dict[int, int] = {}
    for key, word in words.items():
        lines.append(f"backend w{key}")
        lines.append(PREFIX + word)
        line_of[len(lines)] = key
    lines += ["backend w_none", "    http-request return status 404"]
    return "\n".join(lines) + "\n", line_of


def accepted_by_haproxy(words: dict[int, str], workdir: Path) -> tuple[dict[int, str], dict[int, str]]:
    """The words HAProxy accepts, and those it refuses with its message."""
    words = dict(words)
    refused: dict[int, str] = {}
    for _ in range(60):
        text, line_of = word_config(words)
        check = haproxy_check_text(text, workdir)
        if check.returncode == 0:
            return words, refused
        alerts = [line for line in check.stdout.splitlines() if "[ALERT]" in line and "parsing [" in line]
        bad = {}
        for alert in alerts:
            found = _ALERT_LINE.search(alert)
            number = int(found.group(1)) if found else None
            if number not in line_of:
                raise AssertionError(f"haproxy refuses a line that holds no generated word:\n{check.stdout}\n{text}")
            bad[line_of[number]] = alert
        if not bad:
            raise AssertionError(f"haproxy -c fails without naming a line:\n{check.stdout}")
        for key, alert in bad.items():
            refused[key] = alert
            del words[key]
    raise AssertionError("haproxy -c kept refusing after 60 rounds")


def echoed(words: dict[int, str]) -> dict[int, bytes]:
    """What HAProxy answers for each word (all accepted by `haproxy -c`)."""
    text, _ = word_config(words)
    haproxy = LiveHAProxy(text, Path(__file__).parent, "words")
    try:
        port = haproxy.port("fe_words", 80, False)
        answers = {}
        for key, word in words.items():
            answer = send(port, False, "GET", f"/{key}", [("Host", "words.example.com")], timeout=5)
            assert answer.status == 200, f"word {word!r}: {answer.describe()}"
            answers[key] = answer.body
        return answers
    finally:
        haproxy.stop()


def lexer_word(word: str) -> str:
    """The text easlint's lexer makes of `word` on its configuration line."""
    parsed = [w.text for w in split_words(PREFIX + word)]
    assert parsed[:7] == PREFIX_WORDS, parsed
    assert len(parsed) == 8, f"easlint cuts {word!r} into {parsed[7:]}"
    return parsed[7]


def dollar_in_double_quotes(word: str) -> bool:
    """Whether an unescaped `$` sits inside double quotes (HAProxy expands variables there)."""
    quote = None
    index = 0
    while index < len(word):
        char = word[index]
        if quote != "'" and char == "\\":
            index += 2
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote else char
        elif char == "$" and quote == '"':
            return True
        index += 1
    return False


# -- explicit cases ---------------------------------------------------------------------------

EXPLICIT = [
    ("a#b", "a"),  # an unquoted '#' starts a comment, even inside a word
    ("\\d", "\\d"),  # unknown escapes are kept (regexes need them)
    ('"a\\"b"', 'a"b'),
    ("'a\\b'", "a\\b"),  # nothing is interpreted inside single quotes
    ("x\\ y", "x y"),
    ("\\x41", "A"),
    ("a\"b c\"d'e f'", "ab cde f"),
    ('"\\$x"', "$x"),
    ("\\$x", "\\$x"),
    ("\\#x", "#x"),
    ('"a#b"', "a#b"),
    ("'\\x41'", "\\x41"),
    ('"\\n\\t"', "\n\t"),
    ("\\xff", "\xff"),
    ("a\\x00b", "a"),  # HAProxy's words are C strings: a NUL ends the word
]
LEXER_DISAGREES: dict[str, str] = {}  # none left: HAProxy and easlint agree on every explicit word
# Words HAProxy refuses while cutting the line (its message), which easlint's lexer must refuse too.
REFUSED = [
    ('a"b', "unmatched quote"),
    ("'\\''", "unmatched quote"),
    ("x'y", "unmatched quote"),
    ("\\x4", "truncated or invalid hexadecimal sequence"),
    ("\\xzz", "truncated or invalid hexadecimal sequence"),
]


@pytest.fixture(scope="module")
def explicit_answers() -> dict[int, bytes]:
    words = dict(enumerate(word for word, _ in EXPLICIT))
    workdir = Path(tempfile.mkdtemp(prefix="easlint-words-"))
    try:
        accepted, refused = accepted_by_haproxy(words, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert not refused, f"haproxy refuses explicit words: {refused}"
    return echoed(accepted)


@pytest.mark.parametrize(("index", "word", "expected"), [(i, w, e) for i, (w, e) in enumerate(EXPLICIT)],
                         ids=[w for w, _ in EXPLICIT])
def test_haproxy_reads_the_explicit_word_as_documented(index: int, word: str, expected: str,
                                                       explicit_answers: dict[int, bytes]) -> None:
    assert explicit_answers[index].decode("latin-1") == expected


@pytest.mark.parametrize(
    ("index", "word"),
    [pytest.param(i, w, marks=[pytest.mark.xfail(strict=True, reason=LEXER_DISAGREES[w])] if w in LEXER_DISAGREES else [])
     for i, (w, _) in enumerate(EXPLICIT)],
    ids=[w for w, _ in EXPLICIT],
)
def test_lexer_reads_the_explicit_word_as_haproxy(index: int, word: str, explicit_answers: dict[int, bytes]) -> None:
    assert lexer_word(word) == explicit_answers[index].decode("latin-1")


def test_haproxy_refuses_the_malformed_words(tmp_path: Path) -> None:
    for word, message in REFUSED:
        check = haproxy_check_text(word_config({0: word})[0], tmp_path)
        assert check.returncode != 0 and message in check.stdout, (word, check.stdout)


@pytest.mark.parametrize(
    "word",
    [w for w, _ in REFUSED],
)
def test_lexer_refuses_what_haproxy_refuses(word: str) -> None:
    with pytest.raises(LexError):
        split_words(PREFIX + word)


# -- generated words --------------------------------------------------------------------------

_HEX = "0123456789abcdefABCDEF"
_printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
# \x00 is left out: its disagreement is the explicit case "a\x00b" above.
_hex_escape = st.tuples(st.sampled_from(_HEX), st.sampled_from(_HEX)).map(lambda pair: "\\x" + "".join(pair)).filter(
    lambda escape: escape.lower() != "\\x00")
_escape = st.one_of(
    st.sampled_from(["\\n", "\\r", "\\t", "\\\\", "\\ ", "\\#", '\\"', "\\'", "\\$", "\\d", "\\w", "\\e", "\\x4", "\\xg1"]),
    _hex_escape,
)
_unquoted = st.lists(st.one_of(_printable, _printable, _escape), min_size=1, max_size=8).map("".join)
_double = _unquoted.map(lambda inner: f'"{inner}"')
_single = st.lists(_printable, min_size=1, max_size=8).map(lambda chars: "'" + "".join(chars) + "'")
WORDS = st.lists(st.one_of(_unquoted, _unquoted, _double, _single), min_size=1, max_size=3).map("".join)


# No shrinking: every step would start HAProxy again, and the failure message already names
# each word on which the two disagree.
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(WORDS, min_size=20, max_size=40))
def test_lexer_matches_haproxy_on_generated_words(words: list[str]) -> None:
    candidates = {index: word for index, word in enumerate(words) if not dollar_in_double_quotes(word)}
    workdir = Path(tempfile.mkdtemp(prefix="easlint-words-"))
    try:
        accepted, _refused = accepted_by_haproxy(candidates, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not accepted:
        return
    answers = echoed(accepted)
    mismatches = []
    for key, word in accepted.items():
        body = answers[key].decode("latin-1")
        try:
            ours = lexer_word(word)
        except (LexError, AssertionError) as error:
            ours = f"<{type(error).__name__}: {error}>"
        if ours != body:
            mismatches.append(f"{word!r}: HAProxy {body!r}, easlint {ours!r}")
    assert not mismatches, "\n".join(mismatches)
