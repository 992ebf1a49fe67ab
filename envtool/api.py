r"""envtool from Python: load, rename, prune, diff, check, export and create without a subprocess.

The stable surface: functions that take paths (or values) and return values — an
:class:`EnvFile`, an :class:`EnvDiff`, findings, a created env with its records. They print
nothing; errors are :class:`EnvtoolError` subclasses with a one-line message (what the CLI
prints after ``envtool: error:``). A diff carries the real values, credentials included:
:func:`render` masks them, as every output of the CLI does.

>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> old, new = folder / "old.yml", folder / "new.yml"
>>> _ = old.write_text("name: ml\nchannels: [conda-forge]\ndependencies:\n  - numpy=1.26.4\n")
>>> _ = new.write_text("name: ml\nchannels: [conda-forge]\ndependencies:\n  - numpy=2.0.0\n")
>>> load(new).name
'ml'
>>> [(c.kind, c.name, c.old, c.new, c.size) for c in diff(old, new).changes]
[('upgraded', 'numpy', '1.26.4', '2.0.0', 'major')]
>>> print(rename(new, "ml-2").text, end="")
name: ml-2
channels: [conda-forge]
dependencies:
  - numpy=2.0.0
>>> print(prune(new, PruneOptions(pin="minor")).text, end="")
name: ml
channels: [conda-forge]
dependencies:
  - numpy=2.0
>>> [f.code for f in check(new)]
[]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from envtool.diff.model import Change, DiffSet, EnvDiff
from envtool.envs.model import CreateResult, InstalledEnv, OnExists
from envtool.errors import EnvtoolError
from envtool.files.envfile import EnvFile
from envtool.files.lint import Finding
from envtool.files.prune import PruneOptions
from envtool.ops.prune import PrunedFile
from envtool.ops.rename import Renamed

if TYPE_CHECKING:
    from envtool.ops.diff import Side

__all__ = [
    "Change",
    "CreateResult",
    "DiffSet",
    "EnvDiff",
    "EnvFile",
    "EnvtoolError",
    "Finding",
    "InstalledEnv",
    "PruneOptions",
    "PrunedFile",
    "Renamed",
    "check",
    "create",
    "diff",
    "drift",
    "dump",
    "export",
    "load",
    "prune",
    "read_env",
    "rename",
    "render",
]

PathLike = str | os.PathLike[str]
Backend = Literal["auto", "native", "conda", "mamba", "micromamba"]


def load(path: PathLike) -> EnvFile:
    """The environment file at ``path`` ("-": standard input), parsed strictly (an invalid spec
    is an :class:`EnvtoolError` naming file and line); a lock or explicit file reads as this
    platform's exact pins."""
    from envtool.locks import load_env

    return load_env(os.fspath(path))


def dump(env: EnvFile, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """``env`` as conda writes an environment file (``conda env export``'s exact layout)."""
    from envtool.files.envfile import dump_json, dump_yaml

    return dump_json(env) if fmt == "json" else dump_yaml(env)


def rename(path: PathLike, new_name: str, *, keep_prefix: bool = False) -> Renamed:
    """The file at ``path`` with ``name: new_name`` and no ``prefix:`` (unless ``keep_prefix``),
    every other byte unchanged. ``.text`` is the new text, ``.env`` it parsed, ``.data`` the
    bytes in the file's own encoding. Nothing is written."""
    from envtool.ops.rename import rename_file

    return rename_file(os.fspath(path), new_name, keep_prefix=keep_prefix)


def prune(path: PathLike, options: PruneOptions | None = None) -> PrunedFile:
    """The file at ``path`` pruned by ``options`` (the CLI's PRUNE OPTIONS), edited in place of
    its text: ``.text``, ``.changed``, ``.env`` (the pruned :class:`EnvFile`), ``.decisions``
    (each with its reason), ``.result`` (the :class:`~envtool.files.prune.PruneResult`).
    Nothing is written."""
    from envtool.ops.prune import prune_file

    return prune_file(os.fspath(path), options or PruneOptions())


def check(path: PathLike, *, ignore: Sequence[str] = ()) -> tuple[Finding, ...]:
    """The findings of ``envtool check`` for the file at ``path``; ``ignore`` takes codes or
    their names (``W305``, ``editable``). An unreadable path raises :class:`EnvtoolError`."""
    from envtool.ops.check import check_file, ignored_codes

    return check_file(os.fspath(path), ignore=ignored_codes(ignore))


def diff(
    old: PathLike | EnvFile,
    new: PathLike | EnvFile,
    *,
    ignore_builds: bool = False,
    ignore: Sequence[str] = (),
    backend: Backend = "auto",
) -> EnvDiff:
    """What changed from ``old`` to ``new`` (DESIGN §5 kinds and sizes).

    Each side is an :class:`EnvFile` or what ``envtool diff`` takes: a path, ``env:NAME``,
    ``prefix:PATH`` (an installed env: a file against one is :func:`drift`), ``REV:path``.
    """
    from envtool.ops.diff import compare

    a, b = _side(old, backend), _side(new, backend)
    return compare(a, b, ignore_builds=ignore_builds, ignore=ignore)


def drift(
    file: PathLike | EnvFile,
    *,
    name: str | None = None,
    prefix: PathLike | None = None,
    ignore_builds: bool = False,
    ignore: Sequence[str] = (),
    backend: Backend = "auto",
) -> EnvDiff:
    """How the installed env ``name`` / ``prefix`` differs from ``file``: unmet specs, packages
    nothing in the file needs (directly or through dependencies), pip, channels. Empty right
    after ``create(file)``. ``added`` is what only the env has, ``removed`` what only the file
    asks for (:mod:`envtool.diff.drift`)."""
    from envtool.ops.diff import compare, installed_side

    installed = read_env(name=name, prefix=prefix, backend=backend)
    label = f"env:{name}" if name is not None else f"prefix:{installed.location.prefix}"
    env = installed_side(installed, label)
    return compare(_side(file, backend), env, ignore_builds=ignore_builds, ignore=ignore)


def render(
    result: EnvDiff | DiffSet,
    fmt: Literal["text", "markdown", "json", "github"] = "text",
    *,
    ascii_only: bool = False,
) -> str:
    """``result`` as ``envtool diff --format fmt`` prints it, credentials masked."""
    from envtool.render import render as render_diff

    return render_diff(result, fmt, ascii_only=ascii_only)


def read_env(
    *, name: str | None = None, prefix: PathLike | None = None, backend: Backend = "auto"
) -> InstalledEnv:
    """The installed env ``name`` / ``prefix`` (neither: the active one) as records."""
    from envtool.ops.diff import read_installed

    where = os.fspath(prefix) if prefix is not None else None
    return read_installed(name=name, prefix=where, backend=backend)


def export(
    *,
    name: str | None = None,
    prefix: PathLike | None = None,
    from_history: bool = False,
    no_builds: bool = False,
    keep_prefix: bool = False,
    backend: Backend = "auto",
    conda_compat: bool = False,
) -> EnvFile:
    """The installed env ``name`` / ``prefix`` as ``envtool export`` writes it: a file that
    recreates it from its own channels (no ``prefix:`` unless ``keep_prefix``; ``no_builds``
    keeps variant builds as globs, as ``--no-builds`` does), or with ``conda_compat`` what
    ``conda env export`` prints; :func:`dump` makes the text."""
    from dataclasses import replace

    from envtool.envs import export as exports
    from envtool.envs.condaconfig import load

    installed = read_env(name=name, prefix=prefix, backend=backend)
    if conda_compat:
        env = exports.to_envfile(installed, from_history=from_history, no_builds=no_builds)
    else:
        env = exports.recreating_envfile(installed, from_history=from_history, config=load())
        if no_builds:
            from envtool.ops.create import pruned

            env = pruned(env, PruneOptions(no_builds=True)).env
    return env if keep_prefix else replace(env, prefix=None)


def create(
    file: PathLike,
    *,
    name: str | None = None,
    prefix: PathLike | None = None,
    on_exists: OnExists = "fail",
    dry_run: bool = False,
    backend: Backend = "auto",
) -> CreateResult:
    """A new env from ``file`` at ``prefix``, else named ``name``, else the file's ``name:``;
    all or nothing, never over an existing env unless ``on_exists="replace"``. The result
    lists the installed records (with ``dry_run``: what would be installed)."""
    from envtool.backends import select_backend
    from envtool.envs.model import CreateOptions
    from envtool.ops import create as ops
    from envtool.ui import Console

    path = os.fspath(file)
    env, _warnings = ops.load_env_file(path)  # unknown keys: ignored, as the CLI does
    where = os.fspath(prefix) if prefix is not None else None
    engine = select_backend(backend, Console(quiet=True))
    target = ops.target_location(engine, env, name=name, prefix=where)
    options = CreateOptions(
        on_exists=on_exists,
        dry_run=dry_run,
        base_dir=ops.file_dir(path),
        command=ops.command_line(["create", "-f", path, *ops.target_args(name, where)]),
    )
    return ops.create(engine, env, target, options)


def _side(value: PathLike | EnvFile, backend: Backend) -> Side:
    from envtool.ops.diff import Side, load_side

    if isinstance(value, EnvFile):
        return Side(value, value.source)
    return load_side(os.fspath(value), backend=backend)
