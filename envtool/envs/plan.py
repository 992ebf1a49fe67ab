"""What a sync would do to an installed env: a :class:`Plan`, computed before anything changes.

Pure functions of two package lists (what is installed, what is wanted) and of the pip
section. Every step says its action, the old and new version, and — for version changes — its
size as ``diff`` words it (major, minor, patch, other). A change of build that changes what
variant the package is (``*cuda*`` → ``*cpu*``, ``cu121`` → ``cu118``, mkl → openblas) is a
``change-variant`` step and is flagged, whatever its version does, so it never happens silently.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from envtool.envs.model import EnvLocation, InstalledPackage, PipPackage
from envtool.spec import (
    PipLine,
    Size,
    SpecError,
    change_size,
    compare_versions,
    normalize_pip_name,
    variant_glob,
)

Action = Literal["install", "remove", "upgrade", "downgrade", "change-variant", "rebuild"]
Section = Literal["conda", "pip"]
ACTIONS: tuple[Action, ...] = (
    "install",
    "upgrade",
    "downgrade",
    "change-variant",
    "rebuild",
    "remove",
)


@dataclass(frozen=True)
class Step:
    section: Section
    action: Action
    name: str
    old: str | None = None  # conda: "version build"; pip: version
    new: str | None = None
    size: Size | None = None
    variant: tuple[str, str] | None = None  # (old, new) variant when it changes

    @property
    def describe(self) -> str:
        """``numpy 1.26.4 → 2.0.0 (major)`` and the like, for a person."""
        if self.action == "install":
            return f"{self.name} {self.new or ''}".rstrip()
        if self.action == "remove":
            return f"{self.name} {self.old or ''}".rstrip()
        text = f"{self.name} {self.old} → {self.new}"
        if self.size is not None:
            text += f" ({self.size})"
        if self.variant is not None:
            text += f" [variant {self.variant[0]} → {self.variant[1]}]"
        return text


@dataclass(frozen=True)
class Plan:
    """Everything a sync changes, conda packages first, then pip; ``kept`` are untouched."""

    location: EnvLocation
    steps: tuple[Step, ...]
    kept: int = 0
    notes: tuple[str, ...] = ()  # what the plan could not decide (e.g. pip -r includes)

    @property
    def in_sync(self) -> bool:
        return not self.steps

    def section(self, section: Section) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.section == section)

    @property
    def variant_changes(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.variant is not None)


def _variant(build: str) -> str:
    glob = variant_glob(build)
    return glob.strip("*") if glob else "none"


def conda_steps(
    installed: Iterable[InstalledPackage], wanted: Iterable[InstalledPackage]
) -> tuple[list[Step], int]:
    """Steps turning ``installed`` into ``wanted`` (by package name), and how many are kept."""
    have = {p.name: p for p in installed}
    want = {p.name: p for p in wanted}
    steps: list[Step] = []
    kept = 0
    for name in sorted(have.keys() | want.keys()):
        old, new = have.get(name), want.get(name)
        if old is None:
            assert new is not None
            steps.append(Step("conda", "install", name, new=f"{new.version} {new.build}"))
            continue
        if new is None:
            steps.append(Step("conda", "remove", name, old=f"{old.version} {old.build}"))
            continue
        if _same_record(old, new):
            kept += 1
            continue
        steps.append(_change(old, new))
    return steps, kept


def _same_record(a: InstalledPackage, b: InstalledPackage) -> bool:
    if (a.version, a.build) != (b.version, b.build):
        return False
    if a.subdir and b.subdir and a.subdir != b.subdir:
        return False
    return not (a.channel and b.channel and a.channel != b.channel)


def _change(old: InstalledPackage, new: InstalledPackage) -> Step:
    va, vb = _variant(old.build), _variant(new.build)
    variant = (va, vb) if va != vb else None
    try:
        order = compare_versions(old.version, new.version)
    except SpecError:
        order = 0 if old.version == new.version else 1
    action: Action
    size: Size | None = None
    if order == 0:
        action = "change-variant" if variant else "rebuild"
    else:
        action = "upgrade" if order < 0 else "downgrade"
        size = change_size(old.version, new.version)
    return Step(
        "conda",
        action,
        old.name,
        old=f"{old.version} {old.build}",
        new=f"{new.version} {new.build}",
        size=size,
        variant=variant,
    )


def pip_steps(
    installed: Sequence[PipPackage], lines: Sequence[PipLine]
) -> tuple[list[Step], tuple[str, ...]]:
    """Steps bringing the env's pip packages in line with a pip section, and notes.

    A requirement the installed version satisfies is kept; one it does not is installed (at the
    version it pins, else pip's choice). A pip package no line names is removed — unless the
    section has lines whose packages cannot be known before pip runs (``-r``, ``-e``, URLs),
    then nothing is removed and a note says why.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    have = {normalize_pip_name(p.name): p for p in installed}
    steps: list[Step] = []
    named: set[str] = set()
    opaque = [line.text for line in lines if line.kind in ("include", "editable", "url")]
    for line in lines:
        if line.name is None:
            continue
        named.add(line.name)
        if line.kind != "requirement":
            continue  # an editable or URL line: pip decides; it is always run
        current = have.get(line.name)
        if current is None:
            steps.append(Step("pip", "install", line.name, new=line.pinned))
            continue
        try:
            ok = Version(current.version) in SpecifierSet(line.specifier, prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            ok = False
        if ok:
            continue
        pinned = line.pinned
        action: Action = "upgrade"
        size: Size | None = None
        if pinned is not None:
            with contextlib.suppress(InvalidVersion):  # an odd version: call it an upgrade
                action = "downgrade" if Version(pinned) < Version(current.version) else "upgrade"
            size = change_size(current.version, pinned)
        steps.append(
            Step("pip", action, line.name, old=current.version, new=pinned or "?", size=size)
        )
    notes: tuple[str, ...] = ()
    if opaque:
        notes = (
            "pip packages the file does not name are kept: its pip section has lines whose "
            f"packages pip decides ({', '.join(opaque)})",
        )
    else:
        steps.extend(
            Step("pip", "remove", name, old=have[name].version)
            for name in sorted(have.keys() - named)
        )
    return steps, notes


def make_plan(
    location: EnvLocation,
    installed: Sequence[InstalledPackage],
    wanted: Sequence[InstalledPackage],
    installed_pip: Sequence[PipPackage],
    pip_lines: Sequence[PipLine] | None,
) -> Plan:
    """The whole plan; ``pip_lines`` None leaves pip packages alone (a lock has no pip)."""
    steps, kept = conda_steps(installed, wanted)
    notes: tuple[str, ...] = ()
    if pip_lines is not None:
        pip, notes = pip_steps(installed_pip, pip_lines)
        steps.extend(pip)
    order = {a: i for i, a in enumerate(ACTIONS)}
    steps.sort(key=lambda s: (s.section != "conda", order[s.action], s.name))
    return Plan(location, tuple(steps), kept, notes)
