"""A fast composer for the plain subset of YAML that environment files are written in.

Every export and most hand-written files use a tiny, strict subset of YAML: ``key: value`` and
``key:`` lines, ``  - item`` lines, one ``  - pip:`` with nested ``- item`` lines, a mapping of
``NAME: value`` lines, full-line and trailing comments, blank lines. :func:`compose` reads
exactly that subset line by line and returns the node tree libyaml's composer would (pyyaml's
``CBaseLoader``): the same ``id``, ``tag``, ``value`` and ``style`` on every node, the same
``start_mark``/``end_mark`` (``line``, ``column``, ``index``), in light objects that take a
fraction of the time and memory. Anything else — a quote, a flow collection, a block scalar,
an anchor, a tag, a tab, a non-ASCII character, a plain scalar whose reading is not certain,
any indentation it does not expect — returns :data:`UNSURE`, and the caller composes with
libyaml. ``tests/test_fastyaml.py`` and the fuzzer compare both trees on every input.
"""

from __future__ import annotations

import re
from array import array
from typing import Final

STR_TAG: Final = "tag:yaml.org,2002:str"
SEQ_TAG: Final = "tag:yaml.org,2002:seq"
MAP_TAG: Final = "tag:yaml.org,2002:map"


class Unsure:
    """The answer when the text is outside the subset: compose it with libyaml."""

    __slots__ = ()


UNSURE: Final = Unsure()


class Mark:
    """A position, as pyyaml's ``Mark``: 0-based ``line`` and ``column``, character ``index``."""

    __slots__ = ("column", "index", "line")
    name = "<unicode string>"
    buffer = None
    pointer = None

    def __init__(self, line: int, column: int, index: int) -> None:
        self.line, self.column, self.index = line, column, index

    def __repr__(self) -> str:
        return f"Mark({self.line}, {self.column}, {self.index})"


class LineStarts:
    """Where each line of a text starts, found when first asked: a list item's node asks it its
    index (only an edit or a test reads marks) instead of keeping an int of its own (~30 bytes
    an item of a 100,000-line file, freed too late to be reused)."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: array[int] | None = None

    def index(self, line: int, column: int) -> int:
        """The character index of 0-based ``line`` and ``column``."""
        if self._starts is None:
            self._starts = array("Q", [0])
            self._starts.extend(m.end() for m in re.finditer("\n", self._text))
        return self._starts[line] + column


class ScalarNode:
    """A plain scalar on one line: its end is its start plus its length."""

    __slots__ = ("_column", "_index", "lineno", "value")
    id = "scalar"
    tag = STR_TAG
    style = ""  # plain, as libyaml reports it

    def __init__(self, value: str, line: int, column: int, index: int | LineStarts) -> None:
        self.value = value
        # 1-based: what envfile.node_line reads without making a Mark, and a dependency keeps
        # (one int for both)
        self.lineno = line + 1
        self._column = column
        self._index = index  # the start's character index, or the text's LineStarts

    @property
    def index(self) -> int:
        """The character index it starts at."""
        index = self._index
        if isinstance(index, LineStarts):
            return index.index(self.lineno - 1, self._column)
        return index

    @property
    def start_mark(self) -> Mark:
        return Mark(self.lineno - 1, self._column, self.index)

    @property
    def end_mark(self) -> Mark:
        n = len(self.value)
        return Mark(self.lineno - 1, self._column + n, self.index + n)


class QuotedNode(ScalarNode):
    """A single- or double-quoted scalar on one line, with no escapes or quotes inside."""

    __slots__ = ("style",)  # an instance's quote, where plain scalars share ""

    def __init__(self, value: str, line: int, column: int, index: int, style: str) -> None:
        super().__init__(value, line, column, index)
        self.style = style

    @property
    def end_mark(self) -> Mark:
        n = len(self.value) + 2
        return Mark(self.lineno - 1, self._column + n, self.index + n)


class SequenceNode:
    """A block sequence; ``value`` is the list of its items."""

    __slots__ = ("end_mark", "start_mark", "value")
    id = "sequence"
    tag = SEQ_TAG
    flow_style = False

    def __init__(self, value: list[Node], start_mark: Mark, end_mark: Mark) -> None:
        self.value, self.start_mark, self.end_mark = value, start_mark, end_mark


class MappingNode:
    """A block mapping; ``value`` is the list of its (key, value) pairs."""

    __slots__ = ("end_mark", "start_mark", "value")
    id = "mapping"
    tag = MAP_TAG
    flow_style = False

    def __init__(
        self, value: list[tuple[ScalarNode, Node]], start_mark: Mark, end_mark: Mark
    ) -> None:
        self.value, self.start_mark, self.end_mark = value, start_mark, end_mark


Node = ScalarNode | SequenceNode | MappingNode

# The characters the subset may hold: printable ASCII and line breaks (no tab, no control, no
# DEL). bytes.translate deletes them in one C pass, 5x faster than a regex search.
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\n\r"
# A key: a plain name, its colon, then spaces or the end of the line.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):(?: +|$)")
# A plain scalar's first character whose reading is certain (no YAML indicator); "-" is
# allowed separately when a non-space follows it.
_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./~$^+=<(\\")


# A quoted scalar with nothing to unescape, then spaces or a comment.
_QUOTED = re.compile(r"""(["'])([^"'\\]*)\1(?: *| +#.*)""")


def _scalar(rest: str, line: int, column: int, index: int) -> ScalarNode:
    """The scalar ``rest`` (a line's remainder from ``column``, not empty, not a comment)
    holds, plain or quoted; raises :class:`_Outside` when its reading is not certain."""
    if rest[0] in "\"'":
        m = _QUOTED.fullmatch(rest)
        if m is None:
            raise _Outside
        return QuotedNode(m.group(2), line, column, index, m.group(1))
    text = _plain(rest)
    if text is None:
        raise _Outside
    return ScalarNode(text, line, column, index)


def _plain(rest: str) -> str | None:
    """The plain scalar that ``rest`` (a line's remainder, not empty, not a comment) holds,
    its trailing comment and spaces dropped; None when its reading is not certain."""
    cut = rest.find(" #")
    if cut >= 0:
        rest = rest[:cut]
    rest = rest.rstrip(" ")
    first = rest[0]
    if first not in _FIRST and not (first == "-" and len(rest) > 1 and rest[1] != " "):
        return None
    if rest[-1] == ":" or ": " in rest:
        return None
    return rest


class _Scan:
    """A cursor on the next line of the text that holds something. Lines are found in the text
    as they are reached (no list of lines: on a 100,000-line file that list alone was the size
    of the finished model)."""

    def __init__(self, text: str, crlf: bool) -> None:
        self.text = text
        self.crlf = int(crlf)  # a line's content ends one character before its "\n"
        self.n_lines = text.count("\n") + 1
        self.i = 0  # the current line
        self.pos = 0  # the index of its first character
        self.following = 0  # the index of the next line's first character
        self.indent = 0  # the current line's indentation
        self.body = ""  # the current line without it
        self.eof = False
        n_breaks = self.n_lines - 1
        end_line = n_breaks if text.endswith("\n") or not text else n_breaks + 1
        self.end = Mark(end_line, 0, len(text))  # libyaml ends on a new line
        self.nodes = 0
        self.starts = LineStarts(text)  # shared by the list items' nodes

    def next(self) -> None:
        """Move past the current line to the next one that is not blank or a comment."""
        self.pos = self.following
        self.i += 1
        self.settle()

    def settle(self) -> None:
        """Stay on the current line if it holds something, else move to the next that does."""
        text, i, pos, n, crlf = self.text, self.i, self.pos, self.n_lines, self.crlf
        find = text.find
        while i < n:
            cut = find("\n", pos)
            end = len(text) if cut < 0 else cut - crlf
            if end - pos > _MAX_LINE:
                raise _Outside  # a value that long: libyaml's path gives the error
            line = text[pos:end]
            body = line.lstrip(" ")
            if body and body[0] != "#":
                self.i, self.pos, self.body = i, pos, body
                self.following = cut + 1 if cut >= 0 else len(text)
                self.indent = len(line) - len(body)
                return
            pos = cut + 1 if cut >= 0 else len(text)
            i += 1
        self.i, self.pos, self.eof = i, pos, True

    def mark(self) -> Mark:
        """Where the current line's content starts (libyaml's next token), or the stream end."""
        return self.end if self.eof else Mark(self.i, self.indent, self.pos + self.indent)


def compose(text: str) -> Node | Unsure | None:
    """The node tree of ``text`` (None: an empty document), or :data:`UNSURE`."""
    if not text.isascii() or text.encode("ascii").translate(None, _PRINTABLE):
        return UNSURE
    crlf = "\r" in text
    if crlf and not text.count("\r") == text.count("\r\n") == text.count("\n"):
        return UNSURE  # a lone CR, or mixed line ends
    scan = _Scan(text, crlf)
    last_line = text[text.rfind("\n") + 1 :]
    last = last_line.lstrip(" ")
    if last_line and (not last or last[0] == "#"):
        return UNSURE  # libyaml closes blocks deeper than where such a last line ends there
    try:  # (a line longer than _MAX_LINE is outside too: _Scan measures each)
        root = _document(scan)
    except _Outside:
        return UNSURE
    if scan.nodes > _MAX_NODES:
        return UNSURE
    return root


_MAX_LINE = 100_000  # envfile.MAX_SCALAR; longer lines take libyaml's path (and its error)
_MAX_NODES = 190_000  # below envfile.MAX_NODES, so its error comes from libyaml's path


class _Outside(Exception):
    """The text leaves the subset."""


def _document(scan: _Scan) -> MappingNode | None:
    scan.settle()
    if scan.body.rstrip(" ") == "---" and scan.indent == 0:
        scan.next()  # an explicit start of the (one) document
        if scan.eof:
            raise _Outside  # libyaml: an empty scalar
    if scan.eof:
        return None
    if scan.indent != 0:
        raise _Outside
    start = scan.mark()
    pairs: list[tuple[ScalarNode, Node]] = []
    while not scan.eof:
        if scan.indent != 0:
            raise _Outside
        key, value = _key_value(scan, 0)
        pairs.append((key, value))
    scan.nodes += 1
    return MappingNode(pairs, start, scan.end)


def _key_value(scan: _Scan, indent: int) -> tuple[ScalarNode, Node]:
    """The ``key: value`` or ``key:`` and the block under it that ``scan.body`` starts with,
    the key at column ``indent``; leaves the scan on the next line after it."""
    body, line, at = scan.body, scan.i, scan.pos + indent
    m = _KEY.match(body)
    if m is None:
        raise _Outside
    name = m.group(1)
    key = ScalarNode(name, line, indent, at)
    rest = body[m.end() :]
    scan.nodes += 2
    if rest and rest[0] != "#":
        column = indent + m.end()
        value = _scalar(rest, line, column, scan.pos + column)
        scan.next()
        if not scan.eof and scan.indent > indent:
            raise _Outside  # a continuation line, or a block under a scalar
        return key, value
    empty = ScalarNode("", line, indent + len(name) + 1, at + len(name) + 1)  # after the colon
    scan.next()
    if scan.eof or scan.indent < indent:
        return key, empty
    if scan.indent == indent:
        if scan.body[:2] == "- ":
            return key, _sequence(scan, indent, indent)  # an indentless sequence
        return key, empty  # the mapping's next key
    if scan.body[:2] == "- ":
        return key, _sequence(scan, scan.indent, indent)
    if indent == 0:
        return key, _scalar_mapping(scan, scan.indent)
    raise _Outside


def _scalar_mapping(scan: _Scan, indent: int) -> MappingNode:
    """``NAME: value`` lines at ``indent`` (``variables:``); values are plain scalars."""
    start = scan.mark()
    pairs: list[tuple[ScalarNode, Node]] = []
    names: set[str] = set()
    while not scan.eof and scan.indent == indent:
        key, value = _key_value(scan, indent)
        if value.id != "scalar" or key.value in names:
            raise _Outside  # a duplicate key: libyaml's path gives envfile's error
        names.add(key.value)
        pairs.append((key, value))
    if not scan.eof and scan.indent != 0:
        raise _Outside
    scan.nodes += 1
    return MappingNode(pairs, start, scan.mark())


def _sequence(scan: _Scan, indent: int, parent: int) -> SequenceNode:
    """``- item`` lines at ``indent``, inside a mapping at column ``parent``; items are plain
    scalars or, in a top-level key's sequence, a one-key mapping (``- pip:`` and its list)."""
    start = scan.mark()
    items: list[Node] = []
    text, crlf, find = scan.text, scan.crlf, scan.text.find
    size = len(text)
    prefix = " " * indent + "- "
    width = len(prefix)
    first = _FIRST
    starts = scan.starts
    while True:
        # The common line first: "- word" at this indent, the next line another such item.
        i, pos = scan.i, scan.pos
        while text.startswith(prefix, pos):
            cut = find("\n", pos)
            end = size if cut < 0 else cut - crlf
            if end - pos > _MAX_LINE:
                break  # (settle() then refuses a line that long)
            # A plain scalar with no space or colon (an export's every line) is certain as it
            # is: a first character in _FIRST, then (compose() let through printable ASCII
            # only) anything but a space or a colon. Three C calls, no regex.
            value = text[pos + width : end]
            if not value or value[0] not in first or " " in value or ":" in value:
                break
            items.append(ScalarNode(value, i, width, starts))
            i += 1
            if cut < 0:
                break  # the last line
            pos = cut + 1
        if i != scan.i:
            scan.i, scan.pos = i, pos
            scan.settle()
            if scan.eof or scan.indent != indent or scan.body[:2] != "- ":
                if not scan.eof and scan.indent > indent:
                    raise _Outside  # a continuation line, or a block under a scalar item
                if not scan.eof and scan.indent == indent and indent != parent:
                    raise _Outside
                break
        body = scan.body
        if body[:2] != "- ":
            raise _Outside
        rest = body[2:].lstrip(" ")
        if not rest or rest[0] == "#":
            raise _Outside  # an empty item, or one whose content starts on the next line
        column = indent + len(body) - len(rest)
        if parent == 0 and _KEY.match(rest) is not None:
            items.append(_item_mapping(scan, indent, column, rest))
        else:
            items.append(_scalar(rest, scan.i, column, scan.pos + column))
            scan.next()
        if scan.eof or scan.indent < indent:
            break
        if scan.indent > indent:
            raise _Outside  # a continuation line, or a block under a scalar item
        if scan.body[:2] != "- ":
            if indent == parent:  # an indentless sequence ends at its mapping's next key
                break
            raise _Outside
    if not scan.eof and scan.indent > parent:
        raise _Outside
    scan.nodes += 1 + len(items)
    return SequenceNode(items, start, scan.mark())


def _item_mapping(scan: _Scan, item_indent: int, column: int, rest: str) -> MappingNode:
    """``- pip:`` and the list under it: a one-key mapping at ``column``."""
    start = Mark(scan.i, column, scan.pos + column)
    scan.body = rest
    key, value = _key_value(scan, column)
    if not scan.eof and scan.indent > item_indent:
        raise _Outside  # a second key, or anything else inside the item
    scan.nodes += 1
    return MappingNode([(key, value)], start, scan.mark())
