"""The installed-environment model: where an env lives, what is in it, how to make one.

Plain frozen values shared by every layer: :mod:`envtool.envs` reads prefixes into them,
backends return them, :mod:`envtool.envs.export` turns them into an :class:`EnvFile`, and the
commands render them. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from envtool.envs.platform import Platform

OnExists = Literal["fail", "replace"]
SourceKind = Literal["env", "prefix"]


@dataclass(frozen=True)
class EnvLocation:
    """Where an environment lives (or will live).

    ``name`` follows conda's rule: the directory's name when it sits in an envs dir, ``base``
    for the root prefix, else None (conda then prints the path).
    """

    prefix: Path  # absolute
    name: str | None = None

    @property
    def display_name(self) -> str:
        """What ``conda env export`` puts in ``name:``: the name, else the full path."""
        return self.name if self.name is not None else str(self.prefix)


@dataclass(frozen=True, init=False)
class InstalledPackage:
    """One conda package record of an installed environment."""

    name: str  # normalized (lower case)
    version: str
    build: str
    build_number: int = 0
    channel: str = ""  # canonical name as conda prints it: "conda-forge", "defaults", a URL
    subdir: str = ""  # "noarch", "linux-64", ...
    url: str = ""  # where the package file came from, when known
    depends: tuple[str, ...] = ()
    md5: str = ""
    flags: tuple[str, ...] = ()  # CEP 45 variant flags ("gpu:cuda", "blas:mkl"), when recorded
    # The engine's own record of the package (py-rattler's RepoDataRecord/PrefixRecord) when a
    # solve or a prefix produced this value: what the native backend installs. Not compared.
    engine_record: object = field(default=None, compare=False, repr=False)

    def __init__(
        self,
        name: str,
        version: str,
        build: str,
        build_number: int = 0,
        channel: str = "",
        subdir: str = "",
        url: str = "",
        depends: tuple[str, ...] = (),
        md5: str = "",
        flags: tuple[str, ...] = (),
        engine_record: object = None,
    ) -> None:
        # One a record, a thousand an export: the fields in one step (a frozen dataclass's own
        # __init__ sets each through object.__setattr__, several times slower).
        self.__dict__.update(
            name=name, version=version, build=build, build_number=build_number,
            channel=channel, subdir=subdir, url=url, depends=depends, md5=md5, flags=flags,
            engine_record=engine_record,
        )  # fmt: skip

    @property
    def dist(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"


@dataclass(frozen=True)
class PipPackage:
    """A Python distribution in site-packages that no conda record owns (installed by pip)."""

    name: str  # as conda prints it: lower case, "_" and "." replaced by "-"
    version: str


@dataclass(frozen=True)
class InstalledEnv:
    """Everything an export needs to know about an installed environment.

    ``history_specs`` are the user's requested specs from ``conda-meta/history``, already
    resolved as conda resolves them (later specs override earlier ones, removals remove,
    packages no longer installed dropped), in first-requested order, as conda's spec strings
    (``delta[version='>=3']``). ``configured_channels`` are the channels of the tool's
    configuration as configured (``context.channels``), which conda appends, as they are, to an
    export's channel list.
    """

    location: EnvLocation
    packages: tuple[InstalledPackage, ...]  # sorted by name
    pip: tuple[PipPackage, ...] = ()  # sorted by name
    history_specs: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    configured_channels: tuple[str, ...] = ()
    platform: str = ""  # the env's subdir, e.g. "linux-64" ("" when unknown)


class Progress(Protocol):
    """Where a backend reports what it is doing. The shell decides how (or whether) to show it."""

    def phase(self, message: str) -> None:
        """A new step: "solving 3 specs", "linking 12 packages", "running pip"."""

    def advance(self, done: int, total: int, what: str = "") -> None:
        """``done`` of ``total`` items of the current step; ``what`` names the last one."""

    def finish(self) -> None:
        """The work is over (success or not): clear any transient output."""


class NullProgress:
    """Reports nothing."""

    def phase(self, message: str) -> None:
        pass

    def advance(self, done: int, total: int, what: str = "") -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class CreateOptions:
    """How to create (or clone into) a target environment.

    ``base_dir`` is the directory of the environment file: relative local channel paths
    (``./channel``, ``file:channel``) resolve against it, and the pip section's
    ``pip install -r`` runs there. ``command`` is recorded in the ``# cmd:`` line of the history
    block. With ``dry_run`` nothing on disk changes; the result lists what would be installed.
    ``override_frozen`` is conda's ``--override-frozen``: an env marked frozen may be replaced.
    """

    on_exists: OnExists = "fail"
    override_frozen: bool = False  # replace a frozen env (CEP 22) all the same
    dry_run: bool = False
    base_dir: Path | None = None
    command: str = "envtool"
    progress: Progress = field(default_factory=NullProgress, compare=False)
    # What a solve targets (``--cuda``: this machine with another ``__cuda``; None: this
    # machine), what it may use (``--as-of``: published by then), and a check of its result
    # before anything is linked (variant fidelity: raises to stop).
    platform: Platform | None = None
    exclude_newer: datetime | None = None
    approve: Callable[[tuple[InstalledPackage, ...]], None] | None = field(
        default=None, compare=False
    )


@dataclass(frozen=True)
class CreateResult:
    """What a create or clone made (or, with ``dry_run``, would make)."""

    location: EnvLocation
    packages: tuple[InstalledPackage, ...]  # what was (or, with dry_run, would be) installed
    pip_lines: tuple[str, ...] = ()  # pip requirement lines installed (or to install)
    dry_run: bool = False
    replaced: bool = False  # an existing env at the target was replaced
    unverified: tuple[str, ...] = ()  # packages a lock gave no hash for (installed unchecked)
    cleaned: tuple[str, ...] = ()  # what killed runs had left at the target, and was dealt with
