"""Column generation reaches the optimum of the full model, from any start, and bounds what it has not priced."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from matching_builders import Stages, build, eligible_arcs, reference_eligible, reference_score, stages
from matching_strategies import PROPERTY, brute_force, problems

from matching import Problem, SolveParams
from matching.colgen import (
    Assignment,
    assigned_to,
    big_m_for,
    column_generation,
    count_components,
    initial_arcs,
    max_abs_score,
)
from matching.duals import residual_potentials
from matching.flow import flow_assign, tie_break_among_optima
from matching.network import Arcs, Network

# Two one-slot dwellings; r0 (30 days) fits both, r1 (20) only d0, r2 (10) only d1 (earlier rejections).
# Giving r0 to d0 leaves r2 for d1 (40); giving r0 to d1 frees d0 for r1 (50): the optimum.
HAND = build([{}, {}], [{"waiting_days": 30}, {"waiting_days": 20}, {"waiting_days": 10}],
             rejected_pairs=((0, 2), (1, 1)))
NO_ARCS = Arcs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


def _generate(st_: Stages, start: Arcs, params: SolveParams | None = None) -> Assignment:
    params = params or SolveParams(slots_per_dwelling=1)
    return column_generation(st_.dw, st_.rg, st_.ordering, st_.sweep, params, float("inf"), Network(st_.capacity),
                             st_.big_m, start)


def _pairs(result: Assignment) -> set[tuple[int, int]]:
    return set(zip(result.arcs.d[result.chosen].tolist(), result.arcs.r[result.chosen].tolist(), strict=True))


def test_pricing_repairs_a_poor_start_on_a_hand_instance() -> None:
    st_ = stages(HAND, 1)
    poor = Arcs(np.array([0, 1]), np.array([0, 2]), np.array([30, 10]))  # the 40 solution and nothing else
    result = _generate(st_, poor)
    assert _pairs(result) == {(0, 1), (1, 0)}
    assert result.certified and result.extra == 0 and result.rounds >= 2
    assert result.value() == 2 * st_.big_m + 50


def test_the_sweeps_candidates_suffice_when_they_hold_every_eligible_pair() -> None:
    # Two candidates per dwelling cover all four eligible pairs, so the first round is already certified.
    st_ = stages(HAND, 1)
    result = _generate(st_, initial_arcs(st_.dw, st_.rg, st_.ordering, st_.sweep, st_.capacity))
    assert _pairs(result) == {(0, 1), (1, 0)} and result.certified and result.rounds == 1


def test_assigned_to_and_components_by_hand() -> None:
    arcs = Arcs(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 3]), np.zeros(4, np.int64))
    assert assigned_to(arcs, np.array([True, False, True, True]), 5).tolist() == [0, -1, 1, 2, -1]
    # {d0, r0}, {d1, r1, r2}, {d2, r3}; d3 has no arc and is not counted.
    assert count_components(arcs, 4, 5) == 3
    joined = Arcs.union(arcs, Arcs(np.array([2]), np.array([2]), np.zeros(1, np.int64)), 5)
    assert count_components(joined, 4, 5) == 2
    assert count_components(NO_ARCS, 4, 5) == 0


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=6, signed=True), st.integers(1, 3))
def test_the_score_bound_holds_and_big_m_puts_filling_first(problem: Problem, slots: int) -> None:
    st_ = stages(problem, slots)
    bound = max_abs_score(st_.dw, st_.rg, st_.sweep)
    for d in range(len(problem.dwellings)):
        for r in range(len(problem.registrations)):
            assert abs(reference_score(problem, d, r)) <= bound
    # Any two solutions differ by at most 2 * bound per slot, so one more slot outweighs any score.
    assert big_m_for(st_.dw, st_.rg, st_.sweep, st_.capacity) > 2 * bound * int(st_.capacity.sum())


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=7, signed=True), st.integers(1, 3), st.booleans())
def test_column_generation_reaches_the_optimum_of_the_full_model(problem: Problem, slots: int, empty: bool) -> None:
    st_ = stages(problem, slots)
    start = NO_ARCS if empty else initial_arcs(st_.dw, st_.rg, st_.ordering, st_.sweep, st_.capacity)
    result = _generate(st_, start, SolveParams(slots_per_dwelling=slots))
    assert result.certified and result.extra == 0
    found = (result.filled, int(result.arcs.s[result.chosen].sum()))
    full = eligible_arcs(problem, st_.dw, st_.rg)
    exact = flow_assign(full, st_.dw.n, Network(st_.capacity), st_.ordering.tb_value)
    assert found == (int(exact.sum()), int(full.s[exact].sum())) == brute_force(problem, slots)
    for d, r in _pairs(result):
        assert reference_eligible(problem, d, r)


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=7), st.integers(1, 3))
def test_an_unfinished_run_bounds_what_it_has_not_priced(problem: Problem, slots: int) -> None:
    # One round from nothing: whatever it holds plus `extra` is at least the optimum.
    st_ = stages(problem, slots)
    result = _generate(st_, NO_ARCS, SolveParams(slots_per_dwelling=slots, max_pricing_rounds=1))
    best_fill, best_score = brute_force(problem, slots)
    assert result.value() + result.extra >= st_.big_m * best_fill + best_score
    if result.certified:
        assert (result.filled, int(result.arcs.s[result.chosen].sum())) == (best_fill, best_score)


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=7, signed=True), st.integers(1, 3), st.booleans())
def test_the_tie_break_among_optima_equals_the_tie_break_folded_into_the_costs(problem: Problem, slots: int,
                                                                               empty: bool) -> None:
    # Over every eligible pair: the optimum the potentials admit, with the best tie-break values, is the one
    # the flow with score and tie-break folded into its costs finds (same fill, score and tie-break sum).
    st_ = stages(problem, slots)
    net = Network(st_.capacity)
    full = eligible_arcs(problem, st_.dw, st_.rg)
    if len(full) == 0:
        return
    plain = flow_assign(full, st_.dw.n, net, st_.ordering.tb_value, tie_break=False)
    pot = residual_potentials(st_.dw.n, st_.rg.n, full, plain, net, st_.big_m)
    among = tie_break_among_optima(full, plain, pot, st_.dw.n, net, st_.ordering.tb_value)
    folded = flow_assign(full, st_.dw.n, net, st_.ordering.tb_value, tie_break=True)
    tb = st_.ordering.tb_value
    assert int(among.sum()) == int(folded.sum()) == int(plain.sum())
    assert int(full.s[among].sum()) == int(full.s[folded].sum())
    assert int(tb[full.r[among]].sum()) == int(tb[full.r[folded]].sum())
    assert len(set(full.r[among].tolist())) == int(among.sum())
    load = np.bincount(full.d[among], minlength=st_.dw.n)
    assert (load <= st_.capacity).all()
