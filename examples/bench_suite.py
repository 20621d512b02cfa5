"""Run a small benchmark suite on a local Dask cluster and print the summary.

Equivalent to ``dimod-shrink bench examples/suites/demo.toml --out results/demo``.
Re-running resumes: finished runs are skipped.  Needs the ``bench`` extra.
Run: ``python examples/bench_suite.py``.
"""

from pathlib import Path

from dimod_shrink.bench import load_suite
from dimod_shrink.bench.report import write_report
from dimod_shrink.bench.runner import run_suite

SUITE = Path(__file__).parent / "suites" / "demo.toml"


def main(out="results/demo", workers=2, client=None):
    suite = load_suite(SUITE)
    counts = run_suite(suite, out, workers=workers, progress=client is None, client=client)
    report = write_report(out)
    print(f"{counts['ran']} runs ({counts['already_done']} already done), "
          f"{counts['errors']} errors")
    print(report["summary"].read_text())
    return report


if __name__ == "__main__":
    main()
