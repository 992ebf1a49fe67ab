"""What the shell says on the terminal: messages on stderr, colour only where it belongs, and
how a message words a count."""

from __future__ import annotations

import os
import sys
from typing import TextIO


def plural(n: int, word: str) -> str:
    """``1 file``, ``3 files``: a count and its noun (regular plurals only)."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, never with NO_COLOR set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


class Console:
    """Verbosity-aware messages on stderr (``err``, sys.stderr when None). Commands get one
    from the CLI. (A plain class: every command makes one, a dataclass costs start-up time.)"""

    def __init__(self, verbose: int = 0, quiet: bool = False, err: TextIO | None = None) -> None:
        self.verbose = verbose
        self.quiet = quiet
        self.err: TextIO = sys.stderr if err is None else err

    def __repr__(self) -> str:
        return f"Console(verbose={self.verbose!r}, quiet={self.quiet!r}, err={self.err!r})"

    def info(self, message: str) -> None:
        """Said unless -q."""
        if not self.quiet:
            self.err.write(f"{message}\n")

    def detail(self, message: str) -> None:
        """Said only with -v."""
        if self.verbose > 0:
            self.err.write(f"envtool: {message}\n")

    def warn(self, message: str) -> None:
        self.err.write(f"envtool: warning: {message}\n")

    def error(self, message: str) -> None:
        """An error the command goes on after (one file of several); said even with -q."""
        self.err.write(f"envtool: error: {message}\n")

    @property
    def is_tty(self) -> bool:
        return bool(getattr(self.err, "isatty", lambda: False)())
