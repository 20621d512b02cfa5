"""Adaptive control of the shrink loop: dynamic thresholds.

A threshold ``tau`` gates merges: after each correlation solve the loop
merges pairs with ``|C| >= tau`` only.  When the best admissible pair falls
below ``tau``

* and merges were made since the last solve, the correlations are stale:
  the loop recomputes them (*recomputation on demand*);
* on fresh correlations, no strong pair remains: with ``early_stop`` the
  loop stops above the budget (the child gets a larger model and the context
  says ``stop_reason="no_strong_pair"``); otherwise it relaxes the threshold
  (the decay rule) or drops it for this round and merges the best pair.

The four rules compute ``tau`` from the distribution of ``|C|`` over the
candidate pairs of the current solve:

* :class:`Proportional` -- ``alpha * max |C|``;
* :class:`Quantile` -- the ``q``-quantile of ``|C|``;
* :class:`TwoMeans` -- the split of a one-dimensional two-means clustering of
  ``|C|`` (strong vs. weak pairs), i.e. the midpoint of the two centroids;
* :class:`Decay` -- a fixed start value, multiplied by ``rate`` each time no
  pair passes on fresh correlations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Threshold", "Proportional", "Quantile", "TwoMeans", "Decay", "THRESHOLDS",
           "resolve_threshold", "upper_abs"]


def upper_abs(C: np.ndarray) -> np.ndarray:
    """``|C_ab|`` for ``a < b`` as a flat array."""
    iu = np.triu_indices(C.shape[0], 1)
    return np.abs(C[iu])


class Threshold:
    """Base class: ``value(abs_corr) -> tau`` after each solve; ``relax(tau)``."""

    name = "threshold"

    def value(self, values: np.ndarray) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def relax(self, tau: float) -> float | None:
        """A lower threshold to retry with on fresh correlations, or ``None`` (drop it)."""
        return None


@dataclass
class Proportional(Threshold):
    """``tau = alpha * max |C|``."""

    alpha: float = 0.95
    name = "proportional"

    def value(self, values):
        return float(self.alpha * values.max(initial=0.0))


@dataclass
class Quantile(Threshold):
    """``tau`` = the ``q``-quantile of ``|C|``."""

    q: float = 0.99
    name = "quantile"

    def value(self, values):
        return float(np.quantile(values, self.q)) if values.size else 0.0


@dataclass
class TwoMeans(Threshold):
    """``tau`` = the boundary of a 1-D two-means split of ``|C|`` (Lloyd iterations)."""

    iterations: int = 30
    name = "two_means"

    def value(self, values):
        if values.size < 2 or values.max() == values.min():
            return float(values.max(initial=0.0))
        lo, hi = float(values.min()), float(values.max())
        for _ in range(self.iterations):
            cut = 0.5 * (lo + hi)
            low, high = values[values < cut], values[values >= cut]
            if low.size == 0 or high.size == 0:
                break
            nlo, nhi = float(low.mean()), float(high.mean())
            if nlo == lo and nhi == hi:
                break
            lo, hi = nlo, nhi
        return 0.5 * (lo + hi)


@dataclass
class Decay(Threshold):
    """``tau`` starts at ``start`` and is multiplied by ``rate`` when nothing passes."""

    start: float = 0.99
    rate: float = 0.9
    floor: float = 0.05
    name = "decay"

    def __post_init__(self):
        self.current = self.start

    def value(self, values):
        return self.current

    def relax(self, tau):
        self.current = tau * self.rate
        return self.current if self.current >= self.floor else None


THRESHOLDS = {"proportional": Proportional, "quantile": Quantile, "two_means": TwoMeans,
              "decay": Decay}


def resolve_threshold(threshold) -> Threshold | None:
    """A name, a :class:`Threshold`, or ``None``."""
    if threshold is None or isinstance(threshold, Threshold):
        return threshold
    if isinstance(threshold, str):
        try:
            return THRESHOLDS[threshold]()
        except KeyError:
            raise ValueError(f"unknown threshold {threshold!r}; choose one of "
                             f"{sorted(THRESHOLDS)} or pass a Threshold") from None
    raise TypeError(f"threshold must be a name or a Threshold, got {type(threshold).__name__}")
