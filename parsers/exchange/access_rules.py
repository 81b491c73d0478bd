"""Exchange device access rules (`Get-ActiveSyncDeviceAccessRule`) as blocked apps and allowed clients.

An export is either `Export-Csv` output (an optional `#TYPE ...` line, a header, quoted fields,
usually many more columns than the four read here) or `ConvertTo-Json` output (one object or an
array; Windows PowerShell may wrap an array as `{"value": [...], "Count": n}`). Characteristic
and AccessLevel are enum names in CSV and usually their numbers in JSON:

- DeviceAccessCharacteristic: DeviceType 0, DeviceModel 1, DeviceOS 2, UserAgent 3, XMSWLHeader 4;
- DeviceAccessLevel: Allow 0, Block 1, Quarantine 2.

Exchange compares a rule's QueryString with the device's value exactly, ignoring case, and
tries UserAgent, then DeviceOS, DeviceModel and DeviceType rules (eas-facts.md A5). So a rule
turns into a probe that carries exactly that string: `plain` sends it as written and `case` in
swapped case, which Exchange would still match, so the edge must too.

How rules become policy entries (`to_apps`):

- Block on UserAgent or DeviceType: a `BlockedApp` with that User-Agent or DeviceType.
- Allow on UserAgent: an `AllowedClient` with that User-Agent and the neutral DeviceType
  "SmartPhone"; Allow on DeviceType: that DeviceType, and the same string as User-Agent, so the
  probe names no other client (a run that already allows a client of that DeviceType reuses its
  User-Agent, see `parsers.exchange.inputs`).
- Quarantine: Exchange holds such devices itself until an admin decides, so the edge must
  neither refuse them nor be required to let them through; they become a note.
- DeviceModel, DeviceOS and XMSWLHeader: a Ping does not carry them (DeviceModel and DeviceOS
  arrive in the Settings command), so no probe can test them; they become a note instead of an
  invented probe.

Each entry is named after its QueryString ("CloudMagic") and carries the rule as its `Source`,
which findings cite as evidence at the rule's line of the export.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from linter.model import Diagnostic, Level, Location
from linter.policy import AllowedClient, BlockedApp, Source
from linter.probes import NEUTRAL_DEVICE_TYPE

MAX_PROBE_FIELD_BYTES = 255
"""The base64 query form stores DeviceType behind a one-byte length."""


class Characteristic(str, enum.Enum):
    DEVICE_TYPE = "DeviceType"
    DEVICE_MODEL = "DeviceModel"
    DEVICE_OS = "DeviceOS"
    USER_AGENT = "UserAgent"
    XMSWL_HEADER = "XMSWLHeader"


class AccessLevel(str, enum.Enum):
    ALLOW = "Allow"
    BLOCK = "Block"
    QUARANTINE = "Quarantine"


_CHARACTERISTICS = tuple(Characteristic)  # in enum value order: the number is the index
_ACCESS_LEVELS = tuple(AccessLevel)
_COLUMNS = ("Name", "Characteristic", "QueryString", "AccessLevel")
_PROBED = frozenset({Characteristic.USER_AGENT, Characteristic.DEVICE_TYPE})


@dataclass(frozen=True)
class AccessRule:
    name: str
    characteristic: Characteristic
    query_string: str
    access_level: AccessLevel
    location: Location

    @property
    def label(self) -> str:
        """How notes name the rule: "CloudMagic (device access rule 'Block CloudMagic', rules.csv:3)"."""
        return f"{self.query_string} (device access rule '{self.name}', {self.location})"

    @property
    def source(self) -> Source:
        """How findings about the app or client it lists cite it (as evidence, at its line)."""
        return Source(f"device access rule '{self.name}'", self.location)


@dataclass(frozen=True)
class AccessRules:
    rules: tuple[AccessRule, ...]
    problems: tuple[Diagnostic, ...]


def _enum_value(raw: object, members: tuple, what: str) -> enum.Enum | str:
    """The member `raw` names (by name, any case, or by number), or why it names none."""
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    if text.lstrip("-").isdigit():
        number = int(text)
        return members[number] if 0 <= number < len(members) else f"{what} {number} is not a known value"
    for member in members:
        if member.value.lower() == text.lower():
            return member
    known = ", ".join(member.value for member in members)
    return f"{what} {text!r} is not one of {known}"


def _rule(fields: dict[str, object], location: Location) -> AccessRule | str:
    """The rule of one row or object (keys already lower-case), or what is wrong with it."""
    characteristic = _enum_value(fields.get("characteristic"), _CHARACTERISTICS, "Characteristic")
    level = _enum_value(fields.get("accesslevel"), _ACCESS_LEVELS, "AccessLevel")
    query = fields.get("querystring")
    for problem in (characteristic, level):
        if not isinstance(problem, enum.Enum):  # the members are strings too
            return problem
    if not isinstance(query, str) or not query:
        return "QueryString is empty"
    assert isinstance(characteristic, Characteristic) and isinstance(level, AccessLevel)
    name = fields.get("name")
    name = name if isinstance(name, str) and name else f"{query} ({characteristic.value})"
    return AccessRule(name, characteristic, query, level, location)


def _unreadable(file: str, message: str, line: int, column: int | None = None) -> Diagnostic:
    return Diagnostic("EAS001", Level.ERROR, message, Location(file, line, column))


def _row_problem(file: str, line: int, message: str, text: str | None = None) -> Diagnostic:
    return Diagnostic("EAS002", Level.WARNING, f"device access rule not read: {message}", Location(file, line), None, text)


def _collect(file: str, items: Iterator[tuple[dict[str, object], int, str]]) -> AccessRules:
    rules, problems = [], []
    for fields, line, text in items:
        rule = _rule(fields, Location(file, line))
        if isinstance(rule, str):
            problems.append(_row_problem(file, line, rule, text))
        else:
            rules.append(rule)
    return AccessRules(tuple(rules), tuple(problems))


# -- CSV --------------------------------------------------------------------------------------------


def _csv_rows(file: str, text: str, problems: list[Diagnostic]) -> Iterator[tuple[dict[str, object], int, str]]:
    lines = text.splitlines(keepends=True)
    skipped = 1 if lines and lines[0].startswith("#TYPE") else 0
    header_line = lines[skipped] if len(lines) > skipped else ""
    delimiter = ";" if "," not in header_line and ";" in header_line else ","
    reader = csv.reader(io.StringIO("".join(lines[skipped:])), delimiter=delimiter)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1 + skipped
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(_unreadable(file, f"unreadable CSV: {error}", start))
            break
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            missing = [column for column in _COLUMNS[1:] if column.lower() not in header]
            if missing:
                problems.append(_unreadable(file, f"not a device access rule export: no {', '.join(missing)} column", start))
                return
            continue
        if len(row) < len(header):
            problems.append(_row_problem(file, start, f"the row has {len(row)} columns, the header {len(header)}",
                                         delimiter.join(row)))
            continue
        yield dict(zip(header, row)), start, delimiter.join(row)


def _read_csv(file: str, text: str) -> AccessRules:
    problems: list[Diagnostic] = []
    read = _collect(file, _csv_rows(file, text, problems))
    return AccessRules(read.rules, tuple(sorted(problems + list(read.problems), key=lambda problem: problem.location.line)))


# -- JSON -------------------------------------------------------------------------------------------


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _json_objects(text: str) -> Iterator[tuple[object, int]]:
    """Each top-level object with the line it starts on (`json` itself keeps no positions)."""
    decoder = json.JSONDecoder()
    index = len(text) - len(text.lstrip())
    if text[index:index + 1] != "[":
        value, _ = decoder.raw_decode(text, index)
        yield value, _line_at(text, index)
        return
    index += 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return
        value, end = decoder.raw_decode(text, index)
        yield value, _line_at(text, index)
        index = end


def _json_items(file: str, text: str) -> Iterator[tuple[dict[str, object], int, str]]:
    for value, line in _json_objects(text):
        wrapped = isinstance(value, dict) and isinstance(value.get("value"), list) and "Count" in value
        for item in value["value"] if wrapped else [value]:  # type: ignore[index]
            if not isinstance(item, dict):
                yield {}, line, json.dumps(item)[:200]
                continue
            yield {str(key).lower(): field for key, field in item.items()}, line, json.dumps(item)[:200]


def _read_json(file: str, text: str) -> AccessRules:
    try:
        return _collect(file, _json_items(file, text))
    except json.JSONDecodeError as error:
        return AccessRules((), (_unreadable(file, f"invalid JSON: {error.msg}", error.lineno, error.colno),))


def read_access_rules(name: str, text: str) -> AccessRules:
    """The rules of an `Export-Csv` or `ConvertTo-Json` export, each with the line of its row or
    object; rows that cannot be read are problems naming their line."""
    body = text.lstrip("\ufeff")
    if body.lstrip().startswith(("[", "{")):
        return _read_json(name, body)
    return _read_csv(name, body)


# -- the policy's view -------------------------------------------------------------------------------


def _unprobeable(rule: AccessRule) -> str | None:
    if rule.characteristic not in _PROBED:
        return (f"{rule.label}: {rule.characteristic.value} is not sent with a Ping (clients report it in the Settings "
                f"command), so no probe can test it at the edge")
    if len(rule.query_string.encode("utf-8")) > MAX_PROBE_FIELD_BYTES or any(ord(char) < 32 for char in rule.query_string):
        return f"{rule.label}: the value is too long or holds control characters, so no request can carry it"
    return None


def to_apps(rules: AccessRules) -> tuple[tuple[BlockedApp, ...], tuple[AllowedClient, ...], list[str]]:
    """Block rules as blocked apps, Allow rules as allowed clients, and notes for the rest."""
    blocked: list[BlockedApp] = []
    allowed: list[AllowedClient] = []
    notes: list[str] = []
    for rule in rules.rules:
        if rule.access_level is AccessLevel.QUARANTINE:
            notes.append(f"{rule.label}: Quarantine is decided by Exchange itself, so the edge is neither required to "
                         f"refuse nor to let through these devices")
            continue
        reason = _unprobeable(rule)
        if reason:
            notes.append(reason)
            continue
        by_agent = rule.characteristic is Characteristic.USER_AGENT
        if rule.access_level is AccessLevel.BLOCK:
            blocked.append(BlockedApp(rule.query_string, user_agents=(rule.query_string,) if by_agent else (),
                                      device_types=() if by_agent else (rule.query_string,), sources=(rule.source,)))
        else:
            device_type = NEUTRAL_DEVICE_TYPE if by_agent else rule.query_string
            allowed.append(AllowedClient(rule.query_string, rule.query_string, device_type, sources=(rule.source,)))
    return tuple(blocked), tuple(allowed), notes
