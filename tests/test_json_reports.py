"""``--json`` on the commands that report (as conda's ``--json``), and ``export -f`` (as conda's).

Each document is versioned by a ``<command>_version`` key (as ``envs --json`` and ``diff --base
--format json``); these tests pin their shape, as the README documents it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import CondaHome, Run, write_env_file

from envtool.errors import EXIT_ERROR, EXIT_FINDINGS


def test_check_json(cli: Callable[..., Run], tmp_path: Path) -> None:
    f = tmp_path / "env.yml"
    f.write_text("name: a\ndependencies:\n  - numpy=1.0=h0_0\n")
    missing = str(tmp_path / "missing.yml")
    result = cli("check", "--json", str(f), missing)
    assert result.code == EXIT_ERROR  # as without --json: the worst of all files
    assert result.err == f"envtool: error: {missing}: no such file\n"  # no summary line
    assert json.loads(result.out) == {
        "check_version": 1,
        "files": [
            {"path": str(f), "error": None},
            {"path": missing, "error": f"{missing}: no such file"},
        ],
        "findings": [
            {
                "path": str(f),
                "line": 3,
                "code": "W302",
                "name": "build-strings",
                "severity": "warning",
                "message": cli("check", str(f)).out.split(" W302 ", 1)[1].rstrip("\n"),
            }
        ],
        "summary": {
            "findings": 1,
            "errors": 0,
            "warnings": 1,
            "files": 2,
            "files_with_findings": 1,
            "unreadable": 1,
        },
        "exit_code": EXIT_ERROR,
    }
    assert json.loads(cli("check", "--json", str(f)).out)["exit_code"] == EXIT_FINDINGS
    assert cli("check", "--format", "json", str(f)) == cli("check", "--json", str(f))
    clash = cli("check", "--json", "--format", "github", str(f))
    assert clash.err == "envtool: error: --json prints JSON: it cannot go with --format github\n"


def test_diff_json_is_format_json(cli: Callable[..., Run], tmp_path: Path) -> None:
    a = write_env_file(tmp_path / "a.yml", ["numpy=1.26.4"])
    b = write_env_file(tmp_path / "b.yml", ["numpy=2.0.0"])
    as_json = cli("diff", str(a), str(b), "--json", "--fail-on", "major")
    assert as_json == cli("diff", str(a), str(b), "--format", "json", "--fail-on", "major")
    assert as_json.code == EXIT_FINDINGS and json.loads(as_json.out)["schema_version"] == 1
    assert cli("diff", str(a), str(b), "--json", "--format", "json").code == 0
    clash = cli("diff", str(a), str(b), "--json", "--format", "markdown")
    assert (clash.code, clash.err) == (
        EXIT_ERROR,
        "envtool: error: --json prints JSON: it cannot go with --format markdown\n",
    )


def test_export_file_option_and_json(
    conda_home: CondaHome, cli: Callable[..., Run], make_env: Callable[..., Path], tmp_path: Path
) -> None:
    env = make_env(["alpha=1.0"], name="src")
    plain = cli("export", "-n", "src")
    for flag in ("-f", "--file", "-o", "--output"):
        out = tmp_path / f"out{flag}.yml"
        result = cli("export", "-n", "src", flag, str(out))
        assert (result.code, result.out) == (0, "")
        assert out.read_text() == plain.out
    # without a file, --json is the environment as JSON (conda env export --json)
    assert (
        cli("export", "-n", "src", "--json").out
        == cli("export", "-n", "src", "--format", "json").out
    )
    # with a file, the file is written as --format says and stdout gets the report
    out = tmp_path / "out.yml"
    result = cli("export", "-n", "src", "-f", str(out), "--json", "--no-builds")
    assert result.code == 0, result.err
    assert out.read_text().startswith("name: src\n")
    assert json.loads(result.out) == {
        "export_version": 1,
        "source": {"name": "src", "prefix": str(env)},
        "output": str(out),
        "format": "yaml",
        "name": "src",
        "channels": [conda_home.channel_url, "nodefaults"],  # the export that recreates
        "conda": 1,
        "pip": 0,
        "pruned": True,
    }
    clash = cli("export", "-n", "src", "--json", "--format", "yaml")
    assert clash.err == "envtool: error: --json prints JSON: it cannot go with --format yaml\n"


def test_create_and_clone_json(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    file = write_env_file(tmp_path / "env.yml", ["alpha=1.0"], name="made")
    dry = cli("create", "-f", str(file), "--dry-run", "--json")
    assert (dry.code, dry.err) == (0, "")
    made = conda_home.envs / "made"
    package = {
        "name": "alpha",
        "version": "1.0",
        "build": "h4616a5c_0",
        "channel": conda_home.channel_url,
    }
    expected = {
        "create_version": 1,
        "command": "create",
        "prefix": str(made),
        "name": "made",
        "dry_run": True,
        "replaced": False,
        "packages": [package],
        "pip": [],
    }
    assert json.loads(dry.out) == expected
    result = cli("create", "-f", str(file), "--json")
    assert (result.code, result.err) == (0, "")  # no "created" line, no progress: the document
    assert json.loads(result.out) == {**expected, "dry_run": False}

    result = cli("clone", "made", "-n", "copy", "--json")
    assert (result.code, result.err) == (0, ""), result.err
    copy = {**expected, "command": "clone", "prefix": str(conda_home.envs / "copy")}
    assert json.loads(result.out) == {**copy, "name": "copy", "dry_run": False}
    dry = json.loads(cli("clone", "made", "-n", "copy2", "--dry-run", "--json").out)
    assert dry["packages"] == [package] and dry["dry_run"] is True
    assert dry["environment"]["name"] == "copy2"
    from_file = json.loads(cli("clone", str(file), "-n", "f", "--dry-run", "--json").out)
    assert from_file["packages"] is None  # a clone from a file does not solve in a dry run
    assert from_file["environment"]["dependencies"] == ["alpha=1.0"]
