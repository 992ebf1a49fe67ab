"""Link an env's packages into a new prefix without the engine: a clone's lean path.

A clone on one filesystem needs no solve, no download and no engine: the source env's
``conda-meta`` says every file of every package (``paths_data``: its ``path_type``,
``no_link``, ``prefix_placeholder`` and ``file_mode``) and where the package is extracted in the
cache. :func:`link_env` does what py-rattler's installer does for such a record, one file after
another on this thread, which costs the kernel a ``link`` a file and little else:

- a plain file is hard-linked from the cache's extracted package (copied when ``no_link`` says
  so, or when the filesystem refuses a hard link);
- a file with a prefix placeholder is rewritten from the cache's original as py-rattler rewrites
  it: ``text`` mode replaces every occurrence; ``binary`` mode replaces it inside each C string
  and pads the string with NULs to its old length; the file keeps the original's mode and its
  record gets the new ``sha256_in_prefix`` and ``size_in_bytes``;
- a ``softlink`` is recreated with the cache's link target, a ``directory`` made;
- the record is written to the target's ``conda-meta`` as the source's, with
  ``requested_specs`` set from the clone's specs as py-rattler sets them.

What it cannot prove it does exactly as py-rattler would is left to the engine: a package whose
record is not extracted in this cache, a noarch python package (its entry points and paths are
made at link time), a path type it does not know, a shebang that py-rattler would rewrite to
``/usr/bin/env``, a binary placeholder shorter than the new prefix. Such packages are returned
for the caller to install with the engine; a file that already exists (two packages clobbering
one path) raises :class:`Unprovable` and the whole clone goes to the engine.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envtool.envs.model import NullProgress, Progress
from envtool.envs.prefix import NOT_ENV_FILES, Record, Span

# py-rattler rewrites a shebang longer than this (Linux's limit) to ``#!/usr/bin/env``
MAX_SHEBANG = 127
_HARD_LINK_FAILS = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP)
# what py-rattler puts at the top of every prefix it installs into (CACHEDIR.TAG, bford.info)
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by rattler.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n"
)


class Unprovable(Exception):
    """The lean linker met something it cannot do exactly as the engine would."""


class _Stopped(Exception):
    """A worker gives up its package mid-way: another failed, or the caller was interrupted."""


@dataclass(frozen=True)
class Linked:
    """What :func:`link_env` did: the packages it linked and those it left for the engine
    (by record file name)."""

    linked: tuple[str, ...]
    left: tuple[str, ...]


def link_env(
    records: Sequence[Record],
    stage: Path,
    target: Path,
    cache: Path,
    requested: Mapping[str, Sequence[str]],
    *,
    progress: Progress | None = None,
    threads: int | None = None,
) -> Linked:
    """Link the packages of an env's ``records`` (as :func:`envtool.envs.prefix.read_records`
    reads them) into ``stage``, an empty staging dir whose files must name ``target``, from
    the extracted packages in ``cache``. ``requested``: package name → the specs py-rattler
    would record as its ``requested_specs``.

    The packages are linked by ``threads`` workers (default: one a CPU this process may use,
    at most 8), the largest first: the work is the kernel's (a ``link`` a file, a ``mkdir`` a
    directory), which runs outside the GIL. The files made do not depend on the order."""
    progress = progress or NullProgress()
    out_meta = stage / "conda-meta"
    out_meta.mkdir(parents=True, exist_ok=True)
    (stage / "CACHEDIR.TAG").write_text(CACHEDIR_TAG, encoding="utf-8")
    linker = _Linker(stage, str(target))
    progress.phase(f"linking {len(records)} packages")
    outcome: list[bool | None] = [None] * len(records)
    order = sorted(range(len(records)), key=lambda i: -len(records[i].files))
    work = iter(order)
    failed: list[BaseException] = []
    lock = threading.Lock()
    done = 0
    count = max(1, min(threads or min(_cpus(), 8), len(records)))

    def worker() -> None:
        nonlocal done
        while not failed:
            with lock:
                i = next(work, None)
            if i is None:
                return
            try:
                outcome[i] = _link_record(records[i], linker, out_meta, cache, requested)
            except BaseException as exc:  # the first one is raised by the caller's thread
                failed.append(exc)
                linker.stopped = True
                return
            with lock:
                done += 1
            if count == 1:  # else the caller's thread reports, as it waits
                progress.advance(done, len(records))

    if count == 1:
        worker()
    else:
        pool = [threading.Thread(target=worker, name=f"envtool-link-{n}") for n in range(count)]
        for thread in pool:
            thread.start()
        try:
            for thread in pool:
                while thread.is_alive():
                    thread.join(0.1)
                    progress.advance(done, len(records))
        except BaseException as stop:  # Ctrl-C: each worker stops at its next file
            failed.append(stop)
            linker.stopped = True
            _join_all(pool)  # before the caller removes the stage they write in
            raise
    if failed:
        error = failed[0]
        if isinstance(error, FileNotFoundError):  # a cache entry that lost a file
            raise Unprovable(f"{error.filename} is missing") from error
        raise error
    progress.advance(len(records), len(records))
    names = [record.path.name for record in records]
    return Linked(
        tuple(n for n, ok in zip(names, outcome, strict=True) if ok),
        tuple(n for n, ok in zip(names, outcome, strict=True) if not ok),
    )


def _cpus() -> int:
    """The CPUs this process may run on (its affinity, as a container's cpuset limits it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _join_all(pool: Iterable[threading.Thread]) -> None:
    """Wait for every thread of ``pool``; a Ctrl-C meanwhile does not cut the wait short."""
    for thread in pool:
        while thread.is_alive():
            try:
                thread.join()
            except KeyboardInterrupt:
                continue


def _link_record(
    record: Record,
    linker: _Linker,
    out_meta: Path,
    cache: Path,
    requested: Mapping[str, Sequence[str]],
) -> bool:
    """One package linked and its record written; False: left for the engine."""
    name = record.path.name
    pkg = record.package
    where = os.path.join(cache, f"{pkg.name}-{pkg.version}-{pkg.build}")
    specs = list(requested.get(pkg.name, ()))
    source = record.files_source
    raw = source.raw if isinstance(source, Span) else None
    if raw is not None and _plain_bytes(raw, where, len(record.files)):
        if not os.path.isdir(where):
            return False
        linker.link_files(where, record.files)  # plain hard links: no paths_data parse
        out = _with_requested(raw, specs)
        if out is None:
            data = json.loads(raw)
            data["requested_specs"] = specs
            out = _dump(data)
    else:
        out = raw if raw is not None else record.path.read_bytes()
        data = json.loads(out)
        package = _package_dir(data, cache)
        if package is None or not _plain(data):
            return False
        changed = linker.link(package, data["paths_data"]["paths"])
        if changed or data.get("requested_specs") != specs:
            data["requested_specs"] = specs
            out = (None if changed else _with_requested(out, specs)) or _dump(data)
    _write(out_meta / name, out)
    return True


def _plain_bytes(raw: bytes, where: str, files: int) -> bool:
    """Whether a record (as py-rattler or conda pretty-print one) says, without parsing its
    thousands of paths, that all of its ``files`` are plain hard links of the cache's
    extraction at ``where``: as many ``"path_type": "hardlink"`` as files, no placeholder,
    no ``no_link``, not noarch python, extracted and linked from ``where``."""
    quoted = json.dumps(where, ensure_ascii=False).encode("utf-8")
    return (
        raw.count(b'"path_type": "hardlink"') == files
        and b'"prefix_placeholder"' not in raw
        and b'"no_link"' not in raw
        and b'"noarch": "python"' not in raw
        and b'"noarch": {' not in raw
        and b'"extracted_package_dir": ' + quoted in raw
        and b'"source": ' + quoted in raw
    )


def _dump(record: Mapping[str, Any]) -> bytes:
    """A record as py-rattler writes one (two-space indent, no newline at the end)."""
    return json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8")


_REQUESTED = b'\n  "requested_specs": '


def _with_requested(raw: bytes, specs: Sequence[str]) -> bytes | None:
    """``raw`` with its top-level ``requested_specs`` value replaced (the rest of the bytes as
    they are: no re-encoding of thousands of paths); None when the layout is not the one
    py-rattler writes."""
    start = raw.find(_REQUESTED)
    if start == -1 or raw.find(_REQUESTED, start + 1) != -1:
        return None
    start += len(_REQUESTED)
    if raw.startswith(b"[]", start):
        end = start + 1
    elif raw.startswith(b"[\n", start) and (close := raw.find(b"\n  ]", start)) != -1:
        end = close + 3
    else:
        return None
    value = json.dumps(list(specs), indent=2, ensure_ascii=False).replace("\n", "\n  ")
    encoded = value.encode("utf-8")
    if raw[start : end + 1] == encoded:
        return raw
    return raw[:start] + encoded + raw[end + 1 :]


def _write(path: Path, data: bytes) -> None:
    """A record, private to its owner as py-rattler writes it (a temp file's mode, 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _package_dir(record: Mapping[str, Any], cache: Path) -> str | None:
    """The record's extracted package, when it is this cache's entry for the record (where the
    engine would link it from); else None."""
    where = record.get("extracted_package_dir")
    link = record.get("link")
    if not isinstance(where, str) or not isinstance(link, dict) or link.get("source") != where:
        return None
    dist = f"{record.get('name')}-{record.get('version')}-{record.get('build')}"
    if where != os.path.join(str(cache), dist) or not os.path.isdir(where):
        return None
    return where


_KNOWN = frozenset({"hardlink", "softlink", "directory"})


def _plain(record: Mapping[str, Any]) -> bool:
    """Whether every path of the record is one the lean linker makes as the engine does."""
    noarch = record.get("noarch")
    if noarch == "python" or (isinstance(noarch, dict) and noarch.get("type") == "python"):
        return False
    data = record.get("paths_data")
    if not isinstance(data, dict) or not isinstance(data.get("paths"), list):
        return False
    return all(
        isinstance(p, dict) and p.get("path_type") in _KNOWN and isinstance(p.get("_path"), str)
        for p in data["paths"]
    )


class _Linker:
    """Makes one package's paths in ``stage``; remembers the directories it made."""

    def __init__(self, stage: Path, target: str) -> None:
        self.stage = str(stage)
        self.new = target.encode("utf-8")
        self.made: set[str] = {self.stage}
        self.hard_links = True
        self.stopped = False  # set when a worker failed or the caller was interrupted

    def mkdir(self, path: str) -> None:
        """``os.makedirs(path, exist_ok=True)``, knowing which directories are made (no
        ``stat`` each; another worker may make the same one at the same time)."""
        parent = path.rpartition("/")[0]
        if parent and parent not in self.made:
            self.mkdir(parent)
        try:
            os.mkdir(path)
        except FileExistsError:
            if not os.path.isdir(path):
                raise
        self.made.add(path)

    def link_files(self, package: str, files: Iterable[str]) -> None:
        """Hard-link ``files`` of the extracted ``package`` (each a plain file)."""
        stage = self.stage
        made = self.made
        for rel in files:
            if self.stopped:
                raise _Stopped
            dst = f"{stage}/{rel}"
            parent = dst.rpartition("/")[0]
            if parent not in made:
                self.mkdir(parent)
            try:
                self._hard_link(f"{package}/{rel}", dst)
            except FileExistsError as exc:
                raise Unprovable(f"{rel} is in two packages") from exc

    def link(self, package: str, paths: Iterable[dict[str, Any]]) -> bool:
        """Make ``paths`` of the extracted ``package``; True when an entry changed (a
        placeholder's new hash and size)."""
        changed = False
        stage = self.stage
        made = self.made
        for entry in paths:
            if self.stopped:
                raise _Stopped
            rel = entry["_path"]
            dst = f"{stage}/{rel}"
            parent = dst.rpartition("/")[0]
            if parent not in made:
                self.mkdir(parent)
            src = f"{package}/{rel}"
            kind = entry["path_type"]
            try:
                if kind == "softlink":
                    os.symlink(os.readlink(src), dst)
                elif kind == "directory":
                    if dst not in made:
                        self.mkdir(dst)
                elif entry.get("prefix_placeholder"):
                    self._rewrite(src, dst, entry)
                    changed = True
                elif entry.get("no_link"):
                    shutil.copy(src, dst)
                else:
                    self._hard_link(src, dst)
            except FileExistsError as exc:
                raise Unprovable(f"{rel} is in two packages") from exc
        return changed

    def _hard_link(self, src: str, dst: str) -> None:
        """A hard link, or a copy once the filesystem has refused one."""
        if self.hard_links:
            try:
                os.link(src, dst)
                return
            except OSError as exc:
                if exc.errno not in _HARD_LINK_FAILS:
                    raise
                self.hard_links = False  # another filesystem: copy from now on, as the engine does
        shutil.copy(src, dst)

    def _rewrite(self, src: str, dst: str, entry: dict[str, Any]) -> None:
        with open(src, "rb") as fh:
            data = fh.read()
        old = str(entry["prefix_placeholder"]).encode("utf-8")
        if entry.get("file_mode") == "binary":
            data = _replace_cstrings(data, old, self.new)
        else:
            data = _replace_text(data, old, self.new)
        with open(dst, "wb") as fh:
            fh.write(data)
        os.chmod(dst, os.stat(src).st_mode & 0o7777)
        entry["sha256_in_prefix"] = hashlib.sha256(data).hexdigest()
        entry["size_in_bytes"] = len(data)


def _replace_text(data: bytes, old: bytes, new: bytes) -> bytes:
    """Every ``old`` replaced by ``new``; a shebang that would then be too long for the kernel
    or hold a space (py-rattler makes those ``#!/usr/bin/env``) is not this linker's."""
    if data.startswith(b"#!"):
        first = data.split(b"\n", 1)[0]
        if old in first:
            line = first.replace(old, new)
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Unprovable("a shebang that is not UTF-8") from exc
            if len(line) > MAX_SHEBANG or any(c in new for c in b" \t"):
                raise Unprovable("a shebang the engine rewrites")
    return data.replace(old, new)


def _replace_cstrings(data: bytes, old: bytes, new: bytes) -> bytes:
    """In each NUL-terminated string holding ``old``, every ``old`` replaced by ``new``, the
    string padded with NULs to its old length (a binary keeps its layout)."""
    if len(new) > len(old):
        raise Unprovable("the new prefix is longer than a binary placeholder")
    out: list[bytes] = []
    at = 0
    while True:
        start = data.find(old, at)
        if start == -1:
            out.append(data[at:])
            return b"".join(out)
        end = data.find(b"\0", start + len(old))
        end = len(data) if end == -1 else end
        out.append(data[at:start])
        piece = data[start:end].replace(old, new)
        out.append(piece + b"\0" * (end - start - len(piece)))
        at = end


def untracked(root: Path, records: Iterable[Record]) -> list[str]:
    """:func:`envtool.envs.prefix.untracked_files` of ``root``, sorted, by whole directories:
    one ``listdir`` a directory and a set difference against the paths its records list there,
    a ``stat`` only for what is left (pip's files, the user's). A path that a record lists as a
    file is taken as one (a record that lists a directory does not have its contents walked)."""
    files: dict[str, set[str]] = {}
    for record in records:
        for path in record.files:
            folder, _, name = path.replace("\\", "/").rpartition("/")
            got = files.get(folder)
            if got is None:
                files[folder] = got = set()
            got.add(name)
    dirs: dict[str, set[str]] = {}
    for folder in list(files):
        while folder:
            parent, _, name = folder.rpartition("/")
            sub = dirs.setdefault(parent, set())
            if name in sub:
                break
            sub.add(name)
            folder = parent
    out: list[str] = []
    todo = [""]
    base = str(root)
    while todo:
        rel = todo.pop()
        full = f"{base}/{rel}" if rel else base
        try:
            names = set(os.listdir(full))
        except NotADirectoryError:
            out.append(rel)  # a directory of the records' that is a file here
            continue
        except OSError:
            continue  # unreadable: as os.walk, skipped
        if not rel:
            names -= NOT_ENV_FILES
        prefix = f"{rel}/" if rel else ""
        known = dirs.get(rel, set())
        todo.extend(f"{prefix}{n}" for n in names & known)
        for name in names - files.get(rel, set()) - known:
            path = f"{prefix}{name}"
            try:
                is_dir = stat.S_ISDIR(os.lstat(f"{full}/{name}").st_mode)
            except OSError:
                is_dir = False
            (todo if is_dir else out).append(path)
    return sorted(out)
