"""Exact assignment by column generation over every eligible pair the sweep kept.

Start from each dwelling's best candidates, a greedy fill and every pair of the scarcest dwellings (they decide
how many slots can be filled), solve the lexicographic flow on that arc set, compute potentials, and price every
eligible pair (a few gathers over the sweep's flat pair arrays). Each round adds each dwelling's and each
registration's best violators and re-solves; when none is left the potentials certify optimality over ALL
eligible pairs (LP duality: the b-matching polytope is integral, so the flow optimum is the LP optimum). The
flows stay a few per cent of the eligible pairs, so each solve is cheap against one flow over all of them.

Between rounds, an unused arc whose reduced cost exceeds what the unpriced pairs could still add is dropped
for good (every solution using it is worse than the current one: reduced-cost fixing), and one whose reduced
cost exceeds KEEP_REDUCED_COST leaves the model for now (pricing brings it back should it be needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import numpy as np

from matching.components import components
from matching.duals import Potentials, residual_potentials
from matching.flow import flow_assign, tie_break_among_optima
from matching.model import BoolArray, IntArray, SolveParams
from matching.network import Arcs, Network
from matching.prepare import DwellingTables, RegistrationTables
from matching.pricing import price
from matching.scoring import score_pairs
from matching.sweep import Ordering, Sweep, greedy

# A dwelling with at most this many eligible registrations per slot starts with all of them.
SCARCE_PER_SLOT = 10
# Columns each pricing round adds: per dwelling (times its slots) and per registration, best amount first.
PER_DWELLING_PER_SLOT = 6
PER_REGISTRATION = 4
# Between rounds, unused arcs with a larger reduced cost than this are dropped.
KEEP_REDUCED_COST = 1000


@dataclass(frozen=True, eq=False)
class Assignment:
    """An optimal (when certified) assignment over `arcs` in network `net`, with its potentials.

    `extra` bounds what pairs outside `arcs` could still add to value() (0 when certified).
    """

    arcs: Arcs
    chosen: BoolArray
    potentials: Potentials
    net: Network
    big_m: int
    certified: bool
    extra: int
    rounds: int

    @property
    def filled(self) -> int:
        """Slots filled."""
        return int(self.chosen.sum())

    def value(self, chosen: BoolArray | None = None) -> int:
        """Return big_m * filled + network weight (score minus penalties) of a selection of the arcs."""
        sel = self.chosen if chosen is None else chosen
        return self.big_m * int(sel.sum()) + int(self.net.weights(self.arcs)[sel].sum())


def max_abs_score(dw: DwellingTables, rg: RegistrationTables, sweep: Sweep) -> int:
    """Return a bound on |score| over all pairs."""
    if dw.n == 0 or rg.n == 0:
        return 0
    base_hi = rg.base.max(axis=1)[dw.slot]
    base_lo = rg.base.min(axis=1)[dw.slot]
    return int(max(np.abs(base_hi + sweep.score_hi).max(), np.abs(base_lo + sweep.score_lo).max()))


def big_m_for(dw: DwellingTables, rg: RegistrationTables, sweep: Sweep, capacity: IntArray) -> int:
    """Return a per-slot weight exceeding any score change one extra filled slot could cost."""
    if dw.n == 0 or rg.n == 0:
        return 1
    max_abs = max_abs_score(dw, rg, sweep)
    # A simple residual path crosses each dwelling at most twice; 2 (D + S + 1) covers any path or cycle.
    # The factor 2 on the score leaves room for Lagrangian penalties up to max_abs.
    return 2 * (dw.n + int(capacity.sum()) + 1) * (2 * max_abs + 1)


def assigned_to(arcs: Arcs, chosen: BoolArray, n_regs: int) -> IntArray:
    """Return, per registration, the dwelling it is assigned to, or -1."""
    out = np.full(n_regs, -1, np.int64)
    out[arcs.r[chosen]] = arcs.d[chosen]
    return out


def initial_arcs(dw: DwellingTables, rg: RegistrationTables, ordering: Ordering, sweep: Sweep,
                 capacity: IntArray) -> Arcs:
    """Return the sweep's per-dwelling best candidates, a greedy fill and every pair of the scarce dwellings."""
    gd, gr = greedy(sweep.pairs, ordering, capacity, sweep.eligible_count, sweep.top)
    scarce = sweep.eligible_count <= SCARCE_PER_SLOT * np.maximum(capacity, 1)
    start = Arcs.union(sweep.candidate_arcs(dw, rg), sweep.pairs.arcs(scarce[sweep.pairs.d]), rg.n)
    return Arcs.union(start, Arcs(gd, gr, score_pairs(dw, rg, gd, gr)), rg.n)


def column_generation(dw: DwellingTables, rg: RegistrationTables, ordering: Ordering, sweep: Sweep,
                      params: SolveParams, deadline: float, net: Network, big_m: int, arcs: Arcs,
                      tie_break: bool = True, fill_only: bool = False) -> Assignment:
    """Price and re-solve until certified, within the gap limit, out of rounds or past the deadline.

    With `fill_only`, stop once the number of filled slots is proven (the capped round's start needs no more).
    """
    per_dwelling = PER_DWELLING_PER_SLOT * params.slots_per_dwelling
    rounds = 0
    chosen = flow_assign(arcs, dw.n, net, ordering.tb_value, tie_break=False)
    while True:
        pot = residual_potentials(dw.n, rg.n, arcs, chosen, net, big_m)
        priced = price(sweep.pairs, pot, assigned_to(arcs, chosen, rg.n), net, threshold=0,
                       per_dwelling=per_dwelling, per_registration=PER_REGISTRATION)
        rounds += 1
        # What unpriced pairs could add at most (each registration, or each dwelling's slots, gains at most
        # its largest violations): value(any solution) <= value(chosen) + extra.
        extra = min(int(priced.best_per_registration.sum()), int(priced.top_sum_per_dwelling.sum()))
        score = int(net.weights(arcs)[chosen].sum())
        certified = len(priced.arcs) == 0
        within_gap = extra < big_m and (fill_only or extra <= params.relative_gap_limit * max(1, abs(score)))
        if certified or within_gap or rounds >= params.max_pricing_rounds or perf_counter() > deadline:
            break
        # Unused arcs far from entering leave the model (pricing brings any back that is needed again).
        rc = pot.reduced_costs(arcs, net)
        arcs, chosen = resolve_touched(arcs.subset(chosen | (rc <= min(extra, KEEP_REDUCED_COST))),
                                       chosen[chosen | (rc <= min(extra, KEEP_REDUCED_COST))], priced.arcs,
                                       dw.n, rg.n, net, ordering.tb_value)
    if tie_break and certified and net.quota is None:
        # Optimal over every eligible pair: the tie-break needs only the optima over these arcs.
        chosen = tie_break_among_optima(arcs, chosen, pot, dw.n, net, ordering.tb_value)
    elif tie_break:
        # Every optimal solution uses only arcs of zero reduced cost (or used arcs of negative reduced
        # cost), so the tie-break among optimal solutions needs just those arcs.
        keep = chosen | (pot.reduced_costs(arcs, net) <= extra)
        final = flow_assign(arcs.subset(keep), dw.n, net, ordering.tb_value, tie_break=True)
        chosen = np.zeros(len(arcs), np.bool_)
        chosen[np.flatnonzero(keep)[final]] = True
    return Assignment(arcs, chosen, pot, net, big_m, certified, 0 if certified else extra, rounds)


def resolve_touched(kept: Arcs, kept_chosen: BoolArray, added: Arcs, n_dwellings: int, n_regs: int,
                    net: Network, tb_value: IntArray) -> tuple[Arcs, BoolArray]:
    """Add arcs to an optimal assignment and re-solve only the components the new arcs touch.

    The objective is a sum over the connected components of the arc graph (each registration and each
    dwelling's slots lie in one), so a component that gained no arc keeps its optimum; dropping unused arcs
    keeps it too. Only the components holding a new arc (after joining) need a new flow.
    """
    arcs = Arcs.union(kept, added, n_regs)
    key = arcs.d * max(n_regs, 1) + arcs.r
    chosen = np.zeros(len(arcs), np.bool_)
    chosen[np.searchsorted(key, kept.d[kept_chosen] * max(n_regs, 1) + kept.r[kept_chosen])] = True
    if len(added) == 0:
        return arcs, chosen
    label = components(n_regs + n_dwellings, arcs.r, n_regs + arcs.d)
    touched = np.zeros(n_regs + n_dwellings, np.bool_)
    touched[label[added.r]] = True
    redo = touched[label[arcs.r]]
    chosen[redo] = flow_assign(arcs.subset(redo), n_dwellings, net, tb_value, tie_break=False)
    return arcs, chosen


def count_components(arcs: Arcs, n_dwellings: int, n_regs: int) -> int:
    """Return the number of connected components of the arc graph that contain a dwelling."""
    if len(arcs) == 0:
        return 0
    label = components(n_regs + n_dwellings, arcs.r, n_regs + arcs.d)
    return len(np.unique(label[n_regs + np.unique(arcs.d)]))
