"""``envtool clone SOURCE``: exact copies by records, pruned copies by solving, from files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CondaHome, Run, write_env_file

from envtool.envs import history, prefix
from envtool.files.envfile import parse
from envtool.ops.create import classify


def _names(env: Path) -> list[str]:
    return sorted(p.stem for p in (env / "conda-meta").glob("*.json"))


def test_classify_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "env.yml").write_text("dependencies: []\n")
    (tmp_path / "somedir").mkdir()
    assert classify("env.yml") == "file"
    assert classify("somedir") == "prefix"
    assert classify("./not-yet") == "prefix"
    assert classify("myenv") == "name"
    assert classify(str(tmp_path / "env.yml")) == "file"


def test_exact_clone_by_records_hard_links_from_the_cache(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    make_env: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = make_env(
        ["python=3.11", "gamma"], name="src", pip=["toyreq==1.2.3"], variables={"V": "1"}
    )
    (source / "notes.txt").write_text(f"made in {source}\n")
    result = cli("-v", "clone", "src", "-n", "dst")
    assert result.code == 0, result.err
    assert "SOURCE 'src' is an environment name" in result.err
    assert "exact copy" in result.err
    dst = conda_home.envs / "dst"
    assert _names(dst) == _names(source)
    # files are hard links of the package cache's (the same inode as the source env's)
    a = source / "share" / "gamma" / "VERSION"
    b = dst / "share" / "gamma" / "VERSION"
    assert os.stat(a).st_ino == os.stat(b).st_ino
    # what no package owns is copied, with the old prefix rewritten; variables too
    assert (dst / "notes.txt").read_text() == f"made in {dst}\n"
    assert prefix.read_variables(dst) == {"V": "1"}
    src_export = cli("export", "-n", "src", "--rename", "x").out
    assert cli("export", "-n", "dst", "--rename", "x").out == src_export
    assert "toyreq==1.2.3" in src_export
    # the clone's history carries the source's requested specs
    revisions = history.parse((dst / "conda-meta" / "history").read_text())
    assert revisions[-1].cmd == "envtool clone src -n dst"
    assert history.requested_specs(revisions) == ("python=3.11", "gamma")
    from_history = cli("export", "-n", "dst", "--from-history").out
    assert "  - python=3.11\n  - gamma\n" in from_history


def test_clone_by_prefix_and_into_a_prefix(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_env(["beta"], prefix=tmp_path / "src")
    target = tmp_path / "copies" / "one"
    result = cli("-v", "clone", str(source), "-p", str(target))
    assert result.code == 0, result.err
    assert "is an environment prefix" in result.err
    assert _names(target) == ["alpha-2.1-h4616a5c_1", "beta-1.5-h4616a5c_0"]


def test_clone_with_pruning_exports_prunes_and_solves(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path]
) -> None:
    make_env(["gamma", "delta", "epsilon=1.0"], name="full")
    result = cli("clone", "full", "-n", "slim", "--drop", "delta", "--no-builds")
    assert result.code == 0, result.err
    slim = conda_home.envs / "slim"
    assert "delta-3.2.1-h4616a5c_0" not in _names(slim)
    assert "gamma-0.3-h4616a5c_0" in _names(slim)
    # the solve's history lists the pruned file's specs
    specs = history.requested_specs(history.parse((slim / "conda-meta" / "history").read_text()))
    assert "gamma=0.3" in specs and not any(s.startswith("delta") for s in specs)
    # --leaves keeps what was asked for; the solve brings the rest back
    result = cli("clone", "full", "-n", "leaves", "--leaves", "--dry-run")
    assert result.code == 0, result.err
    assert [d.name for d in parse(result.out).conda] == ["delta", "epsilon", "gamma"]
    assert not (conda_home.envs / "leaves").exists()


def test_clone_from_a_file_renames_and_drops_the_prefix(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = tmp_path / "env.yml"
    file.write_text(
        f"name: old\nchannels:\n  - {conda_home.channel_url}\ndependencies:\n  - beta\n"
        "prefix: /somewhere/else/old\n"
    )
    saved = tmp_path / "saved.yml"
    result = cli("clone", str(file), "-n", "new", "-o", str(saved))
    assert result.code == 0, result.err
    assert _names(conda_home.envs / "new") == ["alpha-2.1-h4616a5c_1", "beta-1.5-h4616a5c_0"]
    assert saved.read_text() == (
        f"name: new\nchannels:\n  - {conda_home.channel_url}\ndependencies:\n  - beta\n"
    )


def test_explain_from_a_file_names_its_lines_as_prune_does(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = tmp_path / "env.yml"
    file.write_text(f"channels:\n  - {conda_home.channel_url}\ndependencies:\n  - beta=1.5=h_0\n")
    result = cli("clone", str(file), "-n", "new", "--no-builds", "--explain", "--dry-run")
    assert result.code == 0, result.err
    assert result.err == (
        f"{file}:4: rewrite beta=1.5=h_0 → beta=1.5 — "
        "build string h_0 stripped (builds are per platform)\n"
    )
    assert cli("prune", str(file), "--no-builds", "--explain").err == result.err


def test_dry_run_prints_the_file_and_creates_nothing(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path]
) -> None:
    make_env(["delta"], name="d")
    result = cli("clone", "d", "-n", "d2", "--dry-run")
    assert result.code == 0, result.err
    assert result.out == (
        f"name: d2\nchannels:\n  - {conda_home.channel_url}\n  - nodefaults\ndependencies:\n"
        "  - delta=3.2.1=h4616a5c_0\n"
    )
    assert not (conda_home.envs / "d2").exists()


def test_clone_never_touches_an_existing_target_or_the_source(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path]
) -> None:
    make_env(["alpha=1.0"], name="one")
    make_env(["delta"], name="two")
    before = _names(conda_home.envs / "two")
    result = cli("clone", "one", "-n", "two")
    assert result.code == 2
    assert "already exists" in result.err
    assert _names(conda_home.envs / "two") == before
    assert cli("clone", "one", "-n", "one", "--on-exists", "replace").code == 2
    assert cli("clone", "one", "-n", "two", "--on-exists", "replace").code == 0
    assert _names(conda_home.envs / "two") == ["alpha-1.0-h4616a5c_0"]


def test_clone_errors(conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path) -> None:
    result = cli("clone", "nosuch", "-n", "x")
    assert result.code == 2 and "no environment named 'nosuch'" in result.err
    result = cli("clone", "nosuch")
    assert result.code == 2 and "needs the new environment's -n NAME or -p PREFIX" in result.err
    result = cli("clone", str(tmp_path / "no" / "such"), "-n", "x")
    assert result.code == 2 and "no such directory" in result.err
    file = write_env_file(tmp_path / "e.yml", ["alpha"])
    result = cli("clone", str(file), "-n", "x", "--leaves")
    assert result.code == 2 and "--leaves needs an environment" in result.err
