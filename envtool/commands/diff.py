"""``envtool diff``: what changed between two environments, and whether a repository allows it.

Two shapes:

* ``envtool diff OLD NEW``: one comparison. What OLD and NEW may name (a file, ``-``,
  ``env:NAME``, ``prefix:PATH``, ``REV:path``) is :func:`envtool.ops.diff.load_side`'s
  business; a file against an installed env is drift (:mod:`envtool.diff.drift`).
* ``envtool diff --base REV``: every environment file that differs between the git revision
  REV and the work tree (committed, staged, edited or untracked; names matched by the policy's
  ``env-files``, else :data:`envtool.files.gitio.DEFAULT_ENV_PATTERNS`), see
  :func:`envtool.ops.diff.diff_base`. OLD/NEW do not go with it.

Defaults come from the repository's policy (:mod:`envtool.diff.policy`): ``fail-on``,
``ignore-builds`` and ``ignore``. ``--fail-on`` and ``--[no-]ignore-builds`` override them
(``--fail-on none``: nothing fails); ``--ignore`` adds to the policy's list.

This module only renders and chooses the exit code (DESIGN §6): 0 no differences, or
differences without ``--exit-code``/``--fail-on``; 1 with ``--exit-code`` and any difference,
or when a ``--fail-on`` word matches (in any file); 2 errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from envtool.diff.model import Change, DiffSet, EnvDiff
from envtool.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from envtool.ops import diff as ops
from envtool.secrets import redact
from envtool.ui import Console, plural, use_color

if TYPE_CHECKING:
    from envtool.diff.policy import FailPolicy


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
    options = ops.resolve_options(fail_on, ignore_builds, ignore)
    fails = _matcher(options.fail_on)
    result: EnvDiff | DiffSet
    if base is not None:
        result = ops.diff_base(
            base,
            ignore_builds=options.ignore_builds,
            ignore=options.ignore,
            env_files=options.env_files,
        )
        warnings = [w for f in result.files for w in f.diff.warnings]
        path = None
    else:
        assert old is not None and new is not None
        a = ops.load_side(old, backend=backend, console=console)
        b = ops.load_side(new, backend=backend, console=console)
        result = ops.compare(a, b, ignore_builds=options.ignore_builds, ignore=options.ignore)
        warnings = list(result.warnings)
        path = _annotation_path(b.path) if b.path is not None else None
    for warning in warnings:
        console.warn(redact(warning))
    _write(result, fmt, sys.stdout, path=path, fails=fails)
    failures = [c for c in result.changes if fails(c)]
    if failures and options.fail_on is not None:
        console.info(_policy_message(options, failures, result))
    return EXIT_FINDINGS if failures or (exit_code and not result.empty) else EXIT_OK


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


def _policy_message(
    options: ops.Options, failures: Sequence[Change], result: EnvDiff | DiffSet
) -> str:
    policy = options.fail_on
    assert policy is not None
    where: dict[int, str] = {}
    if isinstance(result, DiffSet):
        where = {id(c): f.path for f in result.files for c in f.diff.changes}
    shown = []
    for change in failures[:5]:
        place = f" in {where[id(change)]}" if id(change) in where else ""
        shown.append(f"{redact(change.name)} ({policy.reason(change)}){place}")
    more = f", and {len(failures) - 5} more" if len(failures) > 5 else ""
    n = len(failures)
    what = f"--fail-on {policy}"
    if options.fail_on_source != "--fail-on":
        what = f"fail-on {policy} ({options.fail_on_source})"
    return f"envtool: {what}: {plural(n, 'change')} matched: {', '.join(shown)}{more}"
