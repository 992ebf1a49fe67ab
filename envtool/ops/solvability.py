"""``check --solve``: does an environment file solve on each platform, and if not, why?

A real solve of the file's conda specs for every platform asked for, against the file's own
channels (as ``create`` would use them), with each platform's virtual packages — all platforms
at once, in parallel, sharing one repodata fetch per channel and subdir. A platform that fails
is explained spec by spec (:func:`envtool.backends.engine.solve_platforms`). The pip section is
not solved (pip resolves it at install time).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from envtool.backends.engine import COMMON_SUBDIRS, PlatformSolve, solve_platforms
from envtool.envs.platform import Platform
from envtool.errors import InputError, UsageError
from envtool.files.envfile import EnvFile


@dataclass(frozen=True)
class SolveReport:
    """One file's solvability, platform by platform."""

    source: str
    results: tuple[PlatformSolve, ...]
    spec_lines: dict[str, int] = field(default_factory=dict)  # spec text → its line
    as_of: datetime | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def platforms(
    text: str, *, cuda: str | None = None, glibc: str | None = None, osx: str | None = None
) -> tuple[Platform, ...]:
    """``linux-64,osx-arm64`` (or ``all``: the common five) with their virtual packages."""
    names = [w.strip() for w in text.split(",") if w.strip()]
    if not names:
        raise UsageError("--solve: name at least one platform (e.g. linux-64,osx-arm64) or all")
    expanded: list[str] = []
    for name in names:
        expanded.extend(COMMON_SUBDIRS if name == "all" else [name])
    unique = list(dict.fromkeys(expanded))
    return tuple(Platform.for_subdir(s, cuda=cuda, glibc=glibc, osx=osx) for s in unique)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def as_of(text: str, cwd: str | Path | None = None) -> datetime:
    """``--as-of``: a date (``2024-03-01``, an ISO time; UTC when no zone is given), else the
    commit time of a git revision (``HEAD~20``, a tag)."""
    text = text.strip()
    if _DATE.match(text):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise UsageError(f"--as-of {text!r}: not a valid date") from exc
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    from envtool.files import gitio

    return gitio.commit_time(text, cwd)


def check_solve(
    env: EnvFile,
    targets: Sequence[Platform],
    *,
    base_dir: Path | None = None,
    as_of: datetime | None = None,
) -> SolveReport:
    """Solve ``env`` for every platform in ``targets``."""
    from envtool.backends.native import NativeBackend
    from envtool.files.portable import platform_only

    source = env.source or "<environment file>"
    env.validate()
    if not env.has_dependencies:
        raise InputError(source, "no 'dependencies' list: nothing to solve")
    backend = NativeBackend()
    specs = [dep.text.strip() for dep in env.conda]
    if not specs:
        return SolveReport(source, tuple(PlatformSolve(p) for p in targets), as_of=as_of)
    results = solve_platforms(
        backend.solve_channels(env.channels, base_dir),
        specs,
        targets,
        channel_priority=backend.config.channel_priority,
        exclude_newer=as_of,
        platform_only=lambda name: found[0] if (found := platform_only(name)) else None,
    )
    lines = {dep.text.strip(): dep.line for dep in env.conda if dep.line is not None}
    return SolveReport(source, tuple(results), lines, as_of)
