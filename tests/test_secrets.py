"""secrets: what is a credential, how it is masked, and that no output of envtool ever prints one.

The last tests grep every output format (text, markdown, json, github; one file and --base;
stdout and stderr) and ``envtool check``'s findings for each raw secret, while checking that a
rotated token is still reported, masked.
"""

from __future__ import annotations

import doctest
import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from envtool import secrets
from envtool.diff.compare import diff
from envtool.files import envfile
from envtool.render import render
from envtool.secrets import credential, redact, redact_variable


def test_docstring_examples() -> None:
    assert doctest.testmod(secrets).failed == 0


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "https://conda.anaconda.org/t/tk-1234-abcd/private",
            "https://conda.anaconda.org/t/***/private",
        ),
        ("conda.anaconda.org/t/tk-1234/private", "conda.anaconda.org/t/***/private"),
        ("https://me:s3cret@repo.example/conda", "https://me:***@repo.example/conda"),
        ("https://me:p@ss@repo.example/conda", "https://me:***@repo.example/conda"),
        ("https://ghp_abcdef123@pypi.example/simple", "https://***@pypi.example/simple"),
        ("https://tok@host/simple", "https://***@host/simple"),  # short, but maybe a token
        ("https://x.example/simple?token=abc&page=2", "https://x.example/simple?token=***&page=2"),
        (
            "https://x.example/s?X-Amz-Signature=ab12&sig=cd",
            "https://x.example/s?X-Amz-Signature=***&sig=***",
        ),
        ("https://pypi.anaconda.org/t/tk-9/me/simple", "https://pypi.anaconda.org/t/***/me/simple"),
        ("pkg @ git+https://tok3n@github.com/o/r.git", "pkg @ git+https://***@github.com/o/r.git"),
        ("git+ssh://git@github.com/o/r.git", "git+ssh://git@github.com/o/r.git"),
        ("ssh://deploy@host/repo.git", "ssh://deploy@host/repo.git"),  # an ssh user names a key
        (
            "https://${PIP_USER}:${PIP_PASSWORD}@pypi.example/simple",
            "https://${PIP_USER}:${PIP_PASSWORD}@pypi.example/simple",
        ),
        ("https://%USER%:%PASS%@h/simple", "https://%USER%:%PASS%@h/simple"),
        (
            "https://conda.anaconda.org/t/<TOKEN>/private",
            "https://conda.anaconda.org/t/<TOKEN>/private",
        ),
        ("https://h/simple?token=$TOKEN", "https://h/simple?token=$TOKEN"),
        ("https://example.com/at/t-shirts/", "https://example.com/at/t-shirts/"),
        ("conda-forge", "conda-forge"),
        ("numpy=1.26.4", "numpy=1.26.4"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown
    assert redact(redact(text)) == shown  # idempotent


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("https://me:s3cret@repo.example.com/conda", "a password"),
        ("https://conda.anaconda.org/t/ab-123/private", "a token"),
        ("https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r", "a token"),
        ("https://repo.example.com/conda?token=abc123", "a token"),
        ("https://h/s?api_key=abc", "a token"),
        ("https://alice@pypi.example.com/simple", None),  # pip's keyring idiom: a user name
        ("git+ssh://git@github.com/o/r.git", None),
        ("https://${U}:${P}@h/", None),
        ("https://conda.anaconda.org/t/<TOKEN>/private", None),
        ("conda-forge", None),
    ],
)
def test_credential(text: str, kind: str | None) -> None:
    assert credential(text) == kind
    if kind is not None:
        assert credential(redact(text)) is None  # what is shown carries nothing


def test_conda_token_paths_are_not_reported_in_pip_urls_but_still_masked() -> None:
    url = "https://example.com/t/tools/x-1.0.tar.gz"
    assert credential(url, conda=False) is None
    assert credential(url) == "a token"
    assert redact(url) == "https://example.com/t/***/x-1.0.tar.gz"


def test_variables_named_as_secrets_are_hidden_whole() -> None:
    assert redact_variable("HF_TOKEN", "hf_abc") == "***"
    assert redact_variable("DB_PASSWORD", "") == ""
    assert redact_variable("AWS_ACCESS_KEY_ID", "${AWS_ACCESS_KEY_ID}") == "${AWS_ACCESS_KEY_ID}"
    assert redact_variable("URL", "https://u:pw@h/") == "https://u:***@h/"
    assert redact_variable("DEBUG", "1") == "1"


# ----------------------------------------------------------------------- every output, no secret


def env(deps: list[str], *, channels: list[str], pip: list[str], variables: dict[str, str]) -> str:
    lines = ["name: private", "channels:", *[f"  - {c}" for c in channels], "dependencies:"]
    lines += [f"  - {d}" for d in deps] + ["  - pip", "  - pip:"] + [f"      - {p}" for p in pip]
    lines += ["variables:", *[f"  {k}: {v}" for k, v in variables.items()]]
    return "\n".join(lines) + "\n"


SECRET_OLD = env(
    ["https://conda.anaconda.org/t/tk-OLD-1111/private::numpy=1.0", "python=3.11"],
    channels=[
        "https://conda.anaconda.org/t/tk-OLD-2222/private",
        "https://bob:hunter2@repo.example/conda",
    ],
    pip=[
        "--index-url https://alice:pw-old-3333@pypi.corp.example/simple",
        "--extra-index-url https://tok-old-4444@pypi.fury.example/me/",
        "foo==1.0",
    ],
    variables={"HF_TOKEN": "hf_old_5555", "INDEX": "https://u:pw-old-6666@h/simple"},
)
SECRET_NEW = env(
    ["https://conda.anaconda.org/t/tk-NEW-7777/private::numpy=2.0", "python=3.12"],
    channels=[
        "https://conda.anaconda.org/t/tk-NEW-8888/private",
        "https://bob:swordfish@repo.example/conda",
    ],
    pip=[
        "--index-url https://alice:pw-new-9999@pypi.corp.example/simple",
        "--extra-index-url https://tok-new-1010@pypi.fury.example/me/",
        "--extra-index-url https://carol:pw-1212@extra.example/simple?token=qs-1313",
        "foo==2.0",
    ],
    variables={"HF_TOKEN": "hf_new_1414", "INDEX": "https://u:pw-new-1515@h/simple"},
)
SECRETS = (
    *("tk-OLD", "tk-NEW", "hunter2", "swordfish", "pw-old", "pw-new", "tok-old", "tok-new"),
    *("pw-1212", "qs-1313", "hf_old", "hf_new"),
)


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_rotated_credentials_are_detected_but_never_shown() -> None:
    result = diff(envfile.parse(SECRET_OLD, "old.yml"), envfile.parse(SECRET_NEW, "new.yml"))
    notes = Counter((c.section, c.kind, c.note) for c in result.changes if c.note)
    assert notes == {
        ("channels", "channel-changed", "credentials changed"): 2,
        ("conda", "channel-changed", "credentials changed"): 1,
        ("pip", "pip-option-changed", "credentials changed"): 2,  # --index-url, fury's token
        ("variables", "variables-changed", "changed (value hidden)"): 2,
    }
    assert not any(c.risks for c in result.changes if c.note == "credentials changed")
    for fmt in ("text", "markdown", "json", "github"):
        out = render(result, fmt, path="new.yml", fails=lambda c: "any")
        assert not _leaks(out), fmt
        assert "credentials changed" in out and "***" in out, fmt
    assert not _leaks(repr(result))  # not even in the data


def test_no_secret_reaches_any_output_of_diff(cli, tmp_path: Path) -> None:
    (tmp_path / "old.yml").write_text(SECRET_OLD)
    (tmp_path / "new.yml").write_text(SECRET_NEW)
    for fmt in ("text", "markdown", "json", "github"):
        for extra in ((), ("--fail-on", "any"), ("--ignore", "https://u:pw-old-6666@h/*")):
            result = cli(
                "diff",
                str(tmp_path / "old.yml"),
                str(tmp_path / "new.yml"),
                "--format",
                fmt,
                *extra,
            )
            assert result.code in (0, 1), result.err
            assert not _leaks(result.out + result.err), (fmt, extra)
            assert "credentials changed" in result.out


def test_no_secret_reaches_any_output_of_diff_base(cli, tmp_path: Path, monkeypatch) -> None:
    for key, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(key, value)

    def git(*args: str) -> None:
        subprocess.run(
            ["git", *args], cwd=tmp_path, check=True, capture_output=True, env=os.environ
        )

    git("init", "-q", "-b", "main")
    (tmp_path / "environment.yml").write_text(SECRET_OLD)
    (tmp_path / "gone-env.yml").write_text(SECRET_OLD)
    git("add", "-A")
    git("commit", "-q", "-m", "v1")
    (tmp_path / "environment.yml").write_text(SECRET_NEW)
    (tmp_path / "gone-env.yml").unlink()
    (tmp_path / "new-env.yml").write_text(SECRET_NEW)
    monkeypatch.chdir(tmp_path)
    for fmt in ("text", "markdown", "json", "github"):
        result = cli("diff", "--base", "HEAD", "--format", fmt, "--fail-on", "any")
        assert result.code == 1, result.err
        assert not _leaks(result.out + result.err), fmt
        assert "credentials changed" in result.out
    doc = json.loads(cli("diff", "--base", "HEAD", "--format", "json").out)
    assert [f["status"] for f in doc["files"]] == ["modified", "deleted", "added"]


def test_no_secret_reaches_the_findings_of_check(cli, tmp_path: Path) -> None:
    (tmp_path / "env.yml").write_text(SECRET_NEW)
    result = cli("check", str(tmp_path / "env.yml"))
    assert result.code == 1
    assert "E201" in result.out
    assert not _leaks(result.out + result.err)
