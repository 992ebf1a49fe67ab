#!/usr/bin/env python3
"""Benchmark the native engine on a 300-package environment, as whole processes.

    python bench/engine.py [--packages 300] [--runs 10] [--keep DIR]

Builds a local channel of N tiny packages (two versions each, a layered dependency graph:
every package depends on 0-5 packages of lower layers, a tenth of them arch-specific), creates
an env of all N from the graph's leaves, then times:

- ``envtool --backend native export -p ENV``          target < 0.3 s for 300 packages
- ``envtool --backend native clone ENV -p NEW``       target < 1.5 s, warm package cache
- ``envtool --version``                               the interpreter + CLI floor

Everything (HOME, conda config, package and repodata caches) lives in a temp dir. Figures go
in the issue notes, never into timed tests.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from channelkit import Package, build_channel, current_subdir  # noqa: E402


def graph_packages(n: int, seed: int = 20261125) -> tuple[list[Package], list[str]]:
    """N packages in ~12 layers, each depending on a few lower-layer ones; and the leaves."""
    rng = random.Random(seed)
    arch = current_subdir()
    layers = 12
    names = [f"pkg{i:03d}" for i in range(n)]
    layer_of = {name: i * layers // n for i, name in enumerate(names)}
    depends: dict[str, list[str]] = {}
    for name in names:
        lower = [m for m in names if layer_of[m] < layer_of[name]]
        k = min(len(lower), rng.randint(0, 5))
        depends[name] = sorted(rng.sample(lower, k)) if k else []
    needed = {d for deps in depends.values() for d in deps}
    leaves = [name for name in names if name not in needed]
    packages: list[Package] = []
    for i, name in enumerate(names):
        subdir = arch if i % 10 == 0 else "noarch"
        for minor in (0, 1):
            version = f"1.{minor}"
            files = {
                f"share/{name}/VERSION": f"{version}\n".encode(),
                f"lib/{name}/data.txt": (f"{name} {version}\n" * 20).encode(),
                f"lib/{name}/__init__.py": b"",
            }
            deps = tuple(f"{d} >=1.0" for d in depends[name])
            packages.append(Package(name, version, "h0_0", deps, subdir, files=files))
    return packages, leaves


def timed(
    argv: list[str], env: dict[str, str], runs: int, prepare: Path | None = None
) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        if prepare is not None:
            shutil.rmtree(prepare, ignore_errors=True)
        start = time.perf_counter()
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="envtool-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CONDA", "MAMBA")) and k not in ("ENVTOOL_BACKEND",)
        }
        env.update(
            HOME=str(work / "home"),
            CONDA_PKGS_DIRS=str(work / "pkgs"),
            RATTLER_CACHE_DIR=str(work / "rattler"),
            CONDA_ROOT_PREFIX=str(work / "root"),
            PYTHONPATH=str(ROOT),
        )
        (work / "home").mkdir(exist_ok=True)
        t0 = time.perf_counter()
        packages, leaves = graph_packages(args.packages)
        channel = build_channel(work / "channel", packages)
        print(
            f"channel: {len(packages)} package files, {args.packages} names, "
            f"{len(leaves)} leaves ({time.perf_counter() - t0:.2f} s to build and index)"
        )
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
        cold = timed([*envtool, "create", "-f", str(envfile), "-p", str(source)], env, 1)[0]
        installed = len(list((source / "conda-meta").glob("*.json")))
        print(f"create (solve + install, cold cache): {cold:.3f} s, {installed} packages")

        rows = [
            ("envtool --version", [*envtool, "--version"], None, None),
            (
                f"export -p ({installed} packages)",
                [*envtool, "export", "-p", str(source)],
                None,
                0.3,
            ),
            (
                f"clone ({installed} packages, warm cache)",
                [*envtool, "clone", str(source), "-p", str(work / "clone")],
                work / "clone",
                1.5,
            ),
        ]
        print(f"\n{'command':<40} {'min':>8} {'median':>8} {'max':>8}  target")
        for label, argv, prepare, target in rows:
            times = timed(argv, env, args.runs, prepare)
            verdict = ""
            if target is not None:
                verdict = f"< {target} s " + (
                    "ok" if statistics.median(times) < target else "MISSED"
                )
            print(
                f"{label:<40} {min(times):>7.3f}s {statistics.median(times):>7.3f}s "
                f"{max(times):>7.3f}s  {verdict}"
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
