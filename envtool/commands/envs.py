"""``envtool envs``: every env conda knows, with its size and whether it is frozen.

Text (stdout): one aligned row per env — name (``-`` for an env outside every envs dir),
prefix, size, and ``frozen`` with its reason. ``--json`` prints a versioned document instead.
An env whose sync was killed, and folders left by a killed create, clone, sync or remove, are
reported on stderr, with what to do.
"""

from __future__ import annotations

import json
import sys

from envtool.backends import select_backend
from envtool.envs import inventory, syncing
from envtool.envs.condaconfig import load
from envtool.envs.inventory import EnvSummary
from envtool.ui import Console

ENVS_VERSION = 1


def run(*, as_json: bool, sizes: bool, backend: str, console: Console) -> int:
    locations = select_backend(backend, console).list_envs()
    summaries = inventory.summarize(locations, sizes=sizes)
    dirs = {*load().envs_dirs, *(loc.prefix.parent for loc in locations)}
    leftovers = inventory.leftovers(sorted(dirs))
    if as_json:
        sys.stdout.write(json.dumps(document(summaries, leftovers), indent=2) + "\n")
    else:
        sys.stdout.write(table(summaries))
    for summary in summaries:
        state = syncing.interrupted(summary.location.prefix)
        if state is not None:
            console.warn(state)
    for leftover in leftovers:
        console.warn(f"{leftover.path}: {leftover.advice}")
    return 0


def document(
    summaries: tuple[EnvSummary, ...], leftovers: tuple[inventory.Leftover, ...]
) -> dict[str, object]:
    return {
        "envs_version": ENVS_VERSION,
        "envs": [
            {
                "name": s.location.name,
                "prefix": str(s.location.prefix),
                "size": s.size,
                "frozen": s.frozen,
                "frozen_reason": s.frozen_reason,
            }
            for s in summaries
        ],
        "leftovers": [{"path": str(x.path), "advice": x.advice} for x in leftovers],
    }


def table(summaries: tuple[EnvSummary, ...]) -> str:
    if not summaries:
        return ""
    rows = [
        (
            s.location.name or "-",
            str(s.location.prefix),
            human_size(s.size) if s.size is not None else "",
            ("frozen" + (f": {s.frozen_reason}" if s.frozen_reason else "")) if s.frozen else "",
        )
        for s in summaries
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for name, prefix, size, state in rows:
        line = f"{name:<{widths[0]}}  {prefix:<{widths[1]}}  {size:>{widths[2]}}  {state}"
        lines.append(line.rstrip())
    return "".join(f"{line}\n" for line in lines)


def human_size(n: int) -> str:
    """``512 B``, ``3.1 KiB``, ``87.0 MiB``, ``1.2 GiB``."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
