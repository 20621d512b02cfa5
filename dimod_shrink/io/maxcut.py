"""Max-Cut graphs as edge lists: rudy / Biq Mac and G-set files, and networkx's edge lists.

The rules, in full (``docs/formats.md`` shows examples):

* A line is an edge ``i j w`` (weighted), ``i j`` (unweighted: weight 1) or
  ``i j {...}`` (networkx's :func:`~networkx.write_edgelist` with its default
  ``data=True``: the weight is the dictionary's ``'weight'``, 1 when absent).
  Vertices are non-negative integers.  Lines starting with ``#`` or ``c`` are
  comments; blank lines are ignored.
* Every edge line has the same form as the first one: a line with a number
  missing or one too many is refused, naming it (the numbers are never
  re-paired across lines).
* The first line may be an ``n m`` header (rudy / Biq Mac).  It is one when it
  holds two integers and the edge lines are weighted (``i j w`` or
  ``i j {...}``); a file of one line of two numbers is read as a header (whose
  edges are missing).  In a file of unweighted ``i j`` lines the first line
  is an edge -- unless it could also be a header (``m`` equals the number of
  lines after it, and no vertex after it is above ``n``): such a file is
  refused as ambiguous, and ``header=True`` or ``header=False`` settles it.
* Without a header the graph's vertices are the numbers that appear, as they
  are (0-based and 1-based files alike).  With a header they are ``1..n``, or
  ``0..n-1`` when vertex 0 appears (networkx writes 0-based files); a file
  that names both 0 and ``n`` is refused.  ``index_base`` fixes the base
  instead of detecting it.
* No self-loops, finite weights, and, with a header, exactly ``m`` edge lines.
  Repeated edges add up.
"""

from __future__ import annotations

import ast
import itertools
import math
import numbers

import networkx as nx
import numpy as np

from ._tokens import (InstanceFormatError, check_text, is_blank, iter_blocks, iter_lines,
                      line_count, line_heads, open_instance, tokens_per_line)
from .dimacs import MAX_VERTICES

__all__ = ["read_maxcut"]

_WHAT = "a Max-Cut edge list (an optional 'n m' header, then 'i j w' or 'i j' lines)"
_MARKS = (ord("#"), ord("c"))
_FORMS = {2: "'i j' (two vertices)", 3: "'i j w' (two vertices and a weight)",
          "dict": "'i j {...}' (two vertices and networkx's attribute dictionary)"}


def read_maxcut(path, *, max_vertices: int = MAX_VERTICES, header: bool | None = None,
                index_base: int | None = None) -> nx.Graph:
    """Read a weighted Max-Cut graph from an edge list.

    Reads rudy / Biq Mac files (``n m`` header, then ``i j w`` lines), G-set
    files (``i j w``, no header) and the output of networkx's
    :func:`~networkx.write_weighted_edgelist` and
    :func:`~networkx.write_edgelist` (0-based, weighted, unweighted or with
    attribute dictionaries).  The rules are in the module docstring and in
    ``docs/formats.md``.  The file is streamed and checked as it is read.

    Args:
        path: The file.
        max_vertices: Refuse a header, or a vertex number, over this limit
            (default :data:`~dimod_shrink.io.dimacs.MAX_VERTICES`).
        header: ``True``: the first line is an ``n m`` header; ``False``: it is
            an edge; ``None`` (default): decided by the rules above, and a
            file of unweighted edges whose first line could be either is
            refused.
        index_base: ``0`` or ``1``: the vertex numbering of a file with a
            header (``0..n-1`` or ``1..n``); in a file without a header,
            ``1`` refuses vertex 0.  ``None`` (default): 0-based when vertex 0
            appears.

    Returns:
        :class:`networkx.Graph` with a ``weight`` on every edge; its vertices
        are the file's numbers.

    Raises:
        FileNotFoundError: No such file.
        InstanceFormatError: A malformed file, a directory or a binary file;
            the message names the file and the line.
        ValueError: A bad ``header`` or ``index_base``.

    Examples:
        >>> import os, tempfile
        >>> from dimod_shrink.io import read_maxcut
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "triangle.txt")
        >>> with open(path, "w") as fh:
        ...     _ = fh.write("3 3\\n1 2 1\\n2 3 2\\n1 3 -1\\n")
        >>> g = read_maxcut(path)
        >>> g.number_of_nodes(), g[2][3]["weight"]
        (3, 2.0)

        networkx's own edge lists read back, 0-based:

        >>> import networkx as nx
        >>> path = os.path.join(folder, "path.edgelist")
        >>> nx.write_edgelist(nx.path_graph(4), path, data=False)
        >>> sorted(read_maxcut(path).edges(data="weight"))
        [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)]
    """
    if header not in (None, True, False):
        raise ValueError(f"header must be None, True or False, got {header!r}")
    if index_base not in (None, 0, 1) or isinstance(index_base, bool):
        raise ValueError(f"index_base must be None, 0 or 1, got {index_base!r}")
    path = open_instance(path)
    check_text(path, _WHAT)
    st = _State(path, max_vertices, header)
    st.plan()
    for start, text in iter_blocks(path, _WHAT):
        st.last = start + line_count(text) - 1
        first, second = line_heads(text)
        ignore = is_blank(first, second) | np.isin(first, _MARKS)
        if ignore.all():
            continue
        if st.pending or not _fast_edges(text, first, ignore, st):
            _slow_lines(start, text, st)
    return st.graph(index_base)


def _form(parts):
    """The form of an edge line's fields: 2, 3, ``"dict"`` or ``None`` (none of them)."""
    if len(parts) >= 3 and parts[2].startswith("{"):
        return "dict"
    return len(parts) if len(parts) in (2, 3) else None


class _State:
    def __init__(self, path, max_vertices, header):
        self.path = path
        self.max_vertices = max_vertices
        self.want_header = header
        self.header = self.header_line = None
        self.pending = False  # the header line is still to be read
        self.form = None  # the form of every edge line
        self.form_line = None
        self.limit = max_vertices
        self.count = 0
        self.last = 0
        self.us: list[np.ndarray] = []
        self.vs: list[np.ndarray] = []
        self.ws: list[np.ndarray] = []

    def error(self, line, message):
        return InstanceFormatError(self.path, line, message)

    def plan(self):
        """Decide, from the first two data lines, whether there is a header and the form."""
        heads = []
        for ln, line in iter_lines(self.path, _WHAT):
            parts = line.split()
            if parts and not parts[0].startswith(("#", "c")):
                heads.append((ln, line, parts))
                if len(heads) == 2:
                    break
        if not heads:
            raise self.error(self.last_line(), f"no edges; expected {_WHAT}")
        (ln1, line1, p1), rest = heads[0], heads[1:]
        f1 = _form(p1)
        f2 = _form(rest[0][2]) if rest else None
        if self.want_header is None:
            has_header = len(p1) == 2 and (not rest or f2 in (3, "dict"))
        else:
            has_header = self.want_header
        if has_header:
            if len(p1) != 2:
                raise self.error(ln1, f"expected the 'n m' header (header=True), found "
                                      f"{line1.strip()[:80]!r}")
            self.pending = True
            if rest:
                ln2, line2, p2 = rest[0]
                if f2 is None:
                    raise self.error(ln2, f"expected 'i j w' or 'i j' after the 'n m' header on "
                                          f"line {ln1}, found {line2.strip()[:80]!r}")
                self.form, self.form_line = f2, ln2
            return
        if f1 is None:
            raise self.error(ln1, f"expected 'i j w' (or 'i j'), found {line1.strip()[:80]!r}")
        self.form, self.form_line = f1, ln1

    def last_line(self):
        last = 1
        for ln, _ in iter_lines(self.path, _WHAT):
            last = ln
        return last

    def read_header(self, ln, line, parts):
        try:
            n, m = int(parts[0]), int(parts[1])
        except ValueError:
            raise self.error(ln, f"expected the 'n m' header, found {line.strip()!r}") from None
        alone = "" if self.form is not None else (
            " (a file of one line of two numbers is read as an 'n m' header; pass "
            "header=False to read it as a single unweighted edge)")
        if n < 1:
            raise self.error(ln, f"the graph must have at least one vertex; found "
                                 f"{line.strip()!r}{alone}")
        if n > self.max_vertices:
            raise self.error(ln, f"{n:,} vertices is over the limit of "
                                 f"{self.max_vertices:,} (max_vertices)")
        if m < 1:
            raise self.error(ln, f"the header declares no edges: {line.strip()!r}{alone}")
        self.header, self.header_line, self.pending = (n, m), ln, False
        self.limit = n  # 1..n, or 0..n-1: the base is settled at the end

    def add(self, u, v, w):
        self.us.append(u)
        self.vs.append(v)
        self.ws.append(w)

    # -- the end: the base, the counts, the graph ------------------------------------------
    def graph(self, index_base) -> nx.Graph:
        header = self.header
        if self.pending:  # a header and nothing else
            raise self.error(self.last_line(), f"no edge lines after the header; expected "
                                               f"{_WHAT}")
        if header and self.count != header[1]:
            hint = "" if self.count else (
                " (a file of one line of two numbers is read as an 'n m' header; pass "
                "header=False to read it as a single unweighted edge)")
            raise self.error(self.header_line,
                             f"the header promises {header[1]:,} edges, the file holds "
                             f"{self.count:,} (it ends at line {self.last}); the file is "
                             f"truncated or its count is wrong{hint}")
        if self.count == 0:
            raise self.error(self.last or 1, f"no edges; expected {_WHAT}")
        u, v, w = (np.concatenate(x) for x in (self.us, self.vs, self.ws))
        low = int(min(u.min(), v.min()))
        base = index_base if index_base is not None else (0 if low == 0 else 1)
        if base == 1 and low == 0:
            ln, line = self.find(lambda a, b: a == 0 or b == 0)
            raise self.error(ln, f"vertex 0 in a 1-based file (index_base=1): {line!r}")
        if header:
            n = header[0]
            top = int(max(u.max(), v.max()))
            if top > n - 1 + base:
                ln, line = self.find(lambda a, b: max(a, b) > n - 1 + base)
                why = ("the file is 0-based: vertex 0 appears" if index_base is None
                       else "index_base=0")
                raise self.error(ln, f"vertex out of range {base}..{n - 1 + base} (the "
                                     f"header's n = {n:,}; {why}): {line!r}")
        elif self.form == 2 and self.want_header is None:
            self._check_not_a_header(u, v)
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
            raise self.error(None, f"the weights of the repeated edge ({u[k]}, {v[k]}) add "
                                   "up to a number too large for a float")
        g = nx.Graph()
        if header:
            g.add_nodes_from(range(base, header[0] + base))
        g.add_weighted_edges_from(zip(u[at].tolist(), v[at].tolist(), total.tolist()))
        g.graph["name"] = self.path.name
        return g

    def _check_not_a_header(self, u, v):
        """Refuse a file of ``i j`` lines whose first line could be an ``n m`` header."""
        a, b = int(u[0]), int(v[0])
        rest = max(int(u[1:].max(initial=-1)), int(v[1:].max(initial=-1)))
        if b == self.count - 1 and b >= 1 and rest <= a:
            ln, line = self.find(lambda x, y: True)
            raise self.error(ln, f"ambiguous first line {line!r}: an 'n m' header ({a} "
                                 f"vertices, {b} edges: the file holds {b} lines after it, "
                                 f"no vertex above {a}) or an unweighted edge; pass "
                                 "header=True or header=False (or give every edge line a "
                                 "weight: 'i j 1')")

    def find(self, test):
        """``(line, text)`` of the first edge line whose vertices pass ``test`` (for errors)."""
        skip = self.header_line
        for ln, line in iter_lines(self.path, _WHAT):
            parts = line.split()
            if not parts or parts[0].startswith(("#", "c")) or ln == skip:
                continue
            if test(int(parts[0]), int(parts[1])):
                return ln, line.strip()[:80]
        return None, ""


def _fast_edges(text, first, ignore, st) -> bool:
    """Read a block of ``i j w`` (or ``i j``) lines and comments with numpy.

    ``False`` (anything off, or a form other than 2 or 3 fields) sends the
    block to :func:`_slow_lines`, which reads it line by line and raises the
    precise error.
    """
    k = st.form
    if k not in (2, 3):
        return False
    data = ~ignore
    if not ((first[data] >= 48) & (first[data] <= 57)).all():
        return False
    if ignore.any():
        lines = text.split("\n")[:len(first)]
        text = "\n".join(itertools.compress(lines, data.tolist()))
    lines = int(data.sum())
    if not (tokens_per_line(text) == k).all() or (st.header and
                                                   st.count + lines > st.header[1]):
        return False
    toks = text.split()
    if len(toks) != k * lines:
        return False
    try:
        u = np.array(toks[0::k], dtype=np.int64)
        v = np.array(toks[1::k], dtype=np.int64)
        w = (np.fromiter(map(float, toks[2::3]), dtype=float, count=lines) if k == 3
             else np.ones(lines))
    except (ValueError, OverflowError):
        return False
    if not ((u >= 0) & (u <= st.limit) & (v >= 0) & (v <= st.limit) & (u != v)
            & np.isfinite(w)).all():
        return False
    st.add(u, v, w)
    st.count += lines
    return True


def _dict_weight(st, ln, line, field):
    """The ``'weight'`` of networkx's attribute dictionary (1 when absent)."""
    try:
        attrs = ast.literal_eval(field)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        attrs = None
    if not isinstance(attrs, dict):
        raise st.error(ln, f"expected 'i j {{...}}' with a Python dictionary of edge "
                           f"attributes (networkx's write_edgelist), found {line.strip()[:80]!r}")
    w = attrs.get("weight", 1)
    if isinstance(w, bool) or not isinstance(w, numbers.Real):
        raise st.error(ln, f"the weight of edge ({line.split()[0]}, {line.split()[1]}) must be "
                           f"a number, found {w!r}")
    return float(w)


def _slow_lines(start, text, st):
    us, vs, ws = [], [], []
    form_text = _FORMS.get(st.form, "")
    for ln, line in enumerate(text.split("\n"), start):
        parts = line.split()
        if not parts or parts[0].startswith(("#", "c")):
            continue
        if st.pending:
            st.read_header(ln, line, parts)
            continue
        form = _form(parts)
        if form != st.form:
            raise st.error(ln, f"expected {form_text}, like line {st.form_line} (every edge "
                               f"line has the same form; a number is missing or extra), found "
                               f"{line.strip()[:80]!r}")
        try:
            u, v = int(parts[0]), int(parts[1])
            if form == 3:
                w = float(parts[2])
        except ValueError:
            raise st.error(ln, f"expected {form_text} with integer vertices, found "
                               f"{line.strip()[:80]!r}") from None
        if form == 2:
            w = 1.0
        elif form == "dict":
            w = _dict_weight(st, ln, line, line.split(None, 2)[2])
        if not (0 <= u <= st.limit and 0 <= v <= st.limit):
            bound = (f"1..{st.limit:,} (or 0..{st.limit - 1:,} in a 0-based file; the "
                     "header's n)" if st.header else f"0..{st.limit:,} (max_vertices)")
            raise st.error(ln, f"vertex out of range {bound}: {line.strip()[:80]!r}")
        if u == v:
            raise st.error(ln, f"self-loop: {line.strip()[:80]!r}")
        if not math.isfinite(w):
            raise st.error(ln, f"the weight must be a finite number: {line.strip()[:80]!r}")
        st.count += 1
        if st.header and st.count > st.header[1]:
            raise st.error(ln, f"more edge lines than the {st.header[1]:,} declared on line "
                               f"{st.header_line}")
        us.append(u)
        vs.append(v)
        ws.append(w)
    st.add(np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64),
           np.array(ws, dtype=float))
