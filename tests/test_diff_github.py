"""``envtool diff --format github``: workflow annotations, golden files and the runner's escaping.

Each ``tests/data/diff-github-<scenario>/`` holds the inputs (``old.yml``/``new.yml``, or an
``inputs`` file naming two paths relative to the repository), ``options.json`` (``fail_on``,
``path``: the new file as the annotations name it, ``ignore_builds``, ``ignore``) and
``expected.github``. Regenerate with ``ENVTOOL_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import DATA, ROOT

from envtool.diff.compare import diff
from envtool.diff.model import EnvDiff
from envtool.diff.policy import parse_fail_on
from envtool.files import envfile, fileio
from envtool.render import render
from envtool.render.github import escape_data, escape_property

SCENARIOS = sorted(p.name for p in DATA.glob("diff-github-*") if p.is_dir())
UPDATE = bool(os.environ.get("ENVTOOL_UPDATE_GOLDEN"))
# ::LEVEL key=value,key=value::message (GitHub's workflow command syntax)
COMMAND = re.compile(r"^::(error|warning|notice)( [a-zA-Z]+=[^,:\n]*(,[a-zA-Z]+=[^,:\n]*)*)?::.+$")


def _scenario(name: str) -> tuple[EnvDiff, dict[str, object]]:
    folder = DATA / name
    listed = folder / "inputs"
    if listed.is_file():
        paths = [ROOT / line for line in listed.read_text(encoding="utf-8").split()]
        labels = listed.read_text(encoding="utf-8").split()
    else:
        paths, labels = [folder / "old.yml", folder / "new.yml"], ["old.yml", "new.yml"]
    options = json.loads((folder / "options.json").read_text(encoding="utf-8"))
    old, new = (
        envfile.parse(fileio.read(str(p)).text, label).validate()
        for p, label in zip(paths, labels, strict=True)
    )
    result = diff(
        old,
        new,
        ignore_builds=options.get("ignore_builds", False),
        ignore=options.get("ignore", ()),
    )
    return result, options


def _github(result: EnvDiff, options: dict[str, object]) -> str:
    words = options.get("fail_on")
    policy = parse_fail_on(str(words)) if words else None

    def fails(change: object) -> str | None:
        from envtool.diff.model import Change

        assert isinstance(change, Change)
        return policy.reason(change) if policy and policy.matches(change) else None

    path = options.get("path")
    return render(result, "github", path=str(path) if path is not None else None, fails=fails)


def test_scenarios_are_there() -> None:
    assert {"diff-github-ml", "diff-github-every-kind", "diff-github-removed"} <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_golden_annotations(name: str) -> None:
    result, options = _scenario(name)
    out = _github(result, options)
    expected = DATA / name / "expected.github"
    if UPDATE:
        expected.write_text(out, encoding="utf-8", newline="\n")
    assert out == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SCENARIOS)
def test_one_well_formed_command_per_change(name: str) -> None:
    result, options = _scenario(name)
    lines = _github(result, options).splitlines()
    assert len(lines) == len(result.changes)
    for line in lines:
        assert COMMAND.match(line), line
        assert "\r" not in line and "\x1b" not in line


@pytest.mark.parametrize("name", SCENARIOS)
def test_errors_then_warnings_then_notices(name: str) -> None:
    result, options = _scenario(name)
    levels = [line.split(" ", 1)[0] for line in _github(result, options).splitlines()]
    order = ["::error", "::warning", "::notice"]
    assert levels == sorted(levels, key=order.index)


def test_levels_follow_the_policy_and_the_risks() -> None:
    result, _ = _scenario("diff-github-ml")
    out = _github(result, {"fail_on": "downgraded", "path": "env.yml"})
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error file=env.yml,line=25,title=envtool%3A downgraded (minor)::openssl downgraded "
        "3.2.0 → 3.0.13 (minor); matches --fail-on downgraded"
    ]
    warnings = [line for line in out.splitlines() if line.startswith("::warning")]
    assert len(warnings) == len(result.risky) - 1  # the risky ones the policy does not fail on
    nothing_fails = _github(result, {"path": "env.yml"})
    assert "::error" not in nothing_fails
    assert nothing_fails.count("::warning") == len(result.risky)


def test_removed_items_point_at_their_section_key_in_the_new_file() -> None:
    result, options = _scenario("diff-github-removed")
    out = _github(result, options)
    lines = {re.sub(r"^.*::", "", line): line for line in out.splitlines()}
    assert "line=4," in lines["channel pytorch removed"]  # channels: (channel-removed: no match)
    assert "line=7," in lines["numpy removed (was 1.26.4); matches --fail-on removed"]  # deps
    assert "line=7," in lines["pip package torch removed (was 2.1.0); matches --fail-on removed"]
    assert "line=7," in lines["variable DEBUG removed"]  # no variables: key any more


def test_no_file_no_location() -> None:
    result, _ = _scenario("diff-github-ml")
    out = _github(result, {"path": None})
    assert "file=" not in out and "line=" not in out
    assert out.startswith("::warning title=envtool%3A ")


def test_escaping_follows_the_runner() -> None:
    assert escape_data("a%b\r\nc::d, e: f") == "a%25b%0D%0Ac::d, e: f"
    assert escape_property("a%b\r\nc::d, e: f") == "a%25b%0D%0Ac%3A%3Ad%2C e%3A f"
    result, options = _scenario("diff-github-escaping")
    out = _github(result, options)
    assert "file=envs/odd%2Cname%3A1%25.yml," in out
    assert "variable GREETING changed: 50%25 off → 100%25 off" in out
    assert "s3cr3t" not in out and "tk-NEW" not in out


def test_the_command_prints_annotations(cli, tmp_path: Path, monkeypatch) -> None:
    v1 = ROOT / "fixtures" / "ml" / "environment-v1.yml"
    (tmp_path / "envs").mkdir()
    new = tmp_path / "envs" / "ml.yml"
    new.write_bytes((ROOT / "fixtures" / "ml" / "environment-v2.yml").read_bytes())
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    result = cli("diff", str(v1), str(new), "--format", "github", "--fail-on", "major")
    assert result.code == 1
    assert result.out.startswith("::error file=envs/ml.yml,line=")  # relative to the workspace
    monkeypatch.delenv("GITHUB_WORKSPACE")
    outside = cli("diff", str(v1), str(new), "--format", "github")
    assert f"file={escape_property(str(new))}," in outside.out
    assert outside.code == 0


def test_docstring_examples() -> None:
    import doctest

    from envtool.render import common, github

    assert doctest.testmod(github).failed == 0
    assert doctest.testmod(common).failed == 0
