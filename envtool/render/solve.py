"""``check --solve`` reports: text, JSON (``solve_version`` 1), Markdown and GitHub annotations.

Pure functions of :class:`~envtool.ops.solvability.SolveReport` values. Specs and sources are
redacted (a channel URL in a spec may carry a token).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from envtool.backends.engine import PlatformSolve, SpecProblem
from envtool.ops.solvability import SolveReport
from envtool.render.github import escape_data, escape_property
from envtool.secrets import redact
from envtool.ui import plural

SOLVE_VERSION = 1


def render_solve(reports: Sequence[SolveReport], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document(reports), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return "".join(_markdown(r) for r in reports)
    if fmt == "github":
        return "".join(_github(r) for r in reports)
    return "".join(_text(r) for r in reports)


def _verdict(result: PlatformSolve) -> str:
    if result.ok:
        return f"ok ({plural(len(result.records), 'package')})"
    if result.problems:
        return f"FAILS ({plural(len(result.problems), 'spec')})"
    return "FAILS (conflict)"


def _line(problem: SpecProblem) -> str:
    text = f"{redact(problem.spec)}: {problem.reason}"
    return f"{text}; {problem.hint}" if problem.hint else text


def _text(report: SolveReport) -> str:
    out = [
        f"{redact(report.source)}: "
        + " · ".join(f"{r.platform.subdir} {_verdict(r)}" for r in report.results)
    ]
    for result in report.results:
        if result.ok:
            continue
        out.append(f"  {result.platform.subdir}:")
        out.extend(f"    ✗ {_line(p)}" for p in result.problems)
        if result.conflict:
            out.append(f"    ✗ the specs conflict: {redact(result.conflict)}")
    return "".join(f"{line}\n" for line in out)


def document(reports: Sequence[SolveReport]) -> dict[str, object]:
    return {
        "solve_version": SOLVE_VERSION,
        "ok": all(r.ok for r in reports),
        "files": [
            {
                "source": redact(r.source),
                "ok": r.ok,
                "as_of": r.as_of.isoformat() if r.as_of else None,
                "platforms": [
                    {
                        "platform": p.platform.subdir,
                        "virtual_packages": [str(v) for v in p.platform.virtual_packages],
                        "ok": p.ok,
                        "packages": len(p.records),
                        "records": sorted(
                            f"{x.name.normalized}={x.version}={x.build}" for x in p.records
                        ),
                        "problems": [
                            {
                                "spec": redact(x.spec),
                                "line": r.spec_lines.get(x.spec),
                                "reason": x.reason,
                                "hint": x.hint,
                            }
                            for x in p.problems
                        ],
                        "conflict": redact(p.conflict) or None,
                    }
                    for p in r.results
                ],
            }
            for r in reports
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(report: SolveReport) -> str:
    out = [
        f"### `{_cell(redact(report.source))}` solves on "
        f"{sum(r.ok for r in report.results)} of {plural(len(report.results), 'platform')}",
        "",
        "| platform | result |",
        "|---|---|",
        *(f"| {r.platform.subdir} | {_verdict(r)} |" for r in report.results),
    ]
    failing = [r for r in report.results if not r.ok]
    if failing:
        out += ["", "| platform | spec | why | what would solve |", "|---|---|---|---|"]
        for r in failing:
            out += [
                f"| {r.platform.subdir} | `{_cell(redact(p.spec))}` | {_cell(p.reason)} "
                f"| {_cell(p.hint)} |"
                for p in r.problems
            ]
            if r.conflict:
                out.append(f"| {r.platform.subdir} | | {_cell(redact(r.conflict))} | |")
    return "\n".join(out) + "\n\n"


def _github(report: SolveReport) -> str:
    out: list[str] = []
    file = escape_property(report.source)
    for r in report.results:
        title = escape_property(f"envtool: does not solve on {r.platform.subdir}")
        for p in r.problems:
            line = report.spec_lines.get(p.spec)
            where = f"file={file}" + (f",line={line}" if line else "")
            out.append(f"::error {where},title={title}::{escape_data(_line(p))}")
        if r.conflict:
            message = escape_data(f"the specs conflict: {redact(r.conflict)}")
            out.append(f"::error file={file},title={title}::{message}")
    return "".join(f"{line}\n" for line in out)
