"""An annealer as the child: clique embedding on mock Pegasus and Zephyr QPUs (offline,
dwave-system's MockDWaveSampler).

Quality claims are checked against dimod.RandomSampler at the same reads
(``test_random_child_fails_the_quality_check``).
"""

import json
from pathlib import Path

import dimod
import pytest

pytest.importorskip("dwave.system")

from dwave.samplers import SimulatedAnnealingSampler  # noqa: E402
from dwave.system import EmbeddingComposite  # noqa: E402
from dwave.system.testing import MockDWaveSampler  # noqa: E402

from dimod_shrink import ShrinkingComposite, cli  # noqa: E402
from dimod_shrink.pipeline import make_sampler  # noqa: E402
from dimod_shrink.samplers.annealer import CliqueSampler, mock_qpu  # noqa: E402

QAP6 = Path(__file__).resolve().parents[1] / "examples" / "data" / "qap6.dat"


@pytest.fixture(scope="module")
def pegasus():
    return CliqueSampler(mock_qpu("pegasus", 4, num_sweeps=200))


@pytest.fixture(scope="module")
def zephyr():
    return CliqueSampler(mock_qpu("zephyr", 2, num_sweeps=200))


def frustrated(n, seed):
    return dimod.generators.ran_r(1, n, seed=seed)


def test_largest_clique_is_the_budget(pegasus, zephyr):
    assert pegasus.largest_clique_size == 36
    assert zephyr.largest_clique_size == 24
    assert pegasus.properties["topology"]["type"] == "pegasus"
    with pytest.raises(ValueError, match="embeds cliques of at most 24"):
        zephyr.sample(frustrated(25, 0), num_reads=5)


@pytest.mark.parametrize("which", ["pegasus", "zephyr"])
def test_clique_child_energies_and_chains(which, request):
    child = request.getfixturevalue(which)
    bqm = frustrated(child.largest_clique_size, 1)
    ss = child.sample(bqm, num_reads=20, seed=3)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    info = ss.info
    assert info["clique_size"] == bqm.num_variables
    assert info["qubits"] > bqm.num_variables and info["max_chain_length"] >= 2
    assert info["chain_strength"] > 0
    assert 0 <= info["chain_break_fraction"] <= 1
    assert ss.record.num_occurrences.sum() == 20


def test_weak_chains_break(zephyr):
    bqm = frustrated(24, 2)
    strong = zephyr.sample(bqm, num_reads=20, seed=1)
    weak = zephyr.sample(bqm, num_reads=20, seed=1, chain_strength=0.05)
    assert weak.info["chain_strength"] == pytest.approx(0.05)
    assert weak.info["chain_break_fraction"] > strong.info["chain_break_fraction"]
    assert weak.info["chain_break_fraction"] > 0.05


def test_seeded_runs_repeat(zephyr):
    bqm = frustrated(16, 3)
    a = zephyr.sample(bqm, num_reads=10, seed=5)
    b = zephyr.sample(bqm, num_reads=10, seed=5)
    assert a.record.sample.tolist() == b.record.sample.tolist()


def _shrunk_best(child, bqm, budget, **kw):
    ss = ShrinkingComposite(child).sample(bqm, num_variables=budget, seed=0, **kw)
    dimod.testing.assert_sampleset_energies(ss, bqm)  # on the original model
    return float(ss.first.energy)


@pytest.fixture(scope="module")
def big():
    bqm = frustrated(80, 4)
    ref = SimulatedAnnealingSampler().sample(bqm, num_reads=50, seed=0).first.energy
    return bqm, float(ref)


def test_shrinking_to_the_clique(pegasus, big):
    bqm, ref = big
    best = _shrunk_best(pegasus, bqm, pegasus.largest_clique_size, num_reads=50)
    # within 10% of a full-size SA run's best (ground-state energies are negative)
    assert best <= 0.9 * ref


def test_random_child_fails_the_quality_check(big):
    bqm, ref = big
    best = _shrunk_best(dimod.RandomSampler(), bqm, 36, num_reads=50)
    assert not best <= 0.9 * ref


def test_embedding_composite_and_clique_sampler_children(monkeypatch):
    bqm = frustrated(30, 5)
    child = EmbeddingComposite(MockDWaveSampler(topology_type="zephyr", topology_shape=[2]))
    ss = ShrinkingComposite(child).sample(bqm, num_variables=12, seed=0, num_reads=10)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    # dwave-system's DWaveCliqueSampler, its QPU replaced by the mock
    import dwave.system.samplers.clique as clique
    monkeypatch.setattr(clique, "DWaveSampler", MockDWaveSampler)
    cs = clique.DWaveCliqueSampler(topology_type="pegasus", topology_shape=[4])
    assert cs.largest_clique_size == 36
    ss = ShrinkingComposite(cs).sample(bqm, num_variables=cs.largest_clique_size - 10,
                                       seed=0, num_reads=10)
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_make_sampler_names():
    child = make_sampler("mock-annealer", topology="zephyr", shape=2)
    assert isinstance(child, CliqueSampler) and child.largest_clique_size == 24
    with pytest.raises(ValueError, match="unknown topology"):
        make_sampler("mock-annealer", topology="torus")


def test_cli_mock_annealer_end_to_end(capsys):
    code = cli.main(["solve", str(QAP6), "--sampler", "mock-annealer", "--topology", "zephyr",
                     "--topology-shape", "2", "--qubits", "24", "--seed", "1", "--num-reads",
                     "20", "--json", "--no-progress"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["feasible"] and out["sampler"] == "CliqueSampler"
    child = out["child"]
    assert child["clique_size"] <= 24 and child["qpu"] == "MockDWaveSampler"
    assert child["chain_strength"] > 0 and 0 <= child["chain_break_fraction"] <= 1
    assert out["objective"] == pytest.approx(out["optimum"])  # qap6: 2804


@pytest.mark.parametrize("argv,msg", [
    (["--sampler", "mock-annealer", "--topology", "chimera", "--topology-shape", "2"],
     "larger than the largest clique the QPU embeds (8)"),
    (["--sampler", "annealer"], "needs a D-Wave Leap API token"),
    (["--sampler", "annealer", "--topology", "zephyr"], "a real QPU has its own"),
    (["--topology", "zephyr"], "--topology applies to --sampler annealer"),
])
def test_cli_annealer_errors(argv, msg, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DWAVE_API_TOKEN", raising=False)
    (tmp_path / "dwave.conf").write_text("[defaults]\n")  # a config without a token
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(tmp_path / "dwave.conf"))
    assert cli.main(["solve", str(QAP6), *argv]) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err
