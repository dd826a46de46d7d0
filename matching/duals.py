"""Node potentials (LP duals) of an optimal assignment: the certificate and the prices of column generation.

"Fill as many slots as possible, then maximise the weight" is one min-cost circulation on the network of
network.py: pair arcs cost -weight, and a return arc sink -> source costs -big_m per unit, where big_m exceeds any
weight change one more filled slot can cause. A flow is optimal exactly when its residual graph (below: unused
arcs forward, used arcs backward, with the quota sub-nodes when there are quotas) has no negative cycle. Then
shortest-path distances from a virtual root joined to every node at cost 0 are feasible potentials pi: every
residual arc (i, j) of cost c has c + pi[i] - pi[j] >= 0.

For a pair (d, r) of weight w entering node h (d, or d's high-support sub-node), the reduced cost is
pi[r] - pi[h] - w. It is >= 0 on the unused arcs of the solved set by construction. When it is >= 0 for every
eligible pair outside the set too, the restricted optimum is optimal for the full problem; the pairs where it is
negative are the columns pricing adds. Registrations without an arc have no node: their only residual arc is
source -> registration at cost 0, so they take the source's potential.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.model import BoolArray, IntArray
from matching.network import Arcs, Network, NodeLayout

_BELLMAN_FORD_ROUNDS = 5_000


class PotentialError(RuntimeError):
    """The residual graph had a negative cycle: the flow handed in was not optimal."""


@dataclass(frozen=True, eq=False)
class Potentials:
    """Potentials of dwellings, their high-support sub-nodes (the dwelling's own without quotas), registrations."""

    dwelling: IntArray
    dwelling_high: IntArray
    registration: IntArray
    # The source's and the sink's own (they say which registrations and dwellings every optimum fills).
    source: int = 0
    sink: int = 0

    def reduced_costs(self, arcs: Arcs, net: Network) -> IntArray:
        """Return pi[r] - pi[head] - weight for each arc (>= 0 on unused arcs at an optimum)."""
        head = np.where(net.via_sub(arcs), self.dwelling_high[arcs.d], self.dwelling[arcs.d])
        return np.asarray(self.registration[arcs.r] - head - net.weights(arcs), np.int64)


def residual_potentials(n_dwellings: int, n_registrations: int, arcs: Arcs, chosen: BoolArray, net: Network,
                        big_m: int) -> Potentials:
    """Return shortest-path potentials of the residual graph of an optimal assignment."""
    layout = NodeLayout.of(arcs, n_dwellings)
    u, reg_local = layout.n_registrations, layout.arc_registration
    src, snk = layout.source, layout.sink
    weights = net.weights(arcs)
    head_node = layout.arc_heads(arcs, net)
    load = np.bincount(arcs.d[chosen], minlength=n_dwellings)
    assigned = np.zeros(u, np.bool_)
    assigned[reg_local[chosen]] = True
    dwelling_nodes, sub_nodes = layout.dwelling_nodes(), layout.sub_nodes()
    regs_local = np.arange(u, dtype=np.int64)
    room = load < net.capacity
    parts: list[tuple[IntArray, IntArray, IntArray]] = [
        # Pair arcs: unused ones forward at -weight, used ones backward at +weight.
        (np.where(chosen, head_node, reg_local), np.where(chosen, reg_local, head_node),
         np.where(chosen, weights, -weights)),
        # Source arcs: unassigned registrations can still be reached, assigned ones can return.
        (np.where(assigned, regs_local, src), np.where(assigned, src, regs_local), np.zeros(u, np.int64)),
        # Sink arcs: dwellings with room can take more, dwellings with candidates can give one back.
        (dwelling_nodes[room], np.full(int(room.sum()), snk), np.zeros(int(room.sum()), np.int64)),
        (np.full(int((load > 0).sum()), snk), dwelling_nodes[load > 0], np.zeros(int((load > 0).sum()), np.int64)),
        # Return arc: one more filled slot is worth big_m.
        (np.array([snk]), np.array([src]), np.array([-big_m])),
    ]
    if chosen.any():
        parts.append((np.array([src]), np.array([snk]), np.array([big_m])))
    if net.quota is not None:
        through = np.bincount(arcs.d[chosen & net.via_sub(arcs)], minlength=n_dwellings)
        quota_room = through < np.minimum(net.quota, net.capacity)
        parts.append((sub_nodes[quota_room], dwelling_nodes[quota_room], np.zeros(int(quota_room.sum()), np.int64)))
        back = through > 0
        parts.append((dwelling_nodes[back], sub_nodes[back], np.zeros(int(back.sum()), np.int64)))
    tail = np.concatenate([np.asarray(p[0], np.int64) for p in parts])
    head = np.concatenate([np.asarray(p[1], np.int64) for p in parts])
    cost = np.concatenate([np.asarray(p[2], np.int64) for p in parts])
    pi = shortest_distances(layout.n_nodes, tail, head, cost)
    if np.any(cost + pi[tail] - pi[head] < 0):
        raise PotentialError("residual graph has a negative cycle")
    pi_reg = np.full(n_registrations, pi[src], np.int64)
    pi_reg[layout.registrations] = pi[:u]
    pi_dw = pi[dwelling_nodes].copy()
    pi_sub = pi[sub_nodes].copy() if net.quota is not None else pi_dw
    return Potentials(pi_dw, pi_sub, pi_reg, int(pi[src]), int(pi[snk]))


def shortest_distances(n_nodes: int, tail: IntArray, head: IntArray, cost: IntArray) -> IntArray:
    """Distances from a virtual root joined to every node at cost 0 (graph without negative cycles).

    Vectorised Bellman-Ford: the number of rounds is the arc count of the longest shortest path, which
    stays in the tens on assignment residual graphs; past a limit it falls back to a min-cost flow.
    """
    if len(tail) == 0:
        return np.zeros(n_nodes, np.int64)
    order = np.argsort(head, kind="stable")
    t, h, c = tail[order], head[order], cost[order]
    heads, starts = np.unique(h, return_index=True)
    dist = np.zeros(n_nodes, np.int64)
    for _ in range(min(n_nodes + 1, _BELLMAN_FORD_ROUNDS)):
        best = np.minimum.reduceat(dist[t] + c, starts)
        improved = best < dist[heads]
        if not improved.any():
            return dist
        dist[heads[improved]] = best[improved]
    return _distances_by_flow(n_nodes, tail, head, cost)


def _distances_by_flow(n_nodes: int, tail: IntArray, head: IntArray, cost: IntArray) -> IntArray:
    # Root supplies one unit to every node; positive-flow arcs lie on shortest paths (complementary
    # slackness), so a walk from the root along them yields the distances.
    root = n_nodes
    mcf = min_cost_flow.SimpleMinCostFlow()
    cap = np.full(len(tail) + n_nodes, n_nodes, np.int64)
    all_tail = np.concatenate([tail, np.full(n_nodes, root, np.int64)])
    all_head = np.concatenate([head, np.arange(n_nodes, dtype=np.int64)])
    all_cost = np.concatenate([cost, np.zeros(n_nodes, np.int64)])
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(all_tail, all_head, cap, all_cost)
    supplies = np.full(n_nodes + 1, -1, np.int64)
    supplies[root] = n_nodes
    mcf.set_nodes_supplies(np.arange(n_nodes + 1), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise PotentialError(f"shortest-path flow failed: {status}")
    used = mcf.flows(arcs) > 0
    t, h, c = all_tail[used], all_head[used], all_cost[used]
    order = np.argsort(t, kind="stable")
    t, h, c = t[order], h[order], c[order]
    starts = np.searchsorted(t, np.arange(n_nodes + 2)).tolist()
    h_list, c_list = h.tolist(), c.tolist()
    dist = [0] * (n_nodes + 1)
    seen = [False] * (n_nodes + 1)
    seen[root] = True
    queue: deque[int] = deque([root])
    while queue:
        i = queue.popleft()
        for j in range(starts[i], starts[i + 1]):
            k = h_list[j]
            if not seen[k]:
                seen[k] = True
                dist[k] = dist[i] + c_list[j]
                queue.append(k)
    if not all(seen):
        raise PotentialError("shortest-path tree does not reach every node")
    return np.asarray(dist[:n_nodes], np.int64)
