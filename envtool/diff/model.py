"""What changed between two environment files: an :class:`EnvDiff` of :class:`Change` values.

Data only (DESIGN §5): no printing, no files. The rules that find the changes are in
:mod:`envtool.diff.compare` (two files) and :mod:`envtool.diff.drift` (a file against an
installed environment); :mod:`envtool.render` turns an EnvDiff into text, Markdown, JSON or
GitHub annotations; :mod:`envtool.ops.diff` reads the inputs.

Keys: conda deps by normalized name, pip requirements by PEP 503 name, pip option lines by option
and value (``--index-url`` by option alone: pip uses one), ``-e`` lines by their ``#egg=`` name
when they carry one. Channels are an ordered priority list.

Decisions where DESIGN is silent (documented here, tested in tests/test_diff.py):

* A Change carries the real values, credentials included, so a caller can act on them (a CI
  bot checking a new index URL). Redaction happens where text is made: every renderer
  (:mod:`envtool.render`) and the ``repr`` of these values (a traceback or a log line shows
  them masked). A rotated token is detected on the raw text and shows as a change with the
  note "credentials changed". One exception: a variable named as a secret (``HF_TOKEN``) has
  its value masked in the data too; its name declares it a secret and its value is never
  needed to describe the change. Which changes fail a ``--fail-on``
  policy is :mod:`envtool.diff.policy`'s business.
* A name listed twice in one file: the last one wins (as in a dict) and a warning says so.
* A version change also implies a new build, so ``rebuilt`` is reported only for the same
  version. A per-package channel change is reported *besides* a version change: both matter.
* Two versions are comparable when each spec pins one version (``=1.2``, ``==1.2.3``,
  ``=1.2=build``); anything else (``>=1.13``, a pin added or removed, a build glob) is
  ``spec-changed``. Pip versions compare by packaging's order, conda's by rattler's.
* ``moved``: a package that left conda and appeared in pip (or back), matched by PEP 503 name
  (and ``pytorch`` is pip's ``torch``); it carries the versions and, if both are pinned and
  differ, a size. It is in the section it moved to, with the note "from conda" / "from pip".
* ``-e``/``-r``/``-c`` lines and options (``--extra-index-url``...) are ``pip-option-changed``.
* Channel spellings that name the same channel (``conda-forge`` and
  ``https://conda.anaconda.org/conda-forge/``) are equal; ``prefix:`` and unknown top-level keys
  are not compared (they are machine-specific or not conda's).
* Channel and variable changes point at the ``channels:`` / ``variables:`` key line: the model
  keeps no per-item lines for them.
* Risky (called out by reports, and ``--fail-on risky``): downgrades, major upgrades (except
  calendar versions such as tzdata 2023c → 2024a or ca-certificates 2023.11.17 → 2024.2.2, whose
  yearly "major" is routine), new channels (``nodefaults`` is not one), a package now taken from
  a channel the old file did not use, new package indexes and new trusted hosts in pip, and a
  build variant lost or swapped (pytorch ``*cuda*`` → ``*cpu*``: DESIGN §1's CPU-instead-of-CUDA).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal, get_args

from envtool.secrets import redact
from envtool.spec import Size

Section = Literal["name", "channels", "conda", "pip", "variables"]
Kind = Literal[
    "added",
    "removed",
    "upgraded",
    "downgraded",
    "rebuilt",
    "channel-changed",
    "moved",
    "spec-changed",
    "channel-added",
    "channel-removed",
    "channel-reordered",
    "name-changed",
    "variables-changed",
    "pip-option-changed",
]

SECTIONS: tuple[Section, ...] = get_args(Section)
KINDS: tuple[Kind, ...] = get_args(Kind)  # DESIGN §5's order; the JSON summary uses it
SIZES: tuple[Size, ...] = get_args(Size)

# The order changes are listed in within a section (and so in every format).
# fmt: off
_LISTING: tuple[Kind, ...] = (
    "name-changed", "channel-added", "channel-removed", "channel-reordered", "upgraded",
    "downgraded", "added", "removed", "moved", "channel-changed", "spec-changed", "rebuilt",
    "pip-option-changed", "variables-changed",
)
# fmt: on
KIND_ORDER = {kind: index for index, kind in enumerate(_LISTING)}

# Risk reasons, as reports word them.
RISK_DOWNGRADE = "downgrade"
RISK_MAJOR = "major upgrade"
RISK_CHANNEL = "new channel"
RISK_INDEX = "new package index"
RISK_TRUSTED_HOST = "new trusted host"
RISK_VARIANT = "variant change"

NOTE_CREDENTIALS = "credentials changed"
NOTE_VALUE_HIDDEN = "changed (value hidden)"  # a secret variable changed: both sides masked


def _masked_repr(value: object) -> str:
    """A field's ``repr`` with credentials masked (:func:`envtool.secrets.redact`)."""
    if isinstance(value, str):
        return repr(redact(value))
    if isinstance(value, tuple):
        inner = ", ".join(_masked_repr(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


class _MaskedRepr:
    """A dataclass ``repr`` that masks credentials: values are real, what is shown is not."""

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={_masked_repr(getattr(self, f.name))}"
            for f in fields(self)  # type: ignore[arg-type]
            if f.repr
        )
        return f"{type(self).__name__}({shown})"


@dataclass(frozen=True, repr=False)
class Change(_MaskedRepr):
    """One difference, with the real values (credentials too: render to show one safely).

    ``name`` is the package (normalized), channel, variable or pip option; ``old``/``new`` the
    smallest thing that differs — versions for up/downgrades, builds (with the version) for
    rebuilds, channels for channel changes, specs as written otherwise — None for "absent" (or
    "no version constraint" on an added/removed package). ``old_text``/``new_text`` are the
    whole lines; ``old_line``/``new_line`` their line numbers in each file.
    """

    section: Section
    kind: Kind
    name: str
    old: str | None = None
    new: str | None = None
    size: Size | None = None
    old_line: int | None = None
    new_line: int | None = None
    old_text: str | None = None
    new_text: str | None = None
    note: str | None = None
    risks: tuple[str, ...] = ()


class _Counted:
    """Counts over ``changes``, shared by :class:`EnvDiff` and :class:`DiffSet`."""

    @property
    def changes(self) -> tuple[Change, ...]:
        raise NotImplementedError  # a dataclass field (EnvDiff) or a property (DiffSet)

    @property
    def empty(self) -> bool:
        return not self.changes

    def kind_counts(self) -> dict[Kind, int]:
        """How many changes of each kind, every kind present (in :data:`KINDS` order)."""
        counts: dict[Kind, int] = dict.fromkeys(KINDS, 0)
        for change in self.changes:
            counts[change.kind] += 1
        return counts

    def size_counts(self) -> dict[Size, int]:
        counts: dict[Size, int] = dict.fromkeys(SIZES, 0)
        for change in self.changes:
            if change.size is not None:
                counts[change.size] += 1
        return counts

    @property
    def risky(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.risks)


@dataclass(frozen=True, repr=False)
class EnvDiff(_MaskedRepr, _Counted):
    """All differences between two environments, in a fixed order (section, kind, name)."""

    old_source: str
    new_source: str
    changes: tuple[Change, ...] = ()
    old_channels: tuple[str, ...] = ()  # for "order: a, b → b, a"
    new_channels: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    ignore_builds: bool = False
    ignore: tuple[str, ...] = ()
    # Lines of the new file's top-level keys: where a report points for what is gone from it.
    new_key_lines: dict[str, int] = field(default_factory=dict, compare=False)

    def section(self, section: Section) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.section == section)


FileStatus = Literal["added", "deleted", "modified", "renamed"]


@dataclass(frozen=True)
class FileDiff:
    """One environment file of a :class:`DiffSet`; paths relative to the repository root.

    An added file is compared with an empty environment (everything added), a deleted one
    with an empty environment too (everything removed); ``diff``'s labels say which.
    """

    status: FileStatus
    old_path: str | None  # None: added
    new_path: str | None  # None: deleted
    diff: EnvDiff

    @property
    def path(self) -> str:
        """The name to show: the new path, or the old one for a deleted file."""
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class DiffSet(_Counted):
    """Every changed environment file between a git revision and the work tree (``--base``)."""

    base: str
    files: tuple[FileDiff, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for f in self.files for c in f.diff.changes)
