"""Events: written with the change, pulled by cursor, pushed to signed webhooks, and only ever to their owner."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.events.models import Delivery, Event
from service.events.service import DISABLE_AFTER_GIVEN_UP, MAX_ATTEMPTS, deliver_due
from service.tick import run_tick
from service.workflow import notify
from tests.service.helpers import audit_trail, field_errors, forbidden, not_found
from tests.service.workflow.conftest import Committing
from tests.service.workflow.flow import World, keys_in, single

SECRET_NOTE = "NOTE-SECRET relapse in March"
FORBIDDEN_KEYS = {"notes", "note", "avoid_nearby", "avoid_areas", "avoid_points", "annual_income", "birth_year"}


def _world(committing: Committing) -> World:
    return World(committing.client("coordinator"), committing.client("corporation"),
                 committing.client("care_provider"))


def _hook(client: TestClient, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
    created = client.post("/v1/webhooks", json={"url": url, "event_types": event_types or []})
    assert created.status_code == 201, created.text
    return created.json()


def _signed(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(secret.encode(), headers["doorstroom-timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(headers["doorstroom-signature"], "sha256=" + expected.hexdigest())


def _deliveries(committing: Committing) -> list[Delivery]:
    with Session(committing.engine) as session:
        return list(session.exec(select(Delivery)))


def _move_clock(monkeypatch: pytest.MonkeyPatch, by: timedelta) -> None:
    moment = clock.now() + by
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_a_failing_receiver_gets_the_same_signed_event_again_after_the_backoff(committing, receiver, monkeypatch):
    w = _world(committing)
    hook = _hook(w.corporation, receiver.url("/corporation"))
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 30
    assert [h["secret"] for h in w.corporation.get("/v1/webhooks").json()] == [None]
    receiver.answers["/corporation"] = [500]
    dwelling_id, _ = w.published()
    [event] = w.events(w.corporation)
    assert event["type"] == "shortlist_published" and event["entity_id"] == dwelling_id

    with httpx.Client(trust_env=False) as client:
        assert deliver_due(engine=committing.engine, client=client, policy=committing.policy) == 1
        # Not before the backoff.
        assert deliver_due(engine=committing.engine, client=client, policy=committing.policy) == 0
        [failed] = _deliveries(committing)
        assert (failed.attempts, failed.last_status, failed.delivered_at) == (1, 500, None)
        assert w.events(w.corporation) == [event]  # still there to pull

        _move_clock(monkeypatch, timedelta(seconds=5))
        assert deliver_due(engine=committing.engine, client=client, policy=committing.policy) == 0
        _move_clock(monkeypatch, timedelta(seconds=6))
        assert deliver_due(engine=committing.engine, client=client, policy=committing.policy) == 1
        assert deliver_due(engine=committing.engine, client=client, policy=committing.policy) == 0

    [delivered] = _deliveries(committing)
    assert (delivered.attempts, delivered.last_status, delivered.last_error) == (2, 200, None)
    assert delivered.delivered_at is not None
    (_, first_headers, first_body), (_, again_headers, again_body) = receiver.requests
    assert first_body == again_body
    assert int(again_headers["doorstroom-timestamp"]) - int(first_headers["doorstroom-timestamp"]) >= 11
    for headers, body in ((first_headers, first_body), (again_headers, again_body)):
        assert headers["content-type"] == "application/json"
        assert _signed(hook["secret"], headers, body)
        assert not _signed(hook["secret"] + "x", headers, body)
        assert headers["doorstroom-event-id"] == str(event["id"])
    pushed = json.loads(first_body)
    assert (pushed["id"], pushed["type"], pushed["entity_id"]) == (event["id"], event["type"], dwelling_id)
    assert pushed["data"] == event["data"]


def test_a_dead_receiver_never_blocks_a_step_another_receiver_or_the_pull_feed(committing, monkeypatch):
    w = _world(committing)
    _hook(w.care, "https://care.example/hooks")
    _hook(w.corporation, "https://corporation.example/hooks")
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        # The request goes to the address checked; the name is in the Host header.
        seen.append(request.headers["host"])
        if request.headers["host"] == "care.example":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(204)

    dwelling_id, (first, _second, _third) = w.published()
    w.ok(w.select(dwelling_id, first))
    w.ok(w.accept(first))
    w.ok(w.let(dwelling_id, first))
    care_events = w.events(w.care)
    assert {"offer_made", "offer_accepted", "registration_housed"} <= {e["type"] for e in care_events}

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        counts = run_tick(engine=committing.engine, client=client, policy=committing.policy)
        assert counts["deliveries_tried"] == len(_deliveries(committing))
        for _ in range(MAX_ATTEMPTS):
            _move_clock(monkeypatch, timedelta(hours=2))
            deliver_due(engine=committing.engine, client=client, policy=committing.policy)
        assert deliver_due(engine=committing.engine, client=client, policy=committing.policy) == 0

    deliveries = _deliveries(committing)
    with Session(committing.engine) as session:
        owners = {e.id: e.organisation_id for e in session.exec(select(Event))}
    for delivery in deliveries:
        if owners[delivery.event_id] == w.care.org.id:  # type: ignore[attr-defined]
            assert delivery.attempts == MAX_ATTEMPTS and delivery.gave_up_at is not None
            assert delivery.delivered_at is None and "ConnectError" in (delivery.last_error or "")
        else:
            assert delivery.attempts == 1 and delivery.delivered_at is not None
    assert seen.count("care.example") == MAX_ATTEMPTS * len(care_events)
    # Nothing is lost: the pull feed still has every event, and its cursor neither skips nor repeats.
    feed = w.events(w.care)
    assert feed[:len(care_events)] == care_events
    # Every care delivery was given up, so the endpoint was switched off, and the feed says so after them.
    assert len(care_events) >= DISABLE_AFTER_GIVEN_UP
    assert [e["type"] for e in feed[len(care_events):]] == ["webhook_disabled"]
    ids = [e["id"] for e in feed]
    assert ids == sorted(ids)
    assert [e["id"] for e in w.events(w.care, after=ids[0])] == ids[1:]
    assert w.events(w.care, after=ids[-1]) == []


def test_every_organisation_hears_only_about_its_own_objects_minimised(committing, receiver):
    coordinator = committing.client("coordinator")
    corporations = [committing.client("corporation", f"corporation {i}") for i in (1, 2)]
    cares = [committing.client("care_provider", f"care provider {i}") for i in (1, 2)]
    w = World(coordinator, corporations[0], cares[0])
    parties = {"/corporation-1": corporations[0], "/corporation-2": corporations[1], "/care-1": cares[0],
               "/care-2": cares[1]}
    secrets = {path: _hook(client, receiver.url(path))["secret"] for path, client in parties.items()}
    offers_only = _hook(cares[0], receiver.url("/care-1-offers"), ["offer_made"])
    forbidden(coordinator.post("/v1/webhooks", json={"url": receiver.url("/office")}), "care_provider", "corporation",
              kind="coordinator")
    assert "event_types" in field_errors(cares[0].post("/v1/webhooks", json={"url": receiver.url("/x"),
                                                                               "event_types": ["everything"]}))
    private = {"notes": SECRET_NOTE, "avoid_areas": ["WK036301"],
               "avoid_points": [{"lat": 52.37, "lon": 4.89, "radius_m": 500}],
               "avoid_nearby": [{"category": "gambling", "radius_m": 50}]}
    regs: dict[str, list[str]] = {}
    refs: dict[str, str] = {}
    for path, care in (("/care-1", cares[0]), ("/care-2", cares[1])):
        regs[path] = []
        for _ in range(2):
            doc = single(**private)
            created = w.register(care=care, **{k: doc[k] for k in (*private, "client_ref")})
            regs[path].append(created)
            refs[created] = doc["client_ref"]
    (one_a, one_b), (two_a, two_b) = regs["/care-1"], regs["/care-2"]

    first = w.offer(corporation=corporations[0])
    second = w.offer(corporation=corporations[1])
    assert w.ranked(first) == [one_a, one_b, two_a] and w.ranked(second) == [two_b]
    w.ok(w.publish(first))
    w.ok(w.publish(second))
    w.ok(w.select(first, one_a, client=corporations[0]))
    w.ok(w.decline(one_a, "other", SECRET_NOTE, client=cares[0]))
    w.ok(w.select(first, two_a, client=corporations[0]))
    w.ok(w.accept(two_a, client=cares[1]))
    w.ok(w.let(first, two_a, client=corporations[0]))
    w.ok(w.select(second, two_b, client=corporations[1]))
    w.ok(w.reject(second, two_b, "other", SECRET_NOTE, client=corporations[1]))
    with httpx.Client(trust_env=False) as client:
        # Every delivery is due at once: one pass tries them all (fewer than the pass's limit of 100).
        tried = deliver_due(engine=committing.engine, client=client, policy=committing.policy)
        assert tried == len(_deliveries(committing))

    own_dwellings = {"/corporation-1": {first}, "/corporation-2": {second}}
    assert coordinator.get("/v1/events").json() == []
    for path, party in parties.items():
        events = w.events(party)
        assert events, path
        text = json.dumps(events)
        assert SECRET_NOTE not in text and "NOTE-SECRET" not in text
        assert not FORBIDDEN_KEYS & set(keys_in(events)), path
        if path.startswith("/corporation"):
            assert {e["entity_type"] for e in events} == {"dwelling"}
            assert {e["entity_id"] for e in events} == own_dwellings[path]
            assert {e["data"]["dwelling_id"] for e in events} == own_dwellings[path]
            assert "client_ref" not in set(keys_in(events)) and not any(ref in text for ref in refs.values())
        else:
            assert {e["entity_type"] for e in events} == {"registration"}
            assert {e["entity_id"] for e in events} <= set(regs[path])
            assert {e["data"]["client_ref"] for e in events} <= {refs[r] for r in regs[path]}
            others = [r for p, rs in regs.items() if p != path for r in rs]
            assert not any(other in text or refs[other] in text for other in others)
        pushed = receiver.bodies(path)
        assert sorted(b["id"] for b in pushed) == sorted(e["id"] for e in events), path
        for (p, headers, body) in receiver.requests:
            if p == path:
                assert _signed(secrets[path], headers, body)
    assert {b["type"] for b in receiver.bodies("/care-1-offers")} == {"offer_made"}
    assert all(_signed(offers_only["secret"], h, b) for p, h, b in receiver.requests if p == "/care-1-offers")
    types = {path: {e["type"] for e in w.events(party)} for path, party in parties.items()}
    assert {"shortlist_published", "candidate_selected", "offer_declined", "offer_accepted", "dwelling_let"} <= \
        types["/corporation-1"]
    assert {"offer_made", "offer_declined", "candidate_released"} <= types["/care-1"]
    assert {"offer_made", "registration_housed", "candidate_rejected"} <= types["/care-2"]


def test_an_event_is_written_in_the_same_transaction_as_its_change(committing, monkeypatch):
    w = _world(committing)
    _hook(w.care, "https://care.example/hooks")
    dwelling_id, (first, _second, _third) = w.published()
    before = (w.events(w.corporation), w.events(w.care), len(_deliveries(committing)))
    original = notify.offer_made

    def emit_then_fail(**kwargs: Any) -> None:
        original(**kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(notify, "offer_made", emit_then_fail)
    failing = TestClient(committing.app, headers=dict(w.corporation.headers), raise_server_exceptions=False)
    assert w.select(dwelling_id, first, client=failing).status_code == 500
    assert (w.events(w.corporation), w.events(w.care), len(_deliveries(committing))) == before
    assert w.dwelling_status(dwelling_id) == "published" and w.registration_status(first) == "nominated"

    monkeypatch.setattr(notify, "offer_made", original)
    w.ok(w.select(dwelling_id, first))
    [offer] = [e for e in w.events(w.care) if e["type"] == "offer_made"]
    assert offer["entity_id"] == first and offer["data"]["dwelling"]["dwelling_id"] == dwelling_id
    assert datetime.fromisoformat(offer["data"]["answer_by"]) > datetime.now(UTC) + timedelta(days=6)
    assert len(_deliveries(committing)) == before[2] + 1


def test_a_deactivated_webhook_gets_nothing_more_but_the_events_stay(committing):
    w = _world(committing)
    hook = _hook(w.corporation, "https://corporation.example/hooks")
    not_found(w.care.delete(f"/v1/webhooks/{hook['id']}"), f"no webhook endpoint {hook['id']}")
    assert [(h["id"], h["active"]) for h in w.corporation.get("/v1/webhooks").json()] == [(hook["id"], True)]
    stopped = w.corporation.delete(f"/v1/webhooks/{hook['id']}")
    assert stopped.status_code == 200 and stopped.json()["active"] is False and stopped.json()["secret"] is None
    w.published()
    assert _deliveries(committing) == []
    assert [e["type"] for e in w.events(w.corporation)] == ["shortlist_published"]


def test_reading_the_feed_is_an_audited_read_of_every_registration_its_events_name(world: World):
    w = world
    dwelling_id, (first, second, third) = w.published()
    w.ok(w.select(dwelling_id, first))
    before = {r: audit_trail(w.coordinator, r) for r in (first, second, third)}
    corporation, care = str(w.corporation.org.id), str(w.care.org.id)

    published = [e for e in w.events(w.corporation) if e["type"] == "shortlist_published"]
    assert {c["registration_id"] for c in published[0]["data"]["candidates"]} == {first, second, third}
    for shown in (first, second, third):
        assert audit_trail(w.coordinator, shown)[len(before[shown]):] == [("read", corporation)]

    assert first in {e["entity_id"] for e in w.events(w.care) if e["type"] == "offer_made"}
    assert audit_trail(w.coordinator, first)[len(before[first]) + 1:] == [("read", care)]
    assert w.events(w.care, after=10**9) == []  # an empty page discloses nothing and records nothing
    assert audit_trail(w.coordinator, second)[len(before[second]):] == [("read", corporation)]
