"""Editing an export line by line: ``prune`` and ``rename`` straight from the input's lines.

``prune FILE`` and ``rename FILE`` mostly meet files that ``conda env export`` wrote:
``key: value`` lines, a list of ``  - name=version=build`` lines, maybe a ``  - pip:`` list.
In such a file every decision is about one line and every edit replaces, removes or inserts
one line, so :func:`prune` reads the lines, decides each one with the rules of
:mod:`envtool.files.prune` (string operations for the export form:
:func:`envtool.files.spec_rewrite.rewrite_export_groups`) and writes the output lines — no
node tree, no parsed spec and no :class:`~envtool.files.prune.Decision` per line; and
:func:`rename` sets the ``name:`` line and drops the ``prefix:`` line, having checked every
dependency as the general path validates it.

Only a strict subset is taken, where what libyaml's tree and
:mod:`envtool.files.yaml_edit`'s edits make of the file is certain: ASCII; LF or CRLF line
ends (every line's); the top-level keys ``name``, ``channels``, ``dependencies``,
``variables`` and ``prefix``, once each, at column 0; list items as ``  - value`` (pip's
deeper), variables as ``  NAME: value``; every value a plain scalar on its line (no anchor,
tag, ``: ``, `` #``, null word) or, for an item or a variable, simply quoted (no escape, no
doubled quote: a rewrite keeps the quotes), maybe followed by spaces and a trailing comment
(kept on a rewritten line, gone with a dropped one, as the general path's edits do); blank
(or spaces only) and comment lines; a ``---`` line before the first key; and options that
change nothing but single lines. Anything else returns None: the
caller takes the general path, which also gives every error. ``tests/test_prune.py``,
``tests/test_rename.py`` and the fuzzer check that both paths write the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from envtool.files.envfile import EnvFile, make_conda_dep, make_pip_dep
from envtool.files.portable import platform_only
from envtool.files.prune import Decision, PruneOptions, first_match, prune_conda, prune_pip
from envtool.files.spec_rewrite import rewrite_export_groups
from envtool.files.yaml_edit import plain_word, scalar_text

# A value that reads as the same plain text in libyaml and in conda's reader, on its line:
# a first character that is no indicator ("-" only before a non-space), no ": ", no " #",
# no two spaces, nothing but printable ASCII, no space or ":" last.
_VALUE = r"(?:[A-Za-z0-9_./~$^+=<(\\]|-[!-~])(?:[!-~]|(?<!:) (?![ #]))*(?<![ :])"
# A line's tail after a plain value (or a bare key): spaces, maybe then "#" and a comment's text
# (libyaml: " #" after a plain scalar ends it). An edit keeps it, as the general path's do.
_TAIL = r"( +(?:#[ -~]*)?)?"
_KEY_LINE = re.compile(rf"(name|channels|dependencies|variables|prefix):(?: ({_VALUE}))?{_TAIL}")
# A variable: ``  NAME: value`` (plain, or quoted with nothing to unescape) or ``  NAME:``.
_QUOTED = "'[ !#-&(-\\[\\]-~]*'|\"[ !#-&(-\\[\\]-~]*\""
_VARIABLE = re.compile(rf"  ([A-Za-z_][A-Za-z0-9_.-]*):(?: (?:{_VALUE}|{_QUOTED}))?{_TAIL}")
_ITEM = re.compile(rf"  - ({_VALUE}|{_QUOTED}){_TAIL}")
_PIP_ITEM = re.compile(rf"( {{4,}}- )({_VALUE}|{_QUOTED}){_TAIL}")
_PIP_KEY = re.compile(rf"  - pip:{_TAIL}")
# An item in the export form: the groups of spec_rewrite._EXPORT_FORM, after "  - ".
_NUMBER = r"(?:0|[1-9][0-9]{0,8})[a-z]?"
_EXPORT_ITEM = re.compile(
    r"  - ((?:([A-Za-z0-9_][A-Za-z0-9_.-]*)::)?([A-Za-z0-9_][A-Za-z0-9_.-]*))(==?)"
    rf"({_NUMBER}(?:\.{_NUMBER})*)(?:=([A-Za-z0-9_][A-Za-z0-9_.+]*))?{_TAIL}"
)
_START = re.compile(r"---(?: +(?:#[ -~]*)?)?").fullmatch  # "---", maybe a comment after it
_COMMENT = re.compile(r" *(?:#[ -~]*)?").fullmatch  # a comment line, or spaces only
_NULL_WORDS = frozenset(("~", "null", "Null", "NULL"))
_MAX_LINES = 150_000  # more: the general path (which refuses past envfile.MAX_NODES)
_MAX_LINE = 10_000  # characters; longer: the general path
# A conda line's verdict: None (left as it is), "" (dropped) or its new text.
_Verdict = str | None
_INVALID = "\0"  # a spec that does not parse: the general path gives its error


def prune(text: str, options: PruneOptions) -> str | None:
    """``text`` pruned by ``options`` as :func:`envtool.ops.prune.prune_file` would write it,
    or None when the text or the options are outside what this path is certain of."""
    if options.leaves or options.channels is not None or (options.no_pip and options.pip_only):
        return None  # (the last two: the general path's usage errors)
    return _edit(
        text,
        _conda_rule(options),
        lambda value: _general_conda(value, options),
        lambda lines: _pip(lines, options),
        None,
        not options.keep_prefix,
    )


def rename(text: str, new_name: str, *, keep_prefix: bool = False) -> str | None:
    """``text`` renamed as :func:`envtool.ops.rename.rename_text` would write it (``name:``
    set or inserted first, ``prefix:`` dropped), or None when the text is outside the subset
    or holds a dependency that does not parse (the general path's error)."""
    return _edit(text, _keep, _valid_conda, _valid_pip, new_name, not keep_prefix)


def _keep(name: str, head: str, op: str, ver: str, build: str | None) -> _Verdict:
    return None  # an export-form spec parses (spec.parse_conda reads it without rattler)


def _valid_conda(value: str) -> _Verdict:
    return _INVALID if make_conda_dep(value).spec is None else None


def _valid_pip(lines: list[str]) -> list[str | None] | None:
    values = _pip_values(lines)
    if values is None or any(make_pip_dep(value).problem for value in values[1]):
        return None
    return list(lines)


def _edit(
    text: str,
    export_rule: Callable[[str, str, str, str, str | None], _Verdict],
    other_rule: Callable[[str], _Verdict],
    pip_rule: Callable[[list[str]], list[str | None] | None],
    new_name: str | None,
    drop_prefix: bool,
) -> str | None:
    """``text`` with each conda item's verdict applied (``export_rule`` for the export form,
    from its groups; ``other_rule`` for any other value), the pip list's lines as
    ``pip_rule`` makes them, ``name:`` set to ``new_name`` (None: left alone) and ``prefix:``
    dropped or kept; None when the text is outside the subset."""
    if "\r" in text:  # CRLF line ends (a Windows export), each line's: edited as LF lines
        if not text.count("\r") == text.count("\r\n") == text.count("\n"):
            return None
        edited = _edit(
            text.replace("\r\n", "\n"), export_rule, other_rule, pip_rule, new_name, drop_prefix
        )
        return None if edited is None else edited.replace("\n", "\r\n")
    lines = text.split("\n")
    terminated = lines[-1] == ""
    if terminated:
        lines.pop()
    if not lines or len(lines) > _MAX_LINES or max(map(len, lines)) > _MAX_LINE:
        return None
    decide = export_rule
    out: list[str] = []
    first_key = -1  # where the first key's line goes in ``out``
    seen: set[str] = set()
    section = ""  # the top-level key whose list the lines are in
    pip_at = -1  # where the pip list's lines start in ``lines``, and end
    pip_end = -1
    pip_slot = -1  # where its lines go in ``out``
    conda_kept = conda_dropped = 0
    last_dropped = False
    export_item, item, key_line = _EXPORT_ITEM.fullmatch, _ITEM.fullmatch, _KEY_LINE.fullmatch
    pip_key = _PIP_KEY.fullmatch
    variable = _VARIABLE.fullmatch
    names: set[str] = set()  # the variables' names
    started = False  # a "---" line seen
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        last_dropped = False
        if section == "dependencies" and line[:4] == "  - ":
            form = export_item(line)
            if form is not None:
                head, _, name, op, ver, build, tail = form.groups()
                new = decide(name, head, op, ver, build)
            elif pip_key(line) is not None:
                if pip_at >= 0:
                    return None  # two pip sections: the general path merges them
                out.append(line)
                pip_at = i + 1
                i = pip_at
                while i < n and lines[i][:4] == "    ":
                    i += 1
                pip_end = i
                if pip_end == pip_at:
                    return None  # "- pip:" with nothing under it
                pip_slot = len(out)
                out.append("")  # (filled in below)
                continue
            else:
                found = item(line)
                if found is None:
                    return None
                value, tail = found.groups()
                style = value[0] if value[0] in "'\"" else ""
                if style:
                    value = value[1:-1]  # simply quoted: nothing to unescape
                elif value in _NULL_WORDS:
                    return None
                new = other_rule(value)
                if new == _INVALID:
                    return None
                if new:
                    new = _rendered(new, style)
            if new is None:
                out.append(line)
                conda_kept += 1
            elif new == "":
                conda_dropped += 1
                last_dropped = True
            else:
                out.append("  - " + new + tail if tail else "  - " + new)
                conda_kept += 1
            i += 1
            continue
        if section == "channels" and line[:4] == "  - ":
            found = item(line)
            if found is None or found[1] in _NULL_WORDS:
                return None
            out.append(line)
            i += 1
            continue
        if section == "variables" and line[:2] == "  " and line[2:3] not in ("", " ", "#"):
            found = variable(line)
            if found is None or found[1] in names:
                return None  # (a duplicate: the general path's error)
            names.add(found[1])
            out.append(line)  # left as it is: no command here edits variables
            i += 1
            continue
        if not line or _COMMENT(line):
            out.append(line)  # a blank or comment line: kept, and no node
            i += 1
            continue
        if line[:3] == "---" and not seen and not started and _START(line):
            started = True  # the document's start marker, before its first key
            out.append(line)
            i += 1
            continue
        found = key_line(line)
        if found is None:
            return None
        key, value, tail = found.groups()
        if key in seen:
            return None
        seen.add(key)
        if first_key < 0:
            first_key = len(out)
        if key in ("channels", "dependencies"):
            if value is not None or i + 1 == n or lines[i + 1][:4] != "  - ":
                return None  # (an empty or inline list: the general path)
            section = key
            out.append(line)
        elif key == "variables":
            if value is not None or i + 1 == n or variable(lines[i + 1]) is None:
                return None  # (an empty or inline mapping: the general path)
            section = key
            out.append(line)
        else:
            if value is None or value in _NULL_WORDS:
                return None
            section = ""
            if key == "prefix" and drop_prefix:
                last_dropped = True
            elif key == "name" and new_name is not None:
                out.append("name: " + scalar_text(new_name, None, False) + (tail or ""))
            else:
                out.append(line)
        i += 1
    if "dependencies" not in seen:
        return None
    if pip_at >= 0:
        pip_lines = pip_rule(lines[pip_at:pip_end])
        if pip_lines is None:
            return None
        out[pip_slot] = "\n".join(line for line in pip_lines if line is not None)
        if pip_end == n:
            last_dropped = pip_lines[-1] is None
    elif conda_kept == 0 and conda_dropped:
        return None  # nothing left: the general path writes "dependencies: []"
    if new_name is not None and "name" not in seen:  # inserted before the first key
        out.insert(first_key, "name: " + scalar_text(new_name, None, False))
    if (terminated or last_dropped) and out:
        out.append("")
    return "\n".join(out)


def _conda_rule(options: PruneOptions) -> Callable[[str, str, str, str, str | None], _Verdict]:
    """The verdict on one export-form item, from its groups (name as written, head with its
    channel, operator, version, build), as :func:`envtool.files.prune.prune_conda` decides."""
    no_builds, keep_variant, pin = options.no_builds, options.keep_variant_builds, options.pin
    drop, keep, portable, pip_only = options.drop, options.keep, options.portable, options.pip_only
    drops = bool(drop or portable or pip_only)

    def decide(name: str, head: str, op: str, ver: str, build: str | None) -> _Verdict:
        if drops:
            lower = name.lower()
            if (
                (drop and first_match(lower, drop, pip=False) is not None)
                or (portable and platform_only(lower) is not None)
                or (pip_only and lower not in ("python", "pip"))
            ) and (not keep or first_match(lower, keep, pip=False) is None):
                return ""
        return rewrite_export_groups(head, op, ver, build, no_builds, keep_variant, pin)

    return decide


def _general_conda(value: str, options: PruneOptions) -> _Verdict:
    """The verdict on a conda item in any other form, from the general rules themselves."""
    dep = make_conda_dep(value)
    if dep.spec is None:
        return _INVALID
    decisions: list[Decision] = []
    # keeps_pip only counts for --leaves, which this path does not take.
    kept = prune_conda(dep, options, None, False, decisions, {})
    if kept is None:
        return ""
    return next((d.new for d in decisions if d.action == "rewrite"), None)


def _pip(lines: list[str], options: PruneOptions) -> list[str | None] | None:
    """The pip list's lines pruned (None: a line dropped), or None when that is not certain
    or the whole section goes."""
    found = _pip_values(lines)
    if found is None:
        return None
    indent, values, tails, styles = found
    deps = tuple(make_pip_dep(v, None, ("dependencies", 0, "pip", j)) for j, v in enumerate(values))
    if any(d.problem for d in deps):
        return None
    if options.no_pip:
        return None  # the whole section goes: the general path
    kept, decisions = prune_pip(EnvFile(pip=deps), options)
    if kept is None:
        return None
    new_values: list[str | None] = [st + v + st for v, st in zip(values, styles, strict=True)]
    for d in decisions:
        index = d.path[-1]
        assert isinstance(index, int)
        if d.action == "drop":
            new_values[index] = None
        elif d.action == "rewrite" and d.new is not None:
            new_values[index] = _rendered(d.new, styles[index])
    return [
        None if v is None else indent + v + tail for v, tail in zip(new_values, tails, strict=True)
    ]


def _pip_values(lines: list[str]) -> tuple[str, list[str], list[str], list[str]] | None:
    """The pip list's indent ("    - "), values, line tails ("" for none) and quote styles
    ("" for plain), or None when a line is not a plain or simply quoted item at the one
    indent."""
    indent = ""
    values: list[str] = []
    tails: list[str] = []
    styles: list[str] = []
    for line in lines:
        found = _PIP_ITEM.fullmatch(line)
        if found is None or (indent and found[1] != indent) or found[2] in _NULL_WORDS:
            return None
        indent, value = found[1], found[2]
        style = value[0] if value[0] in "'\"" else ""
        values.append(value[1:-1] if style else value)
        tails.append(found[3] or "")
        styles.append(style)
    return indent, values, tails, styles


def _rendered(new: str, style: str) -> str:
    """A new value as the edit writes it in place of an item: of a plain one, plain unless it
    must be quoted; of a quoted one, in its quotes."""
    if style:
        return scalar_text(new, style, False)
    return new if plain_word(new) else scalar_text(new, None, False)
