#!/usr/bin/env python3
"""What a filesystem charges for the kernel operations a clone is made of.

    python bench/fsprobe.py [DIR ...]        # default: the system's temp dir

For each DIR, in a fresh directory inside it: ``mkdir`` of N directories, creation of N empty
files, and N hard links of one file, each timed as CPU (user + system) and wall microseconds an
operation, then everything removed. A clone of the ML env (``bench/speed.py --packages ml``)
makes 10,155 directories and 86,501 hard links, so these figures bound what any cloner can do
there. On an ext4 without a journal, for instance, every inode allocation skips the inodes
freed in the last minute or more, so ``mkdir`` costs several times more right after a large
deletion (compare two runs of this script with an ``rm -rf`` of a big tree in between).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable


def timed(n: int, op: Callable[[int], None]) -> tuple[float, float]:
    """CPU and wall microseconds an operation, over ``n`` calls of ``op``."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    for i in range(n):
        op(i)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu / n * 1e6, wall / n * 1e6


def probe(where: str, n: int) -> None:
    base = tempfile.mkdtemp(prefix="envtool-fsprobe-", dir=where)
    try:
        os.mkdir(f"{base}/d")
        os.mkdir(f"{base}/f")
        os.mkdir(f"{base}/l")
        with open(f"{base}/one", "wb") as fh:
            fh.write(b"x")
        rows = [
            ("mkdir", timed(n, lambda i: os.mkdir(f"{base}/d/{i}"))),
            ("create", timed(n, lambda i: os.close(os.open(f"{base}/f/{i}", os.O_CREAT)))),
            ("link", timed(n, lambda i: os.link(f"{base}/one", f"{base}/l/{i}"))),
        ]
    finally:
        shutil.rmtree(base)
    for name, (cpu, wall) in rows:
        print(f"{where:<30} {name:<7} {cpu:>8.1f} µs cpu {wall:>8.1f} µs wall  (n={n:,})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", default=[tempfile.gettempdir()])
    parser.add_argument("-n", type=int, default=5000, help="operations of each kind")
    args = parser.parse_args()
    for where in args.dirs:
        probe(where, args.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
