#!/usr/bin/env python3
"""envtool beside its floor: every row of issue 13's table, as whole processes.

    python bench/speed.py                 # files of 2,000 / 20,000 / 100,000 dependencies,
                                          # envs: ML-shaped (462) and 300 / 1,000 tiny
                                          # packages, 9 runs a row
    python bench/speed.py --quick         # 2,000 / 20,000 and the ML-shaped env, 5 runs
    python bench/speed.py --rows files    # only diff/prune/check/rename (or: envs)
    ENVTOOL_TEST_CONDA=/path/to/conda python bench/speed.py   # add conda's own times
    python bench/speed.py --compat --packages ml   # export --conda-compat = conda env export?

Each row runs envtool and its floor alternately, so both see the same machine load, and
prints the median CPU time (user + system, from wait4: steadier than wall time on a shared
machine), the median wall time and the ratios envtool / floor of both. The floors:

- diff, check, prune, rename: bare ``python`` composing the same file(s) with libyaml (pyyaml's
  ``CBaseLoader``, the parse envtool itself does); peak memory: the same process's max RSS;
- export: py-rattler reading every ``conda-meta`` record (``PrefixRecord.from_path``) in a
  bare ``python``; and ``conda env export`` when a conda is found;
- clone: py-rattler installing the same records into a new prefix from the warm cache
  (``rattler.install``); a bare loop hard-linking the same files from the cache (the kernel's
  share: ``link`` and ``mkdir``); and ``conda create --clone`` when a conda is found.

The ML-shaped env (``--packages ml``) is what the issue measured: 462 packages whose file counts
and sizes follow a real pytorch + CUDA env (a few with thousands of files, most with tens;
~83,000 files, 27 MB of ``conda-meta``); see ``engine.ml_packages``. Channels, package caches
and source envs are built once into ``bench/.cache`` (``--cache DIR``) and reused; the first
run builds the ML env in about a minute.

The conda for the last column: ``$ENVTOOL_TEST_CONDA``, else ``conda`` on PATH, else
``/tmp/envtool-realconda/bin/conda`` (build it with
``bash ../shared/realconda/setup.sh /tmp/envtool-realconda``). Figures go in the README's
"Performance" section and the issue notes, never into timed tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

from core import make_export  # noqa: E402

PY = sys.executable
ENVTOOL = [PY, "-m", "envtool"]

FLOOR_PARSE = """
import sys, yaml
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        yaml.compose(fh.read(), Loader=yaml.CBaseLoader)
"""

FLOOR_RECORDS = """
import sys, pathlib
from rattler import PrefixRecord
meta = pathlib.Path(sys.argv[1]) / "conda-meta"
records = [PrefixRecord.from_path(p) for p in sorted(meta.glob("*.json"))]
"""

FLOOR_INSTALL = """
import asyncio, os, sys, pathlib
from rattler import PrefixRecord, install
source, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
records = [PrefixRecord.from_path(p) for p in sorted((source / "conda-meta").glob("*.json"))]
asyncio.run(install(records, target, cache_dir=pathlib.Path(sys.argv[3]), show_progress=False))
os._exit(0)  # as envtool does: py-rattler's runtime threads can crash the interpreter's teardown
"""

# The kernel's floor for a clone: every file of the source's records hard-linked from the
# cache's extracted package into a fresh prefix by a bare single-threaded loop (directories
# made as met); no records written, no untracked files, no history.
FLOOR_LINK = """
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
meta = os.path.join(src, "conda-meta")
made = set()
for name in sorted(os.listdir(meta)):
    if not name.endswith(".json"):
        continue
    with open(os.path.join(meta, name), "rb") as fh:
        record = json.loads(fh.read())
    pkg = record["extracted_package_dir"]
    for rel in record["files"]:
        parent = os.path.dirname(dst + "/" + rel)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        os.link(pkg + "/" + rel, dst + "/" + rel)
"""


@dataclass
class Run:
    cpu: float  # user + system seconds
    wall: float
    rss: int  # peak resident set size, bytes


TIME = shutil.which("time", path="/usr/bin:/bin")


def run(argv: Sequence[str], env: dict[str, str], prepare: Callable[[], None] | None) -> Run:
    """One process, timed by wait4; its peak RSS from /usr/bin/time when there is one (Linux
    counts a spawning process's own memory in the peak of the child it spawns, so the child
    is forked by that small process instead of by this one)."""
    if prepare is not None:
        prepare()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        ]
        full = [TIME, "-q", "-f", "%M", "-o", rss.name, *argv] if TIME else list(argv)
        start = time.perf_counter()
        pid = os.posix_spawn(full[0], full, env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{err.read().decode()}")
        peak = int(rss.read().split()[-1]) if TIME else usage.ru_maxrss
    return Run(usage.ru_utime + usage.ru_stime, wall, peak * 1024)


@dataclass
class Row:
    label: str
    argv: list[str]
    floors: list[tuple[str, list[str]]]  # (label, argv); the first one is the ratio's floor
    prepare: Callable[[], None] | None = None
    memory: bool = False
    environ: dict[str, str] | None = None  # the bench's environment when None
    cleanup: Callable[[], None] | None = None  # after the row's runs


def _nth(argv: list[str], n: int) -> list[str]:
    """``argv`` for run ``n``: ``{run}`` in an argument becomes ``n`` (a fresh target a run)."""
    return [a.replace("{run}", str(n)) for a in argv]


def measure(rows: list[Row], runs: int, env: dict[str, str], conda_runs: int) -> None:
    print(
        f"{'row':<46} {'cpu':>8} {'wall':>8} {'peak':>8}   "
        f"{'floor':<28} {'cpu':>8} {'wall':>8} {'peak':>8}  ratio(cpu) ratio(wall)"
    )
    for row in rows:
        mine: list[Run] = []
        floors: list[list[Run]] = [[] for _ in row.floors]
        for n in range(runs):  # alternate, so both sides see the same load
            environ = row.environ or env
            mine.append(run(_nth(row.argv, n), environ, row.prepare))
            for i, (label, argv) in enumerate(row.floors):
                if label.startswith("conda") and n >= conda_runs:
                    continue  # conda takes seconds to minutes a run
                floors[i].append(run(_nth(argv, n), environ, row.prepare))
        if row.cleanup is not None:
            row.cleanup()
        m = _median(mine)
        for i, (label, _) in enumerate(row.floors):
            if not floors[i]:
                continue
            f = _median(floors[i])
            ratio = m.cpu / f.cpu if f.cpu else float("inf")
            wall_ratio = m.wall / f.wall if f.wall else float("inf")
            mem = f"  rss {m.rss / f.rss:.2f}x" if row.memory else ""
            head = row.label if i == 0 else ""
            mine_cols = (
                f"{m.cpu:>7.3f}s {m.wall:>7.3f}s {m.rss / 2**20:>6.0f}MB" if i == 0 else " " * 26
            )
            print(
                f"{head:<46} {mine_cols}   {label:<28} {f.cpu:>7.3f}s {f.wall:>7.3f}s "
                f"{f.rss / 2**20:>6.0f}MB  {ratio:>9.2f}x {wall_ratio:>10.2f}x{mem}"
            )
        sys.stdout.flush()


def _median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.cpu for r in runs),
        statistics.median(r.wall for r in runs),
        int(statistics.median(r.rss for r in runs)),
    )


# ------------------------------------------------------------------------------------- files


def file_rows(work: Path, sizes: Sequence[int]) -> list[Row]:
    rows: list[Row] = []
    for n in sizes:
        old, new = work / f"old{n}.yml", work / f"new{n}.yml"
        old.write_text(make_export(n, 1, 0))
        new.write_text(make_export(n, 1, 1))
        parse_both = [PY, "-c", FLOOR_PARSE, str(old), str(new)]
        parse_one = [PY, "-c", FLOOR_PARSE, str(old)]
        rows += [
            Row(
                f"diff {n:,} vs {n:,}",
                [*ENVTOOL, "diff", str(old), str(new)],
                [("parse both (libyaml)", parse_both)],
                memory=True,
            ),
            Row(
                f"prune --no-builds --portable --pin minor {n:,}",
                [*ENVTOOL, "prune", str(old), "--no-builds", "--portable", "--pin", "minor"],
                [("parse one (libyaml)", parse_one)],
            ),
            Row(
                f"check {n:,}", [*ENVTOOL, "check", str(old)], [("parse one (libyaml)", parse_one)]
            ),
            Row(
                f"rename {n:,}",
                [*ENVTOOL, "rename", str(old), "renamed"],
                [("parse one (libyaml)", parse_one)],
            ),
        ]
    return rows


# -------------------------------------------------------------------------------------- envs


REALCONDA = Path("/tmp/envtool-realconda/bin/conda")


def find_conda() -> str | None:
    found = os.environ.get("ENVTOOL_TEST_CONDA") or shutil.which("conda")
    return found or (str(REALCONDA) if REALCONDA.is_file() else None)


def env_rows(
    work: Path,
    sizes: Sequence[str],
    env: dict[str, str],
    cache: Path,
    ops: Sequence[str] = ("export", "clone"),
    after_delete: bool = False,
) -> list[Row]:
    """Export and clone rows of each env (``ml``: 462 packages shaped like a real ML env, 27 MB
    of conda-meta; a number: that many tiny packages), built once into ``cache``.

    Each clone run makes a fresh target and the targets are deleted after the row, as a user
    clones into a new path. With ``after_delete`` every run first deletes the previous targets
    (an ext4 without a journal then makes each new directory slowly for a minute or more: its
    inode search skips recently freed inodes, which weighs on the fast cloners most)."""
    from engine import cached_env

    conda = find_conda()
    rows: list[Row] = []
    for size in sizes:
        kind, n = ("ml", int(size[2:] or 462)) if size.startswith("ml") else ("graph", int(size))
        base = cached_env(kind, n, env, cache)
        print(f"env {base.name}: {(base / 'built').read_text().strip()}")
        source = base / "env"
        pkgs = base / "pkgs"
        environ = dict(env, CONDA_PKGS_DIRS=str(pkgs), RATTLER_CACHE_DIR=str(pkgs))
        installed = len(list((source / "conda-meta").glob("*.json")))
        run_tag = "" if after_delete else "-{run}"
        clone = work / f"clone-{base.name}{run_tag}"
        floor_clone = work / f"floor-clone-{base.name}{run_tag}"
        conda_clone = work / f"conda-clone-{base.name}{run_tag}"
        link_clone = work / f"link-clone-{base.name}{run_tag}"
        targets = [clone, floor_clone, conda_clone, link_clone]

        def wipe(paths: list[Path]) -> Callable[[], None]:
            def remove() -> None:
                for path in paths:
                    for made in path.parent.glob(path.name.replace("{run}", "*")):
                        shutil.rmtree(made, ignore_errors=True)

            return remove

        export_floors = [("py-rattler PrefixRecord read", [PY, "-c", FLOOR_RECORDS, str(source)])]
        clone_floors = [
            (
                "py-rattler install",
                [PY, "-c", FLOOR_INSTALL, str(source), str(floor_clone), str(pkgs)],
            ),
            ("bare hard-link loop", [PY, "-c", FLOOR_LINK, str(source), str(link_clone)]),
        ]
        if conda:
            export_floors.append(("conda env export", [conda, "env", "export", "-p", str(source)]))
            clone_floors.append(
                (
                    "conda create --clone",
                    [conda, "create", "-y", "-q", "--clone", str(source), "-p", str(conda_clone)],
                )
            )
        what = f"{installed} packages" + (", ML-shaped" if kind == "ml" else "")
        rows += [
            row
            for row in (
                Row(
                    f"export -p ({what})",
                    [*ENVTOOL, "--backend", "native", "export", "-p", str(source)],
                    export_floors,
                    environ=environ,
                ),
                Row(
                    f"clone ({what}, warm cache)",
                    [*ENVTOOL, "--backend", "native", "clone", str(source), "-p", str(clone)],
                    clone_floors,
                    prepare=wipe(targets) if after_delete else None,
                    environ=environ,
                    cleanup=wipe(targets),
                ),
            )
            if row.label.split()[0] in ops
        ]
    return rows


def compat_check(work: Path, sizes: Sequence[str], env: dict[str, str], cache: Path) -> bool:
    """``envtool export --conda-compat`` beside ``conda env export`` on each env, both with one
    condarc (no channels configured, offline): whether their outputs are byte for byte equal."""
    from engine import cached_env

    conda = find_conda()
    if conda is None:
        print("--compat: no conda found (see the module's docstring)")
        return False
    condarc = work / "compat.condarc"
    condarc.write_text("channels: []\ndefault_channels: []\noffline: true\n")
    same = True
    for size in sizes:
        kind, n = ("ml", int(size[2:] or 462)) if size.startswith("ml") else ("graph", int(size))
        source = cached_env(kind, n, env, cache) / "env"
        environ = dict(env, CONDARC=str(condarc), CONDA_RESTRICT_RC_SEARCH_PATH="1")
        outputs = [
            subprocess.run(argv, env=environ, capture_output=True, text=True, check=True).stdout
            for argv in (
                [conda, "env", "export", "-p", str(source)],
                [*ENVTOOL, "--backend", "native", "export", "--conda-compat", "-p", str(source)],
            )
        ]
        lines = outputs[0].count("\n")
        if outputs[0] == outputs[1]:
            print(f"--compat {size}: export --conda-compat = conda env export ({lines} lines)")
            continue
        same = False
        import difflib

        print(f"--compat {size}: export --conda-compat differs from conda env export:")
        diff = difflib.unified_diff(
            outputs[0].splitlines(), outputs[1].splitlines(), "conda", "envtool", lineterm=""
        )
        print("\n".join(list(diff)[:40]))
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    parser.add_argument("--runs", type=int, help="runs a row (default 9; --quick 5)")
    parser.add_argument("--conda-runs", type=int, default=3, help="runs of conda's rows")
    parser.add_argument("--rows", choices=("all", "files", "envs"), default="all")
    parser.add_argument("--sizes", help="file sizes, comma-separated (default 2000,20000,100000)")
    parser.add_argument(
        "--packages",
        help="envs, comma-separated: ml (462 packages shaped like a real ML env) or a number "
        "of tiny packages (default ml,300,1000; --quick ml)",
    )
    parser.add_argument(
        "--ops", default="export,clone", help="which env rows: export, clone (default both)"
    )
    parser.add_argument(
        "--cache",
        metavar="DIR",
        help="where built channels and envs are kept between runs (default bench/.cache)",
    )
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    parser.add_argument(
        "--clone-after-delete",
        action="store_true",
        help="clone rows: delete the previous targets before each run (default: a fresh "
        "target a run, all deleted after the row)",
    )
    parser.add_argument(
        "--compat",
        action="store_true",
        help="instead of timing: check that export --conda-compat prints what conda env export "
        "prints on each env of --packages (needs a conda)",
    )
    parser.add_argument(
        "--src",
        metavar="DIR",
        help="run the envtool package in DIR (another checkout: before/after)",
    )
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 9)
    sizes = [
        int(s)
        for s in (args.sizes or ("2000,20000" if args.quick else "2000,20000,100000")).split(",")
    ]
    packages = (args.packages or ("ml" if args.quick else "ml,300,1000")).split(",")

    work = Path(args.keep or tempfile.mkdtemp(prefix="envtool-speed-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONDA", "MAMBA")) and k != "ENVTOOL_BACKEND"
    }
    env.update(
        HOME=str(work / "home"),
        CONDA_PKGS_DIRS=str(work / "pkgs"),
        RATTLER_CACHE_DIR=str(work / "pkgs"),
        CONDA_ROOT_PREFIX=str(work / "root"),
        PYTHONPATH=str(Path(args.src).resolve() if args.src else BENCH.parent),
    )
    (work / "home").mkdir(exist_ok=True)
    os.chdir(work)  # `python -m envtool` puts the working directory first on sys.path
    # Time what an installed envtool runs: byte-compiled modules (pip compiles them on install).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [PY, "-m", "compileall", "-q", f"{env['PYTHONPATH']}/envtool"], env=env, check=True
    )
    try:
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
            f"load {os.getloadavg()[0]:.1f}; {runs} runs a row, medians\n"
        )
        if args.compat:
            from engine import CACHE

            cache = Path(args.cache).resolve() if args.cache else CACHE
            return 0 if compat_check(work, packages, env, cache) else 1
        rows: list[Row] = []
        if args.rows in ("all", "files"):
            rows += file_rows(work, sizes)
        if args.rows in ("all", "envs"):
            from engine import CACHE

            cache = Path(args.cache).resolve() if args.cache else CACHE
            rows += env_rows(
                work, packages, env, cache, args.ops.split(","), args.clone_after_delete
            )
        measure(rows, runs, env, args.conda_runs)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
