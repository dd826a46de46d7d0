"""Webhook subscriptions over HTTP: registered by care providers and corporations, secret shown once, validated
field by field, and only ever seen, changed or fed by their own organisation."""

import uuid
from typing import Any

import pytest
from sqlmodel import Session, select

from service.events import service as events
from service.events.models import Delivery
from tests.service.helpers import field_errors, problem

WEBHOOKS = "/v1/webhooks"
URL = "https://hooks.example.nl/doorstroom"


def _listed(client) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = client.get(WEBHOOKS)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_registering_shows_the_secret_once(client_for, kind):
    client = client_for(kind)
    created = client.post(WEBHOOKS, json={"url": URL, "event_types": ["offer_made"]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "url", "event_types", "active", "created_at", "secret", "disabled_at", "disabled_reason"}
    assert (body["disabled_at"], body["disabled_reason"]) == (None, None)
    assert (body["url"], body["event_types"], body["active"]) == (URL, ["offer_made"], True)
    # "whsec_" and 32 random bytes in URL-safe base64 (43 characters).
    assert body["secret"].startswith("whsec_") and len(body["secret"]) == 6 + 43
    assert _listed(client) == [{**body, "secret": None}]
    again = client.post(WEBHOOKS, json={"url": URL}).json()
    assert again["secret"] != body["secret"] and again["event_types"] == []
    assert {h["id"] for h in _listed(client)} == {body["id"], again["id"]}
    assert [h["secret"] for h in _listed(client)] == [None, None]


@pytest.mark.parametrize(
    ("document", "field"),
    [({"event_types": []}, "url"),
     ({"url": "ftp://hooks.example.nl/doorstroom"}, "url"),
     ({"url": "hooks.example.nl/doorstroom"}, "url"),
     ({"url": "http://"}, "url"),
     ({"url": "https://hooks.example.nl/" + "a" * 500}, "url"),
     ({"url": 42}, "url"),
     ({"url": URL, "event_types": "offer_made"}, "event_types"),
     ({"url": URL, "event_types": ["offer_made"] * 21}, "event_types"),
     ({"url": URL, "secret": "whsec_mine"}, "secret")],
)
def test_a_bad_subscription_is_422_naming_the_field_and_registers_nothing(client_for, document, field):
    corporation = client_for("corporation")
    assert list(field_errors(corporation.post(WEBHOOKS, json=document))) == [field]
    assert _listed(corporation) == []


def test_an_unknown_event_type_is_named_with_the_known_ones(client_for):
    care = client_for("care_provider")
    body = problem(care.post(WEBHOOKS, json={"url": URL, "event_types": ["offer_made", "everything"]}), 422)
    [error] = body["errors"]
    assert (error["field"], error["type"]) == ("event_types", "unknown_event")
    assert "['everything']" in error["message"] and "offer_made" in error["message"]
    assert _listed(care) == []


def test_a_body_that_is_not_json_is_400(client_for):
    corporation = client_for("corporation")
    response = corporation.post(WEBHOOKS, content=b'{"url": ', headers={"Content-Type": "application/json"})
    assert problem(response, 400)["detail"] == "the body is not valid JSON"
    assert _listed(corporation) == []


def test_a_coordinator_has_no_webhooks(client_for):
    coordinator = client_for("coordinator")
    detail = "this operation is for care_provider, corporation; this key is a coordinator"
    for response in (coordinator.post(WEBHOOKS, json={"url": URL}), coordinator.get(WEBHOOKS),
                     coordinator.delete(f"{WEBHOOKS}/{uuid.uuid4()}")):
        assert problem(response, 403)["detail"] == detail


def test_without_a_key_is_401_and_nothing_is_registered(anonymous, client_for):
    response = anonymous.post(WEBHOOKS, json={"url": URL})
    problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert _listed(client_for("corporation")) == []


def test_another_organisation_neither_sees_nor_stops_an_endpoint(client_for):
    owner, other = client_for("corporation"), client_for("corporation")
    endpoint = owner.post(WEBHOOKS, json={"url": URL}).json()
    assert _listed(other) == []

    foreign = problem(other.delete(f"{WEBHOOKS}/{endpoint['id']}"), 404)
    assert foreign["detail"] == f"no webhook endpoint {endpoint['id']}"
    missing_id = str(uuid.uuid4())
    missing = problem(other.delete(f"{WEBHOOKS}/{missing_id}"), 404)
    # A foreign id answers exactly like one that does not exist, so ids do not leak.
    assert (foreign["title"], foreign["detail"].replace(endpoint["id"], missing_id)) == \
        (missing["title"], missing["detail"])
    problem(client_for("care_provider").delete(f"{WEBHOOKS}/{endpoint['id']}"), 404)
    assert _listed(owner) == [{**endpoint, "secret": None}]  # still active


def test_an_endpoint_id_that_is_no_uuid_is_422(client_for):
    assert list(field_errors(client_for("corporation").delete(f"{WEBHOOKS}/42"))) == ["path.endpoint_id"]


def test_stopping_an_endpoint_keeps_it_listed_as_inactive_and_leaves_the_others(client_for):
    care = client_for("care_provider")
    stopped = care.post(WEBHOOKS, json={"url": URL}).json()
    kept = care.post(WEBHOOKS, json={"url": URL + "/2"}).json()
    answer = care.delete(f"{WEBHOOKS}/{stopped['id']}")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {**stopped, "active": False, "secret": None}
    by_id = {h["id"]: h for h in _listed(care)}
    assert by_id == {stopped["id"]: {**stopped, "active": False, "secret": None},
                     kept["id"]: {**kept, "secret": None}}


def test_an_event_gets_deliveries_only_to_its_own_organisations_endpoints(client_for, session: Session):
    owner, other = client_for("care_provider"), client_for("care_provider")
    mine = owner.post(WEBHOOKS, json={"url": URL}).json()
    owner.post(WEBHOOKS, json={"url": URL + "/expiries", "event_types": ["offer_expired"]})
    other.post(WEBHOOKS, json={"url": URL + "/other"})

    event = events.emit(session=session, recipient_id=owner.org.id, type="offer_made", entity_type="registration",
                        entity_id=uuid.uuid4(), payload={})
    session.commit()

    deliveries = session.exec(select(Delivery).where(Delivery.event_id == event.id)).all()
    assert [(d.endpoint_id, d.attempts, d.delivered_at) for d in deliveries] == [(uuid.UUID(mine["id"]), 0, None)]
    assert other.get("/v1/events").json() == []
