"""Installed environments: where they are, what is in them, and how they are made safely.

- :mod:`~envtool.envs.condaconfig` — conda's configuration, envs dirs and env names.
- :mod:`~envtool.envs.prefix` — a prefix's ``conda-meta`` records, pip packages and variables.
- :mod:`~envtool.envs.history` — ``conda-meta/history``: requested specs, revision blocks.
- :mod:`~envtool.envs.export` — an installed env as an :class:`EnvFile` in conda's layout.
- :mod:`~envtool.envs.channel` — channels in conda's canonical form (alias, defaults, tokens).
- :mod:`~envtool.envs.platform` — a subdir with its virtual packages, to solve for.
- :mod:`~envtool.envs.transaction` — targets, frozen envs, created_at, history, pip: one
  policy for every backend.
- :mod:`~envtool.envs.staging` — build beside the target, move into place, roll back.

Nothing here imports a backend: backends import this package, never the reverse.
"""
