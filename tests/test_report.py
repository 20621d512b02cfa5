"""Reports of a results file: stages not recorded are named, never drawn as zero."""

from __future__ import annotations

import csv

import pytest

from dimod_shrink.bench.methods import COLUMNS
from dimod_shrink.bench.report import LIBRARY_METHODS, stage_legend, write_report

OLD_HEADER = [c for c in COLUMNS if c not in ("time_policy", "time_polish")]


def test_stage_legend_names_what_an_old_file_lacks():
    names = stage_legend(OLD_HEADER)
    assert "merge policy: not recorded in this results file" in names
    assert "polish: not recorded in this results file" in names
    assert "repair (includes polish)" in names
    assert not any(n.startswith(("merge policy", "polish")) and "not recorded" not in n
                   for n in names)


def test_stage_legend_of_a_new_file_records_every_stage():
    names = stage_legend(COLUMNS)
    assert not any("not recorded" in n for n in names)
    assert {"merge policy", "correlations", "shrink", "child", "repair", "polish"} <= set(names)


def _write(path, header, rows):
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def _row(method, child, budget, ratio, seed=0):
    return {"key": f"i|{method}|{child}|{budget}|{seed}", "instance": "i", "problem": "mdkp",
            "method": method, "child": child, "budget": budget, "seed": seed,
            "ratio": ratio, "feasible_before_repair": 0.5, "feasible": "True",
            "repair_moves": 1, "vetoed_merges": 0, "time_correlation": 0.1,
            "time_shrink": 0.01, "time_child": 0.2, "time_repair": 0.05, "time_total": 0.5,
            "status": "ok"}


def test_summary_leads_with_the_library_methods(tmp_path):
    pytest.importorskip("matplotlib")
    rows = [_row("greedy", "-", "", 0.9), _row("ags", "sa", 8, 0.95), _row("ags", "sa", 12, 1.0),
            _row("sa-full", "-", "", 0.8), _row("gs", "sa", 12, 0.7)]
    _write(tmp_path / "results.csv", OLD_HEADER, rows)
    rep = write_report(tmp_path)
    text = rep["summary"].read_text()
    first_table = text.split("\n\n")[1].splitlines()[2:]
    methods = [line.split("|")[2].strip() for line in first_table]
    assert methods[:2] == ["ags", "gs"] and set(methods[2:]) == {"sa-full", "greedy"}
    assert all(m in LIBRARY_METHODS for m in methods[:2])
    assert "| 12 " in first_table[0]  # ags at its largest budget
    assert {p.name for p in rep["plots"]} == {"ratio_vs_budget.png", "feasibility.png",
                                              "time_per_stage.png"}


def test_solve_problem_times_the_polish_apart(instances):
    from dimod_shrink.pipeline import solve_problem
    from dimod_shrink.problems import load_problem
    p = load_problem(instances / "mdkp/mknap1.txt", "mdkp", instance=3)
    tm = solve_problem(p, "sa", qubits=8, num_reads=20, seed=0)["timing"]
    assert {"policy", "correlation", "shrink", "child", "repair", "polish", "total"} <= set(tm)
    assert 0.0 <= tm["polish"] <= tm["repair"] <= tm["total"]
    assert "polish" not in solve_problem(p, "sa", qubits=8, num_reads=20, seed=0,
                                         repair=False)["timing"]


def test_run_one_fills_every_stage_column(instances):
    from dimod_shrink.bench.methods import run_one
    spec = dict(key="k", name="mknap1#3", path=str(instances / "mdkp/mknap1.txt"),
                problem="mdkp", index=3, child="sa", budget=8, seed=0, reads=20, options={})
    for method in ("ags", "shrink"):
        row = run_one({**spec, "method": method})
        assert row["status"] == "ok", row["error"]
        stages = [row[c] for c in ("time_policy", "time_correlation", "time_shrink",
                                   "time_child", "time_repair", "time_polish")]
        assert all(v is not None and v >= 0 for v in stages), (method, stages)
        assert sum(stages) <= row["time_total"]
