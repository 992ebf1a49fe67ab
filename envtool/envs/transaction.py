"""Targets and transactions of every backend: what may be created where, and all-or-nothing.

One policy for the native and the conda/mamba/micromamba backends:

- :func:`check_target` — nothing there (or an empty dir) is free; an existing env is replaced
  only with ``--on-exists replace``, never when it is the root env or the one envtool runs in
  (``sys.prefix``), and never when it is frozen (CEP 22, ``conda-meta/frozen``) unless
  ``--override-frozen``; a directory that is not an env and a file are never replaced.
- :class:`~envtool.envs.staging.StagedPrefix` — build beside the target and move into place,
  or (a tool that cannot relocate an env) build in place with the old env moved aside; either
  way a failure puts back what was there.
- :func:`complete` — what an engine that is not conda leaves to envtool, in the staged prefix
  before it moves: ``conda-meta/created_at`` (as conda >= 25.11 writes it), the history block
  (so ``conda env export --from-history`` works), the variables, and the pip section, run by
  the env's own python with its requirements in a temp dir.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from envtool import __version__, process
from envtool.envs import history, prefix
from envtool.envs.condaconfig import same_path
from envtool.envs.model import CreateOptions, EnvLocation, InstalledPackage
from envtool.errors import BackendError, UsageError

FROZEN_FILE = Path("conda-meta") / "frozen"
CREATED_AT_FILE = Path("conda-meta") / "created_at"
OVERRIDE_FROZEN = "--override-frozen"  # conda's flag (conda/cli/helpers.py)

# pip resolves -r/-c paths against the requirements file's directory: they are made absolute
# (against the environment file's directory) when the temp file lives elsewhere.
_NESTED = re.compile(r"^(\s*(?:-r|-c|--requirement|--constraint)(?:\s+|=))(\S.*?)\s*$")


# ------------------------------------------------------------------------------------- targets


def check_target(
    target: EnvLocation, options: CreateOptions, *, root_prefix: Path | None = None
) -> bool:
    """Whether an env at ``target`` will be replaced; raises UsageError when it must not be."""
    path = target.prefix
    if not os.path.lexists(path):
        return False
    if not path.is_dir():
        raise UsageError(f"{path} exists and is not a directory; not replacing it")
    if not any(path.iterdir()):
        return False  # an empty directory is free, as conda treats it
    if not prefix.is_env(path):  # --on-exists replace would refuse it: never suggest it
        raise UsageError(f"{path} exists and is not a conda environment; not replacing it")
    if options.on_exists != "replace":
        what = "a frozen environment" if is_frozen(path) else "an environment"
        raise UsageError(f"{path} already exists ({what}); use --on-exists replace to replace it")
    if root_prefix is not None and same_path(path, root_prefix):
        raise UsageError(f"refusing to replace the root environment at {path}")
    if same_path(path, Path(sys.prefix)):
        raise UsageError(f"refusing to replace the environment envtool runs in at {path}")
    check_not_frozen(path, doing="replace", override=options.override_frozen)
    return True


def check_not_frozen(env: Path, *, doing: str, override: bool = False) -> None:
    """Raise UsageError when ``env`` is frozen (CEP 22) and the user did not override it; one
    message for every command that would change or remove an env (``doing``: "replace", ...)."""
    if override or not is_frozen(env):
        return
    reason = frozen_reason(env)
    why = f" ({reason})" if reason else ""
    raise UsageError(
        f"cannot {doing} {env}: the environment is marked as frozen{why}; "
        f"use {OVERRIDE_FROZEN} to {doing} it anyway"
    )


def is_frozen(env: Path) -> bool:
    """CEP 22: an env with a ``conda-meta/frozen`` file must not be changed."""
    try:
        return (env / FROZEN_FILE).is_file()
    except OSError:
        return False


def frozen_reason(env: Path) -> str:
    """The ``message`` of ``conda-meta/frozen`` (JSON, may be empty), on one line."""
    try:
        text = (env / FROZEN_FILE).read_text(encoding="utf-8", errors="replace").strip()
        data = json.loads(text) if text else {}
    except (OSError, json.JSONDecodeError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return " ".join(str(message).split()) if message else ""


# ---------------------------------------------------------------------------- completing an env


def complete(
    staged: Path,
    target: Path,
    options: CreateOptions,
    *,
    packages: Iterable[InstalledPackage],
    specs: Sequence[str],
    variables: Mapping[str, str],
    pip_lines: Sequence[str] = (),
) -> None:
    """Finish a staged env that an engine installed: created_at, history block, variables,
    then the pip section (run in ``staged``; what pip wrote is relocated to ``target``)."""
    write_created_at(staged)
    append_history(staged, options.command, packages, specs)
    prefix.write_variables(staged, dict(variables))
    if pip_lines:
        options.progress.phase(f"pip install ({len(pip_lines)} lines)")
        pip_install(staged, pip_lines, options.base_dir, final_prefix=target)


def write_created_at(env: Path) -> None:
    """``conda-meta/created_at`` as conda >= 25.11 writes it (``PrefixData.set_creation_time``:
    ``str()`` of a POSIX timestamp, a float), read back where the OS keeps no birth time."""
    path = env / CREATED_AT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(time.time()), encoding="utf-8")


def append_history(
    env: Path, command: str, packages: Iterable[InstalledPackage], specs: Sequence[str]
) -> None:
    """Record the install in the env's history as conda would (``--from-history`` reads it)."""
    linked = (history.dist_line(p.channel, p.subdir, p.name, p.version, p.build) for p in packages)
    block = history.format_block(
        datetime.now(), command, linked, specs, envtool_version=__version__
    )
    history_file = env / "conda-meta" / "history"
    history_file.parent.mkdir(parents=True, exist_ok=True)
    with history_file.open("a", encoding="utf-8") as fh:
        fh.write(block)


def pip_install(
    env: Path,
    lines: Iterable[str],
    base_dir: Path | None,
    *,
    final_prefix: Path | None = None,
) -> None:
    """``<env>/bin/python -m pip install -U -r <tmpfile>``, run from the env file's directory.

    The requirements file lives in a temp dir (never beside the user's file), its ``-r``/``-c``
    paths made absolute against ``base_dir``. With ``final_prefix`` (pip ran in a staged
    prefix), the files pip wrote that name the staged path are rewritten to name the final one.
    """
    python = env / ("python.exe" if sys.platform == "win32" else "bin/python")
    if not python.exists():
        raise BackendError(
            f"the pip section needs python, but {final_prefix or env} has no {python.name} "
            "(add python to dependencies)"
        )
    workdir = base_dir if base_dir is not None else Path.cwd()
    before = set(prefix.untracked_files(env, prefix.read_records(env, str)))
    with tempfile.TemporaryDirectory(prefix="envtool-pip-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        text = "".join(f"{_absolute_nested(line, workdir)}\n" for line in lines)
        requirements.write_text(text, encoding="utf-8")
        process.run([python, "-m", "pip", "install", "-U", "-r", requirements], cwd=workdir)
    if final_prefix is not None and final_prefix != env:
        records = prefix.read_records(env, str)
        for rel in prefix.untracked_files(env, records):
            if rel not in before:
                _relocate(env / rel, str(env), str(final_prefix))


def _absolute_nested(line: str, base: Path) -> str:
    m = _NESTED.match(line)
    if m is None or "://" in m.group(2):
        return line
    path = Path(os.path.expanduser(m.group(2)))
    return line if path.is_absolute() else f"{m.group(1)}{base / path}"


def _relocate(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a UTF-8 text file (a binary one is left as it is)."""
    if path.is_symlink() or not path.is_file():
        return
    data = path.read_bytes()
    if old.encode() not in data:
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    mode = path.stat().st_mode & 0o7777
    path.write_bytes(text.replace(old, new).encode("utf-8"))
    os.chmod(path, mode)
