"""Local conda channels of tiny packages, built at test time (and for fixtures/demo, bench/).

py-rattler reads packages but does not write them: a ``.tar.bz2`` package is a bzip2 tarball of
``info/index.json``, ``info/paths.json``, ``info/files`` and the payload, which ``tarfile``
writes in about a millisecond. Members are sorted, owned by root with fixed mtimes, so the
bytes of a package depend only on what is in it. :func:`index` runs py-rattler's indexer.

:func:`standard_channel` is the channel most engine tests use: the packages of conda's golden
outputs (alpha, beta, gamma, delta with builds ``h4616a5c_<n>``), a fake ``python`` whose
``bin/python`` understands just ``-m pip install -U -r FILE`` (it writes a ``.dist-info`` per
``name==version`` line, fails on a package named ``failme`` and sleeps VERSION seconds
for ``slowpkg==VERSION``), ``pip``, and arch-specific
packages for this machine's platform.
"""

from __future__ import annotations

import asyncio
import bz2
import hashlib
import io
import json
import shutil
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MTIME = 1_700_000_000  # every member's mtime, and the index.json timestamp (in ms)

FAKE_PYTHON = """\
#!/bin/sh
# A fake python for envtool's tests: it understands only `-m pip install -U -r FILE`, writing a
# .dist-info (METADATA, RECORD, INSTALLER=pip, and the directory pip ran in) per `name==version`
# (replacing another version's), and `-m pip uninstall -y NAME...`, removing their .dist-info.
here="$(cd "$(dirname "$0")/.." && pwd)"
sp="$here/lib/python{pyver}/site-packages"
if [ "$1" = "-m" ] && [ "$2" = "pip" ] && [ "$3" = "uninstall" ]; then
  shift 3
  for name in "$@"; do
    case "$name" in -*) continue;; esac
    for d in "$sp/$name"-*.dist-info; do [ -d "$d" ] && rm -rf "$d"; done
  done
  exit 0
fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ] && [ "$3" = "install" ]; then
  shift 3
  req=""
  while [ $# -gt 0 ]; do
    case "$1" in -r) req="$2"; shift 2;; *) shift;; esac
  done
  [ -n "$req" ] || {{ echo "fake pip: no -r FILE" >&2; exit 2; }}
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      *==*)
        name="${{line%%==*}}"; ver="${{line#*==}}"
        if [ "$name" = "failme" ]; then
          echo "ERROR: No matching distribution found for $line" >&2; exit 1
        fi
        if [ "$name" = "slowpkg" ]; then sleep "$ver"; fi
        for d in "$sp/$name"-*.dist-info; do [ -d "$d" ] && rm -rf "$d"; done
        d="$sp/$name-$ver.dist-info"; mkdir -p "$d"
        printf 'Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n\\n' "$name" "$ver" > "$d/METADATA"
        echo pip > "$d/INSTALLER"; : > "$d/RECORD"; pwd > "$d/envtool-test-cwd";;
    esac
  done < "$req"
  exit 0
fi
echo "fake python: unsupported arguments: $*" >&2
exit 2
"""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    build: str = "h4616a5c_0"
    depends: tuple[str, ...] = ()
    subdir: str = "noarch"
    build_number: int = 0
    files: Mapping[str, bytes] = field(default_factory=dict)
    timestamp: int = MTIME  # seconds since the epoch, as published (--as-of tests vary it)
    flags: tuple[str, ...] = ()  # CEP 45 variant flags ("gpu:cuda"), when the record has them
    # extra paths.json fields of a file ("prefix_placeholder", "file_mode": "text"/"binary")
    placeholders: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    symlinks: Mapping[str, str] = field(default_factory=dict)  # path -> link target
    noarch: str | None = None  # "python": paths under site-packages/ and python-scripts/
    entry_points: tuple[str, ...] = ()  # noarch python: "name = module:function"

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}-{self.build}.tar.bz2"


def _index_json(pkg: Package) -> dict[str, object]:
    data: dict[str, object] = {
        "name": pkg.name,
        "version": pkg.version,
        "build": pkg.build,
        "build_number": pkg.build_number,
        "depends": list(pkg.depends),
        "license": "BSD-3-Clause",
        "subdir": pkg.subdir,
        "timestamp": pkg.timestamp * 1000,
    }
    if pkg.flags:
        data["flags"] = list(pkg.flags)
    if pkg.subdir == "noarch":
        data["noarch"] = pkg.noarch or "generic"
    else:
        os_, _, arch = pkg.subdir.partition("-")
        data["platform"] = os_
        data["arch"] = {"64": "x86_64", "32": "x86"}.get(arch, arch)
    return data


def _member(tar: tarfile.TarFile, name: str, data: bytes, link: str | None = None) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = MTIME
    info.mode = 0o755 if name.startswith("bin/") else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if link is not None:
        info.type = tarfile.SYMTYPE
        info.linkname = link
        tar.addfile(info)
        return
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _path_entry(pkg: Package, path: str, data: bytes) -> dict[str, object]:
    if path in pkg.symlinks:
        target = pkg.symlinks[path].encode()
        return {
            "_path": path,
            "path_type": "softlink",
            "sha256": hashlib.sha256(target).hexdigest(),
            "size_in_bytes": len(target),
        }
    entry: dict[str, object] = {
        "_path": path,
        "path_type": "hardlink",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_in_bytes": len(data),
    }
    entry.update(pkg.placeholders.get(path, {}))
    return entry


def write_package(channel: Path, pkg: Package) -> Path:
    """Write ``pkg`` into ``channel/<subdir>/`` as a reproducible ``.tar.bz2``."""
    files = dict(pkg.files) or {f"share/{pkg.name}/VERSION": f"{pkg.version}\n".encode()}
    files.update(dict.fromkeys(pkg.symlinks, b""))
    paths = {
        "paths_version": 1,
        "paths": [_path_entry(pkg, p, b) for p, b in sorted(files.items())],
    }
    info = {
        "info/files": "".join(f"{p}\n" for p in sorted(files)).encode(),
        "info/index.json": json.dumps(_index_json(pkg), indent=2, sort_keys=True).encode(),
        "info/paths.json": json.dumps(paths, indent=2, sort_keys=True).encode(),
    }
    if pkg.entry_points:
        link = {"noarch": {"type": "python", "entry_points": list(pkg.entry_points)}}
        info["info/link.json"] = json.dumps(dict(link, package_metadata_version=1)).encode()
    out = channel / pkg.subdir / pkg.filename
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in sorted(info.items()):
            _member(tar, name, data)
        for name, data in sorted(files.items()):
            _member(tar, name, data, pkg.symlinks.get(name))
    out.write_bytes(bz2.compress(raw.getvalue(), 9))
    return out


def index(channel: Path) -> None:
    """``repodata.json`` for every subdir (and an empty ``noarch/``), via py-rattler.

    py-rattler stamps each record with the time of indexing (``indexed_timestamp``); it is set
    to the package's own timestamp (:data:`MTIME` unless a test says otherwise) and the JSON
    written with sorted keys, so the bytes are reproducible.
    """
    from rattler.index import index_fs

    (channel / "noarch").mkdir(parents=True, exist_ok=True)
    asyncio.run(index_fs(channel, write_zst=False, write_shards=False, force=True))
    shutil.rmtree(channel / ".tmp", ignore_errors=True)
    for repodata in sorted(channel.glob("*/repodata.json")):
        data = json.loads(repodata.read_bytes())
        for key in ("packages", "packages.conda"):
            for record in data.get(key, {}).values():
                if "indexed_timestamp" in record:  # published when built (--as-of tests)
                    record["indexed_timestamp"] = record.get("timestamp", MTIME * 1000)
        repodata.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def build_channel(channel: Path, packages: Iterable[Package]) -> Path:
    for pkg in packages:
        write_package(channel, pkg)
    index(channel)
    return channel


def current_subdir() -> str:
    from rattler.platform.subdir import Subdir

    return str(Subdir.current())


def python_package(version: str = "3.11.0", build: str = "h4616a5c_0") -> Package:
    pyver = ".".join(version.split(".")[:2])
    return Package(
        "python",
        version,
        build,
        depends=("pip",),
        files={
            "bin/python": FAKE_PYTHON.format(pyver=pyver).encode(),
            f"lib/python{pyver}/site-packages/README.txt": b"site-packages\n",
        },
    )


def standard_packages(subdir: str | None = None) -> list[Package]:
    """The packages of conda's golden outputs, a fake python, and arch-specific ones."""
    arch = subdir or current_subdir()
    return [
        Package("alpha", "1.0"),
        Package("alpha", "2.0"),
        Package("alpha", "2.1", "h4616a5c_1", build_number=1),
        Package("beta", "1.5", depends=("alpha >=1.0",)),
        Package("gamma", "0.3", depends=("beta", "alpha <2.1")),
        Package("delta", "3.2.1"),
        Package("pip", "24.0", depends=("python >=3.8",)),
        python_package(),
        Package("epsilon", "1.0", "h1_0", subdir=arch, depends=("alpha",)),
        Package("epsilon", "1.1", "h1_0", subdir=arch, depends=("alpha >=2",)),
        Package("epsilon", "1.1", "h1_1", subdir=arch, depends=("alpha >=2",), build_number=1),
        Package("zeta", "0.1", "cuda12_0", depends=("epsilon",)),
        Package("broken", "1.0", depends=("nosuchdep",)),
    ]


def standard_channel(channel: Path) -> Path:
    return build_channel(channel, standard_packages())
