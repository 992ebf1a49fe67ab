"""conda's history format: requested specs for --from-history, and the block envtool writes."""

from __future__ import annotations

import doctest
from datetime import datetime

import pytest
from conftest import GOLDEN

from envtool.envs import history


def test_doctests() -> None:
    assert doctest.testmod(history).failed == 0


def test_golden_histories() -> None:
    a = history.parse((GOLDEN / "prefix-a-conda-meta" / "history").read_text())
    assert len(a) == 1
    assert a[0].cmd is not None and a[0].cmd.endswith(
        "env create -f env-a.yml -p /opt/conda/envs/a"
    )
    assert a[0].linked == (
        "file:///srv/channel/noarch::alpha-2.0-h4616a5c_0",
        "file:///srv/channel/noarch::beta-1.5-h4616a5c_0",
        "file:///srv/channel/noarch::delta-3.2.1-h4616a5c_0",
    )
    assert history.requested_specs(a) == ("beta", "alpha=2.0", "delta[version='>=3']")
    b = history.parse((GOLDEN / "prefix-b-conda-meta" / "history").read_text())
    specs = history.requested_specs(b)
    assert {history.env_form(s) for s in specs} == {
        "alpha=2.0=h4616a5c_0",
        "beta=1.5=h4616a5c_0",
        "delta=3.2.1=h4616a5c_0",
    }


LONG = """\
==> 2020-01-01 00:00:00 <==
# cmd: conda create -n x python=3.8 numpy
# conda version: 4.8.0
+defaults/linux-64::python-3.8.0-h0_0
# update specs: ['python=3.8', 'numpy']
==> 2020-01-02 00:00:00 <==
# cmd: conda install requests
# install specs: ['requests']
==> 2020-01-03 00:00:00 <==
# cmd: conda install python=3.9
# update specs: ['python=3.9']
==> 2020-01-04 00:00:00 <==
# cmd: conda remove numpy
-defaults/linux-64::numpy-1.0-0
# remove specs: ['numpy']
==> 2020-01-05 00:00:00 <==
# no cmd line here, so conda ignores this block
# update specs: ['ignored']
==> 2020-01-06 00:00:00 <==
# cmd: conda install (old format)
# install specs: param >=1.5.1,<2.0,jupyter >=1.0.0,<2.0,six
==> 2020-01-07 00:00:00 <==
# cmd: conda update --all (neutered)
# neutered specs: ['requests[version='>=2']']
"""


def test_later_specs_override_and_removals_remove() -> None:
    revisions = history.parse(LONG)
    assert [r.date for r in revisions][:2] == ["2020-01-01 00:00:00", "2020-01-02 00:00:00"]
    assert revisions[3].unlinked == ("defaults/linux-64::numpy-1.0-0",)
    specs = history.requested_specs(revisions)
    # python keeps its first place but takes its latest spec; numpy is gone; old comma format
    # joins version pieces to their spec; a block without `# cmd:` is ignored.
    assert specs == ("python=3.9", "requests", "param >=1.5.1,<2.0", "jupyter >=1.0.0,<2.0", "six")
    installed = {"python", "requests", "six"}
    assert history.requested_specs(revisions, installed) == ("python=3.9", "requests", "six")


def test_unreadable_spec_lists_are_skipped() -> None:
    text = "==> d <==\n# cmd: x\n# update specs: ['a', __import__('os')]\n# update specs: ['b']\n"
    assert history.requested_specs(history.parse(text)) == ("b",)
    assert history.parse("stray line before any header\n") == ()


@pytest.mark.parametrize(
    ("spec", "form"),
    [
        ("beta", "beta"),
        ("alpha=2.0", "alpha=2.0"),
        ("delta[version='>=3']", "delta[version='>=3']"),
        ("conda-forge::numpy==1.26.4=py311_0", "numpy=1.26.4=py311_0"),
        ("numpy==1.26.4", "numpy=1.26.4"),
        ("python >=3.8", "python >=3.8"),
    ],
)
def test_env_form(spec: str, form: str) -> None:
    assert history.env_form(spec) == form


@pytest.mark.parametrize(
    ("text", "conda"),
    [
        ("beta", "beta"),
        ("alpha=2.0", "alpha=2.0"),
        ("python 3.11.*", "python=3.11"),
        ("delta>=3", "delta[version='>=3']"),
        ("x>=1,<2", "x[version='>=1,<2']"),
        ("numpy=1.26.4=py311_0", "numpy==1.26.4=py311_0"),
        ("x 1.0 py*", "x==1.0[build=py*]"),
        ("conda-forge::x=1.0", "conda-forge::x=1.0"),
        ("x !=1.0", "x!=1.0"),
    ],
)
def test_conda_spec_matches_condas_str(text: str, conda: str) -> None:
    assert history.conda_spec(text) == conda


def test_written_block_reads_back_like_condas() -> None:
    block = history.format_block(
        datetime(2026, 11, 25, 2, 54, 40),
        "envtool create -f env-a.yml -p /opt/conda/envs/a",
        [
            history.dist_line("file:///srv/channel", "noarch", "beta", "1.5", "h4616a5c_0"),
            history.dist_line("file:///srv/channel", "noarch", "alpha", "2.0", "h4616a5c_0"),
        ],
        ["beta", "alpha=2.0", "delta[version='>=3']"],
        envtool_version="1.2.3",
    )
    assert block == (
        "==> 2026-11-25 02:54:40 <==\n"
        "# cmd: envtool create -f env-a.yml -p /opt/conda/envs/a\n"
        "# envtool version: 1.2.3\n"
        "+file:///srv/channel/noarch::alpha-2.0-h4616a5c_0\n"
        "+file:///srv/channel/noarch::beta-1.5-h4616a5c_0\n"
        "# update specs: ['beta', 'alpha=2.0', \"delta[version='>=3']\"]\n"
    )
    # no "# conda version:" line: conda refuses envs whose history names a newer conda
    assert "conda version" not in block
    assert history.requested_specs(history.parse(block)) == (
        "beta",
        "alpha=2.0",
        "delta[version='>=3']",
    )


def test_requested_in_text_equals_requested_specs_of_the_parse() -> None:
    """The reader of header and comment lines only agrees with the full parse, whatever the
    lines, blank lines, indentation and line breaks."""
    import random

    pieces = [
        "==> 2026-11-25 02:54:40 <==",
        "  ==> 2026 <==  ",
        "==> no end",
        "# cmd: conda install x",
        "# conda version: 26.7.1",
        "+ch/linux-64::a-1-0",
        "-ch/noarch::b-2-0",
        "# update specs: ['beta', 'alpha=2.0', \"delta[version='>=3']\"]",
        "# install specs: ['a']",
        "# remove specs: ['beta']",
        "# neutered specs: ['alpha >=1']",
        "# update specs: python>=3.5,numpy >=1.0,<2.0",
        "#  create specs: ['x\\'y']",
        "",
        "   ",
        "\t# update specs: ['gamma']",
        "\u00a0# update specs: ['nbsp']",
        "not a history line",
        "# update specs: [1 +]",
        "# uninstall specs: ['a']",
    ]
    rng = random.Random(13)
    texts = [history.EXAMPLE]
    for _ in range(500):
        sep = rng.choice(["\n", "\n", "\r\n", "\n\n"])
        texts.append(sep.join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) + "\n")
    for text in texts:
        for installed in (None, {"alpha", "beta", "a"}):
            assert history.requested_in(text, installed) == history.requested_specs(
                history.parse(text), installed
            ), text
