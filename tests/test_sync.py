"""``envtool sync``: a live env brought in line with a file, as one transaction."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from channelkit import Package, build_channel
from conftest import CondaHome, Run, write_env_file

from envtool.envs import prefix as prefix_mod
from envtool.envs import syncing

PY = ["python=3.11", "pip"]


def _records(env: Path) -> set[tuple[str, str, str, str]]:
    return {
        (r.package.name, r.package.version, r.package.build, r.package.channel)
        for r in prefix_mod.read_records(env, lambda c: c)
    }


def _pip(env: Path) -> dict[str, str]:
    records = prefix_mod.read_records(env, lambda c: c)
    return {p.name: p.version for p in prefix_mod.read_pip(env, records)}


def _tree_hash(root: Path) -> str:
    """Names, modes, link targets and contents of every file under ``root``."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        h.update(f"{rel}\0{st.st_mode}\0".encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def v1_v2(conda_home: CondaHome, tmp_path: Path) -> tuple[Path, Path]:
    v1 = write_env_file(
        tmp_path / "v1" / "environment.yml",
        [*PY, "gamma", "delta"],
        pip=["toyreq==1.0", "oldpip==2.0"],
    )
    v2 = write_env_file(
        tmp_path / "v2" / "environment.yml",
        [*PY, "alpha=2.1", "epsilon", "delta"],
        pip=["toyreq==1.1"],
    )
    return v1, v2


def test_sync_v1_to_v2_equals_a_fresh_create(
    conda_home: CondaHome, cli: Callable[..., Run], v1_v2: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, v2 = v1_v2
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    assert {n for n, *_ in _records(env)} >= {"gamma", "beta", "alpha", "delta"}
    delta_file = env / "share" / "delta" / "VERSION"
    inode = delta_file.stat().st_ino

    before = cli("sync", "-f", str(v2), "-p", str(env), "--check")
    assert before.code == 1, before.err
    assert "  - gamma 0.3 h4616a5c_0" in before.out
    assert "  - beta 1.5 h4616a5c_0" in before.out  # no longer needed by anything
    assert "  ↑ alpha 2.0 h4616a5c_0 → 2.1 h4616a5c_1 (minor)" in before.out
    assert "  + epsilon 1.1" in before.out
    assert "  ↑ toyreq 1.0 → 1.1 (minor)" in before.out
    assert "  - oldpip 2.0" in before.out
    assert "delta" not in before.out

    result = cli("sync", "-f", str(v2), "-p", str(env))
    assert result.code == 0, result.err
    assert f"envtool: synced {env} (6 changes)" in result.err

    fresh = tmp_path / "fresh"
    assert cli("create", "-f", str(v2), "-p", str(fresh)).code == 0
    assert _records(env) == _records(fresh)
    assert _pip(env) == _pip(fresh) == {"toyreq": "1.1"}
    assert delta_file.stat().st_ino == inode  # untouched packages are not relinked
    assert not [p for p in env.parent.iterdir() if ".envtool-" in p.name]

    after = cli("sync", "-f", str(v2), "-p", str(env), "--check")
    assert after.code == 0, after.err
    assert after.out == ""
    assert f"{env} is in sync with {v2}" in after.err
    # the history block records what changed, and --from-history still reads it
    text = (env / "conda-meta" / "history").read_text()
    block = text.rsplit("==>", 1)[1]
    assert "-" + "" in block
    assert any(line.startswith("-") and "gamma-0.3" in line for line in block.splitlines())
    assert any(line.startswith("+") and "epsilon-1.1" in line for line in block.splitlines())
    exported = cli("export", "-p", str(env), "--from-history").out
    assert "epsilon" in exported
    assert "gamma" not in exported


def test_dry_run_and_json_change_nothing(
    conda_home: CondaHome, cli: Callable[..., Run], v1_v2: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, v2 = v1_v2
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    snapshot = _tree_hash(env)
    dry = cli("sync", "-f", str(v2), "-p", str(env), "--dry-run", "--json")
    assert dry.code == 0, dry.err
    doc = json.loads(dry.out)
    assert doc["plan_version"] == 1
    assert doc["applied"] is False
    assert doc["in_sync"] is False
    steps = {(s["section"], s["action"], s["name"]) for s in doc["steps"]}
    assert ("conda", "remove", "gamma") in steps
    assert ("pip", "remove", "oldpip") in steps
    alpha = next(s for s in doc["steps"] if s["name"] == "alpha")
    assert alpha["size"] == "minor"
    assert _tree_hash(env) == snapshot


def test_variant_change_is_refused_unless_allowed(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channel = build_channel(
        tmp_path / "gpu-channel",
        [
            Package("torchy", "2.0", "cuda12_0", depends=("__cuda >=12",), build_number=1),
            Package("torchy", "2.0", "cpu_0"),
        ],
    )
    file = write_env_file(
        tmp_path / "gpu.yml", ["torchy=2.0"], channels=[channel.as_uri(), "nodefaults"]
    )
    env = tmp_path / "gpu-env"
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    assert cli("create", "-f", str(file), "-p", str(env)).code == 0
    assert ("torchy", "2.0", "cuda12_0") in {r[:3] for r in _records(env)}
    assert cli("sync", "-f", str(file), "-p", str(env), "--check").code == 0

    monkeypatch.delenv("CONDA_OVERRIDE_CUDA")
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "")  # a machine without a GPU
    refused = cli("sync", "-f", str(file), "-p", str(env))
    assert refused.code == 2
    assert refused.err == (
        "envtool: error: the sync would change the variant of torchy (cuda → cpu); "
        "pass --allow-variant-change to allow it\n"
    )
    assert ("torchy", "2.0", "cuda12_0") in {r[:3] for r in _records(env)}
    allowed = cli("sync", "-f", str(file), "-p", str(env), "--allow-variant-change")
    assert allowed.code == 0, allowed.err
    assert "! torchy 2.0 cuda12_0 → 2.0 cpu_0 [variant cuda → cpu]" in allowed.out
    assert ("torchy", "2.0", "cpu_0") in {r[:3] for r in _records(env)}


def test_a_frozen_env_is_refused(
    conda_home: CondaHome, cli: Callable[..., Run], v1_v2: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, v2 = v1_v2
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    (env / "conda-meta" / "frozen").write_text("")
    snapshot = _tree_hash(env)
    refused = cli("sync", "-f", str(v2), "-p", str(env))
    assert refused.code == 2
    assert refused.err == (
        f"envtool: error: cannot change {env}: the environment is marked as frozen; "
        "use --override-frozen to change it anyway\n"
    )
    assert _tree_hash(env) == snapshot
    assert cli("sync", "-f", str(v2), "-p", str(env), "--override-frozen").code == 0


def test_a_sync_refuses_an_env_another_run_is_changing(
    conda_home: CondaHome, cli: Callable[..., Run], v1_v2: tuple[Path, Path], tmp_path: Path
) -> None:
    from envtool.envs.staging import TargetLock

    v1, v2 = v1_v2
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    snapshot = _tree_hash(env)
    with TargetLock(env):  # a create --on-exists replace, a remove or another sync under way
        refused = cli("sync", "-f", str(v2), "-p", str(env))
        assert refused.code == 2
        assert refused.err == (
            f"envtool: error: another envtool run (pid {os.getpid()}) is syncing {env}; "
            "wait for it to finish, then try again\n"
        )
        assert _tree_hash(env) == snapshot
        assert cli("sync", "-f", str(v2), "-p", str(env), "--dry-run").code == 0  # reads only
    assert cli("sync", "-f", str(v2), "-p", str(env)).code == 0
    assert not [p for p in env.parent.iterdir() if ".envtool-" in p.name]


def test_a_failed_pip_step_restores_the_old_env(
    conda_home: CondaHome, cli: Callable[..., Run], v1_v2: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, _ = v1_v2
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    snapshot = _tree_hash(env)
    bad = write_env_file(tmp_path / "bad.yml", [*PY, "alpha=2.1", "delta"], pip=["failme==1"])
    result = cli("sync", "-f", str(bad), "-p", str(env))
    assert result.code == 2
    assert _tree_hash(env) == snapshot
    assert not [p for p in env.parent.iterdir() if ".envtool-" in p.name]


def _start_sync(file: Path, env: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "envtool", "sync", "-f", str(file), "-p", str(env)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_pip(env: Path, proc: subprocess.Popen[str]) -> None:
    """Until the sync has swapped and its (slow) pip step runs."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if env.joinpath(*syncing.JOURNAL).is_file():
            time.sleep(0.3)
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the sync never reached its pip step")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_sync_leaves_or_restores_the_old_env(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    v1_v2: tuple[Path, Path],
    tmp_path: Path,
    sig: signal.Signals,
) -> None:
    v1, _ = v1_v2
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    snapshot = _tree_hash(env)
    slow = write_env_file(tmp_path / "slow.yml", [*PY, "alpha=2.1", "delta"], pip=["slowpkg==20"])
    proc = _start_sync(slow, env)
    _wait_for_pip(env, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert _tree_hash(env) == snapshot  # Ctrl-C: the old env exactly
    else:
        assert env.joinpath(*syncing.JOURNAL).is_file()  # killed: the journal is left
        registry = conda_home.home / ".conda" / "environments.txt"
        registry.parent.mkdir(exist_ok=True)
        registry.write_text(f"{env}\n")
        listed = cli("envs", "--no-size")
        assert f"envtool: warning: {env}: a sync was killed after the swap" in listed.err
        assert "the old env of an interrupted sync: run the sync again" in listed.err
        check = cli("sync", "-f", str(v1), "-p", str(env), "--check")
        assert check.code == 1, check.err  # --check repairs nothing, but says what it saw
        assert f"envtool: {env}: a sync was killed after the swap" in check.err
        repaired = cli("sync", "-f", str(v1), "-p", str(env))
        assert repaired.code == 0, repaired.err
        assert f"rolled back an interrupted sync of {env}" in repaired.err
        assert _tree_hash(env) == snapshot
    assert not [p for p in env.parent.iterdir() if ".envtool-" in p.name]


def test_a_sync_killed_before_the_swap_leaves_the_env_untouched(
    conda_home: CondaHome, cli: Callable[..., Run], v1_v2: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, v2 = v1_v2
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    snapshot = _tree_hash(env)
    proc = _start_sync(v2, env)
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".env.envtool-sync-*")):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.002)
    proc.kill()  # while the twin is being made or linked
    proc.communicate(timeout=30)
    assert _tree_hash(env) == snapshot
    if list(tmp_path.glob(".env.envtool-sync-*")):
        dry = cli("sync", "-f", str(v2), "-p", str(env), "--dry-run")
        assert "a sync was killed before it changed anything" in dry.err
    result = cli("sync", "-f", str(v2), "-p", str(env))
    assert result.code == 0, result.err
    assert not [p for p in tmp_path.iterdir() if ".envtool-" in p.name]


def test_sync_to_a_lock_installs_exactly_its_records(
    conda_home: CondaHome, cli: Callable[..., Run], v1_v2: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, v2 = v1_v2
    model = tmp_path / "model"
    assert cli("create", "-f", str(v2), "-p", str(model)).code == 0
    lock = tmp_path / "conda-lock.yml"
    assert cli("lock", "-p", str(model), "-o", str(lock)).code == 0
    env = tmp_path / "env"
    assert cli("create", "-f", str(v1), "-p", str(env)).code == 0
    assert cli("sync", str(lock), "-p", str(env), "--check").code == 1
    result = cli("sync", str(lock), "-p", str(env))
    assert result.code == 0, result.err
    assert _records(env) == _records(model)
    assert _pip(env) == _pip(model)
    assert cli("sync", str(lock), "-p", str(env), "--check").code == 0
    assert cli("diff", str(lock), f"prefix:{env}", "--exit-code").code == 0
