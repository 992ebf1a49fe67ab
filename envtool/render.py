"""Renderers: an :class:`~envtool.diff.EnvDiff` as terminal text, a Markdown PR comment, or JSON.

Pure functions from values to strings; the shell writes them. Every value in an EnvDiff is
already redacted (``diff.redact``); source labels are redacted here too, and control characters
are escaped so a hostile file cannot drive the terminal or break a Markdown table.

* ``text``: a header, a summary line, then one block per section with aligned columns; risky
  rows are marked ``!`` in the first column so they stand out without colour too.
* ``markdown``: a PR comment — heading naming the files, a bold summary line, a "risky" callout
  (GitHub alert syntax), then one table per section; sections longer than ``fold_after`` rows
  are folded in ``<details>``. The first line is an HTML comment a bot can find to update its
  comment in place.
* ``json``: ``schema_version`` 1, pinned by tests/test_diff_json_contract.py. Keys are always
  present (null when unknown), in a fixed order; changes in the EnvDiff's order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from envtool.diff import (
    KINDS,
    RISK_DOWNGRADE,
    RISK_MAJOR,
    RISK_VARIANT,
    SECTIONS,
    SIZES,
    Change,
    EnvDiff,
    Section,
    redact,
)

SCHEMA_VERSION = 1
FORMATS = ("text", "markdown", "json")
MARKDOWN_MARKER = "<!-- envtool-diff -->"

# (unicode, ascii) symbol of each kind; options and variables pick by what is present.
_SYMBOLS: dict[str, tuple[str, str]] = {
    "upgraded": ("↑", "^"),
    "downgraded": ("↓", "v"),
    "added": ("+", "+"),
    "removed": ("-", "-"),
    "rebuilt": ("~", "~"),
    "spec-changed": ("≠", "*"),
    "moved": ("»", ">"),
    "channel-changed": ("⇄", "@"),
    "channel-added": ("+", "+"),
    "channel-removed": ("-", "-"),
    "channel-reordered": ("⇅", "%"),
    "name-changed": ("~", "~"),
    "changed": ("~", "~"),
}
_SECTION_TITLES: dict[Section, str] = {
    "name": "Name",
    "channels": "Channels",
    "conda": "Conda packages",
    "pip": "Pip packages",
    "variables": "Variables",
}
_COLUMN: dict[Section, str] = {"conda": "package", "pip": "package", "variables": "variable"}
_IMPLIED_RISK = {"downgraded": RISK_DOWNGRADE, "upgraded": RISK_MAJOR}


def render(result: EnvDiff, fmt: str, *, color: bool = False, ascii_only: bool = False) -> str:
    """``result`` in ``fmt`` (text, markdown or json)."""
    if fmt == "json":
        return render_json(result)
    if fmt == "markdown":
        return render_markdown(result, ascii_only=ascii_only)
    return render_text(result, color=color, ascii_only=ascii_only)


# --------------------------------------------------------------------------------- shared


def _symbol(change: Change, ascii_only: bool) -> str:
    key: str = change.kind
    if change.kind in ("pip-option-changed", "variables-changed"):
        key = "added" if change.old is None else "removed" if change.new is None else "changed"
    return _SYMBOLS[key][1 if ascii_only else 0]


def _arrow(ascii_only: bool) -> str:
    return "->" if ascii_only else "→"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    """One printable line: control characters (newlines, ANSI escapes) shown escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _label(change: Change) -> tuple[str, bool]:
    """How a summary counts ``change`` ("added", "option added"...), and whether it is counted."""
    kind = change.kind
    if kind == "pip-option-changed":
        what = "added" if change.old is None else "removed" if change.new is None else "changed"
        return f"option {what}", True
    if kind == "variables-changed":
        what = "added" if change.old is None else "removed" if change.new is None else "changed"
        return what, True
    if change.note == "credentials changed":
        return "credentials changed", True
    plain = {
        "channel-added": "added",
        "channel-removed": "removed",
        "channel-reordered": "reordered",
        "channel-changed": "channel changed",
        "spec-changed": "spec changed",
        "name-changed": "changed",
    }
    return plain.get(kind, kind), kind not in ("channel-reordered", "name-changed")


def _phrases(changes: Sequence[Change]) -> list[str]:
    """Counts in listing order: ["10 upgraded (4 major)", "1 downgraded", "1 option added"]."""
    counts: dict[str, int] = {}
    counted: dict[str, bool] = {}
    for change in changes:
        label, is_counted = _label(change)
        counts[label] = counts.get(label, 0) + 1
        counted[label] = is_counted
    out = []
    for label, n in counts.items():
        if not counted[label]:
            out.append(label)
            continue
        if label.startswith("option ") and n > 1:
            label = "options " + label[len("option ") :]
        phrase = f"{n} {label}"
        if label == "upgraded":
            major = sum(1 for c in changes if c.kind == "upgraded" and c.size == "major")
            phrase += f" ({major} major)" if major else ""
        out.append(phrase)
    return out


def _sections(result: EnvDiff) -> list[tuple[Section, tuple[Change, ...]]]:
    return [(s, result.section(s)) for s in SECTIONS if result.section(s)]


def _total(result: EnvDiff) -> str:
    n = len(result.changes)
    return f"{n} change{'s' if n != 1 else ''}"


def _extra_risks(change: Change) -> list[str]:
    """Risk reasons the row does not already say (a ↓ row says "downgrade" itself)."""
    said = "variant" in (change.note or "")  # "variant cuda -> cpu" says it
    return [
        r
        for r in change.risks
        if _IMPLIED_RISK.get(change.kind) != r and not (said and r == RISK_VARIANT)
    ]


def _ignoring(result: EnvDiff) -> str:
    parts = []
    if result.ignore_builds:
        parts.append("build-only changes")
    parts += [redact(p) for p in result.ignore]
    return f" (ignoring {', '.join(parts)})" if parts else ""


# ----------------------------------------------------------------------------------- text

_ANSI = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "dim": "2"}
_KIND_COLOR = {
    "upgraded": "green",
    "added": "green",
    "channel-added": "green",
    "downgraded": "red",
    "removed": "red",
    "channel-removed": "red",
}


@dataclass(frozen=True)
class _Row:
    symbol: str
    name: str
    old: str | None
    new: str | None
    tail: str
    risky: bool
    kind: str


def render_text(result: EnvDiff, *, color: bool = False, ascii_only: bool = False) -> str:
    """Grouped, aligned, readable in a terminal; ANSI colour only when ``color``."""

    def paint(text: str, *styles: str) -> str:
        if not color or not text:
            return text
        codes = ";".join(_ANSI[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    arrow = _arrow(ascii_only)
    old_label, new_label = _clean(redact(result.old_source)), _clean(redact(result.new_source))
    if result.empty:
        return f"No differences between {old_label} and {new_label}{_ignoring(result)}.\n"
    risky = len(result.risky)
    summary = _total(result) + (f", {risky} risky (marked !)" if risky else "")
    lines = [paint(f"{old_label} {arrow} {new_label}", "bold"), summary + _ignoring(result)]
    for section, changes in _sections(result):
        label = paint(f"{section:<10}", "bold")
        if section == "name":
            change = changes[0]
            old, new = _clean(change.old or "(none)"), _clean(change.new or "(none)")
            lines.append(f"{label}{old} {arrow} {new}")
            continue
        lines.append(label + (", " if ascii_only else " · ").join(_phrases(changes)))
        rows = [_text_row(c, ascii_only) for c in changes if c.kind != "channel-reordered"]
        lines += _format_rows(rows, arrow, paint)
        if section == "channels":
            old_order = ", ".join(result.old_channels) or "(none)"
            new_order = ", ".join(result.new_channels) or "(none)"
            lines.append(f"  order: {_clean(old_order)} {arrow} {_clean(new_order)}")
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
        show_note = change.note == "changed (value hidden)"
    if show_note:
        tail.append(change.note or "")
    tail += _extra_risks(change)
    return _Row(
        _symbol(change, ascii_only),
        _clean(change.name),
        None if old is None else _clean(old),
        None if new is None else _clean(new),
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


# ------------------------------------------------------------------------------- markdown


def _md(text: str) -> str:
    """Plain Markdown text: characters GitHub would read as markup (or a cell end) escaped.

    An underscore inside a word (``ld_impl_linux-64``) is not emphasis on GitHub: left alone.
    """
    text = _clean(text)
    return re.sub(r"([\\`*\[\]<|~&]|(?<!\w)_|_(?!\w))", r"\\\1", text)


def _code(text: str | None) -> str:
    """An inline code span safe inside a GitHub table cell (``|`` escaped even in code)."""
    if text is None or text == "":
        return ""
    text = _clean(text).replace("|", "\\|")
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
        text = _label(change)[0]
        if change.note and change.note not in text:
            text += f" ({change.note})"
    extra = _extra_risks(change)
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


def render_markdown(result: EnvDiff, *, fold_after: int = 10, ascii_only: bool = False) -> str:
    """A pull-request comment; renders as tables on GitHub."""
    arrow = _arrow(ascii_only)
    title = (
        f"### Environment diff: {_code(redact(result.old_source))} {arrow} "
        f"{_code(redact(result.new_source))}"
    )
    out = [MARKDOWN_MARKER, title, ""]
    if result.empty:
        out.append(f"No differences{_md(_ignoring(result))}.")
        return "\n".join(out) + "\n"
    parts = [f"{section} {', '.join(_phrases(changes))}" for section, changes in _sections(result)]
    risky = sorted(result.risky, key=_risk_order)
    if risky:
        parts.append(f"{len(risky)} risky")
    out += [f"**{_total(result)}:** {_md(' · '.join(parts))}{_md(_ignoring(result))}", ""]
    if risky:
        out += ["> [!WARNING]", f"> **Risky change{'s' if len(risky) > 1 else ''}**"]
        out += [f"> - {_risk_line(c, arrow)}" for c in risky]
        out.append("")
    for section, changes in _sections(result):
        out += _md_section(result, section, changes, fold_after, ascii_only)
    if result.warnings:
        out += ["> [!NOTE]"] + [f"> {_md(w)}  " for w in result.warnings] + [""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _md_section(
    result: EnvDiff,
    section: Section,
    changes: Sequence[Change],
    fold_after: int,
    ascii_only: bool,
) -> list[str]:
    arrow = _arrow(ascii_only)
    if section == "name":
        change = changes[0]
        old, new = _code(change.old) or "(none)", _code(change.new) or "(none)"
        return [f"**Name:** {old} {arrow} {new}", ""]
    out = [f"#### {_SECTION_TITLES[section]}", ""]
    rows = [c for c in changes if c.kind != "channel-reordered"]
    if section == "channels":  # a channel is its own value: no old/new columns
        table = ["| | channel | change |", "|---|---|---|"]
    else:
        table = [f"| | {_COLUMN[section]} | old | new | change |", "|---|---|---|---|---|"]
    for c in rows:
        cells = [_symbol(c, ascii_only), _md(c.name)]
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
        summary = _md(", ".join(_phrases(changes)))
        out += ["<details>", f"<summary>{len(rows)} changes: {summary}</summary>", ""]
        out += [*table, "", "</details>", ""]
    elif rows:
        out += [*table, ""]
    if section == "channels":
        old_order = _code(", ".join(result.old_channels)) or "(none)"
        new_order = _code(", ".join(result.new_channels)) or "(none)"
        out += [f"Priority order: {old_order} {arrow} {new_order}", ""]
    return out


# ----------------------------------------------------------------------------------- json


def to_json_data(result: EnvDiff) -> dict[str, object]:
    """The JSON document as plain data (schema_version 1)."""
    kinds = result.kind_counts()
    sizes = result.size_counts()
    return {
        "schema_version": SCHEMA_VERSION,
        "old": {"source": redact(result.old_source)},
        "new": {"source": redact(result.new_source)},
        "summary": {
            "changes": len(result.changes),
            "risky": len(result.risky),
            "kinds": {k: kinds[k] for k in KINDS},
            "sizes": {s: sizes[s] for s in SIZES},
        },
        "changes": [
            {
                "section": c.section,
                "kind": c.kind,
                "name": c.name,
                "old": c.old,
                "new": c.new,
                "size": c.size,
                "old_line": c.old_line,
                "new_line": c.new_line,
                "old_text": c.old_text,
                "new_text": c.new_text,
                "note": c.note,
                "risks": list(c.risks),
            }
            for c in result.changes
        ],
        "warnings": list(result.warnings),
    }


def render_json(result: EnvDiff) -> str:
    import json

    return json.dumps(to_json_data(result), indent=2) + "\n"
