"""``envtool sync (-f FILE | FILE) (-n NAME | -p PREFIX)``: make a live env match a file.

FILE is an environment file (solved, installed records preferred) or a lock or explicit file
(exactly its records for this platform).

Prints the plan (stdout): conda changes, then pip, grouped by action, with the size of each
version change. ``--dry-run`` stops there; ``--check`` stops there and exits 1 when anything
would change (CI, pre-commit); ``--json`` prints the plan as a versioned document. Otherwise
the plan is applied as one transaction and the result said on stderr.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from envtool import locks
from envtool import progress as progress_mod
from envtool.backends.native import NativeBackend
from envtool.envs.plan import ACTIONS, Plan
from envtool.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from envtool.files import fileio
from envtool.ops import sync as op
from envtool.ui import Console, plural

PLAN_VERSION = 1


def run(
    *,
    file: str | None,
    source: str | None,
    name: str | None,
    prefix: str | None,
    dry_run: bool,
    check: bool,
    as_json: bool,
    allow_variant_change: bool,
    override_frozen: bool,
    console: Console,
) -> int:
    if file is not None and source is not None:
        raise UsageError("give the file once: -f FILE or FILE")
    path = file or source
    if path is None:
        raise UsageError("say what to sync to: -f FILE")
    if name is None and prefix is None:
        raise UsageError("say which environment to sync: -n NAME or -p PREFIX")
    tf = fileio.read(path)  # a lock or explicit file syncs to exactly its records
    env = locks.parse(tf) if locks.sniff(tf.text) else locks.read_env(tf)
    location = NativeBackend().new_location(name=name, prefix=prefix)
    base_dir = Path(path).resolve().parent if path != "-" else Path.cwd()
    argv = ["sync", "-f", path, *(["-n", name] if name else ["-p", prefix or ""])]
    progress = progress_mod.for_console(console)
    try:
        result = op.sync(
            env,
            location,
            base_dir=base_dir,
            dry_run=dry_run or check,
            allow_variant_change=allow_variant_change,
            override_frozen=override_frozen,
            command=shlex.join(["envtool", *argv]),
            progress=progress,
        )
    finally:
        progress.finish()
    for message in result.recovered:
        console.info(f"envtool: {message}")
    the_plan = result.plan
    if as_json:
        sys.stdout.write(json.dumps(document(the_plan, applied=result.applied), indent=2) + "\n")
    elif not the_plan.in_sync:
        sys.stdout.write(text(the_plan))
    where = str(location.prefix)
    if the_plan.in_sync:
        console.info(f"envtool: {where} is in sync with {path}")
        return EXIT_OK
    if result.applied:
        console.info(f"envtool: synced {where} ({plural(len(the_plan.steps), 'change')})")
        return EXIT_OK
    console.info(f"envtool: {where} is out of sync: {plural(len(the_plan.steps), 'change')}")
    return EXIT_FINDINGS if check else EXIT_OK


def text(the_plan: Plan) -> str:
    """The plan, grouped: ``conda  2 upgraded · 1 removed`` then one line per step."""
    out: list[str] = []
    symbols = {
        "install": "+",
        "remove": "-",
        "upgrade": "↑",
        "downgrade": "↓",
        "change-variant": "!",
        "rebuild": "~",
    }
    for section in ("conda", "pip"):
        steps = the_plan.section(section)
        if not steps:
            continue
        counts = [
            f"{sum(1 for s in steps if s.action == a)} to {a}"
            for a in ACTIONS
            if any(s.action == a for s in steps)
        ]
        out.append(f"{section:<10}{' · '.join(counts)}")
        out.extend(f"  {symbols[s.action]} {s.describe}" for s in steps)
    out.extend(f"note: {n}" for n in the_plan.notes)
    return "".join(f"{line}\n" for line in out)


def document(the_plan: Plan, *, applied: bool) -> dict[str, object]:
    return {
        "plan_version": PLAN_VERSION,
        "prefix": str(the_plan.location.prefix),
        "in_sync": the_plan.in_sync,
        "applied": applied,
        "kept": the_plan.kept,
        "steps": [
            {
                "section": s.section,
                "action": s.action,
                "name": s.name,
                "old": s.old,
                "new": s.new,
                "size": s.size,
                "variant": list(s.variant) if s.variant else None,
            }
            for s in the_plan.steps
        ],
        "notes": list(the_plan.notes),
    }
