"""Iterated shrinking: call the small child again and again around the best answer.

One shrink decides all but ``num_variables`` degrees of freedom before the
child sees anything.  :class:`IteratedShrinkingComposite` keeps an
*incumbent* (the best sample so far) and repeats:

1. write the model in the **gauge of the incumbent** -- every spin ``s_v`` is
   replaced by ``s'_v = g_v s_v`` with ``g`` the incumbent's spins, so the
   incumbent becomes the all ``+1`` point;
2. **shrink** that model to the budget, with every merge an *equality*
   ``s'_i = s'_j`` and every fix ``s'_i = +1``.  A reduced variable is then a
   *group* of original variables that flips together, and "no group flips"
   is the incumbent: every round's search space contains it, so a round can
   never lose it;
3. let the **child** choose which groups to flip, **expand** back to every
   original variable, **repair** (the ``postprocess`` slot), and keep the
   best.

The grouping changes from round to round, because the gauge (the incumbent)
changes and because each round's correlations carry fresh random noise that
grows while the rounds stall.  Two groupings are built in
(``grouping=``), and ``"auto"`` (the default) combines them -- the cheap
energy impact while it improves, then the relaxation and the energy impact
by turns (measured in ``docs/iterated.md``: the energy impact alone stalls
on knapsack models, the relaxation alone costs several times more per
round on Max-Cut):

``"relaxation"``
    The low-rank Goemans--Williamson relaxation of the gauged model
    (:class:`~dimod_shrink.correlations.LowRankSDP`), clipped to its
    non-negative part: pairs the relaxation places on the same side *and*
    the incumbent puts on the same side are grouped first; pairs the
    relaxation would separate stay apart, so the child can flip one
    against the other.
``"impact"``
    Heavy-edge coarsening by energy impact, no relaxation solved: a coupling
    the incumbent satisfies attracts its two variables in proportion to its
    weight (relative to their total coupling), and a variable whose flip
    costs much energy is fixed first.

Any estimator name or callable of :mod:`dimod_shrink.correlations` may also
be passed; it is evaluated on the gauged model and clipped the same way.

A problem may supply its own later rounds instead (``round_groups=``: the
groups that flip together, e.g. disjoint swaps of a QAP permutation, built by
:func:`grouped_state`), and a kick (``perturb=``) that turns the rounds into
an iterated local search around a moving centre; see ``docs/iterated.md``.

Constraint-aware merge policies see every candidate merge in the *original*
variables: the merges are made over the gauged model, and a shadow
:class:`~dimod_shrink.merges.ShrinkState` over the original model replays
each one with its sign translated (``s_i = g_i g_j s_j``, or ``s_i = g_i``
for a fix) before the policy is asked.  A policy therefore never sees a
gauge-flipped ``BINARY`` variable.

References:
    H. Ushijima-Mwesigwa, R. Shaydulin, C. F. A. Negre, S. M. Mniszewski, Y.
    Alexeev, I. Safro, "Multilevel combinatorial optimization across quantum
    architectures", ACM Trans. Quantum Comput. 2 (2021).

    Angone et al., arXiv:2309.08815 (2023); F. B. Maciejewski et al.,
    arXiv:2408.07793 (2024) -- multilevel refinement with small solvers.

    dwave-hybrid's decomposition loops (``EnergyImpactDecomposer``,
    ``Kerberos``), https://docs.ocean.dwavesys.com/projects/hybrid/.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from typing import Callable

import dimod
import numpy as np
from scipy import sparse

from ..correlations import resolve_estimator
from ..engine import shrink
from ..ising import IsingForm, ising_form, validate_bqm
from ..merges import REFERENCE, ShrinkState
from ._base import ChildComposite
from ._checks import check_seed, data_vectors, sample_array, states_array
from .shrinking import CQM_NUM_READS, BudgetNotReachedWarning

__all__ = ["IteratedShrinkingComposite", "GROUPINGS"]

GROUPINGS = ("auto", "impact", "relaxation")
"""The built-in groupings of the later rounds (any estimator name or callable works too)."""

_OWN = ("num_variables", "max_rounds", "time_limit", "patience", "initial_states",
        "merge_policy", "postprocess", "seed", "return_shrink_context", "progress", "score",
        "candidates", "round_groups", "perturb", "perturb_after")


def _columns(sampleset: dimod.SampleSet, labels, source: str, vartype=None) -> np.ndarray:
    """:func:`~dimod_shrink.composites._checks.sample_array`, in ``vartype`` when given
    (else the SampleSet's own)."""
    if not isinstance(sampleset, dimod.SampleSet):
        raise TypeError(f"{source} must return a dimod.SampleSet, got "
                        f"{type(sampleset).__name__}")
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


def _group_sizes(labels, merges) -> list:
    """Original variables per reduced variable after ``merges`` (``as_dict`` form),
    largest first; fixed variables are in no group."""
    fixed = object()
    parent = {}

    def find(v):
        while v in parent:
            v = parent[v]
        return v

    for m in merges:
        parent[m["variable"]] = fixed if m["target"] is None else m["target"]
    sizes: dict = {}
    for v in labels:
        r = find(v)
        if r is not fixed:
            sizes[r] = sizes.get(r, 0) + 1
    return sorted(sizes.values(), reverse=True)


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


# -- the composite ---------------------------------------------------------------------
class IteratedShrinkingComposite(ChildComposite):
    """Shrink, sample, expand, repair -- then again around the best answer.

    Round 0 is a normal shrink (:class:`ShrinkingComposite`), or, with
    ``initial_states``, the best of the given states (repaired by
    ``postprocess``) as the incumbent.  Every later round writes the model in
    the gauge of the incumbent, shrinks it to the budget with groups that
    keep the incumbent reachable, lets the child choose which groups to flip,
    expands, repairs and keeps the best (see :mod:`dimod_shrink.composites.iterated`).

    Args:
        child_sampler: Any :class:`dimod.Sampler`; defaults to
            :class:`dwave.samplers.SimulatedAnnealingSampler`.
        num_variables: Default budget (variables the child may receive).
        grouping: How later rounds group variables: ``"auto"`` (default:
            ``"impact"`` while it improves, then ``"relaxation"`` and
            ``"impact"`` by turns), ``"impact"``, ``"relaxation"``, or any
            estimator name/callable of :mod:`dimod_shrink.correlations`.
        noise: Base amplitude of the random perturbation of the later rounds'
            correlations; it grows by ``noise`` for each round without
            improvement (capped at 1).
        correlation: Estimator of round 0 (a normal shrink).
        schedule: Recomputation schedule of every shrink; ``None`` (default)
            uses :func:`~dimod_shrink.engine.shrink`'s default.
        candidates: The pairs round 0's shrink considers (``"coupled"``,
            ``"lsh"``, ``"dense"``; see :mod:`dimod_shrink.candidates`).  The
            later rounds rank every pair of their incumbent-relative
            correlations.

    Examples:
        >>> import dimod
        >>> from dimod_shrink.composites import IteratedShrinkingComposite
        >>> bqm = dimod.generators.ran_r(1, 30, seed=4)
        >>> sampler = IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=8)
        >>> ss = sampler.sample(bqm, max_rounds=5, seed=1)
        >>> rounds = ss.info['rounds']
        >>> all(b['incumbent_energy'] <= a['incumbent_energy'] for a, b in zip(rounds, rounds[1:]))
        True
        >>> bool(abs(ss.first.energy - bqm.energy(ss.first.sample)) < 1e-9)
        True

    References:
        H. Ushijima-Mwesigwa et al., ACM Trans. Quantum Comput. 2 (2021);
        Angone et al., arXiv:2309.08815 (2023); F. B. Maciejewski et al.,
        arXiv:2408.07793 (2024).
    """

    _own = _OWN

    def __init__(self, child_sampler: dimod.Sampler | None = None, *, num_variables: int = 20,
                 grouping="auto", noise: float = 0.2, correlation="lowrank",
                 schedule: str | None = None, candidates: str = "coupled"):
        super().__init__(child_sampler, num_variables)
        self._check_candidates(candidates)
        resolve_estimator(correlation)  # fail early on an unknown name
        if isinstance(grouping, str) and grouping not in GROUPINGS:
            resolve_estimator(grouping)  # a name of an estimator, or a clear error
        elif not isinstance(grouping, str) and not callable(grouping):
            raise TypeError(f"grouping must be one of {GROUPINGS}, an estimator name or a "
                            f"callable estimator(K, rng) -> C, got {type(grouping).__name__}")
        if not 0.0 <= noise <= 1.0:
            raise ValueError(f"noise must be in [0, 1], got {noise}")
        self._defaults = {"num_variables": num_variables, "correlation": correlation,
                          "schedule": schedule, "candidates": candidates}
        self._grouping = grouping
        self._noise = float(noise)

    def _round_grouping(self, stall: int):
        """The grouping of a later round, after ``stall`` rounds without improvement.

        ``"auto"``: the cheap energy-impact grouping while it improves (and one
        round after), then the relaxation and the energy impact by turns.
        """
        if self._grouping != "auto":
            return self._grouping
        return "relaxation" if stall >= 2 and stall % 2 == 0 else "impact"

    # -- one round -----------------------------------------------------------------
    @staticmethod
    def _initial(initial_states, bqm) -> np.ndarray:
        arr = states_array(initial_states, list(bqm.variables), bqm.vartype)
        if arr.shape[0] == 0:
            raise ValueError("initial_states is empty; pass at least one state or drop it")
        return arr

    def _finish(self, full, bqm, postprocess, vectors) -> tuple[dimod.SampleSet, float]:
        """SampleSet over ``bqm`` (energies on ``bqm``), through ``postprocess``."""
        ss = dimod.SampleSet.from_samples_bqm((full, list(bqm.variables)), bqm, **vectors)
        if postprocess is None:
            return dimod.SampleSet(ss.record, ss.variables, {}, ss.vartype), 0.0
        tp = time.perf_counter()
        processed = postprocess(ss, bqm)
        if not isinstance(processed, dimod.SampleSet):
            raise TypeError("postprocess must return a dimod.SampleSet, got "
                            f"{type(processed).__name__}")
        arr = _columns(processed, list(bqm.variables), "postprocess", bqm.vartype)
        out = dimod.SampleSet.from_samples_bqm((arr, list(bqm.variables)), bqm,
                                               **_vectors(processed, "postprocess"))
        return out, time.perf_counter() - tp

    def _single_shot(self, bqm, budget, merge_policy, postprocess, seed, candidates,
                     child_params, rng):
        """Round 0: exactly :meth:`ShrinkingComposite.sample
        <dimod_shrink.ShrinkingComposite.sample>` with the same settings and seed."""
        from .shrinking import ShrinkingComposite
        t0 = time.perf_counter()
        rng.integers(2**31 - 1, size=2)  # the child and shrink seeds a later round draws
        opts = {"correlation": self._defaults["correlation"], "candidates": candidates}
        if self._defaults["schedule"] is not None:
            opts["schedule"] = self._defaults["schedule"]
        single = ShrinkingComposite(self.child, num_variables=budget, **opts)
        ss = single.sample(bqm, merge_policy=merge_policy, postprocess=postprocess, seed=seed,
                           return_shrink_context=True, **child_params)
        context = ss.info["shrink_context"]
        tm = context["timing"]
        ss = dimod.SampleSet(ss.record, ss.variables, {}, ss.vartype)
        record = {"round": 0, "grouping": "shrink", "child_calls": 1,
                  "child_time": tm.get("child", 0.0),
                  "shrink_time": tm.get("correlation", 0.0) + tm.get("select", 0.0)
                  + tm.get("shrink", 0.0),
                  "postprocess_time": tm.get("postprocess", 0.0),
                  "num_reduced": int(context["num_reduced"]),
                  "group_sizes": _group_sizes(list(bqm.variables), context["merges"]),
                  "num_fixed": int(sum(m["target"] is None for m in context["merges"])),
                  "incumbent_kept": True, "kicked": False,
                  "stop_reason": context.get("stop_reason")}
        return ss, record, context, time.perf_counter() - t0

    def _kick(self, perturb, incumbent, bqm, labels, vartype, postprocess, score, rng):
        """A new centre: ``perturb`` of the incumbent, through ``postprocess``, and its score."""
        values = _values(incumbent, vartype).tolist()
        state = perturb(dict(zip(labels, values)), rng)
        try:
            arr = states_array(state, labels, vartype)
        except ValueError as exc:
            raise ValueError(f"perturb must return one state over every variable of the "
                             f"model ({exc})") from exc
        if arr.shape[0] != 1:
            raise ValueError(f"perturb must return one state over every variable of the "
                             f"model, got {arr.shape[0]}")
        ss, _ = self._finish(arr, bqm, postprocess, {})
        rows, keys, k = self._ranked(ss, labels, score)
        return _spins(rows[k], vartype).astype(np.int8), float(keys[k])

    def _ranked(self, ss: dimod.SampleSet, labels, score):
        """``(rows, keys, best)``: the samples (columns in ``labels`` order), their
        scores (:meth:`_scores`) and the index of the best."""
        keys = self._scores(ss, score)
        return _columns(ss, labels, "postprocess"), keys, int(np.argmin(keys))

    @staticmethod
    def _scores(ss: dimod.SampleSet, score) -> np.ndarray:
        """Lower is better; infeasible samples (``is_feasible`` False) rank last."""
        key = ss.record.energy.astype(float) if score is None else \
            np.asarray(score(ss), dtype=float).ravel()
        if key.shape != (len(ss),):
            raise ValueError(f"score must return one value per sample ({len(ss)}), got "
                             f"shape {key.shape}")
        if "is_feasible" in ss.record.dtype.names:
            key = np.where(ss.record.is_feasible, key, np.inf)
        return key

    # -- sampling ------------------------------------------------------------------
    def sample(self, bqm: dimod.BinaryQuadraticModel, *, num_variables: int | None = None,
               max_rounds: int = 10, time_limit: float | None = None,
               patience: int | None = None,
               initial_states=None, merge_policy: Callable | None = None,
               postprocess: Callable | None = None, seed=None,
               return_shrink_context: bool = False, progress: bool = False,
               score: Callable | None = None, candidates: str | None = None,
               round_groups: Callable | None = None, perturb: Callable | None = None,
               perturb_after: int = 3, **child_params) -> dimod.SampleSet:
        """Sample ``bqm`` by rounds of shrinking around the incumbent.

        Args:
            bqm: The model; never modified.
            num_variables: Budget for the child (default: the constructor's).
            max_rounds: Rounds after round 0 at most (``0``: a single shrink).
            time_limit: Seconds for the whole call.  A later round starts only
                if it is expected to end in time: the elapsed time plus the
                longest later round so far (round 0's time before any) must
                stay within ``time_limit``.  Round 0 always runs, and a round
                slower than the ones before it can still overrun.
            patience: Stop after this many consecutive rounds without
                improvement (default: 3, or 100 with ``perturb``, whose kicks
                are rounds that rarely improve at once).
            initial_states: States over every variable of ``bqm`` (anything
                :func:`dimod.as_samples` reads); the best of them, repaired by
                ``postprocess``, is the incumbent of round 0 instead of a shrink.
            merge_policy: ``policy(state, i, j, sign) -> bool``; asked in the
                original variables in every round (see the module notes).
            postprocess: ``postprocess(sampleset, bqm) -> SampleSet``, the
                repair of every round's expanded samples.
            seed: Seeds every random choice (correlations, noise, and the
                child when it takes a ``seed``).
            return_shrink_context: Add ``info['shrink_context']``: the shrink
                context of every round, in order.
            progress: Show a :mod:`tqdm` bar over the rounds.
            score: ``score(sampleset) -> array``, lower is better, ranking
                the samples for the incumbent (default: the energy on
                ``bqm``).  Samples with ``is_feasible`` False rank last.
            candidates: Round 0's candidate pairs (default: the constructor's).
            round_groups: ``round_groups(incumbent, budget, rng, stall) -> groups``,
                a problem's own grouping of the later rounds in place of the
                shrink (e.g. :meth:`QAPProblem.round_groups
                <dimod_shrink.problems.QAPProblem.round_groups>`: disjoint swaps,
                so that every reduced state is a permutation).  It receives the
                round's centre as ``{label: value}`` (the incumbent, unless
                ``perturb`` moved it), the budget, the round's
                :class:`numpy.random.Generator` and the rounds without
                improving the centre so far, and returns at most ``budget`` disjoint lists
                of labels -- each flips together; every other variable keeps its
                incumbent value -- or ``None`` to shrink as usual.  The groups
                replace the merge policy's say in that round (they come from the
                problem, which knows its constraints); the repair still runs.
            perturb: ``perturb(incumbent, rng) -> state``: turns the rounds
                into an iterated local search.  Without it every round is built
                around the incumbent.  With it, rounds are built around a
                *centre*: a round's best sample becomes the centre when it
                beats the centre, and after ``perturb_after`` rounds that do
                not, the centre becomes ``perturb`` of the incumbent (a state
                over every variable, passed through ``postprocess``).  The
                incumbent is still the best sample of any round, and
                ``patience`` still counts rounds without improving it, so give
                a larger ``patience`` (or a ``time_limit``).
            perturb_after: Rounds without improving the centre before a kick.
            **child_params: Forwarded to the child in every round.

        Returns:
            :class:`dimod.SampleSet` over the original variables: the final
            incumbent first, then every round's samples, energies on ``bqm``,
            with a ``round`` vector.  ``info['rounds']`` lists each round:
            ``round``, ``energy`` (its best score), ``incumbent_energy``,
            ``improvement``, ``child_calls``, ``child_time``, ``shrink_time``,
            ``time``, ``num_reduced``, ``group_sizes`` (original variables per
            reduced variable), ``num_fixed``, ``incumbent_kept`` and
            ``stop_reason`` of the shrink.  ``info['stop']`` says why the
            rounds ended.
        """
        t_start = time.perf_counter()
        validate_bqm(bqm)
        self._check_kwargs(child_params)
        budget = self._defaults["num_variables"] if num_variables is None else num_variables
        self._check_budget(budget)
        if patience is None:
            patience = 3 if perturb is None else 100
        for name, value in (("max_rounds", max_rounds), ("patience", patience)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        if patience < 1:
            raise ValueError(f"patience must be >= 1 (rounds without improvement before "
                             f"stopping), got {patience}")
        if time_limit is not None and (isinstance(time_limit, bool) or
                                       not isinstance(time_limit, numbers.Real) or
                                       not time_limit > 0):
            raise ValueError(f"time_limit must be a positive number of seconds, got "
                             f"{time_limit!r}")
        if postprocess is not None and not callable(postprocess):
            raise TypeError("postprocess must be a callable postprocess(sampleset, bqm)")
        if merge_policy is not None and not callable(merge_policy):
            raise TypeError("merge_policy must be a callable policy(state, i, j, sign) -> bool")
        if score is not None and not callable(score):
            raise TypeError("score must be a callable score(sampleset) -> array")
        if perturb is not None and not callable(perturb):
            raise TypeError("perturb must be a callable perturb(incumbent, rng) -> state")
        if isinstance(perturb_after, bool) or not isinstance(perturb_after, (int, np.integer)) \
                or perturb_after < 1:
            raise ValueError(f"perturb_after must be an int >= 1 (rounds without improving "
                             f"the centre before a kick), got {perturb_after!r}")
        if round_groups is not None and not callable(round_groups):
            raise TypeError("round_groups must be a callable round_groups(incumbent, budget, "
                            "rng, stall) -> list of label lists (or None)")
        if candidates is None:
            candidates = self._defaults["candidates"]
        else:
            self._check_candidates(candidates)
        seed = check_seed(seed)

        rng = np.random.default_rng(seed)
        child_seeded = self._child_takes_seed()
        form = ising_form(bqm)
        labels = list(form.labels)
        vartype = form.vartype
        rounds: list[dict] = []
        contexts: list[dict] = []
        samplesets: list[dimod.SampleSet] = []
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=max_rounds + 1, desc="rounds", unit="round")

        def run_round(r: int, gauge: np.ndarray | None, stall: int):
            t0 = time.perf_counter()
            params = dict(child_params)
            child_seed = int(rng.integers(2**31 - 1))  # drawn for every child, so the
            if child_seeded:                           # groupings do not depend on it
                params["seed"] = child_seed
            work = form if gauge is None else gauge_form(form, gauge)
            shrink_seed = int(rng.integers(2**31 - 1))
            groups = None
            if gauge is not None and round_groups is not None:
                groups = round_groups(dict(zip(labels, _values(gauge, vartype).tolist())),
                                      budget, rng, stall)
            # what a shrink of this round needs (a problem's own groups need neither)
            if gauge is None:
                name, policy, corr = "shrink", merge_policy, self._defaults["correlation"]
            elif groups is not None:
                name = "round_groups"
            else:
                grouping = self._round_grouping(stall)
                name = grouping if isinstance(grouping, str) else "callable"
                policy = None if merge_policy is None else \
                    _TranslatedPolicy(merge_policy, form, gauge)
                corr = IncumbentRelative(grouping, min(1.0, self._noise * (1 + stall)))
            if groups is not None:
                state = grouped_state(work, groups, budget)
                reduced = state.reduced()
                context = {"num_variables": form.num_variables,
                           "num_reduced": reduced.bqm.num_variables,
                           "merges": [m.as_dict() for m in state.merges],
                           "num_merges": len(state.merges), "stop_reason": "round_groups",
                           "budget_reached": True}
            elif form.num_variables > budget:
                options = {} if self._defaults["schedule"] is None else \
                    {"schedule": self._defaults["schedule"]}
                if gauge is None:
                    options["candidates"] = candidates
                result = shrink(work, budget, correlation=corr, merge_policy=policy,
                                seed=shrink_seed, **options)
                state, reduced = result.state, result.reduced
                context = result.context()
                context["timing"] = dict(result.timing)
                if result.stop_reason != "budget":
                    warnings.warn(
                        f"round {r}: shrinking stopped at {reduced.bqm.num_variables} variables, "
                        f"above the budget of {budget} ({result.stop_reason})",
                        BudgetNotReachedWarning, stacklevel=3)
            else:
                state = ShrinkState(work)
                reduced = state.reduced()
                context = {"num_variables": form.num_variables,
                           "num_reduced": form.num_variables, "merges": [], "num_merges": 0,
                           "stop_reason": "within_budget", "budget_reached": True}
            t_shrink = time.perf_counter() - t0
            kept = True
            if gauge is not None:
                ones = np.ones((1, len(reduced.labels)), dtype=np.int8)
                e_red = reduced.bqm.energies((_values(ones, vartype), list(reduced.labels)))
                e_inc = form.energies(gauge[None, :])
                kept = bool(np.isclose(e_red[0], e_inc[0], rtol=1e-9, atol=1e-7))
            tc = time.perf_counter()
            child_ss = self._sample_reduced(reduced.bqm, params)
            t_child = time.perf_counter() - tc
            red = _columns(child_ss, reduced.labels,
                           f"the child sampler {type(self.child).__name__}", vartype)
            spins = _spins(state.expand(red), vartype)
            if gauge is not None:
                spins = spins * gauge[None, :]
            vectors = {k: v for k, v in _vectors(child_ss, "the child sampler").items() if k == "num_occurrences"}
            ss, t_post = self._finish(_values(spins, vartype), bqm, postprocess, vectors)
            root = state.root[:-1]
            alive = state.alive_indices
            sizes = np.bincount(root[root < form.num_variables],
                                minlength=form.num_variables)[alive]
            record = {"round": r, "grouping": name, "child_calls": 1, "child_time": t_child,
                      "shrink_time": t_shrink, "postprocess_time": t_post,
                      "num_reduced": int(reduced.bqm.num_variables),
                      "group_sizes": sorted(sizes.tolist(), reverse=True),
                      "num_fixed": int(np.sum(root == form.num_variables)),
                      "incumbent_kept": kept, "kicked": False,
                      "stop_reason": context.get("stop_reason")}
            return ss, record, context, time.perf_counter() - t0

        # round 0
        incumbent = None
        best_key = math.inf
        best_round = 0
        if initial_states is not None:
            t0 = time.perf_counter()
            arr = self._initial(initial_states, bqm)
            ss, t_post = self._finish(arr, bqm, postprocess, {})
            record = {"round": 0, "child_calls": 0, "child_time": 0.0, "shrink_time": 0.0,
                      "postprocess_time": t_post, "num_reduced": 0, "group_sizes": [],
                      "num_fixed": 0, "incumbent_kept": True, "kicked": False,
                      "stop_reason": "initial_states"}
            context, t_round = {"initial_states": len(arr)}, time.perf_counter() - t0
        else:
            ss, record, context, t_round = self._single_shot(
                bqm, budget, merge_policy, postprocess, seed, candidates, child_params, rng)
        stop = "max_rounds"
        stall = 0
        r = 0
        arrays: list[np.ndarray] = []  # each round's samples, columns in ``labels`` order
        best_row = 0
        # the centre of the next round: the incumbent, or with ``perturb`` the walk's point
        center, center_key, center_stall, kicks = None, math.inf, 0, 0
        while True:
            rows, keys, i = self._ranked(ss, labels, score)
            previous = best_key
            arrays.append(rows)
            found = _spins(rows[i], vartype).astype(np.int8)  # the round's best
            if incumbent is None or keys[i] < best_key:
                best_key = float(keys[i])
                best_round, best_row = len(rounds), i
                incumbent = found
            improved = best_key < previous
            stall = 0 if improved else stall + 1
            if center is None or keys[i] < center_key:
                center, center_key, center_stall = found, keys[i], 0
            else:
                center_stall += 1
            record.update(energy=float(keys[i]), incumbent_energy=best_key,
                          improvement=(0.0 if r == 0 else previous - best_key),
                          time=t_round)
            rounds.append(record)
            contexts.append(context)
            samplesets.append(ss)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(best=best_key)
            r += 1
            if r > max_rounds:
                stop = "max_rounds"
                break
            if r > 1 and stall >= patience:
                stop = "patience"
                break
            if time_limit is not None and time.perf_counter() - t_start + max(
                    rec["time"] for rec in rounds[1:] or rounds) > time_limit:
                stop = "time_limit"
                break
            t_kick, kicked = 0.0, False
            if perturb is not None and center_stall >= perturb_after:
                tk = time.perf_counter()
                center, center_key = self._kick(perturb, incumbent, bqm, labels, vartype,
                                                postprocess, score, rng)
                center_stall, kicks, kicked = 0, kicks + 1, True
                t_kick = time.perf_counter() - tk
            ss, record, context, t_round = run_round(r, center, center_stall)
            record["kicked"] = kicked
            t_round += t_kick
        if bar is not None:
            bar.close()

        # the incumbent first, then every round's samples
        vecs = [set(s.record.dtype.names) - {"sample", "energy"} for s in samplesets]
        common = set.intersection(*vecs)
        parts = []
        for k, (s, arr) in enumerate(zip(samplesets, arrays)):
            v = {name: s.record[name] for name in common}
            v["round"] = np.full(len(s), k, dtype=np.int32)
            parts.append(dimod.SampleSet.from_samples_bqm((arr, labels), bqm, **v))
        best = parts[best_round]
        head = dimod.SampleSet(best.record[best_row:best_row + 1], best.variables, {},
                               best.vartype)
        out = dimod.concatenate([head] + parts)
        out = dimod.SampleSet(out.record, out.variables, {}, out.vartype)
        info = {"rounds": rounds, "stop": stop, "incumbent_score": best_key, "kicks": kicks,
                "time": time.perf_counter() - t_start,
                "child_calls": sum(rec["child_calls"] for rec in rounds)}
        if return_shrink_context:
            info["shrink_context"] = contexts
        out.info.update(info)
        return out

    def sample_cqm(self, cqm: dimod.ConstrainedQuadraticModel, *, encoding: str = "unbalanced",
                   constraint_aware: bool = True, repair: bool = True, polish: bool = True,
                   seed=None, **parameters) -> dimod.SampleSet:
        """Iterated sampling of a constrained model.

        Builds the :class:`~dimod_shrink.problems.CQMProblem` (penalty BQM,
        constraint-aware merge policy, repair), then runs :meth:`sample`
        with the incumbent ranked by the CQM objective among feasible
        samples.  ``initial_states`` may assign the CQM's variables only.

        Args:
            cqm: A CQM with binary variables and linear constraints.
            encoding: ``"unbalanced"`` or ``"slack"``.
            constraint_aware: Use the merge policy in every round.
            repair: Repair every round's samples (and ``polish`` them).
            seed: Seeds the witnesses, every round and the child.
            **parameters: As for :meth:`sample`.

        Returns:
            SampleSet over the CQM's variables (energies of the CQM objective,
            ``is_feasible``/``is_satisfied`` from
            :meth:`dimod.SampleSet.from_samples_cqm`), the incumbent first;
            ``info`` as :meth:`sample` gives it.

        Examples:
            >>> import dimod
            >>> cqm = dimod.ConstrainedQuadraticModel()
            >>> x = [dimod.Binary(i) for i in range(30)]
            >>> cqm.set_objective(-sum((i % 7 + 1) * xi for i, xi in enumerate(x)))
            >>> _ = cqm.add_constraint(sum((i % 5 + 1) * xi for i, xi in enumerate(x)) <= 20)
            >>> ss = IteratedShrinkingComposite(num_variables=10).sample_cqm(
            ...     cqm, max_rounds=3, seed=1)
            >>> bool(ss.first.is_feasible)
            True
        """
        from ..problems import CQMProblem
        if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
            raise TypeError(f"sample_cqm needs a dimod.ConstrainedQuadraticModel, got "
                            f"{type(cqm).__name__}; use sample() for a BQM")
        for own in ("merge_policy", "postprocess", "score"):
            if own in parameters:
                raise TypeError(f"sample_cqm builds its own {own}; use sample() with "
                                f"problem.{own}() to supply one")
        problem = CQMProblem(cqm, encoding=encoding)
        policy = problem.merge_policy(constraint_aware, seed=seed)
        post = problem.postprocess(polish=polish) if repair else None

        def score(ss):
            X = problem.decision_columns(ss)
            key = np.asarray(cqm.objective.energies((X, problem.variables)), dtype=float)
            return np.where(problem.is_feasible(X), key, np.inf) if len(X) else key

        if parameters.get("initial_states") is not None:
            arr, labels = dimod.as_samples(parameters["initial_states"])
            pos = {v: k for k, v in enumerate(labels)}
            missing = [v for v in problem.variables if v not in pos]
            if missing:
                raise ValueError("initial_states must assign every variable of the CQM; "
                                 f"missing {missing[:5]}")
            X = np.asarray(arr[:, [pos[v] for v in problem.variables]], dtype=np.int8)
            parameters["initial_states"] = (problem.complete(X), list(problem.bqm.variables))
        parameters.setdefault("candidates", problem.candidates)
        if "num_reads" in self.child.parameters and "num_reads" not in parameters:
            parameters["num_reads"] = CQM_NUM_READS  # as ShrinkingComposite.sample_cqm
        ss = self.sample(problem.bqm, merge_policy=policy, postprocess=post, seed=seed,
                         score=score, **parameters)
        X = problem.decision_columns(ss)
        vectors = {}
        for k in ("feasible_before_repair", "repair_moves", "polish_gain", "num_occurrences",
                  "round"):
            if k in ss.record.dtype.names:
                vectors[k] = ss.record[k]
        out = dimod.SampleSet.from_samples_cqm((X, problem.variables), cqm, **vectors)
        out.info.update(ss.info)
        return out
