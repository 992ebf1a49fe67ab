"""recipe/recipe.yaml renders offline with py-rattler-build and agrees with pyproject.toml.

A full ``rattler-build build`` needs python and the run dependencies from a conda channel,
which this test cannot reach; rendering evaluates the whole recipe without any network.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import envtool

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

rattler_build = pytest.importorskip("rattler_build")

RECIPE = ROOT / "recipe" / "recipe.yaml"
# PyPI name → conda-forge name, where they differ or could be spelt otherwise.
CONDA_NAMES = {"py-rattler": "py-rattler", "ruamel.yaml": "ruamel.yaml", "pyyaml": "pyyaml"}


@pytest.fixture(scope="module")
def rendered() -> Any:
    recipe = rattler_build.Stage0Recipe.from_file(RECIPE)
    config = rattler_build.RenderConfig(
        platform=rattler_build.PlatformConfig(target_platform="linux-64")
    )
    (variant,) = recipe.render(render_config=config)  # noarch: one variant
    return variant.recipe


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)["project"]
    return data


def split(spec: str) -> tuple[str, SpecifierSet]:
    name, _, version = spec.partition(" ")
    return name, SpecifierSet(version.replace(" ", ""))


def test_name_version_and_noarch(rendered: Any) -> None:
    assert rendered.package.name == "envtool"
    assert rendered.package.version == envtool.__version__
    assert rendered.build.noarch == "python"


def test_run_requirements_match_pyproject(rendered: Any, project: dict[str, Any]) -> None:
    expected = {"python": SpecifierSet(project["requires-python"])}
    for line in project["dependencies"]:
        req = Requirement(line)
        name = CONDA_NAMES.get(req.name.lower(), req.name.lower())
        # A marker (tomli on Python < 3.11) cannot be expressed by a noarch package: the
        # recipe asks for the package everywhere, with the same versions.
        expected[name] = req.specifier
    assert dict(split(spec) for spec in rendered.requirements.run) == expected


def test_entry_point_matches_pyproject(rendered: Any, project: dict[str, Any]) -> None:
    scripts = [f"{name} = {target}" for name, target in project["scripts"].items()]
    assert scripts == ["envtool = envtool.__main__:main"]
    assert rendered.build.to_dict()["python"]["entry_points"] == scripts


def test_tests_run_help_and_a_diff_of_fixture_files(rendered: Any) -> None:
    tests = rendered.to_dict()["tests"]
    scripts = [line for test in tests for line in test.get("script", [])]
    assert "envtool --help" in scripts
    (diff,) = [shlex.split(line) for line in scripts if line.startswith("envtool diff ")]
    copied = [f for test in tests for f in test.get("files", {}).get("source", [])]
    assert sorted(diff[2:]) == sorted(copied) and len(copied) == 2
    for path in copied:
        assert (ROOT / path).is_file(), path
    assert any("envtool" in test.get("python", {}).get("imports", []) for test in tests)


def test_source_is_this_repository(rendered: Any) -> None:
    (source,) = rendered.to_dict()["source"]
    assert (RECIPE.parent / source["path"]).resolve() == ROOT.resolve()


def test_host_has_the_build_backend(rendered: Any) -> None:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        build_requires = tomllib.load(fh)["build-system"]["requires"]
    host = {spec.split(" ")[0]: spec for spec in rendered.requirements.host}
    assert "pip" in host and host["python"].startswith("python 3.10")
    for line in build_requires:
        req = Requirement(line)
        assert split(host[req.name])[1] == req.specifier


def test_every_subpackage_is_packaged() -> None:
    """The wheel (and so the conda package) holds every package under envtool/."""
    find_packages = pytest.importorskip("setuptools").find_packages
    with (ROOT / "pyproject.toml").open("rb") as fh:
        found = tomllib.load(fh)["tool"]["setuptools"]["packages"]["find"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in ROOT.glob("envtool/**/__init__.py")
    }
    assert set(find_packages(where=ROOT, include=found["include"])) == on_disk
    assert "envtool.render" in on_disk
