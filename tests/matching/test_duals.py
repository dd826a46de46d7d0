"""Potentials of the residual graph: hand-derived values, complementary slackness, the optimality certificate."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from matching_strategies import PROPERTY

from matching import duals
from matching.duals import PotentialError, residual_potentials, shortest_distances
from matching.flow import flow_assign
from matching.network import Arcs, Network

# Two one-slot dwellings, three registrations; r2 has no arc. Filling both slots forces r0 -> d0 (its only
# dwelling), so r1 -> d1: score 5 + 4 = 9.
ARCS = Arcs(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([5, 3, 4]))
ONE_SLOT_EACH = Network(np.array([1, 1]))
OPTIMUM = np.array([True, False, True])


def test_potentials_of_a_hand_solved_instance() -> None:
    # Residual arcs (node: r0, r1, d0, d1, source s, sink t): d0 -> r0 +5, r1 -> d0 -3, d1 -> r1 +4, r0 -> s 0,
    # r1 -> s 0, t -> d0 0, t -> d1 0, t -> s -100, s -> t +100. Distances from a root joined to all at 0:
    # t = 0, d1 = 0, r1 = min(0, d1 + 4) = 0, d0 = min(0, r1 - 3) = -3, r0 = min(0, d0 + 5) = 0,
    # s = t - 100 = -100; r2 (no node) takes the source's -100.
    pot = residual_potentials(2, 3, ARCS, OPTIMUM, ONE_SLOT_EACH, big_m=100)
    assert pot.registration.tolist() == [0, 0, -100]
    assert pot.dwelling.tolist() == [-3, 0]
    assert pot.dwelling_high.tolist() == [-3, 0]  # no quotas: the sub-node is the dwelling itself
    # pi[r] - pi[d] - score: r0 -> d0: 0 + 3 - 5, r1 -> d0: 0 + 3 - 3, r1 -> d1: 0 - 0 - 4.
    assert pot.reduced_costs(ARCS, ONE_SLOT_EACH).tolist() == [-2, 0, -4]


def test_a_flow_that_is_not_optimal_is_refused() -> None:
    # r1 -> d0 alone leaves d1 empty: s -> r0 -> d0 -> r1 -> d1 -> t -> s costs 0 - 5 + 3 - 4 + 0 - 100 < 0.
    with pytest.raises(PotentialError):
        residual_potentials(2, 3, ARCS, np.array([False, True, False]), ONE_SLOT_EACH, big_m=100)


def test_shortest_distances_of_a_hand_graph() -> None:
    # 0 -> 1 (-2), 1 -> 2 (-3), 0 -> 2 (-1), 2 -> 3 (+4), 3 -> 0 (+1); the cycle costs 0, so no negative cycle.
    tail, head, cost = np.array([0, 1, 0, 2, 3]), np.array([1, 2, 2, 3, 0]), np.array([-2, -3, -1, 4, 1])
    assert shortest_distances(4, tail, head, cost).tolist() == [0, -2, -5, -1]


def _bellman_ford(n: int, tail: list[int], head: list[int], cost: list[int]) -> list[int]:
    dist = [0] * n
    for _ in range(n):
        for t, h, c in zip(tail, head, cost, strict=True):
            dist[h] = min(dist[h], dist[t] + c)
    return dist


@PROPERTY
@given(st.integers(2, 7), st.data())
def test_the_flow_fallback_gives_the_same_distances(n: int, data: st.DataObject) -> None:
    # Costs c + p[tail] - p[head] with c >= 0 can be negative on arcs but never around a cycle.
    p = data.draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n))
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=15))
    base = data.draw(st.lists(st.integers(0, 5), min_size=len(pairs), max_size=len(pairs)))
    tail = [t for t, _ in pairs]
    head = [h for _, h in pairs]
    cost = [c + p[t] - p[h] for c, (t, h) in zip(base, pairs, strict=True)]
    expected = _bellman_ford(n, tail, head, cost)
    arrays = (np.array(tail), np.array(head), np.array(cost))
    assert shortest_distances(n, *arrays).tolist() == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duals, "_BELLMAN_FORD_ROUNDS", 1)
        assert shortest_distances(n, *arrays).tolist() == expected


@st.composite
def networks(draw: st.DrawFn) -> tuple[Arcs, Network, int, int]:
    """Random arc sets on up to 3 dwellings and 5 registrations, with or without quotas."""
    n_d, n_r = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    pairs = sorted(draw(st.sets(st.tuples(st.integers(0, n_d - 1), st.integers(0, n_r - 1)), min_size=1)))
    arcs = Arcs(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]),
                np.array(draw(st.lists(st.integers(-10, 30), min_size=len(pairs), max_size=len(pairs)))))
    capacity = np.array(draw(st.lists(st.integers(1, 2), min_size=n_d, max_size=n_d)))
    high = np.array(draw(st.lists(st.booleans(), min_size=n_r, max_size=n_r)))
    kind = draw(st.sampled_from(["plain", "quota"]))
    limits = np.array(draw(st.lists(st.integers(0, 2), min_size=n_d, max_size=n_d)))
    net = {"plain": Network(capacity), "quota": Network(capacity, high, quota=limits)}[kind]
    # Exceeds twice the largest total weight, so one more filled slot always outweighs the score.
    big_m = 1 + 2 * int(np.abs(net.weights(arcs)).sum())
    return arcs, net, n_d, big_m


def _lexicographic_value(arcs: Arcs, net: Network, n_d: int, big_m: int) -> int:
    chosen = flow_assign(arcs, n_d, net, np.zeros(int(arcs.r.max()) + 1, np.int64), tie_break=False)
    return big_m * int(chosen.sum()) + int(net.weights(arcs)[chosen].sum())


@PROPERTY
@given(networks())
def test_complementary_slackness_at_the_optimum(case: tuple[Arcs, Network, int, int]) -> None:
    arcs, net, n_d, big_m = case
    n_r = int(arcs.r.max()) + 1
    chosen = flow_assign(arcs, n_d, net, np.zeros(n_r, np.int64), tie_break=False)
    rc = residual_potentials(n_d, n_r, arcs, chosen, net, big_m).reduced_costs(arcs, net)
    # An unused arc could not improve the solution, a used one is worth keeping.
    assert (rc[~chosen] >= 0).all()
    assert (rc[chosen] <= 0).all()


@PROPERTY
@given(networks(), st.data())
def test_non_negative_reduced_costs_outside_a_subset_certify_its_optimum(case: tuple[Arcs, Network, int, int],
                                                                         data: st.DataObject) -> None:
    arcs, net, n_d, big_m = case
    n_r = int(arcs.r.max()) + 1
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(arcs), max_size=len(arcs))))
    subset, rest = arcs.subset(keep), arcs.subset(~keep)
    chosen = flow_assign(subset, n_d, net, np.zeros(n_r, np.int64), tie_break=False)
    pot = residual_potentials(n_d, n_r, subset, chosen, net, big_m)
    if (pot.reduced_costs(rest, net) >= 0).all():
        event("certified")
        value = big_m * int(chosen.sum()) + int(net.weights(subset)[chosen].sum())
        assert value == _lexicographic_value(arcs, net, n_d, big_m)


def test_the_certificate_on_the_hand_instance() -> None:
    # A pair left out, r0 -> d1 at -2: with the potentials above it prices at 0 - 0 + 2 >= 0, so the solved
    # optimum stands (using it would move r1 to d0: 3 - 2 < 9).
    pot = residual_potentials(2, 3, ARCS, OPTIMUM, ONE_SLOT_EACH, big_m=100)
    assert pot.reduced_costs(Arcs(np.array([1]), np.array([0]), np.array([-2])), ONE_SLOT_EACH).tolist() == [2]
    # Solved without r1 -> d1, only r0 -> d0 fills (5). Distances: t = 0, s = -100, r1 = s = -100 (unassigned),
    # d0 = r1 - 3 = -103, r0 = d0 + 5 = -98, d1 = 0. The left-out pair prices at -100 - 0 - 4 < 0: it fills a slot.
    without = ARCS.subset(np.array([True, True, False]))
    chosen = flow_assign(without, 2, ONE_SLOT_EACH, np.zeros(3, np.int64), tie_break=False)
    assert chosen.tolist() == [True, False]
    pot = residual_potentials(2, 3, without, chosen, ONE_SLOT_EACH, big_m=100)
    assert pot.registration.tolist() == [-98, -100, -100] and pot.dwelling.tolist() == [-103, 0]
    assert pot.reduced_costs(ARCS.subset(np.array([2])), ONE_SLOT_EACH).tolist() == [-104]


def test_every_pair_of_the_hand_instance_by_enumeration() -> None:
    # The hand optimum is the brute-force one: the most filled slots, then the best score.
    best = max(((sum(pick), int(ARCS.s[list(pick)].sum())) for pick in itertools.product([False, True], repeat=3)
                if _feasible(np.array(pick))), default=(0, 0))
    assert best == (2, 9) == (int(OPTIMUM.sum()), int(ARCS.s[OPTIMUM].sum()))


def _feasible(pick: np.ndarray) -> bool:
    return bool(np.bincount(ARCS.d[pick], minlength=2).max() <= 1 and np.bincount(ARCS.r[pick]).max(initial=0) <= 1)
