"""dimod-shrink: shrink binary quadratic models to fit small solvers.

Correlation-guided graph shrinking as a :class:`dimod.ComposedSampler`:
estimate correlations, merge the strongest pairs until the model fits the
child's budget, sample, expand back, and (for constrained problems) repair.
"""

import importlib

__version__ = "0.1.0"

# public name -> submodule; imported on first use so that the command line
# (``dimod-shrink --help``) starts without loading dimod, numpy or scipy
_LAZY = {
    "ShrinkingComposite": ".composites",
    "IteratedShrinkingComposite": ".composites",
    "shrink": ".engine", "ShrinkResult": ".engine",
    "IsingForm": ".ising", "ising_form": ".ising",
    "REFERENCE": ".merges", "Merge": ".merges", "ReducedModel": ".merges",
    "ShrinkState": ".merges",
    "QAOASampler": ".samplers",
    "ShrinkingOptimizer": ".qiskit_optimizer",
}


def __getattr__(name):
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'dimod_shrink' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["ShrinkingComposite", "IteratedShrinkingComposite", "shrink", "ShrinkResult",
           "IsingForm", "ising_form", "REFERENCE", "Merge", "ReducedModel", "ShrinkState",
           "QAOASampler", "ShrinkingOptimizer", "__version__"]
