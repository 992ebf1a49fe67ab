#!/usr/bin/env python3
"""Benchmark ``envtool check --solve`` for 3 platforms against one solve, as whole processes.

    python bench/solve.py [--packages 300] [--runs 5]

Builds the layered channel of bench/engine.py with its arch-specific tenth built for linux-64,
osx-arm64 and win-64, writes a file asking for every leaf, then times (warm repodata cache):

- ``check FILE --solve linux-64``                    one platform
- ``check FILE --solve linux-64,osx-arm64,win-64``   three, solved in parallel
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import ROOT, build_channel, graph_packages, timed

SUBDIRS = ("linux-64", "osx-arm64", "win-64")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="envtool-bench-solve-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "MAMBA"))}
        env.update(
            HOME=str(work / "home"),
            RATTLER_CACHE_DIR=str(work / "rattler"),
            PYTHONPATH=str(ROOT),
        )
        (work / "home").mkdir()
        packages, leaves = graph_packages(args.packages)
        every = [p for p in packages if p.subdir == "noarch"]
        for subdir in SUBDIRS:
            every += [replace(p, subdir=subdir) for p in packages if p.subdir != "noarch"]
        channel = build_channel(work / "channel", every).as_uri()
        file = work / "environment.yml"
        file.write_text(
            f"channels:\n  - {channel}\n  - nodefaults\ndependencies:\n"
            + "".join(f"  - {leaf}\n" for leaf in leaves)
        )
        envtool = [sys.executable, "-m", "envtool", "check", str(file), "--solve"]
        timed([*envtool, ",".join(SUBDIRS)], env, 1)  # warm the repodata cache
        one = timed([*envtool, "linux-64"], env, args.runs)
        three = timed([*envtool, ",".join(SUBDIRS)], env, args.runs)
        print(f"{args.packages} packages, {len(leaves)} specs\n")
        print(f"{'command':<44} {'min':>8} {'median':>8}")
        for label, times in (
            ("check --solve linux-64", one),
            ("check --solve (3 platforms)", three),
        ):
            print(f"{label:<44} {min(times):>7.3f}s {statistics.median(times):>7.3f}s")
        ratio = statistics.median(three) / statistics.median(one)
        print(f"\n3 platforms cost {ratio:.2f}x one platform (3.00x if solved one after another)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
