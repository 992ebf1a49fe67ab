"""Diff operations: resolve what OLD and NEW name, compare them, return an EnvDiff (or DiffSet).

The one place that knows what a diff argument may name (:func:`load_side`): ``-`` (standard
input), a file (a path that exists always wins, and so does a Windows path such as
``C:\\envs\\ml.yml``), ``env:NAME`` and ``prefix:PATH`` (an installed environment, read through
the ``--backend`` engine), or ``REV:path`` (a file in git, e.g. ``origin/main:environment.yml``).

:func:`compare` picks the question: two files (or two envs) → :func:`envtool.diff.compare.diff`;
a file and an installed env → :func:`envtool.diff.drift.drift`. :func:`diff_base` compares every
environment file changed since a git revision. Nothing here prints or chooses an exit code:
that is ``commands/diff.py``'s business.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from envtool import locks
from envtool.diff.compare import channel_key, channel_keys, diff
from envtool.diff.model import DiffSet, EnvDiff, FileDiff
from envtool.errors import EnvtoolError, InputError, UsageError
from envtool.files import envfile, fileio

if TYPE_CHECKING:
    from envtool.diff.policy import FailPolicy
    from envtool.envs.model import InstalledEnv
    from envtool.ui import Console

_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_LIVE = re.compile(r"^(env|prefix):(.*)$", re.DOTALL)
_EXAMPLE = {"env": "ml", "prefix": "/opt/conda/envs/ml"}


class Side:
    """One side of a diff: an environment file, or an installed environment, and its label.

    ``env`` is the file (for an installed env: its export, as ``conda env export`` would write
    it, channels being those its packages came from); ``installed`` the records of an
    installed env (None for a file); ``path`` the file on disk or in git (None for stdin and
    installed envs). (A plain class, not a dataclass: making one costs a diff's start-up
    ~1 ms, and a Side is only made and read.)
    """

    __slots__ = ("env", "installed", "label", "path")

    def __init__(
        self,
        env: envfile.EnvFile,
        label: str,
        path: str | None = None,
        installed: InstalledEnv | None = None,
    ) -> None:
        self.env, self.label, self.path, self.installed = env, label, path, installed

    def __repr__(self) -> str:
        return f"Side({self.label!r}, path={self.path!r}, live={self.live})"

    @property
    def live(self) -> bool:
        return self.installed is not None


def load_side(arg: str, *, backend: str = "auto", console: Console | None = None) -> Side:
    """Resolve an OLD/NEW argument (see the module docstring for the forms)."""
    if arg == "-" or _is_path(arg):
        env = locks.load_env(arg)
        return Side(env, env.source, None if arg == "-" else arg)
    live = _LIVE.match(arg)
    if live:
        kind, value = live.group(1), live.group(2)
        if not value:
            what = "an environment name" if kind == "env" else "a path"
            raise UsageError(f"{arg}: name {what} after the colon, as in {kind}:{_EXAMPLE[kind]}")
        installed = read_installed(
            name=value if kind == "env" else None,
            prefix=value if kind == "prefix" else None,
            backend=backend,
            console=console,
        )
        return installed_side(installed, arg)
    from envtool.files import gitio

    rev_path = gitio.parse_rev_path(arg)
    if rev_path is None:  # pragma: no cover - parse_rev_path declines only what is handled above
        raise InputError(arg, "no such file")
    tf = gitio.read_at_rev(rev_path.rev, rev_path.path)
    return Side(locks.read_env(tf), tf.source, rev_path.path)


def installed_side(installed: InstalledEnv, label: str) -> Side:
    """An installed env as a side of a diff, named ``label`` (``env:ml``, ``prefix:/x``)."""
    from envtool.envs.export import to_envfile

    # Only the channels packages came from: conda's export appends the configured ones,
    # which a comparison must not mistake for used ones.
    env = to_envfile(replace(installed, configured_channels=()))
    return Side(replace(env, source=label), label, installed=installed)


def read_installed(
    *,
    name: str | None = None,
    prefix: str | None = None,
    backend: str = "auto",
    console: Console | None = None,
) -> InstalledEnv:
    """The installed environment ``-n name`` / ``-p prefix``, read by the ``backend`` engine."""
    from envtool.backends import select_backend
    from envtool.ui import Console

    engine = select_backend(backend, console or Console(quiet=True))
    return engine.read(engine.locate(name=name, prefix=prefix))


def compare(
    old: Side, new: Side, *, ignore_builds: bool = False, ignore: Sequence[str] = ()
) -> EnvDiff:
    """``old`` against ``new``: drift when exactly one side is an installed env, else a diff.

    Two installed envs compare as their exports, without names (where an env lives is not
    something a file chose).
    """
    if (old.installed is None) != (new.installed is None):
        from envtool.diff.drift import drift

        file, env = (new, old) if old.installed is not None else (old, new)
        assert env.installed is not None
        return drift(
            _local_channels_absolute(file),
            env.installed,
            env_first=env is old,
            ignore_builds=ignore_builds,
            ignore=ignore,
            label=env.label,
            pip_requires=pip_requires(env.installed),
        )
    a, b = old.env, new.env
    if old.live and new.live:
        a, b = replace(a, name=None), replace(b, name=None)
    return diff(a, b, ignore_builds=ignore_builds, ignore=ignore)


def pip_requires(installed: InstalledEnv) -> dict[str, tuple[str, ...]]:
    """The ``Requires-Dist`` lines of the env's pip packages, read from their metadata
    (``*.dist-info/METADATA``, ``*.egg-info/PKG-INFO``) in the env's site-packages."""
    from envtool.spec import normalize_pip_name

    wanted = {normalize_pip_name(p.name) for p in installed.pip}
    if not wanted:
        return {}
    root = installed.location.prefix
    found: dict[str, tuple[str, ...]] = {}
    for site in (*root.glob("lib/python*/site-packages"), root / "Lib" / "site-packages"):
        for meta in (*site.glob("*.dist-info/METADATA"), *site.glob("*.egg-info/PKG-INFO")):
            name, requires = _read_requires(meta)
            if name is not None and normalize_pip_name(name) in wanted:
                found.setdefault(normalize_pip_name(name), requires)
    return found


def _read_requires(path: Path) -> tuple[str | None, tuple[str, ...]]:
    """(Name, Requires-Dist lines) from a metadata file's headers; (None, ()) if unreadable."""
    name: str | None = None
    requires: list[str] = []
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.strip():
                    break  # the body starts
                key, _, value = line.partition(":")
                if key.lower() == "name" and name is None:
                    name = value.strip()
                elif key.lower() == "requires-dist":
                    requires.append(value.strip())
    except OSError:
        return None, ()
    return name, tuple(requires)


def _local_channels_absolute(side: Side) -> envfile.EnvFile:
    """A file's relative local channels (``./channel``) as ``file://`` URLs, resolved against
    the file's directory as create does, so they compare equal to an installed env's."""
    if side.path is None:
        return side.env
    from envtool.envs.channel import local_path as local_channel_path

    base = Path(side.path).parent
    channels = tuple(
        (local.as_uri() if (local := local_channel_path(c, base)) is not None else c)
        for c in side.env.channels
    )
    return replace(side.env, channels=channels)


def _is_path(arg: str) -> bool:
    """A plain path: no ``X:`` prefix, a Windows drive path, or any path that exists."""
    if ":" not in arg or _WINDOWS_PATH.match(arg):
        return True
    try:
        return Path(arg).exists()
    except (OSError, ValueError):  # a name the OS cannot hold (NUL byte, too long)
        return False


# ------------------------------------------------------------------------------------ options


class Options:
    """What to compare and what fails: the command line over the repository's policy.
    (A plain class: see :class:`Side`.)"""

    __slots__ = ("env_files", "fail_on", "fail_on_source", "ignore", "ignore_builds")

    def __init__(
        self,
        *,
        fail_on: FailPolicy | None,
        fail_on_source: str,  # "--fail-on", or "policy file PATH"
        ignore_builds: bool,
        ignore: tuple[str, ...],
        env_files: tuple[str, ...] | None,
    ) -> None:
        self.fail_on, self.fail_on_source = fail_on, fail_on_source
        self.ignore_builds, self.ignore, self.env_files = ignore_builds, ignore, env_files


def resolve_options(
    fail_on: str | None, ignore_builds: bool | None, ignore: Sequence[str]
) -> Options:
    """The command line's values, with the repository policy's where the command line is silent.

    A bad ``--fail-on`` word is a usage error before any file is read; a bad word in the policy
    file is that file's error.
    """
    from envtool.diff.policy import load_policy, parse_fail_on

    policy = parse_fail_on(fail_on) if fail_on is not None else None  # usage errors first
    repo = load_policy()
    source = "--fail-on"
    if fail_on is None and repo.fail_on:
        policy, source = parse_fail_on(repo.fail_on), f"policy file {repo.source}"
    return Options(
        fail_on=policy,
        fail_on_source=source,
        ignore_builds=ignore_builds if ignore_builds is not None else bool(repo.ignore_builds),
        ignore=tuple(dict.fromkeys((*repo.ignore, *ignore))),
        env_files=repo.env_files,
    )


# ------------------------------------------------------------------------------------ --base


def diff_base(
    base: str,
    *,
    ignore_builds: bool = False,
    ignore: Sequence[str] = (),
    env_files: Sequence[str] | None = None,
) -> DiffSet:
    """Every environment file changed between the git revision ``base`` and the work tree.

    An added file is compared with an empty environment labelled ``(not in REV)``, a deleted
    one with an empty environment labelled ``(deleted)``; a new file's channels that some
    environment file in ``base`` already used are not "added". ``env_files``: the name
    patterns of environment files (default :data:`envtool.files.gitio.DEFAULT_ENV_PATTERNS`).
    """
    from envtool.files import gitio

    patterns = tuple(env_files) if env_files is not None else gitio.DEFAULT_ENV_PATTERNS
    root = gitio.repo_root()
    known: set[str] | None = None  # channel keys of the env files in base, read when needed
    files = []
    for changed in gitio.changed_env_files(base, patterns=patterns):
        new = _read_work_tree(root, changed.new_path) if changed.new_path else None
        if changed.old_path is not None:
            old = locks.read_env(gitio.read_at_rev(base, changed.old_path, cwd=root))
        else:
            assert new is not None
            known = _channels_at(base, root, patterns) if known is None else known
            old = _absent(new, f"(not in {base})", known)
        if new is None:
            new = _absent(old, "(deleted)", set())
        result = diff(old, new, ignore_builds=ignore_builds, ignore=ignore)
        files.append(FileDiff(changed.status, changed.old_path, changed.new_path, result))
    return DiffSet(base, tuple(files))


def _read_work_tree(root: Path, path: str) -> envfile.EnvFile:
    tf = fileio.read(str(root / path))
    return locks.read_env(replace(tf, source=path))


def _absent(other: envfile.EnvFile, label: str, channels: set[str]) -> envfile.EnvFile:
    """An empty environment standing for a file that is not there.

    It has ``other``'s name (an absent file has no name to change) and those of ``other``'s
    channels that are in ``channels``: a new file that uses a channel the repository already
    used does not add a channel, one that brings a channel new to the repository does.
    """
    kept = tuple(c for c in other.channels if channel_key(c) in channels)
    return envfile.EnvFile(name=other.name, channels=kept, source=label)


def _channels_at(base: str, root: Path, patterns: Sequence[str]) -> set[str]:
    """The channels (keys) used by any environment file in ``base`` that parses."""
    from envtool.files import gitio

    keys: set[str] = set()
    for path in gitio.env_files_at(base, cwd=root, patterns=patterns):
        try:
            env = envfile.parse(gitio.read_at_rev(base, path, cwd=root).text, path)
        except EnvtoolError:  # a broken file at base is no reason to fail today's diff
            continue
        keys |= channel_keys(env)
    return keys
