#!/usr/bin/env python3
"""Benchmark ``envtool lock`` and installing a lock on a 300-package environment.

    python bench/lock.py [--packages 300] [--runs 5] [--keep DIR]

Builds the channel of bench/engine.py (N tiny packages in a layered dependency graph), creates
an env of all N from the graph's leaves, then times, as whole processes:

- ``lock -p ENV`` in each format (exact, from conda-meta: no solve)
- ``lock -f environment.yml`` (one solve for this platform)
- ``create -f conda-lock.yml -p NEW`` (every archive hash-checked, then installed; warm cache)
- ``lock -p ENV --check`` (fresh)

Everything (HOME, conda config, package and repodata caches) lives in a temp dir. Figures go
in the issue notes, never into timed tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from channelkit import build_channel  # noqa: E402
from engine import graph_packages, timed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="envtool-bench-lock-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CONDA", "MAMBA")) and k != "ENVTOOL_BACKEND"
        }
        env.update(
            HOME=str(work / "home"),
            CONDA_PKGS_DIRS=str(work / "pkgs"),
            RATTLER_CACHE_DIR=str(work / "rattler"),
            CONDA_ROOT_PREFIX=str(work / "root"),
            PYTHONPATH=str(ROOT),
        )
        (work / "home").mkdir(exist_ok=True)
        packages, leaves = graph_packages(args.packages)
        channel = build_channel(work / "channel", packages)
        envfile = work / "environment.yml"
        envfile.write_text(
            "name: bench\nchannels:\n  - "
            + channel.as_uri()
            + "\n  - nodefaults\ndependencies:\n"
            + "".join(f"  - {leaf}\n" for leaf in leaves)
        )
        envtool = [sys.executable, "-m", "envtool", "--backend", "native"]
        source = work / "env"
        shutil.rmtree(source, ignore_errors=True)
        timed([*envtool, "create", "-f", str(envfile), "-p", str(source)], env, 1)
        installed = len(list((source / "conda-meta").glob("*.json")))
        lock = work / "conda-lock.yml"
        timed([*envtool, "lock", "-p", str(source), "-o", str(lock)], env, 1)
        print(f"env: {installed} packages from {len(leaves)} leaf specs")

        rows: list[tuple[str, list[str], Path | None]] = [
            (
                f"lock -p ({fmt})",
                [
                    *envtool,
                    "lock",
                    "-p",
                    str(source),
                    "--format",
                    fmt,
                    "-o",
                    str(work / f"out-{fmt}"),
                ],
                None,
            )
            for fmt in ("conda-lock", "pixi", "pixi-v7", "explicit")
        ]
        rows += [
            (
                "lock -p --check (fresh)",
                [*envtool, "lock", "-p", str(source), "-o", str(lock), "--check"],
                None,
            ),
            (
                "lock -f (one solve)",
                [*envtool, "lock", "-f", str(envfile), "-o", str(work / "from-file.yml")],
                None,
            ),
            (
                "create -f conda-lock.yml (warm cache)",
                [*envtool, "create", "-f", str(lock), "-p", str(work / "new")],
                work / "new",
            ),
            (
                "clone ENV (records, for comparison)",
                [*envtool, "clone", str(source), "-p", str(work / "clone")],
                work / "clone",
            ),
            ("envtool --version", [*envtool, "--version"], None),
        ]
        print(f"\n{'command':<40} {'min':>8} {'median':>8} {'max':>8}")
        for label, argv, prepare in rows:
            times = timed(argv, env, args.runs, prepare)
            print(
                f"{label:<40} {min(times):>7.3f}s {statistics.median(times):>7.3f}s "
                f"{max(times):>7.3f}s"
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
