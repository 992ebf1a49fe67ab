"""The contract of ``envtool diff --format json``: schema_version 1, and diff_set_version 1.

Scripts and CI jobs parse this output; any change to its keys, their order, their types or the
words they may hold breaks a test here on purpose. A compatible change bumps nothing; an
incompatible one needs ``schema_version`` 2 (and a note for users).

``envtool diff --base REV`` prints another document, versioned on its own by
``diff_set_version`` (so a reader of schema-1 documents finds no ``schema_version`` and cannot
mistake it for one): a summary over all files and, per file, a complete schema-1 document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, ROOT

from envtool.diff.model import KINDS, SIZES
from envtool.render.document import DIFF_SET_VERSION, SCHEMA_VERSION

TOP_KEYS = ["schema_version", "old", "new", "summary", "changes", "warnings"]
SIDE_KEYS = ["source"]
SUMMARY_KEYS = ["changes", "risky", "kinds", "sizes"]
KIND_WORDS = [
    "added",
    "removed",
    "upgraded",
    "downgraded",
    "rebuilt",
    "channel-changed",
    "moved",
    "spec-changed",
    "channel-added",
    "channel-removed",
    "channel-reordered",
    "name-changed",
    "variables-changed",
    "pip-option-changed",
]
SIZE_WORDS = ["major", "minor", "patch", "other"]
SECTIONS = ["name", "channels", "conda", "pip", "variables"]
RISKS = {
    "downgrade",
    "major upgrade",
    "new channel",
    "new package index",
    "new trusted host",
    "variant change",
}
CHANGE_TYPES: dict[str, tuple[type, ...]] = {
    "section": (str,),
    "kind": (str,),
    "name": (str,),
    "old": (str, type(None)),
    "new": (str, type(None)),
    "size": (str, type(None)),
    "old_line": (int, type(None)),
    "new_line": (int, type(None)),
    "old_text": (str, type(None)),
    "new_text": (str, type(None)),
    "note": (str, type(None)),
    "risks": (list,),
}

GOLDEN_JSON = sorted(
    p for p in DATA.glob("diff-*/expected.json") if "diff_set_version" not in p.read_text()
)
GOLDEN_SET_JSON = sorted(
    p for p in DATA.glob("diff-*/expected.json") if "diff_set_version" in p.read_text()
)

SET_TOP_KEYS = ["diff_set_version", "base", "summary", "files"]
SET_SUMMARY_KEYS = ["files", "changes", "risky", "kinds", "sizes"]
FILE_KEYS = ["path", "status", "old_path", "new_path", "diff"]
STATUSES = ["added", "deleted", "modified", "renamed"]


def test_the_words_are_the_designs() -> None:
    assert SCHEMA_VERSION == 1
    assert DIFF_SET_VERSION == 1
    assert list(KINDS) == KIND_WORDS  # DESIGN §5, in its order
    assert list(SIZES) == SIZE_WORDS


def check_document(doc: dict[str, Any]) -> None:
    assert list(doc) == TOP_KEYS
    assert doc["schema_version"] == 1 and type(doc["schema_version"]) is int
    for side in ("old", "new"):
        assert list(doc[side]) == SIDE_KEYS
        assert isinstance(doc[side]["source"], str)

    summary = doc["summary"]
    assert list(summary) == SUMMARY_KEYS
    assert list(summary["kinds"]) == KIND_WORDS  # every kind, zero or not
    assert list(summary["sizes"]) == SIZE_WORDS
    counts = [summary["changes"], summary["risky"], *summary["kinds"].values()]
    assert all(type(n) is int and n >= 0 for n in [*counts, *summary["sizes"].values()])

    changes = doc["changes"]
    assert summary["changes"] == len(changes)
    assert summary["risky"] == sum(1 for c in changes if c["risks"])
    assert summary["kinds"] == {k: sum(1 for c in changes if c["kind"] == k) for k in KIND_WORDS}
    assert summary["sizes"] == {s: sum(1 for c in changes if c["size"] == s) for s in SIZE_WORDS}
    for change in changes:
        assert list(change) == list(CHANGE_TYPES)
        for key, types in CHANGE_TYPES.items():
            assert isinstance(change[key], types), (key, change)
        assert change["section"] in SECTIONS
        assert change["kind"] in KIND_WORDS
        assert change["size"] is None or change["size"] in SIZE_WORDS
        assert all(isinstance(r, str) and r in RISKS for r in change["risks"])
        for key in ("old_line", "new_line"):
            assert change[key] is None or change[key] >= 1
        if change["kind"] in ("upgraded", "downgraded"):
            assert change["size"] in SIZE_WORDS and change["old"] and change["new"]
        if change["kind"] in ("added", "channel-added"):
            assert change["old"] is None and change["old_line"] is None
        if change["kind"] in ("removed", "channel-removed"):
            assert change["new"] is None and change["new_line"] is None
    order = [SECTIONS.index(c["section"]) for c in changes]
    assert order == sorted(order)  # grouped by section, in a fixed order
    assert all(isinstance(w, str) for w in doc["warnings"])


def check_set_document(doc: dict[str, Any]) -> None:
    assert list(doc) == SET_TOP_KEYS
    assert doc["diff_set_version"] == 1 and type(doc["diff_set_version"]) is int
    assert "schema_version" not in doc
    assert isinstance(doc["base"], str) and doc["base"]
    summary = doc["summary"]
    assert list(summary) == SET_SUMMARY_KEYS
    assert list(summary["kinds"]) == KIND_WORDS
    assert list(summary["sizes"]) == SIZE_WORDS
    files = doc["files"]
    assert summary["files"] == len(files)
    for key in ("changes", "risky"):
        assert summary[key] == sum(f["diff"]["summary"][key] for f in files)
    for kind in KIND_WORDS:
        assert summary["kinds"][kind] == sum(f["diff"]["summary"]["kinds"][kind] for f in files)
    for size in SIZE_WORDS:
        assert summary["sizes"][size] == sum(f["diff"]["summary"]["sizes"][size] for f in files)
    paths = [f["path"] for f in files]
    assert paths == sorted(paths)
    for f in files:
        assert list(f) == FILE_KEYS
        assert f["status"] in STATUSES
        assert f["path"] == (f["new_path"] or f["old_path"])
        assert (f["old_path"] is None) is (f["status"] == "added")
        assert (f["new_path"] is None) is (f["status"] == "deleted")
        check_document(f["diff"])


@pytest.mark.parametrize("path", GOLDEN_JSON, ids=lambda p: p.parent.name)
def test_golden_documents_keep_the_contract(path: Path) -> None:
    check_document(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", GOLDEN_SET_JSON, ids=lambda p: p.parent.name)
def test_golden_set_documents_keep_the_contract(path: Path) -> None:
    check_set_document(json.loads(path.read_text(encoding="utf-8")))


def test_there_is_a_golden_set_document() -> None:
    assert [p.parent.name for p in GOLDEN_SET_JSON] == ["diff-base-repo"]


def test_the_command_prints_a_document_that_keeps_the_contract(cli) -> None:
    v1 = ROOT / "fixtures" / "ml" / "environment-v1.yml"
    v2 = ROOT / "fixtures" / "ml" / "environment-v2.yml"
    result = cli("diff", str(v1), str(v2), "--format", "json")
    assert result.code == 0
    doc = json.loads(result.out)
    check_document(doc)
    assert doc["old"] == {"source": str(v1)}
    assert result.out.endswith("}\n") and result.out.isascii()


def test_one_change_exactly() -> None:
    """A whole change object, pinned value by value: what a script reads."""
    doc = json.loads((DATA / "diff-ml" / "expected.json").read_text(encoding="utf-8"))
    numpy = next(c for c in doc["changes"] if c["name"] == "numpy")
    assert numpy == {
        "section": "conda",
        "kind": "upgraded",
        "name": "numpy",
        "old": "1.26.2",
        "new": "2.0.0",
        "size": "major",
        "old_line": 25,
        "new_line": 24,
        "old_text": "numpy=1.26.2=py311h64a7726_0",
        "new_text": "numpy=2.0.0=py311h1461c94_0",
        "note": None,
        "risks": ["major upgrade"],
    }


def test_no_differences_is_a_document_too(cli, tmp_path: Path) -> None:
    f = tmp_path / "env.yml"
    f.write_text("dependencies: [numpy]\n")
    doc = json.loads(cli("diff", str(f), str(f), "--format", "json").out)
    check_document(doc)
    assert doc["changes"] == [] and doc["summary"]["changes"] == 0
