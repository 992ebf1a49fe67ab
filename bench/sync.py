#!/usr/bin/env python3
"""Benchmark ``envtool sync`` against re-creating the env, as whole processes.

    python bench/sync.py [--packages 300] [--changes 5] [--runs 5]

Builds the layered 300-package channel of bench/engine.py, creates an env of all of it from
its leaves (file A), then times, warm package cache:

- ``sync --check`` of the env against A                      (in sync: the solve and the plan)
- ``sync`` of the env from A to B, where B pins the newer version of CHANGES leaves
  (then back to A, untimed, so every run does the same work)
- ``create -f B`` of a new env                                (what a sync replaces)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import ROOT, build_channel, graph_packages, timed


def write(path: Path, channel: str, specs: list[str]) -> Path:
    path.write_text(
        f"channels:\n  - {channel}\n  - nodefaults\ndependencies:\n"
        + "".join(f"  - {s}\n" for s in specs)
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="envtool-bench-sync-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "MAMBA"))}
        env.update(
            HOME=str(work / "home"),
            CONDA_PKGS_DIRS=str(work / "pkgs"),
            RATTLER_CACHE_DIR=str(work / "rattler"),
            CONDA_ROOT_PREFIX=str(work / "root"),
            PYTHONPATH=str(ROOT),
            ENVTOOL_BACKEND="native",
        )
        (work / "home").mkdir()
        packages, leaves = graph_packages(args.packages)
        channel = build_channel(work / "channel", packages).as_uri()
        older = [f"{leaf}=1.0" for leaf in leaves]
        a = write(work / "a.yml", channel, older)
        changed = [f"{leaf}=1.1" for leaf in leaves[: args.changes]]
        b = write(work / "b.yml", channel, changed + older[args.changes :])
        envtool = [sys.executable, "-m", "envtool"]
        prefix = work / "env"
        timed([*envtool, "create", "-f", str(a), "-p", str(prefix)], env, 1)
        n = len(list((prefix / "conda-meta").glob("*.json")))
        print(f"env: {n} packages; B changes {args.changes} leaves (and what they need)")

        check = timed(
            [*envtool, "sync", "-f", str(a), "-p", str(prefix), "--check"], env, args.runs
        )
        syncs: list[float] = []
        for _ in range(args.runs):
            syncs += timed([*envtool, "sync", "-f", str(b), "-p", str(prefix)], env, 1)
            timed([*envtool, "sync", "-f", str(a), "-p", str(prefix)], env, 1)
        fresh = work / "fresh"
        create = timed([*envtool, "create", "-f", str(b), "-p", str(fresh)], env, args.runs, fresh)
        print(f"\n{'command':<44} {'min':>8} {'median':>8}")
        for label, times in (
            ("sync --check (in sync)", check),
            (f"sync A → B ({args.changes} leaves change)", syncs),
            ("create -f B (a new env, warm cache)", create),
        ):
            print(f"{label:<44} {min(times):>7.3f}s {statistics.median(times):>7.3f}s")
        ratio = statistics.median(create) / statistics.median(syncs)
        print(f"\nsync is {ratio:.1f}x faster than re-creating the env")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
