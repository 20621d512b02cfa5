"""Names the command line offers, kept free of imports.

``dimod-shrink --help`` builds its parser from these constants so that it
starts without loading dimod, numpy or scipy.  Each tuple mirrors a registry
of the package (``tests/test_cli.py`` checks that they agree):

* :data:`ESTIMATORS` -- :data:`dimod_shrink.correlations.ESTIMATORS`;
* :data:`SAMPLERS` -- :data:`dimod_shrink.pipeline.SAMPLERS`;
* :data:`PROBLEMS` -- :data:`dimod_shrink.problems.PROBLEMS`;
* :data:`ENCODINGS` -- :data:`dimod_shrink.problems.ENCODINGS`;
* :data:`THRESHOLDS` -- :data:`dimod_shrink.adaptive.THRESHOLDS`;
* :data:`SCHEDULES` -- the schedules :func:`dimod_shrink.shrink` accepts;
* :data:`DATASET_KINDS` -- :data:`dimod_shrink.datasets.KINDS`.
"""

ESTIMATORS = ("lowrank", "sdp", "sampled", "qaoa1")
SAMPLERS = ("sa", "tabu", "exact", "qaoa", "random", "annealer", "mock-annealer")
PROBLEMS = ("mis", "mdkp", "qap", "maxcut", "cqm")
ENCODINGS = ("slack", "unbalanced")
THRESHOLDS = ("proportional", "quantile", "two_means", "decay")
SCHEDULES = ("geometric", "adaptive", "fixed")
DATASET_KINDS = ("orlib", "qaplib", "smallqap", "dimacs", "sloane", "biqmac", "gset")
DEFAULT_SCHEDULE = "geometric"
"""The schedule :class:`~dimod_shrink.ShrinkingComposite` uses by default."""

DEFAULT_SHOTS = 1024
"""QAOASampler's default ``shots``; also the reads of the random control on the command line."""

SEED_LIMIT = 2**31
"""Seeds are ints in ``[0, SEED_LIMIT)``: what every child of the package takes."""

EXTRAS = {
    "bench": ("dask", "distributed", "tqdm", "matplotlib"),
    "quantum": ("qiskit", "qiskit_aer", "qiskit_optimization"),
    "sdp": ("cvxpy",),
    "annealer": ("minorminer",),
}
"""Which optional extra provides which top-level module."""
