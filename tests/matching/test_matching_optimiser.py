"""Properties on random small problems, and brute-force optimality of the flow and CP-SAT paths."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from matching_builders import eligible_arcs, reference_eligible, reference_fails, reference_score
from matching_strategies import PROPERTY, brute_force, problems

from matching import (
    RULE_CODES,
    Problem,
    SolveParams,
    diagnose_registrations,
    instant_shortlist,
    prepare_registrations,
    solve,
    take_dwellings,
)
from matching.capped import neighbourhood_caps
from matching.cpsat import cpsat_assign
from matching.prepare import DwellingTables


def shortlist_ids(problem: Problem, params: SolveParams | None = None) -> list[list[str]]:
    return [[c.registration_id for c in s.candidates] for s in solve(problem, params).shortlists]


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=7))
def test_candidates_pass_every_rule_and_ranks_follow_scores(problem: Problem) -> None:
    result = solve(problem)
    seen: set[int] = set()
    regs = problem.registrations
    for shortlist in result.shortlists:
        d = shortlist.dwelling_index
        for k, code in enumerate(RULE_CODES):
            expected = sum(reference_fails(problem, d, r)[code] for r in range(len(regs)))
            assert shortlist.excluded[code] == expected, (code, k)
        assert shortlist.eligible_count == sum(reference_eligible(problem, d, r) for r in range(len(regs)))
        assert len(shortlist.candidates) <= 3
        keys = []
        for rank, cand in enumerate(shortlist.candidates, start=1):
            r = cand.registration_index
            assert cand.rank == rank and cand.registration_id == regs.ids[r]
            assert reference_eligible(problem, d, r)
            assert cand.score == reference_score(problem, d, r) == sum(cand.score_breakdown.values())
            assert r not in seen
            seen.add(r)
            keys.append((-cand.score, -int(regs.waiting_days[r]), int(regs.registered_at[r]), r))
        assert keys == sorted(keys)
    assert result.filled_slots == len(seen)
    assert result.objective == sum(c.score for s in result.shortlists for c in s.candidates)


@PROPERTY
@given(problems(), st.integers(1, 3))
def test_flow_is_lexicographically_optimal(problem: Problem, slots: int) -> None:
    result = solve(problem, SolveParams(slots_per_dwelling=slots))
    assert result.status == "OPTIMAL" and result.solver == "min_cost_flow"
    assert (result.filled_slots, result.objective) == brute_force(problem, slots)
    assert result.bound == result.objective and result.gap == 0.0


@PROPERTY
@given(problems(cap=True), st.integers(1, 3))
def test_cap_path_is_lexicographically_optimal(problem: Problem, slots: int) -> None:
    result = solve(problem, SolveParams(slots_per_dwelling=slots, max_time_in_seconds=5.0))
    best = brute_force(problem, slots)
    assert (result.filled_slots, result.objective) == best
    assert result.status == "OPTIMAL"
    high = problem.registrations.support_intensity >= 2
    for code in set(problem.dwellings.neighbourhood_code):
        nominated = sum(int(high[c.registration_index]) for s in result.shortlists for c in s.candidates
                        if problem.dwellings.neighbourhood_code[s.dwelling_index] == code)
        caps = [problem.policy_for_region(int(problem.dwellings.region_index[d])).max_high_support_per_neighbourhood
                for d in range(len(problem.dwellings)) if problem.dwellings.neighbourhood_code[d] == code]
        limits = [c for c in caps if c is not None]
        assert not limits or nominated <= min(limits)


@PROPERTY
@given(problems(cap=True), st.integers(1, 3))
def test_cpsat_model_alone_is_lexicographically_optimal(problem: Problem, slots: int) -> None:
    # The CP-SAT model on every eligible pair, without a hint or any reduction, against enumeration.
    rg = prepare_registrations(problem)
    dw = DwellingTables(problem, rg)
    arcs = eligible_arcs(problem, dw, rg)
    capacity = np.full(dw.n, slots, np.int64)
    big_m = 1 + 2 * sum(abs(int(s)) for s in arcs.s)
    result = cpsat_assign(arcs, capacity, rg.high_support, dw.nb_index, neighbourhood_caps(dw),
                          np.zeros(len(arcs), np.bool_), big_m, 5.0, 5.0, 0, 1, 0.0)
    assert result.status == "OPTIMAL"
    chosen = result.chosen
    assert (int(chosen.sum()), int(arcs.s[chosen].sum())) == brute_force(problem, slots)


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=7))
def test_adding_an_ineligible_registration_changes_nothing(problem: Problem) -> None:
    before = shortlist_ids(problem)
    regs = problem.registrations
    extra = {name: np.concatenate([getattr(regs, name), getattr(regs, name)[:1]])
             for name in ("birth_year", "adults", "children_count", "annual_income_cents", "support_intensity",
                          "avoid_radius_m", "low_stimulus", "needs_wheelchair", "needs_no_stairs", "contract",
                          "ready_from", "waiting_days", "registered_at", "ties_years", "exempt_rules", "urgent")}
    extra["waiting_days"][-1] = 10_000  # would top every list if it were eligible
    grown = replace(regs, ids=(*regs.ids, "ghost"), available=np.append(regs.available, False), **extra)
    after = shortlist_ids(replace(problem, registrations=grown))
    assert after == before


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=7))
def test_deterministic_and_instant_matches_single_dwelling_optimum(problem: Problem) -> None:
    assert shortlist_ids(problem) == shortlist_ids(problem)
    for d in range(len(problem.dwellings)):
        instant = instant_shortlist(problem, d).shortlists[0]
        ranked = sorted((r for r in range(len(problem.registrations)) if reference_eligible(problem, d, r)),
                        key=lambda r: (-reference_score(problem, d, r), -int(problem.registrations.waiting_days[r]),
                                       int(problem.registrations.registered_at[r]), r))
        assert [c.registration_index for c in instant.candidates] == ranked[:3]


@PROPERTY
@given(problems(max_dwellings=4, max_registrations=5))
def test_diagnosis_counts_passes_and_sole_blockers(problem: Problem) -> None:
    n_d = len(problem.dwellings)
    for diag in diagnose_registrations(problem):
        r = diag.registration_index
        fails = [reference_fails(problem, d, r) for d in range(n_d)]
        assert diag.eligible == sum(not any(f.values()) for f in fails)
        for code in RULE_CODES:
            assert diag.passing[code] == sum(not f[code] for f in fails)
            freed = sum(all(not v for k, v in f.items() if k != code) for f in fails)
            assert diag.eligible_without[code] == freed


@PROPERTY
@given(problems(max_dwellings=3, max_registrations=7), st.integers(1, 3))
def test_instant_is_the_result_of_a_round_of_the_dwelling_alone(problem: Problem, slots: int) -> None:
    params = SolveParams(slots_per_dwelling=slots)
    for d in range(len(problem.dwellings)):
        instant = instant_shortlist(problem, d, params)
        alone = replace(problem, dwellings=take_dwellings(problem.dwellings, [d]),
                        rejected_pairs=tuple((0, r) for dd, r in problem.rejected_pairs if dd == d))
        round_ = solve(alone, params)
        assert instant.shortlists == (replace(round_.shortlists[0], dwelling_index=d),)
        for name in ("status", "objective", "bound", "gap", "filled_slots", "filled_slots_bound", "eligible_pairs",
                     "policy_versions", "default_policy_version"):
            assert getattr(instant, name) == getattr(round_, name), name
        assert set(instant.timings) == set(round_.timings)
