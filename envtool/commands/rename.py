"""``envtool rename FILE NEW_NAME``: a new ``name:``, no stale ``prefix:``, nothing else changed."""

from __future__ import annotations

from envtool.files import fileio
from envtool.files.envfile import check_env_name
from envtool.ops.rename import rename_file


def run(file: str, new_name: str, *, output: str | None, in_place: bool, keep_prefix: bool) -> int:
    check_env_name(new_name)  # usage errors before any file is read
    target = fileio.output_target(file, output, in_place)
    renamed = rename_file(file, new_name, keep_prefix=keep_prefix)
    if target is None:
        fileio.write_text_output(None, renamed.text)
    else:
        fileio.write_atomic(target, renamed.data)
    return 0
