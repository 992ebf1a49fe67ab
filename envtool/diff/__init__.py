"""What changed between two environments: data, rules and repository policy.

- :mod:`~envtool.diff.model` — :class:`EnvDiff`, :class:`Change`, kinds and sizes (data only).
- :mod:`~envtool.diff.compare` — the rules that walk two files and make the changes.
- :mod:`~envtool.diff.policy` — ``.envtool.toml`` / ``[tool.envtool]``: fail-on, ignore.

Display lives in :mod:`envtool.render`; nothing here prints.
"""
