"""``envtool remove (-n NAME | -p PREFIX)``: delete an environment, refusing what must stay.

Refuses base, the env envtool runs in, the active env, a frozen env (CEP 22; conda's
``--override-frozen`` overrides) and anything that is not a conda env. ``--dry-run`` says what
would be removed and changes nothing. The checks and the delete are shared by every backend
(:mod:`envtool.envs.removal`); the backend only finds the env.
"""

from __future__ import annotations

import os

from envtool.backends import select_backend
from envtool.envs import removal
from envtool.envs.condaconfig import load
from envtool.errors import UsageError
from envtool.ui import Console


def run(
    *,
    name: str | None,
    prefix: str | None,
    override_frozen: bool,
    dry_run: bool,
    backend: str,
    console: Console,
) -> int:
    if name is None and prefix is None:
        raise UsageError("say which environment to remove: -n NAME or -p PREFIX")
    location = select_backend(backend, console).locate(name=name, prefix=prefix)
    removal.check_removable(
        location,
        root_prefix=load().root_prefix,
        environ=os.environ,
        override_frozen=override_frozen,
    )
    label = f"{location.name} ({location.prefix})" if location.name else str(location.prefix)
    if dry_run:
        console.info(f"envtool: would remove {label}")
        return 0
    removal.remove(location, environ=os.environ)
    console.info(f"envtool: removed {label}")
    return 0
