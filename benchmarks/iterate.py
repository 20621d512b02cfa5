"""Iterated shrinking against decomposition peers, all with the same 20-variable child.

For every instance, in one run:

* ``iterated`` -- :class:`~dimod_shrink.composites.IteratedShrinkingComposite`
  with an SA child (``num_reads`` reads per call, ``--budget`` variables),
  the problem's merge policy and its repair (no polish) in every round, until
  ``--rounds``, ``--patience`` or ``--time`` seconds;
* ``iterated-random`` -- the same rounds (as many as ``iterated`` made, no
  patience, no time limit) with :class:`dimod.RandomSampler` as the child at
  the same reads: the child must matter;
* ``hybrid-loop`` -- dwave-hybrid ``EnergyImpactDecomposer(size=budget)`` +
  the same child (``QPUSubproblemAutoEmbeddingSampler``, which passes an
  unstructured child through) + ``SplatComposer``, racing the unchanged state
  (``ArgMin``), from a seeded random state; once with as many child calls as
  ``iterated`` made (``@calls``) and once for its wall time (``@time``);
* ``kerberos`` -- dwave-hybrid Kerberos with the same child as its subproblem
  sampler (``max_subproblem_size=budget``), ``@calls`` and ``@time`` likewise
  (``@calls`` is capped at three times the wall time of ``iterated``; the
  calls it made are reported); its tabu and SA branches see the whole model;
* ``kerberos-random@time`` (with ``--kerberos-random``) -- Kerberos at equal
  wall time with :class:`dimod.RandomSampler` as its subproblem sampler at
  the same reads: what Kerberos reaches without a child that solves anything;
* ``sa-whole`` -- SA on the whole penalty model (``num_reads`` = ``--reads``),
  the upper reference where the solver can take the whole model.

Every result is repaired to feasibility with the problem's repair
(``raw``: no polish); ``sa-whole`` and ``iterated`` are also reported
polished.  Ratios are to the best known values of
``../shared/instances/README.md`` (``<= 1``; for QAP, optimum / value).

Usage::

    python benchmarks/iterate.py --quick            # one or two instances per class
    python benchmarks/iterate.py --only G1,G22      # 60 s each (--time-gset)
    python benchmarks/iterate.py --classes mdkp --instances 30 --time 10

The tables are printed and written to ``docs/results/iterated.md`` (``--out``;
``--out -`` prints only).  Timings are wall-clock seconds on the machine that runs
the script.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
import warnings
from pathlib import Path

import dimod
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import INSTANCES, table, write_report  # noqa: E402

from dimod_shrink.bench.methods import hybrid_loop  # noqa: E402
from dimod_shrink.composites import IteratedShrinkingComposite  # noqa: E402
from dimod_shrink.composites._base import takes_seed  # noqa: E402
from dimod_shrink.composites.shrinking import BudgetNotReachedWarning  # noqa: E402
from dimod_shrink.io import read_best_known  # noqa: E402
from dimod_shrink.problems import load_problem  # noqa: E402

MIS_ALPHA = {"1dc.256": 30, "1zc.256": 36, "c-fat200-1": 12, "brock200_1": 21,
             "brock200_4": 17, "sanr200_0.7": 18}
GSET = {"G1": 11624, "G22": 13359}


def instances(classes, quick: bool, mdkp_count: int):
    """``(class, label, loader)`` for the chosen classes."""
    out = []
    if "maxcut" in classes:
        names = ["G1", "g05_60.0"] if quick else ["G1", "G22"] + [f"g05_60.{k}"
                                                                  for k in range(10)]
        opt = _biqbin()
        for name in names:
            ref = GSET.get(name, opt.get(name))
            out.append(("maxcut", name, lambda name=name, ref=ref: _maxcut(name, ref)))
    if "mdkp" in classes:
        best = read_best_known(INSTANCES / "mdkp" / "best-feasible-slns.txt")
        count = 1 if quick else mdkp_count
        for k in range(1, count + 1):
            ref = best[f"5.100-{k - 1:02d}"]
            out.append(("mdkp", f"mknapcb1#{k}",
                        lambda k=k, ref=ref: _with_optimum(
                            load_problem(INSTANCES / "mdkp" / "mknapcb1.txt", "mdkp",
                                         instance=k), ref)))
    if "mis" in classes:
        names = ["brock200_4", "1dc.256"] if quick else list(MIS_ALPHA)
        for name in names:
            suffix = ".dimacs" if name[0].isdigit() else ".clq"
            out.append(("mis", name, lambda name=name, suffix=suffix: _with_optimum(
                load_problem(INSTANCES / "mis" / f"{name}{suffix}", "mis"),
                MIS_ALPHA[name])))
    if "qap" in classes:
        names = ["nug12"] if quick else ["chr12a", "had12", "nug12", "rou12", "scr12",
                                         "tai12a", "nug20", "tai20a"]
        for name in names:
            out.append(("qap", name, lambda name=name: load_problem(
                INSTANCES / "qap" / f"{name}.dat", "qap")))
    return out


def _biqbin() -> dict:
    """Proven optima of the Biq Mac instances (``biqbin_results.csv``)."""
    import csv
    with open(INSTANCES / "maxcut" / "biqbin_results.csv", newline="") as fh:
        return {row["instance"]: float(row["max_cut"]) for row in csv.DictReader(fh)}


def _maxcut(name, ref):
    suffix = ".txt" if name.startswith("G") else ""
    problem = load_problem(INSTANCES / "maxcut" / f"{name}{suffix}", "maxcut")
    return _with_optimum(problem, ref)


def _with_optimum(problem, ref):
    if ref is not None:
        problem.optimum = float(ref)
    return problem


class Counting(dimod.Sampler):
    """Forward to a child and count its calls and time."""

    def __init__(self, child):
        self.child = child
        self.calls = 0
        self.seconds = 0.0

    @property
    def parameters(self):
        # list ``seed`` where the child takes one unlisted (dimod.RandomSampler), so the
        # composite seeds it through this wrapper as it would the child itself
        params = dict(self.child.parameters)
        if takes_seed(self.child):
            params.setdefault("seed", [])
        return params

    @property
    def properties(self):
        return self.child.properties

    def sample(self, bqm, **kw):
        t = time.perf_counter()
        ss = self.child.sample(bqm, **kw)
        self.seconds += time.perf_counter() - t
        self.calls += 1
        return ss


def _sa():
    from dwave.samplers import SimulatedAnnealingSampler
    return SimulatedAnnealingSampler()


def _result(problem, X, *, polish=False) -> float:
    """Best ratio over decision rows ``X`` after repair (and polish)."""
    res = problem.repair_samples(np.atleast_2d(X), polish=polish)
    obj = np.where(res["is_feasible"], res["objective"],
                   -np.inf if problem.sense == "max" else np.inf)
    best = obj.max() if problem.sense == "max" else obj.min()
    if not np.isfinite(best):
        return 0.0
    return float(problem.ratio(best))


def run_iterated(problem, child, args, *, rounds=None, patience=None, time_limit=None):
    sign = -1.0 if problem.sense == "max" else 1.0

    def score(ss):
        return sign * problem.objective(problem.decision_columns(ss))

    counting = Counting(child)
    sampler = IteratedShrinkingComposite(counting, num_variables=args.budget)
    hooks = problem.iterated_options()
    if patience is None:  # kicks are rounds that rarely improve at once: more patience
        patience = args.patience if hooks["perturb"] is None else max(args.patience,
                                                                      args.patience_kick)
    policy = problem.merge_policy(True, seed=args.seed)
    params = {"num_reads": args.reads} if "num_reads" in child.parameters else {}
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BudgetNotReachedWarning)
        ss = sampler.sample(problem.bqm, merge_policy=policy,
                            postprocess=problem.postprocess(polish=False), score=score,
                            max_rounds=args.rounds if rounds is None else rounds,
                            patience=patience,
                            time_limit=time_limit, seed=args.seed,
                            **hooks, **params)
    wall = time.perf_counter() - t
    X = problem.decision_columns(ss)[:1]  # the incumbent
    return {"raw": _result(problem, X), "polished": _result(problem, X, polish=True),
            "calls": counting.calls, "time": wall, "rounds": len(ss.info["rounds"]) - 1}


def run_hybrid(problem, child, args, *, max_iter, max_time, kerberos=False):
    import hybrid
    bqm = problem.bqm
    counting = Counting(child)
    params = {"num_reads": args.reads} if "num_reads" in child.parameters else {}
    size = min(args.budget, bqm.num_variables)
    if kerberos:
        workflow = hybrid.Kerberos(max_iter=max_iter, max_time=max_time, convergence=max_iter,
                                   qpu_sampler=counting, qpu_reads=args.reads,
                                   max_subproblem_size=size)
    else:
        workflow = hybrid_loop(
            hybrid.QPUSubproblemAutoEmbeddingSampler(qpu_sampler=counting, **params), size,
            max_iter=max_iter, max_time=max_time, convergence=max_iter)
    labels = list(bqm.variables)
    rng = np.random.default_rng(args.seed)
    init = rng.integers(0, 2, (1, len(labels)), dtype=np.int8)
    t = time.perf_counter()
    final = workflow.run(hybrid.State.from_samples((init, labels), bqm)).result()
    wall = time.perf_counter() - t
    X = problem.decision_columns(final.samples)
    return {"raw": _result(problem, X), "calls": counting.calls, "time": wall}


def run_sa_whole(problem, args):
    t = time.perf_counter()
    ss = _sa().sample(problem.bqm, num_reads=args.reads, seed=args.seed)
    wall = time.perf_counter() - t
    X = problem.decision_columns(ss)
    return {"raw": _result(problem, X), "polished": _result(problem, X, polish=True),
            "time": wall}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="one or two instances per class")
    ap.add_argument("--classes", default="maxcut,mdkp,mis,qap",
                    help="comma-separated: maxcut, mdkp, mis, qap")
    ap.add_argument("--instances", type=int, default=30, help="MDKP problems (of 30)")
    ap.add_argument("--budget", type=int, default=20, help="the child's variables")
    ap.add_argument("--reads", type=int, default=10, help="child reads per call")
    ap.add_argument("--rounds", type=int, default=5000,
                    help="iterated: max rounds (the time limit usually ends a run first)")
    ap.add_argument("--patience", type=int, default=20, help="iterated: patience")
    ap.add_argument("--patience-kick", type=int, default=1000,
                    help="iterated: patience where the problem supplies a perturbation "
                         "(the rounds are an iterated local search: QAP, MIS, Max-Cut)")
    ap.add_argument("--time", type=float, default=10.0,
                    help="iterated: time limit (s) on every instance but G1 and G22")
    ap.add_argument("--time-gset", type=float, default=60.0,
                    help="iterated: time limit (s) on G1 and G22")
    ap.add_argument("--only", default="", help="comma-separated instance names to run")
    ap.add_argument("--skip", default="", help="comma-separated instance names to skip")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-peers", action="store_true", help="iterated runs only")
    ap.add_argument("--kerberos-random", action="store_true",
                    help="also run Kerberos at equal time with dimod.RandomSampler as its "
                         "subproblem sampler (the control of its child)")
    ap.add_argument("--out", default="docs/results/iterated.md",
                    help="Markdown file for the tables (default %(default)s; '-': print only)")
    args = ap.parse_args(argv)
    classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    rows, paired = [], []
    only = {x for x in args.only.split(",") if x}
    skip = {x for x in args.skip.split(",") if x}
    for cls, label, load in instances(classes, args.quick, args.instances):
        if (only and label not in only) or label in skip:
            continue
        problem = load()
        limit = args.time_gset if label in GSET else args.time
        it = run_iterated(problem, _sa(), args, time_limit=limit)
        rnd = run_iterated(problem, dimod.RandomSampler(), args, rounds=it["rounds"],
                           patience=it["rounds"] + 1)
        row = {"class": cls, "instance": label, "n": problem.bqm.num_variables,
               "iterated": it["raw"], "iterated+polish": it["polished"],
               "rounds": it["rounds"], "calls": it["calls"], "time_s": it["time"]}
        if not args.no_peers:
            calls, wall = max(it["calls"], 1), it["time"]
            hl_c = run_hybrid(problem, _sa(), args, max_iter=calls, max_time=None)
            hl_t = run_hybrid(problem, _sa(), args, max_iter=10**6, max_time=wall)
            # Kerberos runs whole-model tabu and SA in every iteration: capped at 3x
            # the wall time, so its calls may fall short of ``calls`` (reported)
            kb_c = run_hybrid(problem, _sa(), args, max_iter=calls, max_time=3 * wall,
                              kerberos=True)
            kb_t = run_hybrid(problem, _sa(), args, max_iter=10**6, max_time=wall,
                              kerberos=True)
            sa = run_sa_whole(problem, args)
            row.update({"hybrid@calls": hl_c["raw"], "hybrid@time": hl_t["raw"],
                        "hybrid@time_calls": hl_t["calls"],
                        "kerberos@calls": kb_c["raw"], "kerberos@calls_n": kb_c["calls"],
                        "kerberos@calls_s": kb_c["time"],
                        "kerberos@time": kb_t["raw"], "kerberos@time_calls": kb_t["calls"],
                        "sa-whole": sa["raw"], "sa-whole+polish": sa["polished"],
                        "sa_s": sa["time"]})
            if args.kerberos_random:
                kb_r = run_hybrid(problem, dimod.RandomSampler(), args, max_iter=10**6,
                                  max_time=wall, kerberos=True)
                row.update({"kerberos-random@time": kb_r["raw"],
                            "kerberos-random@time_calls": kb_r["calls"]})
        rows.append(row)
        paired.append({"class": cls, "instance": label, "rounds": it["rounds"],
                       "reads": args.reads, "SA child": it["raw"],
                       "RandomSampler child": rnd["raw"],
                       "difference": it["raw"] - rnd["raw"]})
        print(table([row], floatfmt=".4f"), flush=True)

    command = shlex.join(["python", "benchmarks/iterate.py", *(argv or sys.argv[1:])])
    report = [f"`{command}`",
              "\n## Iterated shrinking and peers (ratio to best known, repaired, no polish)\n",
              table(rows, floatfmt=".4f"),
              "\n## The child matters: SA vs dimod.RandomSampler, same rounds and reads\n",
              table(paired, floatfmt=".4f")]
    print("\n".join(report[1:]))
    summary = []
    for cls in classes:
        sub = [r for r in rows if r["class"] == cls]
        psub = [p for p in paired if p["class"] == cls]
        if not sub:
            continue
        s = {"class": cls, "instances": len(sub),
             "median iterated": statistics.median(r["iterated"] for r in sub),
             "median random child": statistics.median(p["RandomSampler child"] for p in psub)}
        if not args.no_peers:
            for key in ("hybrid@calls", "hybrid@time", "kerberos@calls", "kerberos@time",
                        "sa-whole"):
                s[f"median {key}"] = statistics.median(r[key] for r in sub)
            s["iterated >= all hybrid"] = sum(
                all(r["iterated"] >= r[k] - 1e-12 for k in ("hybrid@calls", "hybrid@time",
                                                             "kerberos@calls",
                                                             "kerberos@time"))
                for r in sub)
        summary.append(s)
    report += ["\n## Medians per class\n", table(summary, floatfmt=".4f")]
    print("\n".join(report[-2:]))
    write_report(report, args.out)


if __name__ == "__main__":
    main()
