"""The HAProxy word splitter, on the cases checked against the real HAProxy 2.6 (the live suite
compares it with the binary on generated words too)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.haproxy.lexer import LexError, split_words


def words(line: str) -> list[str]:
    return [word.text for word in split_words(line)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  timeout server 30s", ["timeout", "server", "30s"]),
        ("\tbind\t:443 ssl", ["bind", ":443", "ssl"]),
        ("acl x path_beg /a # a comment", ["acl", "x", "path_beg", "/a"]),
        ("string a#b", ["string", "a"]),  # an unquoted '#' starts a comment even inside a word
        ('string "a#b"', ["string", "a#b"]),
        ("string \\#x", ["string", "#x"]),
        ("string x\\ y", ["string", "x y"]),
        ('string "a\\"b"', ["string", 'a"b']),
        ("string 'a\\b'", ["string", "a\\b"]),  # nothing is interpreted inside single quotes
        ("string \\d\\w", ["string", "\\d\\w"]),  # unknown escapes are kept for regexes
        ("string \\x41\\x4a", ["string", "AJ"]),
        ("string a\"b c\"d'e f'", ["string", "ab cde f"]),
        ("string \\$y", ["string", "\\$y"]),  # outside double quotes HAProxy keeps \$ as written
        ('string "\\$x"', ["string", "$x"]),
        ("string $HOME", ["string", "$HOME"]),  # no expansion outside double quotes
        ("deny if { path /x } \\", ["deny", "if", "{", "path", "/x", "}", "\\"]),  # no continuation lines
        ("", []),
        ("   # only a comment", []),
    ],
)
def test_words_as_haproxy_cuts_them(line: str, expected: list[str]) -> None:
    assert words(line) == expected


def test_environment_variables_are_kept_and_listed() -> None:
    [keyword, value] = split_words('timeout "${SRV_TIMEOUT}"')
    assert value.text == "${SRV_TIMEOUT}"
    assert value.env == ("SRV_TIMEOUT",)
    assert keyword.env == ()


def test_columns_and_quoted_flag() -> None:
    parsed = split_words('  http-request deny if "if"')
    assert [word.column for word in parsed] == [3, 16, 21, 24]
    assert [word.quoted for word in parsed] == [False, False, False, True]


def test_unmatched_quote_reports_the_position() -> None:
    with pytest.raises(LexError) as error:
        split_words('acl a hdr(user-agent) -m sub "x }')
    assert error.value.column == 30
    assert "unmatched quote" in str(error.value)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FF), max_size=80))
def test_any_line_either_splits_or_raises_lex_error(line: str) -> None:
    try:
        parsed = split_words(line)
    except LexError as error:
        assert 1 <= error.column <= len(line)
        return
    assert all(word.column >= 1 for word in parsed)


@pytest.mark.parametrize(("line", "column"), [('reg "^a$"', 8), ('reg "a$1"', 7), ('str "${1A}"', 6), ('str "${FOO"', 6)])
def test_a_dollar_in_double_quotes_must_start_a_variable_name(line: str, column: int) -> None:
    with pytest.raises(LexError) as error:
        split_words(line)
    assert error.value.column == column


@pytest.mark.parametrize("line", ['str "${FOO-bar}"', 'str "${FOO[*]}"', 'reg "^a\\$"', "reg '^a$'", "reg ^a$"])
def test_dollars_haproxy_accepts(line: str) -> None:
    assert len(split_words(line)) == 2


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab$# \t{}!-_./:(),=")), max_size=60))
def test_the_plain_line_fast_path_agrees_with_the_full_lexer(line: str) -> None:
    # A trailing comment holding a quote forces the full path without changing the words.
    assert split_words(line) == split_words(line + ' #"')
