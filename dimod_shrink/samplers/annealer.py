"""A quantum annealer as the child: shrink to the largest clique the QPU embeds.

Needs the ``annealer`` extra: ``pip install "dimod-shrink[annealer]"`` (dwave-system).

A D-Wave QPU couples each qubit to a few others (Pegasus: degree 15, Zephyr:
20), so a dense reduced model is embedded as a *clique*: each variable becomes
a chain of qubits held together by a ferromagnetic chain strength.  The largest
clique a working graph embeds is the natural budget of shrinking
(:attr:`CliqueSampler.largest_clique_size`; about 180 variables on an
Advantage (Pegasus P16), 36 on a Pegasus P4).  :class:`CliqueSampler` embeds
every model with :func:`minorminer.busclique.find_clique_embedding` (the
embedding dwave-system's :class:`~dwave.system.DWaveCliqueSampler` uses, cached
per graph), samples through
:class:`~dwave.system.FixedEmbeddingComposite` and reports the chains in
``info``.  :func:`mock_qpu` builds an offline stand-in: dwave-system's
:class:`~dwave.system.testing.MockDWaveSampler` of a Pegasus, Zephyr or Chimera
graph that samples the embedded model with seeded simulated annealing.

Any other dimod sampler can be the child too, e.g.
``ShrinkingComposite(DWaveCliqueSampler())`` or
``ShrinkingComposite(EmbeddingComposite(DWaveSampler()))``; energies are always
computed on the original model by the composite.

References:
    T. Boothby, A. D. King, A. Roy, "Fast clique minor generation in Chimera
    qubit connectivity graphs", Quantum Inf. Process. 15, 495 (2016).

    K. Boothby, P. Bunyk, J. Raymond, A. Roy, "Next-generation topology of
    D-Wave quantum processors", arXiv:2003.00133 (2020) -- Pegasus.
"""

from __future__ import annotations

import time

import dimod
import numpy as np

__all__ = ["CliqueSampler", "mock_qpu", "real_qpu", "token_configured", "TOPOLOGIES"]

TOPOLOGIES = {"pegasus": 16, "zephyr": 6, "chimera": 16}
"""The mock graphs :func:`mock_qpu` builds and their default shapes (Advantage-,
Advantage2- and D-Wave-2000Q-sized)."""

_HINT = 'the annealer child needs dwave-system: pip install "dimod-shrink[annealer]"'


def _dwave_system():
    try:
        import dwave.system  # noqa: F401
        from minorminer import busclique  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from exc


def mock_qpu(topology: str = "pegasus", shape: int | None = None, *, num_sweeps: int = 1000):
    """An offline QPU: :class:`~dwave.system.testing.MockDWaveSampler` of a given graph.

    The mock samples the embedded model (chains included) with
    :class:`dwave.samplers.SimulatedAnnealingSampler`; :class:`CliqueSampler`
    passes its ``seed`` on, so runs repeat.

    Args:
        topology: ``"pegasus"``, ``"zephyr"`` or ``"chimera"``.
        shape: The graph's size parameter (default :data:`TOPOLOGIES`).
        num_sweeps: Simulated-annealing sweeps per read.

    Examples:
        >>> qpu = mock_qpu("zephyr", 2)
        >>> qpu.properties["topology"]["type"], len(qpu.nodelist)
        ('zephyr', 160)
    """
    _dwave_system()
    from dwave.samplers import SimulatedAnnealingSampler
    from dwave.system.testing import MockDWaveSampler
    if topology not in TOPOLOGIES:
        raise ValueError(f"unknown topology {topology!r}; choose one of "
                         f"{', '.join(TOPOLOGIES)}")
    shape = TOPOLOGIES[topology] if shape is None else int(shape)
    if shape < 1:
        raise ValueError(f"shape must be a positive int, got {shape}")
    return MockDWaveSampler(topology_type=topology, topology_shape=[shape],
                            substitute_sampler=SimulatedAnnealingSampler(),
                            substitute_kwargs={"num_sweeps": int(num_sweeps)},
                            parameter_warnings=False)


def token_configured(**config) -> bool:
    """Whether a D-Wave Leap API token is configured (argument, file or environment)."""
    _dwave_system()
    from dwave.cloud.config import load_config
    if config.get("token"):
        return True
    try:
        return bool(load_config().get("token"))
    except Exception:  # an unreadable config file: no usable token
        return False


def real_qpu(**config):
    """A :class:`~dwave.system.DWaveSampler` (Leap), or a clear error without a token.

    Raises:
        ValueError: No API token is configured (``dwave setup`` or the
            ``DWAVE_API_TOKEN`` environment variable).
    """
    if not token_configured(**config):
        raise ValueError("the annealer child needs a D-Wave Leap API token: run `dwave setup` "
                         "or set DWAVE_API_TOKEN (offline, use the mock annealer: "
                         "--sampler mock-annealer, or CliqueSampler(mock_qpu()))")
    from dwave.system import DWaveSampler
    return DWaveSampler(**config)


class CliqueSampler(dimod.Sampler):
    """Sample each model on a QPU graph through a clique embedding.

    Args:
        qpu: A structured D-Wave sampler: :class:`~dwave.system.DWaveSampler`
            or :func:`mock_qpu`'s mock; or a function returning one, called
            on first use (so a sampler of a remote QPU can be built before a
            connection is made).

    Attributes:
        largest_clique_size (int): The most variables a model may have: the largest
            clique the QPU's working graph embeds; use it as the shrinking
            budget.

    Examples:
        >>> import dimod
        >>> from dimod_shrink import ShrinkingComposite
        >>> child = CliqueSampler(mock_qpu("zephyr", 2))
        >>> child.largest_clique_size
        24
        >>> bqm = dimod.generators.ran_r(1, 40, seed=0)
        >>> ss = ShrinkingComposite(child).sample(
        ...     bqm, num_variables=child.largest_clique_size, seed=1, num_reads=20)
        >>> ss.info["clique_size"] <= 24, 0 <= ss.info["chain_break_fraction"] <= 1
        (True, True)
    """

    def __init__(self, qpu):
        _dwave_system()
        self._qpu = qpu
        self._size = None
        if not callable(qpu) or hasattr(qpu, "sample"):
            self._load()

    def _load(self):
        from minorminer import busclique
        if self._size is None:
            if callable(self._qpu) and not hasattr(self._qpu, "sample"):
                self._qpu = self._qpu()
            self.graph = self._qpu.to_networkx_graph()
            self._size = len(busclique.busgraph_cache(self.graph).largest_clique())
            if self._size == 0:  # pragma: no cover - a broken graph
                raise ValueError("the QPU's graph embeds no clique")
        return self._qpu

    @property
    def qpu(self):
        """The structured QPU sampler (built on first use)."""
        return self._load()

    @property
    def largest_clique_size(self) -> int:
        self._load()
        return self._size

    @property
    def parameters(self) -> dict:
        params = {k: [] for k in self.qpu.parameters if k not in ("auto_scale",)}
        params.update(chain_strength=[], seed=[], num_reads=[])
        return params

    @property
    def properties(self) -> dict:
        topo = self.qpu.properties.get("topology", {})
        return {"qpu": self._name(), "topology": topo,
                "largest_clique_size": self.largest_clique_size}

    def _name(self) -> str:
        chip = self.qpu.properties.get("chip_id")
        return str(chip) if chip else type(self.qpu).__name__

    def _is_mock(self) -> bool:
        return hasattr(self.qpu, "substitute_kwargs")

    def sample(self, bqm: dimod.BinaryQuadraticModel, *, chain_strength=None, seed=None,
               num_reads: int = 100, **parameters) -> dimod.SampleSet:
        """Embed ``bqm`` as a clique, sample it on the QPU and unembed.

        Args:
            bqm: At most :attr:`largest_clique_size` variables.
            chain_strength: A number, or ``None`` for dwave-system's default
                (uniform torque compensation, scaled to the model).
            seed: Seeds the mock's simulated annealing (a real QPU is not
                seedable).
            num_reads: Anneals (reads).
            **parameters: Further QPU parameters (``annealing_time``, ...).

        Returns:
            :class:`dimod.SampleSet` on ``bqm``'s variables with energies on
            ``bqm``; ``info`` holds ``qpu``, ``topology``, ``clique_size``,
            ``largest_clique_size``, ``qubits`` (used by the chains),
            ``max_chain_length``, ``chain_strength`` (the value used),
            ``chain_break_fraction`` (mean over the reads of the share of
            broken chains, resolved by majority vote) and ``timing``.
        """
        from minorminer import busclique
        from dwave.system import FixedEmbeddingComposite
        t0 = time.perf_counter()
        n = bqm.num_variables
        if n > self.largest_clique_size:
            raise ValueError(
                f"the model has {n} variables but the QPU's graph embeds cliques of at most "
                f"{self.largest_clique_size}; shrink to that budget: "
                f"ShrinkingComposite(child).sample(bqm, "
                f"num_variables=child.largest_clique_size)")
        if n == 0:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), bqm)
            ss.info.update(self.properties, clique_size=0, qubits=0, max_chain_length=0,
                           chain_strength=None, chain_break_fraction=0.0,
                           timing={"total": time.perf_counter() - t0})
            return ss
        labels = list(bqm.variables)
        emb = busclique.find_clique_embedding(labels, self.graph, use_cache=True)
        if self._is_mock():
            self.qpu.substitute_kwargs = {**self.qpu.substitute_kwargs, "seed": seed}
        composite = FixedEmbeddingComposite(self.qpu, embedding=emb)
        ss = composite.sample(bqm, chain_strength=chain_strength, num_reads=int(num_reads),
                              return_embedding=True, **parameters)
        ss.resolve()
        ctx = ss.info.pop("embedding_context", {})
        rec = ss.record
        occ = rec.num_occurrences.astype(float)
        breaks = float(np.average(rec.chain_break_fraction, weights=occ)) if len(rec) else 0.0
        out = dimod.SampleSet.from_samples_bqm((rec.sample, list(ss.variables)), bqm,
                                               num_occurrences=rec.num_occurrences,
                                               chain_break_fraction=rec.chain_break_fraction)
        chain = ctx.get("chain_strength")
        out.info.update(self.properties, clique_size=n,
                        qubits=int(sum(len(c) for c in emb.values())),
                        max_chain_length=int(max(len(c) for c in emb.values())),
                        chain_strength=float(chain) if np.isscalar(chain) else chain,
                        chain_break_fraction=breaks,
                        timing={"qpu": ss.info.get("timing", {}),
                                "total": time.perf_counter() - t0})
        return out
