"""The tmsh reader: stanzas and their bodies, as BIG-IP writes them and as people break them."""

from __future__ import annotations

import time

import pytest

from parsers.f5.tmsh import Node, parse_body, split_stanzas
from tests.conftest import CORPUS


def _body(text: str) -> list[Node]:
    split = split_stanzas("bigip.conf", text)
    assert len(split.stanzas) == 1, split.problems
    problems = []
    body = parse_body(split.stanzas[0], problems)
    assert not problems, problems
    return body


def _shape(nodes: list[Node]) -> list:
    return [(node.words, node.line, _shape(node.block) if node.block is not None else None) for node in nodes]


VIRTUAL = """ltm virtual /Common/vs {
    destination /Common/10.1.1.10:443
    profiles {
        /Common/http { }
        /Common/tcp {
            context clientside
        }
    }
    vlans { /Common/external /Common/internal }
}
"""


def test_nested_blocks_keep_their_lines() -> None:
    assert _shape(_body(VIRTUAL)) == [
        (["destination", "/Common/10.1.1.10:443"], 2, None),
        (["profiles"], 3, [(["/Common/http"], 4, []), (["/Common/tcp"], 5, [(["context", "clientside"], 6, None)])]),
        (["vlans"], 9, [(["/Common/external", "/Common/internal"], 9, None)]),
    ]


def test_blocks_on_one_line_equal_blocks_over_lines() -> None:
    """tmsh writes small blocks on one line (`profiles { /Common/http { } ... }`, `ltm node n { address a }`)."""
    body = _body("ltm virtual /Common/vs {\n    profiles { /Common/http { } /Common/tcp { context clientside } }\n}\n")
    profiles = body[0].block
    assert [node.words for node in profiles] == [["/Common/http"], ["/Common/tcp"]]
    assert profiles[1].block[0].words == ["context", "clientside"]
    assert [node.words for node in _body("ltm node /Common/mbx01 { address 10.0.10.11 }\n")] == [["address", "10.0.10.11"]]


def test_quoted_values_with_escapes_braces_and_newlines() -> None:
    text = ('ltm monitor https /Common/eas {\n'
            '    send "GET /Microsoft-Server-ActiveSync/healthcheck.htm HTTP/1.1\\r\\nHost: {x} \\"q\\"\\r\\n"\n'
            '    description "two\nlines { }"\n'
            '    recv "200 OK"\n'
            '}\n')
    body = _body(text)
    assert body[0].words == ["send", 'GET /Microsoft-Server-ActiveSync/healthcheck.htm HTTP/1.1\\r\\nHost: {x} \\"q\\"\\r\\n']
    assert body[1].words == ["description", "two\nlines { }"] and body[1].line == 3
    assert body[2].words == ["recv", "200 OK"] and body[2].line == 5 and body[2].quoted == (False, True)


def test_comments_and_empty_blocks() -> None:
    text = "ltm profile netflow /Common/nf {}\nltm pool /Common/p {\n    # members follow\n    members { }\n}\n"
    split = split_stanzas("bigip.conf", text)
    assert [stanza.header for stanza in split.stanzas] == [["ltm", "profile", "netflow", "/Common/nf"], ["ltm", "pool", "/Common/p"]]
    assert parse_body(split.stanzas[0], []) == []
    assert [node.words for node in parse_body(split.stanzas[1], [])] == [["members"]]


def test_irule_body_with_braces_in_strings_and_column_zero_blocks() -> None:
    text = """ltm rule /Common/r {
when HTTP_REQUEST {
    if { [HTTP::header value "X"] eq "\\{" } {
        set a [scan [virtual name] {/a/b_%[^_]_%s}]
    }
}
}
ltm pool /Common/after {
    members { }
}
"""
    split = split_stanzas("bigip.conf", text)
    assert [(stanza.name, stanza.line, stanza.end_line) for stanza in split.stanzas] == [("/Common/r", 1, 7), ("/Common/after", 8, 10)]
    body, line = split.stanzas[0].body_text()
    assert line == 2 and body.startswith("when HTTP_REQUEST {") and body.rstrip().endswith("}")


def test_unbalanced_irule_runs_into_next_object_and_is_cut() -> None:
    text = """ltm rule /Common/broken {
when HTTP_REQUEST {
    # a comment with an open brace {
    reject
}
}
ltm virtual /Common/vs {
    destination /Common/10.1.1.10:443
}
"""
    split = split_stanzas("bigip.conf", text)
    assert [stanza.name for stanza in split.stanzas] == ["/Common/broken", "/Common/vs"]
    assert [(problem.code, problem.line) for problem in split.problems] == [("EAS001", 1)]
    assert "line 7" in split.problems[0].message


def test_missing_close_and_unterminated_quote_are_reported_with_lines() -> None:
    split = split_stanzas("bigip.conf", "ltm pool /Common/p {\n    members {\n")
    assert [(problem.code, problem.line) for problem in split.problems] == [("EAS001", 1)]
    split = split_stanzas("bigip.conf", 'ltm pool /Common/p {\n    description "never closed\n}\nltm pool /Common/q {\n}\n')
    assert split.problems and split.problems[0].code == "EAS001"


def test_lines_outside_objects_are_one_report() -> None:
    split = split_stanzas("bigip.conf", "ltm pool /Common/p {\n}\n!\nrouter bgp 65001\n neighbor 10.0.0.1 remote-as 65002\n")
    assert [(problem.code, problem.line) for problem in split.problems] == [("EAS002", 3)]
    assert "3 line(s)" in split.problems[0].message


HOSTILE = {
    "empty": "",
    "binary": "\x00\x01\x02binary",
    "open braces": "{" * 5000,
    "close braces": "}" * 5000,
    "quotes": '"' * 5001,
    "escaped quotes in a header": "ltm a {" + '\\"' * 20000,
    "escaped quotes in a value": "ltm pool /Common/p {\n    description " + '\\"' * 20000 + "\n}\n",
    "deep nesting": "ltm virtual x {\n" + "    a {\n" * 3000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_read_quickly_without_error(text: str) -> None:
    start = time.perf_counter()
    split = split_stanzas("bigip.conf", text)
    for stanza in split.stanzas:
        parse_body(stanza, [])
    assert time.perf_counter() - start < 2


def test_reading_is_linear() -> None:
    """Doubling the input about doubles the time: no quadratic slicing or backtracking."""
    block = "".join(f'ltm pool /Common/p{i} {{\n    description "pool {i}"\n    members {{\n        /Common/10.0.0.{i % 250}:443 {{\n'
                    f'            address 10.0.0.{i % 250}\n        }}\n    }}\n}}\n' for i in range(2000))

    def cost(text: str) -> float:
        start = time.perf_counter()
        for stanza in split_stanzas("bigip.conf", text).stanzas:
            parse_body(stanza, [])
        return time.perf_counter() - start

    small = min(cost(block) for _ in range(3))
    large = min(cost(block * 4) for _ in range(3))
    assert large < small * 8, (small, large)


@pytest.mark.skipif(not (CORPUS / "f5").is_dir(), reason="../shared/corpus is not present")
@pytest.mark.parametrize("path", sorted((CORPUS / "f5").glob("*")) if (CORPUS / "f5").is_dir() else [], ids=lambda path: path.name)
def test_corpus_files_split_without_parse_errors(path) -> None:
    split = split_stanzas(path.name, path.read_text(errors="replace"))
    assert not [problem for problem in split.problems if problem.code == "EAS001"]
    assert split.stanzas


ONE_LINE_STANZAS = """ltm node /Common/mbx01 { address 10.0.10.11 }
ltm pool /Common/exchange_pool { members { /Common/mbx01:443 { address 10.0.10.11 } } }
ltm profile tcp /Common/eas-tcp { defaults-from /Common/tcp idle-timeout 3600 }
ltm pool /Common/web_pool { load-balancing-mode least-connections-member monitor /Common/https members { /Common/web01:443 { address 10.0.20.11 } } }
ltm virtual /Common/exchange_vs { destination /Common/203.0.113.20:443 ip-protocol tcp pool /Common/exchange_pool profiles { /Common/eas-tcp { } /Common/http { } /Common/clientssl { context clientside } } }
"""


def test_one_line_stanzas_are_read_on_the_fast_path_one_property_per_statement(monkeypatch) -> None:
    """tmsh accepts a whole object on one line, several properties in a row: each is a statement,
    as in the saved layout, and the fast path reads them (the exact reader is never called)."""
    import parsers.f5.tmsh as tmsh

    def exact_reader_called(*args: object) -> int:
        raise AssertionError("the exact reader ran on one-line stanzas")

    monkeypatch.setattr(tmsh, "_read_span", exact_reader_called)
    split = split_stanzas("bigip.conf", ONE_LINE_STANZAS)
    assert [(stanza.name, stanza.line, stanza.end_line) for stanza in split.stanzas] == [
        ("/Common/mbx01", 1, 1), ("/Common/exchange_pool", 2, 2), ("/Common/eas-tcp", 3, 3), ("/Common/web_pool", 4, 4),
        ("/Common/exchange_vs", 5, 5)]
    bodies = [parse_body(stanza, []) for stanza in split.stanzas]
    assert _shape(bodies[1]) == [(["members"], 2, [(["/Common/mbx01:443"], 2, [(["address", "10.0.10.11"], 2, None)])])]
    assert [node.words for node in bodies[2]] == [["defaults-from", "/Common/tcp"], ["idle-timeout", "3600"]]
    assert [node.words for node in bodies[3]] == [["load-balancing-mode", "least-connections-member"],
                                                  ["monitor", "/Common/https"], ["members"]]
    assert [node.words for node in bodies[4]] == [["destination", "/Common/203.0.113.20:443"], ["ip-protocol", "tcp"],
                                                  ["pool", "/Common/exchange_pool"], ["profiles"]]
    assert [node.words for node in bodies[4][3].block] == [["/Common/eas-tcp"], ["/Common/http"], ["/Common/clientssl"]]


def test_one_line_stanzas_make_the_same_device_as_the_saved_layout() -> None:
    from parsers.f5 import parse

    device = parse("bigip.conf", ONE_LINE_STANZAS)
    assert not device.diagnostics
    listener = device.listeners[0]
    assert listener.l7 and listener.default_pool == "/Common/exchange_pool"
    assert [(timer.kind.value, timer.seconds, timer.applies_to) for timer in listener.timers] == [
        ("client-idle", 3600, "ltm profile tcp /Common/eas-tcp"), ("server-idle", 3600, "ltm profile tcp /Common/eas-tcp")]
    assert [member.address for pool in device.pools for member in pool.members] == ["10.0.10.11", "10.0.20.11"]


def test_a_list_block_on_one_line_keeps_every_item() -> None:
    body = _body("ltm virtual /Common/vs {\n    vlans { /Common/external /Common/internal /Common/dmz /Common/mgmt }\n"
                 "    rules { r1 r2 r3 r4 }\n}\n")
    assert body[0].items() == ["/Common/external", "/Common/internal", "/Common/dmz", "/Common/mgmt"]
    assert body[1].items() == ["r1", "r2", "r3", "r4"]
