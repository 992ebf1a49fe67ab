"""``envtool create -f FILE``: make an environment from a file, all or nothing.

The target is ``-p PREFIX``, else ``-n NAME``, else the file's ``name:`` (in the first
writable envs dir). An existing env there is never touched unless ``--on-exists replace`` (and
a frozen one, CEP 22, not even then without ``--override-frozen``). ``--dry-run`` solves and
prints what would be installed (stdout), changing nothing. The work is
:mod:`envtool.ops.create`'s; this module renders it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from envtool import progress as progress_mod
from envtool.backends import Backend
from envtool.envs.model import CreateOptions, CreateResult, EnvLocation, OnExists
from envtool.envs.platform import Platform
from envtool.files import fileio
from envtool.files.envfile import EnvFile
from envtool.ops import create as ops
from envtool.ops import variants
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
    environment: str = "default",
    cuda: str | None = None,
    allow_variant_change: bool = False,
    as_of: str | None = None,
    as_json: bool = False,
) -> int:
    from envtool import locks

    tf = fileio.read(file)
    if locks.sniff(tf.text):  # a lock or explicit file: exactly its records, no solve
        result = ops.install_lock_file(
            tf,
            file,
            args=["create", "-f", file],
            name=name,
            prefix=prefix,
            environment=environment,
            on_exists=on_exists,
            override_frozen=override_frozen,
            dry_run=dry_run,
            check=lambda lock: variants.check_lock(
                "create", lock, cuda, allow=allow_variant_change
            ),
            backend=backend,
            console=console,
        )
        ops.report(result, console, as_json=as_json, command="create")
        return 0
    env, warnings = ops.load_env_file(file)
    for warning in warnings:
        console.warn(warning)
    when = variants.as_of(as_of, file)
    engine = variants.backend(backend, console, native=cuda is not None or when is not None)
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
        platform=variants.target(cuda) if cuda is not None else None,
        exclude_newer=when,
    )
    ops.report(result, console, as_json=as_json, command="create")
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
    platform: Platform | None = None,
    exclude_newer: datetime | None = None,
) -> CreateResult:
    """:func:`envtool.ops.create.create`, its progress drawn on the terminal (cleared after)."""
    console.detail(f"create: {target.prefix} with the {engine.name} backend")
    options = CreateOptions(
        on_exists=on_exists,
        override_frozen=override_frozen,
        dry_run=dry_run,
        base_dir=base_dir,
        command=command,
        platform=platform,
        exclude_newer=exclude_newer,
    )
    return ops.with_progress(
        progress_mod.for_console(console),
        lambda o: ops.create(engine, env, target, o),
        options,
    )
