"""Lexicographic assignment by min-cost flow over an explicit arc set.

Objective: first fill as many slots as possible, then maximise the total score, each registration on at most
one shortlist. solve_max_flow_with_min_cost gives this exactly; the tie-break (longer wait, older registration)
is folded into the arc cost below one score point, so equal scores resolve the same way on every run.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.components import components
from matching.duals import Potentials
from matching.model import BoolArray, IntArray
from matching.network import Arcs, Network, NodeLayout

# The flow solver scales costs by about the node count; stay well inside int64 after that.
_COST_LIMIT = 1 << 60


def _tie_break_costs(arcs: Arcs, weights: IntArray, layout: NodeLayout, capacity: IntArray,
                     tb_value: IntArray) -> IntArray | None:
    # Per connected component, the tie-break weight W exceeds any sum of tie-break values, so the score
    # stays the first criterion; components are independent, so each gets its own W.
    u, reg_local = layout.n_registrations, layout.arc_registration
    label = components(u + layout.n_dwellings, reg_local, layout.first_dwelling + arcs.d)
    comp_ids, comp_of_arc = np.unique(label[reg_local], return_inverse=True)
    reg_comp = np.searchsorted(comp_ids, label[:u])
    comp_regs = np.bincount(reg_comp, minlength=len(comp_ids))
    comp_slots = np.zeros(len(comp_ids), np.int64)
    touched = np.unique(arcs.d)
    np.add.at(comp_slots, np.searchsorted(comp_ids, label[u + touched]), capacity[touched])
    # Rank registrations inside their component by tie-break value (higher is better).
    order = np.lexsort((tb_value[layout.registrations], reg_comp))
    starts = np.searchsorted(reg_comp[order], np.arange(len(comp_ids)))
    local_rank = np.empty(u, np.int64)
    local_rank[order] = np.arange(u) - starts[reg_comp[order]]
    weight = comp_slots * comp_regs + 1
    if int(weight.max()) * (int(np.abs(weights).max(initial=0)) + 1) * (layout.n_nodes + 1) >= _COST_LIMIT:
        return None
    return np.asarray(-(weights * weight[comp_of_arc] + local_rank[reg_local]), np.int64)


def flow_assign(arcs: Arcs, n_dwellings: int, net: Network, tb_value: IntArray,
                tie_break: bool = True) -> BoolArray:
    """Return the chosen arcs of a lexicographically optimal assignment (fill, score[, tie-break])."""
    if len(arcs) == 0:
        return np.zeros(0, np.bool_)
    layout = NodeLayout.of(arcs, n_dwellings)
    u = layout.n_registrations
    capacity = net.capacity
    weights = net.weights(arcs)
    cost = None
    if tie_break:
        cost = _tie_break_costs(arcs, weights, layout, capacity, tb_value)
    if cost is None:
        cost = -weights
    mcf = min_cost_flow.SimpleMinCostFlow()
    src, snk = layout.source, layout.sink
    dwelling_nodes = layout.dwelling_nodes()
    if net.quota is not None:
        mcf.add_arcs_with_capacity_and_unit_cost(
            layout.sub_nodes(), dwelling_nodes,
            np.minimum(net.quota, capacity).astype(np.int64), np.zeros(n_dwellings, np.int64))
    pair_arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        layout.arc_registration, layout.arc_heads(arcs, net), np.ones(len(arcs), np.int64), cost.astype(np.int64))
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.full(u, src, np.int64), np.arange(u, dtype=np.int64), np.ones(u, np.int64), np.zeros(u, np.int64))
    mcf.add_arcs_with_capacity_and_unit_cost(
        dwelling_nodes, np.full(n_dwellings, snk, np.int64), capacity.astype(np.int64),
        np.zeros(n_dwellings, np.int64))
    total = int(capacity.sum())
    mcf.set_node_supply(src, total)
    mcf.set_node_supply(snk, -total)
    status = mcf.solve_max_flow_with_min_cost()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return np.asarray(mcf.flows(pair_arcs) > 0)


def tie_break_among_optima(arcs: Arcs, chosen: BoolArray, pot: Potentials, n_dwellings: int, net: Network,
                           tb_value: IntArray) -> BoolArray:
    """Among all optimal assignments over `arcs`, return one that assigns the best tie-break values.

    `chosen` must be optimal (no quotas) and `pot` its residual potentials. By complementary slackness an
    assignment is optimal exactly when it uses no arc of positive reduced cost and fills every arc of negative
    reduced cost: the source, sink and pair arcs whose reduced cost is 0 are free, the others fixed. So the
    tie-break is a flow over the free arcs alone, its costs the tie-break values only: a far smaller cost
    range than scores and tie-break folded together, and a far smaller network.
    """
    if len(arcs) == 0:
        return chosen.copy()
    if net.quota is not None:
        raise ValueError("the tie-break among optima needs a network without quotas")
    layout = NodeLayout.of(arcs, n_dwellings)
    local = layout.arc_registration
    rc = pot.reduced_costs(arcs, net)
    # Residual reduced costs of the source -> registration and dwelling -> sink arcs (both of cost 0).
    rc_source = pot.source - pot.registration[layout.registrations]
    rc_sink = pot.dwelling - pot.sink
    capacity = np.asarray(net.capacity, np.int64)
    fixed_pair = chosen & (rc < 0)
    free_pair = rc == 0
    # Lower bounds become supplies: a fixed arc's flow leaves its tail and enters its head for good.
    supply = np.zeros(layout.n_nodes, np.int64)
    np.add.at(supply, local[fixed_pair], -1)
    np.add.at(supply, layout.first_dwelling + arcs.d[fixed_pair], 1)
    assigned_for_good = rc_source < 0
    supply[np.flatnonzero(assigned_for_good)] += 1
    supply[layout.source] -= int(assigned_for_good.sum())
    full_for_good = rc_sink < 0
    supply[layout.dwelling_nodes()[full_for_good]] -= capacity[full_for_good]
    supply[layout.sink] += int(capacity[full_for_good].sum())
    filled = int(chosen.sum())
    supply[layout.source] += filled
    supply[layout.sink] -= filled
    free = free_pair & ~fixed_pair
    mcf = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        local[free], layout.first_dwelling + arcs.d[free], np.ones(int(free.sum()), np.int64),
        -tb_value[arcs.r[free]].astype(np.int64))
    open_regs = np.flatnonzero(rc_source == 0)
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.full(len(open_regs), layout.source, np.int64), open_regs, np.ones(len(open_regs), np.int64),
        np.zeros(len(open_regs), np.int64))
    open_dw = np.flatnonzero(rc_sink == 0)
    mcf.add_arcs_with_capacity_and_unit_cost(
        layout.dwelling_nodes()[open_dw], np.full(len(open_dw), layout.sink, np.int64), capacity[open_dw],
        np.zeros(len(open_dw), np.int64))
    mcf.set_nodes_supplies(np.arange(layout.n_nodes, dtype=np.int64), supply)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"tie-break among optima failed: {status}")
    out = fixed_pair.copy()
    out[np.flatnonzero(free)[np.asarray(mcf.flows(pair_arcs)) > 0]] = True
    return out
