"""``pixi.lock``: v6 (what conda 26 reads) and v7 (what pixi writes today); read: v4–v7.

- v7 is written by py-rattler's ``LockFile`` (rattler_lock, which py-rattler 0.28 writes as
  ``version: 7``): one ``default`` environment, its channels, its conda and pypi packages.
- v6 is written here, field for field as rattler_lock's v6 model serializes a package: ``conda:
  URL`` with name, version, build, subdir and channel left to be derived from the URL (written
  only when they differ from it), then ``sha256``, ``md5``, ``depends``, ``constrains``,
  ``license``, ``size``, ``timestamp``; pypi packages as ``pypi: URL`` with ``name`` and
  ``version``.
- Reading goes through py-rattler's ``LockFile.from_path`` (every version rattler_lock knows);
  ``environment`` names the pixi environment (default ``default``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from envtool.errors import InputError
from envtool.locks import records
from envtool.locks.condalock import pip_project_url
from envtool.locks.model import Lock, LockedConda, LockedPip, PlatformLock, sorted_conda, sorted_pip

ENVIRONMENT = "default"


def notes(lock: Lock) -> list[str]:
    out = []
    for platform in lock.platforms:
        guessed = [p.pin for p in platform.pip if not p.url]
        if guessed:
            out.append(
                f"{platform.platform}: no download URL recorded for pip packages "
                f"{', '.join(guessed)}: their PyPI project page is written as the location"
            )
    return out


# ------------------------------------------------------------------------------------ v6


def dump_v6(lock: Lock) -> str:
    env_packages: dict[str, list[dict[str, str]]] = {}
    packages: list[dict[str, Any]] = []
    seen: set[str] = set()
    for platform in lock.platforms:
        listed = env_packages.setdefault(platform.platform, [])
        for r in platform.conda:
            listed.append({"conda": r.url})
            if r.url not in seen:
                seen.add(r.url)
                packages.append(_conda_v6(r))
        for p in platform.pip:
            location = p.url or pip_project_url(p.name)
            listed.append({"pypi": location})
            if location not in seen:
                seen.add(location)
                entry: dict[str, Any] = {"pypi": location, "name": p.name, "version": p.version}
                if p.sha256:
                    entry["sha256"] = p.sha256
                packages.append(entry)
    packages.sort(key=lambda e: str(e.get("conda") or e.get("pypi")))
    document = {
        "version": 6,
        "environments": {
            ENVIRONMENT: {
                "channels": [{"url": _channel_url(c)} for c in lock.channels],
                "packages": env_packages,
            }
        },
        "packages": packages,
    }
    return yaml.dump(
        document,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )


def _channel_url(channel: str) -> str:
    return channel if channel.endswith("/") else channel + "/"


def _conda_v6(r: LockedConda) -> dict[str, Any]:
    entry: dict[str, Any] = {"conda": r.url}
    stem = r.file_name.removesuffix(".conda").removesuffix(".tar.bz2")
    derived = stem.rsplit("-", 2) if stem.count("-") >= 2 else ["", "", ""]
    if derived[0] != r.name:
        entry["name"] = r.name
    if derived[1] != r.version:
        entry["version"] = r.version
    if derived[2] != r.build:
        entry["build"] = r.build
    tail = r.build.rsplit("_", 1)[-1]
    if r.build_number != (int(tail) if tail.isdigit() else 0):
        entry["build_number"] = r.build_number
    entry["subdir"] = r.subdir  # rattler_lock derives it from http URLs, not from file paths
    if r.noarch:
        entry["noarch"] = r.noarch
    if r.sha256:
        entry["sha256"] = r.sha256
    if r.md5:
        entry["md5"] = r.md5
    if r.depends:
        entry["depends"] = list(r.depends)
    if r.constrains:
        entry["constrains"] = list(r.constrains)
    if r.license:
        entry["license"] = r.license
    if r.size is not None:
        entry["size"] = r.size
    if r.timestamp is not None:
        entry["timestamp"] = r.timestamp
    return entry


# ------------------------------------------------------------------------------------ v7


def dump_v7(lock: Lock) -> str:
    """pixi.lock v7 as py-rattler's ``LockFile`` writes it (via a temporary file)."""
    from rattler import LockChannel, LockFile, LockPlatform

    platforms = {p.platform: LockPlatform(p.platform) for p in lock.platforms}
    lock_file = LockFile(list(platforms.values()))
    lock_file.set_channels(ENVIRONMENT, [LockChannel(c) for c in lock.channels])
    for platform in lock.platforms:
        target = platforms[platform.platform]
        for r in platform.conda:
            lock_file.add_conda_package(ENVIRONMENT, target, records.to_rattler(r))
        for p in platform.pip:
            location = p.url or pip_project_url(p.name)
            lock_file.add_pypi_package(ENVIRONMENT, target, p.name, p.version, location)
    with _scratch() as path:
        lock_file.to_path(path)
        text: str = path.read_text(encoding="utf-8")
        return text


@contextlib.contextmanager
def _scratch(text: str | None = None) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix="envtool-", suffix=".lock")
    os.close(fd)
    path = Path(name)
    try:
        if text is not None:
            path.write_text(text, encoding="utf-8")
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


# ----------------------------------------------------------------------------------- reading


def _pypi_sha256(package: Any) -> str:
    hashes = package.hashes
    inner = getattr(hashes, "_hashes", None) if hashes is not None else None
    digest = inner.sha256 if inner is not None else None  # py-rattler wraps a None inside
    return digest.hex() if digest else ""


def parse(text: str, source: str, environment: str = ENVIRONMENT) -> Lock:
    """pixi.lock text (any version py-rattler reads: v4–v7) → a :class:`Lock` of one env."""
    from rattler import LockFile

    with _scratch(text) as path:
        try:
            lock_file = LockFile.from_path(path)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # rattler's ParseError, or a panic
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise InputError(source, f"invalid pixi.lock: {first}") from exc
    env = lock_file.environment(environment)
    if env is None:
        names = ", ".join(sorted(name for name, _ in lock_file.environments())) or "none"
        raise InputError(source, f"no pixi environment {environment!r} (it has: {names})")
    platforms: list[PlatformLock] = []
    for lock_platform in env.platforms():
        conda = env.conda_repodata_records_for_platform(lock_platform) or []
        pypi = env.pypi_packages_for_platform(lock_platform) or []
        pip = [
            LockedPip(
                p.name,
                str(p.version),
                str(p.location),
                _pypi_sha256(p),
            )
            for p in pypi
        ]
        platforms.append(
            PlatformLock(
                lock_platform.name,
                sorted_conda(records.from_rattler(r) for r in conda),
                sorted_pip(pip),
            )
        )
    channels = tuple(str(c).rstrip("/") for c in env.channels())
    return Lock(tuple(platforms), channels=channels, source=source, format="pixi")
