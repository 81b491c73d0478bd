#!/usr/bin/env python3
"""Generate a large, realistic FortiOS backup for the easlint benchmark, and time its lint.

The output looks like the edge FortiGate of a company with two VDOMs (`EDGE` facing the
Internet, `CORP` for internal segmentation): the factory blocks a backup always carries
(replacement messages, log settings, UTM profiles), interfaces, many address objects and
nested address groups, custom services and groups, VIPs publishing web servers, and
thousands of policies (outbound, inbound, inter-segment, deny rules, disabled rules). A share
of the VIPs publish Exchange; some of them carry the problems easlint reports:

    kind               planted problem                                         expected finding
    good               policy session-ttl 3900                                 -
    short-policy-ttl   policy session-ttl 1800                                 EAS102 on the policy
    short-service-ttl  custom service with session-ttl 300 (beats the policy)  EAS101 on the service
    implicit-default   no session-ttl anywhere: FortiOS default 3600           EAS103 on the policy

The Internet-facing interface gives one EAS207 on its `edit "wan1"` line (a firewall alone
cannot refuse apps by User-Agent). The generator is deterministic (one seeded `random.Random`).
`--manifest FILE` writes the planted Exchange policies and every expected finding as (rule id,
line); `--time` lints the result in-process and prints the phase times.

    python3 bench/generate_fortigate.py --policies 1300 --seed 1 -o bench/out/fortigate-edge.conf --time
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package
import _common  # noqa: E402

DEFAULT_POLICIES = 1300
DEFAULT_SEED = 1
EXCHANGE_EVERY = 20  # one inbound publication in 20 is an Exchange server
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("short-policy-ttl", ("EAS102",)),
    ("good", ()),
    ("short-service-ttl", ("EAS101",)),
    ("implicit-default", ("EAS103",)),
    ("good", ()),
)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> int:
        """Append lines; the number of the first one."""
        first = len(self.lines) + 1
        self.lines.extend(lines)
        return first

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _factory_blocks(out: _Writer, rng: random.Random) -> None:
    """Blocks every backup carries and easlint knows to be irrelevant."""
    for group in ("mail", "http", "webproxy", "ftp", "fortiguard-wf", "spam", "alertmail", "admin", "auth", "sslvpn", "utm"):
        for index in range(6):
            out.add(f'config system replacemsg {group} "msg-{group}-{index}"',
                    '    set buffer "<html><body>',
                    "<h1>Blocked</h1>",
                    '<p>%%URL%% is blocked by \\"policy\\".</p>',
                    '</body></html>"',
                    "    set header http",
                    "    set format html",
                    "end")
    out.add("config log syslogd setting", "    set status enable", '    set server "10.99.0.20"', "    set facility local7", "end")
    out.add("config ips sensor")
    for index in range(40):
        out.add(f'    edit "sensor-{index}"', '        set comment "generated"', "        config entries",
                "            edit 1", '                set severity medium high critical', "                set status enable",
                "            next", "        end", "    next")
    out.add("end")
    out.add("config router static")
    for index in range(60):
        out.add(f"    edit {index + 1}", f"        set dst 10.{100 + index // 250}.{index % 250}.0 255.255.255.0",
                f"        set gateway 10.30.0.{rng.randint(2, 250)}", '        set device "dmz"', "    next")
    out.add("end")


def _global(out: _Writer) -> int:
    """The global settings and interfaces; the line of the Internet-facing `edit "wan1"`."""
    out.add("config global", "config system global", '    set hostname "fw-edge-bench"', "    set vdom-mode multi-vdom", "end",
            "config system interface")
    wan = 0
    for name, vdom, address in (("wan1", "EDGE", "198.51.100.2 255.255.255.0"), ("dmz", "EDGE", "10.30.0.1 255.255.0.0"),
                                ("internal1", "CORP", "10.20.0.1 255.255.0.0"), ("internal2", "CORP", "10.21.0.1 255.255.0.0"),
                                ("vpn-link", "CORP", "10.40.0.1 255.255.255.0")):
        first = out.add(f'    edit "{name}"', f'        set vdom "{vdom}"', f"        set ip {address}",
                        "        set allowaccess ping", "        set type physical", "    next")
        if name == "wan1":
            wan = first
    out.add("end", "end")
    return wan


class _Vdom:
    def __init__(self, out: _Writer, rng: random.Random, name: str, policies: int) -> None:
        self.out, self.rng, self.name, self.policies = out, rng, name, policies
        self.exchange: list[dict[str, object]] = []
        self.service_ttl_lines: dict[str, int] = {}  # custom service: its `set session-ttl` line

    def write(self) -> None:
        out = self.out
        out.add("config vdom", f"edit {self.name}")
        _factory_blocks(out, self.rng)
        servers = self._addresses()
        services = self._services()
        vips = self._vips(servers) if self.name == "EDGE" else []
        self._policies(servers, services, vips)
        out.add("end")

    def _addresses(self) -> list[str]:
        out = self.out
        count = max(20, self.policies)
        out.add("config firewall address", '    edit "all"', "    next")
        names = []
        for index in range(count):
            name = f"{self.name}-host-{index:05d}"
            names.append(name)
            if index % 7 == 0:
                out.add(f'    edit "{self.name}-net-{index:05d}"', f"        set subnet 10.{50 + index // 65000}.{(index // 250) % 250}.0 255.255.255.0",
                        "    next")
            out.add(f'    edit "{name}"', f'        set comment "server {index}"',
                    f"        set subnet 10.{60 + index // 62500}.{(index // 250) % 250}.{index % 250 + 1} 255.255.255.255", "    next")
        out.add("end", "config firewall addrgrp")
        for index in range(0, count, 10):
            out.add(f'    edit "{self.name}-grp-{index // 10:04d}"', "        set member " + " ".join(f'"{name}"' for name in names[index:index + 10]),
                    "    next")
        for index in range(0, count // 10, 5):
            members = " ".join(f'"{self.name}-grp-{member:04d}"' for member in range(index, min(index + 5, count // 10)))
            out.add(f'    edit "{self.name}-supergrp-{index // 5:03d}"', f"        set member {members}", "    next")
        out.add("end")
        return names

    def _services(self) -> list[str]:
        out = self.out
        out.add("config firewall service custom")
        names = []
        for index in range(80):
            name = f"APP-TCP-{8000 + index}"
            names.append(name)
            out.add(f'    edit "{name}"', '        set category "General"', f"        set tcp-portrange {8000 + index}", "    next")
        out.add("end", "config firewall service group", '    edit "APP-SERVICES"',
                "        set member " + " ".join(f'"{name}"' for name in names[:20]), "    next", "end")
        return names

    def _vips(self, servers: list[str]) -> list[tuple[str, str, str | None]]:
        """(VIP name, kind, custom service name): kind "web" or an Exchange kind."""
        out = self.out
        count = max(10, self.policies // 4)
        vips: list[tuple[str, str, str | None]] = []
        service_lines: list[str] = []
        ttl_offsets: dict[str, int] = {}
        out.add("config firewall vip")
        for index in range(count):
            exchange = index % EXCHANGE_EVERY == EXCHANGE_EVERY - 1
            kind = KINDS[len([v for v in vips if v[1] != "web"]) % len(KINDS)][0] if exchange else "web"
            name = f"VIP-{'EXCH' if exchange else 'WEB'}-{index:04d}"
            out.add(f'    edit "{name}"', f'        set comment "{"mail" if exchange else "www"}{index}.example.com"',
                    f"        set extip 198.51.{100 + index // 250}.{index % 250 + 1}", f'        set mappedip "10.30.{index // 250}.{index % 250 + 1}"',
                    '        set extintf "wan1"', "        set portforward enable", "        set extport 443", "        set mappedport 443", "    next")
            service = None
            if kind == "short-service-ttl":
                service = f"EXCH-HTTPS-{index:04d}"
                ttl_offsets[service] = len(service_lines) + 3
                service_lines += [f'    edit "{service}"', '        set category "Web Access"', "        set tcp-portrange 443",
                                  "        set session-ttl 300", "    next"]
            vips.append((name, kind, service))
        out.add("end")
        if service_lines:
            first = out.add("config firewall service custom", *service_lines, "end")
            self.service_ttl_lines = {service: first + 1 + offset for service, offset in ttl_offsets.items()}
        return vips

    def _policies(self, servers: list[str], services: list[str], vips: list[tuple[str, str, str | None]]) -> None:
        out, rng = self.out, self.rng
        out.add("config firewall policy")
        policy_id = 1
        inbound = iter(vips)
        for index in range(self.policies):
            policy_id += rng.randint(1, 3)
            vip = next(inbound, None) if vips and index % 3 == 0 else None
            if vip is not None:
                self._inbound(policy_id, vip)
                continue
            disabled = index % 50 == 17
            deny = index % 25 == 11
            lines = [f"    edit {policy_id}", f'        set name "{self.name}-rule-{index:05d}"',
                     f"        set uuid {rng.getrandbits(128):032x}",
                     f'        set srcintf "{rng.choice(["internal1", "internal2", "vpn-link"] if self.name == "CORP" else ["dmz"])}"',
                     f'        set dstintf "{"wan1" if self.name == "EDGE" else "internal1"}"',
                     f'        set srcaddr "{self.name}-grp-{rng.randrange(max(1, len(servers) // 10)):04d}"',
                     f'        set dstaddr "{rng.choice(["all", servers[rng.randrange(len(servers))]])}"',
                     f"        set action {'deny' if deny else 'accept'}", '        set schedule "always"',
                     f'        set service "{rng.choice(services)}" "HTTPS"']
            if disabled:
                lines.append("        set status disable")
            if not deny:
                lines += ["        set utm-status enable", '        set ssl-ssh-profile "certificate-inspection"', "        set nat enable"]
            lines += ["        set logtraffic all", "    next"]
            out.add(*lines)
        out.add("end")

    def _inbound(self, policy_id: int, vip: tuple[str, str, str | None]) -> None:
        name, kind, service = vip
        exchange = kind != "web"
        title = f"Exchange-In-{name[-4:]}" if exchange else f"Web-In-{name[-4:]}"
        lines = [f"    edit {policy_id}", f'        set name "{title}"', f"        set uuid {self.rng.getrandbits(128):032x}",
                 '        set srcintf "wan1"', '        set dstintf "dmz"', '        set srcaddr "all"', f'        set dstaddr "{name}"',
                 "        set action accept", '        set schedule "always"', f'        set service "{service or "HTTPS"}"']
        first = self.out.add(*lines)
        ttl_line = None
        if kind in ("good", "short-service-ttl"):
            ttl_line = self.out.add("        set session-ttl 3900")
        elif kind == "short-policy-ttl":
            ttl_line = self.out.add("        set session-ttl 1800")
        elif kind == "web":
            self.out.add("        set session-ttl 600")  # a web server: short TTL, not ActiveSync
        self.out.add("        set logtraffic all", "    next")
        if exchange:
            # Where each finding belongs: the short TTL that wins, or the policy that sets none.
            where = self.service_ttl_lines[service] if service else ttl_line or first
            self.exchange.append({"policy": policy_id, "name": title, "vip": name, "kind": kind, "line": first,
                                  "ttl_line": ttl_line, "service": service, "expected": list(dict(KINDS)[kind]),
                                  "finding_line": where})


def generate(policies: int = DEFAULT_POLICIES, seed: int = DEFAULT_SEED) -> tuple[str, dict[str, object]]:
    """The backup text and its manifest (planted Exchange policies, expected findings)."""
    rng = random.Random(seed)
    out = _Writer()
    out.add("#config-version=FG600E-7.2.8-FW-build1639-240313:opmode=0:vdom=1:user=admin", "#conf_file_ver=1", "#buildno=1639",
            "#global_vdom=1", "config vdom", "edit root", "next", "edit EDGE", "next", "edit CORP", "next", "end")
    wan_line = _global(out)
    edge = _Vdom(out, rng, "EDGE", policies // 2)
    corp = _Vdom(out, rng, "CORP", policies - policies // 2)
    edge.write()
    corp.write()
    text = out.text()
    manifest = {"generator": "bench/generate_fortigate.py", "policies": policies, "seed": seed, "lines": len(out.lines),
                "exchange": edge.exchange,
                "expected_findings": [{"rule_id": "EAS207", "line": wan_line}]
                + [{"rule_id": rule, "line": item["finding_line"]} for item in edge.exchange for rule in item["expected"]]}
    return text, manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a large, realistic FortiOS backup (deterministic).")
    parser.add_argument("--policies", type=int, default=DEFAULT_POLICIES, help=f"number of policies (default {DEFAULT_POLICIES})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("-o", "--output", default="-", help="output file (default: standard output)")
    parser.add_argument("--manifest", help="also write the planted Exchange policies and expected findings as JSON")
    parser.add_argument("--time", action="store_true", help="lint the result in this process and print the times")
    args = parser.parse_args(argv)
    text, manifest = generate(args.policies, args.seed)
    _common.write_outputs(text, args.output, manifest, args.manifest)
    if args.time:
        report = {"file": args.output, "lines": manifest["lines"], "planted": len(manifest["exchange"]),
                  "expected_findings": len(manifest["expected_findings"]), "easlint": _common.time_lint(args.output, text, "fortigate")}
        print(json.dumps(report, indent=2), file=sys.stderr if args.output == "-" else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
