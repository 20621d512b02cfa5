"""The graph a graph problem is given, checked (and converted where that is exact).

:func:`as_graph` is called first thing by :class:`~.maxcut.MaxCutProblem` and
:class:`~.mis.MISProblem`.  What each accepts:

===============================  =========================  =================================
given                            MaxCutProblem              MISProblem
===============================  =========================  =================================
``nx.Graph``                     as it is                   as it is
list of edges ``(u, v)``         weight 1                   the graph of those edges
list of edges ``(u, v, w)``      weight ``w``               refused (MIS has no weights)
``nx.MultiGraph``                parallel weights add up    parallel edges count once
``nx.DiGraph``/``MultiDiGraph``  refused (directed cut?)    directions ignored
self-loop ``(v, v)``             dropped (never cut)        refused (is ``v`` independent?)
non-numeric or non-finite        refused, naming the edge   (weights are not used)
weight
no vertex                        refused                    refused
===============================  =========================  =================================

Examples:
    >>> import networkx as nx
    >>> g = as_graph(nx.MultiGraph([(1, 2, {"weight": 2}), (1, 2, {"weight": 3})]),
    ...              "MaxCutProblem", weighted=True)
    >>> g[1][2]["weight"]
    5.0
    >>> sorted(as_graph([(1, 2), (2, 3)], "MISProblem", weighted=False).edges)
    [(1, 2), (2, 3)]
"""

from __future__ import annotations

import math
import numbers

import networkx as nx

__all__ = ["as_graph"]


def _weight(value, u, v, owner) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: edge ({u!r}, {v!r}) has weight {value!r} "
                        f"({type(value).__name__}); edge weights must be finite numbers")
    w = float(value)
    if not math.isfinite(w):
        raise ValueError(f"{owner}: edge ({u!r}, {v!r}) has weight {value!r}; edge weights "
                         "must be finite numbers")
    return w


def _from_edges(edges, owner, weighted) -> nx.Graph:
    """A graph from an iterable of ``(u, v)`` (or, when ``weighted``, ``(u, v, w)``) edges."""
    shape = "(u, v) or (u, v, w)" if weighted else "(u, v)"
    try:
        items = list(edges)
    except TypeError:
        items = None
    if items is None or isinstance(edges, (str, bytes, dict)):
        raise TypeError(f"{owner} needs a networkx.Graph or a list of edges {shape}; got "
                        f"{type(edges).__name__}")
    g = nx.MultiGraph()
    for k, e in enumerate(items):
        if not isinstance(e, (tuple, list)) or len(e) not in ((2, 3) if weighted else (2,)):
            raise TypeError(f"{owner}: edge #{k} of the list is {e!r}; each edge must be "
                            f"{shape}" + ("" if weighted else " (MIS takes no weights)"))
        try:
            hash(e[0]), hash(e[1])
        except TypeError:
            raise TypeError(f"{owner}: edge #{k} {e!r} has a vertex that is not hashable; "
                            "vertices must be hashable (ints, strings, tuples)") from None
        g.add_edge(e[0], e[1], **({"weight": e[2]} if len(e) == 3 else {}))
    return g


def as_graph(graph, owner: str, *, weighted: bool) -> nx.Graph:
    """``graph`` as a simple undirected :class:`networkx.Graph`, or a clear error.

    Args:
        graph: A networkx graph of any class, or a list of edges.
        owner: The class that asks, for the messages (``"MaxCutProblem"``).
        weighted: Max-Cut rules (weights checked, parallel weights add up,
            self-loops dropped, directed graphs refused) or MIS rules (weights
            ignored, self-loops refused, directions ignored).

    Returns:
        The graph itself when it is already a simple undirected graph with
        nothing to drop; otherwise a new :class:`networkx.Graph` (the
        original ``graph.graph`` attributes are kept).

    Raises:
        TypeError: Not a graph nor a list of edges; a non-numeric weight.
        ValueError: No vertex; a non-finite weight; a self-loop (MIS); a
            directed graph (Max-Cut).
    """
    if not isinstance(graph, nx.Graph):
        graph = _from_edges(graph, owner, weighted)
    if graph.number_of_nodes() == 0:
        raise ValueError(f"{owner}: the graph has no vertices, so there is nothing to solve; "
                         "give a graph with at least one vertex")
    if graph.is_directed():
        if weighted:
            raise ValueError(f"{owner} needs an undirected graph, got a "
                             f"{type(graph).__name__}: the cut of a directed graph could mean "
                             "the directed cut. For the undirected cut, pass "
                             "graph.to_undirected() (one arc of each pair is kept) or build "
                             "an nx.Graph whose weights sum the arcs'")
    loops = list(nx.selfloop_edges(graph))
    if loops and not weighted:
        v = loops[0][0]
        raise ValueError(f"{owner}: vertex {v!r} has a self-loop, so whether it may be in an "
                         "independent set is unclear; remove the self-loops "
                         "(graph.remove_edges_from(list(nx.selfloop_edges(graph)))) or the "
                         "vertex")
    simple = type(graph) is nx.Graph or (isinstance(graph, nx.Graph)
                                         and not graph.is_directed()
                                         and not graph.is_multigraph())
    if weighted:
        for u, v, d in graph.edges(data=True):
            _weight(d.get("weight", 1.0), u, v, owner)
    if simple and not loops:
        return graph
    out = nx.Graph()
    out.graph.update(graph.graph)
    out.add_nodes_from(graph.nodes(data=True))
    for u, v, d in graph.edges(data=True):
        if u == v:
            continue  # Max-Cut only: a self-loop is never cut
        if not weighted:
            out.add_edge(u, v)
            continue
        w = float(d.get("weight", 1.0))
        prev = out.get_edge_data(u, v)
        w += prev["weight"] if prev else 0.0
        if not math.isfinite(w):
            raise ValueError(f"{owner}: the weights of the parallel edges ({u!r}, {v!r}) add "
                             "up to a number too large for a float")
        out.add_edge(u, v, weight=w)
    return out
