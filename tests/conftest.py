"""Shared fixtures: the public corpus and conda's golden outputs, and ways to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
GOLDEN = DATA / "conda-golden"  # verbatim outputs of conda 26.7.1, copied from ../shared


def find_shared(root: Path, environ: Mapping[str, str]) -> Path:
    """The shared folder (public corpus): ``$ENVTOOL_SHARED``, else the nearest ``shared/``
    holding a ``corpus/`` beside the checkout or beside a folder above it (``../shared``,
    ``../../shared``, …), else ``../shared`` (absent: the corpus tests skip and say so)."""
    if environ.get("ENVTOOL_SHARED"):
        return Path(environ["ENVTOOL_SHARED"])
    for folder in root.parents:
        if (folder / "shared" / "corpus").is_dir():
            return folder / "shared"
    return root.parent / "shared"


SHARED = find_shared(ROOT, os.environ)
CORPUS = SHARED / "corpus"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say it when the corpus tests skipped: a green run without them proves less."""
    if not CORPUS.is_dir():
        terminalreporter.write_line(
            f"envtool: the public corpus is not at {CORPUS}: its conformance tests skipped "
            "(set ENVTOOL_SHARED to the folder holding corpus/)"
        )


# A git that ignores the user's and the system's configuration and never asks anything.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "envtool tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "envtool tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


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


# ------------------------------------------------------------------- engine: channels and envs
# Engine tests (export, create, clone) solve and install for real from a local channel of tiny
# packages built once per session (tests/channelkit.py), with conda's configuration and every
# cache isolated in tmp dirs: nothing reads or writes the user's ~/.condarc, envs or caches.

_CONDA_VARS = (
    "CONDA_EXE",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    "CONDA_SHLVL",
    "CONDA_ROOT",
    "CONDA_ROOT_PREFIX",
    "CONDARC",
    "CONDA_ENVS_DIRS",
    "CONDA_ENVS_PATH",
    "CONDA_PKGS_DIRS",
    "CONDA_CHANNELS",
    "CONDA_CHANNEL_ALIAS",
    "CONDA_DEFAULT_CHANNELS",
    "CONDA_CHANNEL_PRIORITY",
    "MAMBA_ROOT_PREFIX",
    "XDG_CONFIG_HOME",
    "ENVTOOL_BACKEND",
)


@pytest.fixture(scope="session")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The standard local channel (alpha, beta, gamma, delta, python, pip, epsilon, ...)."""
    from channelkit import standard_channel

    return standard_channel(tmp_path_factory.mktemp("channel"))


@pytest.fixture(scope="session")
def shared_caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Package and repodata caches shared by the session's tests (warm after the first)."""
    return tmp_path_factory.mktemp("caches")


@dataclass(frozen=True)
class CondaHome:
    home: Path
    root: Path  # CONDA_ROOT_PREFIX; <root>/envs is the (only) envs dir besides ~/.conda/envs
    envs: Path
    channel: Path
    pkgs: Path

    @property
    def channel_url(self) -> str:
        return self.channel.as_uri()


@pytest.fixture
def conda_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channel: Path, shared_caches: Path
) -> CondaHome:
    """An isolated conda setup: HOME, root prefix, envs dir and caches in tmp dirs; the
    configured channels are the standard channel (as in conda's golden outputs)."""
    for var in _CONDA_VARS:
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    root = tmp_path / "conda"
    (root / "envs").mkdir(parents=True)
    home.mkdir()
    pkgs = shared_caches / "pkgs"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CONDA_ROOT_PREFIX", str(root))
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(pkgs))
    monkeypatch.setenv("CONDA_CHANNELS", channel.as_uri())
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(shared_caches / "rattler"))
    monkeypatch.setenv("ENVTOOL_BACKEND", "native")
    monkeypatch.setenv("CONDA_RESTRICT_RC_SEARCH_PATH", "1")  # not even /etc/conda/.condarc
    return CondaHome(home, root, root / "envs", channel, pkgs)


def write_env_file(
    path: Path,
    deps: list[str],
    *,
    name: str | None = None,
    channels: list[str] | None = None,
    pip: list[str] | None = None,
    variables: dict[str, str] | None = None,
) -> Path:
    """Write an environment file the way a user would."""
    lines = [f"name: {name}"] if name else []
    if channels:
        lines += ["channels:", *(f"  - {c}" for c in channels)]
    lines.append("dependencies:" if deps or pip else "dependencies: []")
    lines += [f"  - {d}" for d in deps]
    if pip is not None:
        lines += ["  - pip:", *(f"      - {p}" for p in pip)]
    if variables:
        lines += ["variables:", *(f"  {k}: {v}" for k, v in variables.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def make_env(conda_home: CondaHome, tmp_path: Path) -> Callable[..., Path]:
    """Create an env natively (in-process, real solve and install): ``make_env(["alpha=2.0"],
    name="a")`` or ``prefix=...``; returns its prefix."""
    from envtool.backends.native import NativeBackend
    from envtool.envs.model import CreateOptions
    from envtool.files.envfile import load

    counter = iter(range(1_000_000))

    def make(
        deps: list[str],
        *,
        name: str | None = None,
        prefix: Path | None = None,
        pip: list[str] | None = None,
        variables: dict[str, str] | None = None,
        channels: list[str] | None = None,
    ) -> Path:
        file = write_env_file(
            tmp_path / "envfiles" / f"env-{next(counter)}.yml",
            deps,
            channels=channels,
            pip=pip,
            variables=variables,
        )
        backend = NativeBackend()
        env = load(str(file))
        target = (
            backend.new_location(prefix=str(prefix))
            if prefix is not None
            else backend.new_location(name=name or f"env{next(counter)}")
        )
        options = CreateOptions(base_dir=file.parent, command=f"make_env {file.name}")
        return backend.create(env, target, options).location.prefix

    return make
