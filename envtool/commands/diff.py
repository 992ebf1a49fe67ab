"""``envtool diff``: what changed between two environments, and whether a repository allows it.

Two shapes:

* ``envtool diff OLD NEW``: one comparison. OLD and NEW are resolved by :func:`load_side`, the
  one place that knows what an argument may name: ``-`` (standard input, one side only), a
  file (a path that exists always wins, and so does a Windows path such as
  ``C:\\envs\\ml.yml``), ``env:NAME`` and ``prefix:PATH`` (a live environment, exported through
  the ``--backend`` engine as ``conda env export`` would), or ``REV:path`` (a file in git,
  e.g. ``origin/main:environment.yml``, ``HEAD~1:env/ml.yml``).
* ``envtool diff --base REV``: every environment file that differs between the git revision
  REV and the work tree (committed, staged, edited or untracked; names matched by the policy's
  ``env-files``, else :data:`envtool.files.gitio.DEFAULT_ENV_PATTERNS`). An added file is compared
  with an empty environment labelled ``(not in REV)``, a deleted one with an empty environment
  labelled ``(deleted)``: everything added, or everything removed; but a new file's channels
  that some environment file in REV already used are not "added" (a new env on conda-forge
  brings no new channel into the repository; one on a channel never used before does, and that
  is risky). OLD/NEW do not go with it.

Defaults come from the repository's policy (:mod:`envtool.diff.policy`): ``fail-on``,
``ignore-builds`` and ``ignore``. ``--fail-on`` and ``--[no-]ignore-builds`` override them
(``--fail-on none``: nothing fails); ``--ignore`` adds to the policy's list.

Exit codes (DESIGN §6): 0 no differences, or differences without ``--exit-code``/``--fail-on``;
1 with ``--exit-code`` and any difference, or when a ``--fail-on`` word matches (in any file);
2 errors.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from envtool.diff.compare import channel_key, channel_keys
from envtool.diff.model import Change, DiffSet, EnvDiff, FileDiff, diff
from envtool.errors import EXIT_FINDINGS, EXIT_OK, EnvtoolError, InputError, UsageError
from envtool.files import envfile, fileio
from envtool.ui import Console, plural, use_color

if TYPE_CHECKING:
    from envtool.diff.policy import FailPolicy

_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_LIVE = re.compile(r"^(env|prefix):(.*)$", re.DOTALL)


class Side(NamedTuple):
    """One side of a diff: the environment, how to name it in output, and its file (if any)."""

    env: envfile.EnvFile
    label: str
    path: str | None = None  # a file on disk, or a path in git; None for stdin and live envs
    live: bool = False  # an installed environment (env:NAME, prefix:PATH)


def load_side(arg: str, *, backend: str = "auto", console: Console | None = None) -> Side:
    """Resolve an OLD/NEW argument to an environment file and its label.

    The single extension point for inputs (see the module docstring for the forms).
    """
    if arg == "-" or _is_path(arg):
        env = envfile.load(arg)
        return Side(env, env.source, None if arg == "-" else arg)
    live = _LIVE.match(arg)
    if live:
        kind, value = live.group(1), live.group(2)
        if not value:
            what = "an environment name" if kind == "env" else "a path"
            raise UsageError(f"{arg}: name {what} after the colon, as in {kind}:{_EXAMPLE[kind]}")
        from envtool.backends import read_envfile

        env = read_envfile(
            "env" if kind == "env" else "prefix",
            value,
            backend,
            console or Console(),
            configured_channels=False,
        )
        return Side(replace(env, source=arg), arg, live=True)
    from envtool.files import gitio

    rev_path = gitio.parse_rev_path(arg)
    if rev_path is None:  # pragma: no cover - parse_rev_path declines only what is handled above
        raise InputError(arg, "no such file")
    tf = gitio.read_at_rev(rev_path.rev, rev_path.path)
    return Side(envfile.parse_file(tf), tf.source, rev_path.path)


_EXAMPLE = {"env": "ml", "prefix": "/opt/conda/envs/ml"}


def _local_channels_absolute(side: Side) -> Side:
    """A file's relative local channels (``./channel``) as ``file://`` URLs, resolved against
    the file's directory as create does, so they compare equal to an installed env's."""
    if side.live or side.path is None:
        return side
    from envtool.envs.channel import local_path as local_channel_path

    base = Path(side.path).parent
    channels = tuple(
        (local.as_uri() if (local := local_channel_path(c, base)) is not None else c)
        for c in side.env.channels
    )
    return side._replace(env=replace(side.env, channels=channels))


def _is_path(arg: str) -> bool:
    """A plain path: no ``X:`` prefix, a Windows drive path, or any path that exists."""
    if ":" not in arg or _WINDOWS_PATH.match(arg):
        return True
    try:
        return Path(arg).exists()
    except (OSError, ValueError):  # a name the OS cannot hold (NUL byte, too long)
        return False


@dataclass(frozen=True)
class Options:
    """What to compare and what fails: the command line over the repository's policy."""

    fail_on: FailPolicy | None
    fail_on_source: str  # "--fail-on", or "policy file PATH"
    ignore_builds: bool
    ignore: tuple[str, ...]
    env_files: tuple[str, ...] | None


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


def run(
    old: str | None,
    new: str | None,
    *,
    base: str | None = None,
    fmt: str = "text",
    exit_code: bool = False,
    fail_on: str | None = None,
    ignore_builds: bool | None = None,
    ignore: Sequence[str] = (),
    backend: str = "auto",
    console: Console | None = None,
) -> int:
    console = console or Console()
    if base is not None and (old is not None or new is not None):
        raise UsageError("--base REV compares every changed environment file: drop OLD and NEW")
    if base is None and (old is None or new is None):
        raise UsageError("give OLD and NEW, or --base REV to diff every changed environment file")
    if old == "-" and new == "-":
        raise UsageError("only one of OLD and NEW can be '-' (standard input)")
    options = resolve_options(fail_on, ignore_builds, ignore)
    fails = _matcher(options.fail_on)
    result: EnvDiff | DiffSet
    if base is not None:
        result = diff_base(base, options, console)
        path = None
    else:
        assert old is not None and new is not None
        a = load_side(old, backend=backend, console=console)
        b = load_side(new, backend=backend, console=console)
        if a.live != b.live:  # drift: a file's local channels as the installed env names them
            a, b = _local_channels_absolute(a), _local_channels_absolute(b)
        result = diff(
            a.env,
            b.env,
            ignore_builds=options.ignore_builds,
            ignore=options.ignore,
            installed=(a.live, b.live),
        )
        for warning in result.warnings:
            console.warn(warning)
        path = _annotation_path(b.path) if b.path is not None else None
    _write(result, fmt, sys.stdout, path=path, fails=fails)
    failures = [c for c in result.changes if fails(c)]
    if failures and options.fail_on is not None:
        console.info(_policy_message(options, failures, result))
    return EXIT_FINDINGS if failures or (exit_code and not result.empty) else EXIT_OK


def diff_base(base: str, options: Options, console: Console) -> DiffSet:
    """Every environment file changed between ``base`` and the work tree, compared."""
    from envtool.files import gitio

    patterns = options.env_files if options.env_files is not None else gitio.DEFAULT_ENV_PATTERNS
    root = gitio.repo_root()
    known: set[str] | None = None  # channel keys of the env files in base, read when needed
    files = []
    for changed in gitio.changed_env_files(base, patterns=patterns):
        new = _read_work_tree(root, changed.new_path) if changed.new_path else None
        if changed.old_path is not None:
            old = envfile.parse_file(gitio.read_at_rev(base, changed.old_path, cwd=root))
        else:
            assert new is not None
            known = _channels_at(base, root, patterns) if known is None else known
            old = _absent(new, f"(not in {base})", known)
        if new is None:
            new = _absent(old, "(deleted)", set())
        result = diff(old, new, ignore_builds=options.ignore_builds, ignore=options.ignore)
        for warning in result.warnings:
            console.warn(warning)
        files.append(FileDiff(changed.status, changed.old_path, changed.new_path, result))
    return DiffSet(base, tuple(files))


def _read_work_tree(root: Path, path: str) -> envfile.EnvFile:
    tf = fileio.read(str(root / path))
    return envfile.parse_file(replace(tf, source=path))


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


def _matcher(policy: FailPolicy | None) -> Callable[[Change], str | None]:
    """The ``--fail-on`` word a change matches, or None (no policy: nothing fails)."""
    if policy is None:
        return lambda change: None
    return lambda change: policy.reason(change) if policy.matches(change) else None


def _annotation_path(path: str) -> str:
    """``path`` as GitHub names files: relative to the workspace (if run in one), with ``/``."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        try:
            relative = os.path.relpath(os.path.abspath(path), os.path.abspath(workspace))
        except ValueError:  # another drive on Windows
            relative = path
        if not relative.startswith(".."):
            path = relative
    return path.replace(os.sep, "/")


def _write(
    result: EnvDiff | DiffSet,
    fmt: str,
    stream: TextIO,
    *,
    path: str | None,
    fails: Callable[[Change], str | None],
) -> None:
    """Render for ``stream``: colour on a terminal only, ASCII when it cannot take Unicode."""
    from envtool.render import render

    color = fmt == "text" and use_color(stream)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    text = render(result, fmt, color=color, path=path, fails=fails)
    if not _encodable(text, encoding):
        text = render(result, fmt, color=color, ascii_only=True, path=path, fails=fails)
        if not _encodable(text, encoding):  # a non-ASCII name or value: escape just those
            text = text.encode(encoding, "backslashreplace").decode(encoding)
    stream.write(text)
    stream.flush()


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _policy_message(options: Options, failures: Sequence[Change], result: EnvDiff | DiffSet) -> str:
    policy = options.fail_on
    assert policy is not None
    where: dict[int, str] = {}
    if isinstance(result, DiffSet):
        where = {id(c): f.path for f in result.files for c in f.diff.changes}
    shown = []
    for change in failures[:5]:
        place = f" in {where[id(change)]}" if id(change) in where else ""
        shown.append(f"{change.name} ({policy.reason(change)}){place}")
    more = f", and {len(failures) - 5} more" if len(failures) > 5 else ""
    n = len(failures)
    what = f"--fail-on {policy}"
    if options.fail_on_source != "--fail-on":
        what = f"fail-on {policy} ({options.fail_on_source})"
    return f"envtool: {what}: {plural(n, 'change')} matched: {', '.join(shown)}{more}"
