"""envtool.ops.create: create and clone as typed functions returning values, no printing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CondaHome, write_env_file

from envtool.backends.native import NativeBackend
from envtool.envs.model import CreateOptions, CreateResult, NullProgress
from envtool.errors import InputError, UsageError
from envtool.files.prune import PruneOptions
from envtool.ops import create as ops


def test_create_clone_and_summaries_are_values(
    conda_home: CondaHome,
    make_env: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["beta"], name="made")
    (tmp_path / "env.yml").write_text(file.read_text() + "extra: 1\n")
    env, warnings = ops.load_env_file(str(file))
    assert warnings == (f"{file}:4: unknown key 'extra' ignored",)
    backend = NativeBackend()
    target = ops.target_location(backend, env, name=None, prefix=None)
    assert target.prefix == conda_home.envs / "made"
    options = CreateOptions(base_dir=ops.file_dir(str(file)), command="test")
    plan = ops.create(backend, env, target, CreateOptions(dry_run=True))
    assert isinstance(plan, CreateResult) and plan.dry_run and not target.prefix.exists()
    shown = ops.summary(plan)
    assert shown.stderr is None and shown.stdout is not None
    assert shown.stdout.splitlines()[0] == f"# would create {target.prefix} (2 packages)"
    made = ops.with_progress(NullProgress(), lambda o: ops.create(backend, env, target, o), options)
    assert [p.name for p in made.packages] == ["alpha", "beta"]
    assert ops.summary(made).stderr == f"envtool: created {target.prefix} (2 packages)"

    copy = backend.new_location(name="copy")
    cloned = ops.clone_env(backend, target, copy, options)
    assert cloned.packages == made.packages
    installed, exported = ops.exported(backend, copy)
    leaves = ops.pruned(exported, PruneOptions(leaves=True), installed).env
    assert [d.name for d in leaves.conda] == ["beta"]
    renamed = ops.named(leaves, "new", keep_prefix=False)
    assert renamed.name == "new" and renamed.prefix is None
    assert capsys.readouterr() == ("", "")  # nothing printed


def test_bad_inputs(conda_home: CondaHome, tmp_path: Path) -> None:
    nodeps = tmp_path / "nodeps.yml"
    nodeps.write_text("name: x\n")
    with pytest.raises(InputError, match="no 'dependencies' list"):
        ops.load_env_file(str(nodeps))
    env, _ = ops.load_env_file(str(write_env_file(tmp_path / "e.yml", ["alpha"])))
    with pytest.raises(UsageError, match="has no name"):
        ops.target_location(NativeBackend(), env, name=None, prefix=None)
    assert ops.command_line(["create", "-f", "my env.yml"]) == "envtool create -f 'my env.yml'"
