"""Input model of the matcher: frozen dataclasses over NumPy arrays, plus the stable codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from matching.cbs import validate_neighbourhood_code
from matching.figures import FiguresTable, reduce_read_only

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Place categories, in the column order of `nearest_place_m` and `avoid_radius_m`.
CATEGORIES: Final = ("liquor_store", "cannabis_shop", "bar_nightlife", "gambling")
BAR_NIGHTLIFE: Final = CATEGORIES.index("bar_nightlife")

# Hard rules in a fixed order; the order is also the bit position in `exempt_rules`.
RULE_CODES: Final = (
    "HOUSEHOLD_FIT",
    "AFFORDABILITY",
    "SURROUNDINGS",
    "LOW_STIMULUS",
    "REGIONAL_TIES",
    "ACCESSIBILITY",
    "CONTRACT",
    "AVAILABILITY",
)

# Dwelling `contract_types` bits.
CONTRACT_REGULAR: Final = 1
CONTRACT_FLIP: Final = 2
CONTRACT_WITH_AGREEMENTS: Final = 4
# Registration `contract` need.
CONTRACT_ANY: Final = 0
CONTRACT_FLIP_REQUIRED: Final = 1
CONTRACT_REGULAR_ONLY: Final = 2
# Registration `low_stimulus`.
LOW_STIMULUS_NOT_NEEDED: Final = 0
LOW_STIMULUS_PREFERRED: Final = 1
LOW_STIMULUS_REQUIRED: Final = 2
# Registration `support_intensity` (0 none, 1 light, 2 medium, 3 intensive); medium and up counts against the
# neighbourhood cap.
SUPPORT_MEDIUM: Final = 2
HIGH_SUPPORT_MIN: Final = SUPPORT_MEDIUM

PENSION_AGE: Final = 67


def rule_bit(code: str) -> int:
    """Return the `exempt_rules` bit of a rule code."""
    try:
        return 1 << RULE_CODES.index(code)
    except ValueError:
        raise ValueError(f"unknown rule code {code!r}") from None


def exemption_mask(codes: Iterable[str]) -> int:
    """Return the `exempt_rules` bitmask that lifts the given rule codes."""
    mask = 0
    for code in codes:
        mask |= rule_bit(code)
    return mask


def days_since_epoch(values: Any) -> IntArray:
    """Convert dates (datetime64 of any unit, or ints already in days) to int64 days since 1970-01-01."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]").astype(np.int64)
    return arr.astype(np.int64)


def waiting_days_from(waiting_since: Any, reference_date: Any) -> IntArray:
    """Return whole days waited from `waiting_since` (dates) up to `reference_date`, never negative."""
    return np.asarray(np.maximum(days_since_epoch(reference_date) - days_since_epoch(waiting_since), 0), np.int64)


def _column(values: Any, dtype: Any, n: int | None, name: str, ndim: int = 1, width: int = 0) -> Any:
    # Own a read-only copy so that a frozen input really cannot change under the solver.
    arr = np.array(values, dtype=dtype, copy=True)
    if ndim == 2 and arr.size == 0 and arr.ndim != 2:
        arr = arr.reshape(0, width)
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} dimension(s), got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name}: expected length {n}, got {arr.shape[0]}")
    arr.setflags(write=False)
    return arr


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, eq=False)
class Dwellings:
    """Offered dwellings, one array entry per dwelling (length D); see the module docs for units."""

    ids: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    neighbourhood_code: tuple[str, ...]
    region_index: IntArray
    max_occupants: IntArray
    bedrooms: IntArray
    suitable_for_children: BoolArray
    bare_rent_cents: IntArray
    floor_area_m2: FloatArray
    floor: IntArray
    has_elevator: BoolArray
    wheelchair_accessible: BoolArray
    gallery_access: BoolArray
    shared_entrance_households: IntArray
    next_to_business: BoolArray
    busy_road: BoolArray
    contract_types: IntArray
    available_from: IntArray
    nearest_place_m: FloatArray

    def __post_init__(self) -> None:
        n = len(self.ids)
        _set(self, "ids", tuple(str(x) for x in self.ids))
        codes = tuple(str(x) for x in self.neighbourhood_code)
        if len(codes) != n:
            raise ValueError(f"neighbourhood_code: expected length {n}, got {len(codes)}")
        for code in codes:
            validate_neighbourhood_code(code)
        _set(self, "neighbourhood_code", codes)
        for name in ("lat", "lon", "floor_area_m2"):
            _set(self, name, _column(getattr(self, name), np.float64, n, name))
        for name in ("region_index", "max_occupants", "bedrooms", "bare_rent_cents", "floor",
                     "shared_entrance_households", "contract_types"):
            _set(self, name, _column(getattr(self, name), np.int64, n, name))
        for name in ("suitable_for_children", "has_elevator", "wheelchair_accessible", "gallery_access",
                     "next_to_business", "busy_road"):
            _set(self, name, _column(getattr(self, name), np.bool_, n, name))
        _set(self, "available_from", _column(days_since_epoch(self.available_from), np.int64, n,
                                             "available_from"))
        near = _column(self.nearest_place_m, np.float64, n, "nearest_place_m", ndim=2, width=len(CATEGORIES))
        if near.shape[1] != len(CATEGORIES):
            raise ValueError(f"nearest_place_m: expected {len(CATEGORIES)} columns, got {near.shape[1]}")
        _set(self, "nearest_place_m", near)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class AvoidPoints:
    """Circles a registration must not live in: parallel arrays, one entry per circle."""

    registration_index: IntArray
    lat: FloatArray
    lon: FloatArray
    radius_m: FloatArray

    def __post_init__(self) -> None:
        n = len(np.asarray(self.registration_index))
        _set(self, "registration_index", _column(self.registration_index, np.int64, n, "registration_index"))
        for name in ("lat", "lon", "radius_m"):
            _set(self, name, _column(getattr(self, name), np.float64, n, name))

    @classmethod
    def empty(cls) -> AvoidPoints:
        """Return an instance without circles."""
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.registration_index)


@dataclass(frozen=True, eq=False)
class Registrations:
    """Registered clients, one array entry per registration (length R).

    `ties_years` is R x G (G = number of region policies); `avoid_radius_m` is R x len(CATEGORIES) with 0
    meaning "no avoidance". `registered_at` is any monotone key where smaller means older (epoch seconds,
    a sequence number, or datetime64). Sparse lists hold (registration_index, CBS code) pairs.
    `region_index` says on which region's list each registration is (an index into the problem's policies, -1 for
    none): a registration is matched only with dwellings of that region, and other regions' dwellings neither
    count for it nor it for them. None (the default) lets every registration be matched in every region.
    """

    ids: tuple[str, ...]
    birth_year: IntArray
    adults: IntArray
    children_count: IntArray
    annual_income_cents: IntArray
    support_intensity: IntArray
    avoid_radius_m: FloatArray
    low_stimulus: IntArray
    needs_wheelchair: BoolArray
    needs_no_stairs: BoolArray
    contract: IntArray
    ready_from: IntArray
    waiting_days: IntArray
    registered_at: IntArray
    ties_years: FloatArray
    exempt_rules: IntArray
    urgent: BoolArray
    available: BoolArray
    avoid_areas: tuple[tuple[int, str], ...] = ()
    avoid_points: AvoidPoints = field(default_factory=AvoidPoints.empty)
    preferred_municipalities: tuple[tuple[int, str], ...] = ()
    region_index: IntArray | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        _set(self, "ids", tuple(str(x) for x in self.ids))
        if self.region_index is not None:
            _set(self, "region_index", _column(self.region_index, np.int64, n, "region_index"))
        for name in ("birth_year", "adults", "children_count", "annual_income_cents", "support_intensity",
                     "low_stimulus", "contract", "waiting_days", "exempt_rules"):
            _set(self, name, _column(getattr(self, name), np.int64, n, name))
        for name in ("needs_wheelchair", "needs_no_stairs", "urgent", "available"):
            _set(self, name, _column(getattr(self, name), np.bool_, n, name))
        _set(self, "ready_from", _column(days_since_epoch(self.ready_from), np.int64, n, "ready_from"))
        registered = np.asarray(self.registered_at)
        if registered.dtype.kind == "M":
            registered = registered.astype("datetime64[us]").astype(np.int64)
        _set(self, "registered_at", _column(registered, np.int64, n, "registered_at"))
        radius = _column(self.avoid_radius_m, np.float64, n, "avoid_radius_m", ndim=2, width=len(CATEGORIES))
        if radius.shape[1] != len(CATEGORIES):
            raise ValueError(f"avoid_radius_m: expected {len(CATEGORIES)} columns, got {radius.shape[1]}")
        _set(self, "avoid_radius_m", radius)
        ties = np.asarray(self.ties_years, dtype=np.float64)
        if ties.ndim == 1 and ties.size == 0:
            ties = ties.reshape(n, 0)
        _set(self, "ties_years", _column(ties, np.float64, n, "ties_years", ndim=2, width=ties.shape[-1]))
        if np.any(self.adults < 1):
            raise ValueError("adults: every household has at least one adult")
        _set(self, "avoid_areas", _sparse_codes(self.avoid_areas, n, "avoid_areas"))
        _set(self, "preferred_municipalities",
             _sparse_codes(self.preferred_municipalities, n, "preferred_municipalities"))
        points = self.avoid_points
        if len(points) and (points.registration_index.min() < 0 or points.registration_index.max() >= n):
            raise ValueError("avoid_points: registration_index out of range")

    def __len__(self) -> int:
        return len(self.ids)


def _sparse_codes(entries: Iterable[tuple[int, str]], n: int, name: str) -> tuple[tuple[int, str], ...]:
    out = tuple((int(i), str(code)) for i, code in entries)
    for i, _code in out:
        if not 0 <= i < n:
            raise ValueError(f"{name}: registration index {i} out of range")
    return out


@dataclass(frozen=True)
class RegionPolicy:
    """One region's policy: tie requirement, integer score weights and thresholds (data, never code).

    Weights named `weight_*` for oversize and liveability are penalties: they are subtracted.
    """

    version_id: str
    min_tie_years: float = 0.0
    weight_waiting_per_day: int = 1
    weight_urgency: int = 0
    weight_preferred_municipality: int = 0
    weight_low_stimulus_preferred: int = 0
    oversize_threshold_m2: float = 50.0
    weight_oversize_per_m2: int = 0
    weight_support_vulnerability: int = 0
    weight_recent_placement: int = 0
    low_stimulus_max_entrance_households: int = 4
    low_stimulus_nightlife_radius_m: float = 200.0
    ready_date_slack_days: int = 0
    max_high_support_per_neighbourhood: int | None = None

    def __post_init__(self) -> None:
        for name in ("weight_waiting_per_day", "weight_urgency", "weight_preferred_municipality",
                     "weight_low_stimulus_preferred", "weight_oversize_per_m2",
                     "weight_support_vulnerability", "weight_recent_placement"):
            if not isinstance(getattr(self, name), int | np.integer):
                raise TypeError(f"{name} must be an integer (the solvers use integer coefficients only)")
        cap = self.max_high_support_per_neighbourhood
        if cap is not None and cap < 0:
            raise ValueError("max_high_support_per_neighbourhood must be >= 0 or None")


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything one matching round needs; `matching` reads nothing else."""

    dwellings: Dwellings
    registrations: Registrations
    policies: tuple[RegionPolicy, ...]
    figures: FiguresTable
    default_policy: RegionPolicy = field(default_factory=lambda: RegionPolicy(version_id="default"))
    neighbourhood_vulnerability: Mapping[str, int] = field(default_factory=dict)
    recent_placements: Mapping[str, int] = field(default_factory=dict)
    rejected_pairs: tuple[tuple[int, int], ...] = ()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return reduce_read_only(self)

    def __post_init__(self) -> None:
        _set(self, "policies", tuple(self.policies))
        _set(self, "neighbourhood_vulnerability",
             MappingProxyType({str(k): int(v) for k, v in self.neighbourhood_vulnerability.items()}))
        _set(self, "recent_placements",
             MappingProxyType({str(k): int(v) for k, v in self.recent_placements.items()}))
        n_regions = len(self.policies)
        if self.registrations.ties_years.shape[1] != n_regions:
            raise ValueError(f"ties_years has {self.registrations.ties_years.shape[1]} columns for "
                             f"{n_regions} region policies")
        region = self.dwellings.region_index
        if len(region) and (region.min() < -1 or region.max() >= n_regions):
            raise ValueError("region_index must be -1 or an index into policies")
        d, r = len(self.dwellings), len(self.registrations)
        pairs = tuple((int(a), int(b)) for a, b in self.rejected_pairs)
        for a, b in pairs:
            if not (0 <= a < d and 0 <= b < r):
                raise ValueError(f"rejected pair {(a, b)} out of range")
        _set(self, "rejected_pairs", pairs)

    def policy_for_region(self, region: int) -> RegionPolicy:
        """Return the policy of a region index, the default policy for -1."""
        return self.default_policy if region < 0 else self.policies[region]


@dataclass(frozen=True)
class SolveParams:
    """Solver settings; every run is bounded in time and seeded."""

    slots_per_dwelling: int = 3
    max_time_in_seconds: float = 10.0
    random_seed: int = 0
    num_workers: int = 2
    relative_gap_limit: float = 0.0
    block_cells: int = 2_000_000
    max_pricing_rounds: int = 50
    # Under a cap: CP-SAT closes the gap only when every eligible pair fits in this many; dual steps at most.
    max_cpsat_arcs: int = 60_000
    max_lagrange_steps: int = 40
    # CP-SAT's budget in its deterministic time (None: what is left of the time limit, in seconds). A result's
    # `replay` sets it, with the rounds and steps it took, so that the same inputs give the same shortlists.
    max_cpsat_deterministic_time: float | None = None

    def __post_init__(self) -> None:
        if self.slots_per_dwelling < 1:
            raise ValueError("slots_per_dwelling must be >= 1")
        if self.max_time_in_seconds <= 0:
            raise ValueError("max_time_in_seconds must be > 0")
        if self.num_workers < 1:
            raise ValueError("num_workers must be >= 1")


def region_ties(
    n_registrations: int,
    entries: Iterable[tuple[int, str, float, float]],
    region_municipalities: Sequence[Iterable[str]],
) -> FloatArray:
    """Build `ties_years` (R x G) from (registration_index, GM code, years_resident, years_work_or_study).

    Per entry the tie counts as max(resident, work/study); per region the best of its municipalities.
    """
    member: dict[str, list[int]] = {}
    for g, codes in enumerate(region_municipalities):
        for code in codes:
            member.setdefault(code, []).append(g)
    ties = np.zeros((n_registrations, len(region_municipalities)), dtype=np.float64)
    for r, code, resident, work in entries:
        years = max(float(resident), float(work))
        for g in member.get(code, ()):
            if years > ties[r, g]:
                ties[r, g] = years
    return ties
