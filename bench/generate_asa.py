#!/usr/bin/env python3
"""Generate a large, realistic Cisco ASA running configuration for the easlint benchmark, and
time its lint beside ciscoconfparse2 reading the same file.

The output looks like the Internet edge ASA of a company hosting many services in a DMZ: the
`show running-config` boilerplate, interfaces, thousands of network objects with object NAT,
nested object-groups, an inbound ACL with remarks, deny and inactive entries, an inside ACL,
MPF classes per published service and the default global policy. One publication in
EXCHANGE_EVERY is an Exchange server, each with its own class in the global policy:

    kind          planted problem                                  expected finding
    good          class set connection timeout idle 1:05:00        -
    short-class   class set connection timeout idle 0:20:00        EAS102 on the class line
    alert-class   class set connection timeout idle 0:05:00        EAS101 on the class line
    dcd           class idle 0:20:00 with dead connection detection -

`timeout conn 1:05:00` is explicit, so nothing else is reported on timers; the outside listener
gives one EAS207 on its `access-group` line (a firewall alone cannot refuse apps by User-Agent).
Deterministic (seeded). `--manifest FILE` writes the planted publications and every expected
finding as (rule id, line); `--time` lints the result in-process and prints the phase times.

    python3 bench/generate_asa.py --publications 2800 -o bench/out/asa-edge.cfg --time [--ciscoconfparse2 DIR]

`--ciscoconfparse2 DIR` adds DIR to sys.path (the bench installs ciscoconfparse2 there with
`pip install --target DIR ciscoconfparse2`; it is no dependency of easlint) and times
`CiscoConfParse(path, syntax="asa")` plus a query for the ACL lines.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package
import _common  # noqa: E402

DEFAULT_PUBLICATIONS = 2800
DEFAULT_SEED = 1
EXCHANGE_EVERY = 25
KINDS = (("short-class", ("EAS102",)), ("good", ()), ("alert-class", ("EAS101",)), ("dcd", ()))
IDLE = {"good": "1:05:00", "short-class": "0:20:00", "alert-class": "0:05:00", "dcd": "0:20:00"}
SERVICES = (("https", "web"), ("www", "web"), ("smtp", "mail"), ("ssh", "sftp"), ("3389", "rdp"), ("8443", "app"))

HEADER = """: Saved
:
: Serial Number: FCH2150V0AB
: Hardware:   ASA5555, 16384 MB RAM, CPU Lynnfield 2800 MHz, 8 CPUs (8 cores)
:
ASA Version 9.12(4)26
!
hostname dc-edge-fw
domain-name corp.example.com
enable password ***** pbkdf2
names
no mac-address auto
!
interface GigabitEthernet0/0
 description Internet (AS64500)
 nameif outside
 security-level 0
 ip address 198.51.100.2 255.255.255.0
!
interface GigabitEthernet0/1
 description DMZ servers
 nameif dmz
 security-level 50
 ip address 10.64.0.1 255.252.0.0
!
interface GigabitEthernet0/2
 nameif inside
 security-level 100
 ip address 10.10.0.1 255.255.0.0
!
ftp mode passive
clock timezone CET 1
dns domain-lookup inside
dns server-group DefaultDNS
 name-server 10.10.50.53
 domain-name corp.example.com
same-security-traffic permit inter-interface
"""
FOOTER = """pager lines 24
logging enable
logging timestamp
logging buffered informational
logging host inside 10.10.50.10
mtu outside 1500
mtu dmz 1500
mtu inside 1500
icmp unreachable rate-limit 1 burst-size 1
no asdm history enable
arp timeout 14400
"""
TAIL = """route outside 0.0.0.0 0.0.0.0 198.51.100.1 1
timeout xlate 3:00:00
timeout pat-xlate 0:00:30
timeout conn 1:05:00 half-closed 0:10:00 udp 0:02:00 sctp 0:02:00 icmp 0:00:02
timeout sunrpc 0:10:00 h323 0:05:00 h225 1:00:00 mgcp 0:05:00 mgcp-pat 0:05:00
timeout uauth 0:05:00 absolute
user-identity default-domain LOCAL
aaa authentication ssh console LOCAL
http server enable
http 10.10.50.0 255.255.255.0 inside
snmp-server host inside 10.10.50.20 community ***** version 2c
crypto ipsec security-association pmtu-aging infinite
crypto ca trustpool policy
ssh 10.10.50.0 255.255.255.0 inside
ssh version 2
threat-detection basic-threat
ntp server 10.10.50.1 source inside
username admin password ***** pbkdf2 privilege 15
!
class-map inspection_default
 match default-inspection-traffic
"""


def generate(publications: int = DEFAULT_PUBLICATIONS, seed: int = DEFAULT_SEED) -> tuple[str, dict[str, object]]:
    """The configuration text and its manifest (planted Exchange publications, expected findings)."""
    rng = random.Random(seed)
    objects: list[str] = []
    acl: list[str] = []
    nat: list[str] = []
    classes: list[str] = []
    policy: list[str] = []
    planted: list[tuple[str, str, tuple[str, ...]]] = []  # (name, kind, rules)
    for index in range(publications):
        real = f"10.{64 + index // 65024}.{index // 254 % 256}.{index % 254 + 1}"
        public = f"203.0.{113 + index // 254 % 8}.{index % 254 + 1}"
        exchange = index % EXCHANGE_EVERY == 0
        name = f"EXCH-{index:04d}" if exchange else f"SRV-{index:04d}"
        objects += [f"object network {name}", f" host {real}",
                    f" description {'Exchange client access' if exchange else rng.choice(['web portal', 'partner API', 'file transfer', 'VPN portal'])} {index}"]
        nat += [f"object network {name}", f" nat (dmz,outside) static {public}"]
        if exchange:
            kind, rules = KINDS[index // EXCHANGE_EVERY % len(KINDS)]
            acl += [f"access-list outside_in remark Exchange {index}: OWA, ActiveSync, Autodiscover",
                    f"access-list outside_in extended permit tcp any object {name} eq https"]
            acl_name = f"{name}-TRAFFIC"
            classes += [f"access-list {acl_name} extended permit tcp any object {name} eq https",
                        f"class-map {name}-CLASS", f" match access-list {acl_name}"]
            policy += [f" class {name}-CLASS", f"  set connection timeout idle {IDLE[kind]}"]
            if kind == "dcd":
                policy.append("  set connection timeout dcd 0:00:15 5")
            planted.append((name, kind, rules))
            continue
        port, purpose = rng.choice(SERVICES)
        group = f"{purpose.upper()}-{index:04d}"
        objects += [f"object-group service {group} tcp", f" port-object eq {port}"]
        if rng.random() < 0.3:
            objects.append(" port-object range 8080 8090")
        acl.append(f"access-list outside_in remark {purpose} service {index}")
        suffix = " inactive" if rng.random() < 0.05 else ""
        acl.append(f"access-list outside_in extended permit tcp any object {name} object-group {group} log{suffix}")
        if rng.random() < 0.2:
            acl.append(f"access-list outside_in extended deny tcp host 192.0.2.{rng.randrange(1, 255)} object {name} log")
    groups = []
    for block in range(0, publications, 50):
        groups.append(f"object-group network DMZ-BLOCK-{block // 50:03d}")
        groups += [f" network-object object SRV-{n:04d}" for n in range(block, min(block + 50, publications)) if n % EXCHANGE_EVERY]
    groups += ["object-group network DMZ-ALL"] + [f" group-object DMZ-BLOCK-{n:03d}" for n in range(0, (publications + 49) // 50)]
    inside = ["access-list inside_in extended permit tcp 10.10.0.0 255.255.0.0 object-group DMZ-ALL eq https",
              "access-list inside_in extended permit ip 10.10.0.0 255.255.0.0 any"]
    text = "\n".join([HEADER.rstrip(), *objects, *groups, *acl, "access-list outside_in extended deny ip any any log", *inside,
                      *classes, FOOTER.rstrip(), "!", *nat, "!", "access-group outside_in in interface outside",
                      "access-group inside_in in interface inside", TAIL.rstrip(), "policy-map global_policy",
                      " class inspection_default", "  inspect dns", "  inspect ftp", "  inspect esmtp", "  inspect sip",
                      *policy, "!", "service-policy global_policy global", "Cryptochecksum:0123456789abcdef0123456789abcdef",
                      ": end"]) + "\n"
    lines = text.splitlines()
    line_of = {value: number for number, value in enumerate(lines, 1) if value.startswith((" class ", "access-group "))}
    exchange = []
    expected = [{"rule_id": "EAS207", "line": line_of["access-group outside_in in interface outside"]}]
    for name, kind, rules in planted:
        idle_line = line_of[f" class {name}-CLASS"] + 1  # `set connection timeout idle`: where the timer is
        exchange.append({"object": name, "kind": kind, "expected": list(rules), "line": idle_line})
        expected += [{"rule_id": rule, "line": idle_line} for rule in rules]
    manifest = {"generator": "bench/generate_asa.py", "publications": publications, "seed": seed, "lines": len(lines),
                "exchange": exchange, "expected_findings": expected}
    return text, manifest


def time_ciscoconfparse2(path: Path, directory: str) -> dict[str, float | int]:
    sys.path.insert(0, directory)
    from ciscoconfparse2 import CiscoConfParse

    start = time.perf_counter()
    parsed = CiscoConfParse(str(path), syntax="asa")
    loaded = time.perf_counter()
    entries = parsed.find_objects(r"^access-list\s+\S+\s+extended")
    done = time.perf_counter()
    return {"parse_s": round(loaded - start, 3), "parse_and_query_s": round(done - start, 3), "acl_lines": len(entries)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--publications", type=int, default=DEFAULT_PUBLICATIONS,
                        help=f"published servers (default {DEFAULT_PUBLICATIONS}: about 30,000 lines)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("-o", "--output", required=True, help="output file")
    parser.add_argument("--manifest", help="also write the planted Exchange publications and expected findings as JSON")
    parser.add_argument("--time", action="store_true", help="lint the result in-process and print the times")
    parser.add_argument("--ciscoconfparse2", metavar="DIR", help="time ciscoconfparse2 (installed in DIR) on the same file")
    args = parser.parse_args(argv)
    text, manifest = generate(args.publications, args.seed)
    _common.write_outputs(text, args.output, manifest, args.manifest)
    report: dict[str, object] = {"file": args.output, "lines": manifest["lines"], "planted": len(manifest["exchange"]),
                                 "expected_findings": len(manifest["expected_findings"])}
    if args.time:
        report["easlint"] = _common.time_lint(args.output, text, "asa")
    if args.ciscoconfparse2:
        report["ciscoconfparse2"] = time_ciscoconfparse2(Path(args.output), args.ciscoconfparse2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
