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
        _keep_swallowed_ctrl_c()
        # A command is one short run over acyclic data (parsed files, records, results): the
        # cyclic collector finds nothing to free, but walks every object again and again as
        # they pile up (35-45 % of diff's and prune's CPU at 100,000 dependencies). Memory
        # is returned when the process ends. Callers of main(argv) keep their own settings.
        import gc  # built in: no import cost

        gc.disable()
    from envtool.cli import main as cli_main

    return cli_main(args)


def _keep_swallowed_ctrl_c() -> None:
    """Deliver again a Ctrl-C that Python swallowed, so that every Ctrl-C stops envtool.

    Python raises KeyboardInterrupt wherever the main thread is when it handles SIGINT. In a
    ``__del__`` or a weakref callback the exception can't propagate: Python prints "Exception
    ignored in ..." with a traceback and goes on, and the command runs to its end as if no key
    had been pressed. Any import can land there (importlib's module-lock callback: seen in CI,
    exit 2 after a traceback). This hook takes such a KeyboardInterrupt out of Python's report
    and has a thread send SIGINT to the main thread again once the hook has returned, so that
    it lands in the code that was running (and interrupts a blocking read as a real one does).
    """
    import _thread  # built in, as sys is: nothing to load on the path every command takes

    main_thread = _thread.get_ident()
    report = sys.unraisablehook

    def again(hook_done: _thread.LockType) -> None:
        import signal  # here: only after a swallowed Ctrl-C

        with hook_done:  # not inside the hook, where it would be swallowed once more
            if hasattr(signal, "pthread_kill"):
                signal.pthread_kill(main_thread, signal.SIGINT)
            else:  # Windows
                _thread.interrupt_main()

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if not issubclass(unraisable.exc_type, KeyboardInterrupt):
            report(unraisable)
            return
        hook_done = _thread.allocate_lock()
        hook_done.acquire()
        _thread.start_new_thread(again, (hook_done,))
        hook_done.release()  # last: the thread needs the GIL to send, and we keep it till return

    sys.unraisablehook = hook


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
