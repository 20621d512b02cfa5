"""Exhaustive search that returns only the lowest states.

:class:`dimod.ExactSolver` returns all ``2^n`` states, which a composite then
expands and repairs one by one.  :class:`ExhaustiveSampler` enumerates the
same ``2^n`` energies (vectorised, :func:`~dimod_shrink.samplers.diagonal_energies`)
but returns only the ``num_reads`` lowest: the exact final step of RQAOA
(Bravyi et al., PRL 125, 260505 (2020)), and an exact child for budgets up to
:data:`MAX_VARIABLES`.
"""

from __future__ import annotations

import dimod
import numpy as np

from .statevector import diagonal_energies

__all__ = ["ExhaustiveSampler", "MAX_VARIABLES"]

MAX_VARIABLES = 26
"""Largest model enumerated (``2^26`` energies, 512 MiB of float64)."""


class ExhaustiveSampler(dimod.Sampler):
    """The ``num_reads`` lowest-energy states of a small model, by enumeration.

    Ties are broken by the state's index (bit ``k`` = the ``k``-th variable),
    so the result is deterministic.

    Examples:
        >>> import dimod
        >>> from dimod_shrink.samplers import ExhaustiveSampler
        >>> bqm = dimod.BinaryQuadraticModel({'a': 1, 'b': -2}, {'ab': 3}, 0.0, 'BINARY')
        >>> ss = ExhaustiveSampler().sample(bqm, num_reads=2)
        >>> ss.record.sample.tolist(), ss.record.energy.tolist()
        ([[0, 1], [0, 0]], [-2.0, 0.0])
    """

    parameters = {"num_reads": []}
    properties = {"max_variables": MAX_VARIABLES}

    def sample(self, bqm: dimod.BinaryQuadraticModel, *, num_reads: int = 1,
               **kwargs) -> dimod.SampleSet:
        """Enumerate ``bqm`` and return its ``num_reads`` lowest states, lowest first.

        Raises:
            ValueError: more than :data:`MAX_VARIABLES` variables, or
                ``num_reads`` < 1.
        """
        self.remove_unknown_kwargs(**kwargs)
        if isinstance(num_reads, bool) or not isinstance(num_reads, (int, np.integer)) \
                or num_reads < 1:
            raise ValueError(f"num_reads must be a positive int, got {num_reads!r}")
        n = bqm.num_variables
        if n > MAX_VARIABLES:
            raise ValueError(f"ExhaustiveSampler enumerates 2^n states; {n} variables exceed "
                             f"its limit of {MAX_VARIABLES}. Shrink the model first "
                             f"(ShrinkingComposite) or use a heuristic sampler")
        order = list(bqm.variables)
        E = diagonal_energies(bqm, order)
        k = min(int(num_reads), E.size)
        idx = np.argpartition(E, k - 1)[:k] if k < E.size else np.arange(E.size)
        idx = idx[np.lexsort((idx, E[idx]))]
        bits = ((idx[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)
        samples = bits if bqm.vartype is dimod.BINARY else (2 * bits - 1).astype(np.int8)
        return dimod.SampleSet.from_samples_bqm((samples, order), bqm)
