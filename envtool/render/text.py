"""The terminal format: a header, a summary line, then one block per section with aligned columns.

Risky rows are marked ``!`` in the first column so they stand out without colour too; ANSI
colour only when asked (the shell asks on a terminal, never with NO_COLOR). A :class:`DiffSet`
is a summary line, then each file's block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from envtool.diff.model import NOTE_VALUE_HIDDEN, Change, DiffSet, EnvDiff
from envtool.render import common
from envtool.ui import plural

_ANSI = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "dim": "2"}
_KIND_COLOR = {
    "upgraded": "green",
    "added": "green",
    "channel-added": "green",
    "downgraded": "red",
    "removed": "red",
    "channel-removed": "red",
}


class _Row:
    """One change as a line shows it (a plain class: a dataclass costs start-up ~1 ms)."""

    __slots__ = ("kind", "name", "new", "old", "risky", "symbol", "tail")

    def __init__(
        self,
        symbol: str,
        name: str,
        old: str | None,
        new: str | None,
        tail: str,
        risky: bool,
        kind: str,
    ) -> None:
        self.symbol, self.name, self.old, self.new = symbol, name, old, new
        self.tail, self.risky, self.kind = tail, risky, kind


def render_text(
    result: EnvDiff, *, color: bool = False, ascii_only: bool = False, order: bool = True
) -> str:
    """Grouped, aligned, readable in a terminal; ANSI colour only when ``color``.

    ``order=False`` leaves out the channel priority line (an added or deleted file has none).
    """
    result = common.shown(result)

    def paint(text: str, *styles: str) -> str:
        if not color or not text:
            return text
        codes = ";".join(_ANSI[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    arrow = common.arrow(ascii_only)
    old_label, new_label = common.clean(result.old_source), common.clean(result.new_source)
    if result.empty:
        return f"No differences between {old_label} and {new_label}{common.ignoring(result)}.\n"
    risky = len(result.risky)
    summary = common.total(result) + (f", {risky} risky (marked !)" if risky else "")
    lines = [paint(f"{old_label} {arrow} {new_label}", "bold"), summary + common.ignoring(result)]
    for section, changes in common.sections(result):
        label = paint(f"{section:<10}", "bold")
        if section == "name":
            change = changes[0]
            old, new = common.clean(change.old or "(none)"), common.clean(change.new or "(none)")
            lines.append(f"{label}{old} {arrow} {new}")
            continue
        lines.append(label + (", " if ascii_only else " · ").join(common.phrases(changes)))
        rows = [_text_row(c, ascii_only) for c in changes if c.kind != "channel-reordered"]
        lines += _format_rows(rows, arrow, paint)
        if section == "channels" and order:
            old_order = ", ".join(result.old_channels) or "(none)"
            new_order = ", ".join(result.new_channels) or "(none)"
            lines.append(f"  order: {common.clean(old_order)} {arrow} {common.clean(new_order)}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _text_row(change: Change, ascii_only: bool) -> _Row:
    kind = change.kind
    old, new = change.old, change.new
    tail: list[str] = []
    if kind in ("upgraded", "downgraded") and change.size:
        tail.append(change.size)
    if kind == "downgraded":
        tail.append("downgrade")
    if kind == "moved":
        tail += [change.note or "", change.size or ""]
    if kind == "channel-changed" and change.section != "channels":
        tail.append("channel")
        old, new = old or "(none)", new or "(none)"
    elif kind in ("spec-changed", "moved"):
        old, new = old or "(any)", new or "(any)"
    if change.section == "channels":
        old = new = None  # the name says it all (a rotated token: the note says so)
    show_note = bool(change.note) and kind != "moved"  # moved put its note first
    if kind == "variables-changed":  # the symbol says added/removed/changed
        show_note = change.note == NOTE_VALUE_HIDDEN
    if show_note:
        tail.append(change.note or "")
    tail += common.extra_risks(change)
    return _Row(
        common.symbol(change, ascii_only),
        common.clean(change.name),
        None if old is None else common.clean(old),
        None if new is None else common.clean(new),
        "  ".join(t for t in tail if t),
        bool(change.risks),
        kind,
    )


def _format_rows(
    rows: Sequence[_Row], arrow: str, paint: Callable[..., str], cap: int = 32
) -> list[str]:
    """Rows with the name column aligned across the section, values within each kind."""
    name_width = min(max((len(r.name) for r in rows), default=0), cap + 8)
    widths: dict[str, tuple[int, int]] = {}
    for row in rows:
        if row.old is not None and row.new is not None:
            o, n = widths.get(_group(row.kind), (0, 0))
            o, n = min(max(o, len(row.old)), cap), min(max(n, len(row.new)), cap)
            widths[_group(row.kind)] = (o, n)
    out = []
    for row in rows:
        mark = paint("!", "bold", "red") if row.risky else " "
        symbol = paint(row.symbol, _KIND_COLOR.get(row.kind, "yellow"))
        head = f"{mark} {symbol} {row.name:<{name_width}}"
        tail = paint(row.tail, "bold", "red") if row.risky else paint(row.tail, "dim")
        if row.old is not None and row.new is not None:
            o, n = widths[_group(row.kind)]
            body = f"{row.old:<{o}} {arrow} {row.new:<{n}}"
        else:
            body = row.new if row.new is not None else row.old or ""
        out.append(f"{head}  {body}  {tail}" if row.tail else f"{head}  {body}")
    return out


def _group(kind: str) -> str:
    """Rows whose values align: all version changes together, other kinds on their own."""
    return "version" if kind in ("upgraded", "downgraded", "moved") else kind


_BOTH_SIDES = ("modified", "renamed")


def render_text_set(report: DiffSet, *, color: bool = False, ascii_only: bool = False) -> str:
    """A summary line naming the revision, then each file's block (blank lines between)."""
    report = common.shown_set(report)
    if not report.files:
        return f"No environment files changed since {common.clean(report.base)}.\n"
    changes = report.changes
    risky = len(report.risky)
    files = plural(len(report.files), "environment file")
    head = f"{files} changed since {common.clean(report.base)}: {plural(len(changes), 'change')}"
    blocks = [head + (f", {risky} risky" if risky else "") + "\n"]
    blocks += [
        render_text(f.diff, color=color, ascii_only=ascii_only, order=f.status in _BOTH_SIDES)
        for f in report.files
    ]
    return "\n".join(blocks)
