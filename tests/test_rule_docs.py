"""The rule pages in policies/docs/ exist, have the agreed shape, and tell the truth.

Every rule in `policies.RULES` has `policies/docs/<ID>.md` with a fixed set of headings. Its
"Problematic configuration" example must make the rule fire and its "Correct configuration"
example must not (nor be a parse error), both as easlint sees them and as the real HAProxy does
(`haproxy -c`). The fix the page quotes is the fix the finding gives, and `easlint explain`
prints the page. A rule added to the registry without a page fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from linter.findings import Finding
from linter.policy import Policy
from policies import RULES
from policies.base import Rule
from tests.conftest import REPO, lint_haproxy, lint_text
from tests.haproxy_support import haproxy_check

DOCS = REPO / "policies" / "docs"
SECTIONS = (
    "What it checks",
    "Why",
    "Problematic configuration",
    "Correct configuration",
    "Fix",
    "Options",
    "Related rules",
)
EXAMPLE_SECTIONS = ("Problematic configuration", "Correct configuration")
FIREWALL_VENDORS = frozenset({"asa", "panos", "fortigate"})
# The vendor subsections an example section may have, in this order: heading -> (vendor, fence tag).
VENDOR_SUBSECTIONS = {
    "HAProxy": ("haproxy", "haproxy"),
    "F5 BIG-IP": ("f5", "tmsh"),
    "Cisco ASA": ("asa", "asa"),
    "PAN-OS": ("panos", "xml"),
    "FortiGate": ("fortigate", "fortios"),
    "Exchange": ("exchange", "xml"),
}
# Problematic examples that HAProxy itself must refuse: a parse error, and a keyword newer
# than HAProxy 2.6.
REFUSED_BY_HAPROXY = frozenset({"EAS001", "EAS002"})
NO_FIX_PHRASE = "no fix line"
RULE_ID = re.compile(r"\bEAS\d{3}\b")
_FENCE = re.compile(r"^(```+|~~~+)(.*)$")

# (rule id, example) -> reason, for an example that shows a bug in the rule itself. The
# example stays right; the test is marked xfail(strict=True) until the rule is fixed.
KNOWN_RULE_BUGS: dict[tuple[str, str], str] = {}


# -- reading a page --------------------------------------------------------------------------------


@dataclass
class CodeBlock:
    info: str
    text: str
    line: int  # line of the opening fence in the page


@dataclass
class Section:
    title: str
    level: int
    lines: list[str] = field(default_factory=list)
    blocks: list[CodeBlock] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def full_text(self) -> str:
        return "\n".join([self.text] + [f"{'#' * child.level} {child.title}\n{child.full_text()}" for child in self.children])

    def all_blocks(self) -> list[CodeBlock]:
        return self.blocks + [block for child in self.children for block in child.all_blocks()]


@dataclass
class Page:
    rule_id: str
    text: str
    headings: list[tuple[int, str]]  # every heading outside code, in order
    top: Section  # the H1 section; H2 sections are its children, H3 theirs

    def section(self, title: str) -> Section:
        found = [child for child in self.top.children if child.title == title]
        assert len(found) == 1, f"{self.rule_id}.md: expected one '## {title}' section, found {len(found)}"
        return found[0]


def parse_page(rule_id: str, text: str) -> Page:
    """Headings and fenced code blocks, ignoring `#` lines inside code (HAProxy comments)."""
    top = Section("", 0)
    stack = [top]
    headings: list[tuple[int, str]] = []
    fence: str | None = None
    block: CodeBlock | None = None
    block_lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1).startswith(fence) and not match.group(2).strip():
                assert block is not None
                block.text = "\n".join(block_lines) + "\n"
                stack[-1].blocks.append(block)
                fence, block = None, None
            else:
                block_lines.append(line)
            stack[-1].lines.append(line)
            continue
        if match:
            fence = match.group(1)
            block, block_lines = CodeBlock(match.group(2).strip(), "", number), []
            stack[-1].lines.append(line)
            continue
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2)
            headings.append((level, title))
            while stack[-1].level >= level:
                stack.pop()
            section = Section(title, level)
            stack[-1].children.append(section)
            stack.append(section)
            continue
        stack[-1].lines.append(line)
    assert fence is None, f"{rule_id}.md: a code block opened at line {block.line if block else '?'} is never closed"
    h1 = top.children[0] if top.children and top.children[0].level == 1 else Section("", 1)
    return Page(rule_id, text, headings, h1)


def page_path(rule: Rule) -> Path:
    return DOCS / f"{rule.id}.md"


@cache
def load_page(rule_id: str) -> Page:
    path = DOCS / f"{rule_id}.md"
    if not path.is_file():
        pytest.fail(f"rule {rule_id} has no documentation page: create {path.relative_to(REPO)}")
    return parse_page(rule_id, path.read_text(encoding="utf-8"))


def vendors_of(rule: Rule) -> tuple[str, ...]:
    """The vendor headings of the page's problematic examples."""
    section = load_page(rule.id).section("Problematic configuration")
    return tuple(child.title for child in section.children)


def example(rule: Rule, which: str, heading: str = "HAProxy") -> str:
    """The configuration under '## <which>' / '### <heading>'."""
    section = load_page(rule.id).section(which)
    found = [child for child in section.children if child.title == heading]
    assert len(found) == 1, f"{rule.id}.md: '## {which}' needs one '### {heading}' subsection"
    blocks = found[0].all_blocks()
    assert len(blocks) == 1, f"{rule.id}.md: '## {which}' / '### {heading}' must hold exactly one code block, found {len(blocks)}"
    tag = VENDOR_SUBSECTIONS[heading][1]
    assert blocks[0].info == tag, f"{rule.id}.md: the block under '## {which}' / '### {heading}' must be tagged ```{tag}, not {blocks[0].info!r}"
    return blocks[0].text


def lint_example(rule: Rule, which: str, heading: str, policy: Policy) -> list[Finding]:
    return lint_text(VENDOR_SUBSECTIONS[heading][0], example(rule, which, heading), policy, "example")


def findings_of(rule: Rule, findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.rule_id == rule.id]


def describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.location.line}: {f.rule_id} {f.message}" for f in findings) or "  (no findings)"


def write_example(text: str, directory: Path) -> Path:
    """The example as haproxy.cfg, with stand-ins for the Lua scripts it loads."""
    path = directory / "haproxy.cfg"
    path.write_text(text, encoding="utf-8")
    actions = sorted(set(re.findall(r"\bhttp-request\s+lua\.([\w-]+)", text)))
    for script in re.findall(r"^\s*lua-load\s+(\S+)", text, flags=re.MULTILINE):
        registrations = "".join(f'core.register_action("{name}", {{ "http-req" }}, function(txn) end)\n' for name in actions)
        (directory / Path(script).name).write_text(registrations, encoding="utf-8")
    return path


def _page_vendors(rule: Rule) -> tuple[str, ...]:
    path = DOCS / f"{rule.id}.md"
    if not path.is_file():
        return ()
    page = parse_page(rule.id, path.read_text(encoding="utf-8"))
    found = [child for child in page.top.children if child.title == "Problematic configuration"]
    return tuple(child.title for child in found[0].children if child.title in VENDOR_SUBSECTIONS) if found else ()


def _params(kind: str) -> list:
    params = []
    for rule in RULES:
        for heading in _page_vendors(rule):
            reason = KNOWN_RULE_BUGS.get((rule.id, kind)) or KNOWN_RULE_BUGS.get((f"{rule.id}/{heading}", kind))
            marks = [pytest.mark.xfail(strict=True, reason=f"core bug: {reason}")] if reason else []
            params.append(pytest.param(rule, heading, id=f"{rule.id}-{heading}", marks=marks))
    return params


ALL_RULES = [pytest.param(rule, id=rule.id) for rule in RULES]
RULE_VENDORS = _params("any")
HAPROXY_RULES = [pytest.param(rule, id=rule.id) for rule in RULES if "HAProxy" in _page_vendors(rule)]


# -- every rule has a page, every page a rule --------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULES)
def test_every_rule_has_a_page(rule: Rule) -> None:
    assert page_path(rule).is_file(), f"rule {rule.id} ({rule.name}) has no page: create policies/docs/{rule.id}.md"


def test_every_page_belongs_to_a_rule() -> None:
    ids = {rule.id for rule in RULES}
    orphans = sorted(path.name for path in DOCS.glob("*.md") if path.stem not in ids)
    assert not orphans, f"pages without a rule in policies.RULES: {orphans}"


# -- the shape of a page -------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULES)
def test_title_names_the_rule(rule: Rule) -> None:
    page = load_page(rule.id)
    first_line = page.text.splitlines()[0] if page.text else ""
    assert first_line == f"# {rule.id} {rule.name}", f"{rule.id}.md must start with '# {rule.id} {rule.name}', not {first_line!r}"
    assert [title for level, title in page.headings if level == 1] == [f"{rule.id} {rule.name}"], "exactly one '#' title"


@pytest.mark.parametrize("rule", ALL_RULES)
def test_summary_is_one_paragraph(rule: Rule) -> None:
    page = load_page(rule.id)
    paragraphs = [chunk for chunk in re.split(r"\n\s*\n", page.top.text.strip()) if chunk.strip()]
    assert len(paragraphs) == 1, f"{rule.id}.md: one summary paragraph between the title and '## {SECTIONS[0]}', found {len(paragraphs)}"


@pytest.mark.parametrize("rule", ALL_RULES)
def test_sections_in_order(rule: Rule) -> None:
    page = load_page(rule.id)
    found = tuple(title for level, title in page.headings if level == 2)
    assert found == SECTIONS, f"{rule.id}.md: '##' headings must be exactly {SECTIONS}, in this order; found {found}"
    for title in SECTIONS:
        assert page.section(title).full_text().strip(), f"{rule.id}.md: '## {title}' is empty"


@pytest.mark.parametrize("rule", ALL_RULES)
def test_examples_have_one_block_per_vendor(rule: Rule) -> None:
    page = load_page(rule.id)
    known = tuple(VENDOR_SUBSECTIONS)
    vendors = vendors_of(rule)
    assert vendors, f"{rule.id}.md: '## Problematic configuration' needs a vendor subsection (one of {known})"
    for which in EXAMPLE_SECTIONS:
        subsections = tuple(child.title for child in page.section(which).children)
        assert subsections == vendors, f"{rule.id}.md: '## {which}' must have the same vendor subsections as the problematic one {vendors}, found {subsections}"
        assert all(title in known for title in subsections), f"{rule.id}.md: vendor subsections must be among {known}, found {subsections}"
        assert list(subsections) == sorted(subsections, key=known.index), f"{rule.id}.md: vendor subsections go in the order {known}"
        assert not page.section(which).blocks, f"{rule.id}.md: code under '## {which}' belongs in a vendor subsection"
        for heading in subsections:
            example(rule, which, heading)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_why_cites_sources(rule: Rule) -> None:
    why = load_page(rule.id).section("Why").full_text()
    assert re.search(r"\]\(https://[^)\s]+\)", why), f"{rule.id}.md: '## Why' must link its sources"


@pytest.mark.parametrize("rule", ALL_RULES)
def test_options_name_the_cli_switches(rule: Rule) -> None:
    options = load_page(rule.id).section("Options").full_text()
    for switch in ("--select", "--ignore", "--fail-on"):
        assert switch in options, f"{rule.id}.md: '## Options' must say how {switch} applies"


@pytest.mark.parametrize("rule", ALL_RULES)
def test_rules_mentioned_exist(rule: Rule) -> None:
    page = load_page(rule.id)
    known = {r.id for r in RULES}
    unknown = sorted(set(RULE_ID.findall(page.text)) - known)
    assert not unknown, f"{rule.id}.md mentions rules that do not exist: {unknown}"
    related = set(RULE_ID.findall(page.section("Related rules").full_text())) - {rule.id}
    assert related, f"{rule.id}.md: '## Related rules' names no other rule"
    for target in re.findall(r"\]\((EAS\d{3})\.md\)", page.text):
        assert (DOCS / f"{target}.md").is_file(), f"{rule.id}.md links to {target}.md, which does not exist"


# -- the examples are true for easlint -----------------------------------------------------------------


@pytest.mark.parametrize(("rule", "heading"), _params("problematic"))
def test_problematic_example_fires(rule: Rule, heading: str, policy: Policy) -> None:
    findings = lint_example(rule, "Problematic configuration", heading, policy)
    assert findings_of(rule, findings), f"{rule.id} does not fire on its {heading} problematic example; findings:\n{describe(findings)}"


@pytest.mark.parametrize(("rule", "heading"), _params("correct"))
def test_correct_example_is_clean(rule: Rule, heading: str, policy: Policy) -> None:
    findings = lint_example(rule, "Correct configuration", heading, policy)
    assert not findings_of(rule, findings), f"{rule.id} fires on its {heading} correct example:\n{describe(findings)}"
    parse_errors = [finding for finding in findings if finding.rule_id == "EAS001"]
    assert not parse_errors, f"the {heading} correct example of {rule.id} has parse errors:\n{describe(parse_errors)}"


@pytest.mark.parametrize(("rule", "heading"), RULE_VENDORS)
def test_correct_example_has_no_findings_at_all(rule: Rule, heading: str, policy: Policy) -> None:
    """A page's "correct" configuration must not teach another mistake. A firewall linted alone
    always lacks HTTP visibility (EAS207); the engine drops that when a proxy of the run has the
    ActiveSync path, so it is not a mistake of a firewall page's example."""
    findings = lint_example(rule, "Correct configuration", heading, policy)
    if VENDOR_SUBSECTIONS[heading][0] in FIREWALL_VENDORS and rule.id != "EAS207":
        findings = [finding for finding in findings if finding.rule_id != "EAS207"]
    assert not findings, f"the {heading} correct example of {rule.id} has findings of other rules:\n{describe(findings)}"


@pytest.mark.parametrize(("rule", "heading"), RULE_VENDORS)
def test_fix_section_quotes_the_fix(rule: Rule, heading: str, policy: Policy) -> None:
    fix_text = load_page(rule.id).section("Fix").full_text()
    findings = findings_of(rule, lint_example(rule, "Problematic configuration", heading, policy))
    fixes = [finding.fix for finding in findings if finding.fix is not None]
    if not fixes:
        assert NO_FIX_PHRASE in fix_text, f"{rule.id} findings carry no fix: '## Fix' must say '{NO_FIX_PHRASE}'"
        return
    assert NO_FIX_PHRASE not in fix_text, f"{rule.id} findings carry a fix, but '## Fix' says '{NO_FIX_PHRASE}'"
    page_lines = {line.strip() for line in fix_text.splitlines()}
    for fix in fixes:
        missing = [line.strip() for line in fix.snippet.splitlines() if line.strip() and line.strip() not in page_lines]
        assert not missing, f"{rule.id}.md: '## Fix' does not show the fix the finding gives; missing lines: {missing}"


# -- the examples are true for HAProxy ---------------------------------------------------------------


@pytest.mark.parametrize("rule", HAPROXY_RULES)
def test_problematic_example_and_haproxy(rule: Rule, policy: Policy, tmp_path: Path) -> None:
    text = example(rule, "Problematic configuration")
    result = haproxy_check(write_example(text, tmp_path), tmp_path)
    if rule.id not in REFUSED_BY_HAPROXY:
        assert result.returncode == 0, f"haproxy -c refuses the problematic example of {rule.id}:\n{result.stdout}"
        return
    assert result.returncode != 0, f"haproxy -c accepts the problematic example of {rule.id}, which must be refused:\n{result.stdout}"
    lines = text.splitlines()
    for finding in findings_of(rule, lint_haproxy(text, policy)):
        line = finding.location.line
        assert re.search(rf"\[ALERT\].*:{line}\]", result.stdout), (
            f"{rule.id} reports line {line}, where haproxy -c reports nothing:\n{result.stdout}")
        if rule.id == "EAS002":
            keyword = lines[line - 1].split()[0]
            assert f"unknown keyword '{keyword}'" in result.stdout, f"haproxy -c does not call '{keyword}' unknown:\n{result.stdout}"


@pytest.mark.parametrize("rule", HAPROXY_RULES)
def test_correct_example_and_haproxy(rule: Rule, tmp_path: Path) -> None:
    result = haproxy_check(write_example(example(rule, "Correct configuration"), tmp_path), tmp_path)
    assert result.returncode == 0, f"haproxy -c refuses the correct example of {rule.id}:\n{result.stdout}"
    assert "[WARNING]" not in result.stdout, f"haproxy -c warns about the correct example of {rule.id}:\n{result.stdout}"


# -- easlint explain ---------------------------------------------------------------------------------


def easlint_command() -> str:
    found = shutil.which("easlint") or str(Path(sys.executable).with_name("easlint"))
    if not Path(found).is_file():
        pytest.fail("the easlint console script is not installed (pip install -e .)")
    return found


def explain(selector: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([easlint_command(), "explain", selector], check=False, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, cwd=REPO)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_explain_by_id_prints_the_page(rule: Rule) -> None:
    result = explain(rule.id)
    assert result.returncode == 0, result.stderr
    assert result.stdout == page_path(rule).read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", ALL_RULES)
def test_explain_by_name_prints_the_page(rule: Rule) -> None:
    result = explain(rule.name)
    assert result.returncode == 0, result.stderr
    assert result.stdout == page_path(rule).read_text(encoding="utf-8")


def test_explain_unknown_rule_is_a_usage_error() -> None:
    result = explain("EAS999")
    assert result.returncode == 2
    assert "EAS999" in result.stderr and "unknown rule" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
