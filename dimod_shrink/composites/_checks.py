"""Checks on what enters the composite: options, seeds, and every SampleSet.

A child sampler or a postprocess is code the composite does not control.  Its
answer is accepted only after :func:`sample_array` has checked it: a SampleSet,
over exactly the expected variables, with values of the expected vartype
(an answer in the other vartype is converted; anything else is refused).  The
energies it carries are never used: the composite recomputes them on the
original model.
"""

from __future__ import annotations

import numbers

import dimod
import numpy as np

from .._names import SEED_LIMIT

__all__ = ["sample_array", "data_vectors", "states_array", "check_seed", "require_rows",
           "SEED_MAX"]

SEED_MAX = SEED_LIMIT - 1
"""Largest seed accepted; every child in the package (numpy, dwave-samplers' SA,
qiskit-aer) takes seeds in ``[0, 2**31)``."""


def check_seed(seed, name: str = "seed"):
    """``None`` or an int in ``[0, 2**31 - 1]``; anything else is a clear error."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None or an int in [0, {SEED_MAX}], "
                        f"got {type(seed).__name__}")
    if not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(f"{name} must be in [0, {SEED_MAX}], got {seed}; pass a "
                         "non-negative int (e.g. seed % 2**31)")
    return int(seed)


def sample_array(sampleset, labels, vartype, source: str) -> np.ndarray:
    """The samples of ``sampleset`` as an int8 array, columns in ``labels`` order.

    Args:
        sampleset: What ``source`` returned.
        labels: The variables it must cover, exactly.
        vartype: The vartype the samples must end up in.
        source: Who produced it, for the error messages (``"the child sampler
            SimulatedAnnealingSampler"``, ``"postprocess"``).

    Raises:
        TypeError: not a :class:`dimod.SampleSet`.
        ValueError: missing or extra variables, or values outside the vartype.
    """
    if not isinstance(sampleset, dimod.SampleSet):
        raise TypeError(f"{source} must return a dimod.SampleSet, got "
                        f"{type(sampleset).__name__}")
    labels = list(labels)
    got = sampleset.variables
    if len(got) != len(labels) or tuple(got) != tuple(labels):
        have = set(got)
        want = set(labels)
        missing = [v for v in labels if v not in have]
        extra = [v for v in got if v not in want]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"without variables {missing[:5]}")
            if extra:
                parts.append(f"with unexpected variables {extra[:5]}")
            raise ValueError(f"{source} returned samples {' and '.join(parts)}; it must "
                             f"return exactly the {len(labels)} variables it was given")
    arr = np.asarray(sampleset.record.sample)
    if arr.ndim != 2:
        arr = arr.reshape(len(sampleset.record), -1)
    if tuple(got) != tuple(labels):
        cols = [got.index(v) for v in labels]
        arr = arr[:, cols]
    declared = sampleset.vartype
    allowed = {0, 1} if declared is dimod.BINARY else {-1, 1}
    if arr.size:
        bad = sorted(set(np.unique(arr).tolist()) - allowed)
        if bad:
            raise ValueError(f"{source} returned values {bad[:5]} in a {declared.name} "
                             f"SampleSet (allowed: {sorted(allowed)})")
    if declared is not vartype:  # answered in the other vartype: convert
        arr = (arr + 1) // 2 if vartype is dimod.BINARY else 2 * arr - 1
    return np.ascontiguousarray(arr, dtype=np.int8)


def require_rows(sampleset, labels, source: str):
    """Refuse an answer with no samples for a model with variables.

    A composite that passes answers through may return what the child returned,
    even nothing (dimod's :class:`~dimod.NullSampler` does); one that goes on from
    the best sample (iterated shrinking) needs at least one.

    Raises:
        ValueError: Naming ``source`` and what to check.
    """
    if len(sampleset) == 0 and len(labels):
        raise ValueError(f"{source} returned no samples; at least one is needed to go on "
                         "from (check the reads it was asked for, e.g. num_reads)")


def data_vectors(sampleset, rows: int, source: str) -> dict:
    """The per-row data fields of ``sampleset`` to carry over, never ``energy`` (it is
    recomputed); ``num_occurrences`` must be positive integers, one per row."""
    rec = sampleset.record
    out = {}
    for name in rec.dtype.names:
        if name in ("sample", "energy"):
            continue
        col = rec[name]
        if name == "num_occurrences":
            col = np.asarray(col)
            if col.shape != (rows,) or not np.issubdtype(col.dtype, np.integer) or \
                    (col.size and col.min() < 1):
                raise ValueError(f"{source} returned num_occurrences that are not positive "
                                 "integers, one per sample; it must return a count >= 1 for "
                                 "every sample (or no num_occurrences at all)")
        out[name] = col
    return out


def states_array(initial_states, labels, vartype) -> np.ndarray:
    """``initial_states`` as an int8 array with columns in ``labels`` order.

    Every given value must be one of ``vartype``'s, and every label must be
    assigned; anything else is a :class:`ValueError` that says what to pass.
    """
    try:
        arr, given = dimod.as_samples(initial_states)
    except Exception as exc:
        raise ValueError(f"initial_states could not be read as samples: {exc}. Pass a "
                         "dict, a list of dicts, (array, labels) or a SampleSet.") from exc
    if np.asarray(arr).dtype.kind not in "biuf":
        raise ValueError("initial_states could not be read as samples: the values are not "
                         "numbers. Pass a dict, a list of dicts, (array, labels) or a "
                         "SampleSet.")
    allowed = (0, 1) if vartype is dimod.BINARY else (-1, 1)
    bad = ~np.isin(arr, allowed)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(f"initial_states row {r}, variable {given[c]!r} is "
                         f"{arr[r, c].item()!r}; a {vartype.name} model takes values "
                         f"{allowed}. Pass complete states of the model's vartype, or drop "
                         "initial_states")
    pos = {v: i for i, v in enumerate(given)}
    missing = [v for v in labels if v not in pos]
    if missing:
        raise ValueError("initial_states must assign every variable of the model; missing "
                         f"{missing[:5]}. Pass complete states or drop initial_states.")
    return np.asarray(arr[:, [pos[v] for v in labels]], dtype=np.int8)
