"""Drift: an environment file against the installed environment it should describe.

:func:`drift` sees the installed env as records (:class:`~envtool.envs.model.InstalledEnv`,
each package with its ``depends``), not as the text of an export, and reports what means drift
(issue 8): what would differ if the file were created again and compared with this env.

* **Unmet specs**: a conda spec of the file that the installed package does not satisfy
  (version, build, or ``channel::``), or a package the file asks for that is not installed.
  A spec the package satisfies is no change: ``numpy>=1.26`` and numpy 2.0 agree.
* **Extras**: installed packages that nothing in the file asks for, directly or through
  dependencies. The closure starts at the installed packages the file names and follows each
  record's ``depends`` (conda MatchSpecs: ``python >=3.8`` names ``python``) to the installed
  record of that name; virtual packages (``__glibc``) are not installed and end the walk.
  Right after ``create -f FILE`` the closure is the whole env: no drift.
* **pip**: a requirement line is met by the installed pip package of its PEP 503 name whose
  version meets it, or by a conda package of that name (pip finds conda's ``numpy`` and
  installs nothing); pip packages that no requirement names, directly or through their
  ``Requires-Dist`` (``pip_requires``: what the caller read from the env's metadata; a line
  under an ``extra ==`` marker counts when that extra was asked for), are extras. Option lines
  (``-e``, ``--index-url``...) are not compared: an env keeps no record of where pip found a
  package.
* **Channels**: channels the env took packages from that the file neither lists nor names in
  a ``channel::`` spec. A listed channel the env has no package from is not drift, and an env
  has no priority order to compare; ``nodefaults`` is not a channel.
* **Variables**: compared as between two files. Names are not: an installed env's name is
  where it lives, not something a file chose.

Orientation: by default the file is the old side and the env the new one ("the env has
added beta"); ``env_first`` turns it around, as ``diff prefix:P FILE`` asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

from envtool.diff.compare import (
    Comparison,
    _as_written,
    _dedupe,
    _variant,
    _version_display,
    channel_key,
    channel_keys,
    ignorer,
    pip_satisfies,
)
from envtool.diff.model import RISK_CHANNEL, EnvDiff, Kind
from envtool.envs.model import InstalledEnv, InstalledPackage, PipPackage
from envtool.files.envfile import CondaDep, EnvFile, PipDep, make_conda_dep, make_pip_dep
from envtool.spec import CondaSpec, SpecError, normalize_pip_name, parse_conda, satisfies

NOTE_UNLISTED_CHANNEL = "installed from, not listed"
_UNKNOWN_CHANNELS = ("", "<unknown>")


def drift(
    envfile: EnvFile,
    installed: InstalledEnv,
    *,
    env_first: bool = False,
    ignore_builds: bool = False,
    ignore: Iterable[str] = (),
    label: str | None = None,
    pip_requires: Mapping[str, Sequence[str]] | None = None,
) -> EnvDiff:
    """What differs between ``envfile`` and the ``installed`` env it should describe.

    ``label`` names the env in reports (default: its prefix); ``ignore_builds`` and ``ignore``
    as in :func:`envtool.diff.compare.diff`; ``pip_requires`` maps pip packages (PEP 503
    names) to their ``Requires-Dist`` lines. See the module docstring for the rules.

    >>> from envtool.envs.model import EnvLocation, InstalledEnv, InstalledPackage
    >>> from envtool.files.envfile import parse
    >>> from pathlib import Path
    >>> env = InstalledEnv(
    ...     EnvLocation(Path("/envs/demo")),
    ...     (
    ...         InstalledPackage("alpha", "2.0", "h0", depends=("beta >=1",)),
    ...         InstalledPackage("beta", "1.5", "h0"),
    ...         InstalledPackage("zeta", "1.0", "h0"),
    ...     ),
    ... )
    >>> for c in drift(parse("dependencies: [alpha>=2, delta]"), env).changes:
    ...     print(c.kind, c.name, c.old, c.new)
    added zeta None 1.0
    removed delta None None
    """
    patterns = tuple(ignore)
    source = label if label is not None else str(installed.location.prefix)
    env_view = EnvFile(
        name=installed.location.display_name,
        channels=tuple(_installed_channels(installed.packages)),
        variables=dict(installed.variables),
        prefix=str(installed.location.prefix),
        source=source,
    )
    old, new = (env_view, envfile) if env_first else (envfile, env_view)
    builder = _Drift(old, new, envfile, installed, env_first, ignore_builds, patterns)
    builder.pip_requires = {
        normalize_pip_name(k): tuple(v) for k, v in (pip_requires or {}).items()
    }
    builder.compare()
    return builder.result(patterns)


def _installed_channels(packages: Iterable[InstalledPackage]) -> list[str]:
    """The channels packages came from, first seen over the packages sorted by name."""
    return list(dict.fromkeys(p.channel for p in packages if p.channel not in _UNKNOWN_CHANNELS))


class _Drift(Comparison):
    """The rules of drift; shares :class:`Comparison`'s change recording and version rules."""

    def __init__(
        self,
        old: EnvFile,
        new: EnvFile,
        envfile: EnvFile,
        installed: InstalledEnv,
        env_first: bool,
        ignore_builds: bool,
        patterns: tuple[str, ...],
    ) -> None:
        super().__init__(old, new, ignore_builds, ignorer(patterns))
        self.file = envfile
        self.env = installed
        self.env_first = env_first
        self.conda = {p.name: p for p in installed.packages}
        self.pip = {normalize_pip_name(p.name): p for p in installed.pip}
        self.pip_requires: dict[str, tuple[str, ...]] = {}

    def compare(self) -> None:
        self._channels()
        specs = self._index_conda(self.file)
        reqs, _options = self._index_pip(self.file)
        needed = self._conda_specs(specs)
        pip_needed, conda_from_pip = self._pip_requirements(reqs)
        needed |= conda_from_pip
        closure = self._closure(needed)
        for name, package in sorted(self.conda.items()):
            if name not in closure and not self.ignored(name):
                self._extra("conda", name, package.version, f"{name}={package.version}")
        for key, pip_package in sorted(self.pip.items()):
            if key not in pip_needed and not self.ignored(key):
                text = f"{pip_package.name}=={pip_package.version}"
                self._extra("pip", key, pip_package.version, text)
        self._variables()

    # ------------------------------------------------------------------------------ orientation

    def _kind(self, env_has: bool) -> Kind:
        """``added`` for what only the env has, ``removed`` for what only the file has, when
        the env is the new side; the other way round with ``env_first``."""
        return "added" if env_has != self.env_first else "removed"

    def _pair(self, file_value: str | None, env_value: str | None) -> tuple[str | None, str | None]:
        return (env_value, file_value) if self.env_first else (file_value, env_value)

    def _extra(self, section: Literal["conda", "pip"], name: str, version: str, text: str) -> None:
        old, new = self._pair(None, version)
        texts = self._pair(None, text)
        self._add(section, self._kind(True), name, old, new, texts=texts)

    def _missing(self, section: Literal["conda", "pip"], name: str, dep: CondaDep | PipDep) -> None:
        old, new = self._pair(_version_display(dep), None)
        a, b = (None, dep) if self.env_first else (dep, None)
        self._add(section, self._kind(False), name, old, new, a, b)

    # ----------------------------------------------------------------------------------- channels

    def _channels(self) -> None:
        listed = channel_keys(self.file)
        line = self.file.key_lines.get("channels")
        for channel in _dedupe(_installed_channels(self.env.packages)):
            if channel == "nodefaults" or channel_key(channel) in listed:
                continue
            kind: Kind = "channel-removed" if self.env_first else "channel-added"
            old, new = self._pair(None, channel)
            lines = (None, line) if self.env_first else (line, None)
            self._add(
                "channels",
                kind,
                channel,
                old,
                new,
                lines=lines,
                texts=(old, new),
                risks=() if self.env_first else (RISK_CHANNEL,),
                note=NOTE_UNLISTED_CHANNEL,
            )

    # -------------------------------------------------------------------------------------- conda

    def _conda_specs(self, specs: dict[str, CondaDep]) -> set[str]:
        """Report unmet specs; return the installed names the file asks for."""
        asked: set[str] = set()
        for name, dep in specs.items():
            package = self.conda.get(name)
            if package is None:
                self._missing("conda", name, dep)
                continue
            asked.add(name)
            if dep.spec is not None:
                self._conda_spec(name, dep, dep.spec, package)
        return asked

    def _conda_spec(self, name: str, dep: CondaDep, spec: CondaSpec, got: InstalledPackage) -> None:
        checked = replace(spec, build=None) if self.ignore_builds else spec
        if not satisfies(checked, got.version, got.build):
            installed = got.version + (f" {got.build}" if not self.ignore_builds else "")
            wanted = _as_written(dep) or "any version"
            note = f"installed {installed} does not satisfy {wanted}"
            env_dep = make_conda_dep(f"{name}={got.version}={got.build}")
            a, b = (env_dep, dep) if self.env_first else (dep, env_dep)
            sa, sb = (a.spec, b.spec)
            assert sa is not None and sb is not None
            variant, risks = _variant(sa.build, sb.build)
            if spec.pinned is not None and spec.pinned != got.version:
                pins = (sa.pinned, sb.pinned, sa.version, sb.version)
                self._version_change("conda", name, a, b, *pins, note=note, risks=risks)
                return
            note = f"{note}; {variant}" if variant else note
            old, new = _as_written(a), _as_written(b)
            self._add("conda", "spec-changed", name, old, new, a, b, note=note, risks=risks)
        known = spec.channel and got.channel not in _UNKNOWN_CHANNELS
        if known and channel_key(spec.channel) != channel_key(got.channel):
            old, new = self._pair(spec.channel, got.channel)
            a_line, b_line = (None, dep) if self.env_first else (dep, None)
            note = f"installed from {got.channel}"
            self._add("conda", "channel-changed", name, old, new, a_line, b_line, note=note)

    def _closure(self, roots: set[str]) -> set[str]:
        """``roots`` and every installed package they need, following the records' depends."""
        seen = set(roots)
        todo = list(roots)
        while todo:
            package = self.conda.get(todo.pop())
            if package is None:
                continue
            for dependency in package.depends:
                name = _depends_name(dependency)
                if name in self.conda and name not in seen:
                    seen.add(name)
                    todo.append(name)
        return seen

    # ---------------------------------------------------------------------------------------- pip

    def _pip_requirements(self, reqs: dict[str, PipDep]) -> tuple[set[str], set[str]]:
        """Report unmet requirements; return (pip names needed, conda names pip needs)."""
        needed: set[str] = set()
        conda_needed: set[str] = set()
        todo: list[tuple[str, frozenset[str]]] = []
        for key, dep in reqs.items():
            installed = self.pip.get(key)
            if installed is None:
                conda_name = self._conda_name(key)
                if conda_name is not None:  # pip found the conda package and installed nothing
                    conda_needed.add(conda_name)
                else:
                    self._missing("pip", key, dep)
                continue
            needed.add(key)
            todo.append((key, frozenset(dep.req.extras if dep.req else ())))
            self._pip_requirement(key, dep, installed)
        # Requires-Dist: what the requested distributions pulled in.
        walked: set[tuple[str, frozenset[str]]] = set()
        while todo:
            item = todo.pop()
            if item in walked:
                continue
            walked.add(item)
            for name, extras in _requires(self.pip_requires.get(item[0], ()), item[1]):
                if name in self.pip:
                    needed.add(name)
                    todo.append((name, extras))
                elif (conda_name := self._conda_name(name)) is not None:
                    conda_needed.add(conda_name)
        return needed, conda_needed

    def _conda_name(self, pip_key: str) -> str | None:
        if pip_key in self.conda:
            return pip_key
        return next((n for n in self.conda if normalize_pip_name(n) == pip_key), None)

    def _pip_requirement(self, key: str, dep: PipDep, got: PipPackage) -> None:
        wanted = dep.req
        if wanted is None or pip_satisfies(wanted, got.version):
            return
        env_dep = make_pip_dep(f"{got.name}=={got.version}")
        a, b = (env_dep, dep) if self.env_first else (dep, env_dep)
        ra, rb = a.req, b.req
        assert ra is not None and rb is not None
        note = f"installed {got.version} does not satisfy {_as_written(dep) or 'any version'}"
        if ra.pinned and rb.pinned:
            spec_a, spec_b = ra.specifier or None, rb.specifier or None
            self._version_change("pip", key, a, b, ra.pinned, rb.pinned, spec_a, spec_b)
            return
        old, new = _as_written(a), _as_written(b)
        self._add("pip", "spec-changed", key, old, new, a, b, note=note)


def _depends_name(dependency: str) -> str:
    """The package a record's dependency names (``python >=3.8`` → ``python``)."""
    try:
        return parse_conda(dependency).name
    except SpecError:
        return dependency.strip().split(" ", 1)[0].lower()


def _requires(lines: Iterable[str], extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    """The (PEP 503 name, extras) that ``Requires-Dist`` lines ask for, given the extras the
    distribution was installed with. Other environment markers are not evaluated (the env's
    python is not this one): a dependency counts as asked for, which can only hide an extra."""
    from packaging.markers import UndefinedEnvironmentName
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        marker = req.marker
        if marker is not None and "extra" in str(marker):
            try:
                wanted = any(marker.evaluate({"extra": e}) for e in extras)
            except UndefinedEnvironmentName:  # a marker naming what is not known: count it
                wanted = True
            if not wanted:
                continue
        out.append((normalize_pip_name(req.name), frozenset(req.extras)))
    return out
