"""The shortlist workflow over HTTP: from offer to let, the fall-through paths, and every step that is not allowed."""

import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from service.shortlists.models import Shortlist, ShortlistCandidate
from tests.service.helpers import field_errors, forbidden, not_found, problem
from tests.service.workflow.flow import NOTES, World, conflict, new_id


def test_the_happy_path_from_offer_to_let(world: World):
    w = world
    first, second, third, spare = (w.register() for _ in range(4))
    dwelling_id = w.offer()
    assert w.dwelling_status(dwelling_id) == "shortlisted"
    assert w.ranked(dwelling_id) == [first, second, third]  # the longest wait first
    assert w.registration_status(spare) == "active"
    assert w.corporation.get(f"/v1/dwellings/{dwelling_id}/shortlist").status_code == 404
    not_found(w.corporation.get(f"/v1/dwellings/{dwelling_id}/shortlist"),
              f"dwelling {dwelling_id} has no shortlist you can see yet")

    published = w.ok(w.publish(dwelling_id))
    assert published["status"] == "published"
    assert {c["status"] for c in published["candidates"]} == {"published"}
    assert w.dwelling_status(dwelling_id) == "published"
    seen = w.corporation.get(f"/v1/dwellings/{dwelling_id}/shortlist")
    assert seen.status_code == 200 and NOTES not in seen.text and "client_ref" not in seen.text

    selected = w.ok(w.select(dwelling_id, second))
    assert {c["registration_id"]: c["status"] for c in selected["candidates"]}[second] == "selected"
    assert w.dwelling_status(dwelling_id) == "candidate_selected"
    assert w.care.get(f"/v1/registrations/{second}").json()["status"] == "offered"

    accepted = w.ok(w.accept(second))
    assert accepted["id"] == second and accepted["status"] == "offered"
    assert w.candidates(dwelling_id)[second] == "accepted"

    let = w.ok(w.let(dwelling_id, second))
    assert let["status"] == "let"
    assert w.dwelling_status(dwelling_id) == "let"
    assert w.registration_status(second) == "housed"
    for other in (first, third, spare):
        assert w.registration_status(other) == "active"
    assert w.candidates(dwelling_id) == {first: "released", second: "let", third: "released"}

    steps = [(t["detail"]["from"], t["detail"]["to"]) for t in w.transitions(dwelling_id)]
    assert steps == [("offered", "shortlisted"), ("shortlisted", "published"), ("published", "candidate_selected"),
                     ("candidate_selected", "let")]
    housed = [(t["detail"]["from"], t["detail"]["to"]) for t in w.transitions(second)]
    assert housed == [("active", "nominated"), ("nominated", "offered"), ("offered", "housed")]


def test_every_transition_is_audited_with_organisation_time_from_to_and_reason(world: World):
    w = world
    started = datetime.now(UTC)
    dwelling_id, (first, second, _third) = w.published()
    w.ok(w.select(dwelling_id, first))
    w.ok(w.decline(first, "size", "too small"))
    response = w.coordinator.get("/v1/audit", params={"action": "transition", "limit": 100})
    records = response.json()["items"]
    # Offer: the dwelling is shortlisted and its three clients nominated (candidates are created proposed, which is
    # no step); publish: the dwelling, the shortlist and its three candidates; select: dwelling, candidate and the
    # client's offer; decline: candidate, client and dwelling back (the shortlist stays published).
    steps = Counter((r["entity_type"], r["detail"]["from"], r["detail"]["to"]) for r in records)
    assert steps == Counter({
        ("dwelling", "offered", "shortlisted"): 1, ("registration", "active", "nominated"): 3,
        ("dwelling", "shortlisted", "published"): 1, ("shortlist", "proposed", "published"): 1,
        ("shortlist_candidate", "proposed", "published"): 3,
        ("dwelling", "published", "candidate_selected"): 1, ("shortlist_candidate", "published", "selected"): 1,
        ("registration", "nominated", "offered"): 1,
        ("shortlist_candidate", "selected", "declined"): 1, ("registration", "offered", "active"): 1,
        ("dwelling", "candidate_selected", "published"): 1})
    assert response.json()["total"] == len(records) == 15
    for record in records:
        assert {"from", "to", "reason"} <= set(record["detail"]), record
        assert record["at"]
        assert started <= datetime.fromisoformat(record["at"]) <= datetime.now(UTC)
    by_org = {(r["entity_type"], r["detail"]["from"], r["detail"]["to"]): r for r in records}
    assert by_org[("dwelling", "shortlisted", "published")]["organisation_id"] == str(w.coordinator.org.id)
    assert by_org[("dwelling", "published", "candidate_selected")]["organisation_id"] == str(w.corporation.org.id)
    declined = by_org[("shortlist_candidate", "selected", "declined")]
    assert declined["organisation_id"] == str(w.care.org.id)
    assert declined["detail"]["reason"] == "size"
    assert declined["detail"]["registration_id"] == first and declined["detail"]["dwelling_id"] == dwelling_id
    assert by_org[("dwelling", "candidate_selected", "published")]["detail"]["reason"]
    # Two published candidates are left, so the dwelling goes back to choosing, not to matching again.
    assert by_org[("dwelling", "candidate_selected", "published")]["detail"]["reason"] == \
        "selected candidate fell through"


def test_the_coordinator_replaces_a_candidate_before_publishing(world: World):
    w = world
    first, second, third, spare = (w.register() for _ in range(4))
    wheelchair = w.register(accessibility={"wheelchair": True, "no_stairs": False})
    dwelling_id = w.offer()
    assert w.ranked(dwelling_id) == [first, second, third]

    errors = field_errors(w.replace(dwelling_id, third, wheelchair))
    assert "ACCESSIBILITY" in errors["replacement_registration_id"]
    conflict(w.replace(dwelling_id, third, first), "nominated")
    not_found(w.replace(dwelling_id, spare, wheelchair), f"registration {spare} is not a candidate on this shortlist")
    problem(w.replace(dwelling_id, third, new_id()), 422)
    assert "reason" in field_errors(w.replace(dwelling_id, third, spare, reason=""))
    forbidden(w.replace(dwelling_id, third, spare, client=w.corporation), "coordinator", kind="corporation")
    forbidden(w.replace(dwelling_id, third, spare, client=w.care), "coordinator", kind="care_provider")
    # None of the refused replacements touched the shortlist or the clients.
    assert w.candidates(dwelling_id) == {first: "proposed", second: "proposed", third: "proposed"}
    assert (w.registration_status(spare), w.registration_status(wheelchair)) == ("active", "active")

    replaced = w.ok(w.replace(dwelling_id, third, spare, reason="lives next door to the ex-partner"))
    by_id = {c["registration_id"]: c for c in replaced["candidates"]}
    assert by_id[third]["status"] == "replaced" and by_id[spare]["status"] == "proposed"
    assert by_id[spare]["rank"] == 3 and by_id[spare]["score"] > 0
    # World.register makes each client wait ten days less than the one before, from 990: spare is the fourth.
    assert by_id[spare]["score_breakdown"]["waiting"] == 960
    assert by_id[spare]["score"] == sum(by_id[spare]["score_breakdown"].values())
    assert w.registration_status(third) == "active" and w.registration_status(spare) == "nominated"
    [audited] = [t for t in w.transitions(third) if t["detail"]["to"] == "active"]
    assert audited["detail"]["reason"] == "replaced"

    w.ok(w.publish(dwelling_id))
    conflict(w.replace(dwelling_id, second, third), "published")
    # The corporation never learns who was swapped out before it saw the shortlist.
    seen = w.corporation.get(f"/v1/dwellings/{dwelling_id}/shortlist").json()
    assert sorted(c["registration_id"] for c in seen["candidates"]) == sorted([first, second, spare])
    assert sorted(c["rank"] for c in seen["candidates"]) == [1, 2, 3]
    w.ok(w.select(dwelling_id, spare))


def test_a_rejection_is_final_also_after_the_dwelling_is_matched_again(world: World):
    w = world
    dwelling_id, (first, second, third) = w.published()
    rejected = w.ok(w.reject(dwelling_id, first, "rent_risk", "arrears at the previous address"))
    assert rejected["status"] == "published"
    assert w.registration_status(first) == "active"
    assert w.candidates(dwelling_id)[first] == "rejected"
    no_longer = f"registration {first} is not a candidate on this shortlist"
    not_found(w.reject(dwelling_id, first), no_longer)  # no longer a candidate
    not_found(w.select(dwelling_id, first), no_longer)
    assert w.candidates(dwelling_id)[first] == "rejected" and w.dwelling_status(dwelling_id) == "published"

    # The others fall through too: the dwelling is matched again at once, but never with the rejected pair.
    w.ok(w.select(dwelling_id, second))
    w.ok(w.reject(dwelling_id, second, "support_not_arranged", None))
    assert w.dwelling_status(dwelling_id) == "published"
    w.ok(w.reject(dwelling_id, third, "other", "the household asked for a ground floor"))
    assert w.dwelling_status(dwelling_id) == "offered"
    again = w.shortlist(dwelling_id)
    assert again["candidates"] == [] and again["excluded"]["AVAILABILITY"] == 3

    newcomer = w.register()
    w.round()
    assert w.ranked(dwelling_id) == [newcomer]
    assert w.dwelling_status(dwelling_id) == "shortlisted"
    w.round()
    assert first not in w.ranked(dwelling_id) and w.ranked(dwelling_id) == [newcomer]
    # The rejection is about this dwelling only: the client is matched elsewhere.
    elsewhere = w.offer()
    assert {first, second, third} <= set(w.ranked(elsewhere))
    # The newcomer is on the first dwelling's shortlist, so these three are the only free clients, longest wait first.
    assert w.ranked(elsewhere) == [first, second, third]


def test_a_declined_offer_lets_the_corporation_choose_again_and_frees_the_client(world: World):
    w = world
    dwelling_id, (first, second, third) = w.published()
    w.ok(w.select(dwelling_id, first))
    declined = w.ok(w.decline(first, "neighbourhood", None))
    assert declined["status"] == "active"
    assert w.dwelling_status(dwelling_id) == "published"
    assert w.candidates(dwelling_id) == {first: "declined", second: "published", third: "published"}
    conflict(w.decline(first), "active")
    conflict(w.accept(first), "active")

    w.ok(w.select(dwelling_id, third))
    assert w.dwelling_status(dwelling_id) == "candidate_selected"
    # The client who declined is free again, also for a new offer while this shortlist is still open.
    elsewhere = w.offer()
    assert first in w.ranked(elsewhere)


def test_rejecting_the_selected_or_accepted_candidate_reopens_the_choice(world: World):
    w = world
    dwelling_id, (first, second, third) = w.published()
    w.ok(w.select(dwelling_id, first))
    assert w.ok(w.reject(dwelling_id, first, "liveability_concern", None))["status"] == "published"
    assert w.registration_status(first) == "active"
    w.ok(w.select(dwelling_id, second))
    w.ok(w.accept(second))
    assert w.ok(w.reject(dwelling_id, second, "earlier_tenancy_problems", None))["status"] == "published"
    assert w.registration_status(second) == "active"
    assert w.candidates(dwelling_id)[third] == "published"


def test_when_the_last_candidate_falls_through_the_dwelling_is_offered_and_matched_again_at_once(world: World):
    w = world
    dwelling_id, [only] = w.published(registrations=1)
    waiting = w.register()  # registered after the shortlist was made
    w.ok(w.select(dwelling_id, only))
    w.ok(w.decline(only, "personal_circumstances", None))
    moves = [(t["detail"]["from"], t["detail"]["to"], t["detail"]["reason"]) for t in w.transitions(only)]
    assert ("offered", "active", "declined") in moves
    assert w.dwelling_status(dwelling_id) == "shortlisted"
    assert waiting in w.ranked(dwelling_id)
    assert w.registration_status(waiting) == "nominated"
    steps = [(t["detail"]["from"], t["detail"]["to"]) for t in w.transitions(dwelling_id)]
    assert steps[-2:] == [("candidate_selected", "offered"), ("offered", "shortlisted")]


def test_a_withdrawn_dwelling_releases_its_candidates(world: World):
    w = world
    published, (a, b, c) = w.published()
    w.ok(w.select(published, b))
    # While the offer is out, the client must first hear why it ends: reject with a reason, then withdraw.
    conflict(w.withdraw(published), "candidate_selected")
    w.ok(w.reject(published, b))
    withdrawn = w.ok(w.withdraw(published))
    assert withdrawn["status"] == "withdrawn"
    for reg in (a, b, c):
        assert w.registration_status(reg) == "active"
    assert w.candidates(published) == {a: "released", b: "rejected", c: "released"}
    conflict(w.accept(b), "active")
    conflict(w.select(published, a), "withdrawn")
    conflict(w.publish(published), "withdrawn")
    conflict(w.withdraw(published), "withdrawn")
    released = [e for e in w.events(w.care) if e["type"] == "candidate_released"]
    assert sorted(e["entity_id"] for e in released) == sorted([a, c])

    proposed = w.offer()
    nominated = w.ranked(proposed)
    assert len(nominated) == 3
    w.ok(w.withdraw(proposed))
    assert {w.registration_status(r) for r in nominated} == {"active"}


def test_the_database_refuses_a_second_open_nomination_of_one_client(world: World, session: Session):
    w = world
    dwelling_id, (first, second, _third) = w.published()
    other_id = w.offer()  # nobody is free: an empty proposed shortlist
    other = session.exec(select(Shortlist).where(Shortlist.dwelling_id == uuid.UUID(other_id))).one()
    # Even a path that skipped the claim cannot put the client on a second open shortlist.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(ShortlistCandidate(shortlist_id=other.id, registration_id=uuid.UUID(first), rank=1, score=1,
                                       score_breakdown={}, status="proposed"))
    assert first not in w.candidates(other_id)
    w.ok(w.select(dwelling_id, first))
    w.ok(w.accept(first))
    w.ok(w.let(dwelling_id, first))
    assert w.registration_status(first) == "housed"
    assert w.registration_status(second) == "active"


def test_a_paused_registration_is_not_matched_until_it_resumes(world: World):
    w = world
    paused = w.register()
    answer = w.ok(w.pause(paused))
    assert answer["status"] == "paused"
    conflict(w.pause(paused), "paused")
    first = w.offer()
    assert paused not in w.ranked(first)
    w.round()
    assert paused not in w.ranked(first)

    assert w.ok(w.resume(paused, client=w.coordinator))["status"] == "active"
    conflict(w.resume(paused), "active")
    w.round()
    assert paused in w.ranked(first)

    # Pausing a nominated client takes them off the shortlist; a client with an offer answers it first.
    assert w.ok(w.pause(paused, client=w.coordinator))["status"] == "paused"
    assert w.candidates(first)[paused] == "cancelled"
    w.ok(w.resume(paused))
    w.round()
    w.ok(w.publish(first))
    w.ok(w.select(first, paused))
    conflict(w.pause(paused), "offered")


def test_pausing_is_validated_and_limited_to_the_care_provider_and_the_coordinator(world: World, client_for):
    w = world
    reg = w.register()
    before = w.care.get(f"/v1/registrations/{reg}").json()
    forbidden(w.pause(reg, client=w.corporation), "care_provider", "coordinator", kind="corporation")
    forbidden(w.resume(reg, client=w.corporation), "care_provider", "coordinator", kind="corporation")
    not_found(w.pause(reg, client=client_for("care_provider")), f"no registration {reg}")
    assert w.care.get(f"/v1/registrations/{reg}").json() == before  # still active, same version
    assert w.transitions(reg) == []
    assert "until" in field_errors(w.pause(reg, days=0))
    assert "until" in field_errors(w.pause(reg, days=-3))
    conflict(w.resume(reg), "active")


def test_steps_out_of_order_answer_409_with_the_current_state(world: World):
    w = world
    empty = w.offer()  # nobody is registered yet
    assert w.dwelling_status(empty) == "offered"
    conflict(w.publish(empty), "offered")
    regs = [w.register() for _ in range(3)]
    dwelling_id = w.offer()
    first, second, third = w.ranked(dwelling_id)
    assert sorted(regs) == sorted([first, second, third])
    conflict(w.select(dwelling_id, first), "shortlisted")  # select before publish
    conflict(w.reject(dwelling_id, first), "shortlisted")
    conflict(w.accept(first), "nominated")  # accept without an offer
    conflict(w.decline(first), "nominated")
    w.ok(w.publish(dwelling_id))
    conflict(w.publish(dwelling_id), "published")  # publish twice
    conflict(w.let(dwelling_id, first), "published")  # let before any selection
    w.ok(w.select(dwelling_id, first))
    conflict(w.select(dwelling_id, second), "candidate_selected")  # one offer at a time
    conflict(w.let(dwelling_id, first), "selected")  # let before accept
    conflict(w.accept(second), "nominated")
    w.ok(w.accept(first))
    conflict(w.accept(first), "offered")  # accept twice
    problem(w.let(dwelling_id, second), 409)
    assert "contract_type" in field_errors(w.let(dwelling_id, first, contract_type="with_agreements"))
    w.ok(w.let(dwelling_id, first))
    conflict(w.let(dwelling_id, first), "let")
    conflict(w.withdraw(dwelling_id), "let")
    conflict(w.select(dwelling_id, second), "let")


def test_a_failed_step_changes_nothing_and_emits_nothing(world: World):
    w = world
    dwelling_id, (first, second, _third) = w.published()
    w.ok(w.select(dwelling_id, first))
    before = (w.events(w.corporation), w.events(w.care), w.transitions(dwelling_id))
    conflict(w.select(dwelling_id, second), "candidate_selected")
    conflict(w.accept(second), "nominated")
    assert (w.events(w.corporation), w.events(w.care), w.transitions(dwelling_id)) == before
    assert w.registration_status(second) == "nominated"


def test_other_organisations_get_404_and_other_roles_403(world: World, client_for):
    w = world
    dwelling_id, (first, second, _third) = w.published()
    other_corporation, other_care = client_for("corporation"), client_for("care_provider")

    def untouched() -> tuple[object, ...]:
        """Everything a refused step could have changed: statuses, audited steps and events of all parties."""
        return (w.candidates(dwelling_id), w.dwelling_status(dwelling_id), w.transitions(dwelling_id),
                w.transitions(first), w.events(w.corporation), w.events(w.care), w.events(other_corporation),
                w.events(other_care))

    before = untouched()
    unknown_dwelling, unknown_registration = new_id(), new_id()
    not_found(w.select(dwelling_id, first, client=other_corporation), f"no dwelling {dwelling_id}")
    not_found(w.reject(dwelling_id, first, client=other_corporation), f"no dwelling {dwelling_id}")
    not_found(w.let(dwelling_id, first, client=other_corporation), f"no dwelling {dwelling_id}")
    not_found(w.withdraw(dwelling_id, client=other_corporation), f"no dwelling {dwelling_id}")
    not_found(w.select(unknown_dwelling, first), f"no dwelling {unknown_dwelling}")
    not_found(w.select(dwelling_id, unknown_registration),
              f"registration {unknown_registration} is not a candidate on this shortlist")

    forbidden(w.publish(dwelling_id, client=w.corporation), "coordinator", kind="corporation")
    forbidden(w.publish(dwelling_id, client=w.care), "coordinator", kind="care_provider")
    forbidden(w.select(dwelling_id, first, client=w.coordinator), "corporation", kind="coordinator")
    forbidden(w.select(dwelling_id, first, client=w.care), "corporation", kind="care_provider")
    forbidden(w.reject(dwelling_id, first, client=w.care), "corporation", kind="care_provider")
    forbidden(w.reject(dwelling_id, first, client=w.coordinator), "corporation", kind="coordinator")
    assert untouched() == before
    w.ok(w.select(dwelling_id, first))
    before = untouched()
    not_found(w.accept(first, client=other_care), f"no registration {first}")
    not_found(w.decline(first, client=other_care), f"no registration {first}")
    forbidden(w.accept(first, client=w.corporation), "care_provider", kind="corporation")
    forbidden(w.accept(first, client=w.coordinator), "care_provider", kind="coordinator")
    forbidden(w.decline(first, client=w.corporation), "care_provider", kind="corporation")
    assert untouched() == before
    w.ok(w.accept(first))
    before = untouched()
    forbidden(w.let(dwelling_id, first, client=w.coordinator), "corporation", kind="coordinator")
    forbidden(w.let(dwelling_id, first, client=w.care), "corporation", kind="care_provider")
    assert untouched() == before
    assert w.registration_status(first) == "offered" and w.registration_status(second) == "nominated"
    # The other organisations heard nothing of any of it.
    assert (w.events(other_corporation), w.events(other_care)) == ([], [])


def test_reason_codes_are_listed_per_side_and_validated(world: World):
    w = world
    for client in (w.coordinator, w.corporation, w.care):
        listed = client.get("/v1/reason-codes")
        assert listed.status_code == 200
    codes = w.care.get("/v1/reason-codes").json()
    assert set(codes) == {"corporation", "client"}
    for side in ("corporation", "client"):
        assert codes[side] and "other" in {c["code"] for c in codes[side]}
        for code in codes[side]:
            assert set(code) == {"code", "nl", "en"} and code["nl"] and code["en"] and code["nl"] != code["en"]
    corporation_codes = {c["code"] for c in codes["corporation"]}
    client_codes = {c["code"] for c in codes["client"]}
    client_only = sorted(client_codes - corporation_codes)[0]
    corporation_only = sorted(corporation_codes - client_codes)[0]

    dwelling_id, (first, _second, _third) = w.published()
    assert "reason_code" in field_errors(w.reject(dwelling_id, first, "no_such_code"))
    assert "reason_code" in field_errors(w.reject(dwelling_id, first, client_only))
    problem(w.reject(dwelling_id, first, "other", None), 422)
    problem(w.reject(dwelling_id, first, "other", "   "), 422)
    problem(w.reject(dwelling_id, first, "rent_risk", "x" * 1001), 422)
    w.ok(w.select(dwelling_id, first))
    assert "reason_code" in field_errors(w.decline(first, "no_such_code"))
    assert "reason_code" in field_errors(w.decline(first, corporation_only))
    problem(w.decline(first, "other", None), 422)
    assert w.registration_status(first) == "offered"
    assert w.ok(w.decline(first, "other", "wants to stay near the family"))["status"] == "active"


def test_a_client_who_declined_is_not_proposed_again_for_the_same_dwelling(world: World):
    w = world
    only = w.register()
    dwelling_id = w.offer()
    assert w.ranked(dwelling_id) == [only]
    w.ok(w.publish(dwelling_id))
    w.ok(w.select(dwelling_id, only))
    w.ok(w.decline(only))
    # Nobody left: the dwelling is matched again at once, but not with the client who just said no to it.
    assert w.dwelling_status(dwelling_id) == "offered"
    again = w.shortlist(dwelling_id)
    assert again["candidates"] == [] and again["excluded"]["AVAILABILITY"] == 1
    assert w.registration_status(only) == "active"
    # The same client is still proposed for another dwelling.
    assert w.ranked(w.offer()) == [only]
