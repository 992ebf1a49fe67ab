# A stand-in for conda / mamba / micromamba, for tests/test_backend_conda.py.
#
# There is no conda on the test machines, so the tests put this script on PATH under the
# tool's name (with the test interpreter's #! line) and drive the real backend through
# envtool.process.run. It answers the commands the backend runs with the JSON shapes the real
# tools print (see envtool/backends/conda_json.py), from a tiny channel index (FAKE_INDEX).
#
# Environment:
#   FAKE_ROOT    the root prefix (base); envs go in $FAKE_ROOT/envs
#   FAKE_INDEX   JSON {name: {"version", "build", "depends": [names]}}: the channel
#   FAKE_LOG     every argv is appended here, one JSON list per line
#   FAKE_REPLAY  optional JSON {"<argv joined by spaces>": {"stdout", "stderr", "rc"}}:
#                canned answers (conda's golden outputs) that take precedence
#   FAKE_PIP     optional: "name==version" of a pip package every new env gets
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

TOOL = Path(sys.argv[0]).name
ARGS = sys.argv[1:]
CHANNEL = "file:///srv/channel"
SUBDIR = "noarch"


def main() -> int:
    with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps([TOOL, *ARGS]) + "\n")
    replay = os.environ.get("FAKE_REPLAY")
    if replay:
        canned = json.loads(Path(replay).read_text(encoding="utf-8")).get(" ".join(ARGS))
        if canned is not None:
            sys.stdout.write(canned["stdout"])
            sys.stderr.write(canned.get("stderr", ""))
            return int(canned.get("rc", 0))
    words = [a for a in ARGS if not a.startswith("-")]
    if words[:1] == ["info"]:
        return info()
    if words[:2] == ["env", "list"]:
        return out({"envs": [str(p) for p in envs()]})
    if words[:1] == ["list"]:
        return explicit(prefix()) if "--explicit" in ARGS else list_json(prefix())
    if words[:2] == ["env", "export"]:
        return export(prefix(), "--from-history" in ARGS)
    if words[:2] == ["env", "create"] or words[:1] == ["create"]:
        return create(prefix())
    print(f"fake {TOOL}: unknown command {ARGS}", file=sys.stderr)
    return 2


def opt(name: str) -> str:
    return ARGS[ARGS.index(name) + 1]


def prefix() -> Path:
    return Path(opt("--prefix"))


def root() -> Path:
    return Path(os.environ["FAKE_ROOT"])


def out(doc: object) -> int:
    print(json.dumps(doc, indent=2))
    return 0


def envs() -> list[Path]:
    found = [root()]
    envs_dir = root() / "envs"
    if envs_dir.is_dir():
        found += sorted(p for p in envs_dir.iterdir() if (p / "conda-meta" / "history").is_file())
    return found


def info() -> int:
    if TOOL == "micromamba":
        return out(
            {
                "base environment": str(root()),
                "env location": "-",
                "environment": "None (not found)",
                "envs_dirs": [str(root() / "envs")],
                "micromamba version": "2.3.0",
                "platform": "linux-64",
            }
        )
    return out(
        {
            "active_prefix": None,
            "conda_version": "26.7.1",
            "default_prefix": str(root()),
            "envs": [str(p) for p in envs()],
            "envs_dirs": [str(root() / "envs")],
            "platform": "linux-64",
            "root_prefix": str(root()),
        }
    )


def records(env: Path) -> list[dict[str, object]]:
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((env / "conda-meta").glob("*.json"))
    ]


def pip_packages(env: Path) -> list[str]:
    path = env / "fake-pip.txt"
    return path.read_text(encoding="utf-8").split() if path.is_file() else []


def list_row(r: dict[str, object]) -> dict[str, object]:
    """A record as conda's ``list --json`` (and a create's ``actions.LINK``) prints it."""
    return {
        "base_url": CHANNEL,
        "build_number": 0,
        "build_string": r["build"],
        "channel": "channel",
        "dist_name": f"{r['name']}-{r['version']}-{r['build']}",
        "name": r["name"],
        "platform": SUBDIR,
        "version": r["version"],
    }


def list_json(env: Path) -> int:
    if not (env / "conda-meta").is_dir():
        print(f"EnvironmentLocationNotFound: Not a conda environment: {env}", file=sys.stderr)
        return 1
    rows: list[dict[str, object]] = []
    for r in records(env):
        row = list_row(r)
        if TOOL == "micromamba":
            row.update(url=r["url"], md5=r["md5"])
        rows.append(row)
    for line in pip_packages(env):
        name, _, version = line.partition("==")
        rows.append(
            {
                "base_url": "https://conda.anaconda.org/pypi",
                "build_number": 0,
                "build_string": "pypi_0",
                "channel": "pypi",
                "dist_name": f"{name}-{version}-pypi_0",
                "name": name,
                "platform": "pypi",
                "version": version,
            }
        )
    return out(sorted(rows, key=lambda r: str(r["name"])))


def explicit(env: Path) -> int:
    print("# This file may be used to create an environment using:")
    print("# $ conda create --name <env> --file <this file>")
    print("# platform: linux-64")
    print("@EXPLICIT")
    for r in records(env):
        print(f"{r['url']}#{r['md5']}")
    return 0


def history_specs(env: Path) -> list[str]:
    import ast

    specs: dict[str, str] = {}
    for line in (env / "conda-meta" / "history").read_text(encoding="utf-8").splitlines():
        if line.startswith("# update specs: "):
            for spec in ast.literal_eval(line[len("# update specs: ") :]):
                specs[name_of(spec)] = spec
    return list(specs.values())


def export(env: Path, from_history: bool) -> int:
    if env == root():
        name = "base"
    elif env.parent == root() / "envs":
        name = env.name
    else:
        name = str(env)
    if from_history:
        deps: list[object] = list(history_specs(env))
    else:
        deps = [f"{r['name']}={r['version']}={r['build']}" for r in records(env)]
        pip = pip_packages(env)
        if pip:
            deps.append({"pip": pip})
    return out({"name": name, "channels": [CHANNEL], "dependencies": deps, "prefix": str(env)})


def name_of(spec: str) -> str:
    spec = spec.split("::")[-1]
    for i, ch in enumerate(spec):
        if ch in "=<>!~[ ":
            return spec[:i].lower()
    return spec.lower()


def requested() -> tuple[list[str], list[str]]:
    """(specs, pip lines) of the --file, an environment file or an @EXPLICIT list."""
    text = Path(opt("--file")).read_text(encoding="utf-8")
    if "@EXPLICIT" in text:
        urls = [x.split("#")[0] for x in text.splitlines() if "://" in x]
        return [u.rsplit("/", 1)[-1].rsplit("-", 2)[0] for u in urls], []
    # The file is envtool's own dump (conda's layout), so a line reader is enough here.
    specs: list[str] = []
    pip: list[str] = []
    section = ""
    for line in text.splitlines():
        if not line.startswith(" "):
            section = line.rstrip(":")
        elif section == "dependencies" and line.startswith("  - ") and line != "  - pip:":
            specs.append(line[4:].strip())
        elif section == "dependencies" and line.startswith("      - "):
            pip.append(line[8:].strip())
    return specs, pip


def record(name: str) -> dict[str, object]:
    meta = json.loads(Path(os.environ["FAKE_INDEX"]).read_text(encoding="utf-8"))[name]
    fn = f"{name}-{meta['version']}-{meta['build']}.tar.bz2"
    return {
        "name": name,
        "version": meta["version"],
        "build": meta["build"],
        "build_number": 0,
        "channel": f"{CHANNEL}/{SUBDIR}",
        "subdir": SUBDIR,
        "fn": fn,
        "md5": "0" * 32,
        "url": f"{CHANNEL}/{SUBDIR}/{fn}",
        "depends": list(meta.get("depends", [])),
    }


def solve(specs: list[str]) -> tuple[list[str], list[str]]:
    index = json.loads(Path(os.environ["FAKE_INDEX"]).read_text(encoding="utf-8"))
    missing = [s for s in specs if name_of(s) not in index]
    names: list[str] = []
    todo = [name_of(s) for s in specs if name_of(s) in index]
    while todo:
        name = todo.pop()
        if name not in names:
            names.append(name)
            todo += [name_of(d) for d in index[name].get("depends", [])]
    return sorted(names), missing


def fail(env: Path, missing: list[str]) -> int:
    (env / "conda-meta").mkdir(parents=True, exist_ok=True)  # a half-made env
    (env / "conda-meta" / "partial").write_text("", encoding="utf-8")
    if TOOL == "micromamba":
        return dry_fail(missing)
    listed = "".join(f"\n  - {m}" for m in missing)
    message = f"The following packages are not available from current channels:\n{listed}\n"
    out(
        {
            "caused_by": "None",
            "channel_urls": [f"{CHANNEL}/linux-64", f"{CHANNEL}/noarch"],
            "error": f"PackagesNotFoundError: {message}",
            "exception_name": "PackagesNotFoundError",
            "exception_type": "<class 'conda.exceptions.PackagesNotFoundError'>",
            "message": message,
            "packages": missing,
        }
    )
    return 1


def create(env: Path) -> int:
    if "--clone" in ARGS:
        source = Path(opt("--clone"))
        if env.exists():
            print(f"fake: {env} exists", file=sys.stderr)
            return 1
        shutil.copytree(source, env)
        # as conda 26.7.1 does: the env's variables (conda-meta/state) are not cloned
        (env / "conda-meta" / "state").unlink(missing_ok=True)
        return out({"success": True, "prefix": str(env), "actions": {}})
    if "--dry-run" in ARGS and "--yes" in ARGS and TOOL != "micromamba":
        print(
            "fake: conda deletes the target of env create --yes even in a dry run", file=sys.stderr
        )
        return 3
    specs, pip = requested()
    names, missing = solve(specs)
    if "--dry-run" in ARGS:
        if env.exists():
            print(f"fake: a dry run was pointed at an existing prefix {env}", file=sys.stderr)
            return 3
        if missing:
            return dry_fail(missing)
        if TOOL == "micromamba":
            links = [record(n) for n in names]
            return out(
                {"actions": {"LINK": links, "PREFIX": str(env)}, "dry_run": True, "success": True}
            )
        # conda 26.7.1 (tests/data/backend-conda-json/dryrun-conda-26.7.1.json): LINK rows
        # shaped as `list --json` rows, not the solved file older condas printed
        links = [list_row(record(n)) for n in names]
        actions = {"FETCH": [], "PREFIX": str(env), "LINK": links}
        return out({"success": True, "actions": actions, "prefix": str(env), "dry_run": True})
    if env.exists():
        print(f"fake: {env} exists (the backend should have removed it)", file=sys.stderr)
        return 1
    if missing:
        return fail(env, missing)
    (env / "conda-meta").mkdir(parents=True)
    for name in names:
        rec = record(name)
        path = env / "conda-meta" / f"{name}-{rec['version']}-{rec['build']}.json"
        path.write_text(json.dumps(rec), encoding="utf-8")
    linked = "".join(
        f"+{CHANNEL}/{SUBDIR}::{n}-{record(n)['version']}-{record(n)['build']}\n" for n in names
    )
    (env / "conda-meta" / "history").write_text(
        f"==> 2026-01-01 00:00:00 <==\n# cmd: fake {' '.join(ARGS)}\n{linked}"
        f"# update specs: {specs!r}\n",
        encoding="utf-8",
    )
    if pip:
        (env / "fake-pip.txt").write_text("\n".join(pip), encoding="utf-8")
    return out(
        {"success": True, "prefix": str(env), "actions": {"LINK": [record(n) for n in names]}}
    )


def dry_fail(missing: list[str]) -> int:
    if TOOL == "micromamba":
        out(
            {
                "solver_problems": [f"nothing provides requested {m}" for m in missing],
                "success": False,
            }
        )
        return 1
    return fail_json(missing)


def fail_json(missing: list[str]) -> int:
    out(
        {
            "exception_name": "PackagesNotFoundError",
            "message": "The following packages are not available from current channels:\n",
            "packages": missing,
        }
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
