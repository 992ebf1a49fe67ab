"""Renderers: a diff as terminal text, a Markdown PR comment, JSON, or GitHub annotations.

Pure functions from values to strings; the shell writes them. An EnvDiff carries real values;
every format redacts what it shows (:func:`.common.shown`, :mod:`envtool.secrets`), and control
characters are escaped so a hostile file cannot drive the terminal or break a Markdown table.
One module per format:

* :mod:`.text`: grouped and aligned for a terminal, colour only when asked;
* :mod:`.markdown`: a pull-request comment, tables per section, risky changes called out;
* :mod:`.document`: JSON, ``schema_version`` 1 (and ``diff_set_version`` 1 for ``--base``);
* :mod:`.github`: workflow annotations on the new file's changed lines.

:mod:`.prune` words pruning decisions. Each diff format renders an
:class:`~envtool.diff.model.EnvDiff` (one file) or a
:class:`~envtool.diff.model.DiffSet` (``diff --base``: every changed file). :func:`render` imports
only the format it renders: a diff is a whole process, and start-up is most of its time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from envtool.diff.model import DiffSet, EnvDiff
    from envtool.render.github import Fails

FORMATS = ("text", "markdown", "json", "github")


def render(
    result: EnvDiff | DiffSet,
    fmt: str,
    *,
    color: bool = False,
    ascii_only: bool = False,
    path: str | None = None,
    fails: Fails | None = None,
) -> str:
    """``result`` in ``fmt`` (text, markdown, json or github).

    ``path`` (the new file as GitHub names it) and ``fails`` (the ``--fail-on`` word a change
    matches) matter only to ``github``; a DiffSet knows its paths.
    """
    from envtool.diff.model import DiffSet

    if isinstance(result, DiffSet):
        return render_set(result, fmt, color=color, ascii_only=ascii_only, fails=fails)
    if fmt == "json":
        from envtool.render.document import render_json

        return render_json(result)
    if fmt == "markdown":
        from envtool.render.markdown import render_markdown

        return render_markdown(result, ascii_only=ascii_only)
    if fmt == "github":
        from envtool.render.github import render_github

        return render_github(result, path=path, fails=fails, ascii_only=ascii_only)
    from envtool.render.text import render_text

    return render_text(result, color=color, ascii_only=ascii_only)


def render_set(
    report: DiffSet,
    fmt: str,
    *,
    color: bool = False,
    ascii_only: bool = False,
    fails: Fails | None = None,
) -> str:
    """Every changed file of ``report`` in ``fmt``."""
    if fmt == "json":
        from envtool.render.document import render_json_set

        return render_json_set(report)
    if fmt == "markdown":
        from envtool.render.markdown import render_markdown_set

        return render_markdown_set(report, ascii_only=ascii_only)
    if fmt == "github":
        from envtool.render.github import render_github_set

        return render_github_set(report, fails=fails, ascii_only=ascii_only)
    from envtool.render.text import render_text_set

    return render_text_set(report, color=color, ascii_only=ascii_only)
