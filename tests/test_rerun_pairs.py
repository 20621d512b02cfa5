"""benchmarks/rerun_pairs.py: pairing runs of two codes, over one or several files a side."""

import csv
import importlib.util
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "rerun_pairs", Path(__file__).resolve().parents[1] / "benchmarks" / "rerun_pairs.py")
rerun_pairs = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(rerun_pairs)

FIELDS = ["instance", "problem", "method", "child", "budget", "seed", "status",
          "ratio_raw", "ratio_polished", "time_total"]


def _write(path, runs):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        w.writeheader()
        for seed, raw, polished in runs:
            w.writerow({"instance": "a", "problem": "mdkp", "method": "shrink", "child": "sa",
                        "budget": 20, "seed": seed, "status": "ok", "ratio_raw": raw,
                        "ratio_polished": polished, "time_total": 1.0})
    return path


def test_pairs_over_several_files_a_side(tmp_path):
    old = _write(tmp_path / "old.csv", [(0, 0.9, 1.0), (1, 0.8, 1.0)])
    new = _write(tmp_path / "new.csv", [(0, 0.95, 1.0), (1, 0.8, 0.99)])
    old2 = _write(tmp_path / "old2.csv", [(2, 0.7, 1.0), (3, 0.9, 1.0)])
    new2 = _write(tmp_path / "new2.csv", [(2, 0.6, 1.0), (3, 0.9, 1.0), (4, 1.0, 1.0)])
    (row,) = rerun_pairs.pairs(old, new)
    assert row["pairs"] == 2 and row["raw W/T/L"] == "1/1/0" and row["polished W/T/L"] == "0/1/1"
    (row,) = rerun_pairs.pairs(old, new, [old2], [new2])
    # seed 4 has no old run, so it is not paired
    assert row["pairs"] == 4
    assert row["raw W/T/L"] == "1/2/1"
    assert row["raw median old"] == pytest.approx(0.85)
    assert row["raw median new"] == pytest.approx(0.85)


def test_a_run_given_twice_on_one_side_is_refused(tmp_path):
    old = _write(tmp_path / "old.csv", [(0, 0.9, 1.0)])
    again = _write(tmp_path / "again.csv", [(0, 0.8, 1.0)])
    with pytest.raises(SystemExit, match="again.csv: 1 runs are already"):
        rerun_pairs.pairs(old, old, [again], [])
