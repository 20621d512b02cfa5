"""Constrained problems at scale: wall time and memory per stage, default settings.

Each case runs in a fresh process (so its peak RSS is its own) through the
path a user takes: the problem's structured penalty model, its merge policy,
``ShrinkingComposite`` with the SA child (100 reads, budget 20), repair and
polish -- the same calls as ``dimod-shrink solve FILE --seed 0``.  A thread
samples the resident set size every 10 ms and charges it to the stage running
(``model``, ``policy``, ``correlation``, ``shrink``, ``child``, ``repair``:
repair and polish of the expanded samples).  Beside it, in the same process:
the problem's greedy heuristic, SA on the whole model (100 reads) where the
written-out penalty BQM has at most 5 million couplings, and CP-SAT at 10 s
for MDKP (``bench`` extra).

Cases (the issue's list): MIS on random graphs of average degree 10 at
1,000 / 5,000 / 20,000 / 50,000 vertices and a 200,000-vertex graph with one
edge; MDKP 500 x 30, 2,000 x 10, 5,000 x 10 (random, capacities half the row
sums); one knapsack row over 10,000 and 60,000 binaries, built as a CQM with
dimod (``sample_cqm``) and read from an LP file by the CLI; random QAP with
n = 20, 30, 60; a CQM of 1,000 integers in 0..100 under 20 rows.

Usage::

    python benchmarks/scale_constrained.py [--only mis,mdkp,...] [--out FILE]

The table goes to stdout and to ``docs/results/scale_constrained.md``; the
fitted growth exponent of the total time is printed per family.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, table  # noqa: E402

CASES = [
    ("mis", 1000), ("mis", 5000), ("mis", 20000), ("mis", 50000), ("mis-1edge", 200000),
    ("mdkp", (500, 30)), ("mdkp", (2000, 10)), ("mdkp", (5000, 10)),
    ("knap-cqm", 10000), ("knap-cqm", 60000), ("knap-lp", 10000), ("knap-lp", 60000),
    ("qap", 20), ("qap", 30), ("qap", 60),
    ("int-cqm", 1000),
]


class _Meter:
    """Peak RSS per stage, sampled from /proc/self/statm by a thread."""

    def __init__(self):
        self.stage = "start"
        self.peak: dict = {}
        self.times: dict = {}
        self._t = time.perf_counter()
        self._stop = False
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _rss(self):
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * self._page / 2 ** 20

    def _run(self):
        while not self._stop:
            r = self._rss()
            self.peak[self.stage] = max(self.peak.get(self.stage, 0.0), r)
            time.sleep(0.01)

    def enter(self, stage):
        now = time.perf_counter()
        self.times[self.stage] = self.times.get(self.stage, 0.0) + now - self._t
        r = self._rss()
        self.peak[self.stage] = max(self.peak.get(self.stage, 0.0), r)
        self.stage, self._t = stage, now

    def close(self):
        self.enter("done")
        self._stop = True


def _mis_problem(n, m, seed=0):
    import networkx as nx
    from dimod_shrink.problems import MISProblem
    return MISProblem(nx.gnm_random_graph(n, m, seed=seed), name=f"gnm{n}")


def _mdkp_problem(n, m, seed=0):
    from dimod_shrink.problems import MDKPProblem
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 1000, (m, n))
    p = W.sum(axis=0) // m + rng.integers(1, 500, n)
    return MDKPProblem(p, W, W.sum(axis=1) // 2, name=f"mdkp{n}x{m}")


def _knap_cqm(n, seed=0):
    import dimod
    rng = np.random.default_rng(seed)
    w, p = rng.integers(1, 100, n), rng.integers(1, 100, n)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("BINARY", range(n))
    cqm.set_objective([(i, -float(p[i])) for i in range(n)])
    cqm.add_constraint([(i, float(w[i])) for i in range(n)], "<=", float(w.sum() // 2),
                       label="capacity")
    return cqm


def _int_cqm(n, m, seed=0):
    import dimod
    rng = np.random.default_rng(seed)
    cqm = dimod.ConstrainedQuadraticModel()
    for i in range(n):
        cqm.add_variable("INTEGER", f"i{i}", lower_bound=0, upper_bound=100)
    cqm.set_objective([(f"i{i}", -float(c)) for i, c in enumerate(rng.integers(1, 20, n))])
    for k in range(m):
        a = rng.integers(0, 10, n)
        cqm.add_constraint([(f"i{i}", float(a[i])) for i in range(n) if a[i]], "<=",
                           float(a.sum() * 100 // 2), label=f"r{k}")
    return cqm


def _qap_problem(n, seed=0):
    from dimod_shrink.problems import QAPProblem
    rng = np.random.default_rng(seed)
    A = rng.integers(0, 10, (n, n))
    B = rng.integers(0, 10, (n, n))
    np.fill_diagonal(A, 0)
    np.fill_diagonal(B, 0)
    return QAPProblem(A, B, name=f"qap{n}")


def _run_problem(problem, meter, out):
    """The pipeline's single shot, stage by stage (as solve_problem runs it)."""
    from dimod_shrink import ShrinkingComposite
    from dwave.samplers import SimulatedAnnealingSampler
    meter.enter("model")
    model = problem.model
    meter.enter("policy")
    policy = problem.merge_policy(True, seed=0)

    def progress(stage, _left):
        if stage in ("correlation", "shrink", "child", "expand", "repair"):
            if stage != meter.stage:
                meter.enter(stage)
    ss = ShrinkingComposite(SimulatedAnnealingSampler()).sample(
        model, num_variables=20, merge_policy=policy, postprocess=problem.postprocess(True),
        seed=0, num_reads=100, candidates=problem.candidates, progress=progress,
        return_shrink_context=True)
    meter.enter("report")
    rec = ss.record
    best = problem.best(ss)
    sense = 1 if problem.sense == "max" else -1
    raw = rec.objective - sense * rec.polish_gain
    feas = rec.is_feasible
    out["objective"] = float(rec.objective[best]) if best is not None else None
    out["raw"] = float((raw[feas].max() if sense > 0 else raw[feas].min())) if feas.any() \
        else None
    out["feasible"] = bool(feas.any())
    out["num_variables"] = int(model.num_variables)
    out["reduced"] = ss.info["shrink_context"]["num_reduced"]
    meter.enter("baselines")
    t = time.perf_counter()
    out["greedy"] = float(problem.objective(problem.greedy()[None, :])[0])
    out["greedy_s"] = time.perf_counter() - t
    interactions = model.num_interactions
    if callable(interactions):  # a PenaltyModel counts them; a BQM holds the number
        interactions = interactions()
    if interactions <= 5_000_000 and model.num_variables <= 100_000:
        from dwave.samplers import SimulatedAnnealingSampler as SA
        t = time.perf_counter()
        full = SA().sample(problem.bqm, num_reads=100, seed=0)
        X = problem.decision_columns(full)
        res = problem.repair_samples(X, polish=False)
        val = res["objective"][res["is_feasible"]]
        out["sa_full"] = (float(val.max() if sense > 0 else val.min()) if val.size else None)
        out["sa_full_s"] = time.perf_counter() - t
    if problem.kind == "mdkp":
        try:
            from dimod_shrink.bench.methods import cpsat_solve
            t = time.perf_counter()
            x, _ = cpsat_solve(problem, time_limit=10.0, seed=0)
            out["cpsat"] = None if x is None else \
                float(problem.objective(np.asarray(x).ravel()[None, :])[0])
            out["cpsat_s"] = time.perf_counter() - t
        except ImportError:
            out["cpsat"] = "needs the bench extra"


def run_case(kind, size) -> dict:
    meter = _Meter()
    out = {"case": kind, "size": size}
    t0 = time.perf_counter()
    if kind == "mis":
        meter.enter("build")
        _run_problem(_mis_problem(size, 5 * size), meter, out)
    elif kind == "mis-1edge":
        import networkx as nx
        from dimod_shrink.problems import MISProblem
        meter.enter("build")
        g = nx.empty_graph(size)
        g.add_edge(0, 1)
        _run_problem(MISProblem(g, name="one-edge"), meter, out)
    elif kind == "mdkp":
        meter.enter("build")
        _run_problem(_mdkp_problem(*size), meter, out)
    elif kind == "qap":
        meter.enter("build")
        _run_problem(_qap_problem(size), meter, out)
    elif kind in ("knap-cqm", "int-cqm"):
        from dimod_shrink import ShrinkingComposite
        meter.enter("build")
        cqm = _knap_cqm(size) if kind == "knap-cqm" else _int_cqm(size, 20)
        meter.enter("sample_cqm")
        ss = ShrinkingComposite().sample_cqm(cqm, seed=0, num_variables=20,
                                             return_shrink_context=True)
        meter.enter("report")
        feas = ss.record.is_feasible
        out["feasible"] = bool(feas.any())
        out["objective"] = float(ss.record.energy[feas].min()) if feas.any() else None
        out["num_variables"] = len(cqm.variables)
        tm = ss.info["shrink_context"]["timing"]
        for k in ("correlation", "select", "shrink", "child", "postprocess"):
            out[f"t_{k}"] = tm.get(k)
        if kind == "int-cqm":
            vals = ss.first.sample
            out["integers"] = all(float(v).is_integer() for v in vals.values())
    elif kind == "knap-lp":
        import dimod
        meter.enter("build")
        cqm = _knap_cqm(size)
        cqm.relabel_variables({i: f"x{i}" for i in range(size)})
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / f"knap{size}.lp"
            with open(path, "w") as fh:
                dimod.lp.dump(cqm, fh)
            meter.enter("cli")
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "dimod_shrink", "solve", str(path),
                                   "--seed", "0", "--json", "--no-progress"],
                                  capture_output=True, text=True, cwd=ROOT)
            out["cli_s"] = time.perf_counter() - t
            out["cli_rc"] = proc.returncode
            import resource
            out["cli_peak_MB"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            if proc.returncode in (0, 3):
                res = json.loads(proc.stdout)
                out["objective"], out["feasible"] = res.get("objective"), res.get("feasible")
                out["cli_timing"] = res.get("timing")
            else:
                out["cli_error"] = proc.stderr.strip().splitlines()[-1:]
    meter.close()
    out["total_s"] = time.perf_counter() - t0
    out["stage_s"] = {k: round(v, 3) for k, v in meter.times.items() if k not in ("start",)}
    out["stage_peak_MB"] = {k: round(v, 1) for k, v in meter.peak.items()}
    out["peak_MB"] = round(max(meter.peak.values()), 1)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated case kinds")
    ap.add_argument("--out", default=str(ROOT / "docs" / "results" / "scale_constrained.md"))
    ap.add_argument("--case", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--render", default=None,
                    help="rebuild the table from the JSON lines a run printed")
    args = ap.parse_args(argv)
    if args.render:
        rows = [json.loads(line) for line in Path(args.render).read_text().splitlines()
                if line.startswith("{")]
        write(rows, args.out, args.only)
        return 0
    if args.case:
        kind, size = json.loads(args.case)
        print(json.dumps(run_case(kind, tuple(size) if isinstance(size, list) else size)))
        return 0
    only = {s for s in args.only.split(",") if s}
    rows = []
    for kind, size in CASES:
        if only and kind not in only:
            continue
        t = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, __file__, "--case", json.dumps([kind, size])],
                                  capture_output=True, text=True, timeout=args.timeout)
            res = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 \
                else {"case": kind, "size": size, "error": proc.stderr.strip()[-300:]}
        except subprocess.TimeoutExpired:
            res = {"case": kind, "size": size, "error": f"no answer in {args.timeout:.0f} s"}
        res.setdefault("total_s", time.perf_counter() - t)
        rows.append(res)
        print(json.dumps(res), flush=True)
    write(rows, args.out, args.only)
    return 0


PIPELINE = ("model", "policy", "correlation", "shrink", "child", "expand", "repair",
            "sample_cqm", "cli")
"""The stages a user waits for (``build`` makes the instance, ``baselines`` the peers)."""


def write(rows, out, only=""):
    """The table (and the growth fits) to stdout and to ``out``."""
    for r in rows:
        st = r.get("stage_s") or {}
        if st:
            r["pipeline_s"] = sum(v for k, v in st.items() if k in PIPELINE)
        pk = r.get("stage_peak_MB") or {}
        if pk:
            r["pipeline_peak_MB"] = max([v for k, v in pk.items() if k in PIPELINE]
                                        + [r.get("cli_peak_MB") or 0.0])
    cols = ["case", "size", "num_variables", "pipeline_s", "pipeline_peak_MB", "stage_s",
            "raw", "objective", "feasible", "greedy", "sa_full", "sa_full_s", "cpsat",
            "error"]
    lines = [table([{c: _fmt(r.get(c)) for c in cols} for r in rows], cols)]
    fits = []
    for fam in ("mis", "mdkp", "knap-cqm", "qap"):
        pts = [(r.get("num_variables"), r["pipeline_s"]) for r in rows
               if r["case"] == fam and r.get("num_variables") and r.get("pipeline_s")]
        if len(pts) >= 2:
            x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            fits.append(f"{fam}: pipeline_s ~ N^{np.polyfit(x, y, 1)[0]:.2f} over "
                        f"{len(pts)} sizes")
    text = "\n".join(lines + [""] + fits)
    print(text)
    if out != "-":
        Path(out).write_text(
            f"`python benchmarks/scale_constrained.py"
            f"{' --only ' + only if only else ''}`\n\n"
            "`pipeline_s`: the stages a user waits for (model, policy, correlation, shrink, "
            "child, expand, repair; or the whole `sample_cqm` call, or the CLI process); "
            "`stage_s` every stage, `build` (making the instance) and `baselines` (greedy, "
            "SA on the whole model, CP-SAT) included.  Peak RSS in MB of the pipeline's "
            "stages.\n\n" + text + "\n")


def _fmt(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {x:.3g}" if isinstance(x, float) else f"{k} {x}"
                         for k, x in v.items())
    return "" if v is None else str(v)


if __name__ == "__main__":
    sys.exit(main())
