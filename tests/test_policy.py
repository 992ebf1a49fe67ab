"""A repository's policy from ``.envtool.toml`` or ``[tool.envtool]`` in ``pyproject.toml``."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.diff import policy
from envtool.diff.policy import Policy
from envtool.errors import EXIT_ERROR, InputError, UsageError

FULL = """\
fail-on = ["major", "Channel-Added"]
ignore = ["ca-certificates", "openssl"]
ignore-builds = true
env-files = ["environment*.yml", "!scratch.yml"]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_pyproject_tool_envtool(tmp_path: Path) -> None:
    file = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.envtool]\n" + FULL)
    assert policy.load_policy(tmp_path) == Policy(
        source=file,
        fail_on=("major", "channel-added"),
        ignore=("ca-certificates", "openssl"),
        ignore_builds=True,
        env_files=("environment*.yml", "!scratch.yml"),
    )


def test_envtool_toml_top_level_or_under_tool_envtool(tmp_path: Path) -> None:
    top = write(tmp_path / "a" / ".envtool.toml", FULL)
    nested = write(tmp_path / "b" / ".envtool.toml", "[tool.envtool]\n" + FULL)
    assert policy.read_policy(top).fail_on == policy.read_policy(nested).fail_on
    assert policy.read_policy(nested).env_files == ("environment*.yml", "!scratch.yml")


def test_nothing_stated_is_the_empty_policy(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert policy.load_policy(tmp_path) == Policy()
    assert Policy().fail_on_option is None


def test_fail_on_as_comma_string_and_option_value(tmp_path: Path) -> None:
    write(tmp_path / ".envtool.toml", 'fail-on = "major, downgraded"\n')
    found = policy.load_policy(tmp_path)
    assert found.fail_on == ("major", "downgraded")
    assert found.fail_on_option == "major,downgraded"


def test_empty_fail_on_means_nothing_fails(tmp_path: Path) -> None:
    write(tmp_path / ".envtool.toml", "fail-on = []\n")
    found = policy.load_policy(tmp_path)
    assert found.fail_on == () and found.fail_on_option is None


def test_envtool_toml_wins_over_pyproject_in_one_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.envtool]\nfail-on = ["any"]\n')
    winner = write(tmp_path / ".envtool.toml", 'fail-on = ["major"]\n')
    assert policy.find_policy_file(tmp_path) == winner
    assert policy.load_policy(tmp_path).fail_on == ("major",)


def test_nearest_file_walking_up(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    outer = write(tmp_path / ".envtool.toml", 'fail-on = ["any"]\n')
    inner = write(tmp_path / "svc" / "pyproject.toml", '[tool.envtool]\nfail-on = ["major"]\n')
    deep = tmp_path / "svc" / "src" / "pkg"
    deep.mkdir(parents=True)
    assert policy.find_policy_file(deep) == inner
    assert policy.find_policy_file(tmp_path / "svc" / "src") == inner
    assert policy.find_policy_file(tmp_path) == outer


def test_pyproject_without_tool_envtool_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    outer = write(tmp_path / ".envtool.toml", 'fail-on = ["any"]\n')
    write(tmp_path / "svc" / "pyproject.toml", "[project]\nname = 'envtool-user'\n")
    assert policy.find_policy_file(tmp_path / "svc") == outer


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".envtool.toml", 'fail-on = ["any"]\n')  # outside the repository
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    assert policy.find_policy_file(tmp_path / "repo" / "sub") is None


def test_starts_in_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".envtool.toml", 'ignore = ["tzdata"]\n')
    monkeypatch.chdir(tmp_path)
    assert policy.load_policy().ignore == ("tzdata",)


def test_this_repository_states_no_policy_in_its_pyproject() -> None:
    root = Path(__file__).resolve().parents[1]
    # envtool's own pyproject mentions "envtool" everywhere but has no [tool.envtool]
    assert policy.find_policy_file(root) in (None, root / ".envtool.toml")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (".envtool.toml", "fail-on = [major\n", "invalid TOML: "),
        (".envtool.toml", "fail-on = major\n", "invalid TOML: "),
        (".envtool.toml", 'fail-on = ["major", 1]\n', "fail-on must be a list of strings"),
        (".envtool.toml", "ignore = 'openssl'\n", "ignore must be a list of strings"),
        (".envtool.toml", 'env-files = ["a.yml", " "]\n', "env-files has an empty entry"),
        (".envtool.toml", "ignore-builds = 'yes'\n", "ignore-builds must be true or false"),
        (".envtool.toml", "fial-on = []\n", "unknown key 'fial-on' in envtool's policy (did you "),
        (".envtool.toml", "colour = 1\n", "unknown key 'colour' in envtool's policy; known keys"),
        (".envtool.toml", "ignore = []\n[tool.envtool]\n", "either at the top or under"),
        ("pyproject.toml", "[tool]\nenvtool = 3\n", "[tool.envtool] must be a table"),
        ("pyproject.toml", "[tool.envtool]\nfail-on = [\n", "invalid TOML: "),
    ],
)
def test_bad_policy_is_one_line_error_naming_the_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    file = write(tmp_path / name, text)
    with pytest.raises(InputError) as info:
        policy.load_policy(tmp_path)
    error = str(info.value)
    assert error.startswith(f"{file}: ")
    assert message in error
    assert "\n" not in error
    assert info.value.exit_code == EXIT_ERROR


def test_not_utf8_and_missing(tmp_path: Path) -> None:
    (tmp_path / ".envtool.toml").write_bytes(b"ignore = ['\xff']\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        policy.load_policy(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        policy.read_policy(tmp_path / "nope.toml")


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Policy().ignore = ("x",)  # type: ignore[misc]


# ------------------------------------------------------------------------------- --fail-on words


def test_fail_on_words_are_checked_when_the_file_is_read(tmp_path: Path) -> None:
    file = write(tmp_path / ".envtool.toml", 'fail-on = ["major", "majro"]\n')
    with pytest.raises(InputError) as info:
        policy.load_policy(tmp_path)
    assert str(info.value).startswith(f"{file}: fail-on: unknown word 'majro'; valid words: ")
    assert "\n" not in str(info.value)


def test_fail_on_none_means_nothing_fails_and_goes_alone() -> None:
    assert policy.parse_fail_on("none").words == ()
    with pytest.raises(UsageError, match=r"'none' .* cannot go with other words"):
        policy.parse_fail_on("none,major")


def test_reason_names_the_word_a_change_matched() -> None:
    from envtool.diff.model import Change

    major = Change("conda", "upgraded", "numpy", "1", "2", "major", risks=("major upgrade",))
    assert policy.parse_fail_on("major").reason(major) == "major"
    assert policy.parse_fail_on("upgraded,risky").reason(major) == "upgraded"
    assert policy.parse_fail_on("risky").reason(major) == "risky"
    assert policy.parse_fail_on("any").matches(major)
    assert not policy.parse_fail_on("none").matches(major)


def test_the_doctests() -> None:
    import doctest

    assert doctest.testmod(policy).failed == 0


# ------------------------------------------------------------------ as envtool diff applies it

OLD = "channels: [conda-forge]\ndependencies:\n  - numpy=1.26.4=py_0\n  - tzdata=2023c\n"
NEW = "channels: [conda-forge]\ndependencies:\n  - numpy=2.0.0=py_0\n  - tzdata=2023c=h0_1\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the policy search stops here
    write(tmp_path / "old.yml", OLD)
    write(tmp_path / "new.yml", NEW)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_diff_takes_its_defaults_from_the_policy(project: Path, cli) -> None:
    assert cli("diff", "old.yml", "new.yml").code == 0
    write(project / "pyproject.toml", '[tool.envtool]\nfail-on = "major"\nignore-builds = true\n')
    result = cli("diff", "old.yml", "new.yml")
    assert result.code == 1
    assert "rebuilt" not in result.out and "tzdata" not in result.out  # ignore-builds
    assert result.err == (
        f"envtool: fail-on major (policy file {project / 'pyproject.toml'}): "
        "1 change matched: numpy (major)\n"
    )


def test_the_command_line_wins_over_the_policy(project: Path, cli) -> None:
    write(project / ".envtool.toml", 'fail-on = ["major"]\nignore-builds = true\n')
    assert cli("diff", "old.yml", "new.yml", "--fail-on", "downgraded").code == 0
    assert cli("diff", "old.yml", "new.yml", "--fail-on", "none").code == 0
    kept = cli("diff", "old.yml", "new.yml", "--no-ignore-builds", "--fail-on", "spec-changed")
    assert "tzdata" in kept.out and kept.code == 1


def test_ignore_adds_to_the_policys_list(project: Path, cli) -> None:
    write(project / ".envtool.toml", 'ignore = ["numpy"]\nfail-on = ["any"]\n')
    assert "1.26.4" not in cli("diff", "old.yml", "new.yml").out
    assert cli("diff", "old.yml", "new.yml", "--ignore", "tzdata").code == 0


def test_a_bad_word_in_the_policy_is_exit_2_naming_the_file(project: Path, cli) -> None:
    file = write(project / ".envtool.toml", 'fail-on = "majro"\n')
    result = cli("diff", "old.yml", "new.yml")
    assert result.code == EXIT_ERROR
    assert result.err.startswith(f"envtool: error: {file}: fail-on: unknown word 'majro'")
    assert result.err.count("\n") == 1
    assert cli("diff", "old.yml", "new.yml", "--fail-on", "major").code == EXIT_ERROR  # still read


def test_finding_no_policy_reads_no_pyproject_that_is_not_ours(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    # a script named envtool is no [tool.envtool] table: not parsed, so not even checked
    write(tmp_path / "pyproject.toml", '[project.scripts]\nenvtool = "envtool.cli:main"\n[broken\n')
    assert policy.find_policy_file(tmp_path) is None
