"""rename: a new name:, no stale prefix:, and every other byte of the file unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Run, corpus_files, needs_corpus
from test_prune import commented

from envtool.files import envfile, fileio
from envtool.ops.rename import rename_text


def test_rename_keeps_every_other_byte() -> None:
    text = (
        "# my env\r\nname: 'old'   # the name\r\nchannels: [conda-forge, nodefaults]\r\n"
        "dependencies:\r\n    - python==3.10  # pinned\r\n    - pip:\r\n        - -e .\r\n"
        "prefix: /home/me/envs/old  # machine specific\r\n# trailing comment\r\n"
    )
    assert rename_text(text, "new") == (
        "# my env\r\nname: 'new'   # the name\r\nchannels: [conda-forge, nodefaults]\r\n"
        "dependencies:\r\n    - python==3.10  # pinned\r\n    - pip:\r\n        - -e .\r\n"
        "# trailing comment\r\n"
    )


def test_rename_inserts_name_first_when_absent() -> None:
    text = "---\n# header\ndependencies:\n  - numpy\n"
    assert rename_text(text, "ml") == "---\n# header\nname: ml\ndependencies:\n  - numpy\n"


def test_rename_keep_prefix_and_quotes_when_needed() -> None:
    text = "name: x\ndependencies: []\nprefix: /p\n"
    assert (
        rename_text(text, "2023", keep_prefix=True)
        == "name: '2023'\ndependencies: []\nprefix: /p\n"
    )


def test_rename_empty_name_value() -> None:
    assert rename_text("name:\ndependencies: []\n", "ml") == "name: ml\ndependencies: []\n"


@pytest.mark.parametrize("bad", ["a/b", "a b", "a:b", "a#b", ""])
def test_rename_rejects_names_cep24_forbids(cli, tmp_path: Path, bad: str) -> None:
    f = tmp_path / "env.yml"
    f.write_text("name: a\ndependencies: []\n")
    result: Run = cli("rename", str(f), bad)
    assert result.code == 2
    assert result.err.startswith("envtool: error: ") and result.err.count("\n") == 1


def test_rename_in_place_keeps_utf16(cli, tmp_path: Path) -> None:
    f = tmp_path / "env.yml"
    f.write_bytes(
        "name: old\r\ndependencies:\r\n  - numpy\r\nprefix: C:\\envs\\old\r\n".encode("utf-16")
    )
    assert cli("rename", str(f), "new", "--in-place").code == 0
    assert f.read_bytes() == "name: new\r\ndependencies:\r\n  - numpy\r\n".encode("utf-16")
    assert [p.name for p in tmp_path.iterdir()] == ["env.yml"]


def test_rename_missing_file_is_exit_2(cli, tmp_path: Path) -> None:
    result = cli("rename", str(tmp_path / "nope.yml"), "x")
    assert result.code == 2
    assert "nope.yml: no such file" in result.err


def test_rename_name_aliasing_prefix_is_one_line_exit_2(cli, tmp_path: Path) -> None:
    f = tmp_path / "env.yml"
    f.write_text("prefix: &p /x/y\nname: *p\ndependencies: []\n")
    result = cli("rename", str(f), "new")
    assert result.code == 2
    assert result.err == (
        f"envtool: error: {f}: cannot edit in place: "
        "an item to change is a YAML alias (*name) of another\n"
    )


@needs_corpus
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_rename_corpus_byte_preserving(path: Path) -> None:
    try:
        tf = fileio.read(str(path))
        before = envfile.parse_file(tf)
    except Exception:
        pytest.skip("broken file: covered by the corpus conformance test")
    after_text = rename_text(tf.text, "renamed")
    after = envfile.parse(after_text)
    assert after.name == "renamed" and after.prefix is None
    assert (
        after.conda == before.conda
        and after.pip == before.pip
        and after.channels == before.channels
    )
    # Only the name line and the prefix lines changed.
    old_lines = [
        ln for ln in tf.text.splitlines(keepends=True) if not ln.startswith(("name:", "prefix:"))
    ]
    new_lines = [ln for ln in after_text.splitlines(keepends=True) if not ln.startswith("name:")]
    assert new_lines == old_lines


# ------------------------------------------------------- the line path agrees with the general one


def _rename_cases() -> list[tuple[str, str]]:
    """The corpus, tests/data and a bench export, each also with CRLF line ends and without
    its last line break."""
    import sys

    from conftest import DATA

    sys.path.insert(0, str(DATA.parents[1] / "bench"))
    from core import make_export

    texts = [("bench-export", make_export(300, 1, 0))]
    for path in [*corpus_files(), *sorted(DATA.glob("*/*.yml"))]:
        texts.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
    cases = []
    for label, text in texts:
        cases += [(label, text), (label + " crlf", text.replace("\n", "\r\n"))]
        cases.append((label + " unterminated", text.rstrip("\n")))
        cases.append((label + " commented", commented(text)))
    return cases


def test_the_line_path_renames_as_the_general_path() -> None:
    """line_edit.rename writes the general path's bytes wherever it answers, and answers only
    for files the general path accepts."""
    from envtool.errors import EnvtoolError
    from envtool.files import line_edit
    from envtool.ops.rename import _rename

    taken = set()
    for label, text in _rename_cases():
        for name, keep_prefix in (("new", False), ("x-1.2", True), ("yes", False)):
            got = line_edit.rename(text, name, keep_prefix=keep_prefix)
            try:
                want = _rename(text, name, keep_prefix, label)
            except EnvtoolError:
                assert got is None, label
                continue
            if got is not None:
                taken.add(label)
                assert got == want, (label, name, keep_prefix)
    assert len(taken) > 100 and "bench-export crlf" in taken
    assert "bench-export commented" in taken
    assert sum(label.endswith(" commented") for label in taken) > 25


@pytest.mark.parametrize(
    "text",
    [
        "dependencies:\n  - a=1\n",
        "# c\n\nchannels:\n  - x\ndependencies:\n  - a=1\nprefix: /p",
        "name: old\ndependencies:\n  - a=1=h\n  - pip:\n      - b==1\nprefix: /p\n",
        "name: old\ndependencies:\n  - a>=1\n  - b[version='>=2']\n",
        "name: old\ndependencies:\n  - a=1\n  - 'b'\n",
        "name: old\ndependencies:\n  - a=1\n  - b=1=x=y\n",
        "name: old\ndependencies:\n  - a=1\n  - pip:\n      - ==1\n",
        "name:\ndependencies:\n  - a=1\n",
        "variables:\n  A: '1'\n  B:\ndependencies:\n  - a=1\nprefix: /p\n",
        "variables:\n  A: b\n  A: c\ndependencies:\n  - a=1\n",
        "name: old  # the env\ndependencies:  # c\n  - a=1 # c\nprefix: /p  # p\n",
        "name: old #c\ndependencies:\n  - a=1\n  - pip: # c\n      - b==1 # c\n",
        "name: 'old' # c\ndependencies:\n  - a=1\n",
        "name: old# c\ndependencies:\n  - a=1\n",
        "# c\n---\n# d\ndependencies:\n  - a=1\n",
        "---\nchannels:\n  - x\nname: old\ndependencies:\n  - a=1\n",
    ],
)
def test_the_line_path_renames_edges_of_its_subset(text: str) -> None:
    from envtool.errors import EnvtoolError
    from envtool.files import line_edit
    from envtool.ops.rename import _rename

    got = line_edit.rename(text, "new")
    try:
        want = _rename(text, "new", False, "env.yml")
    except EnvtoolError:
        assert got is None
        return
    assert got is None or got == want
