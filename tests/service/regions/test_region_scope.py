"""Regions and their partners: a registration is on one region's list, coordinators see only their regions.

Two offices: U16 (Utrecht, Nieuwegein) and DRE (Dordrecht, Zwijndrecht), each with its own coordinator, corporation
and care provider. Everything of the other office answers 404 to a coordinator, and matching never crosses them.
"""

import uuid
from typing import Any

import pytest
from sqlmodel import select

from service.audit.models import AuditRecord
from tests import factories
from tests.service.helpers import field_errors, not_found, problem

U16 = {"name": "U16", "municipality_codes": ["GM0344", "GM0356"], "policy": {}}
DRE = {"name": "Drechtsteden", "municipality_codes": ["GM0505", "GM0642"], "policy": {}}
DORDRECHT = {"neighbourhood_code": "BU05050101", "location": {"lat": 51.8133, "lon": 4.6901},
             "address": {"street": "Voorstraat", "house_number": 12, "postcode": "3311 AA", "city": "Dordrecht"}}
DORDRECHT_TIES = [{"municipality_code": "GM0505", "years_resident": 6, "years_work_or_study": 0}]


class Office:
    """A region's coordinator with a corporation and a care provider linked to it."""

    def __init__(self, client_for: Any, code: str, region: dict[str, Any]) -> None:
        self.code = code
        self.coordinator = client_for("coordinator", home=False)
        assert self.coordinator.put(f"/v1/regions/{code}", json=region).status_code == 200
        self.corporation = client_for("corporation", home=False)
        self.care = client_for("care_provider", home=False)
        for partner in (self.corporation, self.care):
            linked = self.coordinator.put(f"/v1/regions/{code}/organisations/{partner.org.id}")
            assert linked.status_code == 200, linked.text

    def register(self, **overrides: Any) -> dict[str, Any]:
        doc = factories.registration(household={"adults": 1, "children": []}, avoid_nearby=[], avoid_areas=[],
                                     avoid_points=[], ready_from=factories.TODAY.isoformat(), **overrides)
        created = self.care.post("/v1/registrations", json=doc)
        assert created.status_code == 201, created.text
        return created.json()

    def offer(self, **overrides: Any) -> dict[str, Any]:
        created = self.corporation.post("/v1/dwellings", json=factories.dwelling(
            available_from=factories.TODAY.isoformat(), **overrides))
        assert created.status_code == 201, created.text
        return created.json()


@pytest.fixture
def offices(client_for):  # type: ignore[no-untyped-def]
    return Office(client_for, "U16", U16), Office(client_for, "DRE", DRE)


def test_a_registration_goes_on_its_providers_only_region_and_is_matched_only_there(offices):
    utrecht, dordrecht = offices
    local = utrecht.register()
    assert local["region"] == "U16"
    # Ties to Dordrecht, but on the Utrecht list: a Dordrecht dwelling is not for her, nor does she count there.
    elsewhere = utrecht.register(regional_ties=DORDRECHT_TIES)
    dwelling = dordrecht.offer(**DORDRECHT)
    shortlist = dordrecht.coordinator.get(f"/v1/dwellings/{dwelling['id']}/shortlist").json()
    assert shortlist["candidates"] == []
    assert set(shortlist["excluded"].values()) == {0}
    utrecht_dwelling = utrecht.offer()
    candidates = utrecht.coordinator.get(f"/v1/dwellings/{utrecht_dwelling['id']}/shortlist").json()["candidates"]
    assert {c["registration_id"] for c in candidates} == {local["id"], elsewhere["id"]}
    diagnosis = utrecht.care.get(f"/v1/registrations/{elsewhere['id']}/eligibility").json()
    assert diagnosis["open_dwellings"] == 1  # the Utrecht dwelling only: Dordrecht's is not for her list


def test_a_coordinator_gets_404_for_everything_of_another_region(offices):
    utrecht, dordrecht = offices
    reg, dwelling = dordrecht.register(), dordrecht.offer(**DORDRECHT)
    other = utrecht.coordinator
    not_found(other.get(f"/v1/registrations/{reg['id']}"), f"no registration {reg['id']}")
    not_found(other.get(f"/v1/registrations/{reg['id']}/timeline"), f"no registration {reg['id']}")
    not_found(other.get(f"/v1/registrations/{reg['id']}/eligibility"), f"no registration {reg['id']}")
    not_found(other.get(f"/v1/registrations/{reg['id']}/exemptions"), f"no registration {reg['id']}")
    not_found(other.put(f"/v1/registrations/{reg['id']}/region", json={"region": "U16", "reason": "mine now"}),
              f"no registration {reg['id']}")
    not_found(other.get(f"/v1/dwellings/{dwelling['id']}"), f"no dwelling {dwelling['id']}")
    not_found(other.get(f"/v1/dwellings/{dwelling['id']}/shortlist"), f"no dwelling {dwelling['id']}")
    not_found(other.post(f"/v1/dwellings/{dwelling['id']}/shortlist/publish"), f"no dwelling {dwelling['id']}")
    not_found(other.get("/v1/regions/DRE"), "no region DRE")
    not_found(other.get("/v1/regions/DRE/policies"), "no region DRE")
    not_found(other.put("/v1/regions/DRE", json=DRE), "no region DRE")
    not_found(other.get("/v1/regions/DRE/organisations"), "no region DRE")
    not_found(other.get("/v1/monitor", params={"region": "DRE"}), "no region DRE")
    not_found(other.post("/v1/what-if", json={"region": "DRE", "policy": {"min_tie_years": 0}}), "no region DRE")
    assert [r["code"] for r in other.get("/v1/regions").json()] == ["U16"]
    assert other.get("/v1/registrations").json()["total"] == 0
    assert other.get("/v1/dwellings").json()["total"] == 0
    assert other.get("/v1/stuck").json()["total"] == 0
    # The DRE office sees its own.
    assert dordrecht.coordinator.get(f"/v1/registrations/{reg['id']}").status_code == 200
    assert dordrecht.coordinator.get("/v1/registrations").json()["total"] == 1


def test_a_round_and_its_runs_belong_to_the_office_that_started_it(offices):
    utrecht, dordrecht = offices
    utrecht.register()
    dordrecht.register(regional_ties=DORDRECHT_TIES)
    utrecht.offer()
    dordrecht.offer(**DORDRECHT)
    run = utrecht.coordinator.post("/v1/matching-rounds", json={"max_seconds": 5})
    assert run.status_code == 202, run.text
    run_id = run.json()["id"]
    assert utrecht.coordinator.get(f"/v1/matching-rounds/{run_id}").json()["dwellings"] == 1
    assert [r["id"] for r in utrecht.coordinator.get("/v1/matching-rounds").json()["items"]][0] == run_id
    assert run_id not in [r["id"] for r in dordrecht.coordinator.get("/v1/matching-rounds").json()["items"]]
    not_found(dordrecht.coordinator.get(f"/v1/matching-rounds/{run_id}"), f"no matching run {run_id}")
    not_found(dordrecht.coordinator.post(f"/v1/matching-rounds/{run_id}/replay"), f"no matching run {run_id}")


def test_a_provider_in_two_regions_says_which_list_and_may_not_name_another(client_for, offices):
    utrecht, dordrecht = offices
    assert dordrecht.coordinator.put(f"/v1/regions/DRE/organisations/{utrecht.care.org.id}").status_code == 200
    doc = factories.registration()
    assert "several regions (DRE, U16)" in field_errors(utrecht.care.post("/v1/registrations", json=doc))["region"]
    assert utrecht.care.post("/v1/registrations", json={**doc, "region": "DRE"}).json()["region"] == "DRE"
    stranger = client_for("care_provider", home=False)
    assert "not linked to a region" in field_errors(stranger.post("/v1/registrations",
                                                                  json=factories.registration()))["region"]
    assert "does not exist" in field_errors(utrecht.care.post("/v1/registrations", json={
        **factories.registration(), "region": "NOPE"}))["region"]
    assert "lies in no region your organisation works in" in field_errors(utrecht.corporation.post(
        "/v1/dwellings", json=factories.dwelling(**DORDRECHT)))["neighbourhood_code"]


def test_moving_a_registration_ends_its_nominations_and_hands_it_to_the_other_office(offices, session):
    utrecht, dordrecht = offices
    reg = utrecht.register()
    dwelling = utrecht.offer()
    shortlist = utrecht.coordinator.get(f"/v1/dwellings/{dwelling['id']}/shortlist").json()
    assert [c["registration_id"] for c in shortlist["candidates"]] == [reg["id"]]
    url = f"/v1/registrations/{reg['id']}/region"
    assert "reason" in field_errors(utrecht.coordinator.put(url, json={"region": "DRE"}))
    problem(utrecht.care.put(url, json={"region": "DRE", "reason": "moved"}), 403)

    moved = utrecht.coordinator.put(url, json={"region": "DRE", "reason": "moved in with her sister in Dordrecht"})

    assert moved.status_code == 200, moved.text
    assert (moved.json()["region"], moved.json()["status"]) == ("DRE", "active")
    [ended] = utrecht.coordinator.get(f"/v1/dwellings/{dwelling['id']}/shortlist").json()["candidates"]
    assert (ended["registration_id"], ended["status"]) == (reg["id"], "cancelled")
    not_found(utrecht.coordinator.get(f"/v1/registrations/{reg['id']}"), f"no registration {reg['id']}")
    assert dordrecht.coordinator.get(f"/v1/registrations/{reg['id']}").json()["region"] == "DRE"
    # Her own care provider still sees her; the move is audited with its reason.
    assert utrecht.care.get(f"/v1/registrations/{reg['id']}").json()["region"] == "DRE"
    [record] = session.exec(select(AuditRecord).where(AuditRecord.entity_id == uuid.UUID(reg["id"]),
                                                      AuditRecord.action == "move_region")).all()
    assert record.detail == {"from": "U16", "to": "DRE", "reason": "moved in with her sister in Dordrecht"}
    assert record.organisation_id == utrecht.coordinator.org.id


def test_partners_are_linked_by_the_regions_coordinators_and_other_offices_by_the_operator(offices):
    utrecht, dordrecht = offices
    url = f"/v1/regions/U16/organisations/{dordrecht.care.org.id}"
    problem(utrecht.care.put(url), 403)
    assert {o["id"] for o in utrecht.coordinator.put(url).json()} >= {str(dordrecht.care.org.id)}
    assert utrecht.coordinator.put(url).status_code == 200  # idempotent
    kinds = sorted(o["kind"] for o in utrecht.coordinator.get("/v1/regions/U16/organisations").json())
    assert kinds == ["care_provider", "care_provider", "coordinator", "corporation"]
    assert "by the operator" in problem(utrecht.coordinator.put(
        f"/v1/regions/U16/organisations/{dordrecht.coordinator.org.id}"), 409)["detail"]
    assert str(dordrecht.care.org.id) not in {o["id"] for o in utrecht.coordinator.delete(url).json()}
    problem(utrecht.coordinator.delete(f"/v1/regions/U16/organisations/{utrecht.coordinator.org.id}"), 409)


def test_uploads_outside_the_coordinators_regions_are_refused_per_line(offices):
    utrecht, _dordrecht = offices
    report = utrecht.coordinator.put("/v1/neighbourhoods/vulnerability", content="code,score\nBU03440101,40\n"
                                     "BU05050101,80\n", headers={"Content-Type": "text/csv"}).json()
    assert report["stored"] == 1
    assert report["rejected"] == [{"line": 3, "reason": "BU05050101 lies outside your regions"}]
    figures = utrecht.coordinator.put("/v1/municipalities/figures", content="code,households,care_pressure\n"
                                      "GM0344,170000,0.1\nGM0505,60000,0\n", headers={"Content-Type": "text/csv"})
    assert figures.json()["rejected"] == [{"line": 3, "reason": "municipality GM0505 lies outside your regions"}]


def test_the_audit_log_shows_a_coordinator_only_its_regions_records(offices):
    utrecht, dordrecht = offices
    reg, dwelling = dordrecht.register(), dordrecht.offer(**DORDRECHT)
    assert dordrecht.coordinator.get(f"/v1/registrations/{reg['id']}").status_code == 200

    def entities(client: Any, **params: Any) -> set[str]:
        body = client.get("/v1/audit", params={"limit": 100, **params}).json()
        return {r["entity_id"] for r in body["items"]}

    assert {reg["id"], dwelling["id"]} <= entities(dordrecht.coordinator)
    seen_by_other = entities(utrecht.coordinator)
    assert not {reg["id"], dwelling["id"]} & seen_by_other
    assert entities(utrecht.coordinator, entity_id=reg["id"]) == set()
    # What the other office's own organisation did is its own to see, and nothing of DRE's came with it.
    assert str(utrecht.corporation.org.id) in seen_by_other  # the link of its corporation to U16
    assert str(dordrecht.corporation.org.id) not in seen_by_other
