#!/usr/bin/env python3
"""Benchmark envtool's file commands as whole processes.

Generates two 2,000-package exports (the second with upgrades, downgrades, rebuilds, additions,
removals and pip changes), then times `envtool diff`, `prune`, `rename` and `--version` against
bare `python -c pass`, each as a separate process, best and median of N runs.

    python bench/core.py [--runs 20] [--packages 2000]

Targets (issue 2): diff of two 2,000-package files < 0.25 s; `envtool --version` < 3x Python's
own start-up. Figures go in issue notes, never into timed tests.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_export(n: int, seed: int, variant: int) -> str:
    rng = random.Random(seed)
    lines = ["name: big", "channels:", "  - conda-forge", "  - defaults", "dependencies:"]
    for i in range(n):
        name = f"pkg{i:04d}-{rng.choice(['lib', 'py', 'r', 'tool'])}"
        major, minor, patch = i % 7, (i * 3) % 20, (i * 7) % 11
        build = f"h{rng.getrandbits(32):08x}_{i % 3}"
        if variant and i % 50 == 0:
            minor += 1  # upgrades
        if variant and i % 333 == 0:
            major = max(0, major - 1)  # downgrades
        if variant and i % 40 == 1:
            build = build[:-1] + "9"  # rebuilds
        if variant and i % 400 == 2:
            continue  # removals
        lines.append(f"  - {name}={major}.{minor}.{patch}={build}")
    if variant:
        lines += [f"  - added{i}=1.0=h0_0" for i in range(5)]
    lines.append("  - pip:")
    for i in range(100):
        version = f"{i % 5}.{i % 13}.{(i + variant) % 4 if i % 10 == 0 else 0}"
        lines.append(f"      - pypkg-{i:03d}=={version}")
    lines.append("prefix: /home/user/miniforge3/envs/big")
    return "\n".join(lines) + "\n"


def timeit(argv: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--packages", type=int, default=2000)
    args = parser.parse_args()

    envtool = shutil.which("envtool", path=str(Path(sys.executable).parent)) or shutil.which(
        "envtool"
    )
    base = [envtool] if envtool else [sys.executable, "-m", "envtool"]
    work = Path(tempfile.mkdtemp(prefix="envtool-bench-"))
    old, new = work / "old.yml", work / "new.yml"
    old.write_text(make_export(args.packages, 1, 0))
    new.write_text(make_export(args.packages, 1, 1))

    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("envtool --version", [*base, "--version"]),
        ("envtool --help", [*base, "--help"]),
        (f"diff {args.packages} vs {args.packages} (text)", [*base, "diff", str(old), str(new)]),
        ("diff (json)", [*base, "diff", str(old), str(new), "--format", "json"]),
        ("diff (markdown)", [*base, "diff", str(old), str(new), "--format", "markdown"]),
        (
            "prune --no-builds --portable --pin minor",
            [*base, "prune", str(old), "--no-builds", "--portable", "--pin", "minor"],
        ),
        ("rename", [*base, "rename", str(old), "renamed"]),
        ("check", [*base, "check", str(old)]),
    ]
    print(f"{'command':45} {'best':>9} {'median':>9}")
    results = {}
    for label, argv in cases:
        best, median = timeit(argv, args.runs)
        results[label] = best
        print(f"{label:45} {best * 1000:8.1f}ms {median * 1000:8.1f}ms")
    ratio = results["envtool --version"] / results["python -c pass"]
    print(f"\n--version / python start-up: {ratio:.2f}x (target < 3x)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
