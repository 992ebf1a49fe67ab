"""The pre-commit hooks in .pre-commit-hooks.yaml, run by pre-commit itself.

pre-commit installs envtool from a snapshot of this work tree (committed in a temporary repository,
as a user's ``rev:`` points at a commit) into its own virtualenv, which needs PyPI for envtool's
dependencies. That install happens once per test module: every run shares one PRE_COMMIT_HOME.
(``pre-commit try-repo`` would install afresh on every call: it keeps its store in a new
temporary directory each time.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GIT_ENV, ROOT, Run

pytestmark = pytest.mark.slow

GOOD = """\
name: demo
channels:
  - conda-forge
dependencies:
  - python=3.11
  - numpy=1.26
"""
EXPORTED = """\
name: demo
channels:
  - conda-forge
dependencies:
  - python=3.11.7=hab00c5b_0_cpython
  - numpy=1.26.4=py311h64a7726_0
prefix: /home/me/miniconda3/envs/demo
"""


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PRE_COMMIT_COLOR": "never",
        **GIT_ENV,
        "NO_COLOR": "1",
    }
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(key, None)
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, home: Path) -> tuple[Path, str]:
    """This work tree (tracked and new files, not ignored ones) committed in a fresh repository."""
    env = _env(home)
    listed = _git(ROOT, env, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    snapshot = tmp_path_factory.mktemp("envtool-hooks")
    for name in sorted(set(listed.split("\0")) - {""}):
        source = ROOT / name
        if source.is_file():  # listed but deleted in the work tree: not part of it
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    _git(snapshot, env, "init", "-q")
    _git(snapshot, env, "add", "-A")
    _git(snapshot, env, "commit", "-q", "-m", "snapshot")
    return snapshot, _git(snapshot, env, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, home: Path, hook_repo: tuple[Path, str]
) -> Path:
    """A user's repository that uses both hooks, with a good and an exported environment file."""
    repo_path, rev = hook_repo
    root = tmp_path_factory.mktemp("project")
    env = _env(home)
    _git(root, env, "init", "-q")
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo_path.as_posix()}\n    rev: {rev}\n"
        "    hooks:\n      - id: envtool-check\n      - id: envtool-prune-check\n"
    )
    (root / "envs").mkdir()
    (root / "envs" / "good.yml").write_text(GOOD)
    (root / "envs" / "good-too.yml").write_text(GOOD.replace("demo", "demo2"))
    (root / "environment.yml").write_text(EXPORTED)
    (root / "conda-lock.yml").write_text("version: 1\npackage: []\n")  # not an env file
    _git(root, env, "add", "-A")
    _git(root, env, "commit", "-q", "-m", "project")
    return root


def pre_commit(root: Path, home: Path, *args: str) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=root,
        env=_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def hook_lines(out: str) -> dict[str, str]:
    """``{hook name: Passed | Failed | Skipped}`` from pre-commit's summary lines."""
    verdicts = {}
    for line in out.splitlines():
        for verdict in ("Passed", "Failed", "(no files to check)Skipped"):
            if line.endswith(verdict) and line.startswith("envtool"):
                verdicts[line.split(".")[0].strip()] = verdict.removeprefix("(no files to check)")
    return verdicts


def test_good_files_pass_both_hooks(project: Path, home: Path) -> None:
    result = pre_commit(project, home, "run", "--files", "envs/good.yml")
    assert result.code == 0, result.out + result.err
    assert hook_lines(result.out) == {
        "envtool check": "Passed",
        "envtool prune --check": "Passed",
    }


def test_exported_file_fails_both_hooks(project: Path, home: Path) -> None:
    result = pre_commit(project, home, "run", "--files", "environment.yml")
    assert result.code == 1, result.out + result.err
    assert hook_lines(result.out) == {
        "envtool check": "Failed",
        "envtool prune --check": "Failed",
    }
    assert "environment.yml:7: W301 prefix:" in result.out  # check's finding
    assert "environment.yml would change" in result.out  # prune --check's verdict


def test_other_yaml_is_not_looked_at(project: Path, home: Path) -> None:
    result = pre_commit(
        project, home, "run", "--files", "conda-lock.yml", ".pre-commit-config.yaml"
    )
    assert result.code == 0, result.out + result.err
    assert hook_lines(result.out) == {
        "envtool check": "Skipped",
        "envtool prune --check": "Skipped",
    }


def test_all_files_at_once(project: Path, home: Path) -> None:
    """pre-commit passes every matching file in one call (both commands take FILE...)."""
    result = pre_commit(project, home, "run", "--all-files")
    assert result.code == 1, result.out + result.err
    assert hook_lines(result.out) == {
        "envtool check": "Failed",
        "envtool prune --check": "Failed",
    }
    assert "good.yml" not in result.out  # only the exported file has something to say
