"""Formats easlint recognises but does not read (NGINX, NetScaler, PAN-OS brace text) are
reported as what they are, with what to do; the vendors it reads are still told apart from
them, and files nobody wrote for a device stay unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.engine import check_file
from linter.files import Candidate
from linter.policy import Policy
from parsers.detect import UNSUPPORTED, detect_vendor
from policies import RULES
from tests.conftest import CORPUS, REPO

NGINX = """\
user www-data;
worker_processes auto;
events {
    worker_connections 1024;
}
http {
    server {
        listen 443 ssl;
        server_name mail.example.com;
        location /Microsoft-Server-ActiveSync {
            proxy_pass https://exchange;
            proxy_read_timeout 3600s;
        }
    }
}
"""
NETSCALER = """\
add server exch01 10.0.10.11
add service svc_exch01_443 exch01 SSL 443 -gslb NONE -maxClient 0 -cltTimeout 3600 -svrTimeout 3600
add lb vserver lb_exchange_443 SSL 203.0.113.20 443 -persistenceType NONE -cltTimeout 180
bind lb vserver lb_exchange_443 svc_exch01_443
"""
PANOS_TEXT = """\
deviceconfig {
    system {
        hostname fw01;
    }
    setting {
        session {
            timeout-tcp 1800;
        }
    }
}
"""


@pytest.mark.parametrize(("text", "expected"), [(NGINX, "nginx"), (NETSCALER, "netscaler"), (PANOS_TEXT, "panos-text")])
def test_formats_not_read_are_recognised(text: str, expected: str) -> None:
    assert detect_vendor(text) == expected


@pytest.mark.parametrize(("example", "vendor"), [
    ("haproxy/exchange-good.cfg", "haproxy"), ("f5/exchange-problems.conf", "f5"), ("asa/exchange-edge.cfg", "asa"),
    ("panos/exchange-edge.xml", "panos"), ("fortigate/exchange-edge.conf", "fortigate"),
])
def test_the_vendors_easlint_reads_are_not_taken_for_them(example: str, vendor: str) -> None:
    assert detect_vendor((REPO / "examples" / example).read_text(encoding="utf-8")) == vendor


@pytest.mark.parametrize("text", ["Meeting notes: move the mail server on {Friday};\n", "key = value\nother = 2\n", ""])
def test_other_text_stays_unknown(text: str) -> None:
    assert detect_vendor(text) is None


def test_a_named_file_in_a_format_not_read_says_what_to_do(tmp_path: Path, policy: Policy) -> None:
    config = tmp_path / "running-config.txt"
    config.write_text(PANOS_TEXT, encoding="utf-8")
    result = check_file(Candidate(config, True), policy, RULES)
    assert (result.status, result.vendor) == ("skipped", "panos-text")
    assert result.note == UNSUPPORTED["panos-text"] and "set cli config-output-format" in result.note


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
@pytest.mark.parametrize("folder", ["nginx", "netscaler"])
def test_corpus_files_of_vendors_not_read_are_recognised(folder: str) -> None:
    paths = sorted((CORPUS / folder).glob("*"))
    found = {path.name: detect_vendor(path.read_text(encoding="utf-8", errors="replace")[:64 * 1024]) for path in paths}
    recognised = [name for name, vendor in found.items() if vendor == folder]
    # crossplane's quoted-right-brace test opens with a directive spread over many lines
    assert len(recognised) >= len(paths) - 1, found
    assert set(found.values()) <= {folder, None}


HOSTILE_HEADS = {
    "blank lines": "\n" * 65536, "spaces and newlines": " \n" * 32768, "CRLF": "\r\n" * 32768, "indentation": " " * 65000 + "nameif",
    "XML roots": "<config>" * 8192, "IIS roots": "<configuration>" * 4369, "FortiOS": "edit\n" * 16000,
}


def test_hostile_heads_are_detected_without_hanging() -> None:
    """Detection searches the first 64 KB with line-anchored patterns; none of them may let
    whitespace run across lines, or a file of blank lines costs billions of regex steps (it
    took 13 s before, over a minute with more vendors). Run in a child so a regression fails
    here instead of hanging the suite."""
    import json
    import subprocess
    import sys

    script = ("import json, sys\nfrom parsers.detect import detect_vendor\n"
              "heads = json.loads(sys.stdin.read())\nprint(json.dumps({name: detect_vendor(head) for name, head in heads.items()}))\n")
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(HOSTILE_HEADS), capture_output=True, text=True,
                            cwd=REPO, timeout=60, check=True)
    assert json.loads(result.stdout) == dict.fromkeys(HOSTILE_HEADS)
