"""Create and clone without a silent variant change (:mod:`envtool.envs.variants`' policy).

- :func:`create_keeping` — a re-solve (clone with PRUNE OPTIONS, clone of a file) whose result
  is compared with where it came from before anything is linked;
- :func:`check_exact` — an exact copy (clone by records, a lock's install) whose records need a
  virtual package the target lacks;
- :func:`target` — the platform a solve targets: this machine, with ``--cuda`` its ``__cuda``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from envtool.envs import variants
from envtool.envs.model import CreateOptions, CreateResult, EnvLocation, InstalledPackage
from envtool.envs.platform import Platform
from envtool.errors import BackendError
from envtool.files.envfile import EnvFile, make_conda_dep
from envtool.spec import SpecError, parse_conda

if TYPE_CHECKING:
    from datetime import datetime

    from envtool.backends import Backend
    from envtool.locks.model import Lock
    from envtool.ui import Console


def target(cuda: str | None) -> Platform:
    """This machine, its ``__cuda`` replaced by ``cuda`` (a version, or ``none``) when given."""
    return Platform.current().with_cuda(cuda)


def file_records(env: EnvFile) -> tuple[InstalledPackage, ...]:
    """What a file says of its packages' builds, as records to compare a solve with."""
    out = []
    for dep in env.conda:
        spec = dep.spec
        if spec is not None and spec.build:
            out.append(InstalledPackage(spec.name, spec.pinned or "", spec.build))
    return tuple(out)


_BUILD_SUFFIX = re.compile(r"^([^=\[\s]+=[^=\[\s]+)=[^=\[\s]+$")


def relaxed(env: EnvFile, names: Iterable[str]) -> EnvFile:
    """``env`` with the build (or build glob) of ``names``' specs removed (``x=2.0=*cuda*`` →
    ``x=2.0``), so a solve can say what they would become."""
    drop = set(names)
    deps = []
    for dep in env.conda:
        try:
            name = parse_conda(dep.text).name
        except SpecError:
            name = ""
        m = _BUILD_SUFFIX.match(dep.text.strip())
        if name in drop and m:
            dep = make_conda_dep(m.group(1), dep.line, dep.path)
        deps.append(dep)
    return replace(env, conda=tuple(deps))


def create_keeping(
    backend: Backend,
    env: EnvFile,
    location: EnvLocation,
    options: CreateOptions,
    *,
    source: Sequence[InstalledPackage],
    cuda: str | None,
    allow: bool,
    doing: str = "clone",
) -> tuple[CreateResult, tuple[str, ...]]:
    """``env`` created at ``location``, stopped before linking when a package of ``source``
    would get another variant (unless ``allow``); returns the result and the warnings."""
    platform = options.platform or target(cuda)
    need = variants.missing(source, platform, cuda=cuda)
    solve_env = relaxed(env, (c.name for c in need)) if need else env
    warnings: list[str] = []

    def approve(solved: tuple[InstalledPackage, ...]) -> None:
        changes = variants.compare(source, solved, platform, cuda=cuda)
        warnings.extend(variants.check(doing, changes, allow=allow))

    options = replace(options, platform=platform)
    try:
        if backend.name == "native":
            result = backend.create(solve_env, location, replace(options, approve=approve))
        else:  # a CLI solves and links in one go: its dry run first
            specs = [d.text.strip() for d in solve_env.conda]
            approve(backend.solve(specs, solve_env.channels, options=options, source=env.source))
            result = backend.create(solve_env, location, options)
    except BackendError:
        if need and not allow:  # nothing else would do: say what this machine lacks
            variants.check(doing, need, allow=False)
        raise
    return result, tuple(warnings)


def check_exact(
    doing: str, packages: Iterable[InstalledPackage], cuda: str | None, *, allow: bool
) -> tuple[str, ...]:
    """Stop when exact records need a virtual package this machine (or ``--cuda``) lacks."""
    packages = tuple(packages)
    if cuda is None and not any(d.startswith("__") for p in packages for d in p.depends):
        return ()  # nothing needs one: no need to probe the machine (py-rattler, /proc, ...)
    return variants.check(doing, variants.missing(packages, target(cuda), cuda=cuda), allow=allow)


def check_lock(doing: str, lock: Lock, cuda: str | None, *, allow: bool) -> tuple[str, ...]:
    """:func:`check_exact` for this platform's records of ``lock``."""
    from envtool import locks
    from envtool.envs.platform import current_subdir

    locked = locks.choose_platform(lock, current_subdir())
    packages = (
        InstalledPackage(r.name, r.version, r.build, depends=r.depends) for r in locked.conda
    )
    return check_exact(doing, packages, cuda, allow=allow)


def as_of(text: str | None, file: str | None) -> datetime | None:
    """``--as-of DATE|REV`` (a REV is read in the git repository of ``file``, else here)."""
    if text is None:
        return None
    from envtool.ops.create import file_dir
    from envtool.ops.solvability import as_of as parse

    return parse(text, file_dir(file) if file and file != "-" else None)


def backend(choice: str, console: Console, *, native: bool) -> Backend:
    """The chosen backend; the native engine when ``--cuda``/``--as-of`` ask for its solve."""
    from envtool.backends import select_backend

    engine = select_backend(choice, console)
    if native and engine.name != "native":
        from envtool.backends.native import NativeBackend

        console.detail(f"--cuda/--as-of: solved by the native engine, not {engine.name}")
        return NativeBackend()
    return engine
