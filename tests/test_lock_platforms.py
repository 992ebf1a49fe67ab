"""``envtool lock -p ENV --platform A,B,C``: the env's own platform exactly from conda-meta,
the others solved with its versions preferred, what differs reported on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from channelkit import Package, build_channel, current_subdir
from conftest import CondaHome, Run, write_env_file

HOST = current_subdir()
NEAR, FAR = [s for s in ("osx-arm64", "win-64", "linux-64") if s != HOST][:2]


@pytest.fixture(scope="module")
def platforms_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pkgs = [
        Package("torchy", "2.0", "cuda12_0", depends=("__cuda >=12",), build_number=1),
        Package("torchy", "2.0", "cpu_0"),
    ]
    for subdir in (HOST, NEAR):
        pkgs += [
            Package("numpy", "1.26.4", "h0_0", subdir=subdir),
            Package("numpy", "2.0.0", "h0_0", subdir=subdir),
            Package("readline", "8.2", "h0_0", subdir=subdir),
        ]
    pkgs.append(Package("numpy", "2.0.0", "h0_0", subdir=FAR))
    return build_channel(tmp_path_factory.mktemp("platforms") / "channel", pkgs)


@pytest.fixture
def gpu_env(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    platforms_channel: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    file = write_env_file(
        tmp_path / "environment.yml",
        ["numpy=1.26.4", "readline", "torchy"],
        channels=[platforms_channel.as_uri(), "nodefaults"],
    )
    env = tmp_path / "env"
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    made = cli("create", "-f", str(file), "-p", str(env))
    assert made.code == 0, made.err
    return env


def _conda_meta(env: Path) -> set[tuple[str, str, str, str]]:
    out = set()
    for path in (env / "conda-meta").glob("*.json"):
        data = json.loads(path.read_text())
        out.add((data["name"], data["version"], data["url"], data["md5"]))
    return out


def test_lock_other_platforms_from_an_env(
    cli: Callable[..., Run], gpu_env: Path, tmp_path: Path
) -> None:
    from conda_lock.lockfile import parse_conda_lock_file

    out = tmp_path / "conda-lock.yml"
    wanted = f"{HOST},{NEAR},{FAR}"
    r = cli("lock", "-p", str(gpu_env), "--platform", wanted, "-o", str(out))
    assert r.code == 0, r.err
    assert f"envtool: warning: {NEAR}: torchy variant cuda → cpu\n" in r.err
    assert f"envtool: warning: {FAR}: numpy 1.26.4 → 2.0.0 (1.26.4 is not there)\n" in r.err
    assert f"envtool: warning: {FAR}: readline left out: no such package for {FAR}\n" in r.err
    assert f"{NEAR}: numpy" not in r.err

    parsed = parse_conda_lock_file(out)
    assert sorted(parsed.metadata.platforms) == sorted(wanted.split(","))
    by_platform: dict[str, dict[str, tuple[str, str, str, str]]] = {}
    for p in parsed.package:
        entry = (p.name, p.version, p.url, p.hash.md5 or "")
        by_platform.setdefault(p.platform, {})[p.name] = entry
    assert set(by_platform[HOST].values()) == _conda_meta(gpu_env)  # the host: exactly
    assert by_platform[NEAR]["numpy"][1] == "1.26.4"  # the host's version, not the newest
    assert by_platform[NEAR]["readline"][1] == "8.2"
    assert by_platform[NEAR]["torchy"][2].endswith("torchy-2.0-cpu_0.tar.bz2")
    assert by_platform[FAR]["numpy"][1] == "2.0.0"
    assert "readline" not in by_platform[FAR]

    from rattler import LockFile

    pixi = tmp_path / "pixi.lock"
    r = cli("lock", "-p", str(gpu_env), "--platform", wanted, "--format", "pixi", "-o", str(pixi))
    assert r.code == 0, r.err
    env = LockFile.from_path(pixi).default_environment()
    assert env is not None
    got = {}
    for platform in env.platforms():
        records = env.conda_repodata_records_for_platform(platform) or []
        got[platform.name] = {(r.name.normalized, str(r.version)) for r in records}
    assert ("numpy", "1.26.4") in got[NEAR] and ("numpy", "2.0.0") in got[FAR]
    assert {(n, v) for n, v, _, _ in _conda_meta(gpu_env)} == got[HOST]


def test_cuda_for_the_other_platforms(
    cli: Callable[..., Run], gpu_env: Path, tmp_path: Path
) -> None:
    out = tmp_path / "lock.yml"
    r = cli(
        "lock", "-p", str(gpu_env), "--platform", f"{HOST},{NEAR}", "--cuda", "12.4", "-o", str(out)
    )
    assert r.code == 0, r.err
    assert "variant" not in r.err
    assert "torchy-2.0-cuda12_0" in out.read_text()
