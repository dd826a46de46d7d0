"""Turning snapshot rows (service.shortlists.rows) into the matcher's `Problem` (NumPy arrays, frozen dataclasses)."""

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from matching.model import (
    CATEGORIES,
    CONTRACT_FLIP,
    CONTRACT_REGULAR,
    CONTRACT_WITH_AGREEMENTS,
    AvoidPoints,
    BoolArray,
    Dwellings,
    FloatArray,
    IntArray,
    Problem,
    RegionPolicy,
    Registrations,
    exemption_mask,
    region_ties,
)
from service.housing_figures import housing_figures
from service.shortlists.rows import Context, DwellingRow, RegionRow, RegistrationRow

CONTRACT_BITS = {"regular": CONTRACT_REGULAR, "flip": CONTRACT_FLIP, "with_agreements": CONTRACT_WITH_AGREEMENTS}
SUPPORT = {"none": 0, "light": 1, "medium": 2, "intensive": 3}
LOW_STIMULUS = {"not_needed": 0, "preferred": 1, "required": 2}
CONTRACT_NEED = {"any": 0, "flip_required": 1, "regular_only": 2}


def _floats(values: Iterable[Any]) -> FloatArray:
    return np.array(list(values), dtype=np.float64)


def _ints(values: Iterable[Any]) -> IntArray:
    return np.array(list(values), dtype=np.int64)


def _bools(values: Iterable[Any]) -> BoolArray:
    return np.array(list(values), dtype=np.bool_)


MATCHER_POLICY_FIELDS = {f.name for f in fields(RegionPolicy)} - {"version_id"}


def policy_of(region: RegionRow) -> RegionPolicy:
    """A region's policy document as the matcher's RegionPolicy (fields of other concerns left out)."""
    terms = {k: v for k, v in region.policy.items() if k in MATCHER_POLICY_FIELDS}
    return RegionPolicy(version_id=region.version_id, **terms)


def build_problem(*, dwellings: Sequence[DwellingRow], registrations: Sequence[RegistrationRow], context: Context,
                  rejected_pairs: Sequence[tuple[str, str]] = ()) -> Problem:
    """The matcher's problem for these snapshot rows."""
    return Problem(
        dwellings=dwellings_of(dwellings, context.regions),
        registrations=_registrations(registrations, context.regions),
        policies=tuple(policy_of(region) for region in context.regions),
        figures=housing_figures(),
        neighbourhood_vulnerability=context.vulnerability,
        recent_placements=context.recent_placements,
        rejected_pairs=_pairs(dwellings, registrations, rejected_pairs),
    )


def dwellings_of(dwellings: Sequence[DwellingRow], regions: Sequence[RegionRow]) -> Dwellings:
    """The matcher's dwellings of snapshot rows (regions give each its policy slot)."""
    region_index = {code: g for g, region in enumerate(regions) for code in region.municipality_codes}
    return Dwellings(
        ids=tuple(d.id for d in dwellings),
        lat=_floats(d.lat for d in dwellings), lon=_floats(d.lon for d in dwellings),
        neighbourhood_code=tuple(d.neighbourhood_code for d in dwellings),
        region_index=_ints(region_index.get(d.municipality_code, -1) for d in dwellings),
        max_occupants=_ints(d.max_occupants for d in dwellings), bedrooms=_ints(d.bedrooms for d in dwellings),
        suitable_for_children=_bools(d.suitable_for_children for d in dwellings),
        bare_rent_cents=_ints(d.bare_rent_cents for d in dwellings),
        floor_area_m2=_floats(d.floor_area_m2 for d in dwellings), floor=_ints(d.floor for d in dwellings),
        has_elevator=_bools(d.has_elevator for d in dwellings),
        wheelchair_accessible=_bools(d.wheelchair_accessible for d in dwellings),
        gallery_access=_bools(d.gallery_access for d in dwellings),
        shared_entrance_households=_ints(d.shared_entrance_households for d in dwellings),
        next_to_business=_bools(d.next_to_business for d in dwellings),
        busy_road=_bools(d.busy_road for d in dwellings),
        contract_types=_ints(sum(CONTRACT_BITS[c] for c in d.contract_types) for d in dwellings),
        available_from=np.array([d.available_from for d in dwellings], dtype="datetime64[D]"),
        nearest_place_m=np.array([d.nearest_place_m for d in dwellings],
                                 dtype=np.float64).reshape(len(dwellings), len(CATEGORIES)),
    )


def _registrations(rows: Sequence[RegistrationRow], regions: Sequence[RegionRow]) -> Registrations:
    n = len(rows)
    radius = np.zeros((n, len(CATEGORIES)))
    points: list[tuple[int, float, float, float]] = []
    for i, r in enumerate(rows):
        for avoid in r.avoid_nearby:
            radius[i, CATEGORIES.index(avoid.category)] = avoid.radius_m
        points += [(i, p.lat, p.lon, p.radius_m) for p in r.avoid_points]
    ties = region_ties(
        n,
        [(i, t.municipality_code, t.years_resident, t.years_work_or_study) for i, r in enumerate(rows)
         for t in r.regional_ties],
        [region.municipality_codes for region in regions],
    )
    region_of = {region.code: g for g, region in enumerate(regions)}
    return Registrations(
        ids=tuple(r.id for r in rows),
        birth_year=_ints(r.birth_year for r in rows), adults=_ints(r.adults for r in rows),
        children_count=_ints(r.children for r in rows),
        annual_income_cents=_ints(r.annual_income_cents for r in rows),
        support_intensity=_ints(SUPPORT[r.support_intensity] for r in rows),
        avoid_radius_m=radius,
        low_stimulus=_ints(LOW_STIMULUS[r.low_stimulus] for r in rows),
        needs_wheelchair=_bools(r.needs_wheelchair for r in rows),
        needs_no_stairs=_bools(r.needs_no_stairs for r in rows),
        contract=_ints(CONTRACT_NEED[r.contract] for r in rows),
        ready_from=np.array([r.ready_from for r in rows], dtype="datetime64[D]"),
        waiting_days=_ints(r.waiting_days for r in rows),
        registered_at=_ints(r.registered_at for r in rows),
        ties_years=ties,
        exempt_rules=_ints(exemption_mask(r.exempt_rules) for r in rows),
        urgent=_bools(r.urgent for r in rows),
        available=_bools(r.available for r in rows),
        avoid_areas=tuple((i, code) for i, r in enumerate(rows) for code in r.avoid_areas),
        avoid_points=AvoidPoints(*map(np.array, zip(*points, strict=True))) if points else AvoidPoints.empty(),
        preferred_municipalities=tuple((i, code) for i, r in enumerate(rows) for code in r.preferred_municipalities),
        # Rows stored before registrations were on a region's list carry no region: every region may match them.
        region_index=_ints(-1 if r.region is None else region_of.get(r.region, -1) for r in rows)
        if any(not r.before_regions for r in rows) else None,
    )


def _pairs(dwellings: Sequence[DwellingRow], registrations: Sequence[RegistrationRow],
           pairs: Sequence[tuple[str, str]]) -> tuple[tuple[int, int], ...]:
    d_index = {d.id: i for i, d in enumerate(dwellings)}
    r_index = {r.id: i for i, r in enumerate(registrations)}
    return tuple((d_index[d], r_index[r]) for d, r in pairs if d in d_index and r in r_index)
