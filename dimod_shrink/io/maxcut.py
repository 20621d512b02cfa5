"""Max-Cut edge lists (``i j w`` lines, 1-based, with an optional ``n m`` header)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np

from ._tokens import (InstanceFormatError, check_text, is_blank, iter_blocks, line_count,
                      line_heads, open_instance)
from .dimacs import MAX_VERTICES

__all__ = ["read_maxcut"]

_WHAT = "a Max-Cut edge list ('n m' header, then 'i j w' lines)"
_MARKS = (ord("#"), ord("c"))


def read_maxcut(path, *, max_vertices: int = MAX_VERTICES) -> nx.Graph:
    """Read a weighted Max-Cut graph (rudy / Biq Mac / G-set style).

    Lines are ``i j w``; a first line with two numbers is the ``n m`` header,
    whose counts are then checked (the graph then has vertices ``1..n``;
    without a header it has the vertices that appear in the edges).  Lines
    starting with ``#`` or ``c`` are comments.  Edge weights go to the
    ``weight`` attribute; repeated edges add up.  The file is streamed and
    checked as it is read: UTF-8 text, vertices in ``1..n`` (at most
    ``max_vertices``), no self-loops, finite weights, and as many edge lines as
    the header declares.

    Args:
        path: The file.
        max_vertices: Refuse a header, or a vertex number, over this limit
            (default :data:`~dimod_shrink.io.dimacs.MAX_VERTICES`).

    Raises:
        FileNotFoundError: No such file.
        InstanceFormatError: A malformed file, a directory or a binary file;
            the message names the file and the line.

    Examples:
        >>> import os, tempfile
        >>> from dimod_shrink.io import read_maxcut
        >>> path = os.path.join(tempfile.mkdtemp(), "triangle.txt")
        >>> with open(path, "w") as fh:
        ...     _ = fh.write("3 3\\n1 2 1\\n2 3 2\\n1 3 -1\\n")
        >>> g = read_maxcut(path)
        >>> g.number_of_nodes(), g[2][3]["weight"]
        (3, 2.0)
    """
    path = open_instance(path)
    check_text(path, _WHAT)
    st = _State(max_vertices)
    for start, text in iter_blocks(path, _WHAT):
        st.last = start + line_count(text) - 1
        first, second = line_heads(text)
        ignore = is_blank(first, second) | np.isin(first, _MARKS)
        if ignore.all():
            continue
        if not _fast_edges(text, first, ignore, st):
            _slow_lines(path, start, text, st, max_vertices)
    header = st.header
    if header and st.count != header[1]:
        raise InstanceFormatError(path, st.header_line,
                                  f"the header promises {header[1]:,} edges, the file holds "
                                  f"{st.count:,} (it ends at line {st.last}); the file is "
                                  "truncated or its count is wrong")
    if st.count == 0:
        raise InstanceFormatError(path, st.last or 1, f"no edges; expected {_WHAT}")
    u, v, w = (np.concatenate(x) for x in (st.us, st.vs, st.ws))
    # repeated edges add up; edges (and, without a header, vertices) keep file order
    top = int(max(u.max(), v.max())) + 1
    key = np.minimum(u, v) * top + np.maximum(u, v)
    _, first_at, inverse = np.unique(key, return_index=True, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=w)
    order = np.argsort(first_at, kind="stable")
    at, total = first_at[order], total[order]
    bad = np.flatnonzero(~np.isfinite(total))
    if bad.size:
        k = at[bad[0]]
        raise InstanceFormatError(path, None, f"the weights of the repeated edge "
                                              f"({u[k]}, {v[k]}) add up to a number too large "
                                              "for a float")
    g = nx.Graph()
    if header:
        g.add_nodes_from(range(1, header[0] + 1))
    g.add_weighted_edges_from(zip(u[at].tolist(), v[at].tolist(), total.tolist()))
    g.graph["name"] = path.name
    return g


class _State:
    def __init__(self, max_vertices):
        self.header = self.header_line = None
        self.limit = max_vertices
        self.count = 0
        self.last = 0
        self.us: list[np.ndarray] = []
        self.vs: list[np.ndarray] = []
        self.ws: list[np.ndarray] = []


def _fast_edges(text, first, ignore, st) -> bool:
    """Read a block of ``i j w`` lines (and comments) with numpy; ``False`` if anything is off.

    ``False`` sends the block to :func:`_slow_lines`, which reads it line by
    line and raises the precise error.
    """
    data = ~ignore
    if not ((first[data] >= 48) & (first[data] <= 57)).all():
        return False
    if ignore.any():
        lines = text.split("\n")[:len(first)]
        text = "\n".join(itertools.compress(lines, data.tolist()))
    lines = int(data.sum())
    toks = text.split()
    if len(toks) != 3 * lines or (st.header and st.count + lines > st.header[1]):
        return False
    try:
        u = np.array(toks[0::3], dtype=np.int64)
        v = np.array(toks[1::3], dtype=np.int64)
        w = np.fromiter(map(float, toks[2::3]), dtype=float, count=lines)
    except (ValueError, OverflowError):
        return False
    if not ((u >= 1) & (u <= st.limit) & (v >= 1) & (v <= st.limit) & (u != v)
            & np.isfinite(w)).all():
        return False
    st.us.append(u)
    st.vs.append(v)
    st.ws.append(w)
    st.count += lines
    return True


def _slow_lines(path, start, text, st, max_vertices):
    us, vs, ws = [], [], []
    for ln, line in enumerate(text.split("\n"), start):
        parts = line.split()
        if not parts or parts[0].startswith(("#", "c")):
            continue
        if st.header is None and st.count == 0 and not us and len(parts) == 2:
            try:
                header = (int(parts[0]), int(parts[1]))
            except ValueError:
                raise InstanceFormatError(path, ln, f"expected 'n m', found "
                                                    f"{line.strip()!r}") from None
            if header[0] < 1:
                raise InstanceFormatError(path, ln, f"the graph must have at least one "
                                                    f"vertex; found {line.strip()!r}")
            if header[0] > max_vertices:
                raise InstanceFormatError(path, ln, f"{header[0]:,} vertices is over the limit "
                                                    f"of {max_vertices:,} (max_vertices)")
            if header[1] < 1:
                raise InstanceFormatError(path, ln, f"the header declares no edges: "
                                                    f"{line.strip()!r}")
            st.header, st.header_line, st.limit = header, ln, header[0]
            continue
        if len(parts) != 3:
            raise InstanceFormatError(path, ln, f"expected 'i j w', found {line.strip()[:80]!r}")
        try:
            u, v, w = int(parts[0]), int(parts[1]), float(parts[2])
        except ValueError:
            raise InstanceFormatError(path, ln, f"expected 'i j w', found "
                                                f"{line.strip()[:80]!r}") from None
        if not (1 <= u <= st.limit and 1 <= v <= st.limit):
            bound = "the header's n" if st.header else "max_vertices"
            raise InstanceFormatError(path, ln, f"vertex out of range 1..{st.limit:,} "
                                                f"({bound}): {line.strip()!r}")
        if u == v:
            raise InstanceFormatError(path, ln, f"self-loop: {line.strip()!r}")
        if not math.isfinite(w):
            raise InstanceFormatError(path, ln, f"the weight must be a finite number: "
                                                f"{line.strip()!r}")
        st.count += 1
        if st.header and st.count > st.header[1]:
            raise InstanceFormatError(path, ln, f"more edge lines than the {st.header[1]:,} "
                                                f"declared on line {st.header_line}")
        us.append(u)
        vs.append(v)
        ws.append(w)
    st.us.append(np.array(us, dtype=np.int64))
    st.vs.append(np.array(vs, dtype=np.int64))
    st.ws.append(np.array(ws, dtype=float))
