"""Lock files: exact package records per platform, out (``envtool lock``) and in.

One module per format (:mod:`.condalock`, :mod:`.pixi`, :mod:`.explicit`) converting to and from
the model in :mod:`.model`; :mod:`.build` makes a lock from an installed env or an environment
file; :mod:`.install` installs one (hash-checked, no solve). :func:`sniff` is the one place that
tells a lock or explicit file from an environment file, so every command that reads files
(``create -f``, ``clone``, ``diff``, ``check``) reads every format: a lock becomes an
:class:`EnvFile` of exact pins (:func:`to_envfile`) where a command compares files.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from envtool.errors import InputError

if TYPE_CHECKING:
    from envtool.files.envfile import EnvFile
    from envtool.files.fileio import TextFile
    from envtool.locks.model import Lock, PlatformLock

Kind = Literal["explicit", "conda-lock", "pixi"]
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):", re.MULTILINE)


def sniff(text: str) -> Kind | None:
    """Which lock format ``text`` is in; None for an environment file (or anything else)."""
    if "@EXPLICIT" in text:
        from envtool.locks.explicit import is_explicit  # (and json, hashlib): only then

        if is_explicit(text):
            return "explicit"
    keys = set(_TOP_KEY.findall(text[:200_000]))
    if "version" not in keys:
        return None
    if "package" in keys and "metadata" in keys:
        return "conda-lock"
    if "environments" in keys and "packages" in keys:
        return "pixi"
    return None


def refuse(tf: TextFile, command: str) -> None:
    """Raise UsageError when ``tf`` is a lock: ``command`` edits environment files only."""
    kind = sniff(tf.text)
    if kind is not None:
        from envtool.errors import UsageError

        article = "an" if kind == "explicit" else "a"
        raise UsageError(
            f"{tf.source} is {article} {kind} file: {command} edits environment files "
            "(create, clone, diff and check read lock files)"
        )


def parse(tf: TextFile, *, environment: str = "default") -> Lock:
    """A lock or explicit file (already sniffed) → a :class:`Lock`."""
    kind = sniff(tf.text)
    if kind == "explicit":
        from envtool.envs.platform import current_subdir as host_platform
        from envtool.locks import explicit

        return explicit.parse(tf.text, tf.source, host_platform())
    if kind == "pixi":
        from envtool.locks import pixi

        return pixi.parse(tf.text, tf.source, environment)
    if kind == "conda-lock":
        import yaml

        from envtool.locks import condalock

        try:
            document = yaml.load(tf.text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise InputError(tf.source, "invalid YAML in conda-lock file", line) from exc
        return condalock.parse(document, tf.source)
    raise InputError(tf.source, "not a lock file (conda-lock.yml, pixi.lock or @EXPLICIT)")


def load(path: str, *, environment: str = "default") -> Lock | None:
    """The lock in file ``path``, or None when it is not a lock (an environment file)."""
    from envtool.files import fileio

    tf = fileio.read(path)
    return parse(tf, environment=environment) if sniff(tf.text) else None


def choose_platform(lock: Lock, platform: str) -> PlatformLock:
    """The lock's records for ``platform``; refused, naming the platforms it has, when absent."""
    found = lock.for_platform(platform)
    if found is None:
        has = ", ".join(lock.platform_names) or "none"
        raise InputError(
            lock.source or "lock", f"does not cover this platform {platform} (it has: {has})"
        )
    return found


def read_env(tf: TextFile, *, strict: bool = True) -> EnvFile:
    """Any environment file as an :class:`EnvFile`: a lock or explicit file as this platform's
    exact pins (:func:`to_envfile`), else ``environment.yml`` as it is."""
    from envtool.files import envfile

    if sniff(tf.text):
        return to_envfile(parse(tf))
    return envfile.parse_file(tf, strict=strict)


def load_env(path: str) -> EnvFile:
    """:func:`read_env` of the file at ``path`` ("-": standard input)."""
    from envtool.files import fileio

    return read_env(fileio.read(path))


def to_envfile(lock: Lock, platform: str | None = None) -> EnvFile:
    """One platform of ``lock`` as an environment file of exact ``name=version=build`` pins
    and its channels: this platform's records when it has them, else its first platform's."""
    from envtool.envs.platform import current_subdir as host_platform
    from envtool.files import envfile

    chosen = lock.for_platform(platform or host_platform()) or (
        lock.platforms[0] if lock.platforms else None
    )
    lines = []
    channels = [c for c in lock.channels if c]
    if channels:
        lines += ["channels:", *(f"  - {c}" for c in channels), "  - nodefaults"]
    conda = chosen.conda if chosen else ()
    pip = chosen.pip if chosen else ()
    lines.append("dependencies:" if conda or pip else "dependencies: []")
    lines += [f"  - {r.pin}" for r in conda]
    if pip:
        lines += ["  - pip:", *(f"    - {p.pin}" for p in pip)]
    return envfile.parse("\n".join(lines) + "\n", lock.source or "<lock>")
