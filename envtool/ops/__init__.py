"""Operations: typed functions that do one thing a command does and return a value.

Commands render these results and choose exit codes; :mod:`envtool.api` publishes the stable
ones for Python callers.
"""
