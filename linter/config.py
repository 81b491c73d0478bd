"""The user's configuration: `.easlint.yaml` (or `[tool.easlint]` in pyproject.toml), found,
read without trusting it, validated, and kept with where each setting came from.

Why each piece is the way it is:

- Discovery walks up from the working directory like yamllint and ruff, but stops at the top of
  a git repository, so a config repository is never judged by a stray file in a home directory.
- YAML is read with ruamel.yaml's round-trip loader, which keeps the line of every key (errors
  and provenance point at it) and never builds Python objects from tags. Before loading, one
  streaming pass over the parser's events refuses what would make loading slow or unsafe: any
  tag but the plain YAML ones, nesting deeper than `MAX_DEPTH`, and anchors whose aliases expand
  to more than `MAX_VALUES` values (billion laughs). Files above `MAX_CONFIG_BYTES` are refused
  unread: ruamel.yaml is pure Python and takes seconds for half a megabyte.
- The schema (`schemas/config.schema.json`) checks shapes; this module turns each jsonschema
  error into one sentence with file, line, column, the dotted key and what is allowed, and then
  checks what a schema cannot: rule names against the registry, files that must exist, heartbeat
  values against each other. A configuration error is exit 2 in the CLI, never a traceback.
- `Config` is frozen and carries `provenance`: for every setting, "built-in default",
  ".easlint.yaml:12", "pyproject.toml:30 [tool.easlint]" or "command line", which
  `show_config` prints and `Config.policy` writes into `Heartbeat.source` for findings to cite.

The heartbeat limits in the schema are Exchange's own (research/eas-facts.md A2, from the
decompiled `Microsoft.Exchange.AirSync/GlobalSettingsSchema.cs`): Min and Max 1..3540 s, sample
size 0..10000, alert threshold 0..3540 s, and Exchange rejects Min > Max (event 1009).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING

from linter.files import display_path
from linter.findings import Severity
from linter.model import Location
from linter.policy import BUILTIN_PACK, AllowedClient, BlockedApp, Endpoint, Policy, PolicyError, load_builtin

if TYPE_CHECKING:
    from linter.waivers import CentralWaiver
    from policies.base import Rule


def _tomllib() -> ModuleType:
    """The TOML reader, imported only when a pyproject.toml is read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 needs the backport (pyproject: tomli; python_version < "3.11")
        import tomli as tomllib
    return tomllib


__all__ = [
    "AppSettings", "Config", "ConfigError", "Endpoint", "ExchangeSettings", "FileVendor", "NetworkPath", "Problem",
    "RuleSettings", "find_config", "init_text", "load_config", "show_config",
]

CONFIG_NAMES = (".easlint.yaml", ".easlint.yml")
PYPROJECT = "pyproject.toml"
MAX_CONFIG_BYTES = 64 * 1024
MAX_PYPROJECT_BYTES = 1024 * 1024  # tomllib is quick and has no aliases; a pyproject holds other tools' settings
MAX_DEPTH = 32
MAX_VALUES = 20_000
MAX_PROBLEMS = 10

BUILT_IN = "built-in default"
COMMAND_LINE = "command line"

HEARTBEAT_KEYS = {  # config key -> Heartbeat field
    "min_heartbeat_interval": "min_interval",
    "max_heartbeat_interval": "max_interval",
    "heartbeat_sample_size": "sample_size",
    "heartbeat_alert_threshold": "alert_threshold",
    "margin": "margin",
}
EXCHANGE_OWN_KEYS = tuple(key for key in HEARTBEAT_KEYS if key != "margin")
"""The values a web.config also sets; `margin` is easlint's own and may go with a web.config."""

KeyPath = tuple[str | int, ...]


# --------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration, at a place in it."""

    file: str
    line: int
    column: int | None
    key: str  # dotted: rules.severity.EAS102, waivers[0].until; "" for the whole file
    message: str  # the sentence shown, starting with the key when there is one

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """A configuration that cannot be used; the CLI prints it and exits 2."""

    def __init__(self, problems: Sequence[Problem] | str) -> None:
        self.problems: tuple[Problem, ...] = () if isinstance(problems, str) else tuple(problems)
        text = problems if isinstance(problems, str) else "\n".join(str(problem) for problem in self.problems)
        super().__init__(text)


def _dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _shown(value: object) -> str:
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------------------------
# Sources: the loaded data with the place of every key


@dataclass(frozen=True)
class _Source:
    """A configuration document as plain Python data, with positions for error messages and
    provenance. `positions` maps a key path to (key line, key column, value line, value column),
    1-based; a path missing from it (a YAML merge key, a TOML inline table) takes its parent's."""

    name: str  # as shown to the user
    path: Path
    data: dict
    positions: Mapping[KeyPath, tuple[int, int, int, int]]
    label_suffix: str = ""  # " [tool.easlint]" for pyproject.toml

    def _position(self, path: KeyPath) -> tuple[int, int, int, int]:
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1, 1, 1))

    def key_at(self, path: KeyPath) -> tuple[int, int]:
        line, column, _, _ = self._position(path)
        return line, column

    def value_at(self, path: KeyPath) -> tuple[int, int]:
        _, _, line, column = self._position(path)
        return line, column

    def origin(self, path: KeyPath) -> str:
        return f"{self.name}:{self.key_at(path)[0]}{self.label_suffix}"

    def location(self, path: KeyPath) -> Location:
        line, column = self.key_at(path)
        return Location(self.name, line, column)

    def problem(self, path: KeyPath, message: str, at_key: bool = False) -> Problem:
        line, column = self.key_at(path) if at_key else self.value_at(path)
        key = _dotted(path)
        return Problem(self.name, line, column, key, f"{key}: {message}" if key else message)


def _read_text(path: Path, name: str, limit: int = MAX_CONFIG_BYTES) -> str:
    """The file's text, refusing what no configuration is: too large, not UTF-8."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as error:
        raise ConfigError([Problem(name, 1, None, "", f"cannot read the configuration: {error.strerror}")]) from None
    if len(raw) > limit:
        raise ConfigError([Problem(name, 1, None, "", f"the configuration is larger than {limit // 1024} KiB; "
                                                      "a real one is a few KiB (is this the right file?)")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise ConfigError([Problem(name, line, None, "", f"not UTF-8 text (byte {error.start}); "
                                                         "a configuration is a UTF-8 YAML file")]) from None


# ---- YAML


_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "map", "seq"))


def _yaml_problem(name: str, text: str, error: Exception) -> Problem:
    """A ruamel.yaml error as a Problem at its line and column."""
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.reader import ReaderError

    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = ""
        if error.context and error.context_mark is not None and error.context_mark.line != mark.line:
            context = f" ({error.context} at line {error.context_mark.line + 1})"
        return Problem(name, mark.line + 1, mark.column + 1, "", f"invalid YAML: {error.problem}{context}")
    if isinstance(error, ReaderError):
        line = text[:error.position].count("\n") + 1
        code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "\0")
        return Problem(name, line, None, "", f"invalid YAML: character U+{code:04X} is not allowed in YAML text "
                                             "(is this a binary file?)")
    return Problem(name, 1, None, "", f"invalid YAML: a value cannot be read ({type(error).__name__}: {error})")


class _Refused(Exception):
    """A YAML event the screen refuses, with its 1-based place."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


class _Screen:
    """Refuses tags, deep nesting and alias bombs as the parser hands out events, before the
    composer builds (and recurses into) a node, so a hostile file stops at its first offending
    event. Values are counted as aliases would expand them: converting the document to plain
    data does expand them."""

    def __init__(self) -> None:
        from ruamel.yaml import events

        self.events = events
        self.expanded: dict[str, int] = {}  # anchor -> number of values it stands for
        self.open: list[list] = []  # per open collection: [anchor, values inside so far]
        self.total = 0

    def see(self, event: object) -> None:
        events = self.events
        mark = event.start_mark  # type: ignore[attr-defined]
        line, column = mark.line + 1, mark.column + 1
        tag = getattr(event, "tag", None)
        if tag is not None and str(tag) not in _PLAIN_TAGS:
            shown = str(tag).replace("tag:yaml.org,2002:", "!!")
            raise _Refused(line, column, f"YAML tag '{shown}' is not allowed: a configuration holds plain values only")
        if isinstance(event, events.CollectionStartEvent):
            self.open.append([event.anchor, 1])
            if len(self.open) > MAX_DEPTH:
                raise _Refused(line, column, f"nested more than {MAX_DEPTH} levels deep; a configuration needs at most 5")
            self._count(1, line, column)
        elif isinstance(event, events.CollectionEndEvent):
            anchor, size = self.open.pop()
            if anchor:
                self.expanded[anchor] = size
            if self.open:
                self.open[-1][1] += size
        elif isinstance(event, events.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in self.open):
                raise _Refused(line, column, f"alias *{event.anchor} is inside the node it names; "
                                             "recursive structures are not allowed")
            size = self.expanded.get(event.anchor, 1)
            self._count(size, line, column)
            if self.open:
                self.open[-1][1] += size
        elif isinstance(event, events.ScalarEvent):
            if event.anchor:
                self.expanded[event.anchor] = 1
            self._count(1, line, column)
            if self.open:
                self.open[-1][1] += 1

    def _count(self, size: int, line: int, column: int) -> None:
        self.total += size
        if self.total > MAX_VALUES:
            why = ("anchors and aliases expand to more than {} values (an alias bomb?); write the values out"
                   if self.expanded else "holds more than {} values; a configuration has a few hundred")
            raise _Refused(line, column, why.format(MAX_VALUES))


@cache
def _loader_classes() -> tuple[type, type]:
    """ruamel.yaml's round-trip parser with the screen, and its constructor with dates kept as
    text: the schema checks them, so `2027-13-01` is a configuration error at its line rather
    than a ValueError from the loader."""
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.parser import RoundTripParser

    class ScreenedParser(RoundTripParser):
        def get_event(self):  # type: ignore[no-untyped-def]
            event = super().get_event()
            if not hasattr(self, "screen"):
                self.screen = _Screen()
            self.screen.see(event)
            return event

    class DatesAsText(RoundTripConstructor):
        def construct_date_text(self, node):  # type: ignore[no-untyped-def]
            return self.construct_scalar(node)

    DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", DatesAsText.construct_date_text)
    return ScreenedParser, DatesAsText


def _load_yaml(text: str) -> object:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Parser, yaml.Constructor = _loader_classes()
    return yaml.load(text)


def _plain(node: object, path: KeyPath, positions: dict) -> object:
    """ruamel's round-trip objects as plain dict/list/str/int/float/bool/None, recording where
    each key and item sits. Keys become text: a YAML key `5:` is then just an unknown key."""
    from ruamel.yaml.scalarbool import ScalarBoolean

    if isinstance(node, dict):
        marks = getattr(node, "lc", None)
        result = {}
        for key, value in node.items():
            child = (*path, str(key))
            try:
                key_line, key_column = marks.key(key)
                value_line, value_column = marks.value(key)
                positions[child] = (key_line + 1, key_column + 1, value_line + 1, value_column + 1)
            except (AttributeError, KeyError, TypeError):
                pass  # merged from an anchor: reported at the mapping that merges it
            result[str(key)] = _plain(value, child, positions)
        return result
    if isinstance(node, list):
        marks = getattr(node, "lc", None)
        items = []
        for index, item in enumerate(node):
            child = (*path, index)
            try:
                line, column = marks.item(index)
                positions[child] = (line + 1, column + 1, line + 1, column + 1)
            except (AttributeError, KeyError, IndexError, TypeError):
                pass
            items.append(_plain(item, child, positions))
        return items
    if isinstance(node, (bool, ScalarBoolean)):
        return bool(node)
    for kind in (int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def _yaml_source(path: Path, name: str) -> _Source:
    text = _read_text(path, name)
    try:
        document = _load_yaml(text)
    except _Refused as refused:
        raise ConfigError([Problem(name, refused.line, refused.column, "", refused.message)]) from None
    except Exception as error:  # ruamel's constructors raise what they meet (IndexError for `!!float` and no value)
        raise ConfigError([_yaml_problem(name, text, error)]) from None
    positions: dict = {}
    data = _plain(document, (), positions)
    if data is None:
        data = {}  # an empty file: every setting at its default
    if not isinstance(data, dict):
        raise ConfigError([Problem(name, 1, 1, "", f"the configuration is {_kind(data)}; expected a mapping "
                                                   "of settings (extends:, exchange:, apps:, rules:, ...)")])
    return _Source(name, path, data, MappingProxyType(positions))


# ---- pyproject.toml


_TOML_BARE_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_TOML_DOTTED_KEY = rf"{_TOML_BARE_KEY}(?:\s*\.\s*{_TOML_BARE_KEY})*"
_TOML_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_TOML_DOTTED_KEY})\s*\]\]?")
_TOML_ASSIGNMENT = re.compile(rf"^(\s*)({_TOML_DOTTED_KEY})\s*=")
_TOML_TABLE = ("tool", "easlint")
_TOML_LINE = re.compile(r"at line (\d+), column (\d+)")


def _toml_keys(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip('"\'') for part in re.findall(_TOML_BARE_KEY, dotted))


def _toml_open_brackets(value: str, depth: int, string: str | None) -> tuple[int, str | None]:
    """Bracket depth and open multi-line string after `value`, so continuation lines of an
    array or a multi-line string are not mistaken for keys."""
    index = 0
    while index < len(value):
        if string:
            end = value.find(string, index)
            if end < 0:
                return depth, string
            index, string = end + len(string), None
            continue
        char = value[index]
        if char == "#":
            break
        if value.startswith(('"""', "'''"), index):
            string, index = value[index:index + 3], index + 3
            continue
        if char in "\"'":
            end = index + 1
            while end < len(value) and value[end] != char:
                end += 2 if char == '"' and value[end] == "\\" else 1
            index = end + 1
            continue
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
        index += 1
    return depth, string


def _toml_positions(text: str) -> dict[KeyPath, tuple[int, int, int, int]]:
    """Lines of the keys under [tool.easlint], found by reading the text: tomllib gives values
    only. Covers tables, arrays of tables and dotted keys; keys inside inline tables and
    arrays take the line of the key that holds them."""
    positions: dict[KeyPath, tuple[int, int, int, int]] = {}
    table: KeyPath = ()
    array_counts: dict[KeyPath, int] = {}
    depth, string = 0, None
    for number, line in enumerate(text.splitlines(), 1):
        if depth > 0 or string:
            depth, string = _toml_open_brackets(line, depth, string)
            continue
        header = _TOML_HEADER.match(line)
        if header:
            table = _toml_keys(header.group(2))
            if header.group(1) == "[[":
                array_counts[table] = array_counts.get(table, -1) + 1
                table = (*table, array_counts[table])
            if table[:2] == _TOML_TABLE:
                positions.setdefault(table[2:], (number, 1, number, 1))
            continue
        assignment = _TOML_ASSIGNMENT.match(line)
        if not assignment:
            continue
        key = (*table, *_toml_keys(assignment.group(2)))
        column = len(assignment.group(1)) + 1
        value = line[assignment.end():]
        if key[:2] == _TOML_TABLE:
            value_column = assignment.end() + len(value) - len(value.lstrip()) + 1
            positions.setdefault(key[2:], (number, column, number, value_column))
        depth, string = _toml_open_brackets(value, 0, None)
    return positions


def _from_toml(value: object) -> object:
    """TOML dates and times as the text a YAML config would hold, for one schema to check."""
    if isinstance(value, dict):
        return {key: _from_toml(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_toml(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return value


def _toml_source(path: Path, name: str) -> _Source:
    text = _read_text(path, name, MAX_PYPROJECT_BYTES)
    tomllib = _tomllib()
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        line, column = (int(found.group(1)), int(found.group(2))) if found else (1, None)
        message = _TOML_LINE.sub("", str(error)).replace("()", "").strip(" .")
        raise ConfigError([Problem(name, line, column, "", f"invalid TOML: {message}")]) from None
    tool = document.get("tool")
    table = tool.get("easlint") if isinstance(tool, dict) else None
    if table is None:
        raise ConfigError([Problem(name, 1, None, "", "no [tool.easlint] table in this pyproject.toml")])
    if not isinstance(table, dict):
        raise ConfigError([Problem(name, 1, None, "tool.easlint", "tool.easlint: expected a table of settings")])
    positions = _toml_positions(text)
    return _Source(name, path, _from_toml(table), MappingProxyType(positions), " [tool.easlint]")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Validation


_TYPE_NAMES = {"integer": "an integer", "string": "text", "array": "a list", "object": "a mapping (key: value)",
               "number": "a number", "boolean": "true or false"}


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a mapping"


@cache
def _schema() -> dict:
    return json.loads(resources.files("linter").joinpath("schemas/config.schema.json").read_text(encoding="utf-8"))


def _schema_problems(source: _Source) -> list[Problem]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker(("date",)))
    problems: list[Problem] = []
    for error in validator.iter_errors(source.data):
        problems.extend(_explain(error, source))
    return problems


def _explain(error, source: _Source) -> list[Problem]:  # type: ignore[no-untyped-def]
    """One jsonschema error as the sentence a user needs: the key, what is wrong, what is allowed."""
    path: KeyPath = tuple(error.absolute_path)
    keyword, instance, schema = error.validator, error.instance, error.schema
    if keyword == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        problems = []
        for key in (key for key in instance if key not in allowed):
            where = f" in {_dotted(path)}" if path else ""
            from difflib import get_close_matches  # only for a mistyped key

            close = get_close_matches(key, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            message = f"unknown key '{key}'{where}; allowed: {', '.join(allowed)}{hint}"
            problems.append(dataclasses.replace(source.problem((*path, key), message, at_key=True), message=message))
        return problems
    if keyword == "dependentRequired":
        return [source.problem((*path, key), f"needs {' and '.join(_dotted((*path, need)) for need in needs)} beside it",
                               at_key=True)
                for key, needs in error.validator_value.items() if key in instance
                for need in needs if need not in instance]
    if keyword == "required":
        missing = [key for key in error.validator_value if key not in instance]
        return [source.problem(path, f"missing required key '{key}'") for key in missing]
    custom = schema.get("errorMessage", {}).get(keyword) if isinstance(schema.get("errorMessage"), dict) else None
    if custom:
        message = f"{_shown(instance)} is not allowed: {custom}" if keyword == "pattern" else custom
    elif keyword == "enum":
        message = f"{_shown(instance)} is not one of {', '.join(str(value) for value in error.validator_value)}"
    elif keyword == "type":
        message = f"{_shown(instance)} is {_kind(instance)}; expected {_TYPE_NAMES.get(error.validator_value, error.validator_value)}"
    elif keyword in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        allowed = f"{low} to {high}" if low is not None and high is not None else f"at least {low}" if low is not None else f"at most {high}"
        message = f"{instance} is out of range; allowed: {allowed}"
    elif keyword == "format":
        message = f"{_shown(instance)} is not a date (YYYY-MM-DD)"
    elif keyword == "minItems":
        message = f"needs at least {error.validator_value} item{'s' if error.validator_value > 1 else ''}"
    elif keyword == "minLength":
        message = "must not be empty"
    elif keyword == "maxLength":
        message = f"{_shown(instance)} is longer than {error.validator_value} characters"
    else:
        message = error.message
    return [source.problem(path, message)]


def _ordered(problems: Iterable[Problem]) -> list[Problem]:
    unique = {(problem.line, problem.column or 0, problem.message): problem for problem in problems}
    return [unique[key] for key in sorted(unique)][:MAX_PROBLEMS]


def _available_packs() -> list[str]:
    folder = resources.files("policies").joinpath("packs")
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def _rule_ids(selector: str) -> tuple[str, ...] | None:
    """The ids a selector (id, name or id prefix) names, or None when it names no rule."""
    from policies import UnknownRule, find

    try:
        return tuple(rule.id for rule in find(selector))
    except UnknownRule:
        return None


def _unknown_rule(selector: str) -> str:
    return f"unknown rule '{selector}'; give a rule id (EAS102), name (timeout-below-max-heartbeat) or id prefix (EAS1): see 'easlint rules'"


# --------------------------------------------------------------------------------------------
# The settings


_HOST_NAME = re.compile(r"^(?=.{1,253}$)(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


def _endpoint(text: str) -> Endpoint | None:
    """`mail.example.com`, `mail.example.com:443`, `203.0.113.10:443`, `2001:db8::10` or
    `[2001:db8::10]:443`; None for anything else."""
    host, port = text.strip(), None
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\d{1,5}))?", host)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
    elif host.count(":") == 1:
        host, port = host.split(":")
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if bracketed or not _HOST_NAME.match(host):
            return None
        return Endpoint(host.lower().rstrip("."), int(port) if port else None)
    return Endpoint(str(address), int(port) if port else None)


@dataclass(frozen=True)
class ExchangeSettings:
    """The `exchange` section as written; None where the pack's value (or the web.config) applies."""

    min_heartbeat_interval: int | None = None
    max_heartbeat_interval: int | None = None
    heartbeat_sample_size: int | None = None
    heartbeat_alert_threshold: int | None = None
    margin: int | None = None
    web_config: Path | None = None  # resolved; read by the Exchange parser (issue 5)
    endpoints: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class AppSettings:
    """The `apps` section: entries that add to the pack's lists (one with a pack entry's name
    replaces it), the mode, and a device access rule export for the Exchange parser to read."""

    mode: str = "blocklist"
    block: tuple[BlockedApp, ...] = ()
    allow: tuple[AllowedClient, ...] = ()
    device_access_rules: Path | None = None
    device_access_rules_mode: str = "add"


@dataclass(frozen=True)
class FileVendor:
    glob: str
    vendor: str
    location: Location


@dataclass(frozen=True)
class NetworkPath:
    """A `paths` entry: devices in the order a request from the Internet meets them."""

    name: str
    hops: tuple[str, ...]  # files or globs as written, relative to the config's directory
    location: Location
    hop_locations: tuple[Location, ...] = ()  # where each hop is written, for errors about it

    def hop_location(self, index: int) -> Location:
        return self.hop_locations[index] if index < len(self.hop_locations) else self.location


@dataclass(frozen=True)
class RuleSettings:
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))  # rule id -> severity


@dataclass(frozen=True)
class Config:
    """The effective configuration. `root` is the directory relative paths and globs are
    resolved against; `provenance` says, for each setting (dotted key), where it came from."""

    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    extends: str = BUILTIN_PACK
    exchange: ExchangeSettings = ExchangeSettings()
    apps: AppSettings = AppSettings()
    files: tuple[FileVendor, ...] = ()
    paths: tuple[NetworkPath, ...] = ()
    rules: RuleSettings = RuleSettings()
    fail_on: str = "error"
    waivers: tuple[CentralWaiver, ...] = ()  # for linter.waivers.central_waiver, which reports missing reasons
    provenance: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def origin(self, key: str) -> str:
        """Where a setting came from: its own entry, or the nearest enclosing section's."""
        while key:
            if key in self.provenance:
                return self.provenance[key]
            key = key.rpartition(".")[0]
        return BUILT_IN

    def base_policy(self) -> Policy:
        """The built-in pack `extends` names."""
        return load_builtin(self.extends)

    def policy(self, base: Policy) -> Policy:
        """`base` with this configuration's heartbeat values and apps. The Heartbeat's source
        names the config lines it took values from, so a finding says where its threshold came
        from. Not applied here: the web.config and the device access rule export, which the
        Exchange parser reads."""
        written = {key: getattr(self.exchange, key) for key in HEARTBEAT_KEYS if getattr(self.exchange, key) is not None}
        heartbeat = base.heartbeat
        if written:
            where = ", ".join(f"{key} at {self.origin(f'exchange.{key}')}" for key in written)
            rest = "" if len(written) == len(HEARTBEAT_KEYS) else f"; the rest from the {base.heartbeat.source}"
            heartbeat = dataclasses.replace(heartbeat, source=f"configuration ({where}{rest})",
                                            **{HEARTBEAT_KEYS[key]: value for key, value in written.items()})
        blocked = _merged(base.blocked_apps, self.apps.block)
        allowed = _merged(base.allowed_clients, self.apps.allow)
        mode = self.apps.mode if "apps.mode" in self.provenance else base.mode
        endpoints = self.exchange.endpoints or base.endpoints
        if (heartbeat, blocked, allowed, mode, endpoints) == (base.heartbeat, base.blocked_apps, base.allowed_clients,
                                                              base.mode, base.endpoints):
            return base
        source = f"{base.source} with {display_path(self.path)}" if self.path else base.source
        return dataclasses.replace(base, heartbeat=heartbeat, blocked_apps=blocked, allowed_clients=allowed, mode=mode,
                                   endpoints=endpoints, source=source)

    def merge_cli(self, select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                  fail_on: str | None = None) -> Config:
        """Command-line options over the file: `--select` replaces `rules.select`, `--ignore`
        adds to `rules.ignore` (as in ruff and yamllint), `--fail-on` replaces `fail_on`."""
        provenance = dict(self.provenance)
        rules = self.rules
        for option, selectors in (("--select", select), ("--ignore", ignore)):
            for selector in selectors or ():
                if _rule_ids(selector) is None:
                    raise ConfigError(f"{option}: {_unknown_rule(selector)}")
        if select:
            rules = dataclasses.replace(rules, select=tuple(select))
            provenance["rules.select"] = COMMAND_LINE
        if ignore:
            rules = dataclasses.replace(rules, ignore=(*rules.ignore, *ignore))
            provenance["rules.ignore"] = COMMAND_LINE if not self.rules.ignore else f"{self.origin('rules.ignore')} and command line"
        if fail_on is not None:
            if fail_on not in ("error", "warning", "info", "never"):
                raise ConfigError(f"--fail-on: '{fail_on}' is not one of error, warning, info, never")
            provenance["fail_on"] = COMMAND_LINE
        return dataclasses.replace(self, rules=rules, fail_on=fail_on or self.fail_on,
                                   provenance=MappingProxyType(provenance))

    def selected_rules(self) -> tuple[Rule, ...]:
        """The rules that run, in registry order."""
        from policies import selected

        return selected(list(self.rules.select) if self.rules.select else None, list(self.rules.ignore))

    def severity(self, rule_id: str, default: Severity) -> Severity:
        return self.rules.severity.get(rule_id, default)

    def matches(self, pattern: str, path: Path) -> bool:
        """Whether `path` is matched by a glob of this configuration (a `files` glob, a waiver's
        `file`, a path's hop): relative patterns are anchored at `root`, `*` stays within one
        directory and `**` spans any number, as in pathlib and git."""
        anchored = pattern if os.path.isabs(pattern) else os.path.join(self.root, pattern)
        return _glob_regex(_normalized(anchored)).fullmatch(_normalized(os.path.abspath(path))) is not None

    def vendor_for(self, path: Path) -> str | None:
        """The vendor a `files` entry forces for `path` (the first that matches), if any."""
        return next((entry.vendor for entry in self.files if self.matches(entry.glob, path)), None)


def _merged(base: tuple, extra: tuple) -> tuple:
    """The pack's entries with the config's: one with the same name (any case) replaces the
    pack's, the others are appended."""
    names = {entry.name.casefold(): entry for entry in extra}
    kept = tuple(names.pop(entry.name.casefold(), entry) for entry in base)
    return kept + tuple(entry for entry in extra if entry.name.casefold() in names)


def _normalized(path: str) -> str:
    """An absolute POSIX path with `.`, `..` and doubled slashes folded, without touching the
    file system (a symlinked config file keeps its own name)."""
    return Path(os.path.normpath(path)).as_posix()


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression over whole POSIX paths: `**` any directories, `*` and
    `?` within one name, `[abc]` and `[!abc]` one character of a set."""
    segments = pattern.split("/")
    regex = ""
    for number, segment in enumerate(segments, 1):
        last = number == len(segments)
        if segment == "**":
            regex += ".*" if last else "(?:[^/]*/)*"
            continue
        index = 0
        while index < len(segment):
            char, end = segment[index], segment.find("]", index + 2)
            if char == "*":
                regex += "[^/]*"
            elif char == "?":
                regex += "[^/]"
            elif char == "[" and end > 0:
                body = segment[index + 1:end]
                negated = body.startswith("!")
                regex += "[" + ("^" if negated else "") + re.escape(body[1:] if negated else body).replace("\\-", "-") + "]"
                index = end
            else:
                regex += re.escape(char)
            index += 1
        regex += "" if last else "/"
    return re.compile(regex)


# --------------------------------------------------------------------------------------------
# Discovery and loading


def _declares_easlint(pyproject: Path) -> bool:
    """Whether a pyproject.toml holds [tool.easlint]. One that does not parse but mentions it
    counts, so its syntax error is reported instead of the file being passed over."""
    try:
        text = pyproject.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    tomllib = _tomllib()
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return re.search(r"^[ \t]*\[\[?[ \t]*tool[ \t]*\.[ \t]*easlint\b|^[ \t]*tool[ \t]*\.[ \t]*easlint[ \t]*[.=]", text,
                         re.MULTILINE) is not None
    return isinstance(tool, dict) and "easlint" in tool


def find_config(start: Path) -> Path | None:
    """The configuration for a run started in `start`: `.easlint.yaml` (or `.yml`) in it or
    the nearest parent, else a `pyproject.toml` there with [tool.easlint]; the nearest directory
    holding either wins. The walk stops at the top of the git repository and at the root."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for folder in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        if (folder / PYPROJECT).is_file() and _declares_easlint(folder / PYPROJECT):
            return folder / PYPROJECT
        if (folder / ".git").exists():
            return None
    return None


def load_config(path: Path | None) -> Config:
    """The configuration in `path` (YAML, or a pyproject.toml's [tool.easlint]), or the built-in
    defaults for None. Raises ConfigError naming file, line, column and key for anything wrong."""
    if path is None:
        return Config(provenance=MappingProxyType({}))
    name = display_path(path)
    if path.is_dir():
        raise ConfigError([Problem(name, 1, None, "", "is a directory; give the configuration file")])
    source = _toml_source(path, name) if path.name == PYPROJECT or path.suffix == ".toml" else _yaml_source(path, name)
    problems = _schema_problems(source)
    if problems:
        raise ConfigError(_ordered(problems))
    return _build(source)


def _build(source: _Source) -> Config:
    """Settings from validated data, with the checks a schema cannot make."""
    data, root = source.data, Path(os.path.abspath(source.path)).parent
    problems: list[Problem] = []
    provenance: dict[str, str] = {}
    for key in ("extends", "files", "paths", "fail_on", "waivers"):
        if key in data:
            provenance[key] = source.origin((key,))

    extends = data.get("extends", BUILTIN_PACK)
    base: Policy | None = None
    if extends not in _available_packs():
        problems.append(source.problem(("extends",), f"'{extends}' is not a built-in pack; allowed: {', '.join(_available_packs())}"))
    else:
        try:
            base = load_builtin(extends)
        except PolicyError as error:
            problems.append(source.problem(("extends",), f"the built-in pack '{extends}' cannot be read: {error}"))
    exchange = _exchange(data.get("exchange", {}), source, root, base, problems, provenance)
    apps = _apps(data.get("apps", {}), source, root, problems, provenance)
    files = tuple(FileVendor(entry["glob"], entry["vendor"], source.location(("files", index)))
                  for index, entry in enumerate(data.get("files", ())))
    _unique_names(data.get("paths", ()), ("paths",), source, problems)
    paths = tuple(NetworkPath(entry["name"], tuple(entry["hops"]), source.location(("paths", index)),
                              tuple(source.location(("paths", index, "hops", hop)) for hop in range(len(entry["hops"]))))
                  for index, entry in enumerate(data.get("paths", ())))
    rules = _rules(data.get("rules", {}), source, problems, provenance)
    waivers = _waivers(data.get("waivers", ()), source, problems)
    if problems:
        raise ConfigError(_ordered(problems))
    return Config(source.path, root, extends, exchange, apps, files, paths, rules, data.get("fail_on", "error"),
                  waivers, MappingProxyType(provenance))


def _existing_file(value: str, path: KeyPath, source: _Source, root: Path, problems: list[Problem]) -> Path:
    resolved = (root / value).resolve()
    if not resolved.is_file():
        problems.append(source.problem(path, f"'{value}' is not a file (looked for {resolved}); "
                                             "relative paths start at the configuration's directory"))
    return resolved


def _exchange(section: dict, source: _Source, root: Path, base: Policy | None, problems: list[Problem],
              provenance: dict[str, str]) -> ExchangeSettings:
    values: dict[str, int] = {}
    for key in HEARTBEAT_KEYS:
        if key in section:
            values[key] = int(section[key])
            provenance[f"exchange.{key}"] = source.origin(("exchange", key))
    web_config = None
    if "web_config" in section:
        provenance["exchange.web_config"] = source.origin(("exchange", "web_config"))
        web_config = _existing_file(section["web_config"], ("exchange", "web_config"), source, root, problems)
        web_line = source.key_at(("exchange", "web_config"))[0]
        problems.extend(source.problem(("exchange", key), f"cannot be set together with exchange.web_config (line {web_line}), "
                                                          "which is where Exchange reads it; remove one", at_key=True)
                        for key in EXCHANGE_OWN_KEYS if key in section)
    elif base is not None:
        low = values.get("min_heartbeat_interval", base.heartbeat.min_interval)
        high = values.get("max_heartbeat_interval", base.heartbeat.max_interval)
        if low > high:
            key = "max_heartbeat_interval" if "max_heartbeat_interval" in section else "min_heartbeat_interval"
            problems.append(source.problem(("exchange", key), f"min_heartbeat_interval {low} is above max_heartbeat_interval "
                                                              f"{high}; Exchange rejects that and falls back to 60/3540 (event 1009)"))
    endpoints = []
    for index, text in enumerate(section.get("endpoints", ())):
        endpoint = _endpoint(text)
        if endpoint is None:
            problems.append(source.problem(("exchange", "endpoints", index), f"'{text}' is not a host name, address or "
                                                                             "host:port (e.g. mail.example.com, 203.0.113.10:443, [2001:db8::10]:443)"))
        else:
            endpoints.append(endpoint)
    if "endpoints" in section:
        provenance["exchange.endpoints"] = source.origin(("exchange", "endpoints"))
    return ExchangeSettings(**values, web_config=web_config, endpoints=tuple(endpoints))


def _unique_names(entries: Sequence[dict], path: KeyPath, source: _Source, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        folded = entry["name"].casefold()
        if folded in seen:
            first = source.key_at((*path, seen[folded]))[0]
            problems.append(source.problem((*path, index, "name"), f"'{entry['name']}' is already listed at line {first}"))
        seen.setdefault(folded, index)


def _apps(section: dict, source: _Source, root: Path, problems: list[Problem], provenance: dict[str, str]) -> AppSettings:
    for key in ("mode", "device_access_rules_mode"):
        if key in section:
            provenance[f"apps.{key}"] = source.origin(("apps", key))
    for key in ("block", "allow"):
        _unique_names(section.get(key, ()), ("apps", key), source, problems)
        for index, entry in enumerate(section.get(key, ())):
            provenance[f"apps.{key}.{entry['name']}"] = source.origin(("apps", key, index))
    block = tuple(BlockedApp(app["name"], tuple(app.get("user_agents", ())), tuple(app.get("device_types", ())),
                             tuple(app.get("query_tokens", ())))
                  for app in section.get("block", ()))
    allow = tuple(AllowedClient(client["name"], client["user_agent"], client["device_type"],
                                tuple(client.get("forms", ("plain",))))
                  for client in section.get("allow", ()))
    rules_file = None
    if "device_access_rules" in section:
        provenance["apps.device_access_rules"] = source.origin(("apps", "device_access_rules"))
        rules_file = _existing_file(section["device_access_rules"], ("apps", "device_access_rules"), source, root, problems)
    return AppSettings(section.get("mode", "blocklist"), block, allow, rules_file, section.get("device_access_rules_mode", "add"))


def _rules(section: dict, source: _Source, problems: list[Problem], provenance: dict[str, str]) -> RuleSettings:
    for key in ("select", "ignore"):
        for index, selector in enumerate(section.get(key, ())):
            if _rule_ids(selector) is None:
                problems.append(source.problem(("rules", key, index), _unknown_rule(selector)))
        if key in section:
            provenance[f"rules.{key}"] = source.origin(("rules", key))
    severity: dict[str, Severity] = {}
    specificity: dict[str, int] = {}
    for selector, level in section.get("severity", {}).items():
        ids = _rule_ids(selector)
        if ids is None:
            problems.append(source.problem(("rules", "severity", selector), _unknown_rule(selector), at_key=True))
            continue
        exact = len(ids) == 1 and (selector.upper() == ids[0] or not ids[0].startswith(selector.upper()))
        rank = sys.maxsize if exact else len(selector)  # EAS102: warning wins over EAS1: info
        for rule_id in ids:
            if rank >= specificity.get(rule_id, -1):
                specificity[rule_id], severity[rule_id] = rank, Severity(level)
                written = "" if exact else f" (as {selector})"
                provenance[f"rules.severity.{rule_id}"] = source.origin(("rules", "severity", selector)) + written
    select = tuple(section["select"]) if "select" in section else None
    return RuleSettings(select, tuple(section.get("ignore", ())), MappingProxyType(severity))


def _waivers(entries: list, source: _Source, problems: list[Problem]) -> tuple[CentralWaiver, ...]:
    """The `waivers:` list for the waiver engine. A rule that does not exist is a configuration
    error here; a missing reason or a past `until` is the engine's to report (EAS005)."""
    from linter.waivers import CentralWaiver

    for index, entry in enumerate(entries):
        if _rule_ids(entry["rule"]) is None:
            problems.append(source.problem(("waivers", index, "rule"), _unknown_rule(entry["rule"])))
    return tuple(CentralWaiver(entry["rule"], entry["file"], entry.get("object"), entry.get("reason"),
                               date.fromisoformat(entry["until"]) if "until" in entry else None,
                               source.location(("waivers", index)))
                 for index, entry in enumerate(entries))


# --------------------------------------------------------------------------------------------
# Showing and starting a configuration


def init_text() -> str:
    """The commented starter configuration `easlint init` writes."""
    return resources.files("linter").joinpath("templates/easlint.yaml").read_text(encoding="utf-8")


_PLAIN_SCALAR = re.compile(r"^[A-Za-z_./][A-Za-z0-9_ ./@+()-]*$")
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"})


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        plain = _PLAIN_SCALAR.match(value) and value.lower() not in _YAML_WORDS and value == value.strip()
        return value if plain else json.dumps(value)
    return str(value)


def _yaml_list(values: Iterable[object]) -> str:
    return "[" + ", ".join(_yaml_scalar(value) for value in values) + "]"


class _Lines:
    """YAML text with a provenance comment aligned at the right of each line."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str | None]] = []

    def add(self, text: str, origin: str | None = None) -> None:
        self.rows.append((text, origin))

    def render(self) -> str:
        width = max((len(text) for text, origin in self.rows if origin), default=0) + 2
        return "".join(f"{text:<{width}}# {origin}\n" if origin else f"{text}\n" for text, origin in self.rows)


def show_config(config: Config, base: Policy | None = None, effective: Policy | None = None) -> str:
    """The effective settings and where each came from, as YAML with comments. The text loads
    back as a configuration equal in effect (run from the same directory). `effective` is the
    policy with the Exchange inputs the configuration names (web.config, device access rules)
    applied: what they contribute is shown as comments, since the files stay where it comes from."""
    base = base or config.base_policy()
    policy = config.policy(base)
    effective = effective or policy
    lines = _Lines()
    lines.add(f"# easlint effective configuration; settings from {display_path(config.path) if config.path else 'built-in defaults (no configuration file found)'}")
    if config.path:
        lines.add(f"# relative paths and globs are relative to {config.root}")
    lines.add(f"extends: {config.extends}", config.origin("extends"))
    lines.add("exchange:")
    pack_origin = base.heartbeat.source
    for key, attribute in HEARTBEAT_KEYS.items():
        written = getattr(config.exchange, key) is not None
        origin = config.origin(f"exchange.{key}") if written else pack_origin
        if config.exchange.web_config and key in EXCHANGE_OWN_KEYS:
            at = effective.heartbeat.written_at("".join(word.capitalize() for word in key.split("_")))
            lines.add(f"  # {key}: {getattr(effective.heartbeat, attribute)}",
                      f"from the {effective.heartbeat.source}" + (f", line {at.line}" if at else ""))
            continue
        lines.add(f"  {key}: {getattr(policy.heartbeat, attribute)}", origin)
    if config.exchange.web_config:
        lines.add(f"  web_config: {_yaml_scalar(str(config.exchange.web_config))}", config.origin("exchange.web_config"))
    if config.exchange.endpoints:
        lines.add(f"  endpoints: {_yaml_list(str(endpoint) for endpoint in config.exchange.endpoints)}", config.origin("exchange.endpoints"))
    else:
        lines.add("  # endpoints: not set; listeners marked as Exchange by name are in scope")
    lines.add("apps:")
    lines.add(f"  mode: {config.apps.mode}", config.origin("apps.mode"))
    lines.add("  block:")
    for app in policy.blocked_apps:
        lines.add(f"    - name: {_yaml_scalar(app.name)}", config.origin(f"apps.block.{app.name}") if app in config.apps.block
                  else f"policy pack {base.name}")
        for key in ("user_agents", "device_types", "query_tokens"):
            if getattr(app, key):
                lines.add(f"      {key}: {_yaml_list(getattr(app, key))}")
    _show_access_rule_entries(lines, config, [app for app in effective.blocked_apps if app not in policy.blocked_apps])
    lines.add("  allow:")
    for client in policy.allowed_clients:
        lines.add(f"    - name: {_yaml_scalar(client.name)}", config.origin(f"apps.allow.{client.name}")
                  if client in config.apps.allow else f"policy pack {base.name}")
        lines.add(f"      user_agent: {_yaml_scalar(client.user_agent)}")
        lines.add(f"      device_type: {_yaml_scalar(client.device_type)}")
        lines.add(f"      forms: {_yaml_list(client.forms)}")
    _show_access_rule_entries(lines, config, [client for client in effective.allowed_clients
                                              if client not in policy.allowed_clients])
    if config.apps.device_access_rules:
        lines.add(f"  device_access_rules: {_yaml_scalar(str(config.apps.device_access_rules))}", config.origin("apps.device_access_rules"))
        lines.add(f"  device_access_rules_mode: {config.apps.device_access_rules_mode}", config.origin("apps.device_access_rules_mode"))
    _show_list(lines, "files", [[("glob", entry.glob), ("vendor", entry.vendor)] for entry in config.files],
               [f"{entry.location.file}:{entry.location.line}" for entry in config.files], "vendors detected by content")
    _show_list(lines, "paths", [[("name", entry.name), ("hops", list(entry.hops))] for entry in config.paths],
               [f"{entry.location.file}:{entry.location.line}" for entry in config.paths], "each device is judged alone")
    _show_rules(lines, config)
    lines.add(f"fail_on: {config.fail_on}", config.origin("fail_on"))
    _show_list(lines, "waivers", [_waiver_pairs(waiver) for waiver in config.waivers],
               [f"{waiver.location.file}:{waiver.location.line}" for waiver in config.waivers], "no central waivers")
    return lines.render()


def _show_access_rule_entries(lines: _Lines, config: Config, entries: list[BlockedApp | AllowedClient]) -> None:
    """Entries the device access rule export adds or changes (a pack app it merges into), as
    comments naming the rules."""
    for entry in entries:
        rules = "; ".join(f"{source.description} ({source.location})" for source in entry.sources)
        lines.add(f"    # - name: {_yaml_scalar(entry.name)}", f"from {rules or config.origin('apps.device_access_rules')}")


def _waiver_pairs(waiver: CentralWaiver) -> list[tuple[str, object]]:
    until = waiver.until.isoformat() if isinstance(waiver.until, date) else waiver.until
    pairs = (("rule", waiver.rule), ("file", waiver.file_glob), ("object", waiver.object_path), ("reason", waiver.reason),
             ("until", until))
    return [(key, value) for key, value in pairs if value is not None]


def _show_rules(lines: _Lines, config: Config) -> None:
    rules = config.rules
    if rules.select or rules.ignore or rules.severity:
        lines.add("rules:")
    else:
        lines.add("# rules: not set; every rule runs at its own severity")
    if rules.select:
        lines.add(f"  select: {_yaml_list(rules.select)}", config.origin("rules.select"))
    if rules.ignore:
        lines.add(f"  ignore: {_yaml_list(rules.ignore)}", config.origin("rules.ignore"))
    if rules.severity:
        lines.add("  severity:")
        for rule_id, level in sorted(rules.severity.items()):
            lines.add(f"    {rule_id}: {level.value}", config.origin(f"rules.severity.{rule_id}"))
    lines.add(f"# rules that run: {' '.join(rule.id for rule in config.selected_rules())}")


def _show_list(lines: _Lines, key: str, entries: list[list[tuple[str, object]]], origins: list[str], empty: str) -> None:
    if not entries:
        lines.add(f"# {key}: not set; {empty}")
        return
    lines.add(f"{key}:")
    for pairs, origin in zip(entries, origins, strict=True):
        for position, (name, value) in enumerate(pairs):
            text = _yaml_list(value) if isinstance(value, list) else _yaml_scalar(value)
            lines.add(f"  {'- ' if position == 0 else '  '}{name}: {text}", origin if position == 0 else None)
