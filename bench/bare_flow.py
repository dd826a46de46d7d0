"""The reference the round is measured against: one bare OR-Tools SimpleMinCostFlow over EVERY eligible pair.

Same network and costs as the round's flow (source -> registration -> dwelling -> sink, capacity 1 per pair,
the dwelling's slots to the sink, cost minus the score), solved with solve_max_flow_with_min_cost: fill the most
slots, then the best total score. Only adding the arcs and solving is timed; the pairs come from the sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.sweep import EligiblePairs


@dataclass(frozen=True)
class BareFlow:
    """Slots filled, total score and seconds of the bare flow."""

    filled_slots: int
    objective: int
    seconds: float


def bare_flow(pairs: EligiblePairs, capacity: np.ndarray, n_registrations: int) -> BareFlow:
    """Solve the whole assignment with one SimpleMinCostFlow over all eligible pairs."""
    n_d = len(capacity)
    d = pairs.d.astype(np.int64)
    r = pairs.r.astype(np.int64)
    source, sink = n_registrations + n_d, n_registrations + n_d + 1
    started = perf_counter()
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(r, n_registrations + d, np.ones(len(d), np.int64),
                                                    -pairs.s.astype(np.int64))
    mcf.add_arcs_with_capacity_and_unit_cost(np.full(n_registrations, source, np.int64),
                                             np.arange(n_registrations, dtype=np.int64),
                                             np.ones(n_registrations, np.int64), np.zeros(n_registrations, np.int64))
    mcf.add_arcs_with_capacity_and_unit_cost(n_registrations + np.arange(n_d, dtype=np.int64),
                                             np.full(n_d, sink, np.int64), capacity.astype(np.int64),
                                             np.zeros(n_d, np.int64))
    total = int(capacity.sum())
    mcf.set_node_supply(source, total)
    mcf.set_node_supply(sink, -total)
    status = mcf.solve_max_flow_with_min_cost()
    seconds = perf_counter() - started
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"bare min-cost flow failed: {status}")
    used = mcf.flows(arcs) > 0
    return BareFlow(int(used.sum()), int(pairs.s[used].sum()), seconds)
