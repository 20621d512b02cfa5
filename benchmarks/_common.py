"""Helpers shared by the benchmark scripts (instance paths, tables)."""

from __future__ import annotations

import os
from pathlib import Path

from dimod_shrink.bench.table import table

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = Path(os.environ.get("DIMOD_SHRINK_INSTANCES", ROOT.parent / "shared" / "instances"))

__all__ = ["ROOT", "INSTANCES", "table"]
