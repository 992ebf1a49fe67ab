"""``envtool envs`` and ``envtool remove`` on real envs built from a local channel."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CondaHome, Run

from envtool.commands.envs import human_size
from envtool.envs import inventory


def _freeze(prefix: Path, message: str | None = None) -> None:
    body = json.dumps({"message": message}) if message is not None else ""
    (prefix / "conda-meta" / "frozen").write_text(body)


def test_envs_lists_names_prefixes_sizes_and_frozen(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    a = make_env(["gamma"], name="alpha-env")
    b = make_env(["gamma"], prefix=tmp_path / "elsewhere" / "b")
    _freeze(a, "pinned for the paper")
    # an env made by path is listed because its create registered it, as conda's does
    registered = (conda_home.home / ".conda" / "environments.txt").read_text().splitlines()
    assert registered == [str(a), str(b)]

    result = cli("envs", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["envs_version"] == 1
    by_prefix = {e["prefix"]: e for e in doc["envs"]}
    assert by_prefix[str(a)]["name"] == "alpha-env"
    assert by_prefix[str(a)]["frozen"] is True
    assert by_prefix[str(a)]["frozen_reason"] == "pinned for the paper"
    assert by_prefix[str(b)]["name"] is None
    assert by_prefix[str(b)]["frozen"] is False
    assert by_prefix[str(a)]["size"] == inventory.disk_size(a) > 0
    assert doc["leftovers"] == []

    text = cli("envs").out
    row = next(line for line in text.splitlines() if str(a) in line)
    assert row.startswith("alpha-env ")
    assert row.endswith("frozen: pinned for the paper")
    assert any(line.startswith("- ") and str(b) in line for line in text.splitlines())


def test_envs_reports_leftovers_of_a_killed_run(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path]
) -> None:
    make_env(["gamma"], name="ok")
    leftover = conda_home.envs / ".broken.envtool-new-0123abcd"
    (leftover / "conda-meta").mkdir(parents=True)
    result = cli("envs", "--json", "--no-size")
    doc = json.loads(result.out)
    assert doc["leftovers"] == [
        {
            "path": str(leftover),
            "advice": "a half-made env of an interrupted create or clone: delete it",
        }
    ]
    assert all(e["size"] is None for e in doc["envs"])
    assert f"envtool: warning: {leftover}: a half-made env of an interrupted create" in result.err


def test_registering_follows_conda_register_envs(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONDA_REGISTER_ENVS", "false")
    env = make_env(["gamma"], prefix=tmp_path / "unlisted")
    assert not (conda_home.home / ".conda" / "environments.txt").exists()
    assert str(env) not in cli("envs", "--no-size").out


def test_disk_size_counts_each_inode_once(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 1000)
    os.link(tmp_path / "a", tmp_path / "b")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c").write_bytes(b"y" * 24)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert inventory.disk_size(tmp_path) == 1024 + len(str(tmp_path / "a"))


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0 B"), (1023, "1023 B"), (3174, "3.1 KiB"), (5 * 2**30, "5.0 GiB")]
)
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text


def test_remove_deletes_the_env_and_unregisters_it(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    env = make_env(["gamma"], prefix=tmp_path / "p" / "doomed")
    registry = conda_home.home / ".conda" / "environments.txt"
    registry.parent.mkdir(exist_ok=True)
    registry.write_text(f"/some/other/env\n{env}\n")

    dry = cli("remove", "-p", str(env), "--dry-run")
    assert dry.code == 0, dry.err
    assert f"envtool: would remove {env}" in dry.err
    assert env.is_dir()

    result = cli("remove", "-p", str(env))
    assert result.code == 0, result.err
    assert f"envtool: removed {env}" in result.err
    assert not env.exists()
    assert os.listdir(env.parent) == []  # no trash folder left behind
    assert registry.read_text() == "/some/other/env\n"


def test_remove_refuses_an_env_another_run_is_changing(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    from envtool.envs.staging import TargetLock

    env = make_env(["gamma"], prefix=tmp_path / "p" / "busy")
    with TargetLock(env):
        result = cli("remove", "-p", str(env))
    assert result.code == 2
    assert result.err == (
        f"envtool: error: another envtool run (pid {os.getpid()}) is changing {env}; "
        "wait for it to finish, then try again\n"
    )
    assert (env / "conda-meta").is_dir()
    assert cli("remove", "-p", str(env)).code == 0


def test_remove_by_name(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path]
) -> None:
    env = make_env(["gamma"], name="gone")
    result = cli("remove", "-n", "gone")
    assert result.code == 0, result.err
    assert f"envtool: removed gone ({env})" in result.err
    assert not env.exists()
    missing = cli("remove", "-n", "gone")
    assert missing.code == 2
    assert missing.err.count("\n") == 1


def test_remove_refuses_a_frozen_env_unless_overridden(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path]
) -> None:
    env = make_env(["gamma"], name="ice")
    _freeze(env, "do not touch")
    refused = cli("remove", "-n", "ice")
    assert refused.code == 2
    assert refused.err == (
        f"envtool: error: cannot remove {env}: the environment is marked as frozen "
        "(do not touch); use --override-frozen to remove it anyway\n"
    )
    assert (env / "conda-meta" / "history").is_file()
    assert cli("remove", "-n", "ice", "--override-frozen").code == 0
    assert not env.exists()


def test_remove_refuses_base_non_envs_and_the_active_env(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (conda_home.root / "conda-meta").mkdir(parents=True, exist_ok=True)
    (conda_home.root / "conda-meta" / "history").write_text("")
    base = cli("remove", "-n", "base")
    assert base.code == 2
    assert "is the base environment; not removing it" in base.err

    plain = tmp_path / "not-an-env"
    plain.mkdir()
    (plain / "data.txt").write_text("keep me")
    refused = cli("remove", "-p", str(plain))
    assert refused.code == 2
    assert "is not a conda environment" in refused.err
    assert (plain / "data.txt").read_text() == "keep me"

    env = make_env(["gamma"], name="active")
    monkeypatch.setenv("CONDA_PREFIX", str(env))
    active = cli("remove", "-n", "active")
    assert active.code == 2
    assert "is the active environment; deactivate it first" in active.err
    assert env.is_dir()

    assert cli("remove").code == 2
    own = cli("remove", "-p", sys.prefix)
    assert own.code == 2
