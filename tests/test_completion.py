"""Shell completion through Click's own mechanism (``_ENVTOOL_COMPLETE=bash_source envtool``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, CondaHome, run_envtool

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


def _request(shell: str, words: str) -> dict[str, str]:
    """The variables a shell's completion function sets to complete the last of ``words``."""
    parts = words.split(" ")
    cword = parts[-1] if shell == "fish" else str(len(parts) - 1)
    return {"_ENVTOOL_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}


def _complete(shell: str, words: str, env: dict[str, str] | None = None) -> list[str]:
    """What a real ``envtool`` process answers a shell's completion request."""
    result = run_envtool(env={**_request(shell, words), **(env or {})})
    assert result.code == 0, result.err
    return result.out.splitlines()


@pytest.fixture
def complete(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[str], list[str]]:
    """The same request answered in-process through the entry point (fast, for many cases)."""

    def run(words: str) -> list[str]:
        with monkeypatch.context() as m:
            for key, value in _request("bash", words).items():
                m.setenv(key, value)
            capsys.readouterr()
            with pytest.raises(SystemExit) as info:
                main([])
        assert info.value.code == 0
        return capsys.readouterr().out.splitlines()

    return run


FILE_ARGUMENTS = [
    "envtool check fixtures/ml/env",
    "envtool check a.yml fixtures/ml/env",
    "envtool rename fixtures/ml/env",
    "envtool prune --no-builds fixtures/ml/env",
    "envtool create -f fixtures/ml/env",
    "envtool export -n x -f fixtures/ml/env",
    "envtool export -o fixtures/ml/env",
    "envtool prune a.yml -o fixtures/ml/env",
    "envtool diff fixtures/ml/env",
    "envtool diff a.yml fixtures/ml/env",
    "envtool clone fixtures/ml/env",
    "envtool clone x -n y -o fixtures/ml/env",
]


def test_file_arguments_complete_file_names_in_every_shell() -> None:
    """Each shell then lists the files itself (bash: -o default, zsh: _path_files, fish:
    __fish_complete_path), so ``envtool check fixtures/ml/env<TAB>`` completes again."""
    words = "envtool check fixtures/ml/env"
    assert _complete("bash", words) == ["file,fixtures/ml/env"]
    assert _complete("zsh", words) == ["file", "fixtures/ml/env", "_"]
    assert _complete("fish", words) == ["file,fixtures/ml/env"]


@pytest.mark.parametrize("words", FILE_ARGUMENTS)
def test_every_file_argument_completes_file_names(
    complete: Callable[[str], list[str]], words: str
) -> None:
    assert complete(words) == ["file,fixtures/ml/env"]


@pytest.mark.parametrize("words", ["envtool export -p ./en", "envtool create -f e.yml -p ./en"])
def test_prefix_options_complete_directories(
    complete: Callable[[str], list[str]], words: str
) -> None:
    assert complete(words) == ["dir,./en"]


@pytest.fixture
def envs(conda_home: CondaHome) -> dict[str, str]:
    for name in ("train", "test", "docs"):
        (conda_home.envs / name / "conda-meta").mkdir(parents=True)
        (conda_home.envs / name / "conda-meta" / "history").write_text("")
    (conda_home.envs / "not-an-env").mkdir()
    return {k: v for k, v in os.environ.items() if k.startswith(("CONDA", "HOME"))}


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("envtool export -n t", ["plain,test", "plain,train"]),
        ("envtool export --name d", ["plain,docs"]),
        ("envtool create -f e.yml -n tr", [""]),  # a new env's name: nothing to offer
        ("envtool clone t", ["plain,test", "plain,train"]),
        ("envtool clone zzz", ["file,zzz"]),  # no env by that name: files
        ("envtool clone ./t", ["file,./t"]),  # a path
        ("envtool diff env:t", ["plain,env:test", "plain,env:train"]),
    ],
)
def test_env_names_complete_for_name_options_and_clone_source(
    envs: dict[str, str], complete: Callable[[str], list[str]], words: str, expected: list[str]
) -> None:
    assert complete(words) == expected


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_really_completes_env_names(envs: dict[str, str], tmp_path: Path) -> None:
    wrapper = tmp_path / "envtool"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m envtool "$@"\n')
    wrapper.chmod(0o755)
    script = (
        'eval "$(_ENVTOOL_COMPLETE=bash_source envtool)"\n'
        "COMP_WORDS=(envtool clone tr); COMP_CWORD=2\n"
        "_envtool_completion envtool\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {
        **os.environ,
        **envs,
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
    assert proc.stdout.split() == ["train"]
