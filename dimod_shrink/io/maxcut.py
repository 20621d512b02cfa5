"""Max-Cut edge lists (``i j w`` lines, 1-based, with an optional ``n m`` header)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from ._tokens import InstanceFormatError

__all__ = ["read_maxcut"]


def read_maxcut(path) -> nx.Graph:
    """Read a weighted Max-Cut graph (rudy / Biq Mac / G-set style).

    Lines are ``i j w``; a first line with two numbers is the ``n m`` header,
    whose counts are then checked.  Edge weights go to the ``weight``
    attribute; repeated edges add up.
    """
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        raise FileNotFoundError(f"instance file not found: {path}") from None
    g = nx.Graph()
    header = None
    count = 0
    for ln, line in enumerate(lines, 1):
        parts = line.split()
        if not parts or parts[0].startswith(("#", "c")):
            continue
        if header is None and count == 0 and len(parts) == 2:
            try:
                header = (int(parts[0]), int(parts[1]))
            except ValueError:
                raise InstanceFormatError(path, ln, f"expected 'n m', found {line!r}") from None
            g.add_nodes_from(range(1, header[0] + 1))
            continue
        if len(parts) != 3:
            raise InstanceFormatError(path, ln, f"expected 'i j w', found {line!r}")
        try:
            u, v, w = int(parts[0]), int(parts[1]), float(parts[2])
        except ValueError:
            raise InstanceFormatError(path, ln, f"expected 'i j w', found {line!r}") from None
        if u < 1 or v < 1 or (header and (u > header[0] or v > header[0])):
            raise InstanceFormatError(path, ln, f"vertex out of range: {line!r}")
        if u == v:
            raise InstanceFormatError(path, ln, f"self-loop: {line!r}")
        prev = g.get_edge_data(u, v, {"weight": 0.0})["weight"]
        g.add_edge(u, v, weight=prev + w)
        count += 1
    if header and count != header[1]:
        raise InstanceFormatError(path, None, f"the header promises {header[1]} edges, "
                                              f"found {count}")
    if count == 0:
        raise InstanceFormatError(path, None, "no edges")
    g.graph["name"] = path.name
    return g
