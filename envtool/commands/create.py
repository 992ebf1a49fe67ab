"""``envtool create -f FILE``: make an environment from a file, all or nothing.

The target is ``-p PREFIX``, else ``-n NAME``, else the file's ``name:`` (in the first
writable envs dir). An existing env there is never touched unless ``--on-exists replace`` (and
a frozen one, CEP 22, not even then without ``--override-frozen``). ``--dry-run`` solves and
prints what would be installed (stdout), changing nothing. The work is
:mod:`envtool.ops.create`'s; this module renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from envtool.files import envfile, fileio
from envtool.files.envfile import EnvFile
from envtool.ops import create as ops
from envtool.ui import Console


def run(
    *,
    file: str,
    name: str | None,
    prefix: str | None,
    on_exists: OnExists,
    dry_run: bool,
    backend: str,
    console: Console,
    override_frozen: bool = False,
    as_json: bool = False,
) -> int:
    env, warnings = ops.load_env_file(file)
    for warning in warnings:
        console.warn(warning)
    engine = select_backend(backend, console)
    target = ops.target_location(engine, env, name=name, prefix=prefix)
    result = create(
        engine,
        env,
        target,
        ops.file_dir(file),
        on_exists=on_exists,
        override_frozen=override_frozen,
        dry_run=dry_run,
        console=console,
        command=ops.command_line(["create", "-f", file, *ops.target_args(name, prefix)]),
    )
    report(result, console, as_json=as_json, command="create")
    return 0


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
    override_frozen: bool = False,
) -> CreateResult:
    """:func:`envtool.ops.create.create`, its progress drawn on the terminal (cleared after)."""
    console.detail(f"create: {target.prefix} with the {engine.name} backend")
    options = CreateOptions(
        on_exists=on_exists,
        override_frozen=override_frozen,
        dry_run=dry_run,
        base_dir=base_dir,
        command=command,
    )
    return ops.with_progress(
        progress_mod.for_console(console),
        lambda o: ops.create(engine, env, target, o),
        options,
    )


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
    shown = ops.summary(result)
    if shown.stdout is not None:
        fileio.write_text_output(None, shown.stdout)
    if shown.stderr is not None:
        console.info(shown.stderr)
