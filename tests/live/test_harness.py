"""The live harness's own promises, which the differential suite relies on without seeing."""

from __future__ import annotations

from tests.live.harness import rewrite


def test_every_bind_gets_its_own_loopback_port() -> None:
    # Two binds sharing a port would both be accepted by HAProxy (SO_REUSEPORT), and the kernel
    # would split connections between their frontends: a probe would now and then be answered
    # by the wrong one. 300 binds make a repeat all but certain if ports were not reserved.
    frontends = "".join(f"frontend fe_{n}\n    bind :{443 + n} ssl crt /etc/haproxy/site.pem\n"
                        f"    default_backend be\n" for n in range(300))
    rewritten = rewrite(frontends + "backend be\n    server s1 10.0.0.1:443\n", {"be": 8080})
    ports = list(rewritten.binds.values())
    assert len(ports) == 300
    assert len(set(ports)) == 300
    assert rewritten.text.count("bind 127.0.0.1:") == 300
