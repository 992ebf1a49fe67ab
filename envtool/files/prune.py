"""Pruning rules: turn an :class:`EnvFile` into a smaller, more portable one, saying why.

:func:`prune` is pure: it takes a parsed file and :class:`PruneOptions` and returns the pruned
file plus one :class:`Decision` per thing it dropped, rewrote or deliberately kept, in file
order. :func:`apply_edits` turns those decisions into :mod:`envtool.files.yaml_edit` operations, so
the original text is edited in place and every line no decision touches stays byte-identical.

How one spec line is rewritten (builds, pins) lives in :mod:`envtool.files.spec_rewrite`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any, Literal

from envtool.errors import UsageError
from envtool.files import yaml_edit
from envtool.files.envfile import CondaDep, EnvFile, Path_, PipDep, make_conda_dep, make_pip_dep
from envtool.files.portable import platform_only
from envtool.files.prune_options import PruneOptions as PruneOptions  # re-exported
from envtool.files.spec_rewrite import rewrite_parsed, rewrite_pip
from envtool.spec import CondaSpec, normalize_pip_name
from envtool.ui import plural

Action = Literal["drop", "rewrite", "keep"]
Section = Literal["conda", "pip", "pip-section", "channels", "prefix"]

LEAVES_NEEDS_ENV = (
    "--leaves needs an environment: a file alone has no record of what was requested "
    "(use it with export or clone)"
)


@dataclass(frozen=True, slots=True, init=False)
class Decision:
    """One thing pruning did (or deliberately did not do) to one item of the file."""

    section: Section
    action: Action
    name: str  # package name, or the key ("channels", "prefix", "pip")
    old: str  # the item's text as written
    new: str | None  # the replacement text (rewrite only)
    reason: str  # a sentence for --explain
    line: int | None = None  # 1-based line in the input
    path: Path_ = ()  # where the item lives, as in CondaDep.path

    def __init__(
        self,
        section: Section,
        action: Action,
        name: str,
        old: str,
        new: str | None,
        reason: str,
        line: int | None = None,
        path: Path_ = (),
    ) -> None:
        # One Decision a line: slots (no __dict__: ~half the memory), each set through its
        # descriptor (a frozen dataclass's own __init__ goes through object.__setattr__,
        # several times slower).
        for set_field, value in zip(
            _DECISION_SETTERS, (section, action, name, old, new, reason, line, path), strict=True
        ):
            set_field(self, value)

    @property
    def changes(self) -> bool:
        return self.action != "keep"

    def describe(self) -> str:
        """``drop x=1=b — reason`` / ``rewrite a → b — reason`` / ``keep x — reason``."""
        arrow = f" → {self.new}" if self.action == "rewrite" and self.new is not None else ""
        return f"{self.action} {self.old}{arrow} — {self.reason}"


_DECISION_SETTERS = tuple(
    Decision.__dict__[name].__set__
    for name in ("section", "action", "name", "old", "new", "reason", "line", "path")
)


@dataclass(frozen=True)
class PruneResult:
    env: EnvFile  # items keep the lines and paths they had in the input
    decisions: tuple[Decision, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return any(d.changes for d in self.decisions)


# ------------------------------------------------------------------------------------ rules


def check_options(options: PruneOptions, requested: set[str] | None) -> None:
    """Raise :class:`UsageError` for options that cannot work together or here."""
    if options.no_pip and options.pip_only:
        raise UsageError("--no-pip and --pip-only contradict each other; use one")
    if options.leaves and requested is None:
        raise UsageError(LEAVES_NEEDS_ENV)


def prune(
    env: EnvFile,
    options: PruneOptions,
    *,
    requested: set[str] | None = None,
    flags: Mapping[str, Sequence[str]] | None = None,
) -> PruneResult:
    """Apply ``options`` to ``env``; ``requested`` (for --leaves): the names the user asked for;
    ``flags``: the CEP 45 flags of the packages' records (an env's), kept by --no-builds."""
    check_options(options, requested)
    wanted = {r.lower() for r in requested} if requested is not None else None
    decisions: list[Decision] = []
    pip, pip_decisions = prune_pip(env, options)
    keeps_pip = bool(pip)
    conda: list[CondaDep] = []
    for dep in env.conda:
        kept = prune_conda(dep, options, wanted, keeps_pip, decisions, flags or {})
        if kept is not None:
            conda.append(kept)
    decisions.extend(pip_decisions)
    channels = _prune_channels(env, options, decisions)
    prefix = env.prefix
    if "prefix" in env.key_lines and not options.keep_prefix:
        prefix = None
        decisions.append(
            Decision(
                "prefix",
                "drop",
                "prefix",
                f"prefix: {env.prefix or ''}".rstrip(),
                None,
                "the exporting machine's env path: `conda env create` would install there "
                "(--keep-prefix keeps it)",
                env.key_lines["prefix"],
                ("prefix",),
            )
        )
    new_env = replace(env, conda=tuple(conda), pip=pip, channels=channels, prefix=prefix)
    # In file order (stable: a line's decisions keep their order); usually they are already.
    lines = [d.line if d.line is not None else 1 << 30 for d in decisions]
    if lines != sorted(lines):
        order = sorted(range(len(decisions)), key=lines.__getitem__)
        decisions = [decisions[i] for i in order]
    return PruneResult(new_env, tuple(decisions))


def first_match(name: str, patterns: Iterable[str], pip: bool) -> str | None:
    """The first of ``patterns`` (globs, as ``--drop``/``--keep`` take them) that ``name``
    matches, compared as conda or pip names; None when none does."""
    for pattern in patterns:
        pat = normalize_pip_name(pattern) if pip else pattern.lower()
        if fnmatchcase(name, pat):
            return pattern
    return None


def _drop_reason_conda(
    spec: CondaSpec, options: PruneOptions, wanted: set[str] | None, keeps_pip: bool
) -> str | None:
    name = spec.name
    pattern = first_match(name, options.drop, pip=False) if options.drop else None
    if pattern is not None:
        return f"matches --drop {pattern!r}"
    if options.portable:
        found = platform_only(name)
        if found:
            return f"platform-only ({found[0]}): {found[1]}"
    leaf = wanted is None or name in wanted or (name == "pip" and keeps_pip)
    if options.leaves and not leaf:
        return "not requested: the solver pulled it in as a dependency (--leaves)"
    if options.pip_only and name not in ("python", "pip"):
        return "not pip, python or the pip section (--pip-only)"
    return None


def prune_conda(
    dep: CondaDep,
    options: PruneOptions,
    wanted: set[str] | None,
    keeps_pip: bool,
    decisions: list[Decision],
    flags: Mapping[str, Sequence[str]],
) -> CondaDep | None:
    """One conda dependency pruned: None when it is dropped, else the dependency kept or
    rewritten; what was decided, and why, is appended to ``decisions``."""
    spec = dep.spec
    if spec is None:  # unparseable (only in non-strict use): nothing can be judged
        return dep
    name = spec.name
    if options.drop or options.portable or options.leaves or options.pip_only:
        why = _drop_reason_conda(spec, options, wanted, keeps_pip)
        if why is not None:
            keeper = first_match(name, options.keep, pip=False)
            if keeper is None:
                decisions.append(
                    Decision("conda", "drop", name, dep.text, None, why, dep.line, dep.path)
                )
                return None
            reason = f"kept by --keep {keeper!r} (else: {why})"
            decisions.append(
                Decision("conda", "keep", name, dep.text, None, reason, dep.line, dep.path)
            )
    rw = rewrite_parsed(
        dep.text,
        spec,
        options.no_builds,
        options.keep_variant_builds,
        options.pin,
        flags.get(name, ()) if flags else (),
    )
    if rw.text is None:
        for note in rw.notes:
            decisions.append(
                Decision("conda", "keep", name, dep.text, None, note, dep.line, dep.path)
            )
        return dep
    reason = "; ".join(rw.reasons + rw.notes) if rw.notes else "; ".join(rw.reasons)
    decisions.append(
        Decision("conda", "rewrite", name, dep.text, rw.text, reason, dep.line, dep.path)
    )
    if rw.spec is not None:
        return CondaDep(rw.text, rw.spec, None, dep.line, dep.path)
    return make_conda_dep(rw.text, dep.line, dep.path)


def prune_pip(
    env: EnvFile, options: PruneOptions
) -> tuple[tuple[PipDep, ...] | None, list[Decision]]:
    """The pip section pruned (None when the file has none), and the decisions taken."""
    if env.pip is None:
        return None, []
    decisions: list[Decision] = []
    kept: list[PipDep] = []
    for dep in env.pip:
        name = dep.req.name if dep.req else None

        def decide(action: Action, reason: str, new: str | None = None, d: PipDep = dep) -> None:
            label = d.req.name if d.req and d.req.name else d.text
            decisions.append(Decision("pip", action, label, d.text, new, reason, d.line, d.path))

        why = "the pip section is dropped (--no-pip)" if options.no_pip else None
        if name is not None and why is None:
            pattern = first_match(name, options.drop, pip=True)
            why = f"matches --drop {pattern!r}" if pattern is not None else None
        if why is not None:
            keeper = first_match(name, options.keep, pip=True) if name else None
            if keeper is None:
                decide("drop", why)
                continue
            decide("keep", f"kept by --keep {keeper!r} (else: {why})")
        rw = rewrite_pip(dep.text, pin=options.pin, portable=options.portable)
        if rw.text is None:
            for note in rw.notes:
                decide("keep", note)
            kept.append(dep)
        else:
            decide("rewrite", "; ".join(rw.reasons + rw.notes), rw.text)
            if rw.req is not None:
                kept.append(PipDep(rw.text, rw.req, None, dep.line, dep.path))
            else:
                kept.append(make_pip_dep(rw.text, dep.line, dep.path))
    if options.no_pip and not kept and env.pip:
        # One decision for the whole section rather than one per line (one per "- pip:"
        # when the file has several: each goes).
        sections: dict[Path_, list[PipDep]] = {}
        for dep in env.pip:
            sections.setdefault(dep.path[:2], []).append(dep)
        return None, [
            Decision(
                "pip-section",
                "drop",
                "pip",
                f"pip section ({plural(len(deps), 'line')})",
                None,
                "the pip section is dropped (--no-pip)",
                deps[0].line,
                path,
            )
            for path, deps in sections.items()
        ]
    if env.pip and not kept:
        return None, decisions  # every line dropped: the empty section goes too
    return tuple(kept), decisions


def _prune_channels(
    env: EnvFile, options: PruneOptions, decisions: list[Decision]
) -> tuple[str, ...]:
    new = options.channels
    if new is None or new == env.channels:
        return env.channels
    old_text = "[" + ", ".join(env.channels) + "]"
    if new:
        reason = "channel list rewritten (--channels)"
    else:
        reason = "channel list removed (--channels ''): conda uses the configured channels"
    decisions.append(
        Decision(
            "channels",
            "rewrite",
            "channels",
            f"channels: {old_text}",
            "channels: [" + ", ".join(new) + "]",
            reason,
            env.key_lines.get("channels"),
            ("channels",),
        )
    )
    return new


# ------------------------------------------------------------------------------- file edits


def edit_ops(result: PruneResult) -> list[yaml_edit.Op]:
    """The byte-preserving edits that turn the input text into the pruned file."""
    ops: list[yaml_edit.Op] = []
    changes = [d for d in result.decisions if d.action != "keep"]
    # When every line of the pip section goes, the section goes as a whole.
    gone: set[Path_] = set()
    if result.env.pip is None:
        gone = {d.path[:2] for d in changes if d.section in ("pip", "pip-section")}
    rewrites: dict[Path_, dict[int, str]] = {}  # per list: item index → new text
    for d in changes:
        if d.section in ("conda", "pip"):
            if gone and d.section == "pip" and d.path[:2] in gone:
                continue
            if d.action == "drop":
                ops.append(yaml_edit.DeleteItem(d.path))
            else:
                assert d.new is not None
                key, index = d.path[:-1], d.path[-1]
                assert isinstance(index, int)
                values = rewrites.get(key)
                if values is None:
                    values = rewrites[key] = {}
                values[index] = d.new
        elif d.section == "channels":
            if result.env.channels:
                ops.append(yaml_edit.SetList("channels", result.env.channels, after="name"))
            else:
                ops.append(yaml_edit.DeleteKey("channels"))
        elif d.section == "prefix":
            ops.append(yaml_edit.DeleteKey("prefix"))
    ops.extend(yaml_edit.SetItems(path, values) for path, values in rewrites.items())
    ops.extend(yaml_edit.DeleteItem(path) for path in sorted(gone, key=str))
    if (
        not result.env.conda
        and result.env.pip is None
        and any(d.section in ("conda", "pip-section") or d.path[:2] in gone for d in changes)
    ):
        # Nothing left: "dependencies: []" rather than a key with no value (conda wants a list).
        items = (yaml_edit.DeleteItem, yaml_edit.SetScalar, yaml_edit.SetItems)
        ops = [op for op in ops if not isinstance(op, items)]
        ops.append(yaml_edit.SetList("dependencies", ()))
    return ops


def apply_edits(text: str, result: PruneResult, source: str = "<string>", root: Any = None) -> str:
    """The input ``text`` edited as ``result`` says; untouched lines stay byte-identical.

    ``root``: the node tree of ``text`` when the caller composed it already (one parse).
    """
    return edit_text(text, result, source, root)[0].text


def edit_text(
    text: str, result: PruneResult, source: str = "<string>", root: Any = None
) -> tuple[yaml_edit.Edited, list[yaml_edit.Op]]:
    """:func:`apply_edits`, with the edits made and whether all of them were local
    (:class:`envtool.files.yaml_edit.Edited`; see :func:`reads_as`)."""
    ops = edit_ops(result)
    if not ops:
        return yaml_edit.Edited(text, True), ops
    doc = yaml_edit.Document(text, source, root)
    # Edits inside the pip list go first when the dependencies list is flow style: an outer
    # edit rewrites that list as a whole, which would overlap an inner one made in the same
    # pass. In block style (what exports write) the spans are apart: one pass.
    inner: list[yaml_edit.Op] = []
    outer: list[yaml_edit.Op] = []
    for op in ops:
        nested = (
            isinstance(op, (yaml_edit.DeleteItem, yaml_edit.SetScalar)) and len(op.path) > 2
        ) or (isinstance(op, yaml_edit.SetItems) and len(op.path) > 1)
        (inner if nested else outer).append(op)
    if inner and outer and _flow_dependencies(doc):
        text = yaml_edit.apply(text, inner, source, doc.root)
        return yaml_edit.Edited(yaml_edit.apply(text, outer, source), False), ops
    return yaml_edit.edit(text, ops, source, doc.root), ops


def reads_as(env: EnvFile, ops: Sequence[yaml_edit.Op], expected: EnvFile) -> bool:
    """Does the text ``env`` was read from, after the local edits ``ops`` (each proven by
    :func:`envtool.files.yaml_edit.edit` to replace or remove just its item or key line),
    read back as ``expected``? What the edits did is applied to ``env``'s own items and
    compared with ``expected``: no second parse. (A dependency's spec is a function of its
    text, so comparing texts compares the items a parse would make.)"""
    deleted: set[Path_] = set()
    replaced: dict[Path_, str] = {}
    name, prefix = env.name, env.prefix
    for op in ops:
        if isinstance(op, yaml_edit.DeleteItem):
            deleted.add(op.path)
        elif isinstance(op, yaml_edit.SetScalar) and op.path and isinstance(op.path[-1], int):
            replaced[op.path] = op.value
        elif isinstance(op, yaml_edit.SetItems):
            seq = op.path
            replaced.update(((*seq, index), value) for index, value in op.values.items())
        elif isinstance(op, yaml_edit.DeleteKey) and op.key in ("name", "prefix"):
            name, prefix = (None, prefix) if op.key == "name" else (name, None)
        else:
            return False
    found = 0

    def texts(items: Iterable[CondaDep | PipDep]) -> list[str]:
        nonlocal found
        out = []
        for item in items:
            path = item.path
            if path in deleted:
                found += 1
            elif path in replaced:
                found += 1
                out.append(replaced[path])
            else:
                out.append(item.text)
        return out

    conda = texts(env.conda)
    pip = texts(env.pip) if env.pip is not None else None
    return (
        found == len(deleted) + len(replaced)  # every edit was of a dependency line
        and conda == [d.text for d in expected.conda]
        and (pip is None) == (expected.pip is None)
        and (pip is None or pip == [d.text for d in expected.pip or ()])
        and (name, prefix) == (expected.name, expected.prefix)
        and env.channels == expected.channels
        and env.variables == expected.variables
        and env.extra == expected.extra
        and env.has_dependencies == expected.has_dependencies
    )


def _flow_dependencies(doc: yaml_edit.Document) -> bool:
    found = doc.key_node("dependencies")
    return found is not None and bool(getattr(found[1], "flow_style", False))
