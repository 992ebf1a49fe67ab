#!/usr/bin/env python3
"""Time and peak memory of envtool's file commands on hostile and huge inputs (issue 11).

Generates four inputs, then runs each case as a separate process under ``/usr/bin/time -v`` and
prints wall time, peak RSS, peak RSS as a multiple of the input's size, and the exit code:

* ``fanout.yml`` (~55 KB): one anchored 2,000-line ``pip:`` block referenced 2,000 times;
* ``big50.yml`` (~50 MB) and a variant of it: ``prune --no-builds`` and ``diff``;
* ``deps100k.yml``: 100,000 dependencies (and a variant): ``check``, ``prune``, ``rename``,
  ``diff``; ``deps100kc.yml``, the same with a trailing comment on every tenth item:
  ``prune``, ``rename``;
* ``line8m.yml``: one dependency line of 8 MB: ``check``, ``prune``, ``rename``, ``diff``.

    python bench/resources.py [--only NAME] [--timeout 300] [--envtool-path DIR]

``--envtool-path DIR`` puts DIR first on PYTHONPATH (to measure another checkout: "before").
Figures go in issue notes, never into timed tests.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def fanout(n_lines: int = 2000, n_refs: int = 2000) -> str:
    head = "name: fan\ndependencies:\n  - python\n  - pip\n  - pip: &p\n"
    block = "".join(f"      - p{i:04d}==1\n" for i in range(n_lines))
    return head + block + "  - pip: *p\n" * n_refs


def export(n: int, variant: int, target_bytes: int | None = None, comments: bool = False) -> str:
    lines = ["name: big", "channels:", "  - conda-forge", "dependencies:"]
    i = 0
    size = 0
    while (target_bytes is None and i < n) or (target_bytes is not None and size < target_bytes):
        minor = (i * 3) % 20 + (1 if variant and i % 50 == 0 else 0)
        line = f"  - pkg{i:07d}-lib={i % 7}.{minor}.{(i * 7) % 11}=h{i * 2654435761 % 2**32:08x}_0"
        if comments and i % 10 == 0:  # a hand-written file's trailing comments
            line += f"  # note {i}"
        if not (variant and i % 400 == 2):
            lines.append(line)
            size += len(line) + 1
        i += 1
    lines += ["  - pip", "  - pip:", "      - requests==2.31.0", "prefix: /home/u/envs/big"]
    return "\n".join(lines) + "\n"


def long_line(n_bytes: int = 8 * 2**20) -> str:
    return "name: long\ndependencies:\n  - python=3.11\n  - x" + "a" * n_bytes + "=1.0=h0_0\n"


def measure(argv: list[str], env: dict[str, str], timeout: float) -> tuple[float, int, int | str]:
    """(wall seconds, peak RSS in KiB, exit code or 'timeout')."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                ["/usr/bin/time", "-v", *argv],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return time.perf_counter() - start, 0, "timeout"
        wall = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    status = re.search(r"Exit status: (\d+)", text)
    code: int | str = int(status.group(1)) if status else proc.returncode
    return wall, int(rss.group(1)) if rss else 0, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only cases whose label contains this")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--envtool-path", help="a directory holding the envtool package")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="envtool-resources-"))
    files = {
        "fanout.yml": fanout(),
        "big50.yml": export(0, 0, 50 * 10**6),
        "big50b.yml": export(0, 1, 50 * 10**6),
        "deps100k.yml": export(100_000, 0),
        "deps100kb.yml": export(100_000, 1),
        "deps100kc.yml": export(100_000, 0, comments=True),
        "line8m.yml": long_line(),
    }
    for name, text in files.items():
        (work / name).write_text(text)
    env = dict(os.environ)
    if args.envtool_path:
        env["PYTHONPATH"] = args.envtool_path + os.pathsep + env.get("PYTHONPATH", "")
    base = [sys.executable, "-m", "envtool"]
    cases = [
        ("fanout check", ["check", "fanout.yml"], "fanout.yml"),
        ("fanout prune", ["prune", "--no-builds", "fanout.yml"], "fanout.yml"),
        ("fanout diff", ["diff", "fanout.yml", "fanout.yml"], "fanout.yml"),
        ("50MB prune", ["prune", "--no-builds", "big50.yml"], "big50.yml"),
        ("50MB diff", ["diff", "big50.yml", "big50b.yml"], "big50.yml"),
        ("50MB check", ["check", "big50.yml"], "big50.yml"),
        ("100k check", ["check", "deps100k.yml"], "deps100k.yml"),
        ("100k prune", ["prune", "--no-builds", "deps100k.yml"], "deps100k.yml"),
        ("100k rename", ["rename", "deps100k.yml", "x"], "deps100k.yml"),
        ("100k-commented prune", ["prune", "--no-builds", "deps100kc.yml"], "deps100kc.yml"),
        ("100k-commented rename", ["rename", "deps100kc.yml", "x"], "deps100kc.yml"),
        ("100k diff", ["diff", "deps100k.yml", "deps100kb.yml"], "deps100k.yml"),
        ("8MB-line check", ["check", "line8m.yml"], "line8m.yml"),
        ("8MB-line prune", ["prune", "--no-builds", "line8m.yml"], "line8m.yml"),
        ("8MB-line rename", ["rename", "line8m.yml", "x"], "line8m.yml"),
        ("8MB-line diff", ["diff", "line8m.yml", "line8m.yml"], "line8m.yml"),
    ]
    print(f"{'case':<18} {'input':>9} {'time':>8} {'peak RSS':>10} {'×input':>7} {'exit':>7}")
    for label, argv, main_file in cases:
        if args.only and args.only not in label:
            continue
        size = (work / main_file).stat().st_size
        os.chdir(work)
        wall, rss_kib, code = measure([*base, *argv], env, args.timeout)
        ratio = rss_kib * 1024 / size
        print(
            f"{label:<18} {size / 2**20:>7.2f}MB {wall:>7.2f}s {rss_kib / 1024:>8.0f}MB "
            f"{ratio:>6.1f}× {code!s:>7}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
