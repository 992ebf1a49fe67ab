"""conda's configuration, read as conda reads it (DESIGN §4), and conda's env names.

Files on the .condarc search path are read in order, each one a file or a ``condarc.d/``-style
directory of ``*.yml``/``*.yaml`` files; later sources take precedence, and lists merge with the
higher-precedence items first, de-duplicated (conda's ``SequenceParameter``). ``CONDA_<KEY>``
environment variables come last, with the highest precedence. Only the keys envtool needs are
read: ``root_prefix``, ``envs_dirs`` (alias ``envs_path``), ``pkgs_dirs``, ``channels``,
``channel_alias``, ``default_channels``, ``custom_channels`` (a mapping: later sources
override earlier names), ``channel_priority``. As in conda, setting
``CONDA_RESTRICT_RC_SEARCH_PATH`` limits the search path to ``$CONDARC``. Not supported:
``#!final`` / ``#!top`` markers, ``custom_multichannels``. What channel names mean under this
configuration is :mod:`envtool.envs.channel`'s business.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envtool.errors import InputError

DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"
DEFAULT_CHANNELS_UNIX = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")
DEFAULT_CHANNELS_WIN = (*DEFAULT_CHANNELS_UNIX, "https://repo.anaconda.com/pkgs/msys2")
UNKNOWN_CHANNEL = "<unknown>"

SEARCH_PATH = (
    "/etc/conda/.condarc",
    "/etc/conda/condarc",
    "/etc/conda/condarc.d/",
    "/var/lib/conda/.condarc",
    "/var/lib/conda/condarc",
    "/var/lib/conda/condarc.d/",
    "$CONDA_ROOT/.condarc",
    "$CONDA_ROOT/condarc",
    "$CONDA_ROOT/condarc.d/",
    "$XDG_CONFIG_HOME/conda/.condarc",
    "$XDG_CONFIG_HOME/conda/condarc",
    "$XDG_CONFIG_HOME/conda/condarc.d/",
    "~/.config/conda/.condarc",
    "~/.config/conda/condarc",
    "~/.config/conda/condarc.d/",
    "~/.conda/.condarc",
    "~/.conda/condarc",
    "~/.conda/condarc.d/",
    "~/.condarc",
    "$CONDA_PREFIX/.condarc",
    "$CONDA_PREFIX/condarc",
    "$CONDA_PREFIX/condarc.d/",
    "$CONDARC",
)

# Environment variables for list keys, and how their value is split (conda's string_delimiter).
_LIST_VARS = {
    "envs_dirs": (("CONDA_ENVS_DIRS", "CONDA_ENVS_PATH"), os.pathsep),
    "pkgs_dirs": (("CONDA_PKGS_DIRS",), ","),
    "channels": (("CONDA_CHANNELS",), ","),
    "default_channels": (("CONDA_DEFAULT_CHANNELS",), ","),
}
_SCALAR_VARS = {
    "root_prefix": ("CONDA_ROOT_PREFIX",),
    "channel_alias": ("CONDA_CHANNEL_ALIAS",),
    "channel_priority": ("CONDA_CHANNEL_PRIORITY",),
}
_KEY_ALIASES = {"envs_path": "envs_dirs"}

_VAR = re.compile(r"\$(?:(\w+)|\{(\w+)\})")


@dataclass(frozen=True)
class CondaConfig:
    """The configuration values envtool uses, after merging every source."""

    root_prefix: Path | None = None
    envs_dirs: tuple[Path, ...] = ()  # configured first, then <root>/envs, then ~/.conda/envs
    pkgs_dirs: tuple[Path, ...] = ()  # only the configured ones; empty: rattler's default cache
    channels: tuple[str, ...] = ("defaults",)
    channel_alias: str = DEFAULT_CHANNEL_ALIAS
    default_channels: tuple[str, ...] = field(
        default_factory=lambda: (
            DEFAULT_CHANNELS_WIN if sys.platform == "win32" else DEFAULT_CHANNELS_UNIX
        )
    )
    custom_channels: tuple[tuple[str, str], ...] = ()  # (name, location without the name)
    channel_priority: str = "flexible"
    sources: tuple[str, ...] = ()  # the files (and "environment") values came from


# ------------------------------------------------------------------------------------- loading


def load(
    environ: Mapping[str, str] | None = None, *, target_prefix: str | None = None
) -> CondaConfig:
    """The merged configuration. ``target_prefix`` replaces ``$CONDA_PREFIX`` on the search path
    (conda does the same when a command names its env with ``-n``/``-p``)."""
    env = dict(os.environ if environ is None else environ)
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    exe_root = _root_from_conda_exe(env.get("CONDA_EXE"))
    expand_env = dict(env)
    if not expand_env.get("CONDA_ROOT") and exe_root is not None:
        expand_env["CONDA_ROOT"] = str(exe_root)
    if target_prefix is not None:
        expand_env["CONDA_PREFIX"] = target_prefix

    layers: list[tuple[str, dict[str, Any]]] = []
    for path in _rc_files(expand_env, home):
        layers.append((str(path), _read_rc(path)))
    layers.append(("environment", _from_environment(env)))

    scalars: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    custom: dict[str, str] = {}
    for _source, data in layers:
        for key, value in data.items():
            key = _KEY_ALIASES.get(key, key)
            if key == "custom_channels" and isinstance(value, dict):
                custom.update({str(k): str(v).rstrip("/") for k, v in value.items() if v})
            elif key in _LIST_VARS and isinstance(value, list):
                # Higher precedence (later) sources go first; duplicates keep the first place.
                lists[key] = _unique([str(v) for v in value if v is not None] + lists.get(key, []))
            elif key in _SCALAR_VARS and isinstance(value, (str, int, float, bool)):
                scalars[key] = str(value)

    def expand(p: str) -> Path:
        p = _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), p)
        if p == "~" or p.startswith(("~/", "~\\")):
            return home / p[2:]
        return Path(p)

    root: Path | None = None
    if scalars.get("root_prefix"):
        root = expand(scalars["root_prefix"])
    elif env.get("CONDA_ROOT"):
        root = expand(env["CONDA_ROOT"])
    else:
        root = exe_root

    envs = [expand(p) for p in lists.get("envs_dirs", [])]
    if root is not None:
        envs.append(root / "envs")
    envs.append(home / ".conda" / "envs")

    base = CondaConfig()
    return CondaConfig(
        root_prefix=absolute_path(root) if root is not None else None,
        envs_dirs=tuple(_unique_paths(absolute_path(p) for p in envs)),
        pkgs_dirs=tuple(
            _unique_paths(absolute_path(expand(p)) for p in lists.get("pkgs_dirs", []))
        ),
        # a list configured empty (`channels: []`) is empty, as in conda; unset: the default
        channels=tuple(lists.get("channels", base.channels)),
        channel_alias=(scalars.get("channel_alias") or base.channel_alias).rstrip("/"),
        default_channels=tuple(
            c.rstrip("/") for c in lists.get("default_channels", base.default_channels)
        ),
        custom_channels=tuple(sorted(custom.items())),
        channel_priority=scalars.get("channel_priority", base.channel_priority).lower(),
        sources=tuple(source for source, data in layers if data),
    )


def _root_from_conda_exe(exe: str | None) -> Path | None:
    """The install a ``CONDA_EXE`` points into: ``/opt/conda/bin/conda`` → ``/opt/conda``."""
    if not exe:
        return None
    path = Path(exe)
    parent = path.parent
    if parent.name.lower() in ("bin", "scripts", "condabin", "library"):
        parent = parent.parent
        if parent.name.lower() == "library":  # Windows: <root>\Library\bin\conda.bat
            parent = parent.parent
    return parent


def _rc_files(environ: Mapping[str, str], home: Path) -> Iterator[Path]:
    # conda's own switch: with CONDA_RESTRICT_RC_SEARCH_PATH set only $CONDARC is read
    search = ("$CONDARC",) if "CONDA_RESTRICT_RC_SEARCH_PATH" in environ else SEARCH_PATH
    for entry in search:
        path = _expand_search_entry(entry, environ, home)
        if path is None:
            continue
        if path.is_file():
            yield path
        elif path.is_dir() and (entry.endswith("/") or entry == "$CONDARC"):
            yield from sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix in (".yml", ".yaml")
            )


def _expand_search_entry(entry: str, environ: Mapping[str, str], home: Path) -> Path | None:
    if entry.startswith("~"):
        return home / entry[2:]
    if entry.startswith("$"):
        var, _, rest = entry[1:].partition("/")
        value = environ.get(var)
        if not value:
            return None  # conda leaves "$VAR/..." unexpanded, a path that never exists
        return Path(value) / rest if rest else Path(value)
    return Path(entry)


def _read_rc(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read conda configuration: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "conda configuration is not UTF-8 text") from exc
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # a safe loader: .condarc values are typed
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            str(path),
            f"invalid conda configuration: {getattr(exc, 'problem', None) or 'invalid YAML'}",
            mark.line + 1 if mark is not None else None,
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(str(path), "invalid conda configuration: expected a mapping")
    return {str(k): v for k, v in data.items()}


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, (names, sep) in _LIST_VARS.items():
        for name in names:
            value = environ.get(name)
            if value:
                data[key] = [v.strip() for v in value.split(sep) if v.strip()]
                break
    for key, names in _SCALAR_VARS.items():
        for name in names:
            value = environ.get(name)
            if value:
                data[key] = value
                break
    return data


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_paths(paths: Iterable[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def absolute_path(path: str | Path) -> Path:
    """``path`` with ``~`` expanded, made absolute (links are not resolved)."""
    return Path(os.path.abspath(os.path.expanduser(path)))


def same_path(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one place: the same absolute path, or the same file."""
    if absolute_path(a) == absolute_path(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# -------------------------------------------------------------------------------------- env names


def writable_dir(path: Path) -> bool:
    """conda's test for an envs or pkgs dir: an existing writable dir, or one it can create
    under a writable ancestor."""
    if path.is_dir():
        return os.access(path, os.W_OK | os.X_OK)
    if os.path.lexists(path):
        return False  # a file (or a dangling link) where the dir should be
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)


def env_name(prefix: Path, config: CondaConfig) -> str | None:
    """conda's name for the env at ``prefix``: ``base`` for the root, the directory's name when it
    sits in an envs dir, else None (conda then uses the path)."""
    return env_name_in(prefix, config.root_prefix, config.envs_dirs)


def env_name_in(prefix: Path, root_prefix: Path | None, envs_dirs: Iterable[Path]) -> str | None:
    """:func:`env_name` for any tool's root prefix and envs dirs (conda's, mamba's, ...)."""
    prefix = absolute_path(prefix)
    if root_prefix is not None and same_path(prefix, root_prefix):
        return "base"
    for envs_dir in envs_dirs:
        if same_path(prefix.parent, envs_dir):
            return prefix.name
    return None
