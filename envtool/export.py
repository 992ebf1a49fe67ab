"""An installed environment as an EnvFile in ``conda env export``'s exact layout (being written)."""

from __future__ import annotations

from envtool.backends import InstalledEnv
from envtool.envfile import EnvFile
from envtool.errors import BackendError


def to_envfile(
    env: InstalledEnv, *, from_history: bool = False, no_builds: bool = False
) -> EnvFile:
    raise BackendError("export is not ready yet")
