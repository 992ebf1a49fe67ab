"""Backend selection (``--backend auto``), locating envs as conda does, and live envs for diff."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CondaHome, Run

from envtool.backends import Backend, choose, read_envfile, select_backend
from envtool.backends.native import NativeBackend
from envtool.errors import EnvNotFoundError, ToolNotFoundError, UsageError
from envtool.ui import Console


def _tool(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    exe = directory / name
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


@pytest.fixture
def empty_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def test_auto_prefers_conda_exe_then_path_order_else_native(
    empty_path: Path, tmp_path: Path
) -> None:
    assert choose("auto", {}).kind == "native"
    assert "no conda, mamba or micromamba found" in choose("auto", {}).reason
    _tool(empty_path, "micromamba")
    assert choose("auto", {}).kind == "micromamba"
    _tool(empty_path, "mamba")
    assert choose("auto", {}).kind == "mamba"
    conda = _tool(tmp_path / "miniconda" / "bin", "conda")
    sel = choose("auto", {"CONDA_EXE": str(conda)})
    assert (sel.kind, sel.exe) == ("conda", str(conda))
    assert sel.reason == f"CONDA_EXE is set ({conda})"
    # a CONDA_EXE that does not exist is ignored
    assert choose("auto", {"CONDA_EXE": str(tmp_path / "gone")}).kind == "mamba"


def test_explicit_choices(empty_path: Path) -> None:
    assert choose("native", {}).kind == "native"
    with pytest.raises(ToolNotFoundError, match="--backend mamba: mamba not found on PATH"):
        choose("mamba", {})
    exe = _tool(empty_path, "mamba")
    assert choose("mamba", {}).exe == str(exe)
    with pytest.raises(UsageError):
        choose("pixi", {})


def test_select_backend_says_which_and_why(empty_path: Path) -> None:
    err = io.StringIO()
    backend: Backend = select_backend("auto", Console(verbose=1, err=err))
    assert backend.name == "native"
    assert err.getvalue() == (
        "envtool: backend: native (no conda, mamba or micromamba found (CONDA_EXE, PATH))\n"
    )
    with pytest.raises(ToolNotFoundError):
        select_backend("conda", Console(err=io.StringIO()))


def test_cli_backend_flag_and_variable(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], empty_path: Path
) -> None:
    make_env(["delta"], name="d")
    result = cli("-v", "export", "-n", "d")
    assert "envtool: backend: native (--backend native)" in result.err  # ENVTOOL_BACKEND
    result = cli("--backend", "micromamba", "export", "-n", "d")
    assert result.code == 2
    assert result.err == "envtool: error: --backend micromamba: micromamba not found on PATH\n"


def test_locate_like_conda(
    conda_home: CondaHome, make_env: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(["delta"], name="d")
    backend = NativeBackend()
    assert backend.locate(name="d").prefix == env
    assert backend.locate(prefix=str(env)).name == "d"
    with pytest.raises(UsageError):
        backend.locate(name="d", prefix=str(env))
    with pytest.raises(EnvNotFoundError, match="searched: "):
        backend.locate(name="base")
    # the root prefix is "base" once it is an env
    (conda_home.root / "conda-meta").mkdir()
    (conda_home.root / "conda-meta" / "history").write_text("")
    assert NativeBackend().locate(name="base").prefix == conda_home.root
    # a dir without conda-meta/history is not an env
    with pytest.raises(EnvNotFoundError, match="not a conda environment"):
        backend.locate(prefix=str(conda_home.home))
    names = {loc.name for loc in NativeBackend().list_envs()}
    assert {"base", "d"} <= names


def test_envs_dirs_search_order_and_first_writable(
    conda_home: CondaHome, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where an envs dir should be")
    later = tmp_path / "later"
    monkeypatch.setenv("CONDA_ENVS_DIRS", os.pathsep.join([str(blocked), str(later)]))
    backend = NativeBackend()
    assert backend.new_location(name="fresh").prefix == later / "fresh"
    # an existing env of that name anywhere on the search path is the target
    (conda_home.envs / "there" / "conda-meta").mkdir(parents=True)
    (conda_home.envs / "there" / "conda-meta" / "history").write_text("")
    assert backend.new_location(name="there").prefix == conda_home.envs / "there"
    with pytest.raises(UsageError):
        backend.new_location(name="base")
    with pytest.raises(UsageError):
        backend.new_location()


def test_read_envfile_for_diff(
    conda_home: CondaHome, make_env: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(["python=3.11"], name="live", pip=["toyreq==1.2.3"])
    console = Console(err=io.StringIO())
    by_name = read_envfile("env", "live", "native", console)
    by_prefix = read_envfile("prefix", str(env), "native", console)
    assert by_name == by_prefix
    assert by_name.name == "live" and by_name.prefix == str(env)
    assert [d.text for d in by_name.conda] == ["pip=24.0=h4616a5c_0", "python=3.11.0=h4616a5c_0"]
    assert [p.text for p in by_name.pip or ()] == ["toyreq==1.2.3"]
    with pytest.raises(EnvNotFoundError):
        read_envfile("env", "missing", "native", console)
