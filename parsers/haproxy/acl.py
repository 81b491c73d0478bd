"""HAProxy ACLs and conditions as model conditions (configuration manual, section 7).

Behaviour checked on HAProxy 2.6 and kept here: flags come before the first pattern (a `-i`
after a pattern is a pattern); `-i` applies to the patterns after it; `-m` overrides the method
an ACL keyword implies; `hdr()` matches comma-separated values one by one, `req.fhdr()` the full
line; `url_param` names are case-sensitive and `;` also ends a parameter; an empty condition
never matches and empty `or` branches are ignored; `!` may stand alone or be repeated. A named
ACL must be declared before the rule that uses it, but every line of that name in the section
counts, even lines written after the rule (the rule shares HAProxy's ACL object).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from linter.model import ALWAYS, All, Any, Condition, Field, FieldKind, Location, Match, MatchOp, Not, Opaque
from parsers.haproxy.keywords import ACL_KEYWORDS, CONVERTERS, SAMPLE_FETCHES
from parsers.haproxy.lexer import Word

MAX_PATTERN_FILE_BYTES = 10 * 1024 * 1024
NEVER: Condition = Any(())

METHODS = {
    "str": MatchOp.EQUALS,
    "sub": MatchOp.CONTAINS,
    "beg": MatchOp.PREFIX,
    "end": MatchOp.SUFFIX,
    "reg": MatchOp.REGEX,
    "found": MatchOp.EXISTS,
    "dir": MatchOp.DIR,
    "dom": MatchOp.DOM,
    "ip": MatchOp.IP,
    "int": MatchOp.INT,
    "len": MatchOp.LEN,
    "bool": MatchOp.BOOL,
}
_DEFAULT_METHOD_BY_TYPE = {"str": "str", "bool": "bool", "sint": "int", "ipv4": "ip", "ipv6": "ip", "addr": "ip"}
_MODELLED_CONVERTERS = frozenset({"lower", "upper", "url_dec"})
_INT_OPERATORS = frozenset({"eq", "ge", "gt", "le", "lt"})


class ConditionError(Exception):
    """A condition HAProxy itself refuses (unknown ACL or fetch, missing brace, ...)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass
class AclScope:
    """What conditions in one section may use."""

    file: str
    config_dir: Path | None
    l7: bool
    definitions: dict[str, list[tuple[int, Condition]]] = field(default_factory=dict)
    pattern_files_read: list[str] = field(default_factory=list)

    def lookup(self, name: str, used_at_line: int) -> Condition | None:
        lines = self.definitions.get(name)
        if not lines or lines[0][0] >= used_at_line:
            return None
        terms = tuple(condition for _, condition in lines)
        if len(terms) == 1:
            return terms[0]
        return Any(terms, name=name, location=Location(self.file, lines[0][0]))


@dataclass(frozen=True)
class Criterion:
    fetch: str
    args: tuple[str, ...]
    converters: tuple[tuple[str, tuple[str, ...]], ...]


def _split_top_level(text: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _name_and_args(text: str) -> tuple[str, tuple[str, ...]]:
    if "(" not in text:
        return text, ()
    name, _, rest = text.partition("(")
    if not rest.endswith(")"):
        raise ConditionError(f"missing closing ')' after arguments to '{name}'")
    inner = rest[:-1]
    return name, tuple(arg.strip() for arg in _split_top_level(inner, ",")) if inner else ()


def parse_criterion(text: str) -> Criterion:
    pieces = _split_top_level(text, ",")
    fetch, args = _name_and_args(pieces[0])
    if not fetch:
        raise ConditionError(f"missing fetch method in ACL expression '{text}'")
    converters = tuple(_name_and_args(piece) for piece in pieces[1:])
    return Criterion(fetch, args, converters)


def _header_field(kind: FieldKind, args: tuple[str, ...], split: bool) -> Field | Opaque:
    if not args or not args[0]:
        return Opaque("a header fetch without a header name (all headers) is not modelled")
    if len(args) > 1:
        return Opaque(f"header occurrence argument {args[1]!r} is not modelled")
    return Field(kind, args[0].lower(), split_commas=split)


def _fetch(criterion: Criterion, scope: AclScope) -> tuple[Field | Opaque | bool, str]:
    """The model field a fetch reads (or a constant, or why it is opaque) and its default method."""
    name, args = criterion.fetch, criterion.args
    if name in ("path",):
        return Field(FieldKind.PATH), "str"
    if name == "url":
        return Field(FieldKind.URL), "str"
    if name == "query":
        return Field(FieldKind.QUERY), "str"
    if name in ("url_param", "urlp"):
        if not args or not args[0]:
            return Opaque(f"{name} without a parameter name is not modelled"), "str"
        delimiter = args[1] if len(args) > 1 and args[1] else None
        return Field(FieldKind.QUERY_PARAM, args[0], name_case_sensitive=True, delimiter=delimiter), "str"
    if name in ("hdr", "req.hdr"):
        return _header_field(FieldKind.HEADER, args, split=True), "str"
    if name == "req.fhdr":
        return _header_field(FieldKind.HEADER, args, split=False), "str"
    if name in ("hdr_cnt", "req.hdr_cnt"):
        return _header_field(FieldKind.HEADER_COUNT, args, split=True), "int"
    if name == "req.fhdr_cnt":
        return _header_field(FieldKind.HEADER_COUNT, args, split=False), "int"
    if name == "method":
        return Field(FieldKind.METHOD), "str"
    if name == "src":
        return Field(FieldKind.SRC), "ip"
    if name == "dst_port":
        return Field(FieldKind.DST_PORT), "int"
    if name == "ssl_fc":
        return Field(FieldKind.TLS), "bool"
    if name == "req.ssl_sni":
        return Field(FieldKind.SNI, "client-hello"), "str"
    if name == "ssl_fc_sni":
        return Field(FieldKind.SNI, "tls-session"), "str"
    if name == "req.ver":
        return Field(FieldKind.HTTP_VERSION), "str"
    if name == "always_true":
        return True, "bool"
    if name == "always_false":
        return False, "bool"
    if name == "req.proto_http":
        return scope.l7, "bool"
    if name in SAMPLE_FETCHES:
        method = _DEFAULT_METHOD_BY_TYPE.get(SAMPLE_FETCHES[name], "str")
        return Opaque(f"sample fetch '{name}' is not modelled"), method
    raise ConditionError(f"unknown fetch method '{name}' in ACL expression")


def _int_range(operator: str | None, value: str) -> str:
    if operator is None:
        if ":" in value:
            low, _, high = value.partition(":")
            int(low or 0), int(high or 0)
            return value
        return str(int(value))
    number = int(value)
    return {
        "eq": f"{number}",
        "ge": f"{number}:",
        "gt": f"{number + 1}:",
        "le": f":{number}",
        "lt": f":{number - 1}",
    }[operator]


def _read_pattern_file(path_text: str, scope: AclScope) -> list[str] | None:
    """Patterns from a `-f` file, when the file sits beside the configuration."""
    if scope.config_dir is None:
        return None
    path = Path(path_text)
    candidate = scope.config_dir / path if not path.is_absolute() else scope.config_dir / path.name
    try:
        if not candidate.is_file() or candidate.stat().st_size > MAX_PATTERN_FILE_BYTES:
            return None
        text = candidate.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    scope.pattern_files_read.append(str(candidate))
    patterns = []
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if stripped and not stripped.startswith("#"):
            patterns.append(stripped)
    return patterns


def parse_term(words: list[Word], scope: AclScope, location: Location, name: str | None = None) -> Condition:
    """One ACL expression: `<criterion> [flags] [operator] [<value>] ...`."""
    if not words:
        raise ConditionError("missing fetch method in ACL expression", location.column)
    text = " ".join(word.text for word in words)
    term_location = Location(location.file, location.line, words[0].column)
    criterion = parse_criterion(words[0].text)
    if criterion.fetch in ACL_KEYWORDS and not criterion.converters:
        fetch_name, implied = ACL_KEYWORDS[criterion.fetch]
        criterion = Criterion(fetch_name, criterion.args, ())
    else:
        implied = None
    fetched, default_method = _fetch(criterion, scope)
    method = implied or default_method
    case_sensitive = True
    patterns: list[tuple[str, bool]] = []
    opaque: Opaque | None = fetched if isinstance(fetched, Opaque) else None
    index = 1
    while index < len(words) and words[index].text.startswith("-") and not words[index].quoted:
        flag = words[index].text
        if flag == "--":
            index += 1
            break
        if flag == "-i":
            case_sensitive = False
        elif flag in ("-f", "-M"):
            index += 1
            if index >= len(words):
                raise ConditionError(f"missing file name after '{flag}'", words[index - 1].column)
            loaded = _read_pattern_file(words[index].text, scope)
            if loaded is None:
                opaque = opaque or Opaque(
                    f"patterns come from {words[index].text}, which is not beside the configuration", term_location, text
                )
            else:
                patterns += [(pattern, case_sensitive) for pattern in loaded]
        elif flag == "-m":
            index += 1
            if index >= len(words):
                raise ConditionError("missing matching method after '-m'", words[index - 1].column)
            method = words[index].text
            if method not in METHODS and method != "bin":
                raise ConditionError(f"unknown matching method '{method}'", words[index].column)
        elif flag == "-u":
            index += 1
        elif flag != "-n":
            break  # not a flag: the first pattern
        index += 1
    operator: str | None = None
    for word in words[index:]:
        if word.text in _INT_OPERATORS and method in ("int", "len") and not word.quoted:
            operator = word.text
            continue
        patterns.append((word.text, case_sensitive))
        if word.env:
            opaque = opaque or Opaque(f"pattern {word.text!r} comes from the environment", term_location, text)
    if isinstance(fetched, bool):
        return ALWAYS if fetched else NEVER
    if method == "bin":
        opaque = opaque or Opaque("binary (-m bin) matching is not modelled", term_location, text)
    transforms: list[str] = []
    for converter, _ in criterion.converters:
        if converter in _MODELLED_CONVERTERS:
            transforms.append(converter)
        elif converter in CONVERTERS:
            opaque = opaque or Opaque(f"converter '{converter}' is not modelled", term_location, text)
        else:
            raise ConditionError(f"unknown converter '{converter}'", words[0].column)
    if opaque is not None:
        return Opaque(opaque.reason, term_location, text)
    assert isinstance(fetched, Field)
    op = METHODS[method]
    values: list[tuple[str, bool]] = []
    for pattern, pattern_case in patterns:
        if op in (MatchOp.INT, MatchOp.LEN):
            try:
                values.append((_int_range(operator, pattern), True))
            except ValueError:
                raise ConditionError(f"'{pattern}' is not a valid integer pattern", words[0].column) from None
            operator = None
        elif op is MatchOp.IP:
            try:
                ipaddress.ip_network(pattern, strict=False)
            except ValueError:
                return Opaque(f"address pattern {pattern!r} needs a DNS lookup", term_location, text)
            values.append((pattern, True))
        else:
            values.append((pattern, pattern_case))
    if op in (MatchOp.EXISTS, MatchOp.BOOL) or not values:
        return Match(fetched, op, (), True, tuple(transforms), name=name, location=term_location, text=text)
    groups: dict[bool, list[str]] = {}
    for value, value_case in values:
        groups.setdefault(value_case, []).append(value)
    matches = tuple(
        Match(fetched, op, tuple(group), group_case, tuple(transforms), name=name, location=term_location, text=text)
        for group_case, group in groups.items()
    )
    return matches[0] if len(matches) == 1 else Any(matches, name=name, location=term_location)


def _predefined(name: str, scope: AclScope, location: Location) -> Condition | None:
    """HAProxy's predefined ACLs (manual 7.4)."""
    def method(*names: str) -> Condition:
        return Match(Field(FieldKind.METHOD), MatchOp.EQUALS, names, name=name, location=location, text=name)

    version = {"HTTP_1.0": "1.0", "HTTP_1.1": "1.1", "HTTP_2.0": "2.0"}
    if name == "TRUE":
        return ALWAYS
    if name == "FALSE":
        return NEVER
    if name == "HTTP":
        return ALWAYS if scope.l7 else NEVER
    if name in version:
        return Match(Field(FieldKind.HTTP_VERSION), MatchOp.EQUALS, (version[name],), name=name, location=location, text=name)
    if name == "HTTP_CONTENT":
        return Match(Field(FieldKind.HEADER, "content-length"), MatchOp.INT, ("1:",), name=name, location=location, text=name)
    if name == "HTTP_URL_ABS":
        return Match(Field(FieldKind.URL), MatchOp.REGEX, ("^[^/:]*://",), name=name, location=location, text=name)
    if name == "HTTP_URL_SLASH":
        return Match(Field(FieldKind.URL), MatchOp.PREFIX, ("/",), name=name, location=location, text=name)
    if name == "HTTP_URL_STAR":
        return Match(Field(FieldKind.URL), MatchOp.EQUALS, ("*",), name=name, location=location, text=name)
    if name == "LOCALHOST":
        return Match(Field(FieldKind.SRC), MatchOp.IP, ("127.0.0.1/8", "::1"), name=name, location=location, text=name)
    if name == "METH_GET":
        return method("GET", "HEAD")
    if name.startswith("METH_") and name[5:] in ("CONNECT", "DELETE", "HEAD", "OPTIONS", "POST", "PUT", "TRACE"):
        return method(name[5:])
    if name in ("RDP_COOKIE", "REQ_CONTENT", "WAIT_END"):
        return Opaque(f"predefined ACL {name} is not modelled", location, name)
    return None


def parse_condition(words: list[Word], scope: AclScope, location: Location) -> Condition:
    """The words after `if`/`unless`: `[!]acl ... { or [!]acl ... } ...`."""
    suites: list[list[Condition]] = [[]]
    negate = False
    index = 0
    while index < len(words):
        word = words[index]
        text = word.text
        if not word.quoted and text in ("||", "or"):
            suites.append([])
            index += 1
            continue
        while text.startswith("!") and not word.quoted:
            negate = not negate
            text = text[1:]
        if not text:
            index += 1
            continue
        if text == "{" and not word.quoted:
            end = next((j for j in range(index + 1, len(words)) if words[j].text == "}" and not words[j].quoted), None)
            if end is None:
                raise ConditionError("missing closing '}' in condition", word.column)
            term = parse_term(words[index + 1 : end], scope, location)
            index = end + 1
        else:
            found = scope.lookup(text, location.line)
            if found is None:
                found = _predefined(text, scope, Location(location.file, location.line, word.column))
            if found is None:
                raise ConditionError(f"no such ACL : '{text}'", word.column)
            term = found
            index += 1
        suites[-1].append(Not(term) if negate else term)
        negate = False
    branches = [suite for suite in suites if suite]
    if not branches:
        return NEVER
    conjunctions = tuple(suite[0] if len(suite) == 1 else All(tuple(suite)) for suite in branches)
    return conjunctions[0] if len(conjunctions) == 1 else Any(conjunctions)
