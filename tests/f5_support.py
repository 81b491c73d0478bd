"""f5-corkscrew for tests: F5's own open-source tmsh parser, run beside easlint's.

`corkscrew_objects(paths)` runs `bench/corkscrew_parse.js` with node and returns, per file,
the objects corkscrew read (virtual servers with their pool and profile names, pools,
profiles, iRules, LTM policies); `easlint_objects(path)` gives the same view of easlint's
reader. corkscrew is looked for in $EASLINT_CORKSCREW_DIR, else
`<repo>/.cache/corkscrew/node_modules/f5-corkscrew` (`npm install --prefix .cache/corkscrew
f5-corkscrew@0.13.0`). Without node or corkscrew the tests that need them are skipped, unless
EASLINT_REQUIRE_CORKSCREW=1 (set by .ci/run), where they fail: CI never passes by skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from parsers.f5 import load_config
from parsers.f5.objects import full_path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "bench" / "corkscrew_parse.js"
CORKSCREW_VERSION = "0.13.0"


def corkscrew_dir() -> Path:
    return Path(os.environ.get("EASLINT_CORKSCREW_DIR") or REPO / ".cache" / "corkscrew" / "node_modules" / "f5-corkscrew")


def _missing(reason: str) -> None:
    if os.environ.get("EASLINT_REQUIRE_CORKSCREW") == "1":
        pytest.fail(f"f5-corkscrew is required (EASLINT_REQUIRE_CORKSCREW=1): {reason}")
    pytest.skip(reason)


def node_binary() -> str:
    found = shutil.which("node") or shutil.which("nodejs")
    if not found:
        _missing("node is not installed")
    return found  # type: ignore[return-value]


def require_corkscrew() -> Path:
    """The corkscrew package directory, checked to be version 0.13.0."""
    directory = corkscrew_dir()
    manifest = directory / "package.json"
    if not manifest.is_file():
        _missing(f"f5-corkscrew is not installed in {directory} (npm install --prefix .cache/corkscrew f5-corkscrew@{CORKSCREW_VERSION})")
    version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    if version != CORKSCREW_VERSION:
        _missing(f"f5-corkscrew {version} found in {directory}; the cross-check is written for {CORKSCREW_VERSION}")
    return directory


@dataclass(frozen=True)
class Objects:
    """What a parser read from one file, each object by full name."""

    virtuals: dict[str, tuple[str | None, tuple[str, ...]]]  # name -> (pool, profile names)
    pools: frozenset[str]
    profiles: frozenset[str]  # "tcp /Common/x"
    rules: frozenset[str]
    policies: frozenset[str]


def _full(name: str) -> str:
    return full_path(name, "Common")


def corkscrew_objects(paths: list[Path]) -> dict[Path, Objects]:
    """corkscrew's view of each file (a sentinel stanza is appended to a copy: see the script)."""
    node = node_binary()
    directory = require_corkscrew()
    result = subprocess.run([node, str(SCRIPT), "--sentinel", *map(str, paths)], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "EASLINT_CORKSCREW_DIR": str(directory)}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"corkscrew_parse.js failed:\n{result.stderr[-2000:]}"
    data = json.loads(result.stdout)
    found = {}
    for path in paths:
        objects = data[str(path)]["objects"]
        virtuals = {
            _full(name): (_full(detail["pool"]) if detail["pool"] else None, tuple(sorted(map(_full, detail["profiles"]))))
            for name, detail in objects["virtuals"].items()
        }
        profiles = {f"{entry.split(' ', 1)[0]} {_full(entry.split(' ', 1)[1])}" for entry in objects["profiles"]}
        profiles |= {f"access {_full(name)}" for name in objects["access_profiles"]}
        found[path] = Objects(virtuals, frozenset(map(_full, objects["pools"])), frozenset(profiles),
                              frozenset(map(_full, objects["rules"])), frozenset(map(_full, objects["policies"])))
    return found


def easlint_objects(path: Path) -> Objects:
    """easlint's reader on the file alone (no sibling files), in the same terms."""
    config = load_config([(path.name, path.read_text(encoding="utf-8", errors="replace"), False)])
    virtuals = {}
    for entry in config.virtuals:
        pool = entry.value("pool")
        profiles_node = entry.first("profiles")
        names = tuple(sorted(_full(node.words[0]) for node in profiles_node.block or [] if node.words)) if profiles_node else ()
        virtuals[entry.path] = (_full(pool[0]) if pool else None, names)
    profiles = set()
    for name, entry in config.profiles.items():
        kind = entry.stanza.kind
        profiles.add(f"{'access' if kind == ('apm', 'profile', 'access') else entry.type} {name}")
    return Objects(virtuals, frozenset(config.pools), frozenset(profiles), frozenset(config.rules), frozenset(config.policies))
