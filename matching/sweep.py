"""The eligibility sweep: one pass over row blocks producing counts, every eligible pair and candidates.

A block holds (rows x R) booleans and scores at a time; what is kept is sparse: every eligible pair with its
score, grouped by dwelling (`EligiblePairs`, 12 bytes a pair), which pricing reads as flat arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from matching.model import RULE_CODES, BoolArray, IntArray
from matching.network import Arcs
from matching.prepare import Block, DwellingTables, RegistrationTables
from matching.rules import Cols, eligible_mask, row_counts, rule_masks
from matching.scoring import dwelling_score_bounds, score_block, score_pairs

NEG: Final = -(1 << 62)


@dataclass(frozen=True, eq=False)
class EligiblePairs:
    """Every eligible (dwelling, registration) pair with its score, sorted by dwelling then registration.

    The pairs of dwelling d are positions indptr[d]:indptr[d + 1]; d, r and (when every score fits) s are int32,
    12 bytes a pair.
    """

    d: npt.NDArray[np.int32]
    r: npt.NDArray[np.int32]
    s: npt.NDArray[np.int32] | IntArray
    indptr: IntArray

    def __len__(self) -> int:
        return len(self.d)

    def of_dwelling(self, d: int) -> IntArray:
        """Return the registrations eligible for dwelling d, ascending."""
        return np.asarray(self.r[self.indptr[d]:self.indptr[d + 1]], np.int64)

    def arcs(self, keep: BoolArray | IntArray) -> Arcs:
        """Return the selected pairs as arcs."""
        return Arcs(self.d[keep].astype(np.int64), self.r[keep].astype(np.int64), self.s[keep].astype(np.int64))


@dataclass(frozen=True, eq=False)
class Sweep:
    """Result of the sweep over all dwellings."""

    excluded: IntArray
    eligible_count: IntArray
    pairs: EligiblePairs
    top: IntArray
    score_lo: IntArray
    score_hi: IntArray
    eligibility_seconds: float
    scoring_seconds: float

    def candidate_arcs(self, dw: DwellingTables, rg: RegistrationTables) -> Arcs:
        """Return each dwelling's best candidates (the `top` lists) as arcs, by dwelling then rank."""
        keep = self.top.ravel() >= 0
        d = np.repeat(np.arange(dw.n, dtype=np.int64), self.top.shape[1])[keep]
        r = self.top.ravel()[keep]
        return Arcs(d, r, score_pairs(dw, rg, d, r))


class Ordering:
    """Per policy slot, registrations sorted by base score (desc) then tie-break rank; cached."""

    def __init__(self, rg: RegistrationTables) -> None:
        self.rg = rg
        self.tb_value = (rg.n - 1 - rg.tb_rank).astype(np.int64)

    def order(self, slot: int) -> IntArray:
        """Return registrations by descending base score of the slot's policy, ties by tie-break rank."""
        # Cached on the registration tables, so a prepared set of registrations sorts once per policy.
        got = self.rg.orders.get(slot)
        if got is None:
            got = np.lexsort((self.rg.tb_rank, -self.rg.base[slot])).astype(np.int64)
            self.rg.orders[slot] = got
        return got

    def key(self, score: IntArray, cols: IntArray | None) -> IntArray:
        """Combine score and tie-break into one sortable int64 key (score first)."""
        tb = self.tb_value if cols is None else self.tb_value[cols]
        return score * max(self.rg.n, 1) + tb


def top_k(
    dw: DwellingTables,
    rg: RegistrationTables,
    ordering: Ordering,
    block: Block,
    eligible: np.ndarray,
    k: int,
    hi: IntArray,
) -> IntArray:
    """Return each block row's k best eligible registrations by (score, tie-break), -1 padded.

    Scans registrations in descending base score and stops for a row once no registration further down
    can reach the k-th best score found (base + the row's interaction upper bound `hi` falls short).
    """
    n = rg.n
    b = len(block.rows)
    out = np.full((b, k), -1, np.int64)
    if n == 0 or b == 0 or k == 0:
        return out
    order = ordering.order(block.slot)
    base = rg.base[block.slot]
    pending = np.arange(b)
    width = min(n, max(16 * k, 512))
    while len(pending):
        cols = order[:width]
        sub = Block(block.rows[pending], block.slot, block.year)
        elig = eligible[pending][:, cols]
        key = np.where(elig, ordering.key(score_block(dw, rg, sub, Cols.subset(n, cols)), cols), NEG)
        kk = min(k, width)
        if width > kk:
            idx = np.argpartition(-key, kk - 1, axis=1)[:, :kk]
        else:
            idx = np.broadcast_to(np.arange(width), (len(pending), width)).copy()
        best = np.take_along_axis(key, idx, axis=1)
        srt = np.argsort(-best, axis=1, kind="stable")
        idx, best = np.take_along_axis(idx, srt, axis=1), np.take_along_axis(best, srt, axis=1)
        if width >= n:
            done = np.ones(len(pending), np.bool_)
        else:
            count = np.count_nonzero(elig, axis=1)
            kth_score = best[:, kk - 1] // max(n, 1) if kk == k else np.full(len(pending), NEG)
            done = (count >= k) & (base[order[width]] + hi[sub.rows] < kth_score)
        chosen = np.where(best > NEG, cols[idx], -1)
        out[pending[done], :kk] = chosen[done]
        pending = pending[~done]
        width = min(n, width * 4)
    return out


def block_members(rg: RegistrationTables, block: Block, members: BoolArray | None) -> BoolArray | None:
    """The registrations a block's dwellings may be matched with, as a (1, n) row; None for all of them."""
    row = members
    if rg.on_list is not None:
        row = rg.on_list[block.slot] if row is None else row & rg.on_list[block.slot]
    return None if row is None else row[None, :]


def run_sweep(dw: DwellingTables, rg: RegistrationTables, ordering: Ordering, k: int,
              members: BoolArray | None = None) -> Sweep:
    """Evaluate every rule for every pair block by block; keep counts, the eligible pairs, top-k lists.

    `members` (default: all) says which registrations belong to the problem: the others are neither eligible
    nor counted as excluded, as if they were not there (a prepared pool holds registrations that left). A block's
    dwellings see only the registrations on their region's list, in the same way.
    """
    members_row = None if members is None else np.asarray(members, np.bool_)
    n_rules = len(RULE_CODES)
    excluded = np.zeros((dw.n, n_rules), np.int64)
    eligible_count = np.zeros(dw.n, np.int64)
    top = np.full((dw.n, k), -1, np.int64)
    found: list[tuple[IntArray, npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]],
                      npt.NDArray[np.integer[Any]]]] = []
    lo, hi = dwelling_score_bounds(dw, rg)
    cols = Cols.all(rg.n)
    t_elig = t_score = 0.0
    for block in dw.blocks:
        t0 = perf_counter()
        shape = (len(block.rows), rg.n)
        inside = block_members(rg, block, members_row)
        masks = rule_masks(dw, rg, block, cols)
        for j, mask in enumerate(masks):
            excluded[block.rows, j] = row_counts(mask if inside is None else mask & inside, shape)
        elig = eligible_mask(masks, shape)
        if inside is not None:
            elig &= inside
        eligible_count[block.rows] = row_counts(elig, shape)
        # Flat positions, then row and column: several times faster than a 2-D np.nonzero.
        flat = np.flatnonzero(elig)
        rr, cc = np.divmod(flat, max(rg.n, 1))
        t1 = perf_counter()
        top[block.rows] = top_k(dw, rg, ordering, block, elig, k, hi)
        score = np.broadcast_to(score_block(dw, rg, block, cols), shape).ravel()[flat]
        # Kept in 32 bits (12 bytes a pair) while the blocks are gathered, scores too when they fit.
        found.append((block.rows, rr.astype(np.int32), cc.astype(np.int32), _narrow(score)))
        t_elig += t1 - t0
        t_score += perf_counter() - t1
    pairs = _gather_pairs(found, eligible_count)
    return Sweep(excluded, eligible_count, pairs, top, lo, hi, t_elig, t_score)


def _narrow(score: IntArray) -> npt.NDArray[np.int32] | IntArray:
    # int32 when every score fits (always, with weights of realistic size), else int64 as computed.
    if len(score) == 0 or (int(score.min()) >= -(1 << 31) and int(score.max()) < (1 << 31)):
        return score.astype(np.int32)
    return score


def _gather_pairs(found: list[tuple[IntArray, npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]],
                                    npt.NDArray[np.integer[Any]]]],
                  eligible_count: IntArray) -> EligiblePairs:
    # Each block's pairs come row by row (np.nonzero is row-major), so a pair's place in the dwelling-sorted
    # arrays is its dwelling's start plus its offset within its block row.
    indptr = np.zeros(len(eligible_count) + 1, np.int64)
    np.cumsum(eligible_count, out=indptr[1:])
    total = int(indptr[-1])
    d = np.empty(total, np.int32)
    r = np.empty(total, np.int32)
    wide = any(score.dtype == np.int64 for *_rest, score in found)
    s: npt.NDArray[np.int32] | IntArray = np.empty(total, np.int64) if wide else np.empty(total, np.int32)
    for rows, rr, cc, score in found:
        if len(rr) == 0:
            continue
        row_start = np.searchsorted(rr, np.arange(len(rows)))
        at = indptr[rows[rr]] + np.arange(len(rr)) - row_start[rr]
        d[at], r[at], s[at] = rows[rr], cc, score
    return EligiblePairs(d, r, s, indptr)


def greedy(pairs: EligiblePairs, ordering: Ordering, capacity: IntArray, eligible_count: IntArray,
           top: IntArray) -> tuple[IntArray, IntArray]:
    """Warm start: dwellings with the fewest eligible registrations first each take their best free ones.

    Returns (dwelling, registration) arrays. Only a starting point for the exact optimiser; serving the
    scarcest dwellings first makes it fill nearly every slot that can be filled.
    """
    n = len(ordering.tb_value)
    taken = np.zeros(n, np.bool_)
    out_d: list[IntArray] = []
    out_r: list[IntArray] = []
    for d in np.lexsort((np.arange(len(capacity)), eligible_count)).tolist():
        want = int(capacity[d])
        if want == 0:
            continue
        listed = top[d][top[d] >= 0]
        free = listed[~taken[listed]]
        if len(free) >= want or len(listed) == eligible_count[d]:
            picked = free[:want]
        else:
            # The precomputed list ran out: scan the dwelling's whole eligible row.
            lo, hi = int(pairs.indptr[d]), int(pairs.indptr[d + 1])
            row = pairs.r[lo:hi]
            open_ = ~taken[row]
            cand = row[open_].astype(np.int64)
            key = ordering.key(pairs.s[lo:hi][open_].astype(np.int64), cand)
            picked = cand[np.argsort(-key, kind="stable")[:want]]
        taken[picked] = True
        out_d.append(np.full(len(picked), d, np.int64))
        out_r.append(picked)
    if not out_d:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_d), np.concatenate(out_r)
