"""Which vendor wrote a configuration file, told from its content.

Detection reads only the start of a file, so scanning a large repository stays cheap. Each
vendor has a test over the first bytes; the first that answers wins, in an order where the
stricter formats (XML, JSON, CSV with known columns, FortiOS headers) are tried before the
line-oriented ones that share words (`access-list`, `timeout`).

- HAProxy: section header lines (`global`, `defaults [name]`, `frontend|backend|listen <name>`)
  with proxy keywords, and almost no lines ending in `{` or `;` (NGINX, F5).
- F5 BIG-IP: tmsh stanzas `ltm|sys|net|apm|gtm|... <type> ... {` or the `#TMSH-VERSION` header.
- Cisco ASA: `ASA Version`, `: Saved`, or ASA-only lines (`nameif`, `access-group`, `object-group`,
  `access-list NAME extended`, `timeout conn`) with no brace stanzas.
- PAN-OS: an XML `<config>` holding `<devices>`/`<shared>`/`<mgt-config>`, or `set` commands
  of the PAN-OS CLI (`set deviceconfig`, `set rulebase`, `set zone`, `set device-group`...),
  never with NetScaler's `-option` arguments (`set service x -cip ENABLED`).
- FortiGate: the `#config-version=` header, or `config ...`/`edit`/`set`/`next`/`end` blocks.
- Exchange: an IIS `web.config` (`<configuration>` with `<appSettings>` or `<system.webServer>`),
  or a `Get-ActiveSyncDeviceAccessRule` export (CSV or JSON with `Characteristic` and
  `AccessLevel`).

Formats easlint does not read yet are recognised too (`UNSUPPORTED`), so that a file named on
the command line is reported as what it is, with what to do, rather than as unknown: NGINX
(`server {`/`location ... {` blocks and directives ending in `;`), Citrix NetScaler (`add lb
vserver ...` commands with `-option` arguments, the `#NS` header) and PAN-OS in the brace
format of `show config running` (`deviceconfig {`, `config { devices {`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

SNIFF_BYTES = 64 * 1024
_HAPROXY_HEADER = re.compile(r"^\s*(?:(?:global|defaults)(?:\s+[\w.:-]+(?:\s+from\s+[\w.:-]+)?)?|(?:frontend|backend|listen)\s+[\w.:-]+(?:\s+from\s+[\w.:-]+)?)\s*(?:#.*)?$")
_HAPROXY_KEYWORD = re.compile(r"^\s*(?:bind|server|mode|timeout|balance|option|default_backend|use_backend|http-request|acl)\s")
# The patterns below run over the whole head with `^` at every line start, so they never let
# whitespace run across lines (`[ \t]`, not `\s`): `^\s*` would consume every blank line after
# each line start and try again from the next, which on a head of 64 KB of blank lines is
# billions of steps. `_WS` is whitespace within a line; `_END` the rest of a line (CRLF too).
_WS, _END = r"[ \t]", r"[ \t\r]*$"
_F5_STANZA = re.compile(
    rf"^(?:ltm|sys|net|apm|gtm|auth|cm|security|wom|asm|pem|ilx|analytics|cli|afm|vcmp|lic|ilx|util){_WS}+\S.*\{{{_WS}*(?:\}}{_END}|{_END})",
    re.MULTILINE,
)
_ASA_STRONG = re.compile(rf"^(?:ASA Version \d|: Saved\b|: Hardware:{_WS}+ASA)", re.MULTILINE)
_ASA_LINE = re.compile(
    rf"^(?:{_WS}+nameif{_WS}|access-group{_WS}+\S+{_WS}+(?:in|out|global)\b"
    rf"|object-group{_WS}+(?:network|service|protocol|icmp-type){_WS}"
    rf"|access-list{_WS}+\S+{_WS}+(?:extended|remark|standard|webtype|ethertype){_WS}|timeout{_WS}+conn{_WS}+\d"
    rf"|object{_WS}+(?:network|service){_WS}|same-security-traffic{_WS}|service-policy{_WS}+\S+{_WS}+(?:global|interface)\b)",
    re.MULTILINE,
)
# Tried at the first `<config` only, with a bounded run of tags before the one that tells.
_PANOS_XML = re.compile(r"<config\b[^>]*>\s*(?:<[^>]+>\s*){0,16}?<(?:devices|shared|mgt-config|readonly)\b")
_PANOS_SET = re.compile(
    rf"^set{_WS}+(?:deviceconfig|rulebase|zone|address|address-group|service|service-group|application|vsys|device-group"
    rf"|shared|network|mgt-config|template|template-stack|import|profiles|tag|readonly|panorama)\b(?![^\n]*{_WS}-[A-Za-z])",
    re.MULTILINE,
)
_FORTIOS_HEADER = re.compile(r"^#config-version=F", re.MULTILINE)
_FORTIOS_CONFIG = re.compile(
    rf"^{_WS}*config{_WS}+(?:system|firewall|vdom|global|router|user|vpn|log|webfilter|antivirus|ips)\b", re.MULTILINE)
_FORTIOS_BLOCK = re.compile(rf"^{_WS}*(?:edit{_WS}+\S|set{_WS}+\S|next{_END}|end{_END})", re.MULTILINE)
_PANOS_TEXT_TOP = re.compile(rf"^(?:config|deviceconfig|mgt-config|shared|policy){_WS}*\{{{_END}", re.MULTILINE)
_PANOS_TEXT_NESTED = re.compile(rf"^{_WS}+(?:devices|vsys|rulebase|system|panorama|network|setting){_WS}*\{{{_END}", re.MULTILINE)
_NETSCALER_HEADER = re.compile(r"^#NS\d", re.MULTILINE)
_NETSCALER_COMMAND = re.compile(
    rf"^(?:add|bind|set|enable|disable){_WS}+(?:lb|cs|ns|ssl|service|serviceGroup|server|responder|rewrite|gslb|vpn"
    rf"|authentication|appfw|cache|cmp|audit|dns|snmp|system|aaa|tm){_WS}[^\n]*{_WS}-[A-Za-z]",
    re.MULTILINE,
)
_NGINX_BLOCK = re.compile(rf"""^{_WS}*["']?(?:http|server|location|upstream|events|stream|mail)\b["']?[^;{{}}\n]*\{{""", re.MULTILINE)
_NGINX_DIRECTIVE = re.compile(
    rf"""^{_WS}*["']?(?:listen|server_name|proxy_pass|proxy_read_timeout|proxy_send_timeout|proxy_set_header|root|include"""
    r"""|worker_processes|worker_connections|ssl_certificate|error_log|access_log|return|keepalive_timeout|add_header"""
    r"""|client_max_body_size|try_files|rewrite|log_format|env|pid|daemon|load_module|worker_rlimit_nofile)\b["']?[^\n]*;""",
    re.MULTILINE,
)
# Tried at the first `<configuration` only (a scan per occurrence would be quadratic).
_IIS_CONFIG = re.compile(r"<configuration\b[^>]*>.*?<(?:appSettings|system\.webServer|location)\b", re.DOTALL)
_ACCESS_RULE_CSV = re.compile(r'^\ufeff?(?:#TYPE [^\n]*\n)?[^\n]*"?Characteristic"?\s*,[^\n]*', re.IGNORECASE)


def _haproxy(head: str) -> bool:
    headers = keywords = braced = meaningful = 0
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        meaningful += 1
        if _HAPROXY_HEADER.match(line):
            headers += 1
        elif _HAPROXY_KEYWORD.match(line):
            keywords += 1
        if stripped.endswith(("{", ";")):
            braced += 1
    return bool(headers and keywords and braced * 20 < meaningful)


def _f5(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("#TMSH-VERSION") or bool(_F5_STANZA.search(head))


def _asa(head: str) -> bool:
    if "{" in head and _F5_STANZA.search(head):
        return False
    return bool(_ASA_STRONG.search(head)) or len(_ASA_LINE.findall(head)) >= 2


def _panos(head: str) -> bool:
    return bool(_match_at_first(_PANOS_XML, head, "<config")) or len(_PANOS_SET.findall(head)) >= 2


def _fortigate(head: str) -> bool:
    if _FORTIOS_HEADER.search(head):
        return True
    return bool(_FORTIOS_CONFIG.search(head)) and len(_FORTIOS_BLOCK.findall(head)) >= 2


def _match_at_first(pattern: re.Pattern[str], head: str, opening: str) -> re.Match[str] | None:
    """`pattern` tried where `opening` first occurs, not at every occurrence."""
    start = head.find(opening)
    return pattern.match(head, start) if start >= 0 else None


def _panos_text(head: str) -> bool:
    return bool(_PANOS_TEXT_TOP.search(head)) and bool(_PANOS_TEXT_NESTED.search(head))


def _netscaler(head: str) -> bool:
    return bool(_NETSCALER_HEADER.search(head)) or len(_NETSCALER_COMMAND.findall(head)) >= 2


def _nginx(head: str) -> bool:
    directives = len(_NGINX_DIRECTIVE.findall(head))
    return (bool(_NGINX_BLOCK.search(head)) and directives >= 1) or directives >= 3


def _exchange(head: str) -> bool:
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return bool(_match_at_first(_IIS_CONFIG, head, "<configuration"))
    if text.startswith(("[", "{")):
        return '"Characteristic"' in head and '"AccessLevel"' in head
    return bool(_ACCESS_RULE_CSV.match(text)) and "AccessLevel" in text.split("\n", 2)[0 if not text.startswith("#TYPE") else 1]


_DETECTORS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("exchange", _exchange),
    ("panos", _panos),
    ("fortigate", _fortigate),
    ("f5", _f5),
    ("haproxy", _haproxy),
    ("asa", _asa),
    ("panos-text", _panos_text),
    ("netscaler", _netscaler),
    ("nginx", _nginx),
)
VENDORS = tuple(name for name, _ in _DETECTORS)
UNSUPPORTED = {
    "panos-text": "PAN-OS configuration in the brace format of 'show config running': easlint reads the XML "
                  "running-config (running-config.xml, or 'show config running' with 'set cli config-output-format xml') "
                  "and set commands ('set cli config-output-format set')",
    "netscaler": "Citrix NetScaler configuration: easlint does not read NetScaler yet",
    "nginx": "NGINX configuration: easlint does not read NGINX yet",
}
"""What to tell the user about a file in a format that is recognised but not read."""


def detect_vendor(head: str) -> str | None:
    """The vendor of a file whose first bytes are `head`, or None when it is not recognised."""
    for name, test in _DETECTORS:
        if test(head):
            return name
    return None
