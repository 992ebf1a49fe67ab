"""The lean env → env linker (:mod:`envtool.envs.link`) against py-rattler's own install."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from channelkit import Package, build_channel, python_package
from conftest import CondaHome, Run

PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
LONG_PLACEHOLDER = "/home/build/_h_env_" + "placehold_" * 23  # 249 characters, as conda-build's


def link_packages() -> list[Package]:
    """Packages with every kind of file a clone links: text and binary prefix placeholders,
    symlinks, a noarch python package with an entry point, plain files."""
    binary = b"\x7fELF\x00\x01" + LONG_PLACEHOLDER.encode() + b"/lib:" + LONG_PLACEHOLDER.encode()
    binary += b"/lib64\x00tail\x00" + LONG_PLACEHOLDER.encode() + b"\x00\x02end"
    return [
        python_package(),
        Package("pip", "24.0", depends=("python >=3.8",)),
        Package(
            "textph",
            "1.0",
            files={
                "bin/textph-config": f"#!{PLACEHOLDER}/bin/python\nprefix={PLACEHOLDER}\n".encode(),
                "etc/textph.conf": f"root = {PLACEHOLDER}\nlib = {PLACEHOLDER}/lib\n".encode(),
                "share/textph/plain.txt": b"no prefix here\n",
            },
            placeholders={
                "bin/textph-config": {"prefix_placeholder": PLACEHOLDER, "file_mode": "text"},
                "etc/textph.conf": {"prefix_placeholder": PLACEHOLDER, "file_mode": "text"},
            },
        ),
        Package(
            "binph",
            "2.0",
            files={"lib/libbinph.so": binary, "share/binph/data.bin": b"\x00\x01\x02"},
            placeholders={
                "lib/libbinph.so": {"prefix_placeholder": LONG_PLACEHOLDER, "file_mode": "binary"}
            },
        ),
        Package(
            "linky",
            "0.1",
            files={"lib/liblinky.so.1": b"linky\n"},
            symlinks={"lib/liblinky.so": "liblinky.so.1", "share/linky/up": "../../lib"},
        ),
        Package(
            "nopy",
            "3.0",
            depends=("python",),
            noarch="python",
            files={
                "site-packages/nopy/__init__.py": b"def main():\n    return 0\n",
                "site-packages/nopy-3.0.dist-info/RECORD": b"nopy/__init__.py,,\n",
            },
            entry_points=("nopy = nopy:main",),
        ),
        Package("clobber-a", "1.0", files={"share/same.txt": b"from a\n"}),
        Package("clobber-b", "1.0", files={"share/same.txt": b"from b\n"}),
    ]


@pytest.fixture(scope="module")
def link_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_channel(tmp_path_factory.mktemp("linkchannel"), link_packages())


def snapshot(env: Path) -> dict[str, object]:
    """Everything a clone made, as comparable values: each path's kind, mode and bytes (or
    link target); package records as parsed JSON; the history without its time stamps."""
    out: dict[str, object] = {}
    for root, dirs, files in os.walk(env):
        for name in sorted(dirs + files):
            path = Path(root) / name
            rel = path.relative_to(env).as_posix()
            st = path.lstat()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                out[rel] = ("dir", st.st_mode)
            elif rel == "conda-meta/created_at":
                out[rel] = ("file", st.st_mode)
            elif rel == "conda-meta/history":
                lines = path.read_text().splitlines()
                out[rel] = [line for line in lines if not line.startswith("==>")]
            elif rel.startswith("conda-meta/") and rel.endswith(".json"):
                out[rel] = ("record", st.st_mode, path.read_bytes())
            else:
                out[rel] = ("file", st.st_mode, path.read_bytes())
    return out


def clone_both_ways(
    cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    source: Path,
    target: Path,
) -> tuple[dict[str, object], dict[str, object]]:
    """``envtool clone SOURCE -p TARGET`` by py-rattler alone, then by the lean linker (the same
    target path: files name it): both snapshots."""
    import shutil

    monkeypatch.setenv("ENVTOOL_CLONE_LINK", "engine")
    r = cli("clone", str(source), "-p", str(target))
    assert r.code == 0, r.err
    engine = snapshot(target)
    shutil.rmtree(target)
    monkeypatch.delenv("ENVTOOL_CLONE_LINK")
    r = cli("clone", str(source), "-p", str(target))
    assert r.code == 0, r.err
    return engine, snapshot(target)


def test_lean_clone_is_identical_to_the_engines(
    conda_home: CondaHome,
    link_channel: Path,
    make_env: Callable[..., Path],
    cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONDA_CHANNELS", link_channel.as_uri())
    source = make_env(
        ["python=3.11", "textph>=1.0", "binph 2.0.*", "linky", "nopy"],
        prefix=tmp_path / "src",
        pip=["toyreq==1.2.3"],
        variables={"V": "1"},
    )
    (source / "notes.txt").write_text(f"made in {source}\n")
    (source / "share" / "mine").mkdir()
    (source / "share" / "mine" / "link").symlink_to(source / "notes.txt")
    (source / "share" / "mine" / "deep" / "er").mkdir(parents=True)
    (source / "share" / "mine" / "deep" / "er" / "x.txt").write_text("x\n")
    (source / "share" / "textph" / "extra.txt").write_text("not textph's\n")
    from envtool.envs import link, prefix

    records = prefix.read_records(source, str)
    untracked = link.untracked(source, records)
    assert untracked == sorted(prefix.untracked_files(source, records))
    assert "share/textph/extra.txt" in untracked and "share/mine/link" in untracked
    target = tmp_path / "a-longer-target-name"
    engine, lean = clone_both_ways(cli, monkeypatch, source, target)
    assert sorted(lean) == sorted(engine)
    assert [rel for rel in engine if lean[rel] != engine[rel]] == []
    # the placeholders were rewritten for the target, text and binary
    config = (target / "bin" / "textph-config").read_text()
    assert config == f"#!{target}/bin/python\nprefix={target}\n"
    binary = (target / "lib" / "libbinph.so").read_bytes()
    assert LONG_PLACEHOLDER.encode() not in binary and str(target).encode() in binary
    assert len(binary) == len((source / "lib" / "libbinph.so").read_bytes())
    # plain files are hard links of the package cache's
    cached = conda_home.pkgs / "textph-1.0-h4616a5c_0" / "share" / "textph" / "plain.txt"
    assert os.stat(target / "share" / "textph" / "plain.txt").st_ino == os.stat(cached).st_ino
    assert (target / "lib" / "liblinky.so").resolve() == target / "lib" / "liblinky.so.1"


def test_link_env_links_what_it_can_prove_and_leaves_the_rest(
    conda_home: CondaHome,
    link_channel: Path,
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from envtool.envs import link, prefix

    monkeypatch.setenv("CONDA_CHANNELS", link_channel.as_uri())
    source = make_env(["python=3.11", "textph", "binph", "linky", "nopy"], prefix=tmp_path / "s")
    records = prefix.read_records(source, str)
    stage = tmp_path / "stage"
    stage.mkdir()
    done = link.link_env(records, stage, tmp_path / "t", conda_home.pkgs, {"linky": ["linky"]})
    assert done.left == ("nopy-3.0-h4616a5c_0.json",)  # noarch python: the engine's
    assert sorted(done.linked) == sorted(
        p.name for p in (source / "conda-meta").glob("*.json") if not p.name.startswith("nopy")
    )
    record = json.loads((stage / "conda-meta" / "linky-0.1-h4616a5c_0.json").read_text())
    assert record["requested_specs"] == ["linky"]
    assert (stage / "etc" / "textph.conf").read_text().startswith(f"root = {tmp_path / 't'}\n")
    # a package that is not in this cache is left to the engine
    other = tmp_path / "othercache"
    other.mkdir()
    stage2 = tmp_path / "stage2"
    stage2.mkdir()
    done = link.link_env(records, stage2, tmp_path / "t", other, {})
    assert done.linked == ()


def test_link_env_makes_the_same_files_with_any_number_of_workers(
    conda_home: CondaHome,
    link_channel: Path,
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from envtool.envs import link, prefix

    monkeypatch.setenv("CONDA_CHANNELS", link_channel.as_uri())
    specs = ["python=3.11", "pip", "textph", "binph", "linky", "nopy"]
    source = make_env(specs, prefix=tmp_path / "s")
    records = prefix.read_records(source, str)
    made = []
    for threads in (1, 2, 7):
        stage = tmp_path / f"stage{threads}"
        stage.mkdir()
        done = link.link_env(
            records, stage, tmp_path / "t", conda_home.pkgs, {"linky": ["linky"]}, threads=threads
        )
        made.append((done, snapshot(stage)))
    assert made[0][0].left == ("nopy-3.0-h4616a5c_0.json",)
    assert made[0][0].linked == tuple(r.path.name for r in records if r.package.name != "nopy")
    assert [m == made[0] for m in made] == [True, True, True]
    # a worker's failure is raised to the caller, whatever the number of workers
    for threads in (1, 3):
        stage = tmp_path / f"clobbered{threads}"
        (stage / "share" / "textph").mkdir(parents=True)
        (stage / "share" / "textph" / "plain.txt").write_text("in the way\n")
        with pytest.raises(link.Unprovable, match="in two packages"):
            link.link_env(records, stage, tmp_path / "t", conda_home.pkgs, {}, threads=threads)


def test_a_stage_on_another_filesystem_gets_copies(
    conda_home: CondaHome,
    link_channel: Path,
    make_env: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil
    import tempfile

    from envtool.envs import link, prefix

    other = Path("/dev/shm")
    if not other.is_dir() or os.stat(other).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second filesystem at /dev/shm")
    monkeypatch.setenv("CONDA_CHANNELS", link_channel.as_uri())
    source = make_env(["python=3.11", "textph", "linky"], prefix=tmp_path / "s")
    records = prefix.read_records(source, str)
    near = tmp_path / "near"
    near.mkdir()
    link.link_env(records, near, tmp_path / "t", conda_home.pkgs, {}, threads=1)
    far = Path(tempfile.mkdtemp(dir=other))
    try:
        done = link.link_env(records, far, tmp_path / "t", conda_home.pkgs, {}, threads=2)
        assert done.left == ()
        assert snapshot(far) == snapshot(near)  # the same bytes, modes, links and records
        plain = Path("share") / "textph" / "plain.txt"
        assert os.stat(far / plain).st_nlink == 1 and os.stat(near / plain).st_nlink > 1
    finally:
        shutil.rmtree(far)


def test_what_the_lean_linker_cannot_prove_is_refused() -> None:
    from envtool.envs import link

    placeholder = b"/opt/placeholder"
    with pytest.raises(link.Unprovable):  # py-rattler would truncate: never guess
        link._replace_cstrings(b"x" + placeholder + b"\0", placeholder, b"/a/much/longer/prefix")
    with pytest.raises(link.Unprovable):  # py-rattler makes it #!/usr/bin/env python
        link._replace_text(b"#!/opt/placeholder/bin/python\n", placeholder, b"/a b")
    long = b"/" + b"x" * 130
    with pytest.raises(link.Unprovable):
        link._replace_text(b"#!/opt/placeholder/bin/python\n", placeholder, long)
    data = b"a/opt/placeholder/b:/opt/placeholder/c\0d/opt/placeholder\0"
    assert link._replace_cstrings(data, placeholder, b"/new") == (
        b"a/new/b:/new/c" + b"\0" * 25 + b"d/new" + b"\0" * 13
    )
    assert len(data) == 57
    assert link._replace_text(
        b"#!/opt/placeholder/bin/sh\nx=/opt/placeholder\n", placeholder, b"/p"
    ) == (b"#!/p/bin/sh\nx=/p\n")


def test_requested_specs_are_spliced_as_a_whole_dump_would_write_them() -> None:
    from envtool.envs import link

    record = {
        "name": "delta",
        "requested_specs": [],
        "files": ["a/b", "c"],
        "paths_data": {"paths": [{"_path": "c", "path_type": "hardlink"}]},
        "link": {"source": "/pkgs/delta", "type": 1},
    }
    for before, after in (
        ([], ["delta >=3"]),
        (["delta[version='>=3']", "delta"], []),
        (["x ]"], ["delta", "delta <4"]),
    ):
        old = link._dump({**record, "requested_specs": before})
        new = link._dump({**record, "requested_specs": after})
        assert link._with_requested(old, after) == new
    assert link._with_requested(b'{"requested_specs": []}', ["x"]) is None  # not py-rattler's


def test_what_the_linker_cannot_prove_goes_to_the_engine_whole(
    conda_home: CondaHome,
    link_channel: Path,
    make_env: Callable[..., Path],
    cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONDA_CHANNELS", link_channel.as_uri())
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(tmp_path / "pkgs"))  # this test's own cache
    # two packages that write one path: the engine's clobber rules, not the linker's
    source = make_env(["python=3.11", "clobber-a", "clobber-b", "textph"], prefix=tmp_path / "s")
    target = tmp_path / "clone"
    engine, lean = clone_both_ways(cli, monkeypatch, source, target)
    # py-rattler leaves empty __clobbers__/<package>/ dirs or not, as its threads race
    racy = {
        k for k, v in {**engine, **lean}.items() if k.startswith("__clobbers__") and v[0] == "dir"
    }
    assert {k: v for k, v in lean.items() if k not in racy} == {
        k: v for k, v in engine.items() if k not in racy
    }
    assert (target / "share" / "same.txt").is_file()
    # a cache entry that lost a file: the engine says so (as a clone did before the linker),
    # in one line, and nothing is left
    import shutil

    shutil.rmtree(target)
    source = make_env(["python=3.11", "textph"], prefix=tmp_path / "s2")
    (tmp_path / "pkgs" / "textph-1.0-h4616a5c_0" / "share" / "textph" / "plain.txt").unlink()
    r = cli("clone", str(source), "-p", str(target))
    assert r.code == 2
    assert r.err.startswith("envtool: error: ") and "cannot install" in r.err
    assert len(r.err.splitlines()) == 1
    assert not target.exists() and [p.name for p in tmp_path.iterdir() if "envtool" in p.name] == []
