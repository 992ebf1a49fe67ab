"""The JSON format: the stable machine format, pinned by tests/test_diff_json_contract.py.

One file (``envtool diff OLD NEW``): ``schema_version`` 1. Keys are always present (null when
unknown), in a fixed order; changes in the EnvDiff's order. Every value is redacted here
(:func:`envtool.render.common.shown`).

Every changed file (``envtool diff --base REV``): a wrapper document with its own version key,
``diff_set_version`` 1, so that a reader of schema-1 documents cannot mistake one for the
other: ``base``, a ``summary`` over all files (``files``, ``changes``, ``risky``, ``kinds``,
``sizes``), and ``files``, each with ``path``, ``status`` (added, deleted, modified, renamed),
``old_path``, ``new_path`` and ``diff``: a complete schema-1 document.
"""

from __future__ import annotations

from envtool.diff.model import KINDS, SIZES, DiffSet, EnvDiff
from envtool.render.common import shown

SCHEMA_VERSION = 1
DIFF_SET_VERSION = 1


def to_json_data(result: EnvDiff) -> dict[str, object]:
    """The JSON document as plain data (schema_version 1), every value redacted."""
    result = shown(result)
    return {
        "schema_version": SCHEMA_VERSION,
        "old": {"source": result.old_source},
        "new": {"source": result.new_source},
        "summary": _summary(result),
        "changes": [
            {
                "section": c.section,
                "kind": c.kind,
                "name": c.name,
                "old": c.old,
                "new": c.new,
                "size": c.size,
                "old_line": c.old_line,
                "new_line": c.new_line,
                "old_text": c.old_text,
                "new_text": c.new_text,
                "note": c.note,
                "risks": list(c.risks),
            }
            for c in result.changes
        ],
        "warnings": list(result.warnings),
    }


def render_json(result: EnvDiff) -> str:
    return _dump(to_json_data(result))


def to_json_set_data(report: DiffSet) -> dict[str, object]:
    """The ``--base`` document as plain data (diff_set_version 1)."""
    return {
        "diff_set_version": DIFF_SET_VERSION,
        "base": report.base,
        "summary": {"files": len(report.files), **_summary(report)},
        "files": [
            {
                "path": f.path,
                "status": f.status,
                "old_path": f.old_path,
                "new_path": f.new_path,
                "diff": to_json_data(f.diff),
            }
            for f in report.files
        ],
    }


def render_json_set(report: DiffSet) -> str:
    return _dump(to_json_set_data(report))


def _summary(result: EnvDiff | DiffSet) -> dict[str, object]:
    """``changes``, ``risky``, then every kind and size with its count (zeros included)."""
    kinds, sizes = result.kind_counts(), result.size_counts()
    return {
        "changes": len(result.changes),
        "risky": len(result.risky),
        "kinds": {k: kinds[k] for k in KINDS},
        "sizes": {s: sizes[s] for s in SIZES},
    }


def _dump(data: dict[str, object]) -> str:
    import json

    return json.dumps(data, indent=2) + "\n"
