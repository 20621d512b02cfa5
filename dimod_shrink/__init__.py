"""dimod-shrink: shrink binary quadratic models to fit small solvers.

Correlation-guided graph shrinking as a :class:`dimod.ComposedSampler`:
estimate correlations, merge the strongest pairs until the model fits the
child's budget, sample, expand back, and (for constrained problems) repair.
"""

from .composites import ShrinkingComposite
from .engine import ShrinkResult, shrink
from .ising import IsingForm, ising_form
from .merges import REFERENCE, Merge, ReducedModel, ShrinkState


def __getattr__(name):
    # the QAOA sampler needs the optional qiskit stack: import it on first use
    if name == "QAOASampler":
        from .samplers import QAOASampler
        return QAOASampler
    raise AttributeError(f"module 'dimod_shrink' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = ["ShrinkingComposite", "shrink", "ShrinkResult", "IsingForm", "ising_form",
           "REFERENCE", "Merge", "ReducedModel", "ShrinkState", "QAOASampler", "__version__"]
