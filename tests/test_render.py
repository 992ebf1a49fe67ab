"""render: whole-output golden files for text (no colour), Markdown and JSON diffs.

Each ``tests/data/diff-<scenario>/`` holds the inputs (``old.yml``/``new.yml``, or an ``inputs``
file naming two paths relative to the repository, ``corpus:NAME`` for the public corpus), an
optional ``options.json`` (``ignore_builds``, ``ignore``) and the expected ``expected.txt``,
``expected.md``, ``expected.json``. Regenerate after a deliberate change with
``ENVTOOL_UPDATE_GOLDEN=1 pytest tests/test_render.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import CORPUS, DATA, ROOT

from envtool.diff.compare import diff
from envtool.diff.model import EnvDiff
from envtool.files import envfile, fileio
from envtool.render import render
from envtool.render.markdown import MARKER as MARKDOWN_MARKER
from envtool.render.markdown import render_markdown
from envtool.render.text import render_text

# diff-github-* are test_diff_github.py's, diff-base-* test_diff_base.py's
SCENARIOS = sorted(
    p.name
    for p in DATA.glob("diff-*")
    if p.is_dir() and not p.name.startswith(("diff-github-", "diff-base-"))
)
EXPECTED = {"text": "expected.txt", "markdown": "expected.md", "json": "expected.json"}
UPDATE = bool(os.environ.get("ENVTOOL_UPDATE_GOLDEN"))


def _inputs(folder: Path) -> list[tuple[Path, str]]:
    """(path, label) of the two sides; labels are stable, never absolute paths."""
    listed = folder / "inputs"
    if not listed.is_file():
        return [(folder / "old.yml", "old.yml"), (folder / "new.yml", "new.yml")]
    out = []
    for line in listed.read_text(encoding="utf-8").split():
        if line.startswith("corpus:"):
            name = line.removeprefix("corpus:")
            if not (CORPUS / name).is_file():
                pytest.skip(f"public corpus file {name} not found at {CORPUS}")
            out.append((CORPUS / name, name))
        else:
            out.append((ROOT / line, line))
    return out


def scenario(name: str) -> EnvDiff:
    folder = DATA / name
    (old_path, old_label), (new_path, new_label) = _inputs(folder)
    options = folder / "options.json"
    kwargs = json.loads(options.read_text(encoding="utf-8")) if options.is_file() else {}
    old = envfile.parse(fileio.read(str(old_path)).text, old_label).validate()
    new = envfile.parse(fileio.read(str(new_path)).text, new_label).validate()
    return diff(
        old, new, ignore_builds=kwargs.get("ignore_builds", False), ignore=kwargs.get("ignore", ())
    )


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
@pytest.mark.parametrize("name", SCENARIOS)
def test_golden_output(name: str, fmt: str) -> None:
    out = render(scenario(name), fmt)
    expected = DATA / name / EXPECTED[fmt]
    if UPDATE:
        expected.write_text(out, encoding="utf-8", newline="\n")
    assert out == expected.read_text(encoding="utf-8")


def test_scenarios_are_there() -> None:
    assert {"diff-ml", "diff-every-kind", "diff-none", "diff-ignore"} <= set(SCENARIOS)


# ----------------------------------------------------------------------------------- text

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", SCENARIOS)
def test_colour_is_only_decoration(name: str) -> None:
    result = scenario(name)
    coloured = render_text(result, color=True)
    assert _ANSI.sub("", coloured) == render_text(result)
    assert ("\x1b[" in coloured) is not result.empty


@pytest.mark.parametrize("name", SCENARIOS)
def test_text_lines_are_tidy(name: str) -> None:
    for ascii_only in (False, True):
        out = render_text(scenario(name), ascii_only=ascii_only)
        assert out.endswith("\n") and not out.endswith("\n\n")
        assert all(line == line.rstrip() for line in out.splitlines())
        assert out.isascii() or not ascii_only


def test_text_ascii_fallback_keeps_the_layout() -> None:
    result = scenario("diff-ml")
    fancy, plain = render_text(result), render_text(result, ascii_only=True)
    table = str.maketrans({"↑": "^", "↓": "v", "·": ","})
    assert plain == fancy.replace(" → ", " -> ").replace(" · ", ", ").translate(table)


def test_control_characters_cannot_reach_the_terminal() -> None:
    old = envfile.parse("dependencies: [x]\nvariables: {A: plain}\n", "old.yml")
    new = envfile.parse('dependencies: [x]\nvariables: {A: "\\e[31mred\\nline"}\n', "new.yml")
    out = render_text(diff(old, new))
    assert "\x1b" not in out and "\\x1b[31mred\\nline" in out


# ------------------------------------------------------------------------------- markdown

_CELL_END = re.compile(r"(?<!\\)\|")


@pytest.mark.parametrize("name", SCENARIOS)
def test_markdown_tables_and_folds_are_well_formed(name: str) -> None:
    check_markdown(render_markdown(scenario(name)))


def check_markdown(out: str) -> None:
    """One marker, a heading, tables with a blank line before and even columns, folds closed."""
    lines = out.splitlines()
    assert lines[0] == MARKDOWN_MARKER and lines[1].startswith("### Environment diff")
    assert out.count(MARKDOWN_MARKER) == 1 and "\n\n\n" not in out
    columns = 0
    for previous, line in zip(["", *lines], lines, strict=False):
        if not line.startswith("|"):
            columns = 0
            continue
        if columns == 0:  # a header row: a blank line (or a fold) before it
            assert previous == "", line
            columns = len(_CELL_END.findall(line))
        assert len(_CELL_END.findall(line)) == columns, line
    assert out.count("<details>") == out.count("</details>")
    for i, line in enumerate(lines):
        if line.startswith("<summary>"):
            assert lines[i + 1] == ""  # GitHub renders Markdown in <details> only after a blank


def test_long_sections_fold() -> None:
    result = scenario("diff-ml")
    assert "<details>" in render_markdown(result, fold_after=10)
    assert "<details>" not in render_markdown(result, fold_after=100)


def test_markdown_escapes_what_would_break_a_table() -> None:
    old = envfile.parse("dependencies: ['numpy=1.2|1.3', 'a_b_=1']\n", "old.yml")
    new = envfile.parse("dependencies: ['numpy=1.4|1.5', 'a_b_=2']\n", "new.yml")
    out = render_markdown(diff(old, new))
    assert "| ≠ | numpy | `=1.2\\|1.3` | `=1.4\\|1.5` | spec changed |" in out
    assert "| ↑ | a_b\\_ | `1` | `2` | **major** ⚠️ |" in out
