"""Environment files from git: ``REV:path`` arguments and the files changed since a revision.

Everything goes through ``git`` (via :mod:`envtool.process`), so whatever git understands as a
revision works: ``HEAD~1``, ``origin/main``, a tag, a SHA, ``main@{yesterday}``, and ``:path``
for the staged version. Paths after ``REV:`` are git's: relative to the repository root, or to
the current directory when they start with ``./`` or ``../``.

Which files are environment files is decided by name patterns (:data:`DEFAULT_ENV_PATTERNS`,
replaced by ``env-files`` in a repository's policy; see :mod:`envtool.diff.policy`). A pattern
without ``/`` matches a file's name in any directory; one with ``/`` matches the path from the
repository root, where ``**`` spans directories; ``!`` in front excludes; the last matching pattern
decides; matching ignores case.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from envtool import process
from envtool.errors import BackendError, InputError, ToolNotFoundError, UsageError
from envtool.files import fileio
from envtool.files.fileio import TextFile


def _yml(*stems: str) -> tuple[str, ...]:
    return tuple(f"{stem}.{ext}" for stem in stems for ext in ("yml", "yaml"))


# Names of environment files in the wild (all of ../shared/corpus's are covered; see
# tests/test_gitio.py), then files with such names that are something else.
DEFAULT_ENV_PATTERNS: tuple[str, ...] = (
    *_yml("*environment*", "env", "env[-_.]*", "*[-_.]env"),
    *_yml("conda", "conda[-_.]*", "*.conda", "**/envs/*", "**/environments/*"),
    *("!" + p for p in _yml("*conda-lock", "conda_build_config", "conda-forge")),
    "!.github/workflows/**",
)

ChangeStatus = Literal["added", "deleted", "modified", "renamed"]
_STATUS: dict[str, ChangeStatus] = {
    "A": "added",
    "C": "added",
    "D": "deleted",
    "M": "modified",
    "T": "modified",
    "U": "modified",
    "R": "renamed",
}

_RESERVED_PREFIXES = ("env", "prefix")  # envtool's own env:NAME and prefix:PATH arguments
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class RevPath:
    """A ``REV:path`` argument: ``path`` as git reads it at revision ``rev`` ("" = the index)."""

    rev: str
    path: str

    def __str__(self) -> str:
        return f"{self.rev}:{self.path}"


@dataclass(frozen=True)
class ChangedFile:
    """An environment file that differs between a revision and the work tree.

    Paths are relative to the repository root (as ``git diff`` prints them): ``old_path`` is the
    file at the revision (None when added), ``new_path`` the file in the work tree (None when
    deleted). Read the old side with ``read_at_rev(rev, old_path, cwd)``, the new side at
    ``repo_root(cwd) / new_path``.
    """

    status: ChangeStatus
    old_path: str | None
    new_path: str | None

    @property
    def path(self) -> str:
        """The name to show: the new path, or the old one for a deleted file."""
        return self.new_path or self.old_path or ""


def parse_rev_path(arg: str, cwd: str | os.PathLike[str] | None = None) -> RevPath | None:
    """``arg`` as a ``REV:path`` argument, or None when it names something else.

    A path that exists on disk always wins (a file may have a colon in its name), and so do
    ``-``, Windows paths (``C:\\envs\\ml.yml``) and envtool's ``env:NAME`` / ``prefix:PATH``.
    ``:path`` is the staged version of ``path``, as in git.

    >>> parse_rev_path("HEAD~1:env/ml.yml")
    RevPath(rev='HEAD~1', path='env/ml.yml')
    >>> parse_rev_path("C:\\\\envs\\\\ml.yml") is None
    True
    """
    if arg == "-" or ":" not in arg or _WINDOWS_PATH.match(arg):
        return None
    if _exists(Path(cwd) / arg if cwd is not None else Path(arg)):
        return None
    rev, _, path = arg.partition(":")
    if rev in _RESERVED_PREFIXES:
        return None
    if rev.startswith("-"):
        raise UsageError(f"{arg}: {rev!r} is not a git revision")
    if not path:
        raise UsageError(f"{arg}: name a file after the colon, as in {rev}:environment.yml")
    return RevPath(rev, path)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long or otherwise impossible is not a file on disk
        return False


def read_at_rev(rev: str, path: str, cwd: str | os.PathLike[str] | None = None) -> TextFile:
    """The file ``path`` as it was at git revision ``rev``, decoded like a file on disk.

    The result's ``source`` is ``REV:path``. A bad revision, a path that is not in it, a
    directory, or no repository at all is a one-line :class:`InputError` saying which.
    """
    spec = f"{rev}:{path}"
    if rev.startswith("-"):
        raise UsageError(f"{spec}: {rev!r} is not a git revision")
    result = _git_bytes(["cat-file", "blob", spec], cwd, spec)
    if result.returncode != 0:
        raise _why_unreadable(rev, path, cwd)
    if len(result.stdout) > fileio.MAX_BYTES:
        raise InputError(spec, f"file is larger than {fileio.MAX_BYTES // 2**20} MiB")
    return fileio.decode(result.stdout, spec)


def _why_unreadable(rev: str, path: str, cwd: str | os.PathLike[str] | None) -> InputError:
    spec = f"{rev}:{path}"
    _require_repo(cwd, spec)
    if rev and not _is_revision(rev, cwd):
        return InputError(spec, f"unknown git revision {rev!r}")
    if _git(["cat-file", "-t", spec], cwd).stdout.strip() == "tree":
        return InputError(spec, "is a directory, not an environment file")
    where = f"git revision {rev!r}" if rev else "the git index"
    hint = ""
    subdir = _git(["rev-parse", "--show-prefix"], cwd).stdout.strip()
    if subdir and not path.startswith(("./", "../")):
        hint = f" (paths after REV: start at the repository root; for one here use {rev}:./{path})"
    return InputError(spec, f"no file {path!r} in {where}{hint}")


def repo_root(cwd: str | os.PathLike[str] | None = None) -> Path:
    """The top directory of the work tree that ``cwd`` is in."""
    where = os.fspath(cwd) if cwd is not None else os.getcwd()
    _require_repo(cwd, where)
    return Path(_git(["rev-parse", "--show-toplevel"], cwd).stdout.rstrip("\n"))


def changed_env_files(
    base_rev: str,
    cwd: str | os.PathLike[str] | None = None,
    patterns: Sequence[str] = DEFAULT_ENV_PATTERNS,
) -> list[ChangedFile]:
    """Environment files that differ between ``base_rev`` and the work tree, by path.

    Counts what is committed, staged or only edited since ``base_rev``, renames (matched when
    either name is an environment file's), deletions, and new files whether added to git or
    untracked (but not ignored). For a pull request pass the merge base
    (``git merge-base origin/main HEAD``) so that changes made on the base branch meanwhile
    do not show up reversed.
    """
    _require_revision(base_rev, cwd)
    diff = _git(
        ["diff", "--name-status", "-z", "--find-renames", "--no-relative", "--no-color",
         "--no-ext-diff", "--ignore-submodules", base_rev, "--"],
        cwd,
        check=True,
    ).stdout  # fmt: skip
    untracked = _git(
        ["ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", ":/"],
        cwd,
        check=True,
    ).stdout
    changes = [*_parse_name_status(diff), *(ChangedFile("added", None, p) for p in _z(untracked))]
    found = [
        c
        for c in changes
        if any(p is not None and matches_patterns(p, patterns) for p in (c.old_path, c.new_path))
    ]
    return sorted(found, key=lambda c: c.path)


def env_files_at(
    rev: str,
    cwd: str | os.PathLike[str] | None = None,
    patterns: Sequence[str] = DEFAULT_ENV_PATTERNS,
) -> list[str]:
    """The environment files (paths from the repository root) in revision ``rev``, sorted."""
    _require_revision(rev, cwd)
    listing = _git(
        ["ls-tree", "-r", "-z", "--name-only", "--full-tree", rev], cwd, check=True
    ).stdout
    return sorted(p for p in _z(listing) if matches_patterns(p, patterns))


def _parse_name_status(output: str) -> list[ChangedFile]:
    fields = _z(output)
    changes: list[ChangedFile] = []
    i = 0
    while i < len(fields):
        letter = fields[i][:1]
        status = _STATUS.get(letter, "modified")
        if letter in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            changes.append(ChangedFile(status, old if letter == "R" else None, new))
            i += 3
        else:
            path = fields[i + 1]
            changes.append(
                ChangedFile(
                    status,
                    None if status == "added" else path,
                    None if status == "deleted" else path,
                )
            )
            i += 2
    return changes


def _z(output: str) -> list[str]:
    return [field for field in output.split("\0") if field]


# ------------------------------------------------------------------------------- name patterns


def matches_patterns(path: str, patterns: Sequence[str]) -> bool:
    """Whether ``path`` (relative to the repository root) is an environment file by ``patterns``.

    >>> matches_patterns("ci/environment-py310.yml", DEFAULT_ENV_PATTERNS)
    True
    >>> matches_patterns("conda-lock.yml", DEFAULT_ENV_PATTERNS)
    False
    """
    normal = path.replace("\\", "/").lstrip("/")
    if normal.startswith("./"):
        normal = normal[2:]
    verdict = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if pattern_regex(pattern[1:] if negated else pattern).fullmatch(normal):
            verdict = not negated
    return verdict


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression for one glob pattern (see the module docstring)."""
    glob = pattern.replace("\\", "/")
    anchored = "/" in glob.rstrip("/")
    glob = glob.lstrip("/")
    if glob.endswith("/"):  # a directory: everything under it
        glob += "**"
    out: list[str] = [] if anchored else ["(?:.*/)?"]
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and (end := glob.find("]", i + 2)) != -1:
            body = glob[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out), re.IGNORECASE)


def commit_time(rev: str, cwd: str | os.PathLike[str] | None = None) -> datetime:
    """When revision ``rev`` was committed (``--as-of REV``)."""
    _require_revision(rev, cwd)
    out = _git(["show", "-s", "--format=%cI", f"{rev}^{{commit}}", "--"], cwd).stdout.strip()
    try:
        return datetime.fromisoformat(out)
    except ValueError as exc:
        raise UsageError(f"{rev!r} is not a commit") from exc


# ------------------------------------------------------------------------------------ running git


def _git(
    args: list[str], cwd: str | os.PathLike[str] | None, *, check: bool = False
) -> process.Result:
    try:
        return process.run(["git", *args], cwd=cwd, check=check)
    except ToolNotFoundError as exc:
        raise ToolNotFoundError(f"git is not installed (needed for git inputs): {exc}") from exc


def _git_bytes(
    args: list[str], cwd: str | os.PathLike[str] | None, spec: str
) -> process.BytesResult:
    try:
        return process.run_bytes(["git", *args], cwd=cwd, check=False)
    except ToolNotFoundError as exc:
        raise ToolNotFoundError(f"{spec}: cannot read it: git is not installed") from exc


def _require_repo(cwd: str | os.PathLike[str] | None, what: str) -> None:
    if _git(["rev-parse", "--is-inside-work-tree"], cwd).stdout.strip() != "true":
        where = os.path.abspath(cwd) if cwd is not None else os.getcwd()
        raise BackendError(f"{what}: not inside a git work tree ({where})")


def _require_revision(rev: str, cwd: str | os.PathLike[str] | None) -> None:
    """``rev`` must name a tree in the repository that ``cwd`` is in."""
    _require_repo(cwd, os.fspath(cwd) if cwd is not None else os.getcwd())
    if rev.startswith("-") or not _is_revision(rev, cwd):
        raise UsageError(f"unknown git revision {rev!r}")


def _is_revision(rev: str, cwd: str | os.PathLike[str] | None) -> bool:
    return _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{tree}}"], cwd).returncode == 0
