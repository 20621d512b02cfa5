"""Reference optima of the shared benchmark instances (see ../shared/instances/README.md)."""

MIS_ALPHA = {
    "1dc.64.dimacs": 10, "1dc.128.dimacs": 16, "1dc.256.dimacs": 30,
    "1tc.64.dimacs": 20, "1tc.128.dimacs": 38, "1et.64.dimacs": 18, "1et.128.dimacs": 28,
    "1zc.128.dimacs": 18, "1zc.256.dimacs": 36,
    "johnson8-2-4.clq": 4, "johnson8-4-4.clq": 14, "hamming6-2.clq": 32, "hamming6-4.clq": 4,
    "MANN_a9.clq": 16, "keller4.clq": 11, "C125.9.clq": 34, "c-fat200-1.clq": 12,
}

# the header of esc8f.dat says 18; its optimum is 6
QAP_CORRECTIONS = {"esc8f": 6}

SLOANE = ["1dc.64.dimacs", "1dc.128.dimacs", "1dc.256.dimacs", "1tc.64.dimacs",
          "1tc.128.dimacs", "1et.64.dimacs", "1et.128.dimacs", "1zc.128.dimacs",
          "1zc.256.dimacs"]

QAP_SMALL = ["nug5", "nug6", "nug7", "nug8", "tai5a", "tai6a", "tai7a", "tai8a", "tai9a",
             "tai10a", "tai11a", "tai12a", "esc8a", "esc8b", "esc8c", "esc8d", "esc8e", "esc8f",
             "lipa10a", "lipa10b", "rou10", "scr10", "tai10b", "chr12a", "had12", "nug12",
             "rou12", "scr12"]
