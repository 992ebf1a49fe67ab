"""Install one platform of a lock: exactly its records, no solve, every archive verified first.

Before anything is staged or linked, each package archive is checked against the lock's sha256
(md5 when the lock has no sha256): a ``file://`` URL's archive in its channel, any copy of it in
the package caches (``<pkgs_dir>/<file name>``), and, for a remote URL, the archive downloaded
into a temp dir (installed from there, the record's URL restored afterwards). A mismatch fails
the whole install (exit 2) with nothing left at the target. py-rattler's own package cache is
keyed by the sha256 it was filled with, so it re-extracts a package whose sha256 differs.

:func:`install_records` is the one call into the engine's installer (re-pointed when backends
gain a transaction API).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from envtool.envs.model import CreateOptions, CreateResult, EnvLocation, NullProgress, Progress
from envtool.errors import BackendError
from envtool.locks.model import LockedConda, PlatformLock

if TYPE_CHECKING:
    from envtool.backends.native import NativeBackend

CHUNK = 1 << 20


def file_digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _expected(record: LockedConda) -> tuple[str, str]:
    return ("sha256", record.sha256) if record.sha256 else ("md5", record.md5)


def _local_path(url: str) -> Path | None:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if parsed.scheme == "" and url.startswith("/"):
        return Path(url)
    return None


def _check(record: LockedConda, path: Path, what: str) -> None:
    algorithm, expected = _expected(record)
    try:
        got = file_digest(path, algorithm)
    except OSError as exc:
        raise BackendError(f"{path}: cannot read {what} of {record.pin}: {exc.strerror}") from exc
    if got != expected:
        raise BackendError(
            f"{path}: {algorithm} mismatch for {record.pin} ({what}): the lock says "
            f"{expected}, the file is {got} (a corrupt or swapped archive); nothing installed"
        )


def verify(
    records: Sequence[LockedConda], pkgs_dirs: Iterable[Path], download_dir: Path
) -> tuple[dict[str, Path], list[str]]:
    """Check every archive; returns the verified downloads (by URL) and the unhashed pins."""
    caches = list(pkgs_dirs)
    unhashed = [r.pin for r in records if not (r.sha256 or r.md5)]
    remote: list[LockedConda] = []
    for record in records:
        if not (record.sha256 or record.md5):
            continue
        for cache in caches:
            cached = cache / record.file_name
            if cached.is_file():
                _check(record, cached, "the archive in the package cache")
        local = _local_path(record.url)
        if local is None:
            remote.append(record)
        elif not local.is_file():
            raise BackendError(f"{record.url}: no such package archive ({record.pin})")
        else:
            _check(record, local, "the archive in its channel")
    downloads: dict[str, Path] = {}
    if remote:
        with ThreadPoolExecutor(max_workers=8) as pool:
            paths = list(pool.map(lambda r: _download(r, download_dir), remote))
        for record, path in zip(remote, paths, strict=True):
            _check(record, path, "the downloaded archive")
            downloads[record.url] = path
    return downloads, unhashed


def _download(record: LockedConda, directory: Path) -> Path:
    target = directory / record.file_name
    try:
        with urllib.request.urlopen(record.url, timeout=60) as response, target.open("wb") as fh:
            shutil.copyfileobj(response, fh, CHUNK)
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise BackendError(f"cannot download {record.url} (offline?): {reason}") from exc
    return target


def install_records(
    records: Sequence[LockedConda],
    prefix: Path,
    *,
    target_prefix: Path,
    cache_dir: Path | None,
    pkgs_dirs: Iterable[Path],
    progress: Progress | None = None,
    source: str = "",
) -> list[str]:
    """Verify, then install ``records`` into the empty dir ``prefix`` (for ``target_prefix``).

    Returns the pins that had no hash to check (the caller says so).
    """
    from dataclasses import replace

    from envtool.backends import engine
    from envtool.locks import records as convert

    progress = progress or NullProgress()
    progress.phase(f"verifying {len(records)} package archives")
    with tempfile.TemporaryDirectory(prefix=".envtool-lock-", dir=prefix.parent) as tmp:
        downloads, unhashed = verify(records, pkgs_dirs, Path(tmp))
        to_install = [
            convert.to_rattler(
                replace(r, url=downloads[r.url].as_uri(), channel=r.channel)
                if r.url in downloads
                else r
            )
            for r in records
        ]
        engine.install(
            to_install,
            prefix,
            target_prefix=target_prefix,
            cache_dir=cache_dir,
            requested_specs=[r.pin for r in records],
            progress=progress,
            source=source,
        )
    if downloads:
        _restore_urls(prefix, [r for r in records if r.url in downloads])
    return unhashed


def _restore_urls(prefix: Path, records: Iterable[LockedConda]) -> None:
    """Point the conda-meta records of downloaded packages back at their real URLs."""
    for record in records:
        path = prefix / "conda-meta" / f"{record.name}-{record.version}-{record.build}.json"
        data = json.loads(path.read_bytes())
        data["url"] = record.url
        data["channel"] = record.channel
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def create(
    locked: PlatformLock,
    target: EnvLocation,
    options: CreateOptions,
    backend: NativeBackend,
    *,
    source: str,
) -> tuple[CreateResult, list[str]]:
    """A new env at ``target`` holding exactly ``locked`` (then its pip packages), all or nothing.

    Returns the result and the pins installed without a hash to check.
    """
    from envtool.backends.native import _append_history, pip_install
    from envtool.envs import prefix as prefix_mod
    from envtool.envs.model import InstalledPackage
    from envtool.envs.staging import StagedPrefix

    packages = tuple(
        InstalledPackage(
            name=r.name,
            version=r.version,
            build=r.build,
            build_number=r.build_number,
            channel=backend._canonical(r.channel) if r.channel else "",
            subdir=r.subdir,
            url=r.url,
            depends=r.depends,
            md5=r.md5,
        )
        for r in locked.conda
    )
    pip_lines = tuple(
        f"{p.name} @ {p.url}"
        if p.url and not p.url.startswith("https://pypi.org/simple/")
        else p.pin
        for p in locked.pip
    )
    if pip_lines and not any(p.name == "python" for p in packages):
        raise BackendError(f"{source}: the lock has pip packages but no python")
    if options.dry_run:
        return CreateResult(target, packages, pip_lines, dry_run=True), []
    replacing = backend._check_target(target, options.on_exists)
    with StagedPrefix(target.prefix, replace=replacing) as stage:
        unhashed = install_records(
            locked.conda,
            stage.path,
            target_prefix=target.prefix,
            cache_dir=backend._cache_dir(),
            pkgs_dirs=backend.config.pkgs_dirs,
            progress=options.progress,
            source=source,
        )
        _append_history(stage.path, options.command, packages, [r.pin for r in locked.conda])
        prefix_mod.write_variables(stage.path, {})
        stage.commit()
        if pip_lines:
            options.progress.phase(f"pip install ({len(pip_lines)} packages)")
            pip_install(target.prefix, pip_lines, options.base_dir)
        stage.finish()
    return CreateResult(target, packages, pip_lines, replaced=replacing), unhashed
