"""The CP-SAT model of one component under the neighbourhood cap on high-support candidates.

The cap couples dwellings of a neighbourhood, so the assignment is no longer a flow. The model encodes the same
lexicographic order as the flow (fill first, then score) with a big-M weight per filled slot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matching.model import BoolArray, IntArray
from matching.network import Arcs


@dataclass(frozen=True)
class CpResult:
    """Outcome of one CP-SAT component."""

    chosen: BoolArray
    status: str
    objective: int
    bound: int
    deterministic_time: float


def cpsat_assign(
    arcs: Arcs,
    capacity: IntArray,
    high: BoolArray,
    nb_of_dwelling: IntArray,
    nb_cap: IntArray,
    hint: BoolArray,
    big_m: int,
    max_time_in_seconds: float,
    max_deterministic_time: float,
    random_seed: int,
    num_workers: int,
    absolute_gap_limit: float,
) -> CpResult:
    """Solve one component with the neighbourhood cap: maximise big_m * filled + score.

    The deterministic time limit is what makes a run reproducible (one worker, a fixed seed); the wall-clock limit
    is only a safety net.
    """
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
    solver.parameters.max_deterministic_time = float(max_deterministic_time)
    solver.parameters.random_seed = int(random_seed)
    solver.parameters.num_workers = int(num_workers)
    # Absolute, in score points: a relative limit on big_m * filled + score would be meaningless.
    solver.parameters.absolute_gap_limit = float(absolute_gap_limit)
    status = solver.solve(model)
    name = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.array(solver.boolean_values(x), dtype=np.bool_)
        return CpResult(chosen, name, int(round(solver.objective_value)), int(round(solver.best_objective_bound)),
                        solver.deterministic_time)
    hint_value = int((big_m + arcs.s[hint]).sum())
    return CpResult(hint.copy(), name, hint_value, int(round(solver.best_objective_bound)),
                    solver.deterministic_time)
