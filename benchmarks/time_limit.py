"""Does ``solve --time-limit S`` keep its promise, and do rounds beat the single shrink?

Two parts, both through the command line's own code path
(:func:`dimod_shrink.cli.main` called in-process, so the interpreter's
start-up is not counted; the wall time of each call is measured around it):

``--part timing``
    ``solve FILE --time-limit S`` (rounds until the time is up, patience off)
    on QAPLIB and DIMACS instances of ``../shared/instances``, with the
    random child (``--shots`` 1,024 reads) and the SA child (100 reads),
    polish on.  Prints the wall time, the rounds after the single shrink,
    the stop reason, the objective and the time of each stage.
``--part mdkp``
    The 30 Chu--Beasley problems of ``mknapcb1.txt``: the single shrink
    against ``--rounds 100000 --time-limit S``, same seed, raw
    (``--no-polish``); wins, ties and losses of the rounds (higher profit
    wins).

Usage::

    python benchmarks/time_limit.py --part timing > docs/results/time_limit.md
    python benchmarks/time_limit.py --part mdkp >> docs/results/time_limit.md
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.environ.get("DIMOD_SHRINK_ROOT", os.path.dirname(HERE)), HERE]

from _common import INSTANCES, table  # noqa: E402

from dimod_shrink.cli import main  # noqa: E402

TIMING = ("qap/tai14a.dat", "qap/tai16a.dat", "qap/had12.dat", "qap/chr12a.dat",
          "qap/nug12.dat", "mis/brock200_1.clq", "mis/brock200_4.clq")
"""Stand-ins of the sizes asked about (chr15a: 225 variables, had14 and nug14: 196,
brock200_2: 200 vertices), which ``../shared/instances`` does not hold."""


def solve(argv: list[str]) -> tuple[dict, float]:
    """``dimod-shrink solve ... --json`` in-process: the JSON answer and the wall time."""
    out = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = main(["solve", *argv, "--json", "--no-progress"])
    wall = time.perf_counter() - t
    if rc not in (0, 3):
        raise RuntimeError(f"solve {' '.join(argv)} exited {rc}")
    return json.loads(out.getvalue()), wall


def part_timing(args) -> None:
    rows = []
    for name in TIMING:
        for child in ("random", "sa"):
            rounds = ["--rounds", str(args.rounds)] if args.rounds else []
            r, wall = solve([str(INSTANCES / name), "--sampler", child, "--seed",
                             str(args.seed), "--time-limit", str(args.time_limit), *rounds])
            tm = r["timing"]
            rows.append({"instance": name, "child": child, "wall_s": round(wall, 2),
                         "within": "yes" if wall <= max(1.1 * args.time_limit,
                                                        args.time_limit + 1) else "NO",
                         "rounds": r["rounds"], "stop": r.get("rounds_stop"),
                         "objective": r["objective"],
                         "solve_s": round(tm["total"], 2), "policy_s": round(tm["policy"], 2),
                         "correlation_s": round(tm["correlation"], 2),
                         "child_s": round(tm["child"], 2), "repair_s": round(tm["repair"], 2)})
            print(f"{name} {child}: {wall:.2f} s, {r['rounds']} rounds, {r.get('rounds_stop')}",
                  file=sys.stderr, flush=True)
    rounds = f" --rounds {args.rounds}" if args.rounds else ""
    print(f"## `solve FILE --time-limit {args.time_limit:g}{rounds} --seed {args.seed}` "
          f"(polish on), wall time of the call\n")
    print(table(rows, floatfmt=".7g"))
    print()


def part_mdkp(args) -> None:
    path = str(INSTANCES / "mdkp" / "mknapcb1.txt")
    rows, wins, ties, losses = [], 0, 0, 0
    for k in range(1, args.problems + 1):
        common = [path, "--instance", str(k), "--seed", str(args.seed), "--no-polish"]
        one, t_one = solve(common)
        it, t_it = solve([*common, "--rounds", "100000", "--time-limit", str(args.time_limit)])
        a, b = one["objective"], it["objective"]
        if not it["feasible"] or (one["feasible"] and b < a):
            losses += 1
            verdict = "loss"
        elif b > a or not one["feasible"]:
            wins += 1
            verdict = "win"
        else:
            ties += 1
            verdict = "tie"
        rows.append({"problem": k, "single": a, "rounds": b, "result": verdict,
                     "num_rounds": it["rounds"], "stop": it.get("rounds_stop"),
                     "single_s": round(t_one, 2), "rounds_s": round(t_it, 2)})
        print(f"mknapcb1 #{k}: {a} vs {b} ({verdict}), {it['rounds']} rounds, {t_it:.1f} s",
              file=sys.stderr, flush=True)
    print(f"## mknapcb1 (Chu-Beasley 5.100), single shrink vs `--rounds 100000 --time-limit "
          f"{args.time_limit:g}`, seed {args.seed}, `--no-polish`\n")
    print(table(rows, floatfmt=".7g"))
    print(f"\nrounds against the single shrink: {wins} wins, {ties} ties, {losses} losses\n")


def main_(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("timing", "mdkp"), required=True)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=None,
                    help="also pass --rounds N in part timing (default: --time-limit alone)")
    ap.add_argument("--problems", type=int, default=30, help="mknapcb1 problems (part mdkp)")
    args = ap.parse_args(argv)
    import dimod_shrink
    print(f"<!-- python benchmarks/time_limit.py {' '.join(sys.argv[1:])}; dimod_shrink from "
          f"{os.path.dirname(os.path.dirname(dimod_shrink.__file__))}; "
          f"{os.cpu_count()} CPU cores, load "
          f"{os.getloadavg()[0]:.1f} at the start -->\n")
    (part_timing if args.part == "timing" else part_mdkp)(args)


if __name__ == "__main__":
    main_()
