"""``envtool prune FILE``: apply the PRUNE OPTIONS to a file, editing it byte-preservingly.

The result goes to stdout, to ``-o OUT`` or back into FILE (``--in-place``), always written
atomically and in FILE's own encoding and line ends. ``--check`` writes nothing and exits 1
when pruning would change FILE (for pre-commit); ``--explain`` lists every decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from envtool.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EnvtoolError, UsageError
from envtool.files import envfile, fileio
from envtool.files.prune import Decision, PruneOptions, apply_edits, check_options, prune
from envtool.ui import Console, plural


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
    tf = fileio.read(file)
    root = envfile.compose(tf.text, tf.source)  # one parse: the edits reuse its node tree
    env = envfile.parse_node(root, tf.source).validate()  # an invalid spec: file and line
    result = prune(env, options)
    new_text = apply_edits(tf.text, result, tf.source, root)
    changed = new_text != tf.text
    if changed:
        _verify(new_text, tf.source, result.env)
    if explain:
        for decision in result.decisions:
            console.err.write(format_decision(tf.source, decision) + "\n")
    if check:
        if changed:
            if not explain:
                for decision in result.decisions:
                    if decision.changes:
                        console.info(format_decision(tf.source, decision))
            console.info(
                f"envtool: {tf.source} would change: {_summary(result.decisions)} "
                "(run without --check to apply)"
            )
        return EXIT_FINDINGS if changed else EXIT_OK
    if target is None:
        fileio.write_text_output(None, new_text)
    elif changed or not in_place:  # an unchanged file is not rewritten (its mtime stays)
        fileio.write_atomic(target, tf.encode(new_text))
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


def format_decision(source: str, decision: Decision) -> str:
    """``file:line: drop x=1=b — reason``, the line ``--explain`` and ``--check`` print."""
    where = f"{source}:{decision.line}" if decision.line is not None else source
    return f"{where}: {decision.describe()}"


def _summary(decisions: tuple[Decision, ...]) -> str:
    drops = sum(d.action == "drop" for d in decisions)
    rewrites = sum(d.action == "rewrite" for d in decisions)
    parts = [plural(drops, "drop")] if drops else []
    parts += [plural(rewrites, "rewrite")] if rewrites else []
    return ", ".join(parts)


def _verify(text: str, source: str, expected: envfile.EnvFile) -> None:
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
