"""Removing an environment: the checks every backend shares, then an all-or-nothing delete.

An env is removed only when it is a conda env (``conda-meta/history``), not the root (base)
env, not the env envtool itself runs in, not the active env (``CONDA_PREFIX``), and not frozen
(CEP 22) unless the user overrides that as with conda's ``--override-frozen``.

The delete first renames the prefix to a hidden sibling (atomic: the env is gone from its
place at once, never half there), then deletes that; a removal killed midway leaves only the
hidden ``.NAME.envtool-trash-…`` folder, which ``envtool envs`` reports. The prefix is also
dropped from ``~/.conda/environments.txt`` as conda does.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from envtool.envs import prefix, registry
from envtool.envs.condaconfig import same_path
from envtool.envs.model import EnvLocation
from envtool.envs.staging import STAGE_MARK, TargetLock, remove_tree
from envtool.envs.transaction import check_not_frozen
from envtool.errors import BackendError, EnvNotFoundError, UsageError


def check_removable(
    location: EnvLocation,
    *,
    root_prefix: Path | None,
    environ: Mapping[str, str],
    override_frozen: bool = False,
) -> None:
    """Raise unless ``location`` may be removed."""
    path = location.prefix
    if not prefix.is_env(path):
        raise EnvNotFoundError(f"{path} is not a conda environment (no conda-meta/history)")
    if (root_prefix is not None and same_path(path, root_prefix)) or location.name == "base":
        raise UsageError(f"{path} is the base environment; not removing it")
    if same_path(path, Path(sys.prefix)):
        raise UsageError(f"{path} is the environment envtool runs in; not removing it")
    active = environ.get("CONDA_PREFIX")
    if active and same_path(path, Path(active)):
        raise UsageError(f"{path} is the active environment; deactivate it first")
    check_not_frozen(path, doing="remove", override=override_frozen)


def remove(location: EnvLocation, *, environ: Mapping[str, str]) -> None:
    """Delete the env at ``location`` (after :func:`check_removable`)."""
    path = location.prefix
    trash = path.parent / f".{path.name}{STAGE_MARK}trash-{secrets.token_hex(4)}"
    with TargetLock(path, doing="changing"):  # not while a sync or a replace is under way
        try:
            os.rename(path, trash)
        except OSError as exc:
            raise BackendError(f"cannot remove {path}: {exc.strerror or exc}") from exc
    registry.unregister(path, environ)
    remove_tree(trash)
