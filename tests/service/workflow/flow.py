"""Helpers of the workflow tests: a region, registrations, and offered dwellings that get an instant shortlist."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests import factories
from tests.service.helpers import problem

TODAY = factories.TODAY
DWELLING_AT = {"lat": 52.0907, "lon": 5.0985}
NOTES = "Needs a quiet street; history of alcohol use."


def single(**overrides: Any) -> dict[str, Any]:
    """A single adult without children, eligible for the factory dwelling unless overridden."""
    doc = factories.registration(household={"adults": 1, "children": []}, avoid_nearby=[], avoid_areas=[],
                                 avoid_points=[], ready_from=TODAY.isoformat())
    doc.update(overrides)
    return doc


def conflict(response: Response, current_state: str) -> dict[str, Any]:
    """A 409 problem naming the current state."""
    body = problem(response, 409)
    assert body["current_state"] == current_state, body
    return body


def keys_in(value: Any) -> Iterator[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_in(item)


class World:
    """A coordinator, a corporation and a care provider in region U16, and the steps of the workflow."""

    def __init__(self, coordinator: TestClient, corporation: TestClient, care: TestClient, **policy: Any) -> None:
        self.coordinator, self.corporation, self.care = coordinator, corporation, care
        self._waited = 1000
        self.set_policy(**policy)

    def set_policy(self, **policy: Any) -> None:
        region = {"name": "U16", "municipality_codes": ["GM0344", "GM0356"],
                  "policy": {"min_tie_years": 2, "weight_waiting_per_day": 1, **policy}}
        response = self.coordinator.put("/v1/regions/U16", json=region)
        assert response.status_code == 200, response.text

    # --- set-up ---------------------------------------------------------------------------------------------------

    def register(self, care: TestClient | None = None, **overrides: Any) -> str:
        """An eligible registration; each one registered waited a day less than the one before (so ranks are fixed)."""
        created = (care or self.care).post("/v1/registrations", json=single(**overrides))
        assert created.status_code == 201, created.text
        self._waited -= 10
        since = (TODAY - timedelta(days=self._waited)).isoformat() + "T00:00:00Z"
        moved = self.coordinator.put(f"/v1/registrations/{created.json()['id']}/waiting-since",
                                     json={"waiting_since": since, "reason": "imported list"})
        assert moved.status_code == 200, moved.text
        return created.json()["id"]

    def offer(self, corporation: TestClient | None = None, **overrides: Any) -> str:
        """Offer a dwelling (it gets an instant shortlist) and return its id."""
        doc = factories.dwelling(location=DWELLING_AT, available_from=TODAY.isoformat())
        doc.update(overrides)
        created = (corporation or self.corporation).post("/v1/dwellings", json=doc)
        assert created.status_code == 201, created.text
        return created.json()["id"]

    def shortlist(self, dwelling_id: str) -> dict[str, Any]:
        response = self.coordinator.get(f"/v1/dwellings/{dwelling_id}/shortlist")
        assert response.status_code == 200, response.text
        return response.json()

    def candidates(self, dwelling_id: str) -> dict[str, str]:
        """registration id -> candidate status on the dwelling's current shortlist."""
        return {c["registration_id"]: c["status"] for c in self.shortlist(dwelling_id)["candidates"]}

    def ranked(self, dwelling_id: str) -> list[str]:
        return [c["registration_id"] for c in self.shortlist(dwelling_id)["candidates"]]

    def dwelling_status(self, dwelling_id: str) -> str:
        return self.coordinator.get(f"/v1/dwellings/{dwelling_id}").json()["status"]

    def registration_status(self, registration_id: str) -> str:
        return self.coordinator.get(f"/v1/registrations/{registration_id}").json()["status"]

    def published(self, registrations: int = 3, **overrides: Any) -> tuple[str, list[str]]:
        """A dwelling with a published shortlist, after registering `registrations` new clients; its candidates."""
        for _ in range(registrations):
            self.register()
        dwelling_id = self.offer(**overrides)
        ranked = self.ranked(dwelling_id)
        assert len(ranked) == min(3, registrations), ranked
        self.ok(self.publish(dwelling_id))
        return dwelling_id, ranked

    # --- steps ----------------------------------------------------------------------------------------------------

    @staticmethod
    def ok(response: Response) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        return response.json()

    def publish(self, dwelling_id: str, client: TestClient | None = None) -> Response:
        return (client or self.coordinator).post(f"/v1/dwellings/{dwelling_id}/shortlist/publish")

    def replace(self, dwelling_id: str, registration_id: str, replacement_id: str, reason: str = "closer to school",
                client: TestClient | None = None) -> Response:
        return (client or self.coordinator).post(f"/v1/dwellings/{dwelling_id}/shortlist/replace", json={
            "registration_id": registration_id, "replacement_registration_id": replacement_id, "reason": reason})

    def select(self, dwelling_id: str, registration_id: str, client: TestClient | None = None) -> Response:
        return (client or self.corporation).post(f"/v1/dwellings/{dwelling_id}/shortlist/select",
                                                 json={"registration_id": registration_id})

    def reject(self, dwelling_id: str, registration_id: str, reason_code: str = "rent_risk",
               note: str | None = "earlier arrears", client: TestClient | None = None) -> Response:
        return (client or self.corporation).post(f"/v1/dwellings/{dwelling_id}/shortlist/reject", json={
            "registration_id": registration_id, "reason_code": reason_code, "note": note})

    def accept(self, registration_id: str, client: TestClient | None = None) -> Response:
        return (client or self.care).post(f"/v1/registrations/{registration_id}/offer/accept")

    def decline(self, registration_id: str, reason_code: str = "location", note: str | None = "too far from work",
                client: TestClient | None = None) -> Response:
        return (client or self.care).post(f"/v1/registrations/{registration_id}/offer/decline",
                                          json={"reason_code": reason_code, "note": note})

    def let(self, dwelling_id: str, registration_id: str, contract_type: str = "regular",
            client: TestClient | None = None) -> Response:
        return (client or self.corporation).post(f"/v1/dwellings/{dwelling_id}/let", json={
            "registration_id": registration_id, "contract_type": contract_type,
            "start_date": (TODAY + timedelta(days=30)).isoformat()})

    def withdraw(self, dwelling_id: str, client: TestClient | None = None, **headers: str) -> Response:
        return (client or self.corporation).post(f"/v1/dwellings/{dwelling_id}/withdraw",
                                                 json={"reason": "sold"}, headers=headers)

    def pause(self, registration_id: str, days: int = 30, client: TestClient | None = None) -> Response:
        return (client or self.care).post(f"/v1/registrations/{registration_id}/pause", json={
            "until": (TODAY + timedelta(days=days)).isoformat(), "reason": "in clinic for a while"})

    def resume(self, registration_id: str, client: TestClient | None = None) -> Response:
        return (client or self.care).post(f"/v1/registrations/{registration_id}/resume")

    def round(self) -> dict[str, Any]:
        started = self.coordinator.post("/v1/matching-rounds", json={"max_seconds": 5})
        assert started.status_code == 202, started.text
        finished = self.coordinator.get(started.headers["location"]).json()
        assert finished["state"] == "finished", finished
        return finished

    def events(self, client: TestClient, after: int = 0) -> list[dict[str, Any]]:
        response = client.get("/v1/events", params={"after": after, "limit": 500})
        assert response.status_code == 200, response.text
        return response.json()

    def transitions(self, entity_id: str) -> list[dict[str, Any]]:
        """The audited transitions of an entity, oldest first."""
        response = self.coordinator.get("/v1/audit", params={"entity_id": entity_id, "limit": 100})
        assert response.status_code == 200, response.text
        return [r for r in reversed(response.json()["items"]) if r["action"] in ("transition", "withdraw")]


def new_id() -> str:
    return str(uuid.uuid4())
