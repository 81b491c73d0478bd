"""The simulator's verdicts against the real HAProxy 2.6, probe by probe.

For each configuration (the examples and the purpose-built ones in `configs/`), every probe of
the built-in policy (all five forms, blocked app and native clients) plus a few targeted probes
(comma-separated and repeated User-Agent, url_param name case, encoding and delimiters) is sent
to each listener, at each entry bind and each Host name the analysis would use, by a real HTTP
client to a real HAProxy on loopback. HAProxy's answer is either "served by backend X" (the
responder behind X answered) or "refused" (anything else: an HAProxy status, a redirect, a
reset, no answer). The simulator must say the same: `allowed` exactly when HAProxy served the
request, and on the same pool; `denied`/`redirected`/`not-served` exactly when it did not; and
never `indeterminate` on these configurations.
"""

from __future__ import annotations

from collections.abc import Callable

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from linter.analysis import entry_binds, probes_at
from linter.model import Bind, Device, Listener
from linter.policy import load_builtin
from linter.probes import (
    Probe,
    ProbeForm,
    Role,
    build_probes,
    device_id_for,
    plain_query,
)
from linter.simulate import Outcome, Verdict, simulate_on
from tests.conftest import parse_haproxy
from tests.live.harness import Answer, LiveHAProxy, send

pytestmark = pytest.mark.live

REPO = Path(__file__).resolve().parents[2]
LIVE_CONFIGS = Path(__file__).resolve().parent / "configs"
CONFIG_FILES = sorted((REPO / "examples" / "haproxy").glob("*.cfg")) + sorted(LIVE_CONFIGS.glob("*.cfg"))
REQUEST_TIMEOUT = 3.0  # a silent-drop as root leaves the client waiting: this is how long


def targeted_probes(probes: tuple[Probe, ...]) -> list[Probe]:
    """Requests the policy's probes do not make but HAProxy's fetches treat specially."""
    base = next(p for p in probes if p.role is Role.BLOCKED and p.form is ProbeForm.PLAIN)
    device_id = device_id_for(base.client)
    neutral = plain_query(device_id, "iPhone")
    cloudmagic = plain_query(device_id, "CloudMagic")
    rest = (("MS-ASProtocolVersion", "14.1"), ("Content-Type", "application/vnd.ms-sync.wbxml"))

    def make(label: str, query: str, user_agents: tuple[str, ...]) -> Probe:
        headers = tuple(("User-Agent", ua) for ua in user_agents) + rest
        request = dataclasses.replace(base.request, query=query, headers=headers)
        return dataclasses.replace(base, request=request, client=f"{base.client}[{label}]",
                                   user_agent=user_agents[0] if user_agents else None)

    return [
        make("ua-list", neutral, ("Outlook-iOS/2.0, CloudMagic",)),
        make("ua-two-lines", neutral, ("Mozilla/5.0", "CloudMagic")),
        make("dt-name-case", cloudmagic.replace("DeviceType=", "devicetype="), ("Mozilla/5.0",)),
        make("dt-encoded", cloudmagic.replace("CloudMagic", "Cloud%4Dagic"), ("Mozilla/5.0",)),
        make("dt-semicolons", cloudmagic.replace("&", ";"), ("Mozilla/5.0",)),
        make("dt-question-mark", cloudmagic.replace("&DeviceType=", "?DeviceType="), ("Mozilla/5.0",)),
    ]


def probe_variant(probe: Probe) -> str:
    """The probe's form, plus what sets it apart from the form's usual shape (the policy may
    give one form several variants: base64 query, no User-Agent)."""
    variant = probe.form.value
    query = probe.request.query
    if query is not None and "Cmd=" not in query and probe.form is not ProbeForm.UA_ONLY:
        variant += "+b64"
    if probe.request.header("user-agent") is None and probe.form is not ProbeForm.DEVICETYPE_ONLY:
        variant += "+no-ua"
    return variant


@dataclass(frozen=True)
class Case:
    config: Path
    device: Device
    listener: Listener
    bind: Bind
    probe: Probe

    @property
    def id(self) -> str:
        request = self.probe.request
        bind = f"{self.bind.port}{'tls' if self.bind.tls else ''}"
        probe = f"{self.probe.client}:{probe_variant(self.probe)}".replace(" ", "_")
        return f"{self.config.stem}|{self.listener.name}|{bind}|{request.host}|{probe}"


# Disagreements between easlint and HAProxy, kept as strict xfails while they last (a fix makes
# them pass, and the entry must then go): (a predicate on the case, the reason). The five this
# suite found (url_param and '?', url_param's delimiter, req.ssl_sni after TLS offload, and two
# lexer cases) are fixed.
KNOWN_DISAGREEMENTS: list[tuple[Callable[[Case], bool], str]] = []


def _known(case: Case) -> str | None:
    return next((reason for applies, reason in KNOWN_DISAGREEMENTS if applies(case)), None)


def _cases() -> list:
    policy = load_builtin()
    probes = build_probes(policy)
    probes = probes + tuple(targeted_probes(probes))
    params = []
    for config in CONFIG_FILES:
        device = parse_haproxy(config.read_text(encoding="utf-8"), config.name, config.parent)
        for listener in device.listeners:
            for bind in entry_binds(listener):
                for probe in probes_at(listener, bind, probes):
                    case = Case(config, device, listener, bind, probe)
                    reason = _known(case)
                    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                    params.append(pytest.param(case, id=case.id, marks=marks))
    return params


CASES = _cases()


class _OneAtATime:
    """Runs one configuration's HAProxy at a time (cases come grouped by configuration)."""

    def __init__(self) -> None:
        self.config: Path | None = None
        self.live: LiveHAProxy | None = None

    def get(self, config: Path) -> LiveHAProxy:
        if config != self.config:
            self.stop()
            self.live = LiveHAProxy(config.read_text(encoding="utf-8"), config.parent, config.stem)
            self.config = config
        assert self.live is not None
        return self.live

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
        self.live, self.config = None, None


@pytest.fixture(scope="module")
def running(request: pytest.FixtureRequest) -> _OneAtATime:
    manager = _OneAtATime()
    request.addfinalizer(manager.stop)
    return manager


def _explain(outcome: Outcome, answer: Answer) -> str:
    trace = "\n".join(f"    {event.message}" for branch in outcome.branches for event in branch.trace)
    return f"easlint: {outcome.verdict.value} {outcome.pools}\n{trace}\nHAProxy: {answer.describe()}"


_STATUS_IN_DETAIL = re.compile(r"(?:status|with) (\d{3})\b")
_NO_ANSWER_ACTIONS = ("(reject)", "(silent-drop)")


def _refusal_matches(outcome: Outcome, answer: Answer) -> bool:
    """The refusal HAProxy gave is the one the deciding step describes (its status, or no
    HTTP answer at all for reject and silent-drop)."""
    step = outcome.decided_by
    if step is None or outcome.verdict is not Verdict.DENIED:
        return True
    detail = step.action.detail
    if detail.endswith(_NO_ANSWER_ACTIONS):
        return answer.status is None
    found = _STATUS_IN_DETAIL.search(detail)
    return found is None or answer.status == int(found.group(1))


def test_the_differential_covers_every_configuration() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "two cases share a name"
    assert {case.values[0].config for case in CASES} == set(CONFIG_FILES)
    assert len(CONFIG_FILES) >= 9
    forms = {case.values[0].probe.form for case in CASES}
    assert forms == set(ProbeForm)


@pytest.mark.parametrize("case", CASES)
def test_simulator_verdict_matches_haproxy(case: Case, running: _OneAtATime) -> None:
    outcome = simulate_on(case.device, case.listener, case.bind, case.probe)
    assert outcome.verdict is not Verdict.INDETERMINATE, f"unexpected indeterminate outcome: {outcome.unknowns}"
    haproxy = running.get(case.config)
    request = case.probe.request
    answer = send(haproxy.port(case.listener.name, case.bind.port, case.bind.tls), case.bind.tls, request.method,
                  request.url, request.headers, sni=request.sni if case.bind.tls else None, timeout=REQUEST_TIMEOUT)
    explanation = _explain(outcome, answer)
    if outcome.verdict is Verdict.ALLOWED:
        assert len(outcome.pools) == 1, explanation
        assert answer.served_by == outcome.pools[0], explanation
    else:
        assert answer.served_by is None, explanation
        redirected = answer.status is not None and 300 <= answer.status < 400
        assert redirected == (outcome.verdict is Verdict.REDIRECTED), explanation
        assert _refusal_matches(outcome, answer), f"another rule refused the request\n{explanation}"
