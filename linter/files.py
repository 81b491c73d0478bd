"""Finding the files to check, and reading them without trusting them.

Inside a git work tree a directory means its files that git does not ignore (tracked, or new
and not in .gitignore); `--all-files` or a directory outside git means every file below it. Reading never modifies a
file, refuses files that are too large or binary with a clear reason, and never follows a
directory symlink out of the tree.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 50 * 1024 * 1024
SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"})


class InputError(Exception):
    """A path given on the command line that cannot be used (exit code 2)."""


@dataclass(frozen=True)
class Candidate:
    path: Path
    explicit: bool  # named on the command line rather than found in a directory
    vendor: str | None = None  # set by a `files` entry of the configuration; else detected from the content


@dataclass(frozen=True)
class Unreadable:
    reason: str
    io_error: bool = False  # the operating system refused (exit 2), not a bad file (EAS001)


def display_path(path: Path) -> str:
    """The path as findings show it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _git_files(directory: Path) -> list[Path] | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name", "."],
            capture_output=True, timeout=60, check=False,
        )
        top = subprocess.run(["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
                             capture_output=True, timeout=60, check=False, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0 or top.returncode != 0:
        return None
    root = Path(top.stdout.strip())
    return [root / name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def _walk(directory: Path) -> list[Path]:
    found = []
    for root, directories, files in os.walk(directory):
        directories[:] = sorted(d for d in directories if d not in SKIPPED_DIRECTORIES and not d.startswith("."))
        found += [Path(root) / name for name in sorted(files)]
    return found


def discover(paths: list[str], all_files: bool) -> list[Candidate]:
    candidates: dict[Path, Candidate] = {}
    for text in paths:
        path = Path(text)
        if path.is_file():
            candidates.setdefault(path.resolve(), Candidate(path, explicit=True))
        elif path.is_dir():
            files = None if all_files else _git_files(path)
            for found in files if files is not None else _walk(path):
                if found.is_file() and not found.is_symlink():
                    candidates.setdefault(found.resolve(), Candidate(found, explicit=False))
        elif path.exists():
            raise InputError(f"{text}: not a regular file or directory")
        else:
            raise InputError(f"{text}: no such file or directory")
    return sorted(candidates.values(), key=lambda candidate: display_path(candidate.path))


def read_text(path: Path, limit: int | None = None) -> str | Unreadable:
    """The file as text, or why it cannot be a configuration file. `limit` reads only a prefix."""
    try:
        size = path.stat().st_size
        if limit is None and size > MAX_FILE_BYTES:
            return Unreadable(f"file is {size // (1024 * 1024)} MB, above the {MAX_FILE_BYTES // (1024 * 1024)} MB limit")
        with path.open("rb") as handle:
            data = handle.read(limit if limit is not None else MAX_FILE_BYTES + 1)
    except OSError as error:
        return Unreadable(f"cannot read: {error.strerror or error}", io_error=True)
    nul = data.find(b"\x00")
    if nul >= 0:
        return Unreadable(f"binary file (NUL byte at offset {nul}), not a configuration file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")
