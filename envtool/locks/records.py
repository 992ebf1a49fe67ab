"""Lock records ↔ py-rattler records (RepoDataRecord, PrefixRecord): the engine boundary.

Imported only when a lock is solved, installed, or written/read as pixi.lock (py-rattler's
``LockFile``); the other formats never load the engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from envtool.locks.model import LockedConda


def from_rattler(record: Any) -> LockedConda:
    """A py-rattler RepoDataRecord (a solve's result, or a PrefixRecord) → :class:`LockedConda`."""
    url = str(record.url)
    channel = str(record.channel or "") or url.rsplit("/", 2)[0]
    noarch = record.noarch
    kind = "python" if noarch.python else "generic" if noarch.generic else ""
    return LockedConda(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        url=url,
        subdir=str(record.subdir),
        build_number=int(record.build_number),
        channel=channel.rstrip("/"),
        md5=record.md5.hex() if record.md5 else "",
        sha256=record.sha256.hex() if record.sha256 else "",
        size=int(record.size) if record.size else None,
        depends=tuple(str(d) for d in record.depends),
        constrains=tuple(str(c) for c in record.constrains),
        noarch=kind,
        license=str(record.license or ""),
        timestamp=_millis(record.timestamp),
    )


def _millis(value: Any) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return None


def to_rattler(locked: LockedConda) -> Any:
    """:class:`LockedConda` → a py-rattler RepoDataRecord (what the installer and LockFile take)."""
    from rattler import NoArchType, PackageRecord, RepoDataRecord
    from rattler.package.build_string import BuildString

    noarch = (
        NoArchType("python")
        if locked.noarch == "python"
        else NoArchType("generic")
        if locked.noarch == "generic"
        else NoArchType()
    )
    package = PackageRecord(
        locked.name,
        locked.version,
        BuildString.new_unchecked(locked.build),
        locked.build_number,
        locked.subdir,
        noarch=noarch,
        depends=list(locked.depends),
        constrains=list(locked.constrains),
        sha256=bytes.fromhex(locked.sha256) if locked.sha256 else None,
        md5=bytes.fromhex(locked.md5) if locked.md5 else None,
        size=locked.size,
        license=locked.license or None,
    )
    if locked.timestamp is not None:
        from datetime import timezone

        package.timestamp = datetime.fromtimestamp(locked.timestamp / 1000, tz=timezone.utc)
    channel = locked.channel or locked.url.rsplit("/", 2)[0]
    return RepoDataRecord(package, locked.file_name, locked.url, channel.rstrip("/") + "/")
