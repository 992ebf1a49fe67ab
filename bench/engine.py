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


# A real ML env (pytorch + CUDA + the scientific stack, 462 packages) has ~100,000 files and
# 27 MB of conda-meta: a handful of packages with thousands of files (pytorch, python, the CUDA
# libraries, scipy, sympy, pandas), a few dozen with hundreds, and most with a few tens.
ML_GIANTS = (12_000, 7_000, 5_000, 4_000, 3_000, 2_200, 1_800, 1_500)


def ml_file_counts(n: int, rng: random.Random) -> list[int]:
    """File counts of ``n`` packages shaped like a real ML env's (see :data:`ML_GIANTS`)."""
    counts = list(ML_GIANTS[: max(1, n // 50)])
    while len(counts) < n:
        roll = rng.random()
        if roll < 0.06:
            counts.append(rng.randint(300, 1_200))
        elif roll < 0.25:
            counts.append(rng.randint(60, 300))
        else:
            counts.append(rng.randint(4, 60))
    rng.shuffle(counts)
    return counts


def _ml_files(name: str, count: int, rng: random.Random) -> dict[str, bytes]:
    """``count`` files laid out as a real package's: a python package tree of modules, about
    12 a directory (pytorch: 20,000 files in 1,600 directories), a few shared libraries,
    headers; small contents of varied sizes."""
    files: dict[str, bytes] = {}
    site = f"lib/python3.11/site-packages/{name}"
    kinds = ("module", "functional", "_C_ops", "native_functions", "test_utils", "config")
    for j in range(count):
        roll = j % 20
        if roll == 0:
            path = f"lib/lib{name}_{j:05d}.so"
        elif roll == 1:
            path = f"include/{name}/ops/{kinds[j % 6]}_{j:05d}_native.h"
        else:
            leaf = j // 12
            path = f"{site}/sub{leaf // 8:02d}/nested{leaf % 8}/{kinds[j % 6]}_{j:05d}.py"
        size = min(int(rng.lognormvariate(6.0, 1.3)), 64_000)
        files[path] = (f"# {path}\n".encode() * (size // 40 + 1))[:size]
    return files


def ml_packages(n: int = 462, seed: int = 20261203) -> tuple[list[Package], list[str]]:
    """``n`` packages whose file counts and sizes follow a real ML env's (one version each, a
    layered dependency graph as :func:`graph_packages`), and the graph's leaves. One is
    ``python`` (what pip packages are found through); half are python packages with a
    ``.dist-info`` in site-packages and a dependency on python, as conda's python packages
    have (conda takes a ``.dist-info`` of a package that does not depend on python for a pip
    package)."""
    rng = random.Random(seed)
    arch = current_subdir()
    layers = 12
    counts = ml_file_counts(n, rng)
    python = counts.index(ML_GIANTS[1]) if n >= 100 else 0
    names = ["python" if i == python else f"ml{i:03d}" for i in range(n)]
    layer_of = {name: i * layers // n for i, name in enumerate(names)}
    packages: list[Package] = []
    needed: set[str] = set()
    for i, name in enumerate(names):
        lower = [m for m in names[:i] if layer_of[m] < layer_of[name]]
        k = min(len(lower), rng.randint(0, 6))
        deps = sorted(rng.sample(lower, k)) if k else []
        subdir = arch if i % 3 else "noarch"
        build = f"py311h{rng.getrandbits(28):07x}_{rng.randint(0, 3)}"
        version = f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        files = _ml_files(name, counts[i], rng)
        depends = [f"{d} >=0" for d in deps if d != "python"]
        if i == python:
            # python needs nothing here: what depends on it may sit in a lower layer
            version, subdir, deps, depends = "3.11.7", arch, [], []
        elif i % 2 == 0:
            dist = f"lib/python3.11/site-packages/{name}-{version}.dist-info"
            files[f"{dist}/METADATA"] = f"Name: {name}\nVersion: {version}\n\n".encode()
            files[f"{dist}/RECORD"] = f"{name}/__init__.py,,\n".encode()
            files[f"{dist}/INSTALLER"] = b"conda\n"
            # A package with a .dist-info is a python package: conda counts a .dist-info
            # as conda's only under packages that depend on python, and as pip's otherwise.
            depends.append("python >=3.11,<3.12.0a0")
            deps.append("python")
        elif "python" in deps:
            depends.append("python >=0")
        needed.update(deps)
        packages.append(Package(name, version, build, tuple(sorted(depends)), subdir, files=files))
    leaves = [p.name for p in packages if p.name not in needed]
    return packages, leaves


ML_PIP = 25  # pip-installed distributions in the ML env (files no package owns)


def add_pip_packages(env: Path, count: int = ML_PIP) -> None:
    """``count`` pip-installed distributions in ``env``'s site-packages: a ``.dist-info``
    (METADATA, RECORD, INSTALLER=pip) and a module tree of ~10 files each."""
    site = env / "lib" / "python3.11" / "site-packages"
    for i in range(count):
        name = f"pipdist{i:02d}"
        dist = site / f"{name}-1.{i}.0.dist-info"
        dist.mkdir(parents=True, exist_ok=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.{i}.0\n\n")
        (dist / "RECORD").write_text(f"{name}/__init__.py,,\n")
        (dist / "INSTALLER").write_text("pip\n")
        for j in range(10):
            module = site / name / f"mod{j}.py"
            module.parent.mkdir(exist_ok=True)
            module.write_text(f"# {name} module {j}\n" * (j + 1))


CACHE = Path(__file__).resolve().parent / ".cache"  # built channels and envs (gitignored)
GENERATION = 4  # bump when a generator changes: cached channels and envs are rebuilt


def cached_env(kind: str, n: int, environ: dict[str, str], cache: Path = CACHE) -> Path:
    """``cache/<kind><n>-v<GENERATION>/``, built once and reused: ``channel/`` (the packages
    of :func:`ml_packages` for kind "ml", else :func:`graph_packages`), ``pkgs/`` (the warm
    package cache, conda's and py-rattler's) and ``env/``, made by ``envtool create`` from the
    graph's leaves. ``environ`` is the bench's environment (HOME, conda config)."""
    base = (cache / f"{kind}{n}-v{GENERATION}").resolve()
    done = base / "built"
    if done.is_file():
        return base
    shutil.rmtree(base, ignore_errors=True)
    t0 = time.perf_counter()
    packages, leaves = (ml_packages if kind == "ml" else graph_packages)(n)
    channel = build_channel(base / "channel", packages)
    envfile = base / "environment.yml"
    envfile.write_text(
        f"name: bench\nchannels:\n  - {channel.as_uri()}\n  - nodefaults\ndependencies:\n"
        + "".join(f"  - {leaf}\n" for leaf in leaves)
    )
    env = dict(environ, CONDA_PKGS_DIRS=str(base / "pkgs"), RATTLER_CACHE_DIR=str(base / "pkgs"))
    create = ["create", "-f", str(envfile), "-p", str(base / "env")]
    subprocess.run(
        [sys.executable, "-m", "envtool", "--backend", "native", *create],
        env=env,
        check=True,
        capture_output=True,
    )
    if kind == "ml":
        add_pip_packages(base / "env")
    meta = base / "env" / "conda-meta"
    records = list(meta.glob("*.json"))
    size = sum(p.stat().st_size for p in records)
    files = sum(len(p.files) for p in packages)
    done.write_text(
        f"{len(records)} packages, {files} files, conda-meta {size / 1e6:.1f} MB, "
        f"built in {time.perf_counter() - t0:.0f} s\n"
    )
    return base


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
