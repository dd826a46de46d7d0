"""The neighbourhood cap on high-support candidates: Lagrangian bound, reduced model, CP-SAT.

The cap couples dwellings of a neighbourhood, so the problem is no longer a flow. Steps:

1. Hint: keep the uncapped optimum's best high-support candidates up to each cap and turn them into
   per-dwelling quotas; with quotas (a sub-node nested in each dwelling) it is a flow again, solved
   exactly by column generation. Feasible for the caps; value L = M * filled + score.
2. Bound: the quota duals price one more high-support slot per dwelling; their neighbourhood maximum is
   a Lagrangian multiplier lambda >= 0. Relaxing the cap with that price gives a flow whose optimum plus
   sum(lambda * cap) bounds every capped solution: UB.
3. Reduced-cost fixing: with the relaxed flow's potentials, a capped solution using pair a is worth at
   most UB - rc(a), so pairs with rc(a) > UB - L cannot beat the hint and are dropped.
4. CP-SAT per connected component (pairs + shared capped neighbourhoods), hinted, time-limited, seeded.
5. Polish: quotas from the CP-SAT answer, flow again with the tie-break: never worse, deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import numpy as np

from matching.colgen import Assignment, assigned_to, column_generation, max_abs_score
from matching.components import components
from matching.cpsat import cpsat_assign
from matching.flow import flow_assign
from matching.model import BoolArray, IntArray, SolveParams
from matching.network import Arcs, Network
from matching.prepare import DwellingTables, RegistrationTables
from matching.pricing import price
from matching.sweep import NEG, EligiblePairs, Ordering, Sweep

_REBALANCE_ROUNDS = 4
_LAGRANGE_STEPS = 4


@dataclass(frozen=True, eq=False)
class Capped:
    """The capped solution over `arcs`, its status and an upper bound on big_m * filled + score."""

    arcs: Arcs
    chosen: BoolArray
    status: str
    bound_combined: int
    components: int
    cpsat_status: str


def neighbourhood_caps(dw: DwellingTables) -> IntArray:
    """Per neighbourhood index, the cap on high-support candidates (-1 = none; the strictest applies)."""
    caps = np.full(len(dw.nb_codes), -1, np.int64)
    for d in np.flatnonzero(dw.cap >= 0):
        nb = dw.nb_index[d]
        caps[nb] = dw.cap[d] if caps[nb] < 0 else min(caps[nb], dw.cap[d])
    return caps


def low_support_counts(dw: DwellingTables, rg: RegistrationTables, pairs: EligiblePairs) -> IntArray:
    """Per dwelling, how many eligible registrations are NOT high-support (they fill without using a cap)."""
    return np.bincount(pairs.d[~rg.high_support[pairs.r]], minlength=dw.n).astype(np.int64)


def quotas(arcs: Arcs, chosen: BoolArray, capacity: IntArray, dw: DwellingTables, high: BoolArray,
           nb_cap: IntArray, tb_value: IntArray, low_count: IntArray | None = None) -> IntArray:
    """Per dwelling, how many high-support candidates it may take within each neighbourhood's cap.

    With `low_count`, dwellings that cannot fill their slots from low-support registrations get a unit
    first (scarcest first); the rest of the cap goes to the best high-support candidates of `chosen`.
    """
    capped = nb_cap[dw.nb_index] >= 0
    quota = np.where(capped, 0, capacity).astype(np.int64)
    left = np.maximum(nb_cap, 0).copy()
    if low_count is not None:
        short = np.flatnonzero(capped & (low_count < capacity))
        for d in short[np.argsort(low_count[short], kind="stable")].tolist():
            code = int(dw.nb_index[d])
            if left[code] > 0:
                quota[d] += 1
                left[code] -= 1
    idx = np.flatnonzero(chosen & high[arcs.r] & capped[arcs.d])
    if len(idx) == 0:
        return quota
    # Best chosen high-support candidates first (score, then tie-break), while the cap lasts.
    order = idx[np.lexsort((-tb_value[arcs.r[idx]], -arcs.s[idx]))]
    for i in order.tolist():
        d = int(arcs.d[i])
        code = int(dw.nb_index[d])
        if left[code] > 0 and quota[d] < capacity[d]:
            quota[d] += 1
            left[code] -= 1
    return quota


def rebalance(quota: IntArray, hinted: Assignment, dw: DwellingTables, high: BoolArray,
              nb_cap: IntArray) -> IntArray:
    """Move quota a dwelling leaves unused to the dwellings of its neighbourhood that value it most."""
    arcs, chosen = hinted.arcs, hinted.chosen
    used = np.bincount(arcs.d[chosen & high[arcs.r]], minlength=dw.n)
    value = hinted.potentials.dwelling - hinted.potentials.dwelling_high
    new = np.minimum(quota, used)
    spare = np.maximum(nb_cap, 0) - np.bincount(dw.nb_index, weights=new, minlength=len(nb_cap)).astype(np.int64)
    cap = hinted.net.capacity
    # Only saturated sub-arcs with a positive price gain from one more unit.
    wants = np.flatnonzero((nb_cap[dw.nb_index] >= 0) & (value > 0) & (new < cap))
    for d in wants[np.argsort(-value[wants], kind="stable")].tolist():
        code = int(dw.nb_index[d])
        if spare[code] > 0:
            new[d] += 1
            spare[code] -= 1
    return np.where(nb_cap[dw.nb_index] >= 0, new, quota)


def _combined(arcs: Arcs, chosen: BoolArray, big_m: int) -> int:
    return big_m * int(chosen.sum()) + int(arcs.s[chosen].sum())


def solve_capped(dw: DwellingTables, rg: RegistrationTables, ordering: Ordering, sweep: Sweep,
                 params: SolveParams, base: Assignment, deadline: float) -> Capped:
    """Return the best capped assignment found within the deadline, with a valid bound."""
    nb_cap = neighbourhood_caps(dw)
    high = rg.high_support
    tbv = ordering.tb_value
    cap = base.net.capacity
    big_m = base.big_m
    # 1. Hint: the uncapped optimum squeezed into per-dwelling quotas, re-optimised exactly; quota left
    #    unused moves to dwellings whose dual price says they would gain from it.
    low_count = low_support_counts(dw, rg, sweep.pairs)
    quota = quotas(base.arcs, base.chosen, cap, dw, high, nb_cap, tbv, low_count)
    arcs = base.arcs
    hinted = column_generation(dw, rg, ordering, sweep, params, deadline, Network(cap, high, quota=quota),
                               big_m, arcs)
    for _ in range(_REBALANCE_ROUNDS):
        new_quota = rebalance(quota, hinted, dw, high, nb_cap)
        if np.array_equal(new_quota, quota) or perf_counter() > deadline:
            break
        quota = new_quota
        trial = column_generation(dw, rg, ordering, sweep, params, deadline, Network(cap, high, quota=quota),
                                  big_m, hinted.arcs)
        if trial.value() <= hinted.value():
            break
        hinted = trial
    lower = hinted.value()
    # 2. Lagrangian bound: lambda starts at the largest quota price in each capped neighbourhood, then
    #    takes Polyak subgradient steps (lower where the cap went unused, raise where it was exceeded,
    #    step size from the distance to the hint). Every lambda >= 0 gives a valid bound; the best is kept.
    max_abs = max_abs_score(dw, rg, sweep)
    limit_lam = big_m + max_abs + 1
    price_d = np.clip(hinted.potentials.dwelling - hinted.potentials.dwelling_high, 0, limit_lam)
    lam = np.zeros(len(dw.nb_codes), np.int64)
    np.maximum.at(lam, dw.nb_index, np.where(nb_cap[dw.nb_index] >= 0, price_d, 0))
    start = Arcs.union(hinted.arcs, base.arcs, rg.n)
    cap_nb = np.maximum(nb_cap, 0)
    capped_nb = nb_cap >= 0
    upper: int | None = None
    theta = 1.0
    # Lagrangian rounds may use at most half of the remaining time; CP-SAT needs the rest.
    lagrange_deadline = perf_counter() + max(0.0, deadline - perf_counter()) / 2
    for _ in range(_LAGRANGE_STEPS):
        lnet = Network(cap, high, penalty=lam[dw.nb_index])
        trial = column_generation(dw, rg, ordering, sweep, params, deadline, lnet, big_m, start,
                                  tie_break=False, optional_fill=True)
        value = trial.value() + trial.extra + int((lam * cap_nb).sum())
        if upper is None or value < upper:
            upper, relaxed, best_net = value, trial, lnet
        else:
            theta /= 2
        if upper <= lower or perf_counter() > lagrange_deadline:
            break
        used = np.bincount(dw.nb_index[trial.arcs.d[trial.chosen & high[trial.arcs.r]]], minlength=len(lam))
        direction = np.where(capped_nb, used - cap_nb, 0)
        # Projected: a zero multiplier with unused cap cannot go lower.
        direction = np.where((lam == 0) & (direction < 0), 0, direction)
        norm = float((direction.astype(np.float64) ** 2).sum())
        if norm == 0:
            break
        step = theta * (value - lower) / norm
        new = np.clip(np.rint(lam + step * direction), 0, limit_lam).astype(np.int64)
        if np.array_equal(new, lam):
            break
        lam, start = new, trial.arcs
    assert upper is not None
    lnet = best_net
    upper = min(upper, base.value() + base.extra)
    gap = upper - lower
    if gap <= 0 or gap <= params.relative_gap_limit * max(1, abs(lower - big_m * hinted.filled)):
        return Capped(hinted.arcs, hinted.chosen, "OPTIMAL" if gap <= 0 else "FEASIBLE", max(upper, lower),
                      0, "NOT_RUN")
    # 3. Keep every pair whose reduced cost under the relaxed duals is within the gap.
    limit = max(2 * params.slots_per_dwelling, params.max_cpsat_arcs // max(dw.n, 1))
    priced = price(sweep.pairs, relaxed.potentials, assigned_to(relaxed.arcs, relaxed.chosen, rg.n),
                   lnet, threshold=-gap - 1, per_dwelling=limit, per_registration=False)
    rc = relaxed.potentials.reduced_costs(relaxed.arcs, lnet)
    arcs = Arcs.union(Arcs.union(relaxed.arcs.subset(rc <= gap), priced.arcs, rg.n),
                      hinted.arcs.subset(hinted.chosen), rg.n)
    width = max(rg.n, 1)
    hint = np.isin(arcs.d * width + arcs.r,
                   hinted.arcs.d[hinted.chosen] * width + hinted.arcs.r[hinted.chosen])
    # 4. CP-SAT on what is left.
    chosen, cp_status, bound, n_comp = _cpsat_components(dw, rg, params, arcs, cap, high, nb_cap, hint,
                                                         big_m, deadline)
    # 5. Polish with the tie-break under the quotas CP-SAT chose; it can only improve (fill, score).
    polished = flow_assign(arcs, dw.n, Network(cap, high, quota=quotas(arcs, chosen, cap, dw, high, nb_cap,
                                                                        tbv)), tbv)
    if _combined(arcs, polished, big_m) < _combined(arcs, chosen, big_m):
        polished = chosen
    value = _combined(arcs, polished, big_m)
    bound = max(bound, value)
    if priced.max_dropped_amount > NEG:
        # Pairs dropped by the size limit: a solution using one is worth at most upper - its rc.
        bound = max(bound, upper + priced.max_dropped_amount)
    bound = min(bound, upper)
    status = "OPTIMAL" if bound <= value else "FEASIBLE"
    return Capped(arcs, polished, status, bound, n_comp, cp_status)


def _cpsat_components(dw: DwellingTables, rg: RegistrationTables, params: SolveParams, arcs: Arcs,
                      cap: IntArray, high: BoolArray, nb_cap: IntArray, hint: BoolArray, big_m: int,
                      deadline: float) -> tuple[BoolArray, str, int, int]:
    # Components over pairs, plus links between dwellings of one capped neighbourhood (shared cap).
    n = rg.n
    tails = [arcs.r]
    heads = [n + arcs.d]
    for nb in np.flatnonzero(nb_cap >= 0):
        members = np.flatnonzero(dw.nb_index == nb)
        tails.append(n + members[:-1])
        heads.append(n + members[1:])
    label = components(n + dw.n, np.concatenate(tails), np.concatenate(heads))
    arc_label = label[arcs.r]
    needs_cp = high[arcs.r] & (nb_cap[dw.nb_index[arcs.d]] >= 0)
    cp_labels = np.unique(arc_label[needs_cp])
    chosen = hint.copy()
    bound = _combined(arcs, hint, big_m)
    status = "OPTIMAL"
    groups = [np.flatnonzero(arc_label == lab) for lab in cp_labels.tolist()]
    remaining = sum(len(g) for g in groups)
    for sel in groups:
        sub = arcs.subset(sel)
        budget = max(0.05, (deadline - perf_counter()) * len(sel) / max(remaining, 1))
        remaining -= len(sel)
        score = abs(int(sub.s[hint[sel]].sum()))
        result = cpsat_assign(sub, cap, high, dw.nb_index, nb_cap, hint[sel], big_m, budget,
                              params.random_seed, params.num_workers, params.relative_gap_limit * max(1, score))
        hint_value = _combined(sub, hint[sel], big_m)
        found = hint_value
        if result.objective >= hint_value:
            chosen[sel] = result.chosen
            found = result.objective
        bound += max(result.bound, found) - hint_value
        if result.status != "OPTIMAL":
            status = result.status
    n_comp = len(np.unique(label[n + np.unique(arcs.d)])) if len(arcs) else 0
    return chosen, status, bound, n_comp
