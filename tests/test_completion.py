"""Shell completion through Click's own mechanism (``_ENVTOOL_COMPLETE=bash_source envtool``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_envtool

from envtool.__main__ import main


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _envtool_completion envtool"),
        ("zsh", "#compdef envtool"),
        ("fish", "complete --no-files --command envtool"),
    ],
)
def test_source_script_for_each_shell(shell: str, marker: str) -> None:
    result = run_envtool(env={"_ENVTOOL_COMPLETE": f"{shell}_source"})
    assert result.code == 0, result.err
    assert marker in result.out


def test_through_the_entry_point_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``envtool.__main__:main`` (the console script) passes completion through to Click."""
    monkeypatch.setenv("_ENVTOOL_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "envtool pru")
    monkeypatch.setenv("COMP_CWORD", "1")
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 0
    assert capsys.readouterr().out == "plain,prune\n"


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("envtool ch", "1", ["plain,check"]),
        ("envtool diff --form", "2", ["plain,--format"]),
        (
            "envtool diff --format ",
            "3",
            ["plain,text", "plain,markdown", "plain,json", "plain,github"],
        ),
        ("envtool --backend m", "2", ["plain,mamba", "plain,micromamba"]),
    ],
)
def test_completes_commands_options_and_choices(
    words: str, cword: str, expected: list[str]
) -> None:
    env = {"_ENVTOOL_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    result = run_envtool(env=env)
    assert result.code == 0, result.err
    assert result.out.split() == expected


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_really_completes(tmp_path: Path) -> None:
    """Source the script in a real bash, as ~/.bashrc would, and ask it to complete."""
    wrapper = tmp_path / "envtool"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m envtool "$@"\n')
    wrapper.chmod(0o755)
    script = (
        'eval "$(_ENVTOOL_COMPLETE=bash_source envtool)"\n'
        "COMP_WORDS=(envtool ren); COMP_CWORD=1\n"
        "_envtool_completion envtool\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {
        **os.environ,
        "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["rename"]
