"""Build the git repository that the README's ``diff --base`` example runs in.

    python3 tests/data/diff-base-repo/build.py /tmp/diff-base-repo
    cd /tmp/diff-base-repo && envtool diff --base HEAD --fail-on major

``v1/`` is committed; then the work tree becomes ``v2/`` and is staged (a modified file, a
deleted one, a renamed one with an edit, a changed non-environment file); then ``untracked/``
is copied in, not staged (a new file). ``tests/test_diff_base.py`` builds its repository with
this script and checks the README's output against it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A fixed identity and no user or system configuration: the same repository on any machine.
GIT = ["git", "-c", "user.name=envtool", "-c", "user.email=envtool@example.invalid"]
GIT += ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]


def git(root: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


def build(root: Path) -> Path:
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"{root} exists and is not empty")
    shutil.copytree(HERE / "v1", root, dirs_exist_ok=True)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            path.unlink()
    shutil.copytree(HERE / "v2", root, dirs_exist_ok=True)
    git(root, "add", "-A")
    shutil.copytree(HERE / "untracked", root, dirs_exist_ok=True)
    return root


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: python3 {sys.argv[0]} DEST")
    print(build(Path(sys.argv[1])))
