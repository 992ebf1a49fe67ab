"""How two environment files are compared, key by key: :func:`diff` and its rules.

:class:`Comparison` walks names, channels, conda and pip packages, pip options and variables,
and records :class:`~envtool.diff.model.Change` values carrying the real text (credentials
included: redaction is the renderers' job, :mod:`envtool.render`). The decisions it implements
are listed in :mod:`envtool.diff.model`. A file against an installed environment is another
question, answered by :func:`envtool.diff.drift.drift`.

>>> from envtool.files.envfile import parse
>>> old = parse("channels: [conda-forge]\\ndependencies: [numpy=1.26.4, openssl=3.0.12]")
>>> new = parse("channels: [conda-forge]\\ndependencies: [numpy=2.0.0, openssl=1.1.1w, tk]")
>>> for c in diff(old, new).changes:
...     print(c.kind, c.name, c.old, c.new, c.size, c.risks)
upgraded numpy 1.26.4 2.0.0 major ('major upgrade',)
downgraded openssl 3.0.12 1.1.1w major ('downgrade',)
added tk None None None ()
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Literal

from envtool.diff.model import (
    KIND_ORDER,
    NOTE_CREDENTIALS,
    NOTE_VALUE_HIDDEN,
    RISK_CHANNEL,
    RISK_DOWNGRADE,
    RISK_INDEX,
    RISK_MAJOR,
    RISK_TRUSTED_HOST,
    RISK_VARIANT,
    SECTIONS,
    Change,
    EnvDiff,
    Kind,
    Section,
)
from envtool.envs.channel import key as _channel_key
from envtool.files.envfile import (
    CondaDep,
    EnvFile,
    PipDep,
    conda_key,
    conda_keys,
)
from envtool.secrets import is_secret_name, redact, redact_variable
from envtool.spec import (
    PipLine,
    Size,
    SpecError,
    change_size,
    compare_numeric,
    compare_versions,
    normalize_pip_name,
    variant_glob,
)

_OPTION_ALIASES = {
    "-i": "--index-url",
    "-f": "--find-links",
    "-e": "--editable",
    "-r": "--requirement",
    "-c": "--constraint",
}
_SINGLE_OPTIONS = ("--index-url",)  # pip uses one: a new value replaces the old
_INDEX_OPTIONS = ("--index-url", "--extra-index-url", "--find-links")

_OptionKey = tuple[str, str]
Dep = CondaDep | PipDep


def diff(
    old: EnvFile, new: EnvFile, *, ignore_builds: bool = False, ignore: Iterable[str] = ()
) -> EnvDiff:
    """Every difference between the environment files ``old`` and ``new`` (DESIGN §5).

    ``ignore_builds`` drops build-only differences; ``ignore`` holds package names or globs
    (``lib*``), matched case-insensitively against conda and PEP 503 names.
    """
    patterns = tuple(ignore)
    builder = Comparison(old, new, ignore_builds, ignorer(patterns))
    builder.compare()
    return builder.result(patterns)


class Comparison:
    """Collects the changes of one comparison; a class only to share its inputs."""

    def __init__(
        self,
        old: EnvFile,
        new: EnvFile,
        ignore_builds: bool,
        ignored: Callable[[str], bool],
    ) -> None:
        self.old, self.new = old, new
        self.ignore_builds = ignore_builds
        self.ignored = ignored
        self.changes: list[Change] = []
        self.warnings: list[str] = []
        self.old_channel_keys = channel_keys(old)

    def compare(self) -> None:
        self._name()
        self._channels()
        old_conda, new_conda = self._merge_conda()
        (old_pip, old_opts), (new_pip, new_opts) = (
            self._index_pip(self.old),
            self._index_pip(self.new),
        )
        self._moved(old_conda, new_conda, old_pip, new_pip)
        self._packages("conda", old_conda, new_conda)
        self._packages("pip", old_pip, new_pip)
        self._options(old_opts, new_opts)
        self._variables()

    def result(self, patterns: tuple[str, ...]) -> EnvDiff:
        """The changes in their fixed order, as an :class:`EnvDiff`."""
        return EnvDiff(
            old_source=self.old.source,
            new_source=self.new.source,
            changes=ordered(self.changes),
            old_channels=tuple(self.old.channels),
            new_channels=tuple(self.new.channels),
            warnings=tuple(self.warnings),
            ignore_builds=self.ignore_builds,
            ignore=patterns,
            new_key_lines=dict(self.new.key_lines),
        )

    def _add(
        self,
        section: Section,
        kind: Kind,
        name: str,
        old: str | None,
        new: str | None,
        a: Dep | None = None,
        b: Dep | None = None,
        *,
        lines: tuple[int | None, int | None] = (None, None),
        texts: tuple[str | None, str | None] = (None, None),
        size: Size | None = None,
        note: str | None = None,
        risks: tuple[str, ...] = (),
    ) -> None:
        """Record a change, with the real values (the renderers redact what they show)."""
        self.changes.append(
            Change(
                section=section,
                kind=kind,
                name=name,
                old=old,
                new=new,
                size=size,
                old_line=a.line if a is not None else lines[0],
                new_line=b.line if b is not None else lines[1],
                old_text=a.text.strip() if a is not None else texts[0],
                new_text=b.text.strip() if b is not None else texts[1],
                note=note,
                risks=risks,
            )
        )

    # ------------------------------------------------------------------ name, channels, vars

    def _name(self) -> None:
        if self.old.name != self.new.name:
            a, b = self.old.name, self.new.name
            lines = (self.old.key_lines.get("name"), self.new.key_lines.get("name"))
            texts = (_entry("name", a), _entry("name", b))
            self._add("name", "name-changed", "name", a, b, lines=lines, texts=texts)

    def _channels(self) -> None:
        lines = (self.old.key_lines.get("channels"), self.new.key_lines.get("channels"))
        old, new = _dedupe(self.old.channels), _dedupe(self.new.channels)
        old_keys = {channel_key(c): c for c in old}
        new_keys = {channel_key(c): c for c in new}
        gone = [c for k, c in old_keys.items() if k not in new_keys]
        came = [c for k, c in new_keys.items() if k not in old_keys]
        same: dict[str, str] = {}  # new key -> old key, for channels whose credentials changed
        for c in list(came):
            twin = next((g for g in gone if redact(g) == redact(c)), None)
            if twin is not None:
                gone.remove(twin)
                came.remove(c)
                same[channel_key(c)] = channel_key(twin)
                self._add(  # named as both sides are, masked: the same in both directions
                    "channels",
                    "channel-changed",
                    redact(c),
                    twin,
                    c,
                    lines=lines,
                    texts=(twin, c),
                    note=NOTE_CREDENTIALS,
                )
        for c in came:
            risks = (RISK_CHANNEL,) if c != "nodefaults" else ()
            self._add(
                "channels",
                "channel-added",
                c,
                None,
                c,
                lines=(None, lines[1]),
                texts=(None, c),
                risks=risks,
            )
        for c in gone:
            self._add(
                "channels", "channel-removed", c, c, None, lines=(lines[0], None), texts=(c, None)
            )
        common_old = [k for k in old_keys if k in new_keys or k in same.values()]
        common_new = [same.get(k, k) for k in new_keys if k in old_keys or k in same]
        if common_old != common_new:
            order = ", ".join(old), ", ".join(new)
            self._add("channels", "channel-reordered", "channels", *order, lines=lines)

    def _variables(self) -> None:
        a, b = self.old.variables, self.new.variables
        key_lines = (self.old.key_lines.get("variables"), self.new.key_lines.get("variables"))
        for name in sorted(a.keys() | b.keys()):
            va, vb = a.get(name), b.get(name)
            if va == vb:
                continue
            note = "added" if va is None else "removed" if vb is None else "changed"
            hidden = va is not None and vb is not None
            if hidden and redact_variable(name, va or "") == redact_variable(name, vb or ""):
                note = NOTE_VALUE_HIDDEN  # only a secret changed: nothing to show
            # A variable named as a secret (HF_TOKEN) is one by declaration: its value is never
            # needed to describe the change, so it stays out of the data too.
            ra, rb = (_secret_value(name, v) for v in (va, vb))
            lines = (key_lines[0] if va is not None else None, key_lines[1] if vb else None)
            texts = (_entry(name, ra), _entry(name, rb))
            self._add(
                "variables", "variables-changed", name, ra, rb, lines=lines, texts=texts, note=note
            )

    # ------------------------------------------------------------------------------ indexing

    def _index_conda(self, env: EnvFile) -> dict[str, CondaDep]:
        out: dict[str, CondaDep] = {}
        for dep in env.conda:
            key = dep.name.strip()  # (a valid spec's name has no space to strip: no copy)
            if not self.ignored(key):
                if key in out:
                    self._duplicate(env, "conda", key, out[key].line, dep.line)
                out[key] = dep
        return out

    def _merge_conda(self) -> tuple[dict[str, CondaDep], dict[str, CondaDep]]:
        """Compare the conda packages of both files in one merge by name, and return those
        only one file has, by name: what ``_index_conda``'s dicts of both files would hold once
        the pairs were taken out. The pairs are compared as they are met, and nothing is kept
        of them (on 100,000 packages, two dicts of every name were a quarter of the memory).

        A file sorted by name (an export is) merges in its order, any other in a sorted order
        of its positions (stable: of a name listed twice the last one wins, with the same
        warnings as the dicts give, in their order).
        """
        old_order, old_unique = _name_order(self.old.conda)
        new_order, new_unique = _name_order(self.new.conda)
        if old_unique and new_unique and self.ignored is _never:
            old_deps = _in_order(self.old.conda, old_order)
            new_deps = _in_order(self.new.conda, new_order)
            del old_order, new_order  # (a file out of name order: its positions are let go)
            return self._merge_unique(old_deps, new_deps)
        warnings: tuple[list[tuple[int, str]], list[tuple[int, str]]] = ([], [])
        old_only: dict[str, CondaDep] = {}
        new_only: dict[str, CondaDep] = {}
        olds = self._by_name(self.old, old_order, warnings[0])
        news = self._by_name(self.new, new_order, warnings[1])
        a, b = next(olds, None), next(news, None)
        while a is not None and b is not None:
            if a[0] == b[0]:
                self._conda_pair(b[0], a[1], b[1])
                a, b = next(olds, None), next(news, None)
            elif a[0] < b[0]:
                old_only[a[0]] = a[1]
                a = next(olds, None)
            else:
                new_only[b[0]] = b[1]
                b = next(news, None)
        for name, dep in ((a,) if a else ()) + tuple(olds):
            old_only[name] = dep
        for name, dep in ((b,) if b else ()) + tuple(news):
            new_only[name] = dep
        for side in warnings:
            self.warnings += [message for _, message in sorted(side)]
        return old_only, new_only

    def _merge_unique(
        self, olds: Sequence[CondaDep], news: Sequence[CondaDep]
    ) -> tuple[dict[str, CondaDep], dict[str, CondaDep]]:
        """The merge of :meth:`_merge_conda` when no name is listed twice and none ignored
        (nearly always): a line written alike in both files is one package unchanged, known
        without its name; names are made only for the lines that differ."""
        old_only: dict[str, CondaDep] = {}
        new_only: dict[str, CondaDep] = {}
        pair = self._conda_pair
        i = j = 0
        n_old, n_new = len(olds), len(news)
        while i < n_old and j < n_new:
            a, b = olds[i], news[j]
            if a.text == b.text:  # (what _conda_pair would find first: no change)
                i += 1
                j += 1
                continue
            name_a, name_b = conda_key(a), conda_key(b)
            if name_a == name_b:
                pair(name_b, a, b)
                i += 1
                j += 1
            elif name_a < name_b:
                old_only[name_a] = a
                i += 1
            else:
                new_only[name_b] = b
                j += 1
        for name, dep in conda_keys(olds[i:]):
            old_only[name] = dep
        for name, dep in conda_keys(news[j:]):
            new_only[name] = dep
        return old_only, new_only

    def _by_name(
        self, env: EnvFile, order: list[int] | None, warnings: list[tuple[int, str]]
    ) -> Iterator[tuple[str, CondaDep]]:
        """(name, dependency) in name order: the file's (``order`` None) or ``order``'s; of a
        name listed twice the last, with a warning (its position, the message) as
        ``_index_conda`` gives."""
        ignored = self.ignored
        last_name: str | None = None
        last_dep: CondaDep | None = None
        positions = range(len(env.conda)) if order is None else order
        for index, (name, dep) in zip(positions, conda_keys(env.conda, order), strict=True):
            if ignored is not _never and ignored(name):
                continue
            if last_name is not None:
                if name == last_name:
                    first = last_dep.line if last_dep is not None else None
                    message = _duplicate_warning(env, "conda", name, first, dep.line)
                    warnings.append((index, message))
                    last_dep = dep
                    continue
                yield last_name, last_dep  # type: ignore[misc]
            last_name, last_dep = name, dep
        if last_name is not None:
            yield last_name, last_dep  # type: ignore[misc]

    def _index_pip(self, env: EnvFile) -> tuple[dict[str, PipDep], dict[_OptionKey, PipDep]]:
        packages: dict[str, PipDep] = {}
        options: dict[_OptionKey, PipDep] = {}
        for dep in env.pip or ():
            if dep.req is not None and dep.req.kind in ("option", "include", "editable"):
                options[_option_key(dep)] = dep
                continue
            key = dep.key
            if not self.ignored(key):
                if key in packages:
                    self._duplicate(env, "pip", key, packages[key].line, dep.line)
                packages[key] = dep
        return packages, options

    def _duplicate(
        self, env: EnvFile, section: str, key: str, first: int | None, again: int | None
    ) -> None:
        self.warnings.append(_duplicate_warning(env, section, key, first, again))

    # ------------------------------------------------------------------------------ packages

    def _moved(
        self,
        old_conda: dict[str, CondaDep],
        new_conda: dict[str, CondaDep],
        old_pip: dict[str, PipDep],
        new_pip: dict[str, PipDep],
    ) -> None:
        """Pair conda-only-on-one-side with pip-only-on-the-other; remove the pairs in place."""
        for name in sorted(old_conda.keys() - new_conda.keys()):
            pip_name = _pip_name(name)
            if pip_name in new_pip and pip_name not in old_pip:
                note = "from conda" + (f" ({name})" if name in _PIP_NAMES else "")
                self._move("pip", pip_name, old_conda.pop(name), new_pip.pop(pip_name), note)
        for name in sorted(new_conda.keys() - old_conda.keys()):
            pip_name = _pip_name(name)
            if pip_name in old_pip and pip_name not in new_pip:
                # Named as in the other direction (its pip name), so diff(b, a) mirrors diff(a, b).
                note = "from pip" + (f" (now {name})" if name in _PIP_NAMES else "")
                self._move("conda", pip_name, old_pip.pop(pip_name), new_conda.pop(name), note)

    def _move(self, section: Section, name: str, a: Dep, b: Dep, note: str) -> None:
        va, vb = _pinned(a), _pinned(b)
        size = change_size(va, vb) if va and vb and va != vb else None
        old, new = _version_display(a), _version_display(b)
        self._add(section, "moved", name, old, new, a, b, size=size, note=note)

    def _packages(
        self,
        section: Literal["conda", "pip"],
        old: dict[str, CondaDep] | dict[str, PipDep],
        new: dict[str, CondaDep] | dict[str, PipDep],
    ) -> None:
        for name, b in new.items():
            a = old.get(name)
            if a is None:
                self._add(section, "added", name, None, _version_display(b), None, b)
            elif isinstance(a, CondaDep) and isinstance(b, CondaDep):
                self._conda_pair(name, a, b)
            elif isinstance(a, PipDep) and isinstance(b, PipDep):
                self._pip_pair(name, a, b)
        for name, a in old.items():
            if name not in new:
                self._add(section, "removed", name, _version_display(a), None, a, None)

    def _conda_pair(self, name: str, a: CondaDep, b: CondaDep) -> None:
        if a.text.strip() == b.text.strip():
            return  # the commonest case: one line in both files (a line's spec is its text's)
        sa, sb = a.parsed(), b.parsed()  # parsed for this comparison only: nothing kept
        if sa is not None and sa == sb:
            return  # one dataclass comparison, no version parsing (`a=1` and ` a=1 `)
        if sa is None or sb is None:
            self._add("conda", "spec-changed", name, a.text.strip(), b.text.strip(), a, b)
            return
        if channel_key(sa.channel) != channel_key(sb.channel):
            credentials = _redact_opt(sa.channel) == _redact_opt(sb.channel)  # rotated token
            fresh = sb.channel is not None and channel_key(sb.channel) not in self.old_channel_keys
            self._add(
                "conda",
                "channel-changed",
                name,
                sa.channel,
                sb.channel,
                a,
                b,
                note=NOTE_CREDENTIALS if credentials else None,
                risks=(RISK_CHANNEL,) if fresh and not credentials else (),
            )
        # A build variant that changes (pytorch *cuda* → *cpu*) is noted on whatever is reported.
        variant, variant_risks = (None, ()) if self.ignore_builds else _variant(sa.build, sb.build)
        # One version when the specs are equal or pin the same one (`=1.2=b` vs `=1.2`: what
        # `conda env export --no-builds` does): then only the build or the pin's form changed.
        same_version = sa.version == sb.version or (
            sa.pinned is not None and sa.pinned == sb.pinned
        )
        if not same_version:
            pins = (sa.pinned, sb.pinned, sa.version, sb.version)
            self._version_change("conda", name, a, b, *pins, note=variant, risks=variant_risks)
        elif sa.build != sb.build:
            if self.ignore_builds:
                return
            if sa.pinned and sa.build and sb.build and not _is_glob(sa.build + sb.build):
                old: str | None = f"{sa.pinned} {sa.build}"
                new: str | None = f"{sb.pinned} {sb.build}"
                kind: Kind = "rebuilt"
                note = variant
            else:
                old, new = _as_written(a), _as_written(b)
                kind = "spec-changed"
                note = "build changed" if sa.build and sb.build else "build pin added"
                note = variant or ("build pin removed" if not sb.build else note)
            self._add("conda", kind, name, old, new, a, b, note=note, risks=variant_risks)
        elif sa.version != sb.version:  # `=1.2` (1.2.*) and `==1.2`: the same version, pinned apart
            self._add("conda", "spec-changed", name, _as_written(a), _as_written(b), a, b)

    def _pip_pair(self, name: str, a: PipDep, b: PipDep) -> None:
        ra, rb = a.req, b.req
        if ra is None or rb is None:
            if a.text.strip() != b.text.strip():
                self._add("pip", "spec-changed", name, a.text.strip(), b.text.strip(), a, b)
        elif ra.specifier != rb.specifier:
            spec_a, spec_b = ra.specifier or None, rb.specifier or None
            self._version_change("pip", name, a, b, ra.pinned, rb.pinned, spec_a, spec_b)
        elif (ra.kind, ra.extras, ra.marker, ra.url) != (rb.kind, rb.extras, rb.marker, rb.url):
            self._add("pip", "spec-changed", name, _as_written(a), _as_written(b), a, b)

    def _version_change(
        self,
        section: Literal["conda", "pip"],
        name: str,
        a: Dep,
        b: Dep,
        pa: str | None,
        pb: str | None,
        spec_a: str | None,
        spec_b: str | None,
        *,
        note: str | None = None,
        risks: tuple[str, ...] = (),
    ) -> None:
        order = _compare(section, pa, pb) if pa and pb else None
        if order and pa and pb:
            size = change_size(pa, pb)
            if order > 0:
                risks = (RISK_DOWNGRADE, *risks)
            elif size == "major" and not (_calendar(pa) and _calendar(pb)):
                risks = (RISK_MAJOR, *risks)
            kind: Kind = "upgraded" if order < 0 else "downgraded"
            self._add(section, kind, name, pa, pb, a, b, size=size, note=note, risks=risks)
            return
        if note is None:
            note = "pin added" if not spec_a else "pin removed" if not spec_b else None
        old, new = _as_written(a), _as_written(b)
        # Specs that both have a lower bound (~=1.13.0 → ~=2.1.0, >=1.20 → >=2) are sized by it,
        # so --fail-on major sees them; a raised one of major size is risky as an upgrade is.
        bound_size: Size | None = None
        la, lb = _lower_bound(spec_a), _lower_bound(spec_b)
        order = _compare(section, la, lb) if la and lb else None
        if order and la and lb:
            bound_size = change_size(la, lb)
            if order < 0 and bound_size == "major" and not (_calendar(la) and _calendar(lb)):
                risks = (RISK_MAJOR, *risks)
        self._add(
            section, "spec-changed", name, old, new, a, b, size=bound_size, note=note, risks=risks
        )

    # ------------------------------------------------------------------------------- options

    def _options(self, old: dict[_OptionKey, PipDep], new: dict[_OptionKey, PipDep]) -> None:
        gone = {k: d for k, d in old.items() if k not in new}
        came = {k: d for k, d in new.items() if k not in old}
        for key, a in old.items():
            b = new.get(key)
            if b is not None and _raw_value(a) != _raw_value(b):
                self._option(key[0], a, b)
        for key, b in list(came.items()):  # rotated credentials: equal once redacted
            twin = next(
                (k for k, a in gone.items() if k[0] == key[0] and _same_redacted(a, b)), None
            )
            if twin is not None:
                self._option(key[0], gone.pop(twin), came.pop(key))
        for key, b in came.items():
            self._option(key[0], None, b)
        for key, a in gone.items():
            self._option(key[0], a, None)

    def _option(self, option: str, a: PipDep | None, b: PipDep | None) -> None:
        credentials = a is not None and b is not None and _same_redacted(a, b)
        risks: tuple[str, ...] = ()
        if b is not None and not credentials:
            if option in _INDEX_OPTIONS:
                risks = (RISK_INDEX,)
            elif option == "--trusted-host":
                risks = (RISK_TRUSTED_HOST,)
        old = None if a is None else _raw_value(a)
        new = None if b is None else _raw_value(b)
        note = NOTE_CREDENTIALS if credentials else None
        self._add("pip", "pip-option-changed", option, old, new, a, b, note=note, risks=risks)


# ---------------------------------------------------------------------------------- helpers


# Conda packages published on PyPI under another name. Small on purpose: only names that are
# certainly the same project (most conda names are the PyPI name, PEP 503-normalized).
_PIP_NAMES = {"pytorch": "torch", "py-xgboost": "xgboost"}


def _pip_name(conda_name: str) -> str:
    return _PIP_NAMES.get(conda_name) or normalize_pip_name(conda_name)


def _dedupe(channels: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for c in channels:
        key = channel_key(c)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def channel_key(channel: str | None) -> str:
    """What identifies a channel: ``https://conda.anaconda.org/x/`` and ``x`` are one
    (:func:`envtool.envs.channel.key`: conda's canonical name)."""
    return _channel_key(channel)


def channel_keys(env: EnvFile) -> set[str]:
    """The channels ``env`` uses (its list and its specs' ``channel::``), as keys."""
    keys = {channel_key(c) for c in env.channels}
    for dep in env.conda:
        if "::" in dep.text:  # only a "channel::" spec names one: no parse for the others
            spec = dep.parsed()
            if spec is not None and spec.channel:
                keys.add(channel_key(spec.channel))
    return keys


def ordered(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Section, kind, name (then values, for options sharing a name); channels keep their list
    (priority) order: the sort is stable and their key stops at the kind."""
    return tuple(
        sorted(
            changes,
            key=lambda c: (
                (SECTIONS.index(c.section), KIND_ORDER[c.kind])
                + (() if c.section == "channels" else (c.name, c.old or "", c.new or ""))
            ),
        )
    )


def ignorer(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a package name matches one of ``patterns`` (names or globs, any case)."""
    lowered = tuple({p.lower() for p in patterns} | {normalize_pip_name(p) for p in patterns})

    def ignored(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in lowered) or any(
            fnmatch.fnmatchcase(normalize_pip_name(name), p) for p in lowered
        )

    return ignored if patterns else _never


def _never(name: str) -> bool:
    return False


def _duplicate_warning(
    env: EnvFile, section: str, key: str, first: int | None, again: int | None
) -> str:
    lines = f" (lines {first} and {again})" if first and again else ""
    return (
        f"{env.source}: {section} package {redact(key)!r} is listed twice{lines}; "
        "comparing the last one"
    )


def _name_order(deps: Sequence[CondaDep]) -> tuple[list[int] | None, bool]:
    """The positions of ``deps`` in name order (stable; None when they are sorted already, as
    an export's are), and whether no name is listed twice. The names are let go."""
    names = list(map(conda_key, deps))
    if all(map(operator.lt, names, islice(names, 1, None))):
        return None, True
    if all(map(operator.le, names, islice(names, 1, None))):
        return None, False
    order = sorted(range(len(names)), key=names.__getitem__)
    names = [names[i] for i in order]
    return order, not any(map(operator.eq, names, islice(names, 1, None)))


def _in_order(deps: Sequence[CondaDep], order: list[int] | None) -> Sequence[CondaDep]:
    return deps if order is None else [deps[i] for i in order]


def _secret_value(name: str, value: str | None) -> str | None:
    if value is None or not is_secret_name(name):
        return value
    return redact_variable(name, value) if value else value


def _entry(key: str, value: str | None) -> str | None:
    return None if value is None else f"{key}: {value}"


def _redact_opt(text: str | None) -> str | None:
    return None if text is None else redact(text)


def _variant(old: str | None, new: str | None) -> tuple[str | None, tuple[str, ...]]:
    """A note when a build's variant changes (``variant cuda -> cpu``); risky when one is lost."""
    if old == new:
        return None, ()
    a, b = variant_glob(old), variant_glob(new)
    if a == b:
        return None, ()
    if a is None:
        return f"variant {(b or '').strip('*')} added", ()
    was = a.strip("*")
    if new is None:  # the build pin is gone: a solver may pick any variant (a CPU pytorch)
        return f"{was} variant no longer pinned", (RISK_VARIANT,)
    return f"variant {was} -> {(b or '*none*').strip('*')}", (RISK_VARIANT,)


def _is_glob(build: str) -> bool:
    return any(ch in build for ch in "*?[")


# (compiled on first use, by re's cache: a diff with no spec change never needs it)
_LOWER = r"^\s*(>=|>|~=|==|=)?\s*([0-9][0-9A-Za-z_.!+]*?)(\.\*)?\s*$"


def _lower_bound(spec: str | None) -> str | None:
    """The highest lower bound of a version spec (``>=1.20,<2`` → 1.20, ``~=2.1.0`` → 2.1.0),
    or None when it has none or is an ``|`` of alternatives."""
    if not spec or "|" in spec:
        return None
    bounds = []
    for part in spec.split(","):
        m = re.match(_LOWER, part)
        if m is not None and (m.group(1) or m.group(3)):
            bounds.append(m.group(2))
    if not bounds:
        return None
    best = bounds[0]
    for bound in bounds[1:]:
        try:
            if compare_versions(best, bound) < 0:
                best = bound
        except SpecError:
            return None
    return best


def _calendar(version: str) -> bool:
    """A calendar version (2023c, 2024.2.2): its first component is a year."""
    m = re.match(r"(\d{4})(?!\d)", version)
    return m is not None and 1990 <= int(m.group(1)) <= 2200


def _compare(section: str, a: str, b: str) -> int | None:
    """-1/0/1 by the section's version order, or None when the versions do not parse."""
    if section == "conda":
        try:
            return compare_versions(a, b)
        except SpecError:
            return None
    numeric = compare_numeric(a, b)  # 1.2.3 vs 1.10: no need to import packaging
    if numeric is not None:
        return numeric
    from packaging.version import InvalidVersion, Version

    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        return None
    return 0 if va == vb else (-1 if va < vb else 1)


def pip_satisfies(wanted: PipLine, version: str) -> bool:
    """Does an installed pip ``version`` meet a requirement line (URLs and paths: unknowable)?"""
    if wanted.kind != "requirement" or not wanted.specifier:
        return True
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(wanted.specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


def _pinned(dep: CondaDep | PipDep) -> str | None:
    if isinstance(dep, CondaDep):
        return dep.spec.pinned if dep.spec else None
    return dep.req.pinned if dep.req else None


def _version_display(dep: CondaDep | PipDep) -> str | None:
    """The version a package line asks for: the pinned one, else its constraint, else None."""
    if isinstance(dep, CondaDep):
        if dep.spec is None:
            return dep.text
        return dep.spec.pinned or dep.spec.version
    req = dep.req
    if req is None:
        return dep.text
    if req.pinned:
        return req.pinned
    if req.specifier:
        return req.specifier
    return req.url if req.url and req.kind == "requirement" else None


_NAME_HEAD = r"^\s*(?:[^\s\[]*::)?[A-Za-z0-9_.\-]+\s*"  # (compiled on first use)


def _as_written(dep: CondaDep | PipDep) -> str | None:
    """The spec as the file writes it, without channel and name (``>=1.13``, ``=1.2=*mkl*``)."""
    text = dep.text.strip()
    if isinstance(dep, PipDep) and (dep.req is None or dep.req.kind != "requirement"):
        return text
    rest = re.sub(_NAME_HEAD, "", text, count=1)
    return rest or None


def _option_key(dep: PipDep) -> _OptionKey:
    req = dep.req
    assert req is not None
    if req.kind == "editable":
        return ("--editable", req.name or req.url or dep.text)
    option = _OPTION_ALIASES.get(req.option or "", req.option or "")
    if option in _SINGLE_OPTIONS:
        return (option, "")
    return (option, req.option_value)


def _raw_value(dep: PipDep) -> str:
    """An option line's value (``-e`` and ``-r`` lines: their target), else the whole line."""
    req = dep.req
    assert req is not None
    if req.kind in ("editable", "include"):
        return req.url or dep.text.strip()
    return req.option_value or dep.text.strip()


def _same_redacted(a: PipDep, b: PipDep) -> bool:
    return redact(_raw_value(a)) == redact(_raw_value(b))
