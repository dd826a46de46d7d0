"""Stuck cases: per registration, how many dwellings pass each rule and what lifting one rule would free."""

from __future__ import annotations

import numpy as np

from matching.model import RULE_CODES, IntArray, Problem
from matching.prepare import DwellingTables, RegistrationTables
from matching.result import RegistrationDiagnosis
from matching.rules import Cols, column_counts, rule_masks
from matching.solve import registration_tables


def diagnose_registrations(problem: Problem, indices: IntArray | list[int] | None = None,
                           prepared: RegistrationTables | None = None,
                           block_cells: int = 2_000_000) -> tuple[RegistrationDiagnosis, ...]:
    """Diagnose the given registrations (all when None) against every dwelling of the problem."""
    rg = registration_tables(problem, prepared)
    dw = DwellingTables(problem, rg, block_cells)
    cols = Cols.all(rg.n) if indices is None else Cols.subset(rg.n, np.asarray(indices, np.int64))
    n_rules = len(RULE_CODES)
    eligible = np.zeros(cols.n, np.int64)
    dwellings = np.zeros(cols.n, np.int64)
    passing = np.zeros((n_rules, cols.n), np.int64)
    only = np.zeros((n_rules, cols.n), np.int64)
    for block in dw.blocks:
        shape = (len(block.rows), cols.n)
        # A registration is diagnosed only against the dwellings of the region whose list it is on.
        listed = (np.ones(cols.n, np.bool_) if rg.on_list is None
                  else np.asarray(cols.take(rg.on_list[block.slot]), np.bool_))
        masks = rule_masks(dw, rg, block, cols)
        # Number of rules failing per pair; a pair failing exactly one rule is freed by lifting it.
        n_fail = np.zeros(shape, np.uint8)
        for mask in masks:
            n_fail += mask
        dwellings += shape[0] * listed
        eligible += np.count_nonzero(n_fail == 0, axis=0) * listed
        single = n_fail == 1
        for k, mask in enumerate(masks):
            passing[k] += (shape[0] - column_counts(mask, shape)) * listed
            only[k] += np.count_nonzero(single & mask, axis=0) * listed
    regs = np.arange(rg.n) if cols.index is None else cols.index
    return tuple(
        RegistrationDiagnosis(
            registration_index=int(r),
            registration_id=problem.registrations.ids[int(r)],
            dwellings=int(dwellings[j]),
            eligible=int(eligible[j]),
            passing={code: int(passing[k, j]) for k, code in enumerate(RULE_CODES)},
            eligible_without={code: int(eligible[j] + only[k, j]) for k, code in enumerate(RULE_CODES)},
        )
        for j, r in enumerate(regs.tolist()))


def diagnose_registration(problem: Problem, registration_index: int,
                          prepared: RegistrationTables | None = None) -> RegistrationDiagnosis:
    """Diagnose one registration against every dwelling of the problem."""
    return diagnose_registrations(problem, [registration_index], prepared)[0]
