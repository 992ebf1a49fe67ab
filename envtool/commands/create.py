"""``envtool create -f FILE``: make an environment from a file, all or nothing.

The target is ``-p PREFIX``, else ``-n NAME``, else the file's ``name:`` (in the first
writable envs dir). An existing env there is never touched unless ``--on-exists replace``.
``--dry-run`` solves and prints what would be installed (stdout), changing nothing.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from envtool import progress as progress_mod
from envtool.backends import Backend, select_backend
from envtool.envs.model import (
    CreateOptions,
    CreateResult,
    EnvLocation,
    InstalledPackage,
    OnExists,
)
from envtool.errors import InputError, UsageError
from envtool.files import envfile, fileio
from envtool.files.envfile import EnvFile
from envtool.ui import Console, plural


def run(
    *,
    file: str,
    name: str | None,
    prefix: str | None,
    on_exists: OnExists,
    dry_run: bool,
    backend: str,
    console: Console,
    as_json: bool = False,
) -> int:
    env = envfile.load(file)
    check_keys(env, console)
    engine = select_backend(backend, console)
    target = target_location(engine, env, name=name, prefix=prefix)
    argv = ["create", "-f", file, *target_args(name, prefix)]
    result = create(
        engine,
        env,
        target,
        file_dir(file),
        on_exists=on_exists,
        dry_run=dry_run,
        console=console,
        command=command_line(argv),
    )
    report(result, console, as_json=as_json, command="create")
    return 0


def check_keys(env: EnvFile, console: Console) -> None:
    """``dependencies`` is required; unknown top-level keys are ignored with a warning (CEP 24)."""
    if not env.has_dependencies:
        raise InputError(env.source, "no 'dependencies' list: nothing to create")
    for key in env.extra:
        line = env.key_lines.get(key)
        where = f"{env.source}:{line}" if line else env.source
        console.warn(f"{where}: unknown key {key!r} ignored")


def file_dir(file: str) -> Path:
    """Where an environment file's relative channels and pip lines resolve: its directory."""
    return Path(file).resolve().parent if file != "-" else Path.cwd()


def target_location(
    engine: Backend, env: EnvFile, *, name: str | None, prefix: str | None
) -> EnvLocation:
    """``-p``, else ``-n``, else the file's ``name:``."""
    if prefix is not None or name is not None:
        return engine.new_location(name=name, prefix=prefix)
    if env.name:
        return engine.new_location(name=env.name)
    raise UsageError(f"{env.source} has no name: give the new environment -n NAME or -p PREFIX")


def create(
    engine: Backend,
    env: EnvFile,
    target: EnvLocation,
    base_dir: Path,
    *,
    on_exists: OnExists,
    dry_run: bool,
    console: Console,
    command: str,
) -> CreateResult:
    console.detail(f"create: {target.prefix} with the {engine.name} backend")
    options = CreateOptions(
        on_exists=on_exists, dry_run=dry_run, base_dir=base_dir, command=command
    )
    return with_progress(console, lambda o: engine.create(env, target, o), options)


def with_progress(
    console: Console, operation: Callable[[CreateOptions], CreateResult], options: CreateOptions
) -> CreateResult:
    """A backend's create or clone, drawing its progress on the terminal (cleared after)."""
    progress = progress_mod.for_console(console)
    try:
        return operation(replace(options, progress=progress))
    finally:
        progress.finish()


def command_line(args: list[str]) -> str:
    """The command for the history's ``# cmd:`` line (as a shell would take it)."""
    return shlex.join(["envtool", *args])


def target_args(name: str | None, prefix: str | None) -> list[str]:
    return (["-n", name] if name is not None else []) + (["-p", prefix] if prefix else [])


CREATE_VERSION = 1  # of the --json document of create and clone; see document()


def document(
    command: str,
    location: EnvLocation,
    packages: Sequence[InstalledPackage] | None,
    *,
    pip_lines: Sequence[str] = (),
    dry_run: bool = False,
    replaced: bool = False,
    environment: EnvFile | None = None,
) -> dict[str, object]:
    """``create --json``/``clone --json``: what was made (or, in a dry run, would be).

    ``packages`` is null when a dry run did not solve (``clone --dry-run`` from a file prints
    the environment file instead: it is under ``environment``)."""
    doc: dict[str, object] = {
        "create_version": CREATE_VERSION,
        "command": command,
        "prefix": str(location.prefix),
        "name": location.name,
        "dry_run": dry_run,
        "replaced": replaced,
        "packages": None
        if packages is None
        else [
            {"name": p.name, "version": p.version, "build": p.build, "channel": p.channel}
            for p in packages
        ],
        "pip": list(pip_lines),
    }
    if environment is not None:
        doc["environment"] = envfile.to_data(environment)
    return doc


def write_json(doc: dict[str, object]) -> None:
    import json

    fileio.write_text_output(None, json.dumps(doc, indent=2) + "\n")


def report(
    result: CreateResult, console: Console, *, as_json: bool = False, command: str = "create"
) -> None:
    """A dry run lists the packages on stdout; a real one says what it made on stderr.
    With ``--json``, either is the :func:`document` on stdout."""
    if as_json:
        write_json(
            document(
                command,
                result.location,
                result.packages,
                pip_lines=result.pip_lines,
                dry_run=result.dry_run,
                replaced=result.replaced,
            )
        )
        return
    where = result.location.prefix
    if result.dry_run:
        width = max((len(p.name) for p in result.packages), default=4)
        lines = [f"# would create {where} ({len(result.packages)} packages)"]
        lines += [
            f"{p.name:<{width}}  {p.version:<10} {p.build:<16} {p.channel}".rstrip()
            for p in result.packages
        ]
        lines += [f"pip: {line}" for line in result.pip_lines]
        fileio.write_text_output(None, "\n".join(lines) + "\n")
        return
    n = len(result.pip_lines)
    pip = f", {plural(n, 'pip line')}" if n else ""
    verb = "replaced" if result.replaced else "created"
    console.info(f"envtool: {verb} {where} ({len(result.packages)} packages{pip})")
