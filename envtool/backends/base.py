"""The :class:`Backend` Protocol every engine implements, apart from choosing one (pipx keeps
its ``_base.py`` apart from selection the same way): backend modules import this, never the
package that selects them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from envtool.envs.model import (
    CreateOptions,
    CreateResult,
    EnvLocation,
    InstalledEnv,
    InstalledPackage,
)

if TYPE_CHECKING:
    from envtool.envs.platform import Platform
    from envtool.files.envfile import EnvFile

BackendChoice = Literal["auto", "native", "conda", "mamba", "micromamba"]
ToolName = Literal["conda", "mamba", "micromamba"]

TOOLS: tuple[ToolName, ...] = ("conda", "mamba", "micromamba")


class Backend(Protocol):
    """An engine that can find, read, create and clone conda environments."""

    @property
    def name(self) -> str:
        """One of: native, conda, mamba, micromamba."""

    def locate(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        """An existing environment by ``-n NAME`` or ``-p PREFIX`` (neither: the active one).

        A missing environment raises EnvNotFoundError listing the places searched.
        """

    def new_location(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        """Where a new environment named ``name`` (first writable envs dir) or at ``prefix``
        goes. Does not check whether something is there already."""

    def list_envs(self) -> tuple[EnvLocation, ...]:
        """Every environment the tool knows about."""

    def read(self, location: EnvLocation) -> InstalledEnv:
        """The installed environment at ``location``."""

    def solve(
        self,
        specs: Sequence[str],
        channels: Sequence[str],
        platform: Platform | None = None,
        *,
        options: CreateOptions | None = None,
        source: str = "",
    ) -> tuple[InstalledPackage, ...]:
        """The package records ``specs`` solve to from ``channels`` (as an environment file
        lists them: ``nodefaults``, relative local paths against ``options.base_dir``) for
        ``platform`` and its virtual packages (None: this machine). Installs nothing."""

    def install(
        self, records: Sequence[InstalledPackage], target: EnvLocation, options: CreateOptions
    ) -> CreateResult:
        """``records`` (from :meth:`solve`, or an env's) installed at ``target``, no solve,
        as one transaction (:mod:`envtool.envs.transaction`)."""

    def create(self, env: EnvFile, target: EnvLocation, options: CreateOptions) -> CreateResult:
        """Solve ``env`` and install it at ``target`` (then its pip section, if any)."""

    def clone(
        self, source: EnvLocation, target: EnvLocation, options: CreateOptions
    ) -> CreateResult:
        """An exact copy of the environment at ``source`` (same packages, no solve)."""
