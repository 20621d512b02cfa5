"""Helpers shared by the benchmark scripts (instance paths, tables)."""

from __future__ import annotations

import os
from pathlib import Path

from dimod_shrink.bench.table import table

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = Path(os.environ.get("DIMOD_SHRINK_INSTANCES", ROOT.parent / "shared" / "instances"))

__all__ = ["ROOT", "INSTANCES", "table", "write_report"]


def write_report(lines, out) -> None:
    """Write a report's ``lines`` to the file ``out`` (its folder made); ``"-"``: nowhere."""
    if out != "-":
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text("\n".join(lines) + "\n")
