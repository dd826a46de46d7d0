"""Properties on random small problems, and brute-force optimality of the flow and CP-SAT paths."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_builders import INF, build, reference_eligible, reference_fails, reference_score

from matching import (
    RULE_CODES,
    Problem,
    RegionPolicy,
    SolveParams,
    capped,
    diagnose_registrations,
    exemption_mask,
    instant_shortlist,
    prepare_registrations,
    solve,
)
from matching.capped import neighbourhood_caps
from matching.optimiser import Arcs, cpsat_assign
from matching.prepare import DwellingTables
from matching.scoring import score_pairs

NEIGHBOURHOODS = ("BU03440101", "BU03440102", "BU03440201", "BU03630101")


@st.composite
def problems(draw: st.DrawFn, max_dwellings: int = 3, max_registrations: int = 6, cap: bool = False) -> Problem:
    """Small problems whose attributes straddle every rule's edge."""
    n_d = draw(st.integers(1, max_dwellings))
    n_r = draw(st.integers(1, max_registrations))
    codes = NEIGHBOURHOODS[:2] if cap else NEIGHBOURHOODS
    dwellings = [{
        "neighbourhood_code": draw(st.sampled_from(codes)),
        "region_index": draw(st.sampled_from([0, 0, 1, -1])),
        "max_occupants": draw(st.integers(1, 4)),
        "bedrooms": draw(st.integers(0, 3)),
        "suitable_for_children": draw(st.booleans()),
        "bare_rent_cents": draw(st.sampled_from([60_000, 71_302, 71_303, 76_414, 90_000])),
        "floor_area_m2": draw(st.sampled_from([30.0, 50.0, 64.5])),
        "floor": draw(st.sampled_from([0, 2])),
        "has_elevator": draw(st.booleans()),
        "wheelchair_accessible": draw(st.booleans()),
        "gallery_access": draw(st.booleans()),
        "contract_types": draw(st.sampled_from([1, 2, 3, 5])),
        "available_from": draw(st.sampled_from(["2025-12-20", "2026-03-01"])),
        "nearest_place_m": (draw(st.sampled_from([100.0, 200.0, INF])), INF,
                            draw(st.sampled_from([150.0, 300.0, INF])), INF),
    } for _ in range(n_d)]
    registrations = [{
        "adults": draw(st.integers(1, 2)),
        "children_count": draw(st.sampled_from([0, 0, 1, 3])),
        "birth_year": draw(st.sampled_from([1990, 1958])),
        "annual_income_cents": draw(st.sampled_from([2_000_000, 2_940_000, 5_000_000])),
        "support_intensity": draw(st.sampled_from([0, 2, 3, 3] if cap else [0, 1, 2, 3])),
        "avoid_radius_m": (draw(st.sampled_from([0.0, 200.0])), 0.0, 0.0, 0.0),
        "low_stimulus": draw(st.integers(0, 2)),
        "needs_wheelchair": draw(st.booleans()) and draw(st.booleans()),
        "needs_no_stairs": draw(st.booleans()),
        "contract": draw(st.integers(0, 2)),
        "ready_from": draw(st.sampled_from(["2025-11-01", "2026-03-10"])),
        "waiting_days": draw(st.integers(0, 40)),
        "registered_at": draw(st.integers(0, 5)),
        "ties_years": [draw(st.sampled_from([0.0, 2.0, 3.0])), draw(st.sampled_from([0.0, 5.0]))],
        "exempt_rules": draw(st.sampled_from([0, 0, exemption_mask(["REGIONAL_TIES"])])),
        "urgent": draw(st.booleans()),
        "available": draw(st.booleans()) or draw(st.booleans()),
        "avoid_areas": draw(st.sampled_from([(), ("WK034401",), ("GM0363",)])),
        "preferred": draw(st.sampled_from([(), ("GM0344",)])),
    } for _ in range(n_r)]
    weights = {
        "weight_waiting_per_day": draw(st.integers(1, 3)),
        "weight_urgency": draw(st.integers(0, 20)),
        "weight_preferred_municipality": draw(st.integers(0, 15)),
        "weight_low_stimulus_preferred": draw(st.integers(0, 10)),
        "weight_oversize_per_m2": draw(st.integers(0, 2)),
        "weight_support_vulnerability": draw(st.integers(0, 1)),
        "weight_recent_placement": draw(st.integers(0, 5)),
        "ready_date_slack_days": draw(st.sampled_from([0, 10])),
        "max_high_support_per_neighbourhood": draw(st.integers(0, 1)) if cap else None,
    }
    policies = (RegionPolicy("a", min_tie_years=3.0, **weights), RegionPolicy("b", min_tie_years=1.0, **weights))
    rejected = tuple((d, r) for d in range(n_d) for r in range(n_r) if draw(st.integers(0, 9)) == 0)
    return build(dwellings, registrations, policies, rejected_pairs=rejected,
                 default_policy=RegionPolicy("default", **{**weights, "max_high_support_per_neighbourhood": None}),
                 neighbourhood_vulnerability={"BU03440101": 40, "BU03440201": 90},
                 recent_placements={"BU03440102": 2})


def brute_force(problem: Problem, slots: int) -> tuple[int, int]:
    """Best (filled slots, total score) over every assignment, by enumeration."""
    n_d, n_r = len(problem.dwellings), len(problem.registrations)
    options = [[-1] + [d for d in range(n_d) if reference_eligible(problem, d, r)] for r in range(n_r)]
    score = {(d, r): reference_score(problem, d, r) for r in range(n_r) for d in options[r][1:]}
    caps = {}
    for d in range(n_d):
        cap = problem.policy_for_region(int(problem.dwellings.region_index[d])).max_high_support_per_neighbourhood
        if cap is not None:
            code = problem.dwellings.neighbourhood_code[d]
            caps[code] = min(caps.get(code, cap), cap)
    high = problem.registrations.support_intensity >= 2
    best = (0, 0)
    for choice in itertools.product(*options):
        load = [0] * n_d
        high_in: dict[str, int] = {}
        for r, d in enumerate(choice):
            if d >= 0:
                load[d] += 1
                if high[r]:
                    code = problem.dwellings.neighbourhood_code[d]
                    high_in[code] = high_in.get(code, 0) + 1
        if max(load) > slots or any(n > caps.get(code, n) for code, n in high_in.items()):
            continue
        value = (sum(load), sum(score[(d, r)] for r, d in enumerate(choice) if d >= 0))
        best = max(best, value)
    return best


def shortlist_ids(problem: Problem, params: SolveParams | None = None) -> list[list[str]]:
    return [[c.registration_id for c in s.candidates] for s in solve(problem, params).shortlists]


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
def test_cap_path_with_a_poor_hint_still_reaches_the_optimum(problem: Problem, slots: int) -> None:
    # Starve the hint (no high-support quota at all, no rebalancing) so that the reduced CP-SAT model and
    # the polish step have to find the optimum themselves.
    def no_quota(arcs, chosen, capacity, dw, high, nb_cap, tb_value, low_count=None):
        return np.where(nb_cap[dw.nb_index] >= 0, 0, capacity).astype(np.int64)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(capped, "quotas", no_quota)
        patch.setattr(capped, "_REBALANCE_ROUNDS", 0)
        result = solve(problem, SolveParams(slots_per_dwelling=slots, max_time_in_seconds=5.0))
    assert (result.filled_slots, result.objective) == brute_force(problem, slots)
    assert result.bound >= result.objective


@PROPERTY
@given(problems(cap=True), st.integers(1, 3))
def test_cpsat_model_alone_is_lexicographically_optimal(problem: Problem, slots: int) -> None:
    # The CP-SAT model on every eligible pair, without a hint or any reduction, against enumeration.
    rg = prepare_registrations(problem)
    dw = DwellingTables(problem, rg)
    pairs = [(d, r) for d in range(dw.n) for r in range(rg.n) if reference_eligible(problem, d, r)]
    d_idx = np.array([p[0] for p in pairs], np.int64)
    r_idx = np.array([p[1] for p in pairs], np.int64)
    arcs = Arcs(d_idx, r_idx, score_pairs(dw, rg, d_idx, r_idx))
    capacity = np.full(dw.n, slots, np.int64)
    big_m = 1 + 2 * sum(abs(int(s)) for s in arcs.s)
    result = cpsat_assign(arcs, capacity, rg.high_support, dw.nb_index, neighbourhood_caps(dw),
                          np.zeros(len(arcs), np.bool_), big_m, 5.0, 0, 1, 0.0)
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
        instant = instant_shortlist(problem, d)
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
