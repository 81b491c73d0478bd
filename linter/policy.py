"""Policy packs: the Exchange heartbeat values and the apps to block or let through.

A pack is YAML (read with ruamel.yaml's safe loader). The built-in pack ships with easlint and
is checked against `schemas/policy-pack.schema.json` by the test suite, so a normal run does
not pay jsonschema's import cost; a pack from anywhere else is validated when loaded.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from linter.model import Location


class PolicyError(Exception):
    """A policy pack that cannot be used; the message names the file and, if known, the line."""


@dataclass(frozen=True)
class Heartbeat:
    """Exchange ActiveSync heartbeat settings and the margin easlint adds on top."""

    min_interval: int = 60
    max_interval: int = 3540
    sample_size: int = 200
    alert_threshold: int = 540
    margin: int = 60
    source: str = "built-in policy pack exchange-default"
    # Where an Exchange Sync web.config writes each key ("MaxHeartbeatInterval" and its line)
    # when the values come from one: findings cite the line of the value they are judged by.
    written: tuple[tuple[str, Location], ...] = ()

    def written_at(self, key: str) -> Location | None:
        return next((location for name, location in self.written if name == key), None)

    @property
    def required_seconds(self) -> int:
        """Every idle timer on the Ping path must last at least this long."""
        return self.max_interval + self.margin


@dataclass(frozen=True)
class Source:
    """Where an app or client comes from besides the policy pack and the configuration: an
    Exchange device access rule, at its line of the export. Findings about the app cite it."""

    description: str  # "device access rule 'Block CloudMagic'"
    location: Location


@dataclass(frozen=True)
class BlockedApp:
    name: str
    user_agents: tuple[str, ...] = ()
    device_types: tuple[str, ...] = ()
    query_tokens: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class AllowedClient:
    name: str
    user_agent: str
    device_type: str
    forms: tuple[str, ...] = ("plain",)
    sources: tuple[Source, ...] = ()


UNKNOWN_CLIENT = BlockedApp(
    name="unknown third-party client",
    user_agents=("MailSyncPro/4.2 (EAS client)",),
    device_types=("MailSyncPro",),
)
"""The stand-in for every app nobody listed. In allowlist mode it must be refused like a blocked
app: only the allowed clients may pass. Its User-Agent and DeviceType resemble no native
client and no app a blocklist would name, so only an allowlist refuses it."""

BLOCKLIST, ALLOWLIST = "blocklist", "allowlist"


@dataclass(frozen=True)
class Endpoint:
    """Where ActiveSync is published (`exchange.endpoints`): a host name or an address, and a
    port when one is given (`linter.endpoints` says what each narrows)."""

    host: str
    port: int | None = None

    @property
    def is_address(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host


@dataclass(frozen=True)
class Policy:
    name: str
    heartbeat: Heartbeat
    blocked_apps: tuple[BlockedApp, ...]
    allowed_clients: tuple[AllowedClient, ...]
    source: str
    mode: str = BLOCKLIST  # "allowlist": only the allowed clients may pass
    endpoints: tuple[Endpoint, ...] = ()  # empty: objects named after Exchange are in scope

    @property
    def probed_apps(self) -> tuple[BlockedApp, ...]:
        """The apps that must be refused: the listed ones, and in allowlist mode any other."""
        return self.blocked_apps + ((UNKNOWN_CLIENT,) if self.mode == ALLOWLIST else ())

    def blocked_app(self, name: str) -> BlockedApp | None:
        """The app of that name, in any letter case; an app renamed to keep names distinct
        ("NineMail (device access rule 'Block Nine')") answers to its first words too."""
        wanted = name.casefold()
        return next((app for app in self.probed_apps if app.name.casefold() == wanted), None) or next(
            (app for app in self.probed_apps if app.name.casefold().startswith(wanted + " (")), None)

    def allowed_client(self, name: str) -> AllowedClient | None:
        wanted = name.casefold()
        return next((c for c in self.allowed_clients if c.name.casefold() == wanted), None)


BUILTIN_PACK = "exchange-default"


def _read_yaml(text: str, source: str) -> object:
    """YAML through ruamel's round-trip loader, which is safe (no arbitrary tags) and keeps the
    line of every key so errors can point at it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise PolicyError(f"{where}: invalid YAML: {error.problem}") from None
    except YAMLError as error:
        raise PolicyError(f"{source}: invalid YAML: {error}") from None


def validate_pack(data: object, source: str) -> None:
    """Raise PolicyError unless `data` fits the policy pack schema."""
    import jsonschema

    schema = json.loads(resources.files("linter").joinpath("schemas/policy-pack.schema.json").read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: [str(p) for p in e.path])
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.path) or "(top level)"
        raise PolicyError(f"{source}:{_line_of(data, list(first.path))}: {where}: {first.message}")


def _line_of(data: object, path: list) -> int:
    """The 1-based line of the deepest key or item of `path` that the YAML loader recorded."""
    line = 1
    node = data
    for part in path:
        marks = getattr(node, "lc", None)
        try:
            if marks is not None:
                line = (marks.key(part) if isinstance(node, dict) else marks.item(part))[0] + 1
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _build(data: dict, source: str) -> Policy:
    exchange = data.get("exchange", {})
    heartbeat = Heartbeat(
        min_interval=exchange.get("min_heartbeat_interval", 60),
        max_interval=exchange.get("max_heartbeat_interval", 3540),
        sample_size=exchange.get("heartbeat_sample_size", 200),
        alert_threshold=exchange.get("heartbeat_alert_threshold", 540),
        margin=exchange.get("margin", 60),
        source=f"policy pack {data['name']} ({source})",
    )
    apps = data.get("apps", {})
    blocked = tuple(
        BlockedApp(
            name=app["name"],
            user_agents=tuple(app.get("user_agents", ())),
            device_types=tuple(app.get("device_types", ())),
            query_tokens=tuple(app.get("query_tokens", ())),
        )
        for app in apps.get("block", ())
    )
    allowed = tuple(
        AllowedClient(
            name=client["name"],
            user_agent=client["user_agent"],
            device_type=client["device_type"],
            forms=tuple(client.get("forms", ("plain",))),
        )
        for client in apps.get("allow", ())
    )
    return Policy(data["name"], heartbeat, blocked, allowed, source, apps.get("mode", BLOCKLIST))


def builtin_pack_text(name: str = BUILTIN_PACK) -> str:
    return resources.files("policies").joinpath(f"packs/{name}.yaml").read_text(encoding="utf-8")


def load_builtin(name: str = BUILTIN_PACK) -> Policy:
    """The pack shipped with easlint (validated by the test suite, not at every run)."""
    source = f"policies/packs/{name}.yaml"
    return _build(_read_yaml(builtin_pack_text(name), source), source)


def load_pack_file(path: Path) -> Policy:
    """A user-supplied pack, validated against the schema."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(f"{path}: cannot read policy pack: {error.strerror}") from None
    data = _read_yaml(text, str(path))
    validate_pack(data, str(path))
    return _build(data, str(path))
