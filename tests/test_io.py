import networkx as nx
import numpy as np
import pytest

from dimod_shrink.io import (InstanceFormatError, count_mknap, read_best_known, read_dimacs,
                             read_lp, read_maxcut, read_mknap, read_qaplib,
                             read_qaplib_solution)
import dimod_shrink.io._tokens as _tokens
from dimod_shrink.problems import QAPProblem, load_problem

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


# -- hardening: text checks, declared sizes, one error type naming file and line -----------
READERS = [read_dimacs, read_maxcut, read_mknap, read_qaplib, read_qaplib_solution, read_lp]


def _error(reader, path):
    with pytest.raises(InstanceFormatError) as info:
        reader(path)
    assert str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize("reader", READERS)
def test_binary_file_is_refused_with_file_and_line(tmp_path, reader):
    path = tmp_path / "blob.lp"
    path.write_bytes(b"p edge 3 1\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    err = _error(reader, path)
    assert err.line == 2 and "not a text file" in str(err)


@pytest.mark.parametrize("reader", READERS)
def test_invalid_utf8_late_in_the_file_names_its_line(tmp_path, reader):
    path = tmp_path / "late.txt"
    path.write_bytes(b"c fine\n" * 5 + b"\xff\xfe 1 2\n")
    err = _error(reader, path)
    assert err.line == 6 and "not a text file" in str(err)


@pytest.mark.parametrize("reader", READERS + [load_problem])
def test_directory_is_refused(tmp_path, reader):
    err = _error(reader, tmp_path)
    assert "is a directory" in str(err)


@pytest.mark.parametrize("reader,text,line,msg", [
    (read_dimacs, "p edge 0 0\n", 1, "at least one vertex"),
    (read_dimacs, "c x\np edge 3 2\ne 1 2\ne 3 3\n", 4, "self-loop"),
    (read_dimacs, "p edge 3 1\ne 1 2\ne 2 3\n", 3, "more 'e' lines than the 1 edges"),
    (read_dimacs, "p edge 3 2\ne 1 2\np edge 3 2\n", 3, "second 'p' line"),
    (read_dimacs, "p edge 4 3\ne 1 2\ne 2 3\n", 1, "promises 3 edges, the file holds 2"),
    (read_dimacs, "c only comments\n\nc\n", 3, "no 'p edge N M' line"),
    (read_maxcut, "3 2\n1 2 nan\n2 3 1\n", 2, "finite"),
    (read_maxcut, "3 2\n1 2 1\n2 3 -inf\n", 3, "finite"),
    (read_maxcut, "1 2 1e999\n", 1, "finite"),
    (read_maxcut, "0 0\n", 1, "at least one vertex"),
    (read_maxcut, "3 1\n1 2 1\n2 3 1\n", 3, "more edge lines than the 1"),
    (read_maxcut, "c header next\n3 3\n1 2 1\n2 3 1\n", 2, "promises 3 edges, the file holds 2"),
    (read_maxcut, "3 2\n1 2 1\n2 4 1\n", 3, "out of range"),
    (read_mknap, "1\n200000 300000 0\n5 6 7\n", 3, "needs 60,000,500,000 more numbers"),
    (read_mknap, "1\n2 1 0\n", 2, "K=1 problems needs 6 more numbers"),
    (read_mknap, "", 1, "end of file"),
    (read_qaplib, "100000\n1 2\n", 2, "needs 20,000,000,000 more numbers"),
    (read_qaplib, "2 nan\n1 2 3 4\n5 6 7 8\n", 1, "finite"),
    (read_qaplib_solution, "3 10\n1 2 2\n", 2, "2 repeats"),
    (read_qaplib_solution, "3 10\n1 2 7\n", 2, "must be <= 3"),
])
def test_bad_contents_name_file_and_line(tmp_path, reader, text, line, msg):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    err = _error(reader, path)
    assert err.line == line and msg in str(err), str(err)


@pytest.mark.parametrize("text,line,msg", [
    ("", 1, "empty"),
    ("\\ just a comment\n\n", 2, "empty"),
    ("0.5 0.25\n3 4\n", 1, "starting with a section"),
    ("Minimize\nEnd\n", 2, "no variables"),
    ("Minimize\n obj: x + y\nSubject To\n c1: [ x * y ] <= 1\nBinary\n x y\nEnd\n", 4,
     "'c1' is quadratic"),
    ("Minimize\n obj: nan x + y\nSubject To\n c1: x + y <= 1\nBinary\n x y\nEnd\n", 2,
     "not a finite number"),
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\n c2: x - y >= inf\nBinary\n x y\n"
     "End\n", 5, "'c2' has a coefficient or right-hand side"),
    # an integer (General) variable needs bounds: dimod's default range is 2**53 values
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\nGeneral\n x\nBinary\n y\nEnd\n", 2,
     "'x' is unbounded"),
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\nBounds\n -1 <= x <= 3000000\n"
     "General\n x\nBinary\n y\nEnd\n", 6, "'x' takes 3,000,002 values"),
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\nBounds\n x >= 4\n x <= 3\n"
     "General\n x\nBinary\n y\nEnd\n", 6, "no integer meets"),
    # a variable declared in neither Binary nor General is continuous
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\nBinary\n y\nEnd\n", 2,
     "'x' is a continuous (REAL) variable"),
    # bounds on a binary variable that neither 0 nor 1 meets (dimod moves them onto [0, 1])
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\nBounds\n x <= -1\nBinary\n x y\n"
     "End\n", 6, "'x' has the bound 'x <= -1'"),
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\nBounds\n y <= 1\n 2 <= x\n"
     "Binary\n x y\nEnd\n", 7, "'x' has the bound '2 <= x'"),
    ("Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1\nBounds\n x >= 1\n x <= 0\n"
     "Binary\n x y\nEnd\n", 6, "neither 0 nor 1 meets"),
])
def test_lp_guards(tmp_path, text, line, msg):
    path = tmp_path / "model.lp"
    path.write_text(text)
    err = _error(read_lp, path)
    assert err.line == line and msg in str(err), str(err)


def test_declared_sizes_are_checked_before_allocating(tmp_path):
    big = tmp_path / "big.clq"
    big.write_text("p edge 30000 0\n")
    err = _error(read_dimacs, big)
    assert "449,985,000 edges" in str(err) and err.line == 1
    # the graph itself is sparse: a large declared vertex count with no edges is fine
    wide = tmp_path / "wide.dimacs"
    wide.write_text("p edge 100000 0\n")
    g = read_dimacs(wide)
    assert g.number_of_nodes() == 100000 and g.number_of_edges() == 0
    assert read_dimacs(big, complement=False).number_of_nodes() == 30000
    huge = tmp_path / "huge.dimacs"
    huge.write_text("p edge 1000000000 0\n")
    assert "over the limit" in str(_error(read_dimacs, huge))
    small = tmp_path / "small.clq"
    small.write_text("p edge 5 1\ne 1 2\n")
    err = _error(lambda p: read_dimacs(p, max_complement_edges=8), small)
    assert "9 edges" in str(err)
    assert read_dimacs(small, max_complement_edges=9).number_of_edges() == 9


def test_repeated_maxcut_edges_add_up_in_file_order(tmp_path):
    path = tmp_path / "rep.txt"
    path.write_text("# comment\n3 1 2\n1 2 1.5\n1 3 -1\n2 1 0.25\nc another\n")
    g = read_maxcut(path)
    assert list(g.nodes) == [3, 1, 2]
    assert list(g.edges(data="weight")) == [(3, 1, 1.0), (1, 2, 1.75)]
    over = tmp_path / "over.txt"
    over.write_text("1 2 1e308\n2 1 1e308\n")
    assert "too large" in str(_error(read_maxcut, over))


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Read in 61-byte blocks, so every block-boundary path runs on small files."""
    monkeypatch.setattr(_tokens, "BLOCK", 61)


def _graph_key(g):
    return list(g.nodes), list(g.edges(data=True))


@pytest.mark.parametrize("reader,name", [
    (read_dimacs, "mis/1dc.64.dimacs"), (read_dimacs, "mis/johnson8-2-4.clq"),
    (read_dimacs, "mis/hamming6-4.clq"), (read_maxcut, "maxcut/g05_60.0"),
    (read_maxcut, "maxcut/G1.txt"),
])
def test_block_size_does_not_change_graphs(instances, monkeypatch, reader, name):
    ref = _graph_key(reader(instances / name))
    monkeypatch.setattr(_tokens, "BLOCK", 61)
    assert _graph_key(reader(instances / name)) == ref


def test_block_size_does_not_change_tables(instances, tiny_blocks):
    inst = read_qaplib(instances / "qap" / "nug12.dat")
    assert inst.A.shape == (12, 12) and inst.optimum == 578
    assert count_mknap(instances / "mdkp" / "mknap1.txt") == 7
    assert read_mknap(instances / "mdkp" / "mknap1.txt", 2).optimum == pytest.approx(8706.1)


@pytest.mark.parametrize("reader,text,line", [
    (read_dimacs, "c pad pad pad pad pad pad pad pad\n" * 4 + "p edge 9 4\ne 1 2\ne 2 3\n"
     "e 3 4\ne 4 4\n", 9),
    (read_dimacs, "p edge 9 21\n" + "e 1 2\n" * 20 + "e 3 x\n", 22),
    (read_dimacs, "p edge 9 20\n" + "e 1 2\n" * 20 + "e 3 4\n", 22),
    (read_maxcut, "9 30\n" + "1 2 1\n" * 20 + "2 3 nan\n", 22),
    (read_maxcut, "1 2 1\n" * 20 + "# c\n" * 5 + "2 2 1\n", 26),
    (read_qaplib, "3\n" + "1 2 3\n" * 4 + "4 5 x\n" + "1 1 1\n", 6),
])
def test_errors_across_blocks_name_the_line(tmp_path, tiny_blocks, reader, text, line):
    path = tmp_path / "multi.txt"
    path.write_text(text)
    assert _error(reader, path).line == line


def test_long_lines(tmp_path, tiny_blocks):
    path = tmp_path / "long.dimacs"
    path.write_text("p edge 3 1\ne 1 2" + " " * 200 + "\n")
    assert "longer than 61 bytes" in str(_error(read_dimacs, path))
    qap = tmp_path / "long.dat"
    # rows longer than a block are read in pieces cut at whitespace
    qap.write_text("2 7\n" + ("1" + " " * 70 + "2\n") * 4)
    assert read_qaplib(qap).A.tolist() == [[1, 2], [1, 2]]
    # one long line holding the header and both matrices is misaligned: refused at line 1
    qap.write_text("2 7 " + " ".join(["1"] * 8) + "\n")
    assert "first line must hold n and the optimum alone" in str(_error(read_qaplib, qap))


def test_error_type_pickles(tmp_path):
    import pickle
    err = InstanceFormatError(tmp_path / "f.txt", 7, "bad")
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.line, str(again)) == (err.path, 7, str(err))


# -- every line is checked: nothing is re-paired across lines ------------------------------
@pytest.mark.parametrize("reader,name,text,line,msg", [
    # the audit's case: 6 numbers on 2 lines were read as 2 edges, the header one of them
    (read_maxcut, "g.txt", "3 1\n1 2 3 9\n", 2, "every edge line has the same form"),
    (read_maxcut, "g.txt", "1 2 3\n2 3\n3 1 1\n", 2, "every edge line has the same form"),
    (read_maxcut, "g.txt", "1 2 3 4\n2 3\n", 1, "expected 'i j w'"),
    (read_maxcut, "g.txt", "3 2\n1 2 1\n2 3 1 1\n", 3, "a number is missing or extra"),
    (read_dimacs, "g.dimacs", "p edge 3 2\ne 1 2 3\ne 2\n", 2, "expected 'e U V'"),
    (read_qaplib, "q.dat", "2\n1 2 3\n4\n5 6\n7 8\n", 2, "row 1 of the first matrix ends"),
    (read_qaplib, "q.dat", "2\n1 2\n3 4\n5\n6 7 8\n", 5, "row 1 of the second matrix ends"),
    (read_qaplib, "q.dat", "2\n1 2\n3 4 5 6\n7 8\n", 3, "row 2 of the first matrix ends and "
                                                        "row 1 of the second"),
    (read_qaplib_solution, "q.sln", "3 10 1 2 3\n", 1, "permutation must start on a new line"),
    (read_mknap, "mknap.txt", "1 2 1 0\n5 6\n1 2\n3\n", 1, "K, the number of problems"),
    (read_mknap, "mknap.txt", "1\n2 1 0 5\n6\n1 2\n3\n", 2, "'n m opt' line of problem 1"),
    (read_mknap, "mknap.txt", "1\n2 1 0\n5\n6 1 2\n3\n", 4, "profits of problem 1 ends"),
    (read_mknap, "mknap.txt", "1\n2 1 0\n5 6\n1\n2 3\n", 5, "the capacities starts"),
    (read_mknap, "mknap.txt", "2\n1 1 0\n5\n1\n3 1 1 0\n4\n1\n1\n", 5,
     "capacities of problem 1 end and problem 2 starts"),
    # dimod's LP reader took these as sums ('x + y <= 1', '2 + 3 x') or named no line
    (read_lp, "m.lp", "Minimize\n obj: x + y\nSubject To\n c1: x y <= 1\nBinary\n x y\nEnd\n",
     4, "'x' and 'y' stand side by side"),
    (read_lp, "m.lp", "Minimize\n obj: 2 3 x + y\nBinary\n x y\nEnd\n", 2,
     "'2' and '3' stand side by side"),
    (read_lp, "m.lp", "Minimize\n obj: x + y\nSubject To\n c1: x + y <= 1 2\nBinary\n x y\n"
                      "End\n", 4, "'1' and '2' stand side by side"),
    (read_lp, "m.lp", "Minimize\n obj: x\n + y\n z\nBinary\n x y z\nEnd\n", 4,
     "(after 'y' on line 3)"),
    (read_lp, "m.lp", "Minimize\n obj: x + y\nConstraints\n c1: x + y <= 1\nBinary\n x y\n"
                      "End\n", 3, "if 'Constraints' opens a section, its name is not one of"),
    (read_lp, "m.lp", "Minimize\n obj: x + y\nBinary\n x y\nEnd\nx + y\n", 6,
     "content after 'End'"),
])
def test_misaligned_lines_are_refused(tmp_path, reader, name, text, line, msg):
    path = tmp_path / name
    path.write_text(text)
    err = _error(reader, path)
    assert err.line == line and msg in str(err), str(err)


def test_lp_terms_that_are_fine(tmp_path):
    path = tmp_path / "ok.lp"
    path.write_text("Minimize\n obj: 2 x + 3 y\n - 1.5e-3 z + [ x * y + 2 x ^ 2 ] / 2\n"
                    "Subject To\n c1: x + y <= 1\n 2 x + y\n + z >= 1\n -x - y = -1\n"
                    "Binary\n x y z\nEnd\n")
    cqm = read_lp(path)
    assert len(cqm.constraints) == 3 and cqm.objective.quadratic[("y", "x")] == 0.5


def test_rows_may_wrap_over_lines(tmp_path):
    qap = tmp_path / "wrap.dat"
    qap.write_text("3\n\n1 2\n3\n4 5 6\n7\n8 9\n\n" + "0 0 0\n" * 3)
    assert read_qaplib(qap).A.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    mk = tmp_path / "mknap-wrap.txt"
    mk.write_text("1\n3 1 0\n5 6\n7\n1\n2 3\n4\n")
    inst = read_mknap(mk)
    assert inst.profits.tolist() == [5, 6, 7] and inst.weights.tolist() == [[1, 2, 3]]


# -- edge lists: 0-based, unweighted, networkx's own output --------------------------------
def _edges(g):
    return sorted((min(u, v), max(u, v), w) for u, v, w in g.edges(data="weight"))


@pytest.mark.parametrize("write", [
    lambda g, p: nx.write_weighted_edgelist(g, p),
    lambda g, p: nx.write_edgelist(g, p),  # data=True: 'u v {'weight': 2.5}'
    lambda g, p: nx.write_edgelist(g, p, data=["weight"]),
], ids=["weighted", "dict", "data-weight"])
def test_networkx_weighted_edge_lists_read_back(tmp_path, write):
    g = nx.Graph()
    g.add_weighted_edges_from([(0, 2, 1.0), (2, 3, 2.5), (3, 1, -1.0), (1, 0, 4.0)])
    path = tmp_path / "g.edgelist"
    write(g, path)
    got = read_maxcut(path)
    assert _edges(got) == _edges(g) and sorted(got.nodes) == [0, 1, 2, 3]


def test_networkx_unweighted_edge_list_reads_with_weight_one(tmp_path):
    g = nx.petersen_graph()
    path = tmp_path / "p.edgelist"
    nx.write_edgelist(g, path, data=False)
    got = read_maxcut(path)
    assert _edges(got) == sorted((min(u, v), max(u, v), 1.0) for u, v in g.edges)
    # write_edgelist with data=True and no attributes: '{}' means weight 1
    nx.write_edgelist(nx.path_graph(3), path)
    assert _edges(read_maxcut(path)) == [(0, 1, 1.0), (1, 2, 1.0)]


def test_header_with_zero_based_vertices(tmp_path):
    path = tmp_path / "zero.txt"
    path.write_text("3 2\n0 1 1\n1 2 1\n")
    assert sorted(read_maxcut(path).nodes) == [0, 1, 2]
    path.write_text("3 2\n1 2 1\n2 3 1\n")
    assert sorted(read_maxcut(path).nodes) == [1, 2, 3]
    err = _error(lambda p: read_maxcut(p, index_base=0), path)  # 0..2: vertex 3 is out
    assert err.line == 3 and "out of range 0..2" in str(err) and "index_base=0" in str(err)
    # both 0 and n: neither numbering fits
    path.write_text("3 2\n0 1 1\n2 3 1\n")
    err = _error(read_maxcut, path)
    assert err.line == 3 and "out of range 0..2" in str(err) and "vertex 0 appears" in str(err)
    # an explicit base: vertex 0 in a 1-based file is refused
    path.write_text("0 1 1\n1 2 1\n")
    err = _error(lambda p: read_maxcut(p, index_base=1), path)
    assert err.line == 1 and "vertex 0 in a 1-based file" in str(err)


def test_unweighted_file_whose_first_line_could_be_a_header(tmp_path):
    path = tmp_path / "amb.txt"
    path.write_text("3 2\n1 2\n1 3\n")  # a header (3 vertices, 2 edges) or a triangle?
    err = _error(read_maxcut, path)
    assert err.line == 1 and "ambiguous" in str(err) and "header=True" in str(err)
    assert _edges(read_maxcut(path, header=True)) == [(1, 2, 1.0), (1, 3, 1.0)]
    assert read_maxcut(path, header=True).number_of_nodes() == 3
    assert _edges(read_maxcut(path, header=False)) == [(1, 2, 1.0), (1, 3, 1.0), (2, 3, 1.0)]
    # not ambiguous when the first line cannot be a header (a vertex after it is above 3)
    path.write_text("3 2\n1 2\n1 4\n")
    assert read_maxcut(path).number_of_edges() == 3
    # a lone line of two numbers is a header whose edges are missing, with a hint
    path.write_text("0 1\n")
    err = _error(read_maxcut, path)
    assert "header=False" in str(err)
    assert _edges(read_maxcut(path, header=False)) == [(0, 1, 1.0)]


@pytest.mark.parametrize("text,line,msg", [
    ("0 1 {'weight': 'heavy'}\n", 1, "weight of edge (0, 1) must be a number"),
    ("0 1 {'weight': nope}\n", 1, "Python dictionary of edge attributes"),
    ("0 1 {'weight': 1}\n1 2 3\n", 2, "every edge line has the same form"),
    ("a b 1\n", 1, "integer vertices"),
    ("1 -2 1\n", 1, "out of range"),
])
def test_edge_list_contents(tmp_path, text, line, msg):
    path = tmp_path / "e.txt"
    path.write_text(text)
    err = _error(read_maxcut, path)
    assert err.line == line and msg in str(err), str(err)


def test_problem_type_of_txt_and_edge_list_files(tmp_path):
    from dimod_shrink.problems.loader import infer_problem
    knap = tmp_path / "demo.txt"  # an OR-Library file not named mknap*
    knap.write_text("1\n2 1 0\n5 6\n1 2\n3\n")
    edges = tmp_path / "graph.txt"
    edges.write_text("# networkx\n0 1 2.0\n1 2 1.0\n")
    nx_file = tmp_path / "g.edgelist"
    nx_file.write_text("0 1\n")
    prose = tmp_path / "notes.txt"
    prose.write_text("some notes\n")
    assert [infer_problem(p) for p in (knap, edges, nx_file)] == ["mdkp", "maxcut", "maxcut"]
    with pytest.raises(ValueError, match="cannot infer the problem type of 'notes.txt'"):
        infer_problem(prose)
    assert load_problem(edges).kind == "maxcut" and load_problem(knap).kind == "mdkp"
