"""DIMACS edge files (``p edge n m`` / ``e u v``) for maximum independent set."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from ..candidates import unique_keys
from ._tokens import (InstanceFormatError, check_text, is_blank, iter_blocks, line_count,
                      line_heads, open_instance)

__all__ = ["read_dimacs", "MAX_VERTICES", "MAX_COMPLEMENT_EDGES"]

#: Largest vertex count a DIMACS file may declare (``p edge n m``).  A
#: :class:`networkx.Graph` costs about 250 bytes per vertex, so this keeps a
#: 16-byte file such as ``p edge 1000000000 0`` from allocating gigabytes.
MAX_VERTICES = 1_000_000

#: Largest complement graph built for a ``.clq`` file.  networkx stores about
#: 135 bytes per edge (measured: 500,000 edges take 67 MB), so two million
#: edges is about 270 MB.  The DIMACS clique benchmarks stay far below it
#: (``p_hat300-1``: 34,000 complement edges).
MAX_COMPLEMENT_EDGES = 2_000_000


_WHAT = "a DIMACS graph ('p edge N M' and 'e U V' lines)"
_MARKS = (ord("c"), ord("n"))
_SEPS = (32, 9, 13, 10)


def _int(path, ln, tok, line, expected):
    try:
        return int(tok)
    except ValueError:
        raise InstanceFormatError(path, ln, f"expected {expected}, found {line.strip()!r}") \
            from None


def read_dimacs(path, complement: bool | None = None, *, max_vertices: int = MAX_VERTICES,
                max_complement_edges: int = MAX_COMPLEMENT_EDGES) -> nx.Graph:
    """Read a DIMACS graph as a :class:`networkx.Graph` with vertices ``1..n``.

    ``c`` comment lines and ``n v w`` vertex-weight lines are ignored.  The
    file is streamed (never held whole in memory) and checked as it is read:
    it must be UTF-8 text, the ``p edge N M`` line must come before the edges
    and declare ``1 <= N <= max_vertices``, every ``e U V`` line must name two
    distinct vertices of ``1..N`` (self-loops are refused, as in
    :func:`~dimod_shrink.io.read_maxcut`), and the number of ``e`` lines must
    equal ``M``.  Repeated edges are counted as lines but stored once.

    Args:
        path: The file.
        complement: Return the complement graph.  Default: ``True`` for
            ``.clq`` files (clique benchmarks, whose MIS instance is the
            complement), ``False`` otherwise.
        max_vertices: Refuse a ``p`` line declaring more vertices
            (default :data:`MAX_VERTICES`).
        max_complement_edges: Refuse to build a complement with more edges
            (default :data:`MAX_COMPLEMENT_EDGES`); the check is made from the
            counts, before anything is allocated.

    Raises:
        FileNotFoundError: No such file.
        InstanceFormatError: A malformed file, a directory, a binary file, or a
            size over the limits; the message names the file and the line.

    Examples:
        >>> import os, tempfile
        >>> from dimod_shrink.io import read_dimacs
        >>> path = os.path.join(tempfile.mkdtemp(), "path.dimacs")
        >>> with open(path, "w") as fh:
        ...     _ = fh.write("c a path on 3 vertices\\np edge 3 2\\ne 1 2\\ne 2 3\\n")
        >>> sorted(read_dimacs(path).edges())
        [(1, 2), (2, 3)]
        >>> sorted(read_dimacs(path, complement=True).edges())
        [(1, 3)]
    """
    path = open_instance(path)
    if complement is None:
        complement = path.suffix == ".clq"
    check_text(path, _WHAT)
    st = _State()
    for start, text in iter_blocks(path, _WHAT):
        st.last = start + line_count(text) - 1
        first, second = line_heads(text)
        ignore = is_blank(first, second) | (np.isin(first, _MARKS) & np.isin(second, _SEPS))
        if ignore.all():
            continue
        if st.n is None or not _fast_edges(text, first, second, ignore, st):
            _slow_lines(path, start, text, st, max_vertices)
    n, m = st.n, st.m
    if n is None:
        raise InstanceFormatError(path, st.last or 1, f"no 'p edge N M' line; expected {_WHAT}")
    if st.count != m:
        raise InstanceFormatError(path, st.p_line, f"the 'p' line promises {m:,} edges, the "
                                                   f"file holds {st.count:,} (it ends at line "
                                                   f"{st.last}); the file is truncated or its "
                                                   "count is wrong")
    u = np.concatenate(st.us) if st.us else np.zeros(0, np.int64)
    v = np.concatenate(st.vs) if st.vs else np.zeros(0, np.int64)
    if complement:
        distinct = unique_keys(np.minimum(u, v) * (n + 1) + np.maximum(u, v)).size
        size = n * (n - 1) // 2 - distinct
        if size > max_complement_edges:
            raise InstanceFormatError(
                path, st.p_line, f"its complement graph (read for MIS from a .clq clique "
                                 f"benchmark) would have {size:,} edges, over the limit of "
                                 f"{max_complement_edges:,} (max_complement_edges); pass "
                                 "complement=False to read the graph itself")
    g = nx.Graph()
    g.add_nodes_from(range(1, n + 1))
    g.add_edges_from(zip(u.tolist(), v.tolist()))
    if complement:
        g = nx.complement(g)
    g.graph["name"] = path.name
    return g


class _State:
    def __init__(self):
        self.n = self.m = self.p_line = None
        self.count = 0
        self.last = 0
        self.us: list[np.ndarray] = []
        self.vs: list[np.ndarray] = []


def _fast_edges(text, first, second, ignore, st) -> bool:
    """Read a block of ``e U V`` lines (and comments) with numpy; ``False`` if anything is off.

    ``False`` sends the block to :func:`_slow_lines`, which reads it line by
    line and raises the precise error.
    """
    data = ~ignore
    if not ((first[data] == 101) & np.isin(second[data], (32, 9))).all():
        return False
    if ignore.any():
        lines = text.split("\n")[:len(first)]
        text = "\n".join(itertools.compress(lines, data.tolist()))
    lines = int(data.sum())
    toks = text.split()
    if len(toks) != 3 * lines or set(toks[0::3]) != {"e"} or st.count + lines > st.m:
        return False
    try:
        u = np.array(toks[1::3], dtype=np.int64)
        v = np.array(toks[2::3], dtype=np.int64)
    except (ValueError, OverflowError):
        return False
    if not ((u >= 1) & (u <= st.n) & (v >= 1) & (v <= st.n) & (u != v)).all():
        return False
    st.us.append(u)
    st.vs.append(v)
    st.count += lines
    return True


def _slow_lines(path, start, text, st, max_vertices):
    us, vs = [], []
    n, m = st.n, st.m
    for ln, line in enumerate(text.split("\n"), start):
        parts = line.split()
        if not parts or parts[0] in ("c", "n"):
            continue
        if parts[0] == "p":
            if n is not None:
                raise InstanceFormatError(path, ln, f"second 'p' line (the first is line "
                                                    f"{st.p_line})")
            expected = "'p edge N M'"
            if len(parts) != 4 or parts[1] not in ("edge", "col"):
                raise InstanceFormatError(path, ln, f"expected {expected}, found "
                                                    f"{line.strip()[:80]!r}")
            n = _int(path, ln, parts[2], line, expected)
            m = _int(path, ln, parts[3], line, expected)
            if n < 1:
                raise InstanceFormatError(path, ln, f"the graph must have at least one vertex; "
                                                    f"found {line.strip()!r}")
            if n > max_vertices:
                raise InstanceFormatError(path, ln, f"{n:,} vertices is over the limit of "
                                                    f"{max_vertices:,} (max_vertices)")
            if m < 0:
                raise InstanceFormatError(path, ln, f"negative edge count in {line.strip()!r}")
            st.n, st.m, st.p_line = n, m, ln
        elif parts[0] == "e":
            if n is None:
                raise InstanceFormatError(path, ln, "edge before the 'p edge N M' line")
            expected = "'e U V'"
            if len(parts) != 3:
                raise InstanceFormatError(path, ln, f"expected {expected}, found "
                                                    f"{line.strip()[:80]!r}")
            u = _int(path, ln, parts[1], line, expected)
            v = _int(path, ln, parts[2], line, expected)
            if not (1 <= u <= n and 1 <= v <= n):
                raise InstanceFormatError(path, ln, f"vertex out of range 1..{n}: "
                                                    f"{line.strip()!r}")
            if u == v:
                raise InstanceFormatError(path, ln, f"self-loop {line.strip()!r}; a simple "
                                                    "graph is expected")
            st.count += 1
            if st.count > m:
                raise InstanceFormatError(path, ln, f"more 'e' lines than the {m:,} edges "
                                                    f"declared on line {st.p_line}")
            us.append(u)
            vs.append(v)
        else:
            raise InstanceFormatError(path, ln, f"unknown line type {parts[0][:20]!r}; "
                                                f"expected {_WHAT}")
    st.us.append(np.array(us, dtype=np.int64))
    st.vs.append(np.array(vs, dtype=np.int64))
