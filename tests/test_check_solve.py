"""``envtool check --solve``: real solves for other platforms from a multi-subdir channel."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from channelkit import MTIME, Package, build_channel
from conftest import CondaHome, Run, write_env_file

from envtool.envs.platform import Platform
from envtool.ops import solvability

DAY = 86_400


@pytest.fixture(scope="module")
def matrix_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pkgs = [
        Package("posixtool", "1.0", depends=("__unix",)),
        Package("torchy", "2.0", "cuda12_0", depends=("__cuda >=12",), build_number=1),
        Package("torchy", "2.0", "cpu_0"),
        Package("dated", "1.0", timestamp=MTIME - 30 * DAY),
        Package("dated", "2.0", timestamp=MTIME),
    ]
    for subdir in ("linux-64", "osx-arm64", "win-64"):
        pkgs.append(Package("numpy", "1.26.4", "h0_0", subdir=subdir))
        if subdir != "win-64":
            pkgs.append(Package("numpy", "2.0.0", "h0_0", subdir=subdir))
            pkgs.append(Package("readline", "8.2", "h0_0", subdir=subdir))
    pkgs.append(Package("ld_impl_linux-64", "2.40", "h0_0", subdir="linux-64"))
    return build_channel(tmp_path_factory.mktemp("matrix") / "channel", pkgs)


def _file(tmp_path: Path, channel: Path, deps: list[str]) -> Path:
    return write_env_file(
        tmp_path / "environment.yml", deps, channels=[channel.as_uri(), "nodefaults"]
    )


def test_every_failing_spec_of_a_platform_in_one_run(
    conda_home: CondaHome, cli: Callable[..., Run], matrix_channel: Path, tmp_path: Path
) -> None:
    file = _file(tmp_path, matrix_channel, ["numpy=2.0", "readline", "posixtool"])
    result = cli("check", str(file), "--solve", "linux-64,osx-arm64,win-64")
    assert result.code == 1, result.err
    assert result.out == (
        f"{file}: linux-64 ok (3 packages) · osx-arm64 ok (3 packages) · win-64 FAILS (3 specs)\n"
        "  win-64:\n"
        "    ✗ numpy=2.0: no version matches; newest available: numpy 1.26.4\n"
        "    ✗ readline: no readline package for win-64; available for linux-64, osx-arm64\n"
        "    ✗ posixtool: its dependencies cannot be met; needs __unix\n"
    )
    assert "envtool: 1 of 1 file does not solve on every platform" in result.err

    doc = json.loads(cli("check", str(file), "--solve", "linux-64,win-64", "--format", "json").out)
    assert doc["solve_version"] == 1
    assert doc["ok"] is False
    linux, win = doc["files"][0]["platforms"]
    assert linux["ok"] is True
    assert linux["records"] == [
        "numpy=2.0.0=h0_0",
        "posixtool=1.0=h4616a5c_0",
        "readline=8.2=h0_0",
    ]
    assert "__glibc=2.28=0" in linux["virtual_packages"]
    assert win["ok"] is False
    assert [(p["spec"], p["line"]) for p in win["problems"]] == [
        ("numpy=2.0", 5),
        ("readline", 6),
        ("posixtool", 7),
    ]

    github = cli("check", str(file), "--solve", "win-64", "--format", "github").out.splitlines()
    assert github[0].startswith(f"::error file={file},line=5,title=envtool%3A does not solve")
    markdown = cli("check", str(file), "--solve", "win-64", "--format", "markdown").out
    assert "| win-64 | `readline` | no readline package for win-64 |" in markdown


def test_all_solvable_exits_0(
    conda_home: CondaHome, cli: Callable[..., Run], matrix_channel: Path, tmp_path: Path
) -> None:
    file = _file(tmp_path, matrix_channel, ["numpy>=1.26"])
    result = cli("check", str(file), "--solve", "linux-64,osx-arm64,win-64")
    assert result.code == 0, result.err
    assert "win-64 ok (1 package)" in result.out


def test_platform_only_packages_get_the_portable_hint(
    conda_home: CondaHome, cli: Callable[..., Run], matrix_channel: Path, tmp_path: Path
) -> None:
    file = _file(tmp_path, matrix_channel, ["ld_impl_linux-64"])
    result = cli("check", str(file), "--solve", "osx-arm64")
    assert result.code == 1
    assert "no ld_impl_linux-64 package for osx-arm64; drop it with --portable" in result.out


def test_cuda_virtual_package(
    conda_home: CondaHome, cli: Callable[..., Run], matrix_channel: Path, tmp_path: Path
) -> None:
    file = _file(tmp_path, matrix_channel, ["torchy=2.0=*cuda*"])
    gpu = cli("check", str(file), "--solve", "linux-64", "--cuda", "12.4", "--format", "json")
    assert gpu.code == 0, gpu.err
    assert json.loads(gpu.out)["files"][0]["platforms"][0]["records"] == ["torchy=2.0=cuda12_0"]
    cpu = cli("check", str(file), "--solve", "linux-64", "--cuda", "none")
    assert cpu.code == 1
    assert "needs __cuda >=12 (pass --cuda VER to target a GPU machine)" in cpu.out


def test_as_of_picks_what_was_published_then(
    conda_home: CondaHome, cli: Callable[..., Run], matrix_channel: Path, tmp_path: Path
) -> None:
    file = _file(tmp_path, matrix_channel, ["dated"])
    then = datetime.fromtimestamp(MTIME - 10 * DAY, tz=timezone.utc).date().isoformat()
    old = cli("check", str(file), "--solve", "linux-64", "--as-of", then, "--format", "json")
    assert old.code == 0, old.err
    doc = json.loads(old.out)
    assert doc["files"][0]["platforms"][0]["records"] == ["dated=1.0=h4616a5c_0"]
    assert doc["files"][0]["as_of"].startswith(then)
    new = cli("check", str(file), "--solve", "linux-64", "--format", "json")
    assert json.loads(new.out)["files"][0]["platforms"][0]["records"] == ["dated=2.0=h4616a5c_0"]


def test_as_of_a_git_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from conftest import GIT_ENV

    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**GIT_ENV, "GIT_COMMITTER_DATE": "2024-03-01T12:00:00+00:00"}
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    monkeypatch.chdir(repo)
    assert solvability.as_of("HEAD") == datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    assert solvability.as_of("2024-03-01") == datetime(2024, 3, 1, tzinfo=timezone.utc)


def test_platform_words(cli: Callable[..., Run], tmp_path: Path) -> None:
    names = [p.subdir for p in solvability.platforms("all,linux-64")]
    assert names == ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]
    assert solvability.platforms("win-64", cuda="12.4")[0] == Platform.for_subdir(
        "win-64", cuda="12.4"
    )
    file = write_env_file(tmp_path / "e.yml", ["numpy"])
    bad = cli("check", str(file), "--solve", "plan9-64")
    assert bad.code == 2
    assert bad.err.count("\n") == 1
    assert cli("check", str(file), "--cuda", "12.4").code == 2
