"""prune: every rule, byte-preserving edits, --check/--in-place/--explain, errors, the corpus."""

from __future__ import annotations

import difflib
import doctest
import os
import re
import shlex
from pathlib import Path

import pytest
from conftest import DATA, Run, corpus_files, needs_corpus, run_envtool

from envtool.errors import UsageError
from envtool.files import envfile, fileio, spec_rewrite
from envtool.files.prune import Decision, PruneOptions, PruneResult, apply_edits, prune


def pruned(text: str, **options: object) -> str:
    env = envfile.parse(text)
    return apply_edits(text, prune(env, PruneOptions(**options)))  # type: ignore[arg-type]


def decisions(text: str, **options: object) -> list[tuple[str, str, str | None, str]]:
    env = envfile.parse(text)
    result = prune(env, PruneOptions(**options))  # type: ignore[arg-type]
    return [(d.action, d.old, d.new, d.reason) for d in result.decisions]


def deps(*items: str) -> str:
    return "name: t\ndependencies:\n" + "".join(f"  - {i}\n" for i in items)


def test_doctests() -> None:
    assert doctest.testmod(spec_rewrite).failed == 0


# ------------------------------------------------------------------------------ --no-builds


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("numpy=1.26.4=py311h64a7726_0", "numpy=1.26.4"),
        ("numpy==1.26.4=py311h64a7726_0", "numpy==1.26.4"),
        ("numpy 1.26.4 py311h64a7726_0", "numpy 1.26.4"),
        ("numpy=*=py311h64a7726_0", "numpy"),
        ("numpy[build=py311h64a7726_0]", "numpy"),
        ("numpy[version='1.26.4', build=py311h64a7726_0]", "numpy[version='1.26.4']"),
        ("numpy=1.26.4[build=py311h64a7726_0]", "numpy=1.26.4"),
        ("numpy>=1.13=py_0", "numpy>=1.13"),
        ("conda-forge::numpy=1.26.4=py311h64a7726_0", "conda-forge::numpy=1.26.4"),
        # variants survive as globs
        ("pytorch=2.1.0=py3.11_cuda12.1_cudnn8.9.2_0", "pytorch=2.1.0=*cuda*"),
        ("pytorch::pytorch=2.1.0=py3.11_cuda12.1_cudnn8.9.2_0", "pytorch::pytorch=2.1.0=*cuda*"),
        ("pytorch 2.1.0 py3.11_cpu_0", "pytorch 2.1.0 *cpu*"),
        ("blas=2.120=mkl", "blas=2.120=*mkl*"),
        ("libblas=3.9.0=20_linux64_openblas", "libblas=3.9.0=*openblas*"),
        ("tensorflow=2.4.1=gpu_py39h8236f22_0", "tensorflow=2.4.1=*gpu*"),
        ("jaxlib[build=cuda112py39h_0]", "jaxlib[build='*cuda*']"),
        ("numpy=1.21.2=py39_nomkl_0", "numpy=1.21.2"),  # nomkl is not an mkl variant
    ],
)
def test_no_builds_every_spec_form(before: str, after: str) -> None:
    assert pruned(deps(before), no_builds=True) == deps(after)


def test_no_builds_without_variant_keeping() -> None:
    text = deps("pytorch=2.1.0=py3.11_cuda12.1_cudnn8.9.2_0", "x=1=*cuda*")
    assert pruned(text, no_builds=True, keep_variant_builds=False) == deps("pytorch=2.1.0", "x=1")


def test_no_builds_leaves_a_variant_glob_alone() -> None:
    text = deps("pytorch=2.1.0=*cuda*", "numpy=1.26", "scipy")
    assert pruned(text, no_builds=True) == text
    assert decisions(text, no_builds=True) == []


def test_no_builds_reasons() -> None:
    text = deps("numpy=1.26.4=py311h_0", "pytorch=2.1=py3.11_cuda12.1_0")
    assert decisions(text, no_builds=True) == [
        (
            "rewrite",
            "numpy=1.26.4=py311h_0",
            "numpy=1.26.4",
            "build string py311h_0 stripped (builds are per platform)",
        ),
        (
            "rewrite",
            "pytorch=2.1=py3.11_cuda12.1_0",
            "pytorch=2.1=*cuda*",
            "variant build py3.11_cuda12.1_0 kept as *cuda*",
        ),
    ]


# ------------------------------------------------------------------------------------ --pin


@pytest.mark.parametrize(
    ("before", "level", "after"),
    [
        ("openssl=1.1.1w", "exact", "openssl=1.1.1w"),
        ("openssl=1.1.1w", "minor", "openssl=1.1"),
        ("openssl=1.1.1w", "major", "openssl=1"),
        ("openssl=1.1.1w", "none", "openssl"),
        ("numpy==1.26.4", "minor", "numpy=1.26"),
        ("numpy 1.26.4", "minor", "numpy 1.26.*"),
        ("numpy=1.26.*", "major", "numpy=1"),
        ("numpy[version='1.26.4']", "minor", "numpy[version='1.26.*']"),
        ("pytorch::pytorch=2.1.0", "minor", "pytorch::pytorch=2.1"),
        ("x=1!2.3.4", "minor", "x=1!2.3"),
        # a kept build forces "==", so the pin is written as a wildcard
        ("numpy=1.26.4=py311h_0", "minor", "numpy=1.26.*=py311h_0"),
        ("numpy=1.26.4=py311h_0", "none", "numpy=*=py311h_0"),
        # short versions stay as written: nothing to drop at this level
        ("python==3.10", "minor", "python==3.10"),
        ("python=3.10", "minor", "python=3.10"),
        ("tzdata=2023c", "major", "tzdata=2023c"),
        ("python=3.10", "major", "python=3"),
        # loose and unversioned specs are left alone
        ("numpy>=1.13", "minor", "numpy>=1.13"),
        ("numpy>=1.13", "none", "numpy>=1.13"),
        ("numpy", "none", "numpy"),
    ],
)
def test_pin_conda(before: str, level: str, after: str) -> None:
    assert pruned(deps(before), pin=level) == deps(after)


def test_pin_composes_with_no_builds() -> None:
    text = deps("numpy=1.26.4=py311h_0", "pytorch=2.1.0=py3.11_cuda12.1_0")
    assert pruned(text, pin="exact", no_builds=True) == deps("numpy=1.26.4", "pytorch=2.1.0=*cuda*")
    assert pruned(text, pin="minor", no_builds=True) == deps("numpy=1.26", "pytorch=2.1.*=*cuda*")
    assert pruned(text, pin="none", no_builds=True) == deps("numpy", "pytorch=*=*cuda*")


def test_pin_explains_loose_specs() -> None:
    assert decisions(deps("numpy>=1.13", "openssl=1.1.1w"), pin="minor") == [
        ("keep", "numpy>=1.13", None, "version >=1.13 is a range, not a pin: left as written"),
        (
            "rewrite",
            "openssl=1.1.1w",
            "openssl=1.1",
            "pinned to the minor version 1.1 (--pin minor)",
        ),
    ]


PIP = "name: t\ndependencies:\n  - pip:\n    - {}\n"


@pytest.mark.parametrize(
    ("before", "level", "after"),
    [
        ("torch==2.1.2", "exact", "torch==2.1.2"),
        ("torch==2.1.2", "minor", "torch==2.1.*"),
        ("torch==2.1.2", "major", "torch==2.*"),
        ("torch==2.1.2", "none", "torch"),
        ("torch == 2.1.2", "minor", "torch ==2.1.*"),
        ("torch==2.1.*", "minor", "torch==2.1.*"),
        ("torch==2.1.*", "none", "torch"),
        ("torch==2.1", "minor", "torch==2.1"),
        ("torch==2.1.2+cu121", "minor", "torch==2.1.*"),
        ("Torch[cu121]==2.1.2 ; python_version > '3.8'", "minor",
         "Torch[cu121]==2.1.* ; python_version > '3.8'"),
        ("Torch[cu121]==2.1.2 ; python_version > '3.8'", "none",
         "Torch[cu121] ; python_version > '3.8'"),
        ("torch==2.1.2 --hash=sha256:abc", "major", "torch==2.* --hash=sha256:abc"),
        ("requests>=2", "none", "requests>=2"),
        ("torch===2.1.2", "minor", "torch===2.1.2"),
        ("--extra-index-url https://x/simple", "none", "--extra-index-url https://x/simple"),
        ("-e git+https://github.com/o/r.git@v1.2.3#egg=r", "none",
         "-e git+https://github.com/o/r.git@v1.2.3#egg=r"),
    ],
)  # fmt: skip
def test_pin_pip(before: str, level: str, after: str) -> None:
    assert pruned(PIP.format(before), pin=level) == PIP.format(after)


def test_pin_pip_says_when_a_local_label_goes() -> None:
    [(_, _, new, reason)] = decisions(PIP.format("torch==2.1.2+cu121"), pin="minor")
    assert new == "torch==2.1.*"
    assert reason == (
        "pinned to the minor version 2.1 (--pin minor); "
        "local version label +cu121 dropped (a wildcard cannot carry it)"
    )


# ------------------------------------------------------------------------------- --portable


def test_portable_drops_platform_only_packages_with_reasons() -> None:
    text = deps(
        "_libgcc_mutex=0.1=main", "numpy=1.26", "vc=14.3=h64f974e_17", "libcxx=16.0.6", "m2w64-gmp"
    )
    assert pruned(text, portable=True) == deps("numpy=1.26")
    assert [(a, r) for a, _, _, r in decisions(text, portable=True)] == [
        (
            "drop",
            "platform-only (linux): conda-forge/defaults mutex selecting the Linux GCC runtime",
        ),
        ("drop", "platform-only (win): MSVC runtime selector, Windows only"),
        ("drop", "platform-only (osx): LLVM C++ standard library, macOS builds"),
        ("drop", "platform-only (win): MSYS2 MinGW-w64 toolchain package, Windows only"),
    ]


@pytest.mark.parametrize(
    "name", ["gcc_linux-64", "vs2019_win-64", "clang_osx-arm64", "__linux", "nccl", "ucrt"]
)
def test_portable_list_covers(name: str) -> None:
    assert pruned(deps(name, "numpy"), portable=True) == deps("numpy")


def test_portable_marks_platform_only_pip_projects() -> None:
    text = PIP.format("pywin32==306") + "    - appnope\n    - pywinpty ; os_name == 'nt'\n"
    assert pruned(text, portable=True) == (
        PIP.format('pywin32==306 ; sys_platform == "win32"')
        + '    - appnope ; sys_platform == "darwin"\n'
        + "    - pywinpty ; os_name == 'nt'\n"
    )


# --------------------------------------------------------------------- --no-pip / --pip-only

WITH_PIP = (
    "name: t\ndependencies:\n  - python=3.11\n  - numpy=1.26\n  - pip\n"
    "  - pip:\n      - torch==2.1.2\n      - -e .\n  - scipy\n"
)


def test_no_pip_drops_the_section_as_one_decision() -> None:
    assert pruned(WITH_PIP, no_pip=True) == (
        "name: t\ndependencies:\n  - python=3.11\n  - numpy=1.26\n  - pip\n  - scipy\n"
    )
    assert decisions(WITH_PIP, no_pip=True) == [
        ("drop", "pip section (2 lines)", None, "the pip section is dropped (--no-pip)")
    ]


def test_no_pip_keeps_what_keep_protects() -> None:
    assert pruned(WITH_PIP, no_pip=True, keep=("torch",)) == WITH_PIP.replace("      - -e .\n", "")


def test_pip_only_keeps_pip_python_and_the_pip_section() -> None:
    assert pruned(WITH_PIP, pip_only=True) == (
        "name: t\ndependencies:\n  - python=3.11\n  - pip\n"
        "  - pip:\n      - torch==2.1.2\n      - -e .\n"
    )


def test_no_pip_and_pip_only_contradict() -> None:
    with pytest.raises(UsageError, match="contradict"):
        prune(envfile.parse(WITH_PIP), PruneOptions(no_pip=True, pip_only=True))


# ---------------------------------------------------------------------------- --drop / --keep


def test_drop_globs_on_normalized_names_conda_and_pip() -> None:
    text = (
        "name: t\ndependencies:\n  - NVIDIA::cuda-nvcc=12.1\n  - cuda-runtime\n  - numpy\n"
        "  - pip:\n      - nvidia_cublas_cu12==12.1.3.1\n      - Nvidia.Cudnn-CU12\n      - torch\n"
    )
    assert pruned(text, drop=("CUDA-*", "nvidia-*")) == (
        "name: t\ndependencies:\n  - numpy\n  - pip:\n      - torch\n"
    )


def test_keep_wins_over_every_drop_rule_and_is_reported() -> None:
    text = deps("libgcc-ng=13.2.0", "numpy", "scipy")
    assert pruned(text, portable=True, drop=("*",), keep=("libgcc*", "scipy")) == deps(
        "libgcc-ng=13.2.0", "scipy"
    )
    assert decisions(text, portable=True, drop=("*",), keep=("libgcc*", "scipy")) == [
        ("keep", "libgcc-ng=13.2.0", None, "kept by --keep 'libgcc*' (else: matches --drop '*')"),
        ("drop", "numpy", None, "matches --drop '*'"),
        ("keep", "scipy", None, "kept by --keep 'scipy' (else: matches --drop '*')"),
    ]
    portable_only = decisions(text, portable=True, keep=("libgcc-ng",))
    [(action, _, _, reason)] = portable_only
    assert (action, reason) == (
        "keep",
        "kept by --keep 'libgcc-ng' (else: platform-only (linux): GCC runtime library, "
        "Linux builds only)",
    )


def test_kept_items_are_still_rewritten() -> None:
    text = deps("libgcc-ng=13.2.0=h807b86a_3")
    assert pruned(text, portable=True, no_builds=True, keep=("libgcc-ng",)) == deps(
        "libgcc-ng=13.2.0"
    )


def test_dropping_every_pip_line_drops_the_section() -> None:
    text = "name: t\ndependencies:\n  - numpy\n  - pip:\n      - a\n      # c\n      - b\n  - x\n"
    assert pruned(text, drop=("a", "b")) == "name: t\ndependencies:\n  - numpy\n  - x\n"


def test_dropping_everything_leaves_an_empty_list() -> None:
    assert pruned(deps("vc", "ucrt"), portable=True) == "name: t\ndependencies: []\n"
    flow = "name: t\ndependencies: [vc, {pip: [pywin32]}]\n"
    assert pruned(flow, portable=True, no_pip=True) == "name: t\ndependencies: []\n"


# ------------------------------------------------------------------- --channels / prefix


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "name: t\nchannels:\n    - defaults  # old\n    - conda-forge\ndependencies: []\n",
            "name: t\nchannels:\n    - pytorch\n    - conda-forge\ndependencies: []\n",
        ),
        (
            "name: t\nchannels: [defaults]\ndependencies: []\n",
            "name: t\nchannels: [pytorch, conda-forge]\ndependencies: []\n",
        ),
        (
            "name: t\ndependencies: []\n",
            "name: t\nchannels:\n  - pytorch\n  - conda-forge\ndependencies: []\n",
        ),
    ],
)
def test_channels_rewrite_keeps_the_list_style(before: str, after: str) -> None:
    assert pruned(before, channels=("pytorch", "conda-forge")) == after


def test_channels_empty_removes_the_key_and_same_list_is_no_decision() -> None:
    text = "name: t\nchannels: [a, b]\ndependencies: []\n"
    assert pruned(text, channels=()) == "name: t\ndependencies: []\n"
    assert decisions(text, channels=("a", "b")) == []


def test_prefix_dropped_by_default_with_a_reason_and_kept_on_request() -> None:
    text = "name: t\ndependencies: []\nprefix: /home/me/envs/t  # mine\n"
    assert pruned(text) == "name: t\ndependencies: []\n"
    assert pruned(text, keep_prefix=True) == text
    [(action, old, _, reason)] = decisions(text)
    assert (action, old) == ("drop", "prefix: /home/me/envs/t")
    assert "--keep-prefix" in reason


# -------------------------------------------------------------------------------- --leaves


def test_leaves_keeps_only_requested_and_pip_for_the_pip_section() -> None:
    text = (
        "name: t\ndependencies:\n  - libzlib=1.2\n  - numpy=1.26\n  - pip=24\n  - python=3.11\n"
        "  - pip:\n      - torch\n"
    )
    result = prune(envfile.parse(text), PruneOptions(leaves=True), requested={"NumPy", "python"})
    assert apply_edits(text, result) == (
        "name: t\ndependencies:\n  - numpy=1.26\n  - pip=24\n  - python=3.11\n"
        "  - pip:\n      - torch\n"
    )
    assert result.decisions[0].reason.endswith("(--leaves)")


def test_leaves_without_requested_specs_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="needs an environment"):
        prune(envfile.parse(deps("numpy")), PruneOptions(leaves=True))


# ------------------------------------------------------------------ decisions and the model


def test_decisions_are_ordered_by_file_position_and_deterministic() -> None:
    text = (
        "dependencies:\n  - vc=14\n  - numpy=1.26.4=py_0\n  - pip:\n      - pywin32==1\n"
        "prefix: /p\nchannels: [a]\nname: t\n"
    )
    options = PruneOptions(no_builds=True, portable=True, channels=("b",))
    first = prune(envfile.parse(text), options)
    assert first == prune(envfile.parse(text), options)
    assert [(d.line, d.action, d.section) for d in first.decisions] == [
        (2, "drop", "conda"),
        (3, "rewrite", "conda"),
        (5, "rewrite", "pip"),
        (6, "drop", "prefix"),
        (7, "rewrite", "channels"),
    ]


def test_result_model_matches_the_edited_file() -> None:
    text = Path(DATA / "prune-linux-export" / "input.yml").read_text()
    result = prune(envfile.parse(text), PruneOptions(no_builds=True, portable=True))
    assert isinstance(result, PruneResult) and result.changed
    assert envfile.parse(apply_edits(text, result)) == result.env
    assert result.env.prefix is None
    drop = result.decisions[0]
    assert isinstance(drop, Decision) and drop.describe() == (
        "drop _libgcc_mutex=0.1=conda_forge — "
        "platform-only (linux): conda-forge/defaults mutex selecting the Linux GCC runtime"
    )


# ------------------------------------------------------------------ golden scenario folders

SCENARIOS = sorted(p.name for p in DATA.glob("prune-*") if p.is_dir())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str) -> None:
    folder = DATA / scenario
    monkeypatch.chdir(folder)
    args = shlex.split((folder / "args").read_text())
    out = tmp_path / "out.yml"
    result = cli("prune", "input.yml", *args, "-o", str(out))
    assert (result.code, result.err) == (0, "")
    assert out.read_bytes() == (folder / "expected.yml").read_bytes()
    # --check agrees: exit 1 exactly when the expected output differs from the input
    check = cli("prune", "input.yml", *args, "--check")
    changed = (folder / "expected.yml").read_bytes() != (folder / "input.yml").read_bytes()
    assert check.code == (1 if changed else 0)
    # and the expected output is a fixed point
    monkeypatch.chdir(tmp_path)
    assert cli("prune", "out.yml", *args, "--check").code == 0


def test_scenarios_cover_crlf_utf16_and_flow_style() -> None:
    inputs = [(DATA / s / "input.yml").read_bytes() for s in SCENARIOS]
    assert any(b"\r\n" in data and not data.startswith(b"\xff\xfe") for data in inputs)
    assert any(data.startswith(b"\xff\xfe") for data in inputs)
    assert any(b"dependencies: [" in data for data in inputs)


# ------------------------------------------------------------------------------ the command

EXPORT = (
    "name: ml\nchannels:\n  - conda-forge\ndependencies:\n  - _libgcc_mutex=0.1=main\n"
    "  - numpy=1.26.4=py311h64a7726_0\n  - python=3.11.7\nprefix: /home/me/envs/ml\n"
)
EXPORT_PRUNED = (
    "name: ml\nchannels:\n  - conda-forge\ndependencies:\n  - numpy=1.26.4\n  - python=3.11.7\n"
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    f = tmp_path / "env.yml"
    f.write_text(EXPORT)
    return f


def test_default_writes_to_stdout_and_leaves_the_file(cli, export: Path) -> None:
    result = cli("prune", str(export), "--no-builds", "--portable")
    assert (result.code, result.out, result.err) == (0, EXPORT_PRUNED, "")
    assert export.read_text() == EXPORT


def test_output_file_keeps_utf16_and_crlf(cli, tmp_path: Path) -> None:
    src = tmp_path / "win.yml"
    src.write_bytes(EXPORT.replace("\n", "\r\n").encode("utf-16"))
    out = tmp_path / "out.yml"
    assert cli("prune", str(src), "--no-builds", "--portable", "-o", str(out)).code == 0
    assert out.read_bytes() == EXPORT_PRUNED.replace("\n", "\r\n").encode("utf-16")


def test_in_place_rewrites_atomically_and_leaves_no_temp_files(cli, export: Path) -> None:
    result = cli("prune", str(export), "--no-builds", "--portable", "--in-place")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert export.read_text() == EXPORT_PRUNED
    assert [p.name for p in export.parent.iterdir()] == ["env.yml"]


def test_in_place_leaves_an_unchanged_file_untouched(cli, export: Path) -> None:
    export.write_text(EXPORT_PRUNED)
    os.utime(export, (1_000_000, 1_000_000))
    assert cli("prune", str(export), "--no-builds", "--in-place").code == 0
    assert export.stat().st_mtime == 1_000_000


def test_in_place_failure_keeps_the_original(
    cli, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = cli("prune", str(export), "--no-builds", "--in-place")
    assert result.code == 2
    assert result.err == f"envtool: error: {export}: cannot write: No space left on device\n"
    assert export.read_text() == EXPORT
    assert [p.name for p in export.parent.iterdir()] == ["env.yml"]


def test_check_exits_1_and_says_what_would_change(cli, export: Path) -> None:
    result = cli("prune", str(export), "--no-builds", "--portable", "--check")
    assert result.code == 1 and result.out == ""
    assert result.err == (
        f"{export}:5: drop _libgcc_mutex=0.1=main — platform-only (linux): "
        "conda-forge/defaults mutex selecting the Linux GCC runtime\n"
        f"{export}:6: rewrite numpy=1.26.4=py311h64a7726_0 → numpy=1.26.4 — "
        "build string py311h64a7726_0 stripped (builds are per platform)\n"
        f"{export}:8: drop prefix: /home/me/envs/ml — the exporting machine's env path: "
        "`conda env create` would install there (--keep-prefix keeps it)\n"
        f"envtool: {export} would change: 2 drops, 1 rewrite "
        "(apply with --in-place instead of --check)\n"
    )
    assert export.read_text() == EXPORT
    assert cli("-q", "prune", str(export), "--check").err == ""


def test_check_exits_0_when_nothing_would_change(cli, export: Path) -> None:
    export.write_text(EXPORT_PRUNED)
    assert cli("prune", str(export), "--no-builds", "--portable", "--check") == Run(0, "", "")


def test_check_with_explain_lists_every_decision_once(cli, export: Path) -> None:
    result = cli("prune", str(export), "--portable", "--keep", "_libgcc*", "--check", "--explain")
    assert result.code == 1
    assert [line.split(" — ")[0] for line in result.err.splitlines()] == [
        f"{export}:5: keep _libgcc_mutex=0.1=main",
        f"{export}:8: drop prefix: /home/me/envs/ml",
        f"envtool: {export} would change: 1 drop (apply with --in-place instead of --check)",
    ]


def test_explain_lists_every_decision_including_keeps(cli, export: Path) -> None:
    result = cli("prune", str(export), "--pin", "minor", "--keep-prefix", "--explain")
    assert result.code == 0
    assert result.err == (
        f"{export}:6: rewrite numpy=1.26.4=py311h64a7726_0 → numpy=1.26.*=py311h64a7726_0 — "
        "pinned to the minor version 1.26 (--pin minor)\n"
        f"{export}:7: rewrite python=3.11.7 → python=3.11 — "
        "pinned to the minor version 3.11 (--pin minor)\n"
    )
    keep = cli("prune", str(export), "--portable", "--keep", "_libgcc*", "--explain")
    assert keep.err.splitlines()[0] == (
        f"{export}:5: keep _libgcc_mutex=0.1=main — kept by --keep '_libgcc*' (else: "
        "platform-only (linux): conda-forge/defaults mutex selecting the Linux GCC runtime)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--leaves"], "--leaves needs an environment"),
        (["--no-pip", "--pip-only"], "--no-pip and --pip-only contradict each other"),
        (["-", "--in-place"], "--in-place needs a file, not standard input"),
        (["--in-place", "-o", "x.yml"], "use either --in-place or -o/--output, not both"),
        (["--check", "-o", "x.yml"], "--check writes nothing"),
        (["--pin", "tiny"], "Invalid value for '--pin'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(cli, export: Path, args: list[str], message: str) -> None:
    argv = ["prune", *args] if args[0] == "-" else ["prune", str(export), *args]
    result = cli(*argv)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("envtool: error: ") and message in result.err
    assert "Traceback" not in result.err
    assert export.read_text() == EXPORT


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (deps("numpy", "numpy>=>1"), ":4: ", "invalid conda spec 'numpy>=>1'"),
        ("name: t\ndependencies:\n  - pip:\n    - torch==!!\n", ":4: ", "invalid pip line"),
        ("name: [t\n", ":2: ", "invalid YAML"),
        ("- numpy\n", ":1: ", "expected a mapping at the top level"),
    ],
)
def test_bad_input_is_one_line_naming_file_and_line(
    cli, tmp_path: Path, text: str, where: str, message: str
) -> None:
    f = tmp_path / "bad.yml"
    f.write_text(text)
    result = cli("prune", str(f), "--no-builds", "--in-place")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert result.err.startswith(f"envtool: error: {f}{where}") and message in result.err
    assert f.read_text() == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{name: x, dependencies: [numpy=1=b]}\n", "cannot edit a flow-style ({...}) file"),
        (deps("&a numpy=1=b", "*a"), "cannot edit in place: an item to change is a YAML alias"),
    ],
)
def test_files_that_cannot_be_edited_in_place(cli, tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "env.yml"
    f.write_text(text)
    result = cli("prune", str(f), "--no-builds")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(f"envtool: error: {f}") and message in result.err
    assert cli("prune", str(f)).code == 0  # nothing to change: nothing to refuse


def test_missing_file(cli, tmp_path: Path) -> None:
    result = cli("prune", str(tmp_path / "nope.yml"))
    assert (result.code, result.err) == (
        2,
        f"envtool: error: {tmp_path / 'nope.yml'}: no such file\n",
    )


def test_stdin_to_stdout_as_a_real_process() -> None:
    result = run_envtool("prune", "-", "--no-builds", "--portable", input=EXPORT)
    assert (result.code, result.out, result.err) == (0, EXPORT_PRUNED, "")


def test_check_as_a_real_process(export: Path) -> None:
    result = run_envtool("prune", str(export), "--portable", "--check")
    assert result.code == 1 and "would change: 2 drops" in result.err
    bad = run_envtool("prune", str(export), "--leaves")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "Traceback" not in bad.err


# ------------------------------------------------------------------------------ the corpus


def touched_lines(env: envfile.EnvFile, result: PruneResult) -> set[int]:
    """Lines of the input that a decision is allowed to change."""
    lines: set[int] = set()
    for d in result.decisions:
        if not d.changes or d.line is None:
            continue
        if d.section == "pip-section" or (d.section == "pip" and result.env.pip is None):
            pip_lines = [p.line for p in env.pip or () if p.line]
            lines.update(range(min(pip_lines) - 1, max(pip_lines) + 1))  # and "- pip:"
        elif d.section == "channels":
            lines.update(range(d.line, d.line + len(env.channels) + 1))
        else:
            lines.add(d.line)
    return lines


@needs_corpus
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_prunes_byte_preservingly(cli, path: Path) -> None:
    args = ("--no-builds", "--portable", "--pin", "minor")
    result = cli("prune", str(path), *args)
    try:
        tf = fileio.read(str(path))
        env = envfile.parse_file(tf)
    except Exception:
        assert result.code == 2 and result.err.count("\n") == 1, result.err
        assert result.err.startswith(f"envtool: error: {path}")
        return
    assert result.code == 0, result.err
    options = PruneOptions(no_builds=True, portable=True, pin="minor")
    pruned_result = prune(env, options)
    new_text = apply_edits(tf.text, pruned_result, tf.source)
    assert result.out == new_text
    assert envfile.parse(new_text) == pruned_result.env  # the output re-parses to the model
    assert (new_text != tf.text) == pruned_result.changed
    old_lines = tf.text.splitlines(keepends=True)
    new_lines = new_text.splitlines(keepends=True)
    allowed = touched_lines(env, pruned_result)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            untouched = [n for n in range(i1 + 1, i2 + 1) if n not in allowed]
            assert not untouched, f"lines {untouched} changed without a decision"
        assert tag != "insert" or any(d.section == "channels" for d in pruned_result.decisions)


# ------------------------------------------------------------------ several files (pre-commit)


def test_check_several_files_worst_exit_wins(cli, tmp_path: Path, export: Path) -> None:
    clean = tmp_path / "clean.yml"
    clean.write_text(EXPORT_PRUNED)
    result = cli("prune", str(clean), str(export), "--portable", "--check")
    assert result.code == 1
    assert f"envtool: {export} would change: 2 drops" in result.err
    assert str(clean) not in result.err
    assert cli("prune", str(clean), str(clean), "--check").code == 0
    broken = tmp_path / "broken.yml"
    broken.write_text("name: [x\n")
    result = cli("prune", str(broken), str(export), "--portable", "--check")
    assert result.code == 2
    assert result.err.startswith(f"envtool: error: {broken}:2: invalid YAML")
    assert f"envtool: {export} would change" in result.err  # the others are still checked


def test_in_place_several_files(cli, tmp_path: Path, export: Path) -> None:
    other = tmp_path / "other.yml"
    other.write_text(EXPORT)
    assert cli("prune", str(export), str(other), "--no-builds", "--portable", "-i").code == 0
    assert export.read_text() == other.read_text() == EXPORT_PRUNED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["env.yml", "other.yml"]


@pytest.mark.parametrize("extra", [[], ["-o", "out.yml"], ["--check", "-o", "out.yml"]])
def test_several_files_need_check_or_in_place(cli, export: Path, extra: list[str]) -> None:
    result = cli("prune", str(export), str(export), *extra)
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err == (
        "envtool: error: several FILEs need --check or --in-place (stdout and -o take one)\n"
    )


def test_verify_compares_the_output_with_the_decisions() -> None:
    """prune's last check reads its output back and compares it with what it decided."""
    from envtool.ops.prune import _verify

    text = "dependencies:\n  - numpy=1.26.4=h_0\n"
    expected = envfile.parse("dependencies:\n  - numpy=1.26\n", "env.yml")
    _verify("dependencies:\n  - numpy=1.26\n", "env.yml", expected)
    with pytest.raises(RuntimeError, match="does not read back as pruned"):
        _verify(text, "env.yml", expected)
    with pytest.raises(RuntimeError, match="invalid file"):
        _verify("dependencies: [\n", "env.yml", expected)


def test_block_style_edits_inside_and_outside_pip_in_one_pass() -> None:
    text = (
        "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11.7=h_0\n"
        "  - pip\n  - pip:\n    - a==1.2.3\n    - b==2.0.1\nprefix: /p\n"
    )
    env = envfile.parse(text)
    result = prune(env, PruneOptions(no_builds=True, pin="minor", channels=("x",)))
    out = apply_edits(text, result, "env.yml", envfile.compose(text, "env.yml"))
    assert out == (
        "name: x\nchannels:\n  - x\ndependencies:\n  - python=3.11\n"
        "  - pip\n  - pip:\n    - a==1.2.*\n    - b==2.0.*\n"
    )
    assert envfile.parse(out) == result.env


def test_platform_tables_match_as_their_globs_in_order() -> None:
    """portable's literal-name lookup plus one glob regex finds the first matching row."""
    from fnmatch import fnmatchcase

    from envtool.files import portable

    def first(table: tuple[tuple[str, str, str], ...], name: str) -> tuple[str, str] | None:
        row = next((r for r in table if fnmatchcase(name.lower(), r[0].lower())), None)
        return (row[1], row[2]) if row else None

    names = [r[0].replace("*", "x") for r in portable.PLATFORM_ONLY + portable.PIP_PLATFORM_ONLY]
    names += ["numpy", "gcc_linux-64", "LIBGCC-NG", "m2-foo", "pyobjc-core", "vc14", "_x"]
    for name in names:
        assert portable.platform_only(name) == first(portable.PLATFORM_ONLY, name), name
        marker = portable.pip_platform_marker(name)
        assert (marker[:2] if marker else None) == first(portable.PIP_PLATFORM_ONLY, name), name


def test_prune_explanations_mask_credentials(cli, tmp_path: Path) -> None:
    file = tmp_path / "env.yml"
    file.write_text(
        "channels:\n  - https://conda.anaconda.org/t/tk-SECRET-9/private\n"
        "dependencies:\n  - alpha=1=h0\n"
    )
    result = cli("prune", str(file), "--channels", "conda-forge", "--no-builds", "--explain")
    assert result.code == 0, result.err
    assert "tk-SECRET-9" not in result.err and "t/***/private" in result.err
    assert "conda-forge" in result.out


# ------------------------------------------------------ fast paths agree with the general ones


def _spec_lines() -> list[str]:
    """Every conda spec of the corpus and tests/data, an export of bench/core.py, and forms
    on the edges of the export form (leading zeros, letters, ==, builds with variants)."""
    import sys

    sys.path.insert(0, str(DATA.parents[1] / "bench"))
    from core import make_export

    lines: set[str] = set()
    texts = [make_export(300, 1, 0)]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in corpus_files()]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in DATA.glob("*/*.yml")]
    for text in texts:
        try:
            env = envfile.parse(text)
        except Exception:  # broken on purpose, or not UTF-8: the other tests cover those
            continue
        lines.update(d.text for d in env.conda)
    edges = (
        "numpy==1.26.4", "numpy=1.26.4", "numpy==1.26.4=py311h_0", "numpy=1.26",
        "conda-forge::numpy=1.26.4=py311h64a7726_0", "PyYAML=6.0.1=py311h459d7ec_1",
        "pytorch=2.1.0=py3.11_cuda12.1_cudnn8.9.2_0", "torchvision=0.16.0=py311_cu121",
        "openssl=1.1.1w=hd590300_0", "tzdata=2023c=h71feb2d_0", "x=1.2.3a.4=h_0",
        "libblas=3.9.0=20_linux64_openblas", "nomkl=1.0=h5ca1d4c_0", "mkl=2023.1.0=h_46344",
        "x=1.2.3.4.5=h_0", "x=01.2.3=h_0", "x=1.02=h_0", "x=0=h_0", "x=0.0.0=h_0",
        "x=1.2=*cuda*", "x=1.2.3=py_CPU_0", "x_y.z-w=1.0.0=h", "chan/sub::x=1.0=h",
        "numpy>=1.13", "numpy 1.26.4 py311h_0", "x=1!2.0=h_0", "x=1.0+local=h_0",
        "x=1.2.*=h_0", "x=1.2=h_0=extra", "x=1234567890.1=h", "x==1.2a=h",
    )  # fmt: skip
    return sorted(lines | set(edges))


def test_export_form_rewrites_as_the_general_path() -> None:
    """rewrite_conda's string path for the export form gives the general path's rewrite, and
    the spec it builds for the new text is what parsing that text gives."""
    import itertools

    from envtool.files.spec_rewrite import (
        _EXPORT_FORM,
        _rewrite_any_form,
        rewrite_conda,
        rewrite_export_groups,
    )
    from envtool.files.yaml_edit import _plain_ok, plain_word
    from envtool.spec import SpecError, parse_conda

    lines = _spec_lines()
    assert sum(_EXPORT_FORM.fullmatch(t) is not None for t in lines) > 300
    assert all(_plain_ok(t, True) for t in lines if plain_word(t))  # the quick check is safe
    pins = (None, "exact", "minor", "major", "none")
    for text in lines:
        try:
            spec = parse_conda(text)
        except SpecError:
            continue
        for no_builds, keep, pin in itertools.product((False, True), (True, False), pins):
            got = rewrite_conda(text, no_builds=no_builds, keep_variant_builds=keep, pin=pin)
            want = _rewrite_any_form(text, spec, no_builds, keep, pin, ())  # type: ignore[arg-type]
            assert got == want, (text, no_builds, keep, pin)
            if got.spec is not None:
                assert got.text is not None and got.spec == parse_conda(got.text), got
            form = _EXPORT_FORM.fullmatch(text)
            if form is not None:  # prune's line path: the new text alone, from the groups
                new = rewrite_export_groups(*form.groups(), no_builds, keep, pin)  # type: ignore[arg-type]
                assert new == got.text, (text, no_builds, keep, pin)


def _prune_cases() -> list[tuple[str, str]]:
    import sys

    sys.path.insert(0, str(DATA.parents[1] / "bench"))
    from core import make_export

    cases = [("bench-export", make_export(500, 1, 0))]
    for path in [*corpus_files(), *sorted(DATA.glob("*/*.yml"))]:
        cases.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
    return cases


PRUNE_OPTION_SETS = [
    {"no_builds": True, "portable": True, "pin": "minor"},
    {"no_builds": True, "keep_variant_builds": False, "pin": "none"},
    {"pin": "major", "no_pip": True},
    {"drop": ("python*", "lib*"), "keep": ("libgcc*",), "pin": "exact"},
    {"pip_only": True},
    {"channels": ("conda-forge",)},
]


LINE_OPTION_SETS = [
    *PRUNE_OPTION_SETS,
    {},
    {"keep_prefix": True, "no_builds": True},
    {"pin": "minor", "portable": True},
    {"drop": ("*",)},
    {"drop": ("py*",), "keep": ("python",), "no_builds": True, "pin": "major"},
    {"no_builds": True, "keep_variant_builds": True, "pin": "none"},
    {"portable": True, "pin": "exact", "keep": ("_libgcc*",)},
]


def commented(text: str) -> str:
    """``text`` with a trailing comment on every other line that holds something (a
    hand-written file's ``  - numpy=1.26  # arrays``), in one, two or several spaces; every
    eighth line gets the spaces only."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i % 2 == 0 and line.strip() and not line.lstrip().startswith("#"):
            lines[i] = line + " " * (1 + i % 3) + (f"# note {i}" if i % 8 else "")
    return "\n".join(lines)


def quoted(text: str) -> str:
    """``text`` with every third item of a simple list quoted, in single or double quotes."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        found = re.fullmatch(r"( *- )([A-Za-z0-9_.=<>!:*,\[\] -]*[A-Za-z0-9_.=*\]])", line)
        if found and i % 3 == 0:
            mark = "'" if i % 2 else '"'
            lines[i] = found[1] + mark + found[2] + mark
    return "\n".join(lines)


def _line_cases() -> list[tuple[str, str]]:
    """_prune_cases, and each of them with CRLF line ends, without its last line break and
    with trailing comments (also with CRLF line ends)."""
    cases = []
    for label, text in _prune_cases():
        cases += [(label, text), (label + " crlf", text.replace("\n", "\r\n"))]
        cases.append((label + " unterminated", text.rstrip("\n")))
        cases.append((label + " commented", commented(text)))
        cases.append((label + " commented crlf", commented(text).replace("\n", "\r\n")))
        cases.append((label + " quoted", quoted(text)))
    return cases


def test_the_line_path_writes_what_the_general_path_writes() -> None:
    """line_edit.prune (an export pruned line by line) writes the general path's bytes for every
    file and option set it takes, and takes only files the general path accepts."""
    from envtool.files import line_edit
    from envtool.ops.prune import _prune

    taken: set[str] = set()
    for label, text in _line_cases():
        for options in LINE_OPTION_SETS:
            opts = PruneOptions(**options)  # type: ignore[arg-type]
            got = line_edit.prune(text, opts)
            if got is None:
                continue
            taken.add(label)
            want, _ = _prune(fileio.TextFile(label, text), opts)  # raises if it refuses
            assert got == want, (label, options)
    assert len(taken) > 150
    assert {"bench-export", "bench-export crlf", "bench-export unterminated"} <= taken
    assert {"bench-export commented", "bench-export commented crlf"} <= taken
    assert sum(label.endswith(("commented", "commented crlf")) for label in taken) > 40
    assert sum(label.endswith(" quoted") for label in taken) > 20


@pytest.mark.parametrize(
    "text",
    [
        "name: x\ndependencies:\n  - a=1\n  - b=1\n  - a=1\n",  # no duplicate check needed
        "# top\nname: x # c\ndependencies:\n  - a=1\n",
        "name: x\nname: y\ndependencies:\n  - a=1\n",
        "name: x\nvariables:\n  A: b\ndependencies:\n  - a=1\n",
        "name: x\nvariables:\n  A: '1'\n  B:\n  # c\n  C: \"x y\"\ndependencies:\n  - a=1=h\n",
        "variables:\n  A: b\n  A: c\ndependencies:\n  - a=1\n",
        "variables:\n  A:\n    B: c\ndependencies:\n  - a=1\n",
        "variables:\n  A: 'it''s'\n  B: x # c\ndependencies:\n  - a=1\n",
        "variables: {A: b}\ndependencies:\n  - a=1\n",
        "variables:\n  - a\ndependencies:\n  - a=1\n",
        "dependencies:\n  - a=1\n  - pip:\n    - b==1\n  - pip:\n    - c==1\n",
        "dependencies:\n  - a=1\n  - pip:\n",
        "dependencies:\n  - a=1 # c\n",
        "dependencies:\n  - a=1=h_0 # c\n  - b=2=h_1  #\n  - c=3=h_2\t# tab\n",
        "dependencies:\n  - a=1=h_0#c\n  - b=2=h_1 # c: d\n",
        "name: x  # n\ndependencies:  # deps\n  - a=1=h_0  # c\nprefix: /p # p\n",
        "name: # n\ndependencies:\n  - a=1=h_0\n",
        "channels: # c\n  - x # c\ndependencies:\n  - a=1=h_0 # c\n",
        "dependencies:\n  - python=3.11.4=h_0 # c\n  - numpy # c\n",
        "dependencies:\n  - a>=1 # c\n  - b # c\n  - c=1 # c\n",
        "dependencies:\n  - a=1=h_0 # c\n  - pip: # c\n    - b==1.2.3 # c\n    - c # c\n",
        "dependencies:\n  - a=1=h_0 # c\n  - pip:\n    - b==1.2.3 # c\n    - -e . # c\n",
        "variables:\n  A: b # c\n  B: 'x' # c\n  C: # c\ndependencies:\n  - a=1\n",
        "dependencies:\n  - a=1=h_0 # c\n  - b=2=h_1 # c",
        "dependencies:\n  - a=1=h_0 # \u00e9\n",
        "dependencies:\n  - a=1=h_0 \n  \n  - b=2=h_1  \n \n  - pip:  \n    - c==1.2.3 \n",
        "name: x \nchannels: \n  - y \n   \ndependencies: \n  - a=1=h_0\n  \n",
        "dependencies:\n  - a=1=h_0\n  - b=2=h_1\n    \n",
        "dependencies:\n  - a=1=h_0\n  - pip:\n    - c==1.2.3\n      \n    - d==1\n",
        "dependencies:\n  - a=1=h_0\n  - pip:\n    - c==1.2.3\n  \n    - d==1\n",
        "dependencies:\n  - a=1=h_0\n  - b=2=h_1\n\t\n",
        "---\nname: x\ndependencies:\n  - a=1=h_0\n",
        "# c\n--- # doc\n\ndependencies:\n  - a=1=h_0\n",
        "---\n---\ndependencies:\n  - a=1=h_0\n",
        "---x\ndependencies:\n  - a=1=h_0\n",
        "name: x\n---\ndependencies:\n  - a=1=h_0\n",
        "---\ndependencies:\n  - a=1=h_0\n...\n",
        "--- name: x\ndependencies:\n  - a=1=h_0\n",
        "dependencies:\n  - 'a=1=h_0'\n  - \"b=2=h_1\" # c\n  - 'python=3.11.4=h'\n",
        "dependencies:\n  - 'a>=1'\n  - \"b[version='>=2']\"\n  - 'null'\n  - ''\n",
        "dependencies:\n  - 'it''s'\n  - \"a\\tb\"\n  - 'a=1'x\n  - 'a=1'#c\n",
        "channels:\n  - 'conda-forge'\n  - \"nodefaults\"\ndependencies:\n  - a=1=h_0\n",
        "dependencies:\n  - 'a=1=h_0'\n  - pip:\n    - 'b==1.2.3'\n    - \"c<5.0.0\" # c\n",
        "dependencies:\n  - a=1=h_0\n  - pip:\n    - \"-e .\"\n    - ' d==1'\n    - ''\n",
        "dependencies:\n  - 'a=1'\n",
        "dependencies:\n  - null\n  - a=1\n",
        "dependencies:\n  - a=1\n\r\n",
        "dependencies:\n  - a==1.2=h_0\n  - b 1\n",
        "dependencies:\n  - a>=1,<2\n  - b[version='>=1']\n  - c=1=h_0\n",
        "dependencies:\n  - a=1=h_0\n",
        "dependencies:\n  - pip:\n    - -r x.txt\n    - a==1.2.3\n",
        "dependencies: [a=1]\n",
        "dependencies:\n- a=1\n",
        "channels:\n  - x\ndependencies:\n  - x::a=1.2.3=h\nprefix: /p",
    ],
)
def test_the_line_path_on_the_edges_of_its_subset(text: str) -> None:
    """Files just inside and just outside the subset: where the line path answers, it is the
    general path's answer; where the general path refuses, the line path declines."""
    from envtool.errors import EnvtoolError
    from envtool.files import line_edit
    from envtool.ops.prune import _prune

    for options in LINE_OPTION_SETS:
        opts = PruneOptions(**options)  # type: ignore[arg-type]
        got = line_edit.prune(text, opts)
        try:
            want, _ = _prune(fileio.TextFile("env.yml", text), opts)
        except EnvtoolError:
            assert got is None, (text, options)
            continue
        assert got is None or got == want, (text, options)


def test_prune_file_takes_the_line_path_and_works_out_decisions_when_asked(
    tmp_path: Path,
) -> None:
    from envtool.ops.prune import prune_file

    file = tmp_path / "env.yml"
    file.write_text(EXPORT)
    pruned = prune_file(str(file), PruneOptions(no_builds=True, portable=True))
    assert pruned.pruned is None  # the line path: no decisions made yet
    assert (pruned.text, pruned.changed) == (EXPORT_PRUNED, True)
    general = prune(envfile.parse(EXPORT), PruneOptions(no_builds=True, portable=True))
    assert pruned.decisions == general.decisions and pruned.env == general.env
    file.write_text("dependencies: [a=1=h_0]\n")  # flow style: the general path
    assert prune_file(str(file), PruneOptions(no_builds=True)).pruned is not None


def test_local_edits_read_back_as_pruned_without_a_parse() -> None:
    """Over the corpus and tests/data: whenever the edits are all local, the output parsed
    again is what reads_as says it is (so prune_file may skip that parse); an export's edits
    are local."""
    from envtool.files.prune import edit_text, reads_as

    local = 0
    for label, text in _prune_cases():
        try:
            env = envfile.parse(text, label).validate()
        except Exception:  # broken on purpose: covered elsewhere
            continue
        for options in PRUNE_OPTION_SETS:
            result = prune(env, PruneOptions(**options))  # type: ignore[arg-type]
            try:
                edited, ops = edit_text(text, result, label, envfile.compose(text, label))
            except Exception:  # edits refused (aliases): covered elsewhere
                continue
            if edited.local and edited.text != text:
                local += 1
                assert reads_as(env, ops, result.env), (label, options)
                assert envfile.parse(edited.text, label) == result.env, (label, options)
            if label == "bench-export" and options in PRUNE_OPTION_SETS[:2]:
                assert edited.local, options  # (no_pip removes a mapping item: not local)
    assert local > 20


def test_reads_as_refuses_what_the_edits_do_not_make() -> None:
    from envtool.files.prune import edit_text, reads_as

    text = "name: x\ndependencies:\n  - a=1.2.3=h_0\n  - b=2.0=h_1\nprefix: /p\n"
    env = envfile.parse(text)
    result = prune(env, PruneOptions(no_builds=True))
    edited, ops = edit_text(text, result, "env.yml", envfile.compose(text, "env.yml"))
    assert edited.local and edited.text == "name: x\ndependencies:\n  - a=1.2.3\n  - b=2.0\n"
    assert reads_as(env, ops, result.env)
    other = envfile.parse("name: x\ndependencies:\n  - a=1.2.3\n  - b=2.0=h_1\n")
    assert not reads_as(env, ops, other)
    assert not reads_as(env, ops, envfile.parse("name: y\ndependencies:\n  - a=1.2.3\n  - b=2.0\n"))


def test_repinned_pip_lines_read_as_parse_pip_reads_them() -> None:
    """rewrite_pip's PipLine for a re-pinned ``name==1.2.*`` is what parse_pip (packaging)
    makes of that text."""
    from envtool.files.spec_rewrite import rewrite_pip
    from envtool.spec import parse_pip

    lines = {"a==1.2.3", "A_b.c==10.0.1", "x==1", "x==1.2", "x==1.2.3.4", "x[e]==1.2.3"}
    for path in [*corpus_files(), *sorted(DATA.glob("*/*.yml"))]:
        try:
            env = envfile.parse(path.read_text(encoding="utf-8", errors="replace"))
        except Exception:  # broken on purpose: covered elsewhere
            continue
        lines.update(d.text for d in env.pip or ())
    made = 0
    for text in sorted(lines):
        for pin in ("minor", "major", "none", "exact"):
            rw = rewrite_pip(text, pin=pin)  # type: ignore[arg-type]
            if rw.req is not None:
                made += 1
                assert rw.text is not None and rw.req == parse_pip.__wrapped__(rw.text), rw
    assert made > 10
