"""``envtool lock (-n NAME | -p PREFIX | -f FILE)``: a lock file of exact package records.

- ``-n``/``-p``: the installed env, locked exactly from ``conda-meta`` (no solve), host
  platform only, pip packages included.
- ``-f FILE``: the environment file solved for each ``--platform`` (default: this machine's),
  with ``--cuda VER|none`` overriding ``__cuda`` (the CUDA variant a solve picks).
- ``--format``: ``conda-lock`` (default; ``conda-lock.yml``), ``pixi`` (``pixi.lock`` v6, what
  conda 26 reads), ``pixi-v7`` (``pixi.lock`` v7, what pixi writes), ``explicit``
  (``<platform>.explicit.txt``, one per platform; ``-o -`` prints a single platform's).
- ``-o OUT``: where to write (atomically); with several platforms an explicit ``OUT`` must hold
  ``{platform}``.
- ``--check``: write nothing; exit 1 when the lock at OUT is stale for its source (a
  conda-lock file from ``-f``: its content hash per platform, no solve; otherwise the records,
  after a fresh lock), 0 when fresh.

What a format cannot hold (pip packages in an explicit file, a pip package without a URL) is
said on stderr.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from envtool.errors import EXIT_FINDINGS, EXIT_OK, InputError, UsageError
from envtool.files import fileio
from envtool.locks import build
from envtool.locks.model import DEFAULT_FILE, FORMATS, Lock, differences
from envtool.ui import Console, plural


def run(
    *,
    name: str | None,
    prefix: str | None,
    file: str | None,
    platforms: Sequence[str],
    fmt: str,
    output: str | None,
    check: bool,
    backend: str,
    console: Console,
    cuda: str | None = None,
) -> int:
    if sum(x is not None for x in (name, prefix, file)) != 1:
        raise UsageError("lock needs exactly one source: -n NAME, -p PREFIX or -f FILE")
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    wanted = _platforms(platforms)
    if fmt == "explicit" and output == "-" and len(wanted) > 1:
        raise UsageError("-o -: an explicit file holds one platform; give one --platform")
    lock_dir = Path(output).resolve().parent if output and output != "-" else Path.cwd()

    if file is not None:
        if check and fmt == "conda-lock":
            return _check_hashes(file, wanted, _target(fmt, output, ""), cuda, console)
        built = _from_file(file, wanted, lock_dir, cuda, console)
    else:
        if cuda is not None:
            raise UsageError("--cuda applies to a solve: lock an environment file (-f FILE)")
        from envtool.backends import select_backend

        engine = select_backend(backend, console)
        where = engine.locate(name=name) if name is not None else engine.locate(prefix=prefix)
        built = build.from_prefix(where.prefix, wanted)

    lock = built.lock
    if check:
        return _check_records(lock, fmt, output, console)
    for note in built.notes + _format_notes(lock, fmt):
        console.warn(note)
    written = _write(lock, fmt, output)
    n = sum(len(p.conda) + len(p.pip) for p in lock.platforms)
    console.info(
        f"envtool: locked {plural(n, 'package')} for {', '.join(lock.platform_names)}"
        + (f" → {', '.join(written)}" if written else "")
    )
    return EXIT_OK


def _platforms(values: Sequence[str]) -> list[str]:
    out = [p.strip() for v in values for p in v.split(",") if p.strip()]
    return list(dict.fromkeys(out))


def _from_file(
    file: str, wanted: list[str], lock_dir: Path, cuda: str | None, console: Console
) -> build.Built:
    from envtool import locks
    from envtool.backends.native import NativeBackend
    from envtool.envs.platform import current_subdir
    from envtool.files import envfile
    from envtool.ops import create as ops

    tf = fileio.read(file)
    if locks.sniff(tf.text):
        raise UsageError(f"{file} is already a lock file; lock an environment file or an env")
    env = envfile.parse_file(tf)
    for warning in ops.check_keys(env):
        console.warn(warning)
    return build.from_file(
        env,
        wanted or [current_subdir()],
        backend=NativeBackend(),
        base_dir=ops.file_dir(file),
        lock_dir=lock_dir,
        file=file,
        cuda=cuda,
    )


def _format_notes(lock: Lock, fmt: str) -> list[str]:
    from envtool.locks import condalock, explicit, pixi

    if fmt == "explicit":
        return [note for p in lock.platforms for note in explicit.notes(p)]
    if fmt == "conda-lock":
        return condalock.notes(lock)
    return pixi.notes(lock)


def _target(fmt: str, output: str | None, platform: str) -> str:
    if fmt == "explicit":
        if output is None:
            return f"{platform}.explicit.txt"
        return output.replace("{platform}", platform)
    return output or DEFAULT_FILE[fmt]


def render(lock: Lock, fmt: str, file_name: str = "") -> str:
    """The lock in format ``fmt`` (not explicit: that is one text per platform)."""
    from envtool.locks import condalock, pixi

    if fmt == "conda-lock":
        return condalock.dump(lock, Path(file_name).name or DEFAULT_FILE[fmt])
    if fmt == "pixi":
        return pixi.dump_v6(lock)
    return pixi.dump_v7(lock)


def _write(lock: Lock, fmt: str, output: str | None) -> list[str]:
    if fmt != "explicit":
        target = _target(fmt, output, "")
        fileio.write_text_output(None if target == "-" else target, render(lock, fmt, target))
        return [target] if target != "-" else []
    from envtool.locks import explicit

    targets = [_target(fmt, output, p.platform) for p in lock.platforms]
    if len(set(targets)) != len(targets):
        raise UsageError("-o: several platforms need an OUT that holds {platform}")
    for platform, target in zip(lock.platforms, targets, strict=True):
        text = explicit.dump(platform)
        fileio.write_text_output(None if target == "-" else target, text)
    return [t for t in targets if t != "-"]


# ------------------------------------------------------------------------------------ --check


def _read_existing(path: str) -> Lock | None:
    from envtool import locks

    if not Path(path).is_file():
        return None
    found = locks.load(path)
    if found is None:
        raise InputError(path, "not a lock file")
    return found


def _check_hashes(
    file: str, wanted: list[str], target: str, cuda: str | None, console: Console
) -> int:
    """A conda-lock file against its environment file: the content hashes (no solve)."""
    from envtool.envs.platform import current_subdir
    from envtool.files import envfile

    existing = _read_existing(target)
    if existing is None:
        console.info(f"envtool: {target}: no lock file: stale")
        return EXIT_FINDINGS
    env = envfile.load(file)
    platforms = wanted or list(existing.platform_names) or [current_subdir()]
    hashes = build.file_hashes(env, platforms, cuda)
    stale = [p for p in platforms if existing.content_hash.get(p) != hashes[p]]
    if stale:
        console.info(
            f"envtool: {target} is stale for {file} (content hash differs for {', '.join(stale)})"
        )
        return EXIT_FINDINGS
    console.info(f"envtool: {target} is up to date with {file}")
    return EXIT_OK


def _check_records(lock: Lock, fmt: str, output: str | None, console: Console) -> int:
    """A lock against a fresh one: the records of every platform."""
    problems: list[str] = []
    targets = []
    for platform in lock.platforms:
        target = _target(fmt, output, platform.platform)
        targets.append(target)
        existing = _read_existing(target)
        old = existing.for_platform(platform.platform) if existing is not None else None
        if fmt == "explicit":  # it cannot hold pip packages
            platform = replace(platform, pip=())
        if old is None:
            problems.append(f"{target}: no records for {platform.platform}")
            continue
        problems += [f"{platform.platform}: {line}" for line in differences(old, platform)]
    where = ", ".join(dict.fromkeys(targets))
    if problems:
        fileio.write_text_output(None, "".join(f"{line}\n" for line in problems))
        console.info(f"envtool: {where} is stale ({plural(len(problems), 'difference')})")
        return EXIT_FINDINGS
    console.info(f"envtool: {where} is up to date")
    return EXIT_OK


# ------------------------------------------------------------------------------- installing
