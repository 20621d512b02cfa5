"""DIMACS edge files (``p edge n m`` / ``e u v``) for maximum independent set."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from ._tokens import InstanceFormatError

__all__ = ["read_dimacs"]


def read_dimacs(path, complement: bool | None = None) -> nx.Graph:
    """Read a DIMACS graph as a :class:`networkx.Graph` with vertices ``1..n``.

    Args:
        path: The file.
        complement: Return the complement graph.  Default: ``True`` for
            ``.clq`` files (clique benchmarks, whose MIS instance is the
            complement), ``False`` otherwise.

    ``c`` comment lines and ``n v w`` vertex-weight lines are ignored.  The
    edge count in the ``p`` line is checked.
    """
    path = Path(path)
    if complement is None:
        complement = path.suffix == ".clq"
    g = nx.Graph()
    n = m = None
    count = 0
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        raise FileNotFoundError(f"instance file not found: {path}") from None
    for ln, line in enumerate(lines, 1):
        parts = line.split()
        if not parts or parts[0] in ("c", "n"):
            continue
        if parts[0] == "p":
            if n is not None:
                raise InstanceFormatError(path, ln, "second 'p' line")
            if len(parts) != 4 or parts[1] not in ("edge", "col"):
                raise InstanceFormatError(path, ln, f"expected 'p edge N M', found {line!r}")
            try:
                n, m = int(parts[2]), int(parts[3])
            except ValueError:
                raise InstanceFormatError(path, ln, f"expected 'p edge N M', found {line!r}") \
                    from None
            g.add_nodes_from(range(1, n + 1))
        elif parts[0] == "e":
            if n is None:
                raise InstanceFormatError(path, ln, "edge before the 'p edge N M' line")
            if len(parts) != 3:
                raise InstanceFormatError(path, ln, f"expected 'e U V', found {line!r}")
            try:
                u, v = int(parts[1]), int(parts[2])
            except ValueError:
                raise InstanceFormatError(path, ln, f"expected 'e U V', found {line!r}") \
                    from None
            if not (1 <= u <= n and 1 <= v <= n):
                raise InstanceFormatError(path, ln, f"vertex out of range 1..{n}: {line!r}")
            if u != v:
                g.add_edge(u, v)
            count += 1
        else:
            raise InstanceFormatError(path, ln, f"unknown line type {parts[0]!r}")
    if n is None:
        raise InstanceFormatError(path, None, "no 'p edge N M' line")
    if count != m:
        raise InstanceFormatError(path, None, f"the 'p' line promises {m} edges, found {count}")
    if complement:
        g = nx.complement(g)
    g.graph["name"] = path.name
    return g
