"""The CLI shell: entry points, --version, usage errors and the exit-code map (DESIGN §6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, CondaHome, run_envtool, write_env_file

import envtool.__main__ as entry_module
from envtool import __version__
from envtool.errors import EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED


def test_version_fast_path_and_python_m() -> None:
    result = run_envtool("--version")
    assert (result.code, result.out) == (0, f"envtool {__version__}\n")


def test_version_through_click_matches(cli) -> None:
    result = cli("-q", "--version")
    assert (result.code, result.out) == (0, f"envtool {__version__}\n")


def test_version_after_the_command_name_too(cli) -> None:
    result = cli("export", "--version")
    assert (result.code, result.out, result.err) == (0, f"envtool {__version__}\n", "")


def test_help_lists_commands(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("rename", "prune", "diff", "check"):
        assert command in result.out


@pytest.mark.parametrize(
    "args",
    [
        ("no-such-command",),
        ("rename",),
        ("rename", "a.yml", "b", "--bogus"),
        ("--backend", "pip", "check", "x"),
    ],
)
def test_usage_errors_exit_2_with_one_error_line(cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == EXIT_ERROR
    assert result.err.startswith("envtool: error: ")
    assert "Traceback" not in result.err


def test_internal_error_is_exit_3_with_hint(monkeypatch: pytest.MonkeyPatch, cli, tmp_path) -> None:
    from envtool.commands import rename

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(rename, "run", boom)
    result = cli("rename", "x.yml", "y")
    assert result.code == EXIT_BUG
    assert (
        result.err
        == "envtool: internal error: RuntimeError: kaboom (re-run with -v for the traceback)\n"
    )
    verbose = cli("-v", "rename", "x.yml", "y")
    assert verbose.code == EXIT_BUG and "Traceback" in verbose.err


def test_keyboard_interrupt_is_exit_130(monkeypatch: pytest.MonkeyPatch, cli) -> None:
    from envtool.commands import rename

    def interrupted(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(rename, "run", interrupted)
    assert cli("rename", "x.yml", "y").code == 130


def test_process_exit_skips_finalization_once_rattler_ran(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """py-rattler's native threads can crash interpreter teardown (exit 139 after success)."""
    import envtool.__main__ as entry

    exits: list[int] = []
    monkeypatch.setattr(entry.os, "_exit", exits.append)
    monkeypatch.setitem(__import__("sys").modules, "rattler", object())
    f = tmp_path / "env.yml"
    f.write_text("name: a\ndependencies: []\n")
    monkeypatch.setattr(
        "sys.argv", ["envtool", "rename", str(f), "b", "-o", str(tmp_path / "o.yml")]
    )
    assert entry.main() == 0 and exits == [0]
    assert entry.main(["rename", str(f), "b", "-o", str(tmp_path / "o.yml")]) == 0
    assert exits == [0], "in-process callers (tests) are never os._exit'ed"


def test_verbosity_options_work_after_the_command_name(cli, tmp_path) -> None:
    f = tmp_path / "env.yml"
    f.write_text("name: a\ndependencies:\n  - numpy=1.0=h0_0\nprefix: /p\n")
    assert cli("check", str(f), "-q").err == ""
    assert "envtool: 2 findings" in cli("check", str(f)).err
    result = cli("rename", str(f), "b", "-v", "--bogus")
    assert result.code == 2
    assert result.err.count("\n") == 1 and "(see 'envtool rename --help')" in result.err


def test_bare_envtool_prints_the_help_on_stdout_exit_0(cli) -> None:
    """As bare ``conda`` is ``conda --help``: no "error", no hint glued to the last line."""
    result = cli()
    assert (result.code, result.err) == (0, "")
    assert result.out == cli("--help").out
    assert result.out.startswith("Usage: envtool [OPTIONS] COMMAND [ARGS]...\n")


def _entry(module: str, on_import: str, *args: str | Path) -> list[str]:
    """The argv of a process that runs envtool's console entry point (``main()``) with
    ``args``, and runs the statements ``on_import`` once, when ``module``'s import starts (an
    audit hook): a point inside envtool's start-up, not in this test's own wrapper code."""
    script = (
        "import sys\n"
        "said = []\n"
        "def hook(event, args):\n"
        f"    if event == 'import' and args[0] == {module!r} and not said:\n"
        "        said.append(1)\n"
        f"{textwrap.indent(on_import.strip(), '        ')}\n"
        "sys.addaudithook(hook)\n"
        "from envtool.__main__ import main\n"
        "sys.exit(main())\n"
    )
    return [sys.executable, "-c", script, *map(str, args)]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
@pytest.mark.parametrize("delay", [0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.15])
def test_ctrl_c_while_importing_is_exit_130_without_traceback(delay: float, tmp_path: Path) -> None:
    """SIGINT from the moment the entry point starts importing the CLI until the command runs
    (here: waiting on stdin): the imports of click and of envtool's modules included. The
    console script calls the same ``main``; "ready" is said when ``envtool.cli``'s import
    starts (an audit hook), so the signal never lands in this test's own wrapper code."""
    f = tmp_path / "env.yml"
    f.write_text("dependencies: []\n")
    proc = subprocess.Popen(
        _entry("envtool.cli", "sys.stderr.write('ready\\n'); sys.stderr.flush()\n", "diff", "-", f),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stderr is not None
    assert proc.stderr.readline() == "ready\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err.strip()) == (EXIT_INTERRUPTED, "envtool: interrupted"), err
    assert entry_module.INTERRUPTED == EXIT_INTERRUPTED  # __main__ spells it without imports


SWALLOWERS = {
    # What Python does with a KeyboardInterrupt raised where it can't propagate: it prints
    # "Exception ignored in ..." and goes on. A Ctrl-C lands in importlib's module-lock weakref
    # callback now and then (seen in CI); these raise one in such places on purpose.
    "__del__": """
class Doomed:
    def __del__(self): raise KeyboardInterrupt
Doomed()
""",
    "weakref callback": """
import weakref
class Doomed: pass
def cb(ref): raise KeyboardInterrupt
doomed = Doomed(); ref = weakref.ref(doomed, cb); del doomed
""",
}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
@pytest.mark.parametrize("where", SWALLOWERS)
@pytest.mark.parametrize("module", ["envtool.cli", "envtool.commands.diff"])
def test_a_ctrl_c_python_swallows_still_stops_envtool(
    where: str, module: str, tmp_path: Path
) -> None:
    """A Ctrl-C swallowed in a ``__del__`` or a weakref callback, while the CLI imports or once
    the command has started, is delivered again: exit 130, one line, no "Exception ignored"
    traceback, and the command (here: reading stdin, closed at once) does not run on."""
    f = tmp_path / "env.yml"
    f.write_text("dependencies: []\n")
    proc = subprocess.run(
        _entry(module, SWALLOWERS[where], "diff", "-", f),
        stdin=subprocess.DEVNULL,  # a command that ran on would fail on the empty input
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    # (a blank line first when click was running the command: it ends the terminal's "^C")
    assert (proc.returncode, proc.stderr.strip()) == (EXIT_INTERRUPTED, "envtool: interrupted")


@pytest.mark.parametrize("where", ["before", "after"])
def test_backend_before_or_after_the_command_name(
    cli, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVTOOL_BACKEND", "bogus")  # --backend wins over the environment
    monkeypatch.delenv("CONDA_EXE", raising=False)
    args = ["export", "-p", "/nonexistent/env"]
    args = ["--backend", "native", *args] if where == "before" else [*args, "--backend", "native"]
    result = cli(*args)
    assert result.code == EXIT_ERROR
    assert result.err.startswith("envtool: error: ") and "/nonexistent/env" in result.err
    assert "ENVTOOL_BACKEND" not in result.err and "No such option" not in result.err


def test_a_bad_envtool_backend_blames_the_variable(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTOOL_BACKEND", "bogus")
    result = cli("export", "-n", "x")
    assert (result.code, result.out) == (EXIT_ERROR, "")
    assert result.err == (
        "envtool: error: ENVTOOL_BACKEND='bogus' is not a backend "
        "(choose auto, native, conda, mamba, micromamba)\n"
    )
    assert "--backend" not in result.err
    assert cli("--backend", "pip", "export").err.startswith(
        "envtool: error: Invalid value for '--backend': 'pip' is not one of"
    )


LONG = "a" * 300
BAD_NAMES = {
    "newline": ("a\nb", "'a\\nb'"),
    "escape": ("a\x1b[31mb", "'a\\x1b[31mb'"),
    "C1 NEL": ("a\x85b", "'a\\x85b'"),
    "line separator": ("a\u2028b", "'a\\u2028b'"),
    "paragraph separator": ("a\u2029b", "'a\\u2029b'"),
    "right-to-left override": ("a\u202eb", "'a\\u202eb'"),
    "isolate": ("a\u2066b", "'a\\u2066b'"),
}


@pytest.mark.parametrize("kind", sorted(BAD_NAMES))
def test_names_with_invisible_characters_are_refused_and_shown_escaped(
    conda_home: CondaHome, cli, tmp_path: Path, kind: str
) -> None:
    name, shown = BAD_NAMES[kind]
    file = write_env_file(tmp_path / "env.yml", ["alpha"])
    for args in (
        ("create", "-f", str(file), "-n", name),
        ("clone", str(file), "-n", name),
        ("export", "-n", name),
        ("rename", str(file), name),
    ):
        result = cli(*args)
        assert result.code == EXIT_ERROR, (args, result)
        assert result.err == (
            f"envtool: error: invalid environment name {shown}: names must not contain "
            "control, line-separator or bidirectional-override characters\n"
        ), args
    assert list(conda_home.envs.iterdir()) == []


def test_a_300_character_name_is_one_line_exit_2_everywhere(
    conda_home: CondaHome, cli, tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["alpha"])
    named = write_env_file(tmp_path / "named.yml", ["alpha"], name=LONG)
    for args in (
        ("export", "-n", LONG),
        ("create", "-f", str(file), "-n", LONG),
        ("create", "-f", str(named)),
        ("clone", str(file), "-n", LONG),
        ("clone", LONG, "-n", "x"),
        ("diff", f"env:{LONG}", str(file)),
        ("export", "-p", str(tmp_path / "none"), "--rename", LONG),
        ("remove", "-n", LONG),
        ("sync", "-f", str(file), "-n", LONG),
    ):
        result = cli(*args)
        assert result.code == EXIT_ERROR, (args, result)
        assert result.err == (
            f"envtool: error: invalid environment name '{'a' * 60}…': too long "
            "(300 bytes; a directory name holds at most 255)\n"
        ), args
    assert list(conda_home.envs.iterdir()) == []


def test_on_exists_replace_is_suggested_only_where_it_would_be_taken(
    conda_home: CondaHome, cli, tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["alpha"])
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    for target, what in ((folder, "a conda environment"), (folder / "precious.txt", "a directory")):
        result = cli("create", "-f", str(file), "-p", str(target))
        assert result.code == EXIT_ERROR
        assert result.err == (
            f"envtool: error: {target} exists and is not {what}; not replacing it\n"
        )
    assert (folder / "precious.txt").read_text() == "keep me"


def test_clone_file_without_a_target_takes_the_files_name_as_create_does(
    conda_home: CondaHome, cli, tmp_path: Path
) -> None:
    named = write_env_file(tmp_path / "env.yml", ["alpha=1.0"], name="fromfile")
    result = cli("clone", str(named))
    assert result.code == 0, result.err
    assert result.err == f"envtool: created {conda_home.envs / 'fromfile'} (1 packages)\n"
    nameless = write_env_file(tmp_path / "nameless.yml", ["alpha"])
    result = cli("clone", str(nameless))
    assert (result.code, result.err) == (
        EXIT_ERROR,
        f"envtool: error: {nameless} has no name: give the new environment -n NAME or -p PREFIX\n",
    )
    assert cli("clone", "fromfile").err.endswith(
        "clone needs the new environment's -n NAME or -p PREFIX\n"
    )
