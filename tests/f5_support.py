"""f5-corkscrew for tests: F5's own open-source tmsh parser, run beside easlint's.

`corkscrew_objects(paths)` runs `bench/corkscrew_parse.js` with node and returns, per file,
the objects corkscrew read (virtual servers with their pool and profile names, pools,
profiles, iRules, LTM policies); `easlint_objects(path)` gives the same view of easlint's
reader, with each virtual's pool and profiles as easlint's parser resolved them.

corkscrew keeps a reference as written (`pool pool_a`) and resolves nothing, so the test side
resolves corkscrew's references itself (`bigip_lookup`), by BIG-IP's rule, among the objects
corkscrew read: a relative name written in `/Common/app.app/vs` is compared as the object
BIG-IP would use, and easlint's folder and partition resolution is checked against it.

corkscrew is looked for in $EASLINT_CORKSCREW_DIR, else
`<repo>/.cache/corkscrew/node_modules/f5-corkscrew` (`npm install --prefix .cache/corkscrew
f5-corkscrew@0.13.0`). Without node or corkscrew the tests that need them are skipped, unless
EASLINT_REQUIRE_CORKSCREW=1 (set by .ci/run), where they fail: CI never passes by skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from parsers.f5 import load_config
from parsers.f5.objects import Entry, resolve
from parsers.f5.virtuals import VirtualBuilder, build_pool

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


def file_partition(path: Path | PurePosixPath) -> str:
    """The partition a file's bare object names belong to: BIG-IP saves partition p in
    /config/partitions/p/bigip.conf and /Common in /config/bigip*.conf."""
    parts = path.parts
    if len(parts) >= 3 and parts[-3] == "partitions" and parts[-1].startswith("bigip"):
        return parts[-2]
    return "Common"


def in_partition(name: str, partition: str) -> str:
    """The full name of an object a file of `partition` defines as `name`."""
    return name if name.startswith("/") else f"/{partition}/{name}"


def bigip_lookup(name: str, referrer: str, defined: Collection[str]) -> str:
    """The object a reference written in the object `referrer` (a full path) means on BIG-IP,
    among the objects `defined` in the same file: a full path means itself; a relative name
    means the referrer's folder's object, else its partition's, else /Common's (TMOS Concepts,
    "Working with Folders" and "Working with Partitions": objects in /Common are visible from
    every partition). A name the file does not define is /Common's: a partition's objects are
    all in its own bigip.conf, so what that file lacks comes from /Common (its files or the
    built-ins). Written apart from `parsers.f5.objects.resolve` on purpose: the cross-check
    must not compare easlint's resolution with itself."""
    if name.startswith("/"):
        return name
    folder = referrer.rsplit("/", 1)[0]
    partition = "/" + referrer.split("/")[1]
    for scope in dict.fromkeys((folder, partition, "/Common")):
        if f"{scope}/{name}" in defined:
            return f"{scope}/{name}"
    return f"/Common/{name}"


def corkscrew_objects(paths: list[Path]) -> dict[Path, Objects]:
    """corkscrew's view of each file (a sentinel stanza is appended to a copy: see the script),
    with each virtual's pool reference resolved by `bigip_lookup` among corkscrew's pools. Its
    profile names need no resolving: corkscrew only sees those written as full paths."""
    node = node_binary()
    directory = require_corkscrew()
    result = subprocess.run([node, str(SCRIPT), "--sentinel", *map(str, paths)], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "EASLINT_CORKSCREW_DIR": str(directory)}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"corkscrew_parse.js failed:\n{result.stderr[-2000:]}"
    data = json.loads(result.stdout)
    return {path: _corkscrew_file_objects(data[str(path)]["objects"], file_partition(path)) for path in paths}


def _corkscrew_file_objects(objects: dict, partition: str) -> Objects:
    def full(name: str) -> str:
        return in_partition(name, partition)

    pools = frozenset(map(full, objects["pools"]))
    virtuals = {}
    for name, detail in objects["virtuals"].items():
        virtual = full(name)
        pool = bigip_lookup(detail["pool"], virtual, pools) if detail["pool"] else None
        virtuals[virtual] = (pool, tuple(sorted(map(full, detail["profiles"]))))
    profiles = {f"{entry.split(' ', 1)[0]} {full(entry.split(' ', 1)[1])}" for entry in objects["profiles"]}
    profiles |= {f"access {full(name)}" for name in objects["access_profiles"]}
    rules, policies = frozenset(map(full, objects["rules"])), frozenset(map(full, objects["policies"]))
    return Objects(virtuals, pools, frozenset(profiles), rules, policies)


def easlint_objects(path: Path) -> Objects:
    """easlint's reader on the file alone (no sibling files; a file under partitions/<p>/ is
    read as partition p, as the device reader does), in the same terms, each virtual's pool and
    profiles as the parser resolved them."""
    config = load_config([(path.as_posix(), path.read_text(encoding="utf-8", errors="replace"), False)])
    builder = VirtualBuilder(config, {entry.path: build_pool(entry, config) for entry in config.pools.values()})
    virtuals = {entry.path: _resolved_references(entry, builder) for entry in config.virtuals}
    profiles = set()
    for name, entry in config.profiles.items():
        kind = entry.stanza.kind
        profiles.add(f"{'access' if kind == ('apm', 'profile', 'access') else entry.type} {name}")
    return Objects(virtuals, frozenset(config.pools), frozenset(profiles), frozenset(config.rules), frozenset(config.policies))


def _resolved_references(virtual: Entry, builder: VirtualBuilder) -> tuple[str | None, tuple[str, ...]]:
    """The default pool of the listener easlint builds for `virtual` and the full paths of the
    profiles the builder attaches to it (`_attached`: the one place the parser resolves them).
    A virtual easlint builds no listener for (disabled, not TCP, forwarding only) has its pool
    resolved by the `resolve` call the builder makes for a listener's default pool."""
    profiles = tuple(sorted(profile.path for profile in builder._attached(virtual)))
    listener = builder.build(virtual)
    if listener is not None:
        return listener.default_pool, profiles
    written = virtual.value("pool")
    return (resolve(written[0], virtual.path, builder.config.pools) if written else None), profiles
