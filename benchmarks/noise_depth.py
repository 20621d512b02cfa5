"""QAOA depth on a noisy target: P(ground) against p, and what ``reps="auto"`` picks.

The reduced 12-variable models of :mod:`child_quality` (the pipeline's own
shrink of shared instances) are solved by
:class:`~dimod_shrink.samplers.QAOASampler` with the angles trained on the exact
statevector and the circuit run on a noisy simulated device:
:class:`~qiskit.providers.fake_provider.GenericBackendV2` of 12 qubits (its
generated noise: two-qubit errors about 2-3e-3, thermal relaxation, readout
errors) on a line and on a 2 x 6 grid.  For each depth ``p`` the table gives the
routed two-qubit gate count, the estimated fidelity ``(1 - e2q)^n2q``, the share
of the shots on a ground state without noise (exact statevector) and on the
device, and the same share for ``dimod.RandomSampler`` at the same shots; then
the depth ``reps="auto"`` chooses and its share.  ``x uniform`` is the share
divided by what uniform random bits give (ground states / 2^12).

The device is simulated with qiskit-aer's density-matrix method (the noisy
output distribution is exact; the shots then cost almost nothing), one thread.

Usage::

    python benchmarks/noise_depth.py > docs/results/noise_depth.md
    python benchmarks/noise_depth.py --instances 1dc.64 --depths 1 2 8   # one model
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import dimod
import numpy as np

from child_quality import CASES, collect, spectrum
from _common import table

DEFAULT_INSTANCES = ("1dc.64", "hamming6-4")
DEPTHS = (1, 2, 3, 4, 6, 8)
SHOTS = 20_000


def devices(n, seed, which=("line", "grid")):
    from qiskit.providers.fake_provider import GenericBackendV2
    from qiskit.transpiler import CouplingMap
    out = []
    if "line" in which:
        out.append(("GenericBackendV2 line", GenericBackendV2(
            n, coupling_map=CouplingMap.from_line(n), seed=seed)))
    if "grid" in which:
        out.append((f"GenericBackendV2 2x{n // 2} grid", GenericBackendV2(
            n, coupling_map=CouplingMap.from_grid(2, n // 2), seed=seed)))
    return out


def density_matrix_sampler(backend, seed):
    from qiskit.primitives import BackendSamplerV2
    return BackendSamplerV2(backend=backend, options={
        "seed_simulator": seed,
        "run_options": {"method": "density_matrix", "max_parallel_threads": 1}})


def ground_share(ss, bqm, E):
    r = ss.record
    e = bqm.energies((r.sample, list(ss.variables)))
    tol = 1e-9 * max(1.0, abs(float(E.min())))
    return float(r.num_occurrences[e <= E.min() + tol].sum() / r.num_occurrences.sum())


def study(models, depths, shots, seed, which=("line", "grid")):
    from dimod_shrink.samplers import QAOASampler
    rows, autos = [], []
    for m in models:
        bqm, E = m["bqm"], spectrum(m["bqm"])
        uniform = float(np.isclose(E, E.min()).mean())
        exact = {p: ground_share(QAOASampler().sample(bqm, reps=p, seed=seed, shots=shots),
                                 bqm, E) for p in depths}
        rand = ground_share(dimod.RandomSampler().sample(bqm, num_reads=shots, seed=seed),
                            bqm, E)
        for name, backend in devices(bqm.num_variables, seed + 1, which):
            child = QAOASampler(density_matrix_sampler(backend, seed))
            for p in depths:
                t = time.process_time()
                ss = child.sample(bqm, reps=p, seed=seed, shots=shots)
                share = ground_share(ss, bqm, E)
                rows.append({"model": m["instance"], "couplings": bqm.num_interactions,
                             "device": name, "p": p, "2q gates": ss.info["two_qubit_gates"],
                             "e2q": ss.info["two_qubit_error"],
                             "est. fidelity": ss.info["estimated_fidelity"],
                             "P(ground) exact": exact[p], "P(ground) device": share,
                             "x uniform": share / uniform, "P(ground) random": rand,
                             "cpu_s": time.process_time() - t})
                print(rows[-1], file=sys.stderr, flush=True)
            ss = child.sample(bqm, reps="auto", seed=seed, shots=shots)
            share = ground_share(ss, bqm, E)
            deepest = [r for r in rows if r["model"] == m["instance"] and r["device"] == name
                       and r["p"] == max(depths)][0]
            autos.append({"model": m["instance"], "device": name, "auto p": ss.info["reps"],
                          "2q gates": ss.info["two_qubit_gates"],
                          "est. fidelity": ss.info["estimated_fidelity"],
                          "P(ground) auto": share, "auto x uniform": share / uniform,
                          f"P(ground) p={max(depths)}": deepest["P(ground) device"],
                          f"p={max(depths)} x uniform": deepest["x uniform"],
                          "random x uniform": rand / uniform})
            print(autos[-1], file=sys.stderr, flush=True)
    return rows, autos


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", nargs="+", default=list(DEFAULT_INSTANCES))
    ap.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    ap.add_argument("--shots", type=int, default=SHOTS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--devices", nargs="+", default=["line", "grid"], choices=("line", "grid"))
    args = ap.parse_args(argv)
    cases = [c for c in CASES if any(s in c[0] for s in args.instances)]
    t0 = time.perf_counter()
    models = collect(cases, [12], seed=args.seed)
    rows, autos = study(models, args.depths, args.shots, args.seed, args.devices)
    print(f"# QAOA depth on noisy 12-qubit devices\n\n`python benchmarks/noise_depth.py "
          f"{' '.join(argv or sys.argv[1:])}` ({len(models)} reduced models, {args.shots} "
          f"shots, seed {args.seed}; angles trained on the exact statevector; density-matrix "
          f"simulation of GenericBackendV2's noise; {time.perf_counter() - t0:.0f} s).\n")
    print("## P(ground) against the depth\n")
    print(table(rows))
    print("\n## reps=\"auto\" (the depth of largest estimated ground-state probability, "
          "F(p) P_p + (1 - F(p)) u)\n")
    print(table(autos))
    ratio = [a["auto x uniform"] for a in autos]
    deep = [a[f"p={max(args.depths)} x uniform"] for a in autos]
    print(f"\nMedian over models and devices: reps=\"auto\" {statistics.median(ratio):.1f}x "
          f"uniform (min {min(ratio):.1f}x); p={max(args.depths)} "
          f"{statistics.median(deep):.1f}x (min {min(deep):.1f}x).")


if __name__ == "__main__":
    main()
