"""Run a small benchmark suite on a local Dask cluster and print the summary.

Equivalent to ``dimod-shrink bench examples/suites/demo.toml --out DIR``.  By default
the results go to a temporary folder that is removed at the end; give ``--out DIR``
to keep them (re-running with the same folder resumes: finished runs are skipped).
Needs the ``bench`` extra.  Run: ``python examples/bench_suite.py [--out DIR]``.
"""

import argparse
import tempfile
from pathlib import Path

from dimod_shrink.bench import load_suite
from dimod_shrink.bench.report import write_report
from dimod_shrink.bench.runner import run_suite

SUITE = Path(__file__).parent / "suites" / "demo.toml"


def main(out, workers=2, client=None):
    suite = load_suite(SUITE)
    counts = run_suite(suite, out, workers=workers, progress=client is None, client=client)
    report = write_report(out)
    print(f"{counts['ran']} runs ({counts['already_done']} already done), "
          f"{counts['errors']} errors")
    print(report["summary"].read_text())
    return report


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=None, help="keep the results in this folder")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if args.out:
        main(args.out, args.workers)
    else:
        with tempfile.TemporaryDirectory(prefix="dimod-shrink-demo-") as tmp:
            main(Path(tmp) / "demo", args.workers)
