"""Progress on stderr: a redrawn line on a terminal; off one, a plain line per long phase."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CondaHome, Run, write_env_file

from envtool import progress
from envtool.progress import PhaseLines, for_console
from envtool.ui import Console


def test_off_a_terminal_only_a_phase_still_running_is_announced() -> None:
    err = io.StringIO()
    # `after` leaves room for a loaded machine's stalls between two calls said to be quick
    lines = PhaseLines(Console(err=err), after=0.5)
    lines.phase("solving 3 specs")
    lines.phase("installing 12 packages")  # the solve was quick: never announced
    lines.advance(3, 12, "linked alpha")  # no counters in a log
    time.sleep(1.0)
    lines.phase("pip install (1 lines)")
    lines.finish()  # the pip section was quick too
    time.sleep(0.6)
    assert err.getvalue() == "envtool: installing 12 packages ...\n"


def test_quiet_and_terminal_choices() -> None:
    assert isinstance(for_console(Console(err=io.StringIO())), PhaseLines)
    assert not isinstance(for_console(Console(err=io.StringIO(), quiet=True)), PhaseLines)


def test_a_create_in_a_log_says_each_long_phase_on_its_own_line(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every phase counts as long here; the lines are plain (no \\r, no escape codes)."""
    monkeypatch.setattr(progress, "PHASE_LINE_AFTER", 0.0)
    file = write_env_file(tmp_path / "env.yml", ["python=3.11"], pip=["tiny==1.0"])
    target = tmp_path / "e"
    result = cli("create", "-f", str(file), "-p", str(target))
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "envtool: solving 1 spec ...",
        f"envtool: installing {len(list((target / 'conda-meta').glob('*.json')))} packages ...",
        "envtool: pip install (1 lines) ...",
        f"envtool: created {target} (2 packages, 1 pip line)",
    ]
    quiet = cli("-q", "create", "-f", str(file), "-p", str(tmp_path / "q"))
    assert (quiet.code, quiet.err) == (0, "")
