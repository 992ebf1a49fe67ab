"""check: one finding per problem that breaks `env create` elsewhere, with its line; exit codes."""

from __future__ import annotations

import dataclasses
import doctest
import re
from pathlib import Path

import pytest
from conftest import CORPUS, DATA, corpus_files, needs_corpus, run_envtool

from envtool.files import fileio
from envtool.files import lint as lint_module
from envtool.files.lint import RULES, Finding, lint, lint_bytes
from envtool.secrets import credential, redact


def found(text: str) -> list[tuple[int, str]]:
    """(line, code) of every finding in ``text``."""
    return [(f.line, f.code) for f in lint(fileio.TextFile("env.yml", text))]


def messages(text: str, code: str) -> list[str]:
    return [f.message for f in lint(fileio.TextFile("env.yml", text)) if f.code == code]


CLEAN = "name: ml\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy>=1.26\n"


def test_clean_file_has_no_findings() -> None:
    assert found(CLEAN) == []


def test_finding_is_frozen_and_sorted_by_line() -> None:
    text = "prefix: /p\nname: a b\nchanne: [x]\ndependencies: [numpy=1=abc_0]\n"
    result = lint(fileio.TextFile("env.yml", text))
    assert [(f.line, f.code) for f in result] == [
        (1, "W301"),
        (2, "E004"),
        (3, "W005"),
        (4, "W302"),
    ]
    assert [f.severity for f in result] == ["warning", "error", "warning", "warning"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result[0].line = 2  # type: ignore[misc]


def test_doctests() -> None:
    assert doctest.testmod(lint_module).failed == 0


def test_every_code_is_documented() -> None:
    doc = lint_module.__doc__ or ""
    for code, name in RULES.items():
        assert re.search(rf"^{code}\s+{re.escape(name)}\s", doc, re.M), code


# ------------------------------------------------------------------------ the file itself


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("name: x\ndependencies:\n  - numpy\n - scipy\n", 4, "invalid YAML"),
        ("- numpy\n- scipy\n", 1, "expected a mapping at the top level, found a list"),
        ("name: a\nname: b\ndependencies: []\n", 2, "duplicate key 'name'"),
        ("", 1, "empty file"),
        ("name: x\ndependencies: numpy\n", 2, "'dependencies' must be a list"),
    ],
)
def test_unparseable_file_is_one_finding(text: str, line: int, reason: str) -> None:
    (finding,) = lint(fileio.TextFile("env.yml", text))
    assert (finding.line, finding.code, finding.severity) == (line, "E001", "error")
    assert reason in finding.message


def test_every_merge_conflict_marker_is_reported() -> None:
    text = (
        "name: x\n<<<<<<< HEAD\ndependencies: [numpy=1.26]\n||||||| base\n"
        "dependencies: [numpy]\n=======\ndependencies: [numpy=2.0]\n>>>>>>> 5c9f607\n"
    )
    assert found(text) == [(2, "E002"), (4, "E002"), (6, "E002"), (8, "E002")]


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"\x00\x01\x02ELF", 1, "binary file"),
        (b"name: caf\xe9\ndependencies: []\n", 1, "not UTF-8"),
        (b"name: x\ndependencies:\n  - caf\xe9\n", 3, "not UTF-8"),
    ],
)
def test_undecodable_bytes_are_a_finding(data: bytes, line: int, reason: str) -> None:
    (finding,) = lint_bytes(data, "env.yml")
    assert (finding.line, finding.code) == (line, "E001")
    assert reason in finding.message


def test_utf16_with_bom_and_crlf_is_read() -> None:
    data = "name: x\r\ndependencies:\r\n  - numpy\r\nprefix: C:\\envs\\x\r\n".encode("utf-16")
    assert [(f.line, f.code) for f in lint_bytes(data, "env.yml")] == [(4, "W301")]


def test_missing_dependencies() -> None:
    assert found("name: x\nchannels: [conda-forge]\n") == [(1, "E003")]
    assert found("name: x\ndependencies:\n") == []  # present but empty: an empty env


@pytest.mark.parametrize("name", ["a/b", "my env", "a:b", "a#b", "''"])
def test_invalid_env_name(name: str) -> None:
    assert found(f"dependencies: []\nname: {name}\n") == [(2, "E004")]


def test_env_name_that_is_a_path_says_how_to_fix_it() -> None:
    (message,) = messages("name: /scratch/me/envs/jax\ndependencies: []\n", "E004")
    assert "envtool rename" in message


def test_unknown_key_suggests_the_known_one() -> None:
    text = "name: x\nchanne:\n  - conda-forge\nDependencies: []\ndependencies: []\nfoo: 1\n"
    assert found(text) == [(2, "W005"), (4, "W005"), (6, "W005")]
    assert messages(text, "W005") == [
        "unknown top-level key 'channe': conda warns and ignores it — did you mean 'channels'?",
        "unknown top-level key 'Dependencies': conda warns and ignores it"
        " — did you mean 'dependencies'?",
        "unknown top-level key 'foo': conda warns and ignores it",
    ]


# ---------------------------------------------------------------------------- dependencies


def test_every_unparseable_spec_and_pip_line_is_reported() -> None:
    text = (
        "dependencies:\n  - numpy >=<1\n  - python\n  - ==1.0\n  - pip\n  - pip:\n"
        "    - requests[security\n    - ok==1\n    - foo bar\n"
    )
    assert found(text) == [(2, "E101"), (4, "E101"), (7, "E102"), (9, "E102")]
    assert "'numpy >=<1'" in messages(text, "E101")[0]


def test_duplicate_conda_packages_by_normalized_name() -> None:
    text = "dependencies:\n  - NumPy>=1.26\n  - python\n  - conda-forge::numpy<2\n  - numpy\n"
    assert found(text) == [(4, "W103"), (5, "W103")]
    assert "first on line 2" in messages(text, "W103")[0]


def test_duplicate_pip_projects_by_pep503_name() -> None:
    text = (
        "dependencies:\n  - pip\n  - pip:\n    - Flask_SocketIO==5.3\n    - flask.socketio\n"
        "    - --extra-index-url https://a\n    - --extra-index-url https://a\n"
    )
    assert found(text) == [(5, "W104")]


def test_package_in_both_conda_and_pip() -> None:
    text = "dependencies:\n  - pyyaml=6.0\n  - pip\n  - pip:\n    - PyYAML==6.0.1\n"
    assert found(text) == [(5, "W105")]
    assert "'pyyaml' is installed by conda (line 2)" in messages(text, "W105")[0]


def test_pip_section_without_pip_points_at_the_first_pip_key() -> None:
    text = "dependencies:\n  - python\n  - pip:\n    - requests\n  - pip:\n    - rich\n"
    assert found(text) == [(3, "W106")]


def test_pip_section_without_pip() -> None:
    text = "dependencies:\n  - python\n  - pip:\n    - requests\n"
    assert found(text) == [(3, "W106")]
    assert found(text.replace("  - python\n", "  - python\n  - pip=23.3\n")) == []
    assert found("dependencies:\n  - python\n  - pip:\n") == []  # nothing for pip to install


# ---------------------------------------------------------------- channels and credentials


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("channels:\n  - https://me:hunter2@conda.example.com/private\n", "hunter2"),
        ("channels:\n  - https://conda.anaconda.org/t/ab-12cd-34ef/private\n", "ab-12cd-34ef"),
        ("channels:\n  - https://repo.example.com/conda?token=abc123def\n", "abc123def"),
        ("dependencies:\n  - https://me:hunter2@conda.example.com/c::numpy\n", "hunter2"),
        (
            "dependencies:\n  - pip\n  - pip:\n"
            "    - --extra-index-url https://__token__:pypi-AgEIcHlw@pypi.example.com/simple\n",
            "pypi-AgEIcHlw",
        ),
        (
            "dependencies:\n  - pip\n  - pip:\n"
            "    - git+https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r.git\n",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        ),
        ("dependencies:\n  - pip\n  - pip:\n    - requests[x @ https://u:hunter2@h/\n", "hunter2"),
    ],
)
def test_credentials_are_reported_but_never_echoed(text: str, secret: str) -> None:
    result = lint(fileio.TextFile("env.yml", "name: x\n" + text))
    assert "E201" in [f.code for f in result]
    assert all(secret not in f.message for f in result)


@pytest.mark.parametrize(
    "url",
    [
        "git+ssh://git@github.com/o/r.git",
        "https://${PIP_USER}:${PIP_TOKEN}@pypi.example.com/simple",
        "https://user@pypi.example.com/simple",
        "https://conda.anaconda.org/t/<TOKEN>/private",
    ],
)
def test_no_credentials_in_user_names_or_placeholders(url: str) -> None:
    assert credential(url) is None
    if "://user@" in url:  # not reported (pip's keyring idiom), but masked: it may be a token
        assert redact(url) == url.replace("://user@", "://***@")
    else:
        assert redact(url) == url


def test_conda_token_syntax_is_not_looked_for_in_pip_urls() -> None:
    text = "dependencies:\n  - pip\n  - pip:\n    - https://example.com/t/tools/x-1.0.tar.gz\n"
    assert found(text) == []
    assert credential("https://example.com/t/tools/x.tar.gz", conda=False) is None


def test_nodefaults_as_a_spec_channel_or_a_package() -> None:
    text = "dependencies:\n  - nodefaults::numpy\n  - nodefaults\n  - conda-forge::scipy\n"
    assert found(text) == [(2, "E202"), (3, "E202")]


def test_nodefaults_as_the_only_channel() -> None:
    assert found("channels:\n  - nodefaults\ndependencies: []\n") == [(2, "W203")]
    assert found("channels: [nodefaults, conda-forge]\ndependencies: []\n") == []  # order is fine


def test_defaults_with_nodefaults() -> None:
    text = "channels:\n  - conda-forge\n  - defaults\n  - nodefaults\ndependencies: []\n"
    assert found(text) == [(4, "W204")]


def test_channel_lines_in_flow_style() -> None:
    text = "channels: [conda-forge,\n  file:///home/me/chan]\ndependencies: []\n"
    assert found(text) == [(2, "W304")]


# ----------------------------------------------------------------------------- portability


def test_prefix() -> None:
    text = "name: x\ndependencies: []\nprefix: /home/me/miniconda3/envs/x\n"
    assert found(text) == [(3, "W301")]


def test_build_strings_are_one_finding_with_the_count() -> None:
    text = (
        "dependencies:\n  - python=3.11\n  - numpy=1.26.4=py311h64a7726_0\n"
        "  - tqdm=4.66.2=pyhd8ed1ab_0\n  - six=1.16.0=py_0\n"
        "  - pytorch=2.1.0=*cuda*\n  - openssl=3.2.1=hd590300_0\n"
    )
    assert found(text) == [(3, "W302")]
    (message,) = messages(text, "W302")
    assert message.startswith("2 packages pin build strings (this line and 1 more, from 'numpy=")
    one = "dependencies:\n  - numpy=1.26.4=py311h64a7726_0\n"
    assert messages(one, "W302")[0].startswith("'numpy=1.26.4=py311h64a7726_0' pins a build")
    noarch_only = "dependencies:\n  - tqdm=4.66.2=pyhd8ed1ab_0\n  - pytorch=2.1=*cuda*\n"
    assert found(noarch_only) == []


def test_platform_only_packages_grouped_by_platform() -> None:
    text = (
        "dependencies:\n  - python\n  - libgcc-ng\n  - vc=14.2\n  - libstdcxx-ng>=13\n"
        "  - ld_impl_linux-64\n"
    )
    assert found(text) == [(3, "W303"), (4, "W303")]
    linux, win = messages(text, "W303")
    assert linux.startswith("3 packages are Linux-only (this line and 2 more: libgcc-ng, ")
    assert win.startswith("'vc' is Windows-only (")


@pytest.mark.parametrize(
    "line",
    [
        "-e /home/me/src/lib",
        "mylib @ file:///home/me/dist/mylib-1.0-py3-none-any.whl",
        "~/wheels/mylib-1.0-py3-none-any.whl",
        "C:\\Users\\me\\mylib",
        "--find-links=/srv/wheels",
        "-r /home/me/requirements.txt",
    ],
)
def test_local_paths_in_pip(line: str) -> None:
    text = f"dependencies:\n  - pip\n  - pip:\n    - '{line}'\n"
    assert found(text) == [(4, "W304")]


@pytest.mark.parametrize(
    "line",
    [
        "numpy ~= 1.20",
        "./wheels/mylib-1.0-py3-none-any.whl",
        "-r requirements/dev.txt",
        "--extra-index-url https://download.pytorch.org/whl/cu121",
        "torch==2.1.0+cu121 ; sys_platform == 'linux'",
    ],
)
def test_relative_paths_and_urls_are_fine(line: str) -> None:
    assert found(f'dependencies:\n  - pip\n  - pip:\n    - "{line}"\n') == []


def test_local_channel_and_local_package() -> None:
    text = "channels:\n  - /srv/conda-channel\ndependencies:\n  - file:///srv/c::numpy\n"
    assert found(text) == [(2, "W304"), (4, "W304")]


def test_editable_installs() -> None:
    text = (
        "dependencies:\n  - pip\n  - pip:\n    - -e .\n"
        "    - -e git+https://github.com/openai/CLIP.git@main#egg=clip\n"
    )
    assert found(text) == [(4, "W305"), (5, "W305")]
    relative, vcs = messages(text, "W305")
    assert "beside that checkout" in relative and "on git" in vcs


# ---------------------------------------------------------------------- golden scenarios


@pytest.mark.parametrize(
    "scenario", sorted(p.name for p in DATA.glob("check-*")), ids=lambda name: name
)
def test_check_scenario_output(cli, monkeypatch: pytest.MonkeyPatch, scenario: str) -> None:
    monkeypatch.chdir(DATA / scenario)
    result = cli("check", "input.yml")
    assert result.out == (DATA / scenario / "expected.txt").read_text()
    assert result.code == 1
    assert re.fullmatch(r"envtool: \d+ findings? \(.*\) in 1 file\n", result.err)


# --------------------------------------------------------------------------- exit codes


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def test_exit_0_when_clean_and_silent(cli, tmp_path: Path) -> None:
    result = cli("check", write(tmp_path, "env.yml", CLEAN))
    assert (result.code, result.out, result.err) == (0, "", "")


def test_exit_1_on_warnings_too(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "env.yml", CLEAN + "prefix: /home/me/envs/ml\n")
    result = cli("check", path)
    assert result.code == 1
    assert result.out.startswith(f"{path}:7: W301 prefix: '/home/me/envs/ml' is a path")
    assert result.err == "envtool: 1 finding (1 warning) in 1 file\n"


def test_broken_files_are_findings_not_errors(cli, tmp_path: Path) -> None:
    yaml = write(tmp_path, "bad.yml", "name: [x\n")
    binary = write(tmp_path, "bin.yml", b"\x7fELF\x00\x00")
    result = cli("check", yaml, binary)
    assert result.code == 1
    assert [line.split(" ")[:2] for line in result.out.splitlines()] == [
        [f"{yaml}:2:", "E001"],
        [f"{binary}:1:", "E001"],
    ]
    assert result.err == "envtool: 2 findings (2 errors) in 2 of 2 files\n"


def test_unreadable_path_is_exit_2_and_other_files_are_still_checked(cli, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yml", CLEAN)
    warn = write(tmp_path, "warn.yml", CLEAN + "prefix: /p\n")
    missing = str(tmp_path / "missing.yml")
    result = cli("check", good, missing, warn, str(tmp_path))
    assert result.code == 2
    assert result.out.startswith(f"{warn}:7: W301 ")
    assert result.err.splitlines() == [
        f"envtool: error: {missing}: no such file",
        f"envtool: error: {tmp_path}: is a directory, not an environment file",
        "envtool: 1 finding (1 warning) in 1 of 4 files",
    ]


def test_quiet_drops_the_summary_not_the_findings(cli, tmp_path: Path) -> None:
    result = cli("-q", "check", write(tmp_path, "env.yml", "dependencies: [nodefaults]\n"))
    assert (result.code, result.err) == (1, "")
    assert result.out.endswith(
        ": E202 'nodefaults' is not a package: it belongs in channels:, "
        "to stop conda adding defaults\n"
    )


def test_check_as_a_real_process_reads_stdin(tmp_path: Path) -> None:
    result = run_envtool("check", "-", input="name: x\nchanne: []\ndependencies: []\n")
    assert result.code == 1
    assert result.out == (
        "<stdin>:2: W005 unknown top-level key 'channe': conda warns and ignores it"
        " — did you mean 'channels'?\n"
    )
    assert result.err == "envtool: 1 finding (1 warning) in 1 file\n"


# ------------------------------------------------------------------------------ the corpus


@needs_corpus
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_file_is_checked_without_a_crash(path: Path) -> None:
    data = path.read_bytes()
    n_lines = fileio.decode(data, str(path)).text.count("\n") + 1
    for finding in lint_bytes(data, str(path)):
        assert isinstance(finding, Finding)
        assert finding.code in RULES
        assert 1 <= finding.line <= n_lines
        assert "\n" not in finding.message


def corpus_findings(name: str) -> list[Finding]:
    return lint_bytes((CORPUS / name).read_bytes(), name)


@needs_corpus
def test_corpus_typo_key_suggests_channels() -> None:
    (typo,) = [f for f in corpus_findings("dreamer-pytorch-1__conda-env.yml") if f.code == "W005"]
    assert typo.line == 2
    assert typo.message.endswith("did you mean 'channels'?")


@needs_corpus
def test_corpus_merge_conflict_markers() -> None:
    result = corpus_findings("land-cover__tensorflow-baseline-environment.yml")
    assert [(f.line, f.code) for f in result] == [(1, "E002"), (21, "E002"), (41, "E002")]


@needs_corpus
def test_corpus_utf16_windows_export_is_read() -> None:
    result = corpus_findings("ma-data-centric-ai-in-nlp__environment-windows.yml")
    assert "E001" not in [f.code for f in result]
    assert [f.code for f in result] == ["W303", "W301"]


@needs_corpus
@pytest.mark.parametrize("path", sorted(CORPUS.glob("es-rl__environment-linux__*.yml")))
def test_corpus_prefix_is_reported(path: Path) -> None:
    prefix = [f for f in corpus_findings(path.name) if f.code == "W301"]
    assert len(prefix) == 1
    assert "/home/jakob/anaconda3/envs/ml" in prefix[0].message


def test_ignore_leaves_out_findings_by_code_or_name(cli, tmp_path) -> None:
    f = tmp_path / "environment.yml"
    f.write_text("name: a\ndependencies:\n  - pip\n  - pip:\n    - -e .\n")
    assert cli("check", str(f)).code == 1
    assert cli("check", str(f), "--ignore", "W305").code == 0
    assert cli("check", str(f), "--ignore", "editable").code == 0
    bad = cli("check", str(f), "--ignore", "W999")
    assert bad.code == 2 and "unknown finding 'W999'" in bad.err


def test_names_listed_again_in_a_large_file_are_all_found() -> None:
    """W103 on a file of 20,000 names: exactly the lines a dict of every name would report
    (``_Names`` keeps a bit a name and looks again only at candidates)."""
    import random

    rng = random.Random(5)
    names = [f"pkg{i}" for i in range(20_000)]
    names += [rng.choice(names).upper() for _ in range(40)]  # listed again, another case
    rng.shuffle(names)
    text = "dependencies:\n" + "".join(f"  - {n}=1.0\n" for n in names) + "  - bad [\n"
    first: dict[str, int] = {}
    want = []
    for line, name in enumerate(names, 2):
        key = name.lower()
        if key in first:
            want.append((line, first[key]))
        else:
            first[key] = line
    found = lint(fileio.TextFile("x.yml", text))
    got = [
        (f.line, int(re.search(r"first on line (\d+)", f.message).group(1)))  # type: ignore[union-attr]
        for f in found
        if f.code == "W103"
    ]
    assert got == want and len(want) >= 40
    assert [f.code for f in found if f.line == len(names) + 2] == ["E101"]
