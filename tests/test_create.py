"""``envtool create -f FILE``: real solves and installs from a local channel, all or nothing."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from channelkit import Package, build_channel
from conftest import ROOT, CondaHome, Run, run_envtool, write_env_file

from envtool.envs import history, prefix


def _names(env: Path) -> list[str]:
    return sorted(p.stem for p in (env / "conda-meta").glob("*.json"))


def _snapshot(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` and its bytes (to prove nothing changed)."""
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _stray(*dirs: Path) -> list[str]:
    """Anything envtool may have left behind: staging dirs, pip requirement files."""
    return [p.name for d in dirs if d.is_dir() for p in d.iterdir() if "envtool-" in p.name]


def test_create_solves_installs_and_records_history(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(
        tmp_path / "env.yml",
        ["gamma", "delta=3.2.1", "epsilon"],
        name="c",
        variables={"FOO": "bar", "N": "1"},
    )
    result = cli("create", "-f", str(file))
    assert result.code == 0, result.err
    env = conda_home.envs / "c"  # the file's name, in the first writable envs dir
    assert result.err == f"envtool: created {env} (5 packages)\n"
    assert _names(env) == [
        "alpha-2.0-h4616a5c_0",  # gamma needs alpha <2.1; epsilon 1.1 needs alpha >=2
        "beta-1.5-h4616a5c_0",
        "delta-3.2.1-h4616a5c_0",
        "epsilon-1.1-h1_1",  # the higher build number
        "gamma-0.3-h4616a5c_0",
    ]
    assert (env / "share" / "gamma" / "VERSION").read_text() == "0.3\n"
    revisions = history.parse((env / "conda-meta" / "history").read_text())
    assert len(revisions) == 1 and revisions[0].cmd is not None
    assert revisions[0].cmd == f"envtool create -f {file}"
    assert history.requested_specs(revisions) == ("gamma", "delta=3.2.1", "epsilon")
    assert prefix.read_variables(env) == {"FOO": "bar", "N": "1"}
    assert _stray(conda_home.envs, tmp_path) == []


def test_round_trip_create_export_create_gives_identical_packages(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["gamma", "python=3.11", "epsilon=1.0"])
    assert cli("create", "-f", str(file), "-p", str(tmp_path / "one")).code == 0
    exported = tmp_path / "exported.yml"
    assert (
        cli("export", "-p", str(tmp_path / "one"), "-o", str(exported), "--rename", "x").code == 0
    )
    assert cli("create", "-f", str(exported), "-p", str(tmp_path / "two")).code == 0
    assert _names(tmp_path / "one") == _names(tmp_path / "two")
    assert cli("export", "-p", str(tmp_path / "two"), "--rename", "x").out == exported.read_text()


def test_pip_section_runs_the_envs_own_pip_from_the_files_directory(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    file = write_env_file(
        project / "environment.yml", ["python=3.11"], pip=["toyreq==1.2.3", "other==0.1"]
    )
    result = cli("create", "-f", str(file), "-n", "p")
    assert result.code == 0, result.err
    assert "(2 packages, 2 pip lines)" in result.err  # python needs pip
    site = conda_home.envs / "p" / "lib" / "python3.11" / "site-packages"
    cwd = (site / "toyreq-1.2.3.dist-info" / "envtool-test-cwd").read_text().strip()
    assert Path(cwd) == project
    assert (site / "other-0.1.dist-info" / "METADATA").is_file()
    assert _stray(project) == []  # the requirements file is gone


def test_pip_section_without_python_fails_before_installing(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["alpha"], pip=["toyreq==1.0"])
    result = cli("create", "-f", str(file), "-n", "nopy")
    assert result.code == 2
    assert "the pip section needs python" in result.err
    assert not (conda_home.envs / "nopy").exists()


def test_every_unsatisfiable_spec_is_listed_at_once_and_nothing_is_left(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(
        tmp_path / "env.yml", ["alpha=9.9", "nosuchpkg", "beta", "broken"], name="bad"
    )
    result = cli("create", "-f", str(file))
    assert result.code == 2
    err = result.err.strip()
    assert "\n" not in err
    assert err.startswith(f"envtool: error: {file}: 3 specs cannot be satisfied: ")
    assert "alpha=9.9 (available: 1.0, 2.0, 2.1)" in err
    assert "nosuchpkg (no package named 'nosuchpkg' in the channels)" in err
    assert "broken (its dependencies cannot be satisfied)" in err
    assert "beta" not in err.split("satisfied: ", 1)[1].replace("(", " ").split()[0:1]
    assert not (conda_home.envs / "bad").exists()
    assert _stray(conda_home.envs, tmp_path) == []


def test_conflicting_specs_are_reported_as_a_conflict(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["gamma", "alpha=2.1"])
    result = cli("create", "-f", str(file), "-n", "conflict")
    assert result.code == 2
    assert ": the specs conflict: " in result.err
    assert not (conda_home.envs / "conflict").exists()


def test_a_missing_package_file_leaves_nothing_behind(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    chan = build_channel(
        tmp_path / "chan",
        [Package("lonely-dep", "1.0"), Package("lonely", "1.0", depends=("lonely-dep",))],
    )
    (chan / "noarch" / "lonely-1.0-h4616a5c_0.tar.bz2").unlink()
    file = write_env_file(tmp_path / "env.yml", ["lonely"], channels=[chan.as_uri(), "nodefaults"])
    target = tmp_path / "deep" / "er" / "env"
    result = cli("create", "-f", str(file), "-p", str(target))
    assert result.code == 2
    assert result.err.startswith(f"envtool: error: {file}: cannot install: ")
    assert result.err.count("\n") == 1
    assert not (tmp_path / "deep").exists()  # the parent dirs it made are gone too
    assert _stray(tmp_path) == []


def test_an_existing_env_is_never_modified_without_on_exists_replace(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    make_env: Callable[..., Path],
    tmp_path: Path,
) -> None:
    env = make_env(["alpha=1.0"], name="keep")
    before = _snapshot(env)
    file = write_env_file(tmp_path / "env.yml", ["delta"], name="keep")
    result = cli("create", "-f", str(file))
    assert result.code == 2
    assert "already exists (an environment); use --on-exists replace" in result.err
    assert _snapshot(env) == before
    # a failed replace (unsatisfiable, or pip failing after the swap) keeps the old env too
    bad = write_env_file(tmp_path / "bad.yml", ["nosuchpkg"], name="keep")
    assert cli("create", "-f", str(bad), "--on-exists", "replace").code == 2
    assert _snapshot(env) == before
    pipfail = write_env_file(
        tmp_path / "pipfail.yml", ["python=3.11"], name="keep", pip=["failme==1.0"]
    )
    result = cli("create", "-f", str(pipfail), "--on-exists", "replace")
    assert result.code == 2
    assert "No matching distribution found for failme==1.0" in result.err
    assert _snapshot(env) == before
    assert _stray(conda_home.envs, tmp_path) == []
    # and a successful one replaces it
    result = cli("create", "-f", str(file), "--on-exists", "replace")
    assert result.code == 0, result.err
    assert result.err == f"envtool: replaced {env} (1 packages)\n"
    assert _names(env) == ["delta-3.2.1-h4616a5c_0"]
    assert _stray(conda_home.envs) == []


def test_a_directory_that_is_not_an_env_is_never_replaced(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    target = tmp_path / "data"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    file = write_env_file(tmp_path / "env.yml", ["alpha"])
    for extra in ([], ["--on-exists", "replace"]):
        result = cli("create", "-f", str(file), "-p", str(target), *extra)
        assert result.code == 2
    assert "is not a conda environment; not replacing it" in result.err
    assert (target / "precious.txt").read_text() == "keep me"


def test_dry_run_lists_packages_and_changes_nothing(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["beta"], pip=[])
    result = cli("create", "-f", str(file), "-n", "dry", "--dry-run")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"# would create {conda_home.envs / 'dry'} (2 packages)"
    assert [line.split()[0] for line in lines[1:]] == ["alpha", "beta"]
    assert not (conda_home.envs / "dry").exists()


def test_input_errors(conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path) -> None:
    nameless = write_env_file(tmp_path / "env.yml", ["alpha"])
    result = cli("create", "-f", str(nameless))
    assert result.code == 2 and "has no name: give the new environment -n NAME" in result.err
    nodeps = tmp_path / "nodeps.yml"
    nodeps.write_text("name: x\nchannels: [a]\n")
    assert "no 'dependencies' list" in cli("create", "-f", str(nodeps)).err
    unknown = tmp_path / "unknown.yml"
    unknown.write_text("name: u\nfoo: bar\ndependencies:\n  - alpha\n")
    result = cli("create", "-f", str(unknown))
    assert result.code == 0
    assert f"envtool: warning: {unknown}:2: unknown key 'foo' ignored" in result.err
    assert cli("create", "-f", str(nameless), "-n", "a/b").code == 2
    assert "invalid environment name" in cli("create", "-f", str(nameless), "-n", "a b").err
    assert cli("create", "-f", str(tmp_path / "missing.yml"), "-n", "m").code == 2


def test_relative_channel_paths_resolve_against_the_files_directory(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    build_channel(project / "chan", [Package("local-only", "0.1")])
    file = write_env_file(
        project / "sub" / "env.yml", ["local-only"], channels=["../chan", "nodefaults"]
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_envtool("create", "-f", str(file), "-n", "rel", cwd=elsewhere)
    assert result.code == 0, result.err
    assert _names(conda_home.envs / "rel") == ["local-only-0.1-h4616a5c_0"]


def test_progress_is_silent_in_pipes(conda_home: CondaHome, tmp_path: Path) -> None:
    file = write_env_file(tmp_path / "env.yml", ["beta"])
    result = run_envtool("create", "-f", str(file), "-p", str(tmp_path / "e"))
    assert result.code == 0
    assert "\r" not in result.err and "\x1b" not in result.err
    quiet = run_envtool("-q", "create", "-f", str(file), "-p", str(tmp_path / "q"))
    assert quiet.code == 0 and quiet.err == ""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_mid_create_removes_what_it_made(conda_home: CondaHome, tmp_path: Path) -> None:
    """SIGINT while the pip section runs (in the staged env, its history already written):
    exit 130, no env, no staging dir."""
    file = write_env_file(tmp_path / "env.yml", ["python=3.11"], pip=["slowpkg==30"])
    target = tmp_path / "envs" / "slow"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "envtool", "create", "-f", str(file), "-p", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 20

    def staged() -> list[Path]:
        return list(target.parent.glob(".slow.envtool-new-*/conda-meta/history"))

    while not staged() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert staged(), "the pip step never started in the staged env"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "envtool: interrupted"
    assert not target.exists()
    assert not (tmp_path / "envs").exists()
    assert _stray(tmp_path) == []
    shutil.rmtree(tmp_path / "envs", ignore_errors=True)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_mid_install_removes_what_it_made(conda_home: CondaHome, tmp_path: Path) -> None:
    """SIGINT while py-rattler downloads a package (served by a stalling local HTTP server)."""
    import functools
    import http.server
    import threading

    chan = build_channel(tmp_path / "chan", [Package("slowdl", "1.0")])
    release = threading.Event()

    class Stalling(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.endswith(".tar.bz2"):
                release.wait(30)
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Stalling, directory=str(chan))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        file = write_env_file(tmp_path / "env.yml", ["slowdl"], channels=[url, "nodefaults"])
        envs = tmp_path / "envs"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_PROXY": "*", "no_proxy": "*"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "envtool", "create", "-f", str(file), "-p", str(envs / "x")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 20
        while not _stray(envs) and time.monotonic() < deadline:  # the staging dir: installing
            time.sleep(0.02)
        assert _stray(envs), "the install never started"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "envtool: interrupted"
    assert not envs.exists()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_counts_packages_and_clears_its_line(
    conda_home: CondaHome, tmp_path: Path
) -> None:
    from envtool.backends.native import NativeBackend
    from envtool.commands.create import create
    from envtool.files.envfile import parse
    from envtool.progress import TerminalProgress, for_console
    from envtool.ui import Console

    assert isinstance(for_console(Console(err=_Tty())), TerminalProgress)
    assert not isinstance(for_console(Console(err=_Tty(), quiet=True)), TerminalProgress)
    assert not isinstance(for_console(Console(err=io.StringIO())), TerminalProgress)
    tty = _Tty()
    env = parse(f"channels: [{conda_home.channel_url}]\ndependencies: [gamma]\n", "env.yml")
    backend = NativeBackend()
    result = create(
        backend,
        env,
        backend.new_location(prefix=str(tmp_path / "e")),
        tmp_path,
        on_exists="fail",
        dry_run=False,
        console=Console(err=tty),
        command="envtool create -f env.yml",
    )
    assert len(result.packages) == 3
    drawn = tty.getvalue()
    assert "solving 1 spec ..." in drawn
    assert "installing 3 packages" in drawn
    assert "3/3  linked " in drawn
    assert drawn.endswith("\r\x1b[2K")  # the line is cleared at the end
