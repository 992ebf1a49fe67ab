"""Command lines for conda, mamba and micromamba: one pure function per operation.

Nothing here runs anything; :mod:`envtool.backends.conda` hands these lists to
:func:`envtool.process.run`. Every form below is accepted by all the versions envtool supports
(conda >= 24, mamba 1 — a conda plugin — and mamba/micromamba 2), using long option names that
all three spell the same way.

How the tools differ (sources: conda's ``conda/cli/main_env_create.py``, mamba's
``micromamba/src/env.cpp`` and ``libmamba/src/api/list.cpp``, and their issue trackers):

- ``create`` from a file: conda and mamba take ``env create --file``; micromamba's
  ``env create`` is only an alias kept for pre-commit, so envtool calls ``create --file``.
- ``--yes``: ``conda env create --yes`` deletes an existing prefix *before* it looks at
  ``--dry-run``, so a dry run never gets ``--yes`` from conda or mamba (and dry runs always
  target a fresh scratch path anyway).
- ``--clone``: conda only. micromamba has none, and mamba 2 follows micromamba, so mamba and
  micromamba clone by creating from the source's ``@EXPLICIT`` list (``list --explicit --md5``),
  which installs the very same package files without a solve.
- micromamba takes ``--root-prefix`` on every command (its base install); conda has none and
  mamba 1 would reject it, so only micromamba ever gets it.
- ``env list --json`` is ``{"envs": [...]}`` for all three (conda >= 25 adds ``envs_details``);
  ``info --json`` differs in its keys (see :mod:`envtool.backends.conda_json`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from envtool.envs.platform import Platform

Tool = Literal["conda", "mamba", "micromamba"]
Argv = list[str]


def _base(tool: Tool, exe: str, *command: str, root_prefix: Path | None) -> Argv:
    argv = [exe, *command]
    if tool == "micromamba" and root_prefix is not None:
        argv += ["--root-prefix", str(root_prefix)]
    return argv


def info(tool: Tool, exe: str, *, root_prefix: Path | None = None) -> Argv:
    """The tool's configuration: root prefix, envs dirs, channels, platform, version."""
    return [*_base(tool, exe, "info", root_prefix=root_prefix), "--json"]


def env_list(tool: Tool, exe: str, *, root_prefix: Path | None = None) -> Argv:
    """Every environment the tool knows about."""
    return [*_base(tool, exe, "env", "list", root_prefix=root_prefix), "--json"]


def list_packages(tool: Tool, exe: str, prefix: Path, *, root_prefix: Path | None = None) -> Argv:
    """The packages installed at ``prefix`` (conda and micromamba also list pip's)."""
    return [*_base(tool, exe, "list", root_prefix=root_prefix), "--prefix", str(prefix), "--json"]


def list_explicit(tool: Tool, exe: str, prefix: Path, *, root_prefix: Path | None = None) -> Argv:
    """The ``@EXPLICIT`` list of ``prefix``: one package URL with ``#md5`` per line (text)."""
    return [
        *_base(tool, exe, "list", root_prefix=root_prefix),
        "--prefix",
        str(prefix),
        "--explicit",
        "--md5",
    ]


def export(
    tool: Tool,
    exe: str,
    prefix: Path,
    *,
    from_history: bool = False,
    root_prefix: Path | None = None,
) -> Argv:
    """``env export`` of ``prefix`` as JSON (with ``from_history``: the requested specs)."""
    argv = [*_base(tool, exe, "env", "export", root_prefix=root_prefix), "--prefix", str(prefix)]
    if from_history:
        argv.append("--from-history")
    return [*argv, "--json"]


def create(
    tool: Tool,
    exe: str,
    file: Path,
    prefix: Path,
    *,
    dry_run: bool = False,
    root_prefix: Path | None = None,
) -> Argv:
    """Create an environment at ``prefix`` from an environment file (YAML or ``@EXPLICIT``).

    ``dry_run`` only solves and prints what would be installed; the caller gives it a scratch
    ``prefix`` that does not exist.
    """
    command = ("create",) if tool == "micromamba" else ("env", "create")
    argv = [*_base(tool, exe, *command, root_prefix=root_prefix)]
    argv += ["--file", str(file), "--prefix", str(prefix)]
    if dry_run:
        argv.append("--dry-run")
        if tool == "micromamba":
            argv.append("--yes")  # micromamba asks even for a dry run; conda's --yes deletes
    else:
        argv.append("--yes")
    return [*argv, "--json"]


def create_explicit(
    tool: Tool, exe: str, file: Path, prefix: Path, *, root_prefix: Path | None = None
) -> Argv:
    """Create an environment at ``prefix`` from an ``@EXPLICIT`` file: no solve (CEP 23)."""
    return [
        *_base(tool, exe, "create", root_prefix=root_prefix),
        "--file",
        str(file),
        "--prefix",
        str(prefix),
        "--yes",
        "--json",
    ]


def clone(exe: str, source: Path, prefix: Path) -> Argv:
    """conda's own exact copy of ``source`` at ``prefix`` (hard links, untracked files too).

    conda only: mamba and micromamba clone with :func:`create_explicit`.
    """
    return [exe, "create", "--clone", str(source), "--prefix", str(prefix), "--yes", "--json"]


def has_clone(tool: Tool) -> bool:
    """Whether the tool has ``create --clone`` (only conda)."""
    return tool == "conda"


# conda's CONDA_OVERRIDE_<NAME> variables (conda/plugins/virtual_packages/), per virtual package
_OVERRIDES = (
    ("__cuda", "CUDA"),
    ("__linux", "LINUX"),
    ("__glibc", "GLIBC"),
    ("__osx", "OSX"),
    ("__win", "WIN"),
    ("__archspec", "ARCHSPEC"),
)


def platform_environ(platform: Platform) -> dict[str, str]:
    """The variables that make conda, mamba or micromamba solve for ``platform``: its subdir
    (``CONDA_SUBDIR``) and its virtual packages (``CONDA_OVERRIDE_CUDA=12.4``, ...); a platform
    without ``__cuda`` sets ``CONDA_OVERRIDE_CUDA`` empty, which leaves ``__cuda`` out."""
    env = {"CONDA_SUBDIR": platform.subdir}
    present = {v.name: v for v in platform.virtual_packages}
    for name, var in _OVERRIDES:
        v = present.get(name)
        if v is not None:
            env[f"CONDA_OVERRIDE_{var}"] = v.build if name == "__archspec" else v.version
        elif name == "__cuda":
            env["CONDA_OVERRIDE_CUDA"] = ""
    return env
