"""``envtool lock`` and reading locks: round trips on real envs from local channels, each lock
read back by its own ecosystem's reader (conda-lock's parser, py-rattler's LockFile), hash
checks on install, ``--check``, and every command reading every format."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CondaHome, Run, write_env_file

from envtool.locks.model import DEFAULT_FILE


def host() -> str:
    from envtool.envs.platform import current_subdir

    return current_subdir()


def records(prefix: Path) -> set[tuple[str, str, str, str, str]]:
    """What an env is made of: (name, version, build, channel, sha256) per conda-meta record."""
    out = set()
    for path in (prefix / "conda-meta").glob("*.json"):
        data = json.loads(path.read_text())
        channel = data["url"].rsplit("/", 2)[0]
        out.add((data["name"], data["version"], data["build"], channel, data.get("sha256", "")))
    return out


def pip_dists(prefix: Path) -> set[str]:
    return {p.name for p in prefix.glob("lib/python*/site-packages/*.dist-info")}


@pytest.fixture
def source_env(make_env: Callable[..., Path], conda_home: CondaHome) -> Path:
    """An env with a dependency chain, an arch-specific package, a CUDA-like variant and pip."""
    return make_env(
        ["gamma", "epsilon", "zeta", "python", "delta"],
        prefix=conda_home.home / "src",
        pip=["requests==2.31.0", "tqdm==4.66.1"],
    )


FORMATS = ["conda-lock", "pixi", "pixi-v7", "explicit"]


def _out(tmp_path: Path, fmt: str) -> Path:
    return tmp_path / "locks" / ("x.explicit.txt" if fmt == "explicit" else DEFAULT_FILE[fmt])


# ------------------------------------------------------------------------------ round trips


@pytest.mark.parametrize("fmt", FORMATS)
def test_lock_an_env_then_create_from_it(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path, fmt: str
) -> None:
    out = _out(tmp_path, fmt)
    out.parent.mkdir()
    r = cli("lock", "-p", str(source_env), "--format", fmt, "-o", str(out))
    assert r.code == 0, r.err
    if fmt == "explicit":
        assert "cannot hold pip packages" in r.err and "requests==2.31.0" in r.err
    new = tmp_path / "new"
    r = cli("create", "-f", str(out), "-p", str(new))
    assert r.code == 0, r.err
    assert records(new) == records(source_env)
    assert len(records(new)) == 8
    if fmt != "explicit":
        assert pip_dists(new) == pip_dists(source_env) != set()
    r = cli("diff", str(out), f"prefix:{new}", "--exit-code")
    assert r.code == 0, r.out + r.err


def test_clone_a_lock(cli: Callable[..., Run], source_env: Path, tmp_path: Path) -> None:
    out = tmp_path / "conda-lock.yml"
    assert cli("lock", "-p", str(source_env), "-o", str(out)).code == 0
    r = cli("clone", str(out), "-p", str(tmp_path / "cloned"))
    assert r.code == 0, r.err
    assert records(tmp_path / "cloned") == records(source_env)


def test_default_file_names(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for fmt in ("conda-lock", "pixi"):
        assert cli("lock", "-p", str(source_env), "--format", fmt).code == 0
    assert (tmp_path / "conda-lock.yml").is_file() and (tmp_path / "pixi.lock").is_file()
    assert cli("lock", "-p", str(source_env), "--format", "explicit").code == 0
    text = (tmp_path / f"{host()}.explicit.txt").read_text()
    assert "@EXPLICIT" in text and f"# platform: {host()}" in text
    r = cli("lock", "-p", str(source_env), "--format", "explicit", "-o", "-")
    assert r.code == 0 and r.out == text


def test_explicit_lines_carry_sha256(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path
) -> None:
    r = cli("lock", "-p", str(source_env), "--format", "explicit", "-o", "-")
    urls = [line for line in r.out.splitlines() if line.startswith("file://")]
    shas = {rec[0]: rec[4] for rec in records(source_env)}
    assert len(urls) == 8
    for line in urls:
        url, _, digest = line.partition("#")
        name = url.rsplit("/", 1)[1].rsplit("-", 2)[0]
        assert digest == shas[name]
    names = [u.rsplit("/", 1)[1].rsplit("-", 2)[0] for u in urls]
    assert names.index("alpha") < names.index("beta") < names.index("gamma")  # deps first


# --------------------------------------------------------------------- their own readers


def test_conda_lock_file_read_by_conda_lock(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path
) -> None:
    from conda_lock.lockfile import parse_conda_lock_file

    out = tmp_path / "conda-lock.yml"
    r = cli("lock", "-p", str(source_env), "-o", str(out))
    assert "no download URL recorded for pip packages" in r.err
    parsed = parse_conda_lock_file(out)
    assert parsed.metadata.platforms == [host()]
    digest = parsed.metadata.content_hash[host()]
    assert len(digest) == 64 and int(digest, 16) >= 0
    conda = {p.name: p for p in parsed.package if p.manager == "conda"}
    pip = {p.name: p.version for p in parsed.package if p.manager == "pip"}
    assert pip == {"requests": "2.31.0", "tqdm": "4.66.1"}
    mine = {rec[0]: rec for rec in records(source_env)}
    assert set(conda) == set(mine)
    for name, p in conda.items():
        assert p.hash.sha256 == mine[name][4] and p.hash.md5
        assert p.url.startswith("file://") and p.platform == host()
        assert p.categories == {"main"}
    assert conda["beta"].dependencies == {"alpha": ">=1.0"}


def test_conda_lock_sources_are_relative_to_the_lock(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path
) -> None:
    from conda_lock.lockfile import parse_conda_lock_file

    env = write_env_file(
        tmp_path / "proj" / "environment.yml", ["gamma"], channels=[conda_home.channel_url]
    )
    out = tmp_path / "proj" / "locks" / "conda-lock.yml"
    out.parent.mkdir()
    assert cli("lock", "-f", str(env), "-o", str(out)).code == 0
    assert parse_conda_lock_file(out).metadata.sources == ["../environment.yml"]


@pytest.mark.parametrize(("fmt", "version"), [("pixi", 6), ("pixi-v7", 7)])
def test_pixi_lock_read_by_rattler(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path, fmt: str, version: int
) -> None:
    from rattler import LockFile

    out = tmp_path / "pixi.lock"
    assert cli("lock", "-p", str(source_env), "--format", fmt, "-o", str(out)).code == 0
    assert out.read_text().startswith(f"version: {version}\n")
    env = LockFile.from_path(out).default_environment()
    assert env is not None
    platform = next(p for p in env.platforms() if p.name == host())
    conda = env.conda_repodata_records_for_platform(platform) or []
    got = {
        (r.name.normalized, str(r.version), str(r.build), r.sha256.hex() if r.sha256 else "")
        for r in conda
    }
    assert got == {(n, v, b, s) for n, v, b, _, s in records(source_env)}
    pypi = env.pypi_packages_for_platform(platform) or []
    assert {(p.name, str(p.version)) for p in pypi} == {("requests", "2.31.0"), ("tqdm", "4.66.1")}


# ------------------------------------------------------------------------------- from files


@pytest.fixture
def two_platform_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from channelkit import Package, build_channel, standard_packages

    extra = [
        Package("epsilon", "1.1", "h2_0", subdir="osx-arm64", depends=("alpha >=2",)),
        # a CUDA-like variant: the cuda build wins where __cuda is, the cpu build elsewhere
        Package("torchy", "2.1", "cuda12_1", depends=("__cuda >=12",), build_number=1),
        Package("torchy", "2.1", "cpu_0"),
    ]
    return build_channel(tmp_path_factory.mktemp("two"), [*standard_packages(), *extra])


def test_lock_a_file_for_two_platforms(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path, two_platform_channel: Path
) -> None:
    env = write_env_file(
        tmp_path / "environment.yml",
        ["gamma", "epsilon", "python"],
        channels=[two_platform_channel.as_uri(), "nodefaults"],
        pip=["requests==2.31.0", "rich>=13"],
    )
    out = tmp_path / "conda-lock.yml"
    platforms = f"{host()},osx-arm64" if host() != "osx-arm64" else "osx-arm64,linux-64"
    r = cli("lock", "-f", str(env), "--platform", platforms, "-o", str(out))
    assert r.code == 0, r.err
    assert "not locked: rich>=13" in r.err
    from conda_lock.lockfile import parse_conda_lock_file

    parsed = parse_conda_lock_file(out)
    assert sorted(parsed.metadata.platforms) == sorted(platforms.split(","))
    by_platform: dict[str, set[str]] = {}
    for p in parsed.package:
        by_platform.setdefault(p.platform, set()).add(f"{p.name}={p.version}")
    assert "epsilon=1.1" in by_platform["osx-arm64"]
    assert "requests=2.31.0" in by_platform[host()]
    # fresh until the file changes; the check does not solve
    assert cli("lock", "-f", str(env), "-o", str(out), "--check").code == 0
    env.write_text(env.read_text().replace("  - python\n", "  - python\n  - delta\n"))
    r = cli("lock", "-f", str(env), "-o", str(out), "--check")
    assert r.code == 1 and "stale" in r.err
    # the one platform of a lock that this machine is not refused, naming what it has
    other = tmp_path / "other.txt"
    assert (
        cli(
            "lock",
            "-f",
            str(env),
            "--platform",
            "osx-arm64" if host() != "osx-arm64" else "linux-64",
            "--format",
            "explicit",
            "-o",
            str(other),
        ).code
        == 0
    )
    r = cli("create", "-f", str(other), "-p", str(tmp_path / "nope"))
    assert r.code == 2 and "does not cover this platform" in r.err and "(it has: " in r.err
    assert not (tmp_path / "nope").exists()


def test_other_platforms_from_an_env_are_issue_9(cli: Callable[..., Run], source_env: Path) -> None:
    r = cli("lock", "-p", str(source_env), "--platform", "win-64")
    assert r.code == 2 and "issue 9" in r.err and r.err.count("\n") == 1


def test_check_an_env_lock(cli: Callable[..., Run], source_env: Path, tmp_path: Path) -> None:
    for fmt in FORMATS:
        out = tmp_path / f"lock-{fmt}"
        assert cli("lock", "-p", str(source_env), "--format", fmt, "-o", str(out)).code == 0
        r = cli("lock", "-p", str(source_env), "--format", fmt, "-o", str(out), "--check")
        assert r.code == 0, (fmt, r.out, r.err)
    meta = next((source_env / "conda-meta").glob("delta-*.json"))
    meta.unlink()  # the env changed: every lock of it is stale
    for fmt in FORMATS:
        out = tmp_path / f"lock-{fmt}"
        before = out.read_bytes()
        r = cli("lock", "-p", str(source_env), "--format", fmt, "-o", str(out), "--check")
        assert r.code == 1 and "- delta=3.2.1=h4616a5c_0" in r.out, (fmt, r.out)
        assert out.read_bytes() == before  # --check writes nothing
    r = cli("lock", "-p", str(source_env), "-o", str(tmp_path / "missing.yml"), "--check")
    assert r.code == 1


# -------------------------------------------------------------------------- hash checking


def _lock_from_copied_channel(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path
) -> tuple[Path, Path]:
    channel = shutil.copytree(conda_home.channel, tmp_path / "chan")
    env = write_env_file(
        tmp_path / "environment.yml", ["gamma", "python"], channels=[channel.as_uri(), "nodefaults"]
    )
    out = tmp_path / "conda-lock.yml"
    assert cli("lock", "-f", str(env), "-o", str(out)).code == 0
    return channel, out


def test_a_swapped_archive_in_the_channel_fails_cleanly(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path
) -> None:
    channel, out = _lock_from_copied_channel(cli, conda_home, tmp_path)
    noarch = channel / "noarch"
    shutil.copy(noarch / "alpha-1.0-h4616a5c_0.tar.bz2", noarch / "alpha-2.0-h4616a5c_0.tar.bz2")
    target = tmp_path / "new"
    r = cli("create", "-f", str(out), "-p", str(target))
    assert r.code == 2, r.err
    assert "sha256 mismatch for alpha=2.0=h4616a5c_0" in r.err and r.err.count("\n") == 1
    assert not target.exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging left


def test_a_corrupt_archive_in_the_package_cache_fails_cleanly(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path
) -> None:
    _, out = _lock_from_copied_channel(cli, conda_home, tmp_path)
    conda_home.pkgs.mkdir(parents=True, exist_ok=True)
    cached = conda_home.pkgs / "beta-1.5-h4616a5c_0.tar.bz2"
    cached.write_bytes(b"not a package")
    try:
        r = cli("create", "-f", str(out), "-n", "fromlock")
    finally:
        cached.unlink()
    assert r.code == 2 and "beta=1.5=h4616a5c_0" in r.err and "package cache" in r.err
    assert not (conda_home.envs / "fromlock").exists()


def test_explicit_without_hashes_installs_and_says_so(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path
) -> None:
    url = conda_home.channel_url
    text = f"@EXPLICIT\n{url}/noarch/alpha-2.0-h4616a5c_0.tar.bz2\n"
    (tmp_path / "e.txt").write_text(text)
    r = cli("create", "-f", str(tmp_path / "e.txt"), "-p", str(tmp_path / "e"))
    assert r.code == 0, r.err
    assert "no hash to verify for 1 package: alpha=2.0=h4616a5c_0" in r.err


# ----------------------------------------------------------------- every command, every format


def test_diff_and_check_read_every_format(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path
) -> None:
    outs = []
    for fmt in FORMATS:
        out = _out(tmp_path / fmt, fmt)
        out.parent.mkdir(parents=True)
        assert cli("lock", "-p", str(source_env), "--format", fmt, "-o", str(out)).code == 0
        outs.append(out)
    r = cli("check", *map(str, outs))
    assert r.code == 0, r.out + r.err
    # conda-lock vs pixi: same pins, same pip
    r = cli("diff", str(outs[0]), str(outs[1]), "--exit-code")
    assert r.code == 0, r.out
    # vs explicit: only the pip section differs
    r = cli("diff", str(outs[0]), str(outs[3]), "--format", "json")
    changes = json.loads(r.out)["changes"]
    assert {c["section"] for c in changes} == {"pip"}
    broken = tmp_path / "broken.lock"
    broken.write_text("version: 1\nmetadata: {}\npackage:\n  - name: x\n")
    r = cli("check", str(broken))
    assert r.code == 1 and "E001" in r.out


def test_pixi_environment_option(cli: Callable[..., Run], source_env: Path, tmp_path: Path) -> None:
    out = tmp_path / "pixi.lock"
    assert cli("lock", "-p", str(source_env), "--format", "pixi", "-o", str(out)).code == 0
    text = out.read_text().replace("environments:\n  default:", "environments:\n  test:")
    out.write_text(text)
    r = cli("create", "-f", str(out), "-p", str(tmp_path / "x"))
    assert r.code == 2 and "no pixi environment 'default' (it has: test)" in r.err
    r = cli("create", "-f", str(out), "-p", str(tmp_path / "x"), "--environment", "test")
    assert r.code == 0, r.err
    assert records(tmp_path / "x") == records(source_env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "exactly one source"),
        (("-n", "a", "-f", "x.yml"), "exactly one source"),
    ],
)
def test_usage_errors(
    cli: Callable[..., Run], conda_home: CondaHome, args: tuple[str, ...], message: str
) -> None:
    r = cli("lock", *args)
    assert r.code == 2 and message in r.err and r.err.count("\n") == 1


def test_a_lock_is_not_locked_again(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path
) -> None:
    out = tmp_path / "conda-lock.yml"
    assert cli("lock", "-p", str(source_env), "-o", str(out)).code == 0
    r = cli("lock", "-f", str(out))
    assert r.code == 2 and "already a lock file" in r.err


# ------------------------------------------------------------------------------ a real conda


@pytest.mark.conda
def test_a_real_conda_installs_the_explicit_file(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path, conda_exe: str
) -> None:
    """conda 26.7 (``ENVTOOL_TEST_CONDA``, else ``conda`` on PATH; ../shared/realconda builds
    one) installs envtool's explicit file offline, record for record."""
    import os
    import subprocess

    exe = conda_exe
    out = tmp_path / "env.explicit.txt"
    assert cli("lock", "-p", str(source_env), "--format", "explicit", "-o", str(out)).code == 0
    condarc = tmp_path / "condarc"
    condarc.write_text("channels: []\noffline: true\n")
    target = tmp_path / "by-conda"
    env = {**os.environ, "CONDARC": str(condarc), "CONDA_PKGS_DIRS": str(tmp_path / "pkgs")}
    proc = subprocess.run(
        [exe, "create", "--file", str(out), "-p", str(target), "--offline", "--yes"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert records(target) == records(source_env)


# ----------------------------------------------------------------- a channel served over HTTP


@pytest.fixture
def http_channel(conda_home: CondaHome, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A copy of the standard channel served by a real HTTP server on localhost."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    root = shutil.copytree(conda_home.channel, tmp_path / "served")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_remote_archives_are_downloaded_and_checked_before_linking(
    cli: Callable[..., Run], http_channel: tuple[Path, str], tmp_path: Path
) -> None:
    root, url = http_channel
    env = write_env_file(tmp_path / "environment.yml", ["gamma"], channels=[url, "nodefaults"])
    out = tmp_path / "conda-lock.yml"
    assert cli("lock", "-f", str(env), "-o", str(out)).code == 0, out
    assert f"url: {url}/noarch/gamma-0.3-h4616a5c_0.tar.bz2" in out.read_text()
    target = tmp_path / "new"
    r = cli("create", "-f", str(out), "-p", str(target))
    assert r.code == 0, r.err
    meta = json.loads(next((target / "conda-meta").glob("gamma-*.json")).read_text())
    assert meta["url"] == f"{url}/noarch/gamma-0.3-h4616a5c_0.tar.bz2"  # not the temp copy
    noarch = root / "noarch"
    shutil.copy(noarch / "alpha-1.0-h4616a5c_0.tar.bz2", noarch / "alpha-2.0-h4616a5c_0.tar.bz2")
    r = cli("create", "-f", str(out), "-p", str(tmp_path / "bad"))
    assert r.code == 2 and "the downloaded archive" in r.err and "alpha=2.0" in r.err
    assert not (tmp_path / "bad").exists()


def test_pip_packages_keep_the_url_pip_recorded(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path
) -> None:
    """PEP 610: a wheel installed from a URL has ``direct_url.json``; the lock keeps it."""
    from conda_lock.lockfile import parse_conda_lock_file

    wheel = "https://files.example.org/tqdm-4.66.1-py3-none-any.whl"
    (
        next(source_env.glob("lib/python*/site-packages/tqdm-4.66.1.dist-info")) / "direct_url.json"
    ).write_text(json.dumps({"url": wheel, "archive_info": {"hash": "sha256=" + "ab" * 32}}))
    out = tmp_path / "conda-lock.yml"
    r = cli("lock", "-p", str(source_env), "-o", str(out))
    assert "requests==2.31.0" in r.err and "tqdm" not in r.err  # only requests has no URL
    pip = {p.name: p for p in parse_conda_lock_file(out).package if p.manager == "pip"}
    assert pip["tqdm"].url == wheel and pip["tqdm"].hash.sha256 == "ab" * 32
    assert pip["requests"].url == "https://pypi.org/simple/requests/"


def test_cuda_variants_follow_cuda(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path, two_platform_channel: Path
) -> None:
    env = write_env_file(
        tmp_path / "environment.yml", ["torchy"], channels=[two_platform_channel.as_uri()]
    )
    builds = {}
    for cuda in ("12.4", "none"):
        out = tmp_path / f"lock-{cuda}.txt"
        r = cli("lock", "-f", str(env), "--cuda", cuda, "--format", "explicit", "-o", str(out))
        assert r.code == 0, r.err
        builds[cuda] = next(line for line in out.read_text().splitlines() if "torchy" in line)
    assert "torchy-2.1-cuda12_1" in builds["12.4"] and "torchy-2.1-cpu_0" in builds["none"]
    other = "osx-arm64" if host() != "osx-arm64" else "linux-64"
    out = tmp_path / "conda-lock.yml"
    assert (
        cli("lock", "-f", str(env), "--platform", other, "--cuda", "12.4", "-o", str(out)).code == 0
    )
    assert "torchy-2.1-cuda12_1" in out.read_text()
    assert cli("lock", "-f", str(env), "--cuda", "12.4", "-o", str(out), "--check").code == 0
    assert cli("lock", "-f", str(env), "--cuda", "11.8", "-o", str(out), "--check").code == 1
    r = cli("lock", "-p", str(tmp_path), "--cuda", "12.4")
    assert r.code == 2 and "--cuda applies to a solve" in r.err


def test_doctests() -> None:
    import doctest

    from envtool.locks import build

    assert doctest.testmod(build).failed == 0


def test_credentials_never_reach_a_lock(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path
) -> None:
    meta = next((source_env / "conda-meta").glob("delta-*.json"))
    data = json.loads(meta.read_text())
    data["url"] = "https://conda.anaconda.org/t/ab-123456/private/noarch/" + data["fn"]
    meta.write_text(json.dumps(data))
    out = tmp_path / "conda-lock.yml"
    r = cli("lock", "-p", str(source_env), "-o", str(out))
    assert r.code == 0 and "credentials (tokens, user:password@) removed" in r.err
    text = out.read_text()
    assert "ab-123456" not in text and "/t/" not in text
    assert "url: https://conda.anaconda.org/private/noarch/delta-3.2.1-h4616a5c_0" in text


def _as_v4_or_v5(v6: str, version: int) -> str:
    """A pixi.lock v6 rewritten in the v4/v5 layout (``kind: conda`` with name, version,
    build, subdir and url spelled out in every package entry)."""
    import yaml

    document = yaml.safe_load(v6)
    document["version"] = version
    packages = []
    for entry in document["packages"]:
        if "conda" in entry:
            url = entry.pop("conda")
            stem = url.rsplit("/", 1)[1].removesuffix(".tar.bz2").removesuffix(".conda")
            name, ver, build = stem.rsplit("-", 2)
            head = {"kind": "conda", "name": name, "version": ver, "build": build}
            packages.append({**head, "subdir": entry.pop("subdir"), "url": url, **entry})
        else:
            url = entry.pop("pypi")
            packages.append({"kind": "pypi", **entry, "url": url})
    document["packages"] = packages
    return str(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.parametrize("version", [4, 5])
def test_older_pixi_locks_install(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path, version: int
) -> None:
    v6 = tmp_path / "v6.lock"
    assert cli("lock", "-p", str(source_env), "--format", "pixi", "-o", str(v6)).code == 0
    old = tmp_path / "pixi.lock"
    old.write_text(_as_v4_or_v5(v6.read_text(), version))
    r = cli("create", "-f", str(old), "-p", str(tmp_path / "new"))
    assert r.code == 0, r.err
    assert records(tmp_path / "new") == records(source_env)
    assert cli("diff", str(old), str(v6), "--exit-code").code == 0


def test_lock_a_named_env_and_a_lock_needs_a_target(
    cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    make_env(["beta"], name="named")
    r = cli("lock", "-n", "named", "--format", "explicit", "-o", "-")
    assert r.code == 0 and "/noarch/beta-1.5-h4616a5c_0.tar.bz2#" in r.out
    (tmp_path / "beta.txt").write_text(r.out)
    r = cli("create", "-f", str(tmp_path / "beta.txt"))
    assert r.code == 2 and "give the new environment -n NAME or -p PREFIX" in r.err
    r = cli("create", "-f", str(tmp_path / "beta.txt"), "-n", "again", "--dry-run")
    assert r.code == 0 and "# would create" in r.out and "beta" in r.out


def test_rename_and_prune_refuse_lock_files(
    cli: Callable[..., Run], conda_home: CondaHome, tmp_path: Path
) -> None:
    lock = tmp_path / "e.txt"
    lock.write_text(f"@EXPLICIT\n{conda_home.channel_url}/noarch/alpha-2.0-h4616a5c_0.tar.bz2\n")
    for args in (("rename", str(lock), "new"), ("prune", str(lock), "--no-builds")):
        r = cli(*args)
        assert r.code == 2 and "is a explicit file" not in r.err
        assert f"{lock} is an explicit file: {args[0]} edits environment files" in r.err


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("name: x\ndependencies:\n  - python\n", None),
        ("# platform: linux-64\n\n@EXPLICIT\nhttps://h/c/noarch/a-1-0.conda\n", "explicit"),
        ("Some prose\n\n@EXPLICIT\n", None),  # only a file that opens with the marker
        ("version: 1\nmetadata: {}\npackage: []\n", "conda-lock"),
        ("version: 6\nenvironments: {}\npackages: []\n", "pixi"),
        ("name: x\nversion: 1\ndependencies: []\n", None),
    ],
)
def test_sniff(text: str, kind: str | None) -> None:
    from envtool.locks import sniff

    assert sniff(text) == kind


def test_check_solve_reads_a_lock_as_its_pins(
    cli: Callable[..., Run], source_env: Path, tmp_path: Path
) -> None:
    out = tmp_path / "conda-lock.yml"
    assert cli("lock", "-p", str(source_env), "-o", str(out)).code == 0
    r = cli("check", "--solve", host(), str(out))
    assert r.code == 0, r.out + r.err
