"""The matcher's document of one registration: what the rules and scores read, pseudonymous, typed.

A document holds no notes, no client reference and no care provider: only what the matcher needs. It is stored
once per content (its digest) and shared by every version and run that saw the same registration data.
"""

import hashlib
import json
import zlib
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from service.exemptions.models import Exemption, ExemptionKind
from service.registrations.models import Registration

DOC_FORMAT = 1


@dataclass(frozen=True)
class AvoidNearby:
    """Keep this distance from places of a category."""

    category: str
    radius_m: float


@dataclass(frozen=True)
class AvoidPoint:
    """Keep this distance from one point (an address the client must stay away from)."""

    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class RegionalTie:
    """Years lived, and years worked or studied, in one municipality."""

    municipality_code: str
    years_resident: float
    years_work_or_study: float


@dataclass(frozen=True)
class ActiveExemption:
    """An exemption as the matcher applies it, until its last valid day."""

    rules_lifted: tuple[str, ...]
    urgent: bool
    valid_until: date


@dataclass(frozen=True)
class MatcherDoc:
    """Everything the matcher reads of one registration (the waiting days follow from a reference date)."""

    # The region whose list it is on: it is matched only with that region's dwellings (None: not placed).
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
    waiting_since: date
    # Microseconds since the epoch of registering: the older registration goes first on equal scores.
    registered_at: int
    avoid_nearby: tuple[AvoidNearby, ...]
    avoid_areas: tuple[str, ...]
    avoid_points: tuple[AvoidPoint, ...]
    regional_ties: tuple[RegionalTie, ...]
    preferred_municipalities: tuple[str, ...]
    exemptions: tuple[ActiveExemption, ...]

    def exempt_rules(self, reference: date) -> frozenset[str]:
        """The rules lifted by exemptions still valid on `reference`."""
        return frozenset(code for e in self.exemptions if e.valid_until >= reference for code in e.rules_lifted)

    def urgent(self, reference: date) -> bool:
        """Whether an urgency exemption is valid on `reference`."""
        return any(e.urgent and e.valid_until >= reference for e in self.exemptions)

    def waiting_days(self, reference: date) -> int:
        """Whole days waited up to `reference`, never negative."""
        return max(0, (reference - self.waiting_since).days)

    def encode(self) -> bytes:
        """Canonical compressed JSON (equal documents give equal bytes, so equal digests)."""
        body = json.dumps({"format": DOC_FORMAT, **asdict(self)}, separators=(",", ":"), sort_keys=True,
                          default=str)
        return zlib.compress(body.encode(), 6)

    @classmethod
    def decode(cls, data: bytes) -> "MatcherDoc":
        """The document stored under a digest."""
        # Decoded to text first: json.loads on bytes sniffs their encoding, which costs more than the parse here.
        raw = json.loads(zlib.decompress(data).decode())
        return cls(
            region=raw.get("region"), birth_year=raw["birth_year"], adults=raw["adults"], children=raw["children"],
            annual_income_cents=raw["annual_income_cents"], support_intensity=raw["support_intensity"],
            low_stimulus=raw["low_stimulus"], needs_wheelchair=raw["needs_wheelchair"],
            needs_no_stairs=raw["needs_no_stairs"], contract=raw["contract"],
            ready_from=date.fromisoformat(raw["ready_from"]), waiting_since=date.fromisoformat(raw["waiting_since"]),
            registered_at=raw["registered_at"],
            avoid_nearby=tuple(AvoidNearby(**a) for a in raw["avoid_nearby"]),
            avoid_areas=tuple(raw["avoid_areas"]),
            avoid_points=tuple(AvoidPoint(**p) for p in raw["avoid_points"]),
            regional_ties=tuple(RegionalTie(**t) for t in raw["regional_ties"]),
            preferred_municipalities=tuple(raw["preferred_municipalities"]),
            exemptions=tuple(ActiveExemption(rules_lifted=tuple(e["rules_lifted"]), urgent=e["urgent"],
                                             valid_until=date.fromisoformat(e["valid_until"]))
                             for e in raw["exemptions"]),
        )


def digest_of(data: bytes) -> str:
    """The content address of stored bytes."""
    return hashlib.sha256(data).hexdigest()


def doc_of(registration: Registration, exemptions: list[Exemption]) -> MatcherDoc:
    """The matcher document of a registration with its exemptions (revoked ones are left out)."""
    reg = registration
    live = sorted((e for e in exemptions if e.revoked_at is None), key=lambda e: (e.valid_until, str(e.id)))
    return MatcherDoc(
        region=reg.region_code, birth_year=reg.birth_year, adults=reg.adults, children=len(reg.children_birth_years),
        annual_income_cents=reg.annual_income_cents, support_intensity=reg.support_intensity,
        low_stimulus=reg.low_stimulus, needs_wheelchair=reg.needs_wheelchair, needs_no_stairs=reg.needs_no_stairs,
        contract=reg.contract, ready_from=reg.ready_from, waiting_since=reg.waiting_since.date(),
        registered_at=int(reg.created_at.timestamp() * 1_000_000),
        avoid_nearby=tuple(AvoidNearby(category=a["category"], radius_m=float(a["radius_m"]))
                           for a in reg.avoid_nearby),
        avoid_areas=tuple(reg.avoid_areas),
        avoid_points=tuple(AvoidPoint(lat=float(p["lat"]), lon=float(p["lon"]), radius_m=float(p["radius_m"]))
                           for p in reg.avoid_points),
        regional_ties=tuple(RegionalTie(municipality_code=t["municipality_code"],
                                        years_resident=float(t["years_resident"]),
                                        years_work_or_study=float(t["years_work_or_study"]))
                            for t in reg.regional_ties),
        preferred_municipalities=tuple(reg.preferred_municipalities),
        exemptions=tuple(ActiveExemption(rules_lifted=tuple(sorted(e.rules_lifted)),
                                         urgent=e.kind == ExemptionKind.urgency, valid_until=e.valid_until)
                         for e in live),
    )


def as_json(value: Any) -> Any:
    """Plain JSON data of a document (for tests and diagnostics)."""
    return json.loads(json.dumps(asdict(value), default=str))
