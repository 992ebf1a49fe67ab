"""``--backend conda`` driving a real conda 26.7.1, end to end (the ``conda`` tier).

Export, create, clone and diff against a live env, and every way they fail — an unsatisfiable
file, a target that exists, an env that does not, Ctrl-C — with their exit codes and one-line
errors. The world (channels, condarc, envs) is tests/condakit.py's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from condakit import World
from conftest import Run
from test_conda_real import conda_export, dependencies, envtool_export_argv

pytestmark = pytest.mark.conda

NEW_FILE = """\
name: ignored-for-n
channels:
  - kit
dependencies:
  - gamma
  - pip:
      - toyreq==2.0
variables:
  X: "1"
"""


def conda(cli: Callable[..., Run], *args: str) -> Run:
    return cli("--backend", "conda", *args)


def ok(result: Run) -> Run:
    assert result.code == 0, result.err
    return result


def messages(err: str) -> str:
    """stderr without the ``envtool: <phase> ...`` lines that announce a phase still running
    after 2 s off a terminal (progress.py): how many depends on the machine's load."""
    return "".join(
        line
        for line in err.splitlines(keepends=True)
        if not (line.startswith("envtool: ") and line.endswith(" ...\n"))
    )


def one_error(result: Run, code: int = 2) -> str:
    """The single ``envtool: error: ...`` line a failure prints (and nothing else)."""
    assert result.code == code, (result.out, result.err)
    err = messages(result.err)
    assert err.count("\n") == 1 and err.startswith("envtool: error: "), result.err
    return err[len("envtool: error: ") : -1]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------- export


@pytest.mark.parametrize(("env", "args"), [("scen", ()), ("pfx", ("--json",))])
def test_export_through_conda_is_condas_bytes(
    in_world: World, cli: Callable[..., Run], env: str, args: tuple[str, ...]
) -> None:
    prefix = in_world.prefix(env)
    ours = ("--format", "json") if args else ()
    got = ok(cli(*envtool_export_argv(prefix, *ours, backend="conda"))).out
    assert got == conda_export(in_world, prefix, *args)


def test_export_from_history_through_conda(in_world: World, cli: Callable[..., Run]) -> None:
    argv = envtool_export_argv(in_world.prefix("scen"), "--from-history", backend="conda")
    got = ok(cli(*argv)).out
    assert dependencies(got) == {"alpha=2.0", "beta", "omega", "python", "pip", "gamma"}
    assert "variables:\n  FOO: bar\n  BAZ: '1'\n" in got and "pip:" not in got


# ------------------------------------------------------------------------- create and clone


def test_create_then_refuse_then_replace(
    in_world: World, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write(tmp_path / "environment.yml", NEW_FILE)
    made = ok(conda(cli, "create", "-f", str(file), "-n", "made"))
    prefix = in_world.envs_dir / "made"
    assert messages(made.err) == f"envtool: created {prefix} (5 packages, 1 pip line)\n"
    export = ok(cli("--backend", "native", "export", "-n", "made")).out
    assert dependencies(export) == {
        "alpha=2.0=h4616a5c_0",
        "beta=1.5=h4616a5c_0",
        "gamma=0.3=h4616a5c_0",
        "pip=24.0=h4616a5c_0",
        "python=3.11.0=h4616a5c_0",
    }
    assert "  - pip:\n      - toyreq==2.0\nvariables:\n  X: '1'\n" in export

    again = conda(cli, "create", "-f", str(file), "-n", "made")
    assert one_error(again) == (
        f"{prefix} already exists (an environment); use --on-exists replace to replace it"
    )

    write(file, NEW_FILE.replace("  - gamma\n", "  - delta\n"))
    replaced = ok(conda(cli, "create", "-f", str(file), "-n", "made", "--on-exists", "replace"))
    assert "replaced" in messages(replaced.err)
    names = {p.name.rsplit("-", 2)[0] for p in (prefix / "conda-meta").glob("*.json")}
    assert names == {"delta", "pip", "python"}


def test_clone_is_an_exact_copy(in_world: World, cli: Callable[..., Run]) -> None:
    source = in_world.prefix("scen")
    ok(conda(cli, "clone", "scen", "-n", "scen-copy"))
    copy = ok(cli("--backend", "native", "export", "-n", "scen-copy")).out
    original = ok(cli("--backend", "native", "export", "-n", "scen")).out
    assert copy == original.replace("name: scen\n", "name: scen-copy\n")
    assert "variables:\n  FOO: bar\n  BAZ: '1'\n" in copy
    assert source.is_dir()


def test_diff_against_a_live_env(in_world: World, cli: Callable[..., Run]) -> None:
    """The file conda created ``scen`` from, against ``scen`` after install and remove."""
    file = in_world.base / "files" / "scen.yml"
    result = conda(cli, "diff", str(file), "env:scen", "--exit-code", "--format", "json")
    assert result.code == 1, result.err
    changes = {(c["kind"], c["name"]) for c in json.loads(result.out)["changes"]}
    assert changes == {("added", "gamma"), ("removed", "delta")}


# ------------------------------------------------------------------------------- failures


def test_unsatisfiable_files_fail_in_one_line_and_leave_nothing(
    in_world: World, cli: Callable[..., Run], tmp_path: Path
) -> None:
    missing = write(tmp_path / "missing.yml", NEW_FILE.replace("gamma", "nosuchpkg"))
    assert one_error(conda(cli, "create", "-f", str(missing), "-n", "bad")) == (
        "conda env create failed (exit 1): PackagesNotFoundInChannelsError: "
        "not available from the current channels: nosuchpkg"
    )
    conflict = write(tmp_path / "conflict.yml", "dependencies:\n  - alpha=2.1\n  - gamma\n")
    error = one_error(conda(cli, "create", "-f", str(conflict), "-n", "bad"))
    assert error.startswith("conda env create failed (exit 1): UnsatisfiableError: ")
    assert "gamma -> alpha[version='<2.1']" in error
    assert not (in_world.envs_dir / "bad").exists()


def test_missing_envs_are_one_line(in_world: World, cli: Callable[..., Run]) -> None:
    searched = f"(searched {in_world.envs_dir}, {in_world.root / 'envs'}, "
    for args in (
        ("export", "-n", "nope"),
        ("clone", "nope", "-n", "other"),
        ("diff", "env:nope", "env:scen"),
    ):
        error = one_error(conda(cli, *args))
        assert error.startswith(f"environment 'nope' not found {searched}"), error
    error = one_error(conda(cli, "export", "-p", str(in_world.base / "nothing-here")))
    assert (
        error == f"no conda environment at {in_world.base / 'nothing-here'} (no conda-meta/history)"
    )
    assert not (in_world.envs_dir / "other").exists()


def test_ctrl_c_during_pip_exits_130_and_removes_the_env(in_world: World, tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it, while conda runs pip."""
    file = write(
        tmp_path / "slow.yml",
        "channels: [kit]\ndependencies:\n  - python\n  - pip\n  - pip:\n      - slowpkg==30\n",
    )
    prefix = in_world.envs_dir / "interrupted"
    argv = ["--backend", "conda", "create", "-f", str(file), "-n", "interrupted"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "envtool", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=in_world.full_environ(),
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not list((prefix / "conda-meta").glob("python-*.json")):  # linked: pip is next
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert messages(err).strip() == "envtool: interrupted"  # after click's blank line on ^C
    assert not prefix.exists()
