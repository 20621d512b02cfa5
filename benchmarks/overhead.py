"""The composite's own overhead on 1000-variable models.

Runs ``ShrinkingComposite(SimulatedAnnealingSampler())`` to a budget of 20 on
random 1000-variable models -- with the default schedule and with the fixed
schedule recomputing every 1 (the published rule) or 10 merges -- and splits
the wall time by stage.  ``own`` is
everything that is neither the correlation estimator, nor the ranking of
pairs by ``|C|`` (``select``), nor the child: validating the model, building
the reference-node form, merge bookkeeping, building the reduced model,
expansion and the SampleSet on the original model.

Usage::

    python benchmarks/overhead.py
"""

from __future__ import annotations

import time

import dimod
import numpy as np
from dwave.samplers import SimulatedAnnealingSampler

from dimod_shrink import ShrinkingComposite

from _common import table


def model(n, degree, seed):
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(
        n, degree / (n - 1), "BINARY", random_state=seed,
        bias_generator=lambda size: rng.uniform(-1, 1, size))


def main():
    rows = []
    sampler = ShrinkingComposite(SimulatedAnnealingSampler())
    for degree in (10, 100):
        bqm = model(1000, degree, 0)
        for k in ("default", 1, 10):
            kw = {} if k == "default" else {"schedule": "fixed", "recompute_every": k}
            t = time.perf_counter()
            ss = sampler.sample(bqm, num_variables=20, seed=0, num_reads=10,
                                return_shrink_context=True, **kw)
            wall = time.perf_counter() - t
            tm = ss.info["shrink_context"]["timing"]
            own = tm["total"] - tm["correlation"] - tm["select"] - tm["child"]
            rows.append({"n": 1000, "degree": degree,
                         "schedule": "geometric" if k == "default" else f"fixed-{k}",
                         "total_s": wall, "correlation_s": tm["correlation"],
                         "select_s": tm["select"], "child_s": tm["child"],
                         "shrink_s": tm["shrink"], "expand_s": tm["expand"],
                         "own_ms": 1000 * own})
    print(table(rows))


if __name__ == "__main__":
    main()
