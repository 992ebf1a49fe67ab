"""Solve apart from install, and the one transaction policy of every backend: targets,
frozen envs (CEP 22), created_at, the pip step in the staged prefix. Real envs, local channels."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from channelkit import Package, build_channel
from conftest import CondaHome, Run, write_env_file

from envtool.backends.native import NativeBackend
from envtool.envs import history, transaction
from envtool.envs.model import CreateOptions, EnvLocation
from envtool.envs.platform import Platform
from envtool.errors import BackendError, UsageError


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A channel whose packages depend on virtual packages and on a platform."""
    return build_channel(
        tmp_path_factory.mktemp("variants"),
        [
            Package("torchy", "2.0", "cpu_0"),
            Package("torchy", "2.0", "cuda_1", depends=("__cuda >=12",), build_number=1),
            Package("maconly", "1.0", "h0", subdir="osx-arm64", depends=("__osx >=11",)),
            Package("linuxonly", "1.0", "h0", subdir="linux-64", depends=("__glibc >=2.17",)),
        ],
    )


def _solve(backend: NativeBackend, chan: Path, spec: str, platform: Platform | None) -> list[str]:
    solved = backend.solve([spec], [chan.as_uri(), "nodefaults"], platform)
    return [f"{p.dist} {p.subdir}" for p in solved]


def test_one_solve_call_for_any_platform_and_virtual_packages(
    conda_home: CondaHome, variants: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = NativeBackend()
    cuda = Platform.for_subdir("linux-64", cuda="12.4")
    assert _solve(backend, variants, "torchy", cuda) == ["torchy-2.0-cuda_1 noarch"]
    assert _solve(backend, variants, "torchy", cuda.with_cuda("none")) == [
        "torchy-2.0-cpu_0 noarch"
    ]
    assert _solve(backend, variants, "maconly", Platform.for_subdir("osx-arm64")) == [
        "maconly-1.0-h0 osx-arm64"
    ]
    with pytest.raises(BackendError, match=r"cannot be satisfied|conflict"):
        _solve(backend, variants, "maconly", Platform.for_subdir("osx-arm64", osx="10.9"))
    with pytest.raises(BackendError, match="no package named 'linuxonly'"):
        _solve(backend, variants, "linuxonly", Platform.for_subdir("osx-arm64"))
    # this machine is the same call; conda's override variables apply
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    if Platform.current().subdir == "linux-64":
        assert _solve(backend, variants, "torchy", None) == ["torchy-2.0-cuda_1 noarch"]
        assert _solve(backend, variants, "torchy", Platform.current()) == [
            "torchy-2.0-cuda_1 noarch"
        ]


def test_install_solved_records_writes_created_at_and_history(
    conda_home: CondaHome, tmp_path: Path
) -> None:
    backend = NativeBackend()
    records = backend.solve(["beta"], [conda_home.channel_url])
    assert [p.dist for p in records] == ["alpha-2.1-h4616a5c_1", "beta-1.5-h4616a5c_0"]
    target = EnvLocation(tmp_path / "env")
    assert not target.prefix.exists()  # solving installed nothing
    before = time.time()
    result = backend.install(records, target, CreateOptions(command="envtool test"))
    assert result.packages == records and not result.replaced
    created = float((target.prefix / "conda-meta" / "created_at").read_text())
    assert before - 1 <= created <= time.time() + 1  # str() of a POSIX timestamp, as conda
    revisions = history.parse((target.prefix / "conda-meta" / "history").read_text())
    assert revisions[-1].cmd == "envtool test"
    assert revisions[-1].update_specs[-1].startswith(f"{conda_home.channel_url}/noarch::beta==")
    assert (target.prefix / "share" / "beta" / "VERSION").read_text() == "1.5\n"
    # records that did not come from an engine cannot be installed natively
    bare = [r.__class__(r.name, r.version, r.build) for r in records]
    with pytest.raises(BackendError, match="no package record to install"):
        backend.install(bare, EnvLocation(tmp_path / "other"), CreateOptions())
    assert not (tmp_path / "other").exists()


def test_target_checks(
    conda_home: CondaHome,
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replace = CreateOptions(on_exists="replace")
    file = tmp_path / "a-file"
    file.write_text("not an env")
    for options in (CreateOptions(), replace):
        with pytest.raises(UsageError, match=r"a-file exists and is not a directory; not replac"):
            transaction.check_target(EnvLocation(file), options)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert transaction.check_target(EnvLocation(empty), CreateOptions()) is False
    env = make_env(["alpha"], name="mine")
    assert transaction.check_target(EnvLocation(env), replace) is True
    with pytest.raises(UsageError, match="refusing to replace the root environment"):
        transaction.check_target(EnvLocation(env), replace, root_prefix=env)
    monkeypatch.setattr(sys, "prefix", str(env))
    with pytest.raises(UsageError, match="refusing to replace the environment envtool runs in"):
        transaction.check_target(EnvLocation(env), replace)


def _freeze(env: Path, message: str | None) -> None:
    text = "" if message is None else json.dumps({"message": message})
    (env / "conda-meta" / "frozen").write_text(text)


def _names(env: Path) -> list[str]:
    return sorted(p.stem for p in (env / "conda-meta").glob("*.json"))


def test_a_frozen_env_is_never_replaced_without_override_frozen(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    make_env: Callable[..., Path],
    tmp_path: Path,
) -> None:
    env = make_env(["alpha=1.0"], name="prod")
    other = make_env(["delta"], name="other")
    _freeze(env, "managed by\nthe platform team")
    before = _names(env)
    file = write_env_file(tmp_path / "env.yml", ["delta"], name="prod")
    for argv in (
        ["create", "-f", str(file), "--on-exists", "replace"],
        ["clone", "other", "-n", "prod", "--on-exists", "replace"],
        ["clone", str(file), "-n", "prod", "--on-exists", "replace"],
    ):
        result = cli(*argv)
        assert result.code == 2, argv
        assert result.err == (
            f"envtool: error: cannot replace {env}: the environment is marked as frozen "
            "(managed by the platform team); use --override-frozen to replace it anyway\n"
        )
        assert _names(env) == before
    result = cli("create", "-f", str(file))
    assert result.code == 2 and "already exists (a frozen environment)" in result.err
    _freeze(env, None)  # an empty marker: no reason to give
    result = cli("create", "-f", str(file), "--on-exists", "replace")
    assert result.err.endswith("marked as frozen; use --override-frozen to replace it anyway\n")
    result = cli("clone", "other", "-n", "prod", "--on-exists", "replace", "--override-frozen")
    assert result.code == 0, result.err
    assert _names(env) == _names(other)
    assert not (env / "conda-meta" / "frozen").exists()  # the new env is not frozen


def test_pip_runs_in_the_staged_prefix_with_its_requirements_in_a_temp_dir(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    file = write_env_file(project / "environment.yml", ["python=3.11"], pip=["toyreq==1.0"])
    result = cli("create", "-f", str(file), "-p", str(tmp_path / "env"))
    assert result.code == 0, result.err
    assert sorted(p.name for p in project.iterdir()) == ["environment.yml"]
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    assert (site / "toyreq-1.0.dist-info" / "envtool-test-cwd").read_text().strip() == str(project)


def test_nested_requirement_paths_resolve_against_the_files_directory(tmp_path: Path) -> None:
    base = tmp_path / "project"
    assert transaction._absolute_nested("-r extra.txt", base) == f"-r {base / 'extra.txt'}"
    assert transaction._absolute_nested("--constraint=c.txt", base) == (
        f"--constraint={base / 'c.txt'}"
    )
    assert transaction._absolute_nested("-r /abs/x.txt", base) == "-r /abs/x.txt"
    assert transaction._absolute_nested("-r https://x/req.txt", base) == "-r https://x/req.txt"
    assert transaction._absolute_nested("numpy==1.0", base) == "numpy==1.0"


RELOCATING_PYTHON = """\
#!/bin/sh
# writes a console script naming its own (staged) prefix, as pip does with sys.executable
here="$(cd "$(dirname "$0")/.." && pwd)"
printf '#!%s/bin/python\\n' "$here" > "$here/bin/toy"
chmod 755 "$here/bin/toy"
info="$here/lib/python3.11/site-packages/toy-1.0.dist-info"
mkdir -p "$info"
printf 'Name: toy\\nVersion: 1.0\\n\\n' > "$info/METADATA"
: > "$info/RECORD"
"""


def test_what_pip_writes_in_the_staged_prefix_names_the_final_one(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    chan = build_channel(
        tmp_path / "chan",
        [Package("python", "3.11.0", files={"bin/python": RELOCATING_PYTHON.encode()})],
    )
    file = write_env_file(
        tmp_path / "env.yml", ["python"], channels=[chan.as_uri(), "nodefaults"], pip=["toy==1.0"]
    )
    target = tmp_path / "envs" / "final"
    result = cli("create", "-f", str(file), "-p", str(target))
    assert result.code == 0, result.err
    assert (target / "bin" / "toy").read_text() == f"#!{target}/bin/python\n"
    assert (target / "bin" / "toy").stat().st_mode & 0o111
    assert sorted(p.name for p in (tmp_path / "envs").iterdir()) == ["final"]
