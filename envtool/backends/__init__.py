"""Engines that read, create and clone installed conda environments, behind one Protocol.

A backend finds and reads envs, *solves* specs for a :class:`~envtool.envs.platform.Platform`
(no install) and *installs* solved records; ``create`` is the two together, ``clone`` installs
the source's records. Targets, on-exists, frozen envs (CEP 22), staging and rollback, history
and pip are one policy for all of them: :mod:`envtool.envs.transaction`.

Two kinds of backend implement :class:`Backend` (the Protocol lives in
:mod:`envtool.backends.base`, which backend modules import; this package only selects one):

- ``native`` (:mod:`envtool.backends.native`): py-rattler only. Reads ``conda-meta/*.json``,
  solves and installs from the environment file's channels, clones from package records.
- ``conda`` / ``mamba`` / ``micromamba`` (:mod:`envtool.backends.conda`): drive the user's
  CLI through :mod:`envtool.process`. That module provides
  ``create_backend(tool, exe) -> Backend``.

Whatever the engine, what comes back is envtool's own frozen dataclasses below, so the pure
functions in :mod:`envtool.envs.export` turn any installed environment into an :class:`EnvFile`
the same way. :func:`select_backend` implements ``--backend auto`` and says why it chose.

Errors: backends raise :class:`~envtool.errors.EnvtoolError` subclasses only
(:class:`EnvNotFoundError` naming the places searched, :class:`BackendError` for a failed
solve/install/tool, :class:`UsageError` for an existing target); never a raw engine exception.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from envtool.backends.base import TOOLS, Backend, BackendChoice, ToolName
from envtool.envs.model import SourceKind
from envtool.errors import ToolNotFoundError, UsageError

if TYPE_CHECKING:
    from envtool.files.envfile import EnvFile
    from envtool.ui import Console

__all__ = ["TOOLS", "Backend", "BackendChoice", "Selection", "ToolName", "choose", "select_backend"]

# ------------------------------------------------------------------------------------ selection


@dataclass(frozen=True)
class Selection:
    """Which backend ``--backend`` resolved to, and why."""

    kind: Literal["native", "conda", "mamba", "micromamba"]
    exe: str | None  # the tool's executable for CLI backends
    reason: str


def choose(choice: str, environ: Mapping[str, str] | None = None) -> Selection:
    """Resolve ``--backend`` to a concrete backend (pure apart from looking at PATH).

    ``auto``: the user's conda-compatible CLI if one is found (``CONDA_EXE``, then ``conda``,
    ``mamba``, ``micromamba`` on PATH), else ``native``.
    """
    if choice == "native":
        return Selection("native", None, "--backend native")
    from envtool import process  # subprocess & co.: only to look for a tool

    env = os.environ if environ is None else environ
    if choice in TOOLS:
        tool: ToolName = choice
        exe = _conda_exe(env) if tool == "conda" else None
        exe = exe or process.which(tool)
        if exe is None:
            raise ToolNotFoundError(f"--backend {tool}: {tool} not found on PATH")
        return Selection(tool, exe, f"--backend {tool} ({exe})")
    if choice != "auto":
        raise UsageError(f"unknown backend {choice!r} (choose auto, native, {', '.join(TOOLS)})")
    exe = _conda_exe(env)
    if exe is not None:
        return Selection("conda", exe, f"CONDA_EXE is set ({exe})")
    for tool in TOOLS:
        found = process.which(tool)
        if found is not None:
            return Selection(tool, found, f"{tool} found on PATH ({found})")
    return Selection("native", None, "no conda, mamba or micromamba found (CONDA_EXE, PATH)")


def _conda_exe(environ: Mapping[str, str]) -> str | None:
    exe = environ.get("CONDA_EXE")
    return exe if exe and os.path.isfile(exe) else None


def select_backend(choice: str, console: Console) -> Backend:
    """The backend for ``--backend choice``; with ``-v`` says which one and why."""
    selection = choose(choice)
    console.detail(f"backend: {selection.kind} ({selection.reason})")
    if selection.kind == "native":
        from envtool.backends.native import NativeBackend

        return NativeBackend()
    from envtool.backends.conda import create_backend

    assert selection.exe is not None  # choose() found the tool's executable
    return create_backend(selection.kind, selection.exe)


# ------------------------------------------------------------------------------ for other commands


def read_envfile(
    kind: SourceKind,
    value: str,
    backend_choice: str,
    console: Console,
    *,
    configured_channels: bool = True,
) -> EnvFile:
    """A live environment as an :class:`EnvFile` in ``conda env export``'s layout.

    ``kind`` is ``"env"`` (``value`` is a name, as in ``diff env:NAME``) or ``"prefix"``
    (``value`` is a path, ``prefix:PATH``). The file keeps its ``name:`` and ``prefix:``.
    Without ``configured_channels`` its channels are only those its packages came from (conda's
    export appends the configured ones, which a drift check must not mistake for used ones).
    """
    from envtool.envs import export

    backend = select_backend(backend_choice, console)
    location = backend.locate(name=value) if kind == "env" else backend.locate(prefix=value)
    installed = backend.read(location)
    if not configured_channels:
        installed = replace(installed, configured_channels=())
    return export.to_envfile(installed)
