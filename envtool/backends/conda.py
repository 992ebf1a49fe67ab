"""The ``conda``, ``mamba`` and ``micromamba`` backends: the user's own tool, driven through
:func:`envtool.process.run` with ``--json``.

The command lines come from :mod:`~envtool.backends.conda_argv`, the outputs are typed by
:mod:`~envtool.backends.conda_json`; this module runs them and keeps the promises of the
:class:`~envtool.backends.Backend` Protocol:

- **reading** an env asks the tool three things — ``list --json`` (the packages, their
  channels, pip's), ``env export --json`` (channels, pip section and variables exactly as the
  tool exports them) and ``env export --from-history --json`` (the requested specs and the
  configured channels) — and takes from the env's ``conda-meta/*.json`` only what no command
  prints as JSON: each package's dependencies (and, from conda, its URL and md5).
- **creating** writes the file to a temporary file (``name:`` and ``prefix:`` dropped, local
  channels made absolute) and runs ``env create`` (micromamba: ``create``) into the target.
  An existing target is refused unless ``on_exists="replace"``, and then only a conda env (or
  an empty directory) is replaced, after a dry run has shown that the file solves. A failed or
  interrupted run removes the prefix this call made, never one that was there before, and says
  why in one line.
- **cloning** is conda's ``create --clone``; mamba and micromamba have none, so they create
  from the source's ``@EXPLICIT`` list (the same package files, no solve) — or, when pip
  packages are installed, from the source's fully pinned export.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from envtool import process
from envtool.backends import conda_argv as argv_for
from envtool.backends.base import TOOLS, Backend, ToolName
from envtool.backends.conda_errors import error_summary
from envtool.backends.conda_json import (
    ExportDoc,
    ListEntry,
    ToolInfo,
    env_locations,
    env_name,
    export_from_text,
    export_pip,
    export_specs,
    extract_json,
    is_pip_entry,
    package_channel,
    parse_env_list,
    parse_export,
    parse_info,
    parse_list,
    pip_from_list,
    solved_packages,
    to_packages,
)
from envtool.backends.conda_text import parse_explicit
from envtool.envs import transaction
from envtool.envs.channel import canonical_name, local_path
from envtool.envs.condaconfig import (
    CondaConfig,
    absolute_path,
    same_path,
    writable_dir,
)
from envtool.envs.condaconfig import load as load_config
from envtool.envs.export import recreating_envfile
from envtool.envs.history import requested_in
from envtool.envs.model import (
    CreateOptions,
    CreateResult,
    EnvLocation,
    InstalledEnv,
    InstalledPackage,
)
from envtool.envs.platform import Platform
from envtool.envs.prefix import is_env, read_history_text, read_records, read_variables
from envtool.envs.staging import StagedPrefix
from envtool.errors import (
    BackendError,
    EnvNotFoundError,
    EnvtoolError,
    ProcessError,
    UsageError,
)
from envtool.files.envfile import EnvFile, check_env_name, dump_yaml, make_conda_dep


def create_backend(tool: str, exe: str) -> Backend:
    """The backend for ``--backend conda|mamba|micromamba`` (called by ``select_backend``)."""
    if tool not in TOOLS:
        raise UsageError(f"unknown tool {tool!r} (choose {', '.join(TOOLS)})")
    name: ToolName = tool
    return CondaCliBackend(name, exe)


class CondaCliBackend:
    """conda, mamba or micromamba at ``exe``. ``root_prefix`` pins micromamba's base install
    (``--root-prefix``); by default each tool uses its own configuration."""

    def __init__(self, tool: ToolName, exe: str, *, root_prefix: Path | None = None) -> None:
        self.name: str = tool
        self.tool: ToolName = tool
        self.exe = exe
        self.root_prefix = root_prefix
        self._info: ToolInfo | None = None
        self._config: CondaConfig | None = None

    # ------------------------------------------------------------------------------ running

    def _run(self, argv: list[str], env: dict[str, str] | None = None) -> process.Result:
        """Run the tool; a non-zero exit is a one-line BackendError naming the cause."""
        result = process.run(argv, check=False, input="", env=env)
        if result.returncode != 0:
            raise self._failure(result)
        return result

    def _failure(self, result: process.Result) -> BackendError:
        cause = ProcessError(result.argv, result.returncode, result.stdout, result.stderr)
        summary = error_summary(result.stdout, result.stderr)
        if summary is None:
            return cause
        error = BackendError(
            f"{self._what(result.argv)} failed (exit {result.returncode}): {summary}"
        )
        error.__cause__ = cause
        return error

    def _what(self, argv: list[str]) -> str:
        words: list[str] = [self.tool]
        for word in argv[1:]:
            if word.startswith("-"):
                break
            words.append(word)
        return " ".join(words)

    def _json(self, argv: list[str], env: dict[str, str] | None = None) -> object:
        result = self._run(argv, env)
        return extract_json(result.stdout, f"{self._what(argv)} --json")

    # ----------------------------------------------------------------------------- config

    def tool_info(self) -> ToolInfo:
        """``info --json``, asked once per backend."""
        if self._info is None:
            argv = argv_for.info(self.tool, self.exe, root_prefix=self.root_prefix)
            self._info = parse_info(self._json(argv), f"{self.tool} info --json")
        return self._info

    def _canonical(self) -> Callable[[str], str]:
        if self._config is None:
            self._config = load_config()
        config = self._config
        return lambda channel: canonical_name(channel, config)

    # ---------------------------------------------------------------------------- locating

    def locate(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        if prefix is not None:
            path = absolute_path(prefix)
            if not is_env(path):
                raise EnvNotFoundError(f"no conda environment at {path} (no conda-meta/history)")
            return EnvLocation(path, env_name(path, self.tool_info()))
        info = self.tool_info()
        if name is not None:
            if name in ("base", "root") and info.root_prefix is not None:
                return EnvLocation(info.root_prefix, "base")
            check_env_name(name)  # "../x" must not reach outside the envs dirs
            for envs_dir in info.envs_dirs:
                if is_env(envs_dir / name):
                    return EnvLocation(envs_dir / name, name)
            searched = ", ".join(str(d) for d in info.envs_dirs) or "no envs dirs configured"
            raise EnvNotFoundError(f"environment {name!r} not found (searched {searched})")
        active = info.active_prefix
        if active is None and self.tool != "micromamba":
            active = info.root_prefix  # conda's default env is base when none is active
        if active is None or not is_env(active):
            raise EnvNotFoundError("no environment is active: name one with -n NAME or -p PREFIX")
        return EnvLocation(active, env_name(active, info))

    def new_location(self, *, name: str | None = None, prefix: str | None = None) -> EnvLocation:
        info = self.tool_info()
        if prefix is not None:
            path = absolute_path(prefix)
            return EnvLocation(path, env_name(path, info))
        if name is None:
            raise UsageError("name the new environment with -n NAME or -p PREFIX")
        check_env_name(name)
        if name in ("base", "root"):
            raise UsageError(f"cannot create an environment named {name!r}: that is the root")
        for envs_dir in info.envs_dirs:
            if writable_dir(envs_dir):
                return EnvLocation(envs_dir / name, name)
        tried = ", ".join(str(d) for d in info.envs_dirs) or "none configured"
        raise BackendError(f"no writable envs directory for {name!r} (tried {tried})")

    def list_envs(self) -> tuple[EnvLocation, ...]:
        argv = argv_for.env_list(self.tool, self.exe, root_prefix=self.root_prefix)
        doc = parse_env_list(self._json(argv), f"{self.tool} env list --json")
        return env_locations(doc, self.tool_info())

    # ----------------------------------------------------------------------------- reading

    def _list(self, prefix: Path) -> list[ListEntry]:
        argv = argv_for.list_packages(self.tool, self.exe, prefix, root_prefix=self.root_prefix)
        return parse_list(self._json(argv), f"{self.tool} list --json")

    def _export(self, prefix: Path, *, from_history: bool) -> ExportDoc:
        argv = argv_for.export(
            self.tool, self.exe, prefix, from_history=from_history, root_prefix=self.root_prefix
        )
        what = " ".join(argv[1:3]) + (" --from-history" if from_history else "")
        result = self._run(argv)
        try:
            data = extract_json(result.stdout, f"{self.tool} {what} --json")
        except BackendError:
            # mamba 2.0 printed YAML for ``env export --json`` (mamba-org/mamba#3492).
            return export_from_text(result.stdout, f"{self.tool} {what}")
        return parse_export(data, f"{self.tool} {what} --json")

    def _packages(
        self, prefix: Path, entries: list[ListEntry], known: frozenset[str] = frozenset()
    ) -> tuple[InstalledPackage, ...]:
        canonical = self._canonical()
        return to_packages(
            entries, lambda e: package_channel(e, known, canonical), _records(prefix)
        )

    def read(self, location: EnvLocation) -> InstalledEnv:
        entries = self._list(location.prefix)
        full = self._export(location.prefix, from_history=False)
        history = self._export(location.prefix, from_history=True)
        packages = self._packages(location.prefix, entries, frozenset(full.get("channels", ())))
        pip = export_pip(full)
        if pip is None:
            pip = pip_from_list(entries)
        variables = full["variables"] if "variables" in full else _variables(location.prefix)
        canonical = self._canonical()
        configured = [canonical(c) for c in history.get("channels", ()) if c != "nodefaults"]
        package_channels = {p.channel for p in packages}
        # A channel the tool exported that neither the packages nor the configuration explain
        # (a mirror, a custom channel name) is kept, so the export lists what the tool listed.
        configured += [
            c for c in full.get("channels", ()) if c not in package_channels and c not in configured
        ]
        platform = next((p.subdir for p in packages if p.subdir not in ("", "noarch")), "")
        platform = platform or self.tool_info().platform
        return InstalledEnv(
            location=location,
            packages=packages,
            pip=pip,
            history_specs=export_specs(history) if _has_history(location.prefix) else (),
            variables=variables,
            configured_channels=tuple(dict.fromkeys(configured)),
            platform=platform,
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
        """What the tool's dry run solves ``specs`` to, sorted by name; nothing is installed.
        For another ``platform`` the tool is told its subdir and virtual packages through
        ``CONDA_SUBDIR`` and ``CONDA_OVERRIDE_*`` (None: the tool's own view of this machine)."""
        options = options or CreateOptions()
        env_vars = argv_for.platform_environ(platform) if platform is not None else None
        if not specs:
            return ()
        env = EnvFile(
            channels=tuple(channels),
            conda=tuple(make_conda_dep(s) for s in specs),
            source=source or "<specs>",
        )
        with _scratch() as scratch, _env_file(env, options.base_dir, scratch) as file:
            options.progress.phase(f"{self.tool}: solving {len(specs)} specs")
            return self._dry_run(file, scratch, env_vars)

    def install(
        self, records: Sequence[InstalledPackage], target: EnvLocation, options: CreateOptions
    ) -> CreateResult:
        """``records`` installed at ``target`` from an ``@EXPLICIT`` list of their URLs (no
        solve): each needs the URL it came from."""
        packages = tuple(sorted(records, key=lambda p: p.name))
        replacing = self._check_target(target, options)
        missing = [p.dist for p in packages if not p.url]
        if missing:
            raise BackendError(f"cannot install {', '.join(missing)}: no package URL known")
        if options.dry_run:
            return CreateResult(target, packages, (), True, replacing)
        lines = ["@EXPLICIT", *(f"{p.url}#{p.md5}" if p.md5 else p.url for p in packages)]
        with _scratch() as scratch:
            file = scratch / "explicit.txt"
            file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            argv = argv_for.create_explicit(
                self.tool, self.exe, file, target.prefix, root_prefix=self.root_prefix
            )
            self._make(argv, target, replacing)
        return CreateResult(target, self._packages(target.prefix, self._list(target.prefix)))

    def create(self, env: EnvFile, target: EnvLocation, options: CreateOptions) -> CreateResult:
        """The tool's own ``env create`` (it solves, installs, runs the pip section and writes
        its history); with ``dry_run``, or before replacing an env, a dry run first."""
        progress = options.progress
        replacing = self._check_target(target, options)
        pip_lines = tuple(p.text for p in env.pip or ())
        try:
            with _scratch() as scratch, _env_file(env, options.base_dir, scratch) as file:
                progress.phase(f"{self.tool}: solving {len(env.conda)} specs")
                if options.dry_run or replacing:
                    solved = self._dry_run(file, scratch)
                    if options.dry_run:
                        return CreateResult(target, solved, pip_lines, True, replacing)
                progress.phase(f"{self.tool}: installing into {target.prefix}")
                argv = argv_for.create(
                    self.tool, self.exe, file, target.prefix, root_prefix=self.root_prefix
                )
                self._make(argv, target, replacing)
        finally:
            progress.finish()
        packages = self._packages(target.prefix, self._list(target.prefix))
        return CreateResult(target, packages, pip_lines, False, replacing)

    def _dry_run(
        self, file: Path, scratch: Path, env: dict[str, str] | None = None
    ) -> tuple[InstalledPackage, ...]:
        """What ``file`` solves to, solved for a scratch prefix that does not exist (conda's
        ``env create --yes`` would delete an existing target even in a dry run)."""
        argv = argv_for.create(
            self.tool,
            self.exe,
            file,
            scratch / "dry-run-env",
            dry_run=True,
            root_prefix=self.root_prefix,
        )
        data = self._json(argv, env)
        return solved_packages(data, f"{self._what(argv)} --dry-run --json", self._canonical())

    def _make(self, argv: list[str], target: EnvLocation, replacing: bool) -> None:
        """Run a command that makes the env at ``target``, as one transaction: an env being
        replaced is moved aside first, and put back (what the tool made removed) on failure.
        The tool writes the env's history and ``created_at`` and runs its pip section."""
        with StagedPrefix(target.prefix, replace=replacing, in_place=True) as stage:
            result = self._run(argv)
            _check_success(result, self._what(argv))
            stage.commit()
            stage.finish()

    def _check_target(self, target: EnvLocation, options: CreateOptions) -> bool:
        return transaction.check_target(target, options, root_prefix=self.tool_info().root_prefix)

    # ----------------------------------------------------------------------------- cloning

    def clone(
        self, source: EnvLocation, target: EnvLocation, options: CreateOptions
    ) -> CreateResult:
        if same_path(source.prefix, target.prefix):
            raise UsageError(f"cannot clone {source.prefix} onto itself")
        progress = options.progress
        replacing = self._check_target(target, options)
        entries = self._list(source.prefix)
        if options.dry_run:
            return CreateResult(target, self._packages(source.prefix, entries), (), True, replacing)
        if not argv_for.has_clone(self.tool) and any(is_pip_entry(e) for e in entries):
            # No @EXPLICIT list carries pip packages: create from the pinned export instead.
            pinned = recreating_envfile(self.read(source))  # its own channels, nodefaults
            return self.create(pinned, target, options)
        try:
            with _scratch() as scratch:
                progress.phase(f"{self.tool}: cloning {source.prefix} into {target.prefix}")
                if argv_for.has_clone(self.tool):
                    argv = argv_for.clone(self.exe, source.prefix, target.prefix)
                else:
                    argv = self._explicit_create(source.prefix, target.prefix, scratch)
                self._make(argv, target, replacing)
                _copy_variables(source.prefix, target.prefix)
        finally:
            progress.finish()
        packages = self._packages(target.prefix, self._list(target.prefix))
        return CreateResult(target, packages, (), False, replacing)

    def _explicit_create(self, source: Path, target: Path, scratch: Path) -> list[str]:
        argv = argv_for.list_explicit(self.tool, self.exe, source, root_prefix=self.root_prefix)
        text = self._run(argv).stdout
        parse_explicit(text, f"{self._what(argv)} --explicit")  # refuse anything else
        file = scratch / "explicit.txt"
        file.write_text(text, encoding="utf-8")
        return argv_for.create_explicit(
            self.tool, self.exe, file, target, root_prefix=self.root_prefix
        )


# ---------------------------------------------------------------------------------- helpers


def _records(prefix: Path) -> dict[str, InstalledPackage]:
    """The env's ``conda-meta`` records by ``name-version-build`` (a corrupt one is an error)."""
    records = read_records(prefix, lambda channel: channel)
    return {r.package.dist: r.package for r in records}


def _has_history(prefix: Path) -> bool:
    """Whether the env's history records requested specs. Without any (an env py-rattler
    made), ``env export --from-history`` lists every package pinned; envtool then keeps the
    history empty, as the native backend does, so ``--leaves`` falls back to graph leaves while
    the ``--from-history`` export stays the pinned list conda prints."""
    return bool(requested_in(read_history_text(prefix)))


def _variables(prefix: Path) -> dict[str, str]:
    try:
        return read_variables(prefix)
    except EnvtoolError:
        return {}


def _copy_variables(source: Path, target: Path) -> None:
    """Give a copy the source's variables (``conda-meta/state``), as the native clone does:
    conda 26.7's ``create --clone`` leaves them behind, and an ``@EXPLICIT`` list has none."""
    state = source / "conda-meta" / "state"
    copy = target / "conda-meta" / "state"
    if not state.is_file() or copy.exists():
        return
    try:
        shutil.copyfile(state, copy)
    except OSError as exc:
        raise BackendError(f"could not copy the variables to {copy}: {exc.strerror}") from exc


def _check_success(result: process.Result, what: str) -> None:
    """A zero exit whose JSON still says ``"success": false`` (micromamba did that) fails."""
    text = result.stdout.strip()
    if not text.startswith("{"):
        return
    try:
        data = extract_json(text, what)
    except BackendError:
        return
    if isinstance(data, dict) and data.get("success") is False:
        summary = error_summary(result.stdout, result.stderr) or "the tool reported failure"
        raise BackendError(f"{what} failed: {summary}")


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="envtool-") as directory:
        yield Path(directory)


@contextlib.contextmanager
def _env_file(env: EnvFile, base_dir: Path | None, scratch: Path) -> Iterator[Path]:
    """The file the tool creates from, removed afterwards: no ``name:``/``prefix:``
    (``--prefix`` names the target), unknown keys dropped, relative local channels made
    absolute ``file://`` URLs (DESIGN §4 resolves them against the file's directory).

    With a pip section the file goes beside the original (``base_dir``), hidden, because conda
    runs ``pip install -r`` from the file's directory and relative requirement paths must
    resolve as they would have; otherwise it lives in the scratch directory.
    """
    channels = []
    for channel in env.channels:
        local = local_path(channel, base_dir)
        channels.append(local.as_uri() if local is not None else channel)
    text = dump_yaml(replace(env, name=None, prefix=None, extra={}, channels=tuple(channels)))
    if env.pip and base_dir is not None and os.access(base_dir, os.W_OK):
        handle, name = tempfile.mkstemp(prefix=".envtool-", suffix=".yml", dir=base_dir)
        path = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as fh:
                fh.write(text)
            yield path
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
        return
    path = scratch / "environment.yml"
    path.write_text(text, encoding="utf-8")
    yield path
