"""Which HAProxy timers cut a held-open request, measured with scaled-down timeouts.

A Direct Push Ping is a request whose answer comes late. Here the responder behind the backend
waits a few seconds before answering (the `X-Easlint-Delay` header) and HAProxy runs with
timeouts of a second or a few. For each case the test checks both what the real HAProxy does
(the behaviour DESIGN.md documents) and that easlint predicts it: the shortest effective timer
of the Exchange-bound outcome (None = unbounded) decides, an answer later than it is cut and an
earlier one passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from linter.analysis import analyze
from linter.policy import Policy
from linter.probes import Probe, ProbeForm
from linter.simulate import Verdict
from tests.conftest import parse_haproxy
from tests.haproxy_support import loadable
from tests.live.harness import DELAY_HEADER, LiveHAProxy, haproxy_check_text, send

pytestmark = pytest.mark.live

HTTP = """\
defaults
    mode http
    timeout connect 2s
{timeouts}

frontend fe_exchange
    bind :443 ssl crt /etc/haproxy/certs/mail.example.com.pem
    default_backend be_exchange

backend be_exchange
{rules}    server mbx1 10.0.0.11:443 ssl verify none check
"""

TCP = """\
defaults
    mode tcp
    timeout connect 2s
{timeouts}

frontend fe_exchange
    bind :443
    default_backend be_exchange

backend be_exchange
    server mbx1 10.0.0.11:443
"""


@dataclass(frozen=True)
class TimerCase:
    id: str
    config: str
    delay: float  # seconds the responder waits before answering
    served: bool  # what HAProxy 2.6 does (DESIGN.md, Simulation)
    cut_after: float | None = None  # when HAProxy gives up, for cut answers
    status: int | None = None  # HAProxy's status when it answers the cut request itself

    @property
    def tls(self) -> bool:
        return " ssl " in self.config


def _indent(*lines: str) -> str:
    return "\n".join(f"    {line}" for line in lines)


CASES = [
    TimerCase("http-client-timer-idle-while-answer-awaited",
              HTTP.format(timeouts=_indent("timeout client 1s", "timeout server 3s"), rules=""),
              delay=2, served=True),
    TimerCase("http-server-timer-gives-504",
              HTTP.format(timeouts=_indent("timeout client 1s", "timeout server 3s"), rules=""),
              delay=4, served=False, cut_after=3, status=504),
    TimerCase("http-server-timeout-0-is-unbounded",
              HTTP.format(timeouts=_indent("timeout client 1s", "timeout server 0"), rules=""),
              delay=3, served=True),
    TimerCase("http-set-timeout-server-for-activesync",
              HTTP.format(timeouts=_indent("timeout client 1s", "timeout server 1s"),
                          rules=_indent("http-request set-timeout server 4s if { path_beg -i /microsoft-server-activesync }") + "\n"),
              delay=2, served=True),
    TimerCase("http-set-timeout-server-not-matching",
              HTTP.format(timeouts=_indent("timeout client 1s", "timeout server 1s"),
                          rules=_indent("http-request set-timeout server 4s if { path_beg -i /ews/ }") + "\n"),
              delay=2, served=False, cut_after=1, status=504),
    TimerCase("tcp-client-and-server-idle-timers-cut",
              TCP.format(timeouts=_indent("timeout client 1s", "timeout server 1s")),
              delay=2, served=False, cut_after=1),
    TimerCase("tcp-tunnel-timer-supersedes-both",
              TCP.format(timeouts=_indent("timeout client 1s", "timeout server 1s", "timeout tunnel 5s")),
              delay=2, served=True),
]


def easlint_shortest_timer(config: str, policy: Policy) -> tuple[float | None, Probe]:
    """The shortest effective timer easlint puts on a native client's ActiveSync Ping (None:
    unbounded), and that Ping as it arrives at the listener."""
    analysis = analyze(parse_haproxy(config, "timers.cfg"), policy)
    [outcome] = analysis.select(client="iOS Mail", form=ProbeForm.PLAIN)
    assert outcome.verdict is Verdict.ALLOWED, outcome.verdict
    [branch] = analysis.on_path(outcome)
    assert branch.pool == "be_exchange"
    bounded = [timer.seconds for timer in branch.timers if timer.seconds is not None]
    return (min(bounded) if bounded else None), outcome.probe


@pytest.fixture
def live(request: pytest.FixtureRequest):
    case: TimerCase = request.param
    haproxy = LiveHAProxy(case.config, Path(__file__).parent, case.id)
    request.addfinalizer(haproxy.stop)
    return haproxy


@pytest.mark.parametrize(("case", "live"), [(case, case) for case in CASES], ids=[case.id for case in CASES],
                         indirect=["live"])
def test_held_open_answer(case: TimerCase, live: LiveHAProxy, policy: Policy) -> None:
    shortest, probe = easlint_shortest_timer(case.config, policy)
    easlint_says_served = shortest is None or case.delay < shortest
    request = probe.request
    answer = send(live.port("fe_exchange", 443, case.tls), case.tls, request.method, request.url,
                  request.headers + ((DELAY_HEADER, str(case.delay)),), sni=request.sni if case.tls else None,
                  timeout=case.delay + 4)
    served = answer.served_by == "be_exchange"

    # What HAProxy really does.
    assert served == case.served, f"HAProxy: {answer.describe()} after {answer.elapsed:.2f}s"
    if served:
        assert answer.elapsed >= case.delay - 0.05
    else:
        assert answer.status == case.status, answer.describe()
        assert case.cut_after is not None
        assert case.cut_after - 0.2 <= answer.elapsed <= case.cut_after + 0.9, f"cut after {answer.elapsed:.2f}s"
    # What easlint says about it.
    assert easlint_says_served == served, (
        f"easlint's shortest timer on the Ping path is {shortest} s, so it expects the {case.delay} s answer "
        f"to be {'served' if easlint_says_served else 'cut'}; HAProxy: {answer.describe()} after {answer.elapsed:.2f}s"
    )
    if not served:
        assert shortest is not None and abs(shortest - case.cut_after) < 0.01


SET_TIMEOUT_IN_FRONTEND = HTTP.format(timeouts=_indent("timeout client 1s", "timeout server 1s"), rules="").replace(
    "    default_backend be_exchange",
    "    http-request set-timeout server 4s if { path_beg -i /microsoft-server-activesync }\n    default_backend be_exchange",
)


def test_haproxy_refuses_set_timeout_server_in_a_frontend(tmp_path: Path) -> None:
    check = haproxy_check_text(loadable(SET_TIMEOUT_IN_FRONTEND, tmp_path), tmp_path)
    assert check.returncode != 0
    assert "has no backend capability" in check.stdout, check.stdout


def test_easlint_refuses_set_timeout_server_in_a_frontend() -> None:
    device = parse_haproxy(SET_TIMEOUT_IN_FRONTEND, "timers.cfg")
    assert any(diagnostic.code == "EAS001" and "set-timeout" in (diagnostic.text or "") for diagnostic in device.diagnostics), \
        device.diagnostics
