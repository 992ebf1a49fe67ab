"""The one place that runs external commands (conda, mamba, micromamba, pip, git).

A command dies with envtool: it runs in its own process group, which is killed when envtool
stops waiting for it (an error, Ctrl-C), and on Linux the kernel kills it when envtool dies
(``PR_SET_PDEATHSIG``), even by SIGKILL. A pip still writing into a staged env after envtool
was killed would race the next run's clean-up of that env. Its standard input is /dev/null
unless ``input`` is given: nothing it runs may prompt.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
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
    argv: Argv, cwd: Cwd, *, input: str | bytes | None = None, **kwargs: Any
) -> tuple[list[str], subprocess.CompletedProcess[Any]]:
    """Run ``argv`` to completion, output captured; a missing executable is ToolNotFoundError."""
    args = [os.fspath(a) for a in argv]
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    proc: subprocess.Popen[Any] | None = None
    # Ctrl-C is held back while the child is forked: Python would run it inside an at-fork
    # hook and drop it ("Exception ignored"); it arrives once the child exists, to be killed.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        try:
            proc = subprocess.Popen(
                args,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=_tied(os.getpid(), held),  # only setpgid, sigmask, prctl run there
                **kwargs,
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        out, err = proc.communicate(input)
    except FileNotFoundError as exc:
        if proc is not None:
            _kill_group(proc)
            raise
        if cwd is not None and not os.path.isdir(cwd):
            raise ToolNotFoundError(f"cannot run {args[0]}: no directory {cwd}") from exc
        raise ToolNotFoundError(f"{args[0]}: command not found") from exc
    except BaseException:
        if proc is not None:
            _kill_group(proc)
        raise
    return args, subprocess.CompletedProcess(args, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill the command and whatever it started, and reap it."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(BaseException):
        proc.wait(timeout=5)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


@functools.cache
def _prctl() -> Any:
    """libc's ``prctl`` on Linux (loaded in the parent: the child only calls it), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _tied(parent: int, mask: Iterable[int | signal.Signals]) -> Any:
    """What the child runs before the command: its own process group, killed with us, and
    the signal mask envtool had before it held Ctrl-C back."""
    prctl = _prctl()

    def tie() -> None:
        os.setpgid(0, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            if os.getppid() != parent:  # envtool died before the tie was made
                os._exit(1)

    return tie
