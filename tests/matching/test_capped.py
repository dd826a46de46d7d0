"""The neighbourhood cap: the strictest cap applies, quotas share it out, the capped solve is optimal on small
instances, and its bounds hold without CP-SAT too."""

from __future__ import annotations

from dataclasses import replace
from time import perf_counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matching_builders import Stages, build, reference_eligible, stages
from matching_strategies import PROPERTY, brute_force, problems

from matching import MatchResult, Problem, RegionPolicy, SolveParams, capped, solve
from matching.capped import Capped, neighbourhood_caps, quotas, solve_capped
from matching.colgen import column_generation, initial_arcs
from matching.network import Arcs, Network
from matching.prepare import DwellingTables

HIGH, LOW = {"support_intensity": 2}, {"support_intensity": 0}


def _capped_problem(cap: int) -> Problem:
    # Two one-slot dwellings in one neighbourhood; two high-support registrations wait longest (40, 30),
    # one low-support registration waits 10. Uncapped, both high-support ones win (70).
    return build([{}, {}], [{**HIGH, "waiting_days": 40}, {**HIGH, "waiting_days": 30}, {**LOW, "waiting_days": 10}],
                 (RegionPolicy("r0", max_high_support_per_neighbourhood=cap),))


def _solve_capped(st_: Stages, params: SolveParams, starve: bool = False) -> Capped:
    deadline = perf_counter() + params.max_time_in_seconds
    start = initial_arcs(st_.dw, st_.rg, st_.ordering, st_.sweep, st_.capacity)
    base = column_generation(st_.dw, st_.rg, st_.ordering, st_.sweep, params, deadline, Network(st_.capacity),
                             st_.big_m, start)
    if not starve:
        return solve_capped(st_.dw, st_.rg, st_.ordering, st_.sweep, params, base, deadline)
    # Starve the first quotas (no high-support quota in a capped neighbourhood), so that the dual steps (moving
    # quota) and, where they fall short, CP-SAT and the polish have to find the optimum themselves.
    def no_quota(arcs: Arcs, chosen: np.ndarray, capacity: np.ndarray, dw: DwellingTables, high: np.ndarray,
                 nb_cap: np.ndarray, tb_value: np.ndarray, low_count: np.ndarray | None = None) -> np.ndarray:
        return np.where(nb_cap[dw.nb_index] >= 0, 0, capacity).astype(np.int64)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(capped, "quotas", no_quota)
        return solve_capped(st_.dw, st_.rg, st_.ordering, st_.sweep, params, base, deadline)


def _chosen(result: Capped) -> list[tuple[int, int]]:
    return sorted(zip(result.arcs.d[result.chosen].tolist(), result.arcs.r[result.chosen].tolist(), strict=True))


@pytest.mark.parametrize("starve", [False, True])
def test_a_cap_of_one_takes_the_best_high_support_registration_and_fills_with_a_low_one(starve: bool) -> None:
    st_ = stages(_capped_problem(1), 1)
    result = _solve_capped(st_, SolveParams(slots_per_dwelling=1), starve)
    assert sorted(r for _d, r in _chosen(result)) == [0, 2]  # 40 + 10 = 50 beats 30 + 10 and 40 alone
    assert result.status == "OPTIMAL"
    assert (result.fill_bound, result.score_bound) == (2, 50)
    # The first quotas already hold the optimum; starved, moving one unit of quota finds it. No CP-SAT either way.
    assert result.cpsat_status == "NOT_RUN"


def test_a_cap_of_zero_leaves_only_the_low_support_registration() -> None:
    st_ = stages(_capped_problem(0), 1)
    result = _solve_capped(st_, SolveParams(slots_per_dwelling=1))
    assert [r for _d, r in _chosen(result)] == [2]
    assert result.status == "OPTIMAL" and (result.fill_bound, result.score_bound) == (1, 10)


def test_the_strictest_cap_of_a_neighbourhood_applies() -> None:
    policies = (RegionPolicy("a", max_high_support_per_neighbourhood=2),
                RegionPolicy("b", max_high_support_per_neighbourhood=1))
    # The stricter one first, so that neither the first nor the last cap seen is the answer by accident.
    problem = build([{"region_index": 0}, {"region_index": 1}, {"region_index": 0},
                     {"region_index": -1, "neighbourhood_code": "BU03440102"}], [{}], policies)
    st_ = stages(problem, 1)
    assert st_.dw.nb_codes == ("BU03440101", "BU03440102")
    assert neighbourhood_caps(st_.dw).tolist() == [1, -1]


def test_quotas_go_to_the_best_high_support_candidates_after_the_scarcest_dwellings() -> None:
    st_ = stages(_capped_problem(1), 1)
    uncapped = Arcs(np.array([0, 1]), np.array([0, 1]), np.array([40, 30]))  # h0 -> d0, h1 -> d1
    both, high, nb_cap = np.array([True, True]), st_.rg.high_support, np.array([1])
    tb = st_.ordering.tb_value
    # Without scarcity the cap's one unit goes to the better candidate's dwelling.
    assert quotas(uncapped, both, st_.capacity, st_.dw, high, nb_cap, tb).tolist() == [1, 0]
    # d1 cannot fill its slot from low-support registrations (d0 can): it gets the unit first.
    low_count = np.array([1, 0])
    assert quotas(uncapped, both, st_.capacity, st_.dw, high, nb_cap, tb, low_count).tolist() == [0, 1]
    # Both are short and the cap has one unit: it goes to the first, never one each.
    both_short = np.array([0, 0])
    assert quotas(uncapped, both, st_.capacity, st_.dw, high, nb_cap, tb, both_short).tolist() == [1, 0]


@PROPERTY
@given(problems(cap=True), st.integers(1, 3), st.booleans())
def test_the_capped_solve_respects_the_cap_and_is_optimal(problem: Problem, slots: int, starve: bool) -> None:
    st_ = stages(problem, slots)
    result = _solve_capped(st_, SolveParams(slots_per_dwelling=slots, max_time_in_seconds=5.0), starve)
    chosen = _chosen(result)
    high = st_.rg.high_support
    caps = neighbourhood_caps(st_.dw)
    per_nb = np.bincount([st_.dw.nb_index[d] for d, r in chosen if high[r]], minlength=len(caps))
    assert ((caps < 0) | (per_nb <= caps)).all()
    assert np.bincount([d for d, _r in chosen], minlength=st_.dw.n).max(initial=0) <= slots
    assert len({r for _d, r in chosen}) == len(chosen)
    assert all(reference_eligible(problem, d, r) for d, r in chosen)
    best_fill, best_score = brute_force(problem, slots)
    assert (len(chosen), int(result.arcs.s[result.chosen].sum())) == (best_fill, best_score)
    assert result.status == "OPTIMAL"
    assert (result.fill_bound, result.score_bound) == (best_fill, best_score)


@PROPERTY
@given(problems(cap=True), st.integers(1, 3), st.integers(1, 4))
def test_without_cp_sat_the_bounds_hold_and_every_cap_is_respected(problem: Problem, slots: int, steps: int) -> None:
    # The dual steps alone (CP-SAT off): a cap-feasible solution, a fill bound and a score bound that are never
    # below the true optimum (by enumeration), and OPTIMAL only when the bound meets the solution.
    st_ = stages(problem, slots)
    params = SolveParams(slots_per_dwelling=slots, max_cpsat_arcs=0, max_lagrange_steps=steps)
    result = _solve_capped(st_, params)
    chosen = _chosen(result)
    high = st_.rg.high_support
    caps = neighbourhood_caps(st_.dw)
    per_nb = np.bincount([st_.dw.nb_index[d] for d, r in chosen if high[r]], minlength=len(caps))
    assert ((caps < 0) | (per_nb <= caps)).all()
    assert result.cpsat_status == "NOT_RUN"
    best_fill, best_score = brute_force(problem, slots)
    score = int(result.arcs.s[result.chosen].sum())
    assert len(chosen) <= best_fill <= result.fill_bound
    if len(chosen) == best_fill:
        assert score <= best_score <= result.score_bound
    assert (result.status == "OPTIMAL") == (result.score_bound <= score and result.fill_bound == len(chosen))


def _picks(result: MatchResult) -> list[list[str]]:
    return [[c.registration_id for c in s.candidates] for s in result.shortlists]


@PROPERTY
@given(problems(cap=True, max_dwellings=4, max_registrations=8), st.integers(1, 3), st.integers(0, 6),
       st.booleans())
def test_a_round_its_time_limit_stopped_replays_identically_with_its_replay_settings(
        problem: Problem, slots: int, calls: int, cp_sat: bool) -> None:
    # The capped round's clock runs out after a few of its readings (mid dual steps, before or at CP-SAT): the
    # result's `replay` settings, solved with time to spare, give the same shortlists.
    clock = iter(range(10**6))

    def expiring() -> float:
        return perf_counter() + (0.0 if next(clock) < calls else 10**6)

    params = SolveParams(slots_per_dwelling=slots, max_cpsat_arcs=60_000 if cp_sat else 0, num_workers=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(capped, "perf_counter", expiring)
        stopped = solve(problem, params)
    if ":wall" in stopped.solver:
        return  # CP-SAT's wall-clock safety net, not its deterministic budget, ended it (module docstring)
    again = solve(problem, replace(stopped.replay, max_time_in_seconds=60.0))
    assert _picks(again) == _picks(stopped)
    assert again.replay == replace(stopped.replay, max_time_in_seconds=60.0)
