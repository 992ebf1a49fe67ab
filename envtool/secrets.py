"""Credentials in environment files: find them (``envtool check``) and mask them (every output).

One module so that what ``check`` reports and what ``diff`` hides agree. Where credentials hide:

* user info in a URL: ``https://user:password@host``, or a lone ``https://<token>@host`` (GitHub,
  Gemfury, GitLab and anaconda.org tokens are often written so);
* anaconda.org's token path, as conda writes it: ``https://conda.anaconda.org/t/<token>/chan``
  (and pypi.anaconda.org's pip indexes);
* a query parameter named like a secret: ``?token=``, ``&api_key=``, ``?sig=`` ...

Not secrets, so never masked: references to environment variables (``${PIP_TOKEN}``, ``$TOKEN``,
``%TOKEN%``, which pip and conda expand), placeholders (``<TOKEN>``, ``***``, ``xxx``), and the
user name of an ssh URL (``git+ssh://git@github.com/...``): it names a key, it is not one.

:func:`redact` masks more than :func:`credential` reports: a lone user name
(``https://alice@pypi.example.com``, pip's keyring idiom) is not reported as a leaked secret, but
it cannot be told from a short token, so it is masked all the same. Masking is idempotent, and
two values that differ only in their secrets redact to the same text, which is how ``diff``
sees a rotated token (a change "credentials changed", shown masked).

>>> redact("https://conda.anaconda.org/t/ab-12cd/my-channel")
'https://conda.anaconda.org/t/***/my-channel'
>>> redact("--extra-index-url https://me:s3cret@pypi.example.com/simple")
'--extra-index-url https://me:***@pypi.example.com/simple'
>>> redact("https://tok@host/simple?x=1&api_key=abc")
'https://***@host/simple?x=1&api_key=***'
>>> redact("https://${U}:${P}@h/"), redact("git+ssh://git@github.com/o/r.git")
('https://${U}:${P}@h/', 'git+ssh://git@github.com/o/r.git')
>>> credential("https://me:s3cret@repo.example.com/conda"), credential("https://alice@host/x")
('a password', None)
>>> credential("https://conda.anaconda.org/t/ab-123/private"), credential("https://h/t/<T>/c")
('a token', None)
>>> credential("https://example.com/t/tools/x.tar.gz", conda=False) is None  # a pip URL
True
>>> redact_variable("HF_TOKEN", "hf_abc"), redact_variable("HF_TOKEN", "${HF_TOKEN}")
('***', '${HF_TOKEN}')
"""

from __future__ import annotations

import re

MASK = "***"

# Patterns as text, compiled on first use (``re`` caches them): most runs redact nothing that
# needs one, and start-up time is most of a diff's time.
_URL = r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^\s'\"<>]*)"
_CONDA_TOKEN = r"(^|/)t/([^/\s]+)"
_QUERY_SECRET = (
    r"(?i)([?&](?:[^=&#\s]*(?:token|secret|passw|pwd|auth|api_?key|access_?key|private_?key"
    r"|signature|credential)[^=&#\s]*|key|sig|pass)=)([^&#\s]+)"
)
_PLACEHOLDER = r"(?i)^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%[A-Za-z_][A-Za-z0-9_]*%|<[^>]*>|\*+|x+)$"
_TOKEN_LIKE = r"^((gh[pousr]_|github_pat_|glpat-|hf_|pypi-)\S+|[A-Za-z0-9_\-]{32,})$"
_SECRET_NAME = r"(?i)token|secret|passw|pwd|api_?key|access_?key|private_?key|credential"


def _placeholder(text: str) -> bool:
    return re.match(_PLACEHOLDER, text) is not None


def redact(text: str) -> str:
    """``text`` with every credential replaced by ``***`` (see the module docstring)."""
    if "://" not in text:
        if "t/" not in text:
            return text  # the common case, cheaply
        return re.sub(_CONDA_TOKEN, _mask_token, text)
    return re.sub(_URL, _redact_url, text)


def credential(text: str, *, conda: bool = True) -> str | None:
    """What secret ``text`` carries ("a password", "a token"), or None.

    ``/t/<token>/`` is conda's way to put a token in a channel URL; ``conda=False`` (pip lines)
    does not report it, so a pip URL with a ``/t/`` path is not mistaken for one (it is still
    masked by :func:`redact`).
    """
    if "://" not in text:
        return _path_token(text) if conda else None
    for match in re.finditer(_URL, text):
        netloc, slash, path = match.group(2).partition("/")
        if "@" in netloc:
            userinfo = netloc.rpartition("@")[0]
            user, colon, password = userinfo.partition(":")
            if colon and password and not _placeholder(password):
                return "a password"
            if not colon and re.match(_TOKEN_LIKE, user) and not _placeholder(user):
                return "a token"
        rest = slash + path
        found = _path_token(rest) if conda else None
        if found or any(not _placeholder(m.group(2)) for m in re.finditer(_QUERY_SECRET, rest)):
            return "a token"
    return None


def strip_credentials(url: str) -> str:
    """A package URL as ``conda list --explicit`` writes it: no ``user:pass@``, no ``/t/<token>``.

    >>> strip_credentials("https://me:pw@conda.anaconda.org/t/tk-1/chan/noarch/a-1-0.conda")
    'https://conda.anaconda.org/chan/noarch/a-1-0.conda'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    netloc = netloc.rpartition("@")[2]
    path = re.sub(r"^t/[^/]+/", "", path)
    return f"{scheme}{sep}{netloc}{slash}{path}"


def redact_variable(name: str, value: str) -> str:
    """A variable's value for display: masked whole when its name says it is a secret."""
    if is_secret_name(name) and value and not _placeholder(value):
        return MASK
    return redact(value)


def is_secret_name(name: str) -> bool:
    """Whether a variable (or parameter) name says its value is a secret (``HF_TOKEN``)."""
    return re.search(_SECRET_NAME, name) is not None


# ------------------------------------------------------------------------------------- helpers


def _path_token(text: str) -> str | None:
    if "t/" not in text:
        return None  # the common case, cheaply (_CONDA_TOKEN needs it)
    for match in re.finditer(_CONDA_TOKEN, text):
        if not _placeholder(match.group(2)):
            return "a token"
    return None


def _mask_token(match: re.Match[str]) -> str:
    if _placeholder(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}t/{MASK}"


def _mask_query(match: re.Match[str]) -> str:
    if _placeholder(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}{MASK}"


def _redact_url(match: re.Match[str]) -> str:
    scheme, rest = match.group(1), match.group(2)
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if colon:
            if password and not _placeholder(password):
                userinfo = f"{user}:{MASK}"
        elif not _placeholder(user) and "ssh" not in scheme.lower() and user != "git":
            userinfo = MASK  # a lone user name is often a token: mask it, whatever it is
        netloc = f"{userinfo}@{host}"
    path = re.sub(_QUERY_SECRET, _mask_query, re.sub(_CONDA_TOKEN, _mask_token, slash + path))
    return f"{scheme}{netloc}{path}"
