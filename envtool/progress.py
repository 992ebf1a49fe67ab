"""Progress of a create or clone on stderr: one self-overwriting line, only on a terminal.

``-q`` silences it, and nothing is drawn when stderr is a pipe or a log file (no carriage
returns or escape codes in CI logs).
"""

from __future__ import annotations

import time

from envtool.envs.model import NullProgress, Progress
from envtool.ui import Console

MIN_INTERVAL = 0.05  # seconds between redraws of a counter


class TerminalProgress:
    """Draws ``what is happening  12/300 name`` on one line of a terminal."""

    def __init__(self, console: Console) -> None:
        self.err = console.err
        self.message = ""
        self.last = 0.0
        self.drawn = False

    def _draw(self, text: str) -> None:
        self.err.write(f"\r\x1b[2K{text}")
        self.err.flush()
        self.drawn = True

    def phase(self, message: str) -> None:
        self.message = message
        self._draw(f"{message} ...")

    def advance(self, done: int, total: int, what: str = "") -> None:
        now = time.monotonic()
        if done < total and now - self.last < MIN_INTERVAL:
            return
        self.last = now
        self._draw(f"{self.message}  {done}/{total}  {what}".rstrip())

    def finish(self) -> None:
        if self.drawn:
            self.err.write("\r\x1b[2K")
            self.err.flush()
            self.drawn = False


def for_console(console: Console) -> Progress:
    """A terminal progress line, or nothing (quiet, or stderr is not a terminal)."""
    if console.quiet or not console.is_tty:
        return NullProgress()
    return TerminalProgress(console)
