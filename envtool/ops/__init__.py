"""Operations: typed functions that read inputs, call the core and return values.

One module per operation (``diff``, ``check``, ``prune``, ``rename``, ...). Commands call them
and only render what they return and choose exit codes; :mod:`envtool.api` publishes the
stable surface. Nothing here prints or imports click.
"""
