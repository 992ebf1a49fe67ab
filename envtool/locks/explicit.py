"""``@EXPLICIT`` files (CEP 23, what ``conda list --explicit`` writes and ``conda create --file``
installs): one platform, one package URL a line, each with a hash fragment.

Written as conda 26 writes them with ``--sha256`` (``URL#<sha256>``; ``URL#<md5>`` when a record
has no sha256). Read: ``#<md5>``, ``#<sha256>``, ``#sha256:<hex>`` and ``#sha256=<hex>``. An
explicit file holds neither pip packages nor dependencies: the writer says so (``notes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from envtool import __version__
from envtool.errors import InputError
from envtool.locks.model import Lock, LockedConda, PlatformLock, sorted_conda

MARKER = "@EXPLICIT"
_FRAGMENT = re.compile(r"^(?:(?P<md5>[0-9a-f]{32})|(?:sha256[:=])?(?P<sha256>[0-9a-f]{64}))$")
_ARCHIVE = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)\.(?:conda|tar\.bz2)$")


def is_explicit(text: str) -> bool:
    """The first line that is not blank or a ``#`` comment is ``@EXPLICIT``."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped == MARKER
    return False


def dump(lock: PlatformLock) -> str:
    """The explicit file of one platform, dependencies first (any installer accepts that)."""
    lines = [
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        f"# platform: {lock.platform}",
        f"# created-by: envtool {__version__}",
        MARKER,
    ]
    for record in _dependencies_first(lock.conda):
        digest = record.sha256 or record.md5
        lines.append(f"{record.url}#{digest}" if digest else record.url)
    return "\n".join(lines) + "\n"


def notes(lock: PlatformLock) -> list[str]:
    """What an explicit file of ``lock`` cannot hold (said on stderr, never dropped silently)."""
    out = []
    if lock.pip:
        names = ", ".join(p.pin for p in lock.pip)
        out.append(f"{lock.platform}: an explicit file cannot hold pip packages; left out: {names}")
    unhashed = [r.pin for r in lock.conda if not (r.sha256 or r.md5)]
    if unhashed:
        out.append(f"{lock.platform}: no hash recorded for {', '.join(unhashed)}")
    return out


def _dependencies_first(records: Iterable[LockedConda]) -> list[LockedConda]:
    by_name = {r.name: r for r in records}
    placed: set[str] = set()
    out: list[LockedConda] = []

    def visit(name: str, seen: frozenset[str]) -> None:
        if name in placed or name in seen or name not in by_name:
            return
        record = by_name[name]
        for dep in record.depends:
            visit(dep.split()[0].split("[")[0].lower() if dep.split() else dep, seen | {name})
        placed.add(name)
        out.append(record)

    for name in sorted(by_name):
        visit(name, frozenset())
    return out


def parse(text: str, source: str, default_platform: str) -> Lock:
    """An explicit file → a one-platform :class:`Lock` (its ``# platform:`` line, else the
    subdir of its arch-specific URLs, else ``default_platform``)."""
    platform = ""
    records: list[LockedConda] = []
    seen_marker = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("# platform:"):
            platform = line.split(":", 1)[1].strip()
            continue
        if not line or line.startswith("#"):
            continue
        if line == MARKER:
            seen_marker = True
            continue
        if not seen_marker:
            raise InputError(source, f"{line!r} before the {MARKER} line", number)
        records.append(_record(line, source, number))
    if not seen_marker:
        raise InputError(source, f"no {MARKER} line: not an explicit file")
    if not platform:
        subdirs = {r.subdir for r in records if r.subdir != "noarch"}
        platform = subdirs.pop() if len(subdirs) == 1 else default_platform
    channels = tuple(dict.fromkeys(r.channel for r in records if r.channel))
    return Lock(
        (PlatformLock(platform, sorted_conda(records)),),
        channels=channels,
        source=source,
        format="explicit",
    )


def _record(line: str, source: str, number: int) -> LockedConda:
    url, _, fragment = line.partition("#")
    url = url.strip()
    md5 = sha256 = ""
    if fragment:
        m = _FRAGMENT.match(fragment.strip())
        if m is None:
            raise InputError(source, f"invalid hash fragment #{fragment}", number)
        md5, sha256 = m.group("md5") or "", m.group("sha256") or ""
    if "/" not in url:
        raise InputError(source, f"not a package URL: {url!r}", number)
    rest, file_name = url.rsplit("/", 1)
    m = _ARCHIVE.match(file_name)
    if m is None:
        raise InputError(source, f"not a conda package file name: {file_name!r}", number)
    channel, _, subdir = rest.rpartition("/")
    build = m.group("build")
    return LockedConda(
        name=m.group("name").lower(),
        version=m.group("version"),
        build=build,
        url=url,
        subdir=subdir,
        build_number=_build_number(build),
        channel=channel,
        md5=md5,
        sha256=sha256,
    )


def _build_number(build: str) -> int:
    tail = build.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else 0
