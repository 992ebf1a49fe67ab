"""The conda / mamba / micromamba backends: exact command lines, parsing of what the tools print
(conda 26.7.1's golden outputs, and JSON documents in the tools' shapes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from envtool import envfile
from envtool.backends import EnvLocation
from envtool.backends import conda_argv as argv_for
from envtool.backends.conda_json import (
    ListEntry,
    ToolInfo,
    env_locations,
    error_summary,
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
    one_line,
    parse_create_text,
    parse_env_list_text,
    parse_explicit,
    parse_list_text,
    text_error,
)
from envtool.errors import BackendError

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
    "name", ["dryrun-conda.json", "dryrun-micromamba.json", "create-conda.json"]
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
