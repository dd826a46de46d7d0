"""Soft score: integer points per (dwelling, registration) pair from the dwelling's region policy.

score = waiting + urgency + preferred municipality + low-stimulus preferred met
        - oversize - support x vulnerability - recent placements
The registration-only part (waiting, urgency) is precomputed per policy (`RegistrationTables.base`); the
dwelling side is folded into per-dwelling coefficients (`DwellingTables.c_*`), so a block score is a few
broadcast multiply-adds.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from matching.model import SUPPORT_INTENSIVE, IntArray
from matching.prepare import Block, DwellingTables, RegistrationTables
from matching.rules import Cols

SCORE_TERMS: Final = (
    "waiting",
    "urgency",
    "preferred_municipality",
    "low_stimulus_preferred",
    "oversize",
    "liveability_support",
    "liveability_recent_placements",
)


def score_block(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> IntArray:
    """Return the (rows x columns) int64 score matrix of a policy-homogeneous block."""
    rows = block.rows
    score = cols.take(rg.base[block.slot])[None, :] - dw.c_recent[rows, None]
    c_pref = dw.c_pref[rows]
    if c_pref.any():
        prefers = cols.take(dw.pref_matrix[dw.muni_index[rows]])
        if prefers.any():
            score = score + c_pref[:, None] * prefers
    c_ls = dw.c_ls[rows]
    if c_ls.any():
        score = score + c_ls[:, None] * cols.take(rg.ls_preferred)[None, :]
    c_over = dw.c_over[rows]
    if c_over.any():
        score = score - c_over[:, None] * cols.take(rg.small)[None, :]
    c_live = dw.c_live[rows]
    if c_live.any():
        score = score - c_live[:, None] * cols.take(rg.support)[None, :]
    return np.asarray(score, dtype=np.int64)


def score_terms(dw: DwellingTables, rg: RegistrationTables, d: IntArray, r: IntArray) -> dict[str, IntArray]:
    """Return each score term for parallel arrays of dwelling and registration indices."""
    return {
        "waiting": dw.w_wait[d] * rg.waiting[r],
        "urgency": dw.w_urgent[d] * rg.urgent[r].astype(np.int64),
        "preferred_municipality": dw.c_pref[d] * dw.pref_matrix[dw.muni_index[d], r],
        "low_stimulus_preferred": dw.c_ls[d] * rg.ls_preferred[r],
        "oversize": -dw.c_over[d] * rg.small[r],
        "liveability_support": -dw.c_live[d] * rg.support[r],
        "liveability_recent_placements": -dw.c_recent[d] + 0 * r,
    }


def score_pairs(dw: DwellingTables, rg: RegistrationTables, d: IntArray, r: IntArray) -> IntArray:
    """Return the total score for parallel arrays of dwelling and registration indices."""
    terms = score_terms(dw, rg, d, r)
    total = np.zeros(len(d), np.int64)
    for values in terms.values():
        total += values.astype(np.int64)
    return total


def dwelling_score_bounds(dw: DwellingTables, rg: RegistrationTables) -> tuple[IntArray, IntArray]:
    """Per dwelling, bounds (lo, hi) on score minus the registration's base score, over all registrations."""
    max_support = SUPPORT_INTENSIVE if rg.n == 0 else max(int(rg.support.max()), 0)
    any_pref = dw.pref_matrix.any(axis=1)[dw.muni_index] if dw.n else np.zeros(0, np.bool_)
    any_ls = bool(rg.ls_preferred.any())
    pref = np.where(any_pref, dw.c_pref, 0)
    ls = dw.c_ls if any_ls else np.zeros_like(dw.c_ls)
    terms_hi = [np.maximum(pref, 0), np.maximum(ls, 0), np.maximum(-dw.c_over, 0),
                np.maximum(-dw.c_live * max_support, 0)]
    terms_lo = [np.minimum(pref, 0), np.minimum(ls, 0), np.minimum(-dw.c_over, 0),
                np.minimum(-dw.c_live * max_support, 0)]
    hi = -dw.c_recent + sum(terms_hi, np.zeros(dw.n, np.int64))
    lo = -dw.c_recent + sum(terms_lo, np.zeros(dw.n, np.int64))
    return lo.astype(np.int64), hi.astype(np.int64)
