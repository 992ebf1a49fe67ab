"""The README's main job on a fresh machine: clone the committed demo env file, offline."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import OFFLINE, ROOT, CondaHome, records, run_envtool

DEMO = ROOT / "fixtures" / "demo"


def test_the_readme_command_works_in_a_copy_of_the_repo(
    conda_home: CondaHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONDA_CHANNELS")  # a fresh machine: nothing configured
    repo = tmp_path / "repo"
    shutil.copytree(DEMO, repo / "fixtures" / "demo")
    result = run_envtool("clone", "fixtures/demo/environment.yml", "-p", "./demo-env", cwd=repo)
    assert result.code == 0, result.err
    env = repo / "demo-env"
    assert result.err == f"envtool: created {env} (2 packages)\n"
    if sys.platform != "win32":
        hello = subprocess.run(
            [str(env / "bin" / "demo-hello")], capture_output=True, text=True, check=True
        )
        assert hello.stdout == "Hello again, from envtool's demo channel\n"
    # No drift: relative ./channel, nodefaults, loose specs and the name all match the env.
    drift = run_envtool(
        "diff", "fixtures/demo/environment.yml", "prefix:./demo-env", "--exit-code", cwd=repo
    )
    assert drift.code == 0, drift.out + drift.err
    channel = (repo / "fixtures" / "demo" / "channel").as_uri()
    conda = run_envtool(
        "export",
        "-p",
        "./demo-env",
        "--rename",
        "demo",
        "--conda-compat",
        "--no-keep-prefix",
        cwd=repo,
    )
    assert conda.out == (
        f"name: demo\nchannels:\n  - {channel}\n  - defaults\ndependencies:\n"
        "  - demo-hello=1.0=h0_0\n  - demo-words=1.1=h0_0\n"
    )
    # envtool's own export recreates the env with only the demo channel reachable
    exported = run_envtool("export", "-p", "./demo-env", "--rename", "demo", cwd=repo)
    assert exported.out == (
        f"name: demo\nchannels:\n  - {channel}\n  - nodefaults\ndependencies:\n"
        "  - demo-hello=1.0=h0_0\n  - demo-words=1.1=h0_0\n"
    )
    (repo / "e.yml").write_text(exported.out)
    again = run_envtool("create", "-f", "e.yml", "-p", "./again", cwd=repo, env=OFFLINE)
    assert again.code == 0, again.err
    assert records(repo / "again") == records(env)
    # conda's export lists defaults, which cannot be reached here
    (repo / "c.yml").write_text(conda.out)
    fails = run_envtool("create", "-f", "c.yml", "-p", "./nope", cwd=repo, env=OFFLINE)
    assert fails.code == 2
    assert fails.err.startswith(
        "envtool: error: c.yml: cannot solve: cannot reach http://127.0.0.1:9/pkgs/main ("
    )
    assert fails.err.endswith("; offline?)\n") and "onnection refused" in fails.err
    assert not (repo / "nope").exists()


def test_the_committed_channel_is_what_the_script_builds(tmp_path: Path) -> None:
    out = tmp_path / "channel"
    proc = subprocess.run(
        [sys.executable, str(DEMO / "build_channel.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    built = sorted(line for line in proc.stdout.splitlines() if line)
    committed = sorted(
        str(p.relative_to(DEMO / "channel")) for p in (DEMO / "channel").rglob("*") if p.is_file()
    )
    assert built == committed
    _, mismatch, errors = filecmp.cmpfiles(out, DEMO / "channel", built, shallow=False)
    assert (mismatch, errors) == ([], [])
