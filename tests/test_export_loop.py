"""The reproducibility loop: ``envtool export`` → ``envtool create -f`` gives the same env.

Real envs are solved and installed from local channels (tests/channelkit.py) while conda's
``defaults`` and one more configured channel point at a port where nothing listens: a file
that needed anything but the env's own channels would fail to solve. Each round trip compares
the new env's records with the source's: (name, version, build, channel, sha256).

The large env has a few hundred packages from two channels: a dependency graph 50 layers deep,
arch-specific packages, the Linux runtime packages ``--portable`` drops (which the solve brings
back as dependencies), a CUDA-like variant whose CPU build has the higher build number, a fake
python with pip, and a pip section.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from channelkit import Package, build_channel, current_subdir, python_package
from conftest import (
    _CONDA_VARS,
    UNREACHABLE_DEFAULTS,
    CondaHome,
    Run,
    records,
    write_env_file,
)

from envtool.envs import export
from envtool.envs.model import EnvLocation, InstalledEnv, InstalledPackage, PipPackage
from envtool.files.envfile import parse

UNREACHABLE_CHANNEL = "http://127.0.0.1:9/extra"
LAYERS = 50
PER_LAYER = 6


def _graph(seed: int = 8) -> tuple[list[Package], list[str]]:
    """``LAYERS`` × ``PER_LAYER`` packages; each depends on one package of the layer below
    (so the graph is ``LAYERS`` deep) and up to two lower ones; and the graph's leaves."""
    rng = random.Random(seed)
    arch = current_subdir()
    layers = [[f"lib{layer:02d}{c}" for c in "abcdef"[:PER_LAYER]] for layer in range(LAYERS)]
    packages: list[Package] = []
    needed: set[str] = set()
    for layer, names in enumerate(layers):
        for i, name in enumerate(names):
            deps: list[str] = []
            if layer:
                below = [n for lower in layers[:layer] for n in lower]
                deps = sorted({rng.choice(layers[layer - 1]), *rng.sample(below, min(2, layer))})
            if i == 0:
                deps.append("libgcc-ng >=12")
            needed.update(d.split()[0] for d in deps)
            subdir = arch if i == 1 else "noarch"
            packages.append(Package(name, "1.1", "h0_1", tuple(deps), subdir, 1))
            if i == 0:  # older versions and builds the solves must not pick
                packages.append(Package(name, "1.0", "h0_0", tuple(deps), subdir))
                packages.append(Package(name, "1.1", "h0_0", tuple(deps), subdir))
    leaves = [n for names in layers for n in names if n not in needed]
    packages += [
        Package("_libgcc_mutex", "0.1", "conda_forge", subdir=arch),
        Package("libgcc-ng", "13.2.0", "h77fa898_7", ("_libgcc_mutex 0.1",), arch, 7),
        Package("pip", "24.0", depends=("python >=3.8",)),
        python_package(),
    ]
    return packages, leaves


def _gpu_packages() -> list[Package]:
    arch = current_subdir()
    return [
        Package("torchlike", "2.1.0", "cuda12_0", ("lib49a", "cudart-like 12.*"), arch, 0),
        Package("torchlike", "2.1.0", "cpu_1", ("lib49a",), arch, 1),
        Package("cudart-like", "12.1", "h0_0", (), arch),
    ]


@dataclass(frozen=True)
class BigEnv:
    main: Path  # the large channel
    gpu: Path  # torchlike's channel
    source: Path  # the env, installed
    size: int  # its number of packages


@pytest.fixture(scope="module")
def big_channels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    packages, leaves = _graph()
    main = build_channel(tmp_path_factory.mktemp("main-channel"), packages)
    gpu = build_channel(tmp_path_factory.mktemp("gpu-channel"), _gpu_packages())
    return main, gpu, leaves


def _offline(monkeypatch: pytest.MonkeyPatch, *configured: str) -> None:
    """defaults and an extra configured channel unreachable; ``configured`` before it."""
    monkeypatch.setenv("CONDA_DEFAULT_CHANNELS", UNREACHABLE_DEFAULTS)
    monkeypatch.setenv("CONDA_CHANNELS", ",".join([*configured, UNREACHABLE_CHANNEL]))


@pytest.fixture(scope="module")
def big_source(
    big_channels: tuple[Path, Path, list[str]],
    shared_caches: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The large env, made once for the module (in the session's package cache) from a file
    listing gpu before main; nothing but the two channels is reachable."""
    from envtool.backends.native import NativeBackend
    from envtool.envs.model import CreateOptions
    from envtool.files.envfile import load

    main, gpu, leaves = big_channels
    where = tmp_path_factory.mktemp("big")
    with pytest.MonkeyPatch.context() as mp:
        for var in _CONDA_VARS:
            mp.delenv(var, raising=False)
        (where / "home").mkdir()
        mp.setenv("HOME", str(where / "home"))
        mp.setenv("CONDA_ROOT_PREFIX", str(where / "conda"))
        mp.setenv("CONDA_PKGS_DIRS", str(shared_caches / "pkgs"))
        mp.setenv("RATTLER_CACHE_DIR", str(shared_caches / "rattler"))
        mp.setenv("CONDA_RESTRICT_RC_SEARCH_PATH", "1")
        _offline(mp, main.as_uri(), gpu.as_uri())
        file = write_env_file(
            where / "big.yml",
            ["python=3.11", "torchlike=*=*cuda*", *leaves],
            channels=[gpu.as_uri(), main.as_uri(), "nodefaults"],
            pip=["toyreq==1.2.3"],
        )
        backend = NativeBackend()
        target = backend.new_location(prefix=str(where / "source"))
        options = CreateOptions(base_dir=where, command="envtool create -f big.yml")
        return backend.create(load(str(file)), target, options).location.prefix


@pytest.fixture
def big(
    conda_home: CondaHome,
    big_channels: tuple[Path, Path, list[str]],
    big_source: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> BigEnv:
    """The large env; main is configured first, then gpu, then an unreachable channel."""
    main, gpu, _ = big_channels
    _offline(monkeypatch, main.as_uri(), gpu.as_uri())
    return BigEnv(main, gpu, big_source, len(records(big_source)))


def _export_create(
    cli: Callable[..., Run], source: Path, target: Path, *options: str
) -> tuple[str, Run]:
    exported = cli("export", "-p", str(source), *options)
    assert exported.code == 0, exported.err
    file = target.parent / f"{target.name}.yml"
    file.write_text(exported.out)
    return exported.out, cli("create", "-f", str(file), "-p", str(target))


def _pip(prefix: Path) -> list[str]:
    return sorted(p.name for p in prefix.glob("lib/python3.11/site-packages/*.dist-info"))


def test_the_big_env_is_big_and_deep(big: BigEnv) -> None:
    assert big.size >= 300
    names = {r[0] for r in records(big.source)}
    assert {"lib00a", "lib49a", "libgcc-ng", "_libgcc_mutex", "cudart-like"} <= names
    assert ("torchlike", "2.1.0", "cuda12_0") in {r[:3] for r in records(big.source)}


def test_export_then_create_gives_the_same_records(
    big: BigEnv, cli: Callable[..., Run], tmp_path: Path
) -> None:
    text, created = _export_create(cli, big.source, tmp_path / "again")
    assert created.code == 0, created.err
    env = parse(text)
    # the packages' channels in the configured priority order; not the unreachable extra one
    assert env.channels == (big.main.as_uri(), big.gpu.as_uri(), "nodefaults")
    assert env.prefix is None
    assert [p.text for p in env.pip or ()] == ["toyreq==1.2.3"]
    assert records(tmp_path / "again") == records(big.source)
    assert _pip(tmp_path / "again") == _pip(big.source) == ["toyreq-1.2.3.dist-info"]
    # and the file describes both envs: no drift from either
    for env_dir in (big.source, tmp_path / "again"):
        drift = cli("diff", str(tmp_path / "again.yml"), f"prefix:{env_dir}", "--exit-code")
        assert drift.code == 0, drift.out


def test_no_builds_portable_export_recreates_the_env(
    big: BigEnv, cli: Callable[..., Run], tmp_path: Path
) -> None:
    text, created = _export_create(
        cli, big.source, tmp_path / "portable", "--no-builds", "--portable"
    )
    assert created.code == 0, created.err
    deps = [d.text for d in parse(text).conda]
    assert "torchlike=2.1.0=*cuda*" in deps  # the variant survives; CPU has the higher build
    assert "lib00a=1.1" in deps
    assert not any(d.startswith(("libgcc-ng", "_libgcc_mutex")) for d in deps)
    # the solve brings the runtime back as a dependency, and every build is the same
    assert records(tmp_path / "portable") == records(big.source)


def test_from_history_pinned_recreates_the_env(
    big: BigEnv, cli: Callable[..., Run], tmp_path: Path
) -> None:
    text, created = _export_create(
        cli, big.source, tmp_path / "hist", "--from-history", "--pin", "exact"
    )
    assert created.code == 0, created.err
    env = parse(text)
    assert env.channels == (big.main.as_uri(), big.gpu.as_uri(), "nodefaults")
    deps = [d.text for d in env.conda]
    assert deps[:2] == ["python=3.11.0", "torchlike=2.1.0=*cuda*"]
    assert len(deps) < big.size // 2  # only what was asked for
    assert [p.text for p in env.pip or ()] == ["toyreq==1.2.3"]
    assert records(tmp_path / "hist") == records(big.source)
    assert _pip(tmp_path / "hist") == ["toyreq-1.2.3.dist-info"]


def test_clone_with_prune_options_solves_from_the_source_channels_only(
    big: BigEnv, cli: Callable[..., Run], tmp_path: Path
) -> None:
    target = tmp_path / "pruned-clone"
    result = cli("clone", str(big.source), "-p", str(target), "--no-builds", "--portable")
    assert result.code == 0, result.err
    assert records(target) == records(big.source)
    assert _pip(target) == ["toyreq-1.2.3.dist-info"]


def test_condas_export_needs_the_unreachable_channels(
    big: BigEnv, cli: Callable[..., Run], tmp_path: Path
) -> None:
    target = tmp_path / "compat"
    text, created = _export_create(cli, big.source, target, "--conda-compat")
    assert parse(text).channels == (big.main.as_uri(), big.gpu.as_uri(), UNREACHABLE_CHANNEL)
    assert created.code == 2
    assert f"cannot solve: cannot reach {UNREACHABLE_CHANNEL} (" in created.err
    assert created.err.endswith("; offline?)\n")
    assert not target.exists()


# ---------------------------------------------------------------- the standard channel, small


def test_from_history_keeps_a_non_defaults_channel(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """conda/conda#12842: conda's --from-history lists only the configured channels (here
    defaults), so its file cannot rebuild an env from any other channel; envtool's can."""
    source = make_env(
        ["alpha=2.0", "beta", "python=3.11"],
        prefix=tmp_path / "src",
        channels=[conda_home.channel_url, "nodefaults"],
        pip=["toyreq==1.2.3"],
    )
    monkeypatch.delenv("CONDA_CHANNELS")  # nothing configured: defaults, unreachable
    monkeypatch.setenv("CONDA_DEFAULT_CHANNELS", UNREACHABLE_DEFAULTS)
    conda = cli("export", "-p", str(source), "--from-history", "--conda-compat")
    assert parse(conda.out).channels == ("defaults",) and parse(conda.out).pip is None
    text, created = _export_create(cli, source, tmp_path / "again", "--from-history")
    assert created.code == 0, created.err
    assert text == (
        f"name: src\nchannels:\n  - {conda_home.channel_url}\n  - nodefaults\n"
        "dependencies:\n  - alpha=2.0\n  - beta\n  - python=3.11\n  - pip:\n"
        "      - toyreq==1.2.3\n"
    )
    assert records(tmp_path / "again") == records(source)
    pinned = cli("export", "-p", str(source), "--from-history", "--pin", "minor", "--no-pip")
    assert [d.text for d in parse(pinned.out).conda] == ["alpha=2.0", "beta=1.5", "python=3.11"]
    assert parse(pinned.out).pip is None


def test_conda_compat_keeps_the_prefix_unless_told(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path]
) -> None:
    source = make_env(["delta"], name="d")

    def prefix(*args: str) -> str | None:
        return parse(cli("export", "-n", "d", *args).out).prefix

    assert prefix() is None
    assert prefix("--keep-prefix") == prefix("--conda-compat") == str(source)
    assert prefix("--conda-compat", "--no-keep-prefix") is None


# ------------------------------------------------------------------------------ pure functions


def _pkg(name: str, channel: str) -> InstalledPackage:
    return InstalledPackage(name, "1.0", "0", channel=channel)


def test_recreate_channels_follow_the_configured_priority() -> None:
    packages = [
        _pkg("a", "pytorch"),
        _pkg("b", "conda-forge"),
        _pkg("c", "nvidia"),
        _pkg("d", "<unknown>"),
        _pkg("e", "file:///srv/channel"),
    ]
    configured = ["/srv/channel", "https://conda.anaconda.org/conda-forge", "defaults"]
    names = {
        "/srv/channel": "file:///srv/channel",
        "https://conda.anaconda.org/conda-forge": "conda-forge",
    }
    assert export.recreate_channels(packages, configured, lambda c: names.get(c, c)) == (
        "file:///srv/channel",
        "conda-forge",
        "pytorch",
        "nvidia",
        "nodefaults",
    )
    assert export.recreate_channels([_pkg("a", "defaults")], ["conda-forge"]) == ("defaults",)
    assert export.recreate_channels([], ["defaults"]) == ("nodefaults",)


def test_recreating_file_from_history_pins_from_the_records() -> None:
    env = InstalledEnv(
        location=EnvLocation(Path("/x/envs/e"), "e"),
        packages=(
            InstalledPackage("numpy", "1.26.4", "py311_0", channel="conda-forge"),
            InstalledPackage("pytorch", "2.1.0", "py3.11_cuda12.1_0", channel="pytorch"),
        ),
        pip=(PipPackage("z", "1"),),
        history_specs=("conda-forge::numpy>=1.20", "pytorch", "gone"),
        configured_channels=("/srv/local", "https://conda.anaconda.org/pytorch/", "conda-forge"),
    )
    plain = export.recreating_envfile(env, from_history=True)
    assert [d.text for d in plain.conda] == ["numpy>=1.20", "pytorch", "gone"]
    assert plain.channels == ("pytorch", "conda-forge", "nodefaults")  # as configured
    assert [p.text for p in plain.pip or ()] == ["z==1"]
    pinned = export.recreating_envfile(env, from_history=True, pin_history=True)
    assert [d.text for d in pinned.conda] == ["numpy=1.26.4", "pytorch=2.1.0=*cuda*", "gone"]
    bare = export.recreating_envfile(
        env, from_history=True, pin_history=True, keep_variant_builds=False
    )
    assert bare.conda[1].text == "pytorch=2.1.0"


def test_doctests() -> None:
    import doctest

    assert doctest.testmod(export).failed == 0


def test_a_clone_that_cannot_solve_says_why(
    conda_home: CondaHome,
    cli: Callable[..., Run],
    make_env: Callable[..., Path],
    tmp_path: Path,
) -> None:
    """The error names the clone and keeps the engine's cause (here: the channel is gone)."""
    import shutil

    channel = tmp_path / "moved-channel"
    shutil.copytree(conda_home.channel, channel)
    source = make_env(["beta"], prefix=tmp_path / "src", channels=[channel.as_uri()])
    shutil.rmtree(channel)
    result = cli("clone", str(source), "-p", str(tmp_path / "copy"), "--no-builds")
    assert result.code == 2
    assert result.err.startswith(f"envtool: error: clone of {source}: cannot solve: ")
    assert channel.as_uri() in result.err, result.err
    assert not (tmp_path / "copy").exists()


def test_a_package_from_no_known_channel_is_named_on_stderr(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    import json

    source = make_env(["beta"], prefix=tmp_path / "src")
    meta = next((source / "conda-meta").glob("alpha-*.json"))
    record = json.loads(meta.read_text())
    record.update(channel="", url="")  # as a package installed from a local archive may be
    meta.write_text(json.dumps(record))
    result = cli("export", "-p", str(source))
    assert result.code == 0
    assert parse(result.out).channels == (conda_home.channel_url, "nodefaults")
    assert result.err == (
        "envtool: warning: no channel is recorded for 1 package (alpha): "
        "a create from this file cannot find it\n"
    )
    assert cli("export", "-p", str(source), "--drop", "alpha").err == ""
    assert cli("export", "-p", str(source), "--conda-compat").err == ""


def test_an_env_outside_the_envs_dirs_exports_its_directory_name(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    """conda writes the path as ``name:``, which ``env create`` rejects; the file names the
    directory, so ``create -f`` alone makes the env again (in the first envs dir)."""
    source = make_env(["gamma"], prefix=tmp_path / "work-env")
    exported = cli("export", "-p", str(source))
    assert exported.out.startswith("name: work-env\n")
    assert cli("export", "-p", str(source), "--conda-compat").out.startswith(f"name: {source}\n")
    file = tmp_path / "e.yml"
    file.write_text(exported.out)
    result = cli("create", "-f", str(file))
    assert result.code == 0, result.err
    assert records(conda_home.envs / "work-env") == records(source)


def test_export_help_documents_the_conda_compat_flag(cli: Callable[..., Run]) -> None:
    out = " ".join(cli("export", "--help").out.split())
    assert "a file that recreates it" in out
    assert "--conda-compat Print exactly what `conda env export` prints" in out
    assert "--keep-prefix / --no-keep-prefix" in out
