"""The CLI shell: entry points, --version, usage errors and the exit-code map (DESIGN §6)."""

from __future__ import annotations

import pytest
from conftest import run_envtool

from envtool import __version__
from envtool.errors import EXIT_BUG, EXIT_ERROR


def test_version_fast_path_and_python_m() -> None:
    result = run_envtool("--version")
    assert (result.code, result.out) == (0, f"envtool {__version__}\n")


def test_version_through_click_matches(cli) -> None:
    result = cli("-q", "--version")
    assert (result.code, result.out) == (0, f"envtool {__version__}\n")


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
