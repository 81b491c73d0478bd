"""Baselines: adopt easlint on an existing estate by accepting today's findings, fail on new ones.

`--write-baseline FILE` records the findings of a run; `--baseline FILE` suppresses findings
recorded there and reports how many recorded ones are gone (fixed). Entries are keyed by the
finding's fingerprint (rule, device, object path, attribute: `Finding.fingerprint`), never by
line numbers, so a baseline survives edits that move lines, and never by a name alone, so a new
problem on another device or attribute is not absorbed (Checkov #7647). Several findings may
share a fingerprint (the same attribute reported twice); the baseline is a multiset, so one
recorded entry absorbs one finding, and a third copy of a twice-recorded finding is new.

What a baseline holds: every finding not already waived. Waived findings are left out, so an
expiring waiver brings its finding back instead of the baseline hiding it, and the waiver
rules' own findings (EAS004, EAS005) are left out, so a baseline cannot make `until` dates
meaningless: waivers are managed by editing the waivers.

The file is JSON, sorted and stable (the same findings give the same bytes), with the fields
besides the fingerprint kept for the reader of a diff. Devices and files are recorded relative
to the top of the git repository the run is in (the working directory outside one), so a
baseline written at the top still matches when easlint runs from a subdirectory.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from linter import __version__
from linter.files import display_path
from linter.findings import Finding, Suppression, fingerprint_of
from policies.waiver_rules import WAIVER_RULES

__all__ = ["SCHEMA_VERSION", "Baseline", "BaselineEntry", "BaselineError", "apply_baseline", "load_baseline",
           "write_baseline"]

SCHEMA_VERSION = 1
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")
_WAIVER_RULE_IDS = frozenset(rule.id for rule in WAIVER_RULES)


class BaselineError(Exception):
    """A baseline file that cannot be written or read; the message names the file and why."""


@dataclass(frozen=True)
class BaselineEntry:
    fingerprint: str
    rule: str
    device: str
    object_path: str
    attribute: str
    file: str  # where the finding was when recorded

    def to_json(self) -> dict[str, str]:
        return {"fingerprint": self.fingerprint, "rule": self.rule, "device": self.device,
                "object": self.object_path, "attribute": self.attribute, "file": self.file}

    def sort_key(self) -> tuple[str, ...]:
        return (self.file, self.device, self.rule, self.object_path, self.attribute, self.fingerprint)


@dataclass(frozen=True)
class Baseline:
    path: str
    entries: tuple[BaselineEntry, ...]

    @staticmethod
    def file_of(entry: BaselineEntry) -> str:
        """The entry's file as this run names files (relative to the working directory)."""
        return display_path(Path(os.path.normpath(_top() / entry.file)))


def _top() -> Path:
    """What recorded paths are relative to: the top of the git repository holding the working
    directory, or the working directory itself outside one."""
    return _top_of(os.getcwd())


@cache
def _top_of(working_directory: str) -> Path:
    here = Path(working_directory).resolve()
    return next((folder for folder in (here, *here.parents) if (folder / ".git").exists()), here)


def _anchored(path: str) -> str:
    """`path`, as the run names it (relative to the working directory), relative to `_top()`;
    a file outside it keeps its absolute name."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, _top())
    return Path(absolute if relative.startswith("..") else relative).as_posix()


def _key(finding: Finding) -> str:
    """The finding's fingerprint with its device named relative to `_top()`."""
    return fingerprint_of(finding.rule_id, _anchored(finding.device), finding.object_path, finding.attribute)


def _recorded(finding: Finding) -> bool:
    return finding.suppression is None or finding.suppression.kind == "baseline"


def _entry(finding: Finding) -> BaselineEntry:
    return BaselineEntry(_key(finding), finding.rule_id, _anchored(finding.device), finding.object_path,
                         finding.attribute, _anchored(finding.location.file))


def _counts(finding: Finding) -> bool:
    """Whether a baseline speaks about the finding at all (see the module docstring)."""
    return finding.rule_id not in _WAIVER_RULE_IDS


def write_baseline(findings: Iterable[Finding], path: str | Path) -> int:
    """Record the findings that are not waived (findings of an earlier baseline stay recorded);
    returns the number of entries. The file is replaced atomically, so an interrupted run
    never leaves half a baseline."""
    entries = sorted((_entry(f) for f in findings if _counts(f) and _recorded(f)), key=BaselineEntry.sort_key)
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "easlint", "version": __version__},
        "entries": [entry.to_json() for entry in entries],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror or error}") from None
    return len(entries)


def load_baseline(path: str | Path) -> Baseline:
    """The baseline in `path`; BaselineError says which file and what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline {path})") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not a baseline: the file is not UTF-8 text") from None
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror or error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}:{error.lineno}:{error.colno}: not a baseline: invalid JSON ({error.msg})") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a baseline: JSON nested too deeply") from None
    return Baseline(str(path), _entries(str(path), document))


def _entries(path: str, document: object) -> tuple[BaselineEntry, ...]:
    if not isinstance(document, dict) or "entries" not in document:
        raise BaselineError(f"{path}: not a baseline: expected a JSON object with 'schema_version' and 'entries'")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise BaselineError(f"{path}: baseline schema version {version!r} is not supported (this easlint reads "
                            f"{SCHEMA_VERSION}); write it again with --write-baseline")
    if not isinstance(document["entries"], list):
        raise BaselineError(f"{path}: 'entries' must be a list")
    entries = []
    for number, item in enumerate(document["entries"], start=1):
        if not isinstance(item, dict):
            raise BaselineError(f"{path}: entry {number} is not an object")
        fingerprint = item.get("fingerprint")
        if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
            raise BaselineError(f"{path}: entry {number}: 'fingerprint' must be 32 lowercase hex digits, "
                                f"found {fingerprint!r}")
        fields = {key: item.get(key, "") for key in ("rule", "device", "object", "attribute", "file")}
        wrong = sorted(key for key, value in fields.items() if not isinstance(value, str))
        if wrong:
            raise BaselineError(f"{path}: entry {number}: {', '.join(wrong)} must be text")
        entries.append(BaselineEntry(fingerprint, fields["rule"], fields["device"], fields["object"],
                                     fields["attribute"], fields["file"]))
    return tuple(entries)


def apply_baseline(findings: Iterable[Finding], baseline: Baseline,
                   checked: Callable[[BaselineEntry], bool] = lambda entry: True) -> tuple[list[Finding], int]:
    """The findings, those recorded in the baseline marked `Suppression("baseline", ...)`, and
    how many recorded entries no finding matches any more (fixed).

    A finding waived since the baseline was written still matches its entry (the problem is not
    fixed), but keeps its waiver. `checked(entry)` says whether this run looked where the entry
    was found: a pre-commit run that checks two changed files must not call every other file's
    entries fixed; the engine passes the files and rules it checked.
    """
    result = list(findings)
    remaining = Counter(entry.fingerprint for entry in baseline.entries)
    suppression = Suppression("baseline", f"in baseline {baseline.path}")
    # Which copies of a repeated finding match is decided in report order, not input order, so
    # the same run always marks the same findings.
    for number in sorted(range(len(result)), key=lambda number: result[number].sort_key()):
        finding = result[number]
        key = _key(finding)
        if _counts(finding) and remaining[key] > 0:
            remaining[key] -= 1
            if finding.suppression is None:
                result[number] = replace(finding, suppression=suppression)
    fixed = 0
    for entry in baseline.entries:
        if remaining[entry.fingerprint] > 0:
            remaining[entry.fingerprint] -= 1
            if checked(entry):
                fixed += 1
    return result, fixed
