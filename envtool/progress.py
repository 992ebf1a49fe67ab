"""Progress of a create or clone on stderr: one self-overwriting line on a terminal.

Off a terminal (a pipe, a CI log) nothing is drawn — no carriage returns or escape codes — but a
phase that is still running after :data:`PHASE_LINE_AFTER` seconds (a solve, the linking, the
pip section) is announced by one plain line, so a long step does not look like a hang. ``-q``
silences both.
"""

from __future__ import annotations

import threading
import time

from envtool.envs.model import NullProgress, Progress
from envtool.ui import Console

MIN_INTERVAL = 0.05  # seconds between redraws of a counter
PHASE_LINE_AFTER = 2.0  # seconds a phase runs, off a terminal, before its line is printed


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


class PhaseLines:
    """Off a terminal: ``envtool: <phase> ...`` once a phase has run ``after`` seconds.

    A quick create prints nothing beyond its result; a 30-second pip section prints one line
    when it has run for ``after`` seconds. Counters are not shown.
    """

    def __init__(self, console: Console, after: float) -> None:
        self.err = console.err
        self.after = after
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        self.current = 0  # the phase a pending timer belongs to

    def _say(self, number: int, message: str) -> None:
        with self.lock:
            if number != self.current:  # the phase is over: nothing to announce
                return
            self.err.write(f"envtool: {message} ...\n")
            self.err.flush()

    def phase(self, message: str) -> None:
        with self.lock:
            self.current += 1
            number = self.current
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        if self.after <= 0:
            self._say(number, message)
            return
        self.timer = threading.Timer(self.after, self._say, (number, message))
        self.timer.daemon = True
        self.timer.start()

    def advance(self, done: int, total: int, what: str = "") -> None:
        pass

    def finish(self) -> None:
        with self.lock:
            self.current += 1
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None


def for_console(console: Console) -> Progress:
    """A terminal progress line; off a terminal a line per long phase; nothing with -q."""
    if console.quiet:
        return NullProgress()
    if not console.is_tty:
        return PhaseLines(console, PHASE_LINE_AFTER)
    return TerminalProgress(console)
