"""F5 BIG-IP configurations as the model: virtual servers, profiles by context, defaults-from
chains, partitions and folders, multi-file devices, UCS archives and tmsh fixes."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from linter.analysis import analyze
from linter.findings import Finding
from linter.model import Device, Listener, Opaque, TimerKind
from linter.policy import Policy
from parsers.f5 import device_root, parse, parse_archive
from parsers.f5.fixes import F5Fixer
from parsers.f5.virtuals import parse_destination
from parsers.f5.objects import Config
from policies import RULES
from policies.base import RuleContext
from tests.conftest import CORPUS

RULES_DIR = Path(__file__).parent / "rules"


def lint_f5(device: Device, policy: Policy) -> list[Finding]:
    context = RuleContext(analyze(device, policy), F5Fixer())
    return [finding for rule in RULES if rule.applies_to("f5") for finding in rule.check(context)]


def virtual(profiles: str, extra: str = "", destination: str = "/Common/203.0.113.20:443", name: str = "/Common/exchange_vs") -> str:
    return (f"ltm virtual {name} {{\n    destination {destination}\n    ip-protocol tcp\n{extra}"
            f"    pool /Common/exchange_pool\n    profiles {{\n{profiles}    }}\n}}\n")


POOL = ("ltm pool /Common/exchange_pool {\n    members {\n        /Common/10.0.10.11:443 {\n            address 10.0.10.11\n"
        "        }\n    }\n}\n")
HTTPS = "        /Common/http { }\n        /Common/clientssl {\n            context clientside\n        }\n"


def only_listener(text: str) -> Listener:
    device = parse("bigip.conf", text)
    assert len(device.listeners) == 1, device.diagnostics
    return device.listeners[0]


def timers(listener: Listener) -> dict[TimerKind, tuple[float | None, bool, str]]:
    return {timer.kind: (timer.seconds, timer.explicit, timer.applies_to) for timer in listener.timers}


# -- profiles and timers -----------------------------------------------------------------------


def test_each_leg_takes_its_timer_from_its_context() -> None:
    text = POOL + "ltm profile tcp /Common/client-tcp {\n    defaults-from /Common/tcp\n    idle-timeout 3900\n}\n" + virtual(
        "        /Common/client-tcp {\n            context clientside\n        }\n"
        "        /Common/tcp-lan-optimized {\n            context serverside\n        }\n" + HTTPS)
    assert timers(only_listener(text)) == {
        TimerKind.CLIENT_IDLE: (3900, True, "ltm profile tcp /Common/client-tcp"),
        TimerKind.SERVER_IDLE: (300, False, "ltm virtual /Common/exchange_vs"),
    }


def test_three_level_chain_reports_where_the_value_is_written() -> None:
    text = POOL + (
        "ltm profile tcp /Common/base {\n    defaults-from /Common/tcp-wan-optimized\n    idle-timeout 1800\n}\n"
        "ltm profile tcp /Common/middle {\n    defaults-from /Common/base\n}\n"
        "ltm profile tcp /Common/leaf {\n    defaults-from middle\n}\n") + virtual("        /Common/leaf { }\n" + HTTPS)
    listener = only_listener(text)
    timer = listener.timers[0]
    assert (timer.seconds, timer.explicit, timer.location.line, timer.inherited_from) == (1800, True, 10, "/Common/base")
    assert "/Common/leaf defaults-from /Common/middle defaults-from /Common/base" in timer.source
    assert {t.kind for t in listener.timers} == {TimerKind.CLIENT_IDLE, TimerKind.SERVER_IDLE}


@pytest.mark.parametrize(("value", "seconds"), [("indefinite", None), ("0", None), ("immediate", 0), ("4000", 4000)])
def test_idle_timeout_keywords(value: str, seconds: float | None) -> None:
    text = POOL + f"ltm profile tcp /Common/t {{\n    defaults-from /Common/tcp\n    idle-timeout {value}\n}}\n" + virtual("        /Common/t { }\n" + HTTPS)
    assert {timer.seconds for timer in only_listener(text).timers} == {seconds}


def test_missing_parent_and_loops_are_parse_errors() -> None:
    missing = POOL + "ltm profile tcp /Common/t {\n    defaults-from /Common/nope\n}\n" + virtual("        /Common/t { }\n" + HTTPS)
    loop = POOL + ("ltm profile tcp /Common/a {\n    defaults-from /Common/b\n}\nltm profile tcp /Common/b {\n    defaults-from /Common/a\n}\n"
                   + virtual("        /Common/a { }\n" + HTTPS))
    for text, words in ((missing, "does not exist"), (loop, "loops")):
        device = parse("bigip.conf", text)
        assert any(d.code == "EAS001" and words in d.message for d in device.diagnostics), device.diagnostics


def test_fastl4_is_layer_4_with_one_flow_timer() -> None:
    listener = only_listener(POOL + virtual("        /Common/fastL4 { }\n"))
    assert not listener.l7 and "fastL4" in listener.mode_source
    assert [(t.kind, t.seconds) for t in listener.timers] == [(TimerKind.SESSION_IDLE, 300)]


@pytest.mark.parametrize(("profiles", "destination", "l7", "tls"), [
    ("        /Common/tcp { }\n        /Common/http { }\n", "/Common/203.0.113.20:443", False, False),
    ("        /Common/tcp { }\n" + HTTPS, "/Common/203.0.113.20:443", True, True),
    ("        /Common/tcp { }\n        /Common/http { }\n", "/Common/203.0.113.20:80", True, False),
    # behind a hop that ends TLS: plain HTTP on another port is parsed (fed TLS, it would refuse everything)
    ("        /Common/tcp { }\n        /Common/http { }\n", "/Common/10.0.20.5:8080", True, False),
    # a virtual for any port gets ActiveSync devices' TLS on 443, which the http profile cannot read
    ("        /Common/tcp { }\n        /Common/http { }\n", "/Common/203.0.113.20:0", False, False),
    ("        /Common/tcp { }\n", "/Common/203.0.113.20:443", False, False),
])
def test_what_the_virtual_sees(profiles: str, destination: str, l7: bool, tls: bool) -> None:
    listener = only_listener(POOL + virtual(profiles, destination=destination))
    assert (listener.l7, listener.binds[0].tls) == (l7, tls), listener.mode_source


@pytest.mark.parametrize(("extra", "serves"), [
    ("    vlans-enabled\n", False),  # enabled on no VLAN: listens nowhere
    ("    vlans { }\n    vlans-enabled\n", False),
    ("    vlans {\n        /Common/external\n    }\n    vlans-enabled\n", True),
    ("    vlans {\n        /Common/internal\n    }\n    vlans-disabled\n", True),  # every VLAN but one
    ("    vlans-disabled\n", True),  # the default: all VLANs
])
def test_a_virtual_enabled_on_no_vlan_serves_nothing(extra: str, serves: bool) -> None:
    device = parse("bigip.conf", POOL + virtual("        /Common/tcp { }\n" + HTTPS, extra=extra))
    assert (len(device.listeners) == 1) is serves
    assert device.diagnostics == ()


def test_apm_access_profile_adds_its_inactivity_timeout() -> None:
    text = POOL + "apm profile access /Common/eas_access {\n    defaults-from /Common/access\n}\n" + virtual(
        "        /Common/tcp { }\n" + HTTPS + "        /Common/eas_access { }\n")
    session = [t for t in only_listener(text).timers if t.kind is TimerKind.SESSION_IDLE]
    assert [(t.seconds, t.explicit, t.setting) for t in session] == [(None, False, "inactivity-timeout")]
    assert "default 0" in session[0].source


# -- profiles easlint cannot see ------------------------------------------------------------------

SHARED_CLIENTSSL = "        /Common/shared-clientssl {\n            context clientside\n        }\n"


def _unseen_reports(device: Device) -> dict[int, str]:
    return {d.location.line: d.message for d in device.diagnostics if d.code == "EAS002" and "neither defined" in d.message}


def test_unseen_tcp_and_clientssl_profiles_get_no_invented_timer_and_may_terminate_tls() -> None:
    """A partition's bigip.conf checked alone names /Common profiles it cannot see: the tcp
    profile among them may time both legs, the client-ssl one may terminate TLS."""
    text = POOL + virtual(SHARED_CLIENTSSL + "        /Common/shared-tcp { }\n        /Common/http { }\n")
    device = parse("bigip.conf", text)
    listener = device.listeners[0]
    assert listener.timers == ()
    assert (listener.l7, listener.binds[0].tls) == (True, True)
    assert "profiles /Common/shared-clientssl, /Common/shared-tcp, which easlint cannot see" in listener.mode_source
    reports = _unseen_reports(device)
    assert len(reports) == 2
    clientssl, tcp = (reports[line] for line in sorted(reports))
    assert "tcp profile of the client side" in clientssl and "no idle timeout is judged for it" in clientssl
    assert "tcp profile of the client and server sides" in tcp and "no idle timeout is judged for them" in tcp
    assert all("judged as if it terminates TLS and parses HTTP" in message for message in reports.values())


@pytest.mark.parametrize(("profiles", "legs", "untimed_words"), [
    # a built-in tcp profile is seen: both legs keep its 300 s, the unseen profile leaves none untimed
    (SHARED_CLIENTSSL + "        /Common/tcp { }\n        /Common/http { }\n",
     {TimerKind.CLIENT_IDLE: 300, TimerKind.SERVER_IDLE: 300}, None),
    # no tcp profile listed, the unseen one is client-side only: /Common/tcp still times the server side
    (SHARED_CLIENTSSL + "        /Common/http { }\n", {TimerKind.SERVER_IDLE: 300}, "of the client side,"),
    # a seen tcp profile on the client side, an unseen one for both: the server side is untimed
    ("        /Common/tcp {\n            context clientside\n        }\n        /Common/shared-tcp { }\n" + HTTPS,
     {TimerKind.CLIENT_IDLE: 300}, "of the server side,"),
])
def test_unseen_profiles_leave_untimed_only_the_legs_they_may_time(profiles: str, legs: dict, untimed_words: str | None) -> None:
    device = parse("bigip.conf", POOL + virtual(profiles))
    assert {t.kind: t.seconds for t in device.listeners[0].timers} == legs
    (message,) = _unseen_reports(device).values()
    assert ("no idle timeout is judged" in message) == (untimed_words is not None)
    assert untimed_words is None or untimed_words in message


def test_one_unseen_profile_cannot_be_both_http_and_clientssl() -> None:
    listener = only_listener(POOL + virtual("        /Common/shared-tcp { }\n"))
    assert (listener.l7, listener.binds[0].tls) == (False, False)
    assert "cannot be both the http and the client-ssl profile" in listener.mode_source


def test_unseen_profile_may_be_the_http_profile_an_http_irule_needs() -> None:
    irule = "ltm rule /Common/eas_block {\n    when HTTP_REQUEST {\n        if { [HTTP::path] starts_with \"/x\" } { reject }\n    }\n}\n"
    rules = "    rules {\n        /Common/eas_block\n    }\n"
    unseen = parse("bigip.conf", POOL + irule + virtual("        /Common/tcp { }\n        /Common/shared-http { }\n", rules))
    seen_none = parse("bigip.conf", POOL + irule + virtual("        /Common/tcp { }\n", rules))
    assert not [d for d in unseen.diagnostics if d.code == "EAS001"]
    assert [d.code for d in seen_none.diagnostics if "HTTP_REQUEST" in d.message] == ["EAS001"]


# -- destinations, names, partitions --------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("/Common/10.1.1.10:443", ("10.1.1.10", 443)),
    ("/Common/10.1.1.10%2:https", ("10.1.1.10", 443)),
    ("/Common/2001:db8::10.443", ("2001:db8::10", 443)),
    ("/Common/0.0.0.0:any", (None, None)),
    ("/Common/any6.80", (None, 80)),
    ("/Common/mail_vip:443", ("198.51.100.7", 443)),
])
def test_destinations(raw: str, expected: tuple) -> None:
    config = Config()
    from parsers.f5.objects import collect
    from parsers.f5.tmsh import split_stanzas

    collect(config, split_stanzas("bigip.conf", "ltm virtual-address /Common/mail_vip {\n    address 198.51.100.7\n}\n").stanzas, "Common")
    assert parse_destination(raw, "/Common/vs", config) == expected


def test_iapp_folder_names_resolve_inside_their_folder() -> None:
    text = ("ltm pool /Common/exchange.app/pool {\n    members { }\n}\n"
            "ltm profile tcp /Common/exchange.app/tcp {\n    defaults-from /Common/tcp\n    idle-timeout 3900\n}\n"
            "ltm virtual /Common/exchange.app/vs {\n    app-service /Common/exchange.app/exchange\n    destination /Common/203.0.113.20:443\n"
            "    pool pool\n    profiles {\n        tcp { }\n        /Common/http { }\n        /Common/clientssl {\n            context clientside\n"
            "        }\n    }\n}\n")
    device = parse("bigip.conf", text)
    listener = device.listeners[0]
    assert listener.default_pool == "/Common/exchange.app/pool" and device.pool(listener.default_pool) is not None
    assert {t.applies_to for t in listener.timers} == {"ltm profile tcp /Common/exchange.app/tcp"}
    assert "/Common/exchange.app/exchange" in listener.labels


def test_device_of_several_files(tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "partitions" / "exch").mkdir(parents=True)
    (config / "profile_base.conf").write_text("ltm profile tcp tcp {\n    idle-timeout 300\n}\n")
    (config / "bigip_base.conf").write_text("net vlan /Common/external {\n    tag 4094\n}\n")
    (config / "bigip.conf").write_text(POOL)
    partition = config / "partitions" / "exch" / "bigip.conf"
    partition.write_text(virtual("        /Common/tcp { }\n" + HTTPS, name="vs_exchange").replace("/Common/exchange_pool", "exchange_pool"))
    for member in (config / "bigip_base.conf", partition, config / "profile_base.conf"):
        assert device_root(member) == config / "bigip.conf"
    assert device_root(tmp_path / "elsewhere.conf") == tmp_path / "elsewhere.conf"
    device = parse("config/bigip.conf", (config / "bigip.conf").read_text(), config)
    assert device.files == ("config/profile_base.conf", "config/bigip.conf", "config/bigip_base.conf", "config/partitions/exch/bigip.conf")
    listener = device.listeners[0]
    assert listener.object_path == "ltm virtual /exch/vs_exchange" and listener.location.file == "config/partitions/exch/bigip.conf"
    assert listener.default_pool == "/Common/exchange_pool"
    assert "profile_base.conf, line 2" in listener.timers[0].source


# -- UCS archives ------------------------------------------------------------------------------------


def _ucs(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_ucs_is_read_in_memory(tmp_path: Path, policy: Policy) -> None:
    fixture = (RULES_DIR / "EAS102" / "f5" / "tcp-1800.conf").read_bytes()
    archive = _ucs(tmp_path / "backup.ucs", {
        "config/bigip.conf": fixture,
        "config/bigip_base.conf": b"net vlan /Common/external {\n    tag 4094\n}\n",
        "config/partitions/exch/bigip.conf": b"ltm pool /exch/spare {\n    members { }\n}\n",
        "../../etc/evil.conf": b"ltm pool /Common/evil {\n}\n",
        "var/tmp/cert.key": b"secret",
    })
    device = parse_archive("backup.ucs", archive)
    assert device.files == ("backup.ucs!config/bigip.conf", "backup.ucs!config/bigip_base.conf", "backup.ucs!config/partitions/exch/bigip.conf")
    assert {pool.name for pool in device.pools} == {"/Common/exchange_pool", "/exch/spare"}
    findings = lint_f5(device, policy)
    assert [(f.rule_id, f.location.file) for f in findings] == [("EAS102", "backup.ucs!config/bigip.conf")]
    assert list(tmp_path.iterdir()) == [archive]  # nothing extracted


@pytest.mark.parametrize("content", [b"not a tar at all", b"\x1f\x8b\x08\x00garbage"])
def test_broken_ucs_is_a_parse_error_not_an_exception(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.ucs"
    path.write_bytes(content)
    device = parse_archive("broken.ucs", path)
    assert [d.code for d in device.diagnostics] == ["EAS001"]


# -- rules and fixes -----------------------------------------------------------------------------------


def test_builtin_profile_fix_keeps_the_other_profiles(policy: Policy) -> None:
    text = (RULES_DIR / "EAS101" / "f5" / "builtin-tcp-serverside.conf").read_text()
    finding = next(f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS101")
    assert finding.fix is not None
    assert finding.fix.snippet.splitlines() == [
        "create ltm profile tcp /Common/exchange-tcp-3900 defaults-from /Common/tcp idle-timeout 3900",
        "modify ltm virtual /Common/exchange_https_vs profiles replace-all-with { /Common/exchange-tcp { context clientside } "
        "/Common/exchange-tcp-3900 { context serverside } /Common/http { } /Common/exchange-clientssl { context clientside } "
        "/Common/serverssl { context serverside } }",
    ]
    assert "use it for the server side of /Common/exchange_https_vs" in finding.fix.description


def test_a_child_profile_name_the_virtual_already_uses_gets_the_leg(policy: Policy) -> None:
    text = (RULES_DIR / "EAS101" / "f5" / "builtin-tcp-serverside.conf").read_text().replace("exchange-tcp", "exchange-tcp-3900")
    finding = next(f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS101")
    assert finding.fix is not None
    assert finding.fix.snippet.splitlines()[0] == (
        "create ltm profile tcp /Common/exchange-tcp-3900-serverside defaults-from /Common/tcp idle-timeout 3900")
    assert "/Common/exchange-tcp-3900 { context clientside } /Common/exchange-tcp-3900-serverside { context serverside }" in (
        finding.fix.snippet)


MODIFIED_TCP = "ltm profile tcp /Common/tcp {\n    idle-timeout 600\n}\n"


def _two_virtuals_on_modified_tcp(base_dir: Path | None = None) -> Device:
    text = MODIFIED_TCP + POOL + virtual("        /Common/tcp { }\n" + HTTPS, name="/Common/exchange_owa_vs") + virtual(
        "        /Common/tcp { }\n" + HTTPS, destination="/Common/203.0.113.21:443", name="/Common/exchange_eas_vs")
    if base_dir is None:
        return parse("bigip.conf", text)
    (base_dir / "bigip.conf").write_text(text)
    return parse("config/bigip.conf", text, base_dir)


@pytest.mark.parametrize("with_profile_base", [False, True])
def test_modified_builtin_profile_keeps_its_value_but_is_fixed_by_a_child(policy: Policy, tmp_path: Path,
                                                                           with_profile_base: bool) -> None:
    """tmsh saves a modified /Common/tcp in bigip.conf (and profile_base.conf still defines it):
    the device uses 600 s, but changing /Common/tcp would change every virtual that uses it, so
    each virtual gets a child profile, as for an unmodified built-in."""
    if with_profile_base:
        (tmp_path / "profile_base.conf").write_text("ltm profile tcp tcp {\n    idle-timeout 300\n}\n")
    device = _two_virtuals_on_modified_tcp(tmp_path if with_profile_base else None)
    assert {(t.seconds, t.explicit, t.raw, t.applies_to) for t in device.listeners[0].timers} == {
        (600, True, "600", "ltm virtual /Common/exchange_owa_vs")}
    findings = [f for f in lint_f5(device, policy) if f.rule_id == "EAS102"]
    assert sorted(f.object_path for f in findings) == ["ltm virtual /Common/exchange_eas_vs", "ltm virtual /Common/exchange_owa_vs"]
    for finding in findings:
        name = finding.object_path.split()[-1]
        assert finding.fix is not None and finding.fix.snippet.splitlines() == [
            "create ltm profile tcp /Common/exchange-tcp-3900 defaults-from /Common/tcp idle-timeout 3900",
            f"modify ltm virtual {name} profiles replace-all-with {{ /Common/exchange-tcp-3900 {{ }} /Common/http {{ }} "
            "/Common/clientssl { context clientside } }",
        ]
        # one child profile for both virtuals, listed without a context: it serves both legs
        assert "(once: other virtuals' fixes use the same one) and use it for the both sides of" not in finding.fix.description
        assert "(once: other virtuals' fixes use the same one) and use it for both sides of" in finding.fix.description
        assert "modify ltm profile" not in finding.fix.snippet
        assert "modified in this configuration, idle-timeout 600" in finding.evidence[0].message


def test_builtin_use_reads_back_what_idle_timer_writes() -> None:
    """The fixer rebuilds the virtual's profile list from the timer's source: the text written
    by the parser must read back as the same list (a wording change fails here, not silently
    in the fixes)."""
    from parsers.f5.profiles import builtin_use

    listener = only_listener(POOL + virtual("        /Common/x-tcp {\n            context clientside\n        }\n"
                                            "        /Common/tcp-lan-optimized {\n            context serverside\n        }\n"
                                            + HTTPS).replace("ltm virtual", "ltm profile tcp /Common/x-tcp {\n"
                                                             "    defaults-from /Common/tcp\n    idle-timeout 3900\n}\nltm virtual"))
    server = next(t for t in listener.timers if t.kind is TimerKind.SERVER_IDLE)
    use = builtin_use(server.source)
    assert use is not None and (use.type, use.path) == ("tcp", "/Common/tcp-lan-optimized")
    assert use.profiles == (("/Common/x-tcp", "clientside"), ("/Common/tcp-lan-optimized", "serverside"),
                            ("/Common/http", None), ("/Common/clientssl", "clientside"))
    implicit = only_listener(POOL + virtual(HTTPS)).timers[0]
    assert builtin_use(implicit.source).profiles == (("/Common/http", None), ("/Common/clientssl", "clientside"))


@pytest.mark.parametrize(("value", "words"), [("15min", "'15min'"), ("-1", "'-1'")])
def test_bad_idle_timeout_is_reported_at_the_profile_and_other_timers_stay(value: str, words: str) -> None:
    text = POOL + (f"ltm profile tcp /Common/client-tcp {{\n    defaults-from /Common/tcp\n    idle-timeout {value}\n}}\n"
                   "ltm profile tcp /Common/server-tcp {\n    defaults-from /Common/tcp\n    idle-timeout 3900\n}\n") + virtual(
        "        /Common/client-tcp {\n            context clientside\n        }\n"
        "        /Common/server-tcp {\n            context serverside\n        }\n" + HTTPS)
    device = parse("bigip.conf", text)
    assert [(d.code, d.location.line, d.message, d.object_path) for d in device.diagnostics] == [
        ("EAS001", text.splitlines().index(f"    idle-timeout {value}") + 1,
         f"ltm profile tcp /Common/client-tcp: idle-timeout {words} is not a number of seconds, 'indefinite' or 'immediate'",
         "ltm profile tcp /Common/client-tcp")]
    assert [(t.kind, t.seconds) for t in device.listeners[0].timers] == [(TimerKind.SERVER_IDLE, 3900)]


def test_external_data_group_is_not_evaluated_rather_than_undefined() -> None:
    """`class match` on an `ltm data-group external`: its records are in a file bigip.conf does
    not hold, so the verdict is "cannot verify", not "the group does not exist"."""
    rule = ("ltm data-group external /Common/blocked_agents {\n    external-file-name /Common/blocked_agents\n    type string\n}\n"
            "ltm rule /Common/block_agents {\nwhen HTTP_REQUEST {\n    if { [class match [string tolower [HTTP::header User-Agent]] "
            "contains blocked_agents] } {\n        reject\n    }\n}\n}\n")
    listener = only_listener(rule + POOL + virtual("        /Common/tcp { }\n" + HTTPS,
                                                   extra="    rules {\n        /Common/block_agents\n    }\n"))
    reasons = [term.reason for step in listener.steps for term in _terms(step.condition) if isinstance(term, Opaque)]
    assert reasons and all("data group /Common/blocked_agents live in an external file easlint does not read" in reason
                           and "not defined" not in reason for reason in reasons)


def test_per_request_access_policy_is_reported_not_passed(policy: Policy) -> None:
    text = (RULES_DIR / "EAS102" / "f5" / "tcp-3900_fp.conf").read_text().replace(
        "    pool /Common/exchange_pool\n", "    per-flow-request-access-policy /Common/eas_prp\n    pool /Common/exchange_pool\n")
    findings = [f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS002"]
    line = text.splitlines().index("    per-flow-request-access-policy /Common/eas_prp") + 1
    assert [(f.location.line, f.severity.value, "per-request access policy /Common/eas_prp is not evaluated" in f.message)
            for f in findings] == [(line, "error", True)]


@pytest.mark.parametrize(("action", "opaque"), [
    ("asm\n                    enable\n                    policy /Common/exchange_asm", True),
    ("bot-defense\n                    enable\n                    from-profile /Common/bot-defense", True),
    ("asm\n                    disable", False),
])
def test_security_module_actions_can_refuse_unless_disabled(action: str, opaque: bool) -> None:
    text = (RULES_DIR / "EAS102" / "f5" / "tcp-3900_fp.conf").read_text().replace(
        "        block_cloudmagic_ua {", "        security {\n            actions {\n                0 {\n"
        f"                    {action}\n                }}\n            }}\n            ordinal 0\n        }}\n"
        "        block_cloudmagic_ua {")
    steps = only_listener(text).steps
    reasons = [step.action.opaque.reason for step in steps if step.action.opaque is not None]
    assert bool(reasons) is opaque
    assert all("can refuse it by settings easlint does not read" in reason for reason in reasons)


def test_user_profile_fix_modifies_it(policy: Policy) -> None:
    text = (RULES_DIR / "EAS102" / "f5" / "tcp-1800.conf").read_text()
    finding = next(f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS102")
    assert finding.fix.snippet == "modify ltm profile tcp /Common/exchange-tcp idle-timeout 3900"
    assert finding.actual == "1800 s (idle-timeout 1800)"


def _added_rules(snippet: str) -> list[tuple[str, int]]:
    """(name, ordinal) of each rule a `rules add { ... }` fix adds."""
    import re

    added = snippet.split("rules add { ", 1)[1]
    return [(name, int(ordinal)) for name, ordinal in
            re.findall(r"([\w.-]+) \{ conditions add .*? ordinal (\d+) \}", added)]


def _policy_rules(text: str, policy_path: str) -> dict[str, int]:
    """The rule names of an LTM policy with their ordinals (0 when tmsh writes none)."""
    from parsers.f5.objects import Config, collect
    from parsers.f5.policies import read_rules
    from parsers.f5.tmsh import split_stanzas

    config = Config()
    collect(config, split_stanzas("bigip.conf", text).stanzas, "Common")
    return {rule.name: rule.ordinal for rule in read_rules(config.policies[policy_path], config)}


def test_ews_fix_adds_a_rule_of_its_own_name_before_the_policys_rules(policy: Policy) -> None:
    """The policy already has rules named block-user-agent and block-device-type, ordinals 1 to
    3, the last one sending /EWS/ to a pool: the added rule takes neither a name nor an ordinal
    of theirs, and comes before all of them."""
    text = (RULES_DIR / "EAS206" / "f5" / "e-policy-rule-names-taken.conf").read_text()
    existing = _policy_rules(text, "/Common/exchange_block_apps")
    assert existing == {"block-user-agent": 1, "block-device-type": 2, "ews-to-ews-pool": 3}
    finding = next(f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS206")
    assert finding.fix is not None
    ((name, ordinal),) = _added_rules(finding.fix.snippet)
    assert name == "easlint-block-ews-user-agent-cloudmagic" and name not in existing
    assert ordinal < min(existing.values()) and ordinal not in existing.values()
    assert "ordinal 0" in finding.fix.description


@pytest.mark.parametrize(("fixture", "rule", "expected"), [
    ("EAS203/f5/user-agent-only.conf", "EAS203", ["easlint-block-device-type-cloudmagic"]),
    ("EAS205/f5/devicetype-iphone.conf", "EAS205", ["easlint-block-user-agent-cloudmagic", "easlint-block-device-type-cloudmagic"]),
])
def test_rules_added_to_a_policy_have_names_of_their_own(fixture: str, rule: str, expected: list[str], policy: Policy) -> None:
    text = (RULES_DIR / fixture).read_text()
    finding = next(f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == rule)
    assert finding.fix is not None
    assert [(name, ordinal) for name, ordinal in _added_rules(finding.fix.snippet)] == [(name, 0) for name in expected]


def test_rules_of_a_new_policy_are_numbered_from_one(policy: Policy) -> None:
    text = (RULES_DIR / "EAS201" / "f5" / "no-block.conf").read_text()
    finding = next(f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS201")
    assert finding.fix is not None
    assert _added_rules(finding.fix.snippet) == [("block-user-agent", 1), ("block-device-type", 2)]


# -- built-in iRules ---------------------------------------------------------------------------------

REDIRECT_RULES = "    rules {{\n        {}\n    }}\n"


def _redirect_device(rule: str, tmp_path: Path | None = None) -> Device:
    """A port-80 virtual with one iRule, read with a profile_base.conf beside it when `tmp_path`
    is given (its `_sys_https_redirect` is the one BIG-IP 15.1's profile_base.conf defines)."""
    text = POOL + virtual("        /Common/http { }\n        /Common/tcp { }\n", REDIRECT_RULES.format(rule),
                          destination="/Common/203.0.113.20:80")
    if tmp_path is None:
        return parse("bigip.conf", text)
    (tmp_path / "profile_base.conf").write_text(
        "ltm profile tcp tcp {\n    idle-timeout 300\n}\n"
        "ltm rule _sys_https_redirect {\n    when HTTP_REQUEST {\n       HTTP::redirect https://[getfield [HTTP::host] \":\" 1][HTTP::uri]\n    }\n}\n")
    (tmp_path / "bigip.conf").write_text(text)
    return parse("config/bigip.conf", text, tmp_path)


@pytest.mark.parametrize(("rule", "with_profile_base", "expected"), [
    ("/Common/_sys_https_redirect", False, None),
    ("/Common/_sys_APM_ExchangeSupport_helper", False, None),
    ("/Common/_sys_http_redirect", False, ("EAS002", "not a built-in iRule of BIG-IP 15.1")),
    ("/Common/_sys_https_redirect", True, None),
    ("/Common/_sys_http_redirect", True, ("EAS001", "does not exist")),
])
def test_unknown_builtin_irule(rule: str, with_profile_base: bool, expected: tuple[str, str] | None, tmp_path: Path) -> None:
    """A `_sys_` iRule is F5's: with the device's profile_base.conf a name it lacks does not
    exist; without it, only names that are no built-in of BIG-IP 15.1 are reported, as unknown."""
    device = _redirect_device(rule, tmp_path if with_profile_base else None)
    found = [d for d in device.diagnostics if rule in d.message]
    if expected is None:
        assert found == []
    else:
        code, words = expected
        assert [(d.code, words in d.message) for d in found] == [(code, True)], found


def test_best_match_conflicts_are_opaque(policy: Policy) -> None:
    text = (RULES_DIR / "EAS204" / "f5" / "first-match-shadowed.conf").read_text().replace("/Common/first-match", "/Common/best-match")
    device = parse("bigip.conf", text)
    steps = device.listeners[0].steps
    assert any(isinstance(term, Opaque) for step in steps for term in _terms(step.condition))
    assert any(f.rule_id == "EAS003" for f in lint_f5(device, policy))


def _terms(condition):
    yield condition
    for child in getattr(condition, "terms", ()):
        yield from _terms(child)
    if hasattr(condition, "term"):
        yield from _terms(condition.term)


def test_unknown_virtual_property_on_the_path_is_an_error(policy: Policy) -> None:
    text = (RULES_DIR / "EAS102" / "f5" / "tcp-3900_fp.conf").read_text().replace(
        "    translate-port enabled\n", "    translate-port enabled\n    frobnicate-mode on\n")
    findings = [f for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS002"]
    assert [(f.severity.value, "frobnicate-mode" in f.message) for f in findings] == [("error", True)]


@pytest.mark.parametrize("statement", [
    "    last-hop-pool /Common/exchange_pool\n",
    "    mobile-app-tunnel enabled\n",
    "    http-class {\n        /Common/httpclass\n    }\n",
    "    fw-rules {\n    }\n",
    "    snat automap\n",
])
def test_real_virtual_properties_are_not_unknown_syntax(statement: str, policy: Policy) -> None:
    """Properties tmsh saves in an `ltm virtual` (and that cannot refuse a request or change a
    timer, or are a known gap) are read past, not reported as syntax easlint does not know."""
    text = (RULES_DIR / "EAS102" / "f5" / "tcp-3900_fp.conf").read_text().replace(
        "    translate-port enabled\n", "    translate-port enabled\n" + statement)
    assert statement in text
    assert [f.message for f in lint_f5(parse("bigip.conf", text), policy) if f.rule_id == "EAS002"] == []


# -- real configurations ---------------------------------------------------------------------------


F5_CORPUS = sorted((CORPUS / "f5").glob("*")) if (CORPUS / "f5").is_dir() else []


@pytest.mark.skipif(not F5_CORPUS, reason="../shared/corpus is not present")
@pytest.mark.parametrize("path", F5_CORPUS, ids=lambda path: path.name)
def test_corpus_files_are_linted(path: Path, policy: Policy) -> None:
    """No exception; no parse error in configurations written for use (Batfish's parser tests
    break theirs on purpose; a sample may lack the pool it names); nothing unread on the
    ActiveSync path."""
    device = parse(path.name, path.read_text(errors="replace"))
    findings = lint_f5(device, policy)
    assert all(finding.location.line >= 1 for finding in findings)
    errors = [d for d in device.diagnostics if d.code == "EAS001" and "does not exist" not in d.message]
    if not path.name.startswith("batfish__"):  # Batfish's parser tests break configs on purpose
        assert not errors, errors
    assert not [f for f in findings if f.rule_id == "EAS002" and f.severity.value == "error"]


def _many_virtuals(count: int) -> str:
    return POOL + "".join(virtual(HTTPS, name=f"/Common/vs{number}", destination=f"/Common/203.0.113.20:{1000 + number}")
                          for number in range(count))


def test_linting_one_bigip_conf_leaves_unused_machinery_unimported(tmp_path: Path) -> None:
    """A pre-commit run on one file pays for what it uses only: no process pool, no archive
    reader, no baseline or network-path code (bench/run_f5.py times the whole process)."""
    import json
    import subprocess
    import sys

    config = tmp_path / "bigip.conf"
    config.write_text(_many_virtuals(2), encoding="utf-8")
    script = ("import contextlib, io, json, sys\nfrom linter.cli import main\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n    code = main([sys.argv[1], '--format', 'json'])\n"
              "print(json.dumps([code, sorted(sys.modules)]))\n")
    result = subprocess.run([sys.executable, "-c", script, str(config)], capture_output=True, text=True, cwd=tmp_path,
                            check=True)
    code, modules = json.loads(result.stdout)
    assert code in (0, 1)
    assert "parsers.f5.virtuals" in modules  # the file was read
    # no iRule in the file: neither the iRule translator nor pyparsing under it (about 0.08 s and 7 MB of a run)
    unused = {"multiprocessing", "concurrent.futures", "tarfile", "linter.baseline", "linter.paths", "parsers.f5.irules",
              "pyparsing"}
    assert unused.isdisjoint(modules), sorted(unused.intersection(modules))


@pytest.mark.skipif(not (CORPUS / "f5" / "f5-corkscrew__profile_base.conf").is_file(), reason="../shared/corpus is not present")
def test_every_ltm_and_apm_profile_of_profile_base_is_a_known_builtin_of_its_type() -> None:
    """A virtual that names a built-in profile (`/Common/dhcpv4`, `/Common/clientldap`) is
    understood even without profile_base.conf beside the configuration."""
    import re

    from parsers.f5.builtins import BUILTIN_PROFILES

    text = (CORPUS / "f5" / "f5-corkscrew__profile_base.conf").read_text(encoding="utf-8")
    declared = re.findall(r"^(?:ltm|apm) profile (\S+) (\S+) \{", text, re.MULTILINE)
    assert len(declared) > 100
    full_names = [(type_, name if name.startswith("/") else f"/Common/{name}") for type_, name in declared]
    mismatched = [(type_, name) for type_, name in full_names if type_ != "access"
                  and (name not in BUILTIN_PROFILES or BUILTIN_PROFILES[name].type != type_.lower())]
    assert mismatched == []


def test_objects_read_past_are_counted_by_type(tmp_path: Path) -> None:
    """Types nothing on the ActiveSync path depends on are skipped unparsed, and counted where
    `easlint model` shows them; profile_base.conf's own objects are F5's, not counted."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "profile_base.conf").write_text("ltm profile tcp tcp {\n    idle-timeout 300\n}\nsys folder / {\n}\n")
    text = (POOL + virtual(HTTPS) + "net vlan /Common/external {\n    tag 4094\n}\nnet vlan /Common/internal {\n    tag 4093\n}\n"
            "sys global-settings {\n    hostname bigip1.example.com\n}\n")
    device = parse("config/bigip.conf", text, config)
    assert device.skipped == (("net vlan", 2), ("sys global-settings", 1))


def test_first_match_policy_pool_selection_takes_effect(policy: Policy) -> None:
    """A first-match rule that forwards to a pool ends the policy's other rules, and its pool
    is where the request goes (the selection step shares the policy's phase; ending the phase
    must not skip it, as it once did, sending /EWS/ to the virtual's default pool)."""
    from linter.simulate import Verdict

    device = parse("bigip.conf", (RULES_DIR / "EAS206" / "f5" / "e-policy-rule-names-taken.conf").read_text())
    analysis = analyze(device, policy)
    ews = [outcome for outcome in analysis.outcomes if outcome.probe.form.value == "ews"]
    assert ews and {(outcome.verdict, outcome.pools) for outcome in ews} == {(Verdict.ALLOWED, ("/Common/exchange_ews_pool",))}
    activesync = [outcome for outcome in analysis.outcomes if outcome.probe.client == "iOS Mail"]
    assert activesync and all(outcome.pools == ("/Common/exchange_pool",) for outcome in activesync)


def test_partition_file_checked_alone_reports_unread_common_objects_as_not_evaluated(tmp_path: Path, policy: Policy) -> None:
    """A partition's bigip.conf checked without /Common's names an iRule, an LTM policy and a
    pool that may well be defined there: not "does not exist" (EAS001), but not evaluated
    (EAS002, an error on the ActiveSync path), and every verdict they could change is "cannot
    verify" (EAS003). The same file beside config/bigip.conf with those objects is clean of both."""
    partition = tmp_path / "partitions" / "Exchange"
    partition.mkdir(parents=True)
    text = (Path(__file__).parent / "data" / "f5" / "partition-alone.conf").read_text()
    (partition / "bigip.conf").write_text(text)
    device = parse("partitions/Exchange/bigip.conf", text)
    findings = lint_f5(device, policy)
    assert not [f for f in findings if f.rule_id == "EAS001"]
    unread = sorted((f.location.line, f.severity.value) for f in findings if f.rule_id == "EAS002")
    assert unread == [(11, "error"), (14, "error"), (22, "error")]
    assert {f.location.line for f in findings if f.rule_id == "EAS003"} == {11, 14, 22}
    assert all("whose bigip.conf was not read" in f.message for f in findings if f.rule_id in ("EAS002", "EAS003"))
    common = ("ltm pool /Common/exchange_pool {\n    members {\n        /Common/10.0.10.11:443 {\n            address 10.0.10.11\n"
              "        }\n    }\n}\n"
              "ltm policy /Common/exchange_block_policy {\n    controls { forwarding }\n    requires { http }\n    rules {\n"
              "        block_cloudmagic {\n            actions {\n                0 {\n                    forward\n                    reset\n"
              "                }\n            }\n            conditions {\n                0 {\n                    http-header\n"
              "                    name User-Agent\n                    contains\n                    values { CloudMagic }\n"
              "                }\n            }\n            ordinal 1\n        }\n    }\n    strategy /Common/first-match\n}\n"
              "ltm rule /Common/exchange_block_apps {\nwhen HTTP_REQUEST {\n    if { [string tolower [URI::query [HTTP::uri] DeviceType]] "
              "equals \"cloudmagic\" } {\n        reject\n    }\n}\n}\n")
    (tmp_path / "bigip.conf").write_text(common)
    together = lint_f5(parse("bigip.conf", common, tmp_path), policy)
    assert not [f for f in together if f.rule_id in ("EAS001", "EAS002", "EAS003")], together


SNI_POLICY = """ltm pool /Common/other_pool {
    members {
        /Common/10.0.30.11:443 {
            address 10.0.30.11
        }
    }
}
ltm policy /Common/sni_routing {
    controls { forwarding }
    requires { client-ssl }
    rules {
        exchange {
            actions {
                0 {
                    forward
                    ssl-client-hello
                    select
                    pool /Common/exchange_pool
                }
            }
            conditions {
                0 {
                    ssl-extension
                    ssl-client-hello
                    server-name
                    ends-with
                    values { mail.example.com }
                }
            }
            ordinal 1
        }
    }
    strategy /Common/first-match
}
"""


def test_an_ltm_policy_routing_by_sni_is_evaluated(policy: Policy) -> None:
    """`ssl-extension ssl-client-hello server-name` reads the SNI of the ClientHello: the
    Exchange name goes to the Exchange pool, any other to the virtual's default pool, and
    nothing is left to "cannot verify"."""
    from linter.simulate import Verdict

    text = POOL + SNI_POLICY + virtual(HTTPS, extra="    policies {\n        /Common/sni_routing { }\n    }\n").replace(
        "pool /Common/exchange_pool\n    profiles", "pool /Common/other_pool\n    profiles")
    device = parse("bigip.conf", text)
    assert device.diagnostics == ()
    analysis = analyze(device, policy)
    outcomes = [outcome for outcome in analysis.outcomes if outcome.probe.client == "iOS Mail"]
    assert outcomes and all(outcome.verdict is Verdict.ALLOWED for outcome in outcomes)
    by_name = {outcome.probe.request.sni: outcome.pools for outcome in outcomes}
    assert by_name["mail.example.com"] == ("/Common/exchange_pool",)
    assert all(pools == ("/Common/other_pool",) for name, pools in by_name.items() if name != "mail.example.com")
    assert not [f for f in lint_f5(device, policy) if f.rule_id == "EAS003"]


def test_a_partition_irule_naming_a_common_data_group_is_not_evaluated_when_common_was_not_read(policy: Policy) -> None:
    """A bare data group name falls back to /Common: checked without /Common's file, the group
    is not proven missing (EAS002, not the EAS001 BIG-IP's validator would give a real miss)."""
    rule = ("ltm rule /Exchange/block_apps {\nwhen HTTP_REQUEST {\n    if { [class match [string tolower "
            "[HTTP::header User-Agent]] contains blocked_agents] } {\n        reject\n    }\n}\n}\n")
    text = (Path(__file__).parent / "data" / "f5" / "partition-alone.conf").read_text().replace(
        "/Common/exchange_block_apps", "/Exchange/block_apps") + rule
    alone = parse("partitions/Exchange/bigip.conf", text)
    about_group = [(d.code, d.location.line) for d in alone.diagnostics if "blocked_agents" in d.message]
    assert about_group == [("EAS002", 31)]
    whole = parse("bigip.conf", text.replace("/Exchange/", "/Common/"))
    assert [(d.code, d.location.line) for d in whole.diagnostics if "blocked_agents" in d.message] == [("EAS001", 31)]


IRULE_POOLS = """ltm rule /Common/route_eas {
when HTTP_REQUEST {
    if { [string tolower [HTTP::path]] starts_with "/microsoft-server-activesync" } {
        pool /Common/exchange_eas_pool
    }
    set target web_pool
    if { [string tolower [HTTP::path]] starts_with "/web" } {
        pool $target
    }
}
}
"""


def _forwarding_policy(partition: str, pool: str, path: str) -> str:
    """A first-match policy forwarding requests whose path starts with `path` to `pool`."""
    return (f"ltm policy /{partition}/route_by_path {{\n    controls {{ forwarding }}\n    requires {{ http }}\n    rules {{\n"
            "        activesync {\n            actions {\n                0 {\n                    forward\n                    select\n"
            f"                    pool {pool}\n                }}\n            }}\n            conditions {{\n                0 {{\n"
            f"                    http-uri\n                    path\n                    starts-with\n                    values {{ {path} }}\n"
            "                }\n            }\n            ordinal 1\n        }\n    }\n    strategy /Common/first-match\n}\n")


# How each kind of referrer names a pool: the objects it needs, the block that attaches it to a
# virtual (for partition P), the line of its `pool`, and the object the finding belongs to.
POOL_REFERRERS = {
    "iRule": (lambda partition, pool: IRULE_POOLS.replace("/Common/exchange_eas_pool", pool)
              .replace("/Common/route_eas", f"/{partition}/route_eas"),
              lambda partition: f"    rules {{\n        /{partition}/route_eas\n    }}\n", 11, "ltm rule /{}/route_eas"),
    "LTM policy": (lambda partition, pool: _forwarding_policy(partition, pool, "/Microsoft-Server-ActiveSync"),
                   lambda partition: f"    policies {{\n        /{partition}/route_by_path {{ }}\n    }}\n", 15,
                   "ltm policy /{}/route_by_path"),
}


@pytest.mark.parametrize("referrer", POOL_REFERRERS)
def test_a_missing_pool_an_irule_or_policy_names_is_refused_once_at_its_line(referrer: str) -> None:
    """BIG-IP refuses an iRule whose `pool` command names a pool that does not exist ("Unable
    to find pool"), and an LTM policy that forwards to one: EAS001 at that line, once however
    many virtuals use it. An iRule's pool named through a variable is not checked when the
    iRule is saved, so it is not reported."""
    objects, attach, line, owner = POOL_REFERRERS[referrer]
    text = (POOL + objects("Common", "/Common/exchange_eas_pool") + virtual(HTTPS, extra=attach("Common"))
            + virtual(HTTPS, extra=attach("Common"), name="/Common/exchange_vs2", destination="/Common/203.0.113.21:443"))
    device = parse("bigip.conf", text)
    assert [(d.code, d.location.line, d.object_path) for d in device.diagnostics] == [("EAS001", line, owner.format("Common"))]
    assert "pool /Common/exchange_eas_pool does not exist" in device.diagnostics[0].message


@pytest.mark.parametrize("referrer", POOL_REFERRERS)
def test_a_pool_an_irule_or_policy_names_in_a_partition_not_read_makes_its_route_unknown(referrer: str,
                                                                                         policy: Policy) -> None:
    """A bare pool name falls back to /Common: checked without /Common's file, the pool is not
    proven missing (EAS002), and where ActiveSync requests go is "cannot verify" (EAS003)."""
    objects, attach, line, _ = POOL_REFERRERS[referrer]
    text = (POOL.replace("/Common/", "/Exchange/") + objects("Exchange", "exchange_eas_pool")
            + virtual(HTTPS, extra=attach("Exchange"), name="/Exchange/exchange_vs", destination="/Exchange/203.0.113.20:443")
            .replace("pool /Common/", "pool /Exchange/"))
    device = parse("partitions/Exchange/bigip.conf", text)
    assert [(d.code, d.location.line) for d in device.diagnostics] == [("EAS002", line)]
    assert "it may be defined in partition /Common, whose bigip.conf was not read" in device.diagnostics[0].message
    findings = lint_f5(device, policy)
    assert any(f.rule_id == "EAS003" and "exchange_eas_pool" in f.message for f in findings)


def test_an_irule_no_virtual_uses_is_still_checked_for_what_bigip_refuses() -> None:
    """BIG-IP validates every iRule when the configuration loads, attached or not: a Tcl syntax
    error or a missing data group in an unused iRule fails the whole load (EAS001), while what
    easlint merely cannot evaluate in it is not reported, since it reaches no request."""
    unused = ("ltm rule /Common/unused_broken {\nwhen HTTP_REQUEST {\n    set path [string tolower [HTTP::path]\n"
              "    if { $path starts_with \"/owa\" } {\n        HTTP::redirect \"https://[HTTP::host]/owa/\"\n    }\n}\n}\n"
              "ltm rule /Common/unused_lookup {\nwhen HTTP_REQUEST {\n    if { [class match [IP::client_addr] equals "
              "trusted_networks] } {\n        ASM::disable\n    }\n}\n}\n"
              "ltm rule /Common/unused_opaque {\nwhen HTTP_REQUEST {\n    ASM::disable\n    pool [LB::server pool]\n}\n}\n")
    text = POOL + virtual(HTTPS) + unused
    lines = text.splitlines()
    device = parse("bigip.conf", text)
    assert [(d.code, lines[d.location.line - 1].strip()) for d in device.diagnostics] == [
        ("EAS001", "set path [string tolower [HTTP::path]"),
        ("EAS001", "if { [class match [IP::client_addr] equals trusted_networks] } {")]
    assert "Tcl cannot parse it (missing close-bracket)" in device.diagnostics[0].message
    assert "data group trusted_networks does not exist" in device.diagnostics[1].message


def test_an_unused_irule_in_a_partition_file_checked_alone_reports_nothing_it_may_find_in_common() -> None:
    """Names that may resolve in /Common, which was not read, prove nothing; and an iRule no
    virtual uses reaches no request, so nothing is left to report about it."""
    unused = ("ltm rule /Exchange/unused_route {\nwhen HTTP_REQUEST {\n    if { [class match [IP::client_addr] equals "
              "trusted_networks] } {\n        pool exchange_eas_pool\n    }\n}\n}\n")
    text = (POOL.replace("/Common/", "/Exchange/") + virtual(HTTPS, name="/Exchange/exchange_vs",
                                                              destination="/Exchange/203.0.113.20:443")
            .replace("pool /Common/", "pool /Exchange/") + unused)
    assert parse("partitions/Exchange/bigip.conf", text).diagnostics == ()
