"""yaml_edit: edits from a composed tree equal edits from parser events; which edits are local."""

from __future__ import annotations

import pytest

from envtool.files import envfile, yaml_edit
from envtool.files.yaml_edit import DeleteItem, DeleteKey, SetKey, SetList, SetScalar

EXPORT = "name: x\ndependencies:\n  - a=1.2.3=h_0  # why\n  - b=2.0=h_1\n  - c\nprefix: /p\n"


def edited(text: str, ops: list[yaml_edit.Op]) -> yaml_edit.Edited:
    """Edited from the composed tree, checked against the edits from parser events."""
    got = yaml_edit.edit(text, ops, "env.yml", envfile.compose(text, "env.yml"))
    assert got.text == yaml_edit.apply(text, ops, "env.yml")
    return got


def test_export_lines_replaced_and_removed_are_local() -> None:
    ops: list[yaml_edit.Op] = [
        SetScalar(("dependencies", 0), "a=1.2"),
        DeleteItem(("dependencies", 1)),
        DeleteKey("prefix"),
    ]
    got = edited(EXPORT, ops)
    assert got == yaml_edit.Edited("name: x\ndependencies:\n  - a=1.2  # why\n  - c\n", True)


@pytest.mark.parametrize(
    ("text", "ops"),
    [
        # an alias in the text: edits come from parser events, nothing is assumed
        ("x: &v a\ndependencies:\n  - a\n  - *v\n", [SetScalar(("dependencies", 0), "b")]),
        # a flow list is rewritten as a whole
        ("dependencies: [a, b]\n", [SetScalar(("dependencies", 0), "c")]),
        # a quoted item, an anchored item, a plain item over two lines
        ('dependencies:\n  - "a"\n  - b\n', [SetScalar(("dependencies", 0), "c")]),
        ("dependencies:\n  - &x a\n  - b\n", [SetScalar(("dependencies", 0), "c")]),
        ("dependencies:\n  - a\n    b\n  - c\n", [SetScalar(("dependencies", 0), "d")]),
        # values that need quotes, or read as null or a boolean
        ("dependencies:\n  - a\n  - b\n", [SetScalar(("dependencies", 0), "a: b")]),
        ("dependencies:\n  - a\n  - b\n", [SetScalar(("dependencies", 0), "null")]),
        ("dependencies:\n  - a\n  - b\n", [SetScalar(("dependencies", 0), "yes")]),
        ("dependencies:\n  - a\n  - b\n", [SetScalar(("dependencies", 0), "a #b")]),
        # a list left empty; an item over two lines; an item after something on its line
        ("dependencies:\n  - a\n", [DeleteItem(("dependencies", 0))]),
        ("dependencies:\n  - a\n    b\n  - c\n", [DeleteItem(("dependencies", 0))]),
        ("dependencies:\n  - - a\n    - b\n  - c\n", [DeleteItem(("dependencies", 0, 0))]),
        # a key whose value is a list; any other kind of edit
        ("channels:\n  - a\ndependencies:\n  - b\n", [DeleteKey("channels")]),
        ("dependencies:\n  - b\n", [SetKey("name", "x")]),
        ("dependencies:\n  - b\n", [SetList("channels", ("c",))]),
        ("name: x\ndependencies:\n  - b\n", [SetScalar(("name",), "y")]),
    ],
)
def test_what_is_not_local(text: str, ops: list[yaml_edit.Op]) -> None:
    assert not edited(text, ops).local


@pytest.mark.parametrize("name", ["*x", "!x", "@x", ">x", "%x", "&x", "|x", "?x", "`x"])
def test_a_value_starting_with_an_indicator_is_quoted(name: str) -> None:
    """A plain ``*x`` would be an alias, ``!x`` a tag, ``@x`` and ``>x`` errors."""
    text = "name: a\ndependencies:\n  - python\n"
    out = yaml_edit.apply(text, [SetKey("name", name)])
    assert envfile.parse(out).name == name


def test_a_kept_block_scalar_makes_removals_not_local() -> None:
    """Removing the line after a ``|+`` scalar would hand it the blank lines below."""
    text = "dependencies:\n  - pip:\n    - |+\n      a\n    - b\n\n    - c\n"
    got = edited(text, [DeleteItem(("dependencies", 0, "pip", 1))])
    assert not got.local
    assert envfile.parse(got.text).pip == envfile.parse(text).pip[::2]  # type: ignore[index]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a=1.2.3=h_0", "conda-forge::a=1.2"),
        ("7za=9.20=h_0", "7za=9.20"),
        ("a=1=h", "a=1.*=*cuda*"),
    ],
)
def test_spec_words_replace_locally(old: str, new: str) -> None:
    text = f"dependencies:\n  - {old}\n  - b\n"
    got = edited(text, [SetScalar(("dependencies", 0), new)])
    assert got.local and got.text == f"dependencies:\n  - {new}\n  - b\n"
    assert envfile.parse(got.text).conda[0].text == new


@pytest.mark.parametrize(
    "value", ["1.2", "1e5", "12", "x:", "a: b", "On", "NULL", "-a", "a b", "2023-01-01", "0x1F"]
)
def test_a_plain_word_is_what_plain_ok_accepts(value: str) -> None:
    """The quick check never accepts what the full one refuses (numbers, booleans, ...)."""
    from envtool.files.yaml_edit import _plain_ok, plain_word

    assert not plain_word(value) or _plain_ok(value, True)
    assert plain_word("conda-forge::numpy=1.2") and _plain_ok("conda-forge::numpy=1.2", True)
