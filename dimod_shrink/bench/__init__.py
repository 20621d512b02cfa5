"""Benchmark sweeps: suite files, methods, a resumable Dask runner, reports.

Needs the ``bench`` extra (dask[distributed], tqdm, matplotlib).
"""

from .methods import COLUMNS, run_one
from .suite import METHODS, Suite, SuiteError, load_suite

__all__ = ["load_suite", "Suite", "SuiteError", "METHODS", "run_one", "COLUMNS"]
