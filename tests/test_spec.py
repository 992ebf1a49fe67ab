"""Specs: conda MatchSpecs and versions through py-rattler, pip lines through packaging."""

from __future__ import annotations

import doctest

import pytest

from envtool import spec


def test_doctests() -> None:
    assert doctest.testmod(spec).failed == 0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.1.1w", "1.1.1v", 1),
        ("2023c", "2023b", 1),
        ("1.0.0rc1", "1.0.0", -1),
        ("1.10", "1.9", 1),
        ("1.0", "1.0.0", 0),
        ("2.0.0", "1.26.4", 1),
    ],
)
def test_conda_version_order(a: str, b: str, expected: int) -> None:
    assert spec.compare_versions(a, b) == expected


@pytest.mark.parametrize(
    ("text", "pinned", "version"),
    [
        ("numpy=1.26", "1.26", "1.26.*"),
        ("python==3.10", "3.10", "==3.10"),
        ("numpy>=1.13", None, ">=1.13"),
        ("mkl", None, None),
        ("tzdata=2023c=h71feb2d_0", "2023c", "==2023c"),
    ],
)
def test_pinned_version(text: str, pinned: str | None, version: str | None) -> None:
    s = spec.parse_conda(text)
    assert (s.pinned, s.version) == (pinned, version)


@pytest.mark.parametrize("bad", ["", "numpy >=>1", "@@@"])
def test_bad_conda_spec(bad: str) -> None:
    with pytest.raises(spec.SpecError):
        spec.parse_conda(bad)


@pytest.mark.parametrize(
    ("line", "kind", "name"),
    [
        ("torch==2.6.0+cu124", "requirement", "torch"),
        ("--extra-index-url=https://download.pytorch.org/whl/cu124", "option", None),
        ("-r requirements.txt", "include", None),
        ("-e ../", "editable", None),
        ("git+https://github.com/x/y.git#egg=Y_Z", "url", "y-z"),
        ("pkg @ https://example.com/pkg.whl", "requirement", "pkg"),
        ("foo==1.0 --hash=sha256:abcd", "requirement", "foo"),
    ],
)
def test_pip_lines(line: str, kind: str, name: str | None) -> None:
    p = spec.parse_pip(line)
    assert (p.kind, p.name) == (kind, name)


def test_pip_option_parts() -> None:
    p = spec.parse_pip("--extra-index-url=https://download.pytorch.org/whl/cu124")
    assert (p.option, p.option_value) == (
        "--extra-index-url",
        "https://download.pytorch.org/whl/cu124",
    )


def _fast_path_samples() -> list[str]:
    """Specs in the forms parse_conda reads without rattler, and near misses that it must not."""
    import itertools

    names = ["numpy", "Py-Lib_2.x", "7zip", "_libgcc_mutex", "a-", "conda-forge::pytorch"]
    versions = ["0", "1", "1.26.4", "2023c", "1.1.1w", "3.10", "1.0e", "01.2", "1.2.3rc1",
                "1..2", "1.2.", ".1", "1_2", "v1", "1.2.*", "99999999999999999999", "1!2.0",
                "1.2+local", "1.0RC1", "123456789.1"]  # fmt: skip
    builds = [None, "h4616a5c_0", "py311h64a7726_0", "*cuda*", "PY_0", "h+1", "h.1", ".b",
              "_b", "b=c", ""]  # fmt: skip
    out = [*names, " numpy=1.2 ", "numpy >=1.13", "a::b::c=1", "x[version='>=1']"]
    for name, version, build in itertools.product(names, versions, builds):
        for op in ("=", "=="):
            out.append(f"{name}{op}{version}" + ("" if build is None else f"={build}"))
    for letter in "abcdefghijklmnopqrstuvwxyz":
        out += [f"x=1.0{letter}", f"x=1{letter}.2=h_0", f"x==2.{letter}"]
    return out


def test_fast_path_agrees_with_rattler() -> None:
    """Every spec parse_conda reads itself, rattler reads to the same CondaSpec."""
    fast = 0
    for text in _fast_path_samples():
        if spec._FAST_SPEC.fullmatch(text.strip()) is None:
            continue
        fast += 1
        assert spec.parse_conda.__wrapped__(text) == spec._parse_with_rattler(text.strip()), text
    assert fast > 500  # the samples do exercise the fast path


def test_corpus_specs_agree_with_rattler() -> None:
    from conftest import corpus_files

    from envtool.files import envfile

    for path in corpus_files():
        try:
            env = envfile.parse(path.read_text(encoding="utf-8"), str(path))
        except Exception:  # broken on purpose: test_corpus says why
            continue
        for dep in env.conda:
            if dep.spec is not None:
                assert dep.spec == spec._parse_with_rattler(dep.text.strip()), dep.text
        for pdep in env.pip or ():
            if spec._FAST_PIP.fullmatch(pdep.text.strip()):
                assert pdep.req == spec._parse_requirement(pdep.text.strip()), pdep.text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1", "1.0.0"),
        ("1.10", "1.9"),
        ("0", "0.0"),
        ("2.0.1", "2.0.01"),
        ("1.2", "1.2.0.1"),
        ("999999999.1", "999999999.0"),
        ("3", "12"),
    ],
)
def test_numeric_version_order_agrees_with_rattler(a: str, b: str) -> None:
    from rattler import Version

    va, vb = Version(a), Version(b)
    expected = 0 if va == vb else (-1 if va < vb else 1)
    assert spec.compare_versions(a, b) == expected
    assert spec.compare_versions(b, a) == -expected


def test_pip_fast_path_agrees_with_packaging() -> None:
    """Every pip line parse_pip reads itself, packaging reads to the same PipLine."""
    lines = [f"{n}{v}" for n in ("torch", "Flask_SocketIO", "a", "zope.interface", "x-1", "-x",
                                  "x-", "_x", "a..b")
             for v in ("", "==1", "==2.1.0", "==01.2", "==1.0rc1", "==1.*", "===1", "== 1",
                       "==1.", "==1..2", ">=1")]  # fmt: skip
    fast = 0
    for line in lines:
        if spec._FAST_PIP.fullmatch(line) is None:
            continue
        fast += 1
        assert spec.parse_pip.__wrapped__(line) == spec._parse_requirement(line), line
    assert fast > 10
