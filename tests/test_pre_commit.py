"""easlint as a new user meets it in pre-commit: the real `pre-commit` tool (from the test
extra) runs this repository's hook with `pre-commit try-repo`, which clones the repository
(uncommitted changes included), installs easlint into its own virtualenv the way a user's
`.pre-commit-config.yaml` would, and runs it on a git repository of device configurations."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

EXAMPLES = REPO / "examples" / "haproxy"


def _pre_commit() -> list[str]:
    found = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(found).is_file():
        pytest.fail("the pre-commit tool is not installed; it is part of the test extra: pip install '.[test]'")
    return [found]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _config_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "ci@example.invalid")
    _git(root, "config", "user.name", "CI")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "configs")
    return root


def _try_repo(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1", GITHUB_ACTIONS="")
    return subprocess.run(_pre_commit() + ["try-repo", str(REPO), "easlint", "--color", "never", *args], cwd=repo,
                          capture_output=True, text=True, timeout=900, env=environment)


def test_hook_fails_a_repository_with_a_short_timer(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = _config_repo(tmp_path / "configs", {
        "lb/haproxy.cfg": (EXAMPLES / "exchange-short-timeout.cfg").read_text(),
        "lb/good/haproxy.cfg": (EXAMPLES / "exchange-good.cfg").read_text(),
        "README.md": "device configs\n",
    })
    result = _try_repo(repo, pre_commit_home, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"easlint\.+Failed", output), output
    assert re.search(r"lb/haproxy\.cfg:19:\d+: EAS102 timeout-below-max-heartbeat \[error\]", output), output
    assert "lb/good/haproxy.cfg:" not in output.replace("lb/good/haproxy.cfg: ", ""), output


def test_hook_passes_a_clean_repository_and_ignores_other_files(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = _config_repo(tmp_path / "configs", {
        "haproxy.cfg": (EXAMPLES / "exchange-good.cfg").read_text(),
        "package.json": "{}\n",
        "notes/app.xml": "<a/>\n",
    })
    result = _try_repo(repo, pre_commit_home, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"easlint\.+Passed", output), output


def test_hook_checks_only_changed_files(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = _config_repo(tmp_path / "configs", {
        "old/haproxy.cfg": (EXAMPLES / "exchange-short-timeout.cfg").read_text(),
        "new/haproxy.cfg": (EXAMPLES / "exchange-good.cfg").read_text(),
    })
    changed = repo / "new" / "haproxy.cfg"
    changed.write_text(changed.read_text().replace("timeout server 65m", "timeout server 10m"), encoding="utf-8")
    _git(repo, "add", "new/haproxy.cfg")
    result = _try_repo(repo, pre_commit_home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "new/haproxy.cfg:" in output and "old/haproxy.cfg" not in output, output
