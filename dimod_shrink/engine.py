"""The greedy shrink loop: pure functions, no sampler inside.

:func:`shrink` repeatedly

1. estimates correlations ``C`` on the current reduced model (every
   ``recompute_every`` merges),
2. walks the pairs in order of decreasing ``|C_ab|`` and offers each to the
   ``merge_policy``; a veto is counted and the next pair is tried,
3. merges the first admissible pair with sign ``sign(C_ab)`` (a pair with the
   reference fixes the variable),

until the model has ``num_variables`` variables, or no admissible pair has
``|C| >= min_correlation``.

Between recomputations the loop keeps walking the same (stale) ranking and
skips pairs whose variables were merged away; that is what
``recompute_every > 1`` trades for speed.

Which of the two variables disappears: the one later in the model's variable
order (the earlier one represents the group), so results do not depend on
the estimator's floating-point ties.

References:
    S. Bravyi, A. Kliesch, R. Koenig, E. Tang, "Obstacles to variational
    quantum optimization from symmetry protection", PRL 125 (2020) -- RQAOA.

    J. Fischer et al., "Graph shrinking for quantum optimization",
    arXiv:2404.17242 (2024).

    S. Sharma, H. K. Lau, "Adaptive graph shrinking for quantum optimization of
    constrained combinatorial problems", arXiv:2506.14250 (2025).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
import time
from typing import Callable, Iterator

import numpy as np

from .adaptive import resolve_threshold, upper_abs
from .correlations import resolve_estimator
from .ising import IsingForm
from .merges import REFERENCE, ReducedModel, ShrinkState

__all__ = ["shrink", "ShrinkResult", "ranked_pairs"]

MergePolicy = Callable[[ShrinkState, object, object, int], bool]


@dataclass
class ShrinkResult:
    """What :func:`shrink` returns.

    Attributes:
        state: The final :class:`~dimod_shrink.merges.ShrinkState` (merges, maps).
        reduced: The reduced model.
        vetoed_merges: Number of merges the policy refused.
        correlation_calls: Number of estimator calls.
        stop_reason: ``"budget"``, ``"min_correlation"``, ``"no_admissible_pair"``
            or ``"no_strong_pair"`` (adaptive early stop).
        timing: Seconds spent in ``"correlation"`` (building the estimator input
            and running it), ``"select"`` (ranking pairs by ``|C|`` and asking
            the policy) and ``"shrink"`` (merges and building the reduced
            model).
        vetoes: The first vetoed ``(variable, target, sign)`` triples (at most
            ``max_recorded_vetoes``).
        control: The recomputation schedule, the thresholds used after each
            solve (and relaxation), and what triggered each solve.
    """

    state: ShrinkState
    reduced: ReducedModel
    vetoed_merges: int = 0
    correlation_calls: int = 0
    stop_reason: str = "budget"
    timing: dict = field(default_factory=dict)
    vetoes: list = field(default_factory=list)
    control: dict = field(default_factory=dict)

    @property
    def merges(self):
        return self.state.merges

    def context(self) -> dict:
        """A plain-dict summary (what ``info['shrink_context']`` carries)."""
        return {
            "num_variables": self.state.form.num_variables,
            "num_reduced": self.reduced.bqm.num_variables,
            "merges": [m.as_dict() for m in self.state.merges],
            "num_merges": len(self.state.merges),
            "num_fixed": sum(m.is_fix for m in self.state.merges),
            "vetoed_merges": self.vetoed_merges,
            "vetoes": list(self.vetoes),
            "correlation_calls": self.correlation_calls,
            "stop_reason": self.stop_reason,
            "budget_reached": self.stop_reason == "budget",
            "reduced_variables": list(self.reduced.labels),
            "control": dict(self.control),
        }


def ranked_pairs(C: np.ndarray, chunk: int = 256,
                 greedy_first: int = 16) -> Iterator[tuple[int, int, float]]:
    """Yield ``(a, b, C_ab)`` for ``a < b`` by decreasing ``|C_ab|``.

    Lazy, because the loop usually needs only the first pair or two: the first
    ``greedy_first`` pairs come from repeated :func:`numpy.argmax` (``O(N^2)``
    each, no sort), the rest from sorted chunks found with
    :func:`numpy.argpartition`.  Ties are broken by position (row-major), so
    the order is deterministic.
    """
    N = C.shape[0]
    if N < 2:
        return
    A = np.abs(C, dtype=float)
    A[np.tri(N, dtype=bool)] = -np.inf
    flat = A.ravel()
    for _ in range(min(greedy_first, N * (N - 1) // 2)):
        f = int(flat.argmax())
        if flat[f] == -np.inf:
            return
        flat[f] = -np.inf
        a, b = divmod(f, N)
        yield a, b, float(C[a, b])
    remaining = np.flatnonzero(flat > -np.inf)
    vals = flat[remaining]
    while remaining.size:
        k = min(chunk, remaining.size)
        if k < remaining.size:
            part = np.argpartition(-vals, k - 1)
            top, remaining = remaining[part[:k]], remaining[part[k:]]
            vals = vals[part[k:]]
        else:
            top, remaining = remaining, remaining[:0]
        top = top[np.lexsort((top, -flat[top]))]
        for f in top.tolist():
            a, b = divmod(f, N)
            yield a, b, float(C[a, b])
        chunk *= 4


def _check_options(num_variables, recompute_every, min_correlation):
    if isinstance(num_variables, bool) or not isinstance(num_variables, (int, np.integer)):
        raise TypeError(f"num_variables must be an int, got {type(num_variables).__name__}")
    if num_variables < 0:
        raise ValueError(f"num_variables must be >= 0, got {num_variables}")
    if isinstance(recompute_every, bool) or not isinstance(recompute_every, (int, np.integer)):
        if not (isinstance(recompute_every, float) and math.isinf(recompute_every)):
            raise TypeError("recompute_every must be a positive int (or math.inf: never "
                            f"recompute), got {recompute_every!r}")
    if recompute_every < 1:
        raise ValueError(f"recompute_every must be >= 1, got {recompute_every}")
    if not isinstance(min_correlation, (int, float, np.floating)) or \
            not (0.0 <= float(min_correlation) <= 1.0):
        raise ValueError(f"min_correlation must be a number in [0, 1], got {min_correlation!r}")


def shrink(form: IsingForm, num_variables: int, *, correlation="lowrank",
           recompute_every: int = 1, min_correlation: float = 0.0,
           merge_policy: MergePolicy | None = None, seed=None,
           warm_start: bool = True, schedule: str = "fixed",
           recompute_fraction: float = 0.05, threshold=None, early_stop: bool = False,
           max_recorded_vetoes: int = 100) -> ShrinkResult:
    """Shrink a model to at most ``num_variables`` variables.

    Args:
        form: The model's :class:`~dimod_shrink.ising.IsingForm`.
        num_variables: Target size (the child's budget).
        correlation: Estimator name or callable, see
            :mod:`dimod_shrink.correlations`.
        recompute_every: Recompute correlations after this many merges.
        min_correlation: Stop when no admissible pair has ``|C| >=`` this.
        merge_policy: ``policy(state, i, j, sign) -> bool``; ``False`` vetoes
            merging ``i`` into ``j`` (``j`` may be
            :data:`~dimod_shrink.merges.REFERENCE`: fix ``i`` to ``sign``).
        seed: Seed for the estimator's random choices.
        warm_start: Start each correlation solve from the previous solution
            where the estimator supports it (it has a ``correlate(K, rng,
            init)`` method, like :class:`~dimod_shrink.correlations.LowRankSDP`).
        schedule: ``"fixed"``: recompute every ``recompute_every`` merges;
            ``"adaptive"``: recompute after ``recompute_fraction`` of the
            variables (counted at the last solve) were removed, or on demand
            when the best admissible pair falls below the threshold.
        recompute_fraction: See ``schedule``.
        threshold: Dynamic threshold gating merges (name or
            :class:`~dimod_shrink.adaptive.Threshold`; see
            :mod:`dimod_shrink.adaptive`), or ``None``.
        early_stop: Stop above the budget when fresh correlations have no
            admissible pair above the threshold.
        max_recorded_vetoes: How many vetoes to keep in :attr:`ShrinkResult.vetoes`.

    Returns:
        :class:`ShrinkResult`.

    Examples:
        >>> import dimod
        >>> from dimod_shrink.ising import ising_form
        >>> bqm = dimod.generators.chimera_anticluster(1, seed=1)
        >>> res = shrink(ising_form(bqm), 4, seed=0)
        >>> res.reduced.bqm.num_variables
        4
    """
    _check_options(num_variables, recompute_every, min_correlation)
    if schedule not in ("fixed", "adaptive"):
        raise ValueError(f"schedule must be 'fixed' or 'adaptive', got {schedule!r}")
    if not 0 < float(recompute_fraction) <= 1:
        raise ValueError(f"recompute_fraction must be in (0, 1], got {recompute_fraction}")
    thr = resolve_threshold(threshold)
    if early_stop and thr is None:
        raise ValueError("early_stop needs a threshold (what counts as a strong pair)")
    estimator = resolve_estimator(correlation)
    rng = np.random.default_rng(seed)
    state = ShrinkState(form)
    labels = form.labels
    ref = form.reference
    t_corr = 0.0
    t_select = 0.0
    t0 = time.perf_counter()
    vetoed = 0
    vetoes: list = []
    calls = 0
    stop = "budget"

    pairs = None
    nodes = None
    warm = warm_start and callable(getattr(estimator, "correlate", None))
    factor = None
    since = 0
    fresh = False
    tau = 0.0
    pending = None
    need = "initial"
    size_at_solve = state.num_variables
    triggers = {"initial": 0, "every": 0, "fraction": 0, "below_threshold": 0, "stale": 0}
    taus: list = []
    while state.num_variables > num_variables:
        if need:
            if pairs is not None:  # free the old ranking's N x N scratch arrays
                ts = time.perf_counter()
                pairs.close()
                pairs = C = None
                t_select += time.perf_counter() - ts
            tc = time.perf_counter()
            Kr, _ = state.reduced_couplings()
            nodes = np.append(state.alive_indices, ref)
            if warm:
                init = None if factor is None else factor[nodes]
                C, F = estimator.correlate(Kr, rng, init=init)
                if factor is None:
                    factor = np.zeros((len(nodes), F.shape[1]))
                factor[nodes] = F
            else:
                C = estimator(Kr, rng)
            C = np.asarray(C, dtype=float)
            t_corr += time.perf_counter() - tc
            calls += 1
            triggers[need] += 1
            if C.shape != Kr.shape:
                raise ValueError(f"correlation estimator returned shape {C.shape}, "
                                 f"expected {Kr.shape}")
            ts = time.perf_counter()
            tau = thr.value(upper_abs(C)) if thr is not None else 0.0
            taus.append(float(tau))
            pairs = ranked_pairs(C)
            t_select += time.perf_counter() - ts
            pending = None
            since = 0
            fresh = True
            size_at_solve = state.num_variables
            need = None
        chosen = None
        reason = "no_admissible_pair"
        gate = max(min_correlation, tau)
        ts = time.perf_counter()
        while True:
            item = pending if pending is not None else next(pairs, None)
            pending = None
            if item is None:
                break
            a, b, c = item
            na, nb = int(nodes[a]), int(nodes[b])
            if (na != ref and not state.alive[na]) or (nb != ref and not state.alive[nb]):
                continue
            if not abs(c) >= gate:
                pending = item  # keep it: a relaxed threshold starts here
                reason = "min_correlation" if not abs(c) >= min_correlation \
                    else "below_threshold"
                break
            sign = 1 if c >= 0 else -1
            if nb == ref:
                var, tgt = labels[na], REFERENCE
            else:
                keep, drop = (na, nb) if na < nb else (nb, na)
                var, tgt = labels[drop], labels[keep]
            if merge_policy is not None and not merge_policy(state, var, tgt, sign):
                vetoed += 1
                if len(vetoes) < max_recorded_vetoes:
                    vetoes.append((var, None if tgt is REFERENCE else tgt, sign))
                continue
            chosen = (var, tgt, sign, c)
            break
        t_select += time.perf_counter() - ts
        if chosen is None:
            if not fresh:  # stale ranking: recompute on demand and retry
                need = "below_threshold" if reason == "below_threshold" else "stale"
                continue
            if reason == "below_threshold":
                if early_stop:
                    stop = "no_strong_pair"
                    break
                relaxed = thr.relax(tau)
                tau = relaxed if relaxed is not None else 0.0
                taus.append(float(tau))
                continue
            stop = reason
            break
        state.merge(*chosen)
        since += 1
        fresh = False
        if schedule == "fixed":
            if since >= recompute_every:
                need = "every"
        elif size_at_solve - state.num_variables >= max(1.0, recompute_fraction * size_at_solve):
            need = "fraction"
    reduced = state.reduced()
    timing = {"correlation": t_corr, "select": t_select,
              "shrink": (time.perf_counter() - t0) - t_corr - t_select}
    control = {"schedule": schedule, "recompute_every": recompute_every,
               "recompute_fraction": recompute_fraction,
               "threshold": None if thr is None else thr.name, "thresholds": taus,
               "early_stop": early_stop, "triggers": triggers}
    return ShrinkResult(state, reduced, vetoed, calls, stop, timing, vetoes, control)
