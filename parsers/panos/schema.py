"""The shape of the PAN-OS configuration that easlint reads, and the explicit list of what it skips.

Both readers walk this schema: the `set` reader needs it to know which word of a command is an
object name (`address WEB ...`), a list (`from [ untrust dmz ]`) or a value, and the validator
uses it to tell every element apart as modelled, known-irrelevant (`SKIP`: logging, profiles,
routing, management...; they cannot change an ActiveSync session's fate or idle timer) or
unknown (EAS002 with its line). Nothing is skipped unless it is named here.

Element names follow the PAN-OS XML schema as the firewall exports it (`show config running`
in XML, or the API's `/config`); see the PAN-OS XML API and pan-os-codegen specs
(https://github.com/PaloAltoNetworks/pan-os-codegen/tree/main/specs) for the object layouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Leaf:
    """A single value (`<action>allow</action>`, `set ... action allow`)."""


@dataclass(frozen=True)
class Members:
    """A list of `<member>` values (`set ... from [ untrust dmz ]`)."""


@dataclass(frozen=True)
class Skip:
    """A subtree known not to matter for an ActiveSync session: read past, never reported."""


@dataclass(frozen=True)
class Container:
    """An element with fixed child keywords."""

    children: dict[str, Shape] = field(default_factory=dict)


@dataclass(frozen=True)
class Entries:
    """Named `<entry name="...">` objects, each shaped like `item`."""

    item: Shape


Shape = Union[Leaf, Members, Skip, Container, Entries]
LEAF = Leaf()
MEMBERS = Members()
SKIP = Skip()
EMPTY = Container()


def _skipping(*names: str) -> dict[str, Shape]:
    return {name: SKIP for name in names}


# -- objects ---------------------------------------------------------------------------------------

_DESCRIPTIVE = {"description": LEAF, "tag": MEMBERS, "disable-override": SKIP}

ADDRESS = Container({"ip-netmask": LEAF, "ip-range": LEAF, "ip-wildcard": LEAF, "fqdn": LEAF, **_DESCRIPTIVE})
ADDRESS_GROUP = Container({"static": MEMBERS, "dynamic": Container({"filter": LEAF}), **_DESCRIPTIVE})
_TCP_OVERRIDE = Container({"timeout": LEAF, "halfclose-timeout": LEAF, "timewait-timeout": LEAF})
SERVICE = Container({
    "protocol": Container({
        "tcp": Container({"port": LEAF, "source-port": LEAF, "override": Container({"yes": _TCP_OVERRIDE, "no": EMPTY})}),
        "udp": Container({"port": LEAF, "source-port": LEAF, "override": Container({"yes": Container({"timeout": LEAF}), "no": EMPTY})}),
        "sctp": Container({"port": LEAF, "source-port": LEAF}),
    }),
    **_DESCRIPTIVE,
})
SERVICE_GROUP = Container({"members": MEMBERS, **_DESCRIPTIVE})
APPLICATION = Container({
    "default": Container({"port": MEMBERS, "ident-by-ip-protocol": LEAF, **_skipping("ident-by-icmp-type", "ident-by-icmp6-type")}),
    "tcp-timeout": LEAF,
    "timeout": LEAF,
    "signature": SKIP,  # its presence is read (App-ID signatures are not evaluated), its patterns are not
    **_DESCRIPTIVE,
    **_skipping(
        "udp-timeout", "tcp-half-closed-timeout", "tcp-time-wait-timeout", "category", "subcategory", "technology",
        "risk", "parent-app", "alg-disable-capability", "able-to-transfer-file", "consume-big-bandwidth", "data-ident",
        "evasive-behavior", "file-type-ident", "has-known-vulnerability", "no-appid-caching", "pervasive-use",
        "prone-to-misuse", "tunnel-applications", "tunnel-other-application", "used-by-malware", "virus-ident",
    ),
})
APPLICATION_GROUP = Container({"members": MEMBERS, **_DESCRIPTIVE})

# -- rules -----------------------------------------------------------------------------------------

SECURITY_RULE = Container({
    **{name: MEMBERS for name in (
        "from", "to", "source", "destination", "source-user", "category", "application", "service", "source-hip",
        "destination-hip", "hip-profiles", "source-imei", "source-imsi", "source-nw-slice",
    )},
    **{name: LEAF for name in ("action", "disabled", "negate-source", "negate-destination", "rule-type", "schedule")},
    **_DESCRIPTIVE,
    **_skipping(
        "log-setting", "log-start", "log-end", "profile-setting", "option", "qos", "icmp-unreachable", "group-tag",
        "target", "audit-comment", "uuid",
    ),
})
APPLICATION_OVERRIDE_RULE = Container({
    **{name: MEMBERS for name in ("from", "to", "source", "destination")},
    **{name: LEAF for name in ("port", "protocol", "application", "disabled", "negate-source", "negate-destination")},
    **_DESCRIPTIVE,
    **_skipping("group-tag", "target", "audit-comment", "uuid"),
})
DEFAULT_SECURITY_RULE = Container({
    "action": LEAF,
    **_skipping("log-setting", "log-start", "log-end", "profile-setting", "icmp-unreachable", "uuid"),
})
RULEBASE = Container({
    "security": Container({"rules": Entries(SECURITY_RULE)}),
    "application-override": Container({"rules": Entries(APPLICATION_OVERRIDE_RULE)}),
    "default-security-rules": Container({"rules": Entries(DEFAULT_SECURITY_RULE)}),
    # Rulebases that decide neither whether the session is allowed nor its idle timer.
    **_skipping("nat", "decryption", "pbf", "qos", "dos", "authentication", "tunnel-inspect", "sdwan",
                "network-packet-broker", "captive-portal"),
})

# -- scopes ----------------------------------------------------------------------------------------

_OBJECTS: dict[str, Shape] = {
    "address": Entries(ADDRESS),
    "address-group": Entries(ADDRESS_GROUP),
    "service": Entries(SERVICE),
    "service-group": Entries(SERVICE_GROUP),
    "application": Entries(APPLICATION),
    "application-group": Entries(APPLICATION_GROUP),
    "application-filter": Entries(SKIP),  # a rule naming one is opaque
    "external-list": Entries(SKIP),  # a rule naming one is opaque (its addresses are fetched at run time)
    **_skipping(
        "tag", "schedule", "profiles", "profile-group", "log-settings", "region", "dynamic-user-group", "threats",
        "reports", "report-group", "email-scheduler", "pdf-summary-report", "response-page", "authentication-object",
        "ocsp-responder", "certificate", "certificate-profile", "ssl-tls-service-profile", "ssl-decrypt",
        "server-profile", "authentication-profile", "authentication-sequence", "admin-role", "local-user-database",
        "global-protect", "url-admin-override", "captive-portal", "user-id-collector", "ts-agent", "vm-info-source",
        "content-preview", "botnet", "scheduled-report", "application-status", "url-content-types", "device-object",
        "sdwan-interface-profile", "custom-url-category", "redistribution-agent", "user-id-agent",
    ),
}
ZONE = Container({
    "network": Container({
        **{name: MEMBERS for name in ("layer3", "layer2", "virtual-wire", "tap", "external")},
        **_skipping("tunnel", "zone-protection-profile", "enable-packet-buffer-protection", "log-setting", "net-inspection"),
    }),
    **_skipping("enable-user-identification", "enable-device-identification", "user-acl", "device-acl"),
})
VSYS = Container({**_OBJECTS, "zone": Entries(ZONE), "rulebase": RULEBASE, **_skipping("import", "display-name", "setting")})
SHARED = Container({**_OBJECTS, "pre-rulebase": RULEBASE, "post-rulebase": RULEBASE})
DEVICE_GROUP = Container({
    **_OBJECTS,
    "pre-rulebase": RULEBASE,
    "post-rulebase": RULEBASE,
    **_skipping("devices", "description", "reference-templates", "master-device", "authorization-code"),
})
SESSION = Container({
    "timeout-tcp": LEAF,
    "timeout-default": LEAF,
    **_skipping(
        "timeout-udp", "timeout-icmp", "timeout-tcpinit", "timeout-tcphandshake", "timeout-tcp-half-closed",
        "timeout-tcp-time-wait", "timeout-tcp-unverified-rst", "timeout-captive-portal", "timeout-discard-tcp",
        "timeout-discard-udp", "timeout-discard-default", "timeout-scan", "timeout-sctp-init", "timeout-sctp-cookie",
        "timeout-sctp", "packet-buffer-protection-enable", "packet-buffer-protection-monitor-only",
        "packet-buffer-protection-alert", "packet-buffer-protection-activate", "packet-buffer-protection-block-countdown",
        "packet-buffer-protection-block-hold-time", "packet-buffer-protection-use-latency", "packet-buffer-protection-latency-alert",
        "packet-buffer-protection-latency-activate", "packet-buffer-protection-latency-max-tolerate",
        "packet-buffer-protection-latency-block-countdown", "resource-limit-behavior",
        "icmp-unreachable-rate", "offload", "ipv6-firewalling", "erspan", "tcp-reject-non-syn", "dhcp-bcast-session-on",
        "multicast-route-setup-buffering", "max-pending-mcast-pkts-per-session", "tcp-retransmit-scan",
        # Accelerated aging shortens idle timers only while the session table is above its threshold; a
        # property of load, not of the configuration's timers, so it is not modelled.
        "accelerated-aging-enable", "accelerated-aging-threshold", "accelerated-aging-scaling-factor",
    ),
})
DEVICECONFIG = Container({
    "setting": Container({
        "session": SESSION,
        **_skipping(
            "tcp", "ctd", "logging", "application", "config", "wildfire", "management", "ssl-decrypt", "util",
            "pan-url-db", "zip", "http2", "nat", "nat64", "jumbo-frame", "icmpv6-rate-limit", "packet", "vpn",
            "l3-service", "custom-logo", "dns", "mtu", "tunnel-acceleration", "advance-routing", "url",
        ),
    }),
    **_skipping("system", "high-availability", "platform", "plugins"),
})
_TEMPLATE_CONFIG_SKIPS = ("network", "vsys", "shared", "mgt-config", "platform", "plugins")
TEMPLATE = Container({
    # A Panorama template carries the firewalls' device settings, among them the session timeouts.
    "config": Container({
        "deviceconfig": DEVICECONFIG,
        "devices": Entries(Container({"deviceconfig": DEVICECONFIG, **_skipping(*_TEMPLATE_CONFIG_SKIPS)})),
        **_skipping(*_TEMPLATE_CONFIG_SKIPS),
    }),
    **_skipping("settings", "description", "variable", "templates", "devices", "user-group-source", "default-vsys"),
})
DEVICE = Container({
    "deviceconfig": DEVICECONFIG,
    "vsys": Entries(VSYS),
    "device-group": Entries(DEVICE_GROUP),
    "template": Entries(TEMPLATE),
    **_skipping(
        "network", "template-stack", "log-collector", "log-collector-group", "platform", "plugins",
        "wildfire-appliance", "wildfire-appliance-cluster", "collector-group",
    ),
})
CONFIG = Container({
    "shared": SHARED,
    "devices": Entries(DEVICE),
    **_skipping("mgt-config", "readonly", "panorama", "policy"),
})
"""The `<config>` root element."""

DEVICE_WORDS = frozenset({"deviceconfig", "network", "vsys", "device-group", "template", "template-stack",
                          "log-collector", "log-collector-group", "platform", "plugins"})
"""`set` words that live under `/config/devices/entry[@name='localhost.localdomain']`."""
ROOT_WORDS = frozenset(CONFIG.children)
"""`set` words that live directly under `/config`; every other word is an object of vsys1."""
LOCAL_DEVICE = "localhost.localdomain"
DEFAULT_VSYS = "vsys1"
