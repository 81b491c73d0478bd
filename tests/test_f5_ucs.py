"""A whole UCS archive, built in the test from the fixture files under tests/data/f5/ucs/config
(BIG-IP's /config layout): profile_base.conf, bigip.conf, bigip_base.conf and the bigip.conf of
partition Exchange. easlint reads the archive without extracting it: the built-in profiles take
the values of the archive's profile_base.conf over easlint's own table, problems inside
profile_base.conf are F5's and not reported, and nothing is written to disk."""

from __future__ import annotations

import io
import os
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from linter.model import Device, Listener, TimerKind
from parsers.f5 import build_device, parse_archive

FIXTURE = Path(__file__).resolve().parent / "data" / "f5" / "ucs"
BASE = "config/profile_base.conf"
MEMBERS = (BASE, "config/bigip.conf", "config/bigip_base.conf", "config/partitions/Exchange/bigip.conf")
EXCHANGE_VIRTUAL = "/Exchange/exchange_https"


def member_texts() -> dict[str, str]:
    return {name: (FIXTURE / name).read_text(encoding="utf-8") for name in MEMBERS}


def line_of(text: str, needle: str, after: str | None = None) -> int:
    """The 1-based line of the only line of `text` that contains `needle` (below the line
    `after`, when given)."""
    lines = text.splitlines()
    start = lines.index(after) + 1 if after is not None else 0
    found = [number for number, line in enumerate(lines[start:], start + 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def ucs_bytes(members: dict[str, str]) -> bytes:
    """A UCS as BIG-IP writes one (a gzipped tar of /config and more), made in memory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in members.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """The UCS file a user hands to easlint: the only thing in its directory."""
    path = tmp_path / "backup.ucs"
    path.write_bytes(ucs_bytes(member_texts()))
    return path


def listener(device: Device, name: str) -> Listener:
    return next(found for found in device.listeners if found.name == name)


# -- watching the file system ----------------------------------------------------------------------

# Flags of an `open` that can change a file (the audit event "open" carries them for open() and os.open()).
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# Other audit events that change the file system (Python documentation, "Audit events table").
_CHANGING_EVENTS = frozenset({
    "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "os.chmod", "os.chown", "os.utime",
    "os.truncate", "shutil.copyfile", "shutil.copytree", "shutil.move", "shutil.rmtree", "tempfile.mkstemp", "tempfile.mkdtemp",
})
_recorders: list[list[str]] = []
_hook_installed = False


def _record_change(event: str, args: tuple) -> None:
    if not _recorders:
        return
    if (event == "open" and isinstance(args[2], int) and args[2] & _WRITE_FLAGS) or event in _CHANGING_EVENTS:
        _recorders[-1].append(f"{event} {args[0]}")


@contextmanager
def disk_changes() -> Iterator[list[str]]:
    """Every change Python code makes to the file system inside the block, seen by an audit hook
    (PEP 578): a tarfile extraction, a temporary copy, any file opened for writing. A hook cannot
    be removed, so one is installed once and records only inside a block. Bytecode caching is
    off meanwhile: a lazy import writing its .pyc is the interpreter's doing, not easlint's."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_record_change)
        _hook_installed = True
    changes: list[str] = []
    _recorders.append(changes)
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield changes
    finally:
        sys.dont_write_bytecode = writes_bytecode
        _recorders.pop()


def test_the_watch_sees_a_write(tmp_path: Path) -> None:
    with disk_changes() as changes:
        (tmp_path / "extracted").mkdir()
        (tmp_path / "extracted" / "bigip.conf").write_text("ltm pool /Common/p { }\n")
    assert changes == [f"os.mkdir {tmp_path / 'extracted'}", f"open {tmp_path / 'extracted' / 'bigip.conf'}"]


# -- the archive -----------------------------------------------------------------------------------


def test_nothing_is_written_to_disk(archive: Path) -> None:
    with disk_changes() as changes:
        device = parse_archive("backup.ucs", archive)
    assert changes == []
    assert list(archive.parent.iterdir()) == [archive]
    assert device.files == tuple(f"backup.ucs!{name}" for name in MEMBERS)
    assert listener(device, EXCHANGE_VIRTUAL).location.file == "backup.ucs!config/partitions/Exchange/bigip.conf"


def test_a_builtin_profile_takes_the_value_profile_base_conf_gives(archive: Path, tmp_path: Path) -> None:
    """tcp-wan-optimized writes idle-timeout 1800 in the archive's profile_base.conf; easlint's
    table (BIG-IP 15.1.8.2) says it inherits 300 from tcp-legacy, the value without the file."""
    base = member_texts()[BASE]
    timers = {timer.kind: timer for timer in listener(parse_archive("backup.ucs", archive), EXCHANGE_VIRTUAL).timers}
    client, server = timers[TimerKind.CLIENT_IDLE], timers[TimerKind.SERVER_IDLE]
    assert client.seconds == 1800
    assert f"(backup.ucs!{BASE}, line {line_of(base, 'idle-timeout 1800')})" in client.source
    tcp_legacy_timeout = line_of(base, "idle-timeout 300", after="ltm profile tcp tcp-legacy {")  # tcp-lan-optimized's parent
    assert server.seconds == 300 and f"(backup.ucs!{BASE}, line {tcp_legacy_timeout})" in server.source

    without_base = tmp_path / "no-profile-base.ucs"
    without_base.write_bytes(ucs_bytes({name: text for name, text in member_texts().items() if name != BASE}))
    table = {timer.kind: timer for timer in listener(parse_archive("no-profile-base.ucs", without_base), EXCHANGE_VIRTUAL).timers}
    table_client = table[TimerKind.CLIENT_IDLE]
    assert table_client.seconds == 300 and "profile_base.conf (BIG-IP 15.1.8.2)" in table_client.source


def test_problems_inside_profile_base_conf_are_not_reported(archive: Path) -> None:
    """The fixture's profile_base.conf holds a line outside any object and a system iRule with
    a glued `}{`, used by the port-80 redirect virtual: read as the user's own file, both are
    reported; read as the archive's profile_base.conf, neither is."""
    texts = member_texts()
    marked = {("EAS002", line_of(texts[BASE], '[HTTP::host] ne "" }{')), ("EAS002", line_of(texts[BASE], "idle-timeout 600"))}
    as_user_files = build_device("config", [(name, text, False) for name, text in texts.items()])
    assert {(d.code, d.location.line) for d in as_user_files.diagnostics if d.location.file == BASE} == marked

    device = parse_archive("backup.ucs", archive)
    assert [d for d in device.diagnostics if d.location.file == f"backup.ucs!{BASE}"] == []
    redirect = listener(device, "/Common/exchange_http_redirect")
    assert redirect.steps and redirect.steps[0].location.file == f"backup.ucs!{BASE}"  # the iRule was read all the same
