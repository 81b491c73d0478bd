"""The tmsh reader's fast paths give exactly what its exact readers give, on generated text.

`split_stanzas` takes a chunk between two module headers as one stanza without walking its
lines when it is in BIG-IP's saved layout, and `parse_body` reads most lines without the
tokenizer. Both must agree with the exact readers (`_read_span` over every line, the one-regex
`_tokenized_body`) on any text: the standard layout, and what people and other tools write
(one-line stanzas and blocks, odd indentation, tabs, CRLF, comments, quoted strings with
escapes, braces or newlines, iRules, unbalanced braces, stray lines).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.f5.tmsh import (
    Node, Problem, SplitResult, Stanza, _layout_body, _read_span, _tokenized_body, split_stanzas,
)

WORD = st.sampled_from(["address", "10.0.0.1", "/Common/tcp", "/Common/n:80", "context", "clientside", "idle-timeout",
                        "3600", "defaults-from", "members", "a#b", "x", "enabled", "any6.443", "%1"])
QUOTED = st.sampled_from(['"web app"', '"200 OK"', '"a { b"', '"GET / HTTP/1.1\\r\\nHost: x\\r\\n"', '"say \\"hi\\""',
                          '"two\nlines"', '"}"', '""', '"# not a comment"'])
INDENT = st.sampled_from(["    ", "    ", "    ", "  ", "\t", "", "     "])


@st.composite
def statements(draw, depth: int = 1) -> list[str]:
    """Body lines of one statement at `depth` (mostly the saved layout, sometimes not)."""
    indent = "    " * depth if draw(st.integers(0, 9)) else draw(INDENT)
    words = " ".join(draw(st.lists(WORD, min_size=1, max_size=3)))
    shape = draw(st.sampled_from(["leaf", "leaf", "quoted", "block", "empty", "inline", "comment", "blank", "tail-comment"]))
    if shape == "leaf":
        return [indent + words]
    if shape == "quoted":
        return [f"{indent}{words} {draw(QUOTED)}"]
    if shape == "empty":
        return [indent + words + draw(st.sampled_from([" { }", " {}", "{ }"]))]
    if shape == "inline":
        inner = " ".join(draw(st.lists(WORD, min_size=0, max_size=3)))
        nested = draw(st.sampled_from(["", f" {{ {inner} }}", " { context all }"]))
        return [f"{indent}{words} {{ {inner}{nested} }}"]
    if shape == "comment":
        return [indent + "# " + words]
    if shape == "blank":
        return [draw(st.sampled_from(["", "   "]))]
    if shape == "tail-comment":
        return [indent + words + " # " + words]
    if depth >= 3:
        return [indent + words]
    children = [line for _ in range(draw(st.integers(0, 3))) for line in draw(statements(depth + 1))]
    return [indent + words + " {", *children, indent + "}"]


@st.composite
def stanzas(draw) -> str:
    header = draw(st.sampled_from(["ltm pool /Common/p", "ltm virtual /Common/vs", "ltm profile tcp /Common/t",
                                   "sys global-settings", "net vlan /Common/v", "ltm node n1"]))
    shape = draw(st.sampled_from(["saved", "saved", "saved", "one-line", "empty", "irule", "unbalanced", "stray"]))
    if shape == "one-line":
        inner = draw(st.sampled_from(["address 10.0.0.1", "members { /Common/n:80 { address 10.0.0.1 } }",
                                      "defaults-from /Common/tcp idle-timeout 3600", 'description "x { y"']))
        return f"{header} {{ {inner} }}"
    if shape == "empty":
        return header + draw(st.sampled_from([" { }", " {}"]))
    if shape == "irule":
        body = draw(st.sampled_from([
            "when HTTP_REQUEST {\n    if { [HTTP::header \"User-Agent\"] contains \"x\" } { reject }\n}",
            "when HTTP_REQUEST {\n    # a comment {\n    set a \"\\{\"\n    reject\n}",
            "when HTTP_REQUEST {\nHTTP::respond 403 content \"{\"\n}",
        ]))
        return f"ltm rule /Common/r {{\n{body}\n}}"
    body = [line for _ in range(draw(st.integers(0, 4))) for line in draw(statements())]
    close = "}"
    if shape == "unbalanced":
        close = draw(st.sampled_from(["", "}\n}", "    }"]))
    lines = [header + " {", *body, close]
    if shape == "stray":
        lines.append(draw(st.sampled_from(["!", "router bgp 65001", "    stray value", "}"])))
    return "\n".join(lines)


@st.composite
def files(draw) -> str:
    text = "\n".join(draw(st.lists(stanzas(), min_size=1, max_size=5)))
    if draw(st.booleans()):
        text = "#TMSH-VERSION: 15.1.8\n\n" + text
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    return text + draw(st.sampled_from(["\n", "", "\n\n"]))


def _exact_split(text: str) -> SplitResult:
    result = SplitResult()
    lines = text.split("\n")
    _read_span("bigip.conf", lines, 0, len(lines), result)
    return result


def _stanza_view(stanza: Stanza) -> tuple:
    return stanza.header, stanza.line, stanza.end_line, stanza.tcl, stanza.body_text()


def _problem_view(problems: list[Problem]) -> list[tuple]:
    return [(problem.code, problem.message, problem.line) for problem in problems]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_fast_split_equals_exact_split(text: str) -> None:
    fast, exact = split_stanzas("bigip.conf", text), _exact_split(text)
    assert [_stanza_view(stanza) for stanza in fast.stanzas] == [_stanza_view(stanza) for stanza in exact.stanzas]
    assert _problem_view(fast.problems) == _problem_view(exact.problems)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_fast_body_equals_exact_body(text: str) -> None:
    for stanza in split_stanzas("bigip.conf", text).stanzas:
        if stanza.tcl:
            continue
        body, line = stanza.body_text()
        what = " ".join(stanza.header)
        fast_problems: list[Problem] = []
        exact_problems: list[Problem] = []
        fast = _layout_body(body, line, what, fast_problems)
        exact = _tokenized_body(body, line, what, exact_problems)
        if fast is not None:
            assert fast == exact
            assert _problem_view(fast_problems) == _problem_view(exact_problems)


def test_the_fast_paths_take_the_saved_layout(monkeypatch) -> None:
    """On BIG-IP's own layout neither fast path hands over to the exact reader (else they would
    agree with it only by never running)."""
    import parsers.f5.tmsh as tmsh

    def exact_reader_called(*args: object) -> int:
        raise AssertionError("the exact reader ran on the saved layout")

    monkeypatch.setattr(tmsh, "_read_span", exact_reader_called)
    text = ('ltm pool /Common/p {\n    description "mail pool"\n    members {\n        /Common/n:443 {\n'
            '            address 10.0.0.1\n        }\n    }\n    monitor /Common/https\n}\n'
            'ltm virtual /Common/vs {\n    destination /Common/10.0.0.9:443\n    profiles {\n        /Common/tcp { }\n'
            '        /Common/clientssl {\n            context clientside\n        }\n    }\n}\n')
    split = split_stanzas("bigip.conf", text)
    assert [(stanza.name, stanza.line, stanza.end_line) for stanza in split.stanzas] == [("/Common/p", 1, 9), ("/Common/vs", 10, 18)]
    body, line = split.stanzas[1].body_text()
    assert _layout_body(body, line, "ltm virtual /Common/vs", []) == [
        Node(["destination", "/Common/10.0.0.9:443"], 11),
        Node(["profiles"], 12, [Node(["/Common/tcp"], 13, [], 13),
                                Node(["/Common/clientssl"], 14, [Node(["context", "clientside"], 15)], 16)], 17),
    ]
