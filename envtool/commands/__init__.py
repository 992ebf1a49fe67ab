"""One module per command: plain typed functions that read inputs, call the core, write outputs.

Each ``run`` returns the exit code (0 or 1) and raises :class:`envtool.errors.EnvtoolError` for
anything that should exit 2; ``check`` and ``prune`` of several files report an unreadable one,
go on with the others, and then return 2 themselves.
"""
