"""rename: a new name:, no stale prefix:, and every other byte of the file unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Run, corpus_files, needs_corpus

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
