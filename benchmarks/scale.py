"""How the default ``ShrinkingComposite.sample()`` scales, stage by stage.

Part 1: random sparse BINARY models (``dimod.generators.gnp_random_bqm``,
uniform biases in [-1, 1]) shrunk to a budget of 20 with the default options
and the SA child (100 reads), N = 1,000 ... 20,000 at average degree ~6 and
N = 1,000 / 3,000 at degree 100.  Each case runs in a fresh process; a
sampling thread reads the resident set size every 5 ms and the composite's
``progress`` callback marks the stages, so ``*_s`` is the wall time and
``*_MB`` the peak RSS of each stage (correlation = building the reduced
couplings and the low-rank solves; select = candidate pairs and the merge
walk; shrink = merge bookkeeping and the reduced model; child; expand).
``sa_s`` / ``sa_MB`` are SA (100 reads) on the whole model in the same
process, the yardstick; ``ratio`` = total / sa_s.  The last line fits the
growth exponent of the total time over the sparse rows.

Part 2: ``dimod-shrink solve QAPLIB --qubits 20 --seed 0`` wall times.

Usage::

    python benchmarks/scale.py                 # everything
    python benchmarks/scale.py --part bqm      # part 1 only
    python benchmarks/scale.py --part qap      # part 2 only
    python benchmarks/scale.py --sizes 1000 5000 --degrees 6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np

from _common import INSTANCES, ROOT, table

STAGES = ("correlation", "select", "shrink", "child", "expand")


def model(n, degree, seed=0):
    import dimod
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(
        n, min(1.0, degree / (n - 1)), "BINARY", random_state=seed,
        bias_generator=lambda size: rng.uniform(-1, 1, size))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Meter:
    """Peak RSS per stage, sampled on a thread; stages set by a callback."""

    def __init__(self):
        self.stage = "setup"
        self.peak: dict = {}
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop:
            self.mark()
            time.sleep(0.005)

    def mark(self):
        r = _rss_mb()
        s = self.stage
        self.peak[s] = max(self.peak.get(s, 0.0), r)

    def set(self, stage, left=None):
        self.mark()
        self.stage = {"done": "setup", "repair": "expand"}.get(stage, stage)
        self.mark()

    def close(self):
        self._stop = True
        self._t.join()


def run_case(n: int, degree: int) -> dict:
    """One case, in this process (called in a fresh subprocess)."""
    from dwave.samplers import SimulatedAnnealingSampler
    from dimod_shrink import ShrinkingComposite
    bqm = model(n, degree)
    base = _rss_mb()
    meter = _Meter()
    t = time.perf_counter()
    ss = ShrinkingComposite().sample(bqm, num_variables=20, seed=0, num_reads=100,
                                     return_shrink_context=True, progress=meter.set)
    total = time.perf_counter() - t
    meter.set("sa")
    ctx = ss.info["shrink_context"]
    t = time.perf_counter()
    sa = SimulatedAnnealingSampler().sample(bqm, num_reads=100, seed=0)
    sa_s = time.perf_counter() - t
    meter.mark()
    meter.close()
    tm = ctx["timing"]
    row = {"n": n, "degree": degree, "edges": bqm.num_interactions, "total_s": total}
    for s in STAGES:
        row[f"{s}_s"] = tm.get(s, 0.0)
    peaks = meter.peak
    # the shrink engine reports correlation/select/shrink as one stage to the
    # callback ("correlation" while solving, "shrink" while merging)
    row["shrink_MB"] = max(peaks.get("correlation", 0), peaks.get("shrink", 0))
    row["child_MB"] = peaks.get("child", 0.0)
    row["expand_MB"] = peaks.get("expand", 0.0)
    row["peak_MB"] = max(peaks.values())
    row["base_MB"] = base
    row["solves"] = ctx["correlation_calls"]
    row["sa_s"] = sa_s
    row["sa_MB"] = peaks.get("sa", 0.0)
    row["ratio"] = total / sa_s
    row["energy"] = float(ss.first.energy)
    row["sa_energy"] = float(sa.first.energy)
    return row


def part_bqm(sizes, degrees):
    rows = []
    for degree, ns in degrees:
        for n in ns:
            out = subprocess.run([sys.executable, __file__, "--case", str(n), str(degree)],
                                 capture_output=True, text=True, cwd=ROOT / "benchmarks")
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                continue
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(table(rows[-1:]), file=sys.stderr, flush=True)
    print(table(rows))
    sparse = [r for r in rows if r["degree"] < 50]
    if len(sparse) >= 2:
        x = np.log([r["n"] for r in sparse])
        y = np.log([r["total_s"] for r in sparse])
        slope = np.polyfit(x, y, 1)[0]
        print(f"\nfitted growth of total_s over the sparse rows: N^{slope:.2f}")
    return rows


QAP = ("chr12a", "had12", "nug12", "rou12", "scr12", "tai12a", "tai13a", "tai14a", "tai16a",
       "tai18a", "tai19a", "nug20", "tai20a")
"""Every QAPLIB instance with n >= 12 in the shared instances folder (had14, nug14,
chr15a and the n = 30 instances are not there)."""


def part_qap(names):
    rows = []
    for name in names:
        path = INSTANCES / "qap" / f"{name}.dat"
        if not path.exists():
            continue
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "dimod_shrink.cli", "solve", str(path),
                              "--qubits", "20", "--seed", "0", "--json", "--no-progress"],
                             capture_output=True, text=True, timeout=900)
        wall = time.perf_counter() - t
        row = {"instance": name, "wall_s": wall, "exit": out.returncode}
        try:
            res = json.loads(out.stdout)
            row.update(binaries=res.get("num_variables"), ratio=res.get("ratio"),
                       feasible=res.get("feasible"))
        except json.JSONDecodeError:
            row["error"] = (out.stderr.strip().splitlines() or [""])[-1][:80]
        rows.append(row)
        print(table(rows[-1:]), file=sys.stderr, flush=True)
    print(table(rows))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("bqm", "qap", "all"), default="all")
    ap.add_argument("--sizes", type=int, nargs="*",
                    default=[1000, 2000, 5000, 10000, 20000])
    ap.add_argument("--dense-sizes", type=int, nargs="*", default=[1000, 3000])
    ap.add_argument("--qap", nargs="*", default=list(QAP))
    ap.add_argument("--case", type=int, nargs=2, metavar=("N", "DEGREE"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(*args.case)))
        return
    if args.part in ("bqm", "all"):
        part_bqm(None, [(6, args.sizes), (100, args.dense_sizes)])
    if args.part in ("qap", "all"):
        part_qap(args.qap)


if __name__ == "__main__":
    main()
