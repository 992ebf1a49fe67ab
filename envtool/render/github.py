"""The ``github`` format: GitHub Actions workflow commands that annotate the new file's lines.

One line per change, ``::LEVEL file=PATH,line=N,title=TITLE::MESSAGE``, which GitHub shows on
the pull request's diff at that line and in the run's summary:

* ``error``: the change matches ``--fail-on`` (or the repository policy's ``fail-on``): it is
  why the job fails. The message ends with the word it matched.
* ``warning``: a risky change that does not fail (a downgrade, a major upgrade, a new channel,
  a new package index or trusted host, a lost build variant).
* ``notice``: every other change.

Lines are the change's line in the new file. What is gone from it (a removed package, channel
or variable) points at the line of its section's key in the new file (``dependencies:``,
``channels:``, ``variables:``), else line 1. A deleted file is named by its old path, without a
line; without a file at all (NEW was ``env:NAME``, ``prefix:PATH`` or stdin) the annotations
carry no location. Errors come first, then warnings, then notices (GitHub shows a limited
number of each kind per step, so the ones that matter are not the ones cut).

Escaping follows the Actions runner: ``%``, ``\\r`` and ``\\n`` become ``%25``, ``%0D``, ``%0A``
in the message, and ``:`` and ``,`` also ``%3A`` and ``%2C`` in property values; other control
characters are shown escaped as in every format. Values are redacted here, as in every format.
"""

from __future__ import annotations

from collections.abc import Callable

from envtool.diff.model import Change, DiffSet, EnvDiff, Section
from envtool.render import common

Fails = Callable[[Change], str | None]  # the --fail-on word a change matches, or None

_ANCHORS: dict[Section, str] = {
    "name": "name",
    "channels": "channels",
    "conda": "dependencies",
    "pip": "dependencies",
    "variables": "variables",
}
_LEVELS = ("error", "warning", "notice")


def render_github(
    result: EnvDiff, *, path: str | None, fails: Fails | None = None, ascii_only: bool = False
) -> str:
    """Annotations for one diff; ``path`` is the new file as GitHub names it (None: no file)."""
    result = common.shown(result)
    lines = _annotations(result, path, fails, ascii_only, with_lines=path is not None)
    return "".join(line for _, line in sorted(lines, key=lambda item: item[0]))


def render_github_set(
    report: DiffSet, *, fails: Fails | None = None, ascii_only: bool = False
) -> str:
    """Annotations for every file of ``report``, errors of all files first."""
    report = common.shown_set(report)
    lines: list[tuple[int, str]] = []
    for f in report.files:
        lines += _annotations(f.diff, f.path, fails, ascii_only, with_lines=f.new_path is not None)
    return "".join(line for _, line in sorted(lines, key=lambda item: item[0]))


def _annotations(
    result: EnvDiff, path: str | None, fails: Fails | None, ascii_only: bool, *, with_lines: bool
) -> list[tuple[int, str]]:
    out = []
    for change in result.changes:
        word = fails(change) if fails is not None else None
        level = 0 if word else 1 if change.risks else 2
        props: dict[str, str] = {}
        if path is not None:
            props["file"] = path
            if with_lines:
                props["line"] = str(_line(result, change))
        title = f"envtool: {change.kind}" + (f" ({change.size})" if change.size else "")
        props["title"] = title
        message = common.describe(change, ascii_only)
        if word:
            message += f"; matches --fail-on {word}"
        properties = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
        out.append((level, f"::{_LEVELS[level]} {properties}::{escape_data(message)}\n"))
    return out


def _line(result: EnvDiff, change: Change) -> int:
    if change.new_line is not None:
        return change.new_line
    keys = result.new_key_lines
    return keys.get(_ANCHORS[change.section]) or keys.get("dependencies") or 1


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as the runner unescapes it.

    >>> escape_data("100% done\\nnext")
    '100%25 done%0Anext'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (``file=``, ``title=``): the message's escapes plus ``:`` and ``,``.

    >>> escape_property("envs/a,b.yml: x")
    'envs/a%2Cb.yml%3A x'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
