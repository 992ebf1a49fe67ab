"""Build a new environment beside its target, then move it into place: all or nothing.

A create or clone installs into a hidden sibling directory (same filesystem, so the final
``rename`` is atomic and hard links survive), with paths patched for the final prefix. Only
when it is complete does it take the target's place. On any failure — or Ctrl-C — everything
this module made is removed (the staging dir, parent dirs it created, a half-finished target)
and an env it moved aside is put back. An existing env is only ever moved aside when the
caller asked to replace it.

A tool that cannot relocate an env it installs (conda's CLI) builds ``in_place``: the env being
replaced is moved aside first, the tool installs at the target itself, and a failure removes
what it made and moves the old env back.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
from pathlib import Path
from types import TracebackType

from envtool.errors import BackendError

STAGE_MARK = ".envtool-"


class StagedPrefix:
    """Use as a context manager; call :meth:`commit` once the env is complete, then
    :meth:`finish` once nothing more can fail. Leaving the block early rolls everything back."""

    def __init__(self, target: Path, *, replace: bool = False, in_place: bool = False) -> None:
        self.target = target
        self.replace = replace
        self.in_place = in_place
        token = secrets.token_hex(4)
        staged = target.parent / f".{target.name}{STAGE_MARK}new-{token}"
        self.path = target if in_place else staged
        self.backup = target.parent / f".{target.name}{STAGE_MARK}old-{token}"
        self._made_parents: list[Path] = []
        self._committed = False
        self._finished = False
        self._emptied = False

    def __enter__(self) -> StagedPrefix:
        missing: list[Path] = []
        parent = self.target.parent
        while not parent.exists() and parent != parent.parent:
            missing.append(parent)
            parent = parent.parent
        try:
            for d in reversed(missing):
                d.mkdir()
                self._made_parents.append(d)
            if not self.in_place:
                self.path.mkdir()
            elif self.replace and os.path.lexists(self.target):
                os.rename(self.target, self.backup)
            elif os.path.isdir(self.target) and not os.path.islink(self.target):
                os.rmdir(self.target)  # an empty dir: the tool makes the env there
                self._emptied = True
        except OSError as exc:
            self._remove_parents()
            raise BackendError(f"cannot create {self.target}: {exc.strerror}") from exc
        return self

    def commit(self) -> None:
        """Move the staged env to the target (moving an env being replaced aside first)."""
        if self.in_place:
            self._committed = True
            return
        try:
            if self.replace and os.path.lexists(self.target):
                os.rename(self.target, self.backup)
            os.rename(self.path, self.target)
        except OSError as exc:
            if os.path.lexists(self.backup) and not os.path.lexists(self.target):
                os.rename(self.backup, self.target)
            raise BackendError(f"cannot move the new environment to {self.target}: {exc}") from exc
        self._committed = True

    def finish(self) -> None:
        """Success: drop the replaced env."""
        self._finished = True
        if os.path.lexists(self.backup):
            remove_tree(self.backup)

    def rollback(self) -> None:
        if self.in_place:
            remove_tree(self.target)
            if os.path.lexists(self.backup):
                os.rename(self.backup, self.target)
            elif self._emptied:
                with contextlib.suppress(OSError):
                    self.target.mkdir()
            self._remove_parents()
            return
        if self._committed:
            remove_tree(self.target)
            if os.path.lexists(self.backup):
                os.rename(self.backup, self.target)
        remove_tree(self.path)
        self._remove_parents()

    def _remove_parents(self) -> None:
        for d in reversed(self._made_parents):
            with contextlib.suppress(OSError):
                d.rmdir()  # only if still empty
        self._made_parents = []

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None or not self._finished:
            self.rollback()


def remove_tree(path: Path) -> None:
    """Delete a file or tree, making read-only parts writable first; a missing path is fine."""
    if not os.path.lexists(path):
        return
    if path.is_symlink() or path.is_file():
        path.unlink()
        return

    def make_writable_and_retry(func: object, p: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(p, 0o700)
            os.chmod(os.path.dirname(p), 0o700)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)
