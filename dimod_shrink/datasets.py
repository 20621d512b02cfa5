"""Public benchmark instances, downloaded on first use and cached.

In the style of :mod:`sklearn.datasets`: :func:`fetch` returns the local path
of a named instance, downloading it the first time into the user's cache
folder and checking its SHA-256 against the one recorded here.

>>> from dimod_shrink import datasets
>>> datasets.get("qaplib:nug12").files[0].path
'qap/nug12.dat'
>>> "sloane:1dc.64" in datasets.names()
True

Names are ``KIND:NAME`` (``qaplib:nug12``, ``orlib:mknapcb1``,
``sloane:1dc.64``); a bare ``NAME`` works where only one kind has it.  The
kinds:

========== ===================================================================
kind       collection
========== ===================================================================
orlib      OR-Library multidimensional knapsack (J. E. Beasley)
qaplib     QAPLIB instances with their solutions (Burkard, Karisch, Rendl)
smallqap   small QAP instances outside QAPLIB (``.dat`` with ``n opt``)
dimacs     second DIMACS challenge clique graphs, with vertex weights
sloane     N. J. A. Sloane's code graphs, built here from their definition
biqmac     Biq Mac library ``rudy`` graphs (and the BiqBin optima)
gset       G-set Max-Cut graphs (Y. Ye), without the header line
========== ===================================================================

The cache keeps the layout of the instance folder the tests and benchmarks
read (``mdkp/``, ``qap/``, ``mis/``, ``maxcut/``), so it can serve as that
folder: ``DIMOD_SHRINK_INSTANCES=$(python -m dimod_shrink fetch --where)``.

Where the files come from
-------------------------
The recorded checksums are those of the files of the project's instance
collection.  Those are public copies, not always byte-identical to the
collection's home page (QAPLIB's files are re-spaced, the G-set copies lack
the header line, the DIMACS graphs carry vertex weights), so each file is
downloaded from a public copy pinned to a commit, checked to hold exactly
those bytes (OR-Library's own ``mknap1.txt`` and ``mknapcb1.txt`` are tried
first); the home page of every collection is recorded beside it
(:attr:`Dataset.home`) and printed by ``dimod-shrink fetch --list``.
Sloane's graphs are built here from their coding-theory definition (no
download).  One file, ``biqmac:biqbin-results`` (the optima of the BiqBin
runs, compiled from its output files), has no public copy: it is listed but
cannot be fetched.

Environment
-----------
``DIMOD_SHRINK_DATA``
    the cache folder (default: ``$XDG_CACHE_HOME/dimod-shrink``, i.e.
    ``~/.cache/dimod-shrink`` on Linux; ``~/Library/Caches/dimod-shrink`` on
    macOS; ``%LOCALAPPDATA%\\dimod-shrink\\Cache`` on Windows).
``DIMOD_SHRINK_MIRROR``
    a base URL (``https://host/instances``, ``file:///srv/instances``) with
    the instance folder's layout; when set, every file is downloaded from
    ``MIRROR/<folder>/<file>`` instead, and checked the same way.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Dataset", "DataFile", "DatasetError", "UnknownDatasetError", "DownloadError",
           "ChecksumError", "NotFetchableError", "KINDS", "HOMES", "COPIES", "FETCH_ALL",
           "get_data_home", "names", "get", "datasets", "fetch", "fetch_all", "is_cached",
           "cached_path", "cached_folder", "looks_like_name", "sloane_graph"]

KINDS = ("orlib", "qaplib", "smallqap", "dimacs", "sloane", "biqmac", "gset")
"""The collections, in the order ``--list`` shows them."""

HOMES = {
    "orlib": "http://people.brunel.ac.uk/~mastjjb/jeb/orlib/mknapinfo.html",
    "qaplib": "https://coral.ise.lehigh.edu/data-sets/qaplib/",
    "smallqap": "https://github.com/0816keisuke/qaplib",
    "dimacs": "http://archive.dimacs.rutgers.edu/pub/challenge/graph/benchmarks/clique/",
    "sloane": "http://neilsloane.com/doc/graphs.html",
    "biqmac": "http://biqmac.aau.at/biqmaclib.html",
    "gset": "https://web.stanford.edu/~yyye/yyye/Gset/",
}
"""The home page of each collection: where its files are described and first published."""

_ORLIB_FILES = "http://people.brunel.ac.uk/~mastjjb/jeb/orlib/files/"
_RAW = "https://raw.githubusercontent.com/"
COPIES = {
    "knapsack-ga": _RAW + "it23750760/Knapsack-GA/acafc81ef0f2d522c7551ee5aade6549bfd9487f/",
    "memetic": _RAW + "talentam/AI_method_memetic_algorithm/"
                      "7261e27aa87913cb8284ebab5dda4bd43533e64f/",
    "qaplib-copy": _RAW + "0816keisuke/qaplib/9045465b65c25230d3235f81aced5cb090a03c62/",
    "clique": _RAW + "jamestrimble/max-weight-clique-instances/"
                     "a0fd6b631136255807a98727b496a09a65b3301d/",
    "biqbin": _RAW + "Rudolfovoorg/serial_biqbin_maxcut/"
                     "3f8c2af52860aa266b99e6e44412910880ace526/",
    "mlqaoa": _RAW + "bachbao/MLQAOA/41ba8b8b31185e620254293db9ec9fb3da79b280/",
}
"""The public copies the files are downloaded from, each pinned to a commit."""

_ENV_DATA = "DIMOD_SHRINK_DATA"
_ENV_MIRROR = "DIMOD_SHRINK_MIRROR"
FETCH_ALL = "python -m dimod_shrink fetch --all"
"""The command that fills the cache with every instance that can be fetched."""


# -- errors --------------------------------------------------------------------------------------

class DatasetError(Exception):
    """A named instance that cannot be had; the message says what to do."""


class UnknownDatasetError(DatasetError, ValueError):
    """No registered instance has this name."""


class NotFetchableError(DatasetError, ValueError):
    """The instance is registered but has no public copy to download."""


class DownloadError(DatasetError, OSError):
    """Every source of a file failed (offline, unreachable, HTTP error)."""


class ChecksumError(DatasetError, ValueError):
    """A downloaded (or built) file does not have the recorded SHA-256; it is not kept."""


# -- the registry --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataFile:
    """One file of an instance.

    Attributes:
        path: Its path in the instance folder (and in the cache), ``"qap/nug12.dat"``.
        sha256: The SHA-256 of its bytes.
        urls: Where to download exactly these bytes, tried in order.
        build: Sloane graph name when the file is built here instead.
    """

    path: str
    sha256: str
    urls: tuple[str, ...] = ()
    build: str | None = None

    @property
    def fetchable(self) -> bool:
        return bool(self.urls) or self.build is not None


@dataclass(frozen=True)
class Dataset:
    """A named instance: its files (the first is the one to solve) and its collection."""

    kind: str
    name: str
    files: tuple[DataFile, ...]
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def home(self) -> str:
        return HOMES[self.kind]

    @property
    def fetchable(self) -> bool:
        return all(f.fetchable for f in self.files)

_TABLE = (
    ("orlib", "mknap1", (
        ("mdkp/mknap1.txt", "knapsack-ga:mknap1.txt",
         "1e147ca351fbbfacebbd42059ea2700365ca71724ae48296d22c41a4b0755ff3"),
    )),
    ("orlib", "mknapcb1", (
        ("mdkp/mknapcb1.txt", "memetic:mknapcb1.txt",
         "04acfbfd6f7cd1e35cff2bcdbbad8b6adfce0eeedb2a63f4cc4c75a74a137876"),
    )),
    ("orlib", "best-feasible-slns", (
        ("mdkp/best-feasible-slns.txt", "memetic:best-feasible-slns.txt",
         "b7965362550910ce93220f0522a0f5dbd7e6e3ea30640576ba1359a4ddfe9607"),
    )),
    ("orlib", "file-format", (
        ("mdkp/file-format.txt", "memetic:file-format.txt",
         "5b891d624aa47b55c58783918fea874dc17a73406fffdb83689c0f81dd90efab"),
    )),
    ("qaplib", "chr12a", (
        ("qap/chr12a.dat", "qaplib-copy:instance/chr12a/chr12a.txt",
         "2dfb8b92a112150f9ad543e7839011fe7edb776f5bee0e341c7ce7c2facfb39b"),
        ("qap/chr12a.sln", "qaplib-copy:instance/chr12a/solution.txt",
         "f38611f1fd245b5a6b5df7780cbc241fa921e5ebd8b0ba3e478f9b5debb21ba4"),
    )),
    ("qaplib", "had12", (
        ("qap/had12.dat", "qaplib-copy:instance/had12/had12.txt",
         "e6ec8531fb8dfec1760cc9ba6abe31eb8a1c281a7090792557126bd8900b9853"),
        ("qap/had12.sln", "qaplib-copy:instance/had12/solution.txt",
         "960dab436695d640db4f7025078c2bb0d88e71026436baed9da7ebd4a99096aa"),
    )),
    ("qaplib", "nug12", (
        ("qap/nug12.dat", "qaplib-copy:instance/nug12/nug12.txt",
         "968bc950f443c56f2ee698c56c7424eae114e5c1c5493f3629e67a978732d305"),
        ("qap/nug12.sln", "qaplib-copy:instance/nug12/solution.txt",
         "290db66fe472a2e32406dcdf6a5e53632c630e0feab3bfcb3e3a2ce48076b376"),
    )),
    ("qaplib", "rou12", (
        ("qap/rou12.dat", "qaplib-copy:instance/rou12/rou12.txt",
         "481ff84b6acd6d5b96d49470d070a630b2230fa32979e5bb4a8a51f9bc9b3638"),
        ("qap/rou12.sln", "qaplib-copy:instance/rou12/solution.txt",
         "061dcfec8553d257dde126c4a6b9d34c2daf65cdf6e853d4e472ed004adc6c21"),
    )),
    ("qaplib", "scr12", (
        ("qap/scr12.dat", "qaplib-copy:instance/scr12/scr12.txt",
         "bf675793d00591bcecf758b0f4bfc21344a1bad9eb79317093492241473cb3f0"),
        ("qap/scr12.sln", "qaplib-copy:instance/scr12/solution.txt",
         "e45c7d36280b5ca7104d8a2d82fe3603f5d2d60f4dc29de1aabc2200c0d7d31c"),
    )),
    ("qaplib", "tai12a", (
        ("qap/tai12a.dat", "qaplib-copy:instance/tai12a/tai12a.txt",
         "a09c05a5781c5da6ba5f2243d5c9e87f163449b153e3b6d43ee9cab8253918e5"),
        ("qap/tai12a.sln", "qaplib-copy:instance/tai12a/solution.txt",
         "f3e9e8e64e16ae819a682e1bf22d785e231d74ff598e3ad78a935e0e9e2871e0"),
    )),
    ("qaplib", "nug20", (
        ("qap/nug20.dat", "qaplib-copy:instance/nug20/nug20.txt",
         "11025aad9c720ef1726c22420dd534f272e3c480584c617638307739ecfad76d"),
        ("qap/nug20.sln", "qaplib-copy:instance/nug20/solution.txt",
         "609e4374a0e78da1a2828130b2ab9b3e7d3decaab2d8a887acce43e5b977bed7"),
    )),
    ("qaplib", "tai20a", (
        ("qap/tai20a.dat", "qaplib-copy:instance/tai20a/tai20a.txt",
         "f10601ac426cf4fa8468cb5b06c356f3d71bbc89e11659cd4ed4cbb81e8207bd"),
        ("qap/tai20a.sln", "qaplib-copy:instance/tai20a/solution.txt",
         "5c9cc4fc5a4f3b5441c4b01eccc41c3e6e058cb48d2829b9a7a2fffe78f4aaf0"),
    )),
    ("smallqap", "esc8a", (
        ("qap/esc8a.dat", "qaplib-copy:instance/esc8a/esc8a.txt",
         "1acfcd536276f287abe8c9579d896b819d0ab02e097c6c125c158ad56bccba5f"),
    )),
    ("smallqap", "esc8b", (
        ("qap/esc8b.dat", "qaplib-copy:instance/esc8b/esc8b.txt",
         "c40c9ac45b029b458ae0bcc0a77f1e4409e7fa7b27559db1da4f3d57c75dd63a"),
    )),
    ("smallqap", "esc8c", (
        ("qap/esc8c.dat", "qaplib-copy:instance/esc8c/esc8c.txt",
         "72ff0197d0064b5d4ec07f1139f6f20f51473a13dfa7436a6bf06f41c49c3860"),
    )),
    ("smallqap", "esc8d", (
        ("qap/esc8d.dat", "qaplib-copy:instance/esc8d/esc8d.txt",
         "a312ce419703741000f720d334fb5307c4d0e8c2bcfc9d56528c6298eb0da092"),
    )),
    ("smallqap", "esc8e", (
        ("qap/esc8e.dat", "qaplib-copy:instance/esc8e/esc8e.txt",
         "fd09d35559eb2328e076506c495092667cc4329c0cc03dcfcb76fab85017d017"),
    )),
    ("smallqap", "esc8f", (
        ("qap/esc8f.dat", "qaplib-copy:instance/esc8f/esc8f.txt",
         "aad21cc6eb4602ef692248de8dc01beb19f3add7ff88f25b038e36531ea0b75b"),
    )),
    ("smallqap", "lipa10a", (
        ("qap/lipa10a.dat", "qaplib-copy:instance/lipa10a/lipa10a.txt",
         "625845cdb0e6a1e7cd6fbb9569709054b3249456455c4d21e4468ef92dffe33c"),
    )),
    ("smallqap", "lipa10b", (
        ("qap/lipa10b.dat", "qaplib-copy:instance/lipa10b/lipa10b.txt",
         "fb422318ad3a4d8cac6e97fc976c00d9cac94452159159d55d9a7c1b16ca0da0"),
    )),
    ("smallqap", "nug5", (
        ("qap/nug5.dat", "qaplib-copy:instance/nug5/nug5.txt",
         "8a425e558d5bb9c022bde22427d9a6b6f3e88fb720fc29c9d3bf8770329f7532"),
    )),
    ("smallqap", "nug6", (
        ("qap/nug6.dat", "qaplib-copy:instance/nug6/nug6.txt",
         "86907e6f4de573b94438d2aadafdcc1aea6f4368bbaa3efe30b700ec2e3c1391"),
    )),
    ("smallqap", "nug7", (
        ("qap/nug7.dat", "qaplib-copy:instance/nug7/nug7.txt",
         "525f7e35b71c7b61b6c81c1d1d7da8e6417101c29d6a3516ef9a360618f3fd7b"),
    )),
    ("smallqap", "nug8", (
        ("qap/nug8.dat", "qaplib-copy:instance/nug8/nug8.txt",
         "d9fcc5459421936ebd0d24df234a162e42644cb43ddd3b61f9aa53afa6da878d"),
    )),
    ("smallqap", "rou10", (
        ("qap/rou10.dat", "qaplib-copy:instance/rou10/rou10.txt",
         "c66cf6359496e9545c660e79fa66acd1dc33a8e045fe9e1e5891e79c68565c78"),
    )),
    ("smallqap", "scr10", (
        ("qap/scr10.dat", "qaplib-copy:instance/scr10/scr10.txt",
         "f374c93e589d40c9f32a462008926bd2ae85f3b5d74a6b2ba0e2434a10030bb8"),
    )),
    ("smallqap", "tai5a", (
        ("qap/tai5a.dat", "qaplib-copy:instance/tai5a/tai5a.txt",
         "94a52860f390bc8ab65a0d3403f41cb6d204fbf5bd6526d657b1b86c8c3aa37d"),
    )),
    ("smallqap", "tai6a", (
        ("qap/tai6a.dat", "qaplib-copy:instance/tai6a/tai6a.txt",
         "eedc532348f9802df80061a0e36f0188738a81ba448a33164c5f7cdb1456cba7"),
    )),
    ("smallqap", "tai7a", (
        ("qap/tai7a.dat", "qaplib-copy:instance/tai7a/tai7a.txt",
         "7a8874bd394fc59c0ba28dfd44558986f64d4d1e6bfa41c18db428373117a1af"),
    )),
    ("smallqap", "tai8a", (
        ("qap/tai8a.dat", "qaplib-copy:instance/tai8a/tai8a.txt",
         "9c46574aeb0808ba1aaef8ae42fc5c43b47e93b8b531f8fa556d1576b1678754"),
    )),
    ("smallqap", "tai9a", (
        ("qap/tai9a.dat", "qaplib-copy:instance/tai9a/tai9a.txt",
         "8050f15cc0a6683545a0b5c1b44d6cc6eb20c85619f36573af41d0e3acf08c30"),
    )),
    ("smallqap", "tai10a", (
        ("qap/tai10a.dat", "qaplib-copy:instance/tai10a/tai10a.txt",
         "20e77cc22d736c2a4256b30ad5ca2687dcc98c1372c540437db4b7f9b5bfaa2c"),
    )),
    ("smallqap", "tai10b", (
        ("qap/tai10b.dat", "qaplib-copy:instance/tai10b/tai10b.txt",
         "69afba8142bb36604be004bdc61e62edb05b4ee5f8c7e52000b9c7f5a90135fa"),
    )),
    ("smallqap", "tai11a", (
        ("qap/tai11a.dat", "qaplib-copy:instance/tai11a/tai11a.txt",
         "040ae34b80587b42c2b87a8c8b0cbfa8fce18bb43e859f482e0b009ca0fe5300"),
    )),
    ("smallqap", "tai13a", (
        ("qap/tai13a.dat", "qaplib-copy:instance/tai13a/tai13a.txt",
         "32423dcfde3880baa786f9cf729d5ce7250505f6d462dce640c397f6d79895b3"),
    )),
    ("smallqap", "tai14a", (
        ("qap/tai14a.dat", "qaplib-copy:instance/tai14a/tai14a.txt",
         "45869be28361cfbc1c447742225d8ecdf195b84ba6a483ea0a1638f2bead2f47"),
    )),
    ("smallqap", "tai16a", (
        ("qap/tai16a.dat", "qaplib-copy:instance/tai16a/tai16a.txt",
         "1396b084bb98526bebb29dacfe6d23e4ff64656e35e06d3505cf29295ebf204f"),
    )),
    ("smallqap", "tai18a", (
        ("qap/tai18a.dat", "qaplib-copy:instance/tai18a/tai18a.txt",
         "3ad29bdd2f88bad7fa0391fa507fd19b0b7ea3a9cc0ddf9eb23c9e688f1e5f15"),
    )),
    ("smallqap", "tai19a", (
        ("qap/tai19a.dat", "qaplib-copy:instance/tai19a/tai19a.txt",
         "c519f3fb08e8d0bd421a630b70e482afe93aec0bb9f8bdfdf87427a8a3fd52e4"),
    )),
    ("dimacs", "C125.9", (
        ("mis/C125.9.clq", "clique:DIMACS/weighted/C125.9.clq",
         "d9acb9e9e320be9e415bda2cf120701bc686b87c5acd6fedc3a23034d4bf9d47"),
    )),
    ("dimacs", "MANN_a9", (
        ("mis/MANN_a9.clq", "clique:DIMACS/weighted/MANN_a9.clq",
         "63a5a2495b324b5ad2305f32826a43f53b4fb8c031af9239eb597202f45d70a3"),
    )),
    ("dimacs", "brock200_1", (
        ("mis/brock200_1.clq", "clique:DIMACS/weighted/brock200_1.clq",
         "e3a77e91450019c3491428c088ca0de5523be0390a6375a7f7a902cd578aa800"),
    )),
    ("dimacs", "brock200_4", (
        ("mis/brock200_4.clq", "clique:DIMACS/weighted/brock200_4.clq",
         "f34bf39dc7de052793593d6542883123739fb7436c36eed698950d0744b61cef"),
    )),
    ("dimacs", "c-fat200-1", (
        ("mis/c-fat200-1.clq", "clique:DIMACS/weighted/c-fat200-1.clq",
         "ed510c204b4bc6c17010fc5fcf1ecb50586faa984b1f9f6fe5c937054f09487d"),
    )),
    ("dimacs", "hamming6-2", (
        ("mis/hamming6-2.clq", "clique:DIMACS/weighted/hamming6-2.clq",
         "2b0c68cf54f55bdf0c3909710a675dc16added3c40cc15b9e8e1a457f397067d"),
    )),
    ("dimacs", "hamming6-4", (
        ("mis/hamming6-4.clq", "clique:DIMACS/weighted/hamming6-4.clq",
         "2fd8af6c34e96c67e970a4e6cf29d9a2f0bded8a768255c6a93e159ede62ed38"),
    )),
    ("dimacs", "johnson8-2-4", (
        ("mis/johnson8-2-4.clq", "clique:DIMACS/weighted/johnson8-2-4.clq",
         "5912a41e01714b0d83140ec1bdf122e414f40e03cbdb46d9743c8f3c0f63f980"),
    )),
    ("dimacs", "johnson8-4-4", (
        ("mis/johnson8-4-4.clq", "clique:DIMACS/weighted/johnson8-4-4.clq",
         "08c6af29e3d94a6c0769e3e5d7ffebe6c6e2ce17b41c0d49374233cc0b0f8b57"),
    )),
    ("dimacs", "keller4", (
        ("mis/keller4.clq", "clique:DIMACS/weighted/keller4.clq",
         "6df05ba83eecaa624c594009433a78062c028f7560873c42179f22847d6307da"),
    )),
    ("dimacs", "p_hat300-1", (
        ("mis/p_hat300-1.clq", "clique:DIMACS/weighted/p_hat300-1.clq",
         "8e905df2952a4bac5fd702ca9ed86f06dec7e90bb76942e65481ff27e12c825f"),
    )),
    ("dimacs", "sanr200_0.7", (
        ("mis/sanr200_0.7.clq", "clique:DIMACS/weighted/sanr200_0.7.clq",
         "6de32f77b013d91242de06067c348e437b0040416b26faf53117be97cafbae68"),
    )),
    ("sloane", "1dc.64", (
        ("mis/1dc.64.dimacs", None,
         "e440734297fe036c8cc2d2d0cb6f6925f1269525a5d592145e3b00b33e9c7cdd"),
    )),
    ("sloane", "1dc.128", (
        ("mis/1dc.128.dimacs", None,
         "b297893959e0842b99fe2953376349ccbb9a32739832dcff79f8b57f7ed40067"),
    )),
    ("sloane", "1dc.256", (
        ("mis/1dc.256.dimacs", None,
         "e5037e00ca51cf66ddbc39359e948a4819407c0ca9ab15828f474a81e4afb1b2"),
    )),
    ("sloane", "1tc.64", (
        ("mis/1tc.64.dimacs", None,
         "19d6ae32bf2bc0695cbc1748e88ccb72bae17a02b1efb5e008918e509cc687e6"),
    )),
    ("sloane", "1tc.128", (
        ("mis/1tc.128.dimacs", None,
         "65407a0c23f18b5b8b6f9ce980ba733675c6622b6147f03ff1c40a50169dbe42"),
    )),
    ("sloane", "1et.64", (
        ("mis/1et.64.dimacs", None,
         "a955aacf37b2bdb02a44947f6e8c0d205837dd679a754013de26b140f2743f16"),
    )),
    ("sloane", "1et.128", (
        ("mis/1et.128.dimacs", None,
         "1225c76d387fd55cf27ed0b3fbdc00858848d25fa1e2ac2bea4de57e52a58f3e"),
    )),
    ("sloane", "1zc.128", (
        ("mis/1zc.128.dimacs", None,
         "bc9601909f10f7df5c3acbf4cd4800c67e95b27a503ebda47a5d2160c21dce5e"),
    )),
    ("sloane", "1zc.256", (
        ("mis/1zc.256.dimacs", None,
         "49e385cde4482abd9685a8325ca0b991a30a0c57091d6ffdf1b08a84d4e71b51"),
    )),
    ("biqmac", "g05_60.0", (
        ("maxcut/g05_60.0", "biqbin:Instances/rudy/g05_60.0",
         "209cfc55022fc504c38dce41de8f7138e5c8210611f37cd84308c79154e2653c"),
    )),
    ("biqmac", "g05_60.1", (
        ("maxcut/g05_60.1", "biqbin:Instances/rudy/g05_60.1",
         "fb6b11be21567ef459719750be9a01ef593921eea86efbcccf1feaf2fd548478"),
    )),
    ("biqmac", "g05_60.2", (
        ("maxcut/g05_60.2", "biqbin:Instances/rudy/g05_60.2",
         "10769c6ca6e18fc86f9d6844b3382f52f8aba20fcf224b94084ad3f4e6623c56"),
    )),
    ("biqmac", "g05_60.3", (
        ("maxcut/g05_60.3", "biqbin:Instances/rudy/g05_60.3",
         "b04e37c11550c9a8054a603dc22c7da1e91e01f2187b0cbc8f217837b2fddf0e"),
    )),
    ("biqmac", "g05_60.4", (
        ("maxcut/g05_60.4", "biqbin:Instances/rudy/g05_60.4",
         "43591fea0228131237c0238b8a2a7565b9bda768f69fbd8df09b2367f38a2e0a"),
    )),
    ("biqmac", "g05_60.5", (
        ("maxcut/g05_60.5", "biqbin:Instances/rudy/g05_60.5",
         "55f27d82eeb5558b67f156d4848d9ad3218e83b4d7f5d7020e7113f594e88c7b"),
    )),
    ("biqmac", "g05_60.6", (
        ("maxcut/g05_60.6", "biqbin:Instances/rudy/g05_60.6",
         "f3a05732b07c296ec16198814c587a60f909c551e4a3b2070ffb48c7633ffff1"),
    )),
    ("biqmac", "g05_60.7", (
        ("maxcut/g05_60.7", "biqbin:Instances/rudy/g05_60.7",
         "d6f34c2fdd1a33146312045365a96408b1a3261cddef8fd5ae19f72b490b8de7"),
    )),
    ("biqmac", "g05_60.8", (
        ("maxcut/g05_60.8", "biqbin:Instances/rudy/g05_60.8",
         "070d3966db24188c5d6244800260447f9dda0394478096104be448ca06e1e366"),
    )),
    ("biqmac", "g05_60.9", (
        ("maxcut/g05_60.9", "biqbin:Instances/rudy/g05_60.9",
         "c4a1edb1d15ce3042860a090f6ba81700c1f5d7bf41deab0a282614cf6a3b494"),
    )),
    ("biqmac", "biqbin-results", (
        ("maxcut/biqbin_results.csv", None,
         "492906121ecc8e08c71400bdd133f4965db602d714681f2822e78c9411bbfd78"),
    )),
    ("gset", "G1", (
        ("maxcut/G1.txt", "mlqaoa:graphs/G1",
         "786ec3107e68ad10dcf9883a5ea68d53dd52e99e5ed6fdb85d165688d91003f0"),
    )),
    ("gset", "G22", (
        ("maxcut/G22.txt", "mlqaoa:graphs/G22",
         "48de0a0568f9ad730d9263238e4fb99bc75d35bb402e12b1d90df07d32f6b826"),
    )),
)


_NOTES = {
    "biqbin-results": "the proven optima of the g05, pm1d, pm1s, pw, w graphs, compiled from "
                      "the BiqBin output files (Instances/rudy/*.output) of "
                      "github.com/Rudolfovoorg/serial_biqbin_maxcut; no public copy of this "
                      "file exists: copy it into the instance folder by hand",
}


def _build_registry() -> dict[str, Dataset]:
    out = {}
    for kind, name, rows in _TABLE:
        files = []
        for path, copy, sha in rows:
            urls = []
            base = path.rsplit("/", 1)[-1]
            if kind == "orlib" and base in ("mknap1.txt", "mknapcb1.txt"):
                urls.append(_ORLIB_FILES + base)
            if copy is not None:
                alias, rel = copy.split(":", 1)
                urls.append(COPIES[alias] + rel)
            files.append(DataFile(path, sha, tuple(urls),
                                  build=name if kind == "sloane" else None))
        ds = Dataset(kind, name, tuple(files), _NOTES.get(name, ""))
        out[ds.key] = ds
    return out


_REGISTRY = _build_registry()


def names(kind: str | None = None) -> list[str]:
    """Every registered ``KIND:NAME``, in registry order (of one ``kind`` if given)."""
    return [k for k, d in _REGISTRY.items() if kind is None or d.kind == kind]


def datasets() -> list[Dataset]:
    """Every registered instance."""
    return list(_REGISTRY.values())


def looks_like_name(text: str) -> bool:
    """Whether ``text`` is spelled ``KIND:NAME`` with a known kind (``qaplib:nug12``)."""
    kind, sep, name = str(text).partition(":")
    return bool(sep and name) and kind.lower() in KINDS


def get(name: str) -> Dataset:
    """The registered instance called ``name`` (``KIND:NAME``, or a ``NAME`` of one kind).

    Raises:
        UnknownDatasetError: No such instance; the message lists the close ones.
    """
    text = str(name).strip()
    kind, sep, rest = text.partition(":")
    if sep:
        key = f"{kind.lower()}:{rest}"
        if kind.lower() not in KINDS:
            raise UnknownDatasetError(
                f"unknown instance kind {kind!r} in {text!r}; the kinds are "
                f"{', '.join(KINDS)} (`python -m dimod_shrink fetch --list` lists every name)")
        if key in _REGISTRY:
            return _REGISTRY[key]
        found = [d for d in _REGISTRY.values()
                 if d.kind == kind.lower() and d.name.lower() == rest.lower()]
    else:
        found = [d for d in _REGISTRY.values() if d.name == text]
        found = found or [d for d in _REGISTRY.values() if d.name.lower() == text.lower()]
    if len(found) == 1:
        return found[0]
    close = sorted(k for k in _REGISTRY if (rest if sep else text).lower()[:3] in k.lower())
    hint = f"; did you mean {', '.join(close[:6])}?" if close else ""
    raise UnknownDatasetError(f"unknown instance {text!r}{hint} (`python -m dimod_shrink "
                              "fetch --list` lists every name)")


# -- the cache -----------------------------------------------------------------------------------

def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``data_home``, else ``$DIMOD_SHRINK_DATA``, else the platform's.

    The platform's cache folder is ``$XDG_CACHE_HOME/dimod-shrink`` (``~/.cache``
    when unset) on Linux and other Unix systems, ``~/Library/Caches/dimod-shrink``
    on macOS and ``%LOCALAPPDATA%\\dimod-shrink\\Cache`` on Windows.  Nothing is
    created here.
    """
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get(_ENV_DATA, "").strip()
    if env:
        return Path(env).expanduser()
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "dimod-shrink" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "dimod-shrink"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "dimod-shrink"


def cached_path(name: str, data_home: str | os.PathLike | None = None) -> Path:
    """Where the first file of ``name`` lives in the cache (whether or not it is there)."""
    return get_data_home(data_home) / get(name).files[0].path


def is_cached(name: str, data_home: str | os.PathLike | None = None) -> bool:
    """Whether every file of ``name`` is in the cache."""
    home = get_data_home(data_home)
    return all((home / f.path).is_file() for f in get(name).files)


def cached_folder(data_home: str | os.PathLike | None = None) -> Path | None:
    """The cache folder if it holds every instance that can be fetched, else ``None``.

    Such a folder can stand in for the instance folder of the tests and
    benchmarks (``DIMOD_SHRINK_INSTANCES``).
    """
    home = get_data_home(data_home)
    for ds in _REGISTRY.values():
        for f in ds.files:
            if f.fetchable and not (home / f.path).is_file():
                return None
    return home


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


# -- sources -------------------------------------------------------------------------------------

_SLOANE_ALPHA = {"1dc.64": 10, "1dc.128": 16, "1dc.256": 30, "1tc.64": 20, "1tc.128": 38,
                 "1et.64": 18, "1et.128": 28, "1zc.128": 18, "1zc.256": 36}


def _ball(kind: str, x: int, bits: int) -> set[int]:
    """The words one error of the channel ``kind`` can turn ``x`` into (``x`` included)."""
    if kind == "dc":  # one deletion: the words of bits - 1 bits left after deleting one
        return {(x >> (i + 1) << i) | (x & ((1 << i) - 1)) for i in range(bits)}
    if kind == "zc":  # Z-channel: a 1 may turn into a 0
        return {x} | {x & ~(1 << i) for i in range(bits) if x >> i & 1}
    pairs = [(i, i + 1) for i in range(bits - 1)]  # "tc": one transposition of adjacent bits
    if kind == "et":  # "et": ... or of the end bits (end-around)
        pairs.append((bits - 1, 0))
    out = {x}
    for i, j in pairs:
        if (x >> i & 1) != (x >> j & 1):
            out.add(x ^ (1 << i) ^ (1 << j))
    return out


def sloane_graph(name: str) -> bytes:
    """One of Sloane's code graphs (``"1dc.64"``) as a DIMACS file.

    Vertex ``i`` is the binary word of value ``i - 1`` (``log2 n`` bits); two
    words are adjacent when one error of the channel can turn them into the
    same word, so that an independent set is a code that corrects one such
    error: ``1dc`` one deletion, ``1tc`` one transposition of adjacent bits,
    ``1et`` the same with the two end bits adjacent too, ``1zc`` one 1 read as
    0 (the Z-channel).  The two comment lines are those of the instance
    collection's files, so the bytes (and the checksum) are the same.

    References:
        N. J. A. Sloane, *Challenge problems: independent sets in graphs*,
        http://neilsloane.com/doc/graphs.html

    >>> sloane_graph("1tc.64").splitlines()[2]
    b'p edge 64 192'
    """
    if name not in _SLOANE_ALPHA:
        raise UnknownDatasetError(f"no Sloane graph {name!r}; known: "
                                  f"{', '.join(_SLOANE_ALPHA)}")
    kind, n = name[1:3], int(name.split(".")[1])
    bits = n.bit_length() - 1
    balls = [_ball(kind, x, bits) for x in range(n)]
    edges = [(u + 1, v + 1) for u in range(n) for v in range(u + 1, n) if balls[u] & balls[v]]
    lines = [f"c {name}: regenerated by check.py from the code definition (see SOURCES.md)",
             "c independent sets = single-error-correcting codes; published alpha = "
             f"{_SLOANE_ALPHA[name]}",
             f"p edge {n} {len(edges)}", *(f"e {u} {v}" for u, v in edges)]
    return ("\n".join(lines) + "\n").encode()


def _mirror(mirror: str | None) -> str | None:
    m = mirror if mirror is not None else os.environ.get(_ENV_MIRROR, "").strip() or None
    return m.rstrip("/") if m else None


def _download(url: str, target: Path, timeout: float) -> None:
    """Copy ``url`` to ``target`` (the caller checks the bytes)."""
    import urllib.request
    request = urllib.request.Request(url, headers={"User-Agent": "dimod-shrink"})
    with urllib.request.urlopen(request, timeout=timeout) as response, \
            open(target, "wb") as fh:
        shutil.copyfileobj(response, fh)


def _reason(exc: BaseException) -> str:
    import urllib.error
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
        if not isinstance(exc, BaseException):
            return str(exc)
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text if not isinstance(exc, TimeoutError) else "timed out"


def _unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says no server answered (offline, refused, unknown host, timeout)."""
    import socket
    import urllib.error
    if isinstance(exc, urllib.error.HTTPError):
        return False
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    return isinstance(exc, (ConnectionError, socket.gaierror, TimeoutError, socket.timeout))


def _fetch_file(ds: Dataset, f: DataFile, home: Path, mirror: str | None, timeout: float,
                force: bool) -> tuple[Path, str]:
    target = home / f.path
    if target.is_file() and not force:
        return target, "cached"
    if not f.fetchable and mirror is None:
        raise NotFetchableError(
            f"{ds.key} ({f.path}) cannot be fetched: {ds.note or 'it has no public copy'}; "
            f"put it at {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    sources = [f"{mirror}/{f.path}"] if mirror else list(f.urls)
    if f.build is not None:
        sources.append(f"build:{f.build}")
    failures, mismatch, unreachable = [], None, 0
    for source in sources:
        fd, tmp_name = tempfile.mkstemp(prefix=".part-", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            if source.startswith("build:"):
                tmp.write_bytes(sloane_graph(f.build))
            else:
                _download(source, tmp, timeout)
            digest = _sha256(tmp)
            if digest != f.sha256:
                mismatch = (source, digest)
                failures.append(f"{source}: sha256 {digest}, expected {f.sha256}")
                continue
            os.chmod(tmp, 0o644)  # mkstemp makes it private
            os.replace(tmp, target)
            return target, "built" if source.startswith("build:") else "downloaded"
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            failures.append(f"{source}: {_reason(exc)}")
            unreachable += _unreachable(exc)
        finally:
            if tmp.exists():
                tmp.unlink()
    if mismatch is not None and len(failures) == 1:
        raise ChecksumError(
            f"{ds.key} ({f.path}) downloaded from {mismatch[0]} has sha256 {mismatch[1]}, "
            f"not the recorded {f.sha256}; the file was not kept. The source has changed or "
            f"the download was altered: try again later, or put a copy with the recorded "
            f"checksum at {target}")
    tried = "; ".join(failures)
    offline = " (no server could be reached: this machine seems to be offline)" if (
        unreachable == len(failures)) else ""
    raise DownloadError(
        f"cannot download {ds.key} ({f.path}){offline}: {tried}. Check the internet "
        f"connection (or "
        f"the {_ENV_MIRROR} address) and run `python -m dimod_shrink fetch {ds.key}` again; "
        f"or download {sources[0]} by hand to {target}; or point DIMOD_SHRINK_INSTANCES at a "
        f"folder that holds the instances")


def fetch(name: str, *, data_home: str | os.PathLike | None = None, mirror: str | None = None,
          timeout: float = 30.0, force: bool = False, report=None) -> Path:
    """The local path of instance ``name``, downloaded into the cache on first use.

    Args:
        name: ``KIND:NAME`` (``"qaplib:nug12"``) or a ``NAME`` only one kind has.
        data_home: The cache folder (default: :func:`get_data_home`).
        mirror: Base URL of a copy of the instance folder (default:
            ``$DIMOD_SHRINK_MIRROR``, else each file's own sources).
        timeout: Seconds to wait for a server.
        force: Download again even if the file is cached.
        report: ``report(path, how)`` is called for each file, ``how`` being
            ``"cached"``, ``"downloaded"`` or ``"built"``.

    Returns:
        The path of the instance's first file (a QAPLIB ``.dat``, whose
        ``.sln`` is fetched beside it).

    Raises:
        UnknownDatasetError: No instance has this name.
        NotFetchableError: The instance has no public copy.
        DownloadError: Every source failed (e.g. offline); nothing is kept.
        ChecksumError: The downloaded bytes are not the recorded ones; nothing is kept.
    """
    ds = get(name)
    home = get_data_home(data_home)
    base = _mirror(mirror)
    paths = []
    for f in ds.files:
        path, how = _fetch_file(ds, f, home, base, timeout, force)
        if report is not None:
            report(path, how)
        paths.append(path)
    return paths[0]


def fetch_all(*, data_home: str | os.PathLike | None = None, mirror: str | None = None,
              timeout: float = 30.0, force: bool = False, report=None) -> list[Path]:
    """:func:`fetch` every instance that can be fetched; returns their paths.

    Stops at the first failure (the files fetched so far stay in the cache).
    """
    return [fetch(ds.key, data_home=data_home, mirror=mirror, timeout=timeout, force=force,
                  report=report)
            for ds in _REGISTRY.values() if ds.fetchable]
