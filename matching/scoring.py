"""Soft score: integer points per (dwelling, registration) pair from the dwelling's region policy.

score = waiting + urgency + preferred municipality + low-stimulus preferred met
        - oversize - support x vulnerability - recent placements

Every term but the last is a `Term`: a signed weight of the dwelling (its region's weight applied to its own
features; penalties are negative) times a value >= 0 of the registration. The recent-placements term depends on
the dwelling alone. Waiting and urgency depend on the registration alone once the policy is known, so they are
precomputed per policy (`RegistrationTables.base`) and a block's score is that base plus a few broadcast
multiply-adds of the other terms (the interactions). All scores and bounds below are read off this one table.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

from matching.model import IntArray
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


class Term(NamedTuple):
    """One score term: weight[d] * value(d, r), with values >= 0.

    `values` is one row per registration shared by every dwelling, or, with `group`, a matrix with one row per
    group of dwellings (the preferred municipality: one row per municipality) and group[d] the row of dwelling d.
    A named tuple, not a dataclass: the hot path builds these per block, and a tuple is cheaper to make.
    """

    name: str
    weight: IntArray
    values: npt.NDArray[Any]
    group: IntArray | None = None

    def block(self, rows: IntArray, cols: Cols) -> npt.NDArray[Any]:
        """Return the values of the given dwelling rows and registration columns, broadcastable to both."""
        if self.group is None:
            return cols.take(self.values)[None, :]
        return cols.take(self.values[self.group[rows]])

    def pairs(self, d: IntArray, r: IntArray) -> IntArray:
        """Return the term for parallel arrays of dwelling and registration indices."""
        values = self.values[r] if self.group is None else self.values[self.group[d], r]
        return np.asarray(self.weight[d] * values, np.int64)

    def largest_per_dwelling(self) -> IntArray:
        """Per dwelling, the largest value any registration has (0 without registrations)."""
        if self.values.shape[-1] == 0:
            return np.zeros(len(self.weight), np.int64)
        if self.group is None:
            return np.full(len(self.weight), self.values.max(), np.int64)
        return np.asarray(self.values.max(axis=1), np.int64)[self.group]

    def largest_over(self, rows: IntArray) -> IntArray:
        """Per registration, the largest value it has at any of the given (non-empty) dwelling rows."""
        if self.group is None:
            return np.asarray(self.values, np.int64)
        return np.asarray(self.values[np.unique(self.group[rows])].max(axis=0), np.int64)


def base_terms(dw: DwellingTables, rg: RegistrationTables) -> tuple[Term, Term]:
    """The registration-only terms (their per-policy sum is `RegistrationTables.base`)."""
    return Term("waiting", dw.w_wait, rg.waiting), Term("urgency", dw.w_urgent, rg.urgent)


def interaction_terms(dw: DwellingTables, rg: RegistrationTables) -> tuple[Term, ...]:
    """The terms that depend on both sides of the pair."""
    return (Term("preferred_municipality", dw.c_pref, dw.pref_matrix, dw.muni_index),
            Term("low_stimulus_preferred", dw.c_ls, rg.ls_preferred),
            Term("oversize", -dw.c_over, rg.small),
            Term("liveability_support", -dw.c_live, rg.support))


def score_block(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> IntArray:
    """Return the (rows x columns) int64 score matrix of a policy-homogeneous block."""
    rows = block.rows
    score = cols.take(rg.base[block.slot])[None, :] - dw.c_recent[rows, None]
    for term in interaction_terms(dw, rg):
        weight = term.weight[rows]
        # Most terms are off for most blocks: skip them. A grouped term's matrix is mostly False (few
        # registrations prefer a municipality), so a multiply of rows x columns is skipped when it is all False.
        if weight.any():
            values = term.block(rows, cols)
            if term.group is None or values.any():
                score = score + weight[:, None] * values
    return np.asarray(score, dtype=np.int64)


def score_terms(dw: DwellingTables, rg: RegistrationTables, d: IntArray, r: IntArray) -> dict[str, IntArray]:
    """Return each score term (in SCORE_TERMS order) for parallel arrays of dwelling and registration indices."""
    terms = {term.name: term.pairs(d, r) for term in (*base_terms(dw, rg), *interaction_terms(dw, rg))}
    terms["liveability_recent_placements"] = -dw.c_recent[d] + 0 * r
    return terms


def score_pairs(dw: DwellingTables, rg: RegistrationTables, d: IntArray, r: IntArray) -> IntArray:
    """Return the total score for parallel arrays of dwelling and registration indices."""
    total = np.zeros(len(d), np.int64)
    for values in score_terms(dw, rg, d, r).values():
        total += values
    return total


def dwelling_score_bounds(dw: DwellingTables, rg: RegistrationTables) -> tuple[IntArray, IntArray]:
    """Per dwelling, bounds (lo, hi) on score minus the registration's base score, over all registrations."""
    lo = -dw.c_recent.astype(np.int64)
    hi = lo.copy()
    for term in interaction_terms(dw, rg):
        # A value lies in [0, largest], so the term lies between 0 and weight * largest.
        extreme = term.weight * term.largest_per_dwelling()
        lo += np.minimum(extreme, 0)
        hi += np.maximum(extreme, 0)
    return lo, hi


def registration_score_bounds(dw: DwellingTables, rg: RegistrationTables, rows: IntArray) -> IntArray:
    """Per registration, an upper bound on score - base + recent-placement term over the given dwelling rows."""
    bound = np.zeros(rg.n, np.int64)
    for term in interaction_terms(dw, rg):
        # Values are >= 0, so only the largest positive weight (a bonus, or a penalty with negative weight) adds.
        top = int(term.weight[rows].max(initial=0))
        if top > 0:
            bound += top * term.largest_over(rows)
    return bound
