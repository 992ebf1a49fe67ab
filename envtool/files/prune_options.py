"""The PRUNE OPTIONS of DESIGN §2 as a value, apart from the rules that apply them.

Every command that takes them (``prune``, ``export``, ``clone``) builds one of these while its
arguments are read; only a command that prunes imports :mod:`envtool.files.prune` (and its
YAML editing and spec rewriting), so an ``export`` without them does not pay for those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from envtool.spec import PinLevel


@dataclass(frozen=True)
class PruneOptions:
    """The PRUNE OPTIONS of DESIGN §2 (shared by ``prune``, ``export`` and ``clone``)."""

    no_builds: bool = False
    keep_variant_builds: bool = True
    leaves: bool = False
    portable: bool = False
    pin: PinLevel | None = None
    no_pip: bool = False
    pip_only: bool = False
    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    channels: tuple[str, ...] | None = None  # None: leave the channel list alone
    keep_prefix: bool = False

    @property
    def prunes(self) -> bool:
        """Whether any option would change a file (``--keep`` alone does not)."""
        return bool(
            self.no_builds
            or self.leaves
            or self.portable
            or self.pin is not None
            or self.no_pip
            or self.pip_only
            or self.drop
            or self.channels is not None
        )
