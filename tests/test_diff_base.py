"""``envtool diff --base REV``: every changed environment file, in a real git repository.

``tests/data/diff-base-repo/`` holds the repository: ``v1/`` is committed, then the work tree
becomes ``v2/`` and is staged (a modified file, a deleted one, a renamed one with an edit, a
changed non-environment file), then ``untracked/`` is copied in unstaged (a new file); its
``build.py`` makes it (the README's example runs there too). The
expected outputs of ``diff --base HEAD --fail-on major`` in each format are ``expected.*``
there; regenerate with ``ENVTOOL_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import DATA
from test_diff_json_contract import check_set_document
from test_render import check_markdown

from envtool.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

REPO_DATA = DATA / "diff-base-repo"
UPDATE = bool(os.environ.get("ENVTOOL_UPDATE_GOLDEN"))
EXPECTED = {"text": "expected.txt", "markdown": "expected.md", "json": "expected.json"}
EXPECTED["github"] = "expected.github"


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """A git that ignores the user's and the system's configuration and never asks anything."""
    monkeypatch.setenv("GIT_AUTHOR_NAME", "envtool tests")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "tests@example.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "envtool tests")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "tests@example.invalid")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(key, raising=False)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=os.environ
    )
    return proc.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository ``build.py`` makes there (as the README's example does)."""
    spec = importlib.util.spec_from_file_location("build_diff_base_repo", REPO_DATA / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    root: Path = build.build(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_golden_output(repo: Path, cli, fmt: str) -> None:
    result = cli("diff", "--base", "HEAD", "--format", fmt, "--fail-on", "major")
    assert result.code == EXIT_FINDINGS, result.err
    expected = REPO_DATA / EXPECTED[fmt]
    if UPDATE:
        expected.write_text(result.out, encoding="utf-8", newline="\n")
    assert result.out == expected.read_text(encoding="utf-8")
    if fmt == "markdown":
        check_markdown(result.out)
    assert result.err == (
        "envtool: --fail-on major: 1 change matched: numpy (major) in environment.yml\n"
    )


def test_statuses_and_labels(repo: Path, cli) -> None:
    doc = json.loads(cli("diff", "--base", "HEAD", "--format", "json").out)
    check_set_document(doc)
    files = {f["path"]: f for f in doc["files"]}
    assert {p: f["status"] for p, f in files.items()} == {
        "environment.yml": "modified",
        "envs/docs.yml": "renamed",
        "envs/gpu.yml": "added",
        "envs/old.yml": "deleted",
    }  # docs/conf.yml changed too, but it is no environment file
    assert files["envs/docs.yml"]["old_path"] == "envs/docs-env.yml"
    sources = {
        p: (f["diff"]["old"]["source"], f["diff"]["new"]["source"]) for p, f in files.items()
    }
    assert sources == {
        "environment.yml": ("HEAD:environment.yml", "environment.yml"),
        "envs/docs.yml": ("HEAD:envs/docs-env.yml", "envs/docs.yml"),
        "envs/gpu.yml": ("(not in HEAD)", "envs/gpu.yml"),
        "envs/old.yml": ("HEAD:envs/old.yml", "(deleted)"),
    }
    deleted = files["envs/old.yml"]["diff"]["changes"]
    assert {c["kind"] for c in deleted} == {"removed", "channel-removed"}


def test_a_new_file_adds_only_channels_new_to_the_repository(repo: Path, cli) -> None:
    doc = json.loads(cli("diff", "--base", "HEAD", "--format", "json").out)
    gpu = next(f for f in doc["files"] if f["path"] == "envs/gpu.yml")["diff"]
    channels = [
        (c["kind"], c["name"], c["risks"]) for c in gpu["changes"] if c["section"] == "channels"
    ]
    assert channels == [("channel-added", "nvidia", ["new channel"])]  # conda-forge was known
    assert [c["name"] for c in gpu["changes"] if c["kind"] == "added"] == ["cuda-toolkit", "python"]
    assert not any(c["kind"] == "name-changed" for c in gpu["changes"])
    assert cli("diff", "--base", "HEAD", "--fail-on", "channel-added").code == EXIT_FINDINGS


def test_exit_codes_across_files(repo: Path, cli) -> None:
    assert cli("diff", "--base", "HEAD").code == EXIT_OK
    assert cli("diff", "--base", "HEAD", "--exit-code").code == EXIT_FINDINGS
    assert cli("diff", "--base", "HEAD", "--fail-on", "downgraded").code == EXIT_OK
    removed = cli("diff", "--base", "HEAD", "--fail-on", "removed")
    assert removed.code == EXIT_FINDINGS
    assert removed.err == (
        "envtool: --fail-on removed: 2 changes matched: python (removed) in envs/old.yml, "
        "zlib (removed) in envs/old.yml\n"
    )


def test_nothing_changed(repo: Path, cli) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v2")
    assert cli("diff", "--base", "HEAD", "--exit-code").out == (
        "No environment files changed since HEAD.\n"
    )
    assert cli("diff", "--base", "HEAD", "--exit-code").code == EXIT_OK
    doc = json.loads(cli("diff", "--base", "HEAD", "--format", "json").out)
    check_set_document(doc)
    assert doc["files"] == [] and doc["summary"]["files"] == 0
    md = cli("diff", "--base", "HEAD", "--format", "markdown").out
    check_markdown(md)
    assert md.endswith("No environment file changed since `HEAD`.\n")
    assert cli("diff", "--base", "HEAD", "--format", "github").out == ""
    assert cli("diff", "--base", "HEAD~1", "--format", "json").code == EXIT_OK


def test_paths_are_the_repositorys_from_a_subdirectory(repo: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(repo / "envs")
    doc = json.loads(cli("diff", "--base", "HEAD", "--format", "json").out)
    assert [f["path"] for f in doc["files"]] == [
        "environment.yml",
        "envs/docs.yml",
        "envs/gpu.yml",
        "envs/old.yml",
    ]


def test_policy_env_files_and_fail_on(repo: Path, cli) -> None:
    (repo / ".envtool.toml").write_text('env-files = ["envs/*.yml"]\nfail-on = ["removed"]\n')
    doc = json.loads(cli("diff", "--base", "HEAD", "--format", "json").out)
    assert [f["path"] for f in doc["files"]] == ["envs/docs.yml", "envs/gpu.yml", "envs/old.yml"]
    failing = cli("diff", "--base", "HEAD")
    assert failing.code == EXIT_FINDINGS
    assert failing.err.startswith(
        f"envtool: fail-on removed (policy file {repo / '.envtool.toml'}): 2 changes matched: "
    )
    assert cli("diff", "--base", "HEAD", "--fail-on", "none").code == EXIT_OK


def test_errors_are_one_line(repo: Path, cli, tmp_path: Path, monkeypatch) -> None:
    bad_rev = cli("diff", "--base", "nope")
    assert (bad_rev.code, bad_rev.err) == (
        EXIT_ERROR,
        "envtool: error: unknown git revision 'nope'\n",
    )
    (repo / "envs" / "gpu.yml").write_text("dependencies: [numpy >=>= 1]\n")
    broken = cli("diff", "--base", "HEAD")
    assert broken.code == EXIT_ERROR
    assert broken.err.startswith("envtool: error: envs/gpu.yml:1: invalid conda spec ")
    assert broken.err.count("\n") == 1
    with_old = cli("diff", "environment.yml", "--base", "HEAD")
    assert with_old.code == EXIT_ERROR and "drop OLD and NEW" in with_old.err
