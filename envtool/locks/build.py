"""Make a :class:`Lock`: from an installed env (exact, no solve) or an environment file (a solve
per platform).

- From an env: the host platform, read from ``conda-meta/*.json`` as recorded (url, md5,
  sha256, size, depends, ...), plus the env's pip packages (name and version; pip does not
  record where a package came from unless it was a direct URL). An env holds one platform:
  locking other platforms from it needs their solve (issue 9) and is refused with that said.
- From a file: its conda specs solved against its channels for each platform (the host's
  virtual packages for the host; :class:`~envtool.envs.platform.Platform`'s documented
  defaults for others: ``__glibc 2.28``, ``__osx 13.0``, no ``__cuda``), its pip lines locked
  when they pin exactly (``name==version``), else named in a note.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from envtool.envs import prefix as prefix_mod
from envtool.envs.export import env_platform
from envtool.envs.model import InstalledPackage
from envtool.errors import InputError, UsageError
from envtool.files.envfile import EnvFile
from envtool.locks.model import (
    Lock,
    LockedConda,
    LockedPip,
    PlatformLock,
    records_hash,
    sorted_conda,
    sorted_pip,
    spec_hash,
)

if TYPE_CHECKING:
    from envtool.backends.native import NativeBackend


@dataclass(frozen=True)
class Built:
    """A lock and what the chosen format must be told about it (notes for stderr)."""

    lock: Lock
    notes: list[str] = field(default_factory=list)


_TOKEN = re.compile(r"/t/[^/]+(?=/)")
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.IGNORECASE)


def public_url(url: str) -> str:
    """``url`` without credentials, as ``conda list --explicit`` writes it: no anaconda.org
    token path (``/t/<token>``), no ``user:password@`` — a lock is meant to be committed.

    >>> public_url("https://conda.anaconda.org/t/ab-12/private/noarch/x-1-0.conda")
    'https://conda.anaconda.org/private/noarch/x-1-0.conda'
    >>> public_url("https://me:s3cret@repo.example.com/c/linux-64/y-2-0.tar.bz2")
    'https://repo.example.com/c/linux-64/y-2-0.tar.bz2'
    """
    return _USERINFO.sub(r"\1", _TOKEN.sub("", url, count=1))


def without_credentials(built: Built) -> Built:
    """``built`` with every URL made public; a note when that changed any."""
    lock = built.lock
    changed = False
    platforms = []
    for platform in lock.platforms:
        conda = []
        for r in platform.conda:
            url, channel = public_url(r.url), public_url(r.channel)
            changed = changed or (url, channel) != (r.url, r.channel)
            conda.append(replace(r, url=url, channel=channel))
        pip = []
        for p in platform.pip:
            url = public_url(p.url)
            changed = changed or url != p.url
            pip.append(replace(p, url=url))
        platforms.append(replace(platform, conda=tuple(conda), pip=tuple(pip)))
    channels = tuple(public_url(c) for c in lock.channels)
    changed = changed or channels != lock.channels
    if not changed:
        return built
    note = (
        "credentials (tokens, user:password@) removed from the lock's URLs; installing it "
        "needs them configured (conda's .condarc, pip's netrc or keyring)"
    )
    return Built(replace(lock, platforms=tuple(platforms), channels=channels), [*built.notes, note])


# ------------------------------------------------------------------------------- from an env


def from_prefix(path: Path, platforms: Sequence[str]) -> Built:
    """The env at ``path`` locked exactly from its records (the host platform only)."""
    conda = _read_conda_meta(path)
    platform = env_platform([_as_installed(r) for r in conda])
    other = [p for p in platforms if p != platform]
    if other:
        raise UsageError(
            f"{path} is installed for {platform}: locking {', '.join(other)} from an installed "
            "env needs a solve for that platform (not supported yet, issue 9); "
            "lock the environment file with -f FILE --platform instead"
        )
    records = prefix_mod.read_records(path, lambda c: c)
    urls = _pip_origins(path, records)
    pip = tuple(
        LockedPip(p.name, p.version, *urls.get(p.name, ("", "")))
        for p in prefix_mod.read_pip(path, records)
    )
    locked = PlatformLock(platform, sorted_conda(conda), sorted_pip(pip))
    channels = tuple(dict.fromkeys(r.channel for r in locked.conda if r.channel))
    lock = Lock(
        (locked,),
        channels=channels,
        content_hash={platform: records_hash(locked)},
        source=str(path),
    )
    return without_credentials(Built(lock))


def _pip_origins(path: Path, records: Sequence[prefix_mod.Record]) -> dict[str, tuple[str, str]]:
    """(url, sha256) of pip packages installed from a URL or a wheel file: PEP 610's
    ``direct_url.json`` in their ``.dist-info``. Packages from an index record no URL."""
    site = prefix_mod.site_packages_dir(records)
    if site is None:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for record_file in sorted((path / site).glob("*.dist-info/direct_url.json")):
        try:
            data = json.loads(record_file.read_bytes())
        except (OSError, ValueError):
            continue
        url = data.get("url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url or "dir_info" in data or "vcs_info" in data:
            continue  # a local directory or a VCS checkout is not a download
        archive = data.get("archive_info") if isinstance(data.get("archive_info"), dict) else {}
        digest = str(archive.get("hash") or "")
        sha256 = digest.split("=", 1)[1] if digest.startswith("sha256=") else ""
        stem = record_file.parent.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        out[stem.replace("_", "-").replace(".", "-").lower()] = (url, sha256)
    return out


def _read_conda_meta(path: Path) -> list[LockedConda]:
    out: list[LockedConda] = []
    meta = path / "conda-meta"
    for file in sorted(meta.glob("*.json")):
        try:
            data = json.loads(file.read_bytes())
        except (OSError, ValueError) as exc:
            raise InputError(str(file), "cannot read package record") from exc
        if not isinstance(data, dict) or not data.get("name"):
            continue
        name, version, build = (str(data.get(k, "")) for k in ("name", "version", "build"))
        if f"{name}-{version}-{build}" != file.stem:
            continue  # conda ignores a record whose file name does not match it
        url = str(data.get("url") or "")
        if not url:
            raise InputError(str(file), f"no URL recorded for {name}: it cannot be locked")
        noarch = data.get("noarch")
        size = data.get("size")
        timestamp = data.get("timestamp")
        out.append(
            LockedConda(
                name=name.lower(),
                version=version,
                build=build,
                url=url,
                subdir=str(data.get("subdir") or url.rsplit("/", 2)[-2]),
                build_number=int(data.get("build_number") or 0),
                channel=url.rsplit("/", 2)[0],
                md5=str(data.get("md5") or ""),
                sha256=str(data.get("sha256") or ""),
                size=int(size) if isinstance(size, int) else None,
                depends=tuple(str(d) for d in data.get("depends") or ()),
                constrains=tuple(str(c) for c in data.get("constrains") or ()),
                noarch=str(noarch) if noarch in ("python", "generic") else "",
                license=str(data.get("license") or ""),
                timestamp=_millis(timestamp),
            )
        )
    return out


def _millis(value: object) -> int | None:
    if not isinstance(value, (int, float)):
        return None
    return int(value * 1000) if value < 1e11 else int(value)  # seconds or milliseconds


def _as_installed(r: LockedConda) -> InstalledPackage:
    return InstalledPackage(r.name, r.version, r.build, subdir=r.subdir)


# ------------------------------------------------------------------------------- from a file


def from_file(
    env: EnvFile,
    platforms: Sequence[str],
    *,
    backend: NativeBackend,
    base_dir: Path,
    lock_dir: Path,
    file: str,
    cuda: str | None = None,
) -> Built:
    """Solve ``env`` for each of ``platforms`` (this machine's with its own virtual packages,
    any other with :meth:`Platform.for_subdir`'s documented defaults)."""
    from envtool.envs.model import CreateOptions
    from envtool.envs.platform import Platform, current_subdir
    from envtool.locks import records

    specs = [dep.text.strip() for dep in env.conda]
    pip_lines = [p.text for p in env.pip or ()]
    pip, unpinned = _pinned_pip(env)
    notes = []
    if unpinned:
        notes.append(
            f"{env.source}: pip lines that do not pin one version are not locked: "
            + ", ".join(unpinned)
        )
    channel_urls = backend.solve_channels(env.channels, base_dir)
    options = CreateOptions(base_dir=base_dir)
    locked: list[PlatformLock] = []
    hashes: dict[str, str] = {}
    for subdir in platforms:
        platform = (
            Platform.current().with_cuda(cuda)
            if subdir == current_subdir()
            else Platform.for_subdir(subdir, cuda=cuda)
        )
        solved = backend.solve(
            specs, env.channels, platform, options=options, source=f"{env.source} ({subdir})"
        )
        conda = sorted_conda(records.from_rattler(p.engine_record) for p in solved)
        locked.append(PlatformLock(subdir, conda, pip))
        hashes[subdir] = spec_hash(subdir, env.channels, specs, pip_lines, cuda)
    used = {r.channel for p in locked for r in p.conda}
    urls = [u.rstrip("/") for u in channel_urls]
    channels = tuple(u for u in urls if u in used) or tuple(urls)
    source = os.path.relpath(Path(file).resolve(), lock_dir.resolve()).replace(os.sep, "/")
    lock = Lock(
        tuple(locked),
        channels=tuple(dict.fromkeys(channels)),
        sources=(source,),
        content_hash=hashes,
        source=file,
    )
    return without_credentials(Built(lock, notes))


def _pinned_pip(env: EnvFile) -> tuple[tuple[LockedPip, ...], list[str]]:
    pinned: list[LockedPip] = []
    unpinned: list[str] = []
    for dep in env.pip or ():
        text = dep.text.strip()
        name, sep, version = text.partition("==")
        if sep and name.strip() and version.strip() and not any(c in text for c in ";,<>!~@ "):
            pinned.append(LockedPip(name.strip().lower(), version.strip()))
        else:
            unpinned.append(text)
    return sorted_pip(pinned), unpinned


def file_hashes(env: EnvFile, platforms: Sequence[str], cuda: str | None = None) -> dict[str, str]:
    """The content hash ``from_file`` would record, without solving (for ``--check``)."""
    specs = [dep.text.strip() for dep in env.conda]
    pip_lines = [p.text for p in env.pip or ()]
    return {p: spec_hash(p, env.channels, specs, pip_lines, cuda) for p in platforms}
