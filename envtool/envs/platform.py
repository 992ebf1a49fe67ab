"""A platform to solve for: its conda subdir and the virtual packages it provides.

A solve sees the target system through virtual packages (``__glibc``, ``__cuda``, ...), so a
:class:`Platform` carries both, and a solve for this machine, for ``osx-arm64`` or for
``linux-64`` with ``__cuda=12.4`` is one call with a different value:

- :meth:`Platform.current` — this machine, virtual packages detected by py-rattler (conda's
  ``CONDA_OVERRIDE_CUDA``, ``CONDA_OVERRIDE_GLIBC``, ``CONDA_OVERRIDE_OSX``... apply);
- :meth:`Platform.for_subdir` — any subdir, with documented defaults (:data:`DEFAULT_GLIBC`,
  :data:`DEFAULT_LINUX`, :data:`DEFAULT_OSX`; pixi's defaults), ``__cuda`` only when given.

>>> p = Platform.for_subdir("linux-64", cuda="12.4")
>>> [str(v) for v in p.virtual_packages]
['__unix=0=0', '__linux=4.18=0', '__glibc=2.28=0', '__archspec=1=x86_64', '__cuda=12.4=0']
>>> [str(v) for v in Platform.for_subdir("osx-arm64").virtual_packages]
['__unix=0=0', '__osx=13.0=0', '__archspec=1=m1']
>>> [str(v) for v in Platform.for_subdir("win-64", cuda="none").virtual_packages]
['__win=0=0', '__archspec=1=x86_64']
>>> Platform.for_subdir("noarch").virtual_packages
()
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

from envtool.errors import BackendError, UsageError

DEFAULT_GLIBC = "2.28"  # __glibc of a linux-* platform when none is given
DEFAULT_LINUX = "4.18"  # __linux (the kernel)
DEFAULT_OSX = "13.0"  # __osx of osx-64 and osx-arm64

# __archspec's build string per subdir: the generic microarchitecture (as rattler names it).
_ARCHSPEC = {
    "64": "x86_64",
    "32": "x86",
    "aarch64": "aarch64",
    "arm64": "m1",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "armv7l": "armv7l",
    "riscv64": "riscv64",
}
_KNOWN_OS = ("linux", "osx", "win", "emscripten", "wasi", "zos", "freebsd")
_VERSION = re.compile(r"^\d+(\.\d+)*$")


@dataclass(frozen=True, order=True)
class VirtualPackage:
    """``__name=version=build`` as a solver sees it."""

    name: str
    version: str
    build: str = "0"

    def __str__(self) -> str:
        return f"{self.name}={self.version}={self.build}"


@dataclass(frozen=True)
class Platform:
    """A subdir to solve for and the virtual packages a solve for it sees."""

    subdir: str  # "linux-64", "osx-arm64", "win-64", "noarch", ...
    virtual_packages: tuple[VirtualPackage, ...] = ()

    @classmethod
    def current(cls) -> Platform:
        """This machine: its subdir and its virtual packages as py-rattler detects them."""
        from rattler import VirtualPackage as RattlerVirtual
        from rattler import VirtualPackageOverrides

        try:
            detected = RattlerVirtual.detect(VirtualPackageOverrides.from_env())
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # rattler's DetectVirtualPackageError, or a panic
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise BackendError(f"cannot detect this system's virtual packages: {first}") from exc
        packages = []
        for v in detected:
            g = v.into_generic()
            packages.append(VirtualPackage(g.name.normalized, str(g.version), str(g.build_string)))
        return cls(current_subdir(), tuple(packages))

    @classmethod
    def for_subdir(
        cls,
        subdir: str,
        *,
        cuda: str | None = None,
        glibc: str | None = None,
        osx: str | None = None,
        linux: str | None = None,
    ) -> Platform:
        """``subdir`` with its default virtual packages; ``cuda`` (a version, or ``"none"``)
        adds ``__cuda``, ``glibc``/``osx``/``linux`` replace the defaults."""
        os_, _, arch = subdir.partition("-")
        if subdir != "noarch" and (os_ not in _KNOWN_OS or not arch):
            raise UsageError(f"unknown platform {subdir!r} (e.g. linux-64, osx-arm64, win-64)")
        for label, value in (("cuda", cuda), ("glibc", glibc), ("osx", osx), ("linux", linux)):
            if value is None or (label == "cuda" and value == "none"):
                continue
            if not _VERSION.match(value):
                raise UsageError(f"--{label} {value!r}: expected a version such as 12.4")
        if subdir == "noarch":
            return cls(subdir)
        packages: list[VirtualPackage] = []
        if os_ in ("linux", "osx", "freebsd"):
            packages.append(VirtualPackage("__unix", "0"))
        if os_ == "linux":
            packages.append(VirtualPackage("__linux", linux or DEFAULT_LINUX))
            packages.append(VirtualPackage("__glibc", glibc or DEFAULT_GLIBC))
        elif os_ == "osx":
            packages.append(VirtualPackage("__osx", osx or DEFAULT_OSX))
        elif os_ == "win":
            packages.append(VirtualPackage("__win", "0"))
        if arch in _ARCHSPEC:
            packages.append(VirtualPackage("__archspec", "1", _ARCHSPEC[arch]))
        if cuda is not None and cuda != "none":
            packages.append(VirtualPackage("__cuda", cuda))
        return cls(subdir, tuple(packages))

    def with_cuda(self, cuda: str | None) -> Platform:
        """The same platform with ``__cuda`` set to ``cuda`` (``"none"``: removed; None: as is)."""
        if cuda is None:
            return self
        kept = tuple(v for v in self.virtual_packages if v.name != "__cuda")
        if cuda == "none":
            return Platform(self.subdir, kept)
        if not _VERSION.match(cuda):
            raise UsageError(f"--cuda {cuda!r}: expected a version such as 12.4, or none")
        return Platform(self.subdir, (*kept, VirtualPackage("__cuda", cuda)))

    def __str__(self) -> str:
        return self.subdir


def _machine() -> str:
    """``platform.machine()``, from ``os.uname`` where there is one (the platform module
    costs milliseconds of start-up)."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform

    return platform.machine()


def current_subdir() -> str:
    """This machine's conda subdir (``linux-64``, ``osx-arm64``, ``win-64``, ...), without
    loading the engine."""
    machine = _machine().lower()
    arch = {
        "x86_64": "64",
        "amd64": "64",
        "i386": "32",
        "i686": "32",
        "x86": "32",
        "aarch64": "aarch64",
        "arm64": "arm64",
        "ppc64le": "ppc64le",
        "s390x": "s390x",
        "armv7l": "armv7l",
        "riscv64": "riscv64",
    }.get(machine, machine)
    if sys.platform.startswith("linux"):
        return f"linux-{arch}"
    if sys.platform == "darwin":
        return f"osx-{'arm64' if arch in ('arm64', 'aarch64') else arch}"
    if sys.platform == "win32":
        return f"win-{'arm64' if arch in ('arm64', 'aarch64') else arch}"
    return f"{sys.platform}-{arch}"
