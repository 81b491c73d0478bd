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
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.f5.tmsh import Stanza, split_stanzas
from tests.conftest import CORPUS
from tests.f5_support import Objects, corkscrew_objects, easlint_objects

TESTS = Path(__file__).resolve().parent
FILES = sorted(TESTS.glob("rules/*/f5/*.conf")) + (sorted((CORPUS / "f5").glob("*")) if (CORPUS / "f5").is_dir() else [])
_cache: dict[Path, Objects] = {}


def corkscrew_view(path: Path) -> Objects:
    if not _cache:
        _cache.update(corkscrew_objects(FILES))
    return _cache[path]


def _stanzas(path: Path) -> dict[str, tuple[Stanza, Stanza | None]]:
    """Each object name with its stanza and the stanza before it."""
    stanzas = split_stanzas(path.name, path.read_text(errors="replace")).stanzas
    found = {}
    for index, stanza in enumerate(stanzas):
        name = stanza.name if stanza.name.startswith("/") else f"/Common/{stanza.name}"
        found[name] = (stanza, stanzas[index - 1] if index else None)
    return found


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
        ours_pool, ours_profiles = ours.virtuals.get(name, (None, ()))
        theirs_pool, theirs_profiles = theirs.virtuals.get(name, (None, ()))
        bare_profiles = any(not line.strip().startswith(("/", "}", "context")) and line.strip().endswith(("{ }", "{"))
                            for line in stanzas[name][0].lines[1:])
        if ours_pool == theirs_pool and not theirs_profiles and bare_profiles:
            continue
        unexplained.append(f"virtual {name}: easlint {ours.virtuals.get(name)}, corkscrew {theirs.virtuals.get(name)}")
    return unexplained


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(path.parents[2]).as_posix())
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
