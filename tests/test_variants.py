"""Variant fidelity: create, clone and a lock's install never turn a CUDA build into a CPU one
(or cuda 12 into 11) silently; ``--cuda`` targets a GPU machine, ``--allow-variant-change``
lets it happen and says so."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from channelkit import Package, build_channel
from conftest import CondaHome, Run, write_env_file

from envtool.envs.model import InstalledPackage
from envtool.envs.platform import Platform
from envtool.envs.variants import compare, missing


@pytest.fixture(scope="module")
def gpu_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_channel(
        tmp_path_factory.mktemp("gpu") / "channel",
        [
            Package("torchy", "2.0", "cuda12_0", depends=("__cuda >=12",), build_number=2),
            Package("torchy", "2.0", "cuda11_0", depends=("__cuda >=11",), build_number=1),
            Package("torchy", "2.0", "cpu_0"),
            Package("helper", "1.0"),
        ],
    )


def _builds(env: Path) -> dict[str, str]:
    out = {}
    for path in (env / "conda-meta").glob("*.json"):
        data = json.loads(path.read_text())
        out[data["name"]] = data["build"]
    return out


@pytest.fixture
def gpu_env(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    gpu_channel: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """An env made on a GPU machine (``__cuda`` 12.4), then the machine has no GPU."""
    file = write_env_file(
        tmp_path / "gpu.yml",
        ["torchy=2.0", "helper"],
        channels=[gpu_channel.as_uri(), "nodefaults"],
    )
    env = tmp_path / "gpu-env"
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    made = cli("create", "-f", str(file), "-p", str(env))
    assert made.code == 0, made.err
    assert _builds(env)["torchy"] == "cuda12_0"
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "")  # now a machine without a GPU
    return env


def test_a_re_solving_clone_stops_keeps_or_changes_the_variant(
    cli: Callable[..., Run], gpu_env: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy"
    refused = cli("clone", str(gpu_env), "-p", str(target), "--no-builds")
    assert refused.code == 2
    assert refused.err == (
        "envtool: error: the clone would change the variant of torchy (cuda → cpu: no __cuda "
        "on this machine: pass --cuda 12 to target a GPU machine); "
        "pass --allow-variant-change to allow it\n"
    )
    assert not target.exists()

    kept = cli("clone", str(gpu_env), "-p", str(target), "--no-builds", "--cuda", "12.4")
    assert kept.code == 0, kept.err
    assert _builds(target)["torchy"] == "cuda12_0"

    other = tmp_path / "cpu-copy"
    allowed = cli("clone", str(gpu_env), "-p", str(other), "--no-builds", "--allow-variant-change")
    assert allowed.code == 0, allowed.err
    assert _builds(other)["torchy"] == "cpu_0"
    assert (
        "envtool: warning: variant of torchy (cuda → cpu: no __cuda on this machine: pass "
        "--cuda 12 to target a GPU machine) changed (--allow-variant-change)\n"
    ) in allowed.err


def test_cuda_12_to_11_is_a_variant_change(
    cli: Callable[..., Run], gpu_env: Path, tmp_path: Path
) -> None:
    target = tmp_path / "old-gpu"
    refused = cli("clone", str(gpu_env), "-p", str(target), "--no-builds", "--cuda", "11.8")
    assert refused.code == 2
    assert "torchy (cuda 12 → cuda 11: this machine's __cuda is 11.8" in refused.err
    assert not target.exists()


def test_an_exact_clone_and_a_lock_install_need_the_virtual_package(
    cli: Callable[..., Run], gpu_env: Path, tmp_path: Path
) -> None:
    target = tmp_path / "exact"
    refused = cli("clone", str(gpu_env), "-p", str(target))
    assert refused.code == 2
    assert refused.err == (
        "envtool: error: the clone would install builds this machine cannot use: torchy 2.0 "
        "cuda12_0 needs __cuda >=12 (no __cuda on this machine: pass --cuda 12 to target a GPU "
        "machine); pass --allow-variant-change to allow it\n"
    )
    assert not target.exists()
    assert cli("clone", str(gpu_env), "-p", str(target), "--cuda", "12.4").code == 0
    assert _builds(target)["torchy"] == "cuda12_0"

    lock = tmp_path / "conda-lock.yml"
    assert cli("lock", "-p", str(gpu_env), "-o", str(lock)).code == 0
    from_lock = tmp_path / "from-lock"
    refused = cli("create", "-f", str(lock), "-p", str(from_lock))
    assert refused.code == 2
    assert "the create would install builds this machine cannot use: torchy" in refused.err
    allowed = cli("create", "-f", str(lock), "-p", str(from_lock), "--allow-variant-change")
    assert allowed.code == 0, allowed.err
    assert "installed torchy 2.0 cuda12_0 needs __cuda >=12" in allowed.err
    assert _builds(from_lock)["torchy"] == "cuda12_0"


def test_create_targets_a_gpu_machine_with_cuda(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    gpu_channel: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "")
    file = write_env_file(
        tmp_path / "e.yml", ["torchy=2.0=*cuda*"], channels=[gpu_channel.as_uri(), "nodefaults"]
    )
    cpu = cli("create", "-f", str(file), "-p", str(tmp_path / "a"))
    assert cpu.code == 2
    assert "torchy=2.0=*cuda* (needs __cuda >=11 (pass --cuda VER to target a GPU machine))" in (
        cpu.err
    )
    made = cli("create", "-f", str(file), "-p", str(tmp_path / "b"), "--cuda", "11.8")
    assert made.code == 0, made.err
    assert _builds(tmp_path / "b")["torchy"] == "cuda11_0"
    bad = cli("create", "-f", str(file), "-p", str(tmp_path / "c"), "--cuda", "latest")
    assert bad.code == 2 and bad.err.count("\n") == 1


def test_the_policy_on_values() -> None:
    def pkg(build: str, *depends: str, flags: tuple[str, ...] = ()) -> InstalledPackage:
        return InstalledPackage("x", "1.0", build, depends=depends, flags=flags)

    gpu = Platform("linux-64").with_cuda("12.4")
    assert compare([pkg("mkl_0")], [pkg("openblas_0")], gpu)[0].describe() == "x (mkl → openblas)"
    assert compare([pkg("py311_cu121")], [pkg("py311_cu124")], gpu) == ()
    assert compare([pkg("h0", flags=("blas:mkl",))], [pkg("h0", flags=("blas:openblas",))], gpu)
    assert compare([pkg("mpi_mpich_h1_0")], [pkg("nompi_h1_0")], gpu)[0].new == "none"
    assert missing([pkg("cuda12_0", "__cuda >=12")], gpu) == ()
    assert missing([pkg("h0", "__glibc >=2.99")], Platform.for_subdir("linux-64"))[0].reason == (
        "this machine's __glibc is 2.28"
    )


def test_doctests() -> None:
    import doctest

    from envtool.envs import variants

    assert doctest.testmod(variants).failed == 0


def test_as_of_picks_the_older_build(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path, source_dated: Path
) -> None:
    from datetime import datetime, timezone

    from channelkit import MTIME

    then = datetime.fromtimestamp(MTIME - 10 * DAY, tz=timezone.utc).date().isoformat()
    file = write_env_file(
        tmp_path / "dated.yml", ["dated"], channels=[source_dated.as_uri(), "nodefaults"]
    )
    old = tmp_path / "old"
    made = cli("create", "-f", str(file), "-p", str(old), "--as-of", then)
    assert made.code == 0, made.err
    assert _builds(old)["dated"] == "h1_0"
    assert cli("create", "-f", str(file), "-p", str(tmp_path / "new")).code == 0
    assert _builds(tmp_path / "new")["dated"] == "h2_0"
    cloned = tmp_path / "cloned"
    assert cli("clone", str(file), "-p", str(cloned), "--as-of", then).code == 0
    assert _builds(cloned)["dated"] == "h1_0"
    lock = tmp_path / "dated.txt"
    locked = cli("lock", "-f", str(file), "--as-of", then, "--format", "explicit", "-o", str(lock))
    assert locked.code == 0, locked.err
    assert "dated-1.0-h1_0" in lock.read_text()
    bad = cli("create", "-f", str(file), "-p", str(tmp_path / "x"), "--as-of", "2024-13-45")
    assert bad.code == 2 and bad.err.startswith("envtool: error: ") and bad.err.count("\n") == 1


DAY = 86_400


@pytest.fixture(scope="module")
def source_dated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from channelkit import MTIME

    return build_channel(
        tmp_path_factory.mktemp("dated") / "channel",
        [
            Package("dated", "1.0", "h1_0", timestamp=MTIME - 30 * DAY),
            Package("dated", "1.0", "h2_0", build_number=1, timestamp=MTIME),
        ],
    )


def test_no_builds_keeps_cep45_flags(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = build_channel(
        tmp_path / "flagged",
        [
            Package("flagged", "2.0", "h1_0", flags=("gpu:cuda", "cuda:12"), build_number=1),
            Package("flagged", "2.0", "h0_0", flags=("gpu:none",)),
            Package("plain", "1.0", "py311_cuda12_0"),
        ],
    )
    file = write_env_file(
        tmp_path / "f.yml", ["flagged", "plain"], channels=[channel.as_uri(), "nodefaults"]
    )
    env = tmp_path / "env"
    assert cli("create", "-f", str(file), "-p", str(env)).code == 0
    exported = cli("export", "-p", str(env), "--no-builds")
    assert exported.code == 0, exported.err
    assert "  - flagged=2.0[flags=[gpu:cuda, cuda:12]]\n" in exported.out
    assert "  - plain=1.0=*cuda*\n" in exported.out  # no flags: today's build glob
    again = tmp_path / "again.yml"
    again.write_text(exported.out)
    assert cli("create", "-f", str(again), "-p", str(tmp_path / "again")).code == 0
    assert _builds(tmp_path / "again")["flagged"] == "h1_0"
    from envtool.spec import variant

    assert variant("h1_0", ["gpu:cuda", "cuda:12"]) == "cuda 12"
