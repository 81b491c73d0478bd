"""The profiles every BIG-IP has without a line of configuration, with their real defaults.

A saved bigip.conf names built-in profiles (`/Common/tcp`, `/Common/clientssl`) but never
defines them: they live in `/config/profile_base.conf`, loaded before bigip.conf ("The file is
loaded before bigip.conf", its own header). When that file is beside the configuration (it is
in every UCS archive), the parser reads it and its values win; these tables are the fallback.

Source of every value below: `config/profile_base.conf` of BIG-IP 15.1.8.2 (the archive in
F5's own f5-corkscrew test suite, github.com/f5devcentral/f5-corkscrew,
tests/archive_generator/archive1/config/profile_base.conf). The line numbers cited are in that
file. The `tcp` and `fastL4` values agree with F5's documentation: "idle-timeout ... The
default value is 300 seconds" (tmsh reference `ltm profile tcp` and `ltm profile fastl4`,
clouddocs.f5.com/cli/tmsh-reference; also K7559: "Overview of the TCP profile" and the
terraform provider's `bigip_ltm_profile_tcp` page). A profile that writes no `idle-timeout`
inherits it through `defaults-from`, exactly as a user-defined child does.
"""

from __future__ import annotations

from dataclasses import dataclass

PROFILE_BASE = "profile_base.conf (BIG-IP 15.1.8.2)"


@dataclass(frozen=True)
class BuiltinProfile:
    """A built-in profile: its type, parent (`defaults-from`) and the idle timeout it writes."""

    name: str  # full path, "/Common/tcp"
    type: str  # tmsh profile type: tcp, fastl4, fasthttp, http, client-ssl, ...
    parent: str | None = None
    idle_timeout: str | None = None  # as written in profile_base.conf; None: inherited
    source: str = PROFILE_BASE


def _timed(type_: str, name: str, parent: str | None, idle: str | None, line: int) -> BuiltinProfile:
    return BuiltinProfile(f"/Common/{name}", type_, f"/Common/{parent}" if parent else None, idle,
                          f"{PROFILE_BASE}, line {line}")


# Profiles whose idle timeout governs a held-open connection: (type, name, defaults-from,
# idle-timeout written there, line of the stanza in profile_base.conf).
_TIMED = (
    ("tcp", "tcp", None, "300", 755),
    ("tcp", "tcp-legacy", "tcp", "300", 816),
    ("tcp", "f5-tcp-progressive", "tcp", None, 709),
    ("tcp", "f5-tcp-wan", "tcp", None, 724),
    ("tcp", "f5-tcp-lan", "tcp", None, 735),
    ("tcp", "f5-tcp-mobile", "tcp", None, 745),
    ("tcp", "mptcp-mobile-optimized", "tcp-legacy", None, 877),
    ("tcp", "tcp-mobile-optimized", "tcp-legacy", None, 902),
    ("tcp", "tcp-lan-optimized", "tcp-legacy", None, 924),
    ("tcp", "tcp-wan-optimized", "tcp-legacy", None, 934),
    ("tcp", "wom-tcp-lan-optimized", "tcp-lan-optimized", "600", 943),
    ("tcp", "wom-tcp-wan-optimized", "tcp-wan-optimized", "600", 952),
    ("tcp", "splitsession-default-tcp", "tcp-wan-optimized", "600", 968),
    ("tcp", "apm-forwarding-client-tcp", "tcp-legacy", "300", 1094),
    ("tcp", "apm-forwarding-server-tcp", "tcp-legacy", "300", 1117),
    ("fastl4", "fastL4", None, "300", 312),
    ("fastl4", "security-fastL4", None, "60", 319),
    ("fastl4", "full-acceleration", None, "300", 328),  # writes nothing: the fastl4 type default
    ("fastl4", "apm-forwarding-fastL4", "fastL4", "7200", 1140),
    ("fasthttp", "fasthttp", None, "300", 295),
)

# Other built-in profile names by type (same file), so a virtual that names them is understood.
_NAMES = {
    "http": ("http", "http-explicit", "http-transparent"),
    "client-ssl": ("clientssl", "clientssl-insecure-compatible", "clientssl-quic", "clientssl-secure",
                   "crypto-server-default-clientssl", "splitsession-default-clientssl", "wom-default-clientssl"),
    "server-ssl": ("apm-default-serverssl", "cloud-service-default-ssl", "crypto-client-default-serverssl", "f5aas-default-ssl",
                   "pcoip-default-serverssl", "serverssl", "serverssl-insecure-compatible", "serverssl-secure", "shape-api-ssl",
                   "splitsession-default-serverssl", "wom-default-serverssl"),
    "one-connect": ("oneconnect",),
    "http2": ("http2",),
    "http3": ("http3",),
    "http-compression": ("httpcompression", "wan-optimized-compression"),
    "web-acceleration": ("apm-enduser-if-cache", "optimized-acceleration", "optimized-caching", "webacceleration"),
    "websocket": ("websocket",),
    "stream": ("stream",),
    "xml": ("xml",),
    "html": ("html",),
    "rewrite": ("rewrite", "rewrite-portal", "rewrite-uri-translation"),
    "request-log": ("request-log",),
    "statistics": ("stats",),
    "analytics": ("analytics",),
    "tcp-analytics": ("tcp-analytics",),
    "udp": ("udp", "udp_decrement_ttl", "udp_gtm_dns", "udp_preserve_ttl"),
    "ftp": ("ftp",),
    "dns": ("dns",),
    "sip": ("sip",),
    "smtps": ("smtps",),
    "icap": ("icap",),
    "request-adapt": ("requestadapt",),
    "response-adapt": ("responseadapt",),
    "ipother": ("ipother",),
    "sctp": ("sctp",),
    "classification": ("classification", "classification_apm_swg", "classification_pem"),
    "web-security": ("websecurity",),
    "ntlm": ("ntlm",),
    "connectivity": ("connectivity",),
    "exchange": ("exchange",),
    "remote-desktop": ("remotedesktop",),
    "vdi": ("vdi",),
    "eca": ("eca",),
    "oauth": ("oauth",),
    "ppp": ("ppp",),
    "rba": ("rba",),
    "websso": ("websso",),
    "access": ("access",),
    "certificate-authority": ("certificateauthority",),
    "client-ldap": ("clientldap",),
    "server-ldap": ("serverldap",),
    "connector": ("connector", "access-logonpage-protection-connector"),
    "service": ("service", "access-logonpage-protection-service"),
    "dhcpv4": ("dhcpv4", "dhcpv4_fwd"),
    "dhcpv6": ("dhcpv6", "dhcpv6_fwd"),
    "diameter": ("diameter",),
    "dns-acceleration": ("dns-acceleration",),
    "fix": ("fix",),
    "gtp": ("gtp",),
    "http-proxy-connect": ("http-proxy-connect",),
    "httprouter": ("httprouter",),
    "ilx": ("ilx",),
    "imap": ("imap",),
    "pop3": ("pop3",),
    "ipsecalg": ("ipsecalg",),
    "map-t": ("mapt",),
    "mqtt": ("mqtt",),
    "nat-stats": ("nat-stats",),
    "netflow": ("netflow",),
    "pcp": ("pcp",),
    "pptp": ("pptp",),
    "qoe": ("qoe",),
    "quic": ("quic",),
    "radius": ("radiusLB", "radiusLB-subscriber-aware"),
    "rtsp": ("rtsp",),
    "socks": ("socks",),
    "splitsessionclient": ("splitsessionclient",),
    "splitsessionserver": ("splitsessionserver",),
    "tftp": ("tftp",),
    "traffic-acceleration": ("traffic-acceleration",),
    "oauthplugin": ("oauthplugin",),  # apm profile oauthplugin
    "ping-access": ("pingaccess",),  # apm profile ping-access
}

# The APM access profile's session inactivity timeout. profile_base.conf writes none for the
# built-in `access` profile (line 4015), and BIG-IP saves none for profiles left at the default
# (the access profiles of the corkscrew test configuration, saved by a 15.1 device, write none),
# so the type's default applies. F5's written default is 0, "inactivity timeout is inactive": the
# access profile settings table of the APM Portal Access manuals 12.1 and 13.0 says "Inactivity
# Timeout | Number of seconds, or 0 | ... By default, the threshold is 0, which specifies that as
# long as a connection is established, the inactivity timeout is inactive" (techdocs.f5.com/kb/
# en-us/products/big-ip_apm/manuals/product/apm-portal-access-13-0-0/5.html). No F5 document found
# gives the 900 seconds often quoted for the GUI, so a profile that sets nothing reads as
# unbounded by default (EAS103: set it explicitly), not as a 900 s timer.
ACCESS_INACTIVITY_DEFAULT = "0"
ACCESS_INACTIVITY_SOURCE = ("F5 APM Portal Access manual 13.0, 'Access profile settings': Inactivity Timeout "
                            "default 0 (inactive)")

BUILTIN_PROFILES: dict[str, BuiltinProfile] = {
    profile.name: profile for profile in (_timed(*row) for row in _TIMED)
}
for _type, _names in _NAMES.items():
    for _name in _names:
        BUILTIN_PROFILES.setdefault(f"/Common/{_name}", BuiltinProfile(f"/Common/{_name}", _type))

# The iRules every BIG-IP of that version has: the `ltm rule` stanzas of the same profile_base.conf
# (lines 1688-3742), all named `_sys_...` in /Common. They are not the same in every release
# (inventories of other releases' built-ins name `_sys_APM_owa`, `_sys_APM_sharepoint` and
# `_sys_APM_activesync_v2`, which 15.1.8.2 has not), and F5 publishes no list across releases, so
# a `_sys_` name outside this set is "not known", never "does not exist", unless the device's own
# profile_base.conf was read.
BUILTIN_IRULES = frozenset({
    "_sys_auth_ldap", "_sys_auth_radius", "_sys_auth_ssl_cc_ldap", "_sys_auth_ssl_ocsp", "_sys_auth_ssl_crldp",
    "_sys_auth_tacacs", "_sys_auth_krbdelegate", "_sys_https_redirect", "_sys_APM_activesync",
    "_sys_APM_ExchangeSupport_helper", "_sys_APM_ExchangeSupport_main", "_sys_APM_ExchangeSupport_OA_BasicAuth",
    "_sys_APM_ExchangeSupport_OA_NtlmAuth", "_sys_APM_Office365_SAML_BasicAuth", "_sys_APM_MS_Office_OFBA_Support",
})
BUILTIN_IRULES_SOURCE = f"{PROFILE_BASE}, lines 1688-3742"

TIMED_TYPES = frozenset({"tcp", "fastl4", "fasthttp"})
"""Profile types that hold the connection's idle timeout (`fasthttp` is a full proxy too)."""
