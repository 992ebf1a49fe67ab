"""``envtool clone SOURCE (-n NAME | -p PREFIX)``: a new environment from an env or a file.

SOURCE is an environment file when such a file exists, a prefix when it is an existing
directory or contains a path separator, else an env name (``-v`` says which it took).

- From an env, without PRUNE OPTIONS: an exact copy by package records (no solve; files
  hard-linked from the package cache; pip-installed files copied with the prefix rewritten).
- From an env with PRUNE OPTIONS, or from a file: export → prune → name → create (a solve).
  The export lists only the source's own channels (then ``nodefaults``), so the solve needs
  nothing else reachable.

``--dry-run`` prints the environment file it would create; ``-o FILE`` also saves it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from envtool.backends import Backend, select_backend
from envtool.commands.create import (
    check_keys,
    command_line,
    create,
    file_dir,
    report,
    target_args,
    with_progress,
)
from envtool.commands.export import apply_prune, configured_channel_names, installed_requested
from envtool.envs import export
from envtool.envs.model import CreateOptions, EnvLocation, OnExists
from envtool.errors import UsageError
from envtool.files import envfile, fileio
from envtool.files.envfile import EnvFile, dump_yaml
from envtool.ui import Console

if TYPE_CHECKING:
    from envtool.files.prune import PruneOptions

SourceKind = Literal["file", "prefix", "name"]


def classify(source: str) -> SourceKind:
    """An existing file → file; an existing dir or a path separator → prefix; else a name."""
    path = Path(os.path.expanduser(source))
    if path.is_file() or source == "-":
        return "file"
    if path.is_dir() or "/" in source or os.sep in source or (os.altsep or "/") in source:
        return "prefix"
    return "name"


def run(
    *,
    source: str,
    name: str | None,
    prefix: str | None,
    options: PruneOptions,
    explain: bool,
    dry_run: bool,
    output: str | None,
    on_exists: OnExists,
    backend: str,
    console: Console,
) -> int:
    if name is None and prefix is None:
        raise UsageError("clone needs the new environment's -n NAME or -p PREFIX")
    kind = classify(source)
    console.detail(f"clone: SOURCE {source!r} is an environment {kind}")
    engine = select_backend(backend, console)
    target = engine.new_location(name=name, prefix=prefix)
    target_name = target.name or target.prefix.name
    command = command_line(["clone", source, *target_args(name, prefix)])

    if kind == "file":
        env = envfile.load(source)
        check_keys(env, console)
        if options.prunes:
            env = apply_prune(env, options, None, explain, console)
        env = _named(env, target_name, options)
        return _create(
            engine, env, target, file_dir(source), dry_run, output, on_exists, console, command
        )

    where = engine.locate(name=source) if kind == "name" else engine.locate(prefix=source)
    if options.prunes:
        installed = engine.read(where)
        # the source's own channels only (then nodefaults): nothing else needs to be reachable
        env = export.recreating_envfile(installed, canonical=configured_channel_names())
        env = apply_prune(env, options, installed_requested(installed, options), explain, console)
        env = replace(_named(env, target_name, options), source=f"clone of {where.prefix}")
        return _create(
            engine, env, target, Path.cwd(), dry_run, output, on_exists, console, command
        )

    console.detail(f"clone: exact copy of {where.prefix} by package records (no solve)")
    if dry_run or output:
        installed = engine.read(where)
        env = export.recreating_envfile(installed, canonical=configured_channel_names())
        env = _named(env, target_name, options)
        if output:
            fileio.write_text_output(output, dump_yaml(env))
        if dry_run:
            fileio.write_text_output(None, dump_yaml(env))
            return 0
    clone_options = CreateOptions(on_exists=on_exists, command=command, base_dir=Path.cwd())
    report(with_progress(console, lambda o: engine.clone(where, target, o), clone_options), console)
    return 0


def _named(env: EnvFile, name: str, options: PruneOptions) -> EnvFile:
    return replace(env, name=name, prefix=env.prefix if options.keep_prefix else None)


def _create(
    engine: Backend,
    env: EnvFile,
    target: EnvLocation,
    base_dir: Path,
    dry_run: bool,
    output: str | None,
    on_exists: OnExists,
    console: Console,
    command: str,
) -> int:
    text = dump_yaml(env)
    if output:
        fileio.write_text_output(output, text)
    if dry_run:
        fileio.write_text_output(None, text)
        return 0
    result = create(
        engine,
        env,
        target,
        base_dir,
        on_exists=on_exists,
        dry_run=False,
        console=console,
        command=command,
    )
    report(result, console)
    return 0
