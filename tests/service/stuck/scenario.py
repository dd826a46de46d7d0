"""A small region, care provider and corporation to diagnose, exempt and try policies on (shared by these tests)."""

from datetime import timedelta
from typing import Any

from tests import factories

TODAY = factories.TODAY
DWELLING_AT = {"lat": 52.0907, "lon": 5.0985}
ALMERE_ONLY = [{"municipality_code": "GM0034", "years_resident": 5, "years_work_or_study": 0}]


def ties(years: float) -> list[dict[str, Any]]:
    """Ties to Utrecht (in the region) of this many years."""
    return [{"municipality_code": "GM0344", "years_resident": years, "years_work_or_study": 0}]


def single(**overrides: Any) -> dict[str, Any]:
    """A single adult who passes every rule for the factory dwelling, unless overridden."""
    doc = factories.registration(household={"adults": 1, "children": []}, avoid_nearby=[], avoid_areas=[],
                                 avoid_points=[], ready_from=TODAY.isoformat(), preferred_municipalities=[])
    doc.update(overrides)
    return doc


def setup(client_for, **policy: Any):  # type: ignore[no-untyped-def]
    """Coordinator, corporation and care provider, with region U16 (Utrecht, Nieuwegein) under `policy`."""
    coordinator, corporation, care = (client_for(kind) for kind in ("coordinator", "corporation", "care_provider"))
    region = {"name": "U16", "municipality_codes": ["GM0344", "GM0356"], "policy": {"min_tie_years": 2, **policy}}
    assert coordinator.put("/v1/regions/U16", json=region).status_code == 200
    return coordinator, corporation, care


def register(care, coordinator, doc: dict[str, Any], waited_days: int = 0) -> str:  # type: ignore[no-untyped-def]
    """Register a client who has waited `waited_days`; returns the id."""
    created = care.post("/v1/registrations", json=doc)
    assert created.status_code == 201, created.text
    if waited_days:
        since = (TODAY - timedelta(days=waited_days)).isoformat() + "T00:00:00Z"
        assert coordinator.put(f"/v1/registrations/{created.json()['id']}/waiting-since",
                               json={"waiting_since": since, "reason": "imported list"}).status_code == 200
    return created.json()["id"]


def offer(corporation, **overrides: Any) -> str:  # type: ignore[no-untyped-def]
    """Offer a dwelling in Utrecht available today; returns the id."""
    response = corporation.post("/v1/dwellings", json=factories.dwelling(
        location=DWELLING_AT, available_from=TODAY.isoformat(), **overrides))
    assert response.status_code == 201, response.text
    return response.json()["id"]
