"""The one place that runs external commands (conda, mamba, micromamba, pip, git)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from envtool.errors import ProcessError, ToolNotFoundError


@dataclass(frozen=True)
class Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def which(name: str) -> str | None:
    """The full path of executable ``name`` on PATH, or None."""
    return shutil.which(name)


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
    capture: bool = True,
    timeout: float | None = None,
) -> Result:
    """Run ``argv`` and return its result.

    A missing executable raises :class:`ToolNotFoundError`; with ``check`` a non-zero exit raises
    :class:`ProcessError` carrying argv, exit code, stdout and stderr. With ``capture=False``
    the child writes straight to our stdout/stderr (for long installs the user should watch).
    """
    args = [os.fspath(a) for a in argv]
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=input,
            capture_output=capture,
            text=True,
            check=False,
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        if cwd is not None and not os.path.isdir(cwd):
            raise ToolNotFoundError(f"cannot run {args[0]}: no directory {cwd}") from exc
        raise ToolNotFoundError(f"{args[0]}: command not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise ProcessError(args, -1, "", f"timed out after {timeout} s") from exc
    result = Result(args, proc.returncode, proc.stdout or "", proc.stderr or "")
    if check and proc.returncode != 0:
        raise ProcessError(args, proc.returncode, result.stdout, result.stderr)
    return result


@dataclass(frozen=True)
class BytesResult:
    """A run whose standard output is kept as bytes (file contents from ``git cat-file``)."""

    argv: list[str]
    returncode: int
    stdout: bytes
    stderr: str


def run_bytes(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> BytesResult:
    """Like :func:`run`, but standard output is returned undecoded.

    For commands that print a file's bytes (UTF-16 environment files must reach
    ``fileio.decode`` intact). Standard error is decoded as UTF-8, replacing what is not.
    """
    args = [os.fspath(a) for a in argv]
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        if cwd is not None and not os.path.isdir(cwd):
            raise ToolNotFoundError(f"cannot run {args[0]}: no directory {cwd}") from exc
        raise ToolNotFoundError(f"{args[0]}: command not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise ProcessError(args, -1, "", f"timed out after {timeout} s") from exc
    stderr = proc.stderr.decode("utf-8", errors="replace")
    result = BytesResult(args, proc.returncode, proc.stdout, stderr)
    if check and proc.returncode != 0:
        raise ProcessError(args, proc.returncode, "", stderr)
    return result
