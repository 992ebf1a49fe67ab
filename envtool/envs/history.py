"""conda's ``conda-meta/history``: read the user's requested specs, write a revision block.

The format (DESIGN §4)::

    ==> 2026-11-25 02:54:40 <==
    # cmd: conda env create -f env-a.yml -p /opt/conda/envs/a
    # conda version: 26.7.1
    +file:///srv/channel/noarch::alpha-2.0-h4616a5c_0
    # update specs: ['beta', 'alpha=2.0', "delta[version='>=3']"]

Reading follows conda's ``History.get_requested_specs_map``: only blocks with a ``# cmd:`` line
count; ``update``/``install``/``create`` specs set a package's spec (a later one replaces an
earlier one), ``remove``/``uninstall`` specs drop it, ``neutered`` specs replace it; packages no
longer installed are left out. Both the list form (``['a', 'b']``) and conda < 4.5's comma form
(``python>=3.5,numpy >=1.0,<2.0``) are read.

envtool writes no ``# conda version:`` line: conda refuses to touch an env whose history names
a conda newer than itself, and envtool is not conda.

>>> blocks = parse(EXAMPLE)
>>> requested_specs(blocks)
('beta', 'alpha=2.0', "delta[version='>=3']")
>>> requested_specs(blocks, installed={"alpha", "beta"})
('beta', 'alpha=2.0')
>>> env_form("file:///srv/channel/noarch::delta==3.2.1=h4616a5c_0")
'delta=3.2.1=h4616a5c_0'
>>> conda_spec("delta>=3"), conda_spec("alpha=2.0"), conda_spec("numpy=1.26.4=py311_0")
("delta[version='>=3']", 'alpha=2.0', 'numpy==1.26.4=py311_0')
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from envtool.spec import SpecError, parse_conda

if TYPE_CHECKING:
    from datetime import datetime

EXAMPLE = """\
==> 2026-11-25 02:54:40 <==
# cmd: conda env create -f env-a.yml -p /opt/conda/envs/a
# conda version: 26.7.1
+file:///srv/channel/noarch::alpha-2.0-h4616a5c_0
# update specs: ['beta', 'alpha=2.0', "delta[version='>=3']"]
"""

_HEADER = re.compile(r"==>\s*(.+?)\s*<==")
_CMD = re.compile(r"#\s*cmd:\s*(.+)")
_SPECS = re.compile(r"#\s*(\w+)\s*specs:\s*(.+)?")
_RELATION = re.compile(r"^\s*(=|==|!=|<|<=|>|>=|~=)")
_NAME_END = re.compile(r"[\s=<>!~\[(]")
_ENV_FORM = re.compile(r"^==?([^=<>!~|,*\[\]\s]+)(?:=([^=<>!~|,*\[\]\s]+))?$")
# A list of plain quoted strings, as Python's repr writes conda's specs: read without ``ast``.
_QUOTED = r"""(?:'[^'\\\n]*'|"[^"\\\n]*")"""
_PLAIN_LIST = re.compile(rf"\[\s*(?:{_QUOTED}\s*(?:,\s*{_QUOTED}\s*)*,?\s*)?\]")
_ITEM = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_UPDATE_ACTIONS = ("update", "install", "create")
_REMOVE_ACTIONS = ("remove", "uninstall")


@dataclass(frozen=True)
class Revision:
    """One ``==> date <==`` block."""

    date: str
    cmd: str | None = None
    linked: tuple[str, ...] = ()  # "+channel/subdir::name-version-build" without the "+"
    unlinked: tuple[str, ...] = ()
    update_specs: tuple[str, ...] = ()
    remove_specs: tuple[str, ...] = ()
    neutered_specs: tuple[str, ...] = ()


# -------------------------------------------------------------------------------------- reading


def parse(text: str) -> tuple[Revision, ...]:
    """Every revision block of a history file, oldest first."""
    blocks: list[tuple[str, list[str], list[str], dict[str, object]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            blocks.append((header.group(1), [], [], {}))
        elif not blocks:
            continue  # conda would fail on a history that does not start with a header
        elif line.startswith("#"):
            blocks[-1][3].update(_parse_comment(line))
        elif line.startswith("+"):
            blocks[-1][1].append(line[1:])
        elif line.startswith("-"):
            blocks[-1][2].append(line[1:])
    return tuple(_revision(*block) for block in blocks)


def _revision(
    date: str, linked: list[str], unlinked: list[str], items: dict[str, object]
) -> Revision:
    def specs(key: str) -> tuple[str, ...]:
        value = items.get(key, ())
        return tuple(value) if isinstance(value, list) else ()

    cmd = items.get("cmd")
    return Revision(
        date=date,
        cmd=cmd if isinstance(cmd, str) else None,
        linked=tuple(linked),
        unlinked=tuple(unlinked),
        update_specs=specs("update_specs"),
        remove_specs=specs("remove_specs"),
        neutered_specs=specs("neutered_specs"),
    )


def _parse_comment(line: str) -> dict[str, object]:
    cmd = _CMD.match(line)
    if cmd:
        return {"cmd": cmd.group(1).strip()}
    m = _SPECS.match(line)
    if not m:
        return {}
    action, text = m.group(1), (m.group(2) or "").strip()
    specs: list[str] = []
    if text.startswith("["):
        value = _literal_list(text)
        if value is None:
            return {}
        specs = value
    elif "[" not in text:
        specs = _old_format_specs(text)
    specs = [s for s in specs if s and not s.endswith("@")]
    if not specs:
        return {}
    if action in _UPDATE_ACTIONS:
        return {"update_specs": specs}
    if action in _REMOVE_ACTIONS:
        return {"remove_specs": specs}
    if action == "neutered":
        return {"neutered_specs": specs}
    return {}


def _literal_list(text: str) -> list[str] | None:
    """The strings of a Python list literal (``['a', "b[version='>=1']"]``), None when it is
    not one. The form conda writes is read with a regex; anything else (escapes, other
    literals) with ``ast.literal_eval``, imported only then.

    >>> _literal_list('''['beta', 'alpha=2.0', "delta[version='>=3']"]''')
    ['beta', 'alpha=2.0', "delta[version='>=3']"]
    >>> _literal_list("['a', 3]"), _literal_list("[1 +]")
    (['a', '3'], None)
    """
    if _PLAIN_LIST.fullmatch(text):
        return [a or b for a, b in _ITEM.findall(text)]
    import ast  # an unusual list only

    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return [str(s) for s in value] if isinstance(value, (list, tuple)) else None


def _old_format_specs(text: str) -> list[str]:
    """conda < 4.5 wrote ``python>=3.5.1,jupyter >=1.0.0,<2.0``: a piece that starts with a
    version relation belongs to the spec before it."""
    specs: list[str] = []
    for piece in text.split(","):
        if specs and _RELATION.match(piece):
            specs[-1] = f"{specs[-1]},{piece}"
        else:
            specs.append(piece.strip())
    return specs


def spec_name(spec: str) -> str:
    """The package name of a conda spec string: ``conda-forge::NumPy>=1`` → ``numpy``."""
    head, sep, rest = spec.partition("::")
    text = rest if sep and "[" not in head else spec
    return _NAME_END.split(text.strip(), maxsplit=1)[0].lower()


# What str.splitlines breaks a line at besides "\n": a history holding any is read by parse().
_OTHER_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_HEADER_OR_COMMENT = re.compile(r"^\s*(?:==>|#).*", re.MULTILINE)


def requested_in(text: str, installed: Collection[str] | None = None) -> tuple[str, ...]:
    """``requested_specs(parse(text), installed)``, reading only the header and comment lines.

    A long-lived env's history holds thousands of ``+``/``-`` lines (every package of every
    install), which the requested specs do not need: a regex finds the others in one pass.

    >>> requested_in(EXAMPLE) == requested_specs(parse(EXAMPLE))
    True
    """
    if any(b in text for b in _OTHER_BREAKS):
        return requested_specs(parse(text), installed)
    blocks: list[dict[str, object]] = []
    for m in _HEADER_OR_COMMENT.finditer(text):
        line = m.group().strip()
        if _HEADER.match(line):
            blocks.append({})
        elif blocks and line.startswith("#"):
            blocks[-1].update(_parse_comment(line))
    return requested_specs((_revision("", [], [], items) for items in blocks), installed)


def requested_specs(
    revisions: Iterable[Revision], installed: Collection[str] | None = None
) -> tuple[str, ...]:
    """The user's requested specs, resolved as conda resolves them, in first-requested order."""
    specs: dict[str, str] = {}
    for rev in revisions:
        if rev.cmd is None:
            continue
        for spec in rev.remove_specs:
            specs.pop(spec_name(spec), None)
        for spec in (*rev.update_specs, *rev.neutered_specs):
            specs[spec_name(spec)] = spec
    return tuple(s for n, s in specs.items() if installed is None or n in installed)


def env_form(spec: str) -> str:
    """A history spec as ``conda env export --from-history`` prints it: no channel, and a plain
    version (and build) as ``name=version[=build]``; anything else is left as conda wrote it."""
    head, sep, rest = spec.partition("::")
    text = rest if sep and "[" not in head else spec
    name = _NAME_END.split(text, maxsplit=1)[0]
    constraint = text[len(name) :]
    m = _ENV_FORM.match(constraint)
    if m:
        version, build = m.group(1), m.group(2)
        return f"{name}={version}" + (f"={build}" if build else "")
    return text


# -------------------------------------------------------------------------------------- writing


def conda_spec(text: str) -> str:
    """A user's spec as conda's ``str(MatchSpec)`` records it in a history file."""
    try:
        spec = parse_conda(text)
    except SpecError:
        return text.strip()
    out = f"{spec.channel}::{spec.name}" if spec.channel else spec.name
    brackets: list[str] = []
    version, build = spec.version, spec.build
    exact = False
    if version:
        if any(c in version for c in "><$^|,"):
            brackets.append(f"version='{version}'")
        elif version[:2] in ("!=", "~="):
            if build:
                brackets.append(f"version='{version}'")
            else:
                out += version
        elif version.endswith(".*"):
            out += "=" + version[:-2]
        elif version == "*":
            pass
        elif version.endswith("*"):
            out += "=" + version[:-1]
        elif version.startswith("=="):
            out += version
            exact = True
        else:
            out += "==" + version
            exact = True
    if build:
        if any(c in build for c in "><$^|,"):
            brackets.append(f"build='{build}'")
        elif "*" in build or not exact:
            brackets.append(f"build={build}")
        else:
            out += "=" + build
    return out + (f"[{','.join(brackets)}]" if brackets else "")


def dist_line(channel: str, subdir: str, name: str, version: str, build: str) -> str:
    """``channel/subdir::name-version-build`` as conda lists a linked package."""
    where = f"{channel}/{subdir}" if channel and subdir else (channel or subdir)
    return f"{where}::{name}-{version}-{build}" if where else f"{name}-{version}-{build}"


def format_block(
    when: datetime,
    command: str,
    linked: Iterable[str],
    update_specs: Sequence[str],
    *,
    envtool_version: str,
    unlinked: Iterable[str] = (),
) -> str:
    """A revision block as conda writes it (without the ``# conda version:`` line): the
    unlinked dists (``-``) first, then the linked ones (``+``), as conda orders them."""
    lines = [
        f"==> {when.strftime('%Y-%m-%d %H:%M:%S')} <==",
        f"# cmd: {command}",
        f"# envtool version: {envtool_version}",
        *(f"-{dist}" for dist in sorted(unlinked)),
        *(f"+{dist}" for dist in sorted(linked)),
    ]
    if update_specs:
        lines.append(f"# update specs: {list(update_specs)!r}")
    return "\n".join(lines) + "\n"
