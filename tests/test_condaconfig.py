"""conda's configuration search path, merging, env vars, channel names and env names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envtool.envs.channel import canonical_name as canonical_channel
from envtool.envs.channel import channel_urls
from envtool.envs.channel import local_path as local_channel_path
from envtool.envs.condaconfig import CondaConfig, env_name, load
from envtool.errors import InputError


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def test_defaults_without_any_configuration(home: Path) -> None:
    cfg = load({"HOME": str(home)})
    assert cfg.channels == ("defaults",)
    assert cfg.root_prefix is None
    assert cfg.envs_dirs == (home / ".conda" / "envs",)
    assert cfg.pkgs_dirs == ()
    assert cfg.channel_alias == "https://conda.anaconda.org"
    assert cfg.default_channels[:2] == (
        "https://repo.anaconda.com/pkgs/main",
        "https://repo.anaconda.com/pkgs/r",
    )


def test_later_files_take_precedence_and_lists_merge_with_later_items_first(
    home: Path, tmp_path: Path
) -> None:
    xdg = tmp_path / "xdg"
    _write(xdg / "conda" / "condarc", "channels: [xdg-chan]\nchannel_alias: https://a.example\n")
    _write(home / ".conda" / "condarc.d" / "b.yml", "channels: [dotconda-b]\n")
    _write(home / ".conda" / "condarc.d" / "a.yaml", "channels: [dotconda-a, xdg-chan]\n")
    _write(home / ".conda" / "condarc.d" / "ignored.txt", "channels: [never]\n")
    _write(home / ".condarc", "channels: [home]\nchannel_alias: https://b.example/\n")
    cfg = load({"HOME": str(home), "XDG_CONFIG_HOME": str(xdg)})
    # ~/.condarc is read last of these: its items come first; condarc.d files in name order.
    assert cfg.channels == ("home", "dotconda-b", "dotconda-a", "xdg-chan")
    assert cfg.channel_alias == "https://b.example"
    assert str(home / ".condarc") in cfg.sources


def test_environment_variables_have_the_highest_precedence(home: Path, tmp_path: Path) -> None:
    _write(home / ".condarc", "channels: [home]\nenvs_dirs: [~/my-envs]\npkgs_dirs: [/p1]\n")
    env = {
        "HOME": str(home),
        "CONDA_CHANNELS": "env-a,env-b",
        "CONDA_ENVS_PATH": os.pathsep.join([str(tmp_path / "e1"), str(tmp_path / "e2")]),
        "CONDA_PKGS_DIRS": "/p2,/p3",
        "CONDA_ROOT_PREFIX": str(tmp_path / "root"),
    }
    cfg = load(env)
    assert cfg.channels == ("env-a", "env-b", "home")
    assert cfg.envs_dirs == (
        tmp_path / "e1",
        tmp_path / "e2",
        home / "my-envs",
        tmp_path / "root" / "envs",
        home / ".conda" / "envs",
    )
    assert cfg.pkgs_dirs == (Path("/p2"), Path("/p3"), Path("/p1"))
    assert cfg.root_prefix == tmp_path / "root"


def test_condarc_variable_and_conda_prefix_files(home: Path, tmp_path: Path) -> None:
    rc = _write(tmp_path / "custom.rc", "channels: [from-condarc]\n")
    active = tmp_path / "active"
    _write(active / ".condarc", "channels: [from-active]\n")
    cfg = load({"HOME": str(home), "CONDARC": str(rc), "CONDA_PREFIX": str(active)})
    assert cfg.channels == ("from-condarc", "from-active")
    target = tmp_path / "target"
    _write(target / "condarc", "channels: [from-target]\n")
    cfg = load({"HOME": str(home), "CONDA_PREFIX": str(active)}, target_prefix=str(target))
    assert cfg.channels == ("from-target",)


def test_root_prefix_from_conda_root_or_conda_exe(home: Path, tmp_path: Path) -> None:
    exe = tmp_path / "miniconda" / "bin" / "conda"
    assert load({"HOME": str(home), "CONDA_EXE": str(exe)}).root_prefix == tmp_path / "miniconda"
    cfg = load({"HOME": str(home), "CONDA_EXE": str(exe), "CONDA_ROOT": str(tmp_path / "r")})
    assert cfg.root_prefix == tmp_path / "r"
    # The root's own .condarc is on the search path ($CONDA_ROOT), and root_prefix wins.
    _write(tmp_path / "miniconda" / ".condarc", f"root_prefix: {tmp_path / 'elsewhere'}\n")
    cfg = load({"HOME": str(home), "CONDA_EXE": str(exe)})
    assert cfg.root_prefix == tmp_path / "elsewhere"
    assert cfg.envs_dirs[0] == tmp_path / "elsewhere" / "envs"


def test_envs_path_alias_and_variables_in_paths(home: Path, tmp_path: Path) -> None:
    _write(home / ".condarc", "envs_path:\n  - $MYENVS/x\n")
    cfg = load({"HOME": str(home), "MYENVS": str(tmp_path)})
    assert cfg.envs_dirs[0] == tmp_path / "x"


def test_a_broken_condarc_is_an_error_naming_the_file(home: Path) -> None:
    rc = _write(home / ".condarc", "channels: [a\n")
    with pytest.raises(InputError, match=r"\.condarc.*invalid conda configuration"):
        load({"HOME": str(home)})
    rc.write_text("- just a list\n")
    with pytest.raises(InputError, match="expected a mapping"):
        load({"HOME": str(home)})


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("https://conda.anaconda.org/conda-forge/linux-64", "conda-forge"),
        ("https://conda.anaconda.org/conda-forge/", "conda-forge"),
        ("https://conda.anaconda.org/pytorch/label/nightly/noarch", "pytorch/label/nightly"),
        ("https://conda.anaconda.org/t/tk-1234/private/linux-64", "private"),
        ("https://user:secret@conda.anaconda.org/chan/osx-arm64", "chan"),
        ("https://repo.anaconda.com/pkgs/main/linux-64", "defaults"),
        ("https://repo.anaconda.com/pkgs/r/noarch", "defaults"),
        ("pkgs/main", "defaults"),
        ("defaults", "defaults"),
        ("conda-forge", "conda-forge"),
        ("file:///srv/channel/noarch", "file:///srv/channel"),
        ("file:///srv/channel/", "file:///srv/channel"),
        ("https://mirror.example/conda/bioconda/win-64", "https://mirror.example/conda/bioconda"),
        ("", "<unknown>"),
    ],
)
def test_canonical_channel_names(channel: str, expected: str) -> None:
    assert canonical_channel(channel, CondaConfig()) == expected


def test_canonical_names_follow_the_configuration() -> None:
    cfg = CondaConfig(
        channel_alias="https://mirror.example/conda",
        default_channels=("https://mirror.example/main",),
    )
    assert canonical_channel("https://mirror.example/conda/bioconda/win-64", cfg) == "bioconda"
    assert canonical_channel("https://mirror.example/main/linux-64", cfg) == "defaults"
    assert canonical_channel("https://repo.anaconda.com/pkgs/main/linux-64", cfg) == (
        "https://repo.anaconda.com/pkgs/main"
    )


def test_channel_urls(tmp_path: Path) -> None:
    cfg = CondaConfig()
    assert channel_urls("conda-forge", cfg) == ["https://conda.anaconda.org/conda-forge"]
    assert channel_urls("defaults", cfg) == list(cfg.default_channels)
    assert channel_urls("https://x.example/c/", cfg) == ["https://x.example/c"]
    assert channel_urls("file:///srv/channel", cfg) == ["file:///srv/channel"]
    # Relative local paths resolve against the environment file's directory, not the cwd.
    base = tmp_path / "project"
    expected = (base / "channel").as_uri()
    for spelling in ("./channel", "file:channel", "file:./channel"):
        assert channel_urls(spelling, cfg, base) == [expected]
    assert channel_urls("../other", cfg, base) == [(tmp_path / "other").as_uri()]
    assert channel_urls("/abs/chan", cfg, base) == ["file:///abs/chan"]
    assert local_channel_path("conda-forge") is None


def test_env_name_rule(tmp_path: Path) -> None:
    cfg = CondaConfig(root_prefix=tmp_path / "root", envs_dirs=(tmp_path / "root" / "envs",))
    assert env_name(tmp_path / "root", cfg) == "base"
    assert env_name(tmp_path / "root" / "envs" / "a", cfg) == "a"
    assert env_name(tmp_path / "elsewhere" / "a", cfg) is None


def test_doctests() -> None:
    import doctest

    from envtool.envs import condaconfig

    assert doctest.testmod(condaconfig).failed == 0


def test_restricted_search_path_reads_only_condarc(home: Path, tmp_path: Path) -> None:
    _write(home / ".condarc", "channels: [home]\n")
    rc = _write(tmp_path / "only.rc", "channels: [only]\n")
    env = {"HOME": str(home), "CONDARC": str(rc), "CONDA_RESTRICT_RC_SEARCH_PATH": "1"}
    assert load(env).channels == ("only",)


def test_a_list_configured_empty_is_empty(home: Path, tmp_path: Path) -> None:
    """``channels: []`` (as ../shared/realconda's condarc has) means no channels, as in conda:
    its export then appends none, where an unset list falls back to the default."""
    rc = _write(tmp_path / "empty.rc", "channels: []\ndefault_channels: []\n")
    cfg = load({"HOME": str(home), "CONDARC": str(rc), "CONDA_RESTRICT_RC_SEARCH_PATH": "1"})
    assert cfg.channels == ()
    assert cfg.default_channels == ()
    assert load({"HOME": str(home)}).channels == ("defaults",)
