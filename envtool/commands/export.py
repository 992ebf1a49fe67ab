"""``envtool export``: an installed environment as an environment file (or explicit list).

Without options the YAML is what ``conda env export`` prints for the env (DESIGN §4), except
that ``prefix:`` is dropped unless ``--keep-prefix``. PRUNE OPTIONS apply on top (``--leaves``
keeps the history's requested specs, else the dependency graph's leaves); ``--rename NEW`` sets
``name:``.

``-f``/``-o FILE`` writes the file; ``--json`` then reports on stdout what was written
(:func:`document`). Without a file, ``--json`` is ``--format json``, as in conda.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from envtool.backends import select_backend
from envtool.envs import export
from envtool.envs.model import InstalledEnv
from envtool.errors import UsageError
from envtool.files import fileio
from envtool.files.envfile import EnvFile, check_env_name, dump_json, dump_yaml
from envtool.ui import Console

if TYPE_CHECKING:
    from envtool.files.prune import PruneOptions

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
) -> int:
    if rename is not None:
        check_env_name(rename)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    engine = select_backend(backend, console)
    location = engine.locate(name=name, prefix=prefix)
    console.detail(f"export: reading {location.prefix}")
    installed = engine.read(location)
    env = export.to_envfile(installed, from_history=from_history)
    pruned = False
    if options.prunes:
        env = apply_prune(env, options, installed_requested(installed, options), explain, console)
        pruned = True
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
) -> EnvFile:
    """``env`` pruned by ``options``; with ``--explain`` each decision goes to stderr, as
    ``prune --explain`` writes it (``file:line: ...`` when it comes from a file)."""
    from envtool.commands.prune import format_decision
    from envtool.files.prune import prune

    result = prune(env, options, requested=requested)
    if explain:
        for decision in result.decisions:
            console.err.write(format_decision(env.source or "export", decision) + "\n")
    return result.env
