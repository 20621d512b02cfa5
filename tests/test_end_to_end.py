"""The whole pipeline with the SA child at budget 20 on shared instances."""

import json

import dimod
import numpy as np
import pytest

from dimod_shrink import ShrinkingComposite
from dimod_shrink.cli import main
from dimod_shrink.pipeline import make_sampler, solve_problem
from dimod_shrink.problems import load_problem
from dimod_shrink.samplers import RecordingSampler, diagonal_energies


@pytest.mark.parametrize("path,kw,opt", [
    ("mdkp/mknap1.txt", {"instance": 1}, 3800),
    ("mdkp/mknap1.txt", {"instance": 2}, 8706.1),
    ("mdkp/mknap1.txt", {"instance": 3}, 4015),
    ("qap/nug5.dat", {}, 50),
    ("qap/nug6.dat", {}, 86),
    ("qap/nug7.dat", {}, 148),
    ("mis/1tc.64.dimacs", {}, 20),
    ("mis/1dc.64.dimacs", {}, 10),
])
def test_optimal_with_sa_child_at_budget_20(instances, path, kw, opt):
    problem = load_problem(instances / path, **kw)
    child = RecordingSampler(make_sampler("sa"))
    r = solve_problem(problem, child, qubits=20, num_reads=50, seed=0)
    assert r["feasible"]
    assert r["num_reduced"] <= 20
    assert r["objective"] == pytest.approx(opt)
    # the child's own answer, before expansion, repair and polish: SA's best read is a
    # ground state of the reduced model it was handed (found by enumeration)
    reduced, raw = child.calls[-1]
    assert reduced.num_variables == r["num_reduced"]
    E = diagonal_energies(reduced)
    assert raw.first.energy == pytest.approx(E.min())
    # ... and not by chance: far more reads land there than uniform random bits would put
    e = reduced.energies((raw.record.sample, list(raw.variables)))
    w = raw.record.num_occurrences
    assert w[np.isclose(e, E.min())].sum() / w.sum() >= 16 * np.isclose(E, E.min()).mean()


def test_energies_on_original_penalty_model(instances):
    problem = load_problem(instances / "mdkp/mknap1.txt", instance=4)
    r = solve_problem(problem, "sa", qubits=12, num_reads=20, seed=1)
    dimod.testing.assert_sampleset_energies(r["sampleset"], problem.bqm)
    assert r["sampleset"].record.is_feasible.all()


def test_plain_route_without_vetoes_or_repair(instances):
    problem = load_problem(instances / "qap/nug6.dat")
    r = solve_problem(problem, "sa", qubits=8, constraint_aware=False, repair=False,
                      num_reads=20, seed=0)
    assert r["vetoed_merges"] == 0 and r["repair_moves"] == 0


def test_slack_encoding_end_to_end(instances):
    problem = load_problem(instances / "mdkp/mknap1.txt", instance=2, encoding="slack")
    assert problem.num_variables["bqm"] > problem.num_variables["decision"]
    r = solve_problem(problem, "sa", qubits=20, num_reads=50, seed=0)
    sol = r["solution"]
    assert r["feasible"] and sol["index_base"] == 1 and set(sol["items"]) <= set(range(1, 11))


def test_sample_cqm_returns_cqm_sampleset():
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(24)]
    rng = np.random.default_rng(0)
    cqm.set_objective(sum(-int(rng.integers(1, 9)) * xi for xi in x))
    cqm.add_constraint(sum(int(rng.integers(1, 9)) * xi for xi in x) <= 30, label="cap")
    cqm.add_discrete([0, 1, 2, 3], label="pick-one")
    ss = ShrinkingComposite().sample_cqm(cqm, num_variables=8, num_reads=20, seed=0)
    assert set(ss.variables) == set(cqm.variables)
    assert ss.record.is_feasible.all()
    ref = dimod.SampleSet.from_samples_cqm((ss.record.sample, list(ss.variables)), cqm)
    np.testing.assert_array_equal(ref.record.is_satisfied, ss.record.is_satisfied)
    np.testing.assert_allclose(ref.record.energy, ss.record.energy)
    assert "feasible_before_repair" in ss.record.dtype.names
    with pytest.raises(TypeError, match="ConstrainedQuadraticModel"):
        ShrinkingComposite().sample_cqm(dimod.BinaryQuadraticModel("BINARY"))


# -- CLI -----------------------------------------------------------------------------------
KEYS = {"problem", "instance", "num_variables", "num_reduced", "objective", "optimum",
        "feasible", "feasible_before_repair", "repair_moves", "vetoed_merges", "solution",
        "timing"}


def test_cli_json(instances, capsys):
    rc = main(["solve", str(instances / "mdkp/mknap1.txt"), "--instance", "3", "--seed", "0",
               "--num-reads", "30", "--json"])
    out = capsys.readouterr().out
    assert rc == 0
    data = json.loads(out)  # exactly one JSON object
    assert KEYS <= set(data)
    assert set(data["timing"]) >= {"correlation", "shrink", "child", "repair", "total"}
    assert data["problem"] == "mdkp" and data["optimum"] == 4015 and data["feasible"]


def test_cli_summary_and_options(instances, capsys):
    rc = main(["solve", str(instances / "qap/nug5.dat"), "--sampler", "exact", "--qubits", "10",
               "--no-constraint-aware", "--seed", "1"])
    out = capsys.readouterr().out
    assert rc == 0 and "qap instance nug5" in out and "objective" in out


def test_cli_mis_clq_and_tabu(instances, capsys):
    rc = main(["solve", str(instances / "mis/johnson8-2-4.clq"), "--sampler", "tabu",
               "--num-reads", "5", "--seed", "0", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["objective"] == 4 and data["optimum"] is None


@pytest.mark.parametrize("argv,msg", [
    (["solve", "missing.dimacs"], "not found"),
    (["solve", "weird.xyz"], "--problem"),
])
def test_cli_errors_go_to_stderr(tmp_path, capsys, monkeypatch, argv, msg):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "weird.xyz").write_text("1 2 3\n")  # exists, but of no known type
    rc = main(argv)
    err = capsys.readouterr()
    assert rc == 2 and msg in err.err and err.out == ""


def test_cli_malformed_file(tmp_path, capsys):
    bad = tmp_path / "bad.dimacs"
    bad.write_text("p edge 3 1\ne 1 q\n")
    rc = main(["solve", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2 and "bad.dimacs, line 2" in err


def test_cli_bad_options(capsys, instances):
    with pytest.raises(SystemExit):
        main(["solve", str(instances / "qap/nug5.dat"), "--qubits", "0"])
    assert ">= 1" in capsys.readouterr().err
    rc = main(["solve", str(instances / "qap/nug5.dat"), "--correlation", "sdpx"])
    assert rc == 2 and "unknown correlation" in capsys.readouterr().err
