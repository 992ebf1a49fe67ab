"""The environment-file model: parse ``environment.yml`` into an :class:`EnvFile`, dump it back.

Parsing uses pyyaml's C composer with the *base* schema, so every scalar stays the text the
user wrote (``name: 2023`` is "2023", ``python=3.10`` keeps its zero, ``DEBUG: yes`` is "yes");
no tags are honoured, and aliases are expanded under a budget so a file of nested aliases
cannot blow up time or memory. Node positions give every item its line number.

Dumping reproduces ``conda env export`` byte for byte: ruamel.yaml's round-trip emitter with
conda's settings, keys in conda's order, the pip list nested last.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

from envtool.errors import InputError, UsageError
from envtool.files import fileio
from envtool.files.fileio import TextFile
from envtool.spec import (
    PLAIN_BARE_SPEC,
    CondaSpec,
    PipLine,
    SpecError,
    conda_name,
    parse_conda,
    parse_pip,
    read_conda,
)

FORBIDDEN_IN_NAMES = ("/", " ", ":", "#")  # CEP 24: characters an environment name must not contain


MAX_NAME_BYTES = 255  # NAME_MAX of Linux and macOS file systems: the env's directory name
# Never in a name: what a terminal or a log would act on or hide. C0 and C1 controls, DEL, the
# line and paragraph separators, and the bidi embeddings, overrides, isolates and marks.
_INVISIBLE = frozenset(
    [
        *map(chr, range(0x20)),
        *map(chr, range(0x7F, 0xA0)),
        *"\u2028\u2029\u200e\u200f\u061c",
        *map(chr, range(0x202A, 0x202F)),
        *map(chr, range(0x2066, 0x206A)),
    ]
)


def check_env_name(name: str) -> str:
    """Return ``name`` if conda accepts it as an environment name, else raise UsageError."""
    if not name:
        raise UsageError("environment name must not be empty")
    if any(c in _INVISIBLE for c in name):
        raise UsageError(
            f"invalid environment name {_shown(name)}: names must not contain control, "
            "line-separator or bidirectional-override characters"
        )
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        raise UsageError(
            f"invalid environment name {_shown(name)}: too long "
            f"({size} bytes; a directory name holds at most {MAX_NAME_BYTES})"
        )
    bad = [c for c in FORBIDDEN_IN_NAMES if c in name]
    if bad or "\t" in name or "\\" in name:
        shown = " ".join(repr(c) for c in bad) or "whitespace or a backslash"
        raise UsageError(f"invalid environment name {name!r}: names must not contain {shown}")
    if name in (".", "..") or name.startswith("-"):
        raise UsageError(f"invalid environment name {name!r}")
    return name


def _shown(name: str) -> str:
    """``name`` quoted with every unprintable character escaped, cut short when long."""
    shown = repr(name[:60])
    return f"{shown[:-1]}…{shown[-1]}" if len(name) > 60 else shown


KNOWN_KEYS = ("name", "channels", "dependencies", "variables", "prefix")
MAX_NODES = 200_000  # after alias expansion; real files have a few thousand at most
MAX_ALIASED = 10_000  # nodes reached through aliases beyond those written (real files: ~0)
MAX_ALIASED_CHARS = 1_000_000  # and characters of text reached so
MAX_DEPTH = 100  # nesting levels; an environment file has four
MAX_SCALAR = 100_000  # characters in one value; the longest real spec or URL has a few hundred
NO_DEPENDENCIES = "no 'dependencies' list: conda env create needs one"

# Line breaks of YAML 1.1 (pyyaml) that YAML 1.2 (ruamel, so conda) reads as ordinary text.
_AMBIGUOUS_BREAKS = {
    "\x85": "U+0085 (next line)",
    "\u2028": "U+2028 (line separator)",
    "\u2029": "U+2029 (paragraph separator)",
}

Path_ = tuple[str | int, ...]  # where an item lives: ("dependencies", 3) or (..., "pip", 0)


class CondaDep:
    """One conda dependency line. ``spec`` is None when the text does not parse (``problem``).

    A value: frozen, equal (and hashed) by ``text``, ``spec`` and ``problem``; ``line`` and
    ``path`` say where it was read and do not count. Built as a dataclass was, with
    ``CondaDep(text, spec, problem=None, line=None, path=())``.

    Read from a file it is lean (a 100,000-line file keeps 100,000 of them): a spec in the plain
    form every export writes is checked when the file is read but parsed only when ``spec`` is
    first read (then kept), and :meth:`parsed` parses it without keeping it, for a pass over
    every line that needs each spec once; its ``path`` is kept as the small distance between
    its line and its index in ``dependencies:`` (see :func:`_read_dep`).
    """

    __slots__ = ("_path", "_spec", "line", "problem", "text")

    text: str
    problem: str | None
    line: int | None
    _spec: Any  # a CondaSpec, None, or _LATER
    _path: Any  # a Path_, or an int: see _read_dep

    def __init__(
        self,
        text: str,
        spec: CondaSpec | None,
        problem: str | None = None,
        line: int | None = None,
        path: Path_ = (),
    ) -> None:
        _SET_TEXT(self, text)
        _SET_SPEC(self, spec)
        _SET_PROBLEM(self, problem)
        _SET_LINE(self, line)
        _SET_PATH(self, _compact_path(path, line))

    @property
    def spec(self) -> CondaSpec | None:
        spec = self._spec
        if spec is _LATER:
            spec = read_conda(self.text)
            _SET_SPEC(self, spec)
        return spec  # type: ignore[no-any-return]

    def parsed(self) -> CondaSpec | None:
        """``spec``, parsed now if it was not yet, and not kept: for one pass over every line."""
        spec = self._spec
        return read_conda(self.text) if spec is _LATER else spec

    @property
    def path(self) -> Path_:
        path = self._path
        if path.__class__ is int:
            return ("dependencies", self.line - path)  # type: ignore[operator]
        return path  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        spec = self._spec
        if spec is _LATER:
            return conda_name(self.text)
        return spec.name if spec else self.text

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not CondaDep:
            return NotImplemented
        assert isinstance(other, CondaDep)
        if self.text != other.text or self.problem != other.problem:
            return False
        return self._spec is other._spec or self.parsed() == other.parsed()

    def __hash__(self) -> int:
        return hash((self.text, self.problem))  # (equal deps have these equal: no parse)

    def __repr__(self) -> str:
        return (
            f"CondaDep(text={self.text!r}, spec={self.parsed()!r}, problem={self.problem!r}, "
            f"line={self.line!r}, path={self.path!r})"
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (CondaDep, (self.text, self.spec, self.problem, self.line, self.path))


_LATER: Any = object()  # CondaDep._spec of a plain spec: parsed when read (check_conda)
_SETTERS = tuple(
    CondaDep.__dict__[slot].__set__ for slot in ("text", "_spec", "problem", "line", "_path")
)
_SET_TEXT, _SET_SPEC, _SET_PROBLEM, _SET_LINE, _SET_PATH = _SETTERS
_NEW = object.__new__


def conda_key(dep: CondaDep) -> str:
    """What identifies a dependency across two files: its spec's name, or (a line that does not
    parse) its text, stripped. As ``dep.name.strip()``, without parsing a spec or making more
    than the name: a diff of two large files asks it of every line, some of them twice."""
    spec = dep._spec
    if spec is _LATER:  # the bare plain form: name[=version[=build]]
        return conda_name(dep.text)
    return spec.name if spec else dep.text.strip()


def conda_keys(
    deps: Sequence[CondaDep], order: Iterable[int] | None = None
) -> Iterator[tuple[str, CondaDep]]:
    """(:func:`conda_key`, dependency) for each of ``deps`` (those at ``order``'s positions,
    when given)."""
    for dep in deps if order is None else map(deps.__getitem__, order):
        yield conda_key(dep), dep


def conda_parts(dep: CondaDep) -> tuple[str, str | None, str | None] | None:
    """(name, channel, build) of ``dep``'s spec, None when it does not parse: for a bare
    plain line (``name[=version[=build]]`` or ``name==version[=build]``, the form every export
    writes) read from its text, without making a spec (a check of every line asks it)."""
    spec = dep._spec
    if spec is _LATER:
        name, _, rest = dep.text.partition("=")
        if rest[:1] == "=":  # name==version[=build]
            rest = rest[1:]
        return name.lower(), None, rest.partition("=")[2] or None
    if spec is None:
        return None
    return spec.name, spec.channel, spec.build


def _compact_path(path: Path_, line: int | None) -> Path_ | int:
    """``path`` as CondaDep keeps it: ("dependencies", index) as ``line - index`` where that
    is a small int (see :func:`_read_dep`), anything else as it is."""
    if line is not None and len(path) == 2 and path[0] == "dependencies":
        index = path[1]
        if index.__class__ is int and 0 <= line - index <= _SMALL_INT:
            return line - index
    return path


def _read_dep(text: str, line: int, index: int) -> CondaDep:
    """The dependency at ``index`` of ``dependencies:``, on ``line``, its spec parsed now (a
    line not in the bare plain form, which :func:`_dependencies` reads lazily), or its
    ``problem`` when it does not parse."""
    try:
        return CondaDep(text, read_conda(text), None, line, ("dependencies", index))
    except SpecError as exc:
        return CondaDep(text, None, str(exc), line, ("dependencies", index))


_SMALL_INT = 256  # CPython keeps one object for each int from -5 to 256


@dataclass(frozen=True, slots=True)
class PipDep:
    """One line of the pip section. ``req`` is None when the line does not parse (``problem``)."""

    text: str
    req: PipLine | None
    problem: str | None = None
    line: int | None = field(default=None, compare=False)
    path: Path_ = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return self.req.key if self.req else self.text


@dataclass(frozen=True)
class EnvFile:
    """A conda environment file. All values are the text the file holds."""

    name: str | None = None
    channels: tuple[str, ...] = ()
    conda: tuple[CondaDep, ...] = ()
    pip: tuple[PipDep, ...] | None = None  # None: no pip section at all
    variables: dict[str, str] = field(default_factory=dict)
    prefix: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # unknown top-level keys, kept as read
    has_dependencies: bool = True
    source: str = field(default="", compare=False)
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)

    def problems(self) -> Iterator[tuple[int | None, str]]:
        """(line, message) for every dependency that does not parse."""
        for dep in self.conda:
            if dep.problem:
                yield dep.line, f"invalid conda spec {dep.text!r}: {dep.problem}"
        for pdep in self.pip or ():
            if pdep.problem:
                yield pdep.line, f"invalid pip line {pdep.text!r}: {pdep.problem}"

    def validate(self) -> EnvFile:
        """Raise :class:`InputError` when ``check`` would call the file invalid: no
        ``dependencies`` list (E003), or the first dependency that does not parse (E101/E102)."""
        from envtool.secrets import redact

        if not self.has_dependencies:
            raise InputError(self.source, NO_DEPENDENCIES, 1)
        for line, message in self.problems():
            raise InputError(self.source, redact(message), line)
        return self


# ----------------------------------------------------------------------------------- parsing


def load(path: str) -> EnvFile:
    """Read, decode and parse the environment file ``path`` ("-" is standard input), strictly."""
    return parse_file(fileio.read(path))


def parse_file(tf: TextFile, *, strict: bool = True) -> EnvFile:
    """Parse a decoded file. With ``strict`` (every command but ``check``), what ``check``
    reports as an error (E001, E003, E101, E102) is an :class:`InputError`; without, a
    dependency that does not parse is a ``problem``. One parser, one verdict.

    Only ``environment.yml``: :func:`envtool.locks.read_env` reads lock and explicit files too.
    """
    env = parse(tf.text, tf.source)
    return env.validate() if strict else env


def parse(text: str, source: str = "<string>") -> EnvFile:
    """Parse environment-file text (already decoded, BOM removed)."""
    return parse_node(compose(text, source), source, consume=True)


def parse_node(root: Any, source: str, *, consume: bool = False) -> EnvFile:
    """The environment file in a node tree from :func:`compose` (None: an empty file).

    With ``consume``, the caller is done with the tree: the dependency items are let go as the
    model takes them (when the fast composer built it: libyaml's may share nodes between
    aliases), so the tree and the model are not both whole at once.
    """
    from envtool.files import fastyaml

    consume = consume and isinstance(root, fastyaml.MappingNode)
    if root is None:
        raise InputError(source, "empty file: expected a mapping with a 'dependencies' list")
    if root.id != "mapping":
        kind = {"sequence": "a list", "scalar": "a single value"}.get(root.id, root.id)
        raise InputError(
            source, f"expected a mapping at the top level, found {kind}", node_line(root)
        )
    budget = _Budget(source)
    fields: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    extra: dict[str, Any] = {}
    for key_node, value_node in root.value:
        if key_node.id != "scalar":
            raise InputError(source, "top-level keys must be plain names", node_line(key_node))
        key = key_node.value
        if key in key_lines:
            raise InputError(
                source,
                f"duplicate key {key!r} (first on line {key_lines[key]})",
                node_line(key_node),
            )
        key_lines[key] = node_line(key_node)
        if key in KNOWN_KEYS:
            fields[key] = value_node
        else:
            extra[key] = _plain(value_node, budget)

    name = _scalar_or_none(fields.get("name"), "name", source)
    prefix = _scalar_or_none(fields.get("prefix"), "prefix", source)
    channels = tuple(_scalar_list(fields.get("channels"), "channels", source))
    variables = _variables(fields.get("variables"), source)
    conda, pip = _dependencies(fields.get("dependencies"), source, consume)
    return EnvFile(
        name=name,
        channels=channels,
        conda=conda,
        pip=pip,
        variables=variables,
        prefix=prefix,
        extra=extra,
        has_dependencies="dependencies" in fields,
        source=source,
        key_lines=key_lines,
    )


def compose(text: str, source: str) -> Any:
    """The YAML node tree of ``text`` (base schema, no tags), or None for an empty document."""
    from envtool.files import fastyaml

    _reject_conflict_markers(text, source)
    _reject_ambiguous_text(text, source)
    fast = fastyaml.compose(text)  # the plain subset every export is written in; else libyaml
    if not isinstance(fast, fastyaml.Unsure):
        return fast
    import yaml

    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except RecursionError as exc:
        raise InputError(source, "YAML nested too deeply") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc) or "but found another document" in str(exc):
            problem = "more than one YAML document in the file"
        raise InputError(
            source, f"invalid YAML: {problem}", mark.line + 1 if mark else None
        ) from exc
    except yaml.YAMLError as exc:
        raise InputError(source, f"invalid YAML: {str(exc).splitlines()[0]}") from exc
    if root is not None:
        _Tree(source).check(root)
    return root


def _reject_ambiguous_text(text: str, source: str) -> None:
    """Text YAML readers disagree on, which an edit would then place wrongly."""
    if text.startswith("\ufeff"):
        raise InputError(source, "a second byte-order mark (U+FEFF) at the start of the file", 1)
    for char, label in _AMBIGUOUS_BREAKS.items():
        at = text.find(char)
        if at >= 0:
            line = len(re.findall(r"\r\n|\r|\n", text[:at])) + 1
            raise InputError(
                source,
                f"{label}: YAML 1.1 reads it as a line break, conda's YAML 1.2 reader as text "
                "— replace it with a newline or remove it",
                line,
            )


class _Tree:
    """One walk over a composed tree: the expanded size (aliases counted each time they are
    used), nesting depth and alias cycles, so every command refuses the same files."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sizes: dict[int, tuple[int, int]] = {}  # id → (nodes, characters), expanded
        self.open: set[int] = set()
        self._scalars: list[str] = []  # each scalar written, once

    def check(self, root: Any) -> None:
        nodes, chars = 1, 0
        for key, value in root.value if root.id == "mapping" else ():
            for node in (key, value):
                n, c = self.size(node, 1)
                nodes, chars = nodes + n, chars + c
            if nodes > MAX_NODES:
                raise InputError(self.source, _TOO_MANY, node_line(key))
        written = self.sizes.values()
        repeated = nodes - 1 - len(written)  # the root is not in sizes
        if repeated > MAX_ALIASED:
            raise InputError(
                self.source,
                f"YAML aliases repeat {repeated:,} nodes (more than {MAX_ALIASED:,}): "
                "write the repeated part out, or use fewer aliases",
            )
        text = chars - sum(map(len, self._scalars))
        if text > MAX_ALIASED_CHARS:
            raise InputError(
                self.source,
                f"YAML aliases repeat {text:,} characters of text (more than "
                f"{MAX_ALIASED_CHARS:,}): write the repeated part out, or use fewer aliases",
            )

    def size(self, node: Any, depth: int) -> tuple[int, int]:
        """(nodes, characters) in ``node`` with every alias expanded (memoized: linear)."""
        key = id(node)
        known = self.sizes.get(key)
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise InputError(self.source, "YAML nested too deeply", node_line(node))
        if key in self.open:
            raise InputError(self.source, "a YAML alias refers to itself", node_line(node))
        nodes, chars = 1, 0
        if node.id == "scalar":
            chars = len(node.value)
            if chars > MAX_SCALAR:
                raise InputError(
                    self.source,
                    f"a value of {chars:,} characters (more than {MAX_SCALAR:,}): "
                    "not an environment file's",
                    node_line(node),
                )
            self._scalars.append(node.value)
        else:
            if node.id == "mapping":
                self._unique_keys(node)
            self.open.add(key)
            children = node.value if node.id == "sequence" else (x for kv in node.value for x in kv)
            for child in children:
                n, c = self.size(child, depth + 1)
                nodes, chars = nodes + n, chars + c
                if nodes > MAX_NODES:
                    raise InputError(self.source, _TOO_MANY, node_line(node))
            self.open.discard(key)
        self.sizes[key] = (nodes, chars)
        return nodes, chars

    def _unique_keys(self, node: Any) -> None:
        """A key written twice in one mapping is an error, as in conda's reader (ruamel)."""
        seen: dict[str, int] = {}
        for k, _ in node.value:
            if k.id != "scalar":
                continue
            if k.value in seen:
                raise InputError(
                    self.source,
                    f"duplicate key {k.value!r} (first on line {seen[k.value]})",
                    node_line(k),
                )
            seen[k.value] = node_line(k)


_TOO_MANY = f"too many YAML nodes after expanding aliases (> {MAX_NODES:,})"


def _reject_conflict_markers(text: str, source: str) -> None:
    for number, _ in conflict_markers(text):
        raise InputError(source, "unresolved merge-conflict marker", number)


CONFLICT_MARKERS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")


def conflict_markers(text: str) -> Iterator[tuple[int, str]]:
    """(line number, marker) for every line of ``text`` that is a merge-conflict marker."""
    if not any(marker in text for marker in CONFLICT_MARKERS):  # substring scans, no line loop
        return  # (anywhere, not only at a line start: splitlines() also splits at \r, \f, ...)
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        stripped = line.rstrip()
        for marker in CONFLICT_MARKERS:
            if stripped == marker or (marker != "=======" and line.startswith(marker + " ")):
                yield number, marker


def node_line(node: Any) -> int:
    """The 1-based line a YAML node starts on."""
    line = getattr(node, "lineno", None)  # a fast composer's scalar knows it without a Mark
    return int(node.start_mark.line + 1 if line is None else line)


class _Budget:
    """Counts nodes visited while expanding aliases, so a billion laughs stops early."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.left = MAX_NODES

    def spend(self, node: Any) -> None:
        self.left -= 1
        if self.left < 0:
            raise InputError(
                self.source,
                f"too many YAML nodes after expanding aliases (> {MAX_NODES})",
                node_line(node),
            )


def _plain(node: Any, budget: _Budget, depth: int = 0) -> Any:
    """Node → plain Python (str / list / dict), bounded in size and depth."""
    budget.spend(node)
    if depth > 100:
        raise InputError(budget.source, "YAML nested too deeply", node_line(node))
    if node.id == "scalar":
        return node.value
    if node.id == "sequence":
        return [_plain(item, budget, depth + 1) for item in node.value]
    return {str(_plain(k, budget, depth + 1)): _plain(v, budget, depth + 1) for k, v in node.value}


_NULL_WORDS = frozenset(("", "~", "null", "Null", "NULL"))


def is_null(node: Any) -> bool:
    """Whether a node is YAML's null (``~``, ``null``, nothing), which envfile skips."""
    return node.id == "scalar" and not node.style and node.value in _NULL_WORDS


def _scalar_or_none(node: Any, key: str, source: str) -> str | None:
    if node is None or is_null(node):
        return None
    if node.id != "scalar":
        raise InputError(source, f"'{key}' must be a single value", node_line(node))
    return str(node.value)


def _scalar_list(node: Any, key: str, source: str) -> Iterator[str]:
    if node is None or is_null(node):
        return
    if node.id != "sequence":
        raise InputError(source, f"'{key}' must be a list", node_line(node))
    for item in node.value:
        if item.id != "scalar":
            raise InputError(source, f"'{key}' items must be single values", node_line(item))
        if not is_null(item):
            yield str(item.value)


def _variables(node: Any, source: str) -> dict[str, str]:
    if node is None or is_null(node):
        return {}
    if node.id != "mapping":
        raise InputError(source, "'variables' must be a mapping of NAME: value", node_line(node))
    out: dict[str, str] = {}
    for k, v in node.value:
        if k.id != "scalar" or v.id != "scalar":
            raise InputError(source, "'variables' values must be single values", node_line(k))
        out[str(k.value)] = "" if is_null(v) else str(v.value)
    return out


def _dependencies(
    node: Any, source: str, consume: bool
) -> tuple[tuple[CondaDep, ...], tuple[PipDep, ...] | None]:
    if node is None or is_null(node):
        return (), None
    if node.id != "sequence":
        raise InputError(source, "'dependencies' must be a list", node_line(node))
    conda: list[CondaDep] = []
    append = conda.append
    pip: list[PipDep] | None = None
    items = node.value
    bare = PLAIN_BARE_SPEC.fullmatch
    later, new, small = _LATER, _NEW, _SMALL_INT
    set_text, set_spec, set_problem, set_line, set_path = _SETTERS
    from envtool.files.fastyaml import ScalarNode as plain_node  # (not QuotedNode: style "")

    for index, item in enumerate(items):
        if consume:
            items[index] = None  # the model keeps what it needs of the node; let it go
        if item.__class__ is plain_node:  # the fast composer's plain scalar (every export's)
            text, line = item.value, item.lineno
            if text in _NULL_WORDS:
                continue
        elif item.id == "scalar":
            text = item.value
            if not item.style and text in _NULL_WORDS:
                continue
            lineno = getattr(item, "lineno", None)  # node_line(item), inlined
            line = item.start_mark.line + 1 if lineno is None else lineno
        else:
            text = None
        if text is not None:
            if ":" in text or bare(text) is None:  # parsed now: a channel, spaces, rattler's
                append(_read_dep(text, line, index))
                continue
            # A bare plain spec: it parses (read when asked); no int for its path.
            dep = new(CondaDep)
            set_text(dep, text)
            set_spec(dep, later)
            set_problem(dep, None)
            set_line(dep, line)
            delta = line - index
            set_path(dep, delta if 0 <= delta <= small else ("dependencies", index))
            append(dep)
        elif item.id == "mapping":
            path: Path_ = ("dependencies", index)
            for k, v in item.value:
                if k.id != "scalar" or k.value != "pip":
                    raise InputError(
                        source,
                        f"unsupported dependency section {getattr(k, 'value', '?')!r} "
                        "(only 'pip:' may nest under dependencies)",
                        node_line(k),
                    )
                pip = pip if pip is not None else []
                if is_null(v):
                    continue
                if v.id != "sequence":
                    raise InputError(
                        source, "'pip' must be a list of requirement lines", node_line(v)
                    )
                for pindex, pitem in enumerate(v.value):
                    if pitem.id != "scalar":
                        raise InputError(
                            source, "pip lines must be single values", node_line(pitem)
                        )
                    if not is_null(pitem):
                        pip.append(
                            make_pip_dep(str(pitem.value), node_line(pitem), (*path, "pip", pindex))
                        )
        else:
            raise InputError(
                source, "dependency items must be specs or a 'pip:' list", node_line(item)
            )
    return tuple(conda), (tuple(pip) if pip is not None else None)


def make_conda_dep(text: str, line: int | None = None, path: Path_ = ()) -> CondaDep:
    try:
        return CondaDep(text, parse_conda(text), None, line, path)
    except SpecError as exc:
        return CondaDep(text, None, str(exc), line, path)


def make_pip_dep(text: str, line: int | None = None, path: Path_ = ()) -> PipDep:
    try:
        return PipDep(text, parse_pip(text), None, line, path)
    except SpecError as exc:
        return PipDep(text, None, str(exc), line, path)


# ----------------------------------------------------------------------------------- dumping


def to_data(env: EnvFile) -> dict[str, Any]:
    """The plain mapping conda exports, keys in conda's order."""
    data: dict[str, Any] = {}
    if env.name is not None:
        data["name"] = env.name
    if env.channels:
        data["channels"] = list(env.channels)
    deps: list[Any] = [d.text for d in env.conda]
    if env.pip is not None:
        deps.append({"pip": [p.text for p in env.pip]})
    data["dependencies"] = deps
    if env.variables:
        data["variables"] = dict(env.variables)
    data.update(env.extra)
    if env.prefix is not None:
        data["prefix"] = env.prefix
    return data


def dump_yaml(env: EnvFile) -> str:
    """YAML exactly as ``conda env export`` writes it."""
    return dump_data_yaml(to_data(env))


def dump_data_yaml(data: dict[str, Any]) -> str:
    plain = _dump_plain(data)
    if plain is not None:
        return plain
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, offset=2, sequence=4)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


# Scalars ruamel writes as they are: a letter, "_" or "/" first; no space, quote, "#" or "!";
# no ":" at the end (file:///x is plain); no word YAML reads as a boolean or null.
_PLAIN_SCALAR = r"[A-Za-z_/][A-Za-z0-9_.=*+/<>,:-]*(?<!:)"  # compiled when first dumped
_WIDTH = 81  # ruamel's line width (80), plus the newline
_NOT_PLAIN = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null"})


def _plain_word(text: object) -> bool:
    return (
        isinstance(text, str)
        and re.fullmatch(_PLAIN_SCALAR, text) is not None
        and text.lower() not in _NOT_PLAIN
    )


def _dump_plain(data: dict[str, Any]) -> str | None:
    """What ruamel writes for ``data`` when every scalar is a plain word (an export's usual
    content), without importing ruamel; None when anything else is there.
    ``tests/test_envfile.py`` checks both write the same bytes."""
    out: list[str] = []
    for key, value in data.items():
        if not _plain_word(key):
            return None
        if isinstance(value, str):
            if not _plain_word(value):
                return None
            out.append(f"{key}: {value}\n")
            if len(out[-1]) > _WIDTH:  # ruamel folds a longer line
                return None
        elif isinstance(value, list) and value:
            out.append(f"{key}:\n")
            for item in value:
                if _plain_word(item):
                    out.append(f"  - {item}\n")
                    continue
                if not (isinstance(item, dict) and list(item) == ["pip"]):
                    return None
                pip = item["pip"]
                if not (isinstance(pip, list) and pip and all(_plain_word(p) for p in pip)):
                    return None
                out.append("  - pip:\n")
                out.extend(f"      - {p}\n" for p in pip)
        elif isinstance(value, dict) and value:
            out.append(f"{key}:\n")
            for k, v in value.items():
                if not (_plain_word(k) and _plain_word(v)):
                    return None
                out.append(f"  {k}: {v}\n")
                if len(out[-1]) > _WIDTH:
                    return None
        else:
            return None
    return "".join(out)


def dump_json(env: EnvFile) -> str:
    """JSON exactly as ``conda env export --json`` writes it."""
    import json

    return json.dumps(to_data(env), indent=2) + "\n"
