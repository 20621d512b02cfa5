"""What every composite of the package shares: one child, the Ocean API, option checks."""

from __future__ import annotations

import difflib
import inspect

import dimod
import numpy as np

__all__ = ["ChildComposite", "default_child"]


def default_child() -> dimod.Sampler:
    """Simulated annealing (dwave-samplers), the default child."""
    from dwave.samplers import SimulatedAnnealingSampler
    return SimulatedAnnealingSampler()


def takes_seed(sampler) -> bool:
    """Whether ``sampler.sample`` takes a ``seed``: listed in its ``parameters``, or
    in its signature (:class:`dimod.RandomSampler` takes one without listing it).
    A wrapper that forwards to a child should report the child's answer."""
    if "seed" in sampler.parameters:
        return True
    try:
        return "seed" in inspect.signature(sampler.sample).parameters
    except (TypeError, ValueError):
        return False


class ChildComposite(dimod.ComposedSampler):
    """A composite over one child sampler.

    Subclasses name their own keyword arguments in ``_own``; :attr:`parameters`
    lists them beside the child's, and ``_check_kwargs`` refuses anything
    else with a suggestion.
    """

    _own: tuple = ()

    def __init__(self, child_sampler: dimod.Sampler | None, num_variables):
        if child_sampler is None:
            child_sampler = default_child()
        if not isinstance(child_sampler, dimod.Sampler):
            raise TypeError("child_sampler must be a dimod.Sampler, got "
                            f"{type(child_sampler).__name__}")
        self._children = [child_sampler]
        self._check_budget(num_variables)

    @property
    def children(self) -> list:
        """List containing the child sampler."""
        return self._children

    @property
    def child(self) -> dimod.Sampler:
        return self._children[0]

    @property
    def parameters(self) -> dict:
        """The child's parameters plus the composite's own."""
        params = {k: list(v) for k, v in self.child.parameters.items()}
        for name in self._own:
            params.setdefault(name, [])
        return params

    @property
    def properties(self) -> dict:
        """``{'child_properties': ...}``."""
        return {"child_properties": dict(self.child.properties)}

    def close(self):
        """Close the child sampler (if it holds resources)."""
        close = getattr(self.child, "close", None)
        if callable(close):
            close()

    def _child_takes_seed(self) -> bool:
        return takes_seed(self.child)

    def _sample_reduced(self, bqm: dimod.BinaryQuadraticModel, params: dict):
        """The child's answer on a reduced model; a model with no variable left
        (everything fixed) has one empty sample and never reaches the child."""
        if bqm.num_variables == 0:
            return dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), bqm)
        return self.child.sample(bqm, **params)

    @staticmethod
    def _check_candidates(candidates):
        from ..candidates import check_candidates
        check_candidates(candidates)

    @staticmethod
    def _check_budget(num_variables):
        if isinstance(num_variables, bool) or not isinstance(num_variables, (int, np.integer)):
            raise TypeError(f"num_variables must be a positive int, got {num_variables!r}")
        if num_variables < 1:
            raise ValueError(f"num_variables must be >= 1 (the child's variable budget), "
                             f"got {num_variables}")

    def _check_kwargs(self, parameters: dict):
        """Refuse keyword arguments that neither the child nor the composite takes."""
        child_params = self.child.parameters
        unknown = [k for k in parameters if k not in child_params]
        if unknown:
            known = sorted(set(child_params) | set(self._own))
            hints = []
            for k in unknown:
                close = difflib.get_close_matches(k, known, n=1)
                hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise TypeError(
                f"unknown keyword argument(s) {', '.join(hints)} for "
                f"{type(self).__name__}({type(self.child).__name__}). Accepted: {known}")
