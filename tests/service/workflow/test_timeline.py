"""Timelines of a dwelling and of a registration, filtered to what the caller may see."""

from typing import Any

from fastapi.testclient import TestClient

from tests.service.helpers import audit_trail, forbidden, if_match, not_found, problem
from tests.service.workflow.flow import World

REPLACE_REASON = "lives next door to the ex-partner"


def _timeline(client: TestClient, path: str) -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def _steps(entries: list[dict[str, Any]], entity_type: str) -> list[tuple[str, str]]:
    return [(e["detail"]["from"], e["detail"]["to"]) for e in entries
            if e["entity_type"] == entity_type and e["action"] == "transition"]


def _replaced_and_offered(w: World) -> tuple[str, list[str], str]:
    """A dwelling whose third candidate the coordinator replaced before publishing; the first one has an offer."""
    first, second, third, spare = (w.register() for _ in range(4))
    dwelling_id = w.offer()
    w.ok(w.replace(dwelling_id, third, spare, reason=REPLACE_REASON))
    w.ok(w.publish(dwelling_id))
    w.ok(w.select(dwelling_id, first))
    w.ok(w.accept(first))
    return dwelling_id, [first, second, spare], third


def test_the_corporation_sees_its_candidates_from_publication_on_and_not_the_replace(world: World):
    w = world
    dwelling_id, (first, second, spare), replaced = _replaced_and_offered(w)
    path = f"/v1/dwellings/{dwelling_id}/timeline"
    seen = _timeline(w.corporation, path)
    text = str(seen)
    assert replaced not in text and REPLACE_REASON not in text
    candidate_steps = [e for e in seen if e["entity_type"] == "shortlist_candidate"]
    assert {e["detail"]["to"] for e in candidate_steps} == {"published", "selected", "accepted"}
    assert sorted(e["detail"]["registration_id"] for e in candidate_steps if e["detail"]["to"] == "published") == \
        sorted([first, second, spare])
    [published] = [e for e in seen if e["entity_type"] == "dwelling" and e["detail"].get("to") == "published"]
    assert all(e["at"] >= published["at"] for e in candidate_steps)
    # Who at the care provider answered is not the corporation's business; its own steps it sees as its own.
    [accepted] = [e for e in candidate_steps if e["detail"]["to"] == "accepted"]
    assert accepted["organisation_id"] is None
    [selected] = [e for e in candidate_steps if e["detail"]["to"] == "selected"]
    assert selected["organisation_id"] == str(w.corporation.org.id)
    assert ("published", "candidate_selected") in _steps(seen, "dwelling")
    assert _timeline(w.corporation, path) == seen  # reading it changes nothing

    office = _timeline(w.coordinator, path)
    [swap] = [e for e in office if e["detail"].get("to") == "replaced"]
    assert swap["detail"]["registration_id"] == replaced and swap["detail"]["reason"] == REPLACE_REASON
    assert swap["organisation_id"] == str(w.coordinator.org.id)
    # Candidates are created as proposed (a nomination, not a step), so the one candidate step before publication
    # is the swap: that is all the office sees beyond the corporation, and everything else is the same.
    hidden = [e for e in office if e["entity_type"] == "shortlist_candidate"
              and e["detail"].get("to") in ("proposed", "replaced")]
    assert [(e["detail"]["to"], e["detail"]["registration_id"]) for e in hidden] == [("replaced", replaced)]
    assert len(office) == len(seen) + 1
    assert [(e["at"], e["action"], e["entity_id"]) for e in office if e not in hidden] == \
        [(e["at"], e["action"], e["entity_id"]) for e in seen]


def test_the_care_provider_sees_its_registrations_steps_including_the_offer(world: World):
    w = world
    dwelling_id, (first, _second, _spare), replaced = _replaced_and_offered(w)
    path = f"/v1/registrations/{first}/timeline"
    seen = _timeline(w.care, path)
    assert _steps(seen, "registration") == [("active", "nominated"), ("nominated", "offered")]
    offer = [e for e in seen if e["entity_type"] == "shortlist_candidate"]
    assert [e["detail"]["to"] for e in offer] == ["published", "selected", "accepted"]
    assert {e["detail"]["dwelling_id"] for e in offer} == {dwelling_id}
    assert {e["entity_id"] for e in seen if e["entity_type"] == "registration"} == {first}
    # The corporation's and the office's people stay anonymous; the provider's own steps carry its id.
    by_step = {e["detail"].get("to"): e["organisation_id"] for e in seen}
    assert by_step["selected"] is None and by_step["published"] is None
    assert by_step["accepted"] == str(w.care.org.id)
    assert _timeline(w.care, path) == seen  # reading it (an audited read) adds no step

    office = _timeline(w.coordinator, path)
    assert {e["organisation_id"] for e in office if e["detail"].get("to") == "selected"} == {
        str(w.corporation.org.id)}
    swapped = _timeline(w.care, f"/v1/registrations/{replaced}/timeline")
    assert ("nominated", "active") in _steps(swapped, "registration")
    assert [e["detail"]["to"] for e in swapped if e["entity_type"] == "shortlist_candidate"] == ["replaced"]
    assert dwelling_id not in str(swapped)  # never offered to this client: the step, not the dwelling
    reads = w.coordinator.get("/v1/audit", params={"entity_id": first, "action": "read_timeline"}).json()
    assert reads["total"] == 3


def test_a_rejection_shows_its_code_to_the_care_provider_but_never_the_note(world: World):
    w = world
    dwelling_id, (first, _second, _third) = w.published()
    w.ok(w.reject(dwelling_id, first, "rent_risk", "arrears of 2400 euros at Mitros"))
    seen = _timeline(w.care, f"/v1/registrations/{first}/timeline")
    [rejected] = [e for e in seen if e["detail"].get("to") == "rejected"]
    assert rejected["detail"]["reason"] == "rent_risk"
    assert "arrears" not in str(seen) and "Mitros" not in str(seen)  # words of the note (ids may hold 2400)
    assert ("nominated", "active") in _steps(seen, "registration")


def test_timelines_are_not_shared_across_organisations_or_roles(world: World, client_for):
    w = world
    dwelling_id, (first, _second, _third) = w.published()
    trails = (audit_trail(w.coordinator, dwelling_id), audit_trail(w.coordinator, first))
    refusals = [
        not_found(client_for("corporation").get(f"/v1/dwellings/{dwelling_id}/timeline"), f"no dwelling {dwelling_id}"),
        not_found(client_for("care_provider").get(f"/v1/registrations/{first}/timeline"),
                  f"no registration {first}"),
        forbidden(w.care.get(f"/v1/dwellings/{dwelling_id}/timeline"), "coordinator", "corporation",
                  kind="care_provider"),
        forbidden(w.corporation.get(f"/v1/registrations/{first}/timeline"), "care_provider", "coordinator",
                  kind="corporation"),
    ]
    # Nothing of the timeline is in a refusal, and a refused read is not recorded as a read.
    assert all("transition" not in str(body) and "published" not in str(body) for body in refusals)
    assert (audit_trail(w.coordinator, dwelling_id), audit_trail(w.coordinator, first)) == trails
    problem(w.coordinator.get("/v1/dwellings/not-an-id/timeline"), 422)
    not_found(w.coordinator.get("/v1/registrations/00000000-0000-0000-0000-000000000000/timeline"),
              "no registration 00000000-0000-0000-0000-000000000000")


def _changed_before_publishing(w: World) -> tuple[str, list[str]]:
    """A shortlisted dwelling whose rent the corporation raised before publishing: its candidates were released."""
    registered = [w.register() for _ in range(3)]
    dwelling_id = w.offer()
    assert sorted(w.ranked(dwelling_id)) == sorted(registered)
    path = f"/v1/dwellings/{dwelling_id}"
    changed = w.corporation.patch(path, json={"bare_rent": "850.00"},
                                  headers=if_match(w.corporation.get(path).json()["version"]))
    assert changed.status_code == 200, changed.text
    return dwelling_id, registered


def test_the_corporation_never_sees_candidates_that_were_not_published_to_it(world: World):
    w = world
    dwelling_id, never_published = _changed_before_publishing(w)
    seen = _timeline(w.corporation, f"/v1/dwellings/{dwelling_id}/timeline")
    assert [e for e in seen if e["entity_type"] == "shortlist_candidate"] == []
    assert not any(r in str(seen) for r in never_published)
    office = _timeline(w.coordinator, f"/v1/dwellings/{dwelling_id}/timeline")
    assert sorted(e["detail"]["registration_id"] for e in office if e["detail"].get("to") == "released") == \
        sorted(never_published)


def test_the_care_provider_sees_no_dwelling_its_client_was_not_offered(world: World):
    w = world
    dwelling_id, (first, *_others) = _changed_before_publishing(w)
    seen = _timeline(w.care, f"/v1/registrations/{first}/timeline")
    assert [e["detail"]["to"] for e in seen if e["entity_type"] == "shortlist_candidate"] == ["released"]
    assert dwelling_id not in str(seen)
    office = _timeline(w.coordinator, f"/v1/registrations/{first}/timeline")
    assert dwelling_id in str(office)


def test_reading_a_dwelling_timeline_is_a_read_of_each_registration_it_names(world: World):
    w = world
    dwelling_id, (first, second, spare), replaced = _replaced_and_offered(w)
    before = {r: audit_trail(w.coordinator, r) for r in (first, second, spare, replaced)}
    _timeline(w.corporation, f"/v1/dwellings/{dwelling_id}/timeline")
    corporation = str(w.corporation.org.id)
    for shown in (first, second, spare):
        assert audit_trail(w.coordinator, shown)[len(before[shown]):] == [("read", corporation)]
    # The swapped-out registration is not in the corporation's timeline, so it was not read.
    assert audit_trail(w.coordinator, replaced) == before[replaced]
    _timeline(w.coordinator, f"/v1/dwellings/{dwelling_id}/timeline")
    assert audit_trail(w.coordinator, replaced)[len(before[replaced]):] == [("read", str(w.coordinator.org.id))]
