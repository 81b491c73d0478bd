"""Per-rule fixtures (gixy's model): each rule has configurations that must fire it and `_fp`
configurations that must not.

Layout: `tests/rules/<RULE_ID>/<vendor>/<case>.<suffix>` fires the rule, `<case>_fp.<suffix>`
must not; the suffixes of each vendor are in `FIXTURE_SUFFIXES`, and other files beside them
(pattern files, Lua scripts, error pages) are what a fixture loads. A positive fixture declares
each finding it expects in its header comment, one line per finding, in the vendor's comment
syntax:

    # expect: EAS102 line 19          (HAProxy, F5, FortiGate, PAN-OS set commands)
    ! expect: EAS102 line 19          (Cisco ASA)
    <!-- expect: EAS102 line 19 -->   (XML: PAN-OS, Exchange web.config)

Two findings of the rule on the same line are declared twice: the lines of the rule's
findings must equal the declared lines exactly, counted with repetition. `_fp` fixtures
declare nothing.

Every HAProxy fixture is also a real configuration: HAProxy 2.6 (`haproxy -c`) must load it, except
EAS001 fixtures, which it must refuse, and EAS002 fixtures, whose declared lines it must report
(they use keywords only newer HAProxy releases know). Other rules' fixtures must not give a
parse error (EAS001) either.

A fixture that shows a bug in easlint itself stays as it should be; its findings test is
marked in CORE_BUGS (strict xfail) until the core is fixed.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from linter.findings import Finding
from linter.policy import Policy
from policies import RULES
from tests.conftest import lint_text
from tests.haproxy_support import haproxy_binary, haproxy_check

TESTS = Path(__file__).resolve().parent
RULES_DIR = TESTS / "rules"
HAPROXY = "haproxy"
HAPROXY_SERIES = "2.6"
FIXTURE_SUFFIXES = {
    "haproxy": (".cfg",),
    "f5": (".conf",),
    "asa": (".cfg",),
    "panos": (".xml", ".set"),
    "fortigate": (".conf",),
    "exchange": (".config", ".csv", ".json"),
}
_EXPECT = re.compile(r"(?:#|!|<!--)\s*expect:\s*(?P<rule>\S+)\s+line\s+(?P<line>\d+)\s*(?:-->)?")
_MALFORMED_EXPECT = re.compile(r"(?:#|!|<!--)\s*expect\b", re.IGNORECASE)
_COMMENT = ("#", "!", "<!--", "<?xml")


@dataclass(frozen=True)
class Fixture:
    path: Path
    rule: str  # the rule directory it belongs to
    vendor: str
    positive: bool  # False for `_fp` fixtures
    expected: tuple[tuple[str, int], ...]  # (rule, line) declared in the header, in order
    malformed: tuple[str, ...]  # header lines that look like declarations but do not parse

    @property
    def id(self) -> str:
        return self.path.relative_to(TESTS).as_posix()

    @property
    def expected_lines(self) -> list[int]:
        return sorted(line for _, line in self.expected)


def load_fixture(path: Path) -> Fixture:
    """The fixture and the expectations of its header (the comments before the first line of
    configuration); an expectation anywhere else is reported as malformed, not ignored."""
    expected: list[tuple[str, int]] = []
    malformed: list[str] = []
    in_header = True
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(_COMMENT):
            in_header = False
        match = _EXPECT.fullmatch(stripped)
        if match and in_header:
            expected.append((match["rule"], int(match["line"])))
        elif _MALFORMED_EXPECT.match(stripped):
            malformed.append(stripped if in_header else f"{stripped} (after the header)")
    rule, vendor_name = path.relative_to(RULES_DIR).parts[:2]
    return Fixture(path, rule, vendor_name, not path.stem.endswith("_fp"), tuple(expected), tuple(malformed))


def _fixture_paths() -> list[Path]:
    return sorted(path for path in RULES_DIR.glob("*/*/*")
                  if path.suffix in FIXTURE_SUFFIXES.get(path.parent.name, ()) and path.is_file())


FIXTURES = [load_fixture(path) for path in _fixture_paths()]
POSITIVE = [fixture for fixture in FIXTURES if fixture.positive]
FALSE_POSITIVE_CHECKS = [fixture for fixture in FIXTURES if not fixture.positive]

# Fixtures that show a bug in easlint's core: their findings test is expected to fail until the
# bug is fixed (strict, so a fix makes the suite say so). Keyed by fixture id.
CORE_BUGS: dict[str, str] = {}


def _params(fixtures: list[Fixture], known_bugs: dict[str, str] | None = None) -> list:
    params = []
    for fixture in fixtures:
        marks = []
        if known_bugs and fixture.id in known_bugs:
            marks.append(pytest.mark.xfail(strict=True, reason=known_bugs[fixture.id]))
        params.append(pytest.param(fixture, id=fixture.id, marks=marks))
    return params


_findings_cache: dict[Path, list[Finding]] = {}


def findings_of(fixture: Fixture, policy: Policy) -> list[Finding]:
    """Every finding of every rule for the fixture, pattern files read from beside it."""
    if fixture.path not in _findings_cache:
        text = fixture.path.read_text(encoding="utf-8")
        _findings_cache[fixture.path] = lint_text(fixture.vendor, text, policy, fixture.path.name, fixture.path.parent)
    return _findings_cache[fixture.path]


def _describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.rule_id} line {f.location.line}: {f.message}" for f in findings) or "  (none)"


# -- the fixture tree itself -----------------------------------------------------------------------


def test_every_rule_has_positive_and_false_positive_fixtures() -> None:
    missing = []
    for rule in RULES:
        if not any(fixture.rule == rule.id for fixture in POSITIVE):
            missing.append(f"{rule.id}: no fixture that fires it (tests/rules/{rule.id}/<vendor>/<case>.<suffix>)")
        if not any(fixture.rule == rule.id for fixture in FALSE_POSITIVE_CHECKS):
            missing.append(f"{rule.id}: no false-positive check (tests/rules/{rule.id}/<vendor>/<case>_fp.<suffix>)")
    assert not missing, "\n".join(missing)


def test_fixture_directories_are_registered_rules() -> None:
    registered = {rule.id for rule in RULES}
    unknown = sorted(path.name for path in RULES_DIR.iterdir() if path.is_dir() and path.name not in registered)
    assert not unknown, f"fixture directories for rules that are not in policies.RULES: {unknown}"
    vendors = sorted({path.name for path in RULES_DIR.glob("*/*") if path.is_dir()} - set(FIXTURE_SUFFIXES))
    assert not vendors, f"fixture directories for vendors easlint does not know: {vendors}"


@pytest.mark.parametrize("fixture", _params(FIXTURES))
def test_fixture_declares_its_expectations(fixture: Fixture) -> None:
    assert not fixture.malformed, f"unreadable expectation lines (use '# expect: RULE line N'): {fixture.malformed}"
    foreign = sorted({rule for rule, _ in fixture.expected if rule != fixture.rule})
    assert not foreign, f"a fixture declares findings of its own rule {fixture.rule} only, not {foreign}"
    if fixture.positive:
        assert fixture.expected, "a positive fixture declares at least one '# expect:' line"
        line_count = len(fixture.path.read_text(encoding="utf-8").splitlines())
        assert all(1 <= line <= line_count for line in fixture.expected_lines), "declared line outside the file"
    else:
        assert not fixture.expected, "an _fp fixture must not expect findings"


def test_known_core_bugs_name_existing_fixtures() -> None:
    ids = {fixture.id for fixture in FIXTURES}
    assert not sorted(set(CORE_BUGS) - ids)


# -- what easlint says -----------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", _params(POSITIVE, CORE_BUGS))
def test_positive_fixture_fires_rule_on_declared_lines(fixture: Fixture, policy: Policy) -> None:
    findings = findings_of(fixture, policy)
    lines = sorted(finding.location.line for finding in findings if finding.rule_id == fixture.rule)
    assert Counter(lines) == Counter(fixture.expected_lines), (
        f"{fixture.rule} findings on lines {lines}, declared {fixture.expected_lines}; all findings:\n{_describe(findings)}"
    )


@pytest.mark.parametrize("fixture", _params(FALSE_POSITIVE_CHECKS, CORE_BUGS))
def test_false_positive_fixture_does_not_fire_rule(fixture: Fixture, policy: Policy) -> None:
    findings = findings_of(fixture, policy)
    fired = [finding for finding in findings if finding.rule_id == fixture.rule]
    assert not fired, f"{fixture.rule} must not fire here:\n{_describe(fired)}"


@pytest.mark.parametrize("fixture", _params([fixture for fixture in FIXTURES if fixture.rule != "EAS001"]))
def test_fixture_has_no_parse_error(fixture: Fixture, policy: Policy) -> None:
    errors = [finding for finding in findings_of(fixture, policy) if finding.rule_id == "EAS001"]
    assert not errors, f"fixtures of {fixture.rule} must be valid configurations:\n{_describe(errors)}"


# -- what HAProxy 2.6 says -------------------------------------------------------------------------


@cache
def _haproxy_version() -> str:
    result = subprocess.run([haproxy_binary(), "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    match = re.search(r"version (\d+\.\d+(?:\.\d+)?)", result.stdout)
    assert match, f"cannot read the HAProxy version from: {result.stdout!r}"
    return match.group(1)


def _lines_reported(output: str, file_name: str) -> set[int]:
    """Lines HAProxy names in its messages ("parsing [haproxy.cfg:19] : ...")."""
    return {int(number) for number in re.findall(rf"{re.escape(file_name)}:(\d+)\]", output)}


@pytest.mark.parametrize("fixture", _params([fixture for fixture in FIXTURES if fixture.vendor == HAPROXY]))
def test_fixture_against_real_haproxy(fixture: Fixture, tmp_path: Path) -> None:
    result = haproxy_check(fixture.path, tmp_path)
    output = result.stdout
    reported = _lines_reported(output, fixture.path.name)
    if fixture.rule == "EAS001" and fixture.positive:
        assert result.returncode != 0, f"HAProxy loads this configuration, so it is no parse error:\n{output}"
        assert "[ALERT]" in output, output
        # Some errors are reported without a line (a missing backend); when HAProxy names lines,
        # they are the declared ones.
        assert not reported or reported == set(fixture.expected_lines), (
            f"HAProxy reports lines {sorted(reported)}, the fixture declares {fixture.expected_lines}:\n{output}"
        )
    elif fixture.rule == "EAS002" and fixture.positive:
        version = _haproxy_version()
        assert version.startswith(HAPROXY_SERIES + "."), (
            f"EAS002 fixtures use keywords HAProxy {HAPROXY_SERIES} does not know; found HAProxy {version}"
        )
        assert result.returncode != 0, f"HAProxy {version} knows every keyword here:\n{output}"
        assert reported == set(fixture.expected_lines), (
            f"HAProxy reports lines {sorted(reported)}, the fixture declares {fixture.expected_lines}:\n{output}"
        )
    else:
        assert result.returncode == 0, f"haproxy -c refuses {fixture.id}:\n{output}"
