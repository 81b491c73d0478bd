"""Turn HAProxy proxy sections into model listeners (frontend, listen) and pools (backend,
listen), with HAProxy 2.6's inheritance and ordering rules.

Defaults: a `defaults` section resets everything, optionally starting from a named one
(`from`); a proxy starts from the latest preceding defaults section unless `from` names one.
Rules (`http-request`, `tcp-request`, ACLs) are only allowed in named defaults, run before the
proxy's own rules, and such a section may not be shared by frontends and backends, inherited by
another defaults section, or used by a listen (checked on HAProxy 2.6; each is EAS001).

Every line ends up modelled, known and irrelevant to ActiveSync (balance, log, compression,
...), or reported: EAS001 for what HAProxy itself refuses, EAS002 for what easlint does not know.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from linter.model import Bind, Condition, Diagnostic, Level, Listener, Location, Member, Opaque, Pool, Step
from parsers.haproxy.acl import AclScope, ConditionError, parse_term
from parsers.haproxy.keywords import BIND_OPTIONS, GLOBAL_KEYWORDS, INVERTIBLE, NAMED_DEFAULTS_ONLY, PROXY_KEYWORDS, SERVER_OPTIONS
from parsers.haproxy.lexer import Word
from parsers.haproxy.rules import (
    PHASES, RuleContext, RuleError, http_request_step, monitor_uri_step, redirect_step, stats_step, tcp_request_step,
    use_backend_step,
)
from parsers.haproxy.sections import ConfigLine, Section
from parsers.haproxy.timeouts import TIMEOUT_NAMES, TimeError, TimeoutSetting, listener_timers, parse_time, pool_timers

_REMOVED = {
    "block": "The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny'.",
    "clitimeout": "'clitimeout' is not supported anymore since HAProxy 2.1. Use 'timeout client'.",
    "srvtimeout": "'srvtimeout' is not supported anymore since HAProxy 2.1. Use 'timeout server'.",
    "contimeout": "'contimeout' is not supported anymore since HAProxy 2.1. Use 'timeout connect'.",
}
_REMOVED_PREFIXES = ("reqadd", "reqallow", "reqdel", "reqdeny", "reqiallow", "reqidel", "reqideny", "reqipass",
                     "reqirep", "reqisetbe", "reqitarpit", "reqpass", "reqrep", "reqsetbe", "reqtarpit",
                     "rspadd", "rspdel", "rspdeny", "rspidel", "rspideny", "rspirep", "rsprep")
_NON_TCP_PREFIXES = ("unix@", "abns@", "fd@", "sockpair@", "uxst@", "uxdg@")
_TCP_PREFIXES = ("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@", "udp@", "udp4@", "udp6@")
_QUIC_PREFIXES = ("quic4@", "quic6@")
_RULE_KEYWORDS = frozenset({"http-request", "tcp-request", "use_backend", "redirect"})


@dataclass
class Settings:
    """What a proxy starts with from its defaults section; a proxy then changes its copy."""

    mode: str = "tcp"
    mode_origin: str = "HAProxy's default: no 'mode' line"
    timeouts: dict[str, TimeoutSetting] = field(default_factory=dict)
    default_backend: tuple[str, Location] | None = None
    default_server_tls: bool = False
    stats: tuple[str, Location, str] | None = None
    monitor_uri: Step | None = None
    rules: list[Step] = field(default_factory=list)
    rules_owner: str | None = None  # the named defaults section that defines `rules`
    rules_location: Location | None = None

    def copy(self) -> Settings:
        return dataclasses.replace(self, timeouts=dict(self.timeouts), rules=list(self.rules))


@dataclass
class _Proxy:
    section: Section
    settings: Settings
    steps: dict[str, list[Step]] = field(default_factory=dict)
    binds: list[Bind] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    disabled: bool = False

    @property
    def frontend_capable(self) -> bool:
        return self.section.kind in ("frontend", "listen")

    @property
    def backend_capable(self) -> bool:
        return self.section.kind in ("backend", "listen")


def _port_range(text: str, address: str, column: int) -> tuple[int, int | None]:
    """A bind port or port range, validated as HAProxy 2.6 does."""
    if not text:
        raise RuleError(f"missing port specification in '{address}'", column)
    if text[0] in "+-":
        raise RuleError(f"port offset not permitted here in '{address}'", column)
    low, dash, high = text.partition("-")
    for part in (low, high) if dash else (low,):
        if not part.isdigit() or not 0 < int(part) < 65536:
            raise RuleError(f"invalid port '{part}'", column)
    if dash and int(high) < int(low):
        raise RuleError(f"invalid port range '{text}'", column)
    return int(low), int(high) if dash else None


def _split_host_port(text: str) -> tuple[str | None, str]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host or None, rest.lstrip(":")
    host, _, port = text.rpartition(":")
    return (host if host not in ("", "*", "0.0.0.0", "::") else None), port


class _Builder:
    def __init__(self, file: str, diagnostics: list[Diagnostic], config_dir: Path | None) -> None:
        self.file = file
        self.diagnostics = diagnostics
        self.config_dir = config_dir
        self.named_defaults: dict[str, Settings] = {}
        self.latest_defaults: Settings | None = None
        self.proxies: list[_Proxy] = []
        self.rules_users: dict[str, tuple[Location | None, set[str]]] = {}  # defaults with rules -> users

    # -- reporting ---------------------------------------------------------------------------

    def report(self, code: str, level: Level, message: str, line: ConfigLine, section: Section | None,
               column: int | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, level, message, line.location(self.file, column),
                                           section.object_path if section else None, line.text))

    # -- sections ----------------------------------------------------------------------------

    def add(self, section: Section) -> None:
        if section.kind == "global":
            self._global(section)
        elif section.kind == "defaults":
            settings = self._base(section)
            self._proxy_lines(_Proxy(section, settings))
            self.latest_defaults = settings
            if section.name:
                self.named_defaults[section.name] = settings
        elif section.kind in ("frontend", "backend", "listen"):
            proxy = _Proxy(section, self._base(section))
            self._proxy_lines(proxy)
            self.proxies.append(proxy)

    def _global(self, section: Section) -> None:
        for line in section.lines:
            keyword = line.keyword
            if keyword in GLOBAL_KEYWORDS:
                continue
            self.report("EAS002", Level.WARNING, f"unknown keyword '{keyword}' in the global section", line, section)

    def _base(self, section: Section) -> Settings:
        """The settings a section starts from (manual section 4, checked on HAProxy 2.6)."""
        if section.from_name:
            base = self.named_defaults.get(section.from_name)
            if base is None:
                self.report("EAS001", Level.ERROR, f"defaults section '{section.from_name}' not found for {section.object_path}",
                            section.header, section)
                return Settings()
        elif section.kind == "defaults":
            return Settings()
        else:
            base = self.latest_defaults
            if base is None:
                return Settings()
        if base.rules_owner:
            if section.kind == "defaults":
                self.report("EAS001", Level.ERROR, f"a defaults section cannot inherit from {base.rules_owner}, which defines TCP/HTTP rules",
                            section.header, section)
            elif section.kind == "listen":
                self.report("EAS001", Level.ERROR, f"a listen section cannot inherit from {base.rules_owner}, which defines TCP/HTTP rules",
                            section.header, section)
            else:
                self.rules_users.setdefault(base.rules_owner, (base.rules_location, set()))[1].add(section.kind)
        return base.copy()

    # -- lines -------------------------------------------------------------------------------

    def _known_keyword(self, words: list[Word]) -> str | None:
        texts = [word.text for word in words[:3]]
        if texts and texts[0] in ("no", "default") and len(texts) > 1:
            for size in (3, 2):
                candidate = " ".join(texts[1:size])
                if candidate in INVERTIBLE:
                    return candidate
        for size in (3, 2, 1):
            candidate = " ".join(texts[:size])
            if candidate in PROXY_KEYWORDS:
                return candidate
        if texts[0] == "stats" and len(texts) > 1:  # the manual's matrix lists only some of them
            return " ".join(texts[:2])
        return None

    def _final_mode(self, proxy: _Proxy) -> None:
        """A proxy's mode is known before its rules are read, wherever the `mode` line is."""
        for line in proxy.section.lines:
            if line.keyword == "mode" and len(line.words) > 1 and line.words[1].text in ("http", "tcp"):
                proxy.settings.mode = line.words[1].text
                proxy.settings.mode_origin = f"set in {proxy.section.object_path}, line {line.number}"

    def _acl_scope(self, proxy: _Proxy) -> AclScope:
        section = proxy.section
        scope = AclScope(self.file, self.config_dir, proxy.settings.mode == "http")
        for line in section.lines:
            if line.keyword != "acl":
                continue
            if len(line.words) < 3:
                self.report("EAS001", Level.ERROR, "'acl' expects a name and a criterion", line, section)
                continue
            name = line.words[1].text
            location = line.location(self.file)
            condition: Condition
            try:
                condition = parse_term(line.words[2:], scope, location, name=name)
            except ConditionError as error:
                self.report("EAS001", Level.ERROR, f"HAProxy refuses this ACL: {error}", line, section, error.column)
                condition = Opaque(f"ACL {name} not understood: {error}", location, line.text)
            scope.definitions.setdefault(name, []).append((line.number, condition))
        return scope

    def _proxy_lines(self, proxy: _Proxy) -> None:
        section = proxy.section
        self._final_mode(proxy)
        scope = self._acl_scope(proxy)
        context = RuleContext(section.object_path, scope, self.diagnostics, section.kind != "frontend")
        anonymous_defaults = section.kind == "defaults" and not section.name
        for line in section.lines:
            keyword = self._known_keyword(line.words)
            if keyword is None:
                self._unknown(line, section)
                continue
            if section.kind not in PROXY_KEYWORDS.get(keyword, ("defaults", "frontend", "listen", "backend")):
                self.report("EAS002", Level.WARNING, f"HAProxy ignores or refuses '{keyword}' in a {section.kind} section",
                            line, section)
                continue
            if anonymous_defaults and keyword in NAMED_DEFAULTS_ONLY:
                self.report("EAS001", Level.ERROR, f"'{keyword}' not allowed in anonymous 'defaults' section", line, section)
                continue
            try:
                self._line(proxy, keyword, line, context)
            except RuleError as error:
                self.report("EAS001", Level.ERROR, str(error), line, section, error.column)
        if section.kind == "defaults" and any(proxy.steps.values()):
            proxy.settings.rules = [step for phase in PHASES for step in proxy.steps.get(phase, ())]
            proxy.settings.rules_owner = f"defaults {section.name}"
            proxy.settings.rules_location = section.header.location(self.file)

    def _unknown(self, line: ConfigLine, section: Section) -> None:
        keyword = line.keyword
        if keyword in _REMOVED:
            self.report("EAS001", Level.ERROR, _REMOVED[keyword], line, section)
        elif keyword.startswith(_REMOVED_PREFIXES):
            self.report("EAS001", Level.ERROR, f"'{keyword}' is not supported anymore since HAProxy 2.1; use 'http-request' rules",
                        line, section)
        else:
            words = [word.text for word in line.words[:2]]
            if len(words) == 2 and any(known.startswith(words[0] + " ") for known in PROXY_KEYWORDS):
                keyword = " ".join(words)  # e.g. 'timeout client-hs', not just 'timeout'
            self.report("EAS002", Level.WARNING, f"unknown keyword '{keyword}' in a {section.kind} section (not in HAProxy 2.6)",
                        line, section)

    def _line(self, proxy: _Proxy, keyword: str, line: ConfigLine, context: RuleContext) -> None:
        words = line.words
        section = proxy.section
        location = line.location(self.file)
        settings = proxy.settings
        if keyword == "mode":
            if len(words) < 2 or words[1].text not in ("http", "tcp"):
                raise RuleError(f"unknown proxy mode '{words[1].text if len(words) > 1 else ''}'")
        elif keyword.startswith("timeout "):
            self._timeout(proxy, keyword.split(" ", 1)[1], line)
        elif keyword == "bind":
            proxy.binds += self._binds(line, section)
        elif keyword == "default_backend":
            if len(words) < 2:
                raise RuleError("'default_backend' expects a backend name")
            settings.default_backend = (words[1].text, location)
        elif keyword in _RULE_KEYWORDS or keyword.startswith("tcp-request "):
            self._rule(proxy, keyword, line, context)
        elif keyword == "monitor-uri":
            settings.monitor_uri = monitor_uri_step(words, location)
        elif keyword == "stats enable" and settings.stats is None:
            settings.stats = ("/haproxy?stats", location, line.text)
        elif keyword == "stats uri":
            if len(words) < 3:
                raise RuleError("'stats uri' expects a URI prefix")
            settings.stats = (words[2].text, location, line.text)
        elif keyword in ("server", "server-template"):
            member = self._server(line, proxy, template=keyword == "server-template")
            if member:
                proxy.members.append(member)
                proxy.labels.append(member.name)
                if not member.address.replace(".", "").replace(":", "").isdigit():
                    proxy.labels.append(member.address)
        elif keyword == "default-server":
            settings.default_server_tls = self._server_tls(words[1:], settings.default_server_tls, line, section)
        elif keyword == "option httpchk":
            proxy.labels += [word.text for word in words[2:] if word.text.startswith("/")]
        elif keyword == "http-check send":
            proxy.labels += [words[i + 1].text for i, word in enumerate(words[:-1]) if word.text == "uri"]
        elif keyword == "description":
            proxy.labels.append(" ".join(word.text for word in words[1:]))
        elif keyword == "disabled":
            proxy.disabled = True

    def _rule(self, proxy: _Proxy, keyword: str, line: ConfigLine, context: RuleContext) -> None:
        location = line.location(self.file)
        words = line.words
        section = proxy.section
        if keyword == "http-request":
            if proxy.settings.mode != "http":
                self.report("EAS002", Level.WARNING,
                            f"'http-request' rules are ignored for {section.object_path} as they require HTTP mode", line, section)
                return
            step: Step | None = http_request_step(words, context, location)
        elif keyword.startswith("tcp-request"):
            step = tcp_request_step(words, context, location)
        elif keyword == "use_backend":
            if not proxy.frontend_capable:
                self.report("EAS002", Level.WARNING, f"'use_backend' is ignored because {section.object_path} has no frontend capability",
                            line, section)
                return
            step = use_backend_step(words, context, location)
        else:
            step = redirect_step(words, context, location)
        if step is not None:
            proxy.steps.setdefault(step.phase, []).append(step)

    def _timeout(self, proxy: _Proxy, name: str, line: ConfigLine) -> None:
        words = line.words
        section = proxy.section
        if name not in TIMEOUT_NAMES:
            raise RuleError(f"'timeout' supports 'client', 'server', 'connect', ... but got '{name}'", words[1].column)
        if len(words) < 3:
            raise RuleError(f"'timeout {name}' expects a value")
        value = words[2]
        if len(words) > 3:
            raise RuleError(f"'timeout {name}' : unexpected extra argument '{words[3].text}' after value '{value.text}'",
                            words[3].column)
        if value.env:
            self.report("EAS003", Level.WARNING, f"'timeout {name}' comes from the environment ({value.text}): it cannot be verified",
                        line, section, value.column)
            return
        try:
            milliseconds, rest = parse_time(value.text)
        except TimeError as error:
            raise RuleError(f"{error} for 'timeout {name}'", value.column) from None
        if rest:
            read = value.text[: len(value.text) - len(rest)]
            self.report("EAS002", Level.WARNING, f"unexpected character '{rest[0]}' after the timer value '{value.text}': "
                        f"HAProxy 2.6 reads it as {read} and warns, later versions refuse it", line, section, value.column)
        proxy.settings.timeouts[name] = TimeoutSetting(name, milliseconds, value.text, line.location(self.file, value.column),
                                                       section.object_path)

    def _binds(self, line: ConfigLine, section: Section) -> list[Bind]:
        words = line.words
        if len(words) < 2:
            raise RuleError("'bind' expects an address")
        tls = False
        index = 2
        while index < len(words):
            option = words[index].text
            if option == "ssl":
                tls = True
            elif option in BIND_OPTIONS:
                index += BIND_OPTIONS[option]
            else:  # its arguments are unknown too: report it once, read no further options
                self.report("EAS002", Level.WARNING, f"unknown bind option '{option}' (not in HAProxy 2.6); the options "
                            "after it are not read", line, section, words[index].column)
                break
            index += 1
        location = line.location(self.file)
        binds = []
        for address in words[1].text.split(","):
            if words[1].env:
                self.report("EAS003", Level.WARNING, f"bind address {address} comes from the environment: the listener cannot be probed",
                            line, section, words[1].column)
                continue
            if address.startswith(_NON_TCP_PREFIXES) or address.startswith("/"):
                binds.append(Bind(address, None, tls, location))
                continue
            is_quic = address.startswith(_QUIC_PREFIXES)
            if address.startswith(("udp@", "udp4@", "udp6@")):
                raise RuleError(f"dgram-type address not acceptable in '{address}'", words[1].column)
            for prefix in _TCP_PREFIXES + _QUIC_PREFIXES:
                if address.startswith(prefix):
                    address = address[len(prefix):]
            host, port_text = _split_host_port(address)
            low, high = _port_range(port_text, address, words[1].column)
            binds.append(Bind(host, low, tls or is_quic, location, high))
        return binds

    def _server_tls(self, params: list[Word], tls: bool, line: ConfigLine, section: Section) -> bool:
        index = 0
        while index < len(params):
            option = params[index].text
            if option == "ssl":
                tls = True
            elif option == "no-ssl":
                tls = False
            elif option == "source":  # source <addr> [usesrc <addr>] [interface <name>]
                index += 1
                while index + 2 < len(params) and params[index + 1].text in ("usesrc", "interface"):
                    index += 2
            elif option in SERVER_OPTIONS:
                index += SERVER_OPTIONS[option]
            else:  # its arguments are unknown too: report it once, read no further options
                self.report("EAS002", Level.WARNING, f"unknown server option '{option}' (not in HAProxy 2.6); the options "
                            "after it are not read", line, section, params[index].column)
                break
            index += 1
        return tls

    def _server(self, line: ConfigLine, proxy: _Proxy, template: bool) -> Member | None:
        words = line.words
        first_param = 4 if template else 3
        if len(words) < first_param:
            raise RuleError(f"'{words[0].text}' expects a name and an address")
        name = words[1].text + ("*" if template else "")
        address = words[first_param - 1].text
        for prefix in _TCP_PREFIXES:
            if address.startswith(prefix):
                address = address[len(prefix):]
        host, port_text = _split_host_port(address) if ":" in address else (address, "")
        port = int(port_text) if port_text.isdigit() else None
        tls = self._server_tls(words[first_param:], proxy.settings.default_server_tls, line, proxy.section)
        return Member(name, host or address, port, tls, line.location(self.file))

    # -- assembling --------------------------------------------------------------------------

    def finish(self) -> tuple[list[Listener], list[Pool]]:
        backends = {proxy.section.name: proxy for proxy in self.proxies if proxy.backend_capable}
        for owner, (location, kinds) in self.rules_users.items():
            if {"frontend", "backend"} <= kinds:
                self.diagnostics.append(Diagnostic(
                    "EAS001", Level.ERROR, f"frontends and backends cannot inherit from the same defaults section if it defines "
                    f"TCP/HTTP rules ({owner})", location or Location(self.file, 1), owner, None))
        listeners, pools = [], []
        for proxy in self.proxies:
            if proxy.frontend_capable and not proxy.disabled:
                self._check_targets(proxy, backends)
                listeners.append(self._listener(proxy))
            if proxy.backend_capable:
                pools.append(self._pool(proxy))
        return listeners, pools

    def _check_targets(self, proxy: _Proxy, backends: dict[str | None, _Proxy]) -> None:
        targets = [(step.action.pool, step.location, "use_backend") for step in proxy.steps.get("use_backend", ())
                   if step.action.pool is not None]
        if proxy.settings.default_backend:
            name, location = proxy.settings.default_backend
            targets.append((name, location, "default_backend"))
        for name, location, keyword in targets:
            target = backends.get(name)
            if target is None:
                self.diagnostics.append(Diagnostic("EAS001", Level.ERROR, f"{proxy.section.object_path}: unable to find required {keyword}: '{name}'",
                                                   location, proxy.section.object_path, None))
            elif proxy.settings.mode == "http" and target.settings.mode == "tcp":
                self.diagnostics.append(Diagnostic(
                    "EAS001", Level.ERROR, f"http {proxy.section.object_path} tries to use incompatible tcp {target.section.object_path} (see 'mode')",
                    location, proxy.section.object_path, None))

    def _ordered_steps(self, proxy: _Proxy, phases: tuple[str, ...]) -> tuple[Step, ...]:
        settings = proxy.settings
        extra: dict[str, list[Step]] = {}
        if settings.monitor_uri is not None and proxy.frontend_capable:
            extra["monitor-uri"] = [settings.monitor_uri]
        if settings.stats is not None:
            uri, location, text = settings.stats
            extra["stats"] = [stats_step(uri, location, text)]
        inherited = [step for step in settings.rules if step.phase in phases]
        ordered: list[Step] = []
        for phase in phases:
            ordered += [step for step in inherited if step.phase == phase]
            ordered += extra.get(phase, [])
            ordered += proxy.steps.get(phase, [])
        return tuple(ordered)

    def _listener(self, proxy: _Proxy) -> Listener:
        section = proxy.section
        settings = proxy.settings
        http = settings.mode == "http"
        location = section.header.location(self.file)
        default = settings.default_backend
        default_pool, default_location = (default if default else (None, None))
        if default_pool is None and section.kind == "listen":
            default_pool, default_location = section.name, location
        return Listener(
            name=section.name or "",
            object_path=section.object_path,
            location=location,
            l7=http,
            mode_source=f"mode {settings.mode} ({settings.mode_origin})",
            binds=tuple(proxy.binds),
            steps=self._ordered_steps(proxy, PHASES),
            default_pool=default_pool,
            default_pool_location=default_location,
            timers=listener_timers(http, settings.timeouts, section.object_path, location),
            labels=tuple([section.name or ""] + proxy.labels),
        )

    def _pool(self, proxy: _Proxy) -> Pool:
        section = proxy.section
        settings = proxy.settings
        http = settings.mode == "http"
        location = section.header.location(self.file)
        backend_phases = ("tcp-request content", "http-request", "stats", "redirect")
        return Pool(
            name=section.name or "",
            object_path=section.object_path,
            location=location,
            l7=http,
            members=tuple(proxy.members),
            steps=self._ordered_steps(proxy, backend_phases),
            timers=pool_timers(http, settings.timeouts, section.object_path, location),
            labels=tuple([section.name or ""] + proxy.labels),
        )


def build_proxies(file: str, sections: list[Section], diagnostics: list[Diagnostic],
                  config_dir: Path | None) -> tuple[list[Listener], list[Pool]]:
    builder = _Builder(file, diagnostics, config_dir)
    for section in sections:
        builder.add(section)
    return builder.finish()
