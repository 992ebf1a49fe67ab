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

``fail-on`` takes the words of ``diff --fail-on`` (as a list, or one comma-separated string),
checked when the file is read; ``env-files`` replaces the default name patterns of
:mod:`envtool.files.gitio` (same syntax: ``!`` excludes, the last match decides). A policy file that
is not valid TOML, has an unknown key, a value of the wrong type, or a ``fail-on`` word envtool
does not know is a one-line error naming the file (exit 2). ``ignore-builds = true`` can be
turned off for one run with ``--no-ignore-builds``, ``fail-on`` with ``--fail-on none``.

The ``--fail-on`` words live here too (:func:`parse_fail_on`, :class:`FailPolicy`): which
changes of an :class:`~envtool.diff.model.EnvDiff` a repository does not accept.

>>> from envtool.diff.compare import diff
>>> from envtool.files.envfile import parse
>>> old = parse("channels: [conda-forge]\\ndependencies: [numpy=1.26.4, openssl=3.0.12]")
>>> new = parse("channels: [conda-forge, pytorch]\\ndependencies: [numpy=2.0.0, openssl=3.0.13]")
>>> [c.name for c in parse_fail_on("major,channel").failures(diff(old, new))]
['pytorch', 'numpy']
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envtool.diff.model import KINDS, SIZES
from envtool.errors import InputError, UsageError

if TYPE_CHECKING:
    from envtool.diff.model import Change, EnvDiff

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
            import difflib

            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f"; known keys: {', '.join(KEYS)}"
            raise InputError(source, f"unknown key {key!r} in envtool's policy{hint}")
    fail_on = table.get("fail-on")
    if isinstance(fail_on, str):
        fail_on = fail_on.split(",")
    ignore_builds = table.get("ignore-builds")
    if ignore_builds is not None and not isinstance(ignore_builds, bool):
        raise InputError(source, "ignore-builds must be true or false")
    words = _words(source, "fail-on", fail_on, lower=True) if fail_on is not None else None
    if words:
        parse_fail_on(words, source=source)  # an unknown word is this file's error, not later
    return Policy(
        source=file,
        fail_on=words,
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
    if sys.version_info >= (3, 11):  # imported here: most runs find no policy file to read
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

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


# ``[tool.envtool]``, ``[tool.envtool.x]``, ``tool.envtool.key = ...``, or ``envtool = {`` /
# ``envtool.key =`` under ``[tool]``: every TOML spelling of the table, with quotes or not (and
# ``envtool = <not a string>``, to report it); not ``envtool = "..."``, a script entry point.
_MENTIONS_TABLE = (
    r"""(?m)\btool["']?\s*\.\s*["']?envtool\b|^\s*["']?envtool["']?\s*(?:\.|=\s*[^\s"'])"""
)


def _has_envtool_table(pyproject: Path) -> bool:
    """Whether ``pyproject`` has ``[tool.envtool]`` (a malformed one is reported, not skipped)."""
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if not re.search(_MENTIONS_TABLE, text):  # the cheap test first: most pyproject.toml files
        return False  # are not ours (and those that name envtool mostly depend on it)
    tool = _read_toml(pyproject).get("tool")
    return isinstance(tool, dict) and "envtool" in tool


# ------------------------------------------------------------------------------- --fail-on words

ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("channel-added", "channel-removed", "channel-reordered", "channel-changed"),
    "downgrade": ("downgraded",),
}
# Kinds and sizes (DESIGN §5), "any", "risky" (what reports call out), "none" (nothing fails:
# the way to override a repository's fail-on for one run), and the aliases.
POLICY_WORDS: tuple[str, ...] = (*KINDS, *SIZES, "any", "risky", "none", *ALIASES)


@dataclass(frozen=True)
class FailPolicy:
    """The words of ``--fail-on``: kinds, sizes, aliases, ``risky``, ``any`` (or ``none``)."""

    words: tuple[str, ...]
    _kinds: frozenset[str] = field(default=frozenset(), repr=False)

    def matches(self, change: Change) -> bool:
        if "any" in self.words:
            return True
        if change.kind in self._kinds or (change.size is not None and change.size in self.words):
            return True
        return "risky" in self.words and bool(change.risks)

    def failures(self, result: EnvDiff) -> tuple[Change, ...]:
        """The changes that break the policy (none: the diff passes)."""
        return tuple(c for c in result.changes if self.matches(c))

    def reason(self, change: Change) -> str:
        """The word that ``change`` matched: its size when that is a word, else its kind."""
        if change.size is not None and change.size in self.words:
            return change.size
        if "risky" in self.words and change.risks and change.kind not in self._kinds:
            return "risky"
        return change.kind

    def __str__(self) -> str:
        return ",".join(self.words)


def parse_fail_on(value: str | Iterable[str], *, source: str | None = None) -> FailPolicy:
    """Parse ``--fail-on major,channel-added,downgraded`` (or a list, as a policy file has it).

    With ``source`` (the policy file the words come from) a bad word is that file's
    :class:`~envtool.errors.InputError`, else a usage error of ``--fail-on``.

    >>> parse_fail_on("Major, channel").words
    ('major', 'channel')
    >>> parse_fail_on("none").words
    ()
    >>> parse_fail_on("majro")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    envtool.errors.UsageError: --fail-on: unknown word 'majro'; valid words: added, removed, ...
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    words = tuple(dict.fromkeys(w.strip().lower() for w in items if w.strip()))
    what = "fail-on" if source is not None else "--fail-on"

    def error(message: str) -> Exception:
        return InputError(source, message) if source is not None else UsageError(message)

    if not words:
        raise error(f"{what} needs at least one of: {', '.join(POLICY_WORDS)}")
    unknown = [w for w in words if w not in POLICY_WORDS]
    if unknown:
        listed = ", ".join(repr(w) for w in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise error(
            f"{what}: unknown word{plural} {listed}; valid words: {', '.join(POLICY_WORDS)}"
        )
    if "none" in words:
        if len(words) > 1:
            raise error(f"{what}: 'none' (nothing fails) cannot go with other words")
        return FailPolicy(())
    kinds = {k for w in words for k in ALIASES.get(w, (w,)) if k in KINDS}
    return FailPolicy(words, frozenset(kinds))
