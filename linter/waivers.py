"""Waivers: findings accepted on purpose, each with a reason and, if wanted, a review date.

Two places hold them. An inline waiver is a comment in the device configuration, in the
vendor's own comment syntax, on the line before the object it accepts:

    # easlint: disable=EAS102,timeout-implicit-default reason="idle timer owned by the appliance" until=2027-03-31
    ! easlint: disable=EAS102 reason="..."                 (Cisco ASA)
    <!-- easlint: disable=EAS102 reason="..." -->         (XML: PAN-OS, Exchange web.config)

`disable-file=` anywhere in a file accepts the rules for the whole file. A central waiver is an
entry of the configuration's `waivers:` list (rule, file glob, optional object path), for
device exports that drop comments.

What users of other linters asked for shaped the semantics (../shared/research/anchors.md §3):
- a CI gate can switch inline waivers off entirely (`inline=False`, `--no-inline-waivers`;
  Checkov #2179 and #4027 answered "only in the paid platform");
- a reason is mandatory and `until` expires: past it the waiver is EAS005 and the finding comes
  back, so an accepted risk is reviewed instead of forgotten;
- a waiver that suppresses nothing is EAS004, so a stale one cannot swallow the next finding;
- waived findings are not dropped but marked (`Finding.suppression`), so reports show and count
  them (ansible-lint #3068);
- several waiver comments stacked above one line all apply to it (KICS #6104).

A waiver covers a finding of a rule it names when the finding is located on the line the waiver
covers, or its evidence points there (a waiver above `frontend fe_exchange` covers findings
that name the frontend as the path they were found on). Reading waivers is a scan of the file
text for the marker, so files without waivers cost one substring search.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from linter.findings import Evidence, Finding, Fix, Suppression
from linter.model import Location
from policies import RULES
from policies.base import Rule
from policies.waiver_rules import INVALID_WAIVER, UNUSED_WAIVER, WAIVER_RULES

__all__ = ["CentralWaiver", "CommentSyntax", "FileWaivers", "Problem", "Waiver", "apply_waivers", "central_waiver",
           "comment_syntax", "read_inline_waivers"]

WAIVER_RULE_IDS = frozenset(rule.id for rule in WAIVER_RULES)
REASON_PLACEHOLDER = "<why the finding is accepted>"
DATE_PLACEHOLDER = "<next review date, YYYY-MM-DD>"
RULE_PLACEHOLDER = "<RULE>"
MISPLACED = "stands at the end of a configuration line: write it as a comment line of its own, on the line before the object"
KEYS = ("disable", "disable-file", "reason", "until")
MAX_NEARBY_EVIDENCE = 3

MARKER = "easlint"  # looked for in the lower-cased text: a plain substring search is the cheapest test
_DIRECTIVE = re.compile(r"easlint\s*:", re.IGNORECASE)
_PAIR = re.compile(r"""([A-Za-z][\w-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']+)(?=\s|$)""")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- comment syntax per vendor ------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentSyntax:
    """How a configuration writes a comment line: `opener` starts it, `closer` (XML) ends it;
    `also` are further line prefixes the device reads as comments, skipped when looking for
    the line a waiver covers."""

    opener: str
    closer: str = ""
    also: tuple[str, ...] = ()

    def is_comment(self, stripped: str) -> bool:
        return stripped.startswith((self.opener, *self.also))


HASH = CommentSyntax("#")
# Cisco ASA: `show running-config` separates blocks with `!` lines and starts with `: Saved`
# lines; a line starting with ':' is a comment to the ASA CLI (Cisco ASA CLI configuration
# guide, appendix "Using the Command-Line Interface", sections "Adding Comments" and "Text
# Configuration Files": https://www.cisco.com/c/en/us/td/docs/security/asa/asa81/config/guide/config/cli.html).
# Waivers are written with `!`, which survives in a config kept under version control.
BANG = CommentSyntax("!", also=(":",))
XML = CommentSyntax("<!--", "-->")


def comment_syntax(vendor: str, text: str) -> CommentSyntax | None:
    """The comment syntax of a file of `vendor`, or None when the format has no comments.

    XML is told by content, not by vendor: PAN-OS exports both XML and `set` commands, and
    an Exchange web.config is XML while its PowerShell exports (JSON, CSV) have no comments.
    HAProxy, F5 tmsh, FortiOS, PAN-OS `set` and NGINX write `#`.
    """
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if head == "<":
        return XML
    if head in ("{", "[") or vendor == "exchange":
        return None
    return BANG if vendor == "asa" else HASH


# -- waivers and where they apply ------------------------------------------------------------------


@dataclass(frozen=True)
class LineScope:
    """An inline `disable=`: the first line after it that is neither blank nor a comment."""

    file: str
    line: int | None  # None: no configuration line follows the waiver
    text: str = ""

    def describe(self) -> str:
        return f"line {self.line} ({self.text})" if self.line is not None else "nothing (no configuration line follows it)"


@dataclass(frozen=True)
class FileScope:
    """An inline `disable-file=`: the whole file it is written in."""

    file: str

    def describe(self) -> str:
        return f"the whole of {self.file}"


@dataclass(frozen=True)
class CentralScope:
    """A central waiver: files matching `glob` (relative to the configuration file's directory
    unless absolute, as the configuration's other globs; `*` and `?` stay within a directory,
    `**/` spans any number of them), and optionally only findings on the object with exactly
    that path."""

    glob: str
    object_path: str | None
    regex: re.Pattern[str] = field(compare=False, repr=False)  # over absolute '/'-separated paths

    def describe(self) -> str:
        where = f"files matching '{self.glob}'"
        return where + (f", object '{self.object_path}'" if self.object_path is not None else "")

    def matches_file(self, file: str) -> bool:
        return self.regex.match(Path(os.path.abspath(file)).as_posix()) is not None


Scope = LineScope | FileScope | CentralScope


class Problem(str, enum.Enum):
    """What can be wrong with a waiver; the kinds are the attribute of its EAS005 finding."""

    UNREADABLE = "unreadable"  # bad syntax, unknown key or rule, misplaced
    NO_REASON = "no reason"
    BAD_DATE = "bad date"
    EXPIRED = "expired"


Problems = tuple[tuple[Problem, str], ...]


@dataclass(frozen=True)
class Waiver:
    """One waiver as written. `errors` are what is wrong with it as read (missing reason,
    unknown rule, bad date, bad syntax); a waiver with errors, or past its `until`, suppresses
    nothing. `selectors` are the rules as written (ids or names), `rules` the ids they name."""

    kind: str  # "inline" or "central"
    location: Location
    text: str
    scope: Scope
    selectors: tuple[str, ...]
    rules: tuple[str, ...]
    reason: str | None
    until: date | None
    errors: Problems = ()
    syntax: CommentSyntax | None = None  # inline: to write a corrected comment in a fix
    indent: str = ""

    def problems(self, today: date) -> Problems:
        if self.until is not None and self.until < today:
            return (*self.errors, (Problem.EXPIRED, f"expired on {self.until.isoformat()} (today is {today.isoformat()})"))
        return self.errors

    def suppression(self) -> Suppression:
        until = self.until.isoformat() if self.until is not None else None
        return Suppression(self.kind, self.reason or "", self.location, until)

    @property
    def device(self) -> str:
        """Waiver findings belong to the file the waiver is written in (the config file for central ones)."""
        return self.location.file

    @property
    def object_path(self) -> str:
        if isinstance(self.scope, LineScope):
            return f"inline waiver before '{self.scope.text}'" if self.scope.line is not None else "inline waiver at the end of the file"
        if isinstance(self.scope, FileScope):
            return "inline waiver for the whole file"
        return f"central waiver for {self.scope.describe()}"


@dataclass(frozen=True)
class FileWaivers:
    """The inline waivers of one file: read where the file is read (a worker process), applied
    once all findings of the run are known."""

    path: str
    waivers: tuple[Waiver, ...] = ()


@dataclass(frozen=True)
class CentralWaiver:
    """One entry of the configuration's `waivers:` list as the config loader read it;
    `location` is the entry's line in the configuration file, and `file_glob` is relative to
    that file's directory. `until` may be a date (YAML reads one) or text (checked here)."""

    rule: str
    file_glob: str
    object_path: str | None
    reason: str | None
    until: date | str | None
    location: Location


# -- reading waivers ---------------------------------------------------------------------------------


_RULE_IDS = {rule.id: rule for rule in RULES}
_RULE_NAMES = {rule.name: rule for rule in RULES}


def _resolve(selector: str) -> Rule | None:
    return _RULE_IDS.get(selector.upper()) or _RULE_NAMES.get(selector.lower())


def _closest(selector: str) -> str | None:
    """The rule id or name a misspelt selector most likely means."""
    import difflib  # only for a rule name that matches none

    close = difflib.get_close_matches(selector.upper(), list(_RULE_IDS), n=1) or \
        difflib.get_close_matches(selector.lower(), list(_RULE_NAMES), n=1)
    return close[0] if close else None


def _unknown_rule(selector: str) -> str:
    close = _closest(selector)
    hint = f" (did you mean {close}?)" if close else " (see 'easlint rules')"
    return f"unknown rule '{selector}'{hint}"


@dataclass(frozen=True)
class _Rules:
    selectors: tuple[str, ...]
    ids: tuple[str, ...]
    errors: Problems


def _read_rules(value: str) -> _Rules:
    selectors = tuple(part.strip() for part in value.split(","))
    ids: list[str] = []
    errors: list[tuple[Problem, str]] = []
    for selector in selectors:
        rule = _resolve(selector) if selector else None
        if not selector:
            errors.append((Problem.UNREADABLE, f"empty rule name in '{value}'"))
        elif rule is None:
            errors.append((Problem.UNREADABLE, _unknown_rule(selector)))
        elif rule.id in WAIVER_RULE_IDS:
            errors.append((Problem.UNREADABLE,
                           f"{rule.id} ({rule.name}) cannot be waived: it reports on waivers; use --ignore {rule.id}"))
        elif rule.id not in ids:
            ids.append(rule.id)
    return _Rules(tuple(s for s in selectors if s), tuple(ids), tuple(errors))


def _read_until(value: date | str | None) -> tuple[date | None, Problems]:
    """The date and, when it is not one, what is wrong."""
    if value is None or isinstance(value, date):
        return value, ()
    text = value.strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text), ()
    except ValueError:
        pass
    return None, ((Problem.BAD_DATE, f"until '{value}' is not a date (write YYYY-MM-DD, e.g. until=2027-03-31)"),)


def _unquote(raw: str) -> str:
    if raw.startswith('"'):
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if raw.startswith("'"):
        return raw[1:-1]
    return raw


def _pairs(body: str) -> tuple[dict[str, str], list[str]]:
    """The `key=value` pairs of a directive, and what could not be read. An unquoted reason
    that runs on over several words (the commonest slip) is read whole, so the fix can quote it."""
    pairs: dict[str, str] = {}
    errors: list[str] = []
    position = 0
    last_bare: str | None = None  # the key of the previous pair when its value was not quoted
    while True:
        while position < len(body) and body[position].isspace():
            position += 1
        if position >= len(body):
            return pairs, errors
        match = _PAIR.match(body, position)
        if match is None:
            rest = body[position:]
            next_pair = re.search(r"(?:^|(?<=\s))[A-Za-z][\w-]*=", rest)
            words = rest[: next_pair.start()].rstrip() if next_pair else rest.rstrip()
            if words and last_bare == "reason" and not re.search(r"[\"']", words):
                pairs["reason"] += " " + words
                errors.append(f'a reason with spaces must be quoted: reason="{pairs["reason"]}"')
                position += len(words)
                continue
            if re.match(r"""[\w-]+=["']""", rest):
                errors.append(f"a quoted value is not closed in '{rest}'")
            else:
                token = rest.split()[0]
                hint = ("; separate rules by commas without spaces" if _resolve(token.strip(",")) is not None
                        else "; write key=value and quote a value that has spaces")
                errors.append(f"cannot read '{token}'{hint}")
            return pairs, errors
        key, raw = match.groups()
        if key in pairs:
            errors.append(f"'{key}' is given twice")
        pairs[key] = _unquote(raw)
        last_bare = None if raw[0] in "\"'" else key
        position = match.end()


def _directive(body: str, location: Location, scope_for: Callable[[bool], Scope], syntax: CommentSyntax, indent: str,
               text: str, misplaced: tuple[str, ...] = ()) -> Waiver:
    """A waiver from the text after `easlint:`."""
    pairs, errors = _pairs(body)
    errors = list(misplaced) + errors
    unknown = [key for key in pairs if key not in KEYS]
    if unknown:
        errors.append(f"unknown key {', '.join(repr(key) for key in unknown)} (allowed: {', '.join(KEYS)})")
    kinds = [key for key in ("disable", "disable-file") if key in pairs]
    if not kinds:
        errors.append("names no rules: write disable=RULE[,RULE...] or disable-file=RULE[,RULE...]")
    elif len(kinds) == 2:
        errors.append("give either disable= or disable-file=, not both")
    rules = _read_rules(pairs[kinds[0]]) if kinds else _Rules((), (), ())
    until, until_errors = _read_until(pairs.get("until"))
    reason = pairs.get("reason", "").strip() or None
    missing = ((Problem.NO_REASON, 'has no reason: add reason="..." saying why the finding is accepted'),) if reason is None else ()
    problems = tuple((Problem.UNREADABLE, error) for error in errors) + rules.errors + until_errors + missing
    return Waiver("inline", location, text, scope_for(kinds == ["disable-file"]), rules.selectors, rules.ids, reason,
                  until, problems, syntax, indent)


class _Lines:
    """The lines of a file, numbered as the parsers number them (`str.splitlines`)."""

    def __init__(self, text: str, syntax: CommentSyntax) -> None:
        self.lines = text.removeprefix("\ufeff").splitlines()
        self.syntax = syntax

    def next_config_line(self, index: int) -> int | None:
        """The index of the first line after `index` that is not blank or a comment."""
        in_xml_comment = False
        for number in range(index + 1, len(self.lines)):
            stripped = self.lines[number].strip()
            if in_xml_comment:
                in_xml_comment = self.syntax.closer not in stripped
                continue
            if not stripped:
                continue
            if self.syntax.is_comment(stripped):
                in_xml_comment = bool(self.syntax.closer) and self.syntax.closer not in stripped[len(self.syntax.opener):]
                continue
            return number
        return None


def read_inline_waivers(path: str, text: str, vendor: str) -> FileWaivers:
    """The waiver comments of one file (`path` as findings name it)."""
    syntax = comment_syntax(vendor, text)
    if syntax is None or MARKER not in text.lower():
        return FileWaivers(path)
    lines = _Lines(text, syntax)
    waivers: list[Waiver] = []
    for index, line in enumerate(lines.lines):
        if MARKER not in line.lower():
            continue
        waiver = _waiver_on_line(path, lines, index, line, syntax)
        if waiver is not None:
            waivers.append(waiver)
    return FileWaivers(path, tuple(waivers))


def _waiver_on_line(path: str, lines: _Lines, index: int, line: str, syntax: CommentSyntax) -> Waiver | None:
    stripped = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    location = Location(path, index + 1, len(indent) + 1)
    if stripped.startswith(syntax.opener):
        comment, extra = stripped[len(syntax.opener):], ()
        target = lines.next_config_line(index)
    else:
        trailing = re.search(re.escape(syntax.opener) + r"\s*easlint\s*:", line, re.IGNORECASE)
        if trailing is None:
            return None  # the word in a configuration value, not a waiver
        comment = line[trailing.start() + len(syntax.opener):].strip()
        extra = (MISPLACED,)
        target = index
    if syntax.closer:
        if comment.rstrip().endswith(syntax.closer):
            comment = comment.rstrip()[: -len(syntax.closer)]
        else:
            extra = (*extra, f"the comment must close with '{syntax.closer}' on the same line")
    directive = _DIRECTIVE.match(comment.strip())
    if directive is None:
        return None  # a comment that mentions easlint in prose
    body = comment.strip()[directive.end():]

    def scope_for(file_wide: bool) -> Scope:
        if file_wide:
            return FileScope(path)
        if target is None:
            return LineScope(path, None)
        return LineScope(path, target + 1, lines.lines[target].strip())

    return _directive(body, location, scope_for, syntax, indent, stripped, extra)


def _glob_regex(glob: str) -> str:
    """A glob as a regex over '/'-separated paths: `*`, `?` and `[...]` stay within a
    directory, `**/` matches any number of directories, a trailing `**` anything below."""
    parts: list[str] = []
    position = 0
    while position < len(glob):
        if glob.startswith("**/", position):
            parts.append("(?:[^/]+/)*")
            position += 3
        elif glob.startswith("**", position):
            parts.append(".*")
            position += 2
        elif glob[position] == "*":
            parts.append("[^/]*")
            position += 1
        elif glob[position] == "?":
            parts.append("[^/]")
            position += 1
        elif glob[position] == "[" and (end := glob.find("]", position + 2)) != -1:
            body = glob[position + 1:end]
            negate = body.startswith("!")
            body = re.sub(r"([\\^\[\]])", r"\\\1", body[1:] if negate else body)
            parts.append(f"[^/{body}]" if negate else f"[{body}]")
            position = end + 1
        else:
            parts.append(re.escape(glob[position]))
            position += 1
    return "".join(parts) + r"\Z"


def central_waiver(entry: CentralWaiver) -> Waiver:
    """The waiver a `waivers:` entry stands for, with what is wrong with it."""
    errors: list[str] = []
    rules = _read_rules(entry.rule)
    if not rules.selectors:
        errors.append("names no rule: set 'rule' to a rule id or name")
    glob = entry.file_glob.strip().removeprefix("./")
    if not glob:
        errors.append("names no files: set 'file' to a glob relative to the configuration file")
    until, until_errors = _read_until(entry.until)
    reason = (entry.reason or "").strip() or None
    missing = ((Problem.NO_REASON, "has no reason: add 'reason' saying why the finding is accepted"),) if reason is None else ()
    directory = Path(os.path.abspath(entry.location.file)).parent.as_posix().rstrip("/")
    anchor = "" if os.path.isabs(glob) else directory + "/"
    scope = CentralScope(glob, entry.object_path, re.compile(re.escape(anchor) + _glob_regex(glob)))
    text = f"rule {entry.rule}, file {entry.file_glob}" + (f", object {entry.object_path}" if entry.object_path else "")
    problems = tuple((Problem.UNREADABLE, error) for error in errors) + rules.errors + until_errors + missing
    return Waiver("central", entry.location, text, scope, rules.selectors, rules.ids, reason, until, problems)


# -- applying them ------------------------------------------------------------------------------------


def _places(finding: Finding) -> list[tuple[str, int]]:
    """Where a finding is: its own location, then every place its evidence points at."""
    places = [(finding.location.file, finding.location.line)]
    places += [(e.location.file, e.location.line) for e in finding.evidence if e.location is not None]
    return places


class _Index:
    """Active waivers by where they apply, so a run with many findings and waivers stays linear."""

    def __init__(self, waivers: Sequence[Waiver]) -> None:
        self.waivers = waivers
        self.by_line: dict[tuple[str, int], list[int]] = {}
        self.by_file: dict[str, list[int]] = {}
        self.central: list[int] = []
        self.matched: dict[tuple[int, str], bool] = {}  # (central waiver, file) -> whether its glob matches
        for number, waiver in enumerate(waivers):
            scope = waiver.scope
            if isinstance(scope, LineScope):
                if scope.line is not None:
                    self.by_line.setdefault((scope.file, scope.line), []).append(number)
            elif isinstance(scope, FileScope):
                self.by_file.setdefault(scope.file, []).append(number)
            else:
                self.central.append(number)

    def covering(self, finding: Finding) -> list[int]:
        """Waivers covering the finding, nearest first: line waivers, file waivers, central ones."""
        places = _places(finding)
        files = list(dict.fromkeys(file for file, _ in places))
        found = [number for place in places for number in self.by_line.get(place, ())]
        found += [number for file in files for number in self.by_file.get(file, ())]
        for number in self.central:
            scope = self.waivers[number].scope
            assert isinstance(scope, CentralScope)
            if scope.object_path not in (None, finding.object_path):
                continue
            if any(self._matches(number, scope, file) for file in files):
                found.append(number)
        return [number for number in dict.fromkeys(found) if finding.rule_id in self.waivers[number].rules]

    def _matches(self, number: int, scope: CentralScope, file: str) -> bool:
        key = (number, file)
        if key not in self.matched:
            self.matched[key] = scope.matches_file(file)
        return self.matched[key]


def apply_waivers(findings: Iterable[Finding], files: Iterable[FileWaivers], central: Sequence[CentralWaiver], *,
                  today: date, inline: bool, selected: Callable[[str], bool]) -> list[Finding]:
    """Every finding, the waived ones marked with their `Suppression`, followed by the EAS004
    (unused) and EAS005 (invalid) findings about the waivers, when those rules are `selected`.

    `inline=False` ignores inline waivers entirely, EAS004/EAS005 included: a CI gate decides
    what counts, not a comment in the file under review. `selected(rule_id)` says which rules ran:
    a waiver is unused only for rules that ran and found nothing where it points.
    """
    waivers = [waiver for file in files for waiver in file.waivers] if inline else []
    waivers += [central_waiver(entry) for entry in central]
    reported: list[Finding] = []
    active: list[Waiver] = []
    for waiver in waivers:
        problems = waiver.problems(today)
        if problems:
            reported.append(_invalid(waiver, problems))
        else:
            active.append(waiver)
    index = _Index(active)
    used: set[tuple[int, str]] = set()
    result: list[Finding] = []
    for finding in findings:
        if finding.suppression is None and finding.rule_id not in WAIVER_RULE_IDS:
            covering = index.covering(finding)
            if covering:
                used.update((number, finding.rule_id) for number in covering)
                finding = replace(finding, suppression=active[covering[0]].suppression())
        result.append(finding)
    for number, waiver in enumerate(active):
        unused = [rule for rule in waiver.rules if selected(rule) and (number, rule) not in used]
        if unused:
            reported.append(_unused(waiver, unused, result))
    wanted = [finding for finding in reported if selected(finding.rule_id)]
    return result + sorted(wanted, key=Finding.sort_key)


# -- reporting on waivers ------------------------------------------------------------------------------


def _render(waiver: Waiver, rules: Sequence[str], reason: str | None, until: str | None) -> str:
    """The waiver written correctly, in its own syntax: a comment line, or a `waivers:` entry."""
    selectors = ",".join(rules) or RULE_PLACEHOLDER
    if waiver.kind == "central":
        scope = waiver.scope
        assert isinstance(scope, CentralScope)
        lines = [f"- rule: {selectors}", f"  file: {json.dumps(scope.glob)}"]
        if scope.object_path is not None:
            lines.append(f"  object: {json.dumps(scope.object_path)}")
        lines.append(f"  reason: {json.dumps(reason or REASON_PLACEHOLDER)}")
        if until is not None:
            lines.append(f"  until: {until}")
        return "\n".join(lines)
    assert waiver.syntax is not None
    key = "disable-file" if isinstance(waiver.scope, FileScope) else "disable"
    quoted = (reason or REASON_PLACEHOLDER).replace("\\", "\\\\").replace('"', '\\"')
    text = f"{waiver.indent}{waiver.syntax.opener} easlint: {key}={selectors} reason=\"{quoted}\""
    if until is not None:
        text += f" until={until}"
    return text + (f" {waiver.syntax.closer}" if waiver.syntax.closer else "")


def _corrected_rules(waiver: Waiver) -> list[str]:
    """The rules as written, unknown ones replaced by their closest match or dropped."""
    corrected = []
    for selector in waiver.selectors:
        rule = _resolve(selector)
        if rule is None:
            close = _closest(selector)
            corrected += [close] if close else []
        elif rule.id not in WAIVER_RULE_IDS:
            corrected.append(selector)
    return corrected


def _scope_evidence(waiver: Waiver) -> list[Evidence]:
    scope = waiver.scope
    if isinstance(scope, LineScope) and scope.line is not None:
        return [Evidence(f"the waiver covers line {scope.line}: {scope.text}", Location(scope.file, scope.line))]
    return [Evidence(f"the waiver covers {scope.describe()}")]


_FIX_ADVICE = {
    Problem.UNREADABLE: "write the waiver in the form easlint reads",
    Problem.NO_REASON: "say why the finding is accepted",
    Problem.BAD_DATE: "give the review date as YYYY-MM-DD",
    Problem.EXPIRED: ("fix the finding the waiver covered (it is reported again) or, if it is still accepted, "
                      "review the reason and set a new review date"),
}


def _invalid(waiver: Waiver, problems: Problems) -> Finding:
    kinds = sorted({kind for kind, _ in problems}, key=list(Problem).index)
    messages = [message for _, message in problems]
    if Problem.EXPIRED in kinds or Problem.BAD_DATE in kinds:
        until: str | None = DATE_PLACEHOLDER
    else:
        until = waiver.until.isoformat() if waiver.until else None
    description = "; ".join(_FIX_ADVICE[kind] for kind in kinds)
    fix = Fix(description[0].upper() + description[1:], _render(waiver, _corrected_rules(waiver), waiver.reason, until),
              waiver.location)
    evidence = [Evidence(f"as written: {waiver.text}", waiver.location), *_scope_evidence(waiver)]
    if waiver.reason:
        evidence.append(Evidence(f"reason given: {waiver.reason}"))
    return Finding(
        INVALID_WAIVER.id, INVALID_WAIVER.name, INVALID_WAIVER.severity,
        f"invalid {waiver.kind} waiver: {'; '.join(messages)}; it suppresses nothing",
        waiver.location, waiver.device, waiver.object_path, "invalid: " + ", ".join(kind.value for kind in kinds),
        expected="a waiver naming known rules, with a reason, and an until date (if any) not yet passed",
        actual="; ".join(messages), evidence=tuple(evidence), fix=fix,
    )


def _unused(waiver: Waiver, unused: Sequence[str], findings: Sequence[Finding]) -> Finding:
    names = ", ".join(unused)
    scope = waiver.scope
    if isinstance(scope, LineScope):
        where = f"on {scope.describe()} or pointing at it" if scope.line is not None else "anywhere: no configuration line follows it"
    elif isinstance(scope, FileScope):
        where = f"in {scope.file}"
    else:
        where = f"in {scope.describe()}"
    evidence = _scope_evidence(waiver)
    file = scope.file if isinstance(scope, (LineScope, FileScope)) else None
    for rule in unused:
        lines = sorted({f.location.line for f in findings if f.rule_id == rule and f.location.file == file})
        if lines:
            shown = ", ".join(str(line) for line in lines[:MAX_NEARBY_EVIDENCE])
            evidence.append(Evidence(f"{rule} findings of this file are on line(s) {shown}",
                                     Location(str(file), lines[0])))
    kept = [selector for selector in waiver.selectors if (rule := _resolve(selector)) and rule.id not in unused]
    if kept:
        fix = Fix(f"Drop {names} from the waiver: nothing of it is reported there any more",
                  _render(waiver, kept, waiver.reason, waiver.until.isoformat() if waiver.until else None), waiver.location)
    else:
        what = "Delete this waiver comment" if waiver.kind == "inline" else "Delete this entry from 'waivers:'"
        fix = Fix(f"{what}: the finding it accepted is gone (or the waiver is in the wrong place)", waiver.text
                  if waiver.kind == "inline" else _render(waiver, waiver.selectors, waiver.reason, None), waiver.location)
    return Finding(
        UNUSED_WAIVER.id, UNUSED_WAIVER.name, UNUSED_WAIVER.severity,
        f"{waiver.kind} waiver for {names} suppresses nothing: no {names} finding {where}",
        waiver.location, waiver.device, waiver.object_path, f"unused: {names}",
        expected=f"a {names} finding that the waiver covers", actual="none", evidence=tuple(evidence), fix=fix,
    )
