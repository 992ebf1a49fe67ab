"""``envtool check FILE...``: lint environment files, one ``path:line: CODE message`` per finding.

Findings go to stdout (grep- and editor-friendly), a one-line summary to stderr. A file that
exists but is broken (invalid YAML, conflict markers, binary, bad encoding) is a finding; a path
that cannot be read at all (missing, a directory, no permission) is an error, reported as one
``envtool: error:`` line while the other files are still checked.

Exit: 0 clean · 1 any finding, warnings included (a pre-commit hook should fail on them; the
codes say which are warnings) · 2 when any path could not be read. The worst of all files wins.
``--ignore CODES`` leaves findings out by code or name (a repo with ``-e .`` in its pip section
ignores W305). ``--json`` prints one versioned document (:func:`document`) on stdout instead of
the finding lines and the summary; the exit code is the same.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from envtool.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EnvtoolError
from envtool.files import lint
from envtool.ops.check import check_file, ignored_codes
from envtool.ui import Console, plural

CHECK_VERSION = 1  # of the --json document; see document()


def run(
    files: Sequence[str], *, console: Console, ignore: Sequence[str] = (), as_json: bool = False
) -> int:
    skip = ignored_codes(ignore)
    findings: list[lint.Finding] = []
    errors: dict[str, str] = {}  # path → why it could not be read
    for path in files:
        try:
            found = check_file(path, ignore=skip)
        except EnvtoolError as exc:
            console.error(str(exc))
            errors[path] = str(exc)
            continue
        if not as_json:
            sys.stdout.write("".join(f"{format_finding(f)}\n" for f in found))
            sys.stdout.flush()
        findings.extend(found)
    code = EXIT_ERROR if errors else EXIT_FINDINGS if findings else EXIT_OK
    if as_json:
        sys.stdout.write(json.dumps(document(files, findings, errors, code), indent=2) + "\n")
    elif findings:
        console.info(f"envtool: {summary(findings, len(files))}")
    return code


def document(
    files: Sequence[str], findings: Sequence[lint.Finding], errors: dict[str, str], code: int
) -> dict[str, object]:
    """``check --json``: every file (with the error that kept it from being read, else null),
    every finding, the counts, and the exit code."""
    errors_n = sum(f.severity == "error" for f in findings)
    return {
        "check_version": CHECK_VERSION,
        "files": [{"path": path, "error": errors.get(path)} for path in files],
        "findings": [
            {
                "path": f.source,
                "line": f.line,
                "code": f.code,
                "name": lint.RULES[f.code],
                "severity": f.severity,
                "message": f.message,
            }
            for f in findings
        ],
        "summary": {
            "findings": len(findings),
            "errors": errors_n,
            "warnings": len(findings) - errors_n,
            "files": len(files),
            "files_with_findings": len({f.source for f in findings}),
            "unreadable": len(errors),
        },
        "exit_code": code,
    }


def run_solve(
    files: Sequence[str],
    *,
    platforms: str,
    cuda: str | None,
    glibc: str | None,
    osx: str | None,
    as_of: str | None,
    fmt: str,
    console: Console,
) -> int:
    """``check --solve``: a real solve of each file per platform; exit 1 when any fails."""
    from pathlib import Path

    from envtool import locks
    from envtool.ops import solvability
    from envtool.render.solve import render_solve

    targets = solvability.platforms(platforms, cuda=cuda, glibc=glibc, osx=osx)
    when = solvability.as_of(as_of) if as_of is not None else None
    reports = []
    for path in files:
        env = locks.load_env(path)  # a lock solves as its exact pins
        base = Path(path).resolve().parent if path != "-" else Path.cwd()
        reports.append(solvability.check_solve(env, targets, base_dir=base, as_of=when))
    sys.stdout.write(render_solve(reports, fmt))
    failing = [r for r in reports if not r.ok]
    if failing and fmt != "json":
        verb = "does" if len(failing) == 1 else "do"
        console.info(
            f"envtool: {len(failing)} of {plural(len(reports), 'file')} {verb} not solve on "
            "every platform"
        )
    return EXIT_FINDINGS if failing else EXIT_OK


def format_finding(f: lint.Finding) -> str:
    return f"{f.source}:{f.line}: {f.code} {f.message}"


def summary(findings: Sequence[lint.Finding], n_files: int) -> str:
    """``3 findings (1 error, 2 warnings) in 2 of 3 files``."""
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    files = len({f.source for f in findings})
    parts = [plural(errors, "error")] if errors else []
    parts += [plural(warnings, "warning")] if warnings else []
    where = f"{files} of {plural(n_files, 'file')}" if n_files > 1 else "1 file"
    return f"{plural(len(findings), 'finding')} ({', '.join(parts)}) in {where}"
