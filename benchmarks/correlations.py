"""Wall time and SDP objective of the ``sdp`` (cvxpy) and ``lowrank`` estimators.

Random Max-Cut graphs with unit weights: G(n, 0.1) at n = 100, 200, 400, 800
for both solvers, and sparse graphs of average degree 10 at n = 2000 and 5000
for ``lowrank`` alone.  The objective is the Goemans--Williamson value
``tr(L X) / 4`` (an upper bound on the maximum cut).

Usage::

    python benchmarks/correlations.py [--max-exact 800] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import dimod
import networkx as nx
import numpy as np

from dimod_shrink.correlations import solve_exact_sdp, solve_lowrank_sdp
from dimod_shrink.ising import ising_form

from _common import table


def maxcut_form(n, p, seed):
    g = nx.fast_gnp_random_graph(n, p, seed=seed)
    bqm = dimod.BinaryQuadraticModel("SPIN")
    bqm.add_variables_from((v, 0.0) for v in g.nodes)
    bqm.add_quadratic_from((u, v, 1.0) for u, v in g.edges)  # min sum s_u s_v == max cut
    return ising_form(bqm), g.number_of_edges()


def gw_value(objective, num_edges):
    # cut = sum_{uv} (1 - X_uv)/2 = (m - sum X_uv)/2 and objective = sum_{uv} X_uv
    return 0.5 * (num_edges - objective)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-exact", type=int, default=800)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rows = []
    cases = [(n, 0.1) for n in (100, 200, 400, 800)] + [(n, 10 / (n - 1)) for n in (2000, 5000)]
    for n, p in cases:
        form, m = maxcut_form(n, p, args.seed)
        t = time.perf_counter()
        low = solve_lowrank_sdp(form.couplings, seed=args.seed)
        t_low = time.perf_counter() - t
        row = {"n": n, "edges": m, "lowrank_s": t_low, "lowrank_obj": gw_value(low.objective, m),
               "sweeps": low.iterations}
        if n <= args.max_exact and n <= 800:
            t = time.perf_counter()
            _, obj = solve_exact_sdp(form.couplings, solver="SCS", eps=1e-6)
            t_sdp = time.perf_counter() - t
            exact = gw_value(obj, m)
            row.update(sdp_s=t_sdp, sdp_obj=exact, speedup=t_sdp / t_low,
                       rel_gap=(exact - row["lowrank_obj"]) / abs(exact))
        rows.append(row)
        print(f"n={n} done", flush=True)
    print()
    print(table(rows, ["n", "edges", "sdp_s", "lowrank_s", "speedup", "sdp_obj", "lowrank_obj",
                       "rel_gap", "sweeps"]))


if __name__ == "__main__":
    main()
