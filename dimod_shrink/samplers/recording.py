"""A pass-through child that records what the child is given and what it returns."""

from __future__ import annotations

import dimod

__all__ = ["RecordingSampler"]


class RecordingSampler(dimod.Sampler):
    """Wrap a child sampler and keep every model it samples and its raw answer.

    Put it between :class:`~dimod_shrink.ShrinkingComposite` and the child to
    see the reduced models the pipeline produces and the child's own samples,
    before expansion, repair and polish.

    Args:
        child: The sampler to wrap; its parameters and properties are forwarded.

    Attributes:
        calls: A list of ``(bqm, sampleset)`` pairs, one per ``sample`` call
            (the model is a copy).

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

    def __init__(self, child: dimod.Sampler):
        self.child = child
        self.calls = []

    @property
    def parameters(self) -> dict:
        return dict(self.child.parameters)

    @property
    def properties(self) -> dict:
        return dict(self.child.properties)

    def sample(self, bqm, **parameters):
        ss = self.child.sample(bqm, **parameters)
        self.calls.append((bqm.copy(), ss))
        return ss
