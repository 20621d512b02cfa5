"""Readers for benchmark instance files.

Every reader refuses, with :class:`InstanceFormatError` (a :class:`ValueError`
carrying ``path`` and ``line``), anything it cannot read: a directory, a
binary or non-UTF-8 file, a malformed line, counts that do not match the
contents (a truncated file), non-finite numbers, and declared sizes over the
documented limits (:data:`~dimod_shrink.io.dimacs.MAX_VERTICES`,
:data:`~dimod_shrink.io.dimacs.MAX_COMPLEMENT_EDGES`).  A missing file raises
:class:`FileNotFoundError`.

Files are streamed in blocks of about a megabyte and declared sizes are
checked against what the file can hold before anything is allocated, so a
malformed file of tens of megabytes is refused in seconds and in constant
memory.  Graphs come back as :class:`networkx.Graph` (sparse); no reader
builds a dense ``n x n`` structure.
"""

from ._tokens import InstanceFormatError
from .dimacs import MAX_COMPLEMENT_EDGES, MAX_VERTICES, read_dimacs
from .lp import read_lp
from .maxcut import read_maxcut
from .mknap import MknapInstance, count_mknap, read_best_known, read_mknap
from .qaplib import QAPInstance, read_qaplib, read_qaplib_solution

__all__ = ["InstanceFormatError", "read_dimacs", "read_lp", "read_maxcut", "read_mknap",
           "count_mknap", "read_best_known", "MknapInstance", "QAPInstance", "read_qaplib",
           "read_qaplib_solution", "MAX_VERTICES", "MAX_COMPLEMENT_EDGES"]
