"""An installed environment on disk: its ``conda-meta`` records, pip packages and variables.

Read as conda reads it, without importing the engine. A record's bulk is its ``files`` and
``paths_data`` (thousands of paths for a big package: 27 MB of ``conda-meta`` in an ML env), which
an export does not need: in a pretty-printed record (conda and py-rattler write them with a
fixed indent) those two values are cut out as bytes before the rest is parsed, ``files`` kept
as JSON text that :attr:`Record.files` parses only when asked. A record of any other layout is
parsed whole.

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
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

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


ANCHOR_ENDS = ("/RECORD", ".egg-info", "/PKG-INFO")  # what a pip package's anchor ends with


@dataclass(frozen=True, init=False)
class Record:
    """A package record as read from ``conda-meta``: the package plus what a clone needs."""

    package: InstalledPackage
    json_path: str  # the record's JSON file (see :attr:`path`)
    site_packages: str | None = None  # python's "python_site_packages_path", when recorded
    # the "files" list, or where its JSON text is while nobody has asked for it (a Span is a
    # tuple too: test for it first)
    files_source: tuple[str, ...] | Span = field(default=(), repr=False)

    def __init__(
        self,
        package: InstalledPackage,
        json_path: str,
        site_packages: str | None = None,
        files_source: tuple[str, ...] | Span = (),
    ) -> None:
        # the fields in one step, as InstalledPackage does (one a record, a thousand a read)
        self.__dict__.update(
            package=package,
            json_path=json_path,
            site_packages=site_packages,
            files_source=files_source,
        )

    @property
    def path(self) -> Path:
        """The record's JSON file (a Path made when asked: an export reads a thousand)."""
        return Path(self.json_path)

    @cached_property
    def files(self) -> tuple[str, ...]:
        """The paths the package installed, relative to the prefix."""
        source = self.files_source
        if not isinstance(source, Span):
            return source
        text = source.raw[source.start : source.end].rstrip().removesuffix(b",")
        try:
            data = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(self.json_path, "corrupt package record (not JSON)") from exc
        return tuple(map(str, data or ()))  # thousands a package: no Python loop

    def anchor_files(self, ends: tuple[str, ...] = ANCHOR_ENDS) -> set[str]:
        """Those of :attr:`files` that end as a python distribution's anchor can (``ends``,
        some of ``*/RECORD``, ``*.egg-info``, ``*/PKG-INFO``): found in the JSON text without
        parsing the rest."""
        source = self.files_source
        if not isinstance(source, Span) or source.raw.find(b"\\", source.start, source.end) != -1:
            return {f for f in self.files if f.endswith(ends)}  # escapes: parse it
        raw, found = source.raw, set()
        for end in ends:
            needle = end.encode() + b'"'
            at = raw.find(needle, source.start, source.end)
            while at != -1:
                start = raw.rfind(b'"', source.start, at) + 1
                found.add(raw[start : at + len(end)].decode("utf-8", "replace"))
                at = raw.find(needle, at + 1, source.end)
        return found


class Span(NamedTuple):
    """Where a JSON value is in a record's bytes."""

    raw: bytes
    start: int
    end: int


def is_env(path: Path) -> bool:
    return (path / "conda-meta" / "history").is_file()


Stamp = tuple[int, ...]


def read_records(prefix: Path, canonical: Callable[[str], str]) -> tuple[Record, ...]:
    """Every package record of ``prefix``, sorted by name; channels through ``canonical``."""
    return read_records_stamped(prefix, canonical)[1]


def read_records_stamped(
    prefix: Path, canonical: Callable[[str], str]
) -> tuple[Stamp, tuple[Record, ...]]:
    """:func:`read_records`, and the :func:`meta_stamp` of what was read, from the same
    ``stat`` calls (a cache of the records compares it with a later :func:`meta_stamp`)."""
    meta = os.path.join(prefix, "conda-meta")
    try:
        stats = [os.stat(meta)]
        names = sorted(n for n in os.listdir(meta) if n.endswith(".json") and n != ".json")
    except FileNotFoundError:
        return (), ()
    except OSError as exc:
        raise InputError(meta, f"cannot read: {exc.strerror}") from exc
    seen: dict[str, str] = {}  # most records share a channel: canonical once each

    def canonical_once(channel: str) -> str:
        if channel not in seen:
            seen[channel] = canonical(channel)
        return seen[channel]

    records: list[Record] = []
    for name in names:
        record = _read_record(os.path.join(meta, name), name[:-5], canonical_once, stats)
        if record is not None:
            records.append(record)
    records.sort(key=lambda r: r.package.name)
    return _stamp(stats), tuple(records)


def meta_stamp(prefix: Path) -> Stamp:
    """What changes when a record in ``prefix/conda-meta`` is added, removed or rewritten: the
    directory's and its newest record's modification times (records are written whole)."""
    meta = os.path.join(prefix, "conda-meta")
    try:
        stats = [os.stat(meta)]
        with os.scandir(meta) as entries:
            stats += [e.stat() for e in entries if e.name.endswith(".json") and e.name != ".json"]
    except OSError:
        return ()
    return _stamp(stats)


def _stamp(stats: list[os.stat_result]) -> Stamp:
    return (len(stats), max(st.st_mtime_ns for st in stats), max(st.st_ctime_ns for st in stats))


def _read_record(
    path: str, stem: str, canonical: Callable[[str], str], stats: list[os.stat_result]
) -> Record | None:
    try:
        raw = _read_bytes(path, stats)
    except OSError as exc:
        raise InputError(path, f"cannot read package record: {exc.strerror}") from exc
    try:
        data, files_json = _parse(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, "corrupt package record (not JSON)") from exc
    if not isinstance(data, dict):
        raise InputError(path, "corrupt package record (not a JSON object)")
    get = data.get
    name, version, build = str(get("name", "")), str(get("version", "")), str(get("build", ""))
    if not name or f"{name}-{version}-{build}" != stem:
        return None  # conda ignores a record whose file name does not match it
    url = str(get("url") or "")
    channel = str(get("channel") or "") or _channel_from_url(url)
    number = get("build_number")
    flags = get("flags")
    package = InstalledPackage(
        name=name.lower(),
        version=version,
        build=build,
        build_number=number if type(number) is int else _int(number),
        channel=canonical(channel) if channel else "",
        subdir=str(get("subdir") or ""),
        url=url,
        depends=tuple(map(str, get("depends") or ())),
        md5=str(get("md5") or ""),
        flags=tuple(map(str, flags)) if flags else (),
    )
    site = get("python_site_packages_path")
    if files_json is None:
        files = get("files") or ()
        source: tuple[str, ...] | Span = tuple(map(str, files)) if files else ()
    else:
        source = files_json
    return Record(
        package=package,
        json_path=path,
        site_packages=str(site) if site else None,
        files_source=source,
    )


def _read_bytes(path: str, stats: list[os.stat_result]) -> bytes:
    """The file's bytes: one ``read`` of the size ``fstat`` gives (no buffered file object,
    no second read for EOF); a file that is shorter or longer than that is read on to EOF.
    The ``fstat`` goes on ``stats``."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        stats.append(st)
        size = st.st_size
        data = os.read(fd, size + 1)
        if len(data) == size:
            return data
        chunks = [data]
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 20))
        return b"".join(chunks)
    finally:
        os.close(fd)


# Records smaller than this are parsed whole: below ~4 KB (tens of files) cutting out ``files``
# and ``paths_data`` costs more than parsing them (measured on conda's and py-rattler's records).
LEAN_FROM = 4096
_TOP_INDENT = re.compile(rb"\s*\{\r?\n([ \t]+)\"")
_BULKY = (b"files", b"paths_data")


def _parse(raw: bytes) -> tuple[object, Span | None]:
    """:func:`_parse_lean`, or for a small record one whole parse when that succeeds (a record
    that does not parse whole may still read lean: a broken ``files`` fails only when asked)."""
    if len(raw) < LEAN_FROM:
        try:  # UTF-8 as conda writes it (json.loads of bytes would guess the encoding first)
            return json.loads(raw.decode()), None
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass
    return _parse_lean(raw)


def _parse_lean(raw: bytes) -> tuple[object, Span | None]:
    """The record's JSON object without ``files`` and ``paths_data``, and where the ``files``
    value is (None when the object was parsed whole, ``files`` included).

    In a pretty-printed object a top-level key starts a line at the first key's indent (a
    string holds no raw newline; deeper lines are indented further), so each bulky value runs
    from its key's line to the next such line (or the closing brace): skipped over in the
    bytes, never copied or parsed (:func:`_inside` says where the search may start). Any other
    layout, or a cut that does not parse, is parsed whole."""
    m = _TOP_INDENT.match(raw)
    if m is not None:
        line = b"\n" + m.group(1) + b'"'
        cuts: list[tuple[int, int]] = []
        files: Span | None = Span(b"[]", 0, 2)
        hint = 0  # paths_data follows files in conda's and py-rattler's records
        for key in _BULKY:
            start = raw.find(line + key + b'":', hint)
            if start == -1 and hint:
                start = raw.find(line + key + b'":', 0, hint)
            if start == -1:
                continue
            end = raw.find(line, _inside(raw, start + len(line) + len(key) + 2, m.group(1)))
            if end == -1:
                end = raw.rfind(b"}")  # the last key
            cuts.append((start, end))
            hint = end
            if key == b"files":
                files = Span(raw, start + len(line) + len(key) + 2, end)
        cuts.sort()
        pieces, at = [], 0
        for start, end in cuts:
            pieces.append(raw[at:start])
            at = end
        pieces.append(raw[at:])
        lean = b"".join(pieces)
        try:
            return json.loads(_no_trailing_comma(lean)), files
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass  # parsed whole below, for the error or for what the cut got wrong
    return json.loads(raw), None


def _inside(raw: bytes, value: int, indent: bytes) -> int:
    """A position inside the bulky value at ``value`` (just after its key's colon) as late as
    can be found cheaply, from where the next top-level key is looked for.

    Searching for a key line (indent then a quote) steps a byte at a time through indentation;
    a line that is only a closing bracket is found with long strides (brackets are rare). So:
    a multi-line list (``files``) ends at the first line of ``indent`` + ``]``; in an object
    (``paths_data``) whose own first or second member is a multi-line ``"paths"`` list, that
    list ends at the first line of two indents + ``]``. Anything else: the value's start."""
    head = raw[value : value + 80]
    newline = b"\r\n" if b"\r\n" in head else b"\n"
    if head.lstrip(b" ").startswith(b"[" + newline):
        close = raw.find(b"\n" + indent + b"]", value)
        return close if close != -1 else value
    inner = newline + indent + indent + b'"paths": [' + newline
    opening = head.find(inner)
    if head.lstrip(b" ").startswith(b"{" + newline) and opening != -1:
        close = raw.find(b"\n" + indent + indent + b"]", value + opening + len(inner))
        return close if close != -1 else value
    return value


def _no_trailing_comma(lean: bytes) -> bytes:
    """``lean`` without the comma a cut of the last key leaves before the closing brace."""
    body = lean.rstrip()
    if body.endswith(b"}"):
        inner = body[:-1].rstrip()
        if inner.endswith(b","):
            return inner[:-1] + b"\n}"
    return lean


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
    anchors = [a for entry in entries if (a := _anchor(entry)) is not None]
    if not anchors:
        return ()
    ends = tuple(e for e in ANCHOR_ENDS if any(a.endswith(e) for a in anchors))
    owned = {f for r in records for f in r.anchor_files(ends)}
    found: dict[str, PipPackage] = {}
    for anchor in anchors:
        if f"{site}/{anchor}" in owned:
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
    with "/" separators; a symlink (to a directory too) is a file. ``conda-meta`` and conda's
    own top-level dirs are skipped. One ``scandir`` a directory, file types from it (no stat)."""
    owned = {f.replace("\\", "/") for r in records for f in r.files}
    todo = [("", str(prefix))]
    while todo:
        rel_root, full = todo.pop()
        files: list[str] = []
        dirs: list[str] = []
        try:
            with os.scandir(full) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append(entry.name)
        except OSError:
            continue  # unreadable: as os.walk, skipped
        if not rel_root:
            files = [n for n in files if n not in NOT_ENV_FILES]
            dirs = [n for n in dirs if n not in NOT_ENV_FILES]
        yield from sorted(rel for rel in (rel_root + n for n in files) if rel not in owned)
        todo.extend((f"{rel_root}{n}/", os.path.join(full, n)) for n in sorted(dirs, reverse=True))
