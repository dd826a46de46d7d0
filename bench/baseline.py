"""Naive baseline: vacancy by vacancy, scarcest first, first eligible registrations by waiting time.

This is how a first-come matching system such as Boston's open-source CAS works: it never looks ahead,
so a long-waiting registration eligible for many dwellings can be spent on the first one that comes up.
Eligibility and scores come from the same library, so only the assignment differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import numpy as np

from matching import Problem, prepare_registrations
from matching.prepare import DwellingTables
from matching.scoring import score_pairs
from matching.sweep import Ordering, run_sweep


@dataclass(frozen=True)
class BaselineResult:
    """Slots filled and total score of the naive assignment."""

    filled_slots: int
    objective: int
    seconds: float


def baseline(problem: Problem, slots: int = 3) -> BaselineResult:
    """Assign greedily: scarcest dwelling first, each takes the longest-waiting free eligible registrations."""
    started = perf_counter()
    rg = prepare_registrations(problem)
    dw = DwellingTables(problem, rg)
    sweep = run_sweep(dw, rg, Ordering(rg), k=1)
    taken = np.zeros(rg.n, np.bool_)
    chosen_d: list[int] = []
    chosen_r: list[int] = []
    for d in np.lexsort((np.arange(dw.n), sweep.eligible_count)).tolist():
        row = sweep.pairs.of_dwelling(d)
        free = row[~taken[row]]
        first = free[np.argsort(rg.tb_rank[free], kind="stable")[:slots]]
        taken[first] = True
        chosen_d.extend([d] * len(first))
        chosen_r.extend(first.tolist())
    d_arr = np.array(chosen_d, np.int64)
    r_arr = np.array(chosen_r, np.int64)
    objective = int(score_pairs(dw, rg, d_arr, r_arr).sum()) if len(d_arr) else 0
    return BaselineResult(len(d_arr), objective, perf_counter() - started)
