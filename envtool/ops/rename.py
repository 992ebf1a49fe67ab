"""Rename an environment file: a new ``name:``, no stale ``prefix:``, nothing else changed.

Byte-preserving (:mod:`envtool.files.yaml_edit`): comments, quoting and order survive.
"""

from __future__ import annotations

from dataclasses import dataclass

from envtool import locks
from envtool.files import envfile, fileio, line_edit, yaml_edit
from envtool.files.envfile import EnvFile, check_env_name


@dataclass(frozen=True)
class Renamed:
    """A renamed file: its new ``text`` (in the input's line ends) and the ``file`` it came
    from (its encoding is how the text goes back to disk)."""

    text: str
    file: fileio.TextFile

    @property
    def env(self) -> EnvFile:
        """The renamed file, parsed (an invalid spec is kept as a problem, not raised)."""
        return envfile.parse(self.text, self.file.source)

    @property
    def data(self) -> bytes:
        """The new text in the input file's own encoding (BOM included when it had one)."""
        return self.file.encode(self.text)


def rename_text(
    text: str, new_name: str, *, keep_prefix: bool = False, source: str = "<string>"
) -> str:
    """``text`` with ``name:`` set to ``new_name`` (inserted first if absent) and no ``prefix:``.

    A file every other command calls invalid (``check``'s errors) is refused with their error.
    """
    fast = line_edit.rename(text, new_name, keep_prefix=keep_prefix)  # an export: by its lines
    return fast if fast is not None else _rename(text, new_name, keep_prefix, source)


def _rename(text: str, new_name: str, keep_prefix: bool, source: str) -> str:
    """The general path: parse (and so validate), then edit at the node positions."""
    root = envfile.compose(text, source)  # one parse: the edits reuse its node tree
    envfile.parse_node(root, source).validate()
    ops: list[yaml_edit.Op] = [yaml_edit.SetKey("name", new_name)]
    if not keep_prefix:
        ops.append(yaml_edit.DeleteKey("prefix"))
    return yaml_edit.apply(text, ops, source, root)


def rename_file(path: str, new_name: str, *, keep_prefix: bool = False) -> Renamed:
    """The file at ``path`` ("-": standard input) renamed; an invalid name is a UsageError."""
    check_env_name(new_name)
    tf = fileio.read(path)
    locks.refuse(tf, "rename")
    text = rename_text(tf.text, new_name, keep_prefix=keep_prefix, source=tf.source)
    return Renamed(text, tf)
