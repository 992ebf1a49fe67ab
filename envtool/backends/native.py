"""The embedded backend (py-rattler). Being written: every method reports that for now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envtool.backends import CreateOptions, CreateResult, EnvLocation, InstalledEnv
from envtool.errors import BackendError

if TYPE_CHECKING:
    from envtool.envfile import EnvFile


class NativeBackend:
    name = "native"

    def locate(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        raise BackendError("the native backend is not ready yet")

    def new_location(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        raise BackendError("the native backend is not ready yet")

    def list_envs(self) -> tuple[EnvLocation, ...]:
        raise BackendError("the native backend is not ready yet")

    def read(self, location: EnvLocation) -> InstalledEnv:
        raise BackendError("the native backend is not ready yet")

    def create(self, env: EnvFile, target: EnvLocation, options: CreateOptions) -> CreateResult:
        raise BackendError("the native backend is not ready yet")

    def clone(
        self, source: EnvLocation, target: EnvLocation, options: CreateOptions
    ) -> CreateResult:
        raise BackendError("the native backend is not ready yet")
