"""``envtool rename FILE NEW_NAME``: a new ``name:``, no stale ``prefix:``, nothing else changed."""

from __future__ import annotations

from envtool.files import envfile, fileio, yaml_edit
from envtool.files.envfile import check_env_name


def rename_text(
    text: str, new_name: str, *, keep_prefix: bool = False, source: str = "<string>"
) -> str:
    """``text`` with ``name:`` set to ``new_name`` (inserted first if absent) and no ``prefix:``.

    A file every other command calls invalid (``check``'s errors) is refused with their error.
    """
    envfile.parse_file(fileio.TextFile(source, text))
    ops: list[yaml_edit.Op] = [yaml_edit.SetKey("name", new_name)]
    if not keep_prefix:
        ops.append(yaml_edit.DeleteKey("prefix"))
    return yaml_edit.apply(text, ops, source)


def run(file: str, new_name: str, *, output: str | None, in_place: bool, keep_prefix: bool) -> int:
    check_env_name(new_name)
    target = fileio.output_target(file, output, in_place)
    tf = fileio.read(file)
    new_text = rename_text(tf.text, new_name, keep_prefix=keep_prefix, source=tf.source)
    if target is None:
        fileio.write_text_output(None, new_text)
    else:
        fileio.write_atomic(target, tf.encode(new_text))
    return 0
