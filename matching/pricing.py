"""Pricing: find eligible pairs whose reduced cost under given potentials is below a threshold.

amount(d, r) = score(d, r) + pi[d] - pi[r] is minus the reduced cost of the unused arc r -> d, where pi[d] is
the dwelling's high-support sub-node for high-support registrations when quotas apply. With threshold 0 the
pairs found are exactly those that violate the optimality certificate (columns to add).

The sweep keeps every eligible pair with its score (`EligiblePairs`), so pricing is a few gathers over flat
arrays: no eligibility or score is evaluated again, and no Python loop runs over pairs or dwellings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.duals import Potentials
from matching.model import BoolArray, IntArray
from matching.network import Arcs, Network
from matching.sweep import NEG, EligiblePairs

# Above this many violators per column wanted, only the largest amounts are ranked.
_RANK_LIMIT = 4


@dataclass(frozen=True, eq=False)
class Priced:
    """Pairs found by pricing, plus what is needed to bound what was not kept."""

    arcs: Arcs
    best_per_registration: IntArray
    top_sum_per_dwelling: IntArray
    max_dropped_amount: int


def amounts(pairs: EligiblePairs, pot: Potentials, net: Network) -> IntArray:
    """Return amount = score + pi[head] - pi[r] for every eligible pair (minus its reduced cost)."""
    # In place: at 15 M pairs every temporary int64 array is 125 MB.
    amount = pot.dwelling[pairs.d]
    amount -= pot.registration[pairs.r]
    amount += pairs.s
    if net.high is not None and net.quota is not None:
        high = np.flatnonzero(net.high[pairs.r])
        d = pairs.d[high]
        amount[high] += pot.dwelling_high[d] - pot.dwelling[d]
    return np.asarray(amount, np.int64)


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
    idx = np.flatnonzero(amount > threshold)
    idx = idx[assigned_to[pairs.r[idx]] != pairs.d[idx]]
    a = amount[idx]
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
    limit = _RANK_LIMIT * (n_d * per_dwelling + n_r * per_registration)
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
    sel: BoolArray = np.zeros(len(pairs), np.bool_)
    sel[idx[keep]] = True
    return Priced(pairs.arcs(sel), best, top_sum, dropped)
