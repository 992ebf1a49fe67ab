"""Kills mid-create and mid-clone, through real processes (``python -m envtool``).

Each test starts envtool, waits for a point (the solve running, the staging dir appearing,
packages being linked, pip running), sends SIGINT or SIGKILL and checks what is left:

- SIGINT: exit 130, nothing at the target, no staging dir, no temp file anywhere;
- SIGKILL: nothing at the target (an env is in place only when complete), the pip child dead,
  and the next run of the same command succeeds, saying that it removed the dead staging dir;
- a clone's source env is byte-identical afterwards.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from channelkit import Package, build_channel
from conftest import ROOT, CondaHome, Run, write_env_file

Point = Callable[[Path, subprocess.Popen[str]], bool]


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        h.update(f"{path.relative_to(root).as_posix()}\0{st.st_mode}\0".encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "envtool", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def _rerun(args: list[str], env: dict[str, str]) -> Run:
    proc = _start(args, env)
    out, err = proc.communicate(timeout=120)
    return Run(proc.returncode, out, err)


def _staged(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.envtool-new-*"))


def _debris(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if ".envtool-" in p.name)


# ------------------------------------------------------------------------------- kill points


def solving(target: Path, proc: subprocess.Popen[str]) -> bool:
    """Threads have started (the solver's runtime) and no staging dir exists yet."""
    try:
        threads = len(os.listdir(f"/proc/{proc.pid}/task"))
    except OSError:
        return False
    return threads > 1 and not _staged(target)


def staging(target: Path, proc: subprocess.Popen[str]) -> bool:
    """The staging dir beside the target exists (linking is about to start)."""
    return bool(_staged(target))


def linking(target: Path, proc: subprocess.Popen[str]) -> bool:
    """Files of packages are in the staging dir."""
    return any((d / "share").is_dir() or (d / "conda-meta").is_dir() for d in _staged(target))


def pip_running(target: Path, proc: subprocess.Popen[str]) -> bool:
    """The staged env's python runs pip (the fake pip sleeps for slowpkg==N)."""
    return bool(_pip_children(target))


def _pip_children(target: Path) -> list[int]:
    found = []
    for d in _staged(target):
        needle = f"{d}/bin/python".encode()
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if needle in cmdline:
                found.append(int(pid))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _kill_at(
    args: list[str], env: dict[str, str], target: Path, point: Point, sig: signal.Signals
) -> tuple[subprocess.Popen[str], str, float, list[int]]:
    proc = _start(args, env)
    started = time.monotonic()
    while not point(target, proc):
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError(f"finished before the point: {proc.returncode} {err}")
        assert time.monotonic() - started < 60, "the point was never reached"
        time.sleep(0.002)
    at = time.monotonic() - started
    children = _pip_children(target)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc, err, at, children


def _check_after(
    proc: subprocess.Popen[str],
    err: str,
    sig: signal.Signals,
    target: Path,
    children: list[int],
    rerun: Callable[[], Run],
    *,
    staged: bool,
) -> None:
    deadline = time.monotonic() + 1  # well before the fake pip's sleep would end
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in children if _alive(pid)], "the pip child outlived envtool"
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert err.strip().splitlines()[-1] == "envtool: interrupted", err
        assert "Traceback" not in err
        assert not os.path.lexists(target)
        left = {p.name: sorted(str(f) for f in p.rglob("*"))[:5] for p in _staged(target)}
        assert _debris(target) == [], (left, err)
        return
    assert proc.returncode == -signal.SIGKILL
    assert not os.path.lexists(target)  # an env is in place only when complete
    left = _staged(target)
    assert left or not staged, "a staging dir was expected to be left by SIGKILL"
    again = rerun()
    assert again.code == 0, again.err
    for dead in left:
        assert f"removed {dead}, left by an interrupted create or clone" in again.err
    assert (target / "conda-meta" / "history").is_file()
    assert _debris(target) == []


# --------------------------------------------------------------------------------------- create


CREATE_POINTS = {"solve": solving, "staging": staging, "link": linking, "pip": pip_running}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["INT", "KILL"])
@pytest.mark.parametrize("where", list(CREATE_POINTS))
def test_a_killed_create(
    conda_home: CondaHome, tmp_path: Path, where: str, sig: signal.Signals
) -> None:
    project = tmp_path / "project"
    file = write_env_file(
        project / "environment.yml",
        ["python=3.11", "pip", "gamma", "delta", "epsilon"],
        pip=["toyreq==1.0", f"slowpkg=={4 if where == 'pip' else 1}"],
    )
    before = sorted(os.listdir(project))
    temp = tmp_path / "tmp"
    temp.mkdir()
    target = conda_home.envs / "made"
    args = ["create", "-f", str(file), "-n", "made"]
    env = {"TMPDIR": str(temp)}
    proc, err, _, children = _kill_at(args, env, target, CREATE_POINTS[where], sig)
    if where == "pip":
        assert children, "no pip child seen"
    rerun = lambda: _rerun(args, env)  # noqa: E731
    _check_after(proc, err, sig, target, children, rerun, staged=where != "solve")
    assert sorted(os.listdir(project)) == before  # no temp file beside the user's file
    if sig == signal.SIGINT:
        assert os.listdir(temp) == []
    else:
        site = target / "lib" / "python3.11" / "site-packages"
        assert (site / "toyreq-1.0.dist-info").is_dir()  # the rerun made a complete env


# ---------------------------------------------------------------------------------------- clone


CLONE_POINTS = {"staging": staging, "link": linking}


@pytest.fixture(scope="module")
def bulky_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The standard channel and a package of 5,000 files: a clone from a warm cache links
    plain files in milliseconds, and the kill points must fall while it is still linking."""
    from channelkit import standard_packages

    files = {f"share/bulky/d{i // 100:02d}/f{i:04d}.txt": b"%d\n" % i for i in range(5000)}
    bulky = Package("bulky", "1.0", files=files)
    return build_channel(tmp_path_factory.mktemp("bulky"), [*standard_packages(), bulky])


@pytest.mark.parametrize("cache", ["warm", "cold"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["INT", "KILL"])
@pytest.mark.parametrize("where", list(CLONE_POINTS))
def test_a_killed_clone(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    tmp_path: Path,
    where: str,
    sig: signal.Signals,
    cache: str,
    bulky_channel: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONDA_CHANNELS", bulky_channel.as_uri())
    file = write_env_file(
        tmp_path / "src.yml",
        ["python=3.11", "pip", "gamma", "delta", "bulky"],
        pip=["toyreq==1.0"],
    )
    source = tmp_path / "source"
    made = cli("create", "-f", str(file), "-p", str(source))
    assert made.code == 0, made.err
    snapshot = _tree_hash(source)
    target = tmp_path / "copy"
    args = ["clone", str(source), "-p", str(target)]
    env = {"CONDA_PKGS_DIRS": str(tmp_path / "cold-pkgs")} if cache == "cold" else {}
    proc, err, _, children = _kill_at(args, env, target, CLONE_POINTS[where], sig)
    _check_after(proc, err, sig, target, children, lambda: _rerun(args, env), staged=True)
    assert _tree_hash(source) == snapshot


# ------------------------------------------------------------------------- two runs, one target


def test_two_creates_of_one_target_one_wins(conda_home: CondaHome, tmp_path: Path) -> None:
    file = write_env_file(
        tmp_path / "environment.yml", ["python=3.11", "pip", "delta"], pip=["slowpkg==2"]
    )
    target = conda_home.envs / "race"
    args = ["create", "-f", str(file), "-n", "race"]
    first = _start(args, {})
    deadline = time.monotonic() + 60
    while not _staged(target):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.005)
    second = _rerun(args, {})
    assert second.code == 2
    assert second.err == (
        f"envtool: error: another envtool run (pid {first.pid}) is creating {target}; "
        "wait for it to finish, then try again\n"
    )
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert _debris(target) == []


def test_two_creates_started_together(conda_home: CondaHome, tmp_path: Path) -> None:
    file = write_env_file(tmp_path / "environment.yml", ["python=3.11", "pip", "gamma"])
    target = conda_home.envs / "both"
    args = ["create", "-f", str(file), "-n", "both"]
    procs = [_start(args, {}), _start(args, {})]
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert loser.count("\n") == 1 and loser.startswith("envtool: error: "), loser
    assert "Errno" not in loser and ".envtool-new-" not in loser
    assert _debris(target) == []


def test_a_target_made_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    from envtool.envs.staging import StagedPrefix
    from envtool.errors import BackendError

    target = tmp_path / "env"
    (target / "conda-meta").mkdir(parents=True)  # made by another run after the target check
    with pytest.raises(BackendError) as caught, StagedPrefix(target):
        pass
    assert str(caught.value) == f"{target} was created by another run meanwhile; not replacing it"
    assert _debris(target) == []


# ------------------------------------------------------------------------------------- messages


def test_a_regular_file_at_the_target_is_not_a_directory(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "environment.yml", ["delta"])
    target = tmp_path / "afile"
    target.write_text("mine\n")
    for args in (["create", "-f", str(file)], ["clone", str(file)]):
        result = cli(*args, "-p", str(target))
        assert result.code == 2
        assert result.err == (
            f"envtool: error: {target} exists and is not a directory; not replacing it\n"
        )
    assert target.read_text() == "mine\n"


def test_engine_errors_keep_their_os_cause() -> None:
    from envtool.backends.engine import with_cause

    rattler_text = (
        "failed to link bulk31-1.0-h4616a5c_0.tar.bz2\n"
        "Caused by: failed to link 'share/bulk/blob'\n"
        "Caused by: failed to copy file to destination\n"
        "Caused by: failed to copy file from /pkgs/bulk31/share/bulk/blob to /env/share/bulk/"
        f"blob: No space left on device (os error {errno.ENOSPC})"
    )
    assert with_cause(RuntimeError(rattler_text)) == (
        "failed to link bulk31-1.0-h4616a5c_0.tar.bz2: no space left on device"
    )
    assert with_cause(RuntimeError("solve failed\nCaused by: connection refused")) == (
        "solve failed: connection refused"
    )
    assert with_cause(RuntimeError("one line")) == "one line"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (needs root; skipped where it cannot be mounted)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_says_no_space_left(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path, tiny_disk: Path
) -> None:
    blob = hashlib.sha256(b"x").digest() * 70_000  # 2.2 MB that does not fit in 1 MB
    channel = build_channel(
        tmp_path / "bulk-channel", [Package("bulk31", "1.0", files={"share/bulk/blob": blob})]
    )
    file = write_env_file(
        tmp_path / "environment.yml", ["bulk31"], channels=[channel.as_uri(), "nodefaults"]
    )
    target = tiny_disk / "env"
    result = cli("create", "-f", str(file), "-p", str(target))
    assert result.code == 2
    assert result.err == (
        f"envtool: error: {file}: cannot install: failed to link bulk31-1.0-h4616a5c_0.tar.bz2: "
        "no space left on device\n"
    )
    assert os.listdir(tiny_disk) == []


def test_what_a_killed_replace_left_is_put_back(tmp_path: Path) -> None:
    """Killed between moving the old env aside and moving the new one in: the next run puts
    the old env back and removes the dead staging dir before it starts."""
    from envtool.envs.staging import StagedPrefix

    target = tmp_path / "env"
    old = tmp_path / ".env.envtool-old-0badc0de"
    dead = tmp_path / ".env.envtool-new-0badc0de"
    (old / "conda-meta").mkdir(parents=True)
    (old / "conda-meta" / "history").write_text("the old env\n")
    (dead / "conda-meta").mkdir(parents=True)
    (tmp_path / ".env.envtool-lock").write_text("12345\n")  # its holder is gone
    with StagedPrefix(target, replace=True) as stage:
        assert stage.cleaned == [
            f"put back {target}, moved aside by an interrupted envtool run that replaced it",
            f"removed {dead}, left by an interrupted create or clone",
        ]
        assert (target / "conda-meta" / "history").read_text() == "the old env\n"
    assert (target / "conda-meta" / "history").read_text() == "the old env\n"
    assert _debris(target) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["INT", "KILL"])
def test_a_killed_replace_leaves_the_old_env(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path, sig: signal.Signals
) -> None:
    target = tmp_path / "env"
    old = write_env_file(tmp_path / "old.yml", ["python=3.11", "pip", "delta"])
    assert cli("create", "-f", str(old), "-p", str(target)).code == 0
    snapshot = _tree_hash(target)
    new = write_env_file(tmp_path / "new.yml", ["python=3.11", "pip"], pip=["slowpkg==3"])
    args = ["create", "-f", str(new), "-p", str(target), "--on-exists", "replace"]
    proc, err, _, children = _kill_at(args, {}, target, pip_running, sig)
    assert children
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), err
    assert _tree_hash(target) == snapshot  # untouched until the new env is complete
    left = _staged(target)
    again = _rerun(args, {})
    assert again.code == 0, again.err
    for dead in left:
        assert f"removed {dead}, left by an interrupted create or clone" in again.err
    assert (target / "lib" / "python3.11" / "site-packages" / "slowpkg-3.dist-info").is_dir()
    assert _debris(target) == []
