"""The ``--json`` document of ``create`` and ``clone``: what was made, or would be."""

from __future__ import annotations

import json
from collections.abc import Sequence

from envtool.envs.model import CreateResult, EnvLocation, InstalledPackage
from envtool.files.envfile import EnvFile, to_data

CREATE_VERSION = 1  # a new key may come within a version; a changed one makes a new version


def create_document(
    command: str,
    location: EnvLocation,
    packages: Sequence[InstalledPackage] | None,
    *,
    pip_lines: Sequence[str] = (),
    dry_run: bool = False,
    replaced: bool = False,
    environment: EnvFile | None = None,
) -> str:
    """``create --json``/``clone --json`` as JSON text.

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
        doc["environment"] = to_data(environment)
    return json.dumps(doc, indent=2) + "\n"


def result_document(command: str, result: CreateResult) -> str:
    """The document of a finished create or clone (or of a solved dry run)."""
    return create_document(
        command,
        result.location,
        result.packages,
        pip_lines=result.pip_lines,
        dry_run=result.dry_run,
        replaced=result.replaced,
    )
