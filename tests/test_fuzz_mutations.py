"""Whatever damage a real configuration suffers (lines lost, repeated, cut short, a word lost, a
brace, quote or keyword dropped in), checking it never ends in an internal error: every vendor's example is
mutated and run through the engine, which turns any exception into an internal error.

Line-level fuzzing of one grammar (test_fuzz.py) misses what this finds: a rule line whose only
words are a keyword and its condition (`use_backend if ...`) crashed the HAProxy parser until a
mutation of a real file produced one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.engine import check_file
from linter.files import Candidate
from linter.policy import Policy
from policies import RULES
from tests.conftest import REPO

EXAMPLES = sorted(path for path in (REPO / "examples").rglob("*") if path.is_file() and path.suffix != ".md")

# Words that matter to some vendor's reader: block and string delimiters, comments, escapes,
# condition keywords, special timer values, and numbers no device would take.
TOKENS = ["{", "}", '"', "'", "\\", "#", "[", "]", ";", "if", "unless", "else", "next", "end", "edit", "set",
          "indefinite", "immediate", "0", "-1", "99999999999999999999", "/Common/", "%[", "<", ">", "&", "\t", "é"]

mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.integers(1, 5)),
    st.tuples(st.just("repeat"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.integers(0, 200)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.integers(0, 200), st.sampled_from(TOKENS)),
    st.tuples(st.just("replace-word"), st.integers(0, 10_000), st.integers(0, 20), st.sampled_from(TOKENS)),
    st.tuples(st.just("drop-word"), st.integers(0, 10_000), st.integers(0, 20)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000)),
)


def mutate(lines: list[str], operation: tuple) -> list[str]:
    if not lines:
        return lines
    kind, at = operation[0], operation[1] % len(lines)
    line = lines[at]
    if kind == "delete":
        return lines[:at] + lines[at + operation[2]:]
    if kind == "repeat":
        return lines[:at] + [lines[operation[2] % len(lines)]] + lines[at:]
    if kind == "cut":
        return lines[:at] + [line[: operation[2] % (len(line) + 1)]] + lines[at + 1:]
    if kind == "insert":
        column = operation[2] % (len(line) + 1)
        return lines[:at] + [line[:column] + operation[3] + line[column:]] + lines[at + 1:]
    if kind == "drop-word":
        words = line.split()
        if words:
            del words[operation[2] % len(words)]
        return lines[:at] + [line[: len(line) - len(line.lstrip())] + " ".join(words)] + lines[at + 1:]
    if kind == "replace-word":
        words = line.split(" ")
        words[operation[2] % len(words)] = operation[3]
        return lines[:at] + [" ".join(words)] + lines[at + 1:]
    return lines[:at]


def test_every_vendor_has_an_example_to_mutate() -> None:
    assert {"haproxy", "f5", "asa", "panos", "fortigate", "exchange"} <= {path.parent.name for path in EXAMPLES}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(example=st.sampled_from(EXAMPLES), operations=st.lists(mutation, min_size=1, max_size=6))
def test_a_damaged_configuration_is_checked_without_an_internal_error(tmp_path_factory: pytest.TempPathFactory,
                                                                      policy: Policy, example: Path,
                                                                      operations: list[tuple]) -> None:
    lines = example.read_text(encoding="utf-8").split("\n")
    for operation in operations:
        lines = mutate(lines, operation)
    damaged = tmp_path_factory.mktemp("mutated") / example.name
    damaged.write_text("\n".join(lines), encoding="utf-8")
    result = check_file(Candidate(damaged, explicit=True), policy, RULES)
    assert result.internal_error is None, f"{example.name} after {operations}: {result.internal_error}"
    for finding in result.findings:
        assert finding.rule_id.startswith("EAS") and finding.location.line >= 1 and finding.message


def _damaged_copies(text: str):
    """The text without one of its lines, and without one word of a line, for every line and
    every word (a closing brace, a value, a keyword or an action lost in an edit)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        yield f"line {index + 1} lost", "\n".join(lines[:index] + lines[index + 1:])
        words = line.split()
        indent = line[: len(line) - len(line.lstrip())]
        for position in range(len(words) if len(words) > 1 else 0):
            kept = words[:position] + words[position + 1:]
            yield f"word {position + 1} of line {index + 1} lost", "\n".join(lines[:index] + [indent + " ".join(kept)] + lines[index + 1:])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: str(path.relative_to(REPO / "examples")))
def test_an_example_with_any_line_or_word_lost_is_checked_without_an_internal_error(tmp_path: Path, policy: Policy,
                                                                                    example: Path) -> None:
    damaged = tmp_path / example.name
    failures = []
    for damage, text in _damaged_copies(example.read_text(encoding="utf-8")):
        damaged.write_text(text, encoding="utf-8")
        result = check_file(Candidate(damaged, explicit=True), policy, RULES)
        if result.internal_error is not None:
            failures.append(f"{damage}: {result.internal_error}")
    assert not failures, "\n".join(failures[:10])
