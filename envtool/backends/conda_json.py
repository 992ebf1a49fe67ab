"""What conda, mamba and micromamba print, typed: ``--json`` documents as TypedDicts, then
envtool's own values. Pure functions of text; nothing here runs a tool.

Each ``parse_*`` checks the shape it relies on and raises :class:`BackendError` with one line
(``conda list --json: unexpected output: ...``) for anything else, never a ``KeyError``. What
the tools print as text (an ``@EXPLICIT`` list, tables, errors) is parsed in
:mod:`.conda_text`; mamba 2.0's ``env export --json``, which printed YAML, is read as an
environment file.

Shapes, as the tools' sources write them:

- ``list --json``: a list of ``PackageRecord.dist_fields_dump()`` (conda ``models/records.py``):
  ``base_url``, ``build_number``, ``build_string``, ``channel`` (the channel's *name*, e.g.
  ``pkgs/main`` — not the canonical name an export prints), ``dist_name``, ``name``,
  ``platform`` (the subdir), ``version``; micromamba 2 adds ``url`` and ``md5``. pip-installed
  packages have ``channel: pypi`` and ``build_string: pypi_0``.
- ``env export --json``: the environment file as JSON; pip packages as ``{"pip": [...]}``.
- ``info --json``: conda's ``root_prefix``/``envs_dirs``/``active_prefix``; micromamba's
  ``base environment``, ``envs_dirs`` (older: ``envs directories``), ``env location``.
- ``env list --json``: ``{"envs": [prefix, ...]}``; conda >= 25 adds ``envs_details``.
- ``create --json``: ``{"success": true, "prefix": ..., "actions": {"LINK": [...]}}``;
  ``env create --dry-run --json`` (conda): the solved file, dependencies as
  ``channel/subdir::name==version=build``.
- errors: see :mod:`.conda_errors`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, cast

from envtool.envs.condaconfig import env_name_in
from envtool.envs.model import EnvLocation, InstalledPackage, PipPackage
from envtool.errors import BackendError, InputError
from envtool.files.envfile import EnvFile, make_conda_dep, make_pip_dep
from envtool.spec import normalize_pip_name

# ------------------------------------------------------------------------------------ TypedDicts


class _ListEntryBase(TypedDict):
    base_url: str
    build_number: int
    build_string: str
    channel: str
    dist_name: str
    name: str
    platform: str
    version: str


class ListEntry(_ListEntryBase, total=False):
    """One package of ``list --json``."""

    url: str  # micromamba >= 2
    md5: str  # micromamba >= 2


class PipSection(TypedDict):
    pip: list[str]


class _ExportBase(TypedDict):
    dependencies: list[str | PipSection]


class ExportDoc(_ExportBase, total=False):
    """``env export --json``."""

    name: str
    channels: list[str]
    variables: dict[str, str]
    prefix: str


class EnvDetail(TypedDict, total=False):
    name: str
    base: bool
    active: bool
    frozen: bool


class _EnvListBase(TypedDict):
    envs: list[str]


class EnvListDoc(_EnvListBase, total=False):
    """``env list --json``."""

    envs_details: dict[str, EnvDetail]


@dataclass(frozen=True)
class ToolInfo:
    """The parts of ``info --json`` envtool uses, whichever tool printed it."""

    root_prefix: Path | None
    envs_dirs: tuple[Path, ...]
    active_prefix: Path | None
    platform: str = ""
    version: str = ""


# ------------------------------------------------------------------------------------ JSON text


def extract_json(text: str, what: str) -> Any:
    """The JSON document in a tool's standard output.

    conda may print notices or warnings around it, so when the whole text is not JSON the first
    ``{`` or ``[`` that starts a line and decodes is taken.
    """
    stripped = text.strip()
    if not stripped:
        raise BackendError(f"{what}: no output (expected JSON)")
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^[ \t]*[\[{]", text, re.MULTILINE):
        start = match.end() - 1
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        return value
    first = stripped.splitlines()[0][:80]
    raise BackendError(f"{what}: unexpected output (expected JSON): {first!r}")


def _bad(what: str, detail: str) -> BackendError:
    return BackendError(f"{what}: unexpected output: {detail}")


def _mapping(value: Any, what: str, where: str = "the document") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(what, f"{where} is not a JSON object")
    return value


def _str(data: Mapping[str, Any], key: str, what: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        shown = "missing" if value is None else f"a {type(value).__name__}"
        raise _bad(what, f"{key!r} is {shown}, expected text")
    return value


def _str_list(value: Any, what: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(what, f"{key!r} is not a list of strings")
    return list(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


# -------------------------------------------------------------------------------------- list


def parse_list(data: Any, what: str) -> list[ListEntry]:
    """``list --json``: every record, checked."""
    if not isinstance(data, list):
        raise _bad(what, "expected a list of packages")
    entries: list[ListEntry] = []
    for index, raw in enumerate(data):
        item = _mapping(raw, what, f"item {index}")
        entry: ListEntry = {
            "base_url": _str(item, "base_url", what, required=False),
            "build_number": _int(item.get("build_number")),
            "build_string": _str(item, "build_string", what),
            "channel": _str(item, "channel", what, required=False),
            "dist_name": _str(item, "dist_name", what, required=False),
            "name": _str(item, "name", what),
            "platform": _str(item, "platform", what, required=False),
            "version": _str(item, "version", what),
        }
        for key in ("url", "md5"):
            if isinstance(item.get(key), str):
                entry[key] = item[key]
        entries.append(entry)
    return entries


def is_pip_entry(entry: ListEntry) -> bool:
    """A package that pip installed (conda lists those with channel ``pypi``)."""
    return (
        entry["channel"] == "pypi"
        or entry["platform"] == "pypi"
        or entry["build_string"].startswith("pypi_")
    )


def package_channel(
    entry: ListEntry, known: Collection[str], canonical: Callable[[str], str]
) -> str:
    """The channel of ``entry`` as the tool's export names it.

    ``canonical`` maps the record's base URL with envtool's reading of conda's configuration
    (DESIGN §4). When the tool's own export names a channel differently (a ``custom_channels``
    entry, a mirror), the name the tool printed wins: ``known`` is its export's channel list.
    """
    base_url = entry["base_url"].rstrip("/")
    mapped = canonical(base_url) if base_url else ""
    if mapped and mapped in known:
        return mapped
    for candidate in (entry["channel"], base_url):
        if candidate and candidate in known:
            return candidate
    return mapped or entry["channel"]


def to_packages(
    entries: Iterable[ListEntry],
    channel: Callable[[ListEntry], str],
    records: Mapping[str, InstalledPackage] | None = None,
) -> tuple[InstalledPackage, ...]:
    """conda packages (pip's left out) as envtool's records, sorted by name.

    ``records`` (by ``name-version-build``) adds what ``list --json`` does not print —
    dependencies, and the URL and md5 where the tool leaves them out — from ``conda-meta``.
    """
    records = records or {}
    out: list[InstalledPackage] = []
    for entry in entries:
        if is_pip_entry(entry):
            continue
        name = entry["name"].lower()
        dist = f"{name}-{entry['version']}-{entry['build_string']}"
        record = records.get(dist)
        out.append(
            InstalledPackage(
                name=name,
                version=entry["version"],
                build=entry["build_string"],
                build_number=entry["build_number"],
                channel=channel(entry),
                subdir=entry["platform"],
                url=entry.get("url") or (record.url if record else ""),
                depends=record.depends if record else (),
                md5=entry.get("md5") or (record.md5 if record else ""),
            )
        )
    out.sort(key=lambda p: p.name)
    return tuple(out)


def pip_from_list(entries: Iterable[ListEntry]) -> tuple[PipPackage, ...]:
    found = {normalize_pip_name(e["name"]): e["version"] for e in entries if is_pip_entry(e)}
    return tuple(PipPackage(n, found[n]) for n in sorted(found))


# ------------------------------------------------------------------------------------ export


def parse_export(data: Any, what: str) -> ExportDoc:
    """``env export --json``, checked."""
    doc = _mapping(data, what)
    raw_deps = doc.get("dependencies")
    if raw_deps is None:
        raw_deps = []
    if not isinstance(raw_deps, list):
        raise _bad(what, "'dependencies' is not a list")
    deps: list[str | PipSection] = []
    for item in raw_deps:
        if isinstance(item, str):
            deps.append(item)
        elif isinstance(item, dict) and set(item) == {"pip"}:
            deps.append({"pip": _str_list(item["pip"], what, "pip")})
        else:
            raise _bad(what, f"dependency {item!r} is neither a spec nor a pip list")
    out: ExportDoc = {"dependencies": deps}
    if doc.get("name") is not None:
        out["name"] = str(doc["name"])
    if doc.get("prefix") is not None:
        out["prefix"] = str(doc["prefix"])
    if doc.get("channels") is not None:
        out["channels"] = _str_list(doc["channels"], what, "channels")
    variables = doc.get("variables")
    if variables is not None:
        if not isinstance(variables, dict):
            raise _bad(what, "'variables' is not a mapping")
        out["variables"] = {str(k): "" if v is None else str(v) for k, v in variables.items()}
    return out


def export_from_text(text: str, what: str) -> ExportDoc:
    """An export printed as YAML (mamba 2.0 ignored ``--json`` for ``env export``)."""
    from envtool.files.envfile import parse, to_data

    try:
        env = parse(text, what)
    except InputError as exc:
        raise _bad(what, f"neither JSON nor an environment file ({exc.reason})") from exc
    return parse_export(to_data(env), what)


def export_to_envfile(doc: ExportDoc) -> EnvFile:
    """The environment file an export document describes (as :func:`envfile.parse` reads it)."""
    conda: list[str] = []
    pip: list[str] | None = None
    for item in doc["dependencies"]:
        if isinstance(item, str):
            conda.append(item)
        else:
            pip = [*(pip or []), *item["pip"]]
    return EnvFile(
        name=doc.get("name"),
        channels=tuple(doc.get("channels", ())),
        conda=tuple(make_conda_dep(d) for d in conda),
        pip=tuple(make_pip_dep(p) for p in pip) if pip is not None else None,
        variables=dict(doc.get("variables", {})),
        prefix=doc.get("prefix"),
    )


def export_specs(doc: ExportDoc) -> tuple[str, ...]:
    """The conda dependency lines of an export (with ``--from-history``: requested specs)."""
    return tuple(d for d in doc["dependencies"] if isinstance(d, str))


def export_pip(doc: ExportDoc) -> tuple[PipPackage, ...] | None:
    """The pip section as packages (``name==version`` lines), or None without a pip section."""
    sections = [d["pip"] for d in doc["dependencies"] if not isinstance(d, str)]
    if not sections:
        return None
    found: dict[str, str] = {}
    for line in (line for section in sections for line in section):
        name, sep, version = line.partition("==")
        if sep and name.strip() and version.strip():
            found.setdefault(normalize_pip_name(name.strip()), version.strip())
    return tuple(PipPackage(n, found[n]) for n in sorted(found))


# -------------------------------------------------------------------------------------- info


def parse_info(data: Any, what: str) -> ToolInfo:
    """``info --json`` of conda or micromamba."""
    doc = _mapping(data, what)

    def path(*keys: str) -> Path | None:
        for key in keys:
            value = doc.get(key)
            if isinstance(value, str) and value.strip() and value.strip() not in ("-", "None"):
                return Path(value.strip())
        return None

    envs_dirs: list[Path] = []
    for key in ("envs_dirs", "envs directories"):
        if key in doc:
            envs_dirs = [Path(p) for p in _str_list(doc[key], what, key)]
            break
    root = path("root_prefix", "base environment")
    if root is None:
        raise _bad(what, "no root prefix ('root_prefix' or 'base environment')")
    version = ""
    for key in ("conda_version", "micromamba version", "mamba_version", "libmamba version"):
        if isinstance(doc.get(key), str):
            version = doc[key]
            break
    return ToolInfo(
        root_prefix=root,
        envs_dirs=tuple(envs_dirs),
        active_prefix=path("active_prefix", "env location"),
        platform=str(doc.get("platform") or ""),
        version=version,
    )


# ------------------------------------------------------------------------------------- envs


def env_name(prefix: Path, info: ToolInfo) -> str | None:
    """conda's name for the env at ``prefix``: ``base``, its dir name in an envs dir, or None
    (the rule of :func:`envtool.envs.condaconfig.env_name`, with the tool's own dirs)."""
    return env_name_in(prefix, info.root_prefix, info.envs_dirs)


def parse_env_list(data: Any, what: str) -> EnvListDoc:
    """``env list --json``, checked."""
    doc = _mapping(data, what)
    if "envs" not in doc:
        raise _bad(what, "no 'envs' list")
    out: EnvListDoc = {"envs": _str_list(doc["envs"], what, "envs")}
    details = doc.get("envs_details")
    if isinstance(details, dict):
        out["envs_details"] = {
            str(k): cast(EnvDetail, v) for k, v in details.items() if isinstance(v, dict)
        }
    return out


def env_locations(doc: EnvListDoc, info: ToolInfo) -> tuple[EnvLocation, ...]:
    """The listed envs, each named by conda's rule (or the tool's ``envs_details`` name)."""
    details = doc.get("envs_details", {})
    out: list[EnvLocation] = []
    for text in dict.fromkeys(doc["envs"]):
        prefix = Path(text)
        name = details.get(text, {}).get("name") or env_name(prefix, info)
        out.append(EnvLocation(prefix, name if name else None))
    return tuple(out)


# --------------------------------------------------------------------------- create and dry run

_SOLVED = re.compile(
    r"^(?:(?P<channel>.+?)/(?P<subdir>[^/:]+)::)?(?P<name>[^=\s]+)==?(?P<version>[^=\s]+)=(?P<build>\S+)$"
)


def solved_packages(
    data: Any, what: str, canonical: Callable[[str], str]
) -> tuple[InstalledPackage, ...]:
    """What a dry run (or a create) says it installs, sorted by name.

    conda's ``env create --dry-run --json`` prints the solved file (dependencies as
    ``channel/subdir::name==version=build``); ``create --json`` of every tool prints
    ``actions.LINK`` records (conda: list-style fields; mamba 2: full repodata records).
    """
    doc = _mapping(data, what)
    out: dict[str, InstalledPackage] = {}
    actions = doc.get("actions")
    if isinstance(actions, dict) and "LINK" in actions:
        links = actions["LINK"]
        if not isinstance(links, list):
            raise _bad(what, "'actions.LINK' is not a list")
        for raw in links:
            package = _link_package(_mapping(raw, what, "a LINK action"), what, canonical)
            out[package.name] = package
    elif "dependencies" in doc:
        for dep in parse_export(doc, what)["dependencies"]:
            if not isinstance(dep, str):
                continue
            match = _SOLVED.match(dep.strip())
            if match is None:
                raise _bad(
                    what, f"solved package {dep!r} is not channel/subdir::name==version=build"
                )
            channel = match.group("channel") or ""
            out[match.group("name").lower()] = InstalledPackage(
                name=match.group("name").lower(),
                version=match.group("version"),
                build=match.group("build"),
                channel=canonical(channel) if channel else "",
                subdir=match.group("subdir") or "",
            )
    elif doc.get("success") is True or doc.get("dry_run") is True:
        return ()  # nothing to do
    else:
        raise _bad(what, "neither 'actions' nor 'dependencies'")
    return tuple(out[k] for k in sorted(out))


def _link_package(
    item: dict[str, Any], what: str, canonical: Callable[[str], str]
) -> InstalledPackage:
    name = _str(item, "name", what).lower()
    version = _str(item, "version", what)
    build = str(item.get("build_string") or item.get("build") or "")
    subdir = str(item.get("platform") or item.get("subdir") or "")
    url = str(item.get("url") or "")
    base = str(item.get("base_url") or "")
    if not base and url:
        base = url.rsplit("/", 2)[0] if url.count("/") >= 3 else ""
    if not base:
        base = str(item.get("channel") or "")
    depends = item.get("depends")
    return InstalledPackage(
        name=name,
        version=version,
        build=build,
        build_number=_int(item.get("build_number")),
        channel=canonical(base) if base else "",
        subdir=subdir,
        url=url,
        depends=tuple(str(d) for d in depends) if isinstance(depends, list) else (),
        md5=str(item.get("md5") or ""),
    )
