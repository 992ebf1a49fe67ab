"""Why conda, mamba or micromamba failed, in one line: from the JSON error document a tool
prints with ``--json``, else from the text of its error. Pure functions of text.

- conda prints ``CondaError.dump_map()`` (conda ``exceptions.py``): ``exception_name``,
  ``message``, and the error's own fields — ``PackagesNotFoundError`` adds ``packages`` and
  ``channel_urls``. Without ``--json``: ``ExceptionName: message``, where a message ending in
  ``:`` is followed by ``  - item`` lines.
- micromamba prints ``{"success": false, "solver_problems": [...]}`` (mamba-org/mamba#2513;
  2.8.1 adds ``log_records``), or as text ``Encountered problems while solving:`` with
  ``- problem`` lines, or ``critical libmamba message``.

A solver's explanation is a tree over many lines; :func:`one_line` flattens it with ``; ``.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict, cast

from envtool.backends.conda_json import extract_json
from envtool.errors import BackendError


class CondaErrorDoc(TypedDict, total=False):
    """conda's ``CondaError.dump_map()`` as printed with ``--json``."""

    exception_name: str
    exception_type: str
    message: str
    error: str
    packages: list[str]
    channel_urls: list[str]


class MambaErrorDoc(TypedDict, total=False):
    """micromamba's failure document."""

    success: bool
    solver_problems: list[str]
    log_records: list[Any]


_EXCEPTION_LINE = re.compile(
    r"^(?P<name>[A-Z][A-Za-z0-9]*(?:Error|Exception|NotFound|NotDetected|NotValid|Conflict|"
    r"Mismatch)):\s*(?P<message>.*)$"
)
_JSON_START = re.compile(r"^[ \t]*[\[{]", re.MULTILINE)
_TREE = re.compile(r"^[\s│├└─┬┌╰╭|`\-]+")
MAX_SUMMARY = 300


def one_line(text: str, limit: int = MAX_SUMMARY) -> str:
    """Several lines of a message as one: tree glyphs and bullets dropped, ``; `` between."""
    parts = [_TREE.sub("", line).strip().rstrip(";") for line in text.splitlines()]
    joined = "; ".join(p for p in parts if p)
    joined = re.sub(r":;\s*", ": ", joined)
    joined = re.sub(r"\s+", " ", joined).strip()
    return joined if len(joined) <= limit else joined[: limit - 1].rstrip() + "…"


def text_error(text: str) -> str | None:
    """The error in a tool's text output: conda's ``SomeError: message`` (with the ``- item``
    lines that follow a message ending in ``:``), micromamba's "problems while solving" list,
    or its ``critical libmamba ...`` line."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _EXCEPTION_LINE.match(line.strip())
        if match:
            message = match.group("message").strip()
            if message.endswith(":"):
                items = _items_after(lines, index + 1)
                if items:
                    message = f"{message} {', '.join(items)}"
            return one_line(f"{match.group('name')}: {message}")
    for index, line in enumerate(lines):
        if "problems while solving" in line:
            items = _items_after(lines, index + 1)
            if items:
                return "could not solve: " + one_line("\n".join(items))
    for line in reversed(lines):
        match = re.match(r"^\s*(?:critical|error)\s+libmamba\s+(.*)$", line)
        if match and match.group(1).strip():
            return one_line(match.group(1))
    return None


def _items_after(lines: list[str], start: int) -> list[str]:
    items: list[str] = []
    for line in lines[start:]:
        stripped = line.strip()
        if not stripped:
            if items:
                break
            continue
        if not stripped.startswith("- "):
            break
        items.append(stripped[2:].strip())
    return items


def error_summary(stdout: str, stderr: str) -> str | None:
    """One line saying why a tool failed, from its JSON error document or its text.

    None when nothing recognisable was printed (the caller then shows the last line).
    """
    for text in (stdout, stderr):
        # conda may print a notice first (``env create`` with a pip section and no ``pip``
        # dependency nags on stdout before its JSON error document)
        if _JSON_START.search(text):
            try:
                data = extract_json(text, "error")
            except BackendError:
                data = None
            if isinstance(data, dict):
                summary = _json_error(data)
                if summary:
                    return summary
    return text_error(stderr) or text_error(stdout)


def _json_error(doc: dict[str, Any]) -> str | None:
    name = doc.get("exception_name")
    if isinstance(name, str) and name:
        error = cast(CondaErrorDoc, doc)
        packages = error.get("packages")
        if "PackagesNotFound" in name and isinstance(packages, list) and packages:
            listed = ", ".join(str(p) for p in packages)
            return f"{name}: not available from the current channels: {listed}"
        message = str(error.get("message") or error.get("error") or "")
        return f"{name}: {one_line(message)}" if message.strip() else name
    mamba = cast(MambaErrorDoc, doc)
    problems = mamba.get("solver_problems")
    if isinstance(problems, list) and any(str(p).strip() for p in problems):
        return "could not solve: " + one_line("\n".join(str(p) for p in problems))
    if mamba.get("success") is False:
        messages = [_record_message(r) for r in mamba.get("log_records") or ()]
        errors = [m for m in messages if m]
        if errors:
            return one_line(errors[-1])
    return None


def _record_message(record: Any) -> str:
    if isinstance(record, str):
        return record
    if isinstance(record, dict):
        level = str(record.get("level", "")).lower()
        if level and level not in ("error", "critical", "err"):
            return ""
        return str(record.get("message") or record.get("msg") or "")
    return ""
