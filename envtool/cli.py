"""The command line: the only module that imports click.

It translates arguments into calls of plain functions in ``envtool.commands`` and maps what they
raise to exit codes (DESIGN §6) in one place, :func:`main`. Command modules are imported only
when their command runs, so ``envtool --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from envtool import __version__
from envtool.errors import EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED, EnvtoolError, UsageError
from envtool.ui import Console

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from envtool.files.prune_options import PruneOptions

F = TypeVar("F", bound=Callable[..., Any])

BACKENDS = ("auto", "native", "conda", "mamba", "micromamba")


class Globals:
    """What the group's options give every command (a plain class: start-up time)."""

    def __init__(self, console: Console, backend_option: str | None = None) -> None:
        self.console = console
        self.backend_option = backend_option  # --backend, given before or after the command

    @property
    def backend(self) -> str:
        """``--backend``, else ``$ENVTOOL_BACKEND``, else auto; read when a command needs it."""
        if self.backend_option is not None:
            return self.backend_option
        value = os.environ.get("ENVTOOL_BACKEND", "").strip() or "auto"
        if value not in BACKENDS:
            raise UsageError(
                f"ENVTOOL_BACKEND={value!r} is not a backend (choose {', '.join(BACKENDS)})"
            )
        return value


def _globals(ctx: click.Context) -> Globals:
    obj = ctx.find_object(Globals)
    assert obj is not None
    return obj


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="envtool", message="%(prog)s %(version)s")
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    help="Engine for export/create/clone: embedded py-rattler (native) or a conda CLI.  "
    "[default: auto, or $ENVTOOL_BACKEND]",
)
@click.option("-v", "--verbose", count=True, help="Say more (repeat for more); show tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Say nothing but errors; no progress.")
@click.pass_context
def cli(ctx: click.Context, backend: str | None, verbose: int, quiet: bool) -> None:
    """Make conda environments reproducible: export, clone, rename, prune and diff them."""
    ctx.obj = Globals(Console(verbose=verbose, quiet=quiet), backend)


# ---------------------------------------------------------------------------------- completion
# Shell completion (click's, enabled as the README says): file and prefix arguments complete
# paths (the shell's own file-name completion), -n and clone SOURCE complete env names.


def _complete_files(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def _complete_dirs(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir")]


def _env_names(incomplete: str) -> list[str]:
    """Names of the envs in the envs dirs conda's configuration names (nothing on any error)."""
    try:
        from envtool.backends.native import NativeBackend

        names = {loc.name for loc in NativeBackend().list_envs() if loc.name}
    except Exception:  # completion must never fail loudly; no names is the safe answer
        return []
    return sorted(n for n in names if "/" not in n and n.startswith(incomplete))


def _complete_env_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(name) for name in _env_names(incomplete)]


def _looks_like_path(incomplete: str) -> bool:
    return (
        incomplete.startswith((".", "~", os.sep, "/")) or "/" in incomplete or os.sep in incomplete
    )


def _complete_env_or_path(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """clone SOURCE: env names, else (a path, or no name matches) files and directories."""
    if not _looks_like_path(incomplete):
        names = _complete_env_names(ctx, param, incomplete)
        if names:
            return names
    return _complete_files(ctx, param, incomplete)


def _complete_diff_side(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """diff OLD/NEW: ``env:NAME`` completes names; anything else is a file."""
    from click.shell_completion import CompletionItem

    if incomplete.startswith("env:"):
        return [CompletionItem(f"env:{n}") for n in _env_names(incomplete[4:])]
    return _complete_files(ctx, param, incomplete)


# ------------------------------------------------------------------------------ shared options


def _add_verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    _globals(ctx).console.verbose += value


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _globals(ctx).console.quiet = True


def _set_backend(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        _globals(ctx).backend_option = value


def verbosity_options(func: F) -> F:
    """-v/-q/--backend/--version after the command name too (``envtool clone SRC -p X -v``),
    as users type them (DESIGN §2: global options go before or after the subcommand)."""
    func = click.version_option(
        __version__,
        "--version",
        prog_name="envtool",
        message="%(prog)s %(version)s",
        hidden=True,  # shown once, in `envtool --help`
    )(func)
    func = click.option(
        "--backend",
        type=click.Choice(BACKENDS),
        expose_value=False,
        callback=_set_backend,
        help="Engine: native (py-rattler) or a conda CLI [default: auto, or $ENVTOOL_BACKEND].",
    )(func)
    func = click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=_set_quiet, help="Say less."
    )(func)
    return click.option(
        "-v", "--verbose", count=True, expose_value=False, callback=_add_verbose, help="Say more."
    )(func)


def output_options(func: F) -> F:
    func = click.option("--in-place", "-i", is_flag=True, help="Rewrite FILE itself (atomically).")(
        func
    )
    return click.option(
        "-o",
        "--output",
        metavar="OUT",
        shell_complete=_complete_files,
        help="Write the result to OUT instead of stdout.",
    )(func)


def prune_options(func: F) -> F:
    """The PRUNE OPTIONS of DESIGN §2, collected by :func:`_prune_options`."""
    options = [
        click.option("--no-builds", is_flag=True, help="Strip build strings."),
        click.option(
            "--keep-variant-builds/--no-keep-variant-builds",
            default=True,
            show_default=True,
            help="With --no-builds, keep a variant build as a glob (pytorch=2.1.0=*cuda*).",
        ),
        click.option(
            "--leaves",
            is_flag=True,
            help="Keep only what was asked for (history specs, else dependency-graph leaves).",
        ),
        click.option(
            "--portable", is_flag=True, help="Drop platform-only packages (libgcc-ng, vc, ...)."
        ),
        click.option(
            "--pin",
            type=click.Choice(["exact", "minor", "major", "none"]),
            help="Rewrite versions to this pin level (openssl=1.1.1w → minor: openssl=1.1).",
        ),
        click.option("--no-pip", is_flag=True, help="Drop the pip section."),
        click.option(
            "--pip-only", is_flag=True, help="Keep only the pip section (and pip, python)."
        ),
        click.option(
            "--drop",
            multiple=True,
            metavar="PATTERN",
            help="Drop packages matching PATTERN (glob).",
        ),
        click.option(
            "--keep", multiple=True, metavar="PATTERN", help="Never drop packages matching PATTERN."
        ),
        click.option("--channels", metavar="A,B", help="Rewrite the channel list."),
        click.option(
            "--keep-prefix/--no-keep-prefix",
            default=None,
            help="Keep the machine-specific prefix: line (dropped by default).",
        ),
        click.option(
            "--explain", is_flag=True, help="List every decision and its reason on stderr."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _prune_options(kwargs: dict[str, Any]) -> PruneOptions:
    from envtool.files.prune_options import PruneOptions

    channels = kwargs.pop("channels")
    return PruneOptions(
        no_builds=kwargs.pop("no_builds"),
        keep_variant_builds=kwargs.pop("keep_variant_builds"),
        leaves=kwargs.pop("leaves"),
        portable=kwargs.pop("portable"),
        pin=kwargs.pop("pin"),
        no_pip=kwargs.pop("no_pip"),
        pip_only=kwargs.pop("pip_only"),
        drop=tuple(kwargs.pop("drop")),
        keep=tuple(kwargs.pop("keep")),
        channels=tuple(c.strip() for c in channels.split(",") if c.strip())
        if channels is not None
        else None,
        keep_prefix=bool(kwargs.pop("keep_prefix")),
    )


# ------------------------------------------------------------------------------------ commands


def env_options(func: F) -> F:
    """-n/--name and -p/--prefix: the env a command reads (export) or makes (create, clone)."""
    func = click.option(
        "-p",
        "--prefix",
        metavar="PREFIX",
        shell_complete=_complete_dirs,
        help="The environment at this path.",
    )(func)
    return click.option(
        "-n",
        "--name",
        metavar="NAME",
        shell_complete=_complete_env_names,
        help="The environment with this name (in the envs dirs).",
    )(func)


def target_options(func: F) -> F:
    """-n/--name and -p/--prefix of the environment create and clone make."""
    func = click.option(
        "-p",
        "--prefix",
        metavar="PREFIX",
        shell_complete=_complete_dirs,
        help="Make the environment at this path.",
    )(func)
    return click.option(
        "-n",
        "--name",
        metavar="NAME",
        help="Make the environment NAME in the first writable envs dir.",
    )(func)


ENVIRONMENT = click.option(
    "--environment",
    metavar="NAME",
    default="default",
    show_default=True,
    help="The pixi environment to install when FILE is a pixi.lock.",
)


def solve_options(func: F) -> F:
    """--cuda, --allow-variant-change and --as-of of create and clone (DESIGN §2)."""
    options = [
        click.option(
            "--cuda",
            metavar="VER|none",
            help="Solve for __cuda=VER (a GPU machine) or none; default: this machine's.",
        ),
        click.option(
            "--allow-variant-change",
            is_flag=True,
            help="Let a package's variant change (CUDA → CPU, mkl → openblas), said on stderr.",
        ),
        click.option(
            "--as-of",
            metavar="DATE|REV",
            help="Solve only with packages published by DATE, or by the commit time of git REV.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _json_is_format(ctx: click.Context, json_format: str) -> str:
    """``--json`` means ``--format json``: refuse it beside another ``--format``."""
    fmt = ctx.params.get("fmt")
    given = ctx.get_parameter_source("fmt") == click.core.ParameterSource.COMMANDLINE
    if given and fmt != json_format:
        raise UsageError(f"--json prints JSON: it cannot go with --format {fmt}")
    return json_format


def _json_globals(ctx: click.Context, as_json: bool) -> Globals:
    """With ``--json`` the document is the output: no progress or info lines (as conda)."""
    g = _globals(ctx)
    if as_json:
        g.console.quiet = True
    return g


JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True, help="Report as a versioned JSON document on stdout."
)

ON_EXISTS = click.option(
    "--on-exists",
    type=click.Choice(["fail", "replace"]),
    default="fail",
    show_default=True,
    help="What to do when the target environment already exists.",
)
OVERRIDE_FROZEN = click.option(
    "--override-frozen",
    is_flag=True,
    help="Replace the target even when it is marked frozen (CEP 22), as conda's flag does.",
)


@cli.command()
@verbosity_options
@env_options
@click.option(
    "-o",
    "--output",
    "-f",
    "--file",
    "output",
    metavar="FILE",
    shell_complete=_complete_files,
    help="Write to FILE instead of stdout (-f/--file as in conda env export).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "explicit"]),
    default="yaml",
    show_default=True,
    help="Environment file (YAML/JSON) or an @EXPLICIT list of package URLs.",
)
@click.option(
    "--from-history",
    is_flag=True,
    help="Only the specs the user asked for (with --pin LEVEL: their installed versions).",
)
@prune_options
@click.option("--rename", metavar="NEW", help="Set name: to NEW in the exported file.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="To stdout: the environment as JSON (as conda's --json); with -f FILE: a JSON report.",
)
@click.option(
    "--conda-compat",
    is_flag=True,
    help="Print exactly what `conda env export` prints: every configured channel, conda's "
    "--from-history, and the prefix: line (unless --no-keep-prefix).",
)
@click.pass_context
def export(
    ctx: click.Context,
    /,
    name: str | None,
    prefix: str | None,
    output: str | None,
    fmt: str,
    from_history: bool,
    explain: bool,
    rename: str | None,
    as_json: bool,
    conda_compat: bool,
    **kwargs: Any,
) -> int:
    """Export an installed environment as a file that recreates it.

    channels: lists only the channels its packages came from, in the configured priority
    order, plus nodefaults when defaults is not among them, so `envtool create -f` needs
    nothing else reachable; prefix: is dropped. --from-history keeps those channels and the pip
    section. --conda-compat prints conda's own `conda env export` output instead.
    """
    from envtool.commands import export as command

    g = _globals(ctx)
    keep_prefix = kwargs["keep_prefix"]
    if as_json and output is None:  # `conda env export --json`: the environment as JSON
        _json_is_format(ctx, "json")
        fmt = "json"
    return command.run(
        conda_compat=conda_compat,
        keep_prefix=keep_prefix,
        name=name,
        prefix=prefix,
        output=output,
        fmt=fmt,
        from_history=from_history,
        options=_prune_options(kwargs),
        explain=explain,
        rename=rename,
        backend=g.backend,
        console=g.console,
        report_json=as_json and output is not None,
    )


@cli.command()
@verbosity_options
@click.option(
    "-f",
    "--file",
    "file",
    required=True,
    metavar="FILE",
    shell_complete=_complete_files,
    help="Environment file.",
)
@target_options
@ON_EXISTS
@OVERRIDE_FROZEN
@click.option(
    "--dry-run", is_flag=True, help="Solve and list what would be installed; change nothing."
)
@ENVIRONMENT
@solve_options
@JSON_OPTION
@click.pass_context
def create(
    ctx: click.Context,
    file: str,
    name: str | None,
    prefix: str | None,
    on_exists: str,
    override_frozen: bool,
    dry_run: bool,
    environment: str,
    cuda: str | None,
    allow_variant_change: bool,
    as_of: str | None,
    as_json: bool,
) -> int:
    """Create an environment from FILE (solve, install, then its pip section)."""
    from envtool.commands import create as command

    g = _json_globals(ctx, as_json)
    return command.run(
        file=file,
        name=name,
        prefix=prefix,
        on_exists="replace" if on_exists == "replace" else "fail",
        override_frozen=override_frozen,
        dry_run=dry_run,
        backend=g.backend,
        console=g.console,
        environment=environment,
        cuda=cuda,
        allow_variant_change=allow_variant_change,
        as_of=as_of,
        as_json=as_json,
    )


@cli.command()
@verbosity_options
@click.argument("source", metavar="SOURCE", shell_complete=_complete_env_or_path)
@target_options
@prune_options
@click.option("--dry-run", is_flag=True, help="Print the environment file it would create.")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    shell_complete=_complete_files,
    help="Also save that environment file to FILE.",
)
@ON_EXISTS
@OVERRIDE_FROZEN
@ENVIRONMENT
@solve_options
@JSON_OPTION
@click.pass_context
def clone(
    ctx: click.Context,
    /,
    source: str,
    name: str | None,
    prefix: str | None,
    dry_run: bool,
    output: str | None,
    on_exists: str,
    override_frozen: bool,
    environment: str,
    cuda: str | None,
    allow_variant_change: bool,
    as_of: str | None,
    explain: bool,
    as_json: bool,
    **kwargs: Any,
) -> int:
    """Make a new environment from SOURCE: an env name, a prefix or an environment file.

    From a file, the new environment is the file's name: unless -n or -p says otherwise.
    """
    from envtool.commands import clone as command

    g = _json_globals(ctx, as_json)
    return command.run(
        source=source,
        name=name,
        prefix=prefix,
        options=_prune_options(kwargs),
        explain=explain,
        dry_run=dry_run,
        output=output,
        on_exists="replace" if on_exists == "replace" else "fail",
        override_frozen=override_frozen,
        backend=g.backend,
        console=g.console,
        environment=environment,
        cuda=cuda,
        allow_variant_change=allow_variant_change,
        as_of=as_of,
        as_json=as_json,
    )


@cli.command()
@verbosity_options
@click.argument("file", metavar="FILE", shell_complete=_complete_files)
@click.argument("new_name", metavar="NEW_NAME")
@output_options
@click.option("--keep-prefix", is_flag=True, help="Keep the prefix: line (dropped by default).")
def rename(file: str, new_name: str, output: str | None, in_place: bool, keep_prefix: bool) -> int:
    """Give FILE a new name: and drop its stale prefix:, keeping every other byte."""
    from envtool.commands import rename as command

    return command.run(file, new_name, output=output, in_place=in_place, keep_prefix=keep_prefix)


@cli.command()
@verbosity_options
@click.argument("files", metavar="FILE...", nargs=-1, required=True, shell_complete=_complete_files)
@prune_options
@output_options
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 if pruning would change FILE.",
)
@click.pass_context
def prune(
    ctx: click.Context,
    /,  # positional-only, so mypy accepts the **kwargs signature under pass_context
    files: tuple[str, ...],
    output: str | None,
    in_place: bool,
    check_only: bool,
    explain: bool,
    **kwargs: Any,
) -> int:
    """Prune FILE: builds, prefix, platform-only packages, pip section, pin level.

    Several FILEs (as pre-commit passes them) need --check or --in-place.
    """
    from envtool.commands import prune as command

    options = _prune_options(kwargs)
    return command.run_files(
        files,
        options,
        output=output,
        in_place=in_place,
        check=check_only,
        explain=explain,
        console=_globals(ctx).console,
    )


@cli.command()
@verbosity_options
@click.argument("old", metavar="[OLD", required=False, shell_complete=_complete_diff_side)
@click.argument("new", metavar="NEW]", required=False, shell_complete=_complete_diff_side)
@click.option(
    "--base",
    metavar="REV",
    help="Diff every environment file changed since git revision REV (no OLD/NEW).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json", "github"]),
    default="text",
    show_default=True,
    help="Output format (github: workflow annotations on the new file's lines).",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are any differences.")
@click.option(
    "--fail-on",
    metavar="KINDS",
    help="Exit 1 when a change of these kinds/sizes occurs (comma list, 'any', 'risky', "
    "'none'). Default: fail-on of the repository's policy.",
)
@click.option(
    "--ignore-builds/--no-ignore-builds",
    default=None,
    help="Ignore build-string-only changes. Default: ignore-builds of the repository's policy.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="PKG",
    help="Ignore this package or glob (repeatable; adds to the policy's ignore list).",
)
@click.pass_context
def diff(
    ctx: click.Context,
    old: str | None,
    new: str | None,
    base: str | None,
    fmt: str,
    as_json: bool,
    exit_code: bool,
    fail_on: str | None,
    ignore_builds: bool | None,
    ignore: tuple[str, ...],
) -> int:
    """Show what changed between OLD and NEW, or in every changed file since --base REV.

    OLD and NEW: an environment file, - (stdin), REV:path (a file in git), env:NAME or
    prefix:PATH (a live environment).
    """
    from envtool.commands import diff as command

    g = _globals(ctx)
    if as_json:
        fmt = _json_is_format(ctx, "json")
    return command.run(
        old,
        new,
        base=base,
        fmt=fmt,
        exit_code=exit_code,
        fail_on=fail_on,
        ignore_builds=ignore_builds,
        ignore=ignore,
        backend=g.backend,
        console=g.console,
    )


@cli.command()
@verbosity_options
@env_options
@click.option("-f", "--file", "file", metavar="FILE", help="Lock this environment file (a solve).")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="P,...",
    help="Platforms to lock (default: this machine's; from an env, others are solved with "
    "its versions preferred).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["conda-lock", "pixi", "pixi-v7", "explicit"]),
    default="conda-lock",
    show_default=True,
    help="conda-lock.yml, pixi.lock v6 (conda 26 reads it) or v7, or <platform>.explicit.txt.",
)
@click.option(
    "-o", "--output", metavar="OUT", help="Write here (explicit: '-' prints, {platform} fills)."
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the lock is stale.")
@click.option(
    "--cuda",
    metavar="VER|none",
    help="Solve -f FILE with __cuda=VER (or without __cuda); default: this machine's.",
)
@click.option(
    "--as-of",
    metavar="DATE|REV",
    help="Solve only with packages published by DATE, or by the commit time of git REV.",
)
@click.pass_context
def lock(
    ctx: click.Context,
    /,
    name: str | None,
    prefix: str | None,
    file: str | None,
    platforms: tuple[str, ...],
    fmt: str,
    output: str | None,
    check: bool,
    cuda: str | None,
    as_of: str | None,
) -> int:
    """Lock an installed env (exactly, from conda-meta) or an environment file (solved)."""
    from envtool.commands import lock as command

    g = _globals(ctx)
    return command.run(
        name=name,
        prefix=prefix,
        file=file,
        platforms=platforms,
        fmt=fmt,
        output=output,
        check=check,
        cuda=cuda,
        as_of=as_of,
        backend=g.backend,
        console=g.console,
    )


@cli.command()
@verbosity_options
@click.argument("files", metavar="FILE...", nargs=-1, required=True, shell_complete=_complete_files)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Leave out findings by code or name (W305,W302 or editable; repeatable).",
)
@click.option(
    "--solve",
    "solve",
    metavar="PLATFORMS",
    help="Instead of linting, solve each FILE for these platforms (linux-64,osx-arm64,win-64; "
    "all = linux-64, linux-aarch64, osx-64, osx-arm64, win-64); exit 1 when any fails.",
)
@click.option("--cuda", metavar="VER", help="With --solve: __cuda of the targets (none: CPU).")
@click.option("--glibc", metavar="VER", help="With --solve: __glibc of linux targets (2.28).")
@click.option("--osx", metavar="VER", help="With --solve: __osx of macOS targets (13.0).")
@click.option(
    "--as-of",
    metavar="DATE|REV",
    help="With --solve: only packages published by DATE, or by the commit time of git REV.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "github"]),
    default="text",
    show_default=True,
    help="How to report: json (= --json) for either; markdown and github with --solve.",
)
@JSON_OPTION
@click.pass_context
def check(
    ctx: click.Context,
    files: tuple[str, ...],
    ignore: tuple[str, ...],
    solve: str | None,
    cuda: str | None,
    glibc: str | None,
    osx: str | None,
    as_of: str | None,
    fmt: str,
    as_json: bool,
) -> int:
    """Lint environment files for what breaks `env create` on another machine; with --solve,
    solve them for other platforms."""
    from envtool.commands import check as command

    console = _globals(ctx).console
    if as_json:
        fmt = _json_is_format(ctx, "json")
    if solve is None:
        for flag, value in (("--cuda", cuda), ("--glibc", glibc), ("--osx", osx)):
            if value is not None:
                raise click.UsageError(f"{flag} goes with --solve")
        if as_of is not None:
            raise click.UsageError("--as-of goes with --solve")
        return command.run(files, console=console, ignore=ignore, as_json=fmt == "json")
    return command.run_solve(
        files,
        platforms=solve,
        cuda=cuda,
        glibc=glibc,
        osx=osx,
        as_of=as_of,
        fmt=fmt,
        console=console,
    )


@cli.command()
@verbosity_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead.")
@click.option("--no-size", is_flag=True, help="Do not measure sizes (faster on big envs).")
@click.pass_context
def envs(ctx: click.Context, as_json: bool, no_size: bool) -> int:
    """List every environment conda knows: name, prefix, size, frozen or not."""
    from envtool.commands import envs as command

    g = _globals(ctx)
    return command.run(as_json=as_json, sizes=not no_size, backend=g.backend, console=g.console)


@cli.command()
@verbosity_options
@env_options
@click.option(
    "--override-frozen",
    is_flag=True,
    help="Remove a frozen environment (CEP 22) anyway, as conda's flag of the same name.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.pass_context
def remove(
    ctx: click.Context,
    name: str | None,
    prefix: str | None,
    override_frozen: bool,
    dry_run: bool,
) -> int:
    """Remove an environment (never base, a frozen env or a directory that is not an env)."""
    from envtool.commands import remove as command

    g = _globals(ctx)
    return command.run(
        name=name,
        prefix=prefix,
        override_frozen=override_frozen,
        dry_run=dry_run,
        backend=g.backend,
        console=g.console,
    )


@cli.command()
@verbosity_options
@click.argument("source", metavar="[FILE]", required=False, shell_complete=_complete_files)
@click.option(
    "-f",
    "--file",
    "file",
    metavar="FILE",
    shell_complete=_complete_files,
    help="The environment file to match.",
)
@target_options
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when the env is out of sync.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as a JSON document.")
@click.option(
    "--allow-variant-change",
    is_flag=True,
    help="Allow a package's variant to change (CUDA → CPU, mkl → openblas).",
)
@click.option(
    "--override-frozen",
    is_flag=True,
    help="Change a frozen environment (CEP 22) anyway, as conda's flag of the same name.",
)
@click.pass_context
def sync(
    ctx: click.Context,
    source: str | None,
    file: str | None,
    name: str | None,
    prefix: str | None,
    dry_run: bool,
    check: bool,
    as_json: bool,
    allow_variant_change: bool,
    override_frozen: bool,
) -> int:
    """Make an existing environment match FILE exactly: install, change and remove packages
    (conda and pip) in one transaction, showing the plan first."""
    from envtool.commands import sync as command

    return command.run(
        file=file,
        source=source,
        name=name,
        prefix=prefix,
        dry_run=dry_run,
        check=check,
        as_json=as_json,
        allow_variant_change=allow_variant_change,
        override_frozen=override_frozen,
        console=_globals(ctx).console,
    )


# ---------------------------------------------------------------------------------- the runner


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the one place where errors become messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    verbose = any(
        a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in args
    )
    try:
        result = cli.main(args=args, prog_name="envtool", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        return int(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:
        # Bare `envtool` is `envtool --help`, as bare `conda` is `conda --help`: the help on
        # stdout, exit 0 (click would print it on stderr as a usage error, exit 2).
        sys.stdout.write(exc.ctx.get_help() + "\n")
        return 0
    except click.Abort:
        sys.stderr.write("envtool: interrupted\n")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        message = exc.format_message().rstrip(".")
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            message += f" (see '{exc.ctx.command_path} --help')"
        sys.stderr.write(f"envtool: error: {message}\n")
        return EXIT_ERROR
    except EnvtoolError as exc:
        if verbose:
            _print_traceback()
        sys.stderr.write(f"envtool: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("envtool: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`envtool diff ... | head`); not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except BaseException as exc:
        if isinstance(exc, (SystemExit, GeneratorExit)):
            raise
        if verbose:
            _print_traceback()
        detail = str(exc).splitlines()[0] if str(exc) else ""
        name = type(exc).__name__
        sys.stderr.write(
            f"envtool: internal error: {name}{': ' + detail if detail else ''}"
            f"{'' if verbose else ' (re-run with -v for the traceback)'}\n"
        )
        return EXIT_BUG
    return int(result or 0)


def _print_traceback() -> None:
    import traceback  # (with linecache, tokenize, textwrap): only when -v asks for it

    traceback.print_exc()
