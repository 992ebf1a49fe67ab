"""A repository's envtool policy, stated once in ``.envtool.toml`` or ``pyproject.toml``.

.. code-block:: toml

    # pyproject.toml                       # .envtool.toml: the same keys, without the header
    [tool.envtool]
    fail-on = ["major", "downgraded", "channel-added", "pip-option-changed"]
    ignore = ["ca-certificates", "openssl"]   # packages a diff leaves out
    ignore-builds = true                      # a diff ignores build-string-only changes
    env-files = ["environment*.yml", "envs/*.yml", "!envs/scratch.yml"]

Where it comes from: the nearest directory, from the starting one (the current directory) up to
the root of the git work tree (or of the file system outside one), that holds ``.envtool.toml``
or a ``pyproject.toml`` with a ``[tool.envtool]`` table. When one directory holds both,
``.envtool.toml`` wins and ``pyproject.toml`` is not read: a file made for envtool alone says
more than a section of a shared one. A ``.envtool.toml`` may use the ``[tool.envtool]`` header
too. Command-line options override the policy (``--fail-on``) or add to it (``--ignore``).

``fail-on`` takes the words of ``diff --fail-on`` (as a list, or one comma-separated string);
``env-files`` replaces the default name patterns of :mod:`envtool.gitio` (same syntax: ``!``
excludes, the last match decides). A policy file that is not valid TOML, has an unknown key or
a value of the wrong type is a one-line error naming the file (exit 2).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envtool.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

FILENAMES = (".envtool.toml", "pyproject.toml")  # in order of precedence within one directory
KEYS = ("fail-on", "ignore", "ignore-builds", "env-files")


@dataclass(frozen=True)
class Policy:
    """What a repository asks of envtool; ``None`` means "not stated, use the default"."""

    source: Path | None = None
    fail_on: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    ignore_builds: bool | None = None
    env_files: tuple[str, ...] | None = None

    @property
    def fail_on_option(self) -> str | None:
        """``fail_on`` as the comma-separated value ``--fail-on`` takes (None: nothing fails)."""
        return ",".join(self.fail_on) if self.fail_on else None


def find_policy_file(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The policy file that applies in ``start`` (default: the current directory), or None."""
    here = Path(start if start is not None else os.getcwd()).resolve()
    for directory in (here, *here.parents):
        envtool_toml = directory / FILENAMES[0]
        if envtool_toml.is_file():
            return envtool_toml
        pyproject = directory / FILENAMES[1]
        if pyproject.is_file() and _has_envtool_table(pyproject):
            return pyproject
        if (directory / ".git").exists():
            break
    return None


def load_policy(start: str | os.PathLike[str] | None = None) -> Policy:
    """The policy that applies in ``start``; an empty :class:`Policy` when there is none."""
    path = find_policy_file(start)
    return read_policy(path) if path is not None else Policy()


def read_policy(path: str | os.PathLike[str]) -> Policy:
    """The policy in ``path`` (a ``.envtool.toml`` or a ``pyproject.toml``)."""
    file = Path(path)
    data = _read_toml(file)
    tool = data.get("tool")
    table: Any = tool.get("envtool") if isinstance(tool, dict) else None
    if file.name == "pyproject.toml":
        table = {} if table is None else table
    elif table is None:
        table = data
    elif set(data) - {"tool"}:
        raise InputError(str(file), "put keys either at the top or under [tool.envtool], not both")
    if not isinstance(table, dict):
        raise InputError(str(file), "[tool.envtool] must be a table")
    return _policy(file, table)


def _policy(file: Path, table: Mapping[str, Any]) -> Policy:
    source = str(file)
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f"; known keys: {', '.join(KEYS)}"
            raise InputError(source, f"unknown key {key!r} in envtool's policy{hint}")
    fail_on = table.get("fail-on")
    if isinstance(fail_on, str):
        fail_on = fail_on.split(",")
    ignore_builds = table.get("ignore-builds")
    if ignore_builds is not None and not isinstance(ignore_builds, bool):
        raise InputError(source, "ignore-builds must be true or false")
    return Policy(
        source=file,
        fail_on=_words(source, "fail-on", fail_on, lower=True) if fail_on is not None else None,
        ignore=_words(source, "ignore", table.get("ignore", [])),
        ignore_builds=ignore_builds,
        env_files=_words(source, "env-files", table["env-files"]) if "env-files" in table else None,
    )


def _words(source: str, key: str, value: object, *, lower: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(source, f"{key} must be a list of strings")
    words = tuple(v.strip().lower() if lower else v.strip() for v in value)
    if any(not w for w in words):
        raise InputError(source, f"{key} has an empty entry")
    return words


def _read_toml(file: Path) -> dict[str, Any]:
    source = str(file)
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InputError(source, "no such file") from exc
    except OSError as exc:
        raise InputError(source, exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(source, "not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise InputError(source, f"invalid TOML: {detail}") from exc


def _has_envtool_table(pyproject: Path) -> bool:
    """Whether ``pyproject`` has ``[tool.envtool]`` (a malformed one is reported, not skipped)."""
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "envtool" not in text:  # the cheap test first: most pyproject.toml files are not ours
        return False
    tool = _read_toml(pyproject).get("tool")
    return isinstance(tool, dict) and "envtool" in tool
