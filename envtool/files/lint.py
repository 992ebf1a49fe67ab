"""``envtool check``: what in an environment file breaks ``conda env create`` on another machine.

:func:`lint` takes a decoded file and returns :class:`Finding` values sorted by line; it prints
nothing and raises nothing for a broken file (a linter reports those). Every finding has a
stable code: the letter is its severity (``E`` error: ``env create`` fails, or the file is not
an environment file at all; ``W`` warning: it works here but not elsewhere, or conda ignores
it), the first digit its topic (0 the file, 1 dependencies, 2 channels and credentials,
3 portability).

====  =====================  ============================================================
code  name                   finding
====  =====================  ============================================================
E001  invalid-file           not an environment file: invalid YAML, a top-level list, a
                             duplicate key, a wrong shape, binary or non-UTF text, empty
E002  merge-conflict         a committed merge-conflict marker (one per marker line)
E003  missing-dependencies   no ``dependencies:`` key (``env create`` requires it)
E004  invalid-name           ``name:`` holds ``/``, space, ``:`` or ``#`` (CEP 24)
W005  unknown-key            an unknown top-level key, which conda ignores ("did you mean")
E101  invalid-conda-spec     a conda dependency that is not a valid MatchSpec (each one)
E102  invalid-pip-line       a pip line that is not a valid requirement (each one)
W103  duplicate-conda        a conda package listed again (normalized name)
W104  duplicate-pip          a pip project listed again (PEP 503 name)
W105  conda-and-pip          a package installed by both conda and pip
W106  pip-without-pip        a ``pip:`` section without ``pip`` in the conda dependencies
E201  credentials            a channel or pip URL carrying a password or token (not echoed)
E202  nodefaults-not-channel ``nodefaults`` used as a spec's channel or as a package
W203  nodefaults-only        ``nodefaults`` is the only channel: each machine's .condarc decides
W204  defaults-nodefaults    both ``defaults`` and ``nodefaults`` listed
W301  prefix                 a ``prefix:`` (a path on the exporting machine)
W302  build-strings          pinned build strings: ONE finding per file, on the first such line,
                             with the count (noarch ``pyh*``/``py_N`` builds and globs excluded)
W303  platform-only          packages that exist for one platform only: ONE finding per
                             platform, on the first one's line, naming them
W304  local-path             an absolute, home (``~``) or ``file:`` path in a channel or dependency
W305  editable               an editable (``-e``) pip install: needs that checkout / VCS clone
====  =====================  ============================================================

Text echoed in a message passes through :func:`envtool.secrets.redact`, so a secret is never
printed; E201 is :func:`envtool.secrets.credential`'s verdict.
"""

from __future__ import annotations

import difflib
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from envtool.errors import InputError, UsageError
from envtool.files import envfile, fileio
from envtool.files.envfile import (
    KNOWN_KEYS,
    CondaDep,
    EnvFile,
    check_env_name,
    conda_parts,
    conflict_markers,
    is_null,
    node_line,
)
from envtool.files.fileio import TextFile
from envtool.files.portable import platform_only
from envtool.secrets import credential, redact
from envtool.spec import normalize_pip_name

Severity = Literal["error", "warning"]

RULES: dict[str, str] = {
    "E001": "invalid-file",
    "E002": "merge-conflict",
    "E003": "missing-dependencies",
    "E004": "invalid-name",
    "W005": "unknown-key",
    "E101": "invalid-conda-spec",
    "E102": "invalid-pip-line",
    "W103": "duplicate-conda",
    "W104": "duplicate-pip",
    "W105": "conda-and-pip",
    "W106": "pip-without-pip",
    "E201": "credentials",
    "E202": "nodefaults-not-channel",
    "W203": "nodefaults-only",
    "W204": "defaults-nodefaults",
    "W301": "prefix",
    "W302": "build-strings",
    "W303": "platform-only",
    "W304": "local-path",
    "W305": "editable",
}


@dataclass(frozen=True)
class Finding:
    """One problem in one file. ``line`` is 1-based; file-wide findings point at line 1."""

    source: str
    line: int
    code: str
    severity: Severity
    message: str


def lint_bytes(data: bytes, source: str) -> list[Finding]:
    """Lint raw file contents: text that cannot be decoded is a finding, not an exception."""
    try:
        tf = fileio.decode(data, source)
    except InputError as exc:
        return [_finding(source, exc.line, "E001", exc.reason)]
    return lint(tf)


def lint(tf: TextFile) -> list[Finding]:
    """Every finding in ``tf``, sorted by line (then code)."""
    conflicts = list(_conflict_markers(tf))
    if conflicts:
        return conflicts
    try:
        root = envfile.compose(tf.text, tf.source)
        lines = _Lines.of(root) if root is not None and root.id == "mapping" else _NO_LINES
        # Unparseable specs are findings, not errors; the model takes the tree's place.
        env = envfile.parse_node(root, tf.source, consume=True)
    except InputError as exc:
        return [_finding(tf.source, exc.line, "E001", exc.reason)]
    del root
    found: list[Finding] = list(_schema(env))
    facts = _conda(env, found)
    found.extend(_pip(env, lines, facts))
    found.extend(_channels(env, lines))
    found.extend(_portability(env))
    return sorted(found, key=lambda f: (f.line, f.code))


def _finding(source: str, line: int | None, code: str, message: str) -> Finding:
    severity: Severity = "error" if code.startswith("E") else "warning"
    return Finding(source, line or 1, code, severity, message)


# --------------------------------------------------------------------- where things are


@dataclass(frozen=True)
class _Lines:
    """Line numbers the model does not carry: channel items and the ``pip:`` key."""

    channels: tuple[int, ...]  # aligned with EnvFile.channels
    pip_key: int | None

    @classmethod
    def of(cls, root: Any) -> _Lines:
        """From the node tree of a file that parsed (a mapping at the top)."""
        channel_lines: list[int] = []
        pip_key = None
        for key, value in root.value:
            if key.value == "channels" and value.id == "sequence":
                # The same items envfile keeps: non-null scalars, in order.
                channel_lines = [
                    node_line(item)
                    for item in value.value
                    if item.id == "scalar" and not is_null(item)
                ]
            elif key.value == "dependencies" and value.id == "sequence":
                pip_keys = [
                    node_line(k)
                    for item in value.value
                    if item.id == "mapping"
                    for k, _ in item.value
                    if k.value == "pip"
                ]
                pip_key = pip_keys[0] if pip_keys else None
        return cls(tuple(channel_lines), pip_key)

    def channel(self, index: int, fallback: int | None) -> int | None:
        return self.channels[index] if index < len(self.channels) else fallback


_NO_LINES = _Lines((), None)


# ------------------------------------------------------------------------- the file itself


def _conflict_markers(tf: TextFile) -> Iterator[Finding]:
    for number, marker in conflict_markers(tf.text):
        yield _finding(
            tf.source,
            number,
            "E002",
            f"unresolved merge-conflict marker {marker!r}: "
            "the file is not valid YAML until the conflict is resolved",
        )


def _schema(env: EnvFile) -> Iterator[Finding]:
    if not env.has_dependencies:
        yield _finding(env.source, 1, "E003", envfile.NO_DEPENDENCIES)
    if env.name is not None:
        try:
            check_env_name(env.name)
        except UsageError as exc:
            hint = "conda env create rejects it"
            if "/" in env.name or "\\" in env.name:
                hint = (
                    "conda writes a path here for an env outside its envs dirs, which env "
                    "create rejects; set a name with envtool rename FILE NEW_NAME"
                )
            yield _finding(env.source, env.key_lines.get("name"), "E004", f"{exc} — {hint}")
    for key in env.extra:
        guess = difflib.get_close_matches(key.lower(), KNOWN_KEYS, n=1, cutoff=0.6)
        hint = f" — did you mean {guess[0]!r}?" if guess else ""
        yield _finding(
            env.source,
            env.key_lines.get(key),
            "W005",
            f"unknown top-level key {key!r}: conda warns and ignores it{hint}",
        )


# ---------------------------------------------------------------------------- dependencies


@dataclass(frozen=True)
class _CondaFacts:
    """What the pip rules need to know of the conda dependencies."""

    lines_by_pip_name: dict[str, int | None]  # a conda package pip also lists → its line
    has_pip: bool  # "pip" is among them


_PLATFORMS = {"linux": "Linux", "win": "Windows", "osx": "macOS", "unix": "Unix"}


def _conda(env: EnvFile, found: list[Finding]) -> _CondaFacts:
    """Every rule about conda dependencies, in one pass that reads each spec once and keeps
    none (a 100,000-line file: memory is the model's, not the model's plus its specs').

    E101 invalid spec · W103 listed again · E202 nodefaults as a channel or package · E201 a
    credential · W304 a local path · W302 pinned builds (one finding) · W303 platform-only
    packages (one finding per platform).
    """
    source = env.source
    add = found.append
    pip_names = {p.req.name for p in env.pip or () if p.req is not None and p.req.name}
    names = _Names(len(env.conda))
    pip_hits: list[tuple[str, str, int | None]] = []  # (pip name, conda name, line)
    has_pip = False
    pinned = 0
    first_pinned: CondaDep | None = None
    groups: dict[str, list[tuple[str, int | None, str]]] = {}  # platform → (name, line, why)
    for dep in env.conda:
        parts = conda_parts(dep)  # (name, channel, build): no spec made for a plain line
        text, line = dep.text, dep.line
        secret = credential(text)
        if secret:
            add(
                _finding(
                    source,
                    line,
                    "E201",
                    f"conda spec {redact(text)!r} carries {secret}: anyone who reads the file "
                    "can use it — keep credentials in .condarc or a keyring",
                )
            )
        if parts is None:
            add(
                _finding(
                    source,
                    line,
                    "E101",
                    f"invalid conda spec {redact(text)!r}: {redact(dep.problem or '')}",
                )
            )
            names.skip()
            continue
        name, channel, build = parts
        names.add(name)
        has_pip = has_pip or name == "pip"
        if pip_names:
            pip_name = normalize_pip_name(name)
            if pip_name in pip_names:
                pip_hits.append((pip_name, name, line))
        if channel == "nodefaults":
            add(
                _finding(
                    source,
                    line,
                    "E202",
                    f"{redact(text)!r}: 'nodefaults' is not a channel (it only belongs in "
                    "channels:, to stop conda adding defaults)",
                )
            )
        elif name == "nodefaults":
            add(
                _finding(
                    source,
                    line,
                    "E202",
                    "'nodefaults' is not a package: it belongs in channels:, to stop conda "
                    "adding defaults",
                )
            )
        if _local_path(text):
            add(
                _finding(
                    source,
                    line,
                    "W304",
                    f"{redact(text)!r} names a path on this machine: "
                    "it will not exist on another one",
                )
            )
        if build and "*" not in build and not _NOARCH_BUILD.match(build):
            pinned += 1
            first_pinned = first_pinned or dep
        only = platform_only(name)
        if only:
            groups.setdefault(only[0], []).append((name, line, only[1]))
    if first_pinned is not None:
        found.append(_builds(source, first_pinned, pinned))
    found.extend(_platform_only(source, groups))
    first: dict[str, int | None] = {}  # W103: a name listed again, and where it was first
    for dep in names.maybe_repeated(env.conda):
        name = dep.name
        if name in first:
            add(
                _finding(
                    source,
                    dep.line,
                    "W103",
                    f"{name!r} is listed again (first on line {first[name]}): conda merges "
                    "the specs and fails when they disagree — keep one line",
                )
            )
        else:
            first[name] = dep.line
    in_pip: dict[str, int | None] = {}  # W105: the first line of each name pip lists too
    seen: set[str] = set()
    for pip_name, name, line in pip_hits:
        if name not in seen:
            seen.add(name)
            in_pip[pip_name] = line
    return _CondaFacts(in_pip, has_pip)


class _Names:
    """Which of a file's conda names may be listed twice, in a few bits a name.

    Keeping every name (to find the ones listed again) cost more memory than the rest of
    ``check``: instead each name's hash marks one bit of a table 64 times larger than the
    number of names, and a name whose bit is already marked is a candidate. Only the (few)
    candidates are looked at again by name, so the answer is exact.
    """

    def __init__(self, n: int) -> None:
        size = 64
        while size < 64 * n:
            size *= 2
        self.mask = size - 1
        self.bits = bytearray(size // 8)
        self.slots = array("L")  # each dependency's bit, in order (NONE: not a valid spec)
        self.repeated: set[int] = set()

    NONE = 1 << 32  # no bit: the table never has that many

    def add(self, name: str) -> None:
        slot = hash(name) & self.mask
        byte, bit = slot >> 3, 1 << (slot & 7)
        if self.bits[byte] & bit:
            self.repeated.add(slot)
        else:
            self.bits[byte] |= bit
        self.slots.append(slot)

    def skip(self) -> None:
        self.slots.append(self.NONE)

    def maybe_repeated(self, deps: Sequence[CondaDep]) -> Iterator[CondaDep]:
        """The dependencies whose name may be listed twice, in order (all that are)."""
        if not self.repeated:
            return
        repeated = self.repeated
        for dep, slot in zip(deps, self.slots, strict=True):
            if slot in repeated:
                yield dep


def _pip(env: EnvFile, lines: _Lines, facts: _CondaFacts) -> Iterator[Finding]:
    pip_seen: dict[str, int | None] = {}
    conda_by_pip_name = facts.lines_by_pip_name
    for pdep in env.pip or ():
        if pdep.req is None:
            yield _finding(
                env.source,
                pdep.line,
                "E102",
                f"invalid pip line {redact(pdep.text)!r}: {redact(pdep.problem or '')}",
            )
            continue
        pname = pdep.req.name
        if pname is None:
            continue
        if pname in pip_seen:
            yield _finding(
                env.source,
                pdep.line,
                "W104",
                f"{pname!r} is listed again (first on line {pip_seen[pname]}): older pip "
                "refuses a double requirement — merge them into one line",
            )
            continue
        pip_seen[pname] = pdep.line
        if pname in conda_by_pip_name:
            yield _finding(
                env.source,
                pdep.line,
                "W105",
                f"{pname!r} is installed by conda (line {conda_by_pip_name[pname]}) and again "
                "by pip, which overwrites conda's copy — keep one",
            )

    if env.pip and not facts.has_pip:
        line = lines.pip_key or env.pip[0].line
        yield _finding(
            env.source,
            line,
            "W106",
            "a pip: section but no 'pip' among the conda dependencies: conda may run the "
            "wrong pip and install into the wrong place — add '- pip'",
        )


# ---------------------------------------------------------------- channels and credentials


def _channels(env: EnvFile, lines: _Lines) -> Iterator[Finding]:
    key_line = env.key_lines.get("channels")
    for index, channel in enumerate(env.channels):
        line = lines.channel(index, key_line)
        secret = credential(channel)
        if secret:
            yield _finding(
                env.source,
                line,
                "E201",
                f"channel {redact(channel)!r} carries {secret}: anyone who reads the file can "
                "use it — keep credentials in .condarc or a keyring, not in the file",
            )
        if _local_path(channel):
            yield _finding(
                env.source,
                line,
                "W304",
                f"channel {redact(channel)!r} is a path on this machine: "
                "it will not exist on another one",
            )
    if env.channels and set(env.channels) == {"nodefaults"}:
        yield _finding(
            env.source,
            lines.channel(0, key_line),
            "W203",
            "'nodefaults' is the only channel: conda then falls back to the channels each "
            "machine configures (.condarc), so the file does not say where packages come "
            "from — list a channel such as conda-forge",
        )
    if "nodefaults" in env.channels and "defaults" in env.channels:
        yield _finding(
            env.source,
            lines.channel(env.channels.index("nodefaults"), key_line),
            "W204",
            "both 'defaults' and 'nodefaults' are listed: nodefaults only stops conda from "
            "adding defaults, a listed 'defaults' is still used — keep one",
        )
    for pdep in env.pip or ():
        secret = credential(pdep.text, conda=False)
        if secret:
            yield _finding(
                env.source,
                pdep.line,
                "E201",
                f"pip line {redact(pdep.text)!r} carries {secret}: anyone who reads the file "
                "can use it — use ${VARIABLE} (pip expands it), a keyring or .netrc",
            )


# ----------------------------------------------------------------------------- portability

# A path that names a place on one machine: absolute (POSIX or Windows), in a home directory,
# or a file: URL to one. Relative paths ("-e .", "./wheels/x.whl") travel with the repository.
_LOCAL_PATH = re.compile(
    r"(?:^|[\s=@,])((?:git\+)?file:/|~[\w.-]*(?:[/\\]|\s|$)|/|[A-Za-z]:[\\/]|\\\\)"
)
_NOARCH_BUILD = re.compile(r"^(pyh[0-9a-f]+_\d+|py_\d+)$")


def _local_path(text: str) -> bool:
    if "/" not in text and "\\" not in text and "~" not in text:
        return False  # every form above has one of these (a search per character is slower)
    return bool(_LOCAL_PATH.search(text))


def _portability(env: EnvFile) -> Iterator[Finding]:
    if env.prefix is not None:
        yield _finding(
            env.source,
            env.key_lines.get("prefix"),
            "W301",
            f"prefix: {redact(env.prefix)!r} is a path on the machine that wrote the file, "
            "and env create installs there unless given -n/-p — drop the line "
            "(envtool prune does)",
        )
    for pdep in env.pip or ():
        if _local_path(pdep.text):
            yield _finding(
                env.source,
                pdep.line,
                "W304",
                f"pip line {redact(pdep.text)!r} names a path on this machine: "
                "it will not exist on another one",
            )
        elif pdep.req is not None and pdep.req.kind == "editable":
            yield _finding(env.source, pdep.line, "W305", _editable_message(pdep.text))


def _editable_message(text: str) -> str:
    shown = redact(text)
    if re.search(r"(git|hg|svn|bzr)\+", text):
        return (
            f"editable install {shown!r}: pip clones the repository into ./src and installs "
            "it in development mode, so the env depends on that clone (and on git) "
            "— install a release, or drop -e"
        )
    return (
        f"editable install {shown!r}: pip links that source tree (relative to this file), "
        "so the env works only beside that checkout"
    )


def _platform_only(
    source: str, groups: dict[str, list[tuple[str, int | None, str]]]
) -> Iterator[Finding]:
    """W303: one finding per platform, on its first package's line."""
    for platform, deps in groups.items():
        label = f"{_PLATFORMS[platform]}-only" if platform in _PLATFORMS else "machine-specific"
        first, line, why = deps[0]
        if len(deps) == 1:
            what = f"{first!r} is {label} ({why})"
        else:
            names = [name for name, _, _ in deps]
            shown = ", ".join(names[:6]) + (f", +{len(names) - 6} more" if len(names) > 6 else "")
            what = f"{len(deps)} packages are {label} (this line and {len(deps) - 1} more: {shown})"
        yield _finding(
            source,
            line,
            "W303",
            f"{what}: env create fails on other platforms — envtool prune --portable drops "
            f"{'it' if len(deps) == 1 else 'them'}",
        )


def _builds(source: str, first: CondaDep, pinned: int) -> Finding:
    """W302: one finding for every build string pinned, on the first one's line."""
    if pinned == 1:
        what = f"{redact(first.text)!r} pins a build string"
    else:
        what = (
            f"{pinned} packages pin build strings (this line and {pinned - 1} more, "
            f"from {redact(first.text)!r})"
        )
    return _finding(
        source,
        first.line,
        "W302",
        f"{what}: builds are platform-specific, so env create fails on another OS or CPU "
        "— envtool prune --no-builds strips them",
    )
