"""A world for the ``conda`` test tier: local channels, a condarc and envs made by a real conda.

``.ci/run`` builds conda 26.7.1 (``bash ../shared/realconda/setup.sh DEST``) and exports
``ENVTOOL_TEST_CONDA=DEST/bin/conda``; :func:`build_world` then makes, once per session:

- ``alias/kit``: the standard channel (tests/channelkit.py) under a ``channel_alias``, so conda
  and envtool call it ``kit``; ``defch/main``: a ``default_channels`` entry (``defaults``) with
  ``omega``; ``local``: the standard channel again at a plain ``file://`` URL.
- ``condarc``: those settings, offline, envs and package cache inside the world. Every conda
  and envtool run of the tier gets ``CONDARC`` pointing at it (and nothing else on the search
  path: ``CONDA_RESTRICT_RC_SEARCH_PATH``).
- the envs (:data:`ENVS`): ``scen`` by ``conda env create`` (pip section, variables), then
  ``conda install gamma`` and ``conda remove delta`` (a history with a removal); ``pfx`` by
  ``conda create -p`` outside the envs dir from the plain-URL channel (an arch-specific
  package); ``nat`` by envtool's native backend (pip section, variables).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from channelkit import Package, build_channel, standard_channel

ROOT = Path(__file__).resolve().parents[1]
TEST_CONDA_VAR = "ENVTOOL_TEST_CONDA"
REQUIRE_CONDA_VAR = "ENVTOOL_REQUIRE_CONDA"
NO_CONDA = (
    f"no real conda: {TEST_CONDA_VAR} is not set (build one with "
    f"`bash ../shared/realconda/setup.sh DEST`, then {TEST_CONDA_VAR}=DEST/bin/conda; "
    ".ci/run does both)"
)

# Variables of the caller that would change what conda or envtool read.
CONDA_VARS = (
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
    "FORCE_COLOR",
)

SCEN_FILE = """\
name: scen
channels:
  - kit
  - defaults
dependencies:
  - alpha=2.0
  - beta
  - delta
  - omega
  - python
  - pip
  - pip:
      - toyreq==1.2
      - Other_Pkg==0.5
variables:
  FOO: bar
  BAZ: "1"
"""

NAT_FILE = """\
name: nat
channels:
  - kit
  - defaults
dependencies:
  - alpha=2.1
  - omega=1.0
  - epsilon
  - python
  - pip:
      - toyreq==1.0
variables:
  DEBUG: "yes"
  LEVEL: "3"
"""

ENVS = ("scen", "pfx", "nat")


@dataclass(frozen=True)
class World:
    conda: Path  # the real conda (DEST/bin/conda)
    base: Path
    condarc: Path
    envs_dir: Path
    pkgs: Path
    root: Path  # conda's root prefix (DEST/root: the wrapper pins it)
    home: Path  # HOME of conda and envtool alike

    @property
    def kit(self) -> Path:
        return self.base / "alias" / "kit"

    @property
    def defaults(self) -> Path:
        return self.base / "defch" / "main"

    @property
    def local(self) -> Path:
        return self.base / "local"

    def prefix(self, env: str) -> Path:
        """The prefix of one of :data:`ENVS`."""
        if env == "pfx":
            return self.base / "elsewhere" / "pfx"
        return self.envs_dir / env

    def environ(self) -> dict[str, str]:
        """The variables every conda and envtool run of the tier gets (over os.environ)."""
        return {
            "CONDARC": str(self.condarc),
            "CONDA_RESTRICT_RC_SEARCH_PATH": "1",
            "CONDA_ROOT_PREFIX": str(self.root),
            "CONDA_EXE": str(self.conda),
            "HOME": str(self.home),
            "RATTLER_CACHE_DIR": str(self.base / "rattler-cache"),
            "ENVTOOL_BACKEND": "native",
            "PYTHONPATH": str(ROOT),
        }

    def full_environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in CONDA_VARS}
        return {**env, **self.environ(), **(extra or {})}

    def conda_run(
        self, *args: str, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the real conda with the world's configuration."""
        proc = subprocess.run(
            [str(self.conda), *args],
            capture_output=True,
            text=True,
            env=self.full_environ(),
            cwd=cwd,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"conda {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def envtool_run(
        self, *args: str, cwd: Path | None = None, extra: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run envtool as a real process with the world's configuration."""
        return subprocess.run(
            [sys.executable, "-m", "envtool", *args],
            capture_output=True,
            text=True,
            env=self.full_environ(extra),
            cwd=cwd,
            check=False,
        )


def conda_version(exe: str) -> str:
    """``conda --version`` of ``exe``, or an error naming what went wrong."""
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise RuntimeError(f"{TEST_CONDA_VAR}={exe} cannot run: {exc.strerror}") from exc
    if proc.returncode != 0 or not proc.stdout.startswith("conda "):
        raise RuntimeError(
            f"{TEST_CONDA_VAR}={exe} is not a working conda: {proc.stdout}{proc.stderr}".strip()
        )
    return proc.stdout.split()[1]


def write_condarc(world: World) -> None:
    world.condarc.write_text(
        "\n".join(
            [
                "# the conda tier's configuration (tests/condakit.py)",
                f"root_prefix: {world.root}",
                "pkgs_dirs:",
                f"  - {world.pkgs}",
                "envs_dirs:",
                f"  - {world.envs_dir}",
                f"channel_alias: {(world.base / 'alias').as_uri()}",
                "default_channels:",
                f"  - {world.defaults.as_uri()}",
                "channels:",
                "  - kit",
                "  - defaults",
                "channel_priority: strict",
                "offline: true",
                "solver: classic",
                "auto_update_conda: false",
                "notify_outdated_conda: false",
                "report_errors: false",
                "show_channel_urls: true",
                "",
            ]
        ),
        encoding="utf-8",
    )


def build_world(conda: Path, base: Path) -> World:
    """Channels, condarc and the :data:`ENVS` (about 15 s: five real conda runs)."""
    dest = conda.resolve().parents[1]
    world = World(
        conda=conda,
        base=base,
        condarc=base / "condarc",
        envs_dir=base / "envs",
        pkgs=base / "pkgs",
        root=dest / "root",
        home=dest / "home",  # the wrapper's HOME: one ~/.conda/environments.txt for both
    )
    for d in (world.envs_dir, world.pkgs):
        d.mkdir(parents=True, exist_ok=True)
    standard_channel(world.kit)
    build_channel(
        world.defaults,
        [Package("omega", "1.0"), Package("omega", "1.1"), Package("delta", "3.3.0")],
    )
    standard_channel(world.local)
    write_condarc(world)

    files = base / "files"
    files.mkdir()
    (files / "scen.yml").write_text(SCEN_FILE, encoding="utf-8")
    (files / "nat.yml").write_text(NAT_FILE, encoding="utf-8")
    world.conda_run("env", "create", "--file", str(files / "scen.yml"), "--yes", cwd=files)
    world.conda_run("install", "--name", "scen", "--yes", "gamma")
    world.conda_run("remove", "--name", "scen", "--yes", "delta")
    world.conda_run(
        "create",
        "--prefix",
        str(world.prefix("pfx")),
        "--yes",
        "--channel",
        world.local.as_uri(),
        "epsilon=1.1",
        "delta",
    )
    made = world.envtool_run("create", "-f", str(files / "nat.yml"), "-n", "nat", cwd=files)
    if made.returncode != 0:
        raise AssertionError(f"envtool create nat failed: {made.stderr}")
    return world
