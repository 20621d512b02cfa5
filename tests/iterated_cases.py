"""Seeded iterated-shrinking runs whose outputs are pinned in ``tests/data/iterated_seeded.json``.

Each case runs :class:`~dimod_shrink.IteratedShrinkingComposite` (directly, or through
:func:`~dimod_shrink.pipeline.solve_problem` with the problem's own rounds and kicks from
``problem.iterated_options()``) and is summed up by :func:`digest`: a hash of the samples,
energies and ``round`` vector, and each round's best and incumbent energies.  A change to
how a round is organised must leave every digest as it is.

Run ``python tests/iterated_cases.py`` from the project root to print the digests, or
``python tests/iterated_cases.py --write`` to store them (only for a change that is meant
to alter seeded results; say which in the commit).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import dimod
import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
INSTANCES = Path(os.environ.get("DIMOD_SHRINK_INSTANCES", ROOT.parent / "shared" / "instances"))
STORE = Path(__file__).resolve().parent / "data" / "iterated_seeded.json"


def planted(n=30, degree=4, seed=3, field=0.05):
    rng = np.random.default_rng(seed)
    t = rng.choice([-1, 1], n)
    graph = nx.random_regular_graph(degree, n, seed=seed)
    bqm = dimod.BinaryQuadraticModel("SPIN")
    for i in range(n):
        bqm.add_linear(i, -field * t[i])
    for i, j in graph.edges:
        bqm.add_quadratic(i, j, -rng.uniform(0.5, 1.5) * t[i] * t[j])
    return bqm


def digest(ss: dimod.SampleSet) -> dict:
    """What must not change: every sample, energy and round, and the rounds' scores."""
    rec = ss.record
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(rec.sample, dtype=np.int8).tobytes())
    h.update(np.round(np.asarray(rec.energy, dtype=float), 6).tobytes())
    if "round" in rec.dtype.names:
        h.update(np.asarray(rec["round"], dtype=np.int64).tobytes())
    rounds = ss.info.get("rounds", [])
    return {"sha256": h.hexdigest(), "rows": int(len(rec)),
            "best": round(float(rec.energy[0]), 6),
            "incumbents": [round(float(r["incumbent_energy"]), 6) for r in rounds],
            "groupings": [r.get("grouping") for r in rounds],
            "kicked": [bool(r.get("kicked")) for r in rounds]}


def _composite(child, budget, **kw):
    from dimod_shrink.composites import IteratedShrinkingComposite
    return IteratedShrinkingComposite(child, num_variables=budget, **kw)


def _solve(path, kind, *, instance=1, sampler="sa", qubits=12, rounds=4, reads=20, seed=0,
           polish=True, patience=None):
    from dimod_shrink.pipeline import make_sampler, solve_problem
    from dimod_shrink.problems import load_problem
    problem = load_problem(path, kind, instance=instance)
    r = solve_problem(problem, make_sampler(sampler), qubits=qubits, rounds=rounds,
                      num_reads=reads, seed=seed, polish=polish, patience=patience,
                      correlation="lowrank")
    return r["sampleset"]


def case_planted_random():
    return _composite(dimod.RandomSampler(), 6).sample(
        planted(), max_rounds=4, patience=5, seed=11, num_reads=7)


def case_ran_r_exact_auto():
    bqm = dimod.generators.ran_r(1, 30, seed=4)
    return _composite(dimod.ExactSolver(), 8).sample(bqm, max_rounds=6, patience=6, seed=1)


def case_planted_relaxation_sa():
    from dwave.samplers import SimulatedAnnealingSampler
    return _composite(SimulatedAnnealingSampler(), 8, grouping="relaxation").sample(
        planted(40, seed=1), max_rounds=3, patience=3, seed=2, num_reads=10)


def case_initial_states_impact():
    bqm = planted(40, seed=1)
    start = {v: 1 for v in bqm.variables}
    return _composite(dimod.ExactSolver(), 10, grouping="impact").sample(
        bqm, initial_states=start, max_rounds=4, patience=4, seed=0)


def case_perturb_walk():
    bqm = planted(30, seed=5)
    labels = list(bqm.variables)

    def kick(incumbent, rng):
        out = dict(incumbent)
        for v in rng.choice(labels, 3, replace=False):
            out[v] = -out[v]
        return out
    return _composite(dimod.ExactSolver(), 6).sample(
        bqm, max_rounds=6, patience=10, perturb=kick, perturb_after=1, seed=3)


def case_cqm():
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(30)]
    cqm.set_objective(-sum((i % 7 + 1) * xi for i, xi in enumerate(x)))
    cqm.add_constraint(sum((i % 5 + 1) * xi for i, xi in enumerate(x)) <= 20)
    from dwave.samplers import SimulatedAnnealingSampler
    return _composite(SimulatedAnnealingSampler(), 10).sample_cqm(
        cqm, max_rounds=3, seed=1, num_reads=10)


def case_qap6():
    return _solve(DATA / "qap6.dat", "qap", qubits=8, rounds=4, patience=10)


def case_mknapcb1():
    return _solve(INSTANCES / "mdkp" / "mknapcb1.txt", "mdkp", instance=2, qubits=20,
                  rounds=3, polish=False)


def case_g05():
    return _solve(INSTANCES / "maxcut" / "g05_60.0", "maxcut", qubits=12, rounds=4,
                  patience=10)


def case_mis_dimacs():
    return _solve(INSTANCES / "mis" / "1dc.64.dimacs", "mis", qubits=12, rounds=4,
                  sampler="random", patience=10)


CASES = {name[5:]: f for name, f in sorted(globals().items()) if name.startswith("case_")}
NEEDS_INSTANCES = {"mknapcb1", "g05", "mis_dimacs"}


def run(name: str) -> dict:
    return digest(CASES[name]())


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    out = {name: run(name) for name in CASES}
    text = json.dumps(out, indent=1)
    if "--write" in sys.argv:
        STORE.parent.mkdir(exist_ok=True)
        STORE.write_text(text + "\n")
    print(text)
