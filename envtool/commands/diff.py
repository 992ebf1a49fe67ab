"""``envtool diff OLD NEW``: what changed between two environments, and whether that is allowed.

OLD and NEW are resolved by :func:`load_side`, the one place that knows what an argument may
name. Today: a file, or ``-`` for standard input (one side only). Later issues add ``env:NAME``,
``prefix:PATH`` and ``REV:path`` (a file in git) there. A path that exists always wins over
``X:Y`` parsing, and so does a Windows path such as ``C:\\envs\\ml.yml``.

Exit codes (DESIGN §6): 0 no differences, or differences without ``--exit-code``/``--fail-on``;
1 with ``--exit-code`` and any difference, or when a ``--fail-on`` word matches; 2 errors.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, TextIO

from envtool import envfile, fileio
from envtool.diff import EnvDiff, FailPolicy, diff, parse_fail_on
from envtool.errors import EXIT_FINDINGS, EXIT_OK, InputError, UsageError
from envtool.ui import Console, use_color

_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.DOTALL)


class Side(NamedTuple):
    """One side of a diff: the environment and how to name it in output."""

    env: envfile.EnvFile
    label: str


def load_side(arg: str) -> Side:
    """Resolve an OLD/NEW argument to an environment file and its label.

    The single extension point for inputs: add ``env:``/``prefix:``/``REV:path`` here.
    """
    if arg == "-" or _is_path(arg):
        tf = fileio.read(arg)
        return Side(envfile.parse_file(tf), tf.source)
    scheme = _SCHEME.match(arg)
    prefix = scheme.group(1) if scheme else ""
    if prefix in ("env", "prefix"):
        raise UsageError(
            f"{arg}: reading a live environment ({prefix}:) is not available yet; "
            "diff an exported file instead"
        )
    raise InputError(arg, "no such file (reading REV:path from git is not available yet)")


def _is_path(arg: str) -> bool:
    """A plain path: no ``X:`` prefix, a Windows drive path, or any path that exists."""
    if ":" not in arg or _WINDOWS_PATH.match(arg):
        return True
    try:
        return Path(arg).exists()
    except (OSError, ValueError):  # a name the OS cannot hold (NUL byte, too long)
        return False


def run(
    old: str,
    new: str,
    *,
    fmt: str = "text",
    exit_code: bool = False,
    fail_on: str | None = None,
    ignore_builds: bool = False,
    ignore: Sequence[str] = (),
    console: Console | None = None,
) -> int:
    console = console or Console()
    policy = parse_fail_on(fail_on) if fail_on is not None else None
    if old == "-" and new == "-":
        raise UsageError("only one of OLD and NEW can be '-' (standard input)")
    a, b = load_side(old), load_side(new)
    result = diff(a.env, b.env, ignore_builds=ignore_builds, ignore=ignore)
    for warning in result.warnings:
        console.warn(warning)
    _write(result, fmt, sys.stdout)
    failures = policy.failures(result) if policy else ()
    if failures and policy:
        console.info(_policy_message(policy, failures))
    return EXIT_FINDINGS if failures or (exit_code and not result.empty) else EXIT_OK


def _write(result: EnvDiff, fmt: str, stream: TextIO) -> None:
    """Render for ``stream``: colour on a terminal only, ASCII when it cannot take Unicode."""
    from envtool.render import render

    color = fmt == "text" and use_color(stream)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    text = render(result, fmt, color=color)
    if not _encodable(text, encoding):
        text = render(result, fmt, color=color, ascii_only=True)
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


def _policy_message(policy: FailPolicy, failures: Sequence[object]) -> str:
    from envtool.diff import Change

    shown = []
    for change in failures[:5]:
        assert isinstance(change, Change)
        what = change.size if change.size and change.size in policy.words else change.kind
        shown.append(f"{change.name} ({what})")
    more = f", and {len(failures) - 5} more" if len(failures) > 5 else ""
    n = len(failures)
    return (
        f"envtool: --fail-on {policy}: {n} change{'s' if n != 1 else ''} matched: "
        f"{', '.join(shown)}{more}"
    )
