"""The pull feed `GET /v1/events?after=ID`: an organisation's own events, oldest first, by a cursor that neither
skips nor repeats."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.events import service as events
from service.organisations.models import Organisation
from tests.service.events.conftest import START
from tests.service.helpers import field_errors, problem

EVENTS = "/v1/events"


def _emit(session: Session, org: Organisation, type: str = "offer_made", **payload: Any) -> dict[str, Any]:
    """Emit one event and commit it; returns what the feed must show of it."""
    entity_id = uuid.uuid4()
    event = events.emit(session=session, recipient_id=org.id, type=type, entity_type="registration",
                        entity_id=entity_id, payload=payload)
    session.commit()
    return {"id": event.id, "type": type, "entity_type": "registration", "entity_id": str(entity_id), "data": payload}


def _feed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(EVENTS, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _without_time(feed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "created_at"} for e in feed]


def test_the_feed_is_oldest_first_and_pages_by_cursor_without_skips_or_repeats(client_for, session):
    mine, theirs = client_for("care_provider"), client_for("care_provider")
    expected: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for n, owner in enumerate([mine, theirs, mine, mine, theirs, mine, mine]):
        emitted = _emit(session, owner.org, "offer_made", n=n)
        (expected if owner is mine else others).append(emitted)
    assert [e["data"]["n"] for e in expected] == [0, 2, 3, 5, 6]

    everything = _feed(mine)
    assert _without_time(everything) == expected
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids) and len(set(ids)) == 5

    pages, cursor = [], 0
    for _ in range(4):  # bounded, so a cursor that repeats fails instead of looping
        page = _feed(mine, after=cursor, limit=2)
        pages.append([e["id"] for e in page])
        cursor = page[-1]["id"] if page else cursor
    assert pages == [ids[0:2], ids[2:4], ids[4:5], []]
    assert _feed(mine, after=ids[-1]) == []
    # A cursor between two of my events (one of theirs) starts right after it.
    assert [e["id"] for e in _feed(mine, after=others[0]["id"])] == ids[1:]
    assert _without_time(_feed(theirs)) == others


def test_an_event_shows_what_was_emitted_at_the_time_of_the_clock(client_for, session, frozen_clock):
    corporation = client_for("corporation")
    emitted = _emit(session, corporation.org, "shortlist_published", dwelling_id="d-1", candidates=[1, 2, 3],
                    deadline={"days": 7})
    [event] = _feed(corporation)
    assert {k: v for k, v in event.items() if k != "created_at"} == emitted
    assert event["created_at"].replace("Z", "+00:00") == START.isoformat()


def test_the_default_page_is_a_hundred_events_and_at_most_five_hundred_can_be_asked(client_for, session):
    corporation = client_for("corporation")
    ids = [_emit(session, corporation.org, "candidate_selected", n=n)["id"] for n in range(101)]
    assert [e["id"] for e in _feed(corporation)] == ids[:100]
    assert [e["id"] for e in _feed(corporation, after=ids[99])] == ids[100:]
    assert [e["id"] for e in _feed(corporation, limit=500)] == ids
    assert "query.limit" in field_errors(corporation.get(EVENTS, params={"limit": 501}))


def test_every_kind_of_organisation_reads_its_own_feed_and_nobody_elses(client_for, session):
    coordinator, corporation, care = client_for("coordinator"), client_for("corporation"), client_for("care_provider")
    to_corporation = _emit(session, corporation.org, "dwelling_let", dwelling_id="d-1")
    to_care = _emit(session, care.org, "registration_housed", client_ref="CL-1")
    assert _feed(coordinator) == []
    assert _without_time(_feed(corporation)) == [to_corporation]
    assert _without_time(_feed(care)) == [to_care]
    to_coordinator = _emit(session, coordinator.org, "shortlist_expired", dwelling_id="d-1")
    assert _without_time(_feed(coordinator)) == [to_coordinator]
    assert _without_time(_feed(corporation)) == [to_corporation]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"after": -1}, "query.after"), ({"after": "latest"}, "query.after"), ({"limit": 0}, "query.limit"),
     ({"limit": 501}, "query.limit"), ({"limit": "all"}, "query.limit")],
)
def test_a_bad_cursor_or_limit_is_422_naming_it(client_for, session, params, field):
    corporation = client_for("corporation")
    _emit(session, corporation.org)
    assert list(field_errors(corporation.get(EVENTS, params=params))) == [field]


def test_the_feed_needs_a_key(anonymous, client_for, session):
    _emit(session, client_for("corporation").org)
    response = anonymous.get(EVENTS)
    assert problem(response, 401)["title"] == "Unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    assert "data" not in response.text
