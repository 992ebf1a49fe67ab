"""Packages that exist for one platform only, and why each is on the list.

An export made on Linux lists the C/C++ runtime and linker packages conda-forge uses to build
for Linux; one made on Windows lists the MSVC runtime and MSYS2 toolchain; one made on macOS
lists libc++. None of them is something the user asked for: the solver pulls the right ones in
for the target platform. Keeping them makes ``conda env create`` fail elsewhere with
"PackagesNotFoundError". ``--portable`` drops them and ``check`` reports them.
"""

from __future__ import annotations

import re
from fnmatch import translate
from functools import cache

# (glob pattern, platform, why)
PLATFORM_ONLY: tuple[tuple[str, str, str], ...] = (
    # Linux: GCC runtime, OpenMP, glibc and the linker, which conda-forge builds depend on.
    ("_libgcc_mutex", "linux", "conda-forge/defaults mutex selecting the Linux GCC runtime"),
    ("_openmp_mutex", "linux", "mutex selecting the Linux OpenMP runtime (GNU or LLVM)"),
    ("libgcc", "linux", "GCC runtime library, Linux builds only"),
    ("libgcc-ng", "linux", "GCC runtime library, Linux builds only"),
    ("libstdcxx", "linux", "GNU C++ standard library, Linux builds only"),
    ("libstdcxx-ng", "linux", "GNU C++ standard library, Linux builds only"),
    ("libgfortran-ng", "linux", "GNU Fortran runtime, Linux builds only"),
    ("libgfortran5", "linux", "GNU Fortran runtime, pulled in per platform"),
    ("libgomp", "linux", "GNU OpenMP runtime, Linux builds only"),
    ("ld_impl_*", "linux", "GNU linker implementation, one package per Linux arch"),
    ("binutils_impl_*", "linux", "GNU binutils, one package per Linux arch"),
    ("kernel-headers_*", "linux", "Linux kernel headers, per arch"),
    ("sysroot_*", "linux", "glibc sysroot, per Linux arch"),
    ("libnsl", "linux", "glibc NIS library, Linux only"),
    ("libuuid", "linux", "util-linux UUID library, Linux only"),
    ("libxcrypt", "linux", "glibc crypt replacement, Linux only"),
    ("__glibc", "linux", "virtual package: describes the machine, cannot be installed"),
    ("__linux", "linux", "virtual package: describes the machine, cannot be installed"),
    ("_sysroot_linux-*", "linux", "repodata shim for the glibc sysroot, Linux only"),
    ("nccl", "linux", "NVIDIA multi-GPU communication library, built for Linux only"),
    ("keyutils", "linux", "Linux kernel key-management library"),
    # Windows: MSVC runtime, UCRT and the MSYS2/MinGW toolchain.
    ("vc", "win", "MSVC runtime selector, Windows only"),
    ("vc14_runtime", "win", "MSVC 14 runtime, Windows only"),
    ("vs2015_runtime", "win", "MSVC 2015+ runtime, Windows only"),
    ("vs2017_runtime", "win", "MSVC 2017 runtime, Windows only"),
    ("ucrt", "win", "Windows Universal C runtime"),
    ("m2w64-*", "win", "MSYS2 MinGW-w64 toolchain package, Windows only"),
    ("m2-*", "win", "MSYS2 package, Windows only"),
    ("msys2-conda-epoch", "win", "MSYS2 epoch marker, Windows only"),
    ("libwinpthread", "win", "MinGW POSIX threads runtime, Windows only"),
    ("pthreads-win32", "win", "POSIX threads for Windows"),
    ("console_shortcut", "win", "Anaconda Prompt Start-menu shortcut, Windows only"),
    ("powershell_shortcut", "win", "Anaconda PowerShell Start-menu shortcut, Windows only"),
    ("pywin32", "win", "Windows API bindings"),
    ("pywin32-ctypes", "win", "Windows API bindings"),
    ("pywinpty", "win", "Windows pseudo-terminal"),
    ("winpty", "win", "Windows pseudo-terminal"),
    ("wincertstore", "win", "Windows certificate store access"),
    ("win_inet_pton", "win", "Windows socket shim"),
    ("__win", "win", "virtual package: describes the machine, cannot be installed"),
    # macOS: LLVM's C++ runtime and Apple frameworks.
    ("libcxx", "osx", "LLVM C++ standard library, macOS builds"),
    ("libcxxabi", "osx", "LLVM C++ ABI library, macOS builds"),
    ("llvm-openmp", "osx", "LLVM OpenMP runtime, macOS builds"),
    ("appnope", "osx", "macOS App Nap control"),
    ("pyobjc-*", "osx", "Objective-C bridge, macOS only"),
    ("__osx", "osx", "virtual package: describes the machine, cannot be installed"),
    ("__unix", "unix", "virtual package: describes the machine, cannot be installed"),
    ("__cuda", "any", "virtual package: describes the GPU driver, cannot be installed"),
    ("__archspec", "any", "virtual package: describes the CPU, cannot be installed"),
    # Compilers and their runtimes name the target platform: gcc_linux-64, vs2019_win-64, ...
    ("*_linux-64", "linux", "built for the linux-64 platform named in the package"),
    ("*_linux-aarch64", "linux", "built for the linux-aarch64 platform named in the package"),
    ("*_linux-ppc64le", "linux", "built for the linux-ppc64le platform named in the package"),
    ("*_osx-64", "osx", "built for the osx-64 platform named in the package"),
    ("*_osx-arm64", "osx", "built for the osx-arm64 platform named in the package"),
    ("*_win-64", "win", "built for the win-64 platform named in the package"),
    ("*_win-32", "win", "built for the win-32 platform named in the package"),
)

# PyPI projects that install (or work) on one platform only. In a pip section they are not
# dropped but limited to their platform with an environment marker, so the same file still
# installs them there: (PEP 503 name glob, platform, why).
PIP_PLATFORM_ONLY: tuple[tuple[str, str, str], ...] = (
    ("pywin32", "win", "Windows API bindings"),
    ("pywin32-ctypes", "win", "Windows API bindings"),
    ("pywinpty", "win", "Windows pseudo-terminal"),
    ("wincertstore", "win", "Windows certificate store access"),
    ("win-inet-pton", "win", "Windows socket shim"),
    ("appnope", "osx", "macOS App Nap control"),
    ("pyobjc", "osx", "Objective-C bridge, macOS only"),
    ("pyobjc-*", "osx", "Objective-C bridge, macOS only"),
)

# sys_platform values of the platforms above (PEP 508 markers).
_MARKERS = {"win": 'sys_platform == "win32"', "osx": 'sys_platform == "darwin"'}


def platform_only(name: str) -> tuple[str, str] | None:
    """(platform, why) if ``name`` is a platform-only package, else None."""
    found = _first("conda", name)
    return (found[1], found[2]) if found else None


def pip_platform_marker(name: str) -> tuple[str, str, str] | None:
    """(platform, why, PEP 508 marker) if the PyPI project ``name`` is platform-only."""
    found = _first("pip", name)
    return (found[1], found[2], _MARKERS[found[1]]) if found else None


def _first(which: str, name: str) -> tuple[str, str, str] | None:
    """The first row of table ``which`` whose glob matches ``name`` (case-insensitive)."""
    table = _TABLES[which]
    literals, globs, affixes = _matcher(which)
    lower = name.lower()
    at = literals.get(lower)
    if at is None and affixes is not None:
        prefixes, suffixes = affixes
        if not (lower.startswith(prefixes) or lower.endswith(suffixes)):
            return None  # no glob can match: the usual answer, without the regex
    match = globs.match(lower)
    if match and match.lastgroup and (at is None or int(match.lastgroup[1:]) < at):
        at = int(match.lastgroup[1:])
    return table[at] if at is not None else None


# By name: a cache keyed by the table itself would hash all its rows on every call.
_TABLES = {"conda": PLATFORM_ONLY, "pip": PIP_PLATFORM_ONLY}


@cache
def _matcher(
    which: str,
) -> tuple[dict[str, int], re.Pattern[str], tuple[tuple[str, ...], tuple[str, ...]] | None]:
    """Names without wildcards (row index by name), one regex of the globs, in order, and
    when every glob is ``prefix*`` or ``*suffix``, those prefixes and suffixes (a name that
    has none of them matches no glob): a dict lookup, two string tests, rarely the regex."""
    table = _TABLES[which]
    literals: dict[str, int] = {}
    globs: list[str] = []
    prefixes: list[str] = []
    suffixes: list[str] = []
    simple = True
    for i, (pattern, _, _) in enumerate(table):
        if any(c in pattern for c in "*?["):
            globs.append(f"(?P<g{i}>{translate(pattern)})")
            lower = pattern.lower()
            core = lower.strip("*")
            if any(c in core for c in "*?[") or lower.count("*") != 1:
                simple = False
            elif lower.endswith("*"):
                prefixes.append(core)
            else:
                suffixes.append(core)
        else:
            literals.setdefault(pattern.lower(), i)
    affixes = (tuple(prefixes), tuple(suffixes)) if simple else None
    return literals, re.compile("|".join(globs) or "(?!)"), affixes
