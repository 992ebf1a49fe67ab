"""Hostile and odd files (issue 11): every command gives one verdict, edits never corrupt a file.

Each test pins one defect found by fuzzing: block scalars, anchors, tags, BOMs, CR and U+2028
line ends, files that only some commands refused, alias fan-out, symlinks, leaked credentials.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Run

from envtool.errors import InputError
from envtool.files import envfile, fileio
from envtool.files.prune import PruneOptions, apply_edits, prune
from envtool.ops.rename import rename_text


def pruned(text: str, **options: object) -> str:
    env = envfile.parse(text)
    return apply_edits(text, prune(env, PruneOptions(**options)))  # type: ignore[arg-type]


def one_error(run: Run) -> str:
    assert run.code == 2, run
    assert run.err.startswith("envtool: error: ") and run.err.count("\n") == 1, run.err
    assert "Traceback" not in run.err
    return run.err


# ----------------------------------------------------------------------- 1: prefix edits


def test_prune_of_a_file_without_dependencies_is_the_check_error(cli, tmp_path: Path) -> None:
    f = tmp_path / "p.yml"
    f.write_text("prefix: /x\n")
    err = one_error(cli("prune", str(f)))
    assert "no 'dependencies' list" in err


def test_prune_drops_an_anchored_prefix_and_inlines_its_alias() -> None:
    text = "name: a\ndependencies: [x]\nprefix: &p /x\nextra: *p\n"
    assert pruned(text) == "name: a\ndependencies: [x]\nextra: /x\n"


# ----------------------------------------------------------------------- 2: block scalars


def test_prune_rewrites_a_block_scalar_keeping_its_line_break() -> None:
    text = "dependencies:\n  - >-\n    numpy=1.26.4=py311h_0\n  - scipy=1.11.4=py311h_1\n"
    assert pruned(text, no_builds=True) == "dependencies:\n  - numpy=1.26.4\n  - scipy=1.11.4\n"


def test_rename_replaces_a_block_scalar_name() -> None:
    text = "name: |\n  foo\ndependencies:\n  - x\n"
    assert rename_text(text, "new") == "name: new\ndependencies:\n  - x\n"


def test_rename_replaces_a_kept_block_scalar_crlf() -> None:
    text = "name: |+\r\n  foo\r\n\r\ndependencies:\r\n  - x\r\n"
    out = rename_text(text, "new")
    assert envfile.parse(out).name == "new"
    assert out.endswith("dependencies:\r\n  - x\r\n")


def test_rename_after_a_kept_block_scalar_does_not_feed_it_blank_lines() -> None:
    # Found by fuzzing: deleting `prefix:` left the blank line after it to the `|+` scalar
    # before it, which keeps trailing blank lines: werkzeug==1.0.1 gained a line break.
    text = "dependencies:\n  - pip:\n    - |+\n      w==1\nprefix: /p\n\n"
    out = rename_text(text, "new")
    assert out == "name: new\ndependencies:\n  - pip:\n    - |+\n      w==1\n"
    assert envfile.parse(out).pip == envfile.parse(text).pip


def test_prune_after_a_kept_block_scalar_does_not_feed_it_blank_lines() -> None:
    text = "dependencies:\n  - >+\n    a=1\n  - _libgcc_mutex=0.1\n\n  - libgcc-ng=1\n  \n  - b\n"
    out = pruned(text, portable=True)
    assert out == "dependencies:\n  - >+\n    a=1\n  - b\n"
    assert [d.text for d in envfile.parse(out).conda] == ["a=1\n", "b"]


def test_blank_lines_after_a_deletion_stay_when_nothing_keeps_them() -> None:
    text = "name: a\ndependencies:\n  - |\n    x\nprefix: /p\n\nvariables: {A: b}\n"
    assert rename_text(text, "b") == ("name: b\ndependencies:\n  - |\n    x\n\nvariables: {A: b}\n")


# ----------------------------------------------------------------------- 3: anchors, tags


def test_rename_keeps_the_value_of_an_alias_to_the_old_name() -> None:
    text = "name: &n e\ndependencies:\n  - x\nextra: *n\n"
    assert rename_text(text, "new") == "name: new\ndependencies:\n  - x\nextra: e\n"


def test_rename_inlines_a_quoted_anchored_value() -> None:
    text = "name: &n 'a b'\ndependencies:\n  - x\nextra: [*n, 1]\n"
    assert rename_text(text, "new") == "name: 'new'\ndependencies:\n  - x\nextra: ['a b', 1]\n"


def test_prune_refuses_to_drop_an_anchored_list_used_elsewhere() -> None:
    text = "dependencies:\n  - x=1=h\n  - pip: &p\n      - a\nextra: *p\n"
    with pytest.raises(InputError, match="alias"):
        pruned(text, no_pip=True)


def test_prune_of_an_alias_item_is_refused_not_applied_to_its_anchor() -> None:
    # Before, the edit landed on the anchored text (x:) and left the alias as it was.
    text = "x: &a numpy=1.0=h_0\ndependencies:\n  - *a\n"
    with pytest.raises(InputError, match="is a YAML alias"):
        pruned(text, no_builds=True)


def test_prune_of_an_item_in_an_aliased_list_is_refused() -> None:
    # Found by fuzzing: the items of `pip: *p` were looked up in the alias itself (IndexError).
    text = "dependencies:\n  - pip: &p\n      - a==1.2.3\n  - pip: *p\n"
    with pytest.raises(InputError, match=r"dependencies/1/pip is a YAML alias \(\*p\)"):
        pruned(text, pin="minor")


@pytest.mark.parametrize(
    ("line", "pin", "want"),
    [
        ("preshed==3.C.6", "minor", "preshed==3.C.6"),  # 3rc6: nothing to drop
        ("a==1.2.C.6", "major", "a==1.*"),  # 1.2rc6
        ("a==1!2.3.4.post1", "minor", "a==1!2.3.*"),
        ("a==1.2.3", "minor", "a==1.2.*"),
    ],
)
def test_prune_pins_a_pip_version_with_dotted_labels_validly(
    line: str, pin: str, want: str
) -> None:
    # Found by fuzzing: `preshed==3.C.6` was pinned as `preshed==3.C.*` (no valid requirement).
    text = f"dependencies:\n  - pip\n  - pip:\n    - {line}\n"
    out = pruned(text, pin=pin)
    assert out == f"dependencies:\n  - pip\n  - pip:\n    - {want}\n"
    assert envfile.parse(out).pip[0].problem is None  # type: ignore[index]


def test_rename_replaces_a_tag_with_the_name() -> None:
    # Tags are not honoured (everything is text, test_envfile): an edit replaces them too.
    text = "name: !!python/name:os.system\ndependencies:\n  - x\n"
    assert rename_text(text, "x") == "name: x\ndependencies:\n  - x\n"


def test_rename_replaces_a_standard_tag_with_the_name() -> None:
    assert rename_text("name: !!str 12\ndependencies: []\n", "new") == (
        "name: new\ndependencies: []\n"
    )


# ----------------------------------------------------------------------- 4: BOMs, line ends


def test_two_boms_are_one_error_not_an_edit_one_character_off(cli, tmp_path: Path) -> None:
    f = tmp_path / "env.yml"
    f.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfname: a\ndependencies:\n  - x=1=h\n")
    for args in (
        ("rename", str(f), "b"),
        ("prune", "--no-builds", str(f)),
        ("diff", str(f), str(f)),
    ):
        assert "byte-order mark" in one_error(cli(*args))
    assert cli("check", str(f)).code == 1


def test_cr_only_line_ends_delete_the_right_lines() -> None:
    text = "name: a\rdependencies:\r  - _libgcc_mutex=0.1=main\r  - numpy=1.0\rprefix: /p\r"
    assert pruned(text, portable=True) == "name: a\rdependencies:\r  - numpy=1.0\r"
    assert (
        rename_text(text, "b")
        == "name: b\rdependencies:\r  - _libgcc_mutex=0.1=main\r  - numpy=1.0\r"
    )


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_yaml_1_1_only_line_breaks_are_refused(sep: str) -> None:
    text = f"name: a\ndependencies:\n  - numpy{sep}  - scipy\n"
    with pytest.raises(InputError, match="U\\+"):
        envfile.parse(text)


# ----------------------------------------------------------------- 5, 20: one verdict

_INVALID = {
    "duplicate-key": "name: a\ndependencies:\n  - x\nname: b\n",
    "invalid-spec": "name: a\ndependencies:\n  - 'x=='\n",
    "deps-mapping": "name: a\ndependencies:\n  x: 1\n",
    "pip-not-list": "name: a\ndependencies:\n  - pip: x\n",
    "too-deep": "name: a\ndependencies: [x]\nextra: " + "[" * 200 + "]" * 200 + "\n",
    "no-dependencies": "name: a\non:\n  push: {}\n",
    "alias-bomb": (
        "name: a\ndependencies:\n  - pip: &p\n"
        + "".join(f"      - p{i}==1\n" for i in range(600))
        + "  - pip: *p\n" * 600
    ),
}


@pytest.mark.parametrize("case", sorted(_INVALID))
def test_rename_prune_diff_and_check_agree_on_invalid_files(cli, tmp_path: Path, case: str) -> None:
    f = tmp_path / "env.yml"
    f.write_text(_INVALID[case])
    checked = cli("check", str(f))
    assert checked.code == 1 and (" E0" in checked.out or " E1" in checked.out)
    errors = {
        one_error(cli(*args))
        for args in (
            ("rename", str(f), "new"),
            ("prune", str(f)),
            ("prune", "--no-builds", str(f)),
            ("diff", str(f), str(f)),
        )
    }
    assert len(errors) == 1, errors  # the same one line from every command
    assert f.read_text() == _INVALID[case]


# ------------------------------------------------------------------------- 6: fan-out


def test_alias_fan_out_is_bounded_everywhere() -> None:
    block = "".join(f"      - p{i:04d}==1\n" for i in range(2000))
    text = "name: fan\ndependencies:\n  - pip\n  - pip: &p\n" + block + "  - pip: *p\n" * 2000
    with pytest.raises(InputError, match="too many YAML nodes"):
        envfile.parse(text)


def test_fan_out_through_channels_is_counted() -> None:
    text = "c: &c [" + ", ".join(["x"] * 1000) + "]\nchannels: [" + ", ".join(["*c"] * 1000)
    with pytest.raises(InputError):
        envfile.parse(text + "]\ndependencies: []\n")


# ---------------------------------------------------------------------------- 12: symlinks


def test_in_place_on_a_symlink_edits_its_target(cli, tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "env.yml"
    target.write_text("name: a\ndependencies:\n  - x\n")
    link = tmp_path / "link.yml"
    link.symlink_to(os.path.relpath(target, tmp_path))
    assert cli("rename", str(link), "b", "--in-place").code == 0
    assert link.is_symlink()
    assert target.read_text() == "name: b\ndependencies:\n  - x\n"
    assert sorted(p.name for p in real_dir.iterdir()) == ["env.yml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yml", "real"]


def test_write_atomic_follows_a_chain_of_links(tmp_path: Path) -> None:
    target = tmp_path / "t.yml"
    target.write_text("old")
    (tmp_path / "l1").symlink_to("t.yml")
    (tmp_path / "l2").symlink_to("l1")
    fileio.write_atomic(tmp_path / "l2", b"new")
    assert target.read_text() == "new" and (tmp_path / "l2").is_symlink()


# ------------------------------------------------------------------------- 11: secrets


@pytest.mark.parametrize("command", ["prune", "diff"])
def test_an_invalid_spec_error_hides_its_password(cli, tmp_path: Path, command: str) -> None:
    f = tmp_path / "env.yml"
    f.write_text("dependencies:\n  - https://me:s3cret@host/chan::x[[\n")
    args = ("prune", str(f)) if command == "prune" else ("diff", str(f), str(f))
    err = one_error(cli(*args))
    assert "s3cret" not in err and "***" in err


def test_strip_credentials_as_conda_writes_explicit_urls() -> None:
    from envtool.secrets import strip_credentials

    assert strip_credentials("https://u:p@host/t/tk-1/chan/linux-64/a-1-0.conda") == (
        "https://host/chan/linux-64/a-1-0.conda"
    )
    assert strip_credentials("file:///srv/chan/noarch/a-1-0.tar.bz2") == (
        "file:///srv/chan/noarch/a-1-0.tar.bz2"
    )


def test_explicit_export_strips_credentials_from_package_urls(tmp_path: Path) -> None:
    from envtool.envs.export import to_explicit
    from envtool.envs.model import EnvLocation, InstalledEnv, InstalledPackage

    url = "https://me:pw@conda.anaconda.org/t/tk-123/private/noarch/a-1-0.conda"
    env = InstalledEnv(
        EnvLocation(tmp_path, "e"), (InstalledPackage("a", "1", "0", url=url),), platform="noarch"
    )
    text = to_explicit(env)
    assert "pw" not in text and "tk-123" not in text
    assert text.endswith("\nhttps://conda.anaconda.org/private/noarch/a-1-0.conda\n")


# ----------------------------------------------------------------- 13: diff mirrors itself


def test_a_move_between_conda_and_pip_has_one_name_in_both_directions() -> None:
    from envtool.diff.compare import diff

    a = envfile.parse("dependencies:\n  - invisible_watermark=0.2\n  - pip\n  - pip:\n    - x\n")
    b = envfile.parse("dependencies:\n  - pip\n  - pip:\n    - x\n    - invisible-watermark==0.2\n")
    (forward,) = diff(a, b).changes
    (backward,) = diff(b, a).changes
    assert (forward.kind, forward.section, forward.name) == ("moved", "pip", "invisible-watermark")
    assert (backward.kind, backward.section, backward.name) == ("moved", "conda", forward.name)


def test_aliases_may_not_multiply_a_file_even_under_the_node_limit() -> None:
    block = "".join(f"      - p{i}==1\n" for i in range(150))
    text = "name: fan\ndependencies:\n  - pip\n  - pip: &p\n" + block + "  - pip: *p\n" * 150
    with pytest.raises(InputError, match="aliases repeat 22,"):
        envfile.parse(text)
    envfile.parse("a: &a [x, y]\nb: *a\nc: &s numpy\ndependencies: [*s]\n")  # a few are fine


def test_an_edited_value_with_a_line_break_is_written_double_quoted() -> None:
    text = "dependencies:\n  - pip\n  - pip:\n      - |\n        numpy==1.26.4\n"
    out = pruned(text, pin="minor")
    assert out == 'dependencies:\n  - pip\n  - pip:\n      - "numpy==1.26.*\\n"\n'
    assert envfile.parse(out).pip[0].text == "numpy==1.26.*\n"  # type: ignore[index]


def test_aliases_may_not_multiply_text() -> None:
    text = "name: &a x" + "y" * 50_000 + "\ndependencies: [z]\nextra: [" + "*a, " * 30 + "]\n"
    with pytest.raises(InputError, match="repeat 1,500,030 characters"):
        envfile.parse(text)


# -------------------------------------------------------- 19: specs are sized by lower bound


@pytest.mark.parametrize(
    ("old", "new", "section", "size"),
    [
        ("torch~=1.13.0", "torch~=2.1.0", "pip", "major"),
        ("numpy>=1.20", "numpy>=2", "pip", "major"),
        ("tensorflow ~=2.10.0", "tensorflow ~=2.14.0", "pip", "minor"),
        ("requests>=2.31,<3", "requests>=2.31.1,<3", "pip", "patch"),
        ("numpy>=1.20", "numpy>=2", "conda", "major"),
        ("scipy>=1.10,<2", "scipy>=1.11,<2", "conda", "minor"),
    ],
)
def test_a_spec_change_is_sized_by_its_lower_bounds(
    old: str, new: str, section: str, size: str
) -> None:
    from envtool.diff.compare import diff
    from envtool.diff.policy import parse_fail_on

    def env(spec: str) -> envfile.EnvFile:
        if section == "pip":
            return envfile.parse(f"dependencies:\n  - pip\n  - pip:\n    - '{spec}'\n")
        return envfile.parse(f"dependencies:\n  - '{spec}'\n")

    (change,) = diff(env(old), env(new)).changes
    assert (change.kind, change.size) == ("spec-changed", size)
    (back,) = diff(env(new), env(old)).changes
    assert back.size == size
    assert parse_fail_on(size).matches(change)  # --fail-on major sees torch ~=1.13 → ~=2.1
    assert ("major upgrade" in change.risks) == (size == "major")


def test_a_spec_change_without_two_lower_bounds_has_no_size() -> None:
    from envtool.diff.compare import diff

    a = envfile.parse("dependencies:\n  - numpy<2\n")
    b = envfile.parse("dependencies:\n  - numpy>=1.20\n")
    (change,) = diff(a, b).changes
    assert (change.kind, change.size) == ("spec-changed", None)


def test_a_huge_value_is_refused_by_every_reader(cli, tmp_path: Path) -> None:
    f = tmp_path / "env.yml"
    f.write_text("name: a\ndependencies:\n  - x" + "a" * 200_000 + "=1.0=h0_0\n")
    checked = cli("check", str(f))
    assert checked.code == 1 and "E001 a value of 200,010 characters" in checked.out
    errors = {one_error(cli(*a)) for a in (("rename", str(f), "b"), ("diff", str(f), str(f)))}
    assert len(errors) == 1


def test_a_file_past_the_size_limit_is_refused_from_disk_and_stdin(tmp_path: Path) -> None:
    import subprocess
    import sys

    big = b"dependencies:\n" + b"  - numpy=1.26.4=py311h64a7726_0\n" * (fileio.MAX_BYTES // 32 + 1)
    f = tmp_path / "big.yml"
    f.write_bytes(big)
    with pytest.raises(InputError, match="larger than 16 MiB"):
        fileio.read(str(f))
    proc = subprocess.run(
        [sys.executable, "-m", "envtool", "check", "-"], input=big, capture_output=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr == b"envtool: error: <stdin>: input is larger than 16 MiB\n"


def test_portable_marks_a_block_scalar_pip_line_without_breaking_it() -> None:
    # Found by bench/fuzz.py: the marker went after the value's line break (exit 3).
    text = "dependencies:\n  - pip\n  - pip:\n    - |\n      pywin32==306\n\n    - x==1\n"
    out = pruned(text, portable=True)
    assert envfile.parse(out).pip[0].text == 'pywin32==306 ; sys_platform == "win32"'  # type: ignore[index]
