"""``envtool export``: an installed environment as an environment file (or explicit list).

Without options the YAML recreates the env (:func:`envtool.envs.export.recreating_envfile`):
conda's layout, but ``channels:`` lists only the channels the packages came from, in the
configured priority order, plus ``nodefaults`` when ``defaults`` is not among them, and
``prefix:`` is dropped unless ``--keep-prefix``. ``--from-history`` keeps those channels and the
pip section (envtool's extension), and with ``--pin LEVEL`` pins the requested packages to
their installed versions at that level.

``--conda-compat`` prints what ``conda env export`` prints, byte for byte (DESIGN §4), its
``prefix:`` line included unless ``--no-keep-prefix``.

PRUNE OPTIONS apply on top (``--leaves`` keeps the history's requested specs, else the
dependency graph's leaves); ``--rename NEW`` sets ``name:``.

``-f``/``-o FILE`` writes the file; ``--json`` then reports on stdout what was written
(:func:`document`). Without a file, ``--json`` is ``--format json``, as in conda.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from envtool.backends import select_backend
from envtool.envs import export
from envtool.envs.condaconfig import load as load_config
from envtool.envs.model import InstalledEnv
from envtool.errors import UsageError
from envtool.files import fileio
from envtool.files.envfile import EnvFile, check_env_name, dump_json, dump_yaml
from envtool.ui import Console, plural

if TYPE_CHECKING:
    from envtool.files.prune_options import PruneOptions

FORMATS = ("yaml", "json", "explicit")


def run(
    *,
    name: str | None,
    prefix: str | None,
    output: str | None,
    fmt: str,
    from_history: bool,
    options: PruneOptions,
    explain: bool,
    rename: str | None,
    backend: str,
    console: Console,
    report_json: bool = False,
    conda_compat: bool = False,
    keep_prefix: bool | None = None,
) -> int:
    """``keep_prefix`` is ``--keep-prefix``/``--no-keep-prefix`` when given (None: the default,
    which keeps ``prefix:`` only with ``conda_compat``)."""
    options = replace(options, keep_prefix=conda_compat if keep_prefix is None else keep_prefix)
    if rename is not None:
        check_env_name(rename)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    engine = select_backend(backend, console)
    location = engine.locate(name=name, prefix=prefix)
    console.detail(f"export: reading {location.prefix}")
    installed = engine.read(location)
    # Specs are parsed only for pruning: a file that is only written needs none (and a version
    # such as 2023.08.22 would load py-rattler to parse it).
    parse = options.prunes
    if conda_compat:
        env = export.to_envfile(installed, from_history=from_history, parse=parse)
    else:
        env = export.recreating_envfile(
            installed,
            from_history=from_history,
            pin_history=options.pin is not None and options.pin != "none",
            keep_variant_builds=options.keep_variant_builds,
            config=getattr(engine, "config", None) or load_config(),  # native: already read
            parse=parse,
        )
    pruned = False
    if options.prunes:
        flags = {p.name: p.flags for p in installed.packages if p.flags}
        requested = installed_requested(installed, options)
        env = apply_prune(env, options, requested, explain, console, flags=flags)
        pruned = True
    if not conda_compat and fmt != "explicit":
        _warn_channelless(installed, env, console)
    if rename is not None:
        env = replace(env, name=rename)
    if not options.keep_prefix:
        env = replace(env, prefix=None)
    if fmt == "yaml":
        text = dump_yaml(env)
    elif fmt == "json":
        text = dump_json(env)
    else:
        if env.pip:
            shown = ", ".join(p.text for p in env.pip[:3]) + (", ..." if len(env.pip) > 3 else "")
            raise UsageError(
                f"an explicit file cannot hold pip packages ({shown}); "
                "add --no-pip to leave them out"
            )
        names = [d.name for d in env.conda] if pruned else None
        text = export.to_explicit(installed, names)
    fileio.write_text_output(output, text)
    if report_json and output is not None:
        doc = document(installed, env, output=output, fmt=fmt, pruned=pruned)
        fileio.write_text_output(None, json.dumps(doc, indent=2) + "\n")
    return 0


def _warn_channelless(installed: InstalledEnv, env: EnvFile, console: Console) -> None:
    """Say which listed packages no channel is known for: a create cannot find them."""
    names = export.channelless(installed.packages)
    if names:  # the listed names only when needed: each is a spec parse
        listed = {d.name for d in env.conda}
        names = tuple(n for n in names if n in listed)
    if names:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        console.warn(
            f"no channel is recorded for {plural(len(names), 'package')} ({shown}): "
            f"a create from this file cannot find {'it' if len(names) == 1 else 'them'}"
        )


EXPORT_VERSION = 1  # of the --json report; see document()


def document(
    installed: InstalledEnv, env: EnvFile, *, output: str, fmt: str, pruned: bool
) -> dict[str, object]:
    """``export -f FILE --json``: what was written where, from which environment."""
    return {
        "export_version": EXPORT_VERSION,
        "source": {
            "name": installed.location.name,
            "prefix": str(installed.location.prefix),
        },
        "output": output,
        "format": fmt,
        "name": env.name,
        "channels": list(env.channels),
        "conda": len(env.conda),
        "pip": len(env.pip or ()),
        "pruned": pruned,
    }


def installed_requested(installed: InstalledEnv, options: PruneOptions) -> set[str] | None:
    return set(export.requested_names(installed)) if options.leaves else None


def apply_prune(
    env: EnvFile,
    options: PruneOptions,
    requested: set[str] | None,
    explain: bool,
    console: Console,
    *,
    flags: Mapping[str, Sequence[str]] | None = None,
) -> EnvFile:
    """``env`` pruned by ``options``; with ``--explain`` each decision goes to stderr, as
    ``prune --explain`` writes it (``file:line: ...`` when it comes from a file)."""
    from envtool.files.prune import prune
    from envtool.render.prune import format_decision

    result = prune(env, options, requested=requested, flags=flags)
    if explain:
        for decision in result.decisions:
            console.err.write(format_decision(env.source or "export", decision) + "\n")
    return result.env
