"""Cross-check with f5-corkscrew 0.13.0, F5's own open-source tmsh parser: on every F5 fixture
and every F5 file of ../shared/corpus, the objects easlint reads (virtual servers, pools,
profiles, iRules, LTM policies, each by full name) and each virtual's pool and profile names
equal corkscrew's.

corkscrew has three reading limits of its own (its regular expressions in dist/regex.js); a
difference is accepted only when the file shows the construct that causes it, and every other
difference fails:

- an object written with an empty body `{}` is dropped (its name/body regex needs a body);
- after an object whose body is empty (`ltm rule x {` then `}`, or `{}`), the next object may be
  swallowed (the lazy match runs on to the next `}` that precedes a top-level keyword);
- profile names written without a partition (`http { }`, pre-v11 style) are not seen in a
  virtual's profile list (its name regex needs a leading `/`).

corkscrew keeps references as written; `tests.f5_support.bigip_lookup` resolves its pool
references by BIG-IP's rule, so easlint's resolution of relative names (the fixtures under
tests/data/f5/: a folder's `pool pool_a`, a partition file) is checked, not assumed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.f5 import virtuals
from parsers.f5.tmsh import Stanza, split_stanzas
from tests.conftest import CORPUS
from tests.f5_support import Objects, corkscrew_objects, easlint_objects, file_partition, in_partition

TESTS = Path(__file__).resolve().parent
RELATIVE = TESTS / "data" / "f5" / "relative-references"
# Of tests/data/f5, the files a user writes (bigip*.conf): the UCS fixture's profile_base.conf
# holds a line outside any object on purpose, and corkscrew then loses the object before it.
FILES = (sorted(TESTS.glob("rules/*/f5/*.conf")) + sorted((TESTS / "data" / "f5").rglob("bigip*.conf"))
         + (sorted((CORPUS / "f5").glob("*")) if (CORPUS / "f5").is_dir() else []))
_cache: dict[Path, Objects] = {}


def corkscrew_view(path: Path) -> Objects:
    if not _cache:
        _cache.update(corkscrew_objects(FILES))
    return _cache[path]


def _stanzas(path: Path) -> dict[str, tuple[Stanza, Stanza | None]]:
    """Each object name with its stanza and the stanza before it."""
    stanzas = split_stanzas(path.name, path.read_text(errors="replace")).stanzas
    partition = file_partition(path)
    return {in_partition(stanza.name, partition): (stanza, stanzas[index - 1] if index else None)
            for index, stanza in enumerate(stanzas)}


def _bare_profiles(virtual: Stanza) -> int:
    """How many profiles the virtual's `profiles` block names without a leading `/`: corkscrew
    does not see those (its profile name regex needs the `/`)."""
    depth = bare = 0
    for line in virtual.lines[1:]:
        words = line.split()
        if not depth:
            if words[:2] == ["profiles", "{"]:
                depth = line.count("{") - line.count("}")
            continue
        if depth == 1 and words and words[0] != "}" and not words[0].startswith("/"):
            bare += 1
        depth += line.count("{") - line.count("}")
    return bare


def _only_bare_profiles_unseen(ours: tuple[str | None, tuple[str, ...]], theirs: tuple[str | None, tuple[str, ...]],
                               virtual: Stanza) -> bool:
    """corkscrew's view of the virtual lacks exactly its profiles written without a `/`."""
    (ours_pool, ours_profiles), (theirs_pool, theirs_profiles) = ours, theirs
    return (ours_pool == theirs_pool and set(theirs_profiles) <= set(ours_profiles)
            and len(ours_profiles) - len(theirs_profiles) == _bare_profiles(virtual))


def _explained_missing(name: str, stanzas: dict[str, tuple[Stanza, Stanza | None]]) -> bool:
    stanza, previous = stanzas[name]
    if stanza.lines[0].rstrip().endswith("{}"):
        return True
    return previous is not None and not previous.body_text()[0].strip()


def differences(path: Path) -> list[str]:
    ours, theirs = easlint_objects(path), corkscrew_view(path)
    stanzas = _stanzas(path)
    unexplained = []
    for field in ("pools", "rules", "policies"):
        for name in sorted(getattr(ours, field) ^ getattr(theirs, field)):
            if not (name in getattr(ours, field) and _explained_missing(name, stanzas)):
                unexplained.append(f"{field}: {name} ({'easlint only' if name in getattr(ours, field) else 'corkscrew only'})")
    for entry in sorted(ours.profiles ^ theirs.profiles):
        name = entry.split(" ", 1)[1]
        if not (entry in ours.profiles and _explained_missing(name, stanzas)):
            unexplained.append(f"profiles: {entry} ({'easlint only' if entry in ours.profiles else 'corkscrew only'})")
    for name in sorted(set(ours.virtuals) | set(theirs.virtuals)):
        if name not in theirs.virtuals and _explained_missing(name, stanzas):
            continue
        if ours.virtuals.get(name) == theirs.virtuals.get(name):
            continue
        ours_virtual, theirs_virtual = ours.virtuals.get(name, (None, ())), theirs.virtuals.get(name, (None, ()))
        if _only_bare_profiles_unseen(ours_virtual, theirs_virtual, stanzas[name][0]):
            continue
        unexplained.append(f"virtual {name}: easlint {ours.virtuals.get(name)}, corkscrew {theirs.virtuals.get(name)}")
    return unexplained


def _test_id(path: Path) -> str:
    return path.relative_to(TESTS if path.is_relative_to(TESTS) else CORPUS).as_posix()


@pytest.mark.parametrize("path", FILES, ids=_test_id)
def test_easlint_reads_the_objects_corkscrew_reads(path: Path) -> None:
    unexplained = differences(path)
    assert not unexplained, "\n".join(unexplained)


def test_the_check_can_fail(tmp_path: Path) -> None:
    """A difference not explained by a corkscrew limit is reported (the check is not vacuous)."""
    path = tmp_path / "bigip.conf"
    path.write_text("#TMSH-VERSION: 15.1.8.2\nltm pool /Common/p {\n    members { }\n}\nltm virtual /Common/v {\n"
                    "    destination /Common/10.0.0.1:443\n    pool /Common/p\n    profiles {\n        /Common/tcp { }\n    }\n}\n")
    theirs = corkscrew_objects([path])[path]
    assert theirs.virtuals == {"/Common/v": ("/Common/p", ("/Common/tcp",))}
    _cache[path] = Objects({"/Common/v": ("/Common/other", ("/Common/tcp",))}, theirs.pools, theirs.profiles, theirs.rules, theirs.policies)
    assert differences(path) == ["virtual /Common/v: easlint ('/Common/p', ('/Common/tcp',)), corkscrew ('/Common/other', ('/Common/tcp',))"]


def test_relative_references_resolve_in_the_folder_then_the_partition() -> None:
    """The fixtures' relative names, as BIG-IP resolves them: corkscrew's pools (resolved by
    `bigip_lookup`) and easlint's pools and profiles. A bare profile is not in corkscrew's view,
    so easlint's reading of it is pinned here."""
    common, partition = RELATIVE / "bigip.conf", RELATIVE / "partitions" / "Exchange" / "bigip.conf"
    assert easlint_objects(common).virtuals == {
        "/Common/exchange.app/exchange_vs": ("/Common/exchange.app/pool_a", (
            "/Common/clientssl", "/Common/exchange.app/exchange_tcp", "/Common/http", "/Common/tcp-lan-optimized")),
        "/Common/web_vs": ("/Common/pool_a", ("/Common/http", "/Common/tcp")),
    }
    assert easlint_objects(partition).virtuals == {
        "/Exchange/eas_vs": ("/Exchange/pool_a", ("/Common/clientssl", "/Common/http", "/Exchange/eas_tcp")),
        "/Exchange/owa.app/owa_vs": ("/Exchange/pool_a", ("/Common/clientssl", "/Common/http", "/Exchange/eas_tcp")),
    }
    assert {name: pool for name, (pool, _) in corkscrew_view(common).virtuals.items()} == {
        "/Common/exchange.app/exchange_vs": "/Common/exchange.app/pool_a", "/Common/web_vs": "/Common/pool_a"}
    assert {name: pool for name, (pool, _) in corkscrew_view(partition).virtuals.items()} == {
        "/Exchange/eas_vs": "/Exchange/pool_a", "/Exchange/owa.app/owa_vs": "/Exchange/pool_a"}


def test_a_reference_resolved_in_the_wrong_place_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were easlint to read every bare name as /Common's (what the check used to assume on both
    sides), the folder and partition virtuals would differ from corkscrew's."""
    monkeypatch.setattr(virtuals, "resolve", lambda name, referrer, known: name if name.startswith("/") else f"/Common/{name}")
    reported = {line.split(":", 1)[0] for path in (RELATIVE / "bigip.conf", RELATIVE / "partitions" / "Exchange" / "bigip.conf")
                for line in differences(path)}
    assert reported == {"virtual /Common/exchange.app/exchange_vs", "virtual /Exchange/eas_vs",
                        "virtual /Exchange/owa.app/owa_vs"}
