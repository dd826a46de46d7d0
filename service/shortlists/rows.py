"""The matcher's view of dwellings, registrations and the regions they lie in, as typed, frozen records.

`snapshot` reads them from the database, `problem` turns them into the matcher's arrays, and the stuck cases and
what-if questions judge with them. A run stores its dwellings and its context in their JSON form (`to_json`) and a
replay reads them back (`from_json`): that form is the one runs have stored from the start, so the inputs of
earlier runs read too (runs from before change numbers also stored their registration rows). A registration row is
pseudonymous: no notes, no client reference, no care provider.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Self

from service.registrations.models import Registration

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AvoidNearby:
    """Keep this distance from places of a category."""

    category: str
    radius_m: float

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "AvoidNearby":
        return cls(category=doc["category"], radius_m=float(doc["radius_m"]))

    def to_json(self) -> Json:
        return {"category": self.category, "radius_m": self.radius_m}


@dataclass(frozen=True, slots=True)
class AvoidPoint:
    """Keep this distance from one point (an address the client must stay away from)."""

    lat: float
    lon: float
    radius_m: float

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "AvoidPoint":
        return cls(lat=float(doc["lat"]), lon=float(doc["lon"]), radius_m=float(doc["radius_m"]))

    def to_json(self) -> Json:
        return {"lat": self.lat, "lon": self.lon, "radius_m": self.radius_m}


@dataclass(frozen=True, slots=True)
class RegionalTie:
    """Years lived, and years worked or studied, in one municipality."""

    municipality_code: str
    years_resident: float
    years_work_or_study: float

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "RegionalTie":
        return cls(municipality_code=doc["municipality_code"], years_resident=float(doc["years_resident"]),
                   years_work_or_study=float(doc["years_work_or_study"]))

    def to_json(self) -> Json:
        return {"municipality_code": self.municipality_code, "years_resident": self.years_resident,
                "years_work_or_study": self.years_work_or_study}


# The columns a dwelling row copies as they are, in their stored order (after the id, before the others).
DWELLING_COLUMNS = ("max_occupants", "bedrooms", "suitable_for_children", "bare_rent_cents", "floor_area_m2",
                  "floor", "has_elevator", "wheelchair_accessible", "gallery_access", "shared_entrance_households",
                  "next_to_business", "busy_road", "lat", "lon", "neighbourhood_code", "municipality_code")


@dataclass(frozen=True, slots=True)
class DwellingRow:
    """One dwelling as the matcher sees it (rent in cents, areas in m2, distances in metres)."""

    id: str
    max_occupants: int
    bedrooms: int
    suitable_for_children: bool
    bare_rent_cents: int
    floor_area_m2: float
    floor: int
    has_elevator: bool
    wheelchair_accessible: bool
    gallery_access: bool
    shared_entrance_households: int
    next_to_business: bool
    busy_road: bool
    lat: float
    lon: float
    neighbourhood_code: str
    municipality_code: str
    contract_types: tuple[str, ...]
    available_from: date
    # Metres to the nearest place of each of matching.CATEGORIES, in that order (inf: no such place known).
    nearest_place_m: tuple[float, ...]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "DwellingRow":
        return cls(id=doc["id"], **{name: doc[name] for name in DWELLING_COLUMNS},
                   contract_types=tuple(doc["contract_types"]),
                   available_from=date.fromisoformat(doc["available_from"]),
                   nearest_place_m=tuple(math.inf if v is None else float(v) for v in doc["nearest_place_m"]))

    def to_json(self) -> Json:
        # JSON has no infinity: a distance to no known place is stored as null.
        return {"id": self.id, **{name: getattr(self, name) for name in DWELLING_COLUMNS},
                "contract_types": list(self.contract_types),
                "available_from": self.available_from.isoformat(),
                "nearest_place_m": [None if v == math.inf else v for v in self.nearest_place_m]}


# The columns a registration's facts copy as they are, in their stored order (after the id and region).
REGISTRATION_COLUMNS = ("birth_year", "adults", "annual_income_cents", "support_intensity", "low_stimulus",
                        "needs_wheelchair", "needs_no_stairs", "contract")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationFacts:
    """What the rules and scores read of one registration whatever the day: a row and a stored document add the rest.

    Its JSON form (the names below, dates as ISO text) is shared by the rows runs stored and the pool's documents.
    """

    # The region whose list it is on: matched only with that region's dwellings (None: on no list, so with none).
    region: str | None
    birth_year: int
    adults: int
    children: int
    annual_income_cents: int
    support_intensity: str
    low_stimulus: str
    needs_wheelchair: bool
    needs_no_stairs: bool
    contract: str
    ready_from: date
    # Microseconds since the epoch of registering: the older registration goes first on equal scores.
    registered_at: int
    avoid_nearby: tuple[AvoidNearby, ...]
    avoid_areas: tuple[str, ...]
    avoid_points: tuple[AvoidPoint, ...]
    regional_ties: tuple[RegionalTie, ...]
    preferred_municipalities: tuple[str, ...]

    @classmethod
    def of_registration(cls, reg: Registration, **rest: Any) -> Self:
        """The record of a stored registration; `rest` holds the fields the record adds to the facts."""
        return cls(
            region=reg.region_code, **{name: getattr(reg, name) for name in REGISTRATION_COLUMNS},
            children=len(reg.children_birth_years), ready_from=reg.ready_from,
            registered_at=int(reg.created_at.timestamp() * 1_000_000),
            avoid_nearby=tuple(AvoidNearby.from_json(a) for a in reg.avoid_nearby), avoid_areas=tuple(reg.avoid_areas),
            avoid_points=tuple(AvoidPoint.from_json(p) for p in reg.avoid_points),
            regional_ties=tuple(RegionalTie.from_json(t) for t in reg.regional_ties),
            preferred_municipalities=tuple(reg.preferred_municipalities), **rest)

    @classmethod
    def of_json(cls, doc: Mapping[str, Any], **rest: Any) -> Self:
        """The record of the JSON form of its facts; `rest` holds the fields the record adds to them."""
        # Named one by one, not through REGISTRATION_COLUMNS: a worker's cold start decodes every registration.
        return cls(
            region=doc.get("region"), birth_year=doc["birth_year"], adults=doc["adults"], children=doc["children"],
            annual_income_cents=doc["annual_income_cents"], support_intensity=doc["support_intensity"],
            low_stimulus=doc["low_stimulus"], needs_wheelchair=doc["needs_wheelchair"],
            needs_no_stairs=doc["needs_no_stairs"], contract=doc["contract"],
            ready_from=date.fromisoformat(doc["ready_from"]), registered_at=doc["registered_at"],
            avoid_nearby=tuple(AvoidNearby.from_json(a) for a in doc["avoid_nearby"]),
            avoid_areas=tuple(doc["avoid_areas"]),
            avoid_points=tuple(AvoidPoint.from_json(p) for p in doc["avoid_points"]),
            regional_ties=tuple(RegionalTie.from_json(t) for t in doc["regional_ties"]),
            preferred_municipalities=tuple(doc["preferred_municipalities"]), **rest)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationRow(RegistrationFacts):
    """One registration as the matcher sees it on a reference day (waiting days, exemptions valid on it)."""

    id: str
    waiting_days: int
    # Free to be nominated (not on another open shortlist).
    available: bool
    # The rules its exemptions lift, sorted, and whether one of them makes it urgent.
    exempt_rules: tuple[str, ...]
    urgent: bool
    # Stored by a run from before registrations were on a region's list: it has no region, every region may match it.
    before_regions: bool = False

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "RegistrationRow":
        return cls.of_json(doc, id=doc["id"], waiting_days=doc["waiting_days"], available=doc["available"],
                           exempt_rules=tuple(doc["exempt_rules"]), urgent=doc["urgent"],
                           before_regions="region" not in doc)

    def to_json(self) -> Json:
        region = {} if self.before_regions else {"region": self.region}
        return {"id": self.id, **region, **{name: getattr(self, name) for name in REGISTRATION_COLUMNS},
                "avoid_nearby": [a.to_json() for a in self.avoid_nearby], "avoid_areas": list(self.avoid_areas),
                "avoid_points": [p.to_json() for p in self.avoid_points],
                "regional_ties": [t.to_json() for t in self.regional_ties],
                "preferred_municipalities": list(self.preferred_municipalities), "children": self.children,
                "ready_from": self.ready_from.isoformat(), "waiting_days": self.waiting_days,
                "registered_at": self.registered_at, "available": self.available,
                "exempt_rules": list(self.exempt_rules), "urgent": self.urgent}


@dataclass(frozen=True, slots=True)
class RegionRow:
    """A region as a run saw it: its municipalities and its current policy."""

    code: str
    policy_version: int
    municipality_codes: tuple[str, ...]
    # The policy document (service.regions.schemas.Policy as JSON); the matcher takes the terms it knows.
    policy: Mapping[str, Any]

    @property
    def version_id(self) -> str:
        """The policy version a run used, as shortlists and runs name it."""
        return f"{self.code}@v{self.policy_version}"

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "RegionRow":
        return cls(code=doc["code"], policy_version=doc["policy_version"],
                   municipality_codes=tuple(doc["municipality_codes"]), policy=dict(doc["policy"]))

    def to_json(self) -> Json:
        return {"code": self.code, "policy_version": self.policy_version,
                "municipality_codes": list(self.municipality_codes), "policy": dict(self.policy)}


@dataclass(frozen=True, slots=True)
class Context:
    """What a run's dwellings and registrations are judged in: the day, the regions, the neighbourhoods."""

    # The day it was read on: waiting days count up to it, exemptions valid on it apply.
    reference_date: date
    regions: tuple[RegionRow, ...]
    # Neighbourhood code -> vulnerability score; -> dwellings let there recently (liveability spreads placements).
    vulnerability: Mapping[str, int]
    recent_placements: Mapping[str, int]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Context":
        # Runs from before change numbers kept their rejected pairs in here too: those are read by the replay.
        return cls(reference_date=date.fromisoformat(doc["reference_date"]),
                   regions=tuple(RegionRow.from_json(r) for r in doc["regions"]),
                   vulnerability=dict(doc["vulnerability"]), recent_placements=dict(doc["recent_placements"]))

    def to_json(self) -> Json:
        return {"reference_date": self.reference_date.isoformat(), "regions": [r.to_json() for r in self.regions],
                "vulnerability": dict(self.vulnerability), "recent_placements": dict(self.recent_placements)}
