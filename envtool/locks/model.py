"""The lock model: per platform, the exact package records an environment is made of.

Every format envtool writes or reads (``conda-lock.yml``, ``pixi.lock`` v4–v7, ``@EXPLICIT``)
converts to and from these values; nothing here does I/O. A :class:`Lock` pins; it never asks
for a solve: installing one installs exactly :attr:`PlatformLock.conda` (hash-checked), and
comparing one with a file or an env compares those records as ``name=version=build`` pins.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Format = Literal["conda-lock", "pixi", "pixi-v7", "explicit"]
FORMATS: tuple[Format, ...] = ("conda-lock", "pixi", "pixi-v7", "explicit")
DEFAULT_FILE = {"conda-lock": "conda-lock.yml", "pixi": "pixi.lock", "pixi-v7": "pixi.lock"}


@dataclass(frozen=True)
class LockedConda:
    """One conda package, exactly: what an installer needs to fetch, verify and link it."""

    name: str
    version: str
    build: str
    url: str
    subdir: str
    build_number: int = 0
    channel: str = ""  # the channel's base URL (no subdir), "" when unknown
    md5: str = ""
    sha256: str = ""
    size: int | None = None
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    noarch: str = ""  # "", "generic" or "python"
    license: str = ""
    timestamp: int | None = None  # milliseconds since the epoch, as in repodata

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1].split("#", 1)[0]

    @property
    def pin(self) -> str:
        """``name=version=build``: the exact spec an environment file uses."""
        return f"{self.name}={self.version}={self.build}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two records the same package: name, version, build and its bytes."""
        return (self.name, self.version, self.build, self.sha256 or self.md5)


@dataclass(frozen=True)
class LockedPip:
    """One Python package installed by pip (``url``/``sha256`` when known)."""

    name: str
    version: str
    url: str = ""
    sha256: str = ""

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class PlatformLock:
    platform: str  # a conda subdir: linux-64, osx-arm64, ...
    conda: tuple[LockedConda, ...]  # sorted by name
    pip: tuple[LockedPip, ...] = ()  # sorted by name


@dataclass(frozen=True)
class Lock:
    """Exact records per platform, the channels they came from, and what they were made from.

    ``sources`` are the files the lock was made from, relative to the lock's directory (empty
    for a lock taken from an installed env); ``content_hash`` is one sha256 per platform over
    what was locked (see :func:`content_hash`).
    """

    platforms: tuple[PlatformLock, ...]
    channels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    content_hash: Mapping[str, str] = field(default_factory=dict)
    source: str = field(default="", compare=False)  # the file it was read from
    format: str = field(default="", compare=False)

    @property
    def platform_names(self) -> tuple[str, ...]:
        return tuple(p.platform for p in self.platforms)

    def for_platform(self, platform: str) -> PlatformLock | None:
        return next((p for p in self.platforms if p.platform == platform), None)


def sorted_conda(records: Iterable[LockedConda]) -> tuple[LockedConda, ...]:
    return tuple(sorted(records, key=lambda r: (r.name, r.version, r.build)))


def sorted_pip(packages: Iterable[LockedPip]) -> tuple[LockedPip, ...]:
    return tuple(sorted(packages, key=lambda p: p.name))


def content_hash(data: Mapping[str, object]) -> str:
    """sha256 of ``data`` as canonical JSON (sorted keys), as conda-lock hashes its lock spec."""
    text = json.dumps(data, sort_keys=True, separators=(", ", ": "))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def spec_hash(
    platform: str,
    channels: Iterable[str],
    specs: Iterable[str],
    pip: Iterable[str],
    cuda: str | None = None,
) -> str:
    """The content hash of an environment file for one platform: its channels (in order), its
    conda specs and its pip lines (each sorted), and ``--cuda`` when given. Any edit that could
    change the solve changes it.
    """
    data: dict[str, object] = {
        "platform": platform,
        "channels": list(channels),
        "specs": sorted(specs),
        "pip": sorted(pip),
    }
    if cuda is not None:
        data["cuda"] = cuda
    return content_hash(data)


def records_hash(lock: PlatformLock) -> str:
    """The content hash of a lock taken from an installed env: the records themselves."""
    return content_hash(
        {
            "platform": lock.platform,
            "conda": [f"{r.url}#{r.sha256 or r.md5}" for r in lock.conda],
            "pip": [p.pin for p in lock.pip],
        }
    )


def differences(old: PlatformLock, new: PlatformLock) -> list[str]:
    """What changed between two locks of one platform, one line per package (empty: same)."""
    out: list[str] = []
    a = {r.name: r for r in old.conda}
    b = {r.name: r for r in new.conda}
    for name in sorted(a.keys() | b.keys()):
        x, y = a.get(name), b.get(name)
        if x is None and y is not None:
            out.append(f"+ {y.pin}")
        elif y is None and x is not None:
            out.append(f"- {x.pin}")
        elif x is not None and y is not None and _same(x, y) is False:
            out.append(f"~ {x.pin} → {y.pin}" if x.pin != y.pin else f"~ {x.pin} (other bytes)")
    pa = {p.name: p.version for p in old.pip}
    pb = {p.name: p.version for p in new.pip}
    for name in sorted(pa.keys() | pb.keys()):
        if pa.get(name) != pb.get(name):
            out.append(f"~ pip {name} {pa.get(name, '(none)')} → {pb.get(name, '(none)')}")
    return out


def _same(x: LockedConda, y: LockedConda) -> bool:
    if x.pin != y.pin:
        return False
    if x.sha256 and y.sha256:
        return x.sha256 == y.sha256
    if x.md5 and y.md5:
        return x.md5 == y.md5
    return True
