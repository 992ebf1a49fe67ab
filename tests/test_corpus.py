"""Conformance over the public corpus (../shared/corpus): real files from public projects.

Every valid file parses, round-trips (parse → dump → parse gives the same model), renames
byte-preservingly, prunes and diffs without error; every broken one is exit 2 with a one-line
message naming the file. Skipped when the corpus folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, corpus_files, needs_corpus

from envtool.errors import InputError
from envtool.files import envfile, fileio

pytestmark = needs_corpus

# Files in the corpus that are broken on purpose (see SOURCES.tsv) and why.
BROKEN = {
    "land-cover__tensorflow-baseline-environment.yml": "merge-conflict marker",
}


def _valid(path: Path) -> bool:
    return path.name not in BROKEN


@pytest.mark.parametrize("path", [p for p in corpus_files() if _valid(p)], ids=lambda p: p.name)
def test_valid_file_parses_and_round_trips(path: Path) -> None:
    env = envfile.parse_file(fileio.read(str(path)))
    assert env.conda or env.pip, "a real environment file lists packages"
    again = envfile.parse(envfile.dump_yaml(env))
    assert again == env
    assert envfile.parse(envfile.dump_yaml(again)) == again


@pytest.mark.parametrize("path", [p for p in corpus_files() if _valid(p)], ids=lambda p: p.name)
def test_valid_file_renames_prunes_and_diffs(cli, path: Path, tmp_path: Path) -> None:
    renamed = tmp_path / path.name
    assert cli("rename", str(path), "renamed", "-o", str(renamed)).code == 0
    assert envfile.parse_file(fileio.read(str(renamed))).name == "renamed"

    pruned = tmp_path / "pruned.yml"
    result = cli(
        "prune", str(path), "--no-builds", "--portable", "--pin", "minor", "-o", str(pruned)
    )
    assert result.code == 0, result.err
    envfile.parse_file(fileio.read(str(pruned)))

    result = cli("diff", str(path), str(renamed), "--format", "json")
    assert result.code == 0, result.err
    assert cli("diff", str(path), str(path), "--exit-code").code == 0


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_is_one_line_exit_2(cli, name: str) -> None:
    path = CORPUS / name
    with pytest.raises(InputError, match=BROKEN[name]):
        envfile.parse_file(fileio.read(str(path)))
    for args in (("rename", str(path), "x"), ("prune", str(path)), ("diff", str(path), str(path))):
        result = cli(*args)
        assert result.code == 2, args
        assert result.err.startswith(f"envtool: error: {path}:")
        assert result.err.count("\n") == 1
