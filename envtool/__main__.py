"""Entry point: ``envtool`` and ``python -m envtool``.

``--version`` is answered here without importing click or anything else, so the most common
"is it installed?" call costs no more than Python's own start-up.
"""

from __future__ import annotations

import os
import sys

INTERRUPTED = 130  # errors.EXIT_INTERRUPTED, without importing anything before the guard


def main(argv: list[str] | None = None) -> int:
    try:
        code = _run(argv)
    except KeyboardInterrupt:
        # Ctrl-C while the CLI is still importing (click, envtool.cli: the first ~0.1 s), before
        # cli.main's own handler is in place: the same message and exit code, no traceback.
        sys.stderr.write("envtool: interrupted\n")
        code = INTERRUPTED
    if argv is None:  # the process itself: it ends here
        _exit_now(code)
    return code


def _run(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from envtool import __version__

        sys.stdout.write(f"envtool {__version__}\n")
        return 0
    if argv is None:
        # A command is one short run over acyclic data (parsed files, records, results): the
        # cyclic collector finds nothing to free, but walks every object again and again as
        # they pile up (35-45 % of diff's and prune's CPU at 100,000 dependencies). Memory
        # is returned when the process ends. Callers of main(argv) keep their own settings.
        import gc  # built in: no import cost

        gc.disable()
    from envtool.cli import main as cli_main

    return cli_main(args)


def _exit_now(code: int) -> None:
    """End the process without Python's finalization.

    The work is done (every file written and closed, every child process waited for, by the
    context managers that did it), so flush what we wrote and leave: finalization would free
    every object one by one and run the cyclic collector over them all, even disabled (~15 ms
    of CPU after an export of 300 packages, a tenth of the whole run), and once py-rattler has
    run, its async runtime keeps native worker threads alive and tearing the interpreter down
    under them segfaults now and then (seen after a cold-cache install: the env was complete,
    the exit status was 139).
    """
    import contextlib  # here, not at the top: nothing outside main()'s guard but os and sys

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to deliver
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
