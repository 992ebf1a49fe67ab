"""Byte-preserving edits of an existing YAML file.

An edit replaces the exact character span of a node taken from the parser's positions, so
every byte outside it — comments, quoting, indentation, flow style, CRLF line ends — survives.
Deleting an item of a block list removes its whole line(s); items of a flow list (``[a, b]``)
are re-joined inside the brackets. Operations address nodes by path: ``("name",)``,
``("dependencies", 3)``, ``("dependencies", 7, "pip", 0)``.

Positions come from the parser: an alias (``*a``) is a place of its own, so editing it edits
that place, not the anchored node it repeats. A text with no alias in it reuses the tree the
caller composed already (one parse); one with aliases is read again as parser events. An edit
that removes an anchor still used elsewhere inlines the anchored value at each alias (a single
value), or is refused (a list or mapping). A block scalar (``|``, ``>``) keeps its line break;
CR, LF and CRLF line ends are all lines. The text must have passed
:func:`envtool.files.envfile.parse` (every command validates before it edits).

:func:`edit` also says whether every edit is *local*: a plain single-line item of a block list
replaced by a plain single-line value, a single-line item or top-level ``key: value`` line
removed, with every other byte kept. For such edits the output is proven to read back as the
input with exactly those items changed, without parsing it again (see :class:`Edited`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from envtool.errors import InputError

PathT = tuple[str | int, ...]


@dataclass(frozen=True, init=False)
class SetScalar:
    """Replace the value at ``path`` (a scalar) with ``value``, keeping its quote style."""

    path: PathT
    value: str

    def __init__(self, path: PathT, value: str) -> None:
        # One op a line in a prune: the fields in one step (a frozen dataclass's own
        # __init__ sets each through object.__setattr__, several times slower).
        self.__dict__.update(path=path, value=value)


@dataclass(frozen=True, init=False)
class DeleteItem:
    """Delete the list item at ``path``."""

    path: PathT

    def __init__(self, path: PathT) -> None:
        self.__dict__["path"] = path  # as SetScalar


@dataclass(frozen=True)
class DeleteKey:
    """Delete a top-level key and its value."""

    key: str


@dataclass(frozen=True)
class SetKey:
    """Set top-level ``key`` to a scalar: replace it if present, else insert it first."""

    key: str
    value: str


@dataclass(frozen=True)
class SetList:
    """Replace the items of the top-level list ``key`` (creating the key after ``after``)."""

    key: str
    items: tuple[str, ...]
    after: str | None = None


@dataclass(frozen=True)
class SetItems:
    """Replace items of the list at ``path``, each as :class:`SetScalar` would: ``values``
    maps an item's index to its new value (one op for a whole list of rewritten lines)."""

    path: PathT
    values: Mapping[int, str]


Op = SetScalar | SetItems | DeleteItem | DeleteKey | SetKey | SetList


_Span = tuple[int, int, str]  # (start, end, new text): text[start:end] becomes the new text


class _Node:
    """A node where it is written: an alias is a node of its own that points at its anchor."""

    __slots__ = ("anchor", "end_mark", "flow_style", "id", "start_mark", "style", "target", "value")

    def __init__(self, kind: str, start_mark: Any, anchor: str | None) -> None:
        self.id = kind  # "scalar", "sequence", "mapping" or "alias"
        self.start_mark = start_mark  # the parser's marks, as a composed node has them
        self.end_mark = start_mark
        self.anchor = anchor
        self.value: Any = None
        self.style: str | None = None
        self.flow_style = False
        self.target: _Node | None = None  # an alias's anchored node


def _compose(text: str, source: str) -> tuple[_Node | None, list[_Node], set[int]]:
    """The node tree of ``text`` from parser events, every alias in it, and where each block
    scalar that keeps its trailing blank lines (``|+``, ``>+``) ends."""
    import yaml

    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    ev = yaml.events
    root: _Node | None = None
    stack: list[_Node] = []
    anchors: dict[str, _Node] = {}
    aliases: list[_Node] = []
    keep_ends: set[int] = set()
    pending: list[_Node | None] = []  # per open mapping: a key waiting for its value

    def add(node: _Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        if parent.id == "sequence":
            parent.value.append(node)
        elif pending[-1] is None:
            pending[-1] = node
        else:
            parent.value.append((pending[-1], node))
            pending[-1] = None

    try:
        event: Any
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, ev.ScalarEvent):
                node = _Node("scalar", event.start_mark, event.anchor)
                node.value, node.style = event.value, event.style
                node.end_mark = event.end_mark
                start, end = _start(node), _end(node)
                header = _BREAK.search(text, start, end)
                header_end = end if header is None else header.start()
                if node.style in ("|", ">") and _KEEP.search(text, start, header_end):
                    keep_ends.add(end)
            elif isinstance(event, ev.AliasEvent):
                node = _Node("alias", event.start_mark, None)
                node.end_mark = event.end_mark
                node.target = anchors.get(event.anchor or "")
                node.value = event.anchor
                aliases.append(node)
            elif isinstance(event, (ev.SequenceStartEvent, ev.MappingStartEvent)):
                kind = "sequence" if isinstance(event, ev.SequenceStartEvent) else "mapping"
                node = _Node(kind, event.start_mark, event.anchor)
                node.value, node.flow_style = [], bool(event.flow_style)
                add(node)
                stack.append(node)
                pending.append(None)
                continue
            elif isinstance(event, (ev.SequenceEndEvent, ev.MappingEndEvent)):
                done = stack.pop()
                pending.pop()
                done.end_mark = event.end_mark
                if done.anchor:
                    anchors[done.anchor] = done
                continue
            else:
                continue
            add(node)
            if node.anchor:
                anchors[node.anchor] = node
    except yaml.YAMLError as exc:  # pragma: no cover - callers parse (and so validate) first
        raise InputError(source, f"invalid YAML: {str(exc).splitlines()[0]}") from exc
    return root, aliases, keep_ends


def _start(node: Any) -> int:
    return int(node.start_mark.index)


def _end(node: Any) -> int:
    return int(node.end_mark.index)


# Where an alias token can begin: at the start, after white space or a flow indicator, or after
# ":" (a flow mapping's value). A "*" anywhere else is text (``python=3.11.*``, ``=*cuda*``).
_MAY_ALIAS = re.compile(r"(?:\A|[\s\[\]{},:?-])\*")


def _may_alias_or_keep(text: str) -> bool:
    """Might ``text`` hold an alias or a kept block scalar (``|+``)? Both need the parser's
    events (see :class:`Document`); an export has neither, and two scans of the text say so."""
    if "*" in text and _MAY_ALIAS.search(text) is not None:
        return True
    return "+" in text and _KEEP.search(text) is not None


_BREAK = re.compile(r"\r\n?|\n")
# A block scalar header with the keep indicator, as the parser's span of the scalar starts
# (after any anchor or tag): `|+`, `>+`, `|2+`, `>+2`.
_KEEP = re.compile(r"(?<![^ \t\r\n])[|>](?:[1-9]?\+|\+[1-9]?)(?=[ \t\r\n#]|$)")
# Whole lines of nothing but spaces and tabs.
_BLANK_LINES = re.compile(r"(?:[ \t]*(?:\r\n?|\n))*(?:[ \t]+$)?")


class Document:
    """A YAML text and its node tree, for computing edits."""

    def __init__(self, text: str, source: str = "<string>", root: Any = None) -> None:
        """``root``: the tree :func:`envtool.files.envfile.compose` made of ``text``, used when
        ``text`` has no alias and no kept block scalar (a composed tree folds an alias into its
        anchored node, and the edits need it as a place of its own, and where each ``|+``
        ends); else ``text`` is read again as parser events."""
        self.text = text
        self.source = source
        self.aliases: list[_Node]
        self.keep_ends: set[int]
        if root is not None and not _may_alias_or_keep(text):
            self.aliases, self.keep_ends = [], set()
        else:
            root, self.aliases, self.keep_ends = _compose(text, source)
        if root is None or root.id != "mapping":
            raise InputError(source, "expected a mapping at the top level")
        self.root = root
        if self.root.flow_style:
            raise InputError(source, "cannot edit a flow-style ({...}) file in place")
        self.newline = _newline(text)
        # Whether every edit made so far is local (see the module docstring and Edited); a
        # kept block scalar (|+) takes blank lines below a removed line into its value.
        self.local = not self.aliases and not self.keep_ends

    # ------------------------------------------------------------------ lookups
    def key_node(self, key: str) -> tuple[Any, Any] | None:
        for k, v in self.root.value:
            if k.id == "scalar" and k.value == key:
                return k, v
        return None

    def node(self, path: PathT, *, container: bool = False) -> Any:
        """The node at ``path``; ``container``: one whose items are edited, so not an alias."""
        node = self.root
        for depth, part in enumerate((*path, None) if container else path):
            if node.id == "alias":
                raise InputError(
                    self.source,
                    f"cannot edit in place: {'/'.join(map(str, path[:depth]))} is a YAML alias "
                    f"(*{node.value}) of a list or mapping written elsewhere",
                )
            if part is None:
                break
            if isinstance(part, int):
                if node.id != "sequence" or part >= len(node.value):
                    raise KeyError(path)
                node = node.value[part]
            else:
                for k, v in node.value if node.id == "mapping" else ():
                    if k.id == "scalar" and k.value == part:
                        node = v
                        break
                else:
                    raise KeyError(path)
        return node

    def _parent(self, path: PathT) -> Any:
        return self.node(path[:-1])

    # ------------------------------------------------------------------ positions
    def _line_start(self, index: int) -> int:
        return max(self.text.rfind("\n", 0, index), self.text.rfind("\r", 0, index)) + 1

    def _line_end(self, index: int) -> int:
        """Index just past the line break of the line holding ``index`` (or end of text)."""
        found = _BREAK.search(self.text, index)
        return len(self.text) if found is None else found.end()

    def _content_end(self, node: Any) -> int:
        """Index just past the last character that belongs to ``node`` itself."""
        if node.id in ("scalar", "alias") or node.flow_style or not node.value:
            return _end(node)
        last = node.value[-1]
        if node.id == "mapping":
            k, v = last
            return max(self._content_end(k), self._content_end(v))
        return self._content_end(last)

    def _block_lines(self, first: int, node: Any) -> tuple[int, int]:
        """Whole lines from the one holding ``first`` through the last line of ``node``."""
        end = self._content_end(node)
        return self._line_start(first), self._line_end(max(end - 1, first))

    # ------------------------------------------------------------------ edits
    def set_scalar(self, path: PathT, value: str) -> _Span:
        node = self.node(path)
        if node.id not in ("scalar", "alias"):
            raise InputError(self.source, f"{'/'.join(map(str, path))} is not a single value")
        return self._replace(node, scalar_text(value, node.style, self._in_flow(path)))

    def _replace(self, node: Any, new: str) -> _Span:
        """Replace a scalar's text (with its anchor and tag); a block scalar keeps its break."""
        self._not_alias(node)
        start, end = _start(node), _end(node)
        if node.style in ("|", ">"):
            written = self.text[start:end]
            rest = written[len(written.rstrip(" \t\r\n")) :]
            found = _BREAK.search(rest)
            new += rest[found.start() :] if found else ""
        return (start, end, new)

    def delete_key(self, key: str) -> _Span | None:
        found = self.key_node(key)
        if found is None:
            return None
        k, v = found
        last = v if not _empty(v) else k
        start, end = self._block_lines(_start(k), last)
        if not (
            k.id == "scalar"
            and not k.style
            and start == _start(k)  # the key starts its line
            and v.id == "scalar"
            and len(self.root.value) > 1
            and self._one_line(_start(k), _end(last))
        ):
            self.local = False
        return (start, end, "")

    def set_key(self, key: str, value: str) -> _Span:
        found = self.key_node(key)
        if found is not None:
            k, v = found
            self._not_alias(v)
            if v.id == "scalar" and not _empty(v):
                return self.set_scalar((key,), value)
            end = self._content_end(v) if not _empty(v) else _end(k) + 1
            return (_end(k), end, ": " + scalar_text(value, None, False))
        first_key = self.root.value[0][0] if self.root.value else None
        at = self._line_start(_start(first_key)) if first_key is not None else len(self.text)
        return (at, at, f"{key}: {scalar_text(value, None, False)}{self.newline}")

    def set_list(self, key: str, items: tuple[str, ...], after: str | None) -> _Span:
        found = self.key_node(key)
        if found is None:
            anchor = self.key_node(after) if after else None
            if anchor is not None:
                at = self._line_end(self._content_end(anchor[1]) - 1)
            else:
                first = self.root.value[0][0]
                at = self._line_start(_start(first))
            return (at, at, self._render_block_list(key, items, "  "))
        k, v = found
        if v.id == "sequence" and v.flow_style:
            inner = ", ".join(scalar_text(i, None, True) for i in items)
            return (_start(v), _end(v), f"[{inner}]")
        indent = "  "
        if v.id == "sequence" and v.value:
            first_item = _start(v.value[0])
            dash = self.text.rfind("-", 0, first_item)
            indent = self.text[self._line_start(dash) : dash]
        start, end = self._block_lines(_start(k), v if not _empty(v) else k)
        key_text = self.text[start : _end(k)]
        return (start, end, self._render_block_list(key_text, items, indent))

    def _render_block_list(self, key_text: str, items: tuple[str, ...], indent: str) -> str:
        nl = self.newline
        if not items:
            return f"{key_text}: []{nl}"
        body = "".join(f"{indent}- {scalar_text(i, None, False)}{nl}" for i in items)
        return f"{key_text}:{nl}{body}"

    def _in_flow(self, path: PathT) -> bool:
        return any(
            getattr(self.node(path[:depth]), "flow_style", False) for depth in range(1, len(path))
        )

    def delete_items(
        self, seq_path: PathT, indices: set[int], replace: dict[int, str]
    ) -> list[_Span]:
        """Delete and/or replace items of one list; a flow list is re-joined as a whole."""
        seq = self.node(seq_path, container=True)
        if seq.flow_style:
            self.local = False
            texts = []
            for i, item in enumerate(seq.value):
                if i in indices:
                    continue
                if i in replace:
                    texts.append(scalar_text(replace[i], item.style, True))
                else:
                    texts.append(self.text[_start(item) : _end(item)])
            return [(_start(seq), _end(seq), "[" + ", ".join(texts) + "]")]
        if len(indices) >= len(seq.value):
            self.local = False  # the list is left empty: its key then holds null, not a list
        spans: list[_Span] = []
        text = self.text
        items = seq.value
        for i in indices:  # (in any order: _splice sorts the spans)
            item = items[i]
            start = _start(item)
            self._not_alias(item)
            dash = text.rfind("-", 0, start)
            first, end = self._block_lines(dash, item)
            if self.local and not (
                item.id == "scalar"
                and _ITEM_LEAD.fullmatch(text, first, start)
                and self._one_line(start, _end(item))
            ):
                self.local = False
            spans.append((first, end, ""))
        after = _AFTER_PLAIN
        for i, value in replace.items():
            item = items[i]
            if item.id == "scalar" and not item.style and plain_word(value):
                # A plain value for a plain value (an export's spec lines): the quick path.
                # When the text at the item's start is its value, the item is that text on one
                # line (a plain scalar over several lines reads a blank or line break where its
                # text has a line break and the next line's indent): its end needs no mark.
                # Local then (no anchor or tag; after a plain item come blanks and a comment).
                start = item.start_mark.index
                old = item.value
                if text.startswith(old, start):
                    end = start + len(old)
                    if self.local and text[end : end + 1] not in after:
                        self.local = False
                else:
                    end = item.end_mark.index
                    self.local = False
                spans.append((start, end, value))
                continue
            self.local = False
            spans.append(self._replace(item, scalar_text(value, item.style, False)))
        return spans

    def _one_line(self, start: int, end: int) -> bool:
        """Is ``text[start:end]`` on one line, followed on it by nothing but blanks and a
        comment?"""
        text = self.text
        if _BREAK.search(text, start, end) is not None:
            return False
        found = _BREAK.search(text, end)
        return (
            _LINE_TAIL.fullmatch(text, end, len(text) if found is None else found.start())
            is not None
        )

    def _not_alias(self, node: Any) -> None:
        if node.id == "alias":  # it stands for text written elsewhere: the user's to resolve
            raise InputError(
                self.source,
                "cannot edit in place: an item to change is a YAML alias (*name) of another",
            )

    def keep_aliases(self, spans: list[_Span]) -> list[_Span]:
        """Spans that keep every alias outside ``spans`` meaning what it meant, when its anchor
        is removed or replaced: the anchored value written in the alias's place."""
        if not self.aliases:
            return []

        def inside(pos: int) -> bool:
            return any(start <= pos < end for start, end, _ in spans)

        extra: list[_Span] = []
        for alias in self.aliases:
            target = alias.target
            if target is None or inside(_start(alias)) or not inside(_start(target)):
                continue
            if target.id != "scalar":
                raise InputError(
                    self.source,
                    f"cannot edit in place: the list or mapping anchored as &{target.anchor} "
                    f"goes, but the YAML alias *{alias.value} still uses it — write it out there",
                )
            style = '"' if target.style in ("|", ">") else target.style
            extra.append((_start(alias), _end(alias), scalar_text(target.value, style, True)))
        return extra


@dataclass(frozen=True)
class Edited:
    """An edited text, and whether every edit in it is *local*.

    Local (each checked on the text, not assumed): a plain scalar item of a block list written
    on one line as its value (no anchor or tag), replaced by a plain spec-like word (a letter
    or "_", or a digit with a "=" later, then letters, digits and ``_.=*+<>!:-``, no ":" last;
    no YAML 1.1 boolean or null word); an item on one line (any quoting) removed with its
    whole line, its list keeping at least one item; a top-level ``key: scalar`` line that
    starts at column 0 removed, the mapping keeping another key; and no alias and no kept
    block scalar (``|+``, which would take the blank lines below a removed line into its
    value) in the text. Every byte outside those lines is the input's, so the output reads
    back as the input with exactly those items and keys replaced or gone: a reader of the
    output needs no second parse to know what it holds.
    """

    text: str
    local: bool


def apply(text: str, ops: list[Op], source: str = "<string>", root: Any = None) -> str:
    """Apply ``ops`` to ``text`` (``root``: its node tree, if composed already); everything
    they do not touch stays byte-identical."""
    return edit(text, ops, source, root).text


def edit(text: str, ops: list[Op], source: str = "<string>", root: Any = None) -> Edited:
    """:func:`apply`, saying whether every edit was local (:class:`Edited`)."""
    if not ops:
        return Edited(text, True)
    doc = Document(text, source, root)
    spans: list[_Span] = []
    # Item edits are grouped per list, so a flow list is rewritten once.
    groups: dict[PathT, tuple[set[int], dict[int, str]]] = {}
    for op in ops:
        if isinstance(op, (SetScalar, DeleteItem)) and op.path and isinstance(op.path[-1], int):
            seq_path, index = op.path[:-1], op.path[-1]
            group = groups.get(seq_path)
            if group is None:
                group = groups[seq_path] = (set(), {})
            if isinstance(op, SetScalar):
                group[1][index] = op.value
            else:
                group[0].add(index)
        elif isinstance(op, SetItems):
            group = groups.get(op.path)
            if group is None:
                group = groups[op.path] = (set(), {})
            group[1].update(op.values)
        elif isinstance(op, DeleteItem):
            raise InputError(source, f"{'/'.join(map(str, op.path))} is not a list item")
        elif isinstance(op, SetScalar):
            doc.local = False
            spans.append(doc.set_scalar(op.path, op.value))
        elif isinstance(op, DeleteKey):
            span = doc.delete_key(op.key)
            if span is not None:
                spans.append(span)
        elif isinstance(op, SetKey):
            doc.local = False
            spans.append(doc.set_key(op.key, op.value))
        else:
            doc.local = False
            spans.append(doc.set_list(op.key, op.items, op.after))
    for seq_path, (deletes, replaces) in groups.items():
        for index in replaces.keys() & deletes:
            del replaces[index]
        spans.extend(doc.delete_items(seq_path, deletes, replaces))
    spans.extend(doc.keep_aliases(spans))
    return Edited(_splice(text, _keep_kept_scalars(text, spans, doc.keep_ends), source), doc.local)


def _keep_kept_scalars(text: str, spans: list[_Span], keep_ends: set[int]) -> list[_Span]:
    """Deletions that also take the blank lines after them when a kept block scalar (``|+``)
    comes right before: it would otherwise take those lines into its value.

    Blank lines between the deleted lines and the next node mean nothing; once the deleted
    lines are gone, a kept scalar above them reads them as its own trailing line breaks.
    """
    if not keep_ends:
        return spans
    out = []
    joined = -1  # where the output continues right after a kept scalar
    for start, end, new in sorted(spans, key=itemgetter(0, 1)):
        if not new and start < end and start in keep_ends | {joined}:
            blank = _BLANK_LINES.match(text, end)
            end = blank.end() if blank is not None else end
            joined = end
        out.append((start, end, new))
    return out


def _splice(text: str, spans: list[_Span], source: str) -> str:
    out = []
    pos = 0
    spans.sort(key=itemgetter(0, 1))
    for start, end, new in spans:
        if start < pos:  # two edits of one node: what one item says is an alias of another
            raise InputError(
                source, "cannot edit in place: an item to change is a YAML alias (*name) of another"
            )
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _empty(node: Any) -> bool:
    """Nothing written at all (``key:``): a tagged or anchored empty value is text to replace."""
    return bool(
        node.id == "scalar" and not node.style and node.value == "" and _start(node) == _end(node)
    )


def _newline(text: str) -> str:
    """The line end ``text`` uses: CRLF if any line has one, CR if every line has one."""
    if "\r\n" in text:
        return "\r\n"
    return "\r" if "\r" in text and "\n" not in text else "\n"


# What may follow an item's line lead ("  - ") and its text on that line.
_ITEM_LEAD = re.compile(r" *-[ \t]+")
_LINE_TAIL = re.compile(r"[ \t]*(?:#[^\r\n]*)?")
_AFTER_PLAIN = ("", " ", "\t", "\r", "\n")


def plain_word(value: str) -> bool:
    """A spec-like word: plain YAML that reads back as itself anywhere, for conda too."""
    return _PLAIN_WORD.fullmatch(value) is not None and value.lower() not in _NOT_PLAIN_WORDS


# No indicator first (a "*" would be an alias, "!" a tag, "@", ">" and "%" errors).
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./=<~^$()+-][^\n]*$")
# What _plain_ok accepts at a glance: a spec-like word (conda specs as exports write them).
# (A digit first only with a "=" after it: no number; a ":" inside, never last: channel::name.)
_PLAIN_WORD = re.compile(
    r"(?:[A-Za-z_][A-Za-z0-9_.=*+<>!:-]*|[0-9][A-Za-z0-9_.*+<>!:-]*=[A-Za-z0-9_.=*+<>!:-]*)(?<!:)"
)
_NOT_PLAIN_WORDS = frozenset(("null", "true", "false", "yes", "no", "on", "off", "y", "n"))
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
_NEEDS_ESCAPES = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def scalar_text(value: str, style: str | None, in_flow: bool) -> str:
    """``value`` as YAML scalar text, in the given quote style when it needs none other."""
    if not style and plain_word(value):
        return value
    if style == '"' or _NEEDS_ESCAPES.search(value):  # a line break or control character
        return _double(value)
    if style == "'" or not _plain_ok(value, in_flow):
        return "'" + value.replace("'", "''") + "'"
    return value


def _double(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _plain_ok(value: str, in_flow: bool) -> bool:
    """Would ``value`` read back as the same string, in conda's YAML 1.2 reader too?"""
    if not value or value != value.strip() or not _PLAIN_SAFE.match(value):
        return False
    if ": " in value or " #" in value or value.endswith(":") or value.startswith(("- ", "-\t")):
        return False
    if value in ("-", "~") or value.lower() in _NOT_PLAIN_WORDS:
        return False
    if re.fullmatch(
        r"[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)",
        value,
    ):
        return False
    return not (in_flow and _FLOW_UNSAFE.search(value))
