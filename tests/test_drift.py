"""Drift (issue 8, item 4): a file against the env made from it is no change, however deep its
dependencies; what the env has that nothing asks for, what it does not satisfy, pip and
channels are. Real envs solved and installed from a local channel built here."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from channelkit import Package, build_channel, python_package
from conftest import CondaHome, Run, write_env_file

from envtool.diff.drift import drift
from envtool.envs.model import EnvLocation, InstalledEnv, InstalledPackage, PipPackage
from envtool.errors import EXIT_FINDINGS, EXIT_OK
from envtool.files.envfile import parse

DEPTH = 12  # each of the app's 4 branches is a chain this deep: 48 libraries, 2 levels of fan-in


def _deep_packages() -> list[Package]:
    """``app`` → lib-0-* … lib-3-*, each chain ``DEPTH`` deep, every link also needing
    ``common`` (a shared leaf), plus python ↔ pip and packages nothing in the file asks for."""
    packages = [
        Package("app", "1.0", depends=tuple(f"lib-{b}-0 >=1" for b in range(4))),
        Package("common", "2.0"),
        Package("common", "1.0"),
        Package("pip", "24.0", depends=("python >=3.8",)),
        python_package(),
        Package("stray", "0.1", depends=("orphan",)),
        Package("orphan", "3.0"),
    ]
    for branch in range(4):
        for level in range(DEPTH):
            below = (f"lib-{branch}-{level + 1}",) if level + 1 < DEPTH else ()
            depends = (*below, "common >=1,<3", "__unix")
            packages.append(Package(f"lib-{branch}-{level}", "1.0", depends=depends))
    return packages


@pytest.fixture(scope="module")
def deep_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_channel(tmp_path_factory.mktemp("deep-channel"), _deep_packages())


def _file(path: Path, channel: Path, deps: list[str], pip: list[str] | None = None) -> Path:
    return write_env_file(path, deps, name="deep", channels=[channel.as_uri()], pip=pip)


def _changes(run: Run) -> set[tuple[str, str, str]]:
    return {(c["section"], c["kind"], c["name"]) for c in json.loads(run.out)["changes"]}


def test_no_drift_right_after_create_and_clone(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path, deep_channel: Path
) -> None:
    file = _file(tmp_path / "env.yml", deep_channel, ["app", "python=3.11"], pip=["toyreq==1.0"])
    env = tmp_path / "env"
    created = cli("create", "-f", str(file), "-p", str(env))
    assert created.code == EXIT_OK, created.err
    records = list((env / "conda-meta").glob("*.json"))
    assert len(records) == 4 * DEPTH + 4  # app, common, python, pip and every library
    for args in ((str(file), f"prefix:{env}"), (f"prefix:{env}", str(file))):
        result = cli("diff", *args, "--exit-code")
        assert result.code == EXIT_OK, result.out + result.err
        assert result.out.startswith("No differences between")
    clone = tmp_path / "clone"
    assert cli("clone", str(env), "-p", str(clone)).code == EXIT_OK
    assert cli("diff", str(file), f"prefix:{clone}", "--exit-code").code == EXIT_OK


def test_drift_reports_what_nothing_asks_for_and_what_is_unmet(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path, deep_channel: Path
) -> None:
    made = _file(tmp_path / "made.yml", deep_channel, ["app", "stray", "python"], ["toyreq==1.0"])
    env = tmp_path / "env"
    assert cli("create", "-f", str(made), "-p", str(env)).code == EXIT_OK
    # The file the team keeps: app only, a newer common wanted, toyreq 2, one more pip package.
    kept = _file(tmp_path / "kept.yml", deep_channel, ["app", "common>=3"], ["toyreq==2.0", "x"])
    result = cli("diff", str(kept), f"prefix:{env}", "--format", "json")
    assert result.code == EXIT_OK, result.err
    assert _changes(result) == {
        ("conda", "spec-changed", "common"),  # installed 2.0 does not satisfy >=3
        ("conda", "added", "stray"),  # nothing asks for it ...
        ("conda", "added", "orphan"),  # ... nor for what only it needs
        ("conda", "added", "python"),  # (and pip, which python needs)
        ("conda", "added", "pip"),
        ("pip", "downgraded", "toyreq"),  # the file says 2.0, the env has 1.0
        ("pip", "removed", "x"),  # asked for, not installed
    }
    # The libraries app needs, 48 of them down four chains, are not drift.
    back = cli("diff", f"prefix:{env}", str(kept), "--format", "json")
    assert ("conda", "removed", "stray") in _changes(back)
    assert ("pip", "upgraded", "toyreq") in _changes(back)
    gate = cli("diff", str(kept), f"prefix:{env}", "--exit-code")
    assert gate.code == EXIT_FINDINGS


def test_pip_requires_dist_and_extras(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path, deep_channel: Path
) -> None:
    file = _file(tmp_path / "env.yml", deep_channel, ["python"], ["toyreq[fast]==1.0"])
    env = tmp_path / "env"
    # pip (the fake one) installs toyreq; what toyreq pulled in is written by hand below.
    made = _file(tmp_path / "made.yml", deep_channel, ["python"], ["toyreq==1.0"])
    assert cli("create", "-f", str(made), "-p", str(env)).code == EXIT_OK
    site = env / "lib" / "python3.11" / "site-packages"
    (site / "toyreq-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: toyreq\nVersion: 1.0\n"
        "Requires-Dist: helper>=1\nRequires-Dist: speedups; extra == 'fast'\n"
        "Requires-Dist: pytest; extra == 'test'\nRequires-Dist: common\n\nbody\n"
    )
    for name in ("helper", "speedups", "pytest"):
        dist = site / f"{name}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (dist / "RECORD").write_text("")
    result = cli("diff", str(file), f"prefix:{env}", "--format", "json")
    assert result.code == EXIT_OK, result.err
    # helper (Requires-Dist) and speedups (the [fast] extra asked for) are needed; pytest only
    # by the [test] extra, which nothing asks for.
    assert _changes(result) == {("pip", "added", "pytest")}


# --------------------------------------------------------------------------- the function itself


def _env(*packages: InstalledPackage, pip: tuple[PipPackage, ...] = ()) -> InstalledEnv:
    return InstalledEnv(EnvLocation(Path("/envs/x"), "x"), packages, pip)


def test_drift_on_records() -> None:
    env = _env(
        InstalledPackage("numpy", "2.0.0", "py_0", channel="conda-forge", depends=("libblas",)),
        InstalledPackage("libblas", "3.9", "mkl_0", channel="conda-forge"),
        InstalledPackage("requests", "2.32.0", "py_0", channel="conda-forge"),
        pip=(PipPackage("torch", "2.1.0"),),
    )
    file = parse(
        "channels: [conda-forge]\n"
        "dependencies:\n  - numpy>=1.26\n  - pip:\n    - requests>=2\n    - torch==2.1.0\n"
    )
    assert drift(file, env).empty  # requests comes from conda: pip found it and did nothing
    moved = parse("dependencies: [defaults::numpy=2.0.0, libblas=3.9=*openblas*]")
    changes = {(c.kind, c.name): c for c in drift(moved, env).changes}
    assert set(changes) == {
        ("channel-added", "conda-forge"),
        ("channel-changed", "numpy"),
        ("spec-changed", "libblas"),
        ("added", "requests"),
        ("added", "torch"),
    }
    assert changes["spec-changed", "libblas"].note == (
        "installed 3.9 mkl_0 does not satisfy =3.9=*openblas*; variant openblas -> mkl"
    )
    assert changes["channel-changed", "numpy"].old == "defaults"
    ignored = drift(moved, env, ignore=["lib*"], ignore_builds=True)
    assert {c.name for c in ignored.changes} == {"conda-forge", "numpy", "requests", "torch"}


def test_drift_keeps_real_values_and_renders_them_redacted() -> None:
    token_channel = "https://conda.anaconda.org/t/tk-SECRET-1/private"
    env = _env(InstalledPackage("alpha", "1.0", "h0", channel=token_channel))
    result = drift(parse("dependencies: [alpha]"), env)
    (change,) = result.changes
    assert change.name == token_channel  # the data is real ...
    assert "tk-SECRET-1" not in repr(result)  # ... its repr is not
    from envtool.render import render

    for fmt in ("text", "markdown", "json", "github"):
        out = render(result, fmt, path="env.yml")
        assert "tk-SECRET-1" not in out and "t/***/private" in out, fmt


def test_docstring_examples() -> None:
    import doctest

    from envtool.diff import drift as module

    assert doctest.testmod(module).failed == 0


@pytest.mark.conda
def test_no_drift_after_create_with_a_real_conda(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deep_channel: Path, conda_exe: str
) -> None:
    """The same as the native test, through conda's own create and ``conda list``/export."""
    from conftest import _CONDA_VARS

    from envtool import api

    for var in _CONDA_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CONDA_EXE", conda_exe)  # --backend conda finds it first
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    file = write_env_file(
        tmp_path / "env.yml", ["app", "python=3.11"], channels=[deep_channel.as_uri(), "nodefaults"]
    )
    result = api.create(file, prefix=tmp_path / "env", backend="conda")
    assert len(result.packages) == 4 * DEPTH + 4
    assert api.drift(file, prefix=tmp_path / "env", backend="conda").empty
    kept = write_env_file(tmp_path / "kept.yml", ["lib-0-0"], channels=[deep_channel.as_uri()])
    extras = api.drift(kept, prefix=tmp_path / "env", backend="conda")
    assert {c.name for c in extras.changes} == {"app", "python", "pip"} | {
        f"lib-{b}-{level}" for b in (1, 2, 3) for level in range(DEPTH)
    }
