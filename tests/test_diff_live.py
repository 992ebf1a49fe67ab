"""``envtool diff`` with live environments: ``env:NAME`` and ``prefix:PATH`` (drift detection).

The environments are conda's own golden ``conda-meta`` folders (tests/data/conda-golden/) in
an isolated conda setup, read by the native backend as ``envtool export`` reads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import CondaHome, Run
from test_prefix import golden_prefix

from envtool.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

# What envs a/p hold (as conda exported them), drifted: alpha moved back, pip's toyreq forward,
# one package more on each side.
DRIFTED_P = """\
name: p
channels:
  - file:///srv/channel
dependencies:
  - alpha=2.0=h4616a5c_1
  - pip=24.0=h4616a5c_0
  - python=3.11.0=h4616a5c_0
  - zeta=1.0
  - pip:
      - toyreq==1.2.4
      - requests==2.32.0
"""


def _changes(run: Run) -> set[tuple[str, str, str, str | None, str | None]]:
    doc = json.loads(run.out)
    return {
        (c["section"], c["kind"], c["name"], c["old"], c["new"])
        for c in doc["changes"]
        if c["section"] in ("conda", "pip")
    }


def test_prefix_against_a_file_both_ways(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    root = golden_prefix(conda_home.envs, "p")
    file = tmp_path / "environment.yml"
    file.write_text(DRIFTED_P)
    result = cli("--backend", "native", "diff", f"prefix:{root}", str(file), "--format", "json")
    assert result.code == EXIT_OK, result.err
    assert json.loads(result.out)["old"] == {"source": f"prefix:{root}"}
    assert _changes(result) == {
        ("conda", "downgraded", "alpha", "2.1", "2.0"),
        ("conda", "added", "zeta", None, "1.0"),
        ("pip", "upgraded", "toyreq", "1.2.3", "1.2.4"),  # pip packages, which conda compare misses
        ("pip", "added", "requests", None, "2.32.0"),
    }
    back = cli("--backend", "native", "diff", str(file), f"prefix:{root}", "--format", "json")
    assert _changes(back) == {
        ("conda", "upgraded", "alpha", "2.0", "2.1"),
        ("conda", "removed", "zeta", "1.0", None),
        ("pip", "downgraded", "toyreq", "1.2.4", "1.2.3"),
        ("pip", "removed", "requests", "2.32.0", None),
    }
    gate = cli(
        "--backend", "native", "diff", f"prefix:{root}", str(file), "--fail-on", "downgraded"
    )
    assert gate.code == EXIT_FINDINGS
    assert "alpha" in gate.out and "toyreq" in gate.out


def test_env_by_name_and_no_drift(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    root = golden_prefix(conda_home.envs, "a")
    exported = cli("--backend", "native", "export", "-n", "a")
    assert exported.code == EXIT_OK, exported.err
    file = tmp_path / "a.yml"
    file.write_text(exported.out)
    same = cli("--backend", "native", "diff", "env:a", str(file), "--exit-code")
    assert same.code == EXIT_OK, same.out + same.err
    assert same.out == f"No differences between env:a and {file}.\n"
    assert cli("--backend", "native", "diff", "env:a", f"prefix:{root}", "--exit-code").code == 0
    file.write_text(exported.out.replace("beta=1.5=h4616a5c_0", "beta=1.6=h4616a5c_0"))
    drift = cli("--backend", "native", "diff", "env:a", str(file), "--exit-code")
    assert drift.code == EXIT_FINDINGS
    assert "beta" in drift.out and "1.5" in drift.out and "1.6" in drift.out


def test_a_missing_env_is_one_line_exit_2(conda_home: CondaHome, cli: Callable[..., Run]) -> None:
    for arg in ("env:nope", f"prefix:{conda_home.envs / 'nope'}"):
        result = cli("--backend", "native", "diff", arg, arg)
        assert result.code == EXIT_ERROR, arg
        assert result.err.startswith("envtool: error: ") and result.err.count("\n") == 1
        assert "nope" in result.err


def test_a_file_the_env_satisfies_is_no_drift(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    """conda's own env-a.yml (loose specs, another name) against the env created from it."""
    golden_prefix(conda_home.envs, "a")
    spec = Path(__file__).parent / "data" / "conda-golden" / "env-a.yml"
    for args in ((str(spec), "env:a"), ("env:a", str(spec))):
        result = cli("--backend", "native", "diff", *args, "--exit-code")
        assert result.code == EXIT_OK, result.out + result.err


def test_drift_reports_unmet_specs_extras_and_unlisted_channels(
    conda_home: CondaHome, cli: Callable[..., Run], tmp_path: Path
) -> None:
    golden_prefix(conda_home.envs, "a")
    file = tmp_path / "environment.yml"
    file.write_text(
        "name: other\nchannels:\n  - conda-forge\n  - nodefaults\ndependencies:\n"
        "  - alpha=2.0\n  - delta>=4\n  - pip:\n    - --extra-index-url https://example.org/simple\n"
    )
    result = cli("--backend", "native", "diff", str(file), "env:a", "--format", "json")
    assert result.code == EXIT_OK, result.err
    changes = {(c["section"], c["kind"], c["name"]): c for c in json.loads(result.out)["changes"]}
    assert set(changes) == {
        ("channels", "channel-added", "file:///srv/channel"),  # installed from, not listed
        ("conda", "spec-changed", "delta"),
        ("conda", "added", "beta"),  # what the env has beyond the file: conda compare skips it
    }
    assert changes["conda", "spec-changed", "delta"]["note"] == (
        "installed 3.2.1 h4616a5c_0 does not satisfy >=4"
    )
    assert changes["channels", "channel-added", "file:///srv/channel"]["risks"] == ["new channel"]
