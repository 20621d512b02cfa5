"""Correlation estimators: who decides which variables to merge.

An estimator is any callable ``estimator(K, rng) -> C`` where ``K`` is the
symmetric reference-node coupling matrix of the current reduced model
(a :class:`scipy.sparse.csr_array`, last index = reference spin), ``rng`` a
:class:`numpy.random.Generator`, and ``C`` a dense symmetric ``(N, N)`` array
of correlations in ``[-1, 1]``.  ``C[a, b] > 0`` means spins ``a`` and ``b``
tend to agree; ``C[i, -1]`` is the correlation of variable ``i`` with the
reference, i.e. its tendency to be ``+1`` (``x_i = 1``).

Built-in names (see :data:`ESTIMATORS`):

* ``"lowrank"`` (default) -- :class:`LowRankSDP`;
* ``"sdp"`` -- :class:`ExactSDP` (needs the ``sdp`` extra);
* ``"sampled"`` -- :class:`SampledCorrelation`: ``<s_a s_b>`` from samples of
  any sampler (SA by default; QAOA gives RQAOA's estimator);
* ``"qaoa1"`` -- :class:`QAOA1Correlation`: closed-form p=1 QAOA correlations.
"""

from __future__ import annotations

import difflib
from typing import Callable

from .exact import ExactSDP, solve_exact_sdp
from .lowrank import LowRankResult, LowRankSDP, colour_classes, solve_lowrank_sdp
from .quantum import QAOA1Correlation, SampledCorrelation, qaoa1_expectations

__all__ = ["ESTIMATORS", "resolve_estimator", "register_estimator", "LowRankSDP", "ExactSDP",
           "solve_lowrank_sdp", "solve_exact_sdp", "LowRankResult", "colour_classes",
           "SampledCorrelation", "QAOA1Correlation", "qaoa1_expectations"]

ESTIMATORS: dict[str, Callable[[], Callable]] = {
    "lowrank": LowRankSDP,
    "sdp": ExactSDP,
    "sampled": SampledCorrelation,
    "qaoa1": QAOA1Correlation,
}
"""Factories of the named estimators."""


def register_estimator(name: str, factory: Callable[[], Callable]) -> None:
    """Register a named estimator factory (called with no arguments)."""
    ESTIMATORS[name] = factory


def resolve_estimator(correlation) -> Callable:
    """Turn a name or a callable into an estimator.

    Raises:
        ValueError: unknown name (the message lists the known ones).
        TypeError: neither a string nor a callable.
    """
    if isinstance(correlation, str):
        try:
            factory = ESTIMATORS[correlation]
        except KeyError:
            close = difflib.get_close_matches(correlation, ESTIMATORS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"unknown correlation {correlation!r}; choose one of "
                f"{sorted(ESTIMATORS)} or pass a callable estimator(K, rng) -> C.{hint}"
            ) from None
        return factory()
    if callable(correlation):
        return correlation
    raise TypeError(
        f"correlation must be a name ({sorted(ESTIMATORS)}) or a callable "
        f"estimator(K, rng) -> C, got {type(correlation).__name__}")
