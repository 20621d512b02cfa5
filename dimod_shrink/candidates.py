"""Candidate pairs: which pairs of spins the shrink loop considers merging.

The greedy loop merges the pair with the largest ``|C_ab|``.  Ranking *every*
pair needs the dense ``N x N`` correlation matrix: 3.2 GB at 20,000 variables,
and ``O(N^2)`` work per recomputation.  Three candidate sets are offered:

* ``"coupled"`` (the default) -- the edges of the coupling graph plus every
  variable's pair with the reference spin (the candidates to *fix*).  As
  merges contract edges, the shrink loop maps each candidate to the current
  groups, so the candidates always are the edges of the *current* reduced
  model.  ``O(N + E)`` pairs.
* ``"lsh"`` -- ``"coupled"`` plus near neighbours among the rows of the
  low-rank factor: rows that are nearly parallel (``C ~ +1``) or antiparallel
  (``C ~ -1``), found by random-hyperplane locality-sensitive hashing
  (Charikar 2002).  Rows sharing ``b`` sign bits of ``b`` random projections
  land in one bucket (bits canonicalised against the first, so ``v`` and
  ``-v`` hash alike), and pairs are taken within a sliding window of the
  bucket-sorted order, over ``L`` tables.  ``O(N L w)`` extra pairs.
* ``"near"`` -- ``"lsh"`` keeping only the hashed pairs with ``|C| >=``
  :data:`NEAR` (0.9).
* ``"dense"`` -- every pair (the exact top pairs of ``V V^T``), ``O(N^2)``:
  the published rule's view, affordable for small models only.

Memory is ``O(N r + E)`` for all but ``"dense"``.  Measured
(``docs/scale.md``): on sparse unconstrained models merging only coupled
pairs gives *better* reduced models than ranking every pair -- a merge of two
uncoupled spins creates new long-range couplings, while contracting an edge
keeps the model sparse and local.  Penalty models of one-hot and assignment
constraints are the opposite case: the two variables of an assignment are
often uncoupled yet placed together by the relaxation, and ``"lsh"`` finds
them (QAP median ratio 0.92 against 0.88), while on MIS coupled pairs win
(0.97 against 0.94).  So ``"coupled"`` is the default of
:meth:`~dimod_shrink.ShrinkingComposite.sample`, and each problem class names
its own (``Problem.candidates``): ``"lsh"`` for QAP, MDKP and general CQMs
(also ``sample_cqm``'s), ``"coupled"`` for MIS and Max-Cut.

Pairs come back sorted by decreasing ``|C|``, ties broken by the row-major
position ``a * N + b`` -- the order :func:`dimod_shrink.engine.ranked_pairs`
gives on the dense matrix, so on a model whose coupling graph is complete
the coupled and dense candidates are the same pairs in the same order.

References:
    M. S. Charikar, "Similarity estimation techniques from rounding
    algorithms", STOC 2002.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["CANDIDATES", "check_candidates", "candidate_pairs", "sort_pairs", "dense_pairs",
           "sparse_pairs"]

CANDIDATES = ("coupled", "lsh", "dense", "near")
"""The candidate sets; ``"coupled"`` is the default."""

NEAR = 0.9
"""The ``|C|`` a hashed pair needs under ``candidates="near"``."""


def check_candidates(kind) -> None:
    """Raise :class:`ValueError` unless ``kind`` is one of :data:`CANDIDATES`."""
    if kind not in CANDIDATES:
        raise ValueError(f"candidates must be one of {', '.join(map(repr, CANDIDATES))}, "
                         f"got {kind!r}")


def sort_pairs(a: np.ndarray, b: np.ndarray, c: np.ndarray, N: int):
    """Sort pairs by decreasing ``|c|``, ties by ``a * N + b``."""
    order = np.lexsort((a.astype(np.int64) * N + b, -np.abs(c)))
    return a[order], b[order], c[order]


def dense_pairs(V: np.ndarray, max_pairs: int | None = None):
    """All pairs ``a < b`` of the rows of ``V`` (or the ``max_pairs`` with the
    largest ``|C|``), with ``C = V V^T`` clipped to ``[-1, 1]``."""
    N = V.shape[0]
    if N < 2:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    C = V @ V.T
    np.clip(C, -1.0, 1.0, out=C)
    iu, ju = np.triu_indices(N, 1)
    vals = C[iu, ju]
    del C
    if max_pairs is not None and max_pairs < vals.size:
        keep = np.argpartition(-np.abs(vals), max_pairs - 1)[:max_pairs]
        # keep every pair tied with the weakest kept one, so the choice does not
        # depend on argpartition's internal order
        cut = np.abs(vals[keep]).min()
        keep = np.flatnonzero(np.abs(vals) >= cut)
        iu, ju, vals = iu[keep], ju[keep], vals[keep]
    return sort_pairs(iu, ju, vals, N)


ROW_PAIRS = 50_000
"""Constraint rows of a structured model add their pairs to ``"coupled"`` while
there are at most this many (see :func:`coupled_pattern`)."""


def unique_keys(keys: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, ascending: ``np.unique(keys)``.

    By a sort: numpy 2.3+ finds the distinct values of an integer array with
    a hash table first, which on a million mostly distinct pair keys is 30-50
    times slower than sorting them (1.1 s against 25 ms on numpy 2.4).
    """
    keys = np.sort(np.asarray(keys).ravel())
    if keys.size > 1:
        keep = np.empty(keys.size, dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        keys = keys[keep]
    return keys


def coupled_pattern(K) -> sparse.coo_array:
    """Upper-triangular pattern of the coupled pairs of ``K``.

    ``K`` is a sparse or dense matrix, or a
    :class:`~dimod_shrink.structured.StructuredCouplings`: there the pairs of
    the sparse part, plus the pairs inside the constraint rows while they
    number at most :data:`ROW_PAIRS` (a dense row couples every pair of its
    variables; past that only rows of at most 64 variables count, and
    ``"lsh"`` finds the strongly correlated pairs of the long rows).
    """
    if hasattr(K, "pattern") and not sparse.issparse(K):
        return K.pattern(ROW_PAIRS)
    return sparse.triu(sparse.coo_array(K), k=1)


def _lsh_pairs(V: np.ndarray, rng, tables: int, bits: int, window: int) -> np.ndarray:
    """Flat keys ``a * N + b`` of near-(anti)parallel row pairs."""
    N, r = V.shape
    keys = []
    weights = 1 << np.arange(bits, dtype=np.int64)
    for _ in range(tables):
        W = rng.standard_normal((r, bits))
        B = (V @ W) > 0
        B ^= B[:, :1]  # v and -v share a code
        code = B.astype(np.int64) @ weights
        order = np.argsort(code, kind="stable")
        sc = code[order]
        for d in range(1, window + 1):
            same = sc[:-d] == sc[d:]
            x, y = order[:-d][same], order[d:][same]
            lo, hi = np.minimum(x, y), np.maximum(x, y)
            keys.append(lo * N + hi)
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)


def sparse_pairs(V: np.ndarray, K, *, rng=None, tables: int = 0, window: int = 4,
                 bucket: int = 8, near: float = 0.0):
    """Coupled pairs, reference pairs and (``tables > 0``) LSH near neighbours.

    Args:
        V: ``(N, r)`` factor with unit rows, the reference spin last.
        K: The ``(N, N)`` coupling matrix of the same model (its pattern gives
            the coupled pairs).
        rng: Seed or generator for the hashing.
        tables: Number of hash tables ``L`` (0, the default: no hashing).
        window: Pairs are taken up to this many positions apart in each
            table's bucket-sorted order.
        bucket: Target bucket size; sets the number of bits
            ``b = round(log2(N / bucket))``.

    Returns:
        ``(a, b, c)`` sorted as :func:`sort_pairs`.
    """
    N = V.shape[0]
    if N < 2:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    rng = np.random.default_rng(rng)
    coo = coupled_pattern(K)
    parts = [coo.row.astype(np.int64) * N + coo.col.astype(np.int64),
             np.arange(N - 1, dtype=np.int64) * N + (N - 1)]
    if tables > 0 and N > 2:
        bits = int(max(1, min(40, round(np.log2(max(N / bucket, 2.0))))))
        near_keys = unique_keys(_lsh_pairs(V, rng, tables, bits, window))
        if near > 0 and near_keys.size:
            x, y = np.divmod(near_keys, N)
            keep = np.abs(np.einsum("ij,ij->i", V[x], V[y])) >= near
            near_keys = near_keys[keep]
        parts.append(near_keys)
    flat = unique_keys(np.concatenate(parts))
    a, b = np.divmod(flat, N)
    c = np.einsum("ij,ij->i", V[a], V[b])
    np.clip(c, -1.0, 1.0, out=c)
    return sort_pairs(a, b, c, N)


def candidate_pairs(V: np.ndarray, K, kind: str = "coupled", *, rng=None,
                    max_pairs: int | None = None):
    """Candidate pairs of the current model, sorted by decreasing ``|C|``.

    Args:
        V: ``(N, r)`` factor with unit rows, the reference spin last.
        K: The ``(N, N)`` coupling matrix.
        kind: ``"coupled"``, ``"lsh"`` or ``"dense"`` (see the module notes).
        rng: Seed or generator (``"lsh"``).
        max_pairs: For ``"dense"``: keep only the pairs with the largest ``|C|``.

    Returns:
        ``(a, b, c)`` arrays, sorted as :func:`sort_pairs`.

    Examples:
        Spins 0, 1, 2 on a path 0 - 1 - 2, and the reference 3:

        >>> import numpy as np
        >>> V = np.array([[1., 0.], [0.8, 0.6], [0., 1.], [0.6, 0.8]])
        >>> K = np.zeros((4, 4)); K[0, 1] = K[1, 0] = K[1, 2] = K[2, 1] = 1
        >>> a, b, c = candidate_pairs(V, K, "dense")
        >>> [(int(x), int(y)) for x, y in zip(a, b)]
        [(1, 3), (0, 1), (2, 3), (0, 3), (1, 2), (0, 2)]
        >>> a, b, c = candidate_pairs(V, K)      # "coupled": (0, 2) is no edge
        >>> [(int(x), int(y)) for x, y in zip(a, b)]
        [(1, 3), (0, 1), (2, 3), (0, 3), (1, 2)]
    """
    if kind == "dense":
        return dense_pairs(V, max_pairs)
    if kind == "lsh":
        return sparse_pairs(V, K, rng=rng, tables=4)
    if kind == "near":
        return sparse_pairs(V, K, rng=rng, tables=4, near=NEAR)
    if kind == "coupled":
        return sparse_pairs(V, K, rng=rng, tables=0)
    check_candidates(kind)
