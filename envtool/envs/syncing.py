"""Changing an existing env all or nothing: work on a hard-linked twin, then swap.

A sync never edits the live env. It builds a twin beside it (``.NAME.envtool-sync-TOKEN``):
every file hard-linked to the env's own (so untouched packages keep their inodes and the twin
costs no space), ``conda-meta`` copied (its files are rewritten in place, so they must not be
shared). The engine unlinks and links only what changes in the twin; then two renames swap
the twin in and move the old env aside (``.NAME.envtool-old-TOKEN``); the pip step runs in
place; only when all of it worked is the old env deleted. Any failure or Ctrl-C swaps back: the
old env returns exactly as it was (the same directory, never written to).

The twin carries a journal, ``conda-meta/envtool-sync.journal``, naming the old env's place. A
run killed with SIGKILL leaves the journal behind; :func:`recover` (called by the next sync)
reads what is there and rolls back to the old env, saying what it did; :func:`interrupted`
reports the same without changing anything (``envtool envs``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from pathlib import Path
from types import TracebackType

from envtool.envs.staging import STAGE_MARK, remove_tree
from envtool.errors import BackendError

JOURNAL = ("conda-meta", "envtool-sync.journal")  # not *.json: conda-meta/*.json are records
TWIN = f"{STAGE_MARK}sync-"
OLD = f"{STAGE_MARK}old-"


def link_tree(src: Path, dst: Path) -> None:
    """Recreate ``src`` at ``dst`` with hard links (copies for ``conda-meta`` and where a link
    cannot be made); symlinks are recreated as they are."""
    dst.mkdir()
    stack = [(str(src), str(dst), False)]
    while stack:
        here, out, copy = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                target = os.path.join(out, entry.name)
                if entry.is_symlink():
                    os.symlink(os.readlink(entry.path), target)
                elif entry.is_dir():
                    os.mkdir(target)
                    shutil.copystat(entry.path, target, follow_symlinks=False)
                    meta = copy or (here == str(src) and entry.name == "conda-meta")
                    stack.append((entry.path, target, meta))
                elif copy:
                    shutil.copy2(entry.path, target)
                else:
                    try:
                        os.link(entry.path, target)
                    except OSError:
                        shutil.copy2(entry.path, target)


class SyncTransaction:
    """``with SyncTransaction(prefix) as tx:`` change ``tx.twin``, call :meth:`swap`, run
    what must run in place, then :meth:`finish`. Leaving early restores the old env."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        token = secrets.token_hex(4)
        self.twin = prefix.parent / f".{prefix.name}{TWIN}{token}"
        self.old = prefix.parent / f".{prefix.name}{OLD}{token}"
        self._swapped = False
        self._finished = False

    def __enter__(self) -> SyncTransaction:
        try:
            link_tree(self.prefix, self.twin)
            journal = self.twin.joinpath(*JOURNAL)
            journal.write_text(json.dumps({"prefix": str(self.prefix), "old": str(self.old)}))
        except BaseException as exc:
            remove_tree(self.twin)
            if isinstance(exc, OSError):
                raise BackendError(f"cannot prepare the sync of {self.prefix}: {exc}") from exc
            raise
        return self

    def swap(self) -> None:
        """Put the twin in the env's place; the old env waits aside until :meth:`finish`."""
        try:
            os.rename(self.prefix, self.old)
            os.rename(self.twin, self.prefix)
        except OSError as exc:
            if not os.path.lexists(self.prefix) and os.path.lexists(self.old):
                os.rename(self.old, self.prefix)
            raise BackendError(f"cannot move the synced env into {self.prefix}: {exc}") from exc
        self._swapped = True

    def finish(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.prefix.joinpath(*JOURNAL).unlink()
        self._finished = True
        remove_tree(self.old)

    def rollback(self) -> None:
        if self._swapped:
            trash = self.prefix.parent / f".{self.prefix.name}{STAGE_MARK}trash-{self.old.name}"
            os.rename(self.prefix, trash)
            os.rename(self.old, self.prefix)
            remove_tree(trash)
            self._swapped = False
        remove_tree(self.twin)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._finished:
            self.rollback()


def _siblings(prefix: Path, mark: str) -> list[Path]:
    try:
        names = os.listdir(prefix.parent)
    except OSError:
        return []
    start = f".{prefix.name}{mark}"
    return sorted(prefix.parent / n for n in names if n.startswith(start))


def interrupted(prefix: Path) -> str | None:
    """What an interrupted sync left at ``prefix`` (None when nothing), without changing it."""
    if prefix.joinpath(*JOURNAL).is_file():
        return f"{prefix}: a sync was killed after the swap; the next sync rolls it back"
    if _siblings(prefix, OLD) and not os.path.lexists(prefix):
        return f"{prefix}: a sync was killed mid-swap; the next sync puts the old env back"
    if _siblings(prefix, TWIN):
        return f"{prefix}: a sync was killed before it changed anything; its twin is left over"
    return None


def recover(prefix: Path) -> tuple[str, ...]:
    """Undo what an interrupted sync left at ``prefix``; say what was done."""
    done: list[str] = []
    olds = _siblings(prefix, OLD)
    journal = prefix.joinpath(*JOURNAL)
    if journal.is_file():
        try:
            recorded = Path(json.loads(journal.read_text("utf-8"))["old"])
        except (OSError, ValueError, KeyError, TypeError):
            recorded = olds[-1] if olds else prefix  # unreadable: the newest old env
        if os.path.lexists(recorded) and recorded != prefix:
            trash = prefix.parent / f".{prefix.name}{STAGE_MARK}trash-{recorded.name}"
            os.rename(prefix, trash)
            os.rename(recorded, prefix)
            remove_tree(trash)
            done.append(f"rolled back an interrupted sync of {prefix}: the old env is back")
        else:
            journal.unlink()
            done.append(f"an interrupted sync of {prefix} had finished; cleared its journal")
    elif olds and not os.path.lexists(prefix):
        os.rename(olds[-1], prefix)
        done.append(f"put back {prefix}, moved aside by an interrupted sync")
    for leftover in [*_siblings(prefix, TWIN), *_siblings(prefix, OLD)]:
        remove_tree(leftover)
        done.append(f"removed {leftover}, left by an interrupted sync")
    return tuple(done)
