"""Hypothesis strategies for small matcher problems, and the brute-force optimum they are checked against."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from matching_builders import INF, build, reference_eligible, reference_score

from matching import Problem, RegionPolicy, exemption_mask

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NEIGHBOURHOODS = ("BU03440101", "BU03440102", "BU03440201", "BU03630101")


@st.composite
def problems(draw: st.DrawFn, max_dwellings: int = 3, max_registrations: int = 6, cap: bool = False,
             signed: bool = False) -> Problem:
    """Small problems whose attributes straddle every rule's edge; `signed`: weights may be negative too."""
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
        "weight_preferred_municipality": draw(st.integers(-15 if signed else 0, 15)),
        "weight_low_stimulus_preferred": draw(st.integers(-10 if signed else 0, 10)),
        "weight_oversize_per_m2": draw(st.integers(-2 if signed else 0, 2)),
        "weight_support_vulnerability": draw(st.integers(-1 if signed else 0, 1)),
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
