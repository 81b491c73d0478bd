"""ASA value syntax: durations, port and protocol names, and the defaults the config leaves out.

Sources (Cisco ASA Series documentation):
- CONN_SETTINGS: "Connection Settings", ASA firewall configuration guide
  https://www.cisco.com/c/en/us/td/docs/security/asa/asa91/configuration/firewall/asa_91_firewall_config/conns_connlimits.html
  (`timeout conn` default 1:00:00, at least 0:5:0, 0 = never; `set connection timeout idle`
  0:0:1 to 1193:0:0, 0 = never; DCD).
- PORT_NAMES: the "Addresses, Protocols, and Ports" reference of the ASA CLI configuration
  guide, tables of TCP and UDP port literals (the names `service-object`, `port-object` and
  `access-list` accept).
- DEFAULT_INSPECTION: the "Default Inspections and NAT Limitations" table of the ASA firewall
  configuration guide's "Getting Started with Application Layer Protocol Inspection" chapter.
"""

from __future__ import annotations

import re

CONN_SETTINGS_DOC = "https://www.cisco.com/c/en/us/td/docs/security/asa/asa91/configuration/firewall/asa_91_firewall_config/conns_connlimits.html"
SERVICE_POLICY_DOC = "https://cisco.com/c/en/us/td/docs/security/asa/asa918/asdm718/firewall/asdm-718-firewall-config/inspect-service-policy.html"

DEFAULT_CONN_TIMEOUT = 3600  # `timeout conn` 1:00:00
MIN_CONN_TIMEOUT = 300  # `timeout conn` must be at least 0:5:0 unless it is 0 (never)
MAX_TIMEOUT = 1193 * 3600  # 1193:0:0, the largest value any ASA timeout takes

_DURATION = re.compile(r"^(\d{1,4}):(\d{1,2}):(\d{1,2})$")

TCP_PORTS = {
    "aol": 5190, "bgp": 179, "chargen": 19, "cifs": 3020, "citrix-ica": 1494, "cmd": 514, "ctiqbe": 2748,
    "daytime": 13, "discard": 9, "domain": 53, "echo": 7, "exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20,
    "gopher": 70, "h323": 1720, "hostname": 101, "http": 80, "https": 443, "ident": 113, "imap4": 143, "irc": 194,
    "kerberos": 88, "klogin": 543, "kshell": 544, "ldap": 389, "ldaps": 636, "login": 513, "lotusnotes": 1352,
    "lpd": 515, "netbios-ssn": 139, "nfs": 2049, "nntp": 119, "pcanywhere-data": 5631, "pim-auto-rp": 496,
    "pop2": 109, "pop3": 110, "pptp": 1723, "rsh": 514, "rtsp": 554, "sip": 5060, "smtp": 25, "sqlnet": 1521,
    "ssh": 22, "sunrpc": 111, "tacacs": 49, "talk": 517, "telnet": 23, "uucp": 540, "whois": 43, "www": 80,
}
UDP_PORTS = {
    "biff": 512, "bootpc": 68, "bootps": 67, "cifs": 3020, "discard": 9, "dnsix": 195, "domain": 53, "echo": 7,
    "http": 80, "isakmp": 500, "kerberos": 88, "mobile-ip": 434, "nameserver": 42, "netbios-dgm": 138,
    "netbios-ns": 137, "nfs": 2049, "ntp": 123, "pcanywhere-status": 5632, "pim-auto-rp": 496, "radius": 1645,
    "radius-acct": 1646, "rip": 520, "secureid-udp": 5510, "sip": 5060, "snmp": 161, "snmptrap": 162, "sunrpc": 111,
    "syslog": 514, "tacacs": 49, "talk": 517, "tftp": 69, "time": 37, "vxlan": 4789, "who": 513, "www": 80,
    "xdmcp": 177,
}
PROTOCOL_NUMBERS = {"icmp": 1, "igmp": 2, "ipinip": 4, "tcp": 6, "igrp": 9, "udp": 17, "gre": 47, "esp": 50, "ah": 51,
                    "icmp6": 58, "eigrp": 88, "ospf": 89, "nos": 94, "pim": 103, "pcp": 108, "snp": 109, "sctp": 132}
PROTOCOL_NAMES = {str(number): name for name, number in PROTOCOL_NUMBERS.items()}

# TCP ports of `match default-inspection-traffic` (one per default inspection engine): a
# `set connection` in such a class applies to all of them, an `inspect http` only to 80.
DEFAULT_INSPECTION_TCP_PORTS = (21, 25, 80, 111, 139, 389, 514, 554, 1352, 1521, 1720, 2000, 2748, 3868, 5060)
HTTP_INSPECTION_PORT = 80


def parse_duration(text: str) -> int | None:
    """Seconds of an `hh:mm:ss` value (`1:0:0`, `0:30:00`), or of a bare `0`; None when unreadable."""
    if text == "0":
        return 0
    match = _DURATION.match(text)
    if not match:
        return None
    hours, minutes, seconds = (int(part) for part in match.groups())
    if minutes > 59 or seconds > 59:
        return None
    return hours * 3600 + minutes * 60 + seconds


def format_duration(seconds: int) -> str:
    """The `h:mm:ss` form the ASA prints."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def port_number(word: str, protocol: str) -> int | None:
    """A port literal or name as the ASA reads it for `protocol` (tcp, udp or tcp-udp)."""
    if word.isdigit():
        number = int(word)
        return number if 0 <= number <= 65535 else None
    names = UDP_PORTS if protocol == "udp" else TCP_PORTS
    if protocol == "tcp-udp" and word not in TCP_PORTS:
        names = UDP_PORTS
    return names.get(word)


def protocol_name(word: str) -> str:
    """`6` and `tcp` are the same protocol; names are what conditions compare."""
    return PROTOCOL_NAMES.get(word, word)
