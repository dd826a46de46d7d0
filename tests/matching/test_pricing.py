"""Pricing finds exactly the eligible pairs whose amount (minus the reduced cost) exceeds the threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matching_builders import build, reference_eligible, reference_score, stages
from matching_strategies import PROPERTY, problems

from matching import Problem, RegionPolicy, pricing
from matching.duals import Potentials
from matching.network import Network
from matching.pricing import Priced, amounts, price
from matching.sweep import NEG

# Two dwellings, three registrations; scores are the waiting days (15, 22, 25: weight 1 per day, nothing else).
# d1 rejected r2 earlier (ineligible), and r1 is already on d1 (that pair is in the model, not a column).
HAND = build([{}, {}], [{"waiting_days": 15, "support_intensity": 2}, {"waiting_days": 22}, {"waiting_days": 25}],
             rejected_pairs=((1, 2),))
POTENTIALS = Potentials(dwelling=np.array([-10, 0]), dwelling_high=np.array([-10, 0]),
                        registration=np.array([0, 5, 20]))
ASSIGNED_TO = np.array([-1, 1, -1])
ONE_SLOT_EACH = np.array([1, 1])
# amount = score + pi[d] - pi[r]:  d0: 15 - 10 - 0 = 5, 22 - 10 - 5 = 7, 25 - 10 - 20 = -5
#                                  d1: 15 + 0 - 0 = 15, (r1 assigned there), (r2 rejected)


def _price(net: Network, threshold: int, per_dwelling: int = 3, per_registration: bool = True,
           pot: Potentials = POTENTIALS) -> Priced:
    st_ = stages(HAND, 1)
    return price(st_.sweep.pairs, pot, ASSIGNED_TO, net, threshold=threshold,
                 per_dwelling=per_dwelling, per_registration=per_registration)


def _pairs(priced: Priced) -> set[tuple[int, int]]:
    return set(zip(priced.arcs.d.tolist(), priced.arcs.r.tolist(), strict=True))


def test_the_pairs_with_positive_amount_by_hand() -> None:
    priced = _price(Network(ONE_SLOT_EACH), threshold=0)
    assert _pairs(priced) == {(0, 0), (0, 1), (1, 0)}
    # Arcs carry the score, not the amount.
    assert sorted(priced.arcs.s.tolist()) == [15, 15, 22]
    # Each registration's best amount (r2 has none above 0), and each one-slot dwelling's best amount.
    assert priced.best_per_registration.tolist() == [15, 7, 0]
    assert priced.top_sum_per_dwelling.tolist() == [7, 15]
    assert priced.max_dropped_amount == NEG


def test_a_per_dwelling_limit_keeps_the_best_and_reports_the_best_dropped() -> None:
    priced = _price(Network(ONE_SLOT_EACH), threshold=0, per_dwelling=1, per_registration=False)
    assert _pairs(priced) == {(0, 1), (1, 0)}
    assert priced.max_dropped_amount == 5  # d0's r0


def test_a_negative_threshold_keeps_pairs_within_the_gap() -> None:
    # Reduced-cost fixing: every pair with amount > -6, so d0's r2 (-5) too; the threshold itself is excluded.
    assert _pairs(_price(Network(ONE_SLOT_EACH), threshold=-6)) == {(0, 0), (0, 1), (0, 2), (1, 0)}
    assert _pairs(_price(Network(ONE_SLOT_EACH), threshold=-5)) == {(0, 0), (0, 1), (1, 0)}


@pytest.mark.parametrize("bonus", [{"weight_preferred_municipality": 10}, {"weight_oversize_per_m2": -1}])
def test_a_bonus_of_the_dwelling_lifts_a_pair_over_the_threshold(bonus: dict[str, int]) -> None:
    # Waiting 5 days, plus a bonus of 10: a preferred municipality, or a negative oversize penalty on a dwelling
    # 10 m2 over the 50 m2 threshold for a single person. Amount 5 + 10 + 0 - 10 = 5 > 0, though the
    # registration's base score alone (5 - 10) would not reach it.
    problem = build([{"floor_area_m2": 60.0}], [{"waiting_days": 5, "preferred": ("GM0344",)}],
                    (RegionPolicy("r0", **bonus),))
    st_ = stages(problem, 1)
    pot = Potentials(dwelling=np.array([0]), dwelling_high=np.array([0]), registration=np.array([10]))
    priced = price(st_.sweep.pairs, pot, np.array([-1]), Network(np.array([1])), threshold=0,
                   per_dwelling=1)
    assert _pairs(priced) == {(0, 0)} and priced.arcs.s.tolist() == [15]


def test_high_support_pairs_are_priced_at_the_sub_node_under_a_quota() -> None:
    # r0 is high-support: at d0 its amount uses d0's sub-node potential, 15 - 20 - 0 = -5.
    pot = Potentials(dwelling=np.array([-10, 0]), dwelling_high=np.array([-20, 0]), registration=np.array([0, 5, 20]))
    high = np.array([True, False, False])
    net = Network(ONE_SLOT_EACH, high, quota=np.array([1, 1]))
    assert _pairs(_price(net, threshold=0, pot=pot)) == {(0, 1), (1, 0)}


@PROPERTY
@given(problems(max_dwellings=3, max_registrations=6, signed=True), st.sampled_from(["plain", "quota"]),
       st.sampled_from([0, -7]), st.data())
def test_pricing_finds_exactly_the_pairs_above_the_threshold(problem: Problem, kind: str, threshold: int,
                                                             data: st.DataObject) -> None:
    n_d, n_r = len(problem.dwellings), len(problem.registrations)
    ints = st.lists(st.integers(-80, 80), min_size=n_d, max_size=n_d)
    pi_d = np.array(data.draw(ints))
    pi_high = np.array(data.draw(ints)) if kind == "quota" else pi_d
    pi_r = np.array(data.draw(st.lists(st.integers(-80, 80), min_size=n_r, max_size=n_r)))
    assigned = np.array(data.draw(st.lists(st.integers(-1, n_d - 1), min_size=n_r, max_size=n_r)))
    high = problem.registrations.support_intensity >= 2
    capacity = np.ones(n_d, np.int64)
    net = {"plain": Network(capacity), "quota": Network(capacity, high, quota=capacity)}[kind]
    st_ = stages(problem, 1)
    priced = price(st_.sweep.pairs, Potentials(pi_d, pi_high, pi_r), assigned, net,
                   threshold=threshold, per_dwelling=n_r)

    expected = set()
    for d in range(n_d):
        for r in range(n_r):
            head = pi_high[d] if high[r] and kind != "plain" else pi_d[d]
            weight = reference_score(problem, d, r)
            if reference_eligible(problem, d, r) and assigned[r] != d and weight + head - pi_r[r] > threshold:
                expected.add((d, r))
    assert _pairs(priced) == expected
    for d, r, s in zip(priced.arcs.d.tolist(), priced.arcs.r.tolist(), priced.arcs.s.tolist(), strict=True):
        assert s == reference_score(problem, d, r)


@PROPERTY
@given(problems(max_dwellings=3, max_registrations=6, signed=True), st.sampled_from(["plain", "quota"]),
       st.data())
def test_amounts_in_32_bits_equal_those_in_64(problem: Problem, kind: str, data: st.DataObject) -> None:
    # Potentials near the edge of 32 bits take the 64-bit path; small ones the 32-bit path: same amounts.
    n_d, n_r = len(problem.dwellings), len(problem.registrations)
    st_ = stages(problem, 1)
    high = problem.registrations.support_intensity >= 2
    capacity = np.ones(n_d, np.int64)
    net = {"plain": Network(capacity), "quota": Network(capacity, high, quota=capacity)}[kind]
    scale = data.draw(st.sampled_from([1, 1 << 30, 1 << 40]))
    pi_d = np.array(data.draw(st.lists(st.integers(-80, 80), min_size=n_d, max_size=n_d))) * scale
    pi_high = pi_d - data.draw(st.integers(0, 80)) * scale
    pi_r = np.array(data.draw(st.lists(st.integers(-80, 80), min_size=n_r, max_size=n_r))) * scale
    got = amounts(st_.sweep.pairs, Potentials(pi_d, pi_high, pi_r), net)
    pairs = st_.sweep.pairs
    head = np.where(high[pairs.r] & (kind == "quota"), pi_high[pairs.d], pi_d[pairs.d])
    expected = pairs.s.astype(np.int64) + head - pi_r[pairs.r]
    assert got.astype(np.int64).tolist() == expected.tolist()
    if scale == 1 and len(pairs):
        assert got.dtype == np.int32
    if np.abs(expected).max(initial=0) >= 1 << 31:
        assert got.dtype == np.int64


@PROPERTY
@given(problems(max_dwellings=3, max_registrations=6, signed=True), st.data())
def test_far_from_optimal_pricing_keeps_true_violators_and_a_looser_bound(problem: Problem,
                                                                          data: st.DataObject) -> None:
    # With no room for ranking every violator, only the largest are gathered: each kept pair is still a
    # violator, the best violator is kept, and what is left unpriced is bounded at least as loosely as exactly.
    n_d, n_r = len(problem.dwellings), len(problem.registrations)
    st_ = stages(problem, 1)
    pi_d = np.array(data.draw(st.lists(st.integers(-80, 80), min_size=n_d, max_size=n_d)))
    pi_r = np.array(data.draw(st.lists(st.integers(-80, 80), min_size=n_r, max_size=n_r)))
    pot = Potentials(pi_d, pi_d, pi_r)
    net = Network(np.ones(n_d, np.int64))
    assigned = np.full(n_r, -1)
    exact = price(st_.sweep.pairs, pot, assigned, net, threshold=0, per_dwelling=1, per_registration=1)
    far = pricing._price_far(st_.sweep.pairs, amounts(st_.sweep.pairs, pot, net),
                             amounts(st_.sweep.pairs, pot, net) > 0,
                             int((amounts(st_.sweep.pairs, pot, net) > 0).sum()), assigned, net, 0, 1, 1, 1)
    assert _pairs(far) <= _pairs(exact) | {(d, r) for d, r in _violators(st_, pot)}
    assert all((d, r) in set(_violators(st_, pot)) for d, r in _pairs(far))
    if _violators(st_, pot):
        assert len(far.arcs) > 0
    loose = min(int(far.best_per_registration.sum()), int(far.top_sum_per_dwelling.sum()))
    tight = min(int(exact.best_per_registration.sum()), int(exact.top_sum_per_dwelling.sum()))
    assert loose >= tight


def _violators(st_: object, pot: Potentials) -> list[tuple[int, int]]:
    pairs = st_.sweep.pairs  # type: ignore[attr-defined]
    amount = pairs.s.astype(np.int64) + pot.dwelling[pairs.d] - pot.registration[pairs.r]
    return [(int(d), int(r)) for d, r, a in zip(pairs.d, pairs.r, amount, strict=True) if a > 0]
