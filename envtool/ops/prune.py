"""Prune an environment file: the PRUNE OPTIONS applied by editing its text byte-preservingly.

:func:`prune_file` returns the edited text with the :class:`~envtool.files.prune.PruneResult`
(the pruned :class:`EnvFile` and every decision with its reason); writing it is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass

from envtool import locks
from envtool.files import envfile, fileio
from envtool.files.envfile import EnvFile
from envtool.files.prune import Decision, PruneOptions, PruneResult, apply_edits, prune


@dataclass(frozen=True)
class PrunedFile:
    """A pruned file: the new ``text``, what pruning decided (``result``), and the ``file``
    it came from (its text before, and the encoding the new text goes back to disk in)."""

    text: str
    result: PruneResult
    file: fileio.TextFile

    @property
    def changed(self) -> bool:
        return self.text != self.file.text

    @property
    def env(self) -> EnvFile:
        return self.result.env

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return self.result.decisions

    @property
    def data(self) -> bytes:
        """The new text in the input file's own encoding (BOM included when it had one)."""
        return self.file.encode(self.text)


def prune_file(path: str, options: PruneOptions) -> PrunedFile:
    """The file at ``path`` ("-": standard input) pruned by ``options``.

    An invalid spec in the file is an error naming file and line; a file has no requested
    specs, so ``--leaves`` is a usage error.
    """
    tf = fileio.read(path)
    locks.refuse(tf, "prune")
    env = envfile.parse_file(tf)
    result = prune(env, options)
    text = apply_edits(tf.text, result, tf.source)
    if text != tf.text:
        _verify(text, tf.source)
    return PrunedFile(text, result, tf)


def _verify(text: str, source: str) -> None:
    """The edited text must still be a valid environment file; anything else is a bug."""
    try:
        envfile.parse(text, source)
    except Exception as exc:  # a bug in the edits: never write a broken file
        raise RuntimeError(f"pruning {source} produced an invalid file ({exc})") from exc
