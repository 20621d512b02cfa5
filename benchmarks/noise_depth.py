"""QAOA depth on a noisy target: P(ground) against p, and what ``reps="auto"`` picks.

The reduced 12-variable models of :mod:`child_quality` (the pipeline's own
shrink of shared instances) are solved by
:class:`~dimod_shrink.samplers.QAOASampler` with the angles trained on the exact
statevector and the circuit run on a noisy simulated device:
:class:`~qiskit.providers.fake_provider.GenericBackendV2` of 12 qubits (its
generated noise: two-qubit errors about 2-3e-3, thermal relaxation, readout
errors) on a line and on a 2 x 6 grid, and fake IBM devices of
``qiskit_ibm_runtime.fake_provider`` (their calibrated two-qubit errors, T1/T2
and readout errors; ``--devices FakeGuadalupeV2 FakeKolkataV2``).  For each
depth ``p`` the table gives the
routed two-qubit gate count, the estimated fidelity ``(1 - e2q)^n2q``, the share
of the shots on a ground state without noise (exact statevector) and on the
device, and the same share for ``dimod.RandomSampler`` at the same shots; then
the depth ``reps="auto"`` chooses and its share.  ``x uniform`` is the share
divided by what uniform random bits give (ground states / 2^12).

The device is simulated with qiskit-aer's density-matrix method (the noisy
output distribution is exact; the shots then cost almost nothing), one thread.
A fake device is cut to one 12-qubit region first: the heavy-hex cell (a ring
of 12 qubits) of lowest mean CX error, its qubits' and couplers' calibration
kept as they are (:class:`Region`; the noise model is qiskit-aer's
``NoiseModel.from_backend`` of that region).  On the whole device the router
borrows qubits outside the layout for its SWAPs (15 of Kolkata's 27 for one
seed at p = 1), and a density matrix of 15 qubits takes 16 GiB and about 64
times the time of 12; in the region the circuit stays on 12 qubits, as on the
GenericBackendV2 devices.

``--end-to-end`` adds, per model and device, the raw end-to-end ratio of the
whole pipeline (:func:`~dimod_shrink.pipeline.solve_problem` at budget 12,
repair on, polish off, the noisy QAOA child at each depth and ``reps="auto"``,
and the random child at the same shots) to the instance's reference optimum.
The pipeline hands the child the same reduced model with the same seed as the
depth sweep, so the child's sample set of the sweep is reused (:class:`Reuse`;
a call it has not seen runs on the device).

Usage::

    python benchmarks/noise_depth.py > docs/results/noise_depth.md
    python benchmarks/noise_depth.py --instances 1dc.64 --depths 1 2 8   # one model
    python benchmarks/noise_depth.py --instances 1dc.64 --depths 1 2 3 8 \
        --devices FakeGuadalupeV2 FakeKolkataV2 --end-to-end
"""

from __future__ import annotations

import argparse
import inspect
import shlex
import statistics
import sys
import time

import dimod
import numpy as np

from child_quality import CASES, collect, spectrum
from _common import INSTANCES, table
from references import MIS_ALPHA

DEFAULT_INSTANCES = ("1dc.64", "hamming6-4")
DEPTHS = (1, 2, 3, 4, 6, 8)
SHOTS = 20_000
#: fake IBM devices of qiskit_ibm_runtime.fake_provider with a 12-qubit heavy-hex cell
FAKE_DEVICES = ("FakeGuadalupeV2", "FakeKolkataV2", "FakeMumbaiV2", "FakeTorontoV2")


def _region_backend():
    from qiskit.providers import BackendV2, Options
    from qiskit.transpiler import Target

    class Region(BackendV2):
        """The qubits ``qubits`` of ``device`` as a device of their own: the device's
        instructions on them (errors, durations) and their T1, T2 and frequency."""

        def __init__(self, device, qubits):
            super().__init__(name=f"{device.name}{list(qubits)}")
            src = device.target
            idx = {q: k for k, q in enumerate(qubits)}
            t = Target(num_qubits=len(qubits), dt=src.dt, granularity=src.granularity,
                       min_length=src.min_length, pulse_alignment=src.pulse_alignment,
                       acquire_alignment=src.acquire_alignment,
                       qubit_properties=[src.qubit_properties[q] for q in qubits])
            for name in src.operation_names:
                op = src.operation_from_name(name)
                if inspect.isclass(op):  # control flow: not used here
                    continue
                t.add_instruction(op, {tuple(idx[q] for q in qa): prop
                                       for qa, prop in src[name].items()
                                       if all(q in idx for q in qa)}, name=name)
            self._target = t

        @property
        def target(self):
            return self._target

        @property
        def max_circuits(self):
            return None

        @classmethod
        def _default_options(cls):
            return Options()

        def run(self, run_input, **options):
            raise NotImplementedError("run it on AerSimulator.from_backend(region)")

    return Region


def region(name, n):
    """The heavy-hex cell of ``n`` qubits of the fake device ``name`` with the lowest mean
    two-qubit error: ``(device, qubits, mean error)``."""
    import networkx as nx
    from qiskit_ibm_runtime import fake_provider
    device = getattr(fake_provider, name)()
    graph = nx.Graph(list(device.coupling_map.get_edges()))
    twoq = [op for op in device.target.operation_names
            if getattr(device.target.operation_from_name(op), "num_qubits", 0) == 2]
    best = None
    for cycle in nx.minimum_cycle_basis(graph):  # the cells of a heavy-hex lattice
        if len(cycle) != n:
            continue
        errs = [prop.error for op in twoq for qa, prop in device.target[op].items()
                if set(qa) <= set(cycle) and prop is not None and prop.error is not None]
        # the ring in order around the cell
        ring = [int(q) for q, _ in nx.find_cycle(graph.subgraph(cycle), min(cycle))]
        if best is None or np.mean(errs) < best[2]:
            best = (device, ring, float(np.mean(errs)))
    if best is None:
        raise ValueError(f"{name} has no ring of {n} qubits")
    return best


def devices(n, seed, which=("line", "grid")):
    from qiskit.providers.fake_provider import GenericBackendV2
    from qiskit.transpiler import CouplingMap
    from qiskit_aer import AerSimulator
    out = []
    if "line" in which:
        out.append(("GenericBackendV2 line", GenericBackendV2(
            n, coupling_map=CouplingMap.from_line(n), seed=seed)))
    if "grid" in which:
        out.append((f"GenericBackendV2 2x{n // 2} grid", GenericBackendV2(
            n, coupling_map=CouplingMap.from_grid(2, n // 2), seed=seed)))
    for name in which:
        if name in FAKE_DEVICES:
            device, qubits, _ = region(name, n)
            out.append((f"{name} ring {','.join(map(str, qubits))}",
                        AerSimulator.from_backend(_region_backend()(device, qubits))))
    return out


class Reuse(dimod.Sampler):
    """``child``, answering a call it has already seen (the same model, variable order and
    parameters) with the sample set it gave then."""

    def __init__(self, child):
        self.child, self.seen, self.reused = child, {}, 0

    @property
    def parameters(self):
        return self.child.parameters

    @property
    def properties(self):
        return self.child.properties

    @staticmethod
    def key(bqm, params):
        return (bqm.vartype, tuple(bqm.variables), tuple(bqm.linear.items()),
                tuple(bqm.iter_quadratic()), bqm.offset, repr(sorted(params.items())))

    def sample(self, bqm, **params):
        k = self.key(bqm, params)
        if k in self.seen:
            self.reused += 1
        else:
            self.seen[k] = self.child.sample(bqm, **params)
        return self.seen[k]


def end_to_end(problem, child, shots, seed, **params):
    """:func:`~dimod_shrink.pipeline.solve_problem` at budget 12 (repair on, polish off)
    with ``child``: ``(ratio of the best answer, mean ratio over the reads)``, an
    infeasible read counting 0."""
    from dimod_shrink.pipeline import solve_problem
    if isinstance(child, dimod.RandomSampler):
        r = solve_problem(problem, child, qubits=12, seed=seed, polish=False, num_reads=shots)
    else:
        r = solve_problem(problem, child, qubits=12, seed=seed, polish=False,
                          child_params={"shots": shots, **params})
    rec = r["sampleset"].record
    per_read = [problem.ratio(float(o)) or 0.0 if f else 0.0
                for o, f in zip(rec.objective, rec.is_feasible)]
    mean = float(np.average(per_read, weights=rec.num_occurrences))
    return (r["ratio"] if r["feasible"] else 0.0), mean


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


def study(models, depths, shots, seed, which=("line", "grid"), problems=None):
    """The depth rows and the ``reps="auto"`` rows; with ``problems`` (instance name ->
    problem), the raw end-to-end ratios too."""
    from dimod_shrink.samplers import QAOASampler
    rows, autos = [], []
    problems = problems or {}
    for m in models:
        bqm, E = m["bqm"], spectrum(m["bqm"])
        uniform = float(np.isclose(E, E.min()).mean())
        exact = {p: ground_share(QAOASampler().sample(bqm, reps=p, seed=seed, shots=shots),
                                 bqm, E) for p in depths}
        rand = ground_share(dimod.RandomSampler().sample(bqm, num_reads=shots, seed=seed),
                            bqm, E)
        problem = problems.get(m["instance"])
        if problem is not None:
            e2e_rand = end_to_end(problem, dimod.RandomSampler(), shots, seed)
        for name, backend in devices(bqm.num_variables, seed + 1, which):
            child = Reuse(QAOASampler(density_matrix_sampler(backend, seed)))
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
                if problem is not None:
                    best, mean = end_to_end(problem, child, shots, seed, reps=p)
                    rows[-1].update({"end-to-end best": best, "end-to-end mean": mean,
                                     "random best": e2e_rand[0], "random mean": e2e_rand[1]})
                print(rows[-1], file=sys.stderr, flush=True)
            t = time.process_time()
            ss = child.sample(bqm, reps="auto", seed=seed, shots=shots)
            cpu = time.process_time() - t
            share = ground_share(ss, bqm, E)
            deepest = [r for r in rows if r["model"] == m["instance"] and r["device"] == name
                       and r["p"] == max(depths)][0]
            autos.append({"model": m["instance"], "device": name, "auto p": ss.info["reps"],
                          "2q gates": ss.info["two_qubit_gates"],
                          "est. fidelity": ss.info["estimated_fidelity"],
                          "P(ground) auto": share, "auto x uniform": share / uniform,
                          f"P(ground) p={max(depths)}": deepest["P(ground) device"],
                          f"p={max(depths)} x uniform": deepest["x uniform"],
                          "random x uniform": rand / uniform, "cpu_s": cpu})
            if problem is not None:
                best, mean = end_to_end(problem, child, shots, seed, reps="auto")
                autos[-1].update({
                    "end-to-end mean auto": mean,
                    f"end-to-end mean p={max(depths)}": deepest["end-to-end mean"],
                    "end-to-end mean random": e2e_rand[1],
                    "best auto / p / random": f"{best:.3g} / {deepest['end-to-end best']:.3g} / "
                                              f"{e2e_rand[0]:.3g}",
                    "child calls reused": child.reused})
            print(autos[-1], file=sys.stderr, flush=True)
    return rows, autos


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", nargs="+", default=list(DEFAULT_INSTANCES))
    ap.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    ap.add_argument("--shots", type=int, default=SHOTS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--devices", nargs="+", default=["line", "grid"],
                    choices=("line", "grid", *FAKE_DEVICES),
                    help="GenericBackendV2 on a line / 2 x 6 grid, or a fake IBM device "
                         "(cut to its best 12-qubit ring)")
    ap.add_argument("--end-to-end", action="store_true",
                    help="also the raw end-to-end ratio of the pipeline at budget 12 (polish "
                         "off) with each child")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if any(s in c[0] for s in args.instances)]
    t0, c0 = time.perf_counter(), time.process_time()
    models = collect(cases, [12], seed=args.seed)
    problems = {}
    if args.end_to_end:
        from dimod_shrink.problems import load_problem
        for path, kw in cases:
            problem = load_problem(INSTANCES / path, **kw)
            if problem.kind == "mis":
                problem.optimum = MIS_ALPHA[path.split("/")[1]]
            problems[problem.name] = problem
    rows, autos = study(models, args.depths, args.shots, args.seed, args.devices, problems)
    command = shlex.join(["python", "benchmarks/noise_depth.py", *(argv or sys.argv[1:])])
    print(f"# QAOA depth on noisy 12-qubit devices\n\n`{command}` ({len(models)} reduced "
          f"models, {args.shots} shots, seed {args.seed}; angles trained on the exact "
          f"statevector; density-matrix simulation of the devices' noise; "
          f"{time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU).\n")
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
