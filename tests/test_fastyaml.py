"""The fast composer builds libyaml's very tree, or declines (tests/yamltree.py compares)."""

from __future__ import annotations

import contextlib
import random

import fuzzkit
import pytest
import yaml
from yamltree import dump, fast_vs_libyaml

from envtool.errors import EnvtoolError
from envtool.files import envfile, fastyaml, fileio


def _texts(datas: list[bytes]) -> list[str]:
    out = []
    for data in datas:
        with contextlib.suppress(EnvtoolError):
            out.append(fileio.decode(data, "x.yml").text)
    return out


POOL = fuzzkit.seeds()
SEEDS = _texts(POOL)


def test_every_real_file_gives_libyamls_tree() -> None:
    taken = 0
    for text in SEEDS:
        assert fast_vs_libyaml(text) is None, text[:200]
        taken += not isinstance(fastyaml.compose(text), fastyaml.Unsure)
    assert taken >= len(SEEDS) * 3 // 4  # most real files are in the subset


def test_mutated_files_give_libyamls_tree() -> None:
    rng = random.Random(13)
    taken = 0
    for _ in range(2000):
        data = fuzzkit.mutate(rng, POOL)
        (text,) = _texts([data]) or [None]
        if text is None:
            continue
        assert fast_vs_libyaml(text) is None, text
        taken += not isinstance(fastyaml.compose(text), fastyaml.Unsure)
    assert taken > 250


TAKEN = [
    "",
    "# nothing\n",
    "name: x\n",
    "name: x",
    "---\nname: x\n",
    "# only\nname: big   # why\nchannels:\n  - conda-forge\ndependencies:\n  - a=1\n",
    "dependencies:\n- a\n-   b  # c\nprefix: /x\n",
    "dependencies:\n  - a\n  - pip:\n      - b==1\n      - -e git+https://x/y.git#egg=y\n  - c\n",
    "dependencies:\n  - pip:\n    - b\n    - c\n",
    "dependencies:\n- pip:\n  - b\n- c\n",
    "dependencies:\n  - pip:\n  - c\n",
    "dependencies:\n  - pip:   # none yet\n",
    "variables:\n  A: x\n  B:\n  C: 'y z'\nname: q\n",
    "name: \"a b\"   # q\nchannels:\n  - 'c'\n",
    "a: b\r\nc:\r\n  - d\r\n",
    "name:\nchannels:\ndependencies:\n",
    "dependencies:\n  - numpy >=1.20,<2\n  - conda-forge::python=3.11\n  - https://x/a.tar.bz2\n",
    "dependencies:\n  - a:b\n  - ~\n  - null\n  - yes\n  - 1.10\n",
    "dependencies:\n  - pip: x\n  - q\n",
]

DECLINED = [
    "---\n",
    "name: x\n...\n",
    "a: b\n\n# c\n  # d",
    "dependencies:\n  - a\n ",
    "name: 'it''s'\n",
    'name: "a\\tb"\n',
    "name: [a, b]\n",
    "name: {a: b}\n",
    "name: |\n  x\n",
    "name: >\n  x\n",
    "name: &a x\nb: *a\n",
    "name: !!str x\n",
    "name: x\n  y\n",
    "name:\tx\n",
    "name: x\r\ny: z\n",
    "name: x\rname: y\n",
    "name: caf\u00e9\n",
    "dependencies:\n  -\n  - a\n",
    "dependencies:\n  - a\n    b\n",
    "dependencies:\n  - a: b\n    c: d\n",
    "dependencies:\n  - pip:\n      - a: b\n",
    "dependencies:\n  - - a\n",
    "dependencies:\n  - a\n - b\n",
    "dependencies:\n  - a\n x: y\n",
    "? a\n: b\n",
    "a: b: c\n",
    "a: b:\n",
    "%YAML 1.1\n---\na: b\n",
    "  a: b\n",
    "a: -\n",
    "a: @x\n",
    "a: `x`\n",
    "a: b #c\n  d\n",
    "dependencies:\n  - pip:\n      - a\n    extra: y\n",
]


@pytest.mark.parametrize("text", TAKEN)
def test_subset_is_taken_and_identical(text: str) -> None:
    fast = fastyaml.compose(text)
    assert not isinstance(fast, fastyaml.Unsure)
    assert dump(fast) == dump(yaml.compose(text, Loader=yaml.CBaseLoader))


@pytest.mark.parametrize("text", DECLINED)
def test_outside_the_subset_is_declined(text: str) -> None:
    assert isinstance(fastyaml.compose(text), fastyaml.Unsure)


def test_budgets_hold_on_the_fast_path() -> None:
    many = "dependencies:\n" + "".join(f"  - p{i}\n" for i in range(200_001))
    with pytest.raises(EnvtoolError, match="too many YAML nodes"):
        envfile.compose(many, "x.yml")
    long = "name: " + "a" * (envfile.MAX_SCALAR + 1) + "\ndependencies:\n  - a\n"
    with pytest.raises(EnvtoolError, match="characters"):
        envfile.compose(long, "x.yml")
    with pytest.raises(EnvtoolError, match="merge-conflict"):
        envfile.compose("name: x\n<<<<<<< HEAD\ndependencies:\n  - a\n", "x.yml")


def test_an_export_needs_no_libyaml() -> None:
    text = (
        "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - a=1=h_0\n  - pip:\n      - b==1\n"
    )
    root = envfile.compose(text, "x.yml")
    assert isinstance(root, fastyaml.MappingNode)
    assert envfile.parse_node(root, "x.yml").conda[0].line == 5
