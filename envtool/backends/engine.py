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
import contextlib
import os
import re
import signal
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
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
        return _run_settled(coro)
    except BaseException as exc:  # rattler's errors, and a Rust panic (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, EnvtoolError, *passthrough)):
            raise
        raise BackendError(f"{what}: {unreachable(exc) or with_cause(exc)}") from exc


SETTLE_SECONDS = 60.0  # how long Ctrl-C waits for the engine's threads (a second one: not at all)


def _run_settled(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(_settling(coro))`` with Ctrl-C handled from the first instant: the first
    one cancels (see :func:`_settling`), a second one raises KeyboardInterrupt at once, and one
    that comes before the loop runs stops everything quietly (no half-made loop, no coroutine
    "never awaited" for Python to complain about on stderr)."""
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(_settling(coro))
    hits: list[int] = []
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[T]]] = []
    closing: list[bool] = []

    def on_sigint(signum: int, frame: object) -> None:
        hits.append(signum)
        if closing:
            return  # the loop is being closed: a KeyboardInterrupt now would leave it half-closed
        if running and len(hits) == 1:
            loop, task = running[0]
            loop.call_soon_threadsafe(task.cancel)
        elif running:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    loop = asyncio.new_event_loop()
    try:
        if hits:
            raise KeyboardInterrupt
        task: asyncio.Task[T] = loop.create_task(_settling(coro))
        running.append((loop, task))
        try:
            result: T = loop.run_until_complete(task)
        except asyncio.CancelledError:
            if hits:
                raise KeyboardInterrupt from None
            raise
    finally:
        # Close the loop before Python's own handler is back: a Ctrl-C raised midway through
        # would leave the loop unclosed, and its __del__ would print a traceback at exit.
        closing.append(True)
        if not running:
            coro.close()  # never started: nothing to complain about
        with contextlib.suppress(BaseException):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        signal.signal(signal.SIGINT, previous)
    if hits:  # a Ctrl-C that came as the engine finished still stops envtool
        raise KeyboardInterrupt
    return result


async def _settling(coro: Coroutine[Any, Any, T]) -> T:
    """``coro``, which Ctrl-C does not abandon midway: py-rattler's work runs on its own
    threads, and goes on writing (into a staging dir being rolled back) after Python stops
    awaiting it. asyncio.run turns the first Ctrl-C into a cancellation: wait for the engine to
    finish or fail, then let the cancellation become KeyboardInterrupt. A second Ctrl-C stops
    the waiting."""
    inner = asyncio.ensure_future(coro)
    try:
        return await asyncio.shield(inner)
    except asyncio.CancelledError:
        await asyncio.wait([inner], timeout=SETTLE_SECONDS)
        if inner.done() and not inner.cancelled():
            inner.exception()  # retrieved: asyncio does not print it as "never retrieved"
        raise


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


_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def with_cause(exc: BaseException) -> str:
    """The engine's first line and its root cause: rattler puts the chain on ``Caused by:``
    lines, and the last one says what really failed (``No space left on device (os error
    28)`` behind "failed to link ..."). An OS error is named as the OS names it, in lower case.
    """
    head = first_line(exc)
    causes = [
        line.strip().removeprefix("Caused by:").strip()
        for line in str(exc).splitlines()[1:]
        if line.strip().startswith("Caused by:")
    ]
    if not causes:
        return head
    root = causes[-1]
    code = _OS_ERROR.search(root)
    if code is not None:
        try:
            reason = os.strerror(int(code.group(1)))
        except (ValueError, OverflowError):
            reason = root
        return f"{head}: {reason[:1].lower()}{reason[1:]}"
    return f"{head}: {root}" if root and root not in head else head


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
    exclude_newer: datetime | None = None,
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
            exclude_newer=exclude_newer,
        )

    try:
        return run(
            _catching(go(matchspecs), SolverError),
            f"{source}: cannot solve",
            passthrough=(_Unsolvable,),
        )
    except _Unsolvable as exc:
        reasons = _explain(gateway, channels, platforms, specs, go, platform)
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
    platform: Platform | None = None,
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
            records = [r for rs in found for r in rs]
            needs = _missing_virtual(records, ms, platform) if platform is not None else ""
            reasons.append(f"{text} ({needs or 'its dependencies cannot be satisfied'})")
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


def read_prefix_record(path: Path) -> Any:
    """One ``conda-meta`` record as a py-rattler PrefixRecord."""
    from rattler import PrefixRecord

    try:
        return PrefixRecord.from_path(path)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise BackendError(f"{path}: cannot read package record: {first_line(exc)}") from exc


def read_prefix_records(prefix: Path) -> list[Any]:
    """The env's records as py-rattler PrefixRecords (what a clone installs)."""
    return [read_prefix_record(path) for path in sorted((prefix / "conda-meta").glob("*.json"))]


# ------------------------------------------------------------------------ solving many platforms


@dataclass(frozen=True)
class SpecProblem:
    """Why one spec cannot be met on a platform, and the nearest thing that would solve."""

    spec: str
    reason: str
    hint: str = ""


@dataclass(frozen=True)
class PlatformSolve:
    """One platform's solve: its records, or every spec that fails and why."""

    platform: Platform
    records: tuple[Any, ...] = ()
    problems: tuple[SpecProblem, ...] = ()
    conflict: str = ""  # the solver's words when each spec is fine alone

    @property
    def ok(self) -> bool:
        return not self.problems and not self.conflict


def solve_platforms(
    channels: Sequence[str],
    specs: Sequence[str],
    platforms: Sequence[Platform],
    *,
    channel_priority: str = "flexible",
    exclude_newer: datetime | None = None,
    platform_only: Callable[[str], str | None] = lambda name: None,
) -> list[PlatformSolve]:
    """Solve ``specs`` for every platform at once, in parallel, with one repodata fetch per
    channel and subdir; a failing platform is explained spec by spec (all of them, at once).

    ``platform_only(name)`` names the platform a package is known to exist for only (the
    curated list of ``--portable``), for the hint.
    """
    from rattler import Gateway, MatchSpec
    from rattler import solve as rattler_solve
    from rattler.exceptions import SolverError

    if not channels:
        raise BackendError("solve: no channels to solve from")
    try:
        matchspecs = [MatchSpec(s) for s in specs]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise BackendError(f"invalid spec: {first_line(exc)}") from exc
    gateway = Gateway()
    priority = _priority(channel_priority)

    async def one(platform: Platform, ms: list[Any]) -> list[Any] | BaseException:
        subdirs: Any = [platform.subdir, "noarch"]
        try:
            records: list[Any] = await rattler_solve(
                list(channels),
                ms,
                gateway=gateway,
                platforms=subdirs,
                virtual_packages=_virtual(platform),
                channel_priority=priority,
                exclude_newer=exclude_newer,
            )
        except SolverError as exc:
            failure: BaseException = exc
            return failure
        return records

    async def everything() -> list[PlatformSolve]:
        results = await asyncio.gather(*(one(p, matchspecs) for p in platforms))
        out: list[PlatformSolve] = []
        for platform, result in zip(platforms, results, strict=True):
            if not isinstance(result, BaseException):
                out.append(PlatformSolve(platform, tuple(result)))
                continue
            alone = await asyncio.gather(*(one(platform, [ms]) for ms in matchspecs))
            problems = [
                await _problem(gateway, channels, platform, text, ms, exclude_newer, platform_only)
                for text, ms, res in zip(specs, matchspecs, alone, strict=True)
                if isinstance(res, BaseException)
            ]
            conflict = "" if problems else _conflict_lines(result)
            out.append(PlatformSolve(platform, problems=tuple(problems), conflict=conflict))
        return out

    return run(everything(), "solve")


def _virtual(platform: Platform) -> list[Any]:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    return [
        GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
        for v in platform.virtual_packages
    ]


COMMON_SUBDIRS = ("linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64")


async def _problem(
    gateway: Any,
    channels: Sequence[str],
    platform: Platform,
    text: str,
    ms: Any,
    exclude_newer: datetime | None,
    platform_only: Callable[[str], str | None],
) -> SpecProblem:
    """Why ``text`` alone does not solve on ``platform``, with a hint."""
    name = ms.name.normalized if ms.name is not None else text
    subdir = platform.subdir
    here = await gateway.query(list(channels), [subdir, "noarch"], [name], recursive=False)
    records = [r for rs in here for r in rs if _published(r, exclude_newer)]
    if not records:
        elsewhere = [s for s in COMMON_SUBDIRS if s != subdir]
        there = await gateway.query(list(channels), elsewhere, [name], recursive=False)
        subdirs = sorted({str(r.subdir) for rs in there for r in rs})
        only = platform_only(name)
        if subdirs:
            hint = "drop it with --portable" if only else f"available for {', '.join(subdirs)}"
            return SpecProblem(text, f"no {name} package for {subdir}", hint)
        return SpecProblem(text, f"no package named {name!r} in the channels", "")
    if not any(ms.matches(r) for r in records):
        versions = sorted({str(r.version) for r in records}, key=_version_key)
        return SpecProblem(text, "no version matches", f"newest available: {name} {versions[-1]}")
    return SpecProblem(
        text,
        "its dependencies cannot be met",
        _missing_virtual(records, ms, platform),
    )


def _published(record: Any, exclude_newer: datetime | None) -> bool:
    if exclude_newer is None:
        return True
    stamp = getattr(record, "timestamp", None)
    return stamp is None or stamp <= exclude_newer


def _missing_virtual(records: list[Any], ms: Any, platform: Platform) -> str:
    """``needs __cuda >=12 (pass --cuda VER)`` when the matching builds need a virtual package
    the platform lacks."""
    have = {v.name for v in platform.virtual_packages}
    wanted = sorted(
        {
            dep
            for r in records
            if ms.matches(r)
            for dep in (str(d) for d in r.depends)
            if dep.startswith("__") and dep.split()[0].split("=")[0] not in have
        }
    )
    if not wanted:
        return ""
    hint = f"needs {wanted[0]}"
    if wanted[0].startswith("__cuda"):
        hint += " (pass --cuda VER to target a GPU machine)"
    return hint


def _conflict_lines(exc: BaseException, lines: int = 4) -> str:
    text = [line.rstrip() for line in str(exc).strip().splitlines() if line.strip()]
    return " / ".join(line.strip() for line in text[:lines])


# ----------------------------------------------------------------- solving like another platform


@dataclass(frozen=True)
class LikeSolve:
    """A solve for one platform that preferred given versions (:func:`solve_like`)."""

    records: tuple[Any, ...]
    dropped: tuple[str, ...] = ()  # specs left out: no package of that name for the platform
    available: dict[str, frozenset[str]] | None = None  # name → versions the platform has


def solve_like(
    channels: Sequence[str],
    specs: Sequence[str],
    prefer: dict[str, tuple[str, str]],
    *,
    platform: Platform,
    channel_priority: str = "flexible",
    exclude_newer: datetime | None = None,
    source: str = "",
) -> LikeSolve:
    """Solve ``specs`` for ``platform`` preferring the versions of ``prefer`` (name → (version,
    build), e.g. another platform's records): the records of those versions, the same build
    when the platform has it, are the solve's locked packages, so they win wherever the
    channels allow. A spec whose package has no record for the platform is left out."""
    from rattler import Gateway, MatchSpec
    from rattler import solve as rattler_solve
    from rattler.exceptions import SolverError

    subdirs: Any = [platform.subdir, "noarch"]
    gateway = Gateway()
    matchspecs = [MatchSpec(s) for s in specs]
    names = sorted(set(prefer) | {ms.name.normalized for ms in matchspecs if ms.name is not None})

    async def go() -> LikeSolve:
        found = await gateway.query(list(channels), subdirs, names, recursive=False)
        by_name: dict[str, list[Any]] = {}
        for records in found:
            for r in records:
                if _published(r, exclude_newer):
                    by_name.setdefault(r.name.normalized, []).append(r)
        locked = []
        for name, (version, build) in prefer.items():
            same = [r for r in by_name.get(name, []) if str(r.version) == version]
            if same:
                exact = [r for r in same if str(r.build) == build]
                locked.append((exact or sorted(same, key=lambda r: r.build_number))[-1])
        kept: list[Any] = []
        dropped: list[str] = []
        for text, ms in zip(specs, matchspecs, strict=True):
            name = ms.name.normalized if ms.name is not None else ""
            here = by_name.get(name)
            if not here:
                dropped.append(text)
            elif any(ms.matches(r) for r in here):
                kept.append(ms)
            else:  # no version it asks for on this platform: the nearest one (reported)
                kept.append(MatchSpec(name))
        solved = await rattler_solve(
            list(channels),
            kept,
            gateway=gateway,
            platforms=subdirs,
            virtual_packages=_virtual(platform),
            channel_priority=_priority(channel_priority),
            locked_packages=locked or None,
            exclude_newer=exclude_newer,
        )
        available = {n: frozenset(str(r.version) for r in rs) for n, rs in by_name.items()}
        return LikeSolve(tuple(solved), tuple(dropped), available)

    try:
        return run(
            _catching(go(), SolverError), f"{source}: cannot solve", passthrough=(_Unsolvable,)
        )
    except _Unsolvable as exc:
        raise BackendError(
            f"{source}: cannot solve for {platform.subdir}: {_conflict_lines(exc.cause)}"
        ) from exc
