"""An installed environment on disk: its ``conda-meta`` records, pip packages and variables.

Read as conda reads it, without importing the engine: plain JSON is fast enough for a few
hundred records and keeps ``envtool export`` quick.

- A directory is an environment when it has ``conda-meta/history``.
- ``conda-meta/<name>-<version>-<build>.json``: one package record each (a file whose name does
  not match its record is ignored, as conda ignores it).
- pip packages: ``*.dist-info`` (with METADATA and RECORD), ``*.egg-info`` and ``*.egg`` in the
  python package's site-packages that no conda record lists (conda's "anchor files").
- ``conda-meta/state``: ``{"env_vars": {...}}``, the env's variables (``***unset***`` = unset).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from envtool.envs.model import InstalledPackage, PipPackage
from envtool.errors import InputError

UNSET = "***unset***"
# Top-level entries of a prefix that are never an env's own files (conda's walk_prefix), and
# the CACHEDIR.TAG py-rattler puts in every env it makes.
NOT_ENV_FILES = frozenset(
    {
        "conda-meta",
        "pkgs",
        "envs",
        "conda-bld",
        ".conda_lock",
        ".nonadmin",
        ".index",
        ".unionfs",
        "CACHEDIR.TAG",
    }
)


@dataclass(frozen=True)
class Record:
    """A package record as read from ``conda-meta``: the package plus what a clone needs."""

    package: InstalledPackage
    files: tuple[str, ...]
    path: Path  # the record's JSON file
    site_packages: str | None = None  # python's "python_site_packages_path", when recorded


def is_env(path: Path) -> bool:
    return (path / "conda-meta" / "history").is_file()


def read_records(prefix: Path, canonical: Callable[[str], str]) -> tuple[Record, ...]:
    """Every package record of ``prefix``, sorted by name; channels through ``canonical``."""
    meta = prefix / "conda-meta"
    records: list[Record] = []
    try:
        entries = sorted(p for p in meta.iterdir() if p.suffix == ".json")
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise InputError(str(meta), f"cannot read: {exc.strerror}") from exc
    for path in entries:
        record = _read_record(path, canonical)
        if record is not None:
            records.append(record)
    records.sort(key=lambda r: r.package.name)
    return tuple(records)


def _read_record(path: Path, canonical: Callable[[str], str]) -> Record | None:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(str(path), f"cannot read package record: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), "corrupt package record (not JSON)") from exc
    if not isinstance(data, dict):
        raise InputError(str(path), "corrupt package record (not a JSON object)")
    name, version, build = (str(data.get(k, "")) for k in ("name", "version", "build"))
    if not name or f"{name}-{version}-{build}" != path.stem:
        return None  # conda ignores a record whose file name does not match it
    url = str(data.get("url") or "")
    channel = str(data.get("channel") or "") or _channel_from_url(url)
    files = data.get("files") or ()
    package = InstalledPackage(
        name=name.lower(),
        version=version,
        build=build,
        build_number=_int(data.get("build_number")),
        channel=canonical(channel) if channel else "",
        subdir=str(data.get("subdir") or ""),
        url=url,
        depends=tuple(map(str, data.get("depends") or ())),
        md5=str(data.get("md5") or ""),
    )
    site = data.get("python_site_packages_path")
    return Record(
        package=package,
        files=tuple(map(str, files)),  # thousands a package: no Python loop
        path=path,
        site_packages=str(site) if site else None,
    )


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return 0


def _channel_from_url(url: str) -> str:
    """``https://host/chan/linux-64/x-1-0.conda`` → ``https://host/chan/linux-64``."""
    return url.rsplit("/", 1)[0] if "/" in url else ""


# ------------------------------------------------------------------------------------ pip packages


def site_packages_dir(records: Iterable[Record]) -> str | None:
    """The site-packages directory (relative to the prefix) of the env's python, if any."""
    python = next((r for r in records if r.package.name == "python"), None)
    if python is None or not python.package.version:
        return None
    if python.site_packages:
        return python.site_packages.replace("\\", "/")
    if sys.platform == "win32":
        return "Lib/site-packages"
    parts = python.package.version.split(".")
    major_minor = ".".join(parts[:2]) if len(parts) >= 2 else python.package.version
    return f"lib/python{major_minor}/site-packages"


def read_pip(prefix: Path, records: tuple[Record, ...]) -> tuple[PipPackage, ...]:
    """Python distributions in site-packages that no conda record owns, sorted by name."""
    site = site_packages_dir(records)
    if site is None:
        return ()
    directory = prefix / site
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return ()
    owned = {f for r in records for f in r.files if "site-packages" in f}
    found: dict[str, PipPackage] = {}
    for entry in entries:
        anchor = _anchor(entry)
        if anchor is None or f"{site}/{anchor}" in owned:
            continue
        metadata = directory / _metadata_file(anchor)
        if anchor.endswith("/RECORD") and not (directory / anchor).is_file():
            continue  # conda needs both METADATA and RECORD for a .dist-info
        parsed = _read_metadata(metadata)
        if parsed is not None:
            name, version = parsed
            found.setdefault(name, PipPackage(name, version))
    return tuple(found[k] for k in sorted(found))


def _anchor(entry: os.DirEntry[str]) -> str | None:
    name = entry.name
    if name.endswith(".dist-info"):
        return f"{name}/RECORD"
    if name.endswith(".egg-info"):
        return name if entry.is_file() else f"{name}/PKG-INFO"
    if name.endswith(".egg") and entry.is_dir():
        return f"{name}/EGG-INFO/PKG-INFO"
    return None


def _metadata_file(anchor: str) -> str:
    if anchor.endswith("/RECORD"):
        return anchor[: -len("RECORD")] + "METADATA"
    return anchor


_HEADER = re.compile(r"^(Name|Version):\s*(.*?)\s*$", re.IGNORECASE)


def _read_metadata(path: Path) -> tuple[str, str] | None:
    """(name as conda prints it, version) from a METADATA / PKG-INFO file."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            values: dict[str, str] = {}
            for line in fh:
                if not line.strip():
                    break  # the body starts
                m = _HEADER.match(line)
                if m:
                    values.setdefault(m.group(1).lower(), m.group(2))
    except OSError:
        return None
    name, version = values.get("name"), values.get("version")
    if not name or not version:
        return None
    return name.replace(".", "-").replace("_", "-").lower(), version


# --------------------------------------------------------------------------- variables and files


def read_variables(prefix: Path) -> dict[str, str]:
    """The env's variables from ``conda-meta/state`` (what ``conda env config vars`` sets)."""
    path = prefix / "conda-meta" / "state"
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), "corrupt state file (not JSON)") from exc
    env_vars = data.get("env_vars") if isinstance(data, dict) else None
    if not isinstance(env_vars, dict):
        return {}
    return {str(k): str(v) for k, v in env_vars.items() if v != UNSET}


def write_variables(prefix: Path, variables: dict[str, str]) -> None:
    """Record ``variables`` in ``conda-meta/state`` as ``conda env create`` does."""
    if not variables:
        return
    path = prefix / "conda-meta" / "state"
    path.write_text(json.dumps({"env_vars": dict(variables)}, ensure_ascii=False), "utf-8")


def read_history_text(prefix: Path) -> str:
    try:
        return (prefix / "conda-meta" / "history").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise InputError(
            str(prefix / "conda-meta" / "history"), exc.strerror or "unreadable"
        ) from exc


def untracked_files(prefix: Path, records: Iterable[Record]) -> Iterator[str]:
    """Files of ``prefix`` that no package record lists (pip installs, user files), relative
    with "/" separators. ``conda-meta`` and conda's own top-level dirs are skipped."""
    owned = {f.replace("\\", "/") for r in records for f in r.files}
    for root, dirs, files in os.walk(prefix):
        rel_root = os.path.relpath(root, prefix).replace(os.sep, "/")
        if rel_root == ".":
            dirs[:] = [d for d in dirs if d not in NOT_ENV_FILES]
            rel_root = ""
        dirs.sort()
        for name in sorted(files):
            rel = f"{rel_root}/{name}" if rel_root else name
            if rel not in owned and not (rel_root == "" and name in NOT_ENV_FILES):
                yield rel
        for name in dirs:
            full = os.path.join(root, name)
            if os.path.islink(full):
                rel = f"{rel_root}/{name}" if rel_root else name
                if rel not in owned:
                    yield rel
