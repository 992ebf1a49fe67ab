"""What conda, mamba and micromamba print as text, parsed: things they print no JSON for (an
``@EXPLICIT`` list) and tables a tool too old for ``--json`` prints (``env list``, ``list``, the
package plan of a create). Pure functions of text; errors are :mod:`.conda_errors`'s.

The shapes, as the goldens in ``tests/data/conda-golden`` (conda 26.7.1) show them:

- ``conda env list``: ``name  [*] [+]  /path`` rows under a ``#`` legend; an env outside the
  envs dirs is a bare ``/path``. micromamba prints a ``Name  Active  Path`` table.
- ``conda list``: ``name  version  build  channel`` rows under ``#`` comments.
- ``conda list --explicit --md5``: ``# comments``, ``@EXPLICIT``, then ``url#md5`` lines.
- ``conda create``: ``name  channel/subdir::name-version-build`` rows under "The following
  NEW packages will be INSTALLED:".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from envtool.errors import BackendError

if TYPE_CHECKING:
    from envtool.backends.conda_json import ListEntry

# -------------------------------------------------------------------------------------- tables

_LIST_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$")


def parse_list_text(text: str) -> list[ListEntry]:
    """``conda list`` / ``micromamba list`` as a table (for a tool that printed no JSON).

    Rows are ``name version build [channel]``; comment, header and rule lines are skipped.
    The channel column is what the tool shows (a canonical name or URL), kept as ``base_url``
    when it is a URL.
    """
    entries: list[ListEntry] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "List of packages", "Name ", "─", "-")):
            continue
        match = _LIST_ROW.match(stripped)
        if match is None:
            continue
        name, version, build, channel = match.groups()
        channel = channel or ""
        entries.append(
            {
                "base_url": channel if "://" in channel else "",
                "build_number": 0,
                "build_string": build,
                "channel": channel,
                "dist_name": f"{name}-{version}-{build}",
                "name": name,
                "platform": "pypi" if channel == "pypi" else "",
                "version": version,
            }
        )
    return entries


_ENV_ROW = re.compile(r"^(?:(?P<name>\S+)\s+)?(?:[*+]\s+)*(?P<path>(?:/|[A-Za-z]:[\\/]).*?)\s*$")


def parse_env_list_text(text: str) -> list[tuple[str | None, Path]]:
    """``conda env list`` (or micromamba's table) as ``(name or None, prefix)`` pairs.

    conda prints ``name  [*] [+]  /path`` and a bare ``/path`` for an env outside the envs
    dirs; the legend (``# * -> active``) and micromamba's header and rule are skipped.
    """
    rows: list[tuple[str | None, Path]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "Name ", "─", "-")):
            continue
        match = _ENV_ROW.match(stripped)
        if match is None:
            continue
        name = match.group("name")
        if name in ("*", "+"):
            name = None
        rows.append((name, Path(match.group("path"))))
    return rows


# ------------------------------------------------------------------------------------ explicit


def parse_explicit(text: str, what: str) -> list[tuple[str, str]]:
    """An ``@EXPLICIT`` list as ``(url, md5)`` pairs (md5 "" when not printed)."""
    lines = [line.strip() for line in text.splitlines()]
    try:
        start = lines.index("@EXPLICIT") + 1
    except ValueError:
        raise BackendError(f"{what}: unexpected output: no @EXPLICIT line") from None
    out: list[tuple[str, str]] = []
    for line in lines[start:]:
        if not line or line.startswith("#"):
            continue
        url, _, md5 = line.partition("#")
        if "://" not in url:
            raise BackendError(f"{what}: unexpected output: not a package URL: {line!r}")
        out.append((url, md5))
    return out


# ------------------------------------------------------------------------------- create plan

_NEW_PACKAGE = re.compile(r"^\s+(\S+)\s+(?:(\S+)/(\S+)::)?(\S+)-([^-\s]+)-(\S+)\s*$")


def parse_create_text(text: str) -> list[tuple[str, str, str, str]]:
    """``(name, version, build, channel name)`` from the "NEW packages will be INSTALLED"
    table that conda prints for a create without ``--json``."""
    out: list[tuple[str, str, str, str]] = []
    in_table = False
    for line in text.splitlines():
        if "will be INSTALLED" in line:
            in_table = True
            continue
        if not in_table:
            continue
        if not line.strip():
            if out:
                break
            continue
        match = _NEW_PACKAGE.match(line)
        if match is None:
            break
        key, channel, _subdir, name, version, build = match.groups()
        if key != name:
            break
        out.append((name, version, build, channel or ""))
    return out
