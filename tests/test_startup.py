"""Start-up: a command imports what it uses and nothing else (issue 13). No timings here.

Each case runs ``python -m envtool`` as a real process (nothing imported by the test runner
counts) that reports ``sys.modules`` at exit, and checks that the heavy or unneeded modules are
absent: py-rattler and packaging (spec parsers), ruamel.yaml (conda's dumper), subprocess,
pruning (its YAML editing and spec rewriting), traceback. ``ast`` cannot be among them: Python's
dataclasses imports inspect, which imports ast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT
from test_prefix import golden_prefix

HEAVY = (
    "rattler",
    "packaging",
    "ruamel",
    "ruamel.yaml",
    "subprocess",
    "traceback",
    "envtool.files.prune",
    "envtool.files.yaml_edit",
    "envtool.files.spec_rewrite",
)
# Not checked: difflib, which click imports to suggest a close match each time it parses a
# short option (-p, -n: it tries them as long options first), ~1 ms; ast (see above).

PROBE = """\
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("modules: " + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv[0] = "envtool"
from envtool.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def _loaded(args: list[str], home: Path, cwd: Path) -> tuple[int, str, set[str]]:
    """Exit code, stdout and the modules loaded by ``envtool ARGS`` in a fresh process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONDA", "MAMBA")) and k not in ("ENVTOOL_BACKEND", "XDG_CONFIG_HOME")
    }
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("modules: "))
    return proc.returncode, proc.stdout, set(json.loads(line.removeprefix("modules: ")))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def real_world_env(tmp_path: Path) -> Path:
    """conda's golden env p (python, pip, alpha; a pip-installed toyreq) plus what real envs
    hold and the fast spec parsers do not read: a version rattler normalizes (2023.08.22) and a
    pip version packaging parses (2.9.0.post0)."""
    root = golden_prefix(tmp_path / "envs", "p")
    meta = root / "conda-meta"
    record = json.loads((meta / "alpha-2.1-h4616a5c_1.json").read_text())
    record.update(name="ca-certificates", version="2023.08.22", build="h06a4308_0")
    (meta / "ca-certificates-2023.08.22-h06a4308_0.json").write_text(json.dumps(record, indent=2))
    site = root / "lib" / "python3.11" / "site-packages"
    dist = site / "python_dateutil-2.9.0.post0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Name: python-dateutil\nVersion: 2.9.0.post0\n\n")
    (dist / "RECORD").write_text("dateutil/__init__.py,,\n")
    return root


@pytest.mark.parametrize(
    "flags", [[], ["--conda-compat"], ["--format", "json"], ["--from-history"]]
)
def test_export_imports_no_parser_engine_or_pruning(
    real_world_env: Path, home: Path, tmp_path: Path, flags: list[str]
) -> None:
    code, out, loaded = _loaded(
        ["--backend", "native", "export", "-p", str(real_world_env), *flags], home, tmp_path
    )
    assert code == 0
    assert sorted(m for m in (*HEAVY, "envtool.files.portable") if m in loaded) == []
    if "--from-history" not in flags:
        assert "ca-certificates" in out and "2023.08.22" in out
        assert "python-dateutil" in out and "2.9.0.post0" in out


def test_export_with_prune_options_loads_pruning(
    real_world_env: Path, home: Path, tmp_path: Path
) -> None:
    args = ["--backend", "native", "export", "-p", str(real_world_env), "--no-builds"]
    code, out, loaded = _loaded(args, home, tmp_path)
    assert code == 0 and "ca-certificates=2023.08.22\n" in out
    assert "envtool.files.prune" in loaded  # the probe sees what a command does load


def test_file_commands_on_exact_pins_import_no_parser_engine(home: Path, tmp_path: Path) -> None:
    """check and diff of an exported file (exact pins: the fast parsers read them all)."""
    shutil.copyfile(GOLDEN / "p-export.yml", tmp_path / "a.yml")
    for args in (["check", "a.yml"], ["diff", "a.yml", "a.yml"]):
        code, _, loaded = _loaded(args, home, tmp_path)
        assert code in (0, 1), args
        assert sorted(m for m in HEAVY if m in loaded) == [], args


def test_help_imports_no_command_and_version_not_even_click(home: Path, tmp_path: Path) -> None:
    code, out, loaded = _loaded(["export", "--help"], home, tmp_path)
    assert code == 0 and "--conda-compat" in out and "difflib" not in loaded
    assert not any(
        m.startswith(("envtool.commands.", "envtool.envs", "envtool.files")) for m in loaded
    )
    assert sorted(m for m in HEAVY if m in loaded) == []
    code, out, loaded = _loaded(["--version"], home, tmp_path)
    assert code == 0 and out.startswith("envtool ")
    assert "click" not in loaded and "envtool.cli" not in loaded
