"""Pricing: find eligible pairs whose reduced cost under given potentials is below a threshold.

amount(d, r) = weight(d, r) + pi[d] - pi[r] is minus the reduced cost of the unused arc r -> d, where
weight is the score minus any high-support penalty and pi[d] is the dwelling's high-support sub-node for
high-support registrations when quotas apply. With
threshold 0 the pairs found are exactly those that violate the optimality certificate (columns to add);
with threshold -G they are every pair that could still appear in a solution within G of the relaxation
optimum (reduced-cost fixing for the capped model).

Only registrations that could reach the threshold are scored: score <= base[r] + bound[r] - recent[d],
where bound[r] (scoring.registration_score_bounds) collects the bonuses r could get anywhere in the block
(most registrations get none), so a registration needs base[r] + bound[r] - pi[r] > threshold - (pi[d] -
recent[d]) for some row of the block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.duals import Potentials
from matching.model import IntArray
from matching.network import Arcs, Network
from matching.prepare import Block, DwellingTables, RegistrationTables
from matching.rules import Cols
from matching.scoring import registration_score_bounds, score_block, score_pairs
from matching.sweep import NEG, unpack_rows


@dataclass(frozen=True, eq=False)
class Priced:
    """Pairs found by pricing, plus what is needed to bound what was not kept."""

    arcs: Arcs
    best_per_registration: IntArray
    top_sum_per_dwelling: IntArray
    max_dropped_amount: int


def price(
    dw: DwellingTables,
    rg: RegistrationTables,
    packed: np.ndarray,
    pot: Potentials,
    assigned_to: IntArray,
    net: Network,
    threshold: int,
    per_dwelling: int,
    per_registration: bool = True,
) -> Priced:
    """Return up to `per_dwelling` pairs per dwelling (largest amount first) with amount > threshold.

    With `per_registration`, each registration's single best such pair is added as well.
    """
    n = rg.n
    best_amount = np.full(n, NEG, np.int64)
    best_dwelling = np.full(n, -1, np.int64)
    top_sum = np.zeros(dw.n, np.int64)
    found_d: list[IntArray] = []
    found_r: list[IntArray] = []
    max_dropped = NEG
    for block in dw.blocks:
        rows = block.rows
        pi_d = np.maximum(pot.dwelling[rows], pot.dwelling_high[rows])
        q = rg.base[block.slot] + registration_score_bounds(dw, rg, rows) - pot.registration
        # Only registrations eligible for some row of the block (OR of the packed rows) can qualify.
        any_row = np.unpackbits(np.bitwise_or.reduce(packed[rows], axis=0), count=n).view(np.bool_)
        keep = any_row & (q > threshold - int((pi_d - dw.c_recent[rows]).max()))
        cand = np.flatnonzero(keep)
        if len(cand) == 0:
            continue
        cols = Cols.subset(n, cand)
        elig = unpack_rows(packed, rows, n)[:, cand]
        amount = score_block(dw, rg, Block(rows, block.slot, block.year), cols) - pot.registration[cand][None, :]
        if net.high is not None and (net.quota is not None or net.penalty is not None):
            high = net.high[cand][None, :]
            amount += np.where(high, pot.dwelling_high[rows][:, None], pot.dwelling[rows][:, None])
            if net.penalty is not None:
                amount -= net.penalty[rows][:, None] * high
        else:
            amount += pot.dwelling[rows][:, None]
        ok = elig & (amount > threshold) & (assigned_to[cand][None, :] != rows[:, None])
        if not ok.any():
            continue
        amount = np.where(ok, amount, NEG)
        k = min(per_dwelling, len(cand))
        if len(cand) > k:
            part = np.argpartition(-amount, k - 1, axis=1)
            idx = part[:, :k]
            dropped = np.take_along_axis(amount, part[:, k:], axis=1).max(initial=NEG)
            max_dropped = max(max_dropped, int(dropped))
        else:
            idx = np.broadcast_to(np.arange(len(cand)), (len(rows), len(cand))).copy()
        top = np.take_along_axis(amount, idx, axis=1)
        srt = np.argsort(-top, axis=1, kind="stable")
        idx, top = np.take_along_axis(idx, srt, axis=1), np.take_along_axis(top, srt, axis=1)
        # Sum of each dwelling's `capacity` largest amounts: bounds what its unused slots could gain.
        take = np.arange(k)[None, :] < net.capacity[rows][:, None]
        top_sum[rows] = np.where(take & (top > NEG), top, 0).sum(axis=1)
        sel = top > NEG
        found_d.append(np.broadcast_to(rows[:, None], top.shape)[sel])
        found_r.append(cand[idx][sel])
        if per_registration:
            col_best = amount.max(axis=0)
            col_arg = rows[amount.argmax(axis=0)]
            better = col_best > best_amount[cand]
            best_amount[cand[better]] = col_best[better]
            best_dwelling[cand[better]] = col_arg[better]
    if per_registration:
        regs = np.flatnonzero(best_dwelling >= 0)
        found_d.append(best_dwelling[regs])
        found_r.append(regs)
    if found_d:
        d = np.concatenate(found_d).astype(np.int64)
        r = np.concatenate(found_r).astype(np.int64)
        key, first = np.unique(d * max(n, 1) + r, return_index=True)
        d, r = d[first], r[first]
    else:
        d = r = np.zeros(0, np.int64)
    arcs = Arcs(d, r, score_pairs(dw, rg, d, r))
    return Priced(arcs, np.maximum(best_amount, 0), top_sum, max_dropped)
