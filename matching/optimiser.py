"""Assignment solvers over an explicit arc set: lexicographic min-cost flow, and CP-SAT for the cap.

Objective everywhere: first fill as many slots as possible, then maximise the total score, each
registration on at most one shortlist. The flow gets this exactly from solve_max_flow_with_min_cost; the
tie-break (longer wait, older registration) is folded into the arc cost below one score point, so equal
scores resolve the same way on every run. CP-SAT encodes the same order with a big-M weight per slot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from matching.components import components
from matching.model import BoolArray, IntArray

# The flow solver scales costs by about the node count; stay well inside int64 after that.
_COST_LIMIT = 1 << 60


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
    """Capacities of the assignment network, optionally with a high-support quota or penalty.

    `quota[d]` caps the high-support candidates of dwelling d through a sub-node nested inside d (still a
    pure flow); `penalty[d]` is subtracted from the score of every high-support pair at d (a Lagrangian
    price for the neighbourhood cap).
    """

    capacity: IntArray
    high: BoolArray | None = None
    quota: IntArray | None = None
    penalty: IntArray | None = None

    def weights(self, arcs: Arcs) -> IntArray:
        """Return the score each arc carries in this network."""
        if self.penalty is None or self.high is None:
            return arcs.s
        return arcs.s - self.penalty[arcs.d] * self.high[arcs.r]

    def via_sub(self, arcs: Arcs) -> BoolArray:
        """Return which arcs enter their dwelling through the high-support sub-node."""
        if self.quota is None or self.high is None:
            return np.zeros(len(arcs), np.bool_)
        return np.asarray(self.high[arcs.r])


def _tie_break_costs(arcs: Arcs, weights: IntArray, n_dwellings: int, capacity: IntArray,
                     tb_value: IntArray, reg_local: IntArray, u: int) -> IntArray | None:
    # Per connected component, the tie-break weight W exceeds any sum of tie-break values, so the score
    # stays the first criterion; components are independent, so each gets its own W.
    label = components(u + n_dwellings, reg_local, u + arcs.d)
    comp_ids, comp_of_arc = np.unique(label[reg_local], return_inverse=True)
    reg_comp = np.searchsorted(comp_ids, label[:u])
    comp_regs = np.bincount(reg_comp, minlength=len(comp_ids))
    comp_slots = np.zeros(len(comp_ids), np.int64)
    touched = np.unique(arcs.d)
    np.add.at(comp_slots, np.searchsorted(comp_ids, label[u + touched]), capacity[touched])
    # Rank registrations inside their component by tie-break value (higher is better).
    regs = np.unique(arcs.r)
    order = np.lexsort((tb_value[regs], reg_comp))
    starts = np.searchsorted(reg_comp[order], np.arange(len(comp_ids)))
    local_rank = np.empty(u, np.int64)
    local_rank[order] = np.arange(u) - starts[reg_comp[order]]
    weight = comp_slots * comp_regs + 1
    n_nodes = u + 2 * n_dwellings + 2
    if int(weight.max()) * (int(np.abs(weights).max(initial=0)) + 1) * (n_nodes + 1) >= _COST_LIMIT:
        return None
    return np.asarray(-(weights * weight[comp_of_arc] + local_rank[reg_local]), np.int64)


def flow_assign(arcs: Arcs, n_dwellings: int, net: Network, tb_value: IntArray,
                tie_break: bool = True, slot_value: int | None = None) -> BoolArray:
    """Return the chosen arcs of a lexicographically optimal assignment (fill, score[, tie-break]).

    With `slot_value`, maximise slot_value * filled + weight instead (a min-cost circulation where
    filling is optional): needed when penalties may make a slot worth less than nothing.
    """
    if len(arcs) == 0:
        return np.zeros(0, np.bool_)
    regs, reg_local = np.unique(arcs.r, return_inverse=True)
    u = len(regs)
    capacity = net.capacity
    weights = net.weights(arcs)
    cost = None
    if tie_break and slot_value is None:
        cost = _tie_break_costs(arcs, weights, n_dwellings, capacity, tb_value, reg_local, u)
    if cost is None:
        cost = -weights if slot_value is None else -(weights + slot_value)
    mcf = min_cost_flow.SimpleMinCostFlow()
    src, snk = u + 2 * n_dwellings, u + 2 * n_dwellings + 1
    dw0, sub0 = u, u + n_dwellings
    head = np.where(net.via_sub(arcs), sub0 + arcs.d, dw0 + arcs.d)
    if net.quota is not None:
        mcf.add_arcs_with_capacity_and_unit_cost(
            sub0 + np.arange(n_dwellings), dw0 + np.arange(n_dwellings),
            np.minimum(net.quota, capacity).astype(np.int64), np.zeros(n_dwellings, np.int64))
    pair_arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        reg_local.astype(np.int64), head.astype(np.int64), np.ones(len(arcs), np.int64), cost.astype(np.int64))
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.full(u, src, np.int64), np.arange(u, dtype=np.int64), np.ones(u, np.int64), np.zeros(u, np.int64))
    mcf.add_arcs_with_capacity_and_unit_cost(
        dw0 + np.arange(n_dwellings), np.full(n_dwellings, snk, np.int64), capacity.astype(np.int64),
        np.zeros(n_dwellings, np.int64))
    total = int(capacity.sum())
    mcf.set_node_supply(src, total)
    mcf.set_node_supply(snk, -total)
    if slot_value is not None:
        # A free bypass lets flow skip any slot, so the circulation picks how many slots are worth it.
        mcf.add_arc_with_capacity_and_unit_cost(src, snk, total, 0)
        status = mcf.solve()
    else:
        status = mcf.solve_max_flow_with_min_cost()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return np.asarray(mcf.flows(pair_arcs) > 0)


@dataclass(frozen=True)
class CpResult:
    """Outcome of one CP-SAT component."""

    chosen: BoolArray
    status: str
    objective: int
    bound: int


def cpsat_assign(
    arcs: Arcs,
    capacity: IntArray,
    high: BoolArray,
    nb_of_dwelling: IntArray,
    nb_cap: IntArray,
    hint: BoolArray,
    big_m: int,
    max_time_in_seconds: float,
    random_seed: int,
    num_workers: int,
    absolute_gap_limit: float,
) -> CpResult:
    """Solve one component with the neighbourhood cap: maximise big_m * filled + score."""
    model = cp_model.CpModel()
    # Variables: one Boolean per candidate pair.
    x = [model.new_bool_var(f"x{i}") for i in range(len(arcs))]
    idx = np.arange(len(arcs))
    # Each registration on at most one shortlist.
    order = np.argsort(arcs.r, kind="stable")
    bounds = np.flatnonzero(np.diff(arcs.r[order], prepend=-1, append=-2))
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        group = order[a:b]
        if len(group) > 1:
            model.add_at_most_one(x[i] for i in group)
    # At most `capacity` candidates per dwelling.
    order = np.argsort(arcs.d, kind="stable")
    bounds = np.flatnonzero(np.diff(arcs.d[order], prepend=-1, append=-2))
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        group = order[a:b]
        d = int(arcs.d[group[0]])
        if len(group) > capacity[d]:
            model.add(sum(x[i] for i in group) <= int(capacity[d]))
    # At most the cap of high-support candidates per capped neighbourhood.
    high_arc = high[arcs.r]
    nb = nb_of_dwelling[arcs.d]
    for code in np.unique(nb[high_arc]):
        cap = int(nb_cap[code])
        if cap < 0:
            continue
        group = idx[high_arc & (nb == code)]
        if len(group) > cap:
            model.add(sum(x[i] for i in group) <= cap)
    # Objective: big-M per filled slot makes filling lexicographically first; then the score.
    coef = (big_m + arcs.s).astype(np.int64).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(x, coef))
    for i in np.flatnonzero(hint):
        model.add_hint(x[int(i)], True)
    for i in np.flatnonzero(~hint):
        model.add_hint(x[int(i)], False)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(max_time_in_seconds)
    solver.parameters.random_seed = int(random_seed)
    solver.parameters.num_workers = int(num_workers)
    # Absolute, in score points: a relative limit on big_m * filled + score would be meaningless.
    solver.parameters.absolute_gap_limit = float(absolute_gap_limit)
    status = solver.solve(model)
    name = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.array(solver.boolean_values(x), dtype=np.bool_)
        return CpResult(chosen, name, int(round(solver.objective_value)), int(round(solver.best_objective_bound)))
    hint_value = int((big_m + arcs.s[hint]).sum())
    return CpResult(hint.copy(), name, hint_value, int(round(solver.best_objective_bound)))
