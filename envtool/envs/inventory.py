"""What is in the envs conda knows: each env's size, whether it is frozen, and leftovers.

Pure reads of the file system, for ``envtool envs`` and ``envtool remove``:

- **frozen** (CEP 22): ``conda-meta/frozen`` exists. Its content, when any, is JSON whose
  ``message`` says why; conda then refuses to change the env unless ``--override-frozen``.
- **size**: bytes of the env's files, each inode once (files hard-linked from the package cache
  count here too, as ``du`` counts them for one directory tree).
- **leftovers**: hidden ``.NAME.envtool-…`` folders beside envs, left by a create or clone that
  was killed before it could clean up (:mod:`envtool.envs.staging` names them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from envtool.envs.model import EnvLocation
from envtool.envs.staging import STAGE_MARK

FROZEN_FILE = ("conda-meta", "frozen")


@dataclass(frozen=True)
class EnvSummary:
    """One env as ``envtool envs`` lists it."""

    location: EnvLocation
    size: int | None  # bytes; None when not measured
    frozen: bool
    frozen_reason: str = ""


def is_frozen(prefix: Path) -> bool:
    return prefix.joinpath(*FROZEN_FILE).is_file()


def frozen_reason(prefix: Path) -> str:
    """The ``message`` of a frozen env's marker ("" when none or unreadable)."""
    try:
        text = prefix.joinpath(*FROZEN_FILE).read_text("utf-8").strip()
        data = json.loads(text) if text else {}
    except (OSError, UnicodeDecodeError, ValueError):
        return ""
    message = data.get("message", "") if isinstance(data, dict) else ""
    return " ".join(message.split()) if isinstance(message, str) else ""


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
            frozen_reason=frozen_reason(loc.prefix),
        )
        for loc in locations
    )


def leftovers(dirs: Iterable[Path]) -> tuple[Path, ...]:
    """Staging and trash folders envtool left in ``dirs`` (a killed create, clone or remove)."""
    found: list[Path] = []
    for d in dirs:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        found.extend(d / n for n in names if n.startswith(".") and STAGE_MARK in n)
    return tuple(found)
