"""Rewriting one spec line: strip its build, re-pin its version, keeping the form it has.

A conda spec is split where its version and build are written (``name=v=b``, ``name v b``,
``name==v``, ``channel::name=v``, ``name[version=..., build=...]``) and only those parts are
replaced, so ``scipy==1.11.4=py311h_0`` loses its build as ``scipy==1.11.4`` and
``numpy 1.26.4 py311h_0`` as ``numpy 1.26.4``. Every rewrite is parsed back and compared with
what was meant; a spec in a form this cannot rewrite safely is left alone, with a note.

>>> rewrite_conda("pytorch::pytorch=2.1.0=py3.11_cuda12.1_cudnn8.9.2_0", no_builds=True).text
'pytorch::pytorch=2.1.0=*cuda*'
>>> rewrite_conda("openssl=1.1.1w", pin="minor").text
'openssl=1.1'
>>> rewrite_conda("numpy>=1.13", pin="minor").notes
('version >=1.13 is a range, not a pin: left as written',)
>>> rewrite_pip("Torch[cu121]==2.1.2 ; python_version > '3.8'", pin="minor").text
"Torch[cu121]==2.1.* ; python_version > '3.8'"
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from sys import intern
from typing import Literal

from envtool.files.portable import pip_platform_marker
from envtool.spec import (
    VARIANT_MARKERS,
    CondaSpec,
    PinLevel,
    PipLine,
    SpecError,
    parse_conda,
    parse_pip,
    truncate_version,
    variant_glob,
)


@dataclass(frozen=True, init=False)
class Rewrite:
    """What to do with one line: its new text (None: leave it), and why."""

    text: str | None = None
    reasons: tuple[str, ...] = ()  # why it changed
    notes: tuple[str, ...] = ()  # what was deliberately left alone, and why
    # The new text's spec when the rewrite knows it without a parse (what parse_conda(text)
    # gives; tests/test_prune.py checks it), so a caller need not parse the text again.
    spec: CondaSpec | None = field(default=None, compare=False, repr=False)
    req: PipLine | None = field(default=None, compare=False, repr=False)  # as spec, for pip

    def __init__(
        self,
        text: str | None = None,
        reasons: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
        spec: CondaSpec | None = None,
        req: PipLine | None = None,
    ) -> None:
        # One a line: the fields in one step (as envtool.files.prune.Decision does).
        self.__dict__.update(text=text, reasons=reasons, notes=notes, spec=spec, req=req)


# ------------------------------------------------------------------------------------ conda

_HEAD = r"(?P<head>(?:[^\s\[\]]+::)?[A-Za-z0-9_.\-]+)"
_EQ = re.compile(
    _HEAD + r"(?P<op>==?)(?P<ver>[^=\s\[\]<>!~,|][^=\s\[\]<>~,|]*)(?:=(?P<build>[^=\s\[\]]+))?$"
)
_SPACE = re.compile(
    _HEAD + r"(?P<sep>\s+)(?P<ver>[^\s\[\]]+)(?:(?P<bsep>\s+)(?P<build>[^\s\[\]]+))?$"
)
_BARE = re.compile(_HEAD + r"$")
_SEGMENT = re.compile(r"(?:'[^']*'|\"[^\"]*\"|[^,])+")


@dataclass
class _CondaText:
    """A conda spec split where its version and build are written, for minimal rewrites."""

    head: str  # "channel::name"
    style: Literal["eq", "space", "bare", "other"]
    rest: str  # for "other": the text after head, as written
    op: str = "="
    sep: str = " "
    bsep: str = " "
    ver: str | None = None
    build: str | None = None
    bracket: list[str] | None = None  # the "key=value" segments inside [...], as written
    short: bool = False  # the version was set by a pin: "=1.1" may stand for 1.1.*

    @classmethod
    def split(cls, text: str) -> _CondaText:
        outside, bracket = text.strip(), None
        at = outside.find("[")
        if at > 0 and outside.endswith("]"):
            bracket = _SEGMENT.findall(outside[at + 1 : -1])
            outside = outside[:at]
        for style, pattern in (("eq", _EQ), ("space", _SPACE), ("bare", _BARE)):
            m = pattern.match(outside)
            if m:
                groups = m.groupdict()
                return cls(
                    m["head"],
                    style,  # type: ignore[arg-type]
                    "",
                    op=groups.get("op") or "=",
                    sep=groups.get("sep") or " ",
                    bsep=groups.get("bsep") or " ",
                    ver=groups.get("ver"),
                    build=groups.get("build"),
                    bracket=bracket,
                )
        m = re.match(_HEAD, outside)
        head = m["head"] if m else outside
        return cls(head, "other", outside[len(head) :], bracket=bracket)

    # -- the bracket ------------------------------------------------------------
    def _bracket_index(self, key: str) -> int | None:
        for i, seg in enumerate(self.bracket or ()):
            if re.match(rf"\s*{key}\s*=", seg):
                return i
        return None

    def _set_bracket(self, key: str, value: str | None) -> None:
        assert self.bracket is not None
        i = self._bracket_index(key)
        assert i is not None
        if value is None:
            del self.bracket[i]
            if self.bracket:
                self.bracket[0] = self.bracket[0].lstrip()
            return
        k, _, old = self.bracket[i].partition("=")
        old = old.strip()
        quote = old[0] if old[:1] in ("'", '"') else ""
        if not quote and not re.fullmatch(r"[A-Za-z0-9_.!+]+", value):
            quote = "'"
        self.bracket[i] = f"{k}={quote}{value}{quote}"

    # -- edits ------------------------------------------------------------------
    def set_build(self, build: str | None, spec: CondaSpec) -> bool:
        if self.style in ("eq", "space") and self.build is not None:
            self.build = build
        elif self._bracket_index("build") is not None:
            self._set_bracket("build", build)
        elif self.style == "other" and spec.version:
            sep = "" if spec.version[0] in "<>=!~" else " "  # numpy>=1.13, not numpy >=1.13
            self.style, self.sep, self.ver, self.build = "space", sep, spec.version, build
        else:
            return False
        return True

    def set_version(self, fuzzy: str | None) -> bool:
        """Pin to ``fuzzy``.* (``name=1.1``), or remove the version when None."""
        new = None if fuzzy is None else f"{fuzzy}.*"
        if self.style in ("eq", "space") and self.ver not in (None, "*"):
            self.op, self.ver, self.short = "=", new, True
        elif self._bracket_index("version") is not None:
            self._set_bracket("version", new)
        else:
            return False
        return True

    def render(self) -> str:
        ver, build = self.ver if self.ver != "*" else None, self.build
        if self.short and ver and build is None and self.style == "eq":
            ver = ver.removesuffix(".*")  # "openssl=1.1" as conda writes it; with a build, =1.1.*=b
        if self.style == "eq":
            out = self.head
            if ver is not None:
                out += f"{self.op}{ver}"
            elif build is not None:
                out += "=*"
            out += f"={build}" if build is not None else ""
        elif self.style == "space":
            out = self.head
            if ver is not None or build is not None:
                out += f"{self.sep}{ver if ver is not None else '*'}"
            out += f"{self.bsep}{build}" if build is not None else ""
        else:
            out = self.head + self.rest
        if self.bracket:
            out += "[" + ",".join(self.bracket) + "]"
        return out


def _release_parts(version: str) -> int:
    return len(version.rpartition("!")[2].split("+", 1)[0].split("."))


def _pin_target(pinned: str, level: PinLevel) -> str | None:
    """The version a pin of ``level`` keeps, or ``pinned`` itself when it is short enough."""
    if level == "none":
        return None
    keep = {"exact": 99, "minor": 2, "major": 1}[level]
    if _release_parts(pinned) <= keep:
        return pinned
    return truncate_version(pinned, level)


def rewrite_conda(
    text: str,
    *,
    no_builds: bool = False,
    keep_variant_builds: bool = True,
    pin: PinLevel | None = None,
    flags: Sequence[str] = (),
) -> Rewrite:
    """Strip the build of conda spec ``text`` (keeping a variant as a glob, or as the
    record's CEP 45 ``flags`` when it has them) and/or re-pin it."""
    try:
        spec = parse_conda(text)
    except SpecError:
        return Rewrite()
    return rewrite_parsed(text, spec, no_builds, keep_variant_builds, pin, flags)


def rewrite_parsed(
    text: str,
    spec: CondaSpec,
    no_builds: bool,
    keep_variant_builds: bool,
    pin: PinLevel | None,
    flags: Sequence[str],
) -> Rewrite:
    """:func:`rewrite_conda` of ``text`` parsed already (``spec`` is ``parse_conda(text)``)."""
    if not flags and spec.version is not None and spec.version != "*":
        fast = _EXPORT_FORM.fullmatch(text)
        if fast is not None and spec.pinned == fast[3] and spec.build == fast[4]:
            return _rewrite_export_form(text, spec, fast, no_builds, keep_variant_builds, pin)
    return _rewrite_any_form(text, spec, no_builds, keep_variant_builds, pin, flags)


def _rewrite_any_form(
    text: str,
    spec: CondaSpec,
    no_builds: bool,
    keep_variant_builds: bool,
    pin: PinLevel | None,
    flags: Sequence[str],
) -> Rewrite:
    """:func:`rewrite_conda` of a spec in any form: split where its version and build are
    written, edited there, and the result parsed back and compared with what was meant."""
    parts = _CondaText.split(text)
    reasons: list[str] = []
    notes: list[str] = []
    expect_build = spec.build
    expect_version: str | None = "same"
    as_flags = bool(flags) and keep_variant_builds and "[" not in text
    if no_builds and spec.build is not None:
        glob = variant_glob(spec.build) if keep_variant_builds and not as_flags else None
        if glob != spec.build and parts.set_build(glob, spec):
            expect_build = glob
            if as_flags:
                reasons.append(f"variant build {spec.build} kept as its flags (CEP 45)")
            elif glob is None:
                reasons.append(f"build string {spec.build} stripped (builds are per platform)")
            else:
                reasons.append(f"variant build {spec.build} kept as {glob}")
    level = pin
    if level is not None and spec.version not in (None, "*"):
        if spec.pinned is None:
            notes.append(f"version {spec.version} is a range, not a pin: left as written")
        elif level != "exact":
            target = _pin_target(spec.pinned, level)
            if target != spec.pinned and parts.set_version(target):
                expect_version = None if target is None else f"{target}.*"
                if target is None:
                    reasons.append("version pin removed (--pin none)")
                else:
                    reasons.append(f"pinned to the {level} version {target} (--pin {level})")
    if not reasons:
        return Rewrite(notes=tuple(notes))
    new_text = parts.render()
    if new_text == text or not _same_meaning(new_text, spec, expect_build, expect_version):
        notes.append("spec written in a form envtool cannot rewrite safely: left as written")
        return Rewrite(notes=tuple(notes))
    if as_flags and no_builds and spec.build is not None:
        new_text += f"[flags=[{', '.join(flags)}]]"
    return Rewrite(new_text, tuple(reasons), tuple(notes))


# The form exports write: ``[channel::]name=version=build``, ``name==version``, ``name=version``,
# with a plain channel and name, a version of numbers without leading zeros (each may end in one
# release letter: 1.1.1w, 2023c), a build of plain characters. spec.parse_conda reads it without
# rattler: version "==1.2" (written with "==" or with a build) or "1.2.*", pinned "1.2".
_NUMBER = r"(?:0|[1-9][0-9]{0,8})[a-z]?"
_EXPORT_FORM = re.compile(
    r"((?:[A-Za-z0-9_][A-Za-z0-9_.-]*::)?[A-Za-z0-9_][A-Za-z0-9_.-]*)(==?)"
    rf"({_NUMBER}(?:\.{_NUMBER})*)(?:=([A-Za-z0-9_][A-Za-z0-9_.+]*))?"
)
_KEEP = {"minor": 2, "major": 1}
# Every build variant_glob finds a variant in holds one of these, lower-cased (most builds
# hold none): a quick no before variant_glob's own search.
_VARIANT_HINT = re.compile("|".join(("cu", *VARIANT_MARKERS)))


def _rewrite_export_form(
    text: str,
    spec: CondaSpec,
    form: re.Match[str],
    no_builds: bool,
    keep_variant_builds: bool,
    pin: PinLevel | None,
) -> Rewrite:
    """:func:`rewrite_conda` of a spec in the export form (``spec`` pins its version and
    has its build as written): what the general path makes of it, by string operations.
    ``tests/test_prune.py`` checks both give the same rewrites over the corpus."""
    head, op, ver, build = form.groups()
    reasons: list[str] = []
    if no_builds and build is not None:
        glob = None
        if keep_variant_builds and _VARIANT_HINT.search(build.lower()) is not None:
            glob = variant_glob(build)
        if glob is None:
            reasons.append(f"build string {build} stripped (builds are per platform)")
        else:
            reasons.append(f"variant build {build} kept as {glob}")
        build = glob
    version: str | None = "same"
    if pin == "none":
        op, ver, version = "=", None, None
        reasons.append("version pin removed (--pin none)")
    elif pin is not None and pin != "exact":
        parts = ver.split(".")
        keep = _KEEP[pin]
        if len(parts) > keep:
            target = ".".join(parts[:keep])
            op, ver, version = "=", target if build is None else f"{target}.*", f"{target}.*"
            reasons.append(f"pinned to the {pin} version {target} (--pin {pin})")
    if not reasons:
        return Rewrite()
    if build is None:  # still the export form: its spec is what parse_conda reads there
        if ver is None:
            return Rewrite(
                head, tuple(reasons), (), CondaSpec(spec.name, None, None, spec.channel, None)
            )
        # Versions repeat across a file: one string each, as spec.parse_conda keeps them.
        ver = intern(ver)
        version = intern(f"=={ver}" if op == "==" else f"{ver}.*")
        return Rewrite(
            head + op + ver,
            tuple(reasons),
            (),
            CondaSpec(spec.name, version, None, spec.channel, ver),
        )
    new = f"{head}{op}{ver}={build}" if ver is not None else f"{head}=*={build}"
    if not _same_meaning(new, spec, build, version):
        return Rewrite(
            notes=("spec written in a form envtool cannot rewrite safely: left as written",)
        )
    return Rewrite(new, tuple(reasons))


def rewrite_export_groups(
    head: str,
    op: str,
    ver: str,
    build: str | None,
    no_builds: bool,
    keep_variant_builds: bool,
    pin: PinLevel | None,
) -> str | None:
    """The new text :func:`rewrite_conda` gives the export-form spec ``head op ver [=build]``
    (the groups of ``_EXPORT_FORM``), or None when it leaves it alone: string operations only,
    no :class:`Rewrite` and no spec (what ``prune`` needs line by line when it only writes the
    file). ``tests/test_prune.py`` checks it against :func:`rewrite_conda` over the corpus."""
    stripped = False
    if build is not None:
        if not no_builds:
            if pin == "none" or (pin in _KEEP and ver.count(".") >= _KEEP[pin]):
                return _checked_export_form(head, op, ver, build, no_builds, False, pin)
            return None
        hint = keep_variant_builds and _VARIANT_HINT.search(build.lower()) is not None
        if hint and variant_glob(build) is not None:  # kept as a glob: the path that checks it
            return _checked_export_form(head, op, ver, build, no_builds, True, pin)
        stripped = True
    if pin == "none":
        return head
    if pin in _KEEP and ver.count(".") >= _KEEP[pin]:
        return f"{head}=" + ".".join(ver.split(".", _KEEP[pin])[: _KEEP[pin]])
    return f"{head}{op}{ver}" if stripped else None


def _checked_export_form(
    head: str,
    op: str,
    ver: str,
    build: str,
    no_builds: bool,
    keep_variant_builds: bool,
    pin: PinLevel | None,
) -> str | None:
    """:func:`rewrite_export_groups` where the new text keeps a build: it is parsed back and
    compared, as :func:`_rewrite_export_form` does (rare: a variant, or a pin with a build)."""
    text = f"{head}{op}{ver}={build}"
    form = _EXPORT_FORM.fullmatch(text)
    assert form is not None
    spec = parse_conda(text)
    return _rewrite_export_form(text, spec, form, no_builds, keep_variant_builds, pin).text


def _same_meaning(new_text: str, old: CondaSpec, build: str | None, version: str | None) -> bool:
    """Does ``new_text`` parse to ``old`` with this build and version ("same": as before)?"""
    try:
        new = parse_conda(new_text)
    except SpecError:
        return False
    if (new.name, new.channel, new.build) != (old.name, old.channel, build):
        return False
    if version is None:
        return new.version in (None, "*")
    if version == "same":  # stripping a build may turn ==1.2 into 1.2.*, as conda's export does
        any_version = (None, "*")
        if old.version in any_version:
            return new.version in any_version
        return new.pinned == old.pinned and (old.pinned is not None or new.version == old.version)
    return new.version == version


# -------------------------------------------------------------------------------------- pip


def rewrite_pip(text: str, *, pin: PinLevel | None = None, portable: bool = False) -> Rewrite:
    """Re-pin pip requirement ``text`` (``==`` pins only); ``portable`` marks it per platform."""
    try:
        req = parse_pip(text)
    except SpecError:
        return Rewrite()
    if req.kind != "requirement":
        return Rewrite()
    reasons: list[str] = []
    notes: list[str] = []
    if pin is not None and req.specifier:
        repinned = _repin_pip(text, req.pinned, req.specifier, pin)
        if repinned is None:
            notes.append(f"version {req.specifier} is a range, not a pin: left as written")
        elif repinned[0] != text:
            text = repinned[0]
            if repinned[1] is None:
                reasons.append("version pin removed (--pin none)")
            else:
                reasons.append(f"pinned to the {pin} version {repinned[1]} (--pin {pin})")
                local = (req.pinned or "").partition("+")[2]
                if local:
                    notes.append(
                        f"local version label +{local} dropped (a wildcard cannot carry it)"
                    )
    if portable and req.name and not req.marker:
        found = pip_platform_marker(req.name)
        if found and not re.search(r"\s-", text):
            platform, why, marker = found
            text = f"{text.rstrip()} ; {marker}"  # a block scalar's line break goes
            reasons.append(f"platform-only ({platform}): {why}; limited to it with a marker")
    if not reasons:
        return Rewrite(notes=tuple(notes))
    new_req = None
    pinned = _PIP_PINNED.fullmatch(text)
    if pinned is not None and pinned[1] == req.text.partition("==")[0] and not req.extras:
        # name==1.2.* from name==1.2.3 (as pip freeze writes it): read as parse_pip would,
        # without importing packaging (tests/test_prune.py checks both agree).
        new_req = PipLine(text, "requirement", req.name, f"=={pinned[2]}")
    return Rewrite(text, tuple(reasons), tuple(notes), req=new_req)


# A re-pinned "name==1.2.*" of a plain name and numbers.
_PIP_PINNED = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)==([0-9]{1,9}(?:\.[0-9]{1,9})*\.\*)"
)


def _repin_pip(
    text: str, pinned: str | None, specifier: str, level: PinLevel
) -> tuple[str, str | None] | None:
    """(``text`` with its ``==`` pin at ``level``, the version kept), or None if not a pin."""
    if pinned is None or specifier.startswith("==="):
        return None
    base = pinned[:-2] if pinned.endswith(".*") else pinned
    target = _pin_target(base, level)
    if target is not None and not _PIP_PREFIX.fullmatch(target):
        target = _pip_release_prefix(base, level)  # `3.C.6` is 3rc6: `3.C.*` is no pin
    if target == base:
        return text, target  # exact, or nothing to drop at this level
    head_len = len(re.split(r"\s*;|\s+--?[a-z]", text, maxsplit=1)[0])
    found = re.compile(r"\s*==\s*" + re.escape(pinned) + r"(?![\w.*+!-])").search(text, 0, head_len)
    if found is None:
        return None
    spaced = found.group(0)
    new = "" if target is None else f"{spaced[: spaced.index('==')]}=={target}.*"
    return text[: found.start()] + new + text[found.end() :], target


# What `==X.*` may hold (PEP 440 prefix matching): an epoch and release numbers only.
_PIP_PREFIX = re.compile(r"(?:\d+!)?\d+(?:\.\d+)*")


def _pip_release_prefix(version: str, level: PinLevel) -> str:
    """The release numbers of pip ``version`` a pin of ``level`` keeps, or ``version`` itself
    when there is nothing to drop (``3.C.6``, read as 3rc6, stays exact at minor)."""
    from packaging.version import InvalidVersion, Version

    try:
        parsed = Version(version)
    except InvalidVersion:
        return version
    keep = 2 if level == "minor" else 1
    if len(parsed.release) <= keep:
        return version
    epoch = f"{parsed.epoch}!" if parsed.epoch else ""
    return epoch + ".".join(str(n) for n in parsed.release[:keep])
