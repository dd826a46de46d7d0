"""Edges of every hard rule, checked through the public face (per-rule exclusion counts)."""

from __future__ import annotations

import pytest
from matching_builders import INF, build

from matching import (
    MissingFiguresError,
    RegionPolicy,
    exemption_mask,
    haversine_m,
    instant_shortlist,
    solve,
)


def excluded(problem, dwelling: int = 0) -> dict[str, int]:
    return dict(instant_shortlist(problem, dwelling).shortlists[0].excluded)


def rule(problem, code: str) -> bool:
    """Does `code` exclude the single registration from dwelling 0?"""
    return excluded(problem)[code] == 1


# HOUSEHOLD_FIT -----------------------------------------------------------------------------------------

def test_household_fit_occupants_at_maximum_pass_one_more_fails() -> None:
    assert not rule(build([{"max_occupants": 2}], [{"adults": 2}]), "HOUSEHOLD_FIT")
    assert rule(build([{"max_occupants": 2}], [{"adults": 2, "children_count": 1}]), "HOUSEHOLD_FIT")


def test_household_fit_children_need_a_suitable_dwelling_with_enough_bedrooms() -> None:
    family = {"adults": 1, "children_count": 3}  # needs 1 + ceil(3 / 2) = 3 bedrooms
    roomy = {"max_occupants": 5, "suitable_for_children": True, "bedrooms": 3}
    assert not rule(build([roomy], [family]), "HOUSEHOLD_FIT")
    assert rule(build([{**roomy, "bedrooms": 2}], [family]), "HOUSEHOLD_FIT")
    assert rule(build([{**roomy, "suitable_for_children": False}], [family]), "HOUSEHOLD_FIT")
    # Childless households do not need a child-suitable dwelling.
    assert not rule(build([{"suitable_for_children": False, "bedrooms": 0}], [{}]), "HOUSEHOLD_FIT")


# AFFORDABILITY (2026: single limit 29,400.00, low ceiling 713.02, high ceiling 764.14) ------------------

def test_rent_exactly_at_the_ceiling_is_allowed_one_cent_above_is_not() -> None:
    at_limit = {"annual_income_cents": 2_940_000}
    assert not rule(build([{"bare_rent_cents": 71_302}], [at_limit]), "AFFORDABILITY")
    assert rule(build([{"bare_rent_cents": 71_303}], [at_limit]), "AFFORDABILITY")


def test_income_exactly_at_the_limit_applies_the_rule_one_cent_above_does_not() -> None:
    dear = [{"bare_rent_cents": 80_000}]
    assert rule(build(dear, [{"annual_income_cents": 2_940_000}]), "AFFORDABILITY")
    assert not rule(build(dear, [{"annual_income_cents": 2_940_001}]), "AFFORDABILITY")


def test_households_of_three_use_the_high_ceiling_and_multi_limit() -> None:
    three = {"adults": 2, "children_count": 1, "annual_income_cents": 3_992_500}
    home = {"max_occupants": 4, "suitable_for_children": True, "bedrooms": 2}
    assert not rule(build([{**home, "bare_rent_cents": 76_414}], [three]), "AFFORDABILITY")
    assert rule(build([{**home, "bare_rent_cents": 76_415}], [three]), "AFFORDABILITY")
    # Two persons: still the low ceiling.
    two = {"adults": 2, "annual_income_cents": 3_992_500}
    assert rule(build([{"bare_rent_cents": 71_303}], [two]), "AFFORDABILITY")


def test_pension_age_is_reached_in_the_dwellings_year() -> None:
    # 2026 pension single limit 28,775.00 is below the regular 29,400.00.
    dear = [{"bare_rent_cents": 80_000}]
    aged_67 = {"birth_year": 1959, "annual_income_cents": 2_877_501}
    assert not rule(build(dear, [aged_67]), "AFFORDABILITY")
    aged_66 = {"birth_year": 1960, "annual_income_cents": 2_877_501}
    assert rule(build(dear, [aged_66]), "AFFORDABILITY")


def test_missing_pension_multi_limit_falls_back_to_multi() -> None:
    # 2024 has no multi-person limit at pension age: the regular 37,625.00 applies.
    dwelling = [{"bare_rent_cents": 65_044, "available_from": "2024-06-01"}]
    couple = {"adults": 2, "birth_year": 1950, "annual_income_cents": 3_762_500, "ready_from": "2024-01-01"}
    assert rule(build(dwelling, [couple]), "AFFORDABILITY")
    assert not rule(build(dwelling, [{**couple, "annual_income_cents": 3_762_501}]), "AFFORDABILITY")


def test_a_year_without_figures_raises() -> None:
    problem = build([{"available_from": "2031-01-01"}], [{}])
    with pytest.raises(MissingFiguresError) as err:
        solve(problem)
    assert err.value.year == 2031
    with pytest.raises(MissingFiguresError):
        instant_shortlist(problem)


# SURROUNDINGS ------------------------------------------------------------------------------------------

def test_place_exactly_at_the_radius_counts_as_within() -> None:
    avoid = {"avoid_radius_m": (200.0, 0.0, 0.0, 0.0)}
    assert rule(build([{"nearest_place_m": (200.0, INF, INF, INF)}], [avoid]), "SURROUNDINGS")
    assert not rule(build([{"nearest_place_m": (200.001, INF, INF, INF)}], [avoid]), "SURROUNDINGS")
    # A radius of 0 means no avoidance, even with the place next door.
    assert not rule(build([{"nearest_place_m": (0.0, 0.0, 0.0, 0.0)}], [{}]), "SURROUNDINGS")
    # Other categories do not count.
    assert not rule(build([{"nearest_place_m": (INF, 10.0, 10.0, 10.0)}], [avoid]), "SURROUNDINGS")


def test_avoid_areas_by_cbs_containment() -> None:
    home = [{"neighbourhood_code": "BU03440203"}]
    for code, hit in [("GM0344", True), ("WK034402", True), ("BU03440203", True), ("WK034401", False),
                      ("BU03440204", False), ("GM0363", False)]:
        assert rule(build(home, [{"avoid_areas": (code,)}]), "SURROUNDINGS") is hit, code


def test_avoid_point_exactly_at_the_radius_is_within() -> None:
    d = {"lat": 52.09, "lon": 5.12}
    p_lat, p_lon = 52.095, 5.125
    radius = float(haversine_m(d["lat"], d["lon"], p_lat, p_lon))
    assert rule(build([d], [{"avoid_points": ((p_lat, p_lon, radius),)}]), "SURROUNDINGS")
    assert not rule(build([d], [{"avoid_points": ((p_lat, p_lon, radius - 0.01),)}]), "SURROUNDINGS")


# LOW_STIMULUS ------------------------------------------------------------------------------------------

POLICY = RegionPolicy("r0", low_stimulus_max_entrance_households=4, low_stimulus_nightlife_radius_m=250.0)


def test_low_stimulus_required_excludes_each_feature() -> None:
    need = [{"low_stimulus": 2}]
    assert not rule(build([{}], need, (POLICY,)), "LOW_STIMULUS")
    for feature in ({"gallery_access": True}, {"shared_entrance_households": 5}, {"next_to_business": True},
                    {"busy_road": True}, {"nearest_place_m": (INF, INF, 250.0, INF)}):
        assert rule(build([feature], need, (POLICY,)), "LOW_STIMULUS"), feature
    assert not rule(build([{"shared_entrance_households": 4}], need, (POLICY,)), "LOW_STIMULUS")
    assert not rule(build([{"nearest_place_m": (INF, INF, 250.01, INF)}], need, (POLICY,)), "LOW_STIMULUS")
    # Preferred is a soft wish, never an exclusion.
    assert not rule(build([{"gallery_access": True}], [{"low_stimulus": 1}], (POLICY,)), "LOW_STIMULUS")


# REGIONAL_TIES -----------------------------------------------------------------------------------------

def test_tie_years_exactly_at_the_minimum_pass() -> None:
    policy = (RegionPolicy("r0", min_tie_years=3.0),)
    assert not rule(build([{}], [{"ties_years": [3.0]}], policy), "REGIONAL_TIES")
    assert rule(build([{}], [{"ties_years": [2.9]}], policy), "REGIONAL_TIES")


def test_exemption_lifts_ties_and_no_region_needs_none() -> None:
    policy = (RegionPolicy("r0", min_tie_years=3.0),)
    exempt = {"ties_years": [0.0], "exempt_rules": exemption_mask(["REGIONAL_TIES"])}
    assert not rule(build([{}], [exempt], policy), "REGIONAL_TIES")
    assert not rule(build([{"region_index": -1}], [{"ties_years": [0.0]}], policy), "REGIONAL_TIES")


def test_exemptions_are_generic() -> None:
    need = {"low_stimulus": 2, "exempt_rules": exemption_mask(["LOW_STIMULUS"])}
    assert not rule(build([{"gallery_access": True}], [need]), "LOW_STIMULUS")


# ACCESSIBILITY, CONTRACT, AVAILABILITY -----------------------------------------------------------------

def test_accessibility() -> None:
    assert rule(build([{}], [{"needs_wheelchair": True}]), "ACCESSIBILITY")
    assert not rule(build([{"wheelchair_accessible": True}], [{"needs_wheelchair": True}]), "ACCESSIBILITY")
    stairs = [{"needs_no_stairs": True}]
    assert not rule(build([{"floor": 0}], stairs), "ACCESSIBILITY")
    assert not rule(build([{"floor": 3, "has_elevator": True}], stairs), "ACCESSIBILITY")
    assert rule(build([{"floor": 3}], stairs), "ACCESSIBILITY")


def test_contract() -> None:
    assert rule(build([{"contract_types": 1}], [{"contract": 1}]), "CONTRACT")
    assert not rule(build([{"contract_types": 3}], [{"contract": 1}]), "CONTRACT")
    assert rule(build([{"contract_types": 2}], [{"contract": 2}]), "CONTRACT")
    assert not rule(build([{"contract_types": 4 | 1}], [{"contract": 2}]), "CONTRACT")
    assert not rule(build([{"contract_types": 2}], [{"contract": 0}]), "CONTRACT")


def test_availability_ready_date_slack_and_rejections() -> None:
    policy = (RegionPolicy("r0", ready_date_slack_days=10),)
    dwelling = [{"available_from": "2026-03-01"}]
    assert not rule(build(dwelling, [{"ready_from": "2026-03-11"}], policy), "AVAILABILITY")
    assert rule(build(dwelling, [{"ready_from": "2026-03-12"}], policy), "AVAILABILITY")
    assert rule(build(dwelling, [{"available": False}], policy), "AVAILABILITY")
    assert rule(build(dwelling, [{}], policy, rejected_pairs=((0, 0),)), "AVAILABILITY")


def test_a_registration_failing_two_rules_counts_under_both() -> None:
    problem = build([{"contract_types": 1}], [{"contract": 1, "needs_wheelchair": True}, {}])
    counts = excluded(problem)
    assert counts["CONTRACT"] == 1 and counts["ACCESSIBILITY"] == 1
    assert instant_shortlist(problem).shortlists[0].eligible_count == 1
