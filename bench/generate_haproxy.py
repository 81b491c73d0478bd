#!/usr/bin/env python3
"""Generate a large, realistic HAProxy 2.6 configuration for the easlint benchmark.

The output looks like the shared edge of a hosting provider or a large company: named and
anonymous `defaults` sections (one with HTTP rules, used by frontends only), many ordinary web
services (HTTP and TCP mode, host-based `use_backend`, ACLs, `http-request` rules of many
kinds, health checks, stick tables, compression, caching, several binds with TLS, SNI routing,
HTTP-to-HTTPS redirect frontends, shared virtual-host frontends) and a share of Exchange front
ends. Some Exchange front ends carry the problems easlint reports, the others are correct:

    kind                    planted problem                                       expected finding
    good                    none: host routing, CloudMagic refused by UA and       -
                            DeviceType in any case, timeout server 65m
    good-shared             none: an Exchange host on a shared virtual-host        -
                            frontend among web hosts, hardened there
    good-regex              none: the block is a case-insensitive regex            -
    short-timeout           `timeout server 30m` in the Exchange backend           EAS102 on the backend
    short-timeout-inherited `timeout server 30m` inherited from `defaults           EAS102 on the backend
                            legacy_mail`
    alert-timeout           no `timeout server`: the backend inherits the web      EAS101 on the backend
                            defaults (30 s / 1 m)
    case-sensitive          User-Agent and DeviceType blocks without `-i`          EAS202 on the frontend
    shadowed                an "Exchange fast path" allow above the denies         EAS204 on the frontend
    passthrough             `mode tcp` on :443, TLS passes through to Exchange     EAS207 on the frontend
    no-block                nothing refuses CloudMagic                             EAS201 on the frontend

`--known-gaps` adds two Exchange front ends easlint 0.1.0 misses (TLS passthrough routed by
SNI; an Exchange host after 16 other hosts on one frontend): see KNOWN_GAP_KINDS and
bench/README.md.

The generator is deterministic: the same arguments give byte-identical output (one seeded
`random.Random`, no dependence on hash order, the clock or the machine). `--manifest FILE`
writes the planted Exchange front ends and the findings expected on each as JSON. The numbers
of frontends and backends are exact from 20 frontends up (2,000 give about 24,000 lines).

    python3 bench/generate_haproxy.py --frontends 2000 --seed 1 --cert tests/data/insecure-test-cert.pem -o bench/out/edge.cfg

The output passes `haproxy -c -f FILE` (HAProxy 2.6) when `--cert` names a PEM file with a
certificate and its key.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package
import _common  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CERT = REPO / "tests" / "data" / "insecure-test-cert.pem"
DEFAULT_FRONTENDS = 2000
DEFAULT_SEED = 1
EXCHANGE_SHARE = 0.04  # one frontend in 25 carries Exchange

# (kind, expected findings as (rule id, "frontend"|"backend")): the order is the order in
# which kinds are handed out, so even a small config gets every problem class.
EXCHANGE_KINDS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("short-timeout", (("EAS102", "backend"),)),
    ("case-sensitive", (("EAS202", "frontend"),)),
    ("good", ()),
    ("shadowed", (("EAS204", "frontend"),)),
    ("passthrough", (("EAS207", "frontend"),)),
    ("good-shared", ()),
    ("alert-timeout", (("EAS101", "backend"),)),
    ("no-block", (("EAS201", "frontend"),)),
    ("good-regex", ()),
    ("short-timeout-inherited", (("EAS102", "backend"),)),
    ("good", ()),
    ("good-shared", ()),
)
PROBLEM_KINDS = tuple(kind for kind, expected in EXCHANGE_KINDS if expected)
GOOD_KINDS = tuple(dict.fromkeys(kind for kind, expected in EXCHANGE_KINDS if not expected))
# Constructs an early easlint got wrong (see bench/README.md, now fixed), planted only with
# --known-gaps so that the default benchmark stays the same baseline across versions:
# (kind, expected findings, backends owned).
KNOWN_GAP_KINDS: tuple[tuple[str, tuple[tuple[str, str], ...], int], ...] = (
    # TLS passthrough routed by SNI: the 30m timeouts and the missing L7 visibility.
    ("gap-sni-passthrough", (("EAS207", "frontend"), ("EAS102", "frontend"), ("EAS102", "backend")), 2),
    # An Exchange host without an Exchange word ("mail.<tenant>") after 16 other hosts on one
    # frontend: its 30m timeout.
    ("gap-many-hosts", (("EAS102", "backend"),), 17),
)
EXPECTED = dict(EXCHANGE_KINDS) | {kind: expected for kind, expected, _ in KNOWN_GAP_KINDS}

# Names for ordinary services. None of them may look like Exchange to easlint (whole words
# exchange*, activesync*, autodiscover*, owa, ews, mapi, eas, exch with optional digits).
APPS = (
    "shop", "api", "billing", "wiki", "git", "ci", "grafana", "kibana", "crm", "erp", "portal",
    "intranet", "hr", "payroll", "docs", "cdn", "static", "media", "auth", "sso", "vpn", "jira",
    "confluence", "nexus", "registry", "status", "blog", "news", "forum", "search", "maps",
    "tickets", "helpdesk", "chat", "video", "files", "backup", "monitor", "metrics", "logs",
    "pay", "checkout", "cart", "catalog", "images", "assets", "upload", "download", "partner",
    "b2b", "edi", "sftp", "reports", "analytics", "events", "booking", "calendar", "survey",
    "learn", "lms", "careers", "press", "support", "kb", "community", "dev", "staging", "sandbox",
)
TENANTS = (
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell",
    "cyberdyne", "soylent", "vandelay", "gringotts", "oscorp", "massive", "aperture", "piedpiper",
    "duff", "nakatomi", "monarch", "virtucon", "prestige", "sterling", "dunder", "bluth",
    "pendant", "kramerica", "veridian", "abstergo", "encom", "genco", "rekall", "zorg", "octan",
    "contoso", "fabrikam", "northwind", "tailspin", "wingtip", "adatum", "litware", "proseware",
    "fourthcoffee", "woodgrove", "lucerne", "margie", "alpine", "consolidated", "trey", "humongous",
)
TLDS = ("example.com", "example.net", "example.org")
TCP_SERVICES = (
    ("postgres", 5432, "option pgsql-check user haproxy"),
    ("mysql", 3306, "option mysql-check user haproxy"),
    ("redis", 6379, "option redis-check"),
    ("smtp", 25, "option smtpchk HELO edge.example.com"),
    ("ldap", 389, "option ldap-check"),
    ("mqtt", 1883, "option tcp-check"),
    ("amqp", 5672, "option tcp-check"),
    ("ssh", 22, "option tcp-check"),
    ("rdp", 3389, "option tcp-check"),
    ("imaps", 993, "option tcp-check"),
)
BAD_PATHS = ("/.git", "/.env", "/wp-admin", "/wp-login.php", "/phpmyadmin", "/.aws", "/server-status", "/cgi-bin")
HEALTH_PATHS = ("/health", "/healthz", "/status", "/ping", "/-/ready", "/api/health", "/actuator/health")

_EXCHANGE_WORD = re.compile(r"^(?:exchange|activesync|autodiscover)|^(?:owa|ews|mapi|eas|exch)\d*$")


def _looks_like_exchange(text: str) -> bool:
    return any(word and _EXCHANGE_WORD.search(word) for word in re.split(r"[^a-z0-9]+", text.lower()))


@dataclass
class Planted:
    kind: str
    tenant: str
    frontend: str
    backend: str
    hosts: list[str]
    expected: list[tuple[str, str]] = field(default_factory=list)  # (rule id, object path)

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "tenant": self.tenant, "frontend": f"frontend {self.frontend}",
                "backend": f"backend {self.backend}", "hosts": self.hosts,
                "expected": [{"rule_id": rule, "object": obj} for rule, obj in self.expected],
                "known_gap": self.kind.startswith("gap-")}


@dataclass
class _Frontend:
    """What one frontend slot becomes; backends it owns are written right after it."""

    kind: str  # web, redirect, shared, tcp, sni, alias, exchange
    backends: int
    exchange_kind: str | None = None
    hosted: list[str] = field(default_factory=list)  # good-shared Exchange services on a shared frontend


class Generator:
    def __init__(self, frontends: int, seed: int, cert: str, backends: int | None = None, known_gaps: bool = False) -> None:
        self.known_gaps = known_gaps
        if frontends < 1:
            raise ValueError("at least one frontend")
        self.n_frontends = frontends
        self.n_backends = frontends if backends is None else backends
        self.seed = seed
        self.cert = cert
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.planted: list[Planted] = []
        self.web_backends: list[str] = []  # http backends other services may fall back to
        self.used_names: set[str] = set()
        self.used_hosts: set[str] = set()
        self.address_counter = 0
        self.server_counter = 0
        self.frontend_count = 0
        self.backend_count = 0
        self.listen_count = 0

    # -- helpers -----------------------------------------------------------------------------

    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    def name(self, prefix: str, base: str) -> str:
        candidate = f"{prefix}_{base}"
        number = 2
        while candidate in self.used_names:
            candidate = f"{prefix}_{base}_{number}"
            number += 1
        self.used_names.add(candidate)
        return candidate

    def host(self, app: str, tenant: str, exchange: bool = False) -> str:
        tld = self.rng.choice(TLDS)
        candidate = f"{app}.{tenant}.{tld}"
        number = 2
        while candidate in self.used_hosts:
            candidate = f"{app}{number}.{tenant}.{tld}"
            number += 1
        if not exchange and _looks_like_exchange(candidate):
            raise AssertionError(f"ordinary host {candidate} would be marked as Exchange")
        self.used_hosts.add(candidate)
        return candidate

    def vip(self) -> str:
        """A unique public-looking listening address (documentation and private ranges)."""
        self.address_counter += 1
        n = self.address_counter
        return f"10.{64 + n // 65025 % 64}.{n // 255 % 255}.{n % 255 + 1}"

    def server_address(self) -> str:
        self.server_counter += 1
        n = self.server_counter
        return f"172.{16 + n // 65025 % 16}.{n // 255 % 255}.{n % 255 + 1}"

    def bind_tls(self, address: str, port: int = 443, alpn: bool = True) -> str:
        extra = " alpn h2,http/1.1" if alpn else ""
        return f"    bind {address}:{port} ssl crt {self.cert}{extra}"

    def tenant_app(self) -> tuple[str, str]:
        return self.rng.choice(TENANTS), self.rng.choice(APPS)

    # -- plan --------------------------------------------------------------------------------

    def plan(self) -> list[_Frontend]:
        """Frontend slots in file order: exactly n frontends owning exactly n_backends backends."""
        rng = self.rng
        n = self.n_frontends
        services = max(len(EXCHANGE_KINDS), round(n * EXCHANGE_SHARE))
        exchange_kinds = [EXCHANGE_KINDS[index % len(EXCHANGE_KINDS)][0] for index in range(services)]
        shared_hosted = [kind for kind in exchange_kinds if kind == "good-shared"]
        own_frontend = [kind for kind in exchange_kinds if kind != "good-shared"][: max(0, n - 1)]
        slots = [_Frontend("exchange", 1, kind) for kind in own_frontend]
        if self.known_gaps:
            slots += [_Frontend("exchange", owned, kind) for kind, _, owned in KNOWN_GAP_KINDS]
        weights = (("web", 48), ("redirect", 18), ("shared", 2), ("tcp", 13), ("sni", 3), ("alias", 6))
        kinds = [kind for kind, _ in weights]
        chances = [weight for _, weight in weights]
        for _ in range(n - len(slots)):
            kind = rng.choices(kinds, chances)[0]
            backends = {"web": 1, "redirect": 0, "shared": rng.randint(4, 12), "tcp": 1, "sni": rng.randint(2, 4), "alias": 0}[kind]
            slots.append(_Frontend(kind, backends))
        shared = [slot for slot in slots if slot.kind == "shared"]
        if shared_hosted and not shared:
            slot = next((slot for slot in slots if slot.kind in ("web", "redirect", "alias", "tcp")), None)
            if slot is None:
                shared_hosted = []
            else:
                slot.kind, slot.backends = "shared", 1
                shared = [slot]
        for kind in shared_hosted:
            host = rng.choice(shared)
            host.hosted.append(kind)
            host.backends += 1
        # Exactly n_backends: split web services into path-routed api/static backends, or fold
        # single-backend services into aliases of earlier ones.
        total = sum(slot.backends for slot in slots)
        order = list(range(len(slots)))
        rng.shuffle(order)
        for cursor in range(8 * len(slots)):
            if total == self.n_backends:
                break
            slot = slots[order[cursor % len(slots)]]
            if total < self.n_backends and slot.kind in ("web", "shared", "sni") and slot.backends < (3 if slot.kind == "web" else 24):
                slot.backends += 1
                total += 1
            elif total > self.n_backends and slot.kind in ("web", "tcp") and slot.backends == 1:
                slot.kind, slot.backends = ("alias" if slot.kind == "web" else "redirect"), 0
                total -= 1
            elif total > self.n_backends and ((slot.kind == "sni" and slot.backends > 1)
                                              or (slot.kind == "shared" and slot.backends > len(slot.hosted) + 1)):
                slot.backends -= 1
                total -= 1
        # Exchange front ends anywhere but first (their fallback and aliases need a web backend).
        head = [slot for slot in slots if slot.kind == "exchange"]
        rest = [slot for slot in slots if slot.kind != "exchange"]
        rng.shuffle(rest)
        for slot in head:
            rest.insert(rng.randint(1, len(rest)) if rest else 0, slot)
        return rest

    # -- global and defaults -----------------------------------------------------------------

    def header(self) -> None:
        self.emit(
            f"# Generated by bench/generate_haproxy.py --frontends {self.n_frontends} --seed {self.seed}: do not edit.",
            "# A shared HAProxy 2.6 edge: web and TCP services of many tenants, some of them Exchange.",
            "",
            "global",
            "    log /dev/log local0",
            "    log /dev/log local1 notice",
            "    maxconn 200000",
            "    nbthread 4",
            "    hard-stop-after 30m",
            "    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
            "    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets",
            "    ssl-default-server-options ssl-min-ver TLSv1.2",
            "    tune.ssl.default-dh-param 2048",
            "    tune.bufsize 32768",
            "",
            "userlist ops_users",
            "    group ops",
            "    user alice insecure-password correct-horse groups ops",
            "    user bob insecure-password battery-staple groups ops",
            "",
            "resolvers dc_dns",
            "    nameserver dns1 10.0.0.53:53",
            "    nameserver dns2 10.0.0.54:53",
            "    resolve_retries 3",
            "    timeout resolve 1s",
            "    timeout retry 1s",
            "    hold valid 10s",
            "",
            "cache static_objects",
            "    total-max-size 256",
            "    max-object-size 1048576",
            "    max-age 300",
            "",
            "defaults tcp_base",
            "    mode tcp",
            "    log global",
            "    option tcplog",
            "    option dontlognull",
            "    timeout connect 5s",
            "    timeout client 1h",
            "    timeout server 1h",
            "",
            "defaults exchange",
            "    mode http",
            "    log global",
            "    option httplog",
            "    option forwardfor",
            "    option http-keep-alive",
            "    timeout connect 5s",
            "    timeout client 65m",
            "    timeout server 65m",
            "    timeout http-request 30s",
            "    timeout http-keep-alive 2m",
            "",
            "defaults legacy_mail",
            "    mode http",
            "    log global",
            "    option httplog",
            "    option http-server-close",
            "    timeout connect 5s",
            "    timeout client 30m",
            "    timeout server 30m",
            "",
            "# Rules here run before each frontend's own; only frontends use it ('from hardened').",
            "defaults hardened",
            "    mode http",
            "    log global",
            "    option httplog",
            "    option forwardfor",
            "    timeout connect 5s",
            "    timeout client 30s",
            "    timeout server 30s",
            "    timeout http-request 10s",
            "    http-request deny deny_status 400 if { req.hdr_cnt(host) gt 1 }",
            "    http-request deny if { path_beg -i /.git /.env /.aws }",
            "",
        )
        self.anonymous_defaults(client="30s", server="30s")
        self.emit(
            "listen stats",
            "    bind 127.0.0.1:8404",
            "    stats enable",
            "    stats uri /stats",
            "    stats refresh 10s",
            "    stats admin if { src 127.0.0.1 }",
            "",
        )
        self.listen_count += 1

    def anonymous_defaults(self, client: str, server: str) -> None:
        self.emit(
            "defaults",
            "    mode http",
            "    log global",
            "    option httplog",
            "    option dontlognull",
            "    option forwardfor",
            "    option http-keep-alive",
            "    timeout connect 5s",
            f"    timeout client {client}",
            f"    timeout server {server}",
            "    timeout http-request 10s",
            "    timeout http-keep-alive 15s",
            "    timeout queue 30s",
            "",
        )

    # -- ordinary services -------------------------------------------------------------------

    def http_backend(self, name: str, app: str, host: str) -> None:
        rng = self.rng
        lines = [f"backend {name}"]
        if rng.random() < 0.4:
            lines.append(f"    balance {rng.choice(('roundrobin', 'leastconn', 'leastconn', 'source', 'uri'))}")
        health = rng.choice(HEALTH_PATHS)
        style = rng.random()
        if style < 0.2:
            lines.append(f"    option httpchk GET {health}")
        elif style < 0.26:
            lines.append("    option httpchk")
            lines.append(f"    http-check send meth GET uri {health} ver HTTP/1.1 hdr Host {host}")
            lines.append("    http-check expect rstatus ^2")
        extras = rng.random() * 1.25  # one backend in five has none of these
        cookie = extras < 0.08
        if cookie:
            lines.append("    cookie SRVID insert indirect nocache httponly secure")
        elif extras < 0.14:
            lines.append("    stick-table type ip size 200k expire 30m")
            lines.append("    stick on src")
        elif extras < 0.26:
            lines.append(f"    timeout server {rng.choice(('10s', '1m', '2m', '5m'))}")
        elif extras < 0.32:
            lines.append("    option redispatch")
            lines.append("    retries 3")
        elif extras < 0.37:
            lines.append("    http-request set-header X-Forwarded-Host %[req.hdr(host)]")
        elif extras < 0.41:
            lines.append("    http-reuse safe")
        elif extras < 0.46:
            lines.append("    compression algo gzip")
            lines.append("    compression type text/html text/plain text/css application/javascript application/json")
        elif extras < 0.52:
            lines.append("    default-server inter 3s fall 3 rise 2")
        tls = rng.random() < 0.25
        port = 443 if tls else rng.choice((80, 8080, 8000, 3000, 9000))
        for number in range(1, rng.choice((2, 2, 2, 2, 3)) + 1):
            options = " check"
            if cookie:
                options += f" cookie s{number}"
            if tls:
                options += " ssl verify none"
            elif rng.random() < 0.05:
                options += " maxconn 500"
            lines.append(f"    server {app}{number} {self.server_address()}:{port}{options}")
        self.emit(*lines, "")
        self.backend_count += 1

    def tcp_backend(self, name: str, service: str, port: int, check: str) -> None:
        rng = self.rng
        lines = [f"backend {name} from tcp_base"]
        if rng.random() < 0.3:
            lines.append(f"    balance {rng.choice(('roundrobin', 'leastconn', 'source', 'first'))}")
        lines.append(f"    {check}")
        if rng.random() < 0.2:
            lines.append(f"    timeout server {rng.choice(('30m', '2h', '8h'))}")
        if service in ("postgres", "mysql") and rng.random() < 0.5:
            lines.append(f"    server {service}1 {self.server_address()}:{port} check")
            lines.append(f"    server {service}2 {self.server_address()}:{port} check backup")
        else:
            for number in range(1, rng.choice((2, 2, 3)) + 1):
                lines.append(f"    server {service}{number} {self.server_address()}:{port} check inter 5s")
        self.emit(*lines, "")
        self.backend_count += 1

    def web_rules(self, app: str) -> list[str]:
        """A few of the http-request and http-response rules a web frontend carries."""
        rng = self.rng
        tier = rng.random()
        count = 0 if tier < 0.55 else 1 if tier < 0.82 else 2 if tier < 0.95 else 4
        menu = [
            ["    http-request set-header X-Forwarded-Proto https if { ssl_fc }"],
            [f"    http-request deny deny_status 404 if {{ path_beg -i {' '.join(rng.sample(BAD_PATHS, rng.randint(2, 4)))} }}"],
            [f"    http-request return status 200 content-type text/plain string ok if {{ path {rng.choice(HEALTH_PATHS)} }}"],
            ["    stick-table type ip size 100k expire 30s store http_req_rate(10s)",
             "    http-request track-sc0 src",
             f"    http-request deny deny_status 429 if {{ sc_http_req_rate(0) gt {rng.choice((50, 100, 200, 500))} }}"],
            ["    acl admin_path path_beg -i /admin /manage",
             "    acl ops_auth http_auth_group(ops_users) ops",
             "    http-request auth realm ops if admin_path !ops_auth"],
            ["    http-request capture req.hdr(User-Agent) len 64"],
            ["    http-request set-var(txn.host) req.hdr(host),lower"],
            ["    http-request del-header X-Forwarded-For", "    http-request add-header X-Request-Start t=%Ts"],
            ["    http-request replace-path ^/v1/(.*) /api/v1/\\1"],
            ["    http-request set-log-level silent if { path_beg /health }"],
            ["    http-request tarpit deny_status 403 if { src 198.51.100.0/24 }"],
            ["    http-request cache-use static_objects if { path_end .css .js .png .svg }",
             "    http-response cache-store static_objects"],
            ['    http-response set-header Strict-Transport-Security "max-age=31536000; includeSubDomains"'],
            ["    http-response del-header Server"],
            ["    compression algo gzip deflate"],
            [f"    http-request redirect prefix https://www.{app}.example.com code 301 if {{ hdr(host) -i {app}.example.com }}"],
            ["    http-request deny deny_status 405 unless METH_GET or METH_POST or METH_HEAD or METH_OPTIONS"],
        ]
        lines: list[str] = []
        for chosen in sorted(rng.sample(range(len(menu)), count)):
            lines += menu[chosen]
        return lines

    def web_frontend(self, slot: _Frontend) -> None:
        rng = self.rng
        tenant, app = self.tenant_app()
        fe = self.name("fe", f"{app}_{tenant}")
        hosts = [self.host(app, tenant)]
        if rng.random() < 0.3:
            hosts.append(self.host("www" if app != "www" else "web", tenant))
        backends = [self.name("be", f"{app}_{tenant}")]
        extra = ["api", "static", "assets"]
        for index in range(1, slot.backends):
            backends.append(self.name("be", f"{app}_{extra[index - 1]}_{tenant}"))
        hardened = rng.random() < 0.15
        address = self.vip()
        lines = [f"frontend {fe}" + (" from hardened" if hardened else "")]
        if rng.random() < 0.15:
            lines.append(f"    description {app} for {tenant}")
        plain_http = rng.random() < 0.35  # else port 80 has its own redirect frontend
        if plain_http:
            lines.append(f"    bind {address}:80")
        lines.append(self.bind_tls(address, alpn=rng.random() < 0.7))
        if rng.random() < 0.08:
            lines.append(f"    bind {address}:8443 ssl crt {self.cert}")
        if plain_http:
            lines.append("    http-request redirect scheme https code 301 unless { ssl_fc }")
        lines += self.web_rules(app)
        routed = len(backends) > 1 or rng.random() < 0.4
        if routed:
            lines.append(f"    acl host_{app} hdr(host) -i {' '.join(hosts)}")
            prefixes = {"api": "/api", "static": "/static", "assets": "/assets"}
            for backend, kind in zip(backends[1:], extra):
                lines.append(f"    use_backend {backend} if host_{app} {{ path_beg {prefixes[kind]}/ }}")
            if self.web_backends and rng.random() < 0.5:
                lines.append(f"    use_backend {backends[0]} if host_{app}")
                lines.append(f"    default_backend {rng.choice(self.web_backends)}")
            else:
                lines.append(f"    default_backend {backends[0]}")
        else:
            lines.append(f"    default_backend {backends[0]}")
        self.emit(*lines, "")
        self.frontend_count += 1
        for backend in backends:
            self.http_backend(backend, app, hosts[0])
        self.web_backends.append(backends[0])

    def redirect_frontend(self) -> None:
        rng = self.rng
        tenant, app = self.tenant_app()
        fe = self.name("fe", f"{app}_{tenant}_http")
        lines = [f"frontend {fe}", f"    bind {self.vip()}:80"]
        if rng.random() < 0.2:
            lines.append("    http-request return status 200 content-type text/plain string ok if { path /healthz }")
        if rng.random() < 0.6:
            lines.append("    http-request redirect scheme https code 301")
        else:
            target = self.host(app, tenant)
            lines.append(f"    http-request redirect location https://{target}%[capture.req.uri] code 302")
        self.emit(*lines, "")
        self.frontend_count += 1

    def alias_frontend(self) -> None:
        """A second entry point (legacy address, partner VPN) to an existing web backend."""
        rng = self.rng
        backend = rng.choice(self.web_backends)
        fe = self.name("fe", f"{backend[3:]}_legacy")
        lines = [f"frontend {fe}", self.bind_tls(self.vip(), alpn=False)]
        if rng.random() < 0.4:
            lines.append("    tcp-request connection reject unless { src 10.0.0.0/8 192.168.0.0/16 }")
        lines.append(f"    default_backend {backend}")
        self.emit(*lines, "")
        self.frontend_count += 1

    def shared_frontend(self, slot: _Frontend) -> None:
        """A virtual-host frontend for many hosts; Exchange hosts on it are hardened here."""
        rng = self.rng
        tenant = rng.choice(TENANTS)
        fe = self.name("fe", f"shared_vhosts_{tenant}")
        address = self.vip()
        hosted = [self.new_exchange(kind, fe) for kind in slot.hosted]
        lines = [f"frontend {fe}", f"    bind {address}:80", self.bind_tls(address), f"    bind {address}:8443 ssl crt {self.cert}"]
        lines.append("    option http-buffer-request")
        lines.append("    http-request redirect scheme https code 301 unless { ssl_fc }")
        lines.append("    http-request set-header X-Forwarded-Proto https if { ssl_fc }")
        lines.append("    http-request deny if { path_beg -i /.git /.env /phpmyadmin }")
        if hosted:
            lines.extend(self.exchange_block_lines(case_insensitive=True))
        routes: list[tuple[str, str, str]] = []
        for _ in range(slot.backends - len(hosted)):
            app, owner = rng.choice(APPS), rng.choice(TENANTS)
            routes.append((self.name("be", f"{app}_{owner}_vh"), self.host(app, owner), app))
        for backend, host, _ in routes:
            lines.append(f"    use_backend {backend} if {{ hdr(host) -i {host} }}")
        for planted in hosted:
            lines.append(f"    use_backend {planted.backend} if {{ hdr(host) -i {' '.join(planted.hosts)} }}")
        if routes:
            lines.append(f"    default_backend {routes[0][0]}")
        elif self.web_backends:
            lines.append(f"    default_backend {rng.choice(self.web_backends)}")
        self.emit(*lines, "")
        self.frontend_count += 1
        for backend, host, app in routes:
            self.http_backend(backend, app, host)
        for planted in hosted:
            self.exchange_backend(planted, timeout="65m" if rng.random() < 0.5 else None, defaults_from="exchange")
            self.expect(planted)
        if routes:
            self.web_backends.append(routes[0][0])

    def tcp_frontend(self) -> None:
        rng = self.rng
        service, port, check = rng.choice(TCP_SERVICES)
        tenant = rng.choice(TENANTS)
        fe = self.name("fe", f"{service}_{tenant}")
        be = self.name("be", f"{service}_{tenant}")
        lines = [f"frontend {fe} from tcp_base", f"    bind {self.vip()}:{port}"]
        extras = rng.random()
        if extras < 0.3:
            lines.append("    tcp-request connection reject unless { src 10.0.0.0/8 172.16.0.0/12 }")
        elif extras < 0.45:
            lines.append("    stick-table type ip size 50k expire 1m store conn_rate(10s)")
            lines.append("    tcp-request connection track-sc0 src")
            lines.append("    tcp-request connection reject if { sc_conn_rate(0) gt 20 }")
        elif extras < 0.55:
            lines.append("    timeout client 8h")
        lines.append(f"    default_backend {be}")
        self.emit(*lines, "")
        self.frontend_count += 1
        self.tcp_backend(be, service, port, check)

    def sni_frontend(self, slot: _Frontend) -> None:
        """TLS passthrough of web services, routed by SNI (ordinary, not Exchange)."""
        rng = self.rng
        tenant = rng.choice(TENANTS)
        fe = self.name("fe", f"sni_router_{tenant}")
        lines = [f"frontend {fe} from tcp_base", f"    bind {self.vip()}:443", "    tcp-request inspect-delay 5s",
                 "    tcp-request content accept if { req.ssl_hello_type 1 }"]
        routes = []
        for _ in range(slot.backends):
            app = rng.choice(APPS)
            routes.append((self.name("be", f"{app}_{tenant}_tls"), self.host(app, tenant)))
        for backend, host in routes:
            lines.append(f"    use_backend {backend} if {{ req.ssl_sni -i {host} }}")
        lines.append(f"    default_backend {routes[0][0]}")
        self.emit(*lines, "")
        self.frontend_count += 1
        for backend, _ in routes:
            self.tcp_backend(backend, "tls", 443, "option ssl-hello-chk")

    # -- Exchange ----------------------------------------------------------------------------

    def new_exchange(self, kind: str, frontend: str | None = None) -> Planted:
        tenant = self.rng.choice(TENANTS)
        fe = frontend or self.name("fe", f"exchange_{tenant}")
        be = self.name("be", f"exchange_{tenant}")
        hosts = [self.host("mail", tenant, exchange=True), self.host("autodiscover", tenant, exchange=True)]
        planted = Planted(kind, tenant, fe, be, hosts)
        self.planted.append(planted)
        return planted

    def exchange_block_lines(self, case_insensitive: bool, regex: bool = False) -> list[str]:
        """ActiveSync hardening: refuse CloudMagic by User-Agent and by DeviceType."""
        flag = " -i" if case_insensitive else ""
        lines = ["    acl activesync path_beg -i /microsoft-server-activesync"]
        if regex:
            lines.append("    acl eas_blocked_ua hdr_reg(User-Agent) -i cloudmagic")
            lines.append("    acl eas_blocked_type urlp_reg(DeviceType) -i ^cloudmagic$")
        else:
            lines.append(f"    acl eas_blocked_ua req.fhdr(User-Agent) -m sub{flag} CloudMagic")
            lines.append(f"    acl eas_blocked_type url_param(DeviceType) -m str{flag} CloudMagic")
        lines.append("    http-request deny deny_status 403 if activesync eas_blocked_ua")
        lines.append("    http-request deny deny_status 403 if { path_beg -i /ews/ } eas_blocked_ua")
        lines.append("    http-request deny deny_status 403 if activesync eas_blocked_type")
        return lines

    def exchange_backend(self, planted: Planted, timeout: str | None, defaults_from: str | None, mode_tcp: bool = False) -> None:
        rng = self.rng
        lines = [f"backend {planted.backend}" + (f" from {defaults_from}" if defaults_from else "")]
        lines.append(f"    balance {'source' if mode_tcp else rng.choice(('leastconn', 'roundrobin', 'source'))}")
        check = "/owa/healthcheck.htm" if mode_tcp else rng.choice(
            ("/owa/healthcheck.htm", "/Microsoft-Server-ActiveSync/healthcheck.htm", "/ews/healthcheck.htm"))
        lines.append(f"    option httpchk GET {check}")
        lines.append("    http-check expect status 200")
        if not mode_tcp and rng.random() < 0.4:
            lines.append("    stick-table type ip size 200k expire 65m")
            lines.append("    stick on src")
        if timeout == "65m":
            lines.append("    # Direct Push holds a Ping for up to 59 minutes (MaxHeartbeatInterval 3540 s).")
        if timeout:
            lines.append(f"    timeout server {timeout}")
        options = " check check-ssl verify none" if mode_tcp else " check ssl verify none"
        for number in range(1, rng.choice((2, 2, 3, 4)) + 1):
            lines.append(f"    server mbx{number} {self.server_address()}:443{options}")
        self.emit(*lines, "")
        self.backend_count += 1

    def exchange_frontend(self, slot: _Frontend) -> None:
        rng = self.rng
        kind = slot.exchange_kind or "good"
        if kind.startswith("gap-"):
            self.known_gap_frontend(kind)
            return
        planted = self.new_exchange(kind)
        fe, be, tenant = planted.frontend, planted.backend, planted.tenant
        address = self.vip()
        if kind == "passthrough":
            self.emit(
                f"# {tenant}: TLS terminates on the Exchange servers; HAProxy forwards bytes",
                f"frontend {fe} from tcp_base",
                f"    bind {address}:443",
                "    timeout client 65m",
                "    tcp-request inspect-delay 5s",
                "    tcp-request content accept if { req.ssl_hello_type 1 }",
                f"    default_backend {be}",
                "",
            )
            self.frontend_count += 1
            self.exchange_backend(planted, timeout="65m", defaults_from="tcp_base", mode_tcp=True)
            self.expect(planted)
            return
        defaults_from: str | None = {"short-timeout-inherited": "legacy_mail", "alert-timeout": None}.get(kind, "exchange")
        if kind == "short-timeout" and rng.random() < 0.5:
            defaults_from = None
        lines = [f"frontend {fe}" + (f" from {defaults_from}" if defaults_from else "")]
        lines.append(f"    description Exchange 2019 for {tenant}: OWA, ActiveSync, EWS, Autodiscover")
        lines.append(f"    bind {address}:80")
        lines.append(self.bind_tls(address))
        lines.append("    http-request redirect scheme https code 301 unless { ssl_fc }")
        lines.append(f"    acl host_mail hdr(host) -i {' '.join(planted.hosts)}")
        if kind == "shadowed":
            lines.append("    acl exchange_paths path_beg -i /owa /ecp /ews /mapi /oab /autodiscover /microsoft-server-activesync")
            lines.append("    # Exchange fast path (skip the generic web rules below)")
            lines.append("    http-request allow if exchange_paths")
            lines.extend(self.exchange_block_lines(case_insensitive=True))
            lines.append("    http-request deny if { path_beg -i /wp-admin /.env }")
        elif kind == "case-sensitive":
            lines.extend(self.exchange_block_lines(case_insensitive=False))
        elif kind == "no-block":
            lines.append("    http-request set-header X-Forwarded-Proto https if { ssl_fc }")
        else:
            lines.extend(self.exchange_block_lines(case_insensitive=True, regex=kind == "good-regex"))
        if self.web_backends and rng.random() < 0.5:
            lines.append(f"    use_backend {be} if host_mail")
            lines.append(f"    default_backend {rng.choice(self.web_backends)}")
        else:
            lines.append(f"    default_backend {be}")
        self.emit(*lines, "")
        self.frontend_count += 1
        timeout: str | None
        if kind == "short-timeout":
            timeout = "30m"
        elif kind in ("alert-timeout", "short-timeout-inherited"):
            timeout = None
        else:  # correct: set here, or inherited from 'defaults exchange'
            timeout = "65m" if defaults_from != "exchange" or rng.random() < 0.5 else None
        self.exchange_backend(planted, timeout=timeout, defaults_from=defaults_from)
        self.expect(planted)

    def known_gap_frontend(self, kind: str) -> None:
        rng = self.rng
        planted = self.new_exchange(kind)
        tenant, address = planted.tenant, self.vip()
        planted.hosts = planted.hosts[:1]  # mail.<tenant> only
        if kind == "gap-sni-passthrough":
            other = self.name("be", f"portal_{tenant}_tls")
            self.emit(
                f"# {tenant}: one TLS address for Exchange and the portal, routed by SNI, no TLS termination",
                f"frontend {planted.frontend} from tcp_base",
                f"    bind {address}:443",
                "    timeout client 30m",
                "    tcp-request inspect-delay 5s",
                "    tcp-request content accept if { req.ssl_hello_type 1 }",
                f"    use_backend {planted.backend} if {{ req.ssl_sni -i {planted.hosts[0]} }}",
                f"    default_backend {other}",
                "",
            )
            self.frontend_count += 1
            self.exchange_backend(planted, timeout="30m", defaults_from="tcp_base", mode_tcp=True)
            self.tcp_backend(other, "portal", 443, "option ssl-hello-chk")
        else:
            fe = self.name("fe", f"vhosts_{tenant}")
            planted.frontend = fe
            lines = [f"frontend {fe}", self.bind_tls(address)]
            lines.extend(self.exchange_block_lines(case_insensitive=True))
            routes = []
            for _ in range(16):
                app = rng.choice(APPS)
                routes.append((self.name("be", f"{app}_{tenant}_vh"), self.host(app, tenant), app))
            for backend, host, _ in routes:
                lines.append(f"    use_backend {backend} if {{ hdr(host) -i {host} }}")
            lines.append(f"    use_backend {planted.backend} if {{ hdr(host) -i {planted.hosts[0]} }}")
            lines.append(f"    default_backend {routes[0][0]}")
            self.emit(*lines, "")
            self.frontend_count += 1
            for backend, host, app in routes:
                self.http_backend(backend, app, host)
            self.exchange_backend(planted, timeout="30m", defaults_from="exchange")
        self.expect(planted)

    def expect(self, planted: Planted) -> None:
        for rule, where in EXPECTED[planted.kind]:
            planted.expected.append((rule, f"{where} {planted.frontend if where == 'frontend' else planted.backend}"))

    # -- whole file --------------------------------------------------------------------------

    def generate(self) -> str:
        slots = self.plan()
        self.header()
        second_defaults_at = len(slots) // 2
        for index, slot in enumerate(slots):
            if index == second_defaults_at:
                # The second half came from another team's edge: its own anonymous defaults.
                self.emit("# ---- migrated from the old edge (2019) ----")
                self.anonymous_defaults(client="1m", server="1m")
            if slot.kind == "exchange":
                self.exchange_frontend(slot)
            elif slot.kind == "web":
                self.web_frontend(slot)
            elif slot.kind == "alias" and self.web_backends:
                self.alias_frontend()
            elif slot.kind in ("redirect", "alias"):
                self.redirect_frontend()
            elif slot.kind == "shared":
                self.shared_frontend(slot)
            elif slot.kind == "tcp":
                self.tcp_frontend()
            elif slot.kind == "sni":
                self.sni_frontend(slot)
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"

    def manifest(self) -> dict[str, object]:
        return {
            "generator": "bench/generate_haproxy.py",
            "seed": self.seed,
            "frontends": self.frontend_count,
            "backends": self.backend_count,
            "listen": self.listen_count,
            "lines": len(self.lines),
            "exchange": [planted.as_json() for planted in self.planted],
        }


def generate(frontends: int = DEFAULT_FRONTENDS, seed: int = DEFAULT_SEED, cert: str | Path = DEFAULT_CERT,
             backends: int | None = None, known_gaps: bool = False) -> tuple[str, dict[str, object]]:
    """The configuration text and its manifest (planted Exchange front ends, expected findings)."""
    generator = Generator(frontends, seed, str(cert), backends, known_gaps)
    text = generator.generate()
    return text, generator.manifest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a large, realistic HAProxy configuration (deterministic).")
    parser.add_argument("--frontends", type=int, default=DEFAULT_FRONTENDS, help=f"number of frontends (default {DEFAULT_FRONTENDS})")
    parser.add_argument("--backends", type=int, default=None, help="number of backends (default: as many as frontends)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--cert", default=str(DEFAULT_CERT), help="PEM (certificate and key) used by every 'crt' (default: the test certificate)")
    parser.add_argument("-o", "--output", default="-", help="output file (default: standard output)")
    parser.add_argument("--manifest", help="also write the planted Exchange front ends and expected findings as JSON")
    parser.add_argument("--known-gaps", action="store_true",
                        help="also plant constructs easlint is known to miss (SNI passthrough, an Exchange host after 16 others)")
    args = parser.parse_args(argv)
    text, manifest = generate(args.frontends, args.seed, args.cert, args.backends, args.known_gaps)
    _common.write_outputs(text, args.output, manifest, args.manifest)
    if args.output != "-":
        sys.stderr.write(f"{args.output}: {manifest['lines']} lines, {manifest['frontends']} frontends, "
                         f"{manifest['backends']} backends, {len(manifest['exchange'])} Exchange front ends\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
