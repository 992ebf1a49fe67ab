"""The conda / mamba / micromamba backends: exact command lines, parsing of what the tools print
(conda 26.7.1's golden outputs, and JSON documents in the tools' shapes), and the backend run
end to end against a stand-in tool on PATH (there is no conda here). Real tools: marked
``conda``, skipped when none is on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from condakit import TEST_CONDA_VAR

from envtool import process
from envtool.backends import conda_argv as argv_for
from envtool.backends.conda import CondaCliBackend, create_backend
from envtool.backends.conda_errors import error_summary, one_line, text_error
from envtool.backends.conda_json import (
    ListEntry,
    ToolInfo,
    env_locations,
    export_pip,
    export_to_envfile,
    extract_json,
    package_channel,
    parse_env_list,
    parse_export,
    parse_info,
    parse_list,
    pip_from_list,
    solved_packages,
    to_packages,
)
from envtool.backends.conda_text import (
    parse_create_text,
    parse_env_list_text,
    parse_explicit,
    parse_list_text,
)
from envtool.envs import export
from envtool.envs.history import spec_name
from envtool.envs.model import CreateOptions, CreateResult, EnvLocation
from envtool.envs.prefix import read_variables, write_variables
from envtool.errors import BackendError, EnvNotFoundError, ProcessError, UsageError
from envtool.files import envfile

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "conda-golden"
JSON_DIR = DATA / "backend-conda-json"
FAKE_TOOL = DATA / "backend-conda-fake" / "fake_tool.py"
TOOLS: tuple[argv_for.Tool, ...] = ("conda", "mamba", "micromamba")


# ------------------------------------------------------------------------------- golden files


@dataclass(frozen=True)
class Golden:
    command: str | None  # the "$ command" line, when the file has one
    output: str  # stdout and stderr as printed
    rc: int | None


def golden(name: str) -> Golden:
    """A conda-golden ``.out`` file split into its command, its output and its exit status."""
    text = (GOLDEN / name).read_text(encoding="utf-8")
    command = None
    if text.startswith("$ "):
        first, _, text = text.partition("\n")
        command = first[2:]
    rc = None
    tail = text.rstrip().rsplit("\n", 1)[-1]
    if tail.startswith("[rc=") and tail.endswith("]"):
        rc = int(tail[4:-1])
    timing = text.rfind("\nreal\t")
    output = text[:timing] if timing >= 0 else text
    return Golden(command, output, rc)


def yaml_part(text: str) -> str:
    """The YAML document of an export whose .out file also holds conda's warnings (stderr)."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("name:"))
    return "".join(lines[start:])


def data_json(name: str) -> object:
    return json.loads((JSON_DIR / name).read_text(encoding="utf-8"))


def test_golden_splitter() -> None:
    run = golden("export-a.out")
    assert run.command == "conda env export -p /opt/conda/envs/a"
    assert run.rc == 0
    assert run.output.startswith("name: a\n") and run.output.endswith("prefix: /opt/conda/envs/a\n")
    assert golden("compare-a-mismatch.out").rc == 1
    untitled = golden("create-a.out")  # recorded without its command line or status
    assert untitled.command is None and untitled.rc is None
    assert "Executing transaction" in untitled.output


# ----------------------------------------------------------------------------------- argv

P = Path("/envs/work")
SRC = Path("/envs/src")
F = Path("/tmp/x/environment.yml")
X = Path("/tmp/x/explicit.txt")
ROOT = Path("/opt/mm")

# (operation, tool) -> the exact command line. Executables are named after the tool.
ARGV: dict[tuple[str, str], list[str]] = {
    ("info", "conda"): ["conda", "info", "--json"],
    ("info", "mamba"): ["mamba", "info", "--json"],
    ("info", "micromamba"): ["micromamba", "info", "--root-prefix", "/opt/mm", "--json"],
    ("env_list", "conda"): ["conda", "env", "list", "--json"],
    ("env_list", "mamba"): ["mamba", "env", "list", "--json"],
    ("env_list", "micromamba"): [
        "micromamba", "env", "list", "--root-prefix", "/opt/mm", "--json",
    ],
    ("list", "conda"): ["conda", "list", "--prefix", "/envs/work", "--json"],
    ("list", "mamba"): ["mamba", "list", "--prefix", "/envs/work", "--json"],
    ("list", "micromamba"): [
        "micromamba", "list", "--root-prefix", "/opt/mm", "--prefix", "/envs/work", "--json",
    ],
    ("explicit", "conda"): ["conda", "list", "--prefix", "/envs/work", "--explicit", "--md5"],
    ("explicit", "mamba"): ["mamba", "list", "--prefix", "/envs/work", "--explicit", "--md5"],
    ("explicit", "micromamba"): [
        "micromamba", "list", "--root-prefix", "/opt/mm",
        "--prefix", "/envs/work", "--explicit", "--md5",
    ],
    ("export", "conda"): ["conda", "env", "export", "--prefix", "/envs/work", "--json"],
    ("export", "mamba"): ["mamba", "env", "export", "--prefix", "/envs/work", "--json"],
    ("export", "micromamba"): [
        "micromamba", "env", "export", "--root-prefix", "/opt/mm",
        "--prefix", "/envs/work", "--json",
    ],
    ("export_history", "conda"): [
        "conda", "env", "export", "--prefix", "/envs/work", "--from-history", "--json",
    ],
    ("export_history", "mamba"): [
        "mamba", "env", "export", "--prefix", "/envs/work", "--from-history", "--json",
    ],
    ("export_history", "micromamba"): [
        "micromamba", "env", "export", "--root-prefix", "/opt/mm",
        "--prefix", "/envs/work", "--from-history", "--json",
    ],
    ("create", "conda"): [
        "conda", "env", "create", "--file", "/tmp/x/environment.yml",
        "--prefix", "/envs/work", "--yes", "--json",
    ],
    ("create", "mamba"): [
        "mamba", "env", "create", "--file", "/tmp/x/environment.yml",
        "--prefix", "/envs/work", "--yes", "--json",
    ],
    ("create", "micromamba"): [
        "micromamba", "create", "--root-prefix", "/opt/mm", "--file", "/tmp/x/environment.yml",
        "--prefix", "/envs/work", "--yes", "--json",
    ],
    # conda's `env create --yes` deletes an existing target before it looks at --dry-run
    ("dry_run", "conda"): [
        "conda", "env", "create", "--file", "/tmp/x/environment.yml",
        "--prefix", "/envs/work", "--dry-run", "--json",
    ],
    ("dry_run", "mamba"): [
        "mamba", "env", "create", "--file", "/tmp/x/environment.yml",
        "--prefix", "/envs/work", "--dry-run", "--json",
    ],
    ("dry_run", "micromamba"): [
        "micromamba", "create", "--root-prefix", "/opt/mm", "--file", "/tmp/x/environment.yml",
        "--prefix", "/envs/work", "--dry-run", "--yes", "--json",
    ],
    ("create_explicit", "conda"): [
        "conda", "create", "--file", "/tmp/x/explicit.txt",
        "--prefix", "/envs/work", "--yes", "--json",
    ],
    ("create_explicit", "mamba"): [
        "mamba", "create", "--file", "/tmp/x/explicit.txt",
        "--prefix", "/envs/work", "--yes", "--json",
    ],
    ("create_explicit", "micromamba"): [
        "micromamba", "create", "--root-prefix", "/opt/mm", "--file", "/tmp/x/explicit.txt",
        "--prefix", "/envs/work", "--yes", "--json",
    ],
}  # fmt: skip


def build(operation: str, tool: argv_for.Tool) -> list[str]:
    root = ROOT if tool == "micromamba" else None
    if operation == "info":
        return argv_for.info(tool, tool, root_prefix=root)
    if operation == "env_list":
        return argv_for.env_list(tool, tool, root_prefix=root)
    if operation == "list":
        return argv_for.list_packages(tool, tool, P, root_prefix=root)
    if operation == "explicit":
        return argv_for.list_explicit(tool, tool, P, root_prefix=root)
    if operation in ("export", "export_history"):
        history = operation == "export_history"
        return argv_for.export(tool, tool, P, from_history=history, root_prefix=root)
    if operation in ("create", "dry_run"):
        return argv_for.create(tool, tool, F, P, dry_run=operation == "dry_run", root_prefix=root)
    assert operation == "create_explicit"
    return argv_for.create_explicit(tool, tool, X, P, root_prefix=root)


@pytest.mark.parametrize(("operation", "tool"), sorted(ARGV))
def test_argv(operation: str, tool: argv_for.Tool) -> None:
    assert build(operation, tool) == ARGV[operation, tool]


def test_argv_clone_is_condas_alone() -> None:
    assert argv_for.clone("/opt/conda/bin/conda", SRC, P) == [
        "/opt/conda/bin/conda", "create", "--clone", "/envs/src",
        "--prefix", "/envs/work", "--yes", "--json",
    ]  # fmt: skip
    assert [t for t in TOOLS if argv_for.has_clone(t)] == ["conda"]


def test_argv_root_prefix_only_for_micromamba() -> None:
    for tool in ("conda", "mamba"):
        assert "--root-prefix" not in argv_for.list_packages(tool, tool, P, root_prefix=ROOT)


# ---------------------------------------------------------------------------- parsing: export

EXPORT_PAIRS = [
    ("export-a-json.out", "export-a.out"),
    ("cexport-json-flag.out", "cexport-default.out"),
    ("cexport-environment-json.out", "cexport-environment-yaml.out"),
    ("json-p.out", "export-p.out"),  # CondaExportWarning (stderr) printed before the JSON
]


@pytest.mark.parametrize(("json_out", "yaml_out"), EXPORT_PAIRS)
def test_export_json_is_the_yaml_export(json_out: str, yaml_out: str) -> None:
    doc = parse_export(extract_json(golden(json_out).output, "export"), "export")
    yaml_text = yaml_part(golden(yaml_out).output)
    env = export_to_envfile(doc)
    assert env == envfile.parse(yaml_text, yaml_out)
    assert envfile.dump_yaml(env) == yaml_text  # nothing lost: conda's bytes come back


def test_export_pip_section() -> None:
    doc = parse_export(extract_json(golden("json-p.out").output, "export"), "export")
    assert [(p.name, p.version) for p in export_pip(doc) or ()] == [("toyreq", "1.2.3")]
    a = parse_export(extract_json(golden("export-a-json.out").output, "export"), "export")
    assert export_pip(a) is None


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("[]", "the document is not a JSON object"),
        ('{"dependencies": "alpha"}', "'dependencies' is not a list"),
        ('{"dependencies": [3]}', "dependency 3 is neither a spec nor a pip list"),
        ('{"dependencies": [{"pip": [1]}]}', "'pip' is not a list of strings"),
        ('{"dependencies": [], "channels": "x"}', "'channels' is not a list of strings"),
        ('{"dependencies": [], "variables": []}', "'variables' is not a mapping"),
    ],
)
def test_export_malformed_is_one_line(document: str, problem: str) -> None:
    with pytest.raises(BackendError) as info:
        parse_export(json.loads(document), "conda env export --json")
    assert str(info.value) == f"conda env export --json: unexpected output: {problem}"


# ------------------------------------------------------------------------------ parsing: list


@pytest.mark.parametrize("env", ["a", "p"])
def test_list_json_agrees_with_condas_table(env: str) -> None:
    rows = parse_list(data_json(f"list-{env}.json"), "conda list --json")
    table = parse_list_text(golden(f"list-{env}.out").output)
    assert [(r["name"], r["version"], r["build_string"]) for r in rows] == [
        (r["name"], r["version"], r["build_string"]) for r in table
    ]
    assert [r["channel"] == "pypi" for r in rows] == [r["channel"] == "pypi" for r in table]


def test_list_to_packages_and_pip() -> None:
    rows = parse_list(data_json("list-p.json"), "conda list --json")
    packages = to_packages(rows, lambda r: "file:///srv/channel")
    assert [p.dist for p in packages] == [
        "alpha-2.1-h4616a5c_1",
        "pip-24.0-h4616a5c_0",
        "python-3.11.0-h4616a5c_0",
    ]
    assert {p.subdir for p in packages} == {"noarch"}
    assert [(p.name, p.version) for p in pip_from_list(rows)] == [("toyreq", "1.2.3")]


def test_package_channel_prefers_what_the_tool_exported() -> None:
    def row(base_url: str, channel: str) -> ListEntry:
        return cast(ListEntry, {"base_url": base_url, "channel": channel})

    canonical = {
        "https://conda.anaconda.org/conda-forge": "conda-forge",
        "https://repo.anaconda.com/pkgs/main": "defaults",
        "https://mirror.example/conda-forge": "https://mirror.example/conda-forge",
    }.__getitem__
    entry = row("https://conda.anaconda.org/conda-forge", "conda-forge")
    assert package_channel(entry, {"conda-forge"}, canonical) == "conda-forge"
    main = row("https://repo.anaconda.com/pkgs/main", "pkgs/main")
    assert package_channel(main, {"defaults"}, canonical) == "defaults"
    # a mirror the tool knows as custom channel "conda-forge": the tool's name wins
    mirror = row("https://mirror.example/conda-forge", "conda-forge")
    assert package_channel(mirror, {"conda-forge"}, canonical) == "conda-forge"
    assert package_channel(mirror, set(), canonical) == "https://mirror.example/conda-forge"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"name": "x"}, "expected a list of packages"),
        (["x"], "item 0 is not a JSON object"),
        ([{"version": "1", "build_string": "0"}], "'name' is missing, expected text"),
        ([{"name": "a", "version": 1, "build_string": "0"}], "'version' is a int, expected text"),
    ],
)
def test_list_malformed_is_one_line(document: object, problem: str) -> None:
    with pytest.raises(BackendError) as info:
        parse_list(document, "conda list --json")
    assert str(info.value) == f"conda list --json: unexpected output: {problem}"


def test_extract_json_skips_what_is_around_it() -> None:
    text = "notice: a new conda is out\n[\n  1,\n  2\n]\nmore notices\n"
    assert extract_json(text, "x") == [1, 2]
    with pytest.raises(BackendError, match=r"^conda list --json: no output \(expected JSON\)$"):
        extract_json("  \n", "conda list --json")
    with pytest.raises(BackendError, match=r"unexpected output \(expected JSON\): 'name: a'$"):
        extract_json(golden("export-a.out").output, "conda env export --json")


# --------------------------------------------------------------------------- parsing: info, envs

CONDA_INFO = ToolInfo(
    root_prefix=Path("/opt/conda"),
    envs_dirs=(Path("/opt/conda/envs"), Path("/home/user/.conda/envs")),
    active_prefix=None,
    platform="linux-64",
    version="26.7.1",
)


def test_info_conda() -> None:
    assert parse_info(data_json("info-conda.json"), "conda info --json") == CONDA_INFO


def test_info_micromamba_both_key_spellings() -> None:
    new = parse_info(data_json("info-micromamba.json"), "micromamba info --json")
    assert new == ToolInfo(
        Path("/home/user/micromamba"), (Path("/home/user/micromamba/envs"),), None,
        "linux-64", "2.3.0",
    )  # fmt: skip
    old = parse_info(data_json("info-micromamba-1.json"), "micromamba info --json")
    assert old.envs_dirs == (Path("/home/user/micromamba/envs"),)
    assert old.active_prefix == Path("/home/user/micromamba/envs/work")
    assert old.version == "1.5.8"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "the document is not a JSON object"),
        ({"envs_dirs": []}, "no root prefix ('root_prefix' or 'base environment')"),
        ({"root_prefix": "/r", "envs_dirs": "/r/envs"}, "'envs_dirs' is not a list of strings"),
    ],
)
def test_info_malformed_is_one_line(document: object, problem: str) -> None:
    with pytest.raises(BackendError) as info:
        parse_info(document, "conda info --json")
    assert str(info.value) == f"conda info --json: unexpected output: {problem}"


GOLDEN_ENVS = [
    ("a", Path("/opt/conda/envs/a")),
    ("b", Path("/opt/conda/envs/b")),
    ("c", Path("/opt/conda/envs/c")),
    ("d", Path("/opt/conda/envs/d")),
    ("e", Path("/opt/conda/envs/e")),
    ("base", Path("/opt/conda")),
]


def test_env_list_text() -> None:
    assert parse_env_list_text(golden("envlist.out").output) == GOLDEN_ENVS
    micromamba = """\
  Name   Active  Path
────────────────────────────────────────
  base           /home/user/micromamba
  work   *       /home/user/micromamba/envs/work
                 /srv/elsewhere/env
"""
    assert parse_env_list_text(micromamba) == [
        ("base", Path("/home/user/micromamba")),
        ("work", Path("/home/user/micromamba/envs/work")),
        (None, Path("/srv/elsewhere/env")),
    ]


def test_env_list_json_gives_the_tables_envs() -> None:
    doc = parse_env_list(data_json("envlist.json"), "conda env list --json")
    locations = env_locations(doc, CONDA_INFO)
    assert sorted((loc.name, loc.prefix) for loc in locations) == sorted(GOLDEN_ENVS)
    # an older conda: no envs_details, so conda's naming rule decides
    old = env_locations(parse_env_list(data_json("envlist-old.json"), "x"), CONDA_INFO)
    assert sorted((loc.name, loc.prefix) for loc in old if loc.name) == sorted(GOLDEN_ENVS)
    assert EnvLocation(Path("/srv/elsewhere/env"), None) in old
    with pytest.raises(BackendError, match=r"^x: unexpected output: no 'envs' list$"):
        parse_env_list({"envs_dirs": []}, "x")


# ---------------------------------------------------------------- parsing: explicit, create


@pytest.mark.parametrize(
    ("name", "md5"),
    [
        ("list-explicit-md5-a.out", True),
        ("list-explicit-a.out", False),
        ("cexport-explicit.out", False),
    ],
)
def test_explicit(name: str, md5: bool) -> None:
    pairs = parse_explicit(golden(name).output, "conda list --explicit")
    assert [url.rsplit("/", 1)[1] for url, _ in pairs] == [
        "delta-3.2.1-h4616a5c_0.tar.bz2",
        "alpha-2.0-h4616a5c_0.tar.bz2",
        "beta-1.5-h4616a5c_0.tar.bz2",
    ]
    assert all(bool(m) == md5 for _, m in pairs)
    with pytest.raises(BackendError, match="no @EXPLICIT line"):
        parse_explicit(golden("export-a.out").output, "conda list --explicit")


def test_create_plan_text() -> None:
    assert parse_create_text(golden("create-c-rattler.out").output) == [
        ("alpha", "2.0", "h4616a5c_0", "channel"),
        ("beta", "1.5", "h4616a5c_0", "channel"),
        ("delta", "3.2.1", "h4616a5c_0", "channel"),
        ("gamma", "0.3", "h4616a5c_0", "channel"),
    ]
    assert [p[0] for p in parse_create_text(golden("clone-b.out").output)] == [
        "alpha", "beta", "delta",
    ]  # fmt: skip
    assert parse_create_text(golden("create-e-explicit.out").output) == []


def _canonical(channel: str) -> str:
    return channel.rstrip("/").removesuffix("/noarch")


@pytest.mark.parametrize(
    "name",
    [
        "dryrun-conda.json",
        "dryrun-conda-26.7.1.json",
        "dryrun-micromamba.json",
        "create-conda.json",
    ],
)
def test_solved_packages(name: str) -> None:
    packages = solved_packages(data_json(name), name, _canonical)
    assert [p.dist for p in packages] == [
        "alpha-2.0-h4616a5c_0",
        "beta-1.5-h4616a5c_0",
        "delta-3.2.1-h4616a5c_0",
    ]
    assert {p.channel for p in packages} == {"file:///srv/channel"}
    assert {p.subdir for p in packages} == {"noarch"}


def test_solved_packages_malformed() -> None:
    with pytest.raises(BackendError, match=r"^x: unexpected output: neither 'actions' nor"):
        solved_packages({"result": 1}, "x", _canonical)
    with pytest.raises(BackendError, match="is not channel/subdir::name==version=build"):
        solved_packages({"dependencies": ["alpha"]}, "x", _canonical)


# ------------------------------------------------------------------------------ parsing: errors


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        (
            "error-packagesnotfound.json",
            "PackagesNotFoundError: not available from the current channels: nonexistent",
        ),
        (
            "error-unsatisfiable.json",
            "LibMambaUnsatisfiableError: Could not solve for environment specs; The following "
            "packages are incompatible; alpha ==2.1 * is requested and can be installed; "
            "gamma * is not installable because it requires; alpha <2.1 *, which conflicts "
            "with any installable versions previously reported.",
        ),
        (
            "error-micromamba.json",
            "could not solve: nothing provides requested nonexistent; package "
            "gamma-0.3-h4616a5c_0 requires alpha <2.1, but none of the providers can be installed",
        ),
    ],
)
def test_json_error_summary(name: str, summary: str) -> None:
    stdout = (JSON_DIR / name).read_text(encoding="utf-8")
    assert error_summary(stdout, "") == summary


def test_json_error_after_a_notice() -> None:
    """Real conda 26.7.1, ``env create --json`` of a file with a pip section but no ``pip``
    dependency: a warning line on stdout, then the error document (the stand-in printed none)."""
    stdout = (
        "Warning: you have pip-installed dependencies in your environment file, but you do not "
        "list pip itself as one of your conda dependencies.  ...\n"
        + json.dumps(
            {
                "exception_name": "PackagesNotFoundInChannelsError",
                "message": "The following packages are not available from current channels:",
                "packages": ["nosuchpkg"],
            },
            indent=2,
        )
        + "\n"
    )
    assert error_summary(stdout, "") == (
        "PackagesNotFoundInChannelsError: not available from the current channels: nosuchpkg"
    )


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        (
            "compare-nonexist.out",
            "EnvironmentLocationNotFound: Not a conda environment: /opt/conda/envs/nonexist",
        ),
        (
            "export-a-file.out",
            "EnvironmentExporterNotDetected: No environment exporter plugin found for filename "
            "'exported-a.yml'.",
        ),
        ("export-a.out", None),
    ],
)
def test_text_error_from_goldens(name: str, summary: str | None) -> None:
    assert error_summary("", golden(name).output) == summary


def test_text_errors_of_other_shapes() -> None:
    conda_text = (
        "\nPackagesNotFoundError: The following packages are not available from current "
        "channels:\n\n  - nonexistent\n  - other\n\nCurrent channels:\n\n  - file:///c\n"
    )
    assert text_error(conda_text) == (
        "PackagesNotFoundError: The following packages are not available from current "
        "channels: nonexistent, other"
    )
    micromamba = (
        "Encountered problems while solving:\n  - nothing provides requested xtl <0.1\n\n"
        "ERROR   Could not solve for environment specs\n"
    )
    assert text_error(micromamba) == "could not solve: nothing provides requested xtl <0.1"
    assert text_error("x\ncritical libmamba Subdir bad/noarch not loaded!\n") == (
        "Subdir bad/noarch not loaded!"
    )
    assert one_line("a\n\n  b\n" + "c" * 400).endswith("…")
    assert "\n" not in one_line("a\nb")


# --------------------------------------------------------------------- the stand-in tool on PATH

INDEX = {
    "alpha": {"version": "2.0", "build": "h4616a5c_0"},
    "beta": {"version": "1.5", "build": "h4616a5c_0", "depends": ["alpha >=1.0"]},
    "delta": {"version": "3.2.1", "build": "h4616a5c_0"},
}
ENV_YML = """\
name: ignored
channels:
  - file:///srv/channel
dependencies:
  - alpha=2.0
  - beta
"""
_CONDA_VARS = (
    "CONDA_EXE",
    "CONDA_PREFIX",
    "CONDA_ROOT",
    "CONDA_ROOT_PREFIX",
    "CONDARC",
    "CONDA_ENVS_DIRS",
    "CONDA_ENVS_PATH",
    "CONDA_CHANNELS",
    "CONDA_CHANNEL_ALIAS",
    "CONDA_DEFAULT_CHANNELS",
    "MAMBA_ROOT_PREFIX",
    "XDG_CONFIG_HOME",
)


@dataclass
class Fake:
    bin: Path
    root: Path
    log_file: Path
    scratch: Path  # the temp dir envtool's scratch files go to

    def exe(self, tool: str) -> str:
        return str(self.bin / tool)

    def backend(self, tool: argv_for.Tool) -> CondaCliBackend:
        root = self.root if tool == "micromamba" else None
        return CondaCliBackend(tool, self.exe(tool), root_prefix=root)

    def calls(self) -> list[list[str]]:
        if not self.log_file.exists():
            return []
        lines = self.log_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def clear(self) -> None:
        self.log_file.unlink(missing_ok=True)

    def replay(self, answers: dict[str, dict[str, object]]) -> None:
        path = self.bin.parent / "replay.json"
        path.write_text(json.dumps(answers), encoding="utf-8")
        os.environ["FAKE_REPLAY"] = str(path)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    """conda, mamba and micromamba stand-ins on PATH, with a root prefix and no user config."""
    for var in _CONDA_VARS:
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    source = FAKE_TOOL.read_text(encoding="utf-8")
    for tool in TOOLS:
        script = bin_dir / tool
        # -S: no site-packages, a faster start; the stand-in needs only the standard library
        script.write_text(f"#!{sys.executable} -S\n{source}", encoding="utf-8")
        script.chmod(0o755)
    root = tmp_path / "root"
    (root / "envs").mkdir(parents=True)
    (root / "conda-meta").mkdir()
    (root / "conda-meta" / "history").write_text("", encoding="utf-8")
    index = tmp_path / "index.json"
    index.write_text(json.dumps(INDEX), encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_ROOT", str(root))
    monkeypatch.setenv("FAKE_INDEX", str(index))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "calls.log"))
    monkeypatch.delenv("FAKE_REPLAY", raising=False)
    yield Fake(bin_dir, root, tmp_path / "calls.log", scratch)


def test_fake_tool_is_found_like_the_real_one(fake: Fake) -> None:
    assert process.which("conda") == fake.exe("conda")
    backend = create_backend("conda", fake.exe("conda"))
    assert backend.name == "conda"
    with pytest.raises(UsageError, match="unknown tool 'pip'"):
        create_backend("pip", "pip")


# ----------------------------------------------------------------- reading golden envs (replay)


def _replay_env(fake: Fake, tmp_path: Path, env: str) -> tuple[CondaCliBackend, EnvLocation]:
    """Env ``a`` or ``p`` of the goldens, its conda-meta copied, the tool answering with
    conda's outputs for it."""
    prefix = tmp_path / "opt" / "envs" / env
    shutil.copytree(GOLDEN / f"prefix-{env}-conda-meta", prefix / "conda-meta")
    exe = fake.exe("conda")

    def key(argv: list[str]) -> str:
        return " ".join(argv[1:])

    answers: dict[str, dict[str, object]] = {
        key(argv_for.list_packages("conda", exe, prefix)): {
            "stdout": (JSON_DIR / f"list-{env}.json").read_text(encoding="utf-8")
        }
    }
    if env == "a":
        full = golden("export-a-json.out").output
        history = (JSON_DIR / "export-a-fromhistory.json").read_text(encoding="utf-8")
        history_err = ""
    else:
        full = golden("json-p.out").output  # its warnings first, then the JSON
        text = golden("export-p-hist.out").output
        history = yaml_part(text)  # as mamba 2.0 answered `env export --json`: YAML
        history_err = text[: len(text) - len(history)]
    answers[key(argv_for.export("conda", exe, prefix))] = {"stdout": full}
    answers[key(argv_for.export("conda", exe, prefix, from_history=True))] = {
        "stdout": history,
        "stderr": history_err,
    }
    fake.replay(answers)
    return fake.backend("conda"), EnvLocation(prefix, env)


@pytest.mark.parametrize(
    ("env", "options", "expected"),
    [
        ("a", {}, "export-a.out"),
        ("a", {"from_history": True}, "export-a-fromhistory.out"),
        ("a", {"no_builds": True}, "export-a-nobuilds.out"),
        ("p", {}, "export-p.out"),
        ("p", {"from_history": True}, "export-p-hist.out"),
        ("p", {"no_builds": True}, "export-p-nob.out"),
    ],
)
def test_read_gives_condas_export(
    fake: Fake, tmp_path: Path, env: str, options: dict[str, bool], expected: str
) -> None:
    backend, location = _replay_env(fake, tmp_path, env)
    installed = backend.read(location)
    got = envfile.to_data(export.to_envfile(installed, **options))
    want = envfile.to_data(envfile.parse(yaml_part(golden(expected).output), expected))
    assert want.pop("prefix") == f"/opt/conda/envs/{env}"
    assert got == {**want, "prefix": str(location.prefix)}  # the same file, at this prefix
    assert [c[1:3] for c in fake.calls()][:3] == [
        ["list", "--prefix"],
        ["env", "export"],
        ["env", "export"],
    ]


def test_read_takes_dependencies_and_urls_from_conda_meta(fake: Fake, tmp_path: Path) -> None:
    backend, location = _replay_env(fake, tmp_path, "a")
    installed = backend.read(location)
    beta = next(p for p in installed.packages if p.name == "beta")
    assert beta.depends == ("alpha >=1.0",)
    assert beta.md5 == "777c64b1e6cc433489ab04650d3efbbd"
    assert export.requested_names(installed) == ("beta", "alpha", "delta")
    explicit = export.to_explicit(installed)
    assert sorted(explicit.splitlines()[5:]) == sorted(
        u for u, _ in parse_explicit(golden("list-explicit-a.out").output, "x")
    )
    assert installed.platform == "linux-64"  # noarch packages only: the tool's platform


def test_read_of_an_env_without_history(fake: Fake, tmp_path: Path) -> None:
    """An env py-rattler made has an empty history: conda's ``--from-history`` then lists every
    package pinned. The export is the same; the requested names are the graph's leaves."""
    backend, location = _replay_env(fake, tmp_path, "a")
    (location.prefix / "conda-meta" / "history").write_text("", encoding="utf-8")
    pinned = golden("export-a.out").output.replace("/opt/conda/envs/a", str(location.prefix))
    answers = json.loads(Path(os.environ["FAKE_REPLAY"]).read_text(encoding="utf-8"))
    key = " ".join(argv_for.export("conda", "x", location.prefix, from_history=True)[1:])
    answers[key] = {"stdout": pinned}  # conda's answer for an empty history, as YAML here
    fake.replay(answers)
    installed = backend.read(location)
    assert installed.history_specs == ()
    assert export.requested_names(installed) == ("beta", "delta")  # alpha is beta's dependency
    hist = envfile.to_data(export.to_envfile(installed, from_history=True))
    assert hist["dependencies"] == envfile.to_data(export.to_envfile(installed))["dependencies"]


# ------------------------------------------------------------------ end to end on the stand-in


def _create(
    fake: Fake, tool: argv_for.Tool, name: str, text: str = ENV_YML, **options: object
) -> tuple[CondaCliBackend, EnvLocation, CreateResult]:
    backend = fake.backend(tool)
    env = envfile.parse(text, "environment.yml")
    target = backend.new_location(name=name)
    result = backend.create(env, target, CreateOptions(**options))  # type: ignore[arg-type]  # test kwargs
    return backend, target, result


@pytest.mark.parametrize("tool", TOOLS)
def test_create_read_locate_list(fake: Fake, tool: argv_for.Tool) -> None:
    backend, target, result = _create(fake, tool, "work")
    assert target == EnvLocation(fake.root / "envs" / "work", "work")
    assert [p.dist for p in result.packages] == ["alpha-2.0-h4616a5c_0", "beta-1.5-h4616a5c_0"]
    assert not result.replaced and not result.dry_run
    calls = fake.calls()
    made = next(c for c in calls if "--file" in c)
    file = Path(made[made.index("--file") + 1])
    root = fake.root if tool == "micromamba" else None
    assert made[1:] == argv_for.create(tool, tool, file, target.prefix, root_prefix=root)[1:]
    assert not file.exists() and list(fake.scratch.iterdir()) == []  # no stray temp files

    assert backend.locate(name="work") == target
    assert backend.locate(prefix=str(target.prefix)) == target
    assert backend.locate(name="base") == EnvLocation(fake.root, "base")
    assert target in backend.list_envs()
    installed = backend.read(target)
    assert installed.history_specs == ("alpha=2.0", "beta")
    assert envfile.to_data(export.to_envfile(installed)) == {
        "name": "work",
        "channels": ["file:///srv/channel"],
        "dependencies": ["alpha=2.0=h4616a5c_0", "beta=1.5=h4616a5c_0"],
        "prefix": str(target.prefix),
    }


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        (
            "conda",
            "conda env create failed (exit 1): PackagesNotFoundError: not available from the "
            "current channels: nonexistent",
        ),
        (
            "micromamba",
            "micromamba create failed (exit 1): could not solve: nothing provides requested "
            "nonexistent",
        ),
    ],
)
def test_failed_create_says_why_and_removes_what_it_made(
    fake: Fake, tool: argv_for.Tool, message: str
) -> None:
    with pytest.raises(BackendError) as info:
        _create(fake, tool, "broken", ENV_YML + "  - nonexistent\n")
    assert str(info.value) == message
    assert isinstance(info.value.__cause__, ProcessError)
    assert info.value.__cause__.returncode == 1
    assert not (fake.root / "envs" / "broken").exists()  # the tool had half-made it
    assert list(fake.scratch.iterdir()) == []


def test_existing_env_is_never_touched_without_replace(fake: Fake) -> None:
    backend, target, _ = _create(fake, "conda", "work")
    history = (target.prefix / "conda-meta" / "history").read_text(encoding="utf-8")
    fake.clear()
    env = envfile.parse(ENV_YML.replace("  - beta\n", "  - delta\n"), "environment.yml")
    # one wording for every backend (envs/transaction.py): the native backend's
    with pytest.raises(UsageError, match=r"already exists \(an environment\); use --on-exists"):
        backend.create(env, target, CreateOptions())
    with pytest.raises(UsageError, match="already exists"):
        backend.create(env, target, CreateOptions(dry_run=True))
    with pytest.raises(UsageError, match="already exists"):
        backend.clone(EnvLocation(fake.root, "base"), target, CreateOptions())
    with pytest.raises(UsageError, match="onto itself"):
        backend.clone(target, target, CreateOptions(on_exists="replace"))
    assert not any("create" in c for c in fake.calls())  # the tool was never asked
    assert (target.prefix / "conda-meta" / "history").read_text(encoding="utf-8") == history

    # replace, but the file does not solve: the dry run says so before anything is removed
    broken = envfile.parse(ENV_YML + "  - nonexistent\n", "environment.yml")
    with pytest.raises(BackendError, match="PackagesNotFoundError"):
        backend.create(broken, target, CreateOptions(on_exists="replace"))
    assert (target.prefix / "conda-meta" / "history").read_text(encoding="utf-8") == history

    result = backend.create(env, target, CreateOptions(on_exists="replace"))
    assert result.replaced
    assert [p.name for p in result.packages] == ["alpha", "delta"]
    dry = next(c for c in fake.calls() if "--dry-run" in c)
    assert "--yes" not in dry and str(target.prefix) not in dry


def test_replace_refuses_what_is_not_an_env(fake: Fake, tmp_path: Path) -> None:
    backend = fake.backend("conda")
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("keep me", encoding="utf-8")
    target = backend.new_location(prefix=str(folder))
    env = envfile.parse(ENV_YML, "environment.yml")
    with pytest.raises(UsageError, match="is not a conda environment; not replacing it"):
        backend.create(env, target, CreateOptions(on_exists="replace"))
    assert (folder / "thesis.tex").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(UsageError, match="refusing to replace the root environment"):
        backend.create(env, EnvLocation(fake.root, "base"), CreateOptions(on_exists="replace"))


@pytest.mark.parametrize("tool", TOOLS)
def test_dry_run_changes_nothing(fake: Fake, tool: argv_for.Tool) -> None:
    _, target, result = _create(fake, tool, "planned", dry_run=True)
    assert result.dry_run
    assert [p.dist for p in result.packages] == ["alpha-2.0-h4616a5c_0", "beta-1.5-h4616a5c_0"]
    assert {p.channel for p in result.packages} == {"file:///srv/channel"}
    assert not target.prefix.exists()
    assert list(fake.scratch.iterdir()) == []


@pytest.mark.parametrize("tool", TOOLS)
def test_clone(fake: Fake, tool: argv_for.Tool) -> None:
    backend, source, created = _create(fake, tool, "work")
    write_variables(source.prefix, {"FOO": "bar"})
    fake.clear()
    target = backend.new_location(name="copy")
    result = backend.clone(source, target, CreateOptions())
    assert result.packages == created.packages
    # conda's --clone (and an @EXPLICIT create) leaves the variables behind; envtool copies them
    assert read_variables(target.prefix) == {"FOO": "bar"}
    assert backend.locate(prefix=str(target.prefix)) == target
    made = next(c for c in fake.calls() if "--prefix" in c and str(target.prefix) in c)
    root = fake.root if tool == "micromamba" else None
    if tool == "conda":
        assert made[1:] == argv_for.clone(tool, source.prefix, target.prefix)[1:]
    else:  # from the source's @EXPLICIT list, no solve
        assert (
            fake.calls()[1][1:]
            == argv_for.list_explicit(tool, tool, source.prefix, root_prefix=root)[1:]
        )
        file = Path(made[made.index("--file") + 1])
        assert (
            made[1:]
            == argv_for.create_explicit(tool, tool, file, target.prefix, root_prefix=root)[1:]
        )
    dry = backend.clone(source, backend.new_location(name="never"), CreateOptions(dry_run=True))
    assert dry.dry_run and dry.packages == result.packages
    assert not (fake.root / "envs" / "never").exists()


def test_micromamba_clone_with_pip_packages_creates_from_the_pinned_export(
    fake: Fake, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    text = ENV_YML + "  - pip:\n      - toyreq==1.2.3\n"
    backend = fake.backend("micromamba")
    source = backend.new_location(name="work")
    created = backend.create(
        envfile.parse(text, "environment.yml"), source, CreateOptions(base_dir=project)
    )
    assert created.pip_lines == ("toyreq==1.2.3",)
    made = next(c for c in fake.calls() if "--file" in c)
    assert Path(made[made.index("--file") + 1]).parent == project  # pip -r runs from there
    assert list(project.iterdir()) == []  # ... and the file is gone
    fake.clear()
    result = backend.clone(source, backend.new_location(name="copy"), CreateOptions())
    assert result.pip_lines == ("toyreq==1.2.3",)
    assert not any("--explicit" in c for c in fake.calls())
    copy = backend.read(backend.locate(name="copy"))
    assert [(p.name, p.version) for p in copy.pip] == [("toyreq", "1.2.3")]


def test_locate_and_new_location_errors(fake: Fake, tmp_path: Path) -> None:
    backend = fake.backend("conda")
    with pytest.raises(EnvNotFoundError) as info:
        backend.locate(name="nope")
    assert str(info.value) == f"environment 'nope' not found (searched {fake.root / 'envs'})"
    with pytest.raises(EnvNotFoundError, match=r"no conda environment at .*no conda-meta/history"):
        backend.locate(prefix=str(tmp_path))
    assert backend.locate() == EnvLocation(fake.root, "base")  # conda: base when none is active
    with pytest.raises(EnvNotFoundError, match="no environment is active"):
        fake.backend("micromamba").locate()
    with pytest.raises(UsageError, match="invalid environment name"):
        backend.new_location(name="a/b")
    with pytest.raises(UsageError, match="that is the root"):
        backend.new_location(name="base")
    elsewhere = backend.new_location(prefix=str(tmp_path / "x"))
    assert elsewhere == EnvLocation(tmp_path / "x", None)


def test_a_tool_that_prints_nonsense_is_one_line(fake: Fake) -> None:
    backend = fake.backend("conda")
    exe = fake.exe("conda")
    fake.replay({" ".join(argv_for.info("conda", exe)[1:]): {"stdout": "Segmentation fault\n"}})
    with pytest.raises(BackendError) as info:
        backend.list_envs()
    assert str(info.value) == (
        "conda info --json: unexpected output (expected JSON): 'Segmentation fault'"
    )
    fake.replay(
        {" ".join(argv_for.info("conda", exe)[1:]): {"stdout": "", "stderr": "boom\n", "rc": 7}}
    )
    with pytest.raises(ProcessError, match=r"failed with exit code 7: boom$"):
        fake.backend("conda").list_envs()


# ------------------------------------------------------------------------- real tools (marked)


@pytest.fixture(params=TOOLS)
def real_tool(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CondaCliBackend:
    """Each of conda, mamba, micromamba that is on PATH (like conda-lock's ``conda_exe``), with
    HOME in a tmp dir so the user's configuration and env registry stay untouched."""
    tool: argv_for.Tool = request.param
    exe = process.which(tool)
    if tool == "conda" and os.environ.get(TEST_CONDA_VAR):
        exe = str(request.getfixturevalue("real_conda"))  # the conda tier's (tests/condakit.py)
    if exe is None:
        pytest.skip(f"{tool} is not on PATH")
    for var in _CONDA_VARS:
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "mamba-root" if tool == "micromamba" else None
    return CondaCliBackend(tool, exe, root_prefix=root)


@pytest.mark.conda
def test_real_tool_round_trip(
    real_tool: CondaCliBackend, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """create from the local test channel → read → clone → a failure that leaves nothing."""
    channel: Path = request.getfixturevalue("channel")  # tests/channelkit.py, built once
    backend = real_tool
    text = (
        f"channels:\n  - {channel.as_uri()}\n  - nodefaults\n"
        "dependencies:\n  - alpha=2.0\n  - beta\n"
    )
    env = envfile.parse(text, "environment.yml")
    target = backend.new_location(prefix=str(tmp_path / "work"))
    result = backend.create(env, target, CreateOptions())
    assert {p.dist for p in result.packages} == {"alpha-2.0-h4616a5c_0", "beta-1.5-h4616a5c_0"}
    installed = backend.read(backend.locate(prefix=str(target.prefix)))
    assert {p.dist for p in installed.packages} == {p.dist for p in result.packages}
    assert {p.channel for p in installed.packages} == {channel.as_uri()}
    assert export.to_envfile(installed).channels[0] == channel.as_uri()
    assert {spec_name(s) for s in installed.history_specs} == {"alpha", "beta"}
    copy = backend.clone(
        target, backend.new_location(prefix=str(tmp_path / "copy")), CreateOptions()
    )
    assert {p.dist for p in copy.packages} == {p.dist for p in result.packages}
    dry = backend.create(
        env, backend.new_location(prefix=str(tmp_path / "dry")), CreateOptions(dry_run=True)
    )
    assert {p.dist for p in dry.packages} == {p.dist for p in result.packages}
    assert not (tmp_path / "dry").exists()
    broken = envfile.parse(text + "  - nonexistent-envtool-pkg\n", "environment.yml")
    with pytest.raises(BackendError) as info:
        backend.create(broken, backend.new_location(prefix=str(tmp_path / "bad")), CreateOptions())
    assert "\n" not in str(info.value) and "nonexistent-envtool-pkg" in str(info.value)
    assert not (tmp_path / "bad").exists()


@pytest.mark.conda
def test_real_tool_info_and_envs(real_tool: CondaCliBackend) -> None:
    info = real_tool.tool_info()
    assert info.root_prefix is not None
    assert all(loc.prefix.is_absolute() for loc in real_tool.list_envs())


@pytest.mark.parametrize("tool", TOOLS)
def test_solve_apart_from_install(fake: Fake, tool: argv_for.Tool) -> None:
    backend = fake.backend(tool)
    solved = backend.solve(["alpha=2.0", "beta"], ["file:///srv/channel"])
    assert [p.dist for p in solved] == ["alpha-2.0-h4616a5c_0", "beta-1.5-h4616a5c_0"]
    assert not any("--yes" in c and "--dry-run" not in c for c in fake.calls())  # no install
    target = backend.new_location(name="from-records")
    if all(p.url for p in solved):
        result = backend.install(solved, target, CreateOptions())
        assert [p.dist for p in result.packages] == [p.dist for p in solved]
        assert "--file" in next(c for c in fake.calls() if str(target.prefix) in c)
    else:  # the dry run named no URLs: nothing to install from, and nothing is made
        with pytest.raises(BackendError, match="no package URL known"):
            backend.install(solved, target, CreateOptions())
        assert not target.prefix.exists()


def test_platform_environ_tells_the_tool_what_to_solve_for() -> None:
    from envtool.envs.platform import Platform

    assert argv_for.platform_environ(Platform.for_subdir("linux-64", cuda="12.4")) == {
        "CONDA_SUBDIR": "linux-64",
        "CONDA_OVERRIDE_CUDA": "12.4",
        "CONDA_OVERRIDE_LINUX": "4.18",
        "CONDA_OVERRIDE_GLIBC": "2.28",
        "CONDA_OVERRIDE_ARCHSPEC": "x86_64",
    }
    assert argv_for.platform_environ(Platform.for_subdir("osx-arm64")) == {
        "CONDA_SUBDIR": "osx-arm64",
        "CONDA_OVERRIDE_CUDA": "",  # empty: no __cuda
        "CONDA_OVERRIDE_OSX": "13.0",
        "CONDA_OVERRIDE_ARCHSPEC": "m1",
    }


@pytest.mark.conda
def test_real_conda_solves_for_other_platforms_and_respects_frozen_envs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, conda_exe: str
) -> None:
    """conda 26.7's own solver through CONDA_SUBDIR/CONDA_OVERRIDE_*, and a frozen env that
    ``--on-exists replace`` leaves alone through the conda backend too."""
    from channelkit import Package, build_channel

    from envtool.envs.platform import Platform

    exe = conda_exe  # the conda tier's (ENVTOOL_TEST_CONDA), else conda on PATH
    for var in _CONDA_VARS:
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(tmp_path / "pkgs"))
    chan = build_channel(
        tmp_path / "chan",
        [
            Package("torchy", "2.0", "cpu_0"),
            Package("torchy", "2.0", "cuda_1", depends=("__cuda >=12",), build_number=1),
            Package("maconly", "1.0", "h0", subdir="osx-arm64", depends=("__osx >=11",)),
        ],
    )
    backend = CondaCliBackend("conda", exe)
    channels = [chan.as_uri(), "nodefaults"]

    def solve(spec: str, platform: Platform) -> list[str]:
        return [f"{p.dist} {p.subdir}" for p in backend.solve([spec], channels, platform)]

    linux = Platform.for_subdir("linux-64")
    assert solve("torchy", linux.with_cuda("12.4")) == ["torchy-2.0-cuda_1 noarch"]
    assert solve("torchy", linux) == ["torchy-2.0-cpu_0 noarch"]
    assert solve("maconly", Platform.for_subdir("osx-arm64")) == ["maconly-1.0-h0 osx-arm64"]
    with pytest.raises(BackendError, match="__osx"):
        solve("maconly", Platform.for_subdir("osx-arm64", osx="10.9"))

    env = envfile.parse(
        f"channels: [{chan.as_uri()}, nodefaults]\ndependencies: [torchy]\n", "env.yml"
    )
    target = EnvLocation(tmp_path / "frozen")
    backend.create(env, target, CreateOptions())
    (target.prefix / "conda-meta" / "frozen").write_text('{"message": "keep"}')
    history = (target.prefix / "conda-meta" / "history").read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="marked as frozen \\(keep\\); use --override-frozen"):
        backend.create(env, target, CreateOptions(on_exists="replace"))
    assert (target.prefix / "conda-meta" / "history").read_text(encoding="utf-8") == history
    result = backend.create(env, target, CreateOptions(on_exists="replace", override_frozen=True))
    assert result.replaced and not (target.prefix / "conda-meta" / "frozen").exists()
    assert float((target.prefix / "conda-meta" / "created_at").read_text())  # conda wrote it
