"""Helpers shared by the benchmark scripts (tables, instance paths)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = Path(os.environ.get("DIMOD_SHRINK_INSTANCES", ROOT.parent / "shared" / "instances"))


def table(rows: list[dict], columns: list[str] | None = None, floatfmt: str = ".4g") -> str:
    """Format ``rows`` as a Markdown table."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])

    def fmt(v):
        if isinstance(v, float):
            return format(v, floatfmt)
        return "" if v is None else str(v)

    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths)) + " |"  # noqa
    out = [line(columns), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in cells]
    return "\n".join(out)
