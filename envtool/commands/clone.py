"""``envtool clone SOURCE (-n NAME | -p PREFIX)``: a new environment from an env or a file.

SOURCE is an environment file when such a file exists, a prefix when it is an existing
directory or contains a path separator, else an env name (``-v`` says which it took). From a
file, ``-n``/``-p`` may be left out: the file's ``name:`` is taken, as ``create -f`` does.

- From an env, without PRUNE OPTIONS: an exact copy by package records (no solve; files
  hard-linked from the package cache; pip-installed files copied with the prefix rewritten).
- From an env with PRUNE OPTIONS, or from a file: export → prune → name → create (a solve).
  The export lists only the source's own channels (then ``nodefaults``), so the solve needs
  nothing else reachable.

``--dry-run`` prints the environment file it would create; ``-o FILE`` also saves it. The work
is :mod:`envtool.ops.create`'s; this module renders it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from envtool import progress as progress_mod
from envtool.backends import Backend
from envtool.envs.model import (
    CreateOptions,
    CreateResult,
    EnvLocation,
    InstalledEnv,
    InstalledPackage,
    OnExists,
)
from envtool.errors import UsageError
from envtool.files import fileio
from envtool.files.envfile import EnvFile, dump_yaml
from envtool.ops import create as ops
from envtool.ops import variants
from envtool.render.create import create_document
from envtool.ui import Console

if TYPE_CHECKING:
    from envtool.files.prune import PruneOptions
    from envtool.locks.model import Lock


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
    override_frozen: bool = False,
    environment: str = "default",
    as_json: bool = False,
    cuda: str | None = None,
    allow_variant_change: bool = False,
    as_of: str | None = None,
) -> int:
    kind = ops.classify(source)
    if kind != "file" and name is None and prefix is None:
        raise UsageError("clone needs the new environment's -n NAME or -p PREFIX")
    console.detail(f"clone: SOURCE {source!r} is an environment {kind}")
    fidelity = _Fidelity(cuda, allow_variant_change)
    if kind == "file":
        from envtool import locks

        tf = fileio.read(source)
        if locks.sniff(tf.text):  # a lock or explicit file: exactly its records, no solve
            if options.prunes or output:
                raise UsageError(
                    f"{source} is a lock file: it installs as it is (no PRUNE OPTIONS, no -o)"
                )
            result = ops.install_lock_file(
                tf,
                source,
                args=["clone", source],
                name=name,
                prefix=prefix,
                environment=environment,
                on_exists=on_exists,
                override_frozen=override_frozen,
                dry_run=dry_run,
                check=fidelity.lock,
                backend=backend,
                console=console,
            )
            ops.report(result, console, as_json=as_json, command="clone")
            return 0
    loaded = ops.load_env_file(source) if kind == "file" else None
    when = variants.as_of(as_of, source if kind == "file" else None)
    engine = variants.backend(backend, console, native=cuda is not None or when is not None)
    if loaded is not None:  # as create -f: -p, else -n, else the file's name:
        target = ops.target_location(engine, loaded[0], name=name, prefix=prefix)
    else:
        target = engine.new_location(name=name, prefix=prefix)
    target_name = target.name or target.prefix.name
    create_options = CreateOptions(
        on_exists=on_exists,
        override_frozen=override_frozen,
        base_dir=Path.cwd(),
        command=ops.command_line(["clone", source, *ops.target_args(name, prefix)]),
        exclude_newer=when,
    )  # the platform (this machine's virtual packages, via py-rattler): only a solve needs it

    if loaded is not None:
        env, warnings = loaded
        for warning in warnings:
            console.warn(warning)
        source_records = variants.file_records(env)
        if options.prunes:
            env = _prune(env, options, None, explain, console)
        env = ops.named(env, target_name, keep_prefix=options.keep_prefix)
        create_options = replace(
            create_options, base_dir=ops.file_dir(source), platform=variants.target(cuda)
        )
        checked = _Checked(fidelity, source_records)
        return _create(
            engine, env, target, dry_run, output, create_options, console, as_json, checked
        )

    where = engine.locate(name=source) if kind == "name" else engine.locate(prefix=source)
    if options.prunes:
        installed, env = ops.exported(engine, where)
        env = _prune(env, options, installed, explain, console)
        env = ops.named(env, target_name, keep_prefix=options.keep_prefix)
        checked = _Checked(fidelity, installed.packages)
        create_options = replace(create_options, platform=variants.target(cuda))
        return _create(
            engine, env, target, dry_run, output, create_options, console, as_json, checked
        )

    console.detail(f"clone: exact copy of {where.prefix} by package records (no solve)")
    for warning in fidelity.exact(engine.read(where).packages):
        console.warn(warning)
    if dry_run or output:
        installed, env = ops.exported(engine, where)
        env = ops.named(env, target_name, keep_prefix=options.keep_prefix)
        if output:
            fileio.write_text_output(output, dump_yaml(env))
        if dry_run and as_json:
            doc = create_document(
                "clone", target, installed.packages, dry_run=True, environment=env
            )
            fileio.write_text_output(None, doc)
            return 0
        if dry_run:
            fileio.write_text_output(None, dump_yaml(env))
            return 0
    result = ops.with_progress(
        progress_mod.for_console(console),
        lambda o: ops.clone_env(engine, where, target, o),
        create_options,
    )
    ops.report(result, console, as_json=as_json, command="clone")
    return 0


def _prune(
    env: EnvFile,
    options: PruneOptions,
    installed: InstalledEnv | None,
    explain: bool,
    console: Console,
) -> EnvFile:
    """``env`` pruned; with ``--explain`` each decision goes to stderr as ``prune --explain``
    writes it (``file:line: ...`` when it comes from a file)."""
    result = ops.pruned(env, options, installed)
    if explain:
        from envtool.render.prune import format_decision

        for decision in result.decisions:
            console.err.write(format_decision(env.source or "export", decision) + "\n")
    return result.env


def _create(
    engine: Backend,
    env: EnvFile,
    target: EnvLocation,
    dry_run: bool,
    output: str | None,
    options: CreateOptions,
    console: Console,
    as_json: bool,
    checked: _Checked,
) -> int:
    text = dump_yaml(env)
    if output:
        fileio.write_text_output(output, text)
    if dry_run and as_json:
        doc = create_document("clone", target, None, dry_run=True, environment=env)
        fileio.write_text_output(None, doc)
        return 0
    if dry_run:
        fileio.write_text_output(None, text)
        return 0
    console.detail(f"create: {target.prefix} with the {engine.name} backend")
    said: list[str] = []

    def go(o: CreateOptions) -> CreateResult:
        result, warnings = variants.create_keeping(
            engine,
            env,
            target,
            o,
            source=checked.source,
            cuda=checked.fidelity.cuda,
            allow=checked.fidelity.allow,
        )
        said.extend(warnings)
        return result

    result = ops.with_progress(progress_mod.for_console(console), go, options)
    for warning in said:
        console.warn(warning)
    ops.report(result, console, as_json=as_json, command="clone")
    return 0


@dataclass(frozen=True)
class _Fidelity:
    """``--cuda`` and ``--allow-variant-change``: what a clone checks its result against."""

    cuda: str | None
    allow: bool

    def exact(self, packages: Iterable[InstalledPackage]) -> tuple[str, ...]:
        return variants.check_exact("clone", packages, self.cuda, allow=self.allow)

    def lock(self, lock: Lock) -> tuple[str, ...]:
        return variants.check_lock("clone", lock, self.cuda, allow=self.allow)


@dataclass(frozen=True)
class _Checked:
    """A re-solve's check: the records it came from (an env's, a file's builds)."""

    fidelity: _Fidelity
    source: Sequence[InstalledPackage]
