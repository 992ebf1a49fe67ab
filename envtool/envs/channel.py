"""Channels as conda identifies them: one canonical form for every layer (DESIGN §4).

A channel is written many ways — ``conda-forge``, ``https://conda.anaconda.org/conda-forge``,
``https://user:pw@host/t/TOKEN/chan/linux-64/``, ``./channel``, ``file:///srv/channel`` — and
conda turns each into a *canonical name* that its exports print, following its configuration
(:class:`~envtool.envs.condaconfig.CondaConfig`):

- a URL under ``channel_alias`` (default ``https://conda.anaconda.org``) → the part after it;
- a URL under a ``custom_channels`` entry's location → that entry's name;
- one of ``default_channels`` (or ``pkgs/main``, ``pkgs/r``, ...) → ``defaults``;
- any other URL → the URL itself; a local path → its ``file://`` URL;

always without credentials (``user:pass@``), tokens (``/t/TOKEN``), a trailing slash or a
platform subdir. :func:`channel_urls` goes the other way: the base URLs a solve reads.

>>> cfg = CondaConfig()
>>> canonical_name("https://conda.anaconda.org/conda-forge/linux-64", cfg)
'conda-forge'
>>> canonical_name("https://repo.anaconda.com/pkgs/main/noarch", cfg)
'defaults'
>>> canonical_name("file:///srv/channel/noarch", cfg)
'file:///srv/channel'
>>> canonical_name("https://user:pw@host.example/t/tk-123/chan/linux-64/", cfg)
'https://host.example/chan'
>>> Channel.parse("conda-forge").urls
('https://conda.anaconda.org/conda-forge',)
>>> key("https://conda.anaconda.org/bioconda/") == key("bioconda")
True
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from envtool.envs.condaconfig import UNKNOWN_CHANNEL, CondaConfig

_SUBDIR = re.compile(r"^(noarch|(linux|osx|win|zos|freebsd|emscripten|wasi)-[a-z0-9_]+)$")
_TOKEN = re.compile(r"/t/[^/]+")
_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.IGNORECASE)
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class Channel:
    """One channel: ``name`` is conda's canonical name, ``urls`` the base URLs to solve from
    (``defaults`` stands for several)."""

    name: str
    urls: tuple[str, ...]

    @classmethod
    def parse(
        cls, text: str, config: CondaConfig | None = None, base_dir: Path | None = None
    ) -> Channel:
        """The channel ``text`` names under ``config`` (conda's defaults when None); relative
        local paths resolve against ``base_dir`` (the environment file's directory)."""
        cfg = config if config is not None else CondaConfig()
        return cls(canonical_name(text, cfg, base_dir), tuple(channel_urls(text, cfg, base_dir)))


def is_url(channel: str) -> bool:
    return "://" in channel


def strip_url(url: str) -> str:
    """A channel URL without credentials, token, trailing slash and platform subdir."""
    url = _CREDENTIALS.sub(r"\1", url.strip())
    url = _TOKEN.sub("", url).rstrip("/")
    head, _, last = url.rpartition("/")
    if head and _SUBDIR.match(last) and not head.endswith(":/"):
        url = head.rstrip("/")
    return url


def canonical_name(channel: str, config: CondaConfig, base_dir: Path | None = None) -> str:
    """The channel's name as conda prints it in an export (its *canonical name*).

    A name stays a name (without a trailing subdir); an absolute local path (or a relative one,
    given ``base_dir``) becomes its ``file://`` URL.
    """
    text = channel.strip()
    if not text or text == UNKNOWN_CHANNEL:
        return UNKNOWN_CHANNEL
    local = local_path(text, base_dir) if base_dir is not None or _absolute(text) else None
    if local is not None:
        text = local.as_uri()
    if not is_url(text):
        name = strip_url(text)
        if name == "defaults":
            return name
        for default in config.default_channels:
            if default.endswith("/" + name):  # "pkgs/main" is the name of a default channel
                return "defaults"
        return name
    url = strip_url(text)
    for default in config.default_channels:
        if strip_url(default) == url:
            return "defaults"
    for name, location in config.custom_channels:
        if url == f"{strip_url(location)}/{name}":
            return name
    alias = strip_url(config.channel_alias)
    if url.startswith(alias + "/"):
        return url[len(alias) + 1 :]
    return url


def key(channel: str | None, config: CondaConfig | None = None) -> str:
    """What identifies a channel when two are compared: its canonical name under ``config``
    (conda's defaults when None), so ``https://conda.anaconda.org/x/`` and ``x`` are one.

    A channel URL that carries a token or credentials keys as written (less a trailing slash):
    a diff must see a changed token.
    """
    if channel is None:
        return ""
    text = channel.strip()
    if _TOKEN.search(text) or _CREDENTIALS.match(text):
        return text.rstrip("/")
    return canonical_name(text, config if config is not None else CondaConfig())


def channel_urls(channel: str, config: CondaConfig, base_dir: Path | None = None) -> list[str]:
    """The base URLs to solve from for one channel of an environment file.

    ``defaults`` → the default channels; a ``custom_channels`` name → its location; another
    name → ``<channel_alias>/<name>``; a URL as is; a local path → a ``file://`` URL. A
    *relative* local path (``./channel``, ``../x``, ``file:channel``, ``file:./channel``)
    resolves against ``base_dir``, the environment file's directory, so a file that ships
    beside its channel works from any working directory.
    """
    channel = channel.strip()
    if channel == "defaults":
        return list(config.default_channels)
    local = local_path(channel, base_dir)
    if local is not None:
        return [local.as_uri()]
    if is_url(channel):
        return [channel.rstrip("/")]
    name = channel.strip("/")
    for custom, location in config.custom_channels:
        if name == custom:
            return [f"{location.rstrip('/')}/{name}"]
    return [f"{config.channel_alias}/{name}"]


def local_path(channel: str, base_dir: Path | None = None) -> Path | None:
    """The directory a local channel entry names, or None when it is not a local path.

    An absolute ``file://`` URL is not a path here: it is used as it is.
    """
    text = channel
    if text.startswith("file://"):
        return None
    if text.startswith("file:"):
        text = text[len("file:") :]
    elif not (
        text.startswith(("./", "../", "/", "~", ".\\", "..\\"))
        or text in (".", "..")
        or _WINDOWS_DRIVE.match(text)
    ):
        return None
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return Path(os.path.abspath(path))


def _absolute(text: str) -> bool:
    return text.startswith(("/", "~")) or bool(_WINDOWS_DRIVE.match(text))
