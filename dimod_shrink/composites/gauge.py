"""The gauge of iterated shrinking: models written around an incumbent, groups that keep it.

Helpers of :mod:`dimod_shrink.composites.iterated` and its round stages
(:mod:`dimod_shrink.composites.rounds`): :func:`gauge_form` writes a model in
the gauge of a spin vector, :func:`grouped_state` turns a problem's own groups
into a shrink state, and :class:`IncumbentRelative` clips an estimator's
correlations to the merges that keep the incumbent.
"""

from __future__ import annotations

from typing import Callable

import dimod
import numpy as np
from scipy import sparse

from ..correlations import resolve_estimator
from ..ising import IsingForm
from ..merges import REFERENCE, ShrinkState
from ._checks import data_vectors, require_rows, sample_array

__all__ = ["gauge_form", "grouped_state", "IncumbentRelative"]


def _columns(sampleset: dimod.SampleSet, labels, source: str, vartype=None) -> np.ndarray:
    """:func:`~dimod_shrink.composites._checks.sample_array`, in ``vartype`` when given
    (else the SampleSet's own)."""
    if not isinstance(sampleset, dimod.SampleSet):
        raise TypeError(f"{source} must return a dimod.SampleSet, got "
                        f"{type(sampleset).__name__}")
    require_rows(sampleset, labels, source)  # the best sample is the next centre
    return sample_array(sampleset, labels, vartype or sampleset.vartype, source)


def _vectors(sampleset: dimod.SampleSet, source: str) -> dict:
    return data_vectors(sampleset, len(sampleset), source)


# -- the gauge --------------------------------------------------------------------------
def gauge_form(form: IsingForm, spins: np.ndarray) -> IsingForm:
    """``form`` written in the gauge of ``spins``: ``s'_v = spins[v] * s_v``.

    The reference spin keeps its gauge (``+1``), so a fix ``s'_i = +1`` means
    ``s_i = spins[i]``.  ``E'(g * s) == E(s)`` for every assignment ``s``.

    Examples:
        >>> import dimod, numpy as np
        >>> from dimod_shrink.ising import ising_form
        >>> bqm = dimod.generators.ran_r(1, 6, seed=2)
        >>> form = ising_form(bqm)
        >>> g = np.array([1, -1, 1, 1, -1, -1])
        >>> bool(np.isclose(gauge_form(form, g).energies(np.ones(6))[0], form.energies(g)[0]))
        True
    """
    d = np.append(np.asarray(spins, dtype=float), 1.0)
    D = sparse.diags_array(d, format="csr")
    K = (D @ form.couplings @ D).tocsr()
    if form.structured:  # constraint rows: R s = (R D) s', the weights unchanged
        return IsingForm(form.labels, form.vartype, K, form.offset,
                         rows=(form.rows @ D).tocsr(), weights=form.weights)
    return IsingForm(form.labels, form.vartype, K, form.offset)


def _spins(samples: np.ndarray, vartype) -> np.ndarray:
    s = np.asarray(samples, dtype=np.int8)
    return (2 * s - 1).astype(np.int8) if vartype is dimod.BINARY else s


def _values(spins: np.ndarray, vartype) -> np.ndarray:
    return ((spins + 1) // 2).astype(np.int8) if vartype is dimod.BINARY else \
        spins.astype(np.int8)


class _TranslatedPolicy:
    """Ask a policy about gauged merges in the original variables.

    The policy sees a shadow :class:`ShrinkState` over the original form that
    replays the gauged state's merges with translated signs: a gauged merge
    ``s'_i = c s'_j`` is ``s_i = c g_i g_j s_j``, a fix ``s'_i = c`` is
    ``s_i = c g_i``.
    """

    def __init__(self, policy: Callable, form: IsingForm, spins: np.ndarray):
        self.policy = policy
        self.shadow = ShrinkState(form)
        self.index = self.shadow.index
        self.g = np.asarray(spins, dtype=np.int8)

    def translate(self, variable, target, sign: int) -> int:
        gi = int(self.g[self.index[variable]])
        if target is REFERENCE:
            return sign * gi
        return sign * gi * int(self.g[self.index[target]])

    def __call__(self, state: ShrinkState, variable, target, sign: int) -> bool:
        for m in state.merges[len(self.shadow.merges):]:
            self.shadow.merge(m.variable, m.target, self.translate(m.variable, m.target, m.sign),
                              m.correlation)
        return bool(self.policy(self.shadow, variable, target,
                                self.translate(variable, target, sign)))


def grouped_state(form: IsingForm, groups, budget: int) -> ShrinkState:
    """The state of a gauged ``form`` whose reduced variables are ``groups``.

    Every group (a list of labels of ``form``) becomes one reduced variable
    whose members flip together (merges ``s'_v = +s'_first``); every variable
    in no group is fixed to ``+1``, its value in the incumbent.  "No group
    flips" is then the incumbent, as in a shrunk round.

    Raises:
        ValueError: more groups than ``budget``, an empty group, a label not
            in the model, or a label in two groups.
    """
    groups = [list(g) for g in groups]
    if len(groups) > budget:
        raise ValueError(f"round_groups returned {len(groups)} groups, more than the budget "
                         f"of {budget}; return at most num_variables groups")
    state = ShrinkState(form)
    grouped = np.zeros(form.num_variables, dtype=bool)
    for g in groups:
        if not g:
            raise ValueError("round_groups returned an empty group; every group needs at "
                             "least one variable")
        for v in g:
            i = state.index.get(v)
            if i is None:
                raise ValueError(f"round_groups returned {v!r}, which is not a variable of "
                                 f"the model")
            if grouped[i]:
                raise ValueError(f"round_groups put {v!r} in two groups; groups must be "
                                 f"disjoint")
            grouped[i] = True
    labels = form.labels
    for i in np.flatnonzero(~grouped):
        state.merge(labels[i], REFERENCE, 1)
    for g in groups:
        for v in g[1:]:
            state.merge(v, g[0], 1)
    return state


def _group_sizes(labels, merges) -> tuple[list, int]:
    """Original variables per reduced variable after ``merges`` (``as_dict`` form),
    largest first, and the number of variables fixed (directly or through the
    variable they were merged into)."""
    fixed = object()
    parent = {}

    def find(v):
        while v in parent:
            v = parent[v]
        return v

    for m in merges:
        parent[m["variable"]] = fixed if m["target"] is None else m["target"]
    sizes: dict = {}
    num_fixed = 0
    for v in labels:
        r = find(v)
        if r is fixed:
            num_fixed += 1
        else:
            sizes[r] = sizes.get(r, 0) + 1
    return sorted(sizes.values(), reverse=True), num_fixed


# -- incumbent-relative correlations ------------------------------------------------------
def _node_noise(n, noise, rng) -> np.ndarray:
    """Per-node factors ``sqrt(1 - noise * u)``; their outer product scales ``C``."""
    return np.sqrt(1.0 - noise * rng.random(n))


def _impact(K, rng) -> np.ndarray:
    """Heavy-edge correlations of a gauged model at its all ``+1`` point."""
    K = sparse.csr_array(K)
    N = K.shape[0]
    strength = np.asarray(abs(K).sum(axis=1)).ravel()
    strength[strength == 0] = 1.0
    C = np.zeros((N, N))
    coo = K.tocoo()
    C[coo.row, coo.col] = -coo.data / np.sqrt(strength[coo.row] * strength[coo.col])
    # the flip cost of variable a is -2 sum_b K_ab; normalised to [-1, 1]
    stability = -np.asarray(K.sum(axis=1)).ravel() / strength
    C[:-1, -1] = C[-1, :-1] = stability[:-1]
    np.fill_diagonal(C, 1.0)
    return C


class IncumbentRelative:
    """Correlations of a gauged model, restricted to merges that keep the incumbent.

    Wraps an estimator; its correlations ``C'`` on the gauged model are clipped
    to ``[0, 1]`` (so every merge the engine makes is an equality or a fix to
    ``+1``), and multiplied by ``1 - noise * u`` with ``u`` uniform in
    ``[0, 1)`` (symmetric) to vary the grouping between rounds.  Warm starts
    of the wrapped estimator are kept.

    Args:
        base: The estimator (name or callable), or ``"impact"``.
        noise: Amplitude of the multiplicative noise, in ``[0, 1]``.
    """

    def __init__(self, base="relaxation", noise: float = 0.0):
        if base == "relaxation":
            base = "lowrank"
        self.base = _impact if base == "impact" else resolve_estimator(base)
        if not 0.0 <= noise <= 1.0:
            raise ValueError(f"noise must be in [0, 1], got {noise}")
        self.noise = float(noise)
        # a base that takes constraint rows as they are gets them as they are
        self.structured = bool(getattr(self.base, "structured", False))
        if callable(getattr(self.base, "correlate", None)):
            self.correlate = self._correlate

    def _clip(self, C, rng) -> np.ndarray:
        C = np.clip(np.asarray(C, dtype=float), 0.0, 1.0)
        if self.noise > 0 and C.shape[0] > 1:
            w = _node_noise(C.shape[0], self.noise, rng)
            C *= w[:, None]
            C *= w[None, :]
        return C

    def __call__(self, K, rng) -> np.ndarray:
        return self._clip(self.base(K, rng), rng)

    def _correlate(self, K, rng, init=None):
        C, F = self.base.correlate(K, rng, init=init)
        return self._clip(C, rng), F
