"""What the FortiGate parser reads, and what it knows it may skip.

Every block and setting of a backup is one of three things: modelled (it can change whether
an ActiveSync session is accepted or how long it may idle), known to be irrelevant to that
(listed here, skipped quietly), or reported as EAS002 with its line. Nothing is skipped by
default: a block or setting missing from these lists is reported, so a FortiOS feature that
could matter is never passed over in silence.

Settings names come from the FortiOS CLI reference (docs.fortinet.com/document/fortigate/
7.4.3/cli-reference, "config firewall policy", "config firewall address", "config firewall
vip", "config firewall service custom", "config system session-ttl").
"""

from __future__ import annotations

MODELLED_BLOCKS = frozenset({
    "firewall policy", "firewall address", "firewall addrgrp", "firewall vip", "firewall vipgrp",
    "firewall service custom", "firewall service group", "system session-ttl", "system interface", "system zone",
    "firewall schedule recurring", "firewall schedule onetime", "firewall schedule group",
})

IGNORED_BLOCK_PREFIXES = (
    # Device management, logging, routing, VPN and UTM profiles: none of them accepts, refuses
    # or times out a forwarded TCP session by itself (the UTM profiles act only where a policy
    # names them with deep inspection, which the linter does not model: see policies.py).
    "system ", "log ", "router ", "vpn ", "user ", "webfilter ", "antivirus ", "ips ", "application ", "dlp ",
    "spamfilter ", "emailfilter ", "dnsfilter ", "waf ", "icap ", "voip ", "wanopt ", "web-proxy ", "report ",
    "wireless-controller ", "switch-controller ", "endpoint-control ", "extender-controller ", "certificate ",
    "alertemail ", "gui ", "ftp-proxy ", "cifs ", "ssh-filter ", "file-filter ", "videofilter ", "authentication ",
    "firewall ssl-ssh-profile", "firewall profile-protocol-options", "firewall profile-group", "firewall service category",
    "firewall address6", "firewall addrgrp6", "firewall multicast-address", "firewall policy6", "firewall policy46",
    "firewall policy64", "firewall vip6", "firewall vip46", "firewall vip64", "firewall vipgrp6", "firewall vipgrp46",
    "firewall vipgrp64", "firewall local-in-policy", "firewall ttl-policy", "firewall DoS-policy", "firewall sniffer",
    "firewall shaper ", "firewall shaping-policy", "firewall shaping-profile", "firewall ippool", "firewall central-snat-map",
    "firewall identity-based-route", "firewall interface-policy", "firewall ldb-monitor", "firewall internet-service",
    "firewall wildcard-fqdn ", "firewall ssl ", "firewall auth-portal", "firewall mms-profile", "firewall ip-translation",
    "firewall ipmacbinding ", "firewall ipv6-eh-filter", "firewall traffic-class", "firewall region", "firewall city",
    "firewall country", "firewall proute", "firewall decrypted-traffic-mirror", "firewall dnstranslation",
    "firewall address6-template", "firewall explicit-proxy-", "firewall ssl-server", "firewall acl", "firewall acl6",
)
"""Block paths (by prefix) that cannot change the verdict or the idle timer of an inbound
IPv4 TCP session. Not here, so reported when present: `firewall security-policy` (NGFW
policy-based mode), `firewall proxy-policy` and `firewall access-proxy` (FortiGate as a
reverse proxy), `firewall consolidated policy`."""

ADDRESS_IGNORED = frozenset({
    "uuid", "comment", "color", "associated-interface", "allow-routing", "fabric-object", "visibility", "tagging",
    "list", "obj-type", "sub-type", "sdn", "country", "fqdn", "wildcard", "wildcard-fqdn", "cache-ttl", "interface",
    "start-mac", "end-mac", "macaddr", "epg-name", "tenant", "organization", "sdn-tag", "obj-tag", "policy-group",
    "filter", "node-ip-only", "clearpass-spt", "fsso-group", "dirty", "sdn-addr-type", "hw-vendor", "hw-model",
    "os", "sw-version", "route-tag", "obj-id", "profile-list",
})
ADDRESS_MODELLED = frozenset({"type", "subnet", "start-ip", "end-ip"})

ADDRGRP_IGNORED = frozenset({"uuid", "comment", "color", "allow-routing", "fabric-object", "visibility", "tagging", "category", "type"})
ADDRGRP_MODELLED = frozenset({"member", "exclude", "exclude-member"})

VIP_IGNORED = frozenset({
    "uuid", "comment", "color", "arp-reply", "nat-source-vip", "extintf", "src-filter", "service", "dns-mapping-ttl",
    "ldb-method", "http-cookie-domain-from-host", "http-cookie-age", "http-cookie-share", "http-ip-header",
    "http-ip-header-name", "http-multiplex", "https-cookie-secure", "outlook-web-access", "weblogic-server",
    "websphere-server", "ssl-certificate", "ssl-dh-bits", "ssl-algorithm", "ssl-mode", "monitor", "max-embryonic-connections",
    "gratuitous-arp-interval", "srcintf-filter", "mappedport", "mapped-addr", "portmapping-type", "nat44", "nat46",
    "status", "id", "fabric-object", "h2-support", "h3-support", "add-nat46-route", "ipv6-mappedip", "ipv6-mappedip-start",
})
VIP_MODELLED = frozenset({"type", "extip", "mappedip", "portforward", "extport", "protocol", "extaddr"})

SERVICE_IGNORED = frozenset({
    "uuid", "comment", "color", "category", "visibility", "helper", "check-reset-range", "tcp-halfclose-timer",
    "tcp-halfopen-timer", "tcp-timewait-timer", "tcp-rst-timer", "udp-idle-timer", "udp-portrange", "sctp-portrange",
    "icmptype", "icmpcode", "fabric-object", "app-service-type", "app-category", "application",
})
SERVICE_MODELLED = frozenset({"protocol", "protocol-number", "tcp-portrange", "session-ttl", "iprange", "fqdn", "proxy", "explicit-proxy"})

SERVICE_GROUP_IGNORED = frozenset({"uuid", "comment", "color", "fabric-object", "proxy"})
SERVICE_GROUP_MODELLED = frozenset({"member"})

POLICY_IGNORED = frozenset({
    "uuid", "logtraffic", "logtraffic-start", "nat", "ippool", "poolname", "poolname6", "utm-status", "ssl-ssh-profile",
    "av-profile", "webfilter-profile", "dnsfilter-profile", "emailfilter-profile", "spamfilter-profile", "dlp-sensor",
    "dlp-profile", "file-filter-profile", "ips-sensor", "application-list", "voip-profile", "icap-profile", "waf-profile",
    "ssh-filter-profile", "cifs-profile", "videofilter-profile", "profile-protocol-options", "profile-type",
    "profile-group", "inspection-mode", "http-policy-redirect", "ssh-policy-redirect", "webproxy-profile",
    "traffic-shaper", "traffic-shaper-reverse", "per-ip-shaper", "global-label", "label", "tcp-mss-sender",
    "tcp-mss-receiver", "auto-asic-offload", "capture-packet", "fixedport", "permit-any-host", "permit-stun-host",
    "block-notification", "send-deny-packet", "diffserv-forward", "diffserv-reverse", "diffservcode-forward",
    "diffservcode-rev", "natip", "natinbound", "natoutbound", "outbound", "inbound", "wccp", "disclaimer",
    "custom-log-fields", "replacemsg-override-group", "srcaddr6", "dstaddr6", "vlan-cos-fwd", "vlan-cos-rev",
    "delay-tcp-npu-session", "timeout-send-rst", "tos", "tos-mask", "tos-negate", "anti-replay", "tcp-session-without-syn",
    "geoip-anycast", "geoip-match", "dynamic-shaping", "passive-wan-health-measurement", "email-collect",
    "match-vip-only", "vpntunnel", "ntlm", "ntlm-guest", "ntlm-enabled-browsers", "fsso", "fsso-agent-for-ntlm",
    "auth-path", "auth-cert", "auth-redirect-addr", "rtp-nat", "rtp-addr", "schedule-timeout", "policy-expiry",
    "policy-expiry-date", "sgt-check", "sgt", "decrypted-traffic-mirror", "reputation-minimum", "reputation-direction",
    "reputation-minimum6", "reputation-direction6", "np-acceleration", "webcache", "webcache-https", "redirect-url",
    "identity-based-route", "captive-portal-exempt", "radius-mac-auth-bypass", "dsri", "nat64", "nat46", "uuid-idx",
    "cgn-log-server-grp", "cgn-session-quota", "cgn-eif", "cgn-eim", "cgn-resource-quota", "vlan-filter", "ztna-status",
    "ztna-ems-tag", "ztna-geo-tag", "fec", "pcp-outbound", "pcp-inbound", "pcp-poolname", "port-preserve", "port-random",
    "ips-voip-filter", "sctp-filter-profile", "casb-profile", "virtual-patch-profile", "diameter-filter-profile",
    "log-http-transaction", "transaction-based", "status-unknown", "internet-service6", "internet-service6-src",
    "network-service-dynamic", "network-service-src-dynamic", "srcaddr6-negate", "dstaddr6-negate", "service-negate6",
    "devices", "device-ownership", "learning-mode", "rsso", "policyid",
})
POLICY_MODELLED = frozenset({
    "name", "comments", "srcintf", "dstintf", "srcaddr", "dstaddr", "srcaddr-negate", "dstaddr-negate", "service",
    "service-negate", "action", "status", "schedule", "session-ttl", "match-vip", "users", "groups", "fsso-groups",
    "internet-service", "internet-service-name", "internet-service-id", "internet-service-group",
    "internet-service-custom", "internet-service-custom-group", "internet-service-src", "internet-service-src-name",
    "internet-service-src-id", "internet-service-src-group", "internet-service-src-custom",
    "internet-service-src-custom-group", "internet-service-negate", "internet-service-src-negate", "application",
    "app-category", "app-group", "url-category",
})

SESSION_TTL_MODELLED = frozenset({"default"})
SESSION_TTL_PORT_MODELLED = frozenset({"protocol", "start-port", "end-port", "timeout"})
SESSION_TTL_PORT_IGNORED = frozenset({"refresh-direction"})


def ignored_block(path: str) -> bool:
    """Whether `config <path>` is known to be irrelevant (matched as a path prefix)."""
    return path.startswith(IGNORED_BLOCK_PREFIXES) and path not in MODELLED_BLOCKS
