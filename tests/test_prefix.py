"""Reading an installed env from disk: records, pip packages, variables, untracked files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import GOLDEN

from envtool.envs import prefix
from envtool.errors import InputError


def golden_prefix(envs_dir: Path, which: str, *, pip: bool = True) -> Path:
    """``envs_dir/which``: a prefix holding one of conda's golden ``conda-meta`` folders, as
    conda left it; for ``p`` also python's site-packages with a pip-installed ``toyreq``."""
    root = envs_dir / which
    meta = root / "conda-meta"
    meta.mkdir(parents=True)
    for src in sorted((GOLDEN / f"prefix-{which}-conda-meta").iterdir()):
        shutil.copyfile(src, meta / src.name)  # copyfile: writable copies of read-only files
    if which == "p":
        site = root / "lib" / "python3.11" / "site-packages"
        site.mkdir(parents=True)
        (site / "README.txt").write_text("site-packages\n")
        if pip:
            dist = site / "toyreq-1.2.3.dist-info"
            dist.mkdir()
            (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toyreq\nVersion: 1.2.3\n")
            (dist / "RECORD").write_text("toyreq/__init__.py,,\n")
            (dist / "INSTALLER").write_text("pip\n")
            (site / "toyreq").mkdir()
            (site / "toyreq" / "__init__.py").write_text("")
    for d in ("share",):
        (root / d).mkdir(exist_ok=True)
    return root


def _canon(channel: str) -> str:
    return channel.removesuffix("/noarch")


def test_reads_golden_records(tmp_path: Path) -> None:
    records = prefix.read_records(golden_prefix(tmp_path / "envs", "a"), _canon)
    assert [(r.package.name, r.package.version, r.package.build) for r in records] == [
        ("alpha", "2.0", "h4616a5c_0"),
        ("beta", "1.5", "h4616a5c_0"),
        ("delta", "3.2.1", "h4616a5c_0"),
    ]
    beta = records[1].package
    assert beta.channel == "file:///srv/channel"
    assert beta.depends == ("alpha >=1.0",)
    assert beta.url == "file:///srv/channel/noarch/beta-1.5-h4616a5c_0.tar.bz2"
    assert records[1].files == ("share/beta/VERSION",)


def test_pip_packages_are_dist_infos_no_record_owns(tmp_path: Path) -> None:
    root = golden_prefix(tmp_path / "envs", "p")
    site = root / "lib" / "python3.11" / "site-packages"
    # a .dist-info a conda record lists is conda's, not pip's
    owned = site / "owned-1.0.dist-info"
    owned.mkdir()
    (owned / "METADATA").write_text("Name: owned\nVersion: 1.0\n")
    (owned / "RECORD").write_text("")
    rec = root / "conda-meta" / "owned-1.0-0.json"
    rec.write_text(
        json.dumps(
            {
                "name": "owned",
                "version": "1.0",
                "build": "0",
                "files": ["lib/python3.11/site-packages/owned-1.0.dist-info/RECORD"],
            }
        )
    )
    # conda needs a RECORD; egg-info dirs and files count too; names normalize like conda's
    norecord = site / "norecord-1.0.dist-info"
    norecord.mkdir()
    (norecord / "METADATA").write_text("Name: norecord\nVersion: 1.0\n")
    egg = site / "Old_Style.Pkg-0.5.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text(
        "Metadata-Version: 1.0\nName: Old_Style.Pkg\nVersion: 0.5\n\nName: x\n"
    )
    (site / "single-2.0.egg-info").write_text("Name: single\nVersion: 2.0\n")
    records = prefix.read_records(root, _canon)
    assert [(p.name, p.version) for p in prefix.read_pip(root, records)] == [
        ("old-style-pkg", "0.5"),
        ("single", "2.0"),
        ("toyreq", "1.2.3"),
    ]


def test_no_python_no_pip_packages(tmp_path: Path) -> None:
    root = golden_prefix(tmp_path / "envs", "a")
    assert prefix.read_pip(root, prefix.read_records(root, _canon)) == ()
    assert prefix.site_packages_dir(()) is None


def test_records_whose_file_name_does_not_match_are_ignored(tmp_path: Path) -> None:
    root = golden_prefix(tmp_path / "envs", "a")
    shutil.copyfile(
        root / "conda-meta" / "alpha-2.0-h4616a5c_0.json", root / "conda-meta" / "stray.json"
    )
    assert len(prefix.read_records(root, _canon)) == 3


def test_corrupt_record_is_an_input_error(tmp_path: Path) -> None:
    root = golden_prefix(tmp_path / "envs", "a")
    (root / "conda-meta" / "alpha-2.0-h4616a5c_0.json").write_text("{not json")
    with pytest.raises(InputError, match=r"alpha-2\.0-h4616a5c_0\.json: corrupt package record"):
        prefix.read_records(root, _canon)


def test_variables_from_state(tmp_path: Path) -> None:
    root = golden_prefix(tmp_path / "envs", "a")
    assert prefix.read_variables(root) == {}
    (root / "conda-meta" / "state").write_text(
        json.dumps({"env_vars": {"A": "1", "GONE": "***unset***", "B": "x y"}})
    )
    assert prefix.read_variables(root) == {"A": "1", "B": "x y"}
    prefix.write_variables(root, {"C": "3"})
    assert prefix.read_variables(root) == {"C": "3"}
    (root / "conda-meta" / "state").write_text("nope")
    with pytest.raises(InputError, match="corrupt state file"):
        prefix.read_variables(root)


def test_is_env_and_untracked_files(tmp_path: Path) -> None:
    root = golden_prefix(tmp_path / "envs", "p")
    assert prefix.is_env(root)
    assert not prefix.is_env(tmp_path)
    (root / "CACHEDIR.TAG").write_text("rattler's\n")
    (root / "bin").mkdir()
    (root / "bin" / "link").symlink_to("../lib")
    records = prefix.read_records(root, _canon)
    assert sorted(prefix.untracked_files(root, records)) == [
        "bin/link",
        "lib/python3.11/site-packages/toyreq-1.2.3.dist-info/INSTALLER",
        "lib/python3.11/site-packages/toyreq-1.2.3.dist-info/METADATA",
        "lib/python3.11/site-packages/toyreq-1.2.3.dist-info/RECORD",
        "lib/python3.11/site-packages/toyreq/__init__.py",
    ]


# A record's files and paths_data are cut out as bytes in a pretty-printed record, never parsed
# unless asked: every layout must read as a whole parse would.
_PATHS = [
    "lib/python3.11/site-packages/odd]name/__init__.py",  # a bracket inside a string
    'share/q"uote/x',  # an escaped quote
    "share/naïve/é.txt",  # non-ASCII
    "lib/python3.11/site-packages/mine-1.0.dist-info/RECORD",
    "lib/python3.11/site-packages/old.egg-info",
    "lib/python3.11/site-packages/eggy.egg/EGG-INFO/PKG-INFO",
    "bin/tool",
]


def _record(files: list[str], order: str) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "rec",
        "version": "1.0",
        "build": "h0_0",
        "build_number": 3,
        "channel": "file:///srv/channel/noarch",
        "subdir": "noarch",
        "url": "file:///srv/channel/noarch/rec-1.0-h0_0.tar.bz2",
        "depends": ["alpha >=1", 'beta [version=">2"]'],
        "md5": "0" * 32,
    }
    bulky: dict[str, object] = {
        "files": files,
        "paths_data": {
            "paths_version": 1,
            "paths": [{"_path": f, "path_type": "hardlink", "size_in_bytes": 1} for f in files],
        },
    }
    if order == "first":
        return {**bulky, **base}
    if order == "last":
        return {**base, **bulky}
    if order == "files-only":
        return {**base, "files": files}
    return {**dict(list(base.items())[:4]), **bulky, **dict(list(base.items())[4:])}


@pytest.mark.parametrize("order", ["first", "middle", "last", "files-only"])
@pytest.mark.parametrize(
    "dump",
    [
        lambda d: json.dumps(d, indent=2),
        lambda d: json.dumps(d, indent=2, ensure_ascii=False),
        lambda d: json.dumps(d, indent=4, sort_keys=True),
        lambda d: json.dumps(d, indent="\t"),
        lambda d: json.dumps(d, indent=1).replace("\n", "\r\n"),
        lambda d: json.dumps(d),
        lambda d: json.dumps(d, separators=(",", ":")),
    ],
    ids=["indent2", "utf8", "indent4-sorted", "tabs", "crlf", "one-line", "compact"],
)
def test_lean_read_equals_a_whole_parse(tmp_path: Path, order: str, dump: object) -> None:
    for files in (_PATHS, _PATHS[3:], [], ["bin/tool"]):
        meta = tmp_path / order / "conda-meta"
        meta.mkdir(parents=True, exist_ok=True)
        path = meta / "rec-1.0-h0_0.json"
        path.write_text(dump(_record(files, order)), encoding="utf-8")  # type: ignore[operator]
        (record,) = prefix.read_records(meta.parent, _canon)
        assert record.package.build_number == 3
        assert record.package.depends == ("alpha >=1", 'beta [version=">2"]')
        assert record.package.url.endswith("rec-1.0-h0_0.tar.bz2")
        assert record.files == tuple(files)
        assert record.anchor_files() == {
            f for f in files if f.endswith(("/RECORD", ".egg-info", "/PKG-INFO"))
        }


def test_lean_read_of_a_corrupt_files_list_fails_when_asked(tmp_path: Path) -> None:
    root = golden_prefix(tmp_path / "envs", "a")
    path = root / "conda-meta" / "alpha-2.0-h4616a5c_0.json"
    text = path.read_text()
    path.write_text(text.replace('"files": [', '"files": [oops,', 1))
    record = next(r for r in prefix.read_records(root, _canon) if r.package.name == "alpha")
    with pytest.raises(InputError, match="corrupt package record"):
        _ = record.files


def test_the_stamp_of_a_read_is_the_stamp_of_the_folder(tmp_path: Path) -> None:
    """A cache of the records (the native backend's) keeps the stamp the read itself took and
    compares it with a later meta_stamp: equal until a record is added or rewritten."""
    root = golden_prefix(tmp_path / "envs", "a")
    stamp, records = prefix.read_records_stamped(root, _canon)
    assert records == prefix.read_records(root, _canon)
    assert stamp == prefix.meta_stamp(root) != ()
    path = root / "conda-meta" / "alpha-2.0-h4616a5c_0.json"
    path.write_text(path.read_text())
    os.utime(path, ns=(stamp[1] + 10**9, stamp[1] + 10**9))
    assert prefix.meta_stamp(root) != stamp
    assert (
        prefix.meta_stamp(tmp_path / "nowhere")
        == ()
        == prefix.read_records_stamped(tmp_path / "nowhere", _canon)[0]
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_record_in_another_unicode_encoding_is_read(tmp_path: Path, encoding: str) -> None:
    """json reads any of the encodings RFC 8259 allows; the small-record path (UTF-8 decoded
    first) falls back to it."""
    root = golden_prefix(tmp_path / "envs", "a")
    path = root / "conda-meta" / "alpha-2.0-h4616a5c_0.json"
    expected = prefix.read_records(root, _canon)
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    assert prefix.read_records(root, _canon) == expected
