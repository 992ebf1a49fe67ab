"""envtool: reproducible conda environments.

From Python, use :mod:`envtool.api`. The layers, outermost first: ``cli`` (click) →
``commands`` (render, exit codes) → ``ops`` (operations returning values) → ``render``,
``diff``, ``files``, ``envs``, ``backends`` (the core and the engines).
"""

from __future__ import annotations

__version__ = "0.1.0"
