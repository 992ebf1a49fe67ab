"""Shared fixtures: the public corpus and conda's golden outputs, and ways to run the CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# A test runner started in the background by a script (`cmd &`) inherits SIGINT ignored, and
# so would every envtool it starts: Python then never raises KeyboardInterrupt. The Ctrl-C
# tests need SIGINT delivered as a terminal delivers it; a handler is reset at exec, an
# ignored signal is not.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

if TYPE_CHECKING:
    from condakit import World

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


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say it when the corpus tests skipped: a green run without them proves less; and what
    the conda tier did (:func:`conda_tier_summary`)."""
    if not CORPUS.is_dir():
        terminalreporter.write_line(
            f"envtool: the public corpus is not at {CORPUS}: its conformance tests skipped "
            "(set ENVTOOL_SHARED to the folder holding corpus/)"
        )
    conda_tier_summary(terminalreporter, config)


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


# conda's ``defaults`` moved to a port where nothing listens: a solve that consults them fails at
# once, as it would with no network ("cannot reach http://127.0.0.1:9/... (offline?)").
UNREACHABLE_DEFAULTS = "http://127.0.0.1:9/pkgs/main"
OFFLINE = {"CONDA_DEFAULT_CHANNELS": UNREACHABLE_DEFAULTS}


def records(prefix: Path) -> set[tuple[str, str, str, str, str]]:
    """An env's package records as (name, version, build, channel, sha256), from conda-meta."""
    import json

    out = set()
    for path in (prefix / "conda-meta").glob("*.json"):
        r = json.loads(path.read_text(encoding="utf-8"))
        channel = str(r.get("channel") or "").rstrip("/")
        out.add((r["name"], r["version"], r["build"], channel, r.get("sha256", "")))
    return out


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


# ----------------------------------------------------------------- the conda tier: a real conda
# `.ci/run` builds conda 26.7.1 (bash ../shared/realconda/setup.sh DEST) and exports
# ENVTOOL_TEST_CONDA=DEST/bin/conda. Tests marked `conda` use it through these fixtures and skip
# without it, saying why; with ENVTOOL_REQUIRE_CONDA=1 (CI) a missing conda fails instead.


@pytest.fixture(scope="session")
def real_conda() -> Path:
    """The real conda of ENVTOOL_TEST_CONDA, checked once per session."""
    from condakit import NO_CONDA, REQUIRE_CONDA_VAR, TEST_CONDA_VAR, conda_version

    exe = os.environ.get(TEST_CONDA_VAR, "")
    if not exe:
        if os.environ.get(REQUIRE_CONDA_VAR):
            pytest.fail(f"{REQUIRE_CONDA_VAR} is set but {NO_CONDA[len('no real conda: ') :]}")
        pytest.skip(NO_CONDA)
    try:
        conda_version(exe)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return Path(exe)


@pytest.fixture
def conda_exe(request: pytest.FixtureRequest) -> str:
    """A real conda for a `conda`-marked test: ENVTOOL_TEST_CONDA's, else `conda` on PATH."""
    import shutil

    from condakit import NO_CONDA, REQUIRE_CONDA_VAR, TEST_CONDA_VAR

    if os.environ.get(TEST_CONDA_VAR) or os.environ.get(REQUIRE_CONDA_VAR):
        return str(request.getfixturevalue("real_conda"))
    exe = shutil.which("conda")
    if exe is None:
        pytest.skip(f"{NO_CONDA}; no conda on PATH either")
    return exe


@pytest.fixture(scope="session")
def conda_world(real_conda: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Channels, a condarc and envs made by the real conda (and one by envtool), built once."""
    from condakit import build_world

    return build_world(real_conda, tmp_path_factory.mktemp("conda-world"))


@pytest.fixture
def in_world(conda_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The world's configuration in this process too (for the in-process ``cli``)."""
    from condakit import CONDA_VARS

    for var in CONDA_VARS:
        monkeypatch.delenv(var, raising=False)
    for key, value in conda_world.environ().items():
        if key != "PYTHONPATH":
            monkeypatch.setenv(key, value)
    return conda_world


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """With ENVTOOL_REQUIRE_CONDA (CI), a `conda` test that skips for want of conda fails
    (for want of mamba or micromamba it may skip): CI never passes with the tier unrun."""
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and item.get_closest_marker("conda")):
        return
    if not os.environ.get("ENVTOOL_REQUIRE_CONDA"):
        return
    reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
    if re.search(r"\bconda\b", reason) and "mamba" not in reason:
        report.outcome = "failed"
        report.longrepr = f"ENVTOOL_REQUIRE_CONDA is set but this conda test skipped: {reason}"


CONDA_TIER = pytest.StashKey[set[str]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[CONDA_TIER] = {i.nodeid for i in items if i.get_closest_marker("conda")}


def conda_tier_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """One line for the `conda` tier: how many ran, passed, skipped (and why), and its time."""
    tier = config.stash.get(CONDA_TIER, set())
    counts: dict[str, int] = {}
    seconds = 0.0
    reasons: set[str] = set()
    for outcome in ("passed", "failed", "skipped", "error", ""):  # "": setup and teardown
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "nodeid", None) not in tier:
                continue
            seconds += getattr(report, "duration", 0.0)
            if outcome and (report.when == "call" or outcome in ("skipped", "error")):
                counts[outcome] = counts.get(outcome, 0) + 1
            if outcome == "skipped" and isinstance(report.longrepr, tuple):
                reasons.add(str(report.longrepr[2]).removeprefix("Skipped: "))
    if not counts:
        return
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    line = f"conda tier: {summary} in {seconds:.1f}s"
    if reasons:
        line += " — skipped: " + "; ".join(sorted(reasons))
    terminalreporter.write_line(line)
