"""Entry point: ``envtool`` and ``python -m envtool``.

``--version`` is answered here without importing click or anything else, so the most common
"is it installed?" call costs no more than Python's own start-up.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from envtool import __version__

        sys.stdout.write(f"envtool {__version__}\n")
        return 0
    from envtool.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
