"""py-rattler, wrapped: solve, install and read records, with every engine error made envtool's.

The only module that calls py-rattler's solver and installer. Everything it raises is an
:class:`~envtool.errors.EnvtoolError` with a one-line message (a Rust panic included);
KeyboardInterrupt passes through so the caller can clean up.

An unsatisfiable solve is explained spec by spec: every spec that cannot be met on its own is
listed at once with the reason (no such package / which versions exist), rather than one per
run; when each spec is fine alone, the conflict is reported.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from envtool.envs.model import NullProgress, Progress
from envtool.envs.platform import Platform
from envtool.errors import BackendError, EnvtoolError
from envtool.ui import plural

T = TypeVar("T")

MAX_VERSIONS_SHOWN = 5


def run(
    coro: Coroutine[Any, Any, T], what: str, *, passthrough: tuple[type[BaseException], ...] = ()
) -> T:
    """Run an engine coroutine; engine errors become BackendError("{what}: ...")."""
    try:
        return asyncio.run(coro)
    except BaseException as exc:  # rattler's errors, and a Rust panic (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, EnvtoolError, *passthrough)):
            raise
        raise BackendError(f"{what}: {unreachable(exc) or first_line(exc)}") from exc


_FETCH_FAILED = re.compile(r"error sending request for url \((?P<url>[^)\s]+)\)")
_SUBDIR_FILE = re.compile(r"/(noarch|[a-z0-9]+-[a-z0-9_]+)/[^/]*$")


def unreachable(exc: BaseException) -> str | None:
    """For a channel the engine could not fetch: ``cannot reach URL (cause; offline?)`` with
    the innermost cause (rattler's first line names only the file it asked for)."""
    text = str(exc)
    m = _FETCH_FAILED.search(text)
    if m is None:
        return None
    url = _SUBDIR_FILE.sub("", m["url"])
    causes = [
        line.split("Caused by:", 1)[1].strip()
        for line in text.splitlines()[1:]
        if "Caused by:" in line
    ]
    cause = f"{causes[-1]}; " if causes and causes[-1] else ""
    return f"cannot reach {url} ({cause}offline?)"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0].strip() if text else type(exc).__name__
    return line.rstrip(":")


def _priority(name: str) -> Any:
    from rattler import ChannelPriority

    return {
        "strict": ChannelPriority.Strict,
        "disabled": ChannelPriority.Disabled,
        "false": ChannelPriority.Disabled,
    }.get(name, ChannelPriority.Flexible)


def solve(
    channels: Sequence[str],
    specs: Sequence[str],
    *,
    platform: Platform,
    channel_priority: str = "flexible",
    source: str = "",
    progress: Progress | None = None,
    locked: Sequence[Any] = (),
) -> list[Any]:
    """Solve ``specs`` against ``channels`` (base URLs) for ``platform`` (its subdir and noarch,
    with its virtual packages). ``locked`` records (an env's installed ones) are preferred:
    nothing changes that need not."""
    from rattler import (
        BuildString,
        Gateway,
        GenericVirtualPackage,
        MatchSpec,
        PackageName,
        Version,
    )
    from rattler.exceptions import SolverError

    progress = progress or NullProgress()
    if not channels:
        raise BackendError(f"{source or 'solve'}: no channels to install from")
    try:
        matchspecs = [MatchSpec(s) for s in specs]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # InvalidMatchSpecError, or a panic
        raise BackendError(f"{source}: invalid spec: {first_line(exc)}") from exc
    subdir = platform.subdir
    platforms: Any = [subdir, "noarch"] if subdir != "noarch" else ["noarch"]
    virtual = [
        GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
        for v in platform.virtual_packages
    ]
    gateway = Gateway()
    progress.phase(f"solving {plural(len(specs), 'spec')}")

    async def go(ms: list[Any]) -> list[Any]:
        from rattler import solve as rattler_solve

        return await rattler_solve(
            list(channels),
            ms,
            gateway=gateway,
            platforms=platforms,
            virtual_packages=virtual,
            channel_priority=_priority(channel_priority),
            locked_packages=list(locked) or None,
        )

    try:
        return run(
            _catching(go(matchspecs), SolverError),
            f"{source}: cannot solve",
            passthrough=(_Unsolvable,),
        )
    except _Unsolvable as exc:
        reasons = _explain(gateway, channels, platforms, specs, go)
        if reasons:
            what = f"{plural(len(reasons), 'spec')} cannot be satisfied"
            raise BackendError(f"{source}: {what}: {'; '.join(reasons)}") from exc
        raise BackendError(f"{source}: the specs conflict: {first_line(exc.cause)}") from exc


class _Unsolvable(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


async def _catching(coro: Coroutine[Any, Any, T], kind: type[BaseException]) -> T:
    try:
        return await coro
    except kind as exc:
        raise _Unsolvable(exc) from exc


def _explain(
    gateway: Any,
    channels: Sequence[str],
    platforms: Any,
    specs: Sequence[str],
    go: Any,
) -> list[str]:
    """For each spec that cannot be met on its own: ``spec (why)``."""
    from rattler import MatchSpec

    reasons: list[str] = []
    for text in specs:
        ms = MatchSpec(text)
        try:
            run(go([ms]), "solve")
            continue
        except BackendError:
            pass
        name = ms.name.normalized if ms.name is not None else text
        try:
            found = run(gateway.query(list(channels), platforms, [name], recursive=False), "query")
        except BackendError:
            found = []
        versions = sorted(
            {str(r.version) for records in found for r in records},
            key=_version_key,
        )
        if not versions:
            reasons.append(f"{text} (no package named {name!r} in the channels)")
        elif _any_matches(ms, found):
            reasons.append(f"{text} (its dependencies cannot be satisfied)")
        else:
            shown = ", ".join(versions[-MAX_VERSIONS_SHOWN:])
            more = "..., " if len(versions) > MAX_VERSIONS_SHOWN else ""
            reasons.append(f"{text} (available: {more}{shown})")
    return reasons


def _any_matches(ms: Any, found: list[list[Any]]) -> bool:
    return any(ms.matches(r) for records in found for r in records)


def _version_key(text: str) -> Any:
    from rattler import Version

    try:
        return Version(text)
    except Exception:  # an odd version sorts first
        return Version("0")


# ------------------------------------------------------------------------------------ installing


class _Reporter:
    """rattler's InstallerReporter → :class:`Progress`: how many of how many packages are
    downloaded and linked, and the last one's name."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.total = 0
        self.linked = 0
        self.fetched = 0
        self.names: dict[int, str] = {}
        self.cache_names: dict[int, str] = {}

    def on_transaction_start(self, total_operations: int) -> None:
        self.total = total_operations
        self.progress.phase(f"installing {total_operations} packages")

    def on_populate_cache_start(self, operation: int, package_name: str) -> int:
        self.cache_names[operation] = package_name
        return operation

    def on_download_start(self, cache_entry: int) -> int:
        return cache_entry

    def on_download_completed(self, download_idx: int) -> None:
        self.fetched += 1
        name = self.cache_names.get(download_idx, "")
        self.progress.advance(self.linked, self.total, f"downloaded {name}".rstrip())

    def on_link_start(self, operation: int, package_name: str) -> int:
        self.names[operation] = package_name
        return operation

    def on_link_complete(self, index: int) -> None:
        self.linked += 1
        self.progress.advance(self.linked, self.total, f"linked {self.names.get(index, '')}")

    def __getattr__(self, name: str) -> Any:
        # every other callback of the reporter protocol: ignore it (tokens are ints)
        if name.startswith("on_"):
            return lambda *args: 0
        raise AttributeError(name)


def install(
    records: Sequence[Any],
    prefix: Path,
    *,
    target_prefix: Path | None = None,
    cache_dir: Path | None = None,
    requested_specs: Sequence[str] = (),
    progress: Progress | None = None,
    source: str = "",
    installed: Sequence[Any] = (),
) -> None:
    """Install ``records`` into ``prefix``, patching paths for ``target_prefix``.

    ``records`` may be solved records or an existing env's PrefixRecords (a clone: packages are
    hard-linked from the cache, fetched from their URL when not cached). ``installed`` are the
    PrefixRecords already in ``prefix``: only the difference is unlinked and linked (a sync).
    """
    from rattler import MatchSpec
    from rattler import install as rattler_install

    reporter = _Reporter(progress or NullProgress())
    requested = []
    for text in requested_specs:  # only labels in conda-meta: one that does not parse is skipped
        try:
            requested.append(MatchSpec(text)._match_spec)  # 0.28 takes the inner type
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            continue
    coro = rattler_install(
        list(records),
        prefix,
        cache_dir=cache_dir,
        installed_packages=list(installed),
        show_progress=False,
        requested_specs=requested or None,
        reporter=reporter,
        alternative_target_prefix=target_prefix
        if target_prefix is not None and target_prefix != prefix
        else None,
    )
    run(coro, f"{source}: cannot install" if source else "cannot install")


def read_prefix_records(prefix: Path) -> list[Any]:
    """The env's records as py-rattler PrefixRecords (what a clone installs)."""
    from rattler import PrefixRecord

    out = []
    meta = prefix / "conda-meta"
    for path in sorted(meta.glob("*.json")):
        try:
            out.append(PrefixRecord.from_path(path))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            raise BackendError(f"{path}: cannot read package record: {first_line(exc)}") from exc
    return out
