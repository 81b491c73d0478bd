"""The real HAProxy binary for tests: `haproxy -c` on fixtures, and configs made loadable.

Fixtures are written as an administrator would write them (`crt /etc/haproxy/certs/...`,
`-f /etc/haproxy/blocked-agents.lst`); `loadable()` points those paths at files that exist
here (a throw-away test certificate, pattern files beside the fixture) so HAProxy can load
them. When the binary is missing the tests that need it are skipped, unless
EASLINT_REQUIRE_HAPROXY=1 (set by .ci/run), where they fail instead: CI must never pass by
skipping the real engine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

TEST_CERT = Path(__file__).parent / "data" / "insecure-test-cert.pem"
_FILE_ARGUMENT = re.compile(r"(?P<keyword>\bcrt|\bca-file|\bcrl-file|\blua-load|\berrorfile\s+\d+|(?<=\s)-f|(?<=\s)-M)\s+(?P<path>\S+)")


def haproxy_binary() -> str:
    """Path of the haproxy binary; skips (or fails under EASLINT_REQUIRE_HAPROXY=1) without it."""
    found = shutil.which("haproxy") or next(
        (candidate for candidate in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.access(candidate, os.X_OK)), None
    )
    if found:
        return found
    if os.environ.get("EASLINT_REQUIRE_HAPROXY") == "1":
        pytest.fail("haproxy is required (EASLINT_REQUIRE_HAPROXY=1) but not installed")
    pytest.skip("haproxy is not installed (apt-get install haproxy)")


def loadable(config_text: str, source_dir: Path) -> str:
    """The configuration with certificate and pattern-file paths pointing at files that exist."""

    def replace(match: re.Match[str]) -> str:
        keyword, path = match.group("keyword"), match.group("path")
        if keyword in ("crt", "ca-file"):
            return f"{keyword} {TEST_CERT}"
        beside = source_dir / Path(path).name
        return f"{keyword} {beside}" if beside.exists() else match.group(0)

    return _FILE_ARGUMENT.sub(replace, config_text)


def haproxy_check(config: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run `haproxy -c` on a loadable copy of `config`; the result's stdout holds every message."""
    copy = workdir / config.name
    copy.write_text(loadable(config.read_text(encoding="utf-8"), config.parent), encoding="utf-8")
    return subprocess.run([haproxy_binary(), "-c", "-f", str(copy)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
