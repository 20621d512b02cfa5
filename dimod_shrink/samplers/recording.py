"""A pass-through child that records what the child is given and what it returns."""

from __future__ import annotations

import time

import dimod

__all__ = ["RecordingSampler", "SUMMARY_KEYS"]

SUMMARY_KEYS = ("reps", "initial_point", "backend", "ansatz", "shots", "cvar_alpha", "target",
                "train", "optimization_level", "two_qubit_gates", "circuit_depth",
                "two_qubit_error", "estimated_fidelity", "auto_reps", "qpu", "topology", "clique_size",
                "chain_strength", "chain_break_fraction", "num_reads")
"""The child ``info`` entries :meth:`RecordingSampler.summary` reports (from the last call)."""


class RecordingSampler(dimod.Sampler):
    """Wrap a child sampler and keep every model it samples and its raw answer.

    Put it between :class:`~dimod_shrink.ShrinkingComposite` and the child to
    see the reduced models the pipeline produces and the child's own samples,
    before expansion, repair and polish.

    Args:
        child: The sampler to wrap; its parameters and properties are forwarded.
        keep_models: Keep a copy of every model (``False``: ``None`` in its place).

    Attributes:
        calls: A list of ``(bqm, sampleset)`` pairs, one per ``sample`` call
            (the model is a copy).
        times: Wall-clock seconds of each call of the child.

    Examples:
        >>> import dimod
        >>> from dimod_shrink import ShrinkingComposite
        >>> rec = RecordingSampler(dimod.ExactSolver())
        >>> bqm = dimod.generators.ran_r(1, 12, seed=0)
        >>> _ = ShrinkingComposite(rec).sample(bqm, num_variables=6, seed=0)
        >>> reduced, raw = rec.calls[-1]
        >>> reduced.num_variables <= 6, len(raw) == 2 ** reduced.num_variables
        (True, True)
    """

    def __init__(self, child: dimod.Sampler, keep_models: bool = True):
        self.child = child
        self.keep_models = bool(keep_models)
        self.calls = []
        self.times = []

    @property
    def parameters(self) -> dict:
        return dict(self.child.parameters)

    @property
    def properties(self) -> dict:
        return dict(self.child.properties)

    def sample(self, bqm, **parameters):
        t0 = time.perf_counter()
        ss = self.child.sample(bqm, **parameters)
        self.times.append(time.perf_counter() - t0)
        self.calls.append((bqm.copy() if self.keep_models else None, ss))
        return ss

    def summary(self) -> dict:
        """What the child actually ran, from its samplesets' ``info``.

        Returns:
            A dict with ``calls``, ``time`` (seconds in the child, all calls),
            ``evaluations`` (summed, where the child reports them) and the
            :data:`SUMMARY_KEYS` entries of the last call's ``info``.

        Examples:
            >>> import dimod
            >>> rec = RecordingSampler(dimod.ExactSolver())
            >>> _ = rec.sample(dimod.generators.ran_r(1, 4, seed=0))
            >>> rec.summary()["calls"]
            1
        """
        out = {"calls": len(self.calls), "time": float(sum(self.times))}
        if not self.calls:
            return out
        infos = [ss.info for _, ss in self.calls]
        evals = [i["evaluations"] for i in infos if i.get("evaluations") is not None]
        if evals:
            out["evaluations"] = int(sum(evals))
        last = infos[-1]
        out.update({k: last[k] for k in SUMMARY_KEYS if k in last})
        return out
