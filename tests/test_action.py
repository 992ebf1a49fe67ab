"""The GitHub Action: action.yml's wiring and scripts/github-action.sh run with a fake GITHUB_* env.

Most tests run the script against a stand-in ``envtool`` that records its arguments, so they
test the action's own logic (which base, which files, the job summary, the exit code); the last
runs the real ``envtool diff --base``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import conftest
import pytest
import yaml
from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the action runs in bash")

SCRIPT = ROOT / "scripts" / "github-action.sh"
V1 = "name: ml\nchannels:\n  - conda-forge\ndependencies:\n  - numpy=1.26.4\n  - python=3.11\n"
V2 = V1.replace("numpy=1.26.4", "numpy=2.0.0")
STUB = """\
import json, os, sys
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
sys.stdout.write(os.environ.get("STUB_OUT", "## stub report\\n"))
sys.stderr.write(os.environ.get("STUB_ERR", ""))
sys.exit(int(os.environ.get("STUB_EXIT", "0")))
"""
GIT_ENV = {**conftest.GIT_ENV, "GIT_ALLOW_PROTOCOL": "file"}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@dataclass(frozen=True)
class Upstream:
    path: Path
    fork_point: str  # where the PR branched off main
    main_tip: str  # main moved on after that


@pytest.fixture
def upstream(tmp_path: Path) -> Upstream:
    """main: environment.yml v1, then an unrelated commit; pr (from v1): numpy 2, +gpu.yml."""
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "environment.yml").write_text(V1)
    (repo / "README.md").write_text("demo\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    fork_point = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "environment.yml").write_text(V2)
    (repo / "envs").mkdir()
    (repo / "envs" / "gpu.yml").write_text(V1)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "numpy 2, a gpu env")
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("demo, meanwhile\n")
    git(repo, "commit", "-q", "-am", "main moves on")
    return Upstream(repo, fork_point, git(repo, "rev-parse", "HEAD"))


@pytest.fixture
def checkout(tmp_path: Path, upstream: Upstream) -> Path:
    """The PR branch, cloned with full history (actions/checkout with fetch-depth: 0)."""
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--branch", "pr", upstream.path.as_uri(), str(work))
    return work


@dataclass(frozen=True)
class ActionRun:
    code: int
    out: str
    err: str
    summary: str
    outputs: str
    calls: list[list[str]]


def run_action(cwd: Path, tmp_path: Path, envtool: str | None = None, **env: str) -> ActionRun:
    stub = tmp_path / "stub_envtool.py"
    stub.write_text(STUB)
    log, summary, outputs = tmp_path / "calls.log", tmp_path / "summary.md", tmp_path / "out.txt"
    for path in (log, summary, outputs):
        path.write_text("")
    full_env = {
        **os.environ,
        **GIT_ENV,
        "ENVTOOL": envtool or f"{sys.executable} {stub}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_BASE_REF": "main",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_WORKSPACE": str(cwd),
        "STUB_LOG": str(log),
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
        **env,
    }
    for key, value in env.items():
        if value == "<unset>":
            del full_env[key]
    proc = subprocess.run(
        ["bash", str(SCRIPT)], cwd=cwd, env=full_env, capture_output=True, text=True, check=False
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return ActionRun(
        proc.returncode, proc.stdout, proc.stderr, summary.read_text(), outputs.read_text(), calls
    )


# ------------------------------------------------------------------------ with a stand-in envtool


def test_default_diffs_against_the_merge_base_with_the_pr_base(
    checkout: Path, upstream: Upstream, tmp_path: Path
) -> None:
    result = run_action(checkout, tmp_path)
    assert result.code == 0, result.err
    assert result.calls == [["diff", "--base", upstream.fork_point, "--format", "markdown"]]
    assert result.summary == "## stub report\n"
    assert result.out == "## stub report\n"
    assert result.outputs == "exit-code=0\n"


def test_fail_on_and_args_are_passed_and_exit_1_fails(checkout: Path, tmp_path: Path) -> None:
    result = run_action(
        checkout,
        tmp_path,
        INPUT_FAIL_ON="major,channel-added",
        INPUT_ARGS="--ignore-builds --ignore tzdata",
        STUB_EXIT="1",
    )
    assert result.code == 1
    (call,) = result.calls
    assert call[3:] == [
        "--format",
        "markdown",
        "--fail-on",
        "major,channel-added",
        "--ignore-builds",
        "--ignore",
        "tzdata",
    ]
    assert result.summary.startswith("## stub report\n")
    assert "policy fails on" in result.summary
    assert result.outputs == "exit-code=1\n"


def test_shallow_checkout_fetches_the_base_branch(tmp_path: Path, upstream: Upstream) -> None:
    """actions/checkout's default (depth 1, one branch): the base is fetched; no merge base."""
    work = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", "--branch", "pr", upstream.path.as_uri(), str(work))
    assert git(work, "branch", "-r") == "origin/pr"
    result = run_action(work, tmp_path)
    assert result.code == 0, result.err
    assert result.calls == [["diff", "--base", upstream.main_tip, "--format", "markdown"]]


def test_base_ref_input_wins(checkout: Path, upstream: Upstream, tmp_path: Path) -> None:
    result = run_action(checkout, tmp_path, INPUT_BASE_REF="HEAD~1", GITHUB_BASE_REF="<unset>")
    assert result.code == 0, result.err
    assert result.calls[0][:3] == ["diff", "--base", upstream.fork_point]


def test_explicit_files_are_diffed_one_by_one(
    checkout: Path, upstream: Upstream, tmp_path: Path
) -> None:
    result = run_action(checkout, tmp_path, INPUT_FILES="environment.yml\nenvs/gpu.yml")
    assert result.code == 0, result.err
    base = upstream.fork_point
    assert result.calls == [
        ["diff", f"{base}:./environment.yml", "environment.yml", "--format", "markdown"]
    ]
    assert "### `envs/gpu.yml`\n\nNew file (not in `origin/main`)." in result.summary


def test_nothing_changed_says_so(checkout: Path, tmp_path: Path) -> None:
    result = run_action(checkout, tmp_path, STUB_OUT="")
    assert result.code == 0
    assert result.summary == "No environment file changed since `origin/main`.\n"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"GITHUB_BASE_REF": "<unset>"},
            "no base to compare with: not a pull_request event, and the base-ref input is empty",
        ),
        (
            {"INPUT_BASE_REF": "nosuch"},
            "unknown git revision 'nosuch' (and it could not be fetched from origin)",
        ),
    ],
)
def test_no_usable_base_is_exit_2(
    checkout: Path, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = run_action(checkout, tmp_path, **env)
    assert result.code == 2
    assert result.calls == []
    assert result.err == f"::error title=envtool::{message}\n"
    assert result.summary == f"**envtool:** {message}\n"


def test_envtool_error_is_exit_2_with_its_message(checkout: Path, tmp_path: Path) -> None:
    error = "envtool: error: environment.yml:3: invalid conda spec 'numpy=='\n"
    result = run_action(checkout, tmp_path, STUB_EXIT="2", STUB_OUT="", STUB_ERR=error)
    assert result.code == 2
    assert result.summary == f"\n**envtool failed** (exit 2): {error}"
    assert result.err == error + f"::error title=envtool::{error}"
    assert result.outputs == "exit-code=2\n"


def test_outside_a_repository(tmp_path: Path) -> None:
    bare = tmp_path / "nothing"
    bare.mkdir()
    result = run_action(bare, tmp_path)
    assert result.code == 2 and "not in a git work tree" in result.err


# ------------------------------------------------------------------------------- action.yml wiring


def test_action_yml_runs_the_script_with_every_input() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = {step.get("id"): step for step in action["runs"]["steps"]}
    diff = steps["diff"]
    assert diff["run"] == 'bash "$GITHUB_ACTION_PATH/scripts/github-action.sh"'
    script = SCRIPT.read_text()
    passed = {name for name, value in diff["env"].items() if value.startswith("${{ inputs.")}
    for name in passed:
        assert f"${{{name}" in script or f"${name}" in script, name
    used_inputs = set(re.findall(r"inputs\.([\w-]+)", (ROOT / "action.yml").read_text()))
    assert used_inputs == set(action["inputs"])
    assert {f"INPUT_{n.upper().replace('-', '_')}" for n in action["inputs"]} >= passed
    assert "ENVTOOL" in diff["env"] and steps["install"]["shell"] == "bash"


def test_example_workflow_uses_only_real_inputs() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    workflow = yaml.safe_load((ROOT / "docs" / "github-workflow-example.yml").read_text())
    (job,) = workflow["jobs"].values()
    (uses,) = [step for step in job["steps"] if "envtool" in step.get("uses", "")]
    assert set(uses["with"]) <= set(action["inputs"])
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")


# ------------------------------------------------------------------------------ the real envtool


def test_real_envtool_fails_on_a_major_bump(checkout: Path, tmp_path: Path) -> None:
    envtool = f"{sys.executable} -m envtool"
    result = run_action(checkout, tmp_path, envtool=envtool, INPUT_FAIL_ON="major")
    assert result.code == 1, result.err
    assert "numpy" in result.summary and "gpu.yml" in result.summary
    ok = run_action(checkout, tmp_path, envtool=envtool, INPUT_FAIL_ON="channel-added")
    assert ok.code == 0, ok.err


def test_annotations_are_a_second_diff_in_the_github_format(
    checkout: Path, upstream: Upstream, tmp_path: Path
) -> None:
    result = run_action(
        checkout, tmp_path, INPUT_ANNOTATIONS="true", INPUT_FAIL_ON="major", STUB_EXIT="1"
    )
    assert result.code == 1
    base = upstream.fork_point
    assert result.calls == [
        ["diff", "--base", base, "--format", "markdown", "--fail-on", "major"],
        ["diff", "--base", base, "--format", "github", "--fail-on", "major"],
    ]
    assert result.out == "## stub report\n## stub report\n"  # the report, then the annotations
    assert result.summary.startswith("## stub report\n\n**envtool:** changes")
    files = run_action(checkout, tmp_path, INPUT_ANNOTATIONS="true", INPUT_FILES="environment.yml")
    assert [call[4] for call in files.calls] == ["markdown", "github"]


def test_real_envtool_annotates_the_changed_lines(checkout: Path, tmp_path: Path) -> None:
    envtool = f"{sys.executable} -m envtool"
    result = run_action(
        checkout, tmp_path, envtool=envtool, INPUT_FAIL_ON="major", INPUT_ANNOTATIONS="true"
    )
    assert result.code == 1, result.err
    assert (
        "::error file=environment.yml,line=5,title=envtool%3A upgraded (major)::numpy upgraded "
        "1.26.4 → 2.0.0 (major); matches --fail-on major\n"
    ) in result.out
    assert "::notice file=envs/gpu.yml,line=5," in result.out
    assert "::" not in result.summary
