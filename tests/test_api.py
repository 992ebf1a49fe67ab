"""envtool.api: each function on real files and on a real env solved and installed from a local
channel; the README's Python example runs as written; the module's doctest."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, CondaHome, write_env_file

from envtool import api

README = (ROOT / "README.md").read_text()
ML_V1 = ROOT / "fixtures" / "ml" / "environment-v1.yml"
ML_V2 = ROOT / "fixtures" / "ml" / "environment-v2.yml"


def test_readme_python_example_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    section = README[README.index("## Python API") : README.index("## Development")]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "train 34 conda packages"  # what the README's comment says
    assert "downgraded openssl 3.2.0 -> 3.0.13" in lines


def test_docstring_examples() -> None:
    import doctest

    assert doctest.testmod(api).failed == 0


def test_file_functions_on_real_files(tmp_path: Path) -> None:
    env = api.load(ML_V2)
    assert env.name == "train" and len(env.conda) == 34
    (tmp_path / "dumped.yml").write_text(api.dump(env))
    again = api.load(tmp_path / "dumped.yml")
    assert [d.text for d in again.conda] == [d.text.strip() for d in env.conda]
    assert api.dump(env, "json").startswith("{")

    renamed = api.rename(ML_V2, "train-2")
    assert renamed.env.name == "train-2"
    expected = ML_V2.read_text().replace("name: train", "name: train-2", 1)
    assert renamed.text == re.sub(r"(?m)^prefix: .*\n", "", expected)  # no stale prefix
    assert "prefix:" in api.rename(ML_V2, "x", keep_prefix=True).text
    assert renamed.data == renamed.text.encode()

    pruned = api.prune(ML_V2, api.PruneOptions(portable=True))
    assert pruned.changed and "_libgcc_mutex" not in pruned.text
    assert "_libgcc_mutex" not in {d.name for d in pruned.env.conda}
    assert all(d.reason for d in pruned.decisions)
    assert "prefix:" not in api.prune(ML_V2).text  # as `envtool prune`: no prefix by default
    assert not api.prune(ML_V2, api.PruneOptions(keep_prefix=True)).changed

    assert {f.code for f in api.check(ML_V2)} == {"W301", "W302", "W303"}
    assert "W302" not in {f.code for f in api.check(ML_V2, ignore=["W302"])}

    changes = api.diff(ML_V1, ML_V2)
    assert ("downgraded", "openssl", "3.2.0", "3.0.13") in {
        (c.kind, c.name, c.old, c.new) for c in changes.changes
    }
    assert api.diff(env, api.load(ML_V2)).empty  # EnvFile values work as sides too
    doc = json.loads(api.render(changes, "json"))
    assert doc["summary"]["changes"] == len(changes.changes)


def test_errors_are_envtool_errors_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(api.EnvtoolError) as missing:
        api.load(tmp_path / "nope.yml")
    assert "nope.yml" in str(missing.value) and "\n" not in str(missing.value)
    with pytest.raises(api.EnvtoolError):
        api.rename(ML_V2, "bad/name")
    with pytest.raises(api.EnvtoolError):
        api.check(tmp_path)  # a directory
    with pytest.raises(api.EnvtoolError):
        api.prune(ML_V2, api.PruneOptions(no_pip=True, pip_only=True))


def test_engine_functions_on_a_real_env(conda_home: CondaHome, tmp_path: Path) -> None:
    file = write_env_file(
        tmp_path / "env.yml",
        ["gamma", "python=3.11"],
        name="api",
        channels=[conda_home.channel_url],
        pip=["toyreq==1.0"],
    )
    plan = api.create(file, prefix=tmp_path / "env", dry_run=True, backend="native")
    assert plan.dry_run and not (tmp_path / "env").exists()
    result = api.create(file, prefix=tmp_path / "env", backend="native")
    names = {p.name for p in result.packages}
    assert names == {"alpha", "beta", "gamma", "python", "pip"}
    assert result.pip_lines == ("toyreq==1.0",)
    with pytest.raises(api.EnvtoolError):  # never over an existing env unless asked
        api.create(file, prefix=tmp_path / "env", backend="native")

    installed = api.read_env(prefix=tmp_path / "env", backend="native")
    assert {p.name for p in installed.packages} == names
    assert [(p.name, p.version) for p in installed.pip] == [("toyreq", "1.0")]

    exported = api.export(prefix=tmp_path / "env", backend="native")
    assert exported.prefix is None and "toyreq==1.0" in api.dump(exported)
    assert api.export(prefix=tmp_path / "env", keep_prefix=True, backend="native").prefix
    assert exported.channels == (conda_home.channel_url, "nodefaults")  # recreates
    conda = api.export(prefix=tmp_path / "env", conda_compat=True, backend="native")
    assert conda.channels == (conda_home.channel_url,) and conda.prefix is None
    assert api.export(prefix=tmp_path / "env", no_builds=True, backend="native").conda[0].text == (
        "alpha=2.0"
    )

    assert api.drift(file, prefix=tmp_path / "env", backend="native").empty
    assert api.diff(file, f"prefix:{tmp_path / 'env'}", backend="native").empty
    smaller = write_env_file(tmp_path / "smaller.yml", ["beta"], channels=[conda_home.channel_url])
    drifted = api.drift(smaller, prefix=tmp_path / "env", backend="native")
    assert {(c.kind, c.name) for c in drifted.changes} == {
        ("added", "gamma"),
        ("added", "python"),
        ("added", "pip"),
        ("added", "toyreq"),
    }  # alpha: beta needs it

    named = api.create(file, backend="native")  # the file's name, in the first envs dir
    assert named.location.prefix == conda_home.envs / "api"
    assert api.drift(file, name="api", backend="native").empty


def test_the_api_is_in_the_installed_package() -> None:
    """``pip install .`` installs every subpackage (envtool.ops with it) and api.py."""
    from setuptools import find_packages

    packages = find_packages(str(ROOT), include=["envtool", "envtool.*"])
    assert {"envtool", "envtool.ops", "envtool.diff", "envtool.render"} <= set(packages)
    assert os.path.isfile(ROOT / "envtool" / "api.py")
