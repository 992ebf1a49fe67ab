"""What every format says alike: symbols, summary phrases, one-line descriptions, escaping,
and :func:`shown`, the redaction every format applies before it writes a value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from envtool.diff.model import (
    NOTE_CREDENTIALS,
    NOTE_VALUE_HIDDEN,
    RISK_DOWNGRADE,
    RISK_MAJOR,
    RISK_VARIANT,
    SECTIONS,
    Change,
    DiffSet,
    EnvDiff,
    FileDiff,
    Section,
)
from envtool.secrets import redact, redact_variable
from envtool.ui import plural

# (unicode, ascii) symbol of each kind; options and variables pick by what is present.
SYMBOLS: dict[str, tuple[str, str]] = {
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
_IMPLIED_RISK = {"downgraded": RISK_DOWNGRADE, "upgraded": RISK_MAJOR}


def _opt(text: str | None) -> str | None:
    return None if text is None else redact(text)


def shown_change(change: Change) -> Change:
    """``change`` as it may be shown: every credential masked (idempotent)."""
    if change.section == "variables":
        name = change.name
        old = None if change.old is None else redact_variable(name, change.old)
        new = None if change.new is None else redact_variable(name, change.new)
        texts = tuple(None if v is None else f"{name}: {v}" for v in (old, new))
        return replace(change, old=old, new=new, old_text=texts[0], new_text=texts[1])
    return replace(
        change,
        name=redact(change.name),
        old=_opt(change.old),
        new=_opt(change.new),
        old_text=_opt(change.old_text),
        new_text=_opt(change.new_text),
        note=_opt(change.note),
    )


def shown(result: EnvDiff) -> EnvDiff:
    """``result`` as it may be shown: every value, channel, label and warning redacted.

    Diffs carry the real values (:mod:`envtool.diff.model`); each renderer calls this first.
    """
    return replace(
        result,
        old_source=redact(result.old_source),
        new_source=redact(result.new_source),
        changes=tuple(shown_change(c) for c in result.changes),
        old_channels=tuple(redact(c) for c in result.old_channels),
        new_channels=tuple(redact(c) for c in result.new_channels),
        warnings=tuple(redact(w) for w in result.warnings),
        ignore=tuple(redact(p) for p in result.ignore),
    )


def shown_set(report: DiffSet) -> DiffSet:
    """Every file of ``report`` as it may be shown (see :func:`shown`)."""
    files = tuple(FileDiff(f.status, f.old_path, f.new_path, shown(f.diff)) for f in report.files)
    return replace(report, base=redact(report.base), files=files)


def symbol(change: Change, ascii_only: bool) -> str:
    key: str = change.kind
    if change.kind in ("pip-option-changed", "variables-changed"):
        key = _presence(change)
    return SYMBOLS[key][1 if ascii_only else 0]


def _presence(change: Change) -> str:
    """For an option or variable: whether it was added, removed or changed."""
    return "added" if change.old is None else "removed" if change.new is None else "changed"


def arrow(ascii_only: bool) -> str:
    return "->" if ascii_only else "→"


# C0/C1 controls, Unicode line/paragraph separators and bidi controls (which reorder what a
# reader sees: "Trojan Source").
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


def clean(text: str) -> str:
    """One printable line: control characters (newlines, ANSI escapes, bidi overrides) shown
    escaped."""
    if text.isprintable():  # (each character _CONTROL matches is not): nothing to escape
        return text
    return re.sub(_CONTROL, lambda m: repr(m.group())[1:-1], text)


def label(change: Change) -> tuple[str, bool]:
    """How a summary counts ``change`` ("added", "option added"...), and whether it is counted."""
    kind = change.kind
    if kind == "pip-option-changed":
        return f"option {_presence(change)}", True
    if kind == "variables-changed":
        return _presence(change), True
    if change.note == NOTE_CREDENTIALS:
        return NOTE_CREDENTIALS, True
    plain = {
        "channel-added": "added",
        "channel-removed": "removed",
        "channel-reordered": "reordered",
        "channel-changed": "channel changed",
        "spec-changed": "spec changed",
        "name-changed": "changed",
    }
    return plain.get(kind, kind), kind not in ("channel-reordered", "name-changed")


def phrases(changes: Sequence[Change]) -> list[str]:
    """Counts in listing order: ["10 upgraded (4 major)", "1 downgraded", "1 option added"]."""
    counts: dict[str, int] = {}
    counted: dict[str, bool] = {}
    for change in changes:
        text, is_counted = label(change)
        counts[text] = counts.get(text, 0) + 1
        counted[text] = is_counted
    out = []
    for text, n in counts.items():
        if not counted[text]:
            out.append(text)
            continue
        if text.startswith("option ") and n > 1:
            text = "options " + text[len("option ") :]
        phrase = f"{n} {text}"
        if text == "upgraded":
            major = sum(1 for c in changes if c.kind == "upgraded" and c.size == "major")
            phrase += f" ({major} major)" if major else ""
        out.append(phrase)
    return out


def sections(result: EnvDiff) -> list[tuple[Section, tuple[Change, ...]]]:
    return [(s, result.section(s)) for s in SECTIONS if result.section(s)]


def total(result: EnvDiff) -> str:
    return plural(len(result.changes), "change")


def extra_risks(change: Change) -> list[str]:
    """Risk reasons the row does not already say (a ↓ row says "downgrade" itself)."""
    said = "variant" in (change.note or "")  # "variant cuda -> cpu" says it
    return [
        r
        for r in change.risks
        if _IMPLIED_RISK.get(change.kind) != r and not (said and r == RISK_VARIANT)
    ]


def ignoring(result: EnvDiff) -> str:
    parts = []
    if result.ignore_builds:
        parts.append("build-only changes")
    parts += [redact(p) for p in result.ignore]
    return f" (ignoring {', '.join(parts)})" if parts else ""


def describe(change: Change, ascii_only: bool = False) -> str:
    """One sentence for ``change``, as an annotation or a log line says it.

    >>> from envtool.diff.model import Change
    >>> describe(Change("conda", "upgraded", "numpy", "1.26.4", "2.0.0", "major"))
    'numpy upgraded 1.26.4 → 2.0.0 (major)'
    >>> describe(Change("pip", "removed", "torch", "2.1.0"))
    'pip package torch removed (was 2.1.0)'
    """
    change = shown_change(change)
    to = f" {arrow(ascii_only)} "
    kind, name = change.kind, clean(change.name)
    old, new = clean(change.old or ""), clean(change.new or "")
    what = f"pip package {name}" if change.section == "pip" else name
    if kind in ("upgraded", "downgraded"):
        text = f"{what} {kind} {old}{to}{new}" + (f" ({change.size})" if change.size else "")
    elif kind == "added":
        text = f"{what} added" + (f" ({new})" if new else "")
    elif kind == "removed":
        text = f"{what} removed" + (f" (was {old})" if old else "")
    elif kind == "rebuilt":
        text = f"{what} rebuilt: {old}{to}{new}"
    elif kind == "moved":
        text = f"{name} moved {change.note or ''}: {old or '(any)'}{to}{new or '(any)'}"
    elif kind == "spec-changed":
        text = f"{what} spec changed: {old or '(any)'}{to}{new or '(any)'}"
    elif kind == "channel-changed" and change.section == "channels":
        text = f"channel {name} changed"
    elif kind == "channel-changed":
        text = f"{what} now from channel {new or '(none)'} (was {old or '(none)'})"
    elif kind in ("channel-added", "channel-removed"):
        text = f"channel {name} {label(change)[0]}"
    elif kind == "channel-reordered":
        text = f"channel order changed: {old}{to}{new}"
    elif kind == "name-changed":
        text = f"name changed: {old or '(none)'}{to}{new or '(none)'}"
    elif kind == "variables-changed":
        text = f"variable {name} {label(change)[0]}"
        if change.note == NOTE_VALUE_HIDDEN:
            text = f"variable {name} changed (value hidden)"
        if change.old is not None and change.new is not None and old != new:
            text += f": {old}{to}{new}"
        elif change.new is not None and change.old is None:
            text += f": {new}"
    else:  # pip-option-changed
        text = f"pip {name} {label(change)[0].removeprefix('option ')}"
        text += f": {new or old}" if change.old is None or change.new is None else f": {new}"
    notes = [change.note] if change.note and change.note not in text else []
    notes += extra_risks(change) if kind != "moved" else list(change.risks)
    return text + (f"; {', '.join(clean(n) for n in dict.fromkeys(notes))}" if notes else "")
