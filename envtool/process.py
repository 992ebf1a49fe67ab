"""The one place that runs external commands (conda, mamba, micromamba, pip, git)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envtool.errors import ProcessError, ToolNotFoundError

Argv = Sequence[str | os.PathLike[str]]
Cwd = str | os.PathLike[str] | None


@dataclass(frozen=True)
class Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class BytesResult:
    """A run whose standard output is kept as bytes (file contents from ``git cat-file``)."""

    argv: list[str]
    returncode: int
    stdout: bytes
    stderr: str


def which(name: str) -> str | None:
    """The full path of executable ``name`` on PATH, or None."""
    return shutil.which(name)


def run(
    argv: Argv,
    *,
    cwd: Cwd = None,
    input: str | None = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> Result:
    """Run ``argv``, its output captured as text, and return its result. ``env``: variables
    set (on top of this process's environment) for the command.

    A missing executable raises :class:`ToolNotFoundError`; with ``check`` a non-zero exit raises
    :class:`ProcessError` carrying argv, exit code, stdout and stderr.
    """
    extra: dict[str, Any] = {"env": {**os.environ, **env}} if env else {}
    args, proc = _spawn(argv, cwd, input=input, text=True, **extra)
    result = Result(args, proc.returncode, proc.stdout or "", proc.stderr or "")
    if check and proc.returncode != 0:
        raise ProcessError(args, proc.returncode, result.stdout, result.stderr)
    return result


def run_bytes(argv: Argv, *, cwd: Cwd = None, check: bool = True) -> BytesResult:
    """Like :func:`run`, but standard output is returned undecoded.

    For commands that print a file's bytes (UTF-16 environment files must reach
    ``fileio.decode`` intact). Standard error is decoded as UTF-8, replacing what is not.
    """
    args, proc = _spawn(argv, cwd, stdin=subprocess.DEVNULL)
    stderr = proc.stderr.decode("utf-8", errors="replace")
    result = BytesResult(args, proc.returncode, proc.stdout, stderr)
    if check and proc.returncode != 0:
        raise ProcessError(args, proc.returncode, "", stderr)
    return result


def _spawn(
    argv: Argv, cwd: Cwd, **kwargs: Any
) -> tuple[list[str], subprocess.CompletedProcess[Any]]:
    """Run ``argv`` to completion, output captured; a missing executable is ToolNotFoundError."""
    args = [os.fspath(a) for a in argv]
    try:
        return args, subprocess.run(args, cwd=cwd, capture_output=True, check=False, **kwargs)
    except FileNotFoundError as exc:
        if cwd is not None and not os.path.isdir(cwd):
            raise ToolNotFoundError(f"cannot run {args[0]}: no directory {cwd}") from exc
        raise ToolNotFoundError(f"{args[0]}: command not found") from exc
