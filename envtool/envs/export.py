"""An installed environment as an :class:`EnvFile` in ``conda env export``'s exact layout.

Pure functions of an :class:`InstalledEnv` (whichever backend read it):

- ``name:`` the env's name (``base``, the dir name in an envs dir) or else its path;
- ``channels:`` the canonical channels of the installed packages in first-seen order over the
  packages sorted by name, then the configured channels, de-duplicated (conda's rule);
- ``dependencies:`` ``name=version=build`` sorted by name (``name=version`` with
  ``no_builds``), then ``pip:`` with ``name==version`` sorted by name;
- ``variables:`` from ``conda-meta/state``; ``prefix:`` the path.

``from_history`` lists the user's requested specs instead, as conda prints them, with the
configured channels only and no pip section; an env without history (made by py-rattler) then
lists every package pinned, as conda does.
"""

from __future__ import annotations

from collections.abc import Iterable

from envtool import __version__
from envtool.envs.condaconfig import UNKNOWN_CHANNEL
from envtool.envs.history import env_form, spec_name
from envtool.envs.model import InstalledEnv, InstalledPackage
from envtool.envs.platform import current_subdir
from envtool.errors import UsageError
from envtool.files.envfile import EnvFile, make_conda_dep, make_pip_dep
from envtool.secrets import strip_credentials


def to_envfile(
    env: InstalledEnv, *, from_history: bool = False, no_builds: bool = False
) -> EnvFile:
    """The environment file ``conda env export`` prints for ``env``."""
    if from_history and env.history_specs:
        deps = [env_form(s) for s in env.history_specs]
    elif no_builds:
        deps = [f"{p.name}={p.version}" for p in env.packages]
    else:
        deps = [f"{p.name}={p.version}={p.build}" for p in env.packages]
    channels = [] if from_history else [p.channel for p in env.packages]
    channels += list(env.configured_channels)
    pip = None
    if env.pip and not from_history:
        pip = tuple(make_pip_dep(f"{p.name}=={p.version}") for p in env.pip)
    return EnvFile(
        name=env.location.display_name,
        channels=tuple(dict.fromkeys(c for c in channels if c and c != UNKNOWN_CHANNEL)),
        conda=tuple(make_conda_dep(d) for d in deps),
        pip=pip,
        variables=dict(env.variables),
        prefix=str(env.location.prefix),
        source=str(env.location.prefix),
    )


def requested_names(env: InstalledEnv) -> tuple[str, ...]:
    """What the user asked for: the history's specs, else the dependency graph's leaves."""
    if env.history_specs:
        return tuple(dict.fromkeys(spec_name(s) for s in env.history_specs))
    return graph_leaves(env.packages)


def graph_leaves(packages: Iterable[InstalledPackage]) -> tuple[str, ...]:
    """Installed packages that no other installed package depends on, sorted."""
    packages = tuple(packages)
    needed = {spec_name(d) for p in packages for d in p.depends}
    return tuple(sorted(p.name for p in packages if p.name not in needed))


def topological(packages: Iterable[InstalledPackage]) -> list[InstalledPackage]:
    """Dependencies before dependents; names break ties, and a dependency cycle (python ↔ pip)
    goes in name order once everything it needs outside the cycle is placed."""
    by_name = {p.name: p for p in packages}
    deps = {n: {spec_name(d) for d in p.depends} & by_name.keys() - {n} for n, p in by_name.items()}
    done: list[InstalledPackage] = []
    placed: set[str] = set()
    while len(placed) < len(by_name):
        left = [n for n in sorted(by_name) if n not in placed]
        ready = [n for n in left if deps[n] <= placed]
        if not ready:
            ready = _sink_cycle(left, deps, placed)
        for n in ready:
            placed.add(n)
            done.append(by_name[n])
    return done


def _sink_cycle(left: list[str], deps: dict[str, set[str]], placed: set[str]) -> list[str]:
    """The first (by name) cycle among ``left`` that needs nothing outside itself."""

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for d in deps[todo.pop()] - placed:
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    reachable = {n: reach(n) for n in left}
    for n in left:
        cycle = {m for m in reachable[n] if n in reachable[m]} | {n}
        if reachable[n] <= cycle:
            return sorted(cycle)
    return [left[0]]  # unreachable: some cycle always needs nothing outside itself


def to_explicit(env: InstalledEnv, names: Iterable[str] | None = None) -> str:
    """An ``@EXPLICIT`` file (CEP 23) of the env's packages (only ``names`` when given).

    conda lists records in directory order; envtool lists them dependencies first, which any
    installer accepts and which is stable.
    """
    keep = set(names) if names is not None else None
    packages = [p for p in env.packages if keep is None or p.name in keep]
    missing = [p.name for p in packages if not p.url]
    if missing:
        raise UsageError(
            f"cannot write an explicit file: no package URL recorded for {', '.join(missing)}"
        )
    lines = [
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        f"# platform: {env.platform or current_subdir()}",
        f"# created-by: envtool {__version__}",
        "@EXPLICIT",
        *(strip_credentials(p.url) for p in topological(packages)),
    ]
    return "\n".join(lines) + "\n"


def env_platform(packages: Iterable[InstalledPackage]) -> str:
    """The subdir of the env's first arch-specific package, else this machine's."""
    for p in packages:
        if p.subdir and p.subdir != "noarch":
            return p.subdir
    return current_subdir()
