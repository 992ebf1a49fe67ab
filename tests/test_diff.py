"""diff: every kind of DESIGN §5 on small inline files and on real pairs, the --fail-on policy,
redaction, and the exit codes of `envtool diff` (DESIGN §6)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, Run, corpus_files, needs_corpus, run_envtool

from envtool.diff.compare import diff
from envtool.diff.model import KINDS, Change, EnvDiff
from envtool.diff.policy import parse_fail_on
from envtool.errors import UsageError
from envtool.files import envfile, fileio

ML_V1 = ROOT / "fixtures" / "ml" / "environment-v1.yml"
ML_V2 = ROOT / "fixtures" / "ml" / "environment-v2.yml"


def env(deps: str = "", *, head: str = "", pip: str | None = None, tail: str = "") -> str:
    """A small environment file: ``deps`` and ``pip`` are one item per line."""
    lines = [head] if head else []
    lines.append("dependencies:")
    lines += [f"  - {d}" for d in deps.split("\n") if d]
    if pip is not None:
        lines.append("  - pip:")
        lines += [f"      - {p}" for p in pip.split("\n") if p]
    if tail:
        lines.append(tail)
    return "\n".join(lines) + "\n"


def d(old: str, new: str, **kwargs: object) -> EnvDiff:
    return diff(envfile.parse(old, "old.yml"), envfile.parse(new, "new.yml"), **kwargs)  # type: ignore[arg-type]


def only(result: EnvDiff) -> Change:
    assert len(result.changes) == 1, result.changes
    return result.changes[0]


def summary(result: EnvDiff) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
    return [(c.section, c.kind, c.name, c.old, c.new, c.size) for c in result.changes]


# ----------------------------------------------------------------------------- package kinds


def test_no_differences_for_equal_specs_spelt_differently() -> None:
    old = env("numpy=1.2\nPython >=3.10\nconda-forge::scipy")
    new = env("numpy 1.2.*\npython>=3.10\nhttps://conda.anaconda.org/conda-forge/::scipy")
    assert d(old, new).empty


def test_added_and_removed_with_lines() -> None:
    result = d(env("numpy=1.26.4\nlibblas=3.9.0"), env("numpy=1.26.4\npytorch-cuda=12.1"))
    assert summary(result) == [
        ("conda", "added", "pytorch-cuda", None, "12.1", None),
        ("conda", "removed", "libblas", "3.9.0", None, None),
    ]
    added, removed = result.changes
    assert (added.old_line, added.new_line, added.new_text) == (None, 3, "pytorch-cuda=12.1")
    assert (removed.old_line, removed.new_line, removed.old_text) == (3, None, "libblas=3.9.0")


@pytest.mark.parametrize(
    ("old", "new", "kind", "size"),
    [
        ("1.26.4", "2.0.0", "upgraded", "major"),
        ("1.11.1", "1.11.4", "upgraded", "patch"),
        ("3.0.12", "1.1.1w", "downgraded", "major"),
        ("1.1.1v", "1.1.1w", "upgraded", "patch"),  # conda order: 1.1.1w > 1.1.1v
        ("2023c", "2023b", "downgraded", None),  # (sizes of letter suffixes: spec.change_size's)
        ("3.6", "3.6.7", "upgraded", "patch"),  # a pin made more precise
        ("1.0rc1", "1.0", "upgraded", None),
        ("1.2", "1.2.0", "spec-changed", None),  # equal in conda, but 1.2.* is not 1.2.0.*
    ],
)
def test_conda_versions_compare_in_conda_order(
    old: str, new: str, kind: str, size: str | None
) -> None:
    change = only(d(env(f"pkg={old}"), env(f"pkg={new}")))
    assert change.kind == kind
    if kind != "spec-changed":
        assert (change.old, change.new) == (old, new)
    if size:
        assert change.size == size


@pytest.mark.parametrize(
    ("old", "new", "kind", "size"),
    [
        ("2.1.0", "2.1.2", "upgraded", "patch"),
        ("2.0", "1.9.9", "downgraded", "major"),
        ("1.0", "1.0.post1", "upgraded", None),
        ("2.6.0+cu121", "2.6.0+cu124", "upgraded", "other"),
        ("1.0", "1.0rc1", "downgraded", None),  # PEP 440: a pre-release comes first
    ],
)
def test_pip_versions_compare_in_pep440_order(
    old: str, new: str, kind: str, size: str | None
) -> None:
    change = only(d(env("pip", pip=f"Torch=={old}"), env("pip", pip=f"torch=={new}")))
    assert (change.section, change.kind, change.name) == ("pip", kind, "torch")
    assert (change.old, change.new) == (old, new)
    assert change.size == size or size is None


def test_rebuilt_and_ignore_builds() -> None:
    old = env("python=3.11.7=hab00c5b_0_cpython")
    new = env("python=3.11.7=hab00c5b_1_cpython")
    change = only(d(old, new))
    assert (change.kind, change.old, change.new) == (
        "rebuilt",
        "3.11.7 hab00c5b_0_cpython",
        "3.11.7 hab00c5b_1_cpython",
    )
    assert d(old, new, ignore_builds=True).empty


def test_a_no_builds_export_is_a_build_only_change() -> None:
    """`numpy=1.19.2=py38_0` → `numpy=1.19.2`: exact became fuzzy only because the build went."""
    old, new = env("numpy=1.19.2=py38h54aff64_0"), env("numpy=1.19.2")
    change = only(d(old, new))
    assert (change.kind, change.note) == ("spec-changed", "build pin removed")
    assert d(old, new, ignore_builds=True).empty


def test_a_version_change_does_not_also_report_the_build() -> None:
    change = only(d(env("numpy=1.26.2=py311h64a7726_0"), env("numpy=2.0.0=py311h1461c94_0")))
    assert (change.kind, change.size) == ("upgraded", "major")


def test_variant_change_is_noted_and_risky() -> None:
    old = env("pytorch=2.1.1=py3.11_cuda12.1_cudnn8.9.2_0\ntorchvision=0.16=*cpu*")
    new = env("pytorch=2.1.1=py3.11_cpu_0\ntorchvision=0.16=*cuda*")
    by_name = {c.name: c for c in d(old, new).changes}
    assert by_name["pytorch"].kind == "rebuilt"
    assert by_name["pytorch"].note == "variant cuda -> cpu"
    assert by_name["pytorch"].risks == ("variant change",)
    assert by_name["torchvision"].kind == "spec-changed"
    assert by_name["torchvision"].note == "variant cpu -> cuda"
    dropped = only(d(env("pytorch=2.1.1=py3.11_cuda12.1_0"), env("pytorch=2.1.1")))
    assert (dropped.note, dropped.risks) == ("cuda variant no longer pinned", ("variant change",))
    gained = only(d(env("pytorch=2.1.1=py3.11_0"), env("pytorch=2.1.1=py3.11_cuda12.1_0")))
    assert (gained.note, gained.risks) == ("variant cuda added", ())
    upgraded = only(d(env("pytorch=2.1.1=py3.11_cuda12_0"), env("pytorch=2.2.0=py3.11_cpu_0")))
    assert (upgraded.kind, upgraded.note, upgraded.risks) == (
        "upgraded",
        "variant cuda -> cpu",
        ("variant change",),
    )


def test_channel_changed_per_package_and_with_a_version_change() -> None:
    head = "channels: [conda-forge, defaults]"
    result = d(
        env("defaults::scipy=1.11.1\npytorch::pytorch=2.1", head=head),
        env("conda-forge::scipy=1.11.1\nsketchy::pytorch=2.2", head=head),
    )
    assert summary(result) == [
        ("conda", "upgraded", "pytorch", "2.1", "2.2", "minor"),
        ("conda", "channel-changed", "pytorch", "pytorch", "sketchy", None),
        ("conda", "channel-changed", "scipy", "defaults", "conda-forge", None),
    ]
    risks = {(c.name, c.kind): c.risks for c in result.changes}
    assert risks[("pytorch", "channel-changed")] == ("new channel",)  # not used before
    assert risks[("scipy", "channel-changed")] == ()  # conda-forge was in channels:


def test_moved_between_conda_and_pip_matches_pep503_names() -> None:
    result = d(
        env("Flask_SocketIO=5.3.0\npip", pip="requests==2.31.0"),
        env("pip\nrequests=2.32.0", pip="flask-socketio==5.3.6"),
    )
    assert summary(result) == [
        ("conda", "moved", "requests", "2.31.0", "2.32.0", "minor"),
        ("pip", "moved", "flask-socketio", "5.3.0", "5.3.6", "patch"),
    ]
    assert [c.note for c in result.changes] == ["from pip", "from conda"]


def test_moved_knows_that_conda_pytorch_is_pip_torch() -> None:
    change = only(d(env("pip\npytorch=2.0.0", pip=""), env("pip", pip="torch==2.0.1")))
    assert (change.section, change.kind, change.name) == ("pip", "moved", "torch")
    assert (change.old, change.new, change.note) == ("2.0.0", "2.0.1", "from conda (pytorch)")


def test_a_package_in_both_sections_is_compared_per_section() -> None:
    result = d(env("pip=23", pip="pip==23.0"), env("pip=24", pip="pip==23.0"))
    assert summary(result) == [("conda", "upgraded", "pip", "23", "24", "major")]


@pytest.mark.parametrize(
    ("old", "new", "shown", "note"),
    [
        ("numpy>=1.13", "numpy>=1.20", (">=1.13", ">=1.20"), None),
        ("python=3.7", "python>=3.7", ("=3.7", ">=3.7"), None),
        ("geopandas>=0.4.1,<0.6.0", "geopandas=0.6.2", (">=0.4.1,<0.6.0", "=0.6.2"), None),
        ("tk", "tk=8.6", (None, "=8.6"), "pin added"),
        ("tk=8.6", "tk", ("=8.6", None), "pin removed"),
        ("numpy=1.2", "numpy==1.2", ("=1.2", "==1.2"), None),
        ("blas=*=mkl", "blas=*=openblas", ("=*=mkl", "=*=openblas"), "variant mkl -> openblas"),
        ("numpy=1.2=*", "numpy=1.2=py_0", ("=1.2=*", "=1.2=py_0"), "build changed"),
    ],
)
def test_spec_changed_for_specs_that_are_not_comparable_versions(
    old: str, new: str, shown: tuple[str | None, str | None], note: str | None
) -> None:
    change = only(d(env(old), env(new)))
    assert (change.kind, (change.old, change.new), change.note) == ("spec-changed", shown, note)


def test_pip_spec_changes() -> None:
    result = d(
        env("pip", pip="rich>=13\ntorch[cu121]==2.1.0\nfoo @ https://x.example/foo-1.whl"),
        env("pip", pip="rich>=13.7\ntorch==2.1.0\nfoo @ https://x.example/foo-2.whl"),
    )
    assert summary(result) == [
        (
            "pip",
            "spec-changed",
            "foo",
            "@ https://x.example/foo-1.whl",
            "@ https://x.example/foo-2.whl",
            None,
        ),
        ("pip", "spec-changed", "rich", ">=13", ">=13.7", "minor"),  # by lower bound (#11)
        ("pip", "spec-changed", "torch", "[cu121]==2.1.0", "==2.1.0", None),
    ]


# --------------------------------------------------------------------- channels, name, vars


def test_channels_added_removed_reordered_in_priority_order() -> None:
    result = d(
        env("numpy", head="channels: [conda-forge, bioconda, defaults]"),
        env("numpy", head="channels: [pytorch, nvidia, defaults, conda-forge]"),
    )
    assert summary(result) == [
        ("channels", "channel-added", "pytorch", None, "pytorch", None),
        ("channels", "channel-added", "nvidia", None, "nvidia", None),
        ("channels", "channel-removed", "bioconda", "bioconda", None, None),
        (
            "channels",
            "channel-reordered",
            "channels",
            "conda-forge, bioconda, defaults",
            "pytorch, nvidia, defaults, conda-forge",
            None,
        ),
    ]
    assert [c.risks for c in result.changes[:2]] == [("new channel",)] * 2
    assert result.changes[0].new_line == 1  # the channels: key (no per-item lines in the model)


def test_adding_a_channel_in_front_is_not_a_reorder() -> None:
    result = d(
        env("x", head="channels: [conda-forge, defaults]"),
        env("x", head="channels: [pytorch, conda-forge, defaults]"),
    )
    assert [c.kind for c in result.changes] == ["channel-added"]


def test_nodefaults_is_not_a_risky_new_channel() -> None:
    change = only(
        d(
            env("x", head="channels: [conda-forge]"),
            env("x", head="channels: [conda-forge, nodefaults]"),
        )
    )
    assert (change.kind, change.risks) == ("channel-added", ())


def test_name_changed() -> None:
    change = only(d(env("x", head="name: train"), env("x", head="name: '2023'")))
    assert (change.section, change.kind, change.old, change.new) == (
        "name",
        "name-changed",
        "train",
        "2023",
    )
    assert (change.old_line, change.new_line, change.new_text) == (1, 1, "name: 2023")
    assert only(d(env("x"), env("x", head="name: ml"))).old is None


def test_variables_changed_per_variable() -> None:
    result = d(
        env("x", tail="variables:\n  DEBUG: '0'\n  OLD: a\n  API_TOKEN: abc"),
        env("x", tail="variables:\n  DEBUG: yes\n  NEW: b\n  API_TOKEN: xyz"),
    )
    assert [(c.name, c.old, c.new, c.note) for c in result.changes] == [
        ("API_TOKEN", "***", "***", "changed (value hidden)"),
        ("DEBUG", "0", "yes", "changed"),
        ("NEW", None, "b", "added"),
        ("OLD", "a", None, "removed"),
    ]
    assert {c.kind for c in result.changes} == {"variables-changed"}


# -------------------------------------------------------------------------------- pip options


def test_pip_option_lines() -> None:
    result = d(
        env(
            "pip",
            pip="--extra-index-url=https://a.example/simple\n"
            "-e git+https://github.com/o/clip.git@main#egg=clip\n-e .\n-r base.txt",
        ),
        env(
            "pip",
            pip="--extra-index-url https://a.example/simple\n"
            "--extra-index-url https://download.pytorch.org/whl/cu121\n"
            "-e git+https://github.com/o/clip.git@v2#egg=clip\n-r dev.txt\n"
            "--trusted-host evil.example",
        ),
    )
    got = [(c.name, c.old, c.new, c.risks) for c in result.changes]
    assert got == [  # by option, then old and new value
        ("--editable", ".", None, ()),
        (
            "--editable",
            "git+https://github.com/o/clip.git@main#egg=clip",
            "git+https://github.com/o/clip.git@v2#egg=clip",
            (),
        ),
        (
            "--extra-index-url",
            None,
            "https://download.pytorch.org/whl/cu121",
            ("new package index",),
        ),
        ("--requirement", None, "dev.txt", ()),
        ("--requirement", "base.txt", None, ()),
        ("--trusted-host", None, "evil.example", ("new trusted host",)),
    ]
    assert {c.kind for c in result.changes} == {"pip-option-changed"}


def test_index_url_is_single_valued_so_a_change_pairs() -> None:
    change = only(
        d(
            env("pip", pip="-i https://a.example/simple"),
            env("pip", pip="--index-url https://b.example/simple"),
        )
    )
    assert (change.name, change.old, change.new) == (
        "--index-url",
        "https://a.example/simple",
        "https://b.example/simple",
    )
    assert change.risks == ("new package index",)


# ----------------------------------------------------------------- duplicates, ignore, order


def test_duplicate_names_last_wins_with_a_warning() -> None:
    result = d(
        env("numpy=1.0\nnumpy=1.1", pip="requests==2"),
        env("numpy=1.2", pip="Requests==1\nrequests==2"),
    )
    assert summary(result) == [("conda", "upgraded", "numpy", "1.1", "1.2", "minor")]
    assert result.warnings == (
        "old.yml: conda package 'numpy' is listed twice (lines 2 and 3); comparing the last one",
        "new.yml: pip package 'requests' is listed twice (lines 4 and 5); comparing the last one",
    )


def test_ignore_takes_names_and_globs_in_any_spelling() -> None:
    result = d(
        env("libblas=1\nlibcblas=1\nnumpy=1", pip="Typing_Extensions==4.0"),
        env("libblas=2\nlibcblas=2\nnumpy=2", pip="typing-extensions==4.1"),
        ignore=("LIB*", "typing_extensions"),
    )
    assert [c.name for c in result.changes] == ["numpy"]


def test_unparsed_specs_do_not_crash_a_lenient_diff() -> None:
    old = envfile.parse(env("numpy=1.0\n'bad spec ]['"), "old.yml")
    new = envfile.parse(env("numpy=1.0\n'bad spec ][x'"), "new.yml")
    assert [c.kind for c in diff(old, new).changes] == ["added", "removed"]


def test_change_order_does_not_depend_on_file_order() -> None:
    """Sorted by section, kind, then name: shuffling the file's lines changes only line numbers."""
    old, new = fileio.read(str(ML_V1)).text, fileio.read(str(ML_V2)).text
    lines = old.splitlines()
    deps = [i for i, line in enumerate(lines) if line.startswith("  - ") and "=" in line]
    shuffled = [*lines[: deps[0]], *reversed([lines[i] for i in deps]), *lines[deps[-1] + 1 :]]
    first = d(old, new)
    second = d("\n".join(shuffled) + "\n", new)
    assert summary(first) == summary(second)
    sections = [c.section for c in first.changes]
    assert sections == sorted(sections, key=["name", "channels", "conda", "pip", "variables"].index)


def test_self_diff_is_empty() -> None:
    e = envfile.parse_file(fileio.read(str(ML_V2)))
    assert diff(e, e).empty


# ------------------------------------------------------------------------------ the ml fixture


def test_ml_fixture_v1_to_v2() -> None:
    result = diff(
        envfile.parse_file(fileio.read(str(ML_V1))), envfile.parse_file(fileio.read(str(ML_V2)))
    )
    counts = {k: n for k, n in result.kind_counts().items() if n}
    assert counts == {
        "added": 1,
        "upgraded": 14,
        "downgraded": 1,
        "rebuilt": 3,
        "channel-removed": 1,
        "pip-option-changed": 1,
    }
    risky = {(c.name, c.risks) for c in result.risky}
    assert risky == {
        ("openssl", ("downgrade",)),
        ("numpy", ("major upgrade",)),
        ("pip", ("major upgrade",)),
        ("setuptools", ("major upgrade",)),
        ("--extra-index-url", ("new package index",)),
    }  # tzdata 2023c → 2024a and ca-certificates 2023.11.17 → 2024.2.2: calendar, not risky
    assert result.size_counts() == {"major": 5, "minor": 6, "patch": 4, "other": 0}


# ------------------------------------------------------------------------------------- policy


def test_fail_on_words_sizes_and_aliases() -> None:
    result = diff(
        envfile.parse_file(fileio.read(str(ML_V1))), envfile.parse_file(fileio.read(str(ML_V2)))
    )

    def names(words: str) -> list[str]:
        return sorted({c.name for c in parse_fail_on(words).failures(result)})

    assert names("major") == ["ca-certificates", "numpy", "pip", "setuptools", "tzdata"]
    assert names("downgrade") == names("downgraded") == ["openssl"]
    assert names("channel") == names("channel-removed") == ["defaults"]
    assert names("channel-added,moved") == []
    assert names("risky") == ["--extra-index-url", "numpy", "openssl", "pip", "setuptools"]
    assert len(parse_fail_on("any").failures(result)) == len(result.changes)
    assert parse_fail_on(["Major", " channel ", "major"]).words == ("major", "channel")


@pytest.mark.parametrize("words", ["majr", "major,,bogus", "", " , "])
def test_fail_on_rejects_unknown_words_listing_valid_ones(words: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_fail_on(words)
    message = str(err.value)
    assert "\n" not in message
    for word in (*KINDS, "major", "minor", "patch", "other", "any", "channel", "downgrade"):
        assert word in message


# ----------------------------------------------------------------------- the command: exits


@pytest.fixture
def ml_files(tmp_path: Path) -> tuple[str, str]:
    old, new = tmp_path / "v1.yml", tmp_path / "v2.yml"
    shutil.copy(ML_V1, old)
    shutil.copy(ML_V2, new)
    return str(old), str(new)


def test_exit_codes(cli, ml_files: tuple[str, str]) -> None:
    old, new = ml_files
    assert cli("diff", old, old).code == 0
    assert cli("diff", old, old, "--exit-code", "--fail-on", "any").code == 0
    assert cli("diff", old, new).code == 0
    assert cli("diff", old, new, "--exit-code").code == 1
    assert cli("diff", old, new, "--fail-on", "channel-added,moved").code == 0
    failing = cli("diff", old, new, "--fail-on", "major,channel")
    assert failing.code == 1
    assert failing.err == (
        "envtool: --fail-on major,channel: 6 changes matched: defaults (channel-removed), "
        "ca-certificates (major), numpy (major), pip (major), setuptools (major), and 1 more\n"
    )
    assert cli("-q", "diff", old, new, "--fail-on", "major").err == ""
    assert cli("diff", old, new, "--fail-on", "downgraded", "--ignore", "openssl").code == 0
    assert (
        cli("diff", old, new, "--exit-code", "--ignore-builds", "--ignore", "*").code == 1
    )  # channels


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fail-on", "majr"), "envtool: error: --fail-on: unknown word 'majr'; valid words: "),
        (("--format", "yaml"), "envtool: error: Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(
    cli, ml_files: tuple[str, str], args: tuple[str, ...], message: str
) -> None:
    result = cli("diff", *ml_files, *args)
    assert result.code == 2
    assert result.err.startswith(message)
    assert result.out == ""


def test_input_errors_are_one_line_naming_file_and_line(
    cli, tmp_path: Path, ml_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not in a git work tree
    bad = tmp_path / "bad.yml"
    bad.write_text("dependencies:\n  - numpy\n  - 'numpy >=>= 1'\n")
    cases = {
        (str(bad), ml_files[1]): f"envtool: error: {bad}:3: invalid conda spec ",
        (
            str(tmp_path / "missing.yml"),
            ml_files[1],
        ): f"envtool: error: {tmp_path / 'missing.yml'}: no such file\n",
        ("-", "-"): "envtool: error: only one of OLD and NEW can be '-' (standard input)\n",
        ("env:", ml_files[1]): "envtool: error: env:: name an environment name after the colon",
        ("prefix:", ml_files[1]): "envtool: error: prefix:: name a path after the colon",
        (r"C:\envs\ml.yml", ml_files[1]): "envtool: error: C:\\envs\\ml.yml: no such file\n",
        (
            "HEAD~1:environment.yml",
            ml_files[1],
        ): "envtool: error: HEAD~1:environment.yml: not inside a git work tree",
        ("--base", "HEAD"): f"envtool: error: {tmp_path}: not inside a git work tree",
    }
    for args, message in cases.items():
        result = cli("diff", *args)
        assert result.code == 2, args
        assert result.err.startswith(message), result.err
        assert result.err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give OLD and NEW, or --base REV"),
        (("a.yml",), "give OLD and NEW, or --base REV"),
        (("a.yml", "b.yml", "--base", "HEAD"), "--base REV compares every changed"),
        (("a.yml", "--base", "HEAD"), "--base REV compares every changed"),
    ],
)
def test_old_and_new_or_base(cli, args: tuple[str, ...], message: str) -> None:
    result = cli("diff", *args)
    assert result.code == 2
    assert result.err.startswith(f"envtool: error: {message}")
    assert result.err.count("\n") == 1


def test_an_existing_path_with_a_colon_wins_over_rev_parsing(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("HEAD:env.yml").write_text(env("numpy=1"))
    Path("env.yml").write_text(env("numpy=2"))
    result = cli("diff", "HEAD:env.yml", "env.yml", "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["old"] == {"source": "HEAD:env.yml"}


def test_stdin_and_a_real_process(tmp_path: Path) -> None:
    new = tmp_path / "new.yml"
    new.write_text(env("numpy=2.0.0"))
    result = run_envtool("diff", "-", str(new), "--fail-on", "major", input=env("numpy=1.26.4"))
    assert result.code == 1, result.err
    assert result.out == (
        f"<stdin> → {new}\n"
        "1 change, 1 risky (marked !)\n"
        "conda     1 upgraded (1 major)\n"
        "! ↑ numpy  1.26.4 → 2.0.0  major\n"
    )


def test_colour_only_when_asked_and_never_with_no_color(
    cli, ml_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" not in cli("diff", *ml_files).out  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli("diff", *ml_files).out
    assert "\x1b[" not in cli("diff", *ml_files, "--format", "markdown").out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("diff", *ml_files).out


def test_a_stdout_that_cannot_take_unicode_gets_ascii(ml_files: tuple[str, str]) -> None:
    result = run_envtool("diff", *ml_files, env={"PYTHONIOENCODING": "cp1252"})
    assert result.code == 0
    assert result.out.isascii()
    assert "! v openssl          3.2.0      -> 3.0.13    minor  downgrade\n" in result.out


# -------------------------------------------------------------------------------- the corpus


def _pairs() -> list[tuple[str, str]]:
    """(old, new) file names of the corpus's pair-old/pair-new rows, by repository and path."""
    table = CORPUS / "SOURCES.tsv"
    if not table.is_file():
        return []
    sides: dict[tuple[str, str], dict[str, str]] = {}
    with table.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["kind"] in ("pair-old", "pair-new"):
                sides.setdefault((row["repo"], row["path"]), {})[row["kind"]] = row["file"]
    return sorted((s["pair-old"], s["pair-new"]) for s in sides.values() if len(s) == 2)


BROKEN = {"land-cover__tensorflow-baseline-environment.yml"}  # merge-conflict markers
FLIP = {
    "upgraded": "downgraded",
    "downgraded": "upgraded",
    "added": "removed",
    "removed": "added",
    "channel-added": "channel-removed",
    "channel-removed": "channel-added",
}


def _key(c: Change) -> tuple[str, str, str | None, str | None]:
    return (c.kind, "" if c.kind == "moved" else c.name, c.old, c.new)


def _flipped(c: Change) -> tuple[str, str, str | None, str | None]:
    """The change as the reverse diff reports it."""
    return (FLIP.get(c.kind, c.kind), "" if c.kind == "moved" else c.name, c.new, c.old)


def _load(name: str) -> envfile.EnvFile:
    return envfile.parse_file(fileio.read(str(CORPUS / name)))


@needs_corpus
@pytest.mark.parametrize(("old", "new"), _pairs())
def test_corpus_pairs_diff_both_ways_and_against_themselves(cli, old: str, new: str) -> None:
    a, b = _load(old), _load(new)
    forward, backward = diff(a, b), diff(b, a)
    assert not forward.empty
    assert Counter(_flipped(c) for c in forward.changes) == Counter(
        _key(c) for c in backward.changes
    )
    for name in (old, new):
        assert cli("diff", str(CORPUS / name), str(CORPUS / name), "--exit-code").code == 0
    for fmt in ("text", "markdown", "json"):
        assert cli("diff", str(CORPUS / old), str(CORPUS / new), "--format", fmt).code == 0


@needs_corpus
def test_corpus_pairs_cover_the_package_kinds() -> None:
    seen = Counter(c.kind for old, new in _pairs() for c in diff(_load(old), _load(new)).changes)
    for kind in (
        "added",
        "removed",
        "upgraded",
        "downgraded",
        "moved",
        "spec-changed",
        "channel-added",
    ):
        assert seen[kind], kind


@needs_corpus
@pytest.mark.parametrize(
    ("old", "new", "kinds"),
    [
        # the same project's Linux and Windows exports: builds, name and channels differ
        (
            "iflow__environment-linux.yml",
            "iflow__environment-windows.yml",
            {"rebuilt", "name-changed", "channel-removed"},
        ),
        # an export and the same env exported with --no-builds
        (
            "ma-data-centric-ai-in-nlp__environment.yml",
            "ma-data-centric-ai-in-nlp__environment-no-builds.yml",
            {"spec-changed", "moved"},
        ),
        # two versions of one project's files: pip options (-e, --extra...), variables
        (
            "stable-diffusion__environment__2ff270f.yml",
            "stable-diffusion__environment-mac__c78ae75.yml",
            {"pip-option-changed", "variables-changed", "channel-removed"},
        ),
    ],
)
def test_related_real_files_show_the_other_kinds(old: str, new: str, kinds: set[str]) -> None:
    assert kinds <= {c.kind for c in diff(_load(old), _load(new)).changes}


@needs_corpus
def test_every_corpus_file_diffs_against_its_pair_and_itself(cli) -> None:
    """Every valid file, against itself (no changes, exit 0 with --exit-code) and its pair."""
    valid = [p for p in corpus_files() if p.name not in BROKEN]
    pairs = {frozenset(p) for p in _pairs()}
    for path in valid:
        e = envfile.parse_file(fileio.read(str(path)))
        assert diff(e, e).empty, path.name
    for a, b in combinations(valid, 2):
        if frozenset((a.name, b.name)) in pairs:
            result: Run = cli("diff", str(a), str(b), "--exit-code")
            assert result.code == 1, result.err


def test_docstring_examples() -> None:
    import doctest

    from envtool.diff import compare
    from envtool.diff import model as diff_module

    assert doctest.testmod(diff_module).failed == 0
    assert doctest.testmod(compare).failed == 0


def test_sorted_files_merge_as_the_index_compares() -> None:
    """diff pairs conda packages in a merge by name (in the file's order when sorted, else
    in a sorted order of positions): the same changes and warnings, in the same order, as
    through a name index of each file."""
    import random

    import fuzzkit

    rng = random.Random(11)
    for case in range(60):
        names = sorted({f"p{rng.randrange(300):03d}" for _ in range(rng.randrange(1, 120))})
        lines = []
        for name in names:
            for _ in range(1 + (case % 2 and rng.random() < 0.05)):  # now and then twice
                lines.append(
                    f"{name.upper() if rng.random() < 0.1 else name}="
                    f"{rng.randrange(3)}.{rng.randrange(3)}=h{rng.randrange(2)}_0"
                )
        texts = []
        for _ in range(2):
            kept = [x for x in lines if rng.random() < 0.8]
            if case % 5 == 0:
                rng.shuffle(kept)  # not sorted by name
            pip = "\n".join(f"{n}=={rng.randrange(3)}" for n in names[:3])
            texts.append(env("\n".join(kept), pip=pip))
        a, b = (envfile.parse(t, f"{i}.yml") for i, t in enumerate(texts))
        for ignore in ((), ("p0*",)):
            assert diff(a, b, ignore=ignore) == fuzzkit.diff_by_index(a, b, ignore=ignore)
