"""Seeded generator of realistic synthetic regions, dwellings, places and registrations.

Shape of the data (rough Dutch proportions, not real figures): several regions of 3-9 municipalities
around a larger central one; neighbourhoods clustered around municipal centres; places (liquor stores,
cannabis shops, bars, gambling halls) clustered in the centres; mostly small social-rent dwellings; a mix of
needs among registrations (avoidances, low-stimulus, wheelchair, children, ties mostly in one region).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matching import (
    CATEGORIES,
    AvoidPoints,
    Dwellings,
    FiguresTable,
    Problem,
    RegionPolicy,
    Registrations,
    exemption_mask,
    figures_from_rows,
    nearest_place_distances,
)

REFERENCE_DAY = int(np.datetime64("2025-11-01", "D").astype(np.int64))
FIGURES_CSV = Path(__file__).resolve().parent.parent / "data" / "housing_figures.csv"


def load_figures(path: Path = FIGURES_CSV) -> FiguresTable:
    """Read the shipped housing figures (the bench and tests read files; the library never does)."""
    with path.open(newline="") as handle:
        return figures_from_rows(csv.DictReader(handle))


@dataclass(frozen=True)
class World:
    """Generated geography: municipalities per region, neighbourhood codes and centres."""

    region_municipalities: tuple[tuple[str, ...], ...]
    neighbourhoods: tuple[str, ...]
    nb_region: np.ndarray
    nb_lat: np.ndarray
    nb_lon: np.ndarray
    muni_lat: dict[str, float]
    muni_lon: dict[str, float]


def make_world(rng: np.random.Generator, n_regions: int) -> World:
    """Create regions of municipalities with districts and neighbourhoods."""
    gm_numbers = rng.choice(np.arange(10, 2000), size=n_regions * 10, replace=False)
    regions: list[tuple[str, ...]] = []
    nbs: list[str] = []
    nb_region: list[int] = []
    nb_lat: list[float] = []
    nb_lon: list[float] = []
    muni_lat: dict[str, float] = {}
    muni_lon: dict[str, float] = {}
    used = 0
    for g in range(n_regions):
        c_lat, c_lon = rng.uniform(51.4, 53.1), rng.uniform(4.4, 6.7)
        n_muni = int(rng.integers(3, 10))
        codes = []
        for m in range(n_muni):
            number = int(gm_numbers[used])
            used += 1
            code = f"GM{number:04d}"
            codes.append(code)
            central = m == 0
            m_lat = c_lat + (0 if central else rng.normal(0, 0.12))
            m_lon = c_lon + (0 if central else rng.normal(0, 0.18))
            muni_lat[code], muni_lon[code] = m_lat, m_lon
            n_wk = int(rng.integers(4, 9)) if central else int(rng.integers(1, 4))
            for w in range(n_wk):
                n_bu = int(rng.integers(3, 9))
                for b in range(n_bu):
                    nbs.append(f"BU{number:04d}{w:02d}{b:02d}")
                    nb_region.append(g)
                    spread = 0.035 if central else 0.015
                    nb_lat.append(m_lat + rng.normal(0, spread))
                    nb_lon.append(m_lon + rng.normal(0, spread * 1.6))
        regions.append(tuple(codes))
    return World(tuple(regions), tuple(nbs), np.array(nb_region), np.array(nb_lat), np.array(nb_lon),
                 muni_lat, muni_lon)


def make_places(rng: np.random.Generator, world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Places clustered around municipal centres: (lat, lon, category index)."""
    lats: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    cats: list[np.ndarray] = []
    per_category = {"liquor_store": 6, "cannabis_shop": 2, "bar_nightlife": 14, "gambling": 1}
    for code, m_lat in world.muni_lat.items():
        m_lon = world.muni_lon[code]
        size = 4.0 if sum(code in r[:1] for r in world.region_municipalities) else 1.0
        for name, mean in per_category.items():
            n = int(rng.poisson(mean * size))
            if name == "cannabis_shop" and rng.random() < 0.4:
                n = 0
            spread = 0.012 if name == "bar_nightlife" else 0.02
            lats.append(m_lat + rng.normal(0, spread, n))
            lons.append(m_lon + rng.normal(0, spread * 1.6, n))
            cats.append(np.full(n, CATEGORIES.index(name)))
    return np.concatenate(lats), np.concatenate(lons), np.concatenate(cats).astype(np.int64)


def make_policies(n_regions: int, cap: int | None) -> tuple[RegionPolicy, ...]:
    """Region policies with integer weights; the central region of index 0 requires the most ties."""
    tie_years = [3.0, 1.0, 2.0, 0.0, 1.0, 3.0, 2.0, 1.0]
    return tuple(
        RegionPolicy(
            version_id=f"region-{g}-v1",
            min_tie_years=tie_years[g % len(tie_years)],
            weight_waiting_per_day=10,
            weight_urgency=1800,
            weight_preferred_municipality=600,
            weight_low_stimulus_preferred=300,
            oversize_threshold_m2=50.0,
            weight_oversize_per_m2=20,
            weight_support_vulnerability=2,
            weight_recent_placement=100,
            low_stimulus_max_entrance_households=4,
            low_stimulus_nightlife_radius_m=250.0,
            ready_date_slack_days=30,
            max_high_support_per_neighbourhood=cap,
        )
        for g in range(n_regions))


def make_dwellings(rng: np.random.Generator, world: World, n: int, places: tuple[np.ndarray, ...]) -> Dwellings:
    """Mostly small social-rent dwellings placed in neighbourhoods, central ones more often."""
    weight = np.where(np.char.endswith(np.array(world.neighbourhoods, dtype=str), "00"), 1.0, 1.0)
    nb = rng.choice(len(world.neighbourhoods), size=n, p=weight / weight.sum())
    lat = world.nb_lat[nb] + rng.normal(0, 0.003, n)
    lon = world.nb_lon[nb] + rng.normal(0, 0.005, n)
    kind = rng.choice(4, size=n, p=[0.3, 0.45, 0.17, 0.08])  # studio, small flat, flat, family home
    area = np.choose(kind, [rng.uniform(22, 35, n), rng.uniform(35, 55, n), rng.uniform(50, 75, n),
                            rng.uniform(75, 110, n)])
    bedrooms = np.choose(kind, [np.zeros(n), np.ones(n), rng.integers(1, 3, n), rng.integers(2, 5, n)]).astype(int)
    max_occ = np.maximum(1, np.choose(kind, [np.ones(n), np.full(n, 2), bedrooms + 1, bedrooms + 2])).astype(int)
    rent_eur = 380 + area * 6.5 + rng.normal(0, 50, n)
    floor = np.where(rng.random(n) < 0.35, 0, rng.integers(1, 9, n))
    elevator = (floor >= 3) & (rng.random(n) < 0.8) | (rng.random(n) < 0.1)
    contract = np.ones(n, int)
    contract |= np.where(rng.random(n) < 0.35, 2, 0)
    contract |= np.where(rng.random(n) < 0.2, 4, 0)
    contract = np.where(rng.random(n) < 0.1, 2, contract)  # flip-only offers
    near = nearest_place_distances(lat, lon, *places)
    return Dwellings(
        ids=tuple(f"D{i:06d}" for i in range(n)),
        lat=lat, lon=lon,
        neighbourhood_code=tuple(world.neighbourhoods[i] for i in nb),
        region_index=world.nb_region[nb],
        max_occupants=max_occ,
        bedrooms=bedrooms,
        suitable_for_children=(bedrooms >= 1) & (kind >= 2) | (rng.random(n) < 0.05),
        bare_rent_cents=np.round(rent_eur * 100).astype(np.int64),
        floor_area_m2=np.round(area, 1),
        floor=floor,
        has_elevator=elevator,
        wheelchair_accessible=(floor == 0) & (rng.random(n) < 0.25) | elevator & (rng.random(n) < 0.08),
        gallery_access=rng.random(n) < 0.3,
        shared_entrance_households=rng.integers(1, 13, n),
        next_to_business=rng.random(n) < 0.15,
        busy_road=rng.random(n) < 0.2,
        contract_types=contract,
        available_from=REFERENCE_DAY + rng.integers(-20, 150, n),
        nearest_place_m=near,
    )


def make_registrations(rng: np.random.Generator, world: World, n: int) -> Registrations:
    """Registrations with a realistic mix of needs; ties mostly in one home region."""
    n_regions = len(world.region_municipalities)
    region_weight = np.array([3.0] + [1.0] * (n_regions - 1))
    home = rng.choice(n_regions, size=n, p=region_weight / region_weight.sum())
    ties = np.zeros((n, n_regions))
    ties[np.arange(n), home] = np.where(rng.random(n) < 0.1, rng.uniform(0, 1, n), rng.uniform(1, 20, n))
    second = rng.random(n) < 0.12
    ties[np.flatnonzero(second), rng.integers(0, n_regions, int(second.sum()))] = rng.uniform(1, 8, int(second.sum()))
    adults = np.where(rng.random(n) < 0.88, 1, 2)
    children = np.where(rng.random(n) < 0.22, rng.choice([1, 1, 1, 2, 2, 3], n), 0)
    age = np.where(children > 0, rng.integers(18, 40, n), rng.integers(18, 75, n))
    support = rng.choice(4, size=n, p=[0.15, 0.4, 0.3, 0.15])
    radius = np.zeros((n, len(CATEGORIES)))
    addiction = rng.random(n) < 0.2
    for c in (0, 1):
        pick = addiction & (rng.random(n) < 0.7)
        radius[pick, c] = rng.choice([200.0, 300.0, 400.0, 500.0], int(pick.sum()))
    pick = addiction & (rng.random(n) < 0.3)
    radius[pick, 2] = rng.choice([200.0, 300.0], int(pick.sum()))
    pick = rng.random(n) < 0.03
    radius[pick, 3] = 500.0
    low = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    exempt = np.where(rng.random(n) < 0.03, exemption_mask(["REGIONAL_TIES"]), 0)
    waiting = np.minimum(rng.exponential(300, n).astype(int), 2500)
    registered_at = (REFERENCE_DAY - waiting) * 86400 + rng.integers(0, 86400, n)
    munis = [world.region_municipalities[g] for g in home]
    avoid_areas: list[tuple[int, str]] = []
    preferred: list[tuple[int, str]] = []
    for i in np.flatnonzero(rng.random(n) < 0.1):
        muni = munis[i][int(rng.integers(len(munis[i])))]
        nbs = [b for b in world.neighbourhoods if b[2:6] == muni[2:]]
        choice = rng.random()
        code = muni if choice < 0.3 else ("WK" + nbs[0][2:8] if choice < 0.6 else nbs[-1])
        avoid_areas.append((int(i), code))
    for i in np.flatnonzero(rng.random(n) < 0.4):
        for muni in rng.choice(list(munis[i]), size=min(2, len(munis[i])), replace=False)[: int(rng.integers(1, 3))]:
            preferred.append((int(i), str(muni)))
    pts = np.flatnonzero(rng.random(n) < 0.05)
    centre = [world.region_municipalities[home[i]][0] for i in pts]
    points = AvoidPoints(
        registration_index=pts,
        lat=np.array([world.muni_lat[c] for c in centre]) + rng.normal(0, 0.02, len(pts)),
        lon=np.array([world.muni_lon[c] for c in centre]) + rng.normal(0, 0.03, len(pts)),
        radius_m=rng.choice([500.0, 1000.0, 2000.0], len(pts)),
    )
    return Registrations(
        ids=tuple(f"R{i:06d}" for i in range(n)),
        birth_year=2025 - age,
        adults=adults,
        children_count=children,
        annual_income_cents=(rng.normal(24000, 7000, n).clip(9000, 60000) * 100).astype(np.int64),
        support_intensity=support,
        avoid_radius_m=radius,
        low_stimulus=low,
        needs_wheelchair=rng.random(n) < 0.03,
        needs_no_stairs=rng.random(n) < 0.08,
        contract=rng.choice(3, size=n, p=[0.7, 0.2, 0.1]),
        ready_from=REFERENCE_DAY + rng.integers(-365, 120, n),
        waiting_days=waiting,
        registered_at=registered_at,
        ties_years=np.round(ties, 1),
        exempt_rules=exempt,
        urgent=rng.random(n) < 0.05,
        available=rng.random(n) < 0.95,
        avoid_areas=tuple(avoid_areas),
        avoid_points=points,
        preferred_municipalities=tuple(preferred),
    )


def generate(n_dwellings: int, n_registrations: int, seed: int = 0, n_regions: int = 6,
             cap: int | None = None, figures: FiguresTable | None = None) -> Problem:
    """Build a complete, reproducible Problem."""
    rng = np.random.default_rng(seed)
    world = make_world(rng, n_regions)
    places = make_places(rng, world)
    dwellings = make_dwellings(rng, world, n_dwellings, places)
    registrations = make_registrations(rng, world, n_registrations)
    vulnerability = {code: int(v) for code, v in zip(world.neighbourhoods,
                                                      rng.beta(2, 4, len(world.neighbourhoods)) * 100, strict=True)}
    recent = {code: int(v) for code, v in zip(world.neighbourhoods, rng.poisson(0.6, len(world.neighbourhoods)),
                                              strict=True) if v}
    rejected = tuple((int(d), int(r)) for d, r in zip(rng.integers(0, max(n_dwellings, 1), n_dwellings // 20),
                                                      rng.integers(0, max(n_registrations, 1), n_dwellings // 20),
                                                      strict=True)) if n_dwellings and n_registrations else ()
    return Problem(
        dwellings=dwellings,
        registrations=registrations,
        policies=make_policies(n_regions, cap),
        figures=figures or load_figures(),
        default_policy=RegionPolicy(version_id="default-v1"),
        neighbourhood_vulnerability=vulnerability,
        recent_placements=recent,
        rejected_pairs=rejected,
    )
