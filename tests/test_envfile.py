"""The model: parsing real files as text, the canonical dump, and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import GOLDEN

from envtool.errors import InputError
from envtool.files import envfile, fileio


def golden_exports() -> list[tuple[str, str]]:
    """(name, yaml) for every golden output that is an exported YAML environment."""
    out = []
    for path in sorted(GOLDEN.glob("*.out")):
        lines = path.read_text().split("\n")
        body = lines[1 : next(i for i, line in enumerate(lines) if line.startswith("real\t"))]
        text = "\n".join(body)
        match = re.search(r"^name: ", text, re.M)
        if match:
            out.append((path.name, text[match.start() :].rstrip("\n") + "\n"))
    for name in ("environment.yml", "env-a.yml", "p-export.yml", "p-export-badpip.yml"):
        out.append((name, (GOLDEN / name).read_text()))
    return out


@pytest.mark.parametrize(
    ("name", "text"), golden_exports(), ids=lambda v: v if v.endswith((".out", ".yml")) else ""
)
def test_dump_equals_conda_golden_byte_for_byte(name: str, text: str) -> None:
    assert envfile.dump_yaml(envfile.parse(text, name)) == text


def test_golden_json_export() -> None:
    lines = (GOLDEN / "json-p.out").read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if line == "{")
    end = next(i for i, line in enumerate(lines) if line.startswith("real\t"))
    expected = "\n".join(lines[start:end]).rstrip("\n") + "\n"
    env = envfile.parse((GOLDEN / "p-export.yml").read_text())
    assert envfile.dump_json(env) == expected


def test_every_scalar_is_text() -> None:
    env = envfile.parse(
        "name: 2023\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - yes\n"
        "variables:\n  DEBUG: yes\n  N: 1\n  F: 3.10\n"
    )
    assert env.name == "2023"
    assert [d.text for d in env.conda] == ["python=3.10", "yes"]
    assert env.variables == {"DEBUG": "yes", "N": "1", "F": "3.10"}


def test_variables_dump_quoted_like_conda() -> None:
    env = envfile.parse("name: x\ndependencies: []\nvariables:\n  BAZ: 1\n  NAME: plain\n")
    assert envfile.dump_yaml(env) == (
        "name: x\ndependencies: []\nvariables:\n  BAZ: '1'\n  NAME: plain\n"
    )


def test_model_fields_and_lines() -> None:
    env = envfile.parse(
        "# top\nname: ml\nchannels:\n  - pytorch\n  - conda-forge\ndependencies:\n"
        "  - pytorch::pytorch=2.1.0=*cuda*\n  - pip\n  - pip:\n    - --extra-index-url https://x/simple\n"
        "    - Torch_Vision[extra]==0.16.0\n    - -e .\nprefix: /home/me/envs/ml\nweird: [1, 2]\n"
    )
    assert env.name == "ml" and env.prefix == "/home/me/envs/ml"
    assert env.channels == ("pytorch", "conda-forge")
    torch = env.conda[0]
    assert torch.spec is not None and torch.line == 7 and torch.path == ("dependencies", 0)
    assert (torch.spec.name, torch.spec.channel, torch.spec.pinned, torch.spec.build) == (
        "pytorch",
        "pytorch",
        "2.1.0",
        "*cuda*",
    )
    assert env.pip is not None
    assert [p.req.kind for p in env.pip if p.req] == ["option", "requirement", "editable"]
    assert env.pip[1].key == "torch-vision" and env.pip[1].line == 11
    assert env.pip[1].path == ("dependencies", 2, "pip", 1)
    assert env.extra == {"weird": ["1", "2"]}
    assert env.key_lines["prefix"] == 13


def test_roundtrip_ignores_pip_position() -> None:
    text = "name: a\ndependencies:\n  - pip:\n      - b==1\n  - numpy\n"
    env = envfile.parse(text)
    assert envfile.parse(envfile.dump_yaml(env)) == env


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "expected a mapping at the top level, found a list"),
        ("", "empty file"),
        ("name: [unclosed\n", "invalid YAML"),
        ("name: a\nname: b\ndependencies: []\n", "duplicate key 'name'"),
        ("dependencies:\n  - numpy >=>1\n", "invalid conda spec 'numpy >=>1'"),
        ("dependencies:\n  - pip:\n    - 'foo[bar'\n", "invalid pip line"),
        ("dependencies:\n  - npm:\n    - left-pad\n", "unsupported dependency section 'npm'"),
        ("<<<<<<< HEAD\nname: a\n=======\nname: b\n>>>>>>> x\n", "merge-conflict marker"),
        ("dependencies: numpy\n", "'dependencies' must be a list"),
    ],
)
def test_bad_input_is_one_line_error(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        envfile.parse(text, "env.yml").validate()
    assert message in str(info.value)
    assert str(info.value).startswith("env.yml")
    assert "\n" not in str(info.value)


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    lines.append("dependencies: []")
    with pytest.raises(InputError, match="too many YAML nodes"):
        envfile.parse("\n".join(lines) + "\n", "bomb.yml")


def test_tags_are_not_honoured() -> None:
    env = envfile.parse("name: !!python/object:os.system echo\ndependencies: [!!int 1]\n")
    assert env.name == "echo"


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (b"name: a\n", "name: a\n", "utf-8"),
        (b"\xef\xbb\xbfname: a\r\n", "name: a\r\n", "utf-8"),
        ("name: a\r\n".encode("utf-16"), "name: a\r\n", "utf-16-le"),
        (b"\xfe\xff" + "name: a\n".encode("utf-16-be"), "name: a\n", "utf-16-be"),
    ],
)
def test_encodings_are_read_and_written_back(data: bytes, text: str, encoding: str) -> None:
    tf = fileio.decode(data, "f.yml")
    assert (tf.text, tf.encoding) == (text, encoding)
    assert tf.encode(tf.text) == data


def test_binary_and_non_utf8_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="binary file"):
        fileio.decode(b"\x89PNG\r\n\x1a\n\0\0\0", "img.png")
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 0xe9"):
        fileio.decode(b"name: caf\xe9\n", "latin1.yml")
    with pytest.raises(InputError, match="no such file"):
        fileio.read(str(tmp_path / "missing.yml"))
    with pytest.raises(InputError, match="is a directory"):
        fileio.read(str(tmp_path))


def test_write_atomic_failure_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    from envtool.errors import UsageError

    target = tmp_path / "out.yml"
    target.mkdir()  # os.replace onto a directory fails after the temp file is written
    with pytest.raises(UsageError, match=r"out\.yml: cannot write: "):
        fileio.write_atomic(target, b"name: a\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.yml"]
    with pytest.raises(UsageError, match="cannot write: no directory"):
        fileio.write_atomic(tmp_path / "missing" / "out.yml", b"x")


def _ruamel_yaml(data: dict[str, object]) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, offset=2, sequence=4)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def test_plain_dump_writes_what_ruamel_writes() -> None:
    """Exports of plain words are written without ruamel, byte for byte as ruamel writes them."""
    words = ["a", "numpy=1.26.4=py311h_0", "pytorch=2.1=*cuda*", "x>=1,<2", "a/b", "conda-forge",
             "True", "yes", "Yes", "n", "off", "null", "NULL", "nulls", "y_1", "a.b", "a+b", "a<b",
             "_x", "a-", "a*", "e1", "inf", "nan", "base", "On", "a//b", "1.0", "2023", "-x",
             "a: b", "a #b", "'a'", "a b", "!a", "*a", "&a", "%a", "@a", "`a", "a:b", "~", "",
             "file:///tmp/ch", "https://conda.anaconda.org/x", "a::b", "a:", "x:1", "a,b:c",
             "http://x:8080/y", "/home/me/envs/ml", "/", "//x", "/a:"]  # fmt: skip
    words += ["k" * n for n in (60, 72, 73, 74, 75, 76, 77, 78, 79, 80, 128, 129, 300)]
    plain = 0
    for w in words:
        for data in (
            {"name": w},
            {"prefix": w, "name": "x"},
            {"channels": [w], "dependencies": ["a"]},
            {"dependencies": [w, {"pip": [w, "b==1"]}]},
            {"variables": {w: w, "K": w}},
            {"name": "x", "dependencies": []},
        ):
            got = envfile._dump_plain(data)
            if got is not None:
                plain += 1
                assert got == _ruamel_yaml(data), data
    assert plain > 100


def test_dump_yaml_of_real_files_is_ruamels() -> None:
    from conftest import corpus_files

    for path in corpus_files():
        try:
            env = envfile.parse(path.read_text(encoding="utf-8"), str(path))
        except Exception:  # broken on purpose: test_corpus says why
            continue
        data = envfile.to_data(env)
        plain = envfile._dump_plain(data)
        if plain is not None:
            assert plain == _ruamel_yaml(data), path


# ------------------------------------------------------------------ the lean model (issue 11)


def _text(data: bytes) -> str | None:
    try:
        return fileio.decode(data, "x.yml").text
    except InputError:
        return None


def test_lean_dependencies_are_eager_ones_over_real_files() -> None:
    """A dependency read from a file parses its spec when asked (or not at all: ``parsed()``)
    and keeps its path as an int: the same spec, problem, name, equality, hash and path as an
    eager parse, over every real file."""
    import fuzzkit

    lazy = 0
    for data in fuzzkit.seeds():
        text = _text(data)
        if text is None:
            continue
        try:
            env = envfile.parse(text, "x.yml")
        except InputError:
            continue
        lazy += sum(dep._spec is envfile._LATER for dep in env.conda)
        assert fuzzkit.lean_vs_eager(text, env) is None, text[:300]
    assert lazy > 1000


def test_lean_dependencies_far_from_their_index_keep_their_path() -> None:
    """Where a line is far from its index (many comments), the path is kept as a tuple."""
    import fuzzkit

    text = "dependencies:\n" + "".join(
        f"  - a{i}=1.{i}=h{i}_0\n" + "  # note\n" * (i * 7) for i in range(60)
    )
    env = envfile.parse(text, "x.yml")
    assert fuzzkit.lean_vs_eager(text, env) is None
    assert env.conda[59].path == ("dependencies", 59)
    assert env.conda[59].line == 2 + sum(1 + 7 * i for i in range(59))
    assert isinstance(env.conda[59]._path, tuple) and isinstance(env.conda[0]._path, int)


def test_lean_dependency_is_a_frozen_value() -> None:
    env = envfile.parse("dependencies:\n  - numpy=1.26.4=py311_0\n  - 'bad spec ['\n", "x.yml")
    dep, bad = env.conda
    assert dep.parsed() is not dep.parsed()  # parsed, not kept
    assert dep._spec is envfile._LATER
    assert dep.spec is dep.spec and dep._spec is not envfile._LATER  # kept once read
    assert dep.name == "numpy" and dep.spec is not None and dep.spec.pinned == "1.26.4"
    assert bad.spec is None and bad.problem and bad.name == "bad spec ["
    with pytest.raises(AttributeError):
        dep.text = "x"  # type: ignore[misc]
    same = envfile.CondaDep(dep.text, None, None)
    assert dep != same and dep == envfile.make_conda_dep(dep.text, 99, ("x",))
    assert len({dep, envfile.make_conda_dep(dep.text)}) == 1
    assert "numpy=1.26.4=py311_0" in repr(dep) and "('dependencies', 0)" in repr(dep)


def test_bare_plain_specs_parse_and_conda_name_names_them() -> None:
    """What the model reads lazily (PLAIN_BARE_SPEC) parses by read_conda's direct path, and
    conda_name gives its name; for a text with no ":" it is PLAIN_SPEC's answer."""
    import fuzzkit

    from envtool.spec import PLAIN_BARE_SPEC, PLAIN_SPEC, SpecError, conda_name, read_conda

    bare = 0
    texts = {"a", " A ", "x::Y=1.2", "b==1", "c=1=h_0", "d=01", "e>=1", "f=1.2a=x+y", "=1", ""}
    texts |= {"G-H.i_9==10.0.1b", "j=1.2.3=", "k=1..2", "l=1234567890", "M=0=py_0"}
    for data in fuzzkit.seeds():
        texts.update(re.findall(r"^\s*- (.*)$", (_text(data) or ""), re.MULTILINE))
    for text in texts:
        if ":" not in text:
            assert (PLAIN_BARE_SPEC.fullmatch(text) is None) == (
                PLAIN_SPEC.fullmatch(text) is None
            ), text
        if PLAIN_BARE_SPEC.fullmatch(text) is None:
            continue
        bare += 1
        try:
            spec = read_conda(text)
        except SpecError:
            raise AssertionError(text) from None
        assert conda_name(text) == spec.name, text
    assert bare > 500
