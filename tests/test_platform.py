"""Platform values: a subdir with its virtual packages, for this machine or any other."""

from __future__ import annotations

import pytest

from envtool.envs.platform import Platform, VirtualPackage, current_subdir
from envtool.errors import UsageError


def test_current_is_this_machine_with_detected_virtual_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rattler.platform.subdir import Subdir

    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    here = Platform.current()
    assert here.subdir == current_subdir() == str(Subdir.current())
    assert VirtualPackage("__cuda", "12.4") in here.virtual_packages
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "")
    assert not any(v.name == "__cuda" for v in Platform.current().virtual_packages)


def test_for_subdir_defaults_and_overrides() -> None:
    linux = Platform.for_subdir("linux-aarch64", glibc="2.17")
    assert [str(v) for v in linux.virtual_packages] == [
        "__unix=0=0",
        "__linux=4.18=0",
        "__glibc=2.17=0",
        "__archspec=1=aarch64",
    ]
    osx = Platform.for_subdir("osx-64", osx="11.0", cuda="12.4")  # cuda as asked, even there
    assert "__osx=11.0=0" in [str(v) for v in osx.virtual_packages]
    cuda = linux.with_cuda("12.4")
    assert cuda.virtual_packages[-1] == VirtualPackage("__cuda", "12.4")
    assert cuda.with_cuda("none") == linux
    assert linux.with_cuda(None) is linux


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Platform.for_subdir("amiga-68k"), "unknown platform 'amiga-68k'"),
        (lambda: Platform.for_subdir("linux64"), "unknown platform"),
        (lambda: Platform.for_subdir("linux-64", cuda="latest"), "--cuda 'latest'"),
        (lambda: Platform.for_subdir("linux-64", glibc="new"), "--glibc 'new'"),
        (lambda: Platform.for_subdir("linux-64").with_cuda("x"), "--cuda 'x'"),
    ],
)
def test_bad_values_are_usage_errors(call: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call()  # type: ignore[operator]


def test_doctests() -> None:
    import doctest

    from envtool.envs import platform

    assert doctest.testmod(platform).failed == 0
