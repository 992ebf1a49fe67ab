"""An installed environment as an :class:`EnvFile`: one that recreates it, or conda's bytes.

:func:`recreating_envfile` (what ``envtool export`` writes by default) lists the channels the
env's packages came from, in the configured priority order (channels not configured after them,
first seen over the packages sorted by name), plus ``nodefaults`` when ``defaults`` is not among
them: created from that file, the env's own channels are the only ones consulted, so nothing
else needs to be reachable (DESIGN §4). Its ``--from-history`` form keeps those channels, the
pip section and, with ``pin_history``, the installed versions of the requested packages.
``name:`` is the env's name, or for an env outside the envs dirs its directory's name (conda
writes the path, which ``env create`` rejects as a name).

:func:`to_envfile` is what ``conda env export`` prints (``envtool export --conda-compat``):

- ``name:`` the env's name (``base``, the dir name in an envs dir) or else its path;
- ``channels:`` the canonical channels of the installed packages in first-seen order over the
  packages sorted by name, then the configured channels, de-duplicated (conda's rule);
- ``dependencies:`` ``name=version=build`` sorted by name (``name=version`` with
  ``no_builds``), then ``pip:`` with ``name==version`` sorted by name;
- ``variables:`` from ``conda-meta/state``; ``prefix:`` the path.

``from_history`` lists the user's requested specs instead, as conda prints them, with the
configured channels only and no pip section; an env without history (made by py-rattler) then
lists every package pinned, as conda does.

All are pure functions of an :class:`InstalledEnv`, whichever backend read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from envtool import __version__
from envtool.envs.channel import canonical_name
from envtool.envs.condaconfig import UNKNOWN_CHANNEL, CondaConfig
from envtool.envs.history import env_form, spec_name
from envtool.envs.model import EnvLocation, InstalledEnv, InstalledPackage, PipPackage
from envtool.errors import UsageError
from envtool.files.envfile import (
    CondaDep,
    EnvFile,
    PipDep,
    check_env_name,
    make_conda_dep,
    make_pip_dep,
)
from envtool.secrets import strip_credentials
from envtool.spec import CondaSpec, PipLine, normalize_pip_name, variant_glob

NODEFAULTS = "nodefaults"


def to_envfile(
    env: InstalledEnv, *, from_history: bool = False, no_builds: bool = False, parse: bool = True
) -> EnvFile:
    """The environment file ``conda env export`` prints for ``env``.

    Without ``parse`` the packages' specs are made from their records (:func:`pinned_deps`),
    for a file that is only written."""
    if from_history and env.history_specs:
        conda = tuple(make_conda_dep(env_form(s)) for s in env.history_specs)
    else:
        conda = pinned_deps(env.packages, builds=not no_builds, parse=parse)
    channels = [] if from_history else [p.channel for p in env.packages]
    channels += list(env.configured_channels)
    pip = None
    if env.pip and not from_history:
        pip = pip_deps(env.pip, parse=parse)
    return EnvFile(
        name=env.location.display_name,
        channels=tuple(dict.fromkeys(c for c in channels if c and c != UNKNOWN_CHANNEL)),
        conda=conda,
        pip=pip,
        variables=dict(env.variables),
        prefix=str(env.location.prefix),
        source=str(env.location.prefix),
    )


def recreating_envfile(
    env: InstalledEnv,
    *,
    from_history: bool = False,
    pin_history: bool = False,
    keep_variant_builds: bool = True,
    config: CondaConfig | None = None,
    parse: bool = True,
) -> EnvFile:
    """An environment file that recreates ``env`` from its own channels only.

    Dependencies are ``name=version=build`` of every package, or with ``from_history`` the
    user's requested specs as conda prints them; ``pin_history`` replaces each of those by the
    installed ``name=version`` (plus the build's variant as a glob, ``=*cuda*``, unless not
    ``keep_variant_builds``). The pip section is kept in both forms. ``config`` (conda's
    defaults when None) names the configured channels as the packages name theirs
    (``https://conda.anaconda.org/conda-forge`` → ``conda-forge``, ``/srv/c`` → ``file:///srv/c``).
    Without ``parse`` the packages' specs are made from their records (:func:`pinned_deps`).
    """
    cfg = config if config is not None else CondaConfig()
    if from_history and env.history_specs:
        installed = {p.name: p for p in env.packages}
        deps = []
        for spec in env.history_specs:
            package = installed.get(spec_name(spec))
            if pin_history and package is not None:
                glob = variant_glob(package.build) if keep_variant_builds else None
                deps.append(f"{package.name}={package.version}" + (f"={glob}" if glob else ""))
            else:
                deps.append(env_form(spec))
        conda = tuple(make_conda_dep(d) for d in deps)
    else:
        conda = pinned_deps(env.packages, parse=parse)
    return EnvFile(
        name=recreate_name(env.location),
        channels=recreate_channels(
            env.packages, env.configured_channels, lambda c: canonical_name(c, cfg)
        ),
        conda=conda,
        pip=pip_deps(env.pip, parse=parse) or None,
        variables=dict(env.variables),
        prefix=str(env.location.prefix),
        source=str(env.location.prefix),
    )


def pinned_deps(
    packages: Iterable[InstalledPackage], *, builds: bool = True, parse: bool = True
) -> tuple[CondaDep, ...]:
    """``name=version=build`` (``name=version`` without ``builds``) of each package.

    Without ``parse`` each spec is made from the record as the text pins it (the version as
    recorded, where rattler would normalize ``2023.08.22`` to ``2023.8.22``): the same as a
    parse for every plain version, and no spec parser (nor py-rattler, which parses the others)
    for a file that is only written, never compared or pruned.

    >>> p = InstalledPackage("ca-certificates", "2023.08.22", "h06a4308_0")
    >>> pinned_deps([p], parse=False)[0].spec
    CondaSpec(name='ca-certificates', version='==2023.08.22', build='h06a4308_0', channel=None, pinned='2023.08.22')
    """  # noqa: E501
    if parse:
        if builds:
            return tuple(make_conda_dep(f"{p.name}={p.version}={p.build}") for p in packages)
        return tuple(make_conda_dep(f"{p.name}={p.version}") for p in packages)
    if builds:
        return tuple(
            CondaDep(
                f"{p.name}={p.version}={p.build}",
                CondaSpec(p.name.lower(), f"=={p.version}", p.build, None, p.version),
            )
            for p in packages
        )
    return tuple(
        CondaDep(
            f"{p.name}={p.version}",
            CondaSpec(p.name.lower(), f"{p.version}.*", None, None, p.version),
        )
        for p in packages
    )


def pip_deps(packages: Iterable[PipPackage], *, parse: bool = True) -> tuple[PipDep, ...]:
    """``name==version`` of each pip package; without ``parse`` made from the package as the
    text pins it (no requirement parser: see :func:`pinned_deps`)."""
    if parse:
        return tuple(make_pip_dep(f"{p.name}=={p.version}") for p in packages)
    deps = []
    for p in packages:
        text = f"{p.name}=={p.version}"
        line = PipLine(text, "requirement", normalize_pip_name(p.name), f"=={p.version}")
        deps.append(PipDep(text, line))
    return tuple(deps)


def recreate_name(location: EnvLocation) -> str:
    """The env's name; for an env outside the envs dirs (conda writes its path, which
    ``env create`` rejects as a name) its directory's name, when that is a valid one.

    >>> from pathlib import Path
    >>> recreate_name(EnvLocation(Path("/work/demo-env")))
    'demo-env'
    >>> recreate_name(EnvLocation(Path("/opt/conda"), "base"))
    'base'
    """
    if location.name is not None:
        return location.name
    try:
        return check_env_name(location.prefix.name)
    except UsageError:
        return location.display_name


def recreate_channels(
    packages: Iterable[InstalledPackage],
    configured: Sequence[str],
    canonical: Callable[[str], str] | None = None,
) -> tuple[str, ...]:
    """The channels ``packages`` came from, in the ``configured`` priority order, then the
    unconfigured ones as first seen, then ``nodefaults`` unless ``defaults`` is among them.

    >>> pkgs = [InstalledPackage(n, "1", "0", channel=c) for n, c in
    ...         [("a", "pytorch"), ("b", "conda-forge"), ("c", "nvidia"), ("d", "<unknown>")]]
    >>> recreate_channels(pkgs, ["conda-forge", "defaults"])
    ('conda-forge', 'pytorch', 'nvidia', 'nodefaults')
    >>> recreate_channels(pkgs[:1] + [InstalledPackage("e", "1", "0", channel="defaults")],
    ...                   ["defaults"])
    ('defaults', 'pytorch')
    """
    used = dict.fromkeys(p.channel for p in packages if p.channel and p.channel != UNKNOWN_CHANNEL)
    order = dict.fromkeys(canonical(c) if canonical else c for c in configured)
    ranked = [c for c in order if c in used] + [c for c in used if c not in order]
    if "defaults" not in ranked:
        ranked.append(NODEFAULTS)
    return tuple(ranked)


def channelless(packages: Iterable[InstalledPackage]) -> tuple[str, ...]:
    """Names of the packages no channel is recorded for (installed from a file, say)."""
    return tuple(p.name for p in packages if not p.channel or p.channel == UNKNOWN_CHANNEL)


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
    from envtool.envs.platform import current_subdir  # (and its classes): only here

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
    from envtool.envs.platform import current_subdir  # (and its classes): only here

    return current_subdir()
