"""Pricing: find eligible pairs whose reduced cost under given potentials is below a threshold.

amount(d, r) = score(d, r) + pi[d] - pi[r] is minus the reduced cost of the unused arc r -> d, where pi[d] is
the dwelling's high-support sub-node for high-support registrations when quotas apply. With threshold 0 the
pairs found are exactly those that violate the optimality certificate (columns to add).

The sweep keeps every eligible pair with its score (`EligiblePairs`), so pricing is a few gathers over flat
arrays: no eligibility or score is evaluated again, and no Python loop runs over pairs or dwellings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matching.duals import Potentials
from matching.model import BoolArray, IntArray
from matching.network import Arcs, Network
from matching.sweep import NEG, EligiblePairs

# Above this many violators per column wanted, only the largest amounts are ranked.
_RANK_LIMIT = 4
# Above this many times that, only the largest amounts are even gathered (cut found on a sample this big).
_FAR_FACTOR = 1
_SAMPLE = 1 << 20

# Amounts: 32 bits when they fit, else 64.
Signed = npt.NDArray[np.signedinteger[Any]]


@dataclass(frozen=True, eq=False)
class Priced:
    """Pairs found by pricing, plus what is needed to bound what was not kept."""

    arcs: Arcs
    best_per_registration: IntArray
    top_sum_per_dwelling: IntArray
    max_dropped_amount: int


def amounts(pairs: EligiblePairs, pot: Potentials, net: Network) -> Signed:
    """Return amount = score + pi[head] - pi[r] for every eligible pair (minus its reduced cost).

    In 32 bits when every potential, score and partial sum fits (half the memory traffic of 64 bits), else in 64.
    The pairs are sorted by dwelling, so the dwelling's potential is a repeat, not a gather.
    """
    quota = net.high is not None and net.quota is not None
    heads = np.concatenate([pot.dwelling, pot.dwelling_high]) if quota else pot.dwelling
    dtype = np.int32 if _fits_in_32_bits(pairs, heads, pot.registration) else np.int64
    amount: Signed = np.repeat(pot.dwelling.astype(dtype), np.diff(pairs.indptr))
    registration: Signed = pot.registration.astype(dtype)
    amount -= registration[pairs.r]
    amount += pairs.s
    if quota:
        assert net.high is not None
        high = np.flatnonzero(net.high[pairs.r])
        delta: Signed = (pot.dwelling_high - pot.dwelling).astype(dtype)
        amount[high] += delta[pairs.d[high]]
    return amount


def _fits_in_32_bits(pairs: EligiblePairs, heads: IntArray, registration: IntArray) -> bool:
    # Every partial sum of score + pi[head] - pi[r] lies within these extremes.
    if len(pairs) == 0 or pairs.s.dtype != np.int32 or len(heads) == 0 or len(registration) == 0:
        return False
    lo_h, hi_h, lo_r, hi_r = int(heads.min()), int(heads.max()), int(registration.min()), int(registration.max())
    lo_s, hi_s = min(0, int(pairs.s.min())), max(0, int(pairs.s.max()))
    return bool(-(1 << 31) <= min(lo_h, -hi_r, lo_h - hi_r) + lo_s and max(hi_h, -lo_r, hi_h - lo_r) + hi_s < (1 << 31))


def _ranks(group: IntArray, amount: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    # Order by group, then amount descending (ties in a fixed order: deterministic); rank within the group, and
    # where each group starts in that order.
    if len(amount) == 0:
        order = np.zeros(0, np.int64)
    else:
        top = int(amount.max())
        bits = (top - int(amount.min())).bit_length()
        if int(group.max()).bit_length() + bits <= 62:
            # One int64 key (group, then amount descending) sorts many times faster than a two-key lexsort.
            order = np.argsort((group << bits) + (top - amount))
        else:
            order = np.lexsort((-amount, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, np.int64)
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    return order, rank, starts


def price(pairs: EligiblePairs, pot: Potentials, assigned_to: IntArray, net: Network, threshold: int,
          per_dwelling: int, per_registration: int = 1) -> Priced:
    """Return up to `per_dwelling` pairs per dwelling (largest amount first) with amount > threshold.

    Each registration's `per_registration` best such pairs are added as well.
    """
    n_d, n_r = len(net.capacity), len(assigned_to)
    amount = amounts(pairs, pot, net)
    limit = _RANK_LIMIT * (n_d * per_dwelling + n_r * per_registration)
    violating = amount > threshold
    n_violating = int(np.count_nonzero(violating))
    if n_violating > _FAR_FACTOR * limit:
        return _price_far(pairs, amount, violating, n_violating, assigned_to, net, threshold, limit,
                          per_dwelling, per_registration)
    idx = np.flatnonzero(violating)
    idx = idx[assigned_to[pairs.r[idx]] != pairs.d[idx]]
    a = amount[idx].astype(np.int64)
    d = pairs.d[idx].astype(np.int64)
    r = pairs.r[idx].astype(np.int64)
    # What unpriced pairs could add: each registration at most its best amount, each dwelling at most
    # `capacity` times its best (exact sums of its best amounts below, when they are ranked).
    best = np.zeros(n_r, np.int64)
    np.maximum.at(best, r, a)
    top_sum = np.zeros(n_d, np.int64)
    if len(idx):
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        top_sum[d[starts]] = np.maximum.reduceat(a, starts) * net.capacity[d[starts]]
    top_amount = int(a.max(initial=NEG))
    if len(idx) > limit:
        # Far from optimal: rank only the largest amounts (any violators are valid columns).
        cut = np.partition(a, len(a) - limit)[len(a) - limit]
        big = np.flatnonzero(a >= cut)
        idx, a, d, r = idx[big], a[big], d[big], r[big]
        exact = False
    else:
        exact = True
    keep = np.zeros(len(idx), np.bool_)
    order, rank, starts = _ranks(d, a)
    keep[order[rank < per_dwelling]] = True
    if exact and len(order):
        top = np.where(rank < net.capacity[d[order]], a[order], 0)
        top_sum[d[order[starts]]] = np.add.reduceat(top, starts)
    if per_registration:
        order, rank, _starts = _ranks(r, a)
        keep[order[rank < per_registration]] = True
    dropped = int(a[~keep].max(initial=NEG)) if exact else top_amount
    return Priced(_selected(pairs, idx[keep]), best, top_sum, dropped)


def _selected(pairs: EligiblePairs, positions: IntArray) -> Arcs:
    sel: BoolArray = np.zeros(len(pairs), np.bool_)
    sel[positions] = True
    return pairs.arcs(sel)


def _price_far(pairs: EligiblePairs, amount: Signed, violating: BoolArray,
               n_violating: int, assigned_to: IntArray, net: Network, threshold: int, limit: int,
               per_dwelling: int, per_registration: int) -> Priced:
    # Far from optimal (the first rounds: millions of violators). Gathering and ranking them all would cost
    # more than the round's flow, so only the largest amounts are gathered: the cut that about `limit` of them
    # pass, read off an evenly spaced sample (deterministic). What unpriced pairs could add is then bounded
    # loosely: no registration gains more than the largest amount, and at most every slot gains it.
    stride = max(1, len(amount) // _SAMPLE)
    sample = np.asarray(amount[::stride][violating[::stride]], np.int64)
    want = max(1, min(len(sample), len(sample) * limit // max(1, n_violating)))
    cut = int(np.partition(sample, len(sample) - want)[len(sample) - want]) if len(sample) else threshold + 1
    idx = np.flatnonzero(amount >= max(cut, threshold + 1))
    idx = idx[assigned_to[pairs.r[idx]] != pairs.d[idx]]
    a = amount[idx].astype(np.int64)
    d, r = pairs.d[idx].astype(np.int64), pairs.r[idx].astype(np.int64)
    top_amount = int(amount.max()) if len(amount) else NEG
    keep = np.zeros(len(idx), np.bool_)
    order, rank, _starts = _ranks(d, a)
    keep[order[rank < per_dwelling]] = True
    if per_registration:
        order, rank, _starts = _ranks(r, a)
        keep[order[rank < per_registration]] = True
    best = np.full(len(assigned_to), max(0, top_amount), np.int64)
    top_sum = max(0, top_amount) * np.asarray(net.capacity, np.int64)
    return Priced(_selected(pairs, idx[keep]), best, top_sum, top_amount)
