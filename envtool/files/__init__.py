"""Environment files: read, check, edit and write ``environment.yml``.

- :mod:`~envtool.files.envfile` — the :class:`EnvFile` model, its parse and conda's exact dump;
  :mod:`~envtool.files.fileio` — encodings and atomic writes;
  :mod:`~envtool.files.gitio` — files at git revisions.
- :mod:`~envtool.files.yaml_edit` — byte-preserving splices for ``rename`` and ``prune``.
- :mod:`~envtool.files.prune`, :mod:`~envtool.files.spec_rewrite`,
  :mod:`~envtool.files.portable` — the pruning rules and their curated list.
- :mod:`~envtool.files.lint` — ``check``'s findings.

Pure where it can be: nothing here touches an installed environment or a terminal.
"""
