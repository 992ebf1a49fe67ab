"""Fuzzing on a CI budget: mutated real files and generated YAML through every file command.

The mutations and invariants live in ``tests/fuzzkit.py`` (its docstring lists them);
``bench/fuzz.py`` runs the same for a long budget. Here: a fixed-seed batch of mutations,
hypothesis driving the mutators and generating YAML of its own, the unmutated corpus, and a
few hostile files through the real ``envtool`` process.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from pathlib import Path

import fuzzkit
import pytest
from conftest import run_envtool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envtool.errors import InputError
from envtool.files import envfile

POOL = fuzzkit.seeds()
BUDGET_SECONDS = 8.0  # the fixed-seed batch stops here even on a loaded machine


def assert_holds(data: bytes, other: bytes | None = None) -> None:
    failures = fuzzkit.check_input(data, other)
    assert not failures, [(f.what, f.detail, f.data[:200]) for f in failures]


def test_seed_files_keep_every_invariant() -> None:
    for i, data in enumerate(POOL):
        assert_holds(data, POOL[(i + 1) % len(POOL)])


def test_a_fixed_batch_of_mutations_keeps_every_invariant() -> None:
    rng = random.Random(20261202)
    deadline = time.monotonic() + BUDGET_SECONDS
    tried = 0
    while tried < 400 and time.monotonic() < deadline:
        data = fuzzkit.mutate(rng, POOL)
        assert_holds(data, rng.choice(POOL))
        tried += 1
    assert tried >= 20  # the budget was spent on inputs, not on start-up


def test_mutators_take_linear_time_on_a_huge_line() -> None:
    # _scalar_item's regex backtracked quadratically on a long run of spaces before a "#":
    # 16,000 spaces took 6.7 s, and m_huge writes up to 1,000,000 (a stalled fuzzing job).
    text = "name: a\ndependencies:\n  - x" + " " * 1_000_000 + "#\n  - y=1\n"
    start = time.process_time()
    for mutator in (fuzzkit.m_block_scalar, fuzzkit.m_anchor, fuzzkit.m_tag, fuzzkit.m_huge):
        mutator(random.Random(3), text.encode())
    assert time.process_time() - start < 2


_FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@_FAST
@given(st.randoms(use_true_random=False), st.sampled_from(range(len(POOL))))
def test_hypothesis_drives_the_mutators(rng: random.Random, index: int) -> None:
    data = POOL[index]
    for mutator in rng.sample(fuzzkit.MUTATORS, k=rng.randint(1, 3)):
        data = mutator(rng, data)
    assert_holds(data, POOL[(index + 7) % len(POOL)])


_SPECS = st.sampled_from(
    [
        "numpy",
        "numpy=1.26.4=py311h_0",
        "numpy>=1.20",
        "torch~=1.13.0",
        "python 3.11.* *_cpython",
        "conda-forge::scipy==1.11.4",
        "pytorch=2.1.0=py3.11_cuda12.1_0",
        "_libgcc_mutex=0.1=main",
        "x==",
        "pip",
        "invisible_watermark=0.2",
        "a[version='>=1']",
    ]
)
_PIP = st.sampled_from(
    ["requests==2.31.0", "invisible-watermark==0.2", "-e .", "--extra-index-url https://h/s", "x @"]
)


def _scalar(draw: st.DrawFn, value: str, indent: int) -> str:
    style = draw(st.sampled_from(["plain", "single", "double", "block", "anchor", "tag"]))
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "double":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "block":
        return f"{draw(st.sampled_from(['|', '>-', '|+']))}\n{' ' * (indent + 2)}{value}\n"
    if style == "anchor":
        return f"&a{draw(st.integers(0, 3))} {value}"
    if style == "tag":
        return f"{draw(st.sampled_from(['!!str', '!!python/name:os.system', '!x']))} {value}"
    return value


@st.composite
def env_files(draw: st.DrawFn) -> bytes:
    """Environment files of every shape: styles, anchors and aliases, odd keys, line ends."""
    lines = []
    if draw(st.booleans()):
        lines.append(f"name: {_scalar(draw, draw(st.sampled_from(['ml', '2023', 'a b'])), 0)}")
    if draw(st.booleans()):
        chans = draw(
            st.lists(st.sampled_from(["conda-forge", "defaults", "nodefaults"]), max_size=3)
        )
        lines.append("channels: [" + ", ".join(chans) + "]")
    if draw(st.integers(0, 9)):
        lines.append("dependencies:")
        for spec in draw(st.lists(_SPECS, max_size=6)):
            lines.append(f"  - {_scalar(draw, spec, 2)}".rstrip("\n"))
        if draw(st.booleans()):
            lines.append("  - pip:")
            for pip in draw(st.lists(_PIP, max_size=3)):
                lines.append(f"      - {_scalar(draw, pip, 6)}".rstrip("\n"))
        if draw(st.booleans()):
            lines.append("  - *a" + str(draw(st.integers(0, 3))))
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(["prefix", "variables", "extra", "name", "on"]))
        value = draw(st.sampled_from(["/p", "*a0", "{A: 1}", "[*a1, *a1]", "&a2 v", ""]))
        lines.append(f"{key}: {value}")
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if draw(st.integers(0, 9)) == 0 else data


@_FAST
@given(env_files(), env_files())
def test_generated_files_keep_every_invariant(data: bytes, other: bytes) -> None:
    assert_holds(data, other)


@settings(max_examples=40, deadline=None, database=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_keep_every_invariant(data: bytes) -> None:
    assert_holds(data)


# --------------------------------------------------------------------------- bounded


def test_the_alias_fan_out_file_is_refused_fast_and_small() -> None:
    block = "".join(f"      - p{i:04d}==1\n" for i in range(2000))
    text = "name: fan\ndependencies:\n  - pip\n  - pip: &p\n" + block + "  - pip: *p\n" * 2000
    assert 50_000 < len(text) < 60_000  # the 55 KB file of issue 11
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InputError, match="too many YAML nodes"):
            envfile.parse(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5
    assert peak < 10 * 1024 * 1024  # bytes; before: 4.7 GB through check


# --------------------------------------------------------------------- real processes

_HOSTILE = {
    "fan-out.yml": (
        "name: fan\ndependencies:\n  - pip\n  - pip: &p\n"
        + "".join(f"      - p{i}==1\n" for i in range(500))
        + "  - pip: *p\n" * 500
    ).encode(),
    "two-boms.yml": b"\xef\xbb\xbf\xef\xbb\xbfname: a\ndependencies:\n  - x=1=h\n",
    "block.yml": b"name: |\n  foo\ndependencies:\n  - >-\n    numpy=1.26.4=py311h_0\n",
    "prefix-only.yml": b"prefix: /x\n",
    "u2028.yml": "name: a\ndependencies:\n  - numpy\u2028  - scipy\n".encode(),
    "binary.yml": bytes(range(256)),
}


@pytest.mark.parametrize("name", sorted(_HOSTILE))
def test_hostile_files_through_the_real_process(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_bytes(_HOSTILE[name])
    for args in (("check", str(f)), ("prune", "--no-builds", str(f)), ("rename", str(f), "b")):
        result = run_envtool(*args)
        assert result.code in (0, 1, 2), (args, result)
        assert "Traceback" not in result.err and "internal error" not in result.err
        if result.code == 2:
            assert result.err.count("\n") == 1 and result.err.startswith("envtool: error: ")
