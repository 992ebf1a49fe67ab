"""The Markdown format: a pull-request comment that renders as tables on GitHub.

One file: the marker comment (a bot finds its comment by it and updates it in place), a heading
naming the files, a bold summary line (channel changes first, then packages, then how many are
risky), a "risky" callout (GitHub alert syntax: downgrades, major bumps, new channels, new
package indexes, lost build variants), then one table per section; sections longer than
``fold_after`` rows fold into ``<details>``.

A :class:`DiffSet` (``diff --base``): one comment, with a table of the changed files and their
counts, then each file's report one heading level down.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envtool.diff.model import RISK_MAJOR, Change, DiffSet, EnvDiff, FileDiff, Section
from envtool.render import common
from envtool.secrets import redact
from envtool.ui import plural

MARKER = "<!-- envtool-diff -->"

_SECTION_TITLES: dict[Section, str] = {
    "name": "Name",
    "channels": "Channels",
    "conda": "Conda packages",
    "pip": "Pip packages",
    "variables": "Variables",
}
_COLUMN: dict[Section, str] = {"conda": "package", "pip": "package", "variables": "variable"}


def render_markdown(result: EnvDiff, *, fold_after: int = 10, ascii_only: bool = False) -> str:
    """A pull-request comment about one file."""
    result = common.shown(result)
    arrow = common.arrow(ascii_only)
    title = (
        f"### Environment diff: {_code(redact(result.old_source))} {arrow} "
        f"{_code(redact(result.new_source))}"
    )
    out = [MARKER, title, ""]
    out += _body(result, level=4, fold_after=fold_after, ascii_only=ascii_only)
    return _join(out)


def render_markdown_set(report: DiffSet, *, fold_after: int = 10, ascii_only: bool = False) -> str:
    """One pull-request comment about every changed file."""
    report = common.shown_set(report)
    base = _code(report.base)
    if not report.files:
        return _join(
            [MARKER, "### Environment diff", "", f"No environment file changed since {base}."]
        )
    files = plural(len(report.files), "file")
    out = [MARKER, f"### Environment diff: {files} changed since {base}", ""]
    changes = report.changes
    risky = len(report.risky)
    headline = f"**{plural(len(changes), 'change')} in {files}**"
    out += [headline + (f" · {risky} risky" if risky else ""), ""]
    out += ["| file | status | changes |", "|---|---|---|"]
    for f in report.files:
        out.append(f"| {_code(f.path)} | {_status(f)} | {_md(_counts(f.diff))} |")
    out.append("")
    for f in report.files:
        out += [f"#### {_code(f.path)}" + (f" ({_status(f)})" if f.status != "modified" else "")]
        labels = (_code(redact(f.diff.old_source)), _code(redact(f.diff.new_source)))
        out += [f"{labels[0]} {common.arrow(ascii_only)} {labels[1]}", ""]
        both = f.status in ("modified", "renamed")  # else no channel priority to compare
        out += _body(f.diff, level=5, fold_after=fold_after, ascii_only=ascii_only, order=both)
    return _join(out)


def _status(f: FileDiff) -> str:
    if f.status == "renamed":
        return f"renamed from {_code(f.old_path)}"
    return {"added": "new file", "deleted": "deleted"}.get(f.status, f.status)


def _counts(result: EnvDiff) -> str:
    """``21 changes: channels 1 removed · conda 10 upgraded (5 major) ... · 5 risky``."""
    if result.empty:
        return "no differences" + common.ignoring(result)
    return f"{common.total(result)}: {' · '.join(_summary_parts(result))}"


def _summary_parts(result: EnvDiff) -> list[str]:
    """``["conda 10 upgraded (5 major)", ..., "5 risky"]``: each section's counts, then risk."""
    parts = [f"{s} {', '.join(common.phrases(c))}" for s, c in common.sections(result)]
    if result.risky:
        parts.append(f"{len(result.risky)} risky")
    return parts


def _join(lines: list[str]) -> str:
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _body(
    result: EnvDiff, *, level: int, fold_after: int, ascii_only: bool, order: bool = True
) -> list[str]:
    """Summary line, risky callout, section tables (headings at ``level``), warnings."""
    arrow = common.arrow(ascii_only)
    if result.empty:
        return [f"No differences{_md(common.ignoring(result))}.", ""]
    risky = sorted(result.risky, key=_risk_order)
    parts = _summary_parts(result)
    out = [
        f"**{common.total(result)}:** {_md(' · '.join(parts))}{_md(common.ignoring(result))}",
        "",
    ]
    if risky:
        out += ["> [!WARNING]", f"> **Risky change{'s' if len(risky) > 1 else ''}**"]
        out += [f"> - {_risk_line(c, arrow)}" for c in risky]
        out.append("")
    for section, changes in common.sections(result):
        out += _md_section(result, section, changes, fold_after, ascii_only, level, order)
    if result.warnings:
        out += ["> [!NOTE]"] + [f"> {_md(w)}  " for w in result.warnings] + [""]
    return out


def _md(text: str) -> str:
    """Plain Markdown text: characters GitHub would read as markup (or a cell end) escaped.

    An underscore inside a word (``ld_impl_linux-64``) is not emphasis on GitHub: left alone.
    """
    text = common.clean(text)
    return re.sub(r"([\\`*\[\]<|~&]|(?<!\w)_|_(?!\w))", r"\\\1", text)


def _code(text: str | None) -> str:
    """An inline code span safe inside a GitHub table cell (``|`` escaped even in code)."""
    if text is None or text == "":
        return ""
    text = common.clean(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_change(change: Change, ascii_only: bool) -> str:
    """The "change" cell: what happened, its size, and a warning sign when risky."""
    kind = change.kind
    text: str
    if kind == "upgraded":
        text = change.size or "upgraded"
        text = f"**{text}**" if change.size == "major" and change.risks else text
    elif kind == "downgraded":
        text = "**downgraded**" + (f" ({change.size})" if change.size else "")
    elif kind == "moved":
        text = f"moved {change.note}" if change.note else "moved"
    elif kind == "variables-changed":
        text = change.note or "changed"
    else:
        text = common.label(change)[0]
        if change.note and change.note not in text:
            text += f" ({change.note})"
    extra = common.extra_risks(change)
    if change.risks:
        text += " (!)" if ascii_only else " ⚠️"
        if extra:
            text += " " + ", ".join(extra)
    return text


def _risk_line(change: Change, arrow: str) -> str:
    """One bullet of the risky callout."""
    name = _code(change.name)
    if change.kind == "channel-added":
        return f"new channel {name}"
    if change.kind == "channel-changed":
        return f"{name} now from channel {_code(change.new)} (was {_code(change.old) or 'none'})"
    if change.kind == "pip-option-changed":
        return f"{', '.join(change.risks)}: {_code(change.new_text or change.new)} (pip)"
    values = f"{_code(change.old) or '(any)'} {arrow} {_code(change.new) or '(any)'}"
    if change.kind == "downgraded":
        text = f"{name} downgraded {values}"
    elif RISK_MAJOR in change.risks:
        text = f"{name} major upgrade {values}"
    else:
        text = f"{name} {values}"
    if change.note and "variant" in change.note:
        text += f", {_md(change.note)}"
    return f"{text} ({change.section})"


def _risk_order(change: Change) -> int:
    if change.section == "channels":
        return 0
    if change.kind in ("pip-option-changed", "channel-changed"):
        return 1
    return 2 if change.kind == "downgraded" else 3


def _md_section(
    result: EnvDiff,
    section: Section,
    changes: Sequence[Change],
    fold_after: int,
    ascii_only: bool,
    level: int,
    order: bool,
) -> list[str]:
    arrow = common.arrow(ascii_only)
    if section == "name":
        change = changes[0]
        old, new = _code(change.old) or "(none)", _code(change.new) or "(none)"
        return [f"**Name:** {old} {arrow} {new}", ""]
    out = [f"{'#' * level} {_SECTION_TITLES[section]}", ""]
    rows = [c for c in changes if c.kind != "channel-reordered"]
    if section == "channels":  # a channel is its own value: no old/new columns
        table = ["| | channel | change |", "|---|---|---|"]
    else:
        table = [f"| | {_COLUMN[section]} | old | new | change |", "|---|---|---|---|---|"]
    for c in rows:
        cells = [common.symbol(c, ascii_only), _md(c.name)]
        if section == "channels":  # names that may be URLs: code, so GitHub does not link them
            cells[1] = _code(c.name)
            if c.kind == "channel-changed" and c.old != c.new:
                cells[1] = f"{_code(c.old)} {arrow} {_code(c.new)}"
        elif c.kind in ("spec-changed", "moved"):
            cells += [_code(c.old) or "(any)", _code(c.new) or "(any)"]
        else:
            cells += [_code(c.old), _code(c.new)]
        table.append("| " + " | ".join([*cells, _md_change(c, ascii_only)]) + " |")
    if len(rows) > fold_after:
        summary = _md(", ".join(common.phrases(changes)))
        out += ["<details>", f"<summary>{len(rows)} changes: {summary}</summary>", ""]
        out += [*table, "", "</details>", ""]
    elif rows:
        out += [*table, ""]
    if section == "channels" and order:
        old_order = _code(", ".join(result.old_channels)) or "(none)"
        new_order = _code(", ".join(result.new_channels)) or "(none)"
        out += [f"Priority order: {old_order} {arrow} {new_order}", ""]
    return out
