"""The neighbourhood cap on high-support candidates: quota repair, a Lagrangian bound, CP-SAT when small.

The cap couples the dwellings of a neighbourhood (at most C high-support candidates over all of them), so the
problem is no longer a flow. Two facts make it one again, for a bound and for a solution:

* Quotas (the repair). Give each dwelling d a quota q_d of high-support candidates, with sum q_d <= C in every
  capped neighbourhood. With quotas it is a flow (a sub-node nested in each dwelling carries its quota), solved
  exactly like the uncapped round: min-cost flow over a growing arc set, priced over every eligible pair. Every
  such solution respects every cap: it is the lower bound LB. The first quotas squeeze the uncapped optimum's
  best high-support candidates into the caps.
* Lagrangian relaxation (the bound). Relaxing the caps with a multiplier lambda_nb >= 0 per neighbourhood gives
  a flow whose weights are score - lambda on high-support pairs; its optimum plus sum(lambda * C) bounds every
  capped solution. The quota flow's own duals evaluate it without another solve: mu_d = pi[d] - pi[sub-node of d]
  prices one more high-support slot at d, and with lambda_nb = max(0, max over the neighbourhood of mu_d)
      UB = quota flow value + sum(lambda_nb * C_nb) - sum(mu_d * q_d over mu_d > 0) + extra,
  where extra bounds what pairs outside the arc set could still add (pricing, as in colgen.py). The terms
  (lambda_nb - mu_d) * q_d are what the quotas lose against the best use of the cap: zero when every quota holder
  of a neighbourhood is worth the same, the Lagrangian optimum.
* Subgradient on the quotas. Each step moves, in every capped neighbourhood, one unit of quota from the holder
  with the lowest mu to the dwelling with the highest (a projected subgradient step on the dual, taken on the
  quotas: it equalises mu, which closes the gap), re-solves the quota flow on the arcs (adding the priced pairs)
  and keeps the best. A step that makes the solution worse goes back to the best quotas and retries with the
  larger half of the moves; the dual steps stop when the gap is within `relative_gap_limit`, after
  `max_lagrange_steps`, when moves no longer pay, or before the time limit's last tenth (kept for the polish).
* Both bounds are on big_m * filled + score (filling first): UB // big_m (after the score's range) bounds the
  slots any capped solution fills, and UB - big_m * filled the score of those filling as many as ours.
* On a small instance (every eligible pair within `max_cpsat_arcs`), CP-SAT over every pair, hinted with the
  best solution, closes what is left. A polish with the tie-break under the final quotas ends every run.

Everything but the time limit is deterministic, and what the time limit decides is counted: the dual steps
taken, and CP-SAT's budget in its deterministic time (the seconds left when it starts, spent over the components
by their share of the arcs and what the earlier ones used). The result's `replay` carries both, with the
uncapped start's pricing rounds: the same inputs solved with those settings (and time to spare) give the same
shortlists, also when the time limit stopped the run. Only CP-SAT's wall-clock safety net (the deadline) could
stop it short of its deterministic budget; the result's `solver` then says `cp_sat:...:wall`.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import numpy as np

from matching.colgen import (
    KEEP_REDUCED_COST,
    PER_DWELLING_PER_SLOT,
    PER_REGISTRATION,
    Assignment,
    assigned_to,
    max_abs_score,
)
from matching.components import components
from matching.cpsat import cpsat_assign
from matching.duals import Potentials, residual_potentials
from matching.flow import flow_assign
from matching.model import BoolArray, IntArray, SolveParams
from matching.network import Arcs, Network
from matching.prepare import DwellingTables, RegistrationTables
from matching.pricing import Priced, price
from matching.sweep import EligiblePairs, Ordering, Sweep

# The share of the time limit kept for the polish after the dual steps and CP-SAT.
_POLISH_SHARE = 0.1
# Steps without a better assignment after which the dual steps stop.
_STALE_STEPS = 6
# The rebalancing stops when fewer than this share of its moves still do not pay.
_MIN_SHARE = 1 / 16


@dataclass(frozen=True, eq=False)
class Capped:
    """The capped solution over `arcs`, its status, a bound on the slots any capped solution fills and a bound on
    the score of those filling as many slots as this one."""

    arcs: Arcs
    chosen: BoolArray
    status: str
    score_bound: int
    fill_bound: int
    components: int
    cpsat_status: str
    lagrange_steps: int
    cpsat_deterministic_time: float | None


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


def _combined(arcs: Arcs, chosen: BoolArray, big_m: int) -> int:
    return big_m * int(chosen.sum()) + int(arcs.s[chosen].sum())


def solve_capped(dw: DwellingTables, rg: RegistrationTables, ordering: Ordering, sweep: Sweep,
                 params: SolveParams, base: Assignment, deadline: float) -> Capped:
    """Return the best capped assignment found, with valid bounds on its fill and score (module docstring)."""
    started = perf_counter()
    reserve = deadline - _POLISH_SHARE * (deadline - started)
    nb_cap = neighbourhood_caps(dw)
    high = rg.high_support
    tbv = ordering.tb_value
    cap = base.net.capacity
    big_m = base.big_m
    # Start: the uncapped optimum's best high-support candidates squeezed into quotas.
    quota = quotas(base.arcs, base.chosen, cap, dw, high, nb_cap, tbv, low_support_counts(dw, rg, sweep.pairs))
    arcs = base.arcs
    best, best_value = arcs.subset(np.zeros(len(arcs), np.bool_)), -1
    upper = base.value() + base.extra
    steps, step_seconds, stale, share = 0, 0.0, 0, 1.0
    best_quota = quota
    mu_best = np.zeros(dw.n, np.int64)
    while steps < params.max_lagrange_steps and perf_counter() + 1.5 * step_seconds < reserve:
        t0 = perf_counter()
        steps += 1
        # The repair: the best flow under the quotas, cap-feasible by construction.
        net = Network(cap, high, quota=quota)
        chosen = flow_assign(arcs, dw.n, net, tbv, tie_break=False)
        # The bound: the Lagrangian dual from the quota flow's duals, and the pairs pricing adds.
        bound, pot, priced, mu = _bound(dw, sweep, params, arcs, chosen, net, big_m, quota, nb_cap)
        value = _combined(arcs, chosen, big_m)
        if value > best_value:
            best, best_value, best_quota, stale = arcs.subset(chosen), value, quota, 0
        else:
            stale += 1
        extra = min(int(priced.best_per_registration.sum()), int(priced.top_sum_per_dwelling.sum()))
        upper = min(upper, bound)
        if _closed(upper, best_value, big_m, best, params) or stale >= _STALE_STEPS:
            break
        rc = pot.reduced_costs(arcs, net)
        arcs = Arcs.union(Arcs.union(arcs.subset(chosen | (rc <= KEEP_REDUCED_COST)), priced.arcs, rg.n), best,
                          rg.n)
        # Price until the quotas' flow fills what it can (extra below a slot), then move quota while that pays;
        # a move that does not goes back to the best quotas and retries with the larger half of the moves.
        if extra >= big_m and value >= best_value:
            new_quota = quota
        else:
            if value < best_value:
                share /= 2
            else:
                mu_best, share = mu, min(1.0, share * 2)
            new_quota = _rebalance(best_quota, mu_best, dw, nb_cap, cap, share)
            if share < _MIN_SHARE:
                break
        if np.array_equal(new_quota, quota) and len(priced.arcs) == 0:
            break
        quota = new_quota
        step_seconds = perf_counter() - t0
    arcs = Arcs.union(arcs, best, rg.n)
    chosen = _member(arcs, best, rg.n)
    cp_status, n_comp, cp_time = "NOT_RUN", 0, None
    if not _closed(upper, best_value, big_m, best, params) and len(sweep.pairs) <= params.max_cpsat_arcs:
        # A small instance: CP-SAT over every eligible pair, hinted with the best assignment, closes the gap.
        every = Arcs.union(sweep.pairs.arcs(np.ones(len(sweep.pairs), np.bool_)), best, rg.n)
        hint = _member(every, best, rg.n)
        cp_time = params.max_cpsat_deterministic_time
        if cp_time is None:
            cp_time = round(max(0.0, reserve - perf_counter()), 3)
        found, cp_status, bound, n_comp = _cpsat_components(dw, rg, params, every, cap, high, nb_cap, hint,
                                                            big_m, cp_time, deadline)
        upper = min(upper, max(bound, _combined(every, found, big_m)))
        if _combined(every, found, big_m) >= best_value:
            arcs, chosen = every, found
    # Polish with the tie-break under the quotas of the best assignment: the same (fill, score) or better.
    polished = flow_assign(arcs, dw.n, Network(cap, high, quota=quotas(arcs, chosen, cap, dw, high, nb_cap, tbv)),
                           tbv)
    if _combined(arcs, polished, big_m) >= _combined(arcs, chosen, big_m):
        chosen = polished
    value = _combined(arcs, chosen, big_m)
    filled = int(chosen.sum())
    upper = max(upper, value)
    # Every capped assignment has big_m * filled + score <= upper, and a score of at least -filled * max_abs.
    total_slots = int(cap.sum())
    fill_bound = min(total_slots, (upper + total_slots * max_abs_score(dw, rg, sweep)) // big_m)
    status = "OPTIMAL" if upper <= value else "FEASIBLE"
    return Capped(arcs, chosen, status, upper - big_m * filled, max(fill_bound, filled), n_comp, cp_status, steps,
                  cp_time)


def _bound(dw: DwellingTables, sweep: Sweep, params: SolveParams, arcs: Arcs, chosen: BoolArray, net: Network,
           big_m: int, quota: IntArray, nb_cap: IntArray) -> tuple[int, Potentials, Priced, IntArray]:
    """The Lagrangian bound of the module docstring from the quota flow's duals, its pricing and the duals mu."""
    assert net.high is not None
    rg_n = len(net.high)
    pot = _holders_priced_up(residual_potentials(dw.n, rg_n, arcs, chosen, net, big_m), arcs, chosen,
                             quota, net.capacity, net.high, nb_cap[dw.nb_index] >= 0)
    priced = price(sweep.pairs, pot, assigned_to(arcs, chosen, rg_n), net, threshold=0,
                   per_dwelling=PER_DWELLING_PER_SLOT * params.slots_per_dwelling, per_registration=PER_REGISTRATION)
    # lambda = each neighbourhood's largest quota dual mu prices its cap.
    capped = nb_cap[dw.nb_index] >= 0
    mu = np.where(capped, pot.dwelling - pot.dwelling_high, 0)
    lam = np.zeros(len(nb_cap), np.int64)
    np.maximum.at(lam, dw.nb_index, np.maximum(mu, 0))
    extra = min(int(priced.best_per_registration.sum()), int(priced.top_sum_per_dwelling.sum()))
    bound = (_combined(arcs, chosen, big_m) + extra + int((lam * np.maximum(nb_cap, 0)).sum())
             - int(np.where(mu > 0, mu * quota, 0).sum()))
    return bound, pot, priced, mu


def _holders_priced_up(pot: Potentials, arcs: Arcs, chosen: BoolArray, quota: IntArray, capacity: IntArray,
                       high: BoolArray, nb_capped: BoolArray) -> Potentials:
    """The same certificate, moved within the optimal duals to tighten the bound (raise mu where quota is held,
    lower it where none is).

    A dwelling whose quota is used up gets its sub-node potential lowered to what the backward arcs of its
    high-support candidates allow; a dwelling of a capped neighbourhood without quota gets its own potential
    lowered to what its residual arcs out allow (the backward arcs of its candidates, the sink when it has room).
    Arcs into a lowered node stay satisfied, and no arc leaves it but those, so the potentials stay feasible.
    """
    used = chosen & high[arcs.r]
    n_d = len(quota)
    floor = np.iinfo(np.int64).min
    through = np.bincount(arcs.d[used], minlength=n_d)
    lowest = np.full(n_d, floor, np.int64)
    np.maximum.at(lowest, arcs.d[used], pot.registration[arcs.r[used]] - arcs.s[used])
    full = (through > 0) & (through >= quota)
    sub = np.where(full, np.minimum(lowest, pot.dwelling_high), pot.dwelling_high)
    load = np.bincount(arcs.d[chosen], minlength=n_d)
    floor_d = np.full(n_d, floor, np.int64)
    np.maximum.at(floor_d, arcs.d[chosen], pot.registration[arcs.r[chosen]] - arcs.s[chosen])
    # The sink's potential is not kept; a dwelling with room stays where it is.
    none = nb_capped & (quota == 0) & (load >= capacity) & (floor_d > floor)
    dwelling = np.where(none, np.minimum(floor_d, pot.dwelling), pot.dwelling)
    return Potentials(dwelling, sub, pot.registration)


def _rebalance(quota: IntArray, mu: IntArray, dw: DwellingTables, nb_cap: IntArray, cap: IntArray,
               share: float) -> IntArray:
    # In each capped neighbourhood the dwellings that would gain most from one more unit of quota (their dual)
    # take one each: first the units left unused, then one from each holder whose quota is worth least, paired
    # best taker with worst holder while the taker gains more. Only the `share` of the moves with the largest
    # gains is made.
    new = quota.copy()
    moves: list[tuple[int, int, int]] = []
    order = np.lexsort((np.arange(dw.n), dw.nb_index))
    nbs = dw.nb_index[order]
    starts = np.flatnonzero(np.r_[True, nbs[1:] != nbs[:-1]]) if dw.n else np.zeros(0, np.int64)
    for a, b in zip(starts.tolist(), [*starts[1:].tolist(), dw.n], strict=True):
        nb = int(nbs[a])
        if nb_cap[nb] < 0:
            continue
        members = order[a:b]
        room = members[(new[members] < cap[members]) & (mu[members] > 0)]
        if len(room) == 0:
            continue
        takers = room[np.lexsort((room, -mu[room]))].tolist()
        unused = int(nb_cap[nb]) - int(new[members].sum())
        for taker in takers[:max(0, unused)]:
            moves.append((int(mu[taker]), -1, taker))
        takers = takers[max(0, unused):]
        holders = members[new[members] > 0]
        givers = holders[np.lexsort((holders, mu[holders]))].tolist()
        for taker, giver in zip(takers, givers, strict=False):
            if taker == giver or mu[taker] <= mu[giver]:
                break
            moves.append((int(mu[taker] - mu[giver]), giver, taker))
    moves.sort(key=lambda m: (-m[0], m[2]))
    for _gain, giver, taker in moves[:max(1, int(len(moves) * share))] if moves else ():
        if giver >= 0:
            new[giver] -= 1
        new[taker] += 1
    return new


def _closed(upper: int, lower: int, big_m: int, best: Arcs, params: SolveParams) -> bool:
    # Closed when the bound meets the solution, or the score gap is within the limit at the same fill.
    score = int(best.s.sum())
    gap = upper - lower
    return gap <= 0 or (gap < big_m and gap <= params.relative_gap_limit * max(1, abs(score)))


def _member(arcs: Arcs, subset: Arcs, n_regs: int) -> BoolArray:
    width = max(n_regs, 1)
    return np.isin(arcs.d * width + arcs.r, subset.d * width + subset.r)


def _cpsat_components(dw: DwellingTables, rg: RegistrationTables, params: SolveParams, arcs: Arcs,
                      cap: IntArray, high: BoolArray, nb_cap: IntArray, hint: BoolArray, big_m: int,
                      budget_total: float, deadline: float) -> tuple[BoolArray, str, int, int]:
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
    left = budget_total
    wall = False
    for sel in groups:
        sub = arcs.subset(sel)
        # Deterministic: the budget depends on the recorded total and the deterministic time used so far.
        budget = max(0.05, left * len(sel) / max(remaining, 1))
        remaining -= len(sel)
        score = abs(int(sub.s[hint[sel]].sum()))
        seconds = max(0.05, deadline - perf_counter())
        result = cpsat_assign(sub, cap, high, dw.nb_index, nb_cap, hint[sel], big_m, seconds, budget,
                              params.random_seed, params.num_workers, params.relative_gap_limit * max(1, score))
        left = max(0.0, left - result.deterministic_time)
        wall = wall or (result.status not in ("OPTIMAL", "INFEASIBLE") and result.deterministic_time < budget)
        hint_value = _combined(sub, hint[sel], big_m)
        found = hint_value
        if result.objective >= hint_value:
            chosen[sel] = result.chosen
            found = result.objective
        bound += max(result.bound, found) - hint_value
        if result.status != "OPTIMAL":
            status = result.status
    n_comp = len(np.unique(label[n + np.unique(arcs.d)])) if len(arcs) else 0
    return chosen, f"{status}:wall" if wall else status, bound, n_comp

