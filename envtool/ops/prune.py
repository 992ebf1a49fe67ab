"""Prune an environment file: the PRUNE OPTIONS applied by editing its text byte-preservingly.

:func:`prune_file` returns the edited text with the :class:`~envtool.files.prune.PruneResult`
(the pruned :class:`EnvFile` and every decision with its reason); writing it is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from envtool import locks
from envtool.files import envfile, fileio, line_edit
from envtool.files.envfile import EnvFile
from envtool.files.prune import Decision, PruneOptions, PruneResult, edit_text, prune, reads_as


@dataclass(frozen=True)
class PrunedFile:
    """A pruned file: the new ``text``, what pruning decided (``result``), and the ``file``
    it came from (its text before, and the encoding the new text goes back to disk in).

    When the text came from the line-by-line path (an export), ``result`` is worked out by
    the general path on first use: writing the file needs only the text.
    """

    text: str
    pruned: PruneResult | None = field(repr=False)  # None: not worked out yet
    file: fileio.TextFile
    options: PruneOptions = field(default_factory=PruneOptions, repr=False)

    @cached_property
    def result(self) -> PruneResult:
        if self.pruned is not None:
            return self.pruned
        return _prune(self.file, self.options)[1]

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
    fast = line_edit.prune(tf.text, options)  # an export: straight from its lines to the output
    if fast is not None:
        return PrunedFile(fast, None, tf, options)
    text, result = _prune(tf, options)
    return PrunedFile(text, result, tf, options)


def _prune(tf: fileio.TextFile, options: PruneOptions) -> tuple[str, PruneResult]:
    """The general path: parse, decide, edit the text, and check what the edits made."""
    root = envfile.compose(tf.text, tf.source)  # one parse: the edits reuse its node tree
    env = envfile.parse_node(root, tf.source).validate()
    result = prune(env, options)
    edited, ops = edit_text(tf.text, result, tf.source, root)
    text = edited.text
    # The output must read back as the pruned file. When every edit was local (an export's
    # lines rewritten or dropped, the prefix line removed) that is proven without parsing it
    # (reads_as); anything else is parsed again and compared (_verify).
    if text != tf.text and not (edited.local and reads_as(env, ops, result.env)):
        _verify(text, tf.source, result.env)
    return text, result


def _verify(text: str, source: str, expected: EnvFile) -> None:
    """The edited text must read back as the pruned file; anything else is a bug.

    One more parse of the output (its specs are in the spec cache already: the unchanged ones
    from the input, the rewritten ones from :func:`envtool.files.spec_rewrite.rewrite_conda`'s
    own check), and a comparison of what it holds with what pruning decided.
    """
    try:
        got = envfile.parse(text, source)
    except Exception as exc:  # a bug in the edits: never write a broken file
        raise RuntimeError(f"pruning {source} produced an invalid file ({exc})") from exc
    if got != expected:
        raise RuntimeError(f"pruning {source} produced a file that does not read back as pruned")
