"""Which top-level ASA commands the linter reads, and which it knows and leaves aside.

Everything that decides whether a connection from the Internet reaches Exchange and how long it
may stay idle is read: names, objects, object-groups, access-lists, access-groups, `timeout`,
interfaces (nameif, addresses, security levels), class-maps, policy-maps, service-policies and
regexes. The commands below configure the box itself, routing, NAT (applied after the ACL check,
and ASA 8.3+ ACLs name real addresses), VPN, logging and management: known, and irrelevant to
an ActiveSync connection's filter and idle timer, so they are skipped quietly with their
sub-commands. Anything else is reported as unrecognized (EAS002) with its line.
"""

from __future__ import annotations

IRRELEVANT = frozenset({
    # the box, its management and services
    "hostname", "domain-name", "enable", "passwd", "password", "username", "banner", "boot", "ftp", "clock", "dns",
    "dns-guard", "pager", "logging", "mtu", "icmp", "asdm", "arp", "aaa", "aaa-server", "user-identity", "http", "https",
    "snmp-server", "snmp-map", "telnet", "ssh", "console", "prompt", "call-home", "command-alias", "ntp", "privilege",
    "license", "service", "terminal", "firewall", "mode", "management-access", "jumbo-frame", "mac-address",
    "mac-address-table", "resource", "context", "allocate-interface", "config-url", "admin-context", "cluster",
    "failover", "monitor-interface", "rest-api", "smtp-server", "email", "auth-prompt", "hpm", "tftp-server",
    "object-group-search", "forward-reference", "sysopt", "ca", "client-update", "dhcpd", "dhcprelay", "dhcp-client",
    "ddns", "threat-detection", "tcp-map", "asp", "conn", "flow-offload", "service-module", "scansafe",
    "dynamic-filter", "url-server", "filter", "wccp", "ip", "ipv6", "no", "quit", "exit", "end", "write",
    "xlate", "crashinfo", "coredump", "checkheaps", "fragment", "cts", "packet-tracer", "event", "vpdn", "vpnsetup",
    "local-domain", "time-range", "flow-export", "gtp-map", "h323", "ssl", "tls-proxy", "ctl-provider",
    "phone-proxy", "media-termination", "uc-ime", "zone", "inline-set", "nve", "vxlan", "ssl-server",
    # routing and address translation
    "route", "router", "prefix-list", "route-map", "nat", "global", "static", "multicast-routing", "igmp", "pim",
    "sla", "track", "eigrp", "ospf", "bgp", "lisp", "same-security-traffic", "virtual",
    # remote access and site-to-site VPN
    "crypto", "isakmp", "group-policy", "tunnel-group", "tunnel-group-map", "webvpn", "vpn-addr-assign",
    "dynamic-access-policy-record", "anyconnect", "group-delimiter", "vpn", "dns-group", "certificate",
})
"""Top-level commands known to have no bearing on an ActiveSync connection's filter or timer."""
