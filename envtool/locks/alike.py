"""Other platforms of an installed env, solved to stay as close to it as the channels allow.

``envtool lock -p ENV --platform linux-64,osx-arm64,win-64``: the env's own platform is locked
exactly from ``conda-meta``; every other platform is a solve of the env's requested specs
(``conda-meta/history``, builds and channels dropped; every package name when there is no
history) in which the env's versions are preferred — rattler's locked packages, the same
version and build where that platform has them, so they win wherever the channels allow.
What could not stay the same is reported, package by package: another version (and whether
the env's version exists there at all), another variant, a requested spec with no package
for that platform (left out).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from envtool.locks.model import PlatformLock, sorted_conda
from envtool.spec import SpecError, parse_conda, variant, variant_change


def loose(spec: str) -> str:
    """A requested spec without build or channel (``numpy=1.26=py311h_0`` → ``numpy 1.26.*``).

    >>> loose("conda-forge::numpy=1.26=py311h_0"), loose("alpha")
    ('numpy 1.26.*', 'alpha')
    """
    try:
        parsed = parse_conda(spec)
    except SpecError:
        return spec
    return f"{parsed.name} {parsed.version}" if parsed.version else parsed.name


def solve_alike(
    path: Path,
    host: PlatformLock,
    subdirs: Sequence[str],
    *,
    cuda: str | None = None,
    exclude_newer: datetime | None = None,
) -> tuple[list[PlatformLock], list[str]]:
    """Each of ``subdirs`` solved like ``host`` (the env at ``path``), and what differs."""
    from envtool.backends import engine
    from envtool.backends.native import NativeBackend
    from envtool.envs import history
    from envtool.envs import prefix as prefix_mod
    from envtool.envs.platform import Platform
    from envtool.locks import records

    backend = NativeBackend()
    names = {r.name for r in host.conda}
    requested = history.requested_in(prefix_mod.read_history_text(path), names)
    specs = [loose(s) for s in requested] or sorted(names)
    prefer = {r.name: (r.version, r.build) for r in host.conda}
    channels = list(dict.fromkeys(r.channel for r in host.conda if r.channel))
    out: list[PlatformLock] = []
    notes: list[str] = []
    for subdir in subdirs:
        got = engine.solve_like(
            channels,
            specs,
            prefer,
            platform=Platform.for_subdir(subdir, cuda=cuda),
            channel_priority=backend.config.channel_priority,
            exclude_newer=exclude_newer,
            source=str(path),
        )
        conda = sorted_conda(records.from_rattler(r) for r in got.records)
        out.append(PlatformLock(subdir, conda, host.pip))
        notes += [
            f"{subdir}: {spec} left out: no such package for {subdir}" for spec in got.dropped
        ]
        available = got.available or {}
        for r in conda:
            if r.name not in prefer:
                continue
            version, build = prefer[r.name]
            if r.version != version:
                why = (
                    f"{version} is not there"
                    if version not in available.get(r.name, ())
                    else "the solve needed another"
                )
                notes.append(f"{subdir}: {r.name} {version} → {r.version} ({why})")
            changed = variant_change(variant(build), variant(r.build))
            if changed is not None:
                notes.append(f"{subdir}: {r.name} variant {changed[0]} → {changed[1]}")
    return out, notes
