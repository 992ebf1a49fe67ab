"""The errors envtool reports, each carrying its exit code (DESIGN §6).

Every expected failure is an :class:`EnvtoolError` whose message is one line that names the file
(and line) or the command at fault. ``cli.main`` is the one place that turns them into output
and exit codes; anything else that escapes is a bug (exit 3).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class EnvtoolError(Exception):
    """An expected failure: bad input, a missing env, a failed backend. Exit code 2."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(EnvtoolError):
    """Options that do not make sense together, or a bad argument value."""


class InputError(EnvtoolError):
    """An input file that cannot be read or is not a valid environment file."""

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.reason = message


class EnvNotFoundError(EnvtoolError):
    """A named environment or prefix that does not exist."""


class BackendError(EnvtoolError):
    """The engine (py-rattler) or an external tool (conda, pip, git) failed."""


class ToolNotFoundError(BackendError):
    """An external executable that is not installed."""


class ProcessError(BackendError):
    """An external command that exited non-zero; carries argv, exit code and output."""

    def __init__(self, argv: list[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        detail = _last_line(stderr) or _last_line(stdout)
        cmd = " ".join(argv[:3]) + (" ..." if len(argv) > 3 else "")
        msg = f"`{cmd}` failed with exit code {returncode}"
        super().__init__(f"{msg}: {detail}" if detail else msg)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
