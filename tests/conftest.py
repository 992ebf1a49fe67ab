"""Shared fixtures: the public corpus and conda's golden outputs, and ways to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
GOLDEN = DATA / "conda-golden"  # verbatim outputs of conda 26.7.1, copied from ../shared
SHARED = Path(os.environ.get("ENVTOOL_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run envtool in-process through its real entry point; returns exit code and output."""
    from envtool.__main__ import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def run_envtool(
    *args: str, cwd: Path | None = None, input: str | None = None, env: dict[str, str] | None = None
) -> Run:
    """Run envtool as a real process (``python -m envtool``)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("FORCE_COLOR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "envtool", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.yml")) if CORPUS.is_dir() else []


needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"public corpus not found at {CORPUS}"
)
