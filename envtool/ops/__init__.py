"""Operations: typed functions that do one thing a command does and return a value.

One module per operation (``diff``, ``check``, ``prune``, ``rename``, ``sync``, ...). Commands
call them, render what they return and choose exit codes; :mod:`envtool.api` publishes the
stable ones for Python callers. Nothing here prints or imports click.
"""
