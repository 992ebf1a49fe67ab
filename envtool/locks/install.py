"""Install one platform of a lock: exactly its records, no solve, every archive verified first.

Before anything is staged or linked, each package archive is checked against the lock's sha256
(md5 when the lock has no sha256): a ``file://`` URL's archive in its channel, any copy of it in
the package caches (``<pkgs_dir>/<file name>``), and, for a remote URL, the archive downloaded
into a temp dir (installed from there, the record's URL restored afterwards). A mismatch fails
the whole install (exit 2) with nothing left at the target. py-rattler's own package cache is
keyed by the sha256 it was filled with, so it re-extracts a package whose sha256 differs.

:func:`create` hands the verified records to the native backend's transaction (staging,
history, pip section, all or nothing).
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

from envtool.envs.model import CreateOptions, CreateResult, EnvLocation, InstalledPackage
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


def create(
    locked: PlatformLock,
    target: EnvLocation,
    options: CreateOptions,
    backend: NativeBackend,
    *,
    source: str,
) -> tuple[CreateResult, list[str]]:
    """A new env at ``target`` holding exactly ``locked`` (then its pip packages), as one
    transaction of the native backend; every archive verified before anything is staged.

    Returns the result and the pins installed without a hash to check.
    """
    from dataclasses import replace

    from envtool.envs import transaction
    from envtool.locks import records as convert

    packages = tuple(_package(r, backend) for r in locked.conda)
    pip_lines = tuple(
        f"{p.name} @ {p.url}"
        if p.url and not p.url.startswith("https://pypi.org/simple/")
        else p.pin
        for p in locked.pip
    )
    if pip_lines and not any(p.name == "python" for p in packages):
        raise BackendError(f"{source}: the lock has pip packages but no python")
    replacing = transaction.check_target(target, options, root_prefix=backend.config.root_prefix)
    if options.dry_run:
        return CreateResult(target, packages, pip_lines, dry_run=True, replaced=replacing), []
    options.progress.phase(f"verifying {len(locked.conda)} package archives")
    with tempfile.TemporaryDirectory(prefix="envtool-lock-") as tmp:
        downloads, unhashed = verify(locked.conda, backend.config.pkgs_dirs, Path(tmp))
        to_install = tuple(
            replace(
                package,
                engine_record=convert.to_rattler(
                    replace(r, url=downloads[r.url].as_uri()) if r.url in downloads else r
                ),
            )
            for package, r in zip(packages, locked.conda, strict=True)
        )
        backend._install(  # the native transaction: staged, completed, moved into place
            to_install,
            target,
            options,
            replacing,
            specs=[r.pin for r in locked.conda],
            pip_lines=pip_lines,
            source=source,
        )
    if downloads:
        restore_urls(target.prefix, [r for r in locked.conda if r.url in downloads])
    return CreateResult(target, packages, pip_lines, replaced=replacing), unhashed


def _package(r: LockedConda, backend: NativeBackend) -> InstalledPackage:
    return InstalledPackage(
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


def restore_urls(prefix: Path, records: Iterable[LockedConda]) -> None:
    """Point the conda-meta records of downloaded packages back at their real URLs."""
    for record in records:
        path = prefix / "conda-meta" / f"{record.name}-{record.version}-{record.build}.json"
        data = json.loads(path.read_bytes())
        data["url"] = record.url
        data["channel"] = record.channel
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
