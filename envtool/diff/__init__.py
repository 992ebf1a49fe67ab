"""What changed between two environments: data, rules and repository policy.

- :mod:`~envtool.diff.model` — :class:`EnvDiff`, :class:`Change`, kinds and sizes (data only).
- :mod:`~envtool.diff.compare` — :func:`diff`: the rules that walk two files and make the changes.
- :mod:`~envtool.diff.drift` — :func:`drift`: a file against an installed env's records.
- :mod:`~envtool.diff.policy` — ``.envtool.toml`` / ``[tool.envtool]``: fail-on, ignore.

Changes carry real values; display (and redaction) lives in :mod:`envtool.render`; nothing
here prints (the inputs are read by :mod:`envtool.ops.diff`).
"""
