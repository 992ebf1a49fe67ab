"""Channel values: one canonical form under conda's configuration (DESIGN §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.envs.channel import Channel, canonical_name, channel_urls, key
from envtool.envs.condaconfig import CondaConfig, load


def test_tokens_credentials_and_subdirs_are_not_part_of_a_channel() -> None:
    cfg = CondaConfig()
    for text in (
        "https://conda.anaconda.org/t/tk-1/bioconda/linux-64/",
        "https://me:pw@conda.anaconda.org/bioconda",
        "bioconda",
        "bioconda/noarch",
    ):
        assert canonical_name(text, cfg) == "bioconda"


def test_channel_alias_and_custom_channels_from_condarc(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".condarc").write_text(
        "channel_alias: https://mirror.example/conda\n"
        "custom_channels:\n  internal: https://pkgs.corp.example/c/\n",
        encoding="utf-8",
    )
    cfg = load({"HOME": str(home)})
    assert cfg.custom_channels == (("internal", "https://pkgs.corp.example/c"),)
    assert channel_urls("internal", cfg) == ["https://pkgs.corp.example/c/internal"]
    assert channel_urls("bioconda", cfg) == ["https://mirror.example/conda/bioconda"]
    assert canonical_name("https://pkgs.corp.example/c/internal/linux-64", cfg) == "internal"
    assert canonical_name("https://mirror.example/conda/bioconda/noarch", cfg) == "bioconda"
    # under the default alias only the default configuration calls it by name
    assert key("https://mirror.example/conda/bioconda", cfg) == key("bioconda")
    assert key("https://mirror.example/conda/bioconda") != key("bioconda")


def test_local_paths_are_file_urls(tmp_path: Path) -> None:
    cfg = CondaConfig()
    base = tmp_path / "project"
    uri = (base / "channel").as_uri()
    assert canonical_name("./channel", cfg, base) == uri
    assert canonical_name(str(base / "channel"), cfg) == uri
    assert canonical_name(uri + "/noarch/", cfg) == uri
    assert Channel.parse("file:channel", cfg, base) == Channel(uri, (uri,))
    assert Channel.parse("defaults", cfg) == Channel("defaults", cfg.default_channels)


@pytest.mark.parametrize("channel", ["", None])
def test_no_channel(channel: str | None) -> None:
    assert key(channel) == ("" if channel is None else "<unknown>")


def test_doctests() -> None:
    import doctest

    from envtool.envs import channel

    assert doctest.testmod(channel).failed == 0
