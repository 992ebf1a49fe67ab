"""``~/.conda/environments.txt``: the user's list of environments, as conda keeps it.

conda appends every environment it creates (by name or by prefix) and drops it on removal, so
``conda env list`` and ``envtool envs`` find envs made outside the envs directories. envtool
does the same. ``CONDA_REGISTER_ENVS=false`` (conda's ``register_envs`` setting) turns
registering off. A registry that cannot be read or written is skipped: it is a convenience,
never a reason to fail a create or a remove.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

FALSE = ("false", "0", "no", "off")


def registry_path(environ: Mapping[str, str]) -> Path:
    home = Path(environ.get("HOME") or os.path.expanduser("~"))
    return home / ".conda" / "environments.txt"


def listed(environ: Mapping[str, str]) -> list[str]:
    """The registered prefixes, as written (blank lines skipped)."""
    try:
        lines = registry_path(environ).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in lines if line.strip()]


def register(path: Path, environ: Mapping[str, str]) -> None:
    """Add ``path`` to the registry unless it is there already."""
    if environ.get("CONDA_REGISTER_ENVS", "").strip().lower() in FALSE:
        return
    if any(_same(entry, path) for entry in listed(environ)):
        return
    registry = registry_path(environ)
    with contextlib.suppress(OSError):
        registry.parent.mkdir(parents=True, exist_ok=True)
        with registry.open("a", encoding="utf-8") as fh:  # one short append, as conda does
            fh.write(f"{os.path.normpath(path)}\n")


def unregister(path: Path, environ: Mapping[str, str]) -> None:
    """Drop ``path`` from the registry (when listed)."""
    from envtool.files import fileio

    registry = registry_path(environ)
    try:
        lines = registry.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    kept = [line for line in lines if not line.strip() or not _same(line.strip(), path)]
    if len(kept) != len(lines):
        with contextlib.suppress(OSError):
            fileio.write_atomic(registry, "".join(f"{line}\n" for line in kept).encode())


def _same(entry: str, path: Path) -> bool:
    return os.path.normpath(entry) == os.path.normpath(str(path))
