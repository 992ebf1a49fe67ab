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

Only one run builds a target at a time: :class:`TargetLock` holds ``.NAME.envtool-lock`` (an
``flock``, released by the kernel when its holder dies, however it dies) from before the
staging dir is made until the env is in place, and a second run fails at once with one line
naming the holder. Holding the lock also proves that any other ``.NAME.envtool-new-*`` dir is
dead (its run was killed): it is removed, and an env that a killed ``--on-exists replace``
had moved aside (``.NAME.envtool-old-*``) with nothing at the target is put back; each thing
done is recorded in :attr:`StagedPrefix.cleaned` for the caller to say.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from types import TracebackType

from envtool.errors import BackendError

STAGE_MARK = ".envtool-"
NEW = f"{STAGE_MARK}new-"
OLD = f"{STAGE_MARK}old-"
LOCK = f"{STAGE_MARK}lock"
SYNC_JOURNAL = ("conda-meta", "envtool-sync.journal")  # syncing.JOURNAL (it imports this module)


class TargetLock:
    """``.NAME.envtool-lock`` beside ``target``, flocked while a run builds ``target``; the
    file holds the holder's pid and is removed when it is released."""

    def __init__(self, target: Path, doing: str = "creating") -> None:
        self.target = target
        self.doing = doing
        self.path = target.parent / f".{target.name}{LOCK}"
        self._fd: int | None = None

    def __enter__(self) -> TargetLock:
        try:
            self.acquire()
        except OSError as exc:
            raise BackendError(f"cannot lock {self.target}: {exc.strerror or exc}") from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise BackendError(
                    f"another envtool run{self._holder()} is {self.doing} {self.target}; "
                    "wait for it to finish, then try again"
                ) from exc
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False  # its last holder removed it after we opened it: take a new one
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def _holder(self) -> str:
        try:
            pid = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # still ours: nobody else can hold it while we do
        os.close(self._fd)
        self._fd = None


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
        self._lock = TargetLock(target)
        self.cleaned: list[str] = []  # what was left by killed runs and dealt with

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
            self._lock.acquire()
        except OSError as exc:
            self._remove_parents()
            raise BackendError(f"cannot create {self.target}: {exc.strerror}") from exc
        except BaseException:
            self._remove_parents()
            raise
        try:
            self._clean_up_after_killed_runs()
            self._check_still_free()
            if not self.in_place:
                self.path.mkdir()
            elif self.replace and os.path.lexists(self.target):
                os.rename(self.target, self.backup)
            elif os.path.isdir(self.target) and not os.path.islink(self.target):
                os.rmdir(self.target)  # an empty dir: the tool makes the env there
                self._emptied = True
        except BaseException as exc:  # an OSError, or Ctrl-C just after the staging dir was made
            try:
                self._undo_enter()
            finally:
                self._lock.release()
                self._remove_parents()
            if isinstance(exc, OSError):
                raise BackendError(f"cannot create {self.target}: {exc.strerror}") from exc
            raise
        return self

    def _undo_enter(self) -> None:
        """Undo what :meth:`__enter__` did before it failed (never touching a target that
        another run made: only this run's staging dir and its own move aside)."""
        if not self.in_place:
            _remove_settled(self.path)  # a random name: only this run's
        elif os.path.lexists(self.backup) and not os.path.lexists(self.target):
            os.rename(self.backup, self.target)
        elif self._emptied and not os.path.lexists(self.target):
            with contextlib.suppress(OSError):
                self.target.mkdir()

    def _clean_up_after_killed_runs(self) -> None:
        """With the lock held, other staging dirs of this target belong to dead runs."""
        target = self.target
        if target.joinpath(*SYNC_JOURNAL).exists():
            return  # an interrupted sync's: the next sync rolls it back (syncing.recover)
        olds = _siblings(target, OLD)
        if olds and not os.path.lexists(target):
            os.rename(olds.pop(), target)
            self.cleaned.append(
                f"put back {target}, moved aside by an interrupted envtool run that replaced it"
            )
        for old in olds:  # the target is there: its replacement had finished
            remove_tree(old)
            self.cleaned.append(f"removed {old}, an env replaced by an interrupted envtool run")
        for dead in _siblings(target, NEW):
            remove_tree(dead)
            self.cleaned.append(f"removed {dead}, left by an interrupted create or clone")

    def _check_still_free(self) -> None:
        """Another run may have made the target since it was checked (before the lock)."""
        if self.replace or not self.target.is_dir() or self.target.is_symlink():
            return
        if any(self.target.iterdir()):
            raise BackendError(_taken(self.target))

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
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise BackendError(_taken(self.target)) from exc
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
            return
        if self._committed:
            remove_tree(self.target)
            if os.path.lexists(self.backup):
                os.rename(self.backup, self.target)
        _remove_settled(self.path)

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
        failed = exc_type is not None or not self._finished
        try:
            if failed:
                self.rollback()
        finally:
            self._lock.release()
            if failed:
                self._remove_parents()  # after the lock file is gone: they may be empty now


def _taken(target: Path) -> str:
    return f"{target} was created by another run meanwhile; not replacing it"


def _siblings(target: Path, mark: str) -> list[Path]:
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    start = f".{target.name}{mark}"
    return sorted(target.parent / n for n in names if n.startswith(start))


def _remove_settled(path: Path, patience: float = 5.0) -> None:
    """Remove ``path``, again while something still writes into it: after Ctrl-C the engine's
    native threads can finish linking a file or two after Python has moved on."""
    deadline = time.monotonic() + patience
    remove_tree(path)
    while os.path.lexists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
        remove_tree(path)


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
