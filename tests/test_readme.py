"""The README's two commands are what CI and the demo test run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import DATA, GIT_ENV, ROOT, run_envtool

README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"```console\n(python3 -m venv [^\n]+)\n```", README)


def test_readme_opens_with_exactly_two_commands() -> None:
    assert len(COMMANDS) == 2
    assert README.index(COMMANDS[0]) < README.index("## A tour")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert COMMANDS[1] in ci.splitlines()
    assert "pytest" in COMMANDS[1] and ".[test]" in COMMANDS[1]


def test_main_job_is_the_demo_clone_the_demo_test_runs() -> None:
    main_job = COMMANDS[0].split(" && ")[-1]
    assert main_job == ".venv/bin/envtool clone fixtures/demo/environment.yml -p ./demo-env"
    demo_test = (ROOT / "tests" / "test_demo.py").read_text()
    assert '"clone", "fixtures/demo/environment.yml", "-p", "./demo-env"' in demo_test


def test_ci_builds_a_real_conda_for_the_conda_tier_first() -> None:
    from condakit import REQUIRE_CONDA_VAR, TEST_CONDA_VAR

    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    # bash "${ENVTOOL_SHARED:-../shared}/realconda/setup.sh" "$PWD/.realconda"
    build = next(
        i for i, line in enumerate(ci) if line.startswith("bash ") and "realconda/" in line
    )
    export = next(i for i, line in enumerate(ci) if line.startswith(f"export {TEST_CONDA_VAR}="))
    assert build < export < ci.index(COMMANDS[1])
    assert f"{REQUIRE_CONDA_VAR}=1" in ci[export]  # a missing conda fails CI, never skips
    assert f"{TEST_CONDA_VAR}=$PWD/.realconda/bin/conda " in README


def _block_after(marker: str) -> list[str]:
    """The lines of the README's fenced block that starts with (or follows) ``marker``."""
    start = README.index(marker)
    fence = README.rindex("```", 0, start)
    body = README[README.index("\n", fence) + 1 : README.index("\n```", start)]
    return body.splitlines()


BUILD = "$ python3 tests/data/diff-base-repo/build.py "


def test_the_diff_base_example_runs_as_written(tmp_path: Path) -> None:
    """The README's commands, in the repository its script builds, print the README's output."""
    lines = _block_after(BUILD)
    assert lines[0].startswith(BUILD)
    dest = lines[0].removeprefix(BUILD)
    here = tmp_path / "diff-base-repo"
    build = subprocess.run(
        [sys.executable, str(ROOT / lines[0].split()[2]), str(here)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    assert lines[1] == dest and build.stdout == f"{here}\n"
    command = lines[2].removeprefix(f"$ cd {dest} && ").split()
    assert command[:2] == ["envtool", "diff"]
    result = run_envtool(*command[1:], cwd=here, env=GIT_ENV)
    assert lines[-2:] == ["$ echo $?", str(result.code)]
    assert (result.out + result.err).splitlines() == lines[3:-2]


def test_the_annotations_sample_says_which_lines_it_shows() -> None:
    sample = _block_after("::error file=environment.yml,line=8")
    expected = (DATA / "diff-base-repo" / "expected.github").read_text().splitlines()
    assert sample == expected[: len(sample)]
    note = re.search(r"the first (\d+) of the (\d+)\s+lines", README)
    assert note is not None and note.groups() == (str(len(sample)), str(len(expected)))


def test_the_shared_corpus_is_found_above_the_checkout(tmp_path: Path) -> None:
    """The README's test command runs the corpus tests without ENVTOOL_SHARED when a
    ``shared/corpus`` sits beside the checkout or beside a folder above it."""
    from conftest import find_shared

    checkout = tmp_path / "work" / "clones" / "envtool"
    checkout.mkdir(parents=True)
    assert find_shared(checkout, {}) == tmp_path / "work" / "clones" / "shared"  # absent
    (tmp_path / "work" / "shared" / "corpus").mkdir(parents=True)
    assert find_shared(checkout, {}) == tmp_path / "work" / "shared"
    (tmp_path / "work" / "clones" / "shared" / "corpus").mkdir(parents=True)
    assert find_shared(checkout, {}) == tmp_path / "work" / "clones" / "shared"  # nearest
    assert find_shared(checkout, {"ENVTOOL_SHARED": "/elsewhere"}) == Path("/elsewhere")
