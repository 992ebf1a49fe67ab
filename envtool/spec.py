"""Package specs: conda MatchSpecs and versions (via py-rattler) and pip requirement lines.

>>> s = parse_conda("numpy=1.26.4=py311h64a7726_0")
>>> (s.name, s.pinned, s.build)
('numpy', '1.26.4', 'py311h64a7726_0')
>>> parse_conda("pytorch::pytorch>=2.1").channel
'pytorch'
>>> compare_versions("1.1.1w", "1.1.1v"), compare_versions("2023b", "2023c")
(1, -1)
>>> change_size("1.26.4", "2.0.0"), change_size("1.11.1", "1.11.4")
('major', 'patch')
>>> truncate_version("1.1.1w", "minor"), truncate_version("2.1.0", "major")
('1.1', '2')
>>> variant_glob("py3.11_cuda12.1_cudnn8.9.2_0")
'*cuda*'
>>> p = parse_pip("Torch[cu121]==2.1.0 ; python_version > '3.8'")
>>> (p.kind, p.name, p.pinned)
('requirement', 'torch', '2.1.0')
>>> parse_pip("--extra-index-url https://download.pytorch.org/whl/cu121").kind
'option'
>>> parse_pip("-e git+https://github.com/openai/CLIP.git@main#egg=clip").name
'clip'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache, lru_cache
from sys import intern
from types import ModuleType
from typing import Literal

PinLevel = Literal["exact", "minor", "major", "none"]
Size = Literal["major", "minor", "patch", "other"]
PipKind = Literal["requirement", "editable", "url", "option", "include"]

# Build-string markers of a package variant worth keeping when builds are stripped, in the order
# they are preferred when a build carries several (a CUDA build is first of all a CUDA build).
VARIANT_MARKERS = ("cuda", "gpu", "cpu", "openblas", "mkl", "mpich", "openmpi")


class SpecError(Exception):
    """A spec that cannot be parsed; ``str()`` is a short reason, one printable line (the
    parser's own message may quote the spec raw: a control or bidi character is escaped)."""

    def __init__(self, reason: str) -> None:
        if not reason.isprintable():
            reason = "".join(c if c.isprintable() else repr(c)[1:-1] for c in reason)
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class CondaSpec:
    """A conda MatchSpec, reduced to what envtool compares and rewrites."""

    name: str  # normalized (lower case)
    version: str | None  # rattler's version spec, e.g. "==1.26.4", "1.26.*", ">=1.13"
    build: str | None
    channel: str | None  # as written before "::" (a name or URL, maybe with "/subdir")
    pinned: str | None  # the one version the spec pins (exactly or fuzzily), if it pins one


# A frozen dataclass's __init__ sets each field through object.__setattr__; setting the slots
# directly builds the same frozen CondaSpec 2.5x faster (the fast path below, once per line).
_NEW = object.__new__
_SET_NAME, _SET_VERSION, _SET_BUILD, _SET_CHANNEL, _SET_PINNED = (
    CondaSpec.__dict__[name].__set__ for name in ("name", "version", "build", "channel", "pinned")
)

# Large enough for the two files of a diff of 100,000 dependencies each (identical lines of the
# two hit), bounded so a long-lived process cannot grow without limit. 8,192 was too small: an
# LRU cache scanned by more distinct specs than it holds never hits. An unbounded cache emptied
# when full: an LRU's bookkeeping cost ~60 bytes and ~0.3 µs a spec, for no hit a file makes.
SPEC_CACHE_SIZE = 1 << 18


@cache
def parse_conda(text: str) -> CondaSpec:
    """Parse a conda spec as conda reads it from an environment file.

    The form every export writes (``name``, ``name=1.2``, ``name==1.2``, ``name=1.2=build``,
    with a plain ``channel::``) is read here directly when its version is one rattler keeps as
    written (numbers without leading zeros, a release letter); anything else goes to rattler's
    MatchSpec. ``tests/test_spec.py`` checks both give the same result.
    """
    if parse_conda.cache_info().currsize >= SPEC_CACHE_SIZE:  # (runs on a cache miss only)
        parse_conda.cache_clear()
    return read_conda(text)


def read_conda(text: str) -> CondaSpec:
    """:func:`parse_conda` without its cache: for a reader that parses each line of a large file
    once, where a cache would only keep every spec alive."""
    text = text.strip()
    fast = _FAST_SPEC.fullmatch(text)
    if fast is not None:
        channel, name, op, ver, build = fast.groups()
        version = None
        if op is not None:  # versions repeat across a file: one string each (sys.intern)
            ver = intern(ver)
            version = intern(f"{ver}.*" if op == "=" and build is None else f"=={ver}")
        lower = name.lower()
        spec: CondaSpec = _NEW(CondaSpec)  # CondaSpec(...), 2.5x faster: see _SET_NAME
        _SET_NAME(spec, name if lower == name else lower)
        _SET_VERSION(spec, version)
        _SET_BUILD(spec, build)
        _SET_CHANNEL(spec, channel)
        _SET_PINNED(spec, ver)
        return spec
    if not text:
        raise SpecError("empty spec")
    return _parse_with_rattler(text)


def conda_name(text: str) -> str:
    """``read_conda(text).name`` of a ``text`` :data:`PLAIN_BARE_SPEC` matches, without making
    the rest of the spec: ``name[=version[=build]]``, and a name holds no "=" (no regex).

    >>> conda_name("PyYAML=6.0.1=py311_0")
    'pyyaml'
    """
    return text.partition("=")[0].lower()


# The fast path: plain channel and name, a version of numbers without leading zeros (each may
# end in one release letter: 1.1.1w, 2023c), a build of plain characters.
_FAST_NUMBER = r"(?:0|[1-9][0-9]{0,8})[a-z]?"
_FAST_SPEC = re.compile(
    r"(?:([A-Za-z0-9_][A-Za-z0-9_.-]*)::)?"
    r"([A-Za-z0-9_][A-Za-z0-9_.-]*)"
    rf"(?:(==?)({_FAST_NUMBER}(?:\.{_FAST_NUMBER})*)(?:=([A-Za-z0-9_][A-Za-z0-9_.+]*))?)?"
)
PLAIN_SPEC = _FAST_SPEC  # the plain form: read_conda reads it directly (so it parses)
# The plain form without a channel or spaces around it, as nearly every line of a file is:
# a text it matches parses (read_conda's direct path) and conda_name names it. (For a text
# with no ":", the same answer as PLAIN_SPEC, 40% sooner.)
PLAIN_BARE_SPEC = re.compile(
    r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
    rf"(?:==?{_FAST_NUMBER}(?:\.{_FAST_NUMBER})*(?:=[A-Za-z0-9_][A-Za-z0-9_.+]*)?)?"
)


@cache
def _rattler() -> ModuleType:
    """py-rattler, imported once and only when a spec or version needs it."""
    import rattler
    import rattler.exceptions

    return rattler


def _parse_with_rattler(text: str) -> CondaSpec:
    rattler = _rattler()
    try:
        ms = rattler.MatchSpec(text)
    except rattler.exceptions.InvalidMatchSpecError as exc:
        raise SpecError(str(exc).splitlines()[0]) from exc
    except BaseException as exc:  # a Rust panic surfaces as PanicException, a BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise SpecError(f"cannot parse: {exc}") from exc
    if ms.name is None:
        raise SpecError("missing package name")
    channel = None
    head, sep, _ = text.partition("::")
    if sep and "[" not in head:
        channel = head
    version = ms.version
    return CondaSpec(
        name=ms.name.normalized,
        version=version,
        build=ms.build,
        channel=channel,
        pinned=_pinned(version),
    )


_SIMPLE_VERSION = re.compile(r"^[0-9A-Za-z!_.+]+$")


def _pinned(version: str | None) -> str | None:
    if not version:
        return None
    if version.startswith("=="):
        v = version[2:]
    elif version.endswith(".*"):
        v = version[:-2]
    else:
        v = version
    return v if _SIMPLE_VERSION.match(v) else None


@lru_cache(maxsize=SPEC_CACHE_SIZE)
def _version(text: str) -> object:
    return _rattler().Version(text)


_NUMERIC_VERSION = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})*")


def _numeric(version: str) -> tuple[int, ...] | None:
    """A version of plain numbers as conda orders it (trailing zeros do not count), else None."""
    if _NUMERIC_VERSION.fullmatch(version) is None:
        return None
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def compare_numeric(a: str, b: str) -> int | None:
    """-1, 0 or 1 for two versions of plain numbers (conda and PEP 440 order them alike:
    by number, trailing zeros not counting), else None."""
    na, nb = _numeric(a), _numeric(b)
    if na is None or nb is None:
        return None
    return (na > nb) - (na < nb)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 by conda's version order; raises SpecError for a malformed version."""
    numeric = compare_numeric(a, b)
    if numeric is not None:
        return numeric
    rattler = _rattler()
    try:
        va, vb = _version(a), _version(b)
    except rattler.exceptions.InvalidVersionError as exc:
        raise SpecError(str(exc)) from exc
    if va == vb:
        return 0
    return -1 if va < vb else 1  # type: ignore[operator]


def satisfies(spec: CondaSpec, version: str, build: str | None = None) -> bool:
    """Does an installed ``version`` (and ``build``) meet ``spec``'s version and build?

    >>> satisfies(parse_conda("numpy=1.26"), "1.26.4"), satisfies(parse_conda("numpy>=2"), "1.26.4")
    (True, False)
    >>> satisfies(parse_conda("pytorch=2.1=*cuda*"), "2.1.0", "py3.11_cpu_0")
    False
    """
    if spec.build is not None and (build is None or not fnmatchcase(build, spec.build)):
        return False
    if spec.version is None:
        return True
    rattler = _rattler()
    errors = (rattler.exceptions.InvalidVersionError, rattler.exceptions.InvalidVersionSpecError)
    try:
        return bool(rattler.VersionSpec(spec.version).matches(rattler.Version(version)))
    except errors:
        return False


def _release(version: str) -> list[str]:
    """The release components, without epoch ("1!") or local part ("+cu121")."""
    v = version.split("!", 1)[-1].split("+", 1)[0]
    return re.split(r"[._-]", v.lower())


_SIZES: tuple[Size, ...] = ("major", "minor", "patch")
_COMPONENT = re.compile(r"(\d*)(.*)")


def change_size(old: str, new: str) -> Size:
    """How big a version change is, by the first release component that differs.

    A change of the number in component 0, 1 or 2 is major, minor or patch. A change of only a
    release letter (tzdata ``2023b`` → ``2023c``, openssl ``1.1.1v`` → ``1.1.1w``) counts one
    level finer, at most patch. Pre- and post-release changes (``1.0rc1`` → ``1.0``,
    ``1.0`` → ``1.0.post1``) and changes past the third component are "other".

    >>> [change_size(*p) for p in [("2023b", "2023c"), ("2023c", "2024a"), ("1.1.1v", "1.1.1w")]]
    ['minor', 'major', 'patch']
    >>> [change_size(*p) for p in [("1.0rc1", "1.0"), ("1.0", "1.0.post1"), ("1.2.3.4", "1.2.3.5")]]
    ['other', 'other', 'other']
    >>> change_size("1!1.0", "2!0.5"), change_size("3.0.12", "1.1.1w")
    ('major', 'major')
    """
    if old.partition("!")[1] or new.partition("!")[1]:
        epochs = (
            old.split("!")[0] if "!" in old else "0",
            new.split("!")[0] if "!" in new else "0",
        )
        if epochs[0] != epochs[1]:
            return "major"
    a, b = _release(old), _release(new)
    for index in range(max(len(a), len(b))):
        x = a[index] if index < len(a) else "0"
        y = b[index] if index < len(b) else "0"
        if x == y:
            continue
        if index >= len(_SIZES):
            return "other"
        mx, my = _COMPONENT.fullmatch(x), _COMPONENT.fullmatch(y)
        assert mx is not None and my is not None  # the pattern matches any string
        if mx.group(1).lstrip("0") != my.group(1).lstrip("0"):
            return _SIZES[index]
        letters = {mx.group(2), my.group(2)} <= {"", *"abcdefghijklmnopqrstuvwxyz"}
        if letters and len(mx.group(2)) <= 1 and len(my.group(2)) <= 1:
            return _SIZES[min(index + 1, len(_SIZES) - 1)]
        return "other"
    return "other"


def truncate_version(version: str, level: PinLevel) -> str | None:
    """The version a pin of ``level`` keeps: exact → all, minor → two components, major → one."""
    if level == "none":
        return None
    if level == "exact":
        return version
    keep = 2 if level == "minor" else 1
    epoch, bang, rest = version.rpartition("!")
    parts = rest.split("+", 1)[0].split(".")
    return f"{epoch}{bang}" + ".".join(parts[:keep])


_CUDA_TAG = re.compile(r"(?<![a-z])cu\d{2,4}(?!\d)")
_CUDA_VERSION = re.compile(r"cuda_?(\d+)(\.)?")


def variant_glob(build: str | None) -> str | None:
    """A wildcard keeping a build's variant (``*cuda*``), or None when it carries none.

    PyTorch's own channel tags CUDA builds of torchvision/torchaudio ``py311_cu121``; that tag
    names the CUDA version the build needs, so it is kept as it is (``*cu121*``).

    >>> variant_glob("py3.11_cuda12.1_cudnn8.9.2_0"), variant_glob("py311_cu121")
    ('*cuda*', '*cu121*')
    >>> variant_glob("20_linux64_openblas"), variant_glob("nomkl"), variant_glob("h4616a5c_0")
    ('*openblas*', None, None)
    """
    found = _variant_marker(build)
    return found[1] if found else None


def _variant_marker(build: str | None) -> tuple[str, str, str | None] | None:
    """(kind, glob, CUDA major) of the variant a build string names, if any."""
    if not build:
        return None
    lower = build.lower()
    for marker in VARIANT_MARKERS:
        if marker in lower and not (marker in ("mkl", "mpich") and f"no{marker}" in lower):
            major = None
            if marker == "cuda":
                m = _CUDA_VERSION.search(lower)
                if m:
                    digits = m.group(1)
                    major = digits if m.group(2) or len(digits) <= 2 else digits[:-1]
            return marker, f"*{marker}*", major
    tag = _CUDA_TAG.search(lower)
    if tag:
        digits = tag.group(0)[2:]
        return "cuda", f"*{tag.group(0)}*", digits[:1] if len(digits) == 2 else digits[:2]
    return None


def variant(build: str | None, flags: Sequence[str] = ()) -> str | None:
    """The variant a package's build string (or its CEP 45 ``flags``) says it is: ``cuda 12``
    (CUDA with its major version, when the build names it), ``cpu``, ``mkl``, ``openblas``,
    ``mpich``, ... or None. Flags, when a record has them, win over the build string.

    >>> variant("py3.11_cuda12.1_cudnn8.9.2_0"), variant("cuda118py310h_0"), variant("py311_cu121")
    ('cuda 12', 'cuda 11', 'cuda 12')
    >>> variant("py3.11_cpu_0"), variant("mpi_openmpi_h1_0"), variant("h4616a5c_0")
    ('cpu', 'openmpi', None)
    >>> variant("h0_0", ["gpu:cuda", "cuda:12"]), variant("h0_0", ["blas:mkl"])
    ('cuda 12', 'mkl')
    """
    for flag in flags:
        key, _, value = flag.lower().partition(":")
        if key == "cuda" and value[:1].isdigit():
            return f"cuda {value.split('.')[0]}"
    for flag in flags:
        key, _, value = flag.lower().partition(":")
        for word in (value, key):
            if word in VARIANT_MARKERS:
                return word
    found = _variant_marker(build)
    if found is None:
        return None
    kind, _, major = found
    return f"{kind} {major}" if major else kind


def variant_change(old: str | None, new: str | None) -> tuple[str, str] | None:
    """How a variant changed, for a person: the kinds when they differ (``cuda`` → ``cpu``),
    the versions when only they do (``cuda 12`` → ``cuda 11``); None when it did not.

    >>> variant_change("cuda 12", None), variant_change("cuda 12", "cuda 11")
    (('cuda', 'none'), ('cuda 12', 'cuda 11'))
    >>> variant_change("cuda 12", "cuda"), variant_change("mkl", "mkl")
    (None, None)
    """
    if old == new:
        return None
    kind_old, kind_new = (v.split()[0] if v else "none" for v in (old, new))
    if kind_old != kind_new:
        return kind_old, kind_new
    if old is None or new is None or " " not in old or " " not in new:
        return None  # a CUDA build that does not say its version: not a change we can see
    return old, new


# --------------------------------------------------------------------------------------- pip

_OPTION_INCLUDES = ("-r", "--requirement", "-c", "--constraint")
_OPTION_EDITABLE = ("-e", "--editable")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True, slots=True)
class PipLine:
    """One line of a pip section (a requirements-file line)."""

    text: str
    kind: PipKind
    name: str | None = None  # PEP 503 normalized, when the line names a project
    specifier: str = ""  # e.g. "==2.1.0" or ">=1,<2"
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None

    @property
    def pinned(self) -> str | None:
        m = re.fullmatch(r"===?([^,;\s]+)", self.specifier)
        return m.group(1) if m else None

    @property
    def key(self) -> str:
        """What identifies the line across two files: its project name, else its text."""
        return self.name or self.text

    @property
    def option(self) -> str | None:
        """For option lines, the option name (``--extra-index-url``)."""
        if self.kind not in ("option", "include"):
            return None
        return re.split(r"[\s=]", self.text, maxsplit=1)[0]

    @property
    def option_value(self) -> str:
        if self.kind not in ("option", "include"):
            return ""
        parts = re.split(r"[\s=]+", self.text, maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


_PIP_NAME_SEPARATORS = re.compile(r"[-_.]+")


def normalize_pip_name(name: str) -> str:
    """PEP 503 normalization: ``Flask_SocketIO`` → ``flask-socketio``."""
    if "_" not in name and "." not in name and "--" not in name and name.islower():
        return name  # already normal (most conda names): no regex, no copy
    return _PIP_NAME_SEPARATORS.sub("-", name).lower()


@lru_cache(maxsize=8192)
def parse_pip(text: str) -> PipLine:
    """Classify and parse one pip line; raises SpecError for a malformed requirement."""
    line = text.strip()
    if not line:
        raise SpecError("empty pip line")
    if line.startswith("-"):
        opt = re.split(r"[\s=]", line, maxsplit=1)[0]
        rest = line[len(opt) :].lstrip(" =\t")
        if opt in _OPTION_EDITABLE:
            egg = _EGG.search(rest)
            return PipLine(
                line, "editable", normalize_pip_name(egg.group(1)) if egg else None, url=rest
            )
        if opt in _OPTION_INCLUDES:
            return PipLine(line, "include", url=rest)
        return PipLine(line, "option")
    fast = _FAST_PIP.fullmatch(line)
    if fast is not None:  # "name" or "name==1.2.3", as pip freeze and conda export write them
        name, specifier = fast.groups()
        return PipLine(line, "requirement", normalize_pip_name(name), specifier or "")
    if _looks_like_url_or_path(line):
        egg = _EGG.search(line)
        return PipLine(line, "url", normalize_pip_name(egg.group(1)) if egg else None, url=line)
    return _parse_requirement(line)


# A PEP 508 name, alone or pinned with == to a version of plain numbers: read without importing
# packaging (``tests/test_spec.py`` checks both agree).
_FAST_PIP = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(==[0-9]{1,9}(?:\.[0-9]{1,9})*)?"
)


def _looks_like_url_or_path(line: str) -> bool:
    head = line.split(";", 1)[0].strip()
    if " @ " in head or re.match(r"^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*@", head):
        return False  # "name @ url" is a named requirement
    return bool(
        re.match(r"^([a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+|\.|/|~|[A-Za-z]:[\\/])", head)
    )


def _parse_requirement(line: str) -> PipLine:
    from packaging.requirements import InvalidRequirement, Requirement

    # A requirements-file line may carry per-requirement options after the requirement.
    req_text = re.split(r"\s+--?[a-z]", line, maxsplit=1)[0]
    try:
        req = Requirement(req_text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise SpecError(f"invalid pip requirement: {reason}") from exc
    return PipLine(
        text=line,
        kind="requirement",
        name=normalize_pip_name(req.name),
        specifier=str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker else None,
        url=req.url,
    )
