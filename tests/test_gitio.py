"""Environment files from git: ``REV:path``, the files changed since a revision, name patterns.

Every test runs real git in a repository it makes in a temporary directory.
"""

from __future__ import annotations

import codecs
import csv
import os
import subprocess
from pathlib import Path

import pytest
from conftest import CORPUS, GIT_ENV, ROOT

from envtool.errors import EXIT_ERROR, EnvtoolError, InputError, UsageError
from envtool.files import gitio
from envtool.files.gitio import ChangedFile, RevPath

V1 = "name: ml\nchannels:\n  - conda-forge\ndependencies:\n  - numpy=1.26.4\n  - python=3.11\n"
V2 = "name: ml\nchannels:\n  - conda-forge\ndependencies:\n  - numpy=2.0.0\n  - python=3.11\n"


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(key, raising=False)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=os.environ
    )
    return proc.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with two commits of environment.yml (numpy 1.26.4, then 2.0.0)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "environment.yml").write_text(V1)
    commit_all(root, "v1")
    (root / "environment.yml").write_text(V2)
    commit_all(root, "v2")
    return root


# ---------------------------------------------------------------------------------- read_at_rev


def test_read_at_rev_reads_each_commit(repo: Path) -> None:
    old = gitio.read_at_rev("HEAD~1", "environment.yml", repo)
    new = gitio.read_at_rev("HEAD", "environment.yml", repo)
    assert (old.source, old.text) == ("HEAD~1:environment.yml", V1)
    assert (new.source, new.text) == ("HEAD:environment.yml", V2)


def test_read_at_rev_keeps_utf16_bom_and_crlf(repo: Path) -> None:
    text = V1.replace("\n", "\r\n")
    (repo / "win.yml").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    commit_all(repo, "a file from PowerShell")
    tf = gitio.read_at_rev("HEAD", "win.yml", repo)
    assert (tf.text, tf.encoding, tf.bom, tf.newline) == (text, "utf-16-le", True, "\r\n")


def test_read_at_rev_empty_rev_is_the_index(repo: Path) -> None:
    (repo / "environment.yml").write_text(V1 + "  - scipy\n")
    git(repo, "add", "environment.yml")
    (repo / "environment.yml").write_text("not what is staged\n")
    assert gitio.read_at_rev("", "environment.yml", repo).text == V1 + "  - scipy\n"


def test_read_at_rev_relative_to_cwd_with_dot_slash(repo: Path) -> None:
    (repo / "envs").mkdir()
    (repo / "envs" / "ml.yml").write_text(V1)
    commit_all(repo, "envs")
    assert gitio.read_at_rev("HEAD", "./ml.yml", repo / "envs").text == V1
    assert gitio.read_at_rev("HEAD", "envs/ml.yml", repo / "envs").text == V1


@pytest.mark.parametrize(
    ("rev", "path", "message"),
    [
        ("HEAD~5", "environment.yml", "HEAD~5:environment.yml: unknown git revision 'HEAD~5'"),
        ("nosuch", "environment.yml", "nosuch:environment.yml: unknown git revision 'nosuch'"),
        ("HEAD", "nope.yml", "HEAD:nope.yml: no file 'nope.yml' in git revision 'HEAD'"),
        ("", "nope.yml", ":nope.yml: no file 'nope.yml' in the git index"),
        ("HEAD", "sub", "HEAD:sub: is a directory, not an environment file"),
    ],
)
def test_read_at_rev_errors_say_which_part_is_wrong(
    repo: Path, rev: str, path: str, message: str
) -> None:
    (repo / "sub").mkdir()
    (repo / "sub" / "x.yml").write_text(V1)
    commit_all(repo, "sub")
    with pytest.raises(InputError) as info:
        gitio.read_at_rev(rev, path, repo)
    assert str(info.value) == message
    assert info.value.exit_code == EXIT_ERROR


def test_read_at_rev_from_a_subdirectory_hints_at_dot_slash(repo: Path) -> None:
    (repo / "envs").mkdir()
    (repo / "envs" / "ml.yml").write_text(V1)
    commit_all(repo, "envs")
    with pytest.raises(InputError, match=r"for one here use HEAD:\./ml\.yml\)$"):
        gitio.read_at_rev("HEAD", "ml.yml", repo / "envs")


def test_read_at_rev_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(EnvtoolError, match=r"^HEAD:environment\.yml: not inside a git work tree"):
        gitio.read_at_rev("HEAD", "environment.yml", tmp_path)


def test_read_at_rev_refuses_option_like_revisions(repo: Path) -> None:
    with pytest.raises(UsageError, match="is not a git revision"):
        gitio.read_at_rev("--output=/tmp/x", "environment.yml", repo)


def test_read_at_rev_without_git_is_one_line_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(repo))  # no git here
    with pytest.raises(EnvtoolError, match="git is not installed") as info:
        gitio.read_at_rev("HEAD", "environment.yml", repo)
    assert "\n" not in str(info.value) and info.value.exit_code == EXIT_ERROR


# -------------------------------------------------------------------------------- parse_rev_path


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("HEAD~1:environment.yml", RevPath("HEAD~1", "environment.yml")),
        ("origin/main:env/ml.yml", RevPath("origin/main", "env/ml.yml")),
        ("v1.2:./ml.yml", RevPath("v1.2", "./ml.yml")),
        (":environment.yml", RevPath("", "environment.yml")),
        ("HEAD:a:b.yml", RevPath("HEAD", "a:b.yml")),
        ("environment.yml", None),
        ("-", None),
        ("C:\\envs\\ml.yml", None),
        ("c:/envs/ml.yml", None),
        ("env:base", None),
        ("prefix:/opt/conda/envs/ml", None),
    ],
)
def test_parse_rev_path(tmp_path: Path, arg: str, expected: RevPath | None) -> None:
    assert gitio.parse_rev_path(arg, tmp_path) == expected


def test_parse_rev_path_a_file_on_disk_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "HEAD:environment.yml").write_text(V1)
    assert gitio.parse_rev_path("HEAD:environment.yml", tmp_path) is None
    monkeypatch.chdir(tmp_path)
    assert gitio.parse_rev_path("HEAD:environment.yml") is None
    assert gitio.parse_rev_path("HEAD~1:environment.yml") == RevPath("HEAD~1", "environment.yml")


@pytest.mark.parametrize("arg", ["HEAD:", "--exec=x:environment.yml"])
def test_parse_rev_path_rejects_half_arguments(tmp_path: Path, arg: str) -> None:
    with pytest.raises(UsageError):
        gitio.parse_rev_path(arg, tmp_path)


def test_rev_path_str_round_trips() -> None:
    assert str(RevPath("HEAD~1", "env/ml.yml")) == "HEAD~1:env/ml.yml"


# ---------------------------------------------------------------------------- changed_env_files


def test_changed_env_files_sees_every_kind_of_change(repo: Path) -> None:
    for path in ("envs/old.yml", "ci/environment-py310.yml", "conda-lock.yml", "README.md"):
        (repo / path).parent.mkdir(exist_ok=True)
        (repo / path).write_text(f"# {path}\n{V1}")  # distinct, or git pairs them as renames
    (repo / ".gitignore").write_text("build/\n")
    commit_all(repo, "base")
    git(repo, "tag", "base")

    (repo / "environment.yml").write_text(V1)  # committed change
    git(repo, "mv", "envs/old.yml", "envs/new.yml")  # a rename
    commit_all(repo, "after base")
    (repo / "ci" / "environment-py310.yml").unlink()  # deleted, not staged
    (repo / "docs").mkdir()
    (repo / "docs" / "environment.yaml").write_text("name: docs\ndependencies: [sphinx]\n")
    git(repo, "add", "docs/environment.yaml")  # added and staged
    (repo / "environment-dev.yml").write_text("dependencies: [pytest]\n")  # untracked
    (repo / "build").mkdir()
    (repo / "build" / "environment.yml").write_text(V1)  # ignored
    (repo / "conda-lock.yml").write_text(V2)  # a lock file, not an environment file
    (repo / "README.md").write_text(V2)  # not an environment file

    assert gitio.changed_env_files("base", repo) == [
        ChangedFile("deleted", "ci/environment-py310.yml", None),
        ChangedFile("added", None, "docs/environment.yaml"),
        ChangedFile("added", None, "environment-dev.yml"),
        ChangedFile("modified", "environment.yml", "environment.yml"),
        ChangedFile("renamed", "envs/old.yml", "envs/new.yml"),
    ]
    # the same from a subdirectory: paths stay relative to the repository root
    assert [c.path for c in gitio.changed_env_files("base", repo / "docs")] == [
        "ci/environment-py310.yml",
        "docs/environment.yaml",
        "environment-dev.yml",
        "environment.yml",
        "envs/new.yml",
    ]
    assert gitio.repo_root(repo / "docs") == repo.resolve()


def test_changed_env_files_reads_back_both_sides(repo: Path) -> None:
    (changed,) = gitio.changed_env_files("HEAD~1", repo)
    assert changed == ChangedFile("modified", "environment.yml", "environment.yml")
    assert changed.old_path is not None and changed.new_path is not None
    assert gitio.read_at_rev("HEAD~1", changed.old_path, repo).text == V1
    assert (gitio.repo_root(repo) / changed.new_path).read_text() == V2


def test_changed_env_files_nothing_changed(repo: Path) -> None:
    assert gitio.changed_env_files("HEAD", repo) == []


def test_changed_env_files_with_own_patterns(repo: Path) -> None:
    (repo / "deps").mkdir()
    (repo / "deps" / "gpu.yml").write_text(V1)
    (repo / "deps" / "scratch.yml").write_text(V1)
    patterns = ["deps/*.yml", "!deps/scratch.yml"]
    assert gitio.changed_env_files("HEAD", repo, patterns) == [
        ChangedFile("added", None, "deps/gpu.yml")
    ]


def test_changed_env_files_bad_revision_and_no_repository(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^unknown git revision 'origin/mian'$"):
        gitio.changed_env_files("origin/mian", repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    with pytest.raises(EnvtoolError, match="not inside a git work tree"):
        gitio.changed_env_files("HEAD", outside)


# --------------------------------------------------------------------------------- name patterns

NOT_ENV_FILES = [
    "conda-lock.yml",
    "envs/ml.conda-lock.yml",
    "recipe/conda_build_config.yaml",
    "conda-forge.yml",
    ".github/workflows/conda.yml",
    ".github/workflows/environment.yml",
    ".pre-commit-config.yaml",
    "recipe/meta.yaml",
    "mkdocs.yml",
    "envoy.yml",
    "environment.yml.bak",
    "environment.txt",
]
ENV_FILES = [
    "environment.yml",
    "Environment.YAML",
    "env.yml",
    "env-gpu.yaml",
    "dev_env.yml",
    "conda.yml",
    "conda-linux-64.lock.yml",
    "ml.conda.yml",
    "ci/environment-py310.yml",
    "envs/gpu.yml",
    "a/b/environments/cpu.yaml",
    ".github/environment.yml",
]


@pytest.mark.parametrize("path", ENV_FILES)
def test_default_patterns_match_environment_files(path: str) -> None:
    assert gitio.matches_patterns(path, gitio.DEFAULT_ENV_PATTERNS)


@pytest.mark.parametrize("path", NOT_ENV_FILES)
def test_default_patterns_skip_other_yaml(path: str) -> None:
    assert not gitio.matches_patterns(path, gitio.DEFAULT_ENV_PATTERNS)


def test_default_patterns_cover_the_corpus() -> None:
    sources = CORPUS / "SOURCES.tsv"
    if not sources.is_file():
        pytest.skip("no corpus")
    with sources.open(newline="") as fh:
        paths = {row["path"] for row in csv.DictReader(fh, delimiter="\t")}
    assert paths
    missed = sorted(p for p in paths if not gitio.matches_patterns(p, gitio.DEFAULT_ENV_PATTERNS))
    assert missed == []


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("*.yml", "a/b/c.yml", True),  # no slash: any directory
        ("envs/*.yml", "envs/a.yml", True),  # a slash: from the root
        ("envs/*.yml", "x/envs/a.yml", False),
        ("envs/*.yml", "envs/sub/a.yml", False),
        ("envs/**/*.yml", "envs/sub/deep/a.yml", True),
        ("envs/**/*.yml", "envs/a.yml", True),
        ("/environment.yml", "environment.yml", True),
        ("/environment.yml", "sub/environment.yml", False),
        ("envs/", "envs/a/b.yml", True),
        ("env?.yml", "env1.yml", True),
        ("env[!0-9].yml", "env1.yml", False),
        ("a+b(1).yml", "a+b(1).yml", True),
    ],
)
def test_pattern_syntax(pattern: str, path: str, hit: bool) -> None:
    assert gitio.matches_patterns(path, [pattern]) is hit


def test_last_matching_pattern_decides() -> None:
    patterns = ["*.yml", "!secret/*", "secret/keep.yml"]
    assert gitio.matches_patterns("secret/keep.yml", patterns)
    assert not gitio.matches_patterns("secret/drop.yml", patterns)
    assert gitio.matches_patterns("x.yml", patterns)


def test_precommit_hook_files_regex_agrees_with_default_patterns() -> None:
    """The pre-commit hooks select the same files as ``diff --base`` does by default."""
    import re

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
        for path in ENV_FILES + NOT_ENV_FILES:
            selected = bool(files.search(path)) and not exclude.search(path)
            assert selected is gitio.matches_patterns(path, gitio.DEFAULT_ENV_PATTERNS), path


# ------------------------------------------------------------------------- through the command line


def test_cli_diff_previous_commit_fails_on_major(
    repo: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.chdir(repo)
    result = cli("diff", "HEAD~1:environment.yml", "environment.yml", "--fail-on", "major")
    assert result.code == 1, result.err
    assert "numpy" in result.out
    assert cli("diff", "HEAD:environment.yml", "environment.yml", "--fail-on", "major").code == 0


def test_cli_diff_bad_revision_is_exit_2_one_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.chdir(repo)
    result = cli("diff", "HEAD~9:environment.yml", "environment.yml")
    assert result.code == EXIT_ERROR
    assert result.err == "envtool: error: HEAD~9:environment.yml: unknown git revision 'HEAD~9'\n"


def test_docstring_examples() -> None:
    import doctest

    assert doctest.testmod(gitio).failed == 0
