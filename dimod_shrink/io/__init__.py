"""Readers for benchmark instance files.

Every reader validates the whole file before building anything and raises
:class:`InstanceFormatError` (a :class:`ValueError`) naming the file and the
line of the first problem.
"""

from ._tokens import InstanceFormatError
from .dimacs import read_dimacs
from .lp import read_lp
from .maxcut import read_maxcut
from .mknap import MknapInstance, count_mknap, read_best_known, read_mknap
from .qaplib import QAPInstance, read_qaplib, read_qaplib_solution

__all__ = ["InstanceFormatError", "read_dimacs", "read_lp", "read_maxcut", "read_mknap",
           "count_mknap", "read_best_known", "MknapInstance", "QAPInstance", "read_qaplib",
           "read_qaplib_solution"]
