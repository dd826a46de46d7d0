"""The assignment network: candidate arcs, capacities (with high-support quotas or penalties), node numbering.

Flow runs source -> registration (capacity 1) -> dwelling (capacity 1 per candidate pair) -> sink (capacity: the
dwelling's slots). With quotas, a high-support registration's arc enters a sub-node nested in its dwelling, and
the sub-node -> dwelling arc carries the quota. The min-cost flow (flow.py) and the potentials of its residual
graph (duals.py) number these nodes the same way: `NodeLayout`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.model import BoolArray, IntArray


@dataclass(frozen=True, eq=False)
class Arcs:
    """Candidate (dwelling, registration) pairs with their scores; unique pairs."""

    d: IntArray
    r: IntArray
    s: IntArray

    def __len__(self) -> int:
        return len(self.d)

    def subset(self, keep: BoolArray | IntArray) -> Arcs:
        """Return the arcs selected by a mask or index array."""
        return Arcs(self.d[keep], self.r[keep], self.s[keep])

    @staticmethod
    def union(first: Arcs, second: Arcs, n_regs: int) -> Arcs:
        """Return the union of two arc sets, sorted by (dwelling, registration), duplicates dropped."""
        d = np.concatenate([first.d, second.d])
        r = np.concatenate([first.r, second.r])
        s = np.concatenate([first.s, second.s])
        _key, idx = np.unique(d * max(n_regs, 1) + r, return_index=True)
        return Arcs(d[idx], r[idx], s[idx])


@dataclass(frozen=True, eq=False)
class Network:
    """Capacities of the assignment network, optionally with a high-support quota.

    `quota[d]` caps the high-support candidates of dwelling d through a sub-node nested inside d (still a
    pure flow; the neighbourhood cap's repair and bound in capped.py).
    """

    capacity: IntArray
    high: BoolArray | None = None
    quota: IntArray | None = None

    def weights(self, arcs: Arcs) -> IntArray:
        """Return the score each arc carries in this network (its score: quotas change no weight)."""
        return arcs.s

    def via_sub(self, arcs: Arcs) -> BoolArray:
        """Return which arcs enter their dwelling through the high-support sub-node."""
        if self.quota is None or self.high is None:
            return np.zeros(len(arcs), np.bool_)
        return np.asarray(self.high[arcs.r])


@dataclass(frozen=True, eq=False)
class NodeLayout:
    """Node numbers of the network over one arc set.

    Nodes 0..u-1 are the u registrations that appear in the arcs (ascending index), then one node per dwelling,
    then one high-support sub-node per dwelling (unused without quotas), then the source and the sink. Only
    registrations with an arc get a node, so a network over a few arcs stays small however many registrations
    there are.
    """

    registrations: IntArray
    arc_registration: IntArray
    n_dwellings: int

    @classmethod
    def of(cls, arcs: Arcs, n_dwellings: int) -> NodeLayout:
        """Number the nodes of the network over `arcs`."""
        regs, local = np.unique(arcs.r, return_inverse=True)
        return cls(regs.astype(np.int64), local.astype(np.int64), n_dwellings)

    @property
    def n_registrations(self) -> int:
        """Registration nodes (registrations with at least one arc)."""
        return len(self.registrations)

    @property
    def first_dwelling(self) -> int:
        """Node of dwelling 0."""
        return self.n_registrations

    @property
    def first_sub(self) -> int:
        """Node of dwelling 0's high-support sub-node."""
        return self.n_registrations + self.n_dwellings

    @property
    def source(self) -> int:
        """The source node."""
        return self.n_registrations + 2 * self.n_dwellings

    @property
    def sink(self) -> int:
        """The sink node."""
        return self.source + 1

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return self.sink + 1

    def dwelling_nodes(self) -> IntArray:
        """Node of each dwelling."""
        return self.first_dwelling + np.arange(self.n_dwellings, dtype=np.int64)

    def sub_nodes(self) -> IntArray:
        """Node of each dwelling's high-support sub-node."""
        return self.first_sub + np.arange(self.n_dwellings, dtype=np.int64)

    def arc_heads(self, arcs: Arcs, net: Network) -> IntArray:
        """Per arc, the node it enters: its dwelling, or the dwelling's sub-node for quota'd high support."""
        return np.where(net.via_sub(arcs), self.first_sub + arcs.d, self.first_dwelling + arcs.d).astype(np.int64)
