"""Builders for small matcher problems, an independent scalar reference of every hard rule, a round's stages."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matching import (
    CATEGORIES,
    RULE_CODES,
    AvoidPoints,
    Dwellings,
    FiguresTable,
    Problem,
    RegionPolicy,
    Registrations,
    RegistrationTables,
    figures_from_rows,
    prepare_registrations,
)
from matching.colgen import big_m_for
from matching.network import Arcs
from matching.prepare import DwellingTables
from matching.scoring import score_pairs
from matching.sweep import Ordering, Sweep, run_sweep

FIGURES_CSV = Path(__file__).resolve().parents[2] / "data" / "housing_figures.csv"
INF = float("inf")


def figures() -> FiguresTable:
    """Load the shipped housing figures (tests may read files; the library may not)."""
    with FIGURES_CSV.open(newline="") as handle:
        return figures_from_rows(csv.DictReader(handle))


DWELLING: dict[str, Any] = {
    "lat": 52.09, "lon": 5.12, "neighbourhood_code": "BU03440101", "region_index": 0, "max_occupants": 2,
    "bedrooms": 1, "suitable_for_children": False, "bare_rent_cents": 60_000, "floor_area_m2": 40.0,
    "floor": 0, "has_elevator": False, "wheelchair_accessible": False, "gallery_access": False,
    "shared_entrance_households": 2, "next_to_business": False, "busy_road": False, "contract_types": 1,
    "available_from": "2026-03-01", "nearest_place_m": (INF, INF, INF, INF),
}

REGISTRATION: dict[str, Any] = {
    "birth_year": 1990, "adults": 1, "children_count": 0, "annual_income_cents": 2_000_000,
    "support_intensity": 1, "avoid_radius_m": (0.0, 0.0, 0.0, 0.0), "low_stimulus": 0,
    "needs_wheelchair": False, "needs_no_stairs": False, "contract": 0, "ready_from": "2026-01-01",
    "waiting_days": 100, "registered_at": None, "ties_years": None, "exempt_rules": 0, "urgent": False,
    "available": True, "avoid_areas": (), "avoid_points": (), "preferred": (),
}


def build(dwellings: list[dict[str, Any]], registrations: list[dict[str, Any]],
          policies: tuple[RegionPolicy, ...] = (RegionPolicy("r0"),), **kwargs: Any) -> Problem:
    """Build a Problem from per-item overrides of DWELLING / REGISTRATION defaults."""
    dws = [{**DWELLING, **d} for d in dwellings]
    regs = [{**REGISTRATION, **r} for r in registrations]
    n_regions = len(policies)
    dcols = {key: [d[key] for d in dws] for key in DWELLING}
    dcols["available_from"] = np.array(dcols["available_from"], dtype="datetime64[D]")
    dwelling_obj = Dwellings(ids=tuple(f"d{i}" for i in range(len(dws))), **dcols)
    rcols = {key: [r[key] for r in regs] for key in REGISTRATION
             if key not in ("avoid_areas", "avoid_points", "preferred", "registered_at", "ties_years")}
    rcols["ready_from"] = np.array(rcols["ready_from"], dtype="datetime64[D]")
    ties = [r["ties_years"] if r["ties_years"] is not None else [5.0] * n_regions for r in regs]
    registered = [r["registered_at"] if r["registered_at"] is not None else i for i, r in enumerate(regs)]
    points = [(i, *pt) for i, r in enumerate(regs) for pt in r["avoid_points"]]
    registration_obj = Registrations(
        ids=tuple(f"r{i}" for i in range(len(regs))), **rcols,
        ties_years=np.array(ties, dtype=float).reshape(len(regs), n_regions),
        registered_at=registered,
        avoid_areas=tuple((i, code) for i, r in enumerate(regs) for code in r["avoid_areas"]),
        preferred_municipalities=tuple((i, code) for i, r in enumerate(regs) for code in r["preferred"]),
        avoid_points=AvoidPoints(np.array([p[0] for p in points], np.int64), np.array([p[1] for p in points]),
                                 np.array([p[2] for p in points]), np.array([p[3] for p in points])),
    )
    kwargs.setdefault("figures", figures())
    return Problem(dwellings=dwelling_obj, registrations=registration_obj, policies=policies, **kwargs)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Plain scalar haversine, metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def _day(value: Any) -> int:
    return int(np.datetime64(value, "D").astype(np.int64)) if not isinstance(value, int | np.integer) else int(value)


def _low_stimulus_ok(problem: Problem, d: int, policy: RegionPolicy) -> bool:
    dw = problem.dwellings
    return bool(not dw.gallery_access[d]
                and dw.shared_entrance_households[d] <= policy.low_stimulus_max_entrance_households
                and not dw.next_to_business[d] and not dw.busy_road[d]
                and dw.nearest_place_m[d, CATEGORIES.index("bar_nightlife")] > policy.low_stimulus_nightlife_radius_m)


def reference_fails(problem: Problem, d: int, r: int) -> dict[str, bool]:
    """Scalar reference of every hard rule for one pair: True = the rule excludes it (after exemptions)."""
    dw, rg = problem.dwellings, problem.registrations
    region = int(dw.region_index[d])
    policy = problem.policy_for_region(region)
    persons = int(rg.adults[r] + rg.children_count[r])
    children = int(rg.children_count[r])
    fails: dict[str, bool] = {}
    fit = persons <= dw.max_occupants[d]
    if children:
        fit = fit and bool(dw.suitable_for_children[d]) and dw.bedrooms[d] >= 1 + math.ceil(children / 2)
    fails["HOUSEHOLD_FIT"] = not fit
    available_day = int(dw.available_from[d])
    year = int(str(np.datetime64(available_day, "D"))[:4])
    fig = problem.figures.for_year(year)
    pension = year - int(rg.birth_year[r]) >= 67
    if persons == 1:
        limit = fig.income_limit_pension_single if pension else fig.income_limit_single
    elif pension and fig.income_limit_pension_multi is not None:
        limit = fig.income_limit_pension_multi
    else:
        limit = fig.income_limit_multi
    ceiling = fig.rent_ceiling_low if persons <= 2 else fig.rent_ceiling_high
    fails["AFFORDABILITY"] = bool(rg.annual_income_cents[r] <= limit and dw.bare_rent_cents[d] > ceiling)
    surround = any(rg.avoid_radius_m[r, c] > 0 and dw.nearest_place_m[d, c] <= rg.avoid_radius_m[r, c]
                   for c in range(len(CATEGORIES)))
    bu = dw.neighbourhood_code[d]
    for i, code in rg.avoid_areas:
        if i == r and (code == bu or code == "GM" + bu[2:6] or code == "WK" + bu[2:8]):
            surround = True
    pts = rg.avoid_points
    for k in range(len(pts)):
        distance = haversine(dw.lat[d], dw.lon[d], pts.lat[k], pts.lon[k])
        if pts.registration_index[k] == r and distance <= pts.radius_m[k]:
            surround = True
    fails["SURROUNDINGS"] = surround
    low_ok = _low_stimulus_ok(problem, d, policy)
    fails["LOW_STIMULUS"] = bool(rg.low_stimulus[r] == 2 and not low_ok)
    fails["REGIONAL_TIES"] = bool(region >= 0 and rg.ties_years[r, region] < policy.min_tie_years)
    access = True
    if rg.needs_wheelchair[r] and not dw.wheelchair_accessible[d]:
        access = False
    if rg.needs_no_stairs[r] and not (dw.floor[d] == 0 or dw.has_elevator[d]):
        access = False
    fails["ACCESSIBILITY"] = not access
    contract = int(rg.contract[r])
    offers = int(dw.contract_types[d])
    fails["CONTRACT"] = (contract == 1 and not offers & 2) or (contract == 2 and not offers & 1)
    ready = int(rg.ready_from[r]) <= available_day + policy.ready_date_slack_days
    fails["AVAILABILITY"] = not (bool(rg.available[r]) and ready and (d, r) not in problem.rejected_pairs)
    for k, code in enumerate(RULE_CODES):
        if int(rg.exempt_rules[r]) & (1 << k):
            fails[code] = False
    return fails


def reference_score(problem: Problem, d: int, r: int) -> int:
    """Scalar reference of the soft score of one pair."""
    dw, rg = problem.dwellings, problem.registrations
    policy = problem.policy_for_region(int(dw.region_index[d]))
    bu = dw.neighbourhood_code[d]
    score = policy.weight_waiting_per_day * int(rg.waiting_days[r]) + policy.weight_urgency * int(rg.urgent[r])
    if any(i == r and code == "GM" + bu[2:6] for i, code in rg.preferred_municipalities):
        score += policy.weight_preferred_municipality
    low_ok = _low_stimulus_ok(problem, d, policy)
    if rg.low_stimulus[r] == 1 and low_ok:
        score += policy.weight_low_stimulus_preferred
    persons = int(rg.adults[r] + rg.children_count[r])
    if persons <= 2:
        excess = max(0, math.floor(float(dw.floor_area_m2[d]) - policy.oversize_threshold_m2))
        score -= policy.weight_oversize_per_m2 * excess
    vulnerability = problem.neighbourhood_vulnerability.get(bu, 0)
    score -= policy.weight_support_vulnerability * int(rg.support_intensity[r]) * vulnerability
    score -= policy.weight_recent_placement * problem.recent_placements.get(bu, 0)
    return int(score)


def reference_eligible(problem: Problem, d: int, r: int) -> bool:
    """True when no rule excludes the pair."""
    return not any(reference_fails(problem, d, r).values())


@dataclass(frozen=True, eq=False)
class Stages:
    """The inputs a round hands its optimiser: prepared tables, the sweep, capacities and the slot weight."""

    rg: RegistrationTables
    dw: DwellingTables
    ordering: Ordering
    sweep: Sweep
    capacity: np.ndarray
    big_m: int


def stages(problem: Problem, slots: int) -> Stages:
    """Run a round up to its optimiser (what matching.solve does before column generation)."""
    rg = prepare_registrations(problem)
    dw = DwellingTables(problem, rg)
    ordering = Ordering(rg)
    sweep = run_sweep(dw, rg, ordering, k=2 * slots)
    capacity = np.minimum(slots, sweep.eligible_count).astype(np.int64)
    return Stages(rg, dw, ordering, sweep, capacity, big_m_for(dw, rg, sweep, capacity))


def eligible_arcs(problem: Problem, dw: DwellingTables, rg: RegistrationTables) -> Arcs:
    """Every eligible pair by the scalar reference, as arcs with the library's scores (the full model)."""
    pairs = [(d, r) for d in range(dw.n) for r in range(rg.n) if reference_eligible(problem, d, r)]
    d_idx = np.array([p[0] for p in pairs], np.int64)
    r_idx = np.array([p[1] for p in pairs], np.int64)
    return Arcs(d_idx, r_idx, score_pairs(dw, rg, d_idx, r_idx))
