"""Make a live env match an environment file exactly: plan, then apply as one transaction.

The file's specs are solved with the env's installed records preferred, so nothing changes that
need not; what the solve no longer needs is removed, what changed is unlinked and linked, and
untouched packages stay as they are (same files, same inodes). The pip section is synced the
same way with the env's own pip. The plan is a value (:class:`~envtool.envs.plan.Plan`) that a
caller can print, check or apply; applying goes through
:class:`~envtool.envs.syncing.SyncTransaction`, so a failure or Ctrl-C leaves the old env.

Sync uses the embedded engine whatever ``--backend`` says: conda's own ``env update --prune``
is the tool this replaces.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envtool import __version__, process
from envtool.backends.native import NativeBackend
from envtool.envs import history, prefix, syncing
from envtool.envs.model import EnvLocation, InstalledPackage, NullProgress, Progress
from envtool.envs.plan import Plan, Step, make_plan
from envtool.envs.platform import Platform
from envtool.envs.staging import TargetLock
from envtool.envs.transaction import check_not_frozen
from envtool.errors import BackendError, InputError, UsageError
from envtool.files.envfile import EnvFile
from envtool.spec import PipLine

if TYPE_CHECKING:
    from envtool.locks.model import Lock, LockedConda


@dataclass(frozen=True)
class SyncResult:
    plan: Plan
    applied: bool = False
    recovered: tuple[str, ...] = ()  # what an interrupted sync left (undone unless dry_run)


@dataclass
class _Prepared:
    plan: Plan
    records: list[Any] = field(default_factory=list)  # the solve's records (all wanted ones)
    specs: list[str] = field(default_factory=list)
    installed: tuple[InstalledPackage, ...] = ()
    wanted: tuple[InstalledPackage, ...] = ()
    pip_lines: tuple[PipLine, ...] = ()
    source: str = ""
    variables: tuple[tuple[str, str], ...] = ()  # the file's, written as create writes them
    downloaded: tuple[LockedConda, ...] = ()  # a lock's remote archives, fetched and verified


def plan(
    env: EnvFile,
    location: EnvLocation,
    *,
    base_dir: Path | None = None,
    backend: NativeBackend | None = None,
    progress: Progress | None = None,
) -> Plan:
    """What :func:`sync` would change, without changing anything."""
    return _prepare(env, location, base_dir, backend or NativeBackend(), progress).plan


def _prepare(
    env: EnvFile | Lock,
    location: EnvLocation,
    base_dir: Path | None,
    backend: NativeBackend,
    progress: Progress | None,
    downloads: Path | None = None,
) -> _Prepared:
    if not isinstance(env, EnvFile):
        return _prepare_lock(env, location, backend, downloads)
    from envtool.backends import engine

    source = env.source or "<environment file>"
    env.validate()
    if not env.has_dependencies:
        raise InputError(source, "no 'dependencies' list: nothing to sync to")
    installed = backend.read(location)
    specs = [dep.text.strip() for dep in env.conda]
    records: list[Any] = []
    if specs:
        records = engine.solve(
            backend.solve_channels(env.channels, base_dir),
            specs,
            platform=Platform.current(),
            channel_priority=backend.config.channel_priority,
            source=source,
            progress=progress,
            locked=engine.read_prefix_records(location.prefix),
        )
    wanted = tuple(backend.package(r) for r in records)
    pip_lines = tuple(p.req for p in env.pip or () if p.req is not None)
    if pip_lines and not any(p.name == "python" for p in wanted):
        raise BackendError(f"{source}: the pip section needs python (add it to dependencies)")
    result = make_plan(location, installed.packages, wanted, installed.pip, pip_lines)
    return _Prepared(
        result,
        records,
        specs,
        installed.packages,
        wanted,
        pip_lines,
        source,
        tuple(env.variables.items()),
    )


def _prepare_lock(
    lock: Lock, location: EnvLocation, backend: NativeBackend, downloads: Path | None
) -> _Prepared:
    """From a lock: exactly its records for this platform (no solve), archives verified."""
    from dataclasses import replace

    from envtool import locks
    from envtool.envs.platform import current_subdir
    from envtool.locks import install, records
    from envtool.spec import parse_pip

    source = lock.source or "lock"
    locked = locks.choose_platform(lock, current_subdir())
    installed = backend.read(location)
    fetched: dict[str, Path] = {}
    if downloads is not None:  # verified before anything changes (not for a dry run)
        fetched, _ = install.verify(locked.conda, backend.config.pkgs_dirs, downloads)
    engine_records = [
        records.to_rattler(replace(r, url=fetched[r.url].as_uri()) if r.url in fetched else r)
        for r in locked.conda
    ]
    wanted = tuple(
        replace(backend.package(e), url=r.url)
        for e, r in zip(engine_records, locked.conda, strict=True)
    )
    pip_lines = tuple(parse_pip(p.pin) for p in locked.pip)
    result = make_plan(location, installed.packages, wanted, installed.pip, pip_lines)
    specs = [r.pin for r in locked.conda]
    downloaded = tuple(r for r in locked.conda if r.url in fetched)
    return _Prepared(
        result,
        engine_records,
        specs,
        installed.packages,
        wanted,
        pip_lines,
        source,
        downloaded=downloaded,
    )


def sync(
    env: EnvFile | Lock,
    location: EnvLocation,
    *,
    base_dir: Path | None = None,
    dry_run: bool = False,
    allow_variant_change: bool = False,
    override_frozen: bool = False,
    command: str = "envtool sync",
    progress: Progress | None = None,
) -> SyncResult:
    """Bring the env at ``location`` in line with ``env``; returns the plan it applied."""
    progress = progress or NullProgress()
    with _one_run(location.prefix, dry_run):
        return _sync(
            env,
            location,
            base_dir=base_dir,
            dry_run=dry_run,
            allow_variant_change=allow_variant_change,
            override_frozen=override_frozen,
            command=command,
            progress=progress,
        )


def _one_run(target: Path, dry_run: bool) -> AbstractContextManager[object]:
    """The target's lock (shared with create, clone and remove): one run changes an env at a
    time. A dry run changes nothing and takes none; no parent directory, no env to lock."""
    if dry_run or not target.parent.is_dir():
        return contextlib.nullcontext()
    return TargetLock(target, doing="syncing")


def _sync(
    env: EnvFile | Lock,
    location: EnvLocation,
    *,
    base_dir: Path | None,
    dry_run: bool,
    allow_variant_change: bool,
    override_frozen: bool,
    command: str,
    progress: Progress,
) -> SyncResult:
    if dry_run:  # change nothing, but say what an interrupted sync left
        state = syncing.interrupted(location.prefix)
        recovered: tuple[str, ...] = (state,) if state else ()
    else:
        recovered = syncing.recover(location.prefix)
    if not prefix.is_env(location.prefix):
        raise UsageError(f"{location.prefix} is not a conda environment; create it first")
    backend = NativeBackend()
    with tempfile.TemporaryDirectory(prefix="envtool-sync-") as downloads:
        prepared = _prepare(
            env, location, base_dir, backend, progress, None if dry_run else Path(downloads)
        )
        return _decide_and_apply(
            prepared,
            location,
            base_dir,
            backend,
            dry_run=dry_run,
            allow_variant_change=allow_variant_change,
            override_frozen=override_frozen,
            command=command,
            progress=progress,
            recovered=recovered,
        )


def _decide_and_apply(
    prepared: _Prepared,
    location: EnvLocation,
    base_dir: Path | None,
    backend: NativeBackend,
    *,
    dry_run: bool,
    allow_variant_change: bool,
    override_frozen: bool,
    command: str,
    progress: Progress,
    recovered: tuple[str, ...],
) -> SyncResult:
    the_plan = prepared.plan
    if dry_run or the_plan.in_sync:
        return SyncResult(the_plan, applied=False, recovered=recovered)
    check_not_frozen(location.prefix, doing="change", override=override_frozen)
    from envtool.envs import variants

    changes = [
        variants.VariantChange(s.name, *s.variant) for s in the_plan.variant_changes if s.variant
    ]
    variants.check("sync", changes, allow=allow_variant_change)
    _apply(prepared, location.prefix, base_dir, backend, command, progress)
    return SyncResult(the_plan, applied=True, recovered=recovered)


def _apply(
    prepared: _Prepared,
    target: Path,
    base_dir: Path | None,
    backend: NativeBackend,
    command: str,
    progress: Progress,
) -> None:
    from envtool.backends import engine

    the_plan = prepared.plan
    conda = the_plan.section("conda")
    pip = the_plan.section("pip")
    with syncing.SyncTransaction(target) as tx:
        if conda:
            progress.phase(f"changing {len(conda)} conda packages")
            engine.install(
                prepared.records,
                tx.twin,
                target_prefix=target,
                cache_dir=backend.cache_dir(),
                requested_specs=prepared.specs,
                progress=progress,
                source=prepared.source or "sync",
                installed=engine.read_prefix_records(tx.twin),
            )
        if prepared.downloaded:  # conda-meta names the real URL, not the verified copy
            from envtool.locks.install import restore_urls

            restore_urls(tx.twin, prepared.downloaded)
        _append_history(tx.twin, command, the_plan, prepared)
        if prepared.variables:
            prefix.write_variables(tx.twin, dict(prepared.variables))
        tx.swap()
        if pip:
            progress.phase(f"syncing {len(pip)} pip packages")
            _sync_pip(target, pip, prepared.pip_lines, base_dir)
        tx.finish()


def _append_history(twin: Path, command: str, the_plan: Plan, prepared: _Prepared) -> None:
    """A conda history block: the changed packages unlinked (old) and linked (new)."""
    changed = {s.name for s in the_plan.section("conda")}

    def dists(packages: Sequence[InstalledPackage]) -> list[str]:
        return [
            history.dist_line(p.channel, p.subdir, p.name, p.version, p.build)
            for p in packages
            if p.name in changed
        ]

    block = history.format_block(
        datetime.now(),
        command,
        dists(prepared.wanted),
        [history.conda_spec(s) for s in prepared.specs],
        envtool_version=__version__,
        unlinked=dists(prepared.installed),
    )
    with (twin / "conda-meta" / "history").open("a", encoding="utf-8") as fh:
        fh.write(block)


def _sync_pip(
    target: Path, steps: Sequence[Step], lines: Sequence[PipLine], base_dir: Path | None
) -> None:
    """Uninstall what the plan removes, then install what it adds or changes (with the
    section's option lines), with the env's own pip."""
    python = target / ("python.exe" if sys.platform == "win32" else "bin/python")
    removed = [s.name for s in steps if s.action == "remove"]
    if removed:
        process.run([python, "-m", "pip", "uninstall", "-y", *removed])
    wanted = {s.name for s in steps if s.action != "remove"}
    if not wanted:
        return
    chosen = [p.text for p in lines if p.name in wanted or p.kind in ("option", "include")]
    with tempfile.TemporaryDirectory(prefix="envtool-pip-") as tmp:
        requirements = os.path.join(tmp, "requirements.txt")
        with open(requirements, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{line}\n" for line in chosen))
        process.run(
            [python, "-m", "pip", "install", "-U", "-r", requirements],
            cwd=base_dir if base_dir is not None else Path.cwd(),
        )
