"""Compare :mod:`envtool.files.fastyaml`'s node tree with libyaml's, node by node.

Used by ``tests/test_fastyaml.py`` and by ``tests/fuzzkit.check_input`` (every fuzzed input).
"""

from __future__ import annotations

from typing import Any


def _marks(node: Any) -> tuple[int, ...]:
    s, e = node.start_mark, node.end_mark
    return (s.line, s.column, s.index, e.line, e.column, e.index)


def _walk(node: Any, path: str, out: list[str]) -> None:
    out.append(f"{path} {node.id} {node.tag} {_marks(node)}")
    if node.id == "scalar":
        out.append(f"{path} = {node.value!r} style {node.style!r}")
    elif node.id == "sequence":
        out.append(f"{path} flow {node.flow_style!r} len {len(node.value)}")
        for i, item in enumerate(node.value):
            _walk(item, f"{path}/{i}", out)
    else:
        out.append(f"{path} flow {node.flow_style!r} len {len(node.value)}")
        for i, (key, value) in enumerate(node.value):
            _walk(key, f"{path}/{i}k", out)
            _walk(value, f"{path}/{i}v", out)


def dump(node: Any) -> list[str]:
    """Every fact of a tree the rest of envtool may read, one line each."""
    out: list[str] = []
    if node is None:
        return ["<empty>"]
    _walk(node, "", out)
    return out


def fast_vs_libyaml(text: str) -> str | None:
    """None when the fast composer declines ``text`` or builds libyaml's very tree; else the
    first difference. (libyaml's errors on a text the fast composer took count as one.)"""
    import yaml

    from envtool.files import fastyaml

    fast = fastyaml.compose(text)
    if isinstance(fast, fastyaml.Unsure):
        return None
    try:
        slow = yaml.compose(text, Loader=yaml.CBaseLoader)
    except yaml.YAMLError as exc:
        return f"fast composer took a text libyaml refuses: {str(exc).splitlines()[0]}"
    a, b = dump(fast), dump(slow)
    for x, y in zip(a, b, strict=False):
        if x != y:
            return f"fast {x!r} != libyaml {y!r}"
    if len(a) != len(b):
        return f"fast tree has {len(a)} facts, libyaml's {len(b)}"
    return None
