"""Fuzzing the instance readers: random bytes, truncated files and random numbers.

Every case must end, within the deadline, in either an
:class:`~dimod_shrink.io.InstanceFormatError` that names the file, or a model
that agrees with the file's contents.
"""

import functools
import math
from datetime import timedelta
from pathlib import Path

import dimod
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dimod_shrink.io import (InstanceFormatError, read_dimacs, read_lp, read_maxcut, read_mknap,
                             read_qaplib, read_qaplib_solution)
from dimod_shrink.problems import load_problem

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "data"

FUZZ = settings(max_examples=25, deadline=timedelta(seconds=5), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.large_base_example])

# reader, file suffix, load_problem's name for the format
READERS = {
    "dimacs": (read_dimacs, ".dimacs", "mis"),
    "clq": (read_dimacs, ".clq", "mis"),
    "maxcut": (read_maxcut, ".txt", "maxcut"),
    "mknap": (read_mknap, ".txt", "mdkp"),
    "qaplib": (lambda p: read_qaplib(p, solution=None), ".dat", "qap"),
    "sln": (read_qaplib_solution, ".sln", None),
    "lp": (read_lp, ".lp", "cqm"),
}

# valid files to truncate: (format, folder, name); folder None = examples/data
VALID = [
    ("dimacs", None, "petersen.dimacs"), ("mknap", None, "mknap-demo.txt"),
    ("qaplib", None, "qap6.dat"), ("lp", None, "assignment.lp"),
    ("dimacs", "mis", "1dc.64.dimacs"), ("clq", "mis", "johnson8-2-4.clq"),
    ("clq", "mis", "hamming6-4.clq"), ("maxcut", "maxcut", "g05_60.0"),
    ("maxcut", "maxcut", "G1.txt"), ("mknap", "mdkp", "mknap1.txt"),
    ("qaplib", "qap", "nug5.dat"), ("qaplib", "qap", "chr12a.dat"),
    ("sln", "qap", "nug12.sln"),
]


def _source(request, folder, name):
    if folder is None:
        return EXAMPLES / name
    return request.getfixturevalue("instances") / folder / name  # skips when absent


def _outcome(call, path):
    """Run ``call(path)``; return the model, or ``None`` after checking the error is clear."""
    try:
        return call(path)
    except InstanceFormatError as exc:
        assert str(path) in str(exc), str(exc)
        assert exc.path == str(path)
        assert exc.line is None or exc.line >= 1
        return None


# -- checks that a model agrees with its file ----------------------------------------------
def _numbers(text):
    return [float(t) for t in text.split()]


def _check_graph(g, fmt):
    assert isinstance(g, nx.Graph) and g.number_of_nodes() >= 1
    # DIMACS numbers vertices from 1; an edge list may be 0-based (networkx writes those)
    assert all(isinstance(v, int) and v >= (0 if fmt == "maxcut" else 1) for v in g.nodes)
    assert nx.number_of_selfloops(g) == 0
    if fmt == "maxcut":
        assert g.number_of_edges() >= 1
        assert all(math.isfinite(w) for _, _, w in g.edges(data="weight"))


def _check_model(fmt, model, text):
    """Structural checks, and values checked against the file's numbers where simple."""
    if fmt in ("dimacs", "clq", "maxcut"):
        _check_graph(model, fmt)
    elif fmt == "mknap":
        nums = _numbers(text)
        n, m = int(nums[1]), int(nums[2])
        assert model.profits.tolist() == nums[4:4 + n]
        assert model.weights.ravel().tolist() == nums[4 + n:4 + n + n * m]
        assert model.capacities.tolist() == nums[4 + n + n * m:4 + n + n * m + m]
    elif fmt == "qaplib":
        nums = _numbers(text)
        n = model.A.shape[0]
        assert model.A.shape == model.B.shape == (n, n)
        assert np.concatenate([model.A.ravel(), model.B.ravel()]).tolist() == nums[-2 * n * n:]
    elif fmt == "sln":
        n, value, perm = model
        assert sorted(perm.tolist()) == list(range(n)) and math.isfinite(value)
    elif fmt == "lp":
        assert isinstance(model, dimod.ConstrainedQuadraticModel) and model.variables
        assert all(model.vartype(v) is dimod.BINARY for v in model.variables)


def _same(fmt, a, b):
    if fmt in ("dimacs", "clq", "maxcut"):
        return list(a.nodes) == list(b.nodes) and \
            list(a.edges(data=True)) == list(b.edges(data=True))
    if fmt == "mknap":
        return all((getattr(a, k) == getattr(b, k)).all()
                   for k in ("profits", "weights", "capacities"))
    if fmt == "qaplib":
        return (a.A == b.A).all() and (a.B == b.B).all()
    if fmt == "sln":
        return a[0] == b[0] and a[1] == b[1] and (a[2] == b[2]).all()
    return a.is_equal(b)


@functools.lru_cache(maxsize=None)
def _full(fmt, src):
    return READERS[fmt][0](src)


# -- random bytes --------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", sorted(READERS))
@FUZZ
@given(data=st.one_of(st.binary(max_size=3000),
                      st.binary(max_size=200).map(lambda b: b"p edge 5 2\ne 1 2\n" + b),
                      st.binary(max_size=200).map(lambda b: b"Minimize\n obj: x\n" + b)))
def test_random_bytes(tmp_path, fmt, data):
    reader, suffix, _ = READERS[fmt]
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    model = _outcome(reader, path)
    if model is not None:
        _check_model(fmt, model, data.decode("utf-8"))


# -- truncated valid files -----------------------------------------------------------------
@pytest.mark.parametrize("fmt,folder,name", VALID, ids=[v[2] for v in VALID])
@FUZZ
@given(cut=st.floats(0, 1))
def test_truncated_files(tmp_path, request, fmt, folder, name, cut):
    src = _source(request, folder, name)
    reader = READERS[fmt][0]
    full = src.read_bytes()
    prefix = full[:int(cut * len(full))]
    path = tmp_path / src.name
    path.write_bytes(prefix)
    model = _outcome(reader, path)
    if model is None:
        return
    text = prefix.decode("utf-8")
    _check_model(fmt, model, text)
    whole, part = full.decode("utf-8").split(), text.split()
    if part == whole or _same(fmt, model, _full(fmt, src)):
        return  # only trailing whitespace, comments or ignored lines were cut
    if fmt == "maxcut" and name == "G1.txt":
        # no header: a file cut between lines is a smaller graph; check it is that graph
        ref = _full(fmt, src)
        lines = [ln.split() for ln in text.splitlines()]
        assert model.number_of_edges() == len(lines)
        for u, v, w in list(model.edges(data="weight"))[:-1]:
            assert ref[u][v]["weight"] == w
    else:
        # a format with counts accepts a cut file only when the cut falls inside the last
        # number (e.g. "12" -> "1"), which no reader can tell from a shorter number
        assert len(part) == len(whole) and part[:-1] == whole[:-1]
        assert whole[-1].startswith(part[-1])


# -- random numbers ------------------------------------------------------------------------
small = st.integers(0, 30)
numbers = st.lists(st.one_of(small, small, st.integers(-5, 10 ** 6),
                             st.floats(allow_nan=True, allow_infinity=True)),
                   min_size=0, max_size=80)


@pytest.mark.parametrize("fmt", sorted(READERS))
@FUZZ
@given(nums=numbers, per_line=st.integers(1, 6))
def test_random_numbers(tmp_path, fmt, nums, per_line):
    reader, suffix, _ = READERS[fmt]
    toks = [repr(x) if isinstance(x, float) else str(x) for x in nums]
    text = "\n".join(" ".join(toks[i:i + per_line]) for i in range(0, len(toks), per_line))
    path = tmp_path / f"nums{suffix}"
    path.write_text(text)
    model = _outcome(reader, path)
    if model is not None:
        _check_model(fmt, model, text)


# -- load_problem on the same inputs -------------------------------------------------------
@FUZZ
@given(fmt=st.sampled_from(["dimacs", "clq", "maxcut", "mknap", "qaplib", "lp"]),
       data=st.one_of(st.binary(max_size=500),
                      st.lists(st.integers(0, 12), max_size=40).map(
                          lambda xs: " ".join(map(str, xs)).encode())))
def test_load_problem_random(tmp_path, fmt, data):
    _, suffix, problem = READERS[fmt]
    path = tmp_path / f"load{suffix}"
    path.write_bytes(data)
    model = _outcome(lambda p: load_problem(p, problem), path)
    if model is not None:
        assert model.build_bqm().num_variables >= 1


# the small files only: building the larger models dominates the time, and their readers
# are fuzzed above
LOADABLE = [v for v in VALID if v[0] != "sln" and v[2] not in (
    "G1.txt", "1dc.64.dimacs", "hamming6-4.clq", "chr12a.dat", "mknap1.txt")]


@pytest.mark.parametrize("fmt,folder,name", LOADABLE, ids=[v[2] for v in LOADABLE])
@FUZZ
@given(cut=st.floats(0, 1))
def test_load_problem_truncated(tmp_path, request, fmt, folder, name, cut):
    src = _source(request, folder, name)
    full = src.read_bytes()
    path = tmp_path / src.name
    path.write_bytes(full[:int(cut * len(full))])
    model = _outcome(lambda p: load_problem(p, READERS[fmt][2]), path)
    if model is not None:
        assert model.build_bqm().num_variables >= 1


# -- generated valid files, in any layout and block size, read back exactly -----------------
BLOCKS = st.sampled_from([40, 57, 128, 1 << 20])


def _layout(draw, lines, marks):
    """Insert comment and blank lines anywhere, pick the line ending."""
    extras = draw(st.lists(st.tuples(st.integers(0, len(lines)), st.sampled_from(marks + [""]),
                                     st.integers(0, 12)), max_size=8))
    out = list(lines)
    for at, mark, width in sorted(extras, reverse=True):
        out.insert(at, f"{mark} {'x' * width}" if mark else "")
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(out) + (end if draw(st.booleans()) else "")


def _read_with_block(reader, path, block):
    import dimod_shrink.io._tokens as tokens
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "BLOCK", block)
        return _outcome(reader, path)


def _error_with_block(reader, path, block):
    """The :class:`InstanceFormatError` that ``reader`` raises on ``path`` in ``block`` bytes."""
    import dimod_shrink.io._tokens as tokens
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "BLOCK", block)
        with pytest.raises(InstanceFormatError) as info:
            reader(path)
    assert info.value.path == str(path)
    return info.value


def _pairs(n):
    """Ordered pairs of distinct vertices of ``1..n``."""
    return st.tuples(st.integers(1, n), st.integers(1, n - 1)).map(
        lambda t: (t[0], (t[0] + t[1] - 1) % n + 1))


@st.composite
def dimacs_files(draw):
    n = draw(st.integers(1, 25))
    edges = draw(st.lists(_pairs(n), max_size=40)) if n > 1 else []
    lines = [f"p edge {n} {len(edges)}"] + [f"e {u} {v}" for u, v in edges]
    lines += [f"n {v} 1" for v in draw(st.lists(st.integers(1, n), max_size=3))]
    return n, edges, _layout(draw, lines, ["c"])


@pytest.mark.parametrize("suffix", [".dimacs", ".clq"])
@FUZZ
@given(case=dimacs_files(), block=BLOCKS, drop=st.integers(0, 10 ** 6))
def test_generated_dimacs(tmp_path, suffix, case, block, drop):
    n, edges, text = case
    path = tmp_path / f"gen{suffix}"
    path.write_text(text, newline="")
    ref = nx.Graph()
    ref.add_nodes_from(range(1, n + 1))
    ref.add_edges_from(edges)
    if suffix == ".clq":
        ref = nx.complement(ref)
    got = _read_with_block(read_dimacs, path, block)
    assert got is not None and _same("dimacs", got, ref)
    # a file missing one token of an 'e' or 'p' line is refused
    lines = text.splitlines(keepends=True)
    data = [k for k, ln in enumerate(lines) if ln.split() and ln.split()[0] in ("e", "p")]
    k = data[drop % len(data)]
    toks = lines[k].split()
    lines[k] = " ".join(toks[:-1]) + "\n"
    path.write_text("".join(lines), newline="")
    assert _read_with_block(read_dimacs, path, block) is None


weights = st.one_of(st.integers(-9, 9), st.floats(-1e6, 1e6, allow_nan=False))


@st.composite
def maxcut_files(draw):
    n = draw(st.integers(2, 25))
    edges = draw(st.lists(st.tuples(_pairs(n), weights), min_size=1, max_size=40))
    header = draw(st.booleans())
    lines = ([f"{n} {len(edges)}"] if header else []) + \
        [f"{u} {v} {w!r}" for (u, v), w in edges]
    return n if header else None, edges, _layout(draw, lines, ["#", "c"])


@FUZZ
@given(case=maxcut_files(), block=BLOCKS, drop=st.integers(0, 10 ** 6))
def test_generated_maxcut(tmp_path, case, block, drop):
    n, edges, text = case
    path = tmp_path / "gen.txt"
    path.write_text(text, newline="")
    ref = nx.Graph()
    if n:
        ref.add_nodes_from(range(1, n + 1))
    for (u, v), w in edges:  # repeated edges add up, in file order
        prev = ref.get_edge_data(u, v, {"weight": 0.0})["weight"]
        ref.add_edge(u, v, weight=prev + float(w))
    got = _read_with_block(read_maxcut, path, block)
    assert got is not None and _same("maxcut", got, ref)
    if n:  # with a header the counts are checked: a missing token is refused
        lines = text.splitlines(keepends=True)
        data = [k for k, ln in enumerate(lines) if ln.split() and ln.split()[0][0] not in "#c"]
        k = data[drop % len(data)]
        lines[k] = " ".join(lines[k].split()[:-1]) + "\n"
        path.write_text("".join(lines), newline="")
        assert _read_with_block(read_maxcut, path, block) is None


def _rows(draw, rows):
    """Lay out rows of numbers: each row starts on a new line and may wrap anywhere."""
    lines = []
    for row in rows:
        k = 0
        while k < len(row):
            step = draw(st.integers(1, 7))
            lines.append(" ".join(map(str, row[k:k + step])))
            k += step
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
    return lines


@st.composite
def table_files(draw):
    """A QAPLIB file (``n [opt]``, A, B): each row on a new line, wrapped at random."""
    n = draw(st.integers(1, 5))
    vals = draw(st.lists(st.integers(0, 99), min_size=2 * n * n, max_size=2 * n * n))
    opt = draw(st.one_of(st.none(), st.integers(0, 999)))
    body = _rows(draw, [vals[k:k + n] for k in range(0, 2 * n * n, n)])
    first = f"{n}" if opt is None else f"{n} {opt}"
    return n, opt, vals, "\n".join([first] + body) + "\n"


@FUZZ
@given(case=table_files(), block=BLOCKS, drop=st.integers(0, 10 ** 6))
def test_generated_qaplib(tmp_path, case, block, drop):
    n, opt, vals, text = case
    path = tmp_path / "gen.dat"
    path.write_text(text)
    got = _read_with_block(lambda p: read_qaplib(p, solution=None), path, block)
    assert got is not None and got.optimum == opt
    assert got.A.ravel().tolist() == vals[:n * n] and got.B.ravel().tolist() == vals[n * n:]
    # two rows (or the header and a row) on one line: misaligned, refused naming the line
    head = 1 if opt is None else 2
    rows = [vals[k:k + n] for k in range(0, 2 * n * n, n)]
    lines = [" ".join(map(str, text.split()[:head]))] + [" ".join(map(str, r)) for r in rows]
    at = drop % (len(lines) - 1)
    lines[at:at + 2] = [lines[at] + " " + lines[at + 1]]
    path.write_text("\n".join(lines) + "\n")
    bad = _error_with_block(lambda p: read_qaplib(p, solution=None), path, block)
    if at > 0 or opt is not None:  # (else 'n' and a row read as 'n opt': counts are off)
        assert bad.line == at + 1, str(bad)
        assert "starts on this line" in str(bad) or "alone" in str(bad), str(bad)
    toks = text.split()
    del toks[head + drop % (len(toks) - head)]  # any number of the matrices
    path.write_text(" ".join(toks[:head]) + "\n" + " ".join(toks[head:]) + "\n")
    assert _read_with_block(lambda p: read_qaplib(p, solution=None), path, block) is None


@st.composite
def mknap_files(draw):
    """An OR-Library mknap file with K problems: each header alone on its line, each row
    (profits, weights, capacities) on a new line, wrapped at random."""
    probs = []
    for _ in range(draw(st.integers(1, 3))):
        n, m = draw(st.integers(1, 5)), draw(st.integers(1, 3))
        nums = draw(st.lists(st.integers(0, 99), min_size=n + n * m + m,
                             max_size=n + n * m + m))
        probs.append((n, m, draw(st.integers(0, 999)), nums))
    lines = [str(len(probs))]
    for n, m, opt, nums in probs:
        lines.append(f"{n} {m} {opt}")
        lines += _rows(draw, [nums[k:k + n] for k in range(0, n + n * m, n)]
                       + [nums[n + n * m:]])
    return probs, "\n".join(lines) + "\n"


@FUZZ
@given(case=mknap_files(), block=BLOCKS, drop=st.integers(0, 10 ** 6))
def test_generated_mknap(tmp_path, case, block, drop):
    probs, text = case
    path = tmp_path / "mknap-gen.txt"
    path.write_text(text)
    for k, (n, m, opt, nums) in enumerate(probs, 1):
        got = _read_with_block(lambda p: read_mknap(p, k), path, block)
        assert got is not None and got.optimum == (opt or None)
        assert got.profits.tolist() == nums[:n]
        assert got.weights.ravel().tolist() == nums[n:n + n * m]
        assert got.capacities.tolist() == nums[n + n * m:]
    # one number fewer in the last problem's data: its declared sizes no longer fit
    toks = text.split()
    n, m = probs[-1][:2]
    size = n + n * m + m
    del toks[len(toks) - size + drop % size]
    path.write_text(" ".join(toks) + "\n")
    assert _read_with_block(read_mknap, path, block) is None
    # the same numbers with one moved from the end of a line to the start of the next: the
    # rows no longer start their lines (a silent re-pairing before); refused naming the line
    lines = [str(len(probs))]
    for n, m, opt, nums in probs:
        lines.append(f"{n} {m} {opt}")
        lines += [" ".join(map(str, nums[k:k + n])) for k in range(0, n + n * m, n)]
        lines.append(" ".join(map(str, nums[n + n * m:])))
    at = drop % (len(lines) - 1)
    head = lines[at].split()
    lines[at] = " ".join(head[:-1])
    lines[at + 1] = head[-1] + " " + lines[at + 1]
    path.write_text("\n".join(lines) + "\n")
    bad = _error_with_block(read_mknap, path, block)
    assert bad.line == at + 2, str(bad)
    assert "starts on this line" in str(bad) or "alone" in str(bad), str(bad)


# -- edge lists as networkx writes them, and misaligned edge lines -------------------------
@st.composite
def nx_graphs(draw):
    n = draw(st.integers(2, 12))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          min_size=1, max_size=25))
    g = nx.Graph()
    for u, v in pairs:
        if u != v:
            g.add_edge(u, v, weight=draw(weights))
    return g


WRITERS = {
    "weighted": lambda g, p: nx.write_weighted_edgelist(g, p),
    "dict": lambda g, p: nx.write_edgelist(g, p),
    "data-weight": lambda g, p: nx.write_edgelist(g, p, data=["weight"]),
    "unweighted": lambda g, p: nx.write_edgelist(g, p, data=False),
}


@FUZZ
@given(g=nx_graphs(), how=st.sampled_from(sorted(WRITERS)), block=BLOCKS)
def test_networkx_edge_lists_read_back(tmp_path, g, how, block):
    """networkx's own output (0-based, weighted or not) reads back as the same graph, or,
    for an unweighted file whose first line could be an 'n m' header, is refused as
    ambiguous (and reads back with header=False)."""
    if g.number_of_edges() == 0:
        return
    path = tmp_path / "g.edgelist"
    WRITERS[how](g, path)
    want = sorted((min(u, v), max(u, v), 1.0 if how == "unweighted" else float(w))
                  for u, v, w in g.edges(data="weight"))
    if how == "unweighted" and g.number_of_edges() == 1:
        got = _read_with_block(lambda p: read_maxcut(p, header=False), path, block)
    else:
        got = _read_with_block(read_maxcut, path, block)
        if got is None:  # refused: only the documented ambiguity may do that
            err = _error_with_block(read_maxcut, path, block)
            assert how == "unweighted" and "ambiguous" in str(err) and err.line == 1, str(err)
            got = _read_with_block(lambda p: read_maxcut(p, header=False), path, block)
    assert got is not None
    assert sorted((min(u, v), max(u, v), w) for u, v, w in got.edges(data="weight")) == want


@FUZZ
@given(case=maxcut_files(), block=BLOCKS, drop=st.integers(0, 10 ** 6))
def test_a_number_moved_to_the_next_line_is_refused(tmp_path, case, block, drop):
    """Moving one number from a line to the next keeps the count a multiple of 3: the
    whole-file token stream used to re-pair it silently.  Now one of the two lines is
    named."""
    n, edges, text = case
    lines = text.splitlines()
    data = [k for k, ln in enumerate(lines) if ln.split() and ln.split()[0][0] not in "#c"]
    if len(data) < 2:
        return
    i = drop % (len(data) - 1)
    a, b = data[i], data[i + 1]
    toks = lines[a].split()
    lines[a] = " ".join(toks[:-1])
    lines[b] = toks[-1] + " " + lines[b]
    path = tmp_path / "moved.txt"
    path.write_text("\n".join(lines) + "\n")
    err = _error_with_block(read_maxcut, path, block)
    assert err.line in (a + 1, b + 1), str(err)
