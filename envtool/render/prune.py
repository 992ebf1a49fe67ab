"""How pruning decisions read on stderr (``prune --explain``, ``prune --check``, ``export``)."""

from __future__ import annotations

from envtool.files.prune import Decision
from envtool.secrets import redact
from envtool.ui import plural


def format_decision(source: str, decision: Decision) -> str:
    """``file:line: drop x=1=b — reason``, the line ``--explain`` and ``--check`` print
    (credentials masked: a channel rewritten from a token URL is shown as ``t/***/``)."""
    where = f"{source}:{decision.line}" if decision.line is not None else source
    return redact(f"{where}: {decision.describe()}")


def summary(decisions: tuple[Decision, ...]) -> str:
    """``2 drops, 1 rewrite``: what pruning would change."""
    drops = sum(d.action == "drop" for d in decisions)
    rewrites = sum(d.action == "rewrite" for d in decisions)
    parts = [plural(drops, "drop")] if drops else []
    parts += [plural(rewrites, "rewrite")] if rewrites else []
    return ", ".join(parts)
