"""Hypothesis strategies and helpers shared by the tests."""

import dimod
import numpy as np
from hypothesis import strategies as st

finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)


@st.composite
def bqms(draw, min_n=1, max_n=8, vartypes=("SPIN", "BINARY"), labels="mixed", bias=finite):
    """Random BQMs with arbitrary hashable labels, biases drawn from ``bias``."""
    n = draw(st.integers(min_n, max_n))
    vartype = draw(st.sampled_from(vartypes))
    pool = ["a", ("t", 1), 7, "b", 2.5, frozenset({1}), "zz", ("x", "y"), -3, "q", 11, "w"]
    if labels == "int":
        names = list(range(n))
    else:
        names = draw(st.permutations(pool))[:n]
    bqm = dimod.BinaryQuadraticModel(vartype)
    for v in names:
        bqm.add_variable(v, draw(bias))
    for i in range(n):
        for j in range(i + 1, n):
            if draw(st.booleans()):
                bqm.add_interaction(names[i], names[j], draw(bias))
    bqm.offset = draw(bias)
    return bqm


def random_correlations(seed):
    """A correlation estimator returning seeded random symmetric matrices (merge
    policies are exercised on arbitrary merge orders)."""
    rng = np.random.default_rng(seed)

    def estimator(K, _rng):
        C = rng.uniform(-1, 1, K.shape)
        return (C + C.T) / 2

    return estimator


def all_assignments(n, vartype):
    vals = (-1, 1) if vartype is dimod.SPIN else (0, 1)
    if n == 0:
        return np.zeros((1, 0), dtype=np.int8)
    grid = np.array(np.meshgrid(*([vals] * n), indexing="ij")).reshape(n, -1).T
    return grid.astype(np.int8)


def planted_clique_model(t, field=0.5):
    """Fully connected SPIN model whose unique ground state is the spin vector ``t``:
    every coupling ``-t_i t_j`` and field ``-field * t_i`` is satisfied by ``t``."""
    t = np.asarray(t)
    bqm = dimod.BinaryQuadraticModel("SPIN")
    for i in range(t.size):
        bqm.add_linear(i, -field * t[i])
        for j in range(i + 1, t.size):
            bqm.add_quadratic(i, j, -t[i] * t[j])
    return bqm


def ground_probability(ss, bqm):
    """Share of the shots of ``ss`` on a ground state of ``bqm`` (by enumeration)."""
    from dimod_shrink.samplers.statevector import diagonal_energies
    emin = diagonal_energies(bqm).min()
    r = ss.record
    e = bqm.energies((r.sample, list(ss.variables)))
    return float(r.num_occurrences[np.isclose(e, emin)].sum() / r.num_occurrences.sum())


def uniform_ground_probability(bqm):
    """What uniform random bits put on the ground states: (number of them) / 2^n."""
    from dimod_shrink.samplers.statevector import diagonal_energies
    E = diagonal_energies(bqm)
    return float(np.isclose(E, E.min()).mean())
