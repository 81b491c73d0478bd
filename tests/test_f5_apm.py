"""A virtual behind APM with F5's own `_sys_APM_activesync` iRule (from profile_base.conf): that
iRule answers 401 to a Ping without `Authorization: Basic ...`, and native clients always send
one, so they must not be reported as refused (EAS205)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from linter.analysis import analyze
from linter.policy import load_builtin
from linter.probes import AUTHORIZATION, build_probes
from parsers.f5 import parse
from parsers.f5.fixes import F5Fixer
from policies import RULES
from policies.base import RuleContext
from tests.conftest import CORPUS

PROFILE_BASE = CORPUS / "f5" / "f5-corkscrew__profile_base.conf"
BIGIP = """ltm pool /Common/exchange_pool {
    members {
        /Common/10.0.10.11:443 {
            address 10.0.10.11
        }
    }
}
apm profile access /Common/eas_access {
    defaults-from /Common/access
    inactivity-timeout 4000
}
ltm profile tcp /Common/eas-tcp {
    defaults-from /Common/tcp
    idle-timeout 3900
}
ltm virtual /Common/exchange_vs {
    destination /Common/203.0.113.20:443
    ip-protocol tcp
    pool /Common/exchange_pool
    profiles {
        /Common/clientssl {
            context clientside
        }
        /Common/eas-tcp { }
        /Common/eas_access { }
        /Common/http { }
    }
    rules {
        /Common/_sys_APM_activesync
    }
}
"""


def test_every_probe_authenticates_with_basic() -> None:
    probes = build_probes(load_builtin())
    assert probes and all(probe.request.header("Authorization") == AUTHORIZATION for probe in probes)
    assert AUTHORIZATION.startswith("Basic ") and len(AUTHORIZATION) > len("Basic ")


def test_sys_apm_activesync_does_not_refuse_native_clients(tmp_path: Path) -> None:
    if not PROFILE_BASE.is_file():
        pytest.skip("the F5 corpus (profile_base.conf with _sys_APM_activesync) is not here")
    shutil.copyfile(PROFILE_BASE, tmp_path / "profile_base.conf")
    (tmp_path / "bigip.conf").write_text(BIGIP, encoding="utf-8")
    device = parse("bigip.conf", BIGIP, tmp_path)
    listener = device.listeners[0]
    assert any("_sys_APM_activesync" in step.phase for step in listener.steps), "the system iRule must be translated"
    context = RuleContext(analyze(device, load_builtin()), F5Fixer())
    findings = [finding for rule in RULES if rule.applies_to("f5") for finding in rule.check(context)]
    assert not [finding for finding in findings if finding.rule_id == "EAS205"]


def test_unreadable_inactivity_timeout_is_reported_at_the_access_profile() -> None:
    """The setting is named as written, at the access profile's line, and the virtual keeps
    its tcp timers (a value BIG-IP cannot use gives no session timer, not a lost virtual)."""
    text = BIGIP.replace("    inactivity-timeout 4000\n", "    inactivity-timeout 15min\n")
    device = parse("bigip.conf", text)
    line = text.splitlines().index("    inactivity-timeout 15min") + 1
    assert [(d.code, d.location.line, d.message) for d in device.diagnostics] == [
        ("EAS001", line, "apm profile access /Common/eas_access: inactivity-timeout '15min' is not a whole number of seconds")]
    assert sorted((t.kind.value, t.seconds) for t in device.listeners[0].timers) == [("client-idle", 3900), ("server-idle", 3900)]
