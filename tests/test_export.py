"""``envtool export --conda-compat`` equals what conda 26.7.1 exported (tests/data/conda-golden/).

Two ways in: conda's own ``prefix-{a,b,p}-conda-meta`` folders read as they are, and envs
created natively from the same specs out of a local channel with the same packages. What
``envtool export`` writes without the flag (a file that recreates the env) is tested in
tests/test_export_loop.py.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import GOLDEN, CondaHome, Run, run_envtool, write_env_file
from test_prefix import golden_prefix

from envtool.envs import export
from envtool.envs.model import EnvLocation, InstalledEnv, InstalledPackage, PipPackage

GOLDEN_CHANNEL = "file:///srv/channel"


def golden(name: str) -> str:
    """The document a golden ``*.out`` shows: stdout without conda's warnings and timings."""
    text = (GOLDEN / name).read_text(encoding="utf-8")
    body = text.split("\n", 1)[1].split("\nreal\t", 1)[0]
    lines = body.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("name:", "{", "#")))
    return "\n".join(lines[start:]).rstrip("\n") + "\n"


@pytest.fixture
def golden_setup(conda_home: CondaHome, monkeypatch: pytest.MonkeyPatch) -> Iterator[CondaHome]:
    """conda's setup for the golden run: the configured channel is file:///srv/channel, and
    the root prefix is short, as /opt/conda is (ruamel.yaml, conda's emitter and ours, moves
    a value longer than its 80-column width to the next line, so a long pytest tmp path would
    print differently)."""
    root = Path(tempfile.mkdtemp(prefix="et-", dir="/tmp" if os.path.isdir("/tmp") else None))
    (root / "envs").mkdir()
    monkeypatch.setenv("CONDA_ROOT_PREFIX", str(root))
    monkeypatch.setenv("CONDA_CHANNELS", GOLDEN_CHANNEL)
    yield dataclasses.replace(conda_home, root=root, envs=root / "envs")
    shutil.rmtree(root, ignore_errors=True)


def _export(cli: Callable[..., Run], *args: str) -> Run:
    result = cli("--backend", "native", "export", *args)
    assert result.code == 0, result.err
    return result


def _conda_export(cli: Callable[..., Run], *args: str) -> Run:
    return _export(cli, "--conda-compat", *args)


@pytest.mark.parametrize(
    ("which", "args", "out"),
    [
        ("a", [], "export-a.out"),
        ("a", ["--format", "json"], "export-a-json.out"),
        ("a", ["--no-builds"], "export-a-nobuilds.out"),
        ("b", [], "export-b.out"),
        ("p", [], "export-p.out"),
        ("p", ["--no-builds"], "export-p-nob.out"),
        ("p", ["--format", "json"], "json-p.out"),
    ],
)
def test_golden_prefixes_export_exactly_as_conda_did(
    golden_setup: CondaHome, cli: Callable[..., Run], which: str, args: list[str], out: str
) -> None:
    root = golden_prefix(golden_setup.envs, which)
    assert root.parent == golden_setup.envs  # so the name rule gives the dir's name
    result = _conda_export(cli, "-p", str(root), "--keep-prefix", *args)
    assert result.out == golden(out).replace(f"/opt/conda/envs/{which}", str(root))


def test_name_lookup_and_default_prefix_drop(
    golden_setup: CondaHome, cli: Callable[..., Run]
) -> None:
    golden_prefix(golden_setup.envs, "a")
    expected = golden("export-n-a.out").replace("prefix: /opt/conda/envs/a\n", "")
    assert _conda_export(cli, "-n", "a", "--no-keep-prefix").out == expected


@pytest.mark.parametrize(
    ("which", "out"),
    [("a", "export-a-fromhistory.out"), ("b", "export-b-hist.out"), ("p", "export-p-hist.out")],
)
def test_from_history_matches_conda_as_a_set(
    golden_setup: CondaHome, cli: Callable[..., Run], which: str, out: str
) -> None:
    root = golden_prefix(golden_setup.envs, which)
    got = _conda_export(cli, "-p", str(root), "--from-history", "--keep-prefix").out
    want = golden(out).replace(f"/opt/conda/envs/{which}", str(root))
    # conda prints the specs in Python's set order: compare the lines as a set
    assert got.splitlines()[:4] == want.splitlines()[:4]
    assert sorted(got.splitlines()) == sorted(want.splitlines())


def test_explicit_matches_conda(golden_setup: CondaHome, cli: Callable[..., Run]) -> None:
    root = golden_prefix(golden_setup.envs, "a")
    got = _export(cli, "-p", str(root), "--format", "explicit").out.splitlines()
    want = golden("cexport-explicit.out").splitlines()
    assert got[:3] == want[:3]
    assert got[3].startswith("# created-by: envtool ")
    assert got[4] == want[4] == "@EXPLICIT"
    assert sorted(got[5:]) == sorted(want[5:])
    # dependencies first: beta needs alpha
    assert got.index(next(u for u in got if "/alpha-" in u)) < got.index(
        next(u for u in got if "/beta-" in u)
    )


def test_explicit_refuses_pip_packages_unless_dropped(
    golden_setup: CondaHome, cli: Callable[..., Run]
) -> None:
    root = golden_prefix(golden_setup.envs, "p")
    result = cli("export", "-p", str(root), "--format", "explicit")
    assert result.code == 2
    assert "cannot hold pip packages (toyreq==1.2.3); add --no-pip" in result.err
    ok = _export(cli, "-p", str(root), "--format", "explicit", "--no-pip")
    assert len([line for line in ok.out.splitlines() if line.startswith("file://")]) == 3


def test_rename_drop_and_leaves(golden_setup: CondaHome, cli: Callable[..., Run]) -> None:
    root = golden_prefix(golden_setup.envs, "p")
    out = _export(cli, "-p", str(root), "--rename", "new", "--drop", "pip", "--no-pip").out
    assert out.startswith("name: new\n")
    assert "pip=" not in out and "toyreq" not in out and "prefix:" not in out
    # --leaves keeps what the history says was asked for (python, alpha), plus pip for pip
    leaves = _export(cli, "-p", str(root), "--leaves").out
    assert "  - alpha=2.1=h4616a5c_1\n" in leaves and "  - python=3.11.0=h4616a5c_0\n" in leaves
    assert cli("export", "-p", str(root), "--rename", "a/b").code == 2


def test_missing_env_is_an_error_listing_the_places_searched(
    golden_setup: CondaHome, cli: Callable[..., Run]
) -> None:
    result = cli("export", "-n", "nonexist")
    assert result.code == 2
    assert result.err.startswith("envtool: error: no environment named 'nonexist' (searched: ")
    assert str(golden_setup.envs) in result.err and ".conda/envs" in result.err
    result = cli("export", "-p", str(golden_setup.envs / "nonexist"))
    assert result.code == 2 and "no such directory" in result.err
    result = cli("export")
    assert result.code == 2 and "none is active" in result.err


def test_active_env_is_the_default(
    golden_setup: CondaHome, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = golden_prefix(golden_setup.envs, "a")
    monkeypatch.setenv("CONDA_PREFIX", str(root))
    assert _export(cli).out.startswith("name: a\n")


# ------------------------------------------------------------------ natively created envs


def _env_file(tmp_path: Path, golden_name: str, channel: str) -> Path:
    text = (GOLDEN / golden_name).read_text().replace(GOLDEN_CHANNEL, channel)
    path = tmp_path / golden_name
    path.write_text(text)
    return path


def test_native_env_exports_like_condas(
    golden_setup: CondaHome,
    cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conda_home = golden_setup
    url = conda_home.channel_url
    monkeypatch.setenv("CONDA_CHANNELS", url)
    assert cli("create", "-f", str(_env_file(tmp_path, "env-a.yml", url)), "-n", "a").code == 0
    got = _conda_export(cli, "-n", "a", "--keep-prefix").out
    prefix = conda_home.envs / "a"
    assert got == golden("export-a.out").replace(GOLDEN_CHANNEL, url).replace(
        "/opt/conda/envs/a", str(prefix)
    )
    hist = _conda_export(cli, "-n", "a", "--from-history", "--keep-prefix").out
    want = golden("export-a-fromhistory.out").replace(GOLDEN_CHANNEL, url)
    assert sorted(hist.splitlines()) == sorted(
        want.replace("/opt/conda/envs/a", str(prefix)).splitlines()
    )


def test_native_env_with_pip_section_exports_like_condas(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    url = conda_home.channel_url
    file = write_env_file(
        tmp_path / "env-p.yml", ["python=3.11", "alpha"], channels=[url], pip=["toyreq==1.2.3"]
    )
    assert cli("create", "-f", str(file), "-n", "p").code == 0
    got = _conda_export(cli, "-n", "p", "--no-keep-prefix").out
    want = golden("export-p.out").replace(GOLDEN_CHANNEL, url)
    assert got == want.replace("prefix: /opt/conda/envs/p\n", "")


def test_export_as_a_process_to_a_file(
    conda_home: CondaHome, make_env: Callable[..., Path], tmp_path: Path
) -> None:
    env = make_env(["beta"], name="b")
    out = tmp_path / "out.yml"
    result = run_envtool("export", "-p", str(env), "-o", str(out))
    assert result.code == 0, result.err
    assert result.out == ""
    text = out.read_text()
    assert text.startswith("name: b\n") and "  - beta=1.5=h4616a5c_0\n" in text


# ---------------------------------------------------------------------- pure functions


def _pkg(name: str, channel: str, depends: tuple[str, ...] = ()) -> InstalledPackage:
    return InstalledPackage(name, "1.0", "0", channel=channel, depends=depends, url=f"u/{name}")


def test_channel_rule_first_seen_over_sorted_packages_then_configured() -> None:
    env = InstalledEnv(
        location=EnvLocation(Path("/x/envs/e"), "e"),
        packages=(
            _pkg("a", "pytorch"),
            _pkg("b", "conda-forge"),
            _pkg("c", "pytorch"),
            _pkg("d", "<unknown>"),
        ),
        pip=(PipPackage("z", "1"),),
        configured_channels=("conda-forge", "defaults"),
        variables={"BAZ": "1"},
    )
    f = export.to_envfile(env)
    assert f.channels == ("pytorch", "conda-forge", "defaults")
    assert [d.text for d in f.conda] == ["a=1.0=0", "b=1.0=0", "c=1.0=0", "d=1.0=0"]
    assert [p.text for p in f.pip or ()] == ["z==1"]
    hist = export.to_envfile(env, from_history=True)  # no history: every package, pinned
    assert hist.channels == ("conda-forge", "defaults") and hist.pip is None
    assert len(hist.conda) == 4


def test_leaves_and_topological_order() -> None:
    pkgs = (
        _pkg("app", "c", ("lib >=1", "py")),
        _pkg("lib", "c", ("py",)),
        _pkg("py", "c", ("pip",)),
        _pkg("pip", "c", ("py",)),
    )
    env = InstalledEnv(EnvLocation(Path("/e")), pkgs)
    assert export.graph_leaves(pkgs) == ("app",)
    assert export.requested_names(env) == ("app",)
    assert [p.name for p in export.topological(pkgs)] == ["pip", "py", "lib", "app"]
    assert export.requested_names(
        InstalledEnv(EnvLocation(Path("/e")), pkgs, history_specs=("lib>=1",))
    ) == ("lib",)


def test_export_reads_records_without_the_engine_yaml_library_or_subprocess(
    golden_setup: CondaHome,
) -> None:
    """Export is a read of conda-meta: neither py-rattler, ruamel.yaml nor subprocess is
    imported (each costs start-up time), and the output is conda's (issue 13)."""
    root = golden_prefix(golden_setup.envs, "p")
    probe = (
        "import sys\n"
        "from envtool.cli import main\n"
        f"code = main(['--backend', 'native', 'export', '--conda-compat', '-p', {str(root)!r}])\n"
        "heavy = sorted(m for m in ('rattler', 'ruamel', 'ruamel.yaml', 'subprocess')"
        " if m in sys.modules)\n"
        "sys.stderr.write(f'loaded: {heavy}\\n')\n"
        "sys.exit(code)\n"
    )
    result = _python(probe)
    assert result.code == 0, result.err
    assert "loaded: []" in result.err
    assert result.out.startswith("name: p\n")


def _python(code: str) -> Run:
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def test_unparsed_pins_equal_parsed_ones_for_plain_versions() -> None:
    """export without prune options makes each spec from its record (no parser, no py-rattler):
    the same deps as a parse wherever the parse keeps the version as written."""
    packages = [
        InstalledPackage("numpy", "1.26.4", "py311h64a7726_0"),
        InstalledPackage("openssl", "1.1.1w", "hd590300_0"),
        InstalledPackage("tzdata", "2023c", "h71feb2d_0"),
        InstalledPackage("_libgcc_mutex", "0.1", "conda_forge"),
    ]
    for builds in (True, False):
        assert export.pinned_deps(packages, builds=builds, parse=False) == export.pinned_deps(
            packages, builds=builds
        )
    pip = [PipPackage("requests", "2.31.0"), PipPackage("zope-interface", "6.0")]
    assert export.pip_deps(pip, parse=False) == export.pip_deps(pip)
    # what a parse would normalize keeps its text, and the text is what a file gets
    odd = InstalledPackage("ca-certificates", "2023.08.22", "h06a4308_0")
    assert [d.text for d in export.pinned_deps([odd], parse=False)] == [
        "ca-certificates=2023.08.22=h06a4308_0"
    ]
