"""Fuzzing envtool's file commands: mutations of real files, and the invariants every input keeps.

Used by ``tests/test_fuzz.py`` (a bounded budget in CI) and ``bench/fuzz.py`` (a long one).

Inputs are real environment files (``../shared/corpus`` when present, ``tests/data``) mutated
by :func:`mutate` — byte flips, truncation, BOMs, CR/CRLF/U+2028 line ends, block scalars,
anchors and alias fan-out, tags, duplicate keys, deep nesting, huge scalars, control
characters, lines spliced from other files. :func:`check_input` runs one input through parse,
check, rename, prune and diff in-process, through the functions the CLI calls, and returns the
broken invariants (an empty list: all held):

* nothing but an :class:`~envtool.errors.EnvtoolError` (exit 2) escapes — no traceback (exit 3);
  its message, and every finding of ``check``, is one printable line (no raw control character);
* one verdict: ``parse`` refuses a file iff ``check`` reports it invalid (E001/E002/E003/E101/
  E102), and ``rename``/``prune`` refuse it then with the very same error;
* ``rename``'s line path writes the general path's bytes, and only for files it accepts;
  its output re-parses, has the new name and no prefix, and nothing else changed:
  not in what it holds, nor in a byte outside those two entries (but aliases written out);
* ``prune``'s output re-parses to exactly the pruned file; its line-by-line path
  (:mod:`envtool.files.line_edit`) takes only files parse accepts, and writes the very bytes
  of the general path;
* ``diff(a, a)`` is empty; ``diff(a, b)`` mirrors ``diff(b, a)``; ``diff(a, b)`` renders in
  every format (text, Markdown, JSON that loads, GitHub annotations) with nothing unprintable;
* each input's work is bounded in time and (:func:`check_bounded`) in memory.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from envtool.errors import EnvtoolError

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
DATA = ROOT / "tests" / "data"
# CPU seconds (not wall time: a loaded machine must not fail inputs); far above what any input
# takes, so only a loop or a blow-up goes past it.
SECONDS_PER_INPUT = 5.0
# Peak memory an input may add (issue 11: "within ~10x the input"); measured: at most ~4x for
# 1-2 MB inputs, and 12 MB for the largest small one (caches warming up).
MEMORY_FACTOR = 10
MEMORY_SLACK = 48 * 2**20
INVALID_CODES = {"E001", "E002", "E003", "E101", "E102"}


def seeds() -> list[bytes]:
    """Real environment files: the shared corpus (when present) and the tests' own data."""
    paths = sorted(CORPUS.glob("*.yml")) if CORPUS.is_dir() else []
    paths += sorted(p for p in DATA.rglob("*.y*ml") if p.is_file() and ".git" not in p.parts)
    out = []
    for p in paths:
        data = p.read_bytes()
        if len(data) < 200_000:
            out.append(data)
    return out


# ------------------------------------------------------------------------------ mutations


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def _pick_line(rng: random.Random, text: str) -> tuple[list[str], int]:
    lines = _lines(text)
    return lines, rng.randrange(len(lines))


def m_flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def m_truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def m_bom(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return b"\xef\xbb\xbf" + data
    if choice == 1:
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    text = data.decode("utf-8", "replace")
    return text.encode("utf-16" if choice == 2 else "utf-16-be")


def m_line_ends(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    new = rng.choice(["\r", "\r\n", "\u2028", "\u2029", "\x85", "\n\r"])
    if rng.random() < 0.5:
        return text.replace("\n", new).encode("utf-8")
    lines, i = _pick_line(rng, text)
    lines[i] = lines[i].rstrip("\n") + new
    return "".join(lines).encode("utf-8")


# An item or key with a plain one-line value: "  - numpy=1.0", "name: x". The value ends on a
# non-space character, so a run of spaces is matched one way only (no quadratic backtracking).
_SCALAR_ITEM = re.compile(r"(\s*(?:- |\w+: ))([^\s#&*!|>'\"\[{](?:[^#\n]*[^\s#])?)\s*$")


def _scalar_item(rng: random.Random, text: str) -> tuple[list[str], int, re.Match[str]] | None:
    lines = _lines(text)
    items = [(i, m) for i, line in enumerate(lines) if (m := _SCALAR_ITEM.match(line))]
    if not items:
        return None
    i, m = rng.choice(items)
    return lines, i, m


def m_block_scalar(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    found = _scalar_item(rng, text)
    if found is None:
        return data
    lines, i, m = found
    indent = " " * (len(m.group(1)) + rng.randint(0, 2))
    style = rng.choice([">-", "|", ">", "|-", "|+", ">2"])
    lines[i] = f"{m.group(1)}{style}\n{indent}{m.group(2)}\n" + ("\n" if rng.random() < 0.3 else "")
    return "".join(lines).encode("utf-8")


def m_anchor(rng: random.Random, data: bytes) -> bytes:
    """Anchor a value and use it elsewhere: as a top-level key, an item, or fanned out."""
    text = data.decode("utf-8", "replace")
    found = _scalar_item(rng, text)
    if found is None:
        return data
    lines, i, m = found
    lines[i] = f"{m.group(1)}&a{i} {m.group(2)}\n"
    use = rng.randrange(4)
    if use == 0:
        lines.append(f"extra{i}: *a{i}\n")
    elif use == 1:
        lines.append(f"extra{i}: [{', '.join([f'*a{i}'] * rng.randint(1, 2000))}]\n")
    elif use == 2:
        j = rng.randrange(len(lines))
        if re.match(r"^\s*- ", lines[j]):
            lines.insert(j, re.match(r"^(\s*- )", lines[j]).group(1) + f"*a{i}\n")  # type: ignore[union-attr]
    else:
        lines.append(f"prefix: *a{i}\n")
    return "".join(lines).encode("utf-8")


def m_fan_out(rng: random.Random, data: bytes) -> bytes:
    """An anchored pip block referenced many times (the 55 KB file of issue 11, scaled)."""
    n, refs = rng.randint(1, 300), rng.randint(1, 300)
    block = "".join(f"      - p{i}==1\n" for i in range(n))
    where = rng.choice(["dependencies", "extra"])
    if where == "extra":
        text = data.decode("utf-8", "replace").rstrip("\n") + "\n"
        return (text + f"x: &p\n{block}y: [{', '.join(['*p'] * refs)}]\n").encode("utf-8")
    return (
        "name: fan\ndependencies:\n  - pip\n  - pip: &p\n" + block + "  - pip: *p\n" * refs
    ).encode("utf-8")


def m_tag(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    found = _scalar_item(rng, text)
    if found is None:
        return data
    lines, i, m = found
    tag = rng.choice(
        ["!!python/name:os.system ", "!!str ", "!custom ", "! ", "!!int ", "!!binary "]
    )
    lines[i] = f"{m.group(1)}{tag}{m.group(2)}\n"
    return "".join(lines).encode("utf-8")


def m_duplicate_line(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    lines, i = _pick_line(rng, text)
    lines.insert(rng.randrange(len(lines) + 1), lines[i] if lines[i].endswith("\n") else "\n")
    return "".join(lines).encode("utf-8")


def m_duplicate_key(rng: random.Random, data: bytes) -> bytes:
    """A key written twice in one mapping: top level, in a pip entry, or in a flow mapping."""
    text = data.decode("utf-8", "replace")
    lines = _lines(text)
    keys = [i for i, line in enumerate(lines) if re.match(r"^(\s*(?:- )?)[\w.-]+\s*:", line)]
    choice = rng.randrange(3)
    if choice == 0 and keys:
        i = rng.choice(keys)
        indent = re.match(r"^(\s*)(- )?", lines[i])
        assert indent is not None
        key = lines[i][indent.end() :].split(":", 1)[0]
        value = rng.choice(["", " x", " [a]", " {}", " *a0", " /p"])
        lines.insert(i + 1, " " * indent.end() + f"{key}:{value}\n")
    elif choice == 1:
        key = rng.choice(["name", "dependencies", "channels", "prefix", "variables", "pip"])
        lines.insert(rng.randrange(len(lines) + 1), f"{key}: {rng.choice(['x', '[]', '{}'])}\n")
    else:
        key = rng.choice(["A", "pip", "name"])
        lines.append(f"variables: {{{key}: 1, {key}: 2}}\n")
    return "".join(lines).encode("utf-8")


def m_delete_line(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    lines, i = _pick_line(rng, text)
    del lines[i]
    return "".join(lines).encode("utf-8")


def m_indent(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    lines, i = _pick_line(rng, text)
    lines[i] = (" " * rng.randint(1, 4) + lines[i]) if rng.random() < 0.5 else lines[i].lstrip()
    return "".join(lines).encode("utf-8")


_TAILS = (
    " # c",
    "  ",
    " ",
    "  # note",
    "   #",
    " #c: d",
    "#c",
    "\t# tab",
    " # \u00e9",
    " # ' \"",
    " #-",
)


def m_comment(rng: random.Random, data: bytes) -> bytes:
    """Trailing comments on a few lines, or on every line (a hand-written file's)."""
    text = data.decode("utf-8", "replace")
    lines = _lines(text)
    every = rng.random() < 0.3
    picked = [rng.randrange(len(lines)) for _ in range(rng.randint(1, 3))]
    for i in range(len(lines)) if every else picked:
        body = lines[i].rstrip("\r\n")
        if body.strip() and (not every or i % 2):
            lines[i] = body + rng.choice(_TAILS) + lines[i][len(body) :]
    return "".join(lines).encode("utf-8")


def m_quote(rng: random.Random, data: bytes) -> bytes:
    """An item's text (up to a comment) in single or double quotes, maybe with one inside."""
    text = data.decode("utf-8", "replace")
    lines = _lines(text)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        found = re.match(r"( *- )([^#\r\n]*?)( *(?:#[^\r\n]*)?)(\r?\n?)$", lines[i])
        if found:
            mark = rng.choice("'\"")
            inner = found[2] + (
                rng.choice(["'", '"', "\\", " #x", ""]) if rng.random() < 0.2 else ""
            )
            lines[i] = found[1] + mark + inner + mark + found[3] + found[4]
    return "".join(lines).encode("utf-8")


def m_deep(rng: random.Random, data: bytes) -> bytes:
    """Nesting past the parser's limits: flow or block style, under a key or as an item."""
    depth = rng.choice([5, 99, 101, 150, 1000, 5000])
    text = data.decode("utf-8", "replace").rstrip("\n") + "\n"
    style = rng.randrange(4)
    if style == 0:
        nest = "[" * depth + "]" * depth
    elif style == 1:
        nest = "{a: " * depth + "}" * depth
    elif style == 2:  # block mappings, one more indent each
        depth = min(depth, 1000)
        nest = "".join("\n" + "  " * (d + 1) + "a:" for d in range(depth)) + " x"
    else:  # block sequences: "- - - - x"
        nest = "- " * depth + "x"
    if rng.random() < 0.5:
        return (text + f"deep: {nest}\n").encode("utf-8")
    lines = _lines(text)
    items = [i for i, line in enumerate(lines) if re.match(r"^\s*- ", line)]
    if not items:
        return (text + f"deep: {nest}\n").encode("utf-8")
    i = rng.choice(items)
    dash = re.match(r"^(\s*- )", lines[i])
    assert dash is not None
    if style == 2:
        nest = "".join("\n" + " " * len(dash.group(1)) + "  " * d + "a:" for d in range(depth))
        nest += " x"
    lines.insert(i, f"{dash.group(1)}{nest}\n")
    return "".join(lines).encode("utf-8")


def m_huge(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    found = _scalar_item(rng, text)
    size = rng.choice([1_000, 10_000, 10_000, 100_000, 100_000, 1_000_000])
    if found is None:
        return (text + "x" * size).encode("utf-8")
    lines, i, m = found
    lines[i] = f"{m.group(1)}{m.group(2)}{rng.choice('ax=.-* ') * size}\n"
    return "".join(lines).encode("utf-8")


_CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u202e", "\u2066", "\ufeff", "\t"]


def m_control(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    at = rng.randrange(len(text) + 1)
    return (text[:at] + rng.choice(_CONTROLS) + text[at:]).encode("utf-8")


_SNIPPETS = [
    "  - pip:\n      - numpy==1.0\n",
    "  - {pip: [a]}\n",
    "  - pip: x\n",
    "dependencies: {a: 1}\n",
    "prefix: /home/me/env\n",
    "prefix:\n",
    "name:\n",
    "channels: [a, b, a]\n",
    "variables: {A: 1, B: [x]}\n",
    "  - 'x=='\n",
    "  - https://u:p@host/chan::x[[\n",
    "  - --extra-index-url https://me:s3cret@pypi.example/simple\n",
    "---\n",
    "<<<<<<< HEAD\n",
    "  - invisible-watermark\n",
    "      - invisible_watermark==0.2\n",
    "  - torch~=1.13.0\n",
    "  - numpy>=1.20\n",
    "? complex\n: key\n",
    "dependencies: []\n",
    "  - *undefined\n",
    "  - &x numpy=1=h\n  - *x\n",
    "  - |\n    block=1=h\n",
    "  - python=3.11=h_0 # comment\n",
    "  -\n",
    "  - ~\n",
    "\t- tab\n",
]


def m_snippet(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    lines, i = _pick_line(rng, text)
    lines.insert(i, rng.choice(_SNIPPETS))
    return "".join(lines).encode("utf-8")


def m_splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    a, b = _lines(data.decode("utf-8", "replace")), _lines(other.decode("utf-8", "replace"))
    i, j = rng.randrange(len(a) + 1), rng.randrange(len(b))
    return "".join(a[:i] + b[j : j + rng.randint(1, 10)] + a[i:]).encode("utf-8")


MUTATORS = (
    m_flip,
    m_truncate,
    m_bom,
    m_line_ends,
    m_block_scalar,
    m_anchor,
    m_fan_out,
    m_tag,
    m_duplicate_line,
    m_duplicate_key,
    m_delete_line,
    m_indent,
    m_comment,
    m_quote,
    m_deep,
    m_huge,
    m_control,
    m_snippet,
)


def mutate(rng: random.Random, pool: list[bytes]) -> bytes:
    """One to three mutations of a random seed (sometimes spliced with another)."""
    data = rng.choice(pool)
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        if rng.random() < 0.1:
            data = m_splice(rng, data, rng.choice(pool))
        else:
            data = rng.choice(MUTATORS)(rng, data)
    return data


# ----------------------------------------------------------------------------- invariants


# What must not reach a terminal or a CI log raw from an input file: line breaks of every kind
# (a CR rewrites the line, a LF forges a `::error` annotation), other C0/C1 controls (ANSI
# escapes), U+2028/9 and bidi overrides. Tabs too: messages quote values escaped.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Failure:
    what: str
    detail: str
    data: bytes


_MIRROR = {
    "added": "removed",
    "removed": "added",
    "upgraded": "downgraded",
    "downgraded": "upgraded",
    "channel-added": "channel-removed",
    "channel-removed": "channel-added",
}


def _mirror_key(change: object, reverse: bool) -> tuple[object, ...]:
    kind, section = change.kind, change.section
    old, new = change.old, change.new
    if reverse:
        kind = _MIRROR.get(kind, kind)
        old, new = new, old
        if kind == "moved":  # its section is where it went
            section = {"conda": "pip", "pip": "conda"}[section]
    return (section, kind, change.name, old, new, change.size)


def _check_rendered(result: Any, guarded: Any, fail: Any) -> None:
    """A diff in every format: no exception, JSON that loads, nothing unprintable but line ends
    (text without colour, Markdown and GitHub annotations escape what the files hold)."""
    import json

    from envtool.render import FORMATS, render

    for fmt in FORMATS:
        out, _ = guarded(f"render {fmt}", render, result, fmt, path="env.yml")
        if out is None:
            continue
        if _UNPRINTABLE.search(out.replace("\n", "")):
            found = _UNPRINTABLE.search(out.replace("\n", ""))
            fail(f"render {fmt}: an unprintable character", repr(found.group()))  # type: ignore[union-attr]
        if fmt == "json":
            try:
                json.loads(out)
            except ValueError as exc:
                fail("render json: not JSON", exc)


def _lines_changed_outside(before: str, after: str, env: Any, new_name: str) -> str | None:
    """What ``rename`` changed outside the ``name:`` and ``prefix:`` entries (None: nothing).

    Lines are compared as multisets (linear time): a removed line must lie in one of those two
    entries (from its key to the next top-level key) or hold an alias (``*a``), which an edit
    writes out in place; every added line is the new name's (one) or such a written-out alias.
    Lines are compared without their line ends, and blank lines not at all: deleting the lines
    between a CR-ended line and an empty LF line joins them into one CRLF line, and the blank
    lines after a deletion may go (:mod:`envtool.files.yaml_edit`); where a blank line means
    something (in a block scalar), the check of what the output holds sees it.
    """
    lines = before.splitlines()
    starts = sorted(env.key_lines.values())
    inside: Counter[str] = Counter()
    for key in ("name", "prefix"):
        first = env.key_lines.get(key)
        if first is not None:
            upto = next((s for s in starts if s > first), len(lines) + 1)
            inside.update(line for line in lines[first - 1 : upto - 1] if line.strip())
    old = Counter(line for line in lines if line.strip())
    new = Counter(line for line in after.splitlines() if line.strip())
    outside = (old - new) - inside
    aliases = sum(n for line, n in outside.items() if "*" in line)
    if aliases != sum(outside.values()):
        return f"removed {[line for line in outside if '*' not in line][:3]!r}"
    added = list((new - old).elements())
    named = [line for line in added if new_name in line]  # the key as written: `name\t:`
    if len(named) > 1 or len(added) - len(named) > aliases:
        return f"added {added[:3]!r}"
    return None


_OTHERS: dict[bytes, object] = {}  # parsed seed files (the usual "other" side), by content


def _parsed_other(other: bytes, fail: object) -> Any:
    """``other`` parsed (None if it does not parse); seed files are parsed once."""
    from envtool.files import envfile, fileio

    if other in _OTHERS:
        return _OTHERS[other]
    try:
        env: object = envfile.parse_file(fileio.decode(other, "other.yml"))
    except EnvtoolError:
        env = None
    except Exception as exc:
        fail(f"parse other: {type(exc).__name__} (exit 3)", exc)  # type: ignore[operator]
        return None
    if len(_OTHERS) < 500:
        _OTHERS[other] = env
    return env


def _memory(key: str) -> int | None:
    """``VmRSS``/``VmHWM`` of this process in bytes (Linux), or None where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Start a new peak-memory measurement (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def check_bounded(data: bytes, other: bytes | None = None) -> list[Failure]:
    """:func:`check_input` plus a memory bound: the input's work may raise this process's peak
    resident memory by at most ``MEMORY_FACTOR`` times the input's size (both files) plus
    ``MEMORY_SLACK`` (caches, the allocator). Where peaks cannot be measured, time only."""
    before = _memory("VmRSS") if _reset_peak() else None
    failures = check_input(data, other)
    peak = _memory("VmHWM") if before is not None else None
    if before is not None and peak is not None:
        size = len(data) + len(other or b"")
        if peak - before > MEMORY_FACTOR * size + MEMORY_SLACK:
            growth = (peak - before) / 2**20
            failures.append(Failure("memory", f"{growth:.0f} MB more for {size} bytes", data))
    return failures


def lean_vs_eager(text: str, env: Any) -> str | None:
    """None when every conda dependency of ``env`` (parsed from ``text``) is what an eager
    parse makes of its line: the same spec (or problem) and name, whether its spec is read
    lazily or kept, equal and hashed alike, and its ``path`` leads to its line in the YAML
    tree; else the first difference."""
    from envtool.files import envfile
    from envtool.spec import SpecError, parse_conda

    root = envfile.compose(text, "env.yml")
    for dep in env.conda:
        try:
            spec, problem = parse_conda(dep.text), None
        except SpecError as exc:
            spec, problem = None, str(exc)
        eager = envfile.CondaDep(dep.text, spec, problem, dep.line, dep.path)
        parts = None if spec is None else (spec.name, spec.channel, spec.build)
        # Read before dep.spec, which keeps the spec: the lazy paths first.
        lazy = (envfile.conda_parts(dep), envfile.conda_key(dep), dep.name, dep.parsed())
        want = (parts, eager.name.strip(), eager.name, spec)
        if lazy != want:
            return f"{dep.text!r}: {lazy} != {want}"
        if (dep.spec, dep.problem, dep.name) != (spec, problem, eager.name):
            return f"{dep.text!r}: {dep!r} != {eager!r}"
        if dep != eager or hash(dep) != hash(eager):
            return f"{dep.text!r}: not equal to an eager CondaDep"
        node: Any = root
        for step in dep.path:
            node = node.value[step] if isinstance(step, int) else _value_of(node, step)
        line = envfile.node_line(node)
        if (node.value, line) != (dep.text, dep.line):
            return f"{dep.text!r}: path {dep.path} leads to {node.value!r} on line {line}"
    return None


def diff_by_index(old: Any, new: Any, *, ignore: tuple[str, ...] = ()) -> Any:
    """``diff(old, new)`` with the conda packages paired through a name index of each file
    (``Comparison._index_conda``) instead of ``diff``'s merge by name."""
    from envtool.diff.compare import Comparison, ignorer

    class Indexed(Comparison):
        def _merge_conda(self) -> tuple[dict[str, Any], dict[str, Any]]:
            return self._index_conda(self.old), self._index_conda(self.new)

    builder = Indexed(old, new, False, ignorer(ignore))
    builder.compare()
    return builder.result(ignore)


def _value_of(mapping: Any, key: str) -> Any:
    return next(v for k, v in mapping.value if k.value == key)


def check_input(data: bytes, other: bytes | None = None, source: str = "env.yml") -> list[Failure]:
    """Run ``data`` through every file command; the invariants it broke (empty: none)."""
    from yamltree import fast_vs_libyaml  # the fast composer builds libyaml's tree, or declines

    from envtool.diff.compare import diff
    from envtool.files import envfile, fileio, line_edit, lint
    from envtool.files.prune import PruneOptions, apply_edits, prune
    from envtool.ops.rename import rename_text

    failures: list[Failure] = []
    start = time.process_time()

    def fail(what: str, detail: object) -> None:
        failures.append(Failure(what, str(detail)[:500], data))

    def guarded(what: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        """(result, None) or (None, the EnvtoolError); anything else escaping is a failure."""
        try:
            return fn(*args, **kwargs), None
        except EnvtoolError as exc:
            if _UNPRINTABLE.search(str(exc)):
                fail(f"{what}: an error that is not one printable line", repr(str(exc)))
            return None, exc
        except Exception as exc:
            fail(f"{what}: {type(exc).__name__} (exit 3)", exc)
            return None, exc

    findings, _ = guarded("check", lint.lint_bytes, data, source)
    for finding in findings or ():
        if _UNPRINTABLE.search(finding.message):
            fail("check: a finding that is not one printable line", repr(finding.message))
            break
    tf, decode_error = guarded("decode", fileio.decode, data, source)
    if tf is None:
        if findings is not None and not any(f.code == "E001" for f in findings):
            fail("verdict: undecodable but check finds no E001", decode_error)
        return failures
    tree_difference, _ = guarded("fast compose", fast_vs_libyaml, tf.text)
    if tree_difference:
        fail("fast compose: a tree unlike libyaml's", tree_difference)
    env, parse_error = guarded("parse", envfile.parse_file, tf)
    if env is not None:
        lean_difference, _ = guarded("lean model", lean_vs_eager, tf.text, env)
        if lean_difference:
            fail("parse: the lean model differs from an eager parse", lean_difference)
    invalid = {f.code for f in findings or ()} & INVALID_CODES
    if findings is not None and bool(invalid) != (parse_error is not None):
        fail("verdict: check and parse disagree", f"check {sorted(invalid)}, parse {parse_error}")

    renamed, rename_error = guarded("rename", rename_text, tf.text, "renamed", source=source)
    by_lines, _ = guarded("rename lines", line_edit.rename, tf.text, "renamed")
    if by_lines is not None and (rename_error is not None or by_lines != renamed):
        fail("rename: the line path differs from the general path", rename_error or by_lines)
    if parse_error is not None:
        if rename_error is None or str(rename_error) != str(parse_error):
            fail("verdict: rename does not refuse with parse's error", rename_error)
    elif renamed is not None and env is not None:
        after, error = guarded("rename re-parse", envfile.parse_file, replace(tf, text=renamed))
        if error is not None:
            fail("rename: output does not re-parse", error)
        elif after is not None:
            want = replace(env, name="renamed", prefix=None, key_lines={})
            got = replace(after, key_lines={})
            if got != want:
                fail("rename: changed more than name and prefix", f"{want} -> {got}")
            elif (changed := _lines_changed_outside(tf.text, renamed, env, "renamed")) is not None:
                fail("rename: changed bytes outside name and prefix", changed)

    options = PruneOptions(no_builds=True, portable=True, pin="minor", drop=("*mutex*",))
    lines, _ = guarded("prune lines", line_edit.prune, tf.text, options)  # None: not an export
    if lines is not None and env is None:
        fail("prune: the line path takes a file parse refuses", parse_error)
    if env is not None:
        result, _ = guarded("prune", prune, env, options)
        if result is not None:
            text, error = guarded("prune edit", apply_edits, tf.text, result, source)
            if lines is not None and text is not None and lines != text:
                fail("prune: the line path writes other bytes than the general path", lines)
            if text is not None and text != tf.text:
                after, error = guarded("prune re-parse", envfile.parse_file, replace(tf, text=text))
                if after is not None:
                    got = (
                        [d.text for d in after.conda],
                        None if after.pip is None else [p.text for p in after.pip],
                        after.channels,
                        after.name,
                        after.prefix,
                        after.variables,
                        after.extra,
                    )
                    want_env = result.env
                    want = (
                        [d.text for d in want_env.conda],
                        None if want_env.pip is None else [p.text for p in want_env.pip],
                        want_env.channels,
                        want_env.name,
                        want_env.prefix,
                        want_env.variables,
                        want_env.extra,
                    )
                    if got != want:
                        fail("prune: output is not the pruned file", f"{want} -> {got}")
                elif error is not None:
                    fail("prune: output does not re-parse", error)

    if env is not None:
        same, _ = guarded("diff a a", diff, env, env)
        if same is not None and same.changes:
            fail("diff(a, a) is not empty", same.changes[:3])
        if other is not None:
            b = _parsed_other(other, fail)
            if b is not None:
                ab, _ = guarded("diff a b", diff, env, b)
                ba, _ = guarded("diff b a", diff, b, env)
                indexed, _ = guarded("diff a b by index", diff_by_index, env, b)
                if ab is not None and indexed is not None and indexed != ab:
                    fail("diff: the sorted merge and the index disagree", (ab, indexed))
                if ab is not None:
                    _check_rendered(ab, guarded, fail)
                if ab is not None and ba is not None:
                    forward = Counter(_mirror_key(c, False) for c in ab.changes)
                    backward = Counter(_mirror_key(c, True) for c in ba.changes)
                    if forward != backward:
                        fail(
                            "diff(a, b) does not mirror diff(b, a)",
                            (forward - backward) + (backward - forward),
                        )
    elapsed = time.process_time() - start
    if elapsed > SECONDS_PER_INPUT:
        fail("too slow", f"{elapsed:.1f} CPU s for {len(data)} bytes")
    return failures
