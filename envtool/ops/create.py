"""Create and clone environments: typed operations that return a :class:`CreateResult`.

What ``envtool create`` and ``envtool clone`` share, as plain functions of values — the
command modules only render what these return and choose exit codes:

- :func:`load_env_file` — an environment file for creating (``dependencies`` required,
  unknown keys reported as warnings, CEP 24);
- :func:`target_location` — ``-p``, else ``-n``, else the file's ``name:``;
- :func:`create` — solve and install a file's env; :func:`clone_env` — an exact copy by records;
- :func:`exported` / :func:`pruned` / :func:`named` — clone's export → prune → name path;
- :func:`summary` — the text a result is reported with.

Nothing here prints; progress goes to the :class:`~envtool.envs.model.Progress` in the options.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from envtool.envs import export
from envtool.envs.model import (
    CreateOptions,
    CreateResult,
    EnvLocation,
    InstalledEnv,
    OnExists,
    Progress,
)
from envtool.errors import InputError, UsageError
from envtool.files import envfile
from envtool.files.envfile import EnvFile
from envtool.ui import plural

if TYPE_CHECKING:
    from envtool.backends import Backend
    from envtool.files import fileio
    from envtool.files.prune import PruneOptions, PruneResult
    from envtool.locks.model import Lock
    from envtool.ui import Console

CloneSource = Literal["file", "prefix", "name"]


@dataclass(frozen=True)
class Summary:
    """How a result is reported: ``stdout`` (a dry run's plan) or one ``stderr`` line, and
    warnings (stderr) before it."""

    stdout: str | None = None
    stderr: str | None = None
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------- inputs


def load_env_file(file: str) -> tuple[EnvFile, tuple[str, ...]]:
    """The environment file at ``file`` ("-": stdin) and its warnings (unknown keys)."""
    env = envfile.load(file)
    return env, check_keys(env)


def check_keys(env: EnvFile) -> tuple[str, ...]:
    """``dependencies`` is required; unknown top-level keys are ignored with a warning (CEP 24)."""
    if not env.has_dependencies:
        raise InputError(env.source, "no 'dependencies' list: nothing to create")
    warnings = []
    for key in env.extra:
        line = env.key_lines.get(key)
        where = f"{env.source}:{line}" if line else env.source
        warnings.append(f"{where}: unknown key {key!r} ignored")
    return tuple(warnings)


def file_dir(file: str) -> Path:
    """Where an environment file's relative channels and pip lines resolve: its directory."""
    return Path(file).resolve().parent if file != "-" else Path.cwd()


def target_location(
    backend: Backend, env: EnvFile, *, name: str | None, prefix: str | None
) -> EnvLocation:
    """``-p``, else ``-n``, else the file's ``name:``."""
    if prefix is not None or name is not None:
        return backend.new_location(name=name, prefix=prefix)
    if env.name:
        return backend.new_location(name=env.name)
    raise UsageError(f"{env.source} has no name: give the new environment -n NAME or -p PREFIX")


def classify(source: str) -> CloneSource:
    """An existing file → file; an existing dir or a path separator → prefix; else a name."""
    path = Path(os.path.expanduser(source))
    if source == "-" or _exists(path.is_file):
        return "file"
    if _exists(path.is_dir) or "/" in source or os.sep in source or (os.altsep or "/") in source:
        return "prefix"
    return "name"


def _exists(test: Callable[[], bool]) -> bool:
    """``path.is_file()``/``is_dir()``, False for a name the OS cannot hold (too long, NUL)."""
    try:
        return test()
    except (OSError, ValueError):
        return False


def command_line(args: list[str]) -> str:
    """The command for the history's ``# cmd:`` line (as a shell would take it)."""
    return shlex.join(["envtool", *args])


def target_args(name: str | None, prefix: str | None) -> list[str]:
    return (["-n", name] if name is not None else []) + (["-p", prefix] if prefix else [])


# ----------------------------------------------------------------------------------- operations


def create(
    backend: Backend, env: EnvFile, target: EnvLocation, options: CreateOptions
) -> CreateResult:
    """``env`` solved and installed at ``target`` (with ``dry_run``: only solved)."""
    return backend.create(env, target, options)


def clone_env(
    backend: Backend, source: EnvLocation, target: EnvLocation, options: CreateOptions
) -> CreateResult:
    """An exact copy of the env at ``source`` by its package records (no solve)."""
    return backend.clone(source, target, options)


def with_progress(
    progress: Progress,
    operation: Callable[[CreateOptions], CreateResult],
    options: CreateOptions,
) -> CreateResult:
    """``operation`` reporting to ``progress``, which is finished (cleared) afterwards."""
    try:
        return operation(replace(options, progress=progress))
    finally:
        progress.finish()


def exported(backend: Backend, location: EnvLocation) -> tuple[InstalledEnv, EnvFile]:
    """The env at ``location`` and its export as a file that recreates it: its own channels
    only (then ``nodefaults``), so a solve of it needs nothing else reachable."""
    from envtool.envs.condaconfig import load

    installed = backend.read(location)
    env = export.recreating_envfile(installed, config=load())
    return installed, replace(env, source=f"clone of {location.prefix}")


def pruned(
    env: EnvFile, options: PruneOptions, installed: InstalledEnv | None = None
) -> PruneResult:
    """``env`` pruned by ``options``; ``--leaves`` keeps ``installed``'s requested specs."""
    from envtool.files.prune import prune

    requested = (
        set(export.requested_names(installed)) if installed is not None and options.leaves else None
    )
    flags = {p.name: p.flags for p in installed.packages if p.flags} if installed else None
    return prune(env, options, requested=requested, flags=flags)


def named(env: EnvFile, name: str, *, keep_prefix: bool) -> EnvFile:
    """``env`` with ``name:`` set, its ``prefix:`` dropped unless ``keep_prefix``."""
    return replace(env, name=name, prefix=env.prefix if keep_prefix else None)


# ------------------------------------------------------------------------------------ reporting


def summary(result: CreateResult) -> Summary:
    """A dry run lists the packages (stdout); a real one says what it made (stderr)."""
    where = result.location.prefix
    warnings: tuple[str, ...] = result.cleaned
    if result.unverified:
        warnings += (
            f"no hash to verify for {plural(len(result.unverified), 'package')}: "
            + ", ".join(result.unverified),
        )
    if result.dry_run:
        width = max((len(p.name) for p in result.packages), default=4)
        lines = [f"# would create {where} ({len(result.packages)} packages)"]
        lines += [
            f"{p.name:<{width}}  {p.version:<10} {p.build:<16} {p.channel}".rstrip()
            for p in result.packages
        ]
        lines += [f"pip: {line}" for line in result.pip_lines]
        return Summary(stdout="\n".join(lines) + "\n", warnings=warnings)
    n = len(result.pip_lines)
    pip = f", {plural(n, 'pip line')}" if n else ""
    verb = "replaced" if result.replaced else "created"
    made = f"envtool: {verb} {where} ({len(result.packages)} packages{pip})"
    return Summary(stderr=made, warnings=warnings)


def report(
    result: CreateResult, console: Console, *, as_json: bool = False, command: str = "create"
) -> None:
    """Say :func:`summary` of ``result`` (create and clone report alike): warnings and the
    result line on stderr, a dry run's package list on stdout; with ``--json``, the
    :mod:`envtool.render.create` document on stdout instead of those."""
    from envtool.files import fileio

    shown = summary(result)
    for warning in shown.warnings:
        console.warn(warning)
    if as_json:
        from envtool.render.create import result_document

        fileio.write_text_output(None, result_document(command, result))
        return
    if shown.stdout is not None:
        fileio.write_text_output(None, shown.stdout)
    if shown.stderr is not None:
        console.info(shown.stderr)


def install_lock_file(
    text: fileio.TextFile,
    file: str,
    *,
    args: list[str],
    name: str | None,
    prefix: str | None,
    environment: str,
    on_exists: OnExists,
    override_frozen: bool,
    dry_run: bool,
    check: Callable[[Lock], Iterable[str]],
    backend: str,
    console: Console,
) -> CreateResult:
    """``create -f LOCK`` and ``clone LOCK`` alike: the lock's environment parsed, its variants
    checked (``check``: the ``--cuda`` fidelity warnings, said on ``console``), then
    :func:`install_lock` with the options both commands give it (``args``: the command's words
    for the history)."""
    from envtool import locks

    lock = locks.parse(text, environment=environment)
    for warning in check(lock):
        console.warn(warning)
    return install_lock(
        lock,
        name=name,
        prefix=prefix,
        options=CreateOptions(
            on_exists=on_exists,
            override_frozen=override_frozen,
            dry_run=dry_run,
            base_dir=file_dir(file),
            command=command_line([*args, *target_args(name, prefix)]),
        ),
        backend=backend,
        console=console,
    )


def install_lock(
    lock: Lock,
    *,
    name: str | None,
    prefix: str | None,
    options: CreateOptions,
    backend: str,
    console: Console,
) -> CreateResult:
    """``create -f LOCK`` / ``clone LOCK``: exactly the lock's records for this platform, each
    archive's hash checked before anything is linked (``unverified``: those it had none for)."""
    from envtool import locks
    from envtool import progress as progress_mod
    from envtool.backends import select_backend
    from envtool.backends.native import NativeBackend
    from envtool.envs.platform import current_subdir
    from envtool.locks import install as installer

    if name is None and prefix is None:
        raise UsageError(
            f"{lock.source} is a lock file: give the new environment -n NAME or -p PREFIX"
        )
    locked = locks.choose_platform(lock, current_subdir())
    chosen = select_backend(backend, console)
    if chosen.name != "native":
        console.detail(
            f"lock: installed by the native engine (records, no solve), not {chosen.name}"
        )
    native = NativeBackend()
    target = native.new_location(name=name, prefix=prefix)
    unhashed: list[str] = []

    def go(o: CreateOptions) -> CreateResult:
        result, missing = installer.create(locked, target, o, native, source=lock.source or "lock")
        unhashed.extend(missing)
        return result

    result = with_progress(progress_mod.for_console(console), go, options)
    return replace(result, unverified=tuple(unhashed))
