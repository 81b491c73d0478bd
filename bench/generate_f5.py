#!/usr/bin/env python3
"""Generate a large, realistic bigip.conf for the F5 benchmark (easlint beside f5-corkscrew).

The output looks like the /Common partition of a busy shared BIG-IP, as `tmsh save sys config`
writes it: no blank lines between objects, four-space indentation, full paths, `apm` and `ltm`
objects first and `net`/`sys` objects last. Per application: nodes, a pool of two or three members (web
applications share an HTTPS monitor and a wildcard client-ssl profile, Exchange has its own), and one to three virtual servers (HTTPS with client-ssl and
http, an HTTP-to-HTTPS redirect on port 80, or a TCP service with a fastL4 profile), some with
their own tcp, http and client-ssl profiles (`defaults-from` chains) and LTM policies. One
application in 25 is Exchange (pool, monitor and virtual names say so); half of those are
correct (tcp idle-timeout 3900 on both legs, CloudMagic refused by User-Agent and DeviceType),
the others carry one problem each:

    kind            problem                                                   expected finding
    good            none                                                      -
    short-timeout   exchange tcp profile idle-timeout 1800                    EAS102
    builtin-tcp     the built-in /Common/tcp on the server side (300 s)      EAS101
    no-block        no policy refuses CloudMagic                              EAS201
    case-sensitive  the policy conditions say case-sensitive                  EAS202 twice (User-Agent
                                                                              and DeviceType rules)

Deterministic: one seeded `random.Random`; the same arguments give the same bytes. 3,000
virtual servers give about 90,000 lines.

    python3 bench/generate_f5.py --virtuals 3000 --seed 1 -o bench/out/bigip-3000.conf --manifest bench/out/bigip-3000.json
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

EXCHANGE_SHARE = 25  # one application in 25 is Exchange
EXCHANGE_KINDS = (("good", ()), ("short-timeout", ("EAS102",)), ("good", ()), ("builtin-tcp", ("EAS101",)),
                  ("no-block", ("EAS201",)), ("case-sensitive", ("EAS202", "EAS202")))
WORDS = ("portal", "billing", "crm", "hr", "wiki", "intranet", "shop", "api", "auth", "sso", "docs", "files", "jira",
         "git", "ci", "grafana", "kibana", "erp", "payroll", "helpdesk", "crm2", "cms", "media", "search", "reports")


def _monitor(name: str, host: str, path: str) -> list[str]:
    return [
        f"ltm monitor https /Common/{name} {{",
        "    adaptive disabled",
        "    defaults-from /Common/https",
        "    destination *:*",
        "    interval 10",
        "    ip-dscp 0",
        '    recv "200 OK"',
        "    recv-disable none",
        f'    send "GET {path} HTTP/1.1\\r\\nHost: {host}\\r\\nConnection: Close\\r\\n\\r\\n"',
        "    time-until-up 0",
        "    timeout 31",
        "}",
    ]


def _pool(name: str, members: list[tuple[str, str, int]], monitor: str, description: str) -> list[str]:
    lines = [f"ltm pool /Common/{name} {{", f'    description "{description}"', "    load-balancing-mode least-connections-member",
             "    members {"]
    for node, address, port in members:
        lines += [f"        /Common/{node}:{port} {{", f"            address {address}", "        }"]
    lines += ["    }", f"    monitor /Common/{monitor}", "}"]
    return lines


def _virtual(name: str, destination: str, pool: str | None, profiles: list[tuple[str, str]], description: str,
             policies: list[str] = (), rules: list[str] = ()) -> list[str]:
    lines = [f"ltm virtual /Common/{name} {{", "    creation-time 2023-03-14:09:26:53", f'    description "{description}"',
             f"    destination /Common/{destination}", "    ip-protocol tcp", "    mask 255.255.255.255"]
    if policies:
        lines += ["    policies {"] + [f"        /Common/{policy} {{ }}" for policy in policies] + ["    }"]
    if pool:
        lines.append(f"    pool /Common/{pool}")
    lines.append("    profiles {")
    for profile, context in profiles:
        if context == "all":
            lines.append(f"        {profile} {{ }}")
        else:
            lines += [f"        {profile} {{", f"            context {context}", "        }"]
    lines.append("    }")
    if rules:
        lines += ["    rules {"] + [f"        {rule}" for rule in rules] + ["    }"]
    lines.append("    source 0.0.0.0/0")
    if pool:
        lines += ["    source-address-translation {", "        type automap", "    }"]
    lines += ["    translate-address enabled", "    translate-port enabled", "}"]
    return lines


def _tcp(name: str, parent: str, idle: int | str) -> list[str]:
    return [f"ltm profile tcp /Common/{name} {{", "    app-service none", f"    defaults-from /Common/{parent}",
            f"    idle-timeout {idle}", "    keep-alive-interval 1800", "    nagle enabled", "}"]


def _clientssl(name: str, host: str) -> list[str]:
    cert = host.replace(".", "_")
    return [f"ltm profile client-ssl /Common/{name} {{", "    app-service none", "    cert-key-chain {", f"        {cert} {{",
            f"            cert /Common/{host}.crt", f"            key /Common/{host}.key", "        }", "    }",
            "    defaults-from /Common/clientssl", "    inherit-ca-certkeychain true", "    inherit-certkeychain false", "}"]


def _policy(name: str, case_sensitive: bool) -> list[str]:
    flag = ["                    case-sensitive"] if case_sensitive else []
    return [
        f"ltm policy /Common/{name} {{", "    controls { forwarding }", "    requires { http }", "    rules {",
        "        block_cloudmagic_ua {", "            actions {", "                0 {", "                    forward",
        "                    reset", "                }", "            }", "            conditions {", "                0 {",
        "                    http-uri", "                    path", "                    starts-with",
        "                    values { /Microsoft-Server-ActiveSync /EWS/ }", "                }", "                1 {",
        "                    http-header", "                    name User-Agent", *flag, "                    contains",
        "                    values { CloudMagic }", "                }", "            }", "            ordinal 1", "        }",
        "        block_cloudmagic_devicetype {", "            actions {", "                0 {", "                    forward",
        "                    reset", "                }", "            }", "            conditions {", "                0 {",
        "                    http-uri", "                    path", "                    starts-with",
        "                    values { /Microsoft-Server-ActiveSync }", "                }", "                1 {",
        "                    http-uri", "                    query-parameter", "                    name DeviceType",
        *flag, "                    equals", "                    values { CloudMagic }",
        "                }", "            }", "            ordinal 2", "        }", "    }", "    strategy /Common/first-match", "}",
    ]


def generate(virtuals: int, seed: int) -> tuple[str, list[dict]]:
    rng = random.Random(seed)
    ltm: list[str] = []
    nodes: dict[str, str] = {}
    manifest: list[dict] = []
    count = 0
    app = 0
    exchange_index = 0
    while count < virtuals:
        app += 1
        exchange = app % EXCHANGE_SHARE == 0
        word = "exchange" if exchange else f"{WORDS[app % len(WORDS)]}{app}"
        host = f"mail{app}.example.com" if exchange else f"{word}.example.com"
        vip = f"198.51.{100 + app // 250}.{app % 250 + 1}"
        members = []
        for index in range(rng.randint(2, 3)):
            address = f"10.{app // 250 % 250}.{app % 250}.{index + 11}"
            node = f"{'mbx' if exchange else word}-{app}-{index + 1:02d}"
            nodes[node] = address
            members.append((node, address, 443))
        pool = f"{word}_{app}_pool"
        if exchange:
            monitor = f"exchange_{app}_eas_monitor"
            ltm += _monitor(monitor, host, "/Microsoft-Server-ActiveSync/healthcheck.htm")
            ssl = f"exchange_{app}_clientssl"
            ltm += _clientssl(ssl, host)
        else:
            monitor, ssl = "web_https_monitor", "wildcard_example_com_clientssl"
        ltm += _pool(pool, members, monitor, "Exchange 2019 mailbox servers" if exchange else f"{word} application servers")
        if exchange:
            kind, expected = EXCHANGE_KINDS[exchange_index % len(EXCHANGE_KINDS)]
            exchange_index += 1
            tcp = f"exchange_{app}_tcp"
            ltm += _tcp(tcp, "tcp-wan-optimized", 1800 if kind == "short-timeout" else 3900)
            policies = []
            if kind != "no-block":
                policy = f"exchange_{app}_block_apps"
                ltm += _policy(policy, kind == "case-sensitive")
                policies = [policy]
            server_tcp = "/Common/tcp" if kind == "builtin-tcp" else f"/Common/{tcp}"
            profiles = [(f"/Common/{tcp}", "clientside"), (server_tcp, "serverside"), ("/Common/http", "all"),
                        (f"/Common/{ssl}", "clientside"), ("/Common/serverssl", "serverside")]
            name = f"exchange_{app}_https_vs"
            ltm += _virtual(name, f"{vip}:443", pool, profiles, "Exchange 2019: OWA, ActiveSync, EWS", policies)
            manifest.append({"virtual": f"/Common/{name}", "kind": kind, "expected": list(expected)})
            count += 1
            continue
        shape = rng.random()
        if shape < 0.7:
            tcp_profile = "/Common/f5-tcp-progressive" if rng.random() < 0.5 else "/Common/tcp"
            ltm += _virtual(f"{word}_{app}_https_vs", f"{vip}:443", pool,
                            [(tcp_profile, "all"), ("/Common/http", "all"), (f"/Common/{ssl}", "clientside"),
                             ("/Common/serverssl", "serverside"), ("/Common/oneconnect", "all")], f"{word} web application")
            count += 1
            if count < virtuals and shape < 0.6:
                ltm += _virtual(f"{word}_{app}_http_redirect_vs", f"{vip}:80", None, [("/Common/tcp", "all"), ("/Common/http", "all")],
                                f"{word}: HTTP to HTTPS", rules=["/Common/_sys_https_redirect"])
                count += 1
        else:
            ltm += _virtual(f"{word}_{app}_tcp_vs", f"{vip}:8443", pool, [("/Common/fastL4", "all")], f"{word} TCP service")
            count += 1
    head = ["#TMSH-VERSION: 15.1.8.2", "apm client-packaging /Common/client-packaging { }",
            "apm resource remote-desktop citrix-client-bundle /Common/default-citrix-client-bundle { }"]
    head += _monitor("web_https_monitor", "health.example.com", "/health") + _clientssl("wildcard_example_com_clientssl", "wildcard.example.com")
    node_lines = []
    for node, address in sorted(nodes.items()):
        node_lines += [f"ltm node /Common/{node} {{", f"    address {address}", "}"]
    tail = ["net route-domain /Common/0 {", "    id 0", "    vlans {", "        /Common/external", "        /Common/internal", "    }", "}",
            "net vlan /Common/external {", "    interfaces {", "        1.1 { }", "    }", "    tag 4094", "}",
            "net vlan /Common/internal {", "    interfaces {", "        1.2 { }", "    }", "    tag 4093", "}",
            "sys folder / {", "    device-group none", "    hidden false", "    inherited-devicegroup false", "    inherited-traffic-group false",
            "    traffic-group /Common/traffic-group-1", "}", "sys global-settings {", "    hostname bigip-edge01.example.com", "}"]
    return "\n".join(head + node_lines + ltm + tail) + "\n", manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--virtuals", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--manifest", type=Path)
    args = parser.parse_args()
    text, manifest = generate(args.virtuals, args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    if args.manifest:
        args.manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
