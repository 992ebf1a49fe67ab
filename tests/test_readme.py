"""The README's two commands are what CI and the demo test run."""

from __future__ import annotations

import re

from conftest import ROOT

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
    build = next(i for i, line in enumerate(ci) if line.startswith("bash ../shared/realconda/"))
    export = next(i for i, line in enumerate(ci) if line.startswith(f"export {TEST_CONDA_VAR}="))
    assert build < export < ci.index(COMMANDS[1])
    assert f"{REQUIRE_CONDA_VAR}=1" in ci[export]  # a missing conda fails CI, never skips
    assert f"{TEST_CONDA_VAR}=$PWD/.realconda/bin/conda " in README
