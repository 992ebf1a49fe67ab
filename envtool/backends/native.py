"""The embedded backend: conda environments with py-rattler only, no conda needed.

- Finds envs as conda does (:mod:`envtool.envs.condaconfig`): ``-n NAME`` in the envs dirs,
  ``-p PREFIX``, else the active env (``CONDA_PREFIX``).
- Reads them from ``conda-meta`` (:mod:`envtool.envs.prefix`, :mod:`envtool.envs.history`).
- Solves (:meth:`NativeBackend.solve`) for any :class:`~envtool.envs.platform.Platform` from
  the file's channels (plus the configured ones unless the file lists ``nodefaults``), and
  installs solved records (:meth:`NativeBackend.install`) into a staging dir beside the target;
  :mod:`envtool.envs.transaction` checks the target and completes the env (created_at, history
  block, variables, pip section) before it moves into place. ``create`` is solve + install.
- Clones them record by record (no solve; files hard-linked from the package cache), copying
  the files no package owns (pip installs) with the old prefix rewritten, and the variables.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envtool.envs import history, prefix, registry
from envtool.envs.channel import canonical_name, channel_urls
from envtool.envs.condaconfig import (
    CondaConfig,
    absolute_path,
    env_name,
    load,
    same_path,
    writable_dir,
)
from envtool.envs.export import env_platform
from envtool.envs.model import (
    CreateOptions,
    CreateResult,
    EnvLocation,
    InstalledEnv,
    InstalledPackage,
)
from envtool.errors import BackendError, EnvNotFoundError, InputError, UsageError
from envtool.files.envfile import EnvFile, check_env_name

if TYPE_CHECKING:
    from envtool.envs.platform import Platform


class NativeBackend:
    """The py-rattler backend. Configuration is read from ``environ`` once, when first needed."""

    name = "native"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._config: CondaConfig | None = None
        # an env's records by prefix, with the conda-meta state they were read at: a command
        # that reads one env several times (clone: check, copy, untracked files) reads it once
        self._read_records: dict[Path, tuple[tuple[int, ...], tuple[prefix.Record, ...]]] = {}

    @property
    def config(self) -> CondaConfig:
        if self._config is None:
            self._config = load(self._environ)
        return self._config

    def _canonical(self, channel: str) -> str:
        return canonical_name(channel, self.config)

    # ------------------------------------------------------------------------------ locating

    def locate(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        if name is not None and prefix is not None:
            raise UsageError("give either -n/--name or -p/--prefix, not both")
        if prefix is not None:
            path = absolute_path(prefix)
            if not path.is_dir():
                raise EnvNotFoundError(f"no environment at {path}: no such directory")
            _require_env(path)
            return self._location(path)
        if name is not None:
            found = self._find_by_name(name)
            if found is None:
                searched = [str(d) for d in self.config.envs_dirs]
                if name == "base":
                    searched.insert(0, f"root prefix {self.config.root_prefix or '(none found)'}")
                raise EnvNotFoundError(
                    f"no environment named {name!r} (searched: {', '.join(searched)})"
                )
            return found
        active = self._environ.get("CONDA_PREFIX")
        if active and _is_env(absolute_path(active)):
            return self._location(absolute_path(active))
        raise UsageError("no environment given and none is active: use -n NAME or -p PREFIX")

    def _find_by_name(self, name: str) -> EnvLocation | None:
        root = self.config.root_prefix
        if name == "base":
            return self._location(root) if root is not None and _is_env(root) else None
        check_env_name(name)
        for envs_dir in self.config.envs_dirs:
            candidate = envs_dir / name
            if _is_env(candidate):
                return EnvLocation(candidate, name)
        return None

    def _location(self, path: Path) -> EnvLocation:
        return EnvLocation(path, env_name(path, self.config))

    def new_location(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        if name is not None and prefix is not None:
            raise UsageError("give either -n/--name or -p/--prefix, not both")
        if prefix is not None:
            return self._location(absolute_path(prefix))
        if name is None:
            raise UsageError("give the new environment a name (-n NAME) or a path (-p PREFIX)")
        if name == "base":
            raise UsageError("'base' is the root environment; choose another name")
        check_env_name(name)
        existing = self._find_by_name(name)
        if existing is not None:
            return existing
        for envs_dir in self.config.envs_dirs:
            if writable_dir(envs_dir):
                return EnvLocation(envs_dir / name, name)
        dirs = ", ".join(str(d) for d in self.config.envs_dirs)
        raise BackendError(f"no writable envs directory for {name!r} (tried: {dirs})")

    def list_envs(self) -> tuple[EnvLocation, ...]:
        found: dict[Path, EnvLocation] = {}
        root = self.config.root_prefix
        if root is not None and _is_env(root):
            found[root] = EnvLocation(root, "base")
        candidates: list[Path] = []
        for envs_dir in self.config.envs_dirs:
            try:
                candidates.extend(sorted(p for p in envs_dir.iterdir() if p.is_dir()))
            except OSError:
                continue
        candidates.extend(absolute_path(line) for line in registry.listed(self._environ))
        for path in candidates:
            if path not in found and _is_env(path):
                found[path] = self._location(path)
        return tuple(found.values())

    # ------------------------------------------------------------------------------- reading

    def records(self, path: Path) -> tuple[prefix.Record, ...]:
        """The package records of the env at ``path``; read again only when its
        ``conda-meta`` changed since the last read (a record added, removed or rewritten)."""
        cached = self._read_records.get(path)
        if cached is not None and cached[0] == prefix.meta_stamp(path):
            return cached[1]
        stamp, records = prefix.read_records_stamped(path, self._canonical)
        self._read_records[path] = (stamp, records)
        return records

    def read(self, location: EnvLocation) -> InstalledEnv:
        path = location.prefix
        _require_env(path)
        records = self.records(path)
        packages = tuple(r.package for r in records)
        return InstalledEnv(
            location=location,
            packages=packages,
            pip=prefix.read_pip(path, records),
            history_specs=history.requested_in(
                prefix.read_history_text(path), {p.name for p in packages}
            ),
            variables=prefix.read_variables(path),
            configured_channels=self.config.channels,
            platform=env_platform(packages),
        )

    # ----------------------------------------------------------------------- solving, installing

    def solve(
        self,
        specs: Sequence[str],
        channels: Sequence[str],
        platform: Platform | None = None,
        *,
        options: CreateOptions | None = None,
        source: str = "",
    ) -> tuple[InstalledPackage, ...]:
        """The records ``specs`` solve to from ``channels`` (as a file lists them) for
        ``platform`` (this machine when None), sorted by name; nothing is installed."""
        options = options or CreateOptions()
        if not specs:
            return ()
        from envtool.backends import engine  # py-rattler's solver: only when solving
        from envtool.envs.platform import Platform

        records = engine.solve(
            self.solve_channels(channels, options.base_dir),
            list(specs),
            platform=platform or options.platform or Platform.current(),
            channel_priority=self.config.channel_priority,
            source=source,
            progress=options.progress,
            exclude_newer=options.exclude_newer,
        )
        return tuple(sorted((self.package(r) for r in records), key=lambda p: p.name))

    def install(
        self, records: Sequence[InstalledPackage], target: EnvLocation, options: CreateOptions
    ) -> CreateResult:
        """``records`` (from :meth:`solve`, or an env's) installed at ``target``, no solve."""
        from envtool.envs import transaction  # installing: not needed to read an env

        packages = tuple(sorted(records, key=lambda p: p.name))
        replacing = transaction.check_target(target, options, root_prefix=self.config.root_prefix)
        if options.dry_run:
            return CreateResult(target, packages, dry_run=True, replaced=replacing)
        specs = [_pinned_spec(p) for p in packages]
        cleaned = self._install(
            packages, target, options, replacing, specs=specs, source=str(target.prefix)
        )
        return CreateResult(target, packages, replaced=replacing, cleaned=cleaned)

    def _install(
        self,
        packages: tuple[InstalledPackage, ...],
        target: EnvLocation,
        options: CreateOptions,
        replacing: bool,
        *,
        specs: Sequence[str],
        variables: Mapping[str, str] | None = None,
        pip_lines: Sequence[str] = (),
        source: str,
        clone_of: Path | None = None,
    ) -> tuple[str, ...]:
        """One transaction: install into a staged prefix, complete it, move it into place.
        Returns what was left at the target by killed runs and cleaned up."""
        from envtool.envs import link, transaction
        from envtool.envs.staging import StagedPrefix

        if clone_of is None:
            _require_engine_records(packages, source)
        with StagedPrefix(target.prefix, replace=replacing) as stage:
            if clone_of is not None:
                self._clone_packages(clone_of, stage.path, target, packages, specs, options)
                untracked = link.untracked(clone_of, self.records(clone_of))
                if untracked:
                    options.progress.phase(f"copying {len(untracked)} files no package owns")
                for rel in untracked:
                    copy_with_prefix(clone_of, stage.path, rel, target.prefix)
            else:
                from envtool.backends import engine

                engine.install(
                    [p.engine_record for p in packages],
                    stage.path,
                    target_prefix=target.prefix,
                    cache_dir=self.cache_dir(),
                    requested_specs=specs,
                    progress=options.progress,
                    source=source,
                )
            transaction.complete(
                stage.path,
                target.prefix,
                options,
                packages=packages,
                specs=specs,
                variables=variables or {},
                pip_lines=pip_lines,
            )
            stage.commit()
            stage.finish()
        registry.register(target.prefix, self._environ)
        return tuple(stage.cleaned)

    def create(self, env: EnvFile, target: EnvLocation, options: CreateOptions) -> CreateResult:
        from envtool.envs import transaction

        source = env.source or "<environment file>"
        env.validate()
        if not env.has_dependencies:
            raise InputError(source, "no 'dependencies' list")
        specs = [dep.text.strip() for dep in env.conda]
        pip_lines = tuple(p.text for p in env.pip or ())
        self.solve_channels(env.channels, options.base_dir)  # a bad channel fails first
        replacing = transaction.check_target(target, options, root_prefix=self.config.root_prefix)
        packages = self.solve(specs, env.channels, options=options, source=source)
        if options.approve is not None:
            options.approve(packages)  # e.g. variant fidelity: raises to stop before linking
        if pip_lines and not any(p.name == "python" for p in packages):
            raise BackendError(
                f"{source}: the pip section needs python, but the environment would have none "
                "(add python to dependencies)"
            )
        if options.dry_run:
            return CreateResult(target, packages, pip_lines, dry_run=True)
        conda_specs = [history.conda_spec(s) for s in specs]
        cleaned = self._install(
            packages,
            target,
            options,
            replacing,
            specs=conda_specs,
            variables=env.variables,
            pip_lines=pip_lines,
            source=source,
        )
        return CreateResult(target, packages, pip_lines, replaced=replacing, cleaned=cleaned)

    def solve_channels(self, channels: Iterable[str], base_dir: Path | None) -> list[str]:
        """Base URLs to solve from: the file's channels, then the configured ones unless the
        file says ``nodefaults`` (as ``conda env create`` does)."""
        listed = [c for c in channels if c.strip()]
        names = [c for c in listed if c != "nodefaults"]
        if "nodefaults" not in listed:
            names += [c for c in self.config.channels if c not in names]
        urls: list[str] = []
        for channel in names:
            urls.extend(channel_urls(channel, self.config, base_dir))
        return list(dict.fromkeys(urls))

    def package(self, record: Any) -> InstalledPackage:
        """A py-rattler record as envtool's package (its channel by conda's name)."""
        channel = str(record.channel or "") or str(record.url).rsplit("/", 2)[0]
        return InstalledPackage(
            name=record.name.normalized,
            version=str(record.version),
            build=str(record.build),
            build_number=int(record.build_number),
            channel=self._canonical(channel),
            subdir=str(record.subdir),
            url=str(record.url),
            depends=tuple(str(d) for d in record.depends),
            md5=_hex(record.md5),
            flags=tuple(str(f) for f in getattr(record, "flags", None) or ()),
            engine_record=record,
        )

    def cache_dir(self) -> Path | None:
        """The first usable configured package cache, else None (py-rattler's default)."""
        return next((d for d in self.config.pkgs_dirs if writable_dir(d)), None)

    # ------------------------------------------------------------------------------- cloning

    def clone(
        self, source: EnvLocation, target: EnvLocation, options: CreateOptions
    ) -> CreateResult:
        """The source's records installed at ``target`` (no solve), with the files no package
        owns copied, the variables, and the source's requested specs in the history."""
        from envtool.envs import transaction

        _require_env(source.prefix)
        if same_path(source.prefix, target.prefix):
            raise UsageError(f"cannot clone {source.prefix} onto itself")
        packages = tuple(r.package for r in self.records(source.prefix))
        replacing = transaction.check_target(target, options, root_prefix=self.config.root_prefix)
        if options.dry_run:
            return CreateResult(target, packages, dry_run=True, replaced=replacing)
        history_text = prefix.read_history_text(source.prefix)
        specs = history.requested_in(history_text, {p.name for p in packages}) or tuple(
            _pinned_spec(p) for p in packages
        )
        cleaned = self._install(
            packages,
            target,
            options,
            replacing,
            specs=specs,
            variables=prefix.read_variables(source.prefix),
            source=f"clone of {source.prefix}",
            clone_of=source.prefix,
        )
        return CreateResult(target, packages, replaced=replacing, cleaned=cleaned)

    def _clone_packages(
        self,
        source: Path,
        stage: Path,
        target: EnvLocation,
        packages: tuple[InstalledPackage, ...],
        specs: Sequence[str],
        options: CreateOptions,
    ) -> None:
        """The source env's packages in ``stage``: linked by :mod:`envtool.envs.link` where it
        can prove it does what py-rattler does (one filesystem, the packages extracted in the
        cache), the rest — or everything, when it cannot — installed by py-rattler from the
        source's records. ``ENVTOOL_CLONE_LINK=engine`` leaves it all to py-rattler."""
        from envtool.envs import link
        from envtool.envs.staging import remove_tree

        what = f"clone of {source}"
        cache = self.cache_dir()
        linked: tuple[str, ...] = ()
        lean = self._environ.get("ENVTOOL_CLONE_LINK", "lean") != "engine" and os.name == "posix"
        if cache is not None and lean:
            try:
                done = link.link_env(
                    self.records(source),
                    stage,
                    target.prefix,
                    cache,
                    _requested_by_name(specs),
                    progress=options.progress,
                )
            except link.Unprovable:
                for entry in os.listdir(stage):  # start again: the engine links everything
                    remove_tree(stage / entry)
            except OSError as exc:
                raise BackendError(
                    f"{what}: cannot link into {target.prefix}: {exc.strerror}"
                ) from exc
            else:
                if not done.left:
                    return
                linked = done.linked
        from envtool.backends import engine  # py-rattler: only for what the linker left

        by_dist = {str(_dist(r)): r for r in engine.read_prefix_records(source)}
        wanted = tuple(replace(p, engine_record=by_dist.get(p.dist)) for p in packages)
        _require_engine_records(wanted, what)
        installed = [engine.read_prefix_record(stage / "conda-meta" / name) for name in linked]
        engine.install(
            [p.engine_record for p in wanted],
            stage,
            target_prefix=target.prefix,
            cache_dir=cache,
            requested_specs=specs,
            progress=options.progress,
            source=what,
            installed=installed,
        )


# ----------------------------------------------------------------------------------- helpers


def _require_engine_records(packages: Iterable[InstalledPackage], source: str) -> None:
    missing = [p.dist for p in packages if p.engine_record is None]
    if missing:
        raise BackendError(f"{source}: no package record to install {', '.join(missing)}")


_BARE_NAME = re.compile(r"[a-z0-9_][a-z0-9_.-]*")


def _requested_by_name(specs: Sequence[str]) -> dict[str, list[str]]:
    """Package name → the specs py-rattler records as its ``requested_specs`` (each spec as
    py-rattler writes it; one that does not parse is skipped, as the engine skips it)."""
    out: dict[str, list[str]] = {}
    for text in specs:
        if _BARE_NAME.fullmatch(text):  # py-rattler writes a bare name as it is
            out.setdefault(text, []).append(text)
            continue
        from rattler import MatchSpec

        try:
            spec = MatchSpec(text)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            continue
        if spec.name is not None:
            out.setdefault(spec.name.normalized, []).append(str(spec))
    return out


def _is_env(path: Path) -> bool:
    return prefix.is_env(path)  # methods whose -p argument is called ``prefix`` use this


def _require_env(path: Path) -> None:
    if not _is_env(path):
        raise EnvNotFoundError(f"{path} is not a conda environment (no conda-meta/history)")


def _hex(digest: object) -> str:
    """A record's md5 as hex text (py-rattler gives bytes)."""
    if isinstance(digest, bytes):
        return digest.hex()
    return str(digest or "")


def _dist(record: Any) -> str:
    return f"{record.name.normalized}-{record.version}-{record.build}"


def _pinned_spec(p: InstalledPackage) -> str:
    """conda's clone spec: ``channel/subdir::name==version=build``."""
    where = f"{p.channel}/{p.subdir}::" if p.channel and p.subdir else ""
    return f"{where}{p.name}=={p.version}={p.build}"


def copy_with_prefix(src_root: Path, dst_root: Path, rel: str, new_prefix: Path) -> None:
    """Copy one file of an env, replacing the old prefix in UTF-8 text (as conda's clone does)."""
    src = src_root / rel
    dst = dst_root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    old, new = str(src_root), str(new_prefix)
    if src.is_symlink():
        link = os.readlink(src)
        os.symlink(link.replace(old, new) if link.startswith(old) else link, dst)
        return
    data = src.read_bytes()
    if old.encode() in data:
        with contextlib.suppress(UnicodeDecodeError):  # a binary file is copied as it is
            data = data.decode("utf-8").replace(old, new).encode("utf-8")
    dst.write_bytes(data)
    os.chmod(dst, src.stat().st_mode & 0o7777)
