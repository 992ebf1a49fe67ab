"""Variant fidelity: one policy for every command that makes or changes an env.

A package's variant is what its build string or CEP 45 ``flags`` say (:func:`envtool.spec.
variant`: ``cuda 12``, ``cpu``, ``mkl``, ``openblas``, ``mpich`` ...). Create, clone, the install
of a lock and sync compare where packages came from (the source env's records, a file's builds,
a lock's records) with what they would get, and stop before anything is linked when a variant
would change — or when exact records need a virtual package the target lacks (a CUDA build's
``__cuda``) — naming each package and why, unless the user allows it
(``--allow-variant-change``); then what changed is said as warnings.

>>> old = InstalledPackage("torchy", "2.0", "cuda12_0", depends=("__cuda >=12",))
>>> new = InstalledPackage("torchy", "2.0", "cpu_0")
>>> [c.describe() for c in compare([old], [new], Platform("linux-64"))]
['torchy (cuda → cpu: no __cuda on this machine: pass --cuda 12 to target a GPU machine)']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from envtool.envs.model import InstalledPackage
from envtool.envs.platform import Platform
from envtool.errors import UsageError
from envtool.spec import SpecError, parse_conda, satisfies, variant, variant_change


class VariantError(UsageError):
    """A variant would change (or exact records need what the target lacks), not allowed."""


@dataclass(frozen=True)
class VariantChange:
    """One package whose variant would change (``new`` set) or whose exact build needs a
    virtual package the target platform lacks (``needs`` set)."""

    name: str
    old: str  # the variant it had ("cuda 12"), or "none"
    new: str | None = None  # the variant it would get; None: the same build, installed as is
    needs: str = ""  # the virtual-package dependency the target lacks ("__cuda >=12")
    build: str = ""  # "2.0 cuda12_0": the exact record, for ``needs``
    reason: str = ""  # why, and what to do ("no __cuda on this machine: pass --cuda 12 ...")

    def describe(self) -> str:
        if self.new is None:
            text = f"{self.name} {self.build} needs {self.needs}"
            return f"{text} ({self.reason})" if self.reason else text
        text = f"{self.name} ({self.old} → {self.new}"
        return f"{text}: {self.reason})" if self.reason else f"{text})"


def unmet(package: InstalledPackage, platform: Platform) -> str:
    """The first virtual-package dependency of ``package`` that ``platform`` does not meet."""
    have = {v.name: v.version for v in platform.virtual_packages}
    for dep in package.depends:
        if not dep.startswith("__"):
            continue
        try:
            spec = parse_conda(dep)
        except SpecError:
            continue
        version = have.get(spec.name)
        if version is None or not satisfies(spec, version):
            return dep
    return ""


def _suggest(package: InstalledPackage, needs: str) -> str:
    """The ``--cuda`` version to suggest: the dependency's lower bound, else the build's."""
    try:
        spec = parse_conda(needs) if needs else None
    except SpecError:
        spec = None
    if spec is not None and spec.version:
        bound = spec.version.split(",")[0].lstrip(">=").rstrip(".*")
        if bound and bound[0].isdigit():
            return bound
    found = variant(package.build, package.flags) or ""
    return found.split()[1] if found.startswith("cuda ") else "VER"


def _reason(package: InstalledPackage, needs: str, platform: Platform, cuda: str | None) -> str:
    have = {v.name: v.version for v in platform.virtual_packages}
    name = needs.split()[0].split("=")[0].split(">")[0].split("<")[0] if needs else "__cuda"
    where = "with --cuda none" if cuda == "none" else "on this machine"
    if name == "__cuda":
        hint = f"pass --cuda {_suggest(package, needs)} to target a GPU machine"
        if "__cuda" not in have:
            return f"no __cuda {where}: {hint}"
        return f"this machine's __cuda is {have['__cuda']}: {hint}"
    if name not in have:
        return f"no {name} {where}"
    return f"this machine's {name} is {have[name]}"


def compare(
    source: Iterable[InstalledPackage],
    result: Iterable[InstalledPackage],
    platform: Platform,
    *,
    cuda: str | None = None,
) -> tuple[VariantChange, ...]:
    """Every package in both whose variant differs, with the reason when it is the target's
    missing (or too old) ``__cuda``."""
    before = {p.name: p for p in source}
    out: list[VariantChange] = []
    for new in sorted(result, key=lambda p: p.name):
        old = before.get(new.name)
        if old is None:
            continue
        changed = variant_change(variant(old.build, old.flags), variant(new.build, new.flags))
        if changed is None:
            continue
        needs = unmet(old, platform)
        no_gpu = not any(v.name == "__cuda" for v in platform.virtual_packages)
        lost_cuda = changed[0].startswith("cuda") and no_gpu
        reason = _reason(old, needs, platform, cuda) if needs or lost_cuda else ""
        out.append(VariantChange(new.name, changed[0], changed[1], reason=reason))
    return tuple(out)


def missing(
    packages: Iterable[InstalledPackage], platform: Platform, *, cuda: str | None = None
) -> tuple[VariantChange, ...]:
    """Exact records (a clone's, a lock's) that need a virtual package ``platform`` lacks."""
    out = []
    for p in sorted(packages, key=lambda p: p.name):
        needs = unmet(p, platform)
        if needs:
            out.append(
                VariantChange(
                    p.name,
                    variant(p.build, p.flags) or "none",
                    needs=needs,
                    build=f"{p.version} {p.build}",
                    reason=_reason(p, needs, platform, cuda),
                )
            )
    return tuple(out)


def check(doing: str, changes: Sequence[VariantChange], *, allow: bool) -> tuple[str, ...]:
    """Stop (:class:`VariantError`) when there are changes and they are not allowed; else the
    warnings that say what changed."""
    if not changes:
        return ()
    resolved = [c for c in changes if c.new is not None]
    exact = [c for c in changes if c.new is None]
    if not allow:
        parts = []
        if resolved:
            listed = ", ".join(c.describe() for c in resolved)
            parts.append(f"the {doing} would change the variant of {listed}")
        if exact:
            listed = ", ".join(c.describe() for c in exact)
            parts.append(f"the {doing} would install builds this machine cannot use: {listed}")
        raise VariantError("; ".join(parts) + "; pass --allow-variant-change to allow it")
    warnings = [f"variant of {c.describe()} changed (--allow-variant-change)" for c in resolved]
    warnings += [f"installed {c.describe()} all the same (--allow-variant-change)" for c in exact]
    return tuple(warnings)
