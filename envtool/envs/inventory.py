"""What is in the envs conda knows: each env's size, whether it is frozen, and leftovers.

Pure reads of the file system, for ``envtool envs`` and ``envtool remove``:

- **frozen** (CEP 22): ``conda-meta/frozen`` exists (:mod:`envtool.envs.transaction` reads it
  and its ``message``; conda refuses to change such an env unless ``--override-frozen``).
- **size**: bytes of the env's files, each inode once (files hard-linked from the package cache
  count here too, as ``du`` counts them for one directory tree).
- **leftovers**: hidden ``.NAME.envtool-…`` folders beside envs, left by a create, clone, sync
  or remove that was killed before it could clean up (:mod:`envtool.envs.staging` and
  :mod:`envtool.envs.syncing` name them), each with what to do about it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from envtool.envs.model import EnvLocation
from envtool.envs.staging import STAGE_MARK
from envtool.envs.transaction import frozen_reason, is_frozen


@dataclass(frozen=True)
class EnvSummary:
    """One env as ``envtool envs`` lists it."""

    location: EnvLocation
    size: int | None  # bytes; None when not measured
    frozen: bool
    frozen_reason: str = ""


def disk_size(root: Path) -> int:
    """Bytes under ``root``, each inode counted once, links not followed."""
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [str(root)]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                        continue
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                key = (st.st_dev, st.st_ino)
                if key not in seen:
                    seen.add(key)
                    total += st.st_size
    return total


def summarize(locations: Iterable[EnvLocation], *, sizes: bool = True) -> tuple[EnvSummary, ...]:
    return tuple(
        EnvSummary(
            location=loc,
            size=disk_size(loc.prefix) if sizes else None,
            frozen=is_frozen(loc.prefix),
            frozen_reason=frozen_reason(loc.prefix) if is_frozen(loc.prefix) else "",
        )
        for loc in locations
    )


@dataclass(frozen=True)
class Leftover:
    """A hidden folder a killed envtool run left beside an env, and what to do about it."""

    path: Path
    advice: str


_ADVICE = (
    ("new-", "a half-made env of an interrupted create or clone: delete it"),
    ("sync-", "the unfinished twin of an interrupted sync: delete it"),
    ("old-", "the old env of an interrupted sync: run the sync again to put it back"),
    ("trash-", "an env being deleted when envtool was interrupted: delete it"),
)


def leftovers(dirs: Iterable[Path]) -> tuple[Leftover, ...]:
    """Folders envtool left in ``dirs`` (a killed create, clone, sync or remove)."""
    found: list[Leftover] = []
    for d in dirs:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for name in names:
            if not name.startswith(".") or STAGE_MARK not in name:
                continue
            kind = name.split(STAGE_MARK, 1)[1]
            advice = next((a for k, a in _ADVICE if kind.startswith(k)), "delete it")
            found.append(Leftover(d / name, advice))
    return tuple(found)
