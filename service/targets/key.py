"""The distribution key and its rounding: pure arithmetic, exact with fractions.

A region's yearly total is split over its municipalities by weight

    weight = households x (1 + care_pressure)

where `care_pressure` is a correction per municipality (e.g. -0.25 for one that already carries much care, such as
a central municipality with many shelter places, +0.10 for one that carries less than its share). Over
corporations the weight is the number of dwellings each owns in the region (stock share).

Shares become whole dwellings by the largest-remainder method: every part gets the floor of its exact quota
(total x weight / sum of weights), and the dwellings left go one each to the largest fractional remainders (ties:
the larger weight, then the key), so the parts always sum to the total. Overridden parts keep their override; the
rest of the total is split over the other parts by the same key.
"""

from fractions import Fraction
from math import floor


def municipality_weight(*, households: int, care_pressure: float) -> Fraction:
    """households x (1 + care_pressure), never below zero."""
    return max(Fraction(0), Fraction(households) * (1 + Fraction(str(care_pressure))))


def largest_remainder(total: int, weights: dict[str, Fraction]) -> dict[str, int]:
    """Split `total` whole units over the keys in proportion to their weights; zero everywhere without weight."""
    positive = {k: w for k, w in weights.items() if w > 0}
    parts = dict.fromkeys(weights, 0)
    weight_sum = sum(positive.values(), Fraction(0))
    if total <= 0 or weight_sum == 0:
        return parts
    quotas = {k: total * w / weight_sum for k, w in positive.items()}
    for k, q in quotas.items():
        parts[k] = floor(q)
    left = total - sum(parts.values())
    order = sorted(positive, key=lambda k: (-(quotas[k] - parts[k]), -positive[k], k))
    for k in order[:left]:
        parts[k] += 1
    return parts


def split_with_overrides(total: int, weights: dict[str, Fraction],
                         overrides: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(computed, effective): the key's split of the whole total, and the split with overrides kept."""
    computed = largest_remainder(total, weights)
    rest = max(0, total - sum(overrides.values()))
    free = {k: w for k, w in weights.items() if k not in overrides}
    effective = {**largest_remainder(rest, free), **overrides}
    return computed, {k: effective.get(k, 0) for k in weights}
