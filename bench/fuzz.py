#!/usr/bin/env python3
"""Fuzz envtool's file commands for a long budget; print how many inputs were tried and failures.

The mutations and invariants are ``tests/fuzzkit.py``'s (what ``tests/test_fuzz.py`` runs on a
small budget in CI): parse, check, rename, prune and diff in-process on mutated real files.

    python bench/fuzz.py [--inputs 100000] [--seconds S] [--jobs 2] [--seed 1] [--save DIR]

Each job fuzzes its own random stream (seed + job number). Failing inputs are written to
``--save DIR`` (default: a temp dir) to reproduce them; the exit code is 1 when any failed.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import fuzzkit

MAX_RSS_MB = 2048  # the whole fuzzing process, growth included: a blow-up goes past it


def work(
    job: int, seed: int, inputs: int, deadline: float, save: str
) -> tuple[int, dict[str, int]]:
    pool = fuzzkit.seeds()
    rng = random.Random(seed * 1000 + job)
    kinds: collections.Counter[str] = collections.Counter()
    tried = 0
    while tried < inputs and time.time() < deadline:
        data = fuzzkit.mutate(rng, pool)
        other = rng.choice(pool) if rng.random() < 0.5 else fuzzkit.mutate(rng, pool)
        tried += 1
        if tried % 2000 == 0:
            print(f"job {job}: {tried:,} inputs, {sum(kinds.values())} failures", flush=True)
        failures = fuzzkit.check_bounded(data, other)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if rss_mb > MAX_RSS_MB:
            failures.append(fuzzkit.Failure("memory", f"peak RSS {rss_mb:.0f} MB", data))
        for failure in failures:
            kinds[failure.what] += 1
            if kinds[failure.what] <= 5:
                name = f"job{job}-{tried}-{failure.what[:40].replace(' ', '_').replace('/', '_')}"
                Path(save, name + ".yml").write_bytes(failure.data)
                Path(save, name + ".txt").write_text(f"{failure.what}\n{failure.detail}\n")
        if rss_mb > MAX_RSS_MB:
            break
    return tried, dict(kinds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=24 * 3600)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", default=None)
    args = parser.parse_args()
    save = args.save or tempfile.mkdtemp(prefix="envtool-fuzz-")
    os.makedirs(save, exist_ok=True)
    start = time.time()
    deadline = start + args.seconds
    share = [
        args.inputs // args.jobs + (1 if i < args.inputs % args.jobs else 0)
        for i in range(args.jobs)
    ]
    print(
        f"fuzzing {args.inputs:,} inputs in {args.jobs} job(s), {len(fuzzkit.seeds())} seed files"
    )
    if args.jobs == 1:
        results = [work(0, args.seed, share[0], deadline, save)]
    else:
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.starmap(
                work, [(j, args.seed, share[j], deadline, save) for j in range(args.jobs)]
            )
    tried = sum(r[0] for r in results)
    kinds: collections.Counter[str] = collections.Counter()
    for _, k in results:
        kinds.update(k)
    elapsed = time.time() - start
    print(f"tried {tried:,} inputs in {elapsed:.0f} s ({tried / elapsed:.0f}/s): ", end="")
    print(f"{sum(kinds.values())} failures" + (f", saved in {save}" if kinds else ""))
    for what, count in kinds.most_common():
        print(f"  {count:6}  {what}")
    return 1 if kinds else 0


if __name__ == "__main__":
    sys.exit(main())
