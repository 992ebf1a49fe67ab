"""The native backend against a real conda 26.7.1 (the ``conda`` tier; tests/condakit.py).

- envtool's export of each env of the world — made by ``conda env create`` then ``install``
  and ``remove``, by ``conda create -p`` outside the envs dir, and by envtool itself — is
  byte-identical to ``conda env export`` (and ``--no-builds``, ``--json``), the same set with
  ``--from-history``, and lists the same package URLs as ``conda list --explicit``;
- conda reads what envtool makes (``conda list``, ``env export --from-history``,
  ``create --file`` of envtool's explicit export, ``env remove``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from condakit import ENVS, World
from conftest import Run

pytestmark = pytest.mark.conda

# envtool's options for conda's exact bytes: envtool's own export writes the channels its
# packages came from plus nodefaults (a file that recreates the env); conda's bytes are
# --conda-compat. Every identity test builds its command line here.
CONDA_BYTES: tuple[str, ...] = ("--conda-compat",)


def envtool_export_argv(prefix: Path, *args: str, backend: str = "native") -> list[str]:
    """The envtool command line whose output must equal ``conda env export``'s."""
    return ["--backend", backend, "export", "-p", str(prefix), *CONDA_BYTES, *args]


def conda_export(world: World, prefix: Path, *args: str) -> str:
    return world.conda_run("env", "export", "--prefix", str(prefix), *args).stdout


def dependencies(text: str) -> set[str]:
    """The conda specs of an exported YAML file."""
    body = text.split("dependencies:\n", 1)[1]
    return {line[4:] for line in body.splitlines() if line.startswith("  - ") and line[-1] != ":"}


def envtool(cli: Callable[..., Run], *args: str) -> str:
    result = cli(*args)
    assert result.code == 0, result.err
    return result.out


# ------------------------------------------------------------------------------ export bytes


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [((), ()), (("--no-builds",), ("--no-builds",)), (("--format", "json"), ("--json",))],
    ids=["yaml", "no-builds", "json"],
)
def test_native_export_is_condas_bytes(
    in_world: World,
    cli: Callable[..., Run],
    env: str,
    ours: tuple[str, ...],
    theirs: tuple[str, ...],
) -> None:
    prefix = in_world.prefix(env)
    want = conda_export(in_world, prefix, *theirs)
    assert envtool(cli, *envtool_export_argv(prefix, *ours)) == want


@pytest.mark.parametrize("env", ENVS)
def test_from_history_is_condas_set(in_world: World, cli: Callable[..., Run], env: str) -> None:
    prefix = in_world.prefix(env)
    want = conda_export(in_world, prefix, "--from-history")
    got = envtool(cli, *envtool_export_argv(prefix, "--from-history"))
    # conda prints the specs in Python's set order: the same lines, the same head
    assert got.splitlines()[:2] == want.splitlines()[:2]
    assert sorted(got.splitlines()) == sorted(want.splitlines())


def test_from_history_follows_installs_and_removals(
    in_world: World, cli: Callable[..., Run]
) -> None:
    got = envtool(cli, *envtool_export_argv(in_world.prefix("scen"), "--from-history"))
    # delta was removed after the create, gamma installed
    assert dependencies(got) == {"alpha=2.0", "beta", "omega", "python", "pip", "gamma"}


@pytest.mark.parametrize("env", ENVS)
def test_explicit_lists_condas_urls(in_world: World, cli: Callable[..., Run], env: str) -> None:
    prefix = in_world.prefix(env)
    want = in_world.conda_run("list", "--explicit", "--prefix", str(prefix)).stdout
    got = envtool(cli, *envtool_export_argv(prefix, "--format", "explicit", "--no-pip"))
    assert got.splitlines()[:3] == want.splitlines()[:3]  # the header, with the platform
    assert sorted(got.splitlines()[5:]) == sorted(want.splitlines()[5:])


def test_explicit_with_pip_packages_fails_like_conda(
    in_world: World, cli: Callable[..., Run]
) -> None:
    """conda refuses too (exit 1, CondaValueError); envtool says how to go on (exit 2)."""
    prefix = in_world.prefix("scen")
    theirs = in_world.conda_run("export", "--prefix", str(prefix), "--format=explicit", check=False)
    assert theirs.returncode == 1 and "Cannot export explicit format" in theirs.stderr
    ours = cli(*envtool_export_argv(prefix, "--format", "explicit"))
    assert ours.code == 2
    assert ours.err == (
        "envtool: error: an explicit file cannot hold pip packages (other-pkg==0.5, "
        "toyreq==1.2); add --no-pip to leave them out\n"
    )


# ------------------------------------------------------------- conda reads what envtool makes


def test_conda_lists_a_native_env(in_world: World) -> None:
    listed = json.loads(
        in_world.conda_run("list", "--prefix", str(in_world.prefix("nat")), "--json").stdout
    )
    rows = {(r["name"], r["version"], r["base_url"]) for r in listed}
    kit, defaults = in_world.kit.as_uri(), in_world.defaults.as_uri()
    assert rows == {
        ("alpha", "2.1", kit),
        ("epsilon", "1.1", kit),
        ("omega", "1.0", defaults),
        ("pip", "24.0", kit),
        ("python", "3.11.0", kit),
        ("toyreq", "1.0", (in_world.base / "alias" / "pypi").as_uri()),  # pip's, under the alias
    }
    assert {r["name"]: r["channel"] for r in listed}["toyreq"] == "pypi"
    assert {r["name"]: r["channel"] for r in listed}["alpha"] == "kit"


def test_conda_reads_a_native_envs_history(in_world: World) -> None:
    text = conda_export(in_world, in_world.prefix("nat"), "--from-history")
    assert dependencies(text) == {"alpha=2.1", "omega=1.0", "epsilon", "python"}
    assert "variables:\n  DEBUG: yes\n  LEVEL: '3'\n" in text


def test_conda_creates_from_envtools_explicit_export(
    in_world: World, cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Offline, from the package URLs alone: the same records, dependencies first or not."""
    source = in_world.prefix("pfx")
    explicit = tmp_path / "explicit.txt"
    envtool(cli, *envtool_export_argv(source, "--format", "explicit", "-o", str(explicit)))
    target = tmp_path / "from-explicit"
    in_world.conda_run("create", "--prefix", str(target), "--file", str(explicit), "--yes")
    assert sorted(p.name for p in (target / "conda-meta").glob("*.json")) == sorted(
        p.name for p in (source / "conda-meta").glob("*.json")
    )


def test_conda_removes_an_envtool_env(in_world: World, cli: Callable[..., Run]) -> None:
    made = cli("clone", str(in_world.prefix("pfx")), "-n", "to-remove")
    assert made.code == 0, made.err
    prefix = in_world.envs_dir / "to-remove"
    assert prefix.is_dir()
    envs = json.loads(in_world.conda_run("env", "list", "--json").stdout)["envs"]
    assert str(prefix) in envs
    in_world.conda_run("env", "remove", "--name", "to-remove", "--yes")
    assert not (prefix / "conda-meta").exists()


# ------------------------------------------------------------- envtool reads what conda makes


def test_both_list_the_same_envs(in_world: World, cli: Callable[..., Run]) -> None:
    """``pfx`` is outside the envs dir: conda registered it in ~/.conda/environments.txt, where
    envtool finds it. (conda run as root lists the registries of every home in the password
    database instead of ~'s, so its own listing is compared on the envs dir only.)"""
    ours = json.loads(envtool(cli, "--backend", "native", "envs", "--json", "--no-size"))
    assert {str(in_world.prefix(env)) for env in ENVS} <= {e["prefix"] for e in ours["envs"]}
    theirs = json.loads(in_world.conda_run("env", "list", "--json").stdout)["envs"]
    assert {str(in_world.prefix(env)) for env in ("scen", "nat")} <= set(theirs)


def test_a_prefix_longer_than_a_line_wraps_as_condas(
    in_world: World, cli: Callable[..., Run], tmp_path: Path
) -> None:
    """ruamel.yaml (conda's emitter and envtool's) moves a value past 80 columns to the next
    line: ``name:`` and ``prefix:`` of an env outside the envs dirs are its long path."""
    prefix = tmp_path / ("a-directory-name-long-enough-to-push-the-prefix-past-eighty-" * 2) / "e"
    in_world.conda_run("create", "--prefix", str(prefix), "--yes", "delta")
    want = conda_export(in_world, prefix)
    assert want.startswith("name: \n  /")  # the case at hand: conda wrapped the value
    assert envtool(cli, *envtool_export_argv(prefix)) == want


# ----------------------------------------------------------------------------------- clone


@pytest.mark.parametrize("env", ["scen", "pfx"])
def test_a_lean_clone_of_a_conda_env_is_the_engines(
    in_world: World,
    cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    env: str,
) -> None:
    """A conda-made env cloned by envtool's lean linker (envs/link.py) and by py-rattler's
    install: the same files, the same records by name, and conda lists and exports both
    alike (the lean path keeps conda's record layout, py-rattler writes its own)."""
    import shutil

    from test_link import snapshot

    source = in_world.prefix(env)
    target = tmp_path / "copy"
    made: dict[str, dict[str, object]] = {}
    seen: dict[str, tuple[str, str]] = {}
    for way in ("engine", "lean"):
        if way == "engine":
            monkeypatch.setenv("ENVTOOL_CLONE_LINK", "engine")
        else:
            monkeypatch.delenv("ENVTOOL_CLONE_LINK")
        envtool(cli, "--backend", "native", "clone", str(source), "-p", str(target))
        made[way] = snapshot(target)
        listed = in_world.conda_run("list", "-p", str(target), "--json").stdout
        exported = conda_export(in_world, target)
        seen[way] = (listed, exported)
        shutil.rmtree(target)
    files = {
        w: {k: v for k, v in s.items() if not k.startswith("conda-meta/")} for w, s in made.items()
    }
    assert files["lean"] == files["engine"]
    records = {w: sorted(k for k in s if k.startswith("conda-meta/")) for w, s in made.items()}
    assert records["lean"] == records["engine"]
    assert json.loads(seen["lean"][0]) == json.loads(seen["engine"][0])
    assert seen["lean"][1] == seen["engine"][1]
    kept = [
        rel
        for rel, value in made["lean"].items()
        if rel.endswith(".json") and value == ("record", 0o100600, (source / rel).read_bytes())
    ]
    assert kept, "the lean path took no record as conda wrote it"
    source_export = conda_export(in_world, source).splitlines()[1:-1]  # no name:, no prefix:
    assert seen["lean"][1].splitlines()[1:-1] == source_export
