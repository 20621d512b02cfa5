import networkx as nx
import numpy as np
import pytest

from dimod_shrink.io import (InstanceFormatError, count_mknap, read_best_known, read_dimacs,
                             read_lp, read_maxcut, read_mknap, read_qaplib,
                             read_qaplib_solution)
from dimod_shrink.problems import QAPProblem

MKNAP1 = {1: (6, 10, 3800), 2: (10, 10, 8706.1), 3: (15, 10, 4015), 4: (20, 10, 6120),
          5: (28, 10, 12400), 6: (39, 5, 10618), 7: (50, 5, 16537)}


@pytest.mark.parametrize("k", sorted(MKNAP1))
def test_mknap1_header_values(instances, k):
    inst = read_mknap(instances / "mdkp" / "mknap1.txt", k)
    n, m, opt = MKNAP1[k]
    assert inst.weights.shape == (m, n) and inst.profits.shape == (n,)
    assert inst.optimum == pytest.approx(opt)


def test_mknapcb1(instances):
    path = instances / "mdkp" / "mknapcb1.txt"
    assert count_mknap(path) == 30
    inst = read_mknap(path, 1)
    assert inst.weights.shape == (5, 100)
    assert inst.optimum == 24381  # the header's value
    best = read_best_known(instances / "mdkp" / "best-feasible-slns.txt")
    assert best["5.100-00"] == 24381 and best["5.100-29"] > 0
    with pytest.raises(ValueError, match="1..30"):
        read_mknap(path, 31)


@pytest.mark.parametrize("name,n,m", [("1dc.64.dimacs", 64, 543), ("1tc.64.dimacs", 64, 192),
                                      ("1et.128.dimacs", 128, 672),
                                      ("1zc.256.dimacs", 256, 2816)])
def test_dimacs_edge_counts(instances, name, n, m):
    g = read_dimacs(instances / "mis" / name)
    assert g.number_of_nodes() == n and g.number_of_edges() == m


@pytest.mark.parametrize("name,n,m_clique", [("johnson8-2-4.clq", 28, 210),
                                             ("hamming6-2.clq", 64, 1824),
                                             ("MANN_a9.clq", 45, 918)])
def test_clq_is_complemented(instances, name, n, m_clique):
    g = read_dimacs(instances / "mis" / name)
    assert g.number_of_nodes() == n
    assert g.number_of_edges() == n * (n - 1) // 2 - m_clique
    raw = read_dimacs(instances / "mis" / name, complement=False)
    assert raw.number_of_edges() == m_clique


@pytest.mark.parametrize("name", ["chr12a", "had12", "nug12", "rou12", "scr12", "nug20"])
def test_qaplib_solution_costs(instances, name):
    inst = read_qaplib(instances / "qap" / f"{name}.dat")
    n, value, perm = read_qaplib_solution(instances / "qap" / f"{name}.sln")
    assert inst.optimum == value
    p = QAPProblem(inst.A, inst.B)
    inverse = np.argsort(perm)
    assert value in (p.perm_cost(perm), p.perm_cost(inverse))
    # the other matrix order gives the same value for one of the two
    q = QAPProblem(inst.B, inst.A)
    assert value in (q.perm_cost(perm), q.perm_cost(inverse))


@pytest.mark.parametrize("name,n,opt", [("nug5", 5, 50), ("nug6", 6, 86), ("nug7", 7, 148),
                                        ("esc8a", 8, 2)])
def test_qaplib_header_variant(instances, name, n, opt):
    inst = read_qaplib(instances / "qap" / f"{name}.dat")
    assert inst.A.shape == (n, n) and inst.optimum == opt


def test_maxcut_with_and_without_header(instances):
    g = read_maxcut(instances / "maxcut" / "g05_60.0")
    assert g.number_of_nodes() == 60
    g1 = read_maxcut(instances / "maxcut" / "G1.txt")
    assert g1.number_of_nodes() == 800 and g1.number_of_edges() == 19176


# -- malformed files: the error names the file and the line -------------------------------
@pytest.mark.parametrize("reader,text,line", [
    (read_dimacs, "c hi\np edge 3 2\ne 1 2\ne 1 x\n", 4),
    (read_dimacs, "p edge 3 2\ne 1 2\ne 1 9\n", 3),
    (read_dimacs, "e 1 2\n", 1),
    (read_maxcut, "3 2\n1 2 1\n2 3\n", 3),
    (read_mknap, "1\n2 1 0\n5 6\n1 zz\n3\n", 4),
    (read_qaplib, "2\n1 2\n3 4\n5 6\n7 oops\n", 5),
])
def test_malformed_files_name_file_and_line(tmp_path, reader, text, line):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InstanceFormatError) as info:
        reader(path)
    assert str(path) in str(info.value)
    assert f"line {line}" in str(info.value)
    assert info.value.line == line


@pytest.mark.parametrize("reader,text,msg", [
    (read_dimacs, "p edge 3 5\ne 1 2\n", "promises 5 edges"),
    (read_mknap, "1\n2 1 0\n5 6\n1 2\n", "end of file"),
    (read_qaplib, "2\n1 2\n3 4\n5 6\n7 8\n9\n", "extra data"),
])
def test_truncated_or_inconsistent(tmp_path, reader, text, msg):
    path = tmp_path / "bad.dat"
    path.write_text(text)
    with pytest.raises(InstanceFormatError, match=msg):
        reader(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_dimacs(tmp_path / "nope.dimacs")


def test_lp_reader(tmp_path):
    path = tmp_path / "small.lp"
    path.write_text("Minimize\n obj: - x - 2 y - z\nSubject To\n c1: x + y + z <= 2\n"
                    "Binary\n x y z\nEnd\n")
    cqm = read_lp(path)
    assert set(cqm.variables) == {"x", "y", "z"} and len(cqm.constraints) == 1
    bad = tmp_path / "bad.lp"
    bad.write_text("Minimize\n obj: x +\nSubject To\n c1: x <= \nEnd\n")
    with pytest.raises(InstanceFormatError, match="bad.lp"):
        read_lp(bad)
