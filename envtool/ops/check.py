"""Check environment files: lint findings (schema, specs, portability, credentials) as values.

:func:`check_file` returns the findings of one file; a path that cannot be read at all
(missing, a directory, no permission) raises :class:`~envtool.errors.EnvtoolError`, while a
file that exists but is broken (invalid YAML, conflict markers, binary) is a finding. A lock
or explicit file is checked by reading it with its format's reader (:mod:`envtool.locks`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from envtool.errors import EnvtoolError, InputError, UsageError
from envtool.files import fileio, lint
from envtool.files.lint import Finding


def check_file(path: str, *, ignore: Collection[str] = ()) -> tuple[Finding, ...]:
    """The findings of the file at ``path`` ("-": standard input), less the ``ignore`` codes."""
    return tuple(f for f in _lint(*fileio.read_bytes(path)) if f.code not in ignore)


def _lint(data: bytes, source: str) -> list[Finding]:
    """An environment file's findings; a lock or explicit file is checked by reading it."""
    from envtool import locks

    try:
        tf = fileio.decode(data, source)
    except EnvtoolError:
        return lint.lint_bytes(data, source)
    del data  # decoded once, linted as text: the bytes are not kept beside it (a large file)
    if not locks.sniff(tf.text):
        return lint.lint(tf)
    try:
        locks.parse(tf)
    except InputError as exc:
        return [Finding(source, exc.line or 1, "E001", "error", exc.reason)]
    return []


def ignored_codes(words: Sequence[str]) -> set[str]:
    """``--ignore W305,W302`` (codes or their names, ``editable``): the codes to leave out."""
    by_name = {name: code for code, name in lint.RULES.items()}
    codes: set[str] = set()
    for word in (w.strip() for item in words for w in item.split(",")):
        if not word:
            continue
        code = word.upper() if word.upper() in lint.RULES else by_name.get(word.lower())
        if code is None:
            raise UsageError(
                f"--ignore: unknown finding {word!r} (codes E001…W305 or their names; "
                "the table is in envtool/files/lint.py)"
            )
        codes.add(code)
    return codes
