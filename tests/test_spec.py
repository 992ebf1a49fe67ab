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
