"""``envtool prune FILE``: apply the PRUNE OPTIONS to a file, editing it byte-preservingly.

The result goes to stdout, to ``-o OUT`` or back into FILE (``--in-place``), always written
atomically and in FILE's own encoding and line ends. ``--check`` writes nothing and exits 1
when pruning would change FILE (for pre-commit); ``--explain`` lists every decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from envtool.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EnvtoolError, UsageError
from envtool.files import fileio
from envtool.files.prune import PruneOptions, check_options
from envtool.ops.prune import prune_file
from envtool.render.prune import format_decision, summary
from envtool.ui import Console

__all__ = ["format_decision", "run", "run_files"]  # format_decision: for commands/export.py


def run_files(
    files: Sequence[str],
    options: PruneOptions,
    *,
    output: str | None,
    in_place: bool,
    check: bool,
    explain: bool,
    console: Console,
) -> int:
    """Prune each of ``files`` (pre-commit passes them all at once): worst exit code wins.

    One file behaves exactly as :func:`run`. With several, an error in one file is reported
    on its own line and the others are still pruned; the exit code is then 2.
    """

    def one(file: str) -> int:
        return run(
            file,
            options,
            output=output,
            in_place=in_place,
            check=check,
            explain=explain,
            console=console,
        )

    if len(files) == 1:
        return one(files[0])
    if not (check or in_place) or output:
        raise UsageError("several FILEs need --check or --in-place (stdout and -o take one)")
    for file in files:
        _check_arguments(file, options, output=output, in_place=in_place, check=check)
    worst = EXIT_OK
    for file in files:
        try:
            code = one(file)
        except EnvtoolError as exc:
            console.error(str(exc))
            code = EXIT_ERROR
        worst = max(worst, code)
    return worst


def run(
    file: str,
    options: PruneOptions,
    *,
    output: str | None,
    in_place: bool,
    check: bool,
    explain: bool,
    console: Console,
) -> int:
    target = _check_arguments(file, options, output=output, in_place=in_place, check=check)
    pruned = prune_file(file, options)
    source = pruned.file.source
    if explain:
        for decision in pruned.decisions:
            console.err.write(format_decision(source, decision) + "\n")
    if check:
        if pruned.changed:
            if not explain:
                for decision in pruned.decisions:
                    if decision.changes:
                        console.info(format_decision(source, decision))
            console.info(
                f"envtool: {source} would change: {summary(pruned.decisions)} "
                "(apply with --in-place instead of --check)"
            )
        return EXIT_FINDINGS if pruned.changed else EXIT_OK
    if target is None:
        fileio.write_text_output(None, pruned.text)
    elif pruned.changed or not in_place:  # an unchanged file is not rewritten (its mtime stays)
        fileio.write_atomic(target, pruned.data)
    return EXIT_OK


def _check_arguments(
    file: str, options: PruneOptions, *, output: str | None, in_place: bool, check: bool
) -> str | None:
    """Usage errors before any file is read; returns where the result goes (None: stdout)."""
    check_options(options, requested=None)  # a file has no requested specs: --leaves fails
    target = fileio.output_target(file, output, in_place)
    if check and (in_place or output):
        raise UsageError("--check writes nothing; it cannot be used with -o or --in-place")
    return target
