"""Emitting events into the outbox, reading them back by cursor, and delivering them to webhooks."""

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service import clock
from service.audit import service as audit
from service.errors import NotFound
from service.events.models import Delivery, Event, WebhookEndpoint
from service.organisations.models import Organisation

log = logging.getLogger("doorstroom.webhooks")
EVENT_TYPES = (
    "shortlist_published", "shortlist_expired", "candidate_selected", "candidate_rejected", "candidate_released",
    "offer_made", "offer_accepted", "offer_declined", "offer_expired", "dwelling_let", "registration_housed",
    "registration_paused", "registration_resumed", "nomination_cancelled",
)
MAX_ATTEMPTS = 10
# A claimed delivery is not picked up by another worker for this long (the HTTP call has a shorter timeout).
CLAIM_SECONDS = 60
TIMEOUT_SECONDS = 5.0


def emit(*, session: Session, recipient_id: uuid.UUID, type: str, entity_type: str, entity_id: uuid.UUID,
         payload: dict[str, Any]) -> Event:
    """Write one event for one organisation, and a pending delivery for each of its subscribed endpoints."""
    assert type in EVENT_TYPES, type
    event = Event(organisation_id=recipient_id, type=type, entity_type=entity_type, entity_id=entity_id,
                  payload=payload, created_at=clock.now())
    session.add(event)
    session.flush()
    endpoints = session.exec(select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == recipient_id,
                                                           col(WebhookEndpoint.active).is_(True)))
    for endpoint in endpoints:
        if not endpoint.event_types or type in endpoint.event_types:
            assert event.id is not None
            session.add(Delivery(event_id=event.id, endpoint_id=endpoint.id, next_attempt_at=clock.now()))
    return event


def events_after(*, session: Session, org: Organisation, after: int, limit: int) -> list[Event]:
    """The organisation's own events after a cursor, oldest first; each registration they name is an audited read."""
    events = list(session.exec(select(Event).where(Event.organisation_id == org.id, col(Event.id) > after)
                               .order_by(col(Event.id)).limit(limit)))
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=registrations_named(events))
    return events


def registrations_named(events: list[Event]) -> list[uuid.UUID]:
    """The registrations events disclose: their subject, the candidate a step was about, a shortlist's candidates."""
    named: dict[uuid.UUID, None] = {}
    for event in events:
        if event.entity_type == "registration":
            named[event.entity_id] = None
        ids = [event.payload.get("registration_id")]
        candidates = event.payload.get("candidates")
        if isinstance(candidates, list):
            ids += [c.get("registration_id") for c in candidates if isinstance(c, dict)]
        named.update((u, None) for u in map(_as_uuid, ids) if u is not None)
    return list(named)


def _as_uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def register_endpoint(*, session: Session, org: Organisation, url: str, event_types: list[str]) -> WebhookEndpoint:
    """Register a webhook endpoint with a new signing secret."""
    endpoint = WebhookEndpoint(organisation_id=org.id, url=url, secret="whsec_" + secrets.token_urlsafe(32),
                               event_types=event_types)
    session.add(endpoint)
    session.flush()
    return endpoint


def list_endpoints(*, session: Session, org: Organisation) -> list[WebhookEndpoint]:
    """The organisation's endpoints."""
    return list(session.exec(select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == org.id)
                             .order_by(col(WebhookEndpoint.created_at))))


def deactivate_endpoint(*, session: Session, org: Organisation, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Stop deliveries to an endpoint: pending ones are not tried again (events stay pullable)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organisation_id != org.id:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    endpoint.active = False
    session.add(endpoint)
    return endpoint


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The `Doorstroom-Signature` header: HMAC-SHA256 over `timestamp.body`, hex encoded."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 10 s, 20 s, 40 s ... at most an hour."""
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class _Job:
    delivery_id: uuid.UUID
    url: str
    secret: str
    event_id: int
    body: bytes


def deliver_due(*, engine: Engine, client: httpx.Client, limit: int = 100) -> int:
    """Deliver what is due; a failing receiver is retried later and never holds up the service. Returns tries."""
    with Session(engine, expire_on_commit=False) as session:
        jobs = _claim(session=session, limit=limit)
        session.commit()
    for job in jobs:
        status, error = _post(client=client, job=job)
        with Session(engine) as session:
            _record(session=session, delivery_id=job.delivery_id, status=status, error=error)
            session.commit()
    return len(jobs)


def _claim(*, session: Session, limit: int) -> list[_Job]:
    moment = clock.now()
    due = session.exec(
        select(Delivery, WebhookEndpoint, Event)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(Delivery.endpoint_id))
        .join(Event, col(Event.id) == col(Delivery.event_id))
        .where(col(Delivery.delivered_at).is_(None), col(Delivery.gave_up_at).is_(None),
               col(Delivery.next_attempt_at) <= moment, col(WebhookEndpoint.active).is_(True))
        .order_by(col(Delivery.next_attempt_at)).limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    ).all()
    jobs = []
    for delivery, endpoint, event in due:
        delivery.next_attempt_at = moment + timedelta(seconds=CLAIM_SECONDS)
        session.add(delivery)
        body = json.dumps({"id": event.id, "type": event.type, "created_at": event.created_at.isoformat(),
                           "entity_type": event.entity_type, "entity_id": str(event.entity_id),
                           "data": event.payload}, separators=(",", ":")).encode()
        jobs.append(_Job(delivery_id=delivery.id, url=endpoint.url, secret=endpoint.secret, event_id=event.id or 0,
                         body=body))
    return jobs


def _post(*, client: httpx.Client, job: _Job) -> tuple[int | None, str | None]:
    timestamp = str(int(clock.now().timestamp()))
    headers = {"Content-Type": "application/json", "Doorstroom-Event-Id": str(job.event_id),
               "Doorstroom-Timestamp": timestamp,
               "Doorstroom-Signature": signature(secret=job.secret, timestamp=timestamp, body=job.body)}
    try:
        response = client.post(job.url, content=job.body, headers=headers, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


def _record(*, session: Session, delivery_id: uuid.UUID, status: int | None, error: str | None) -> None:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    moment: datetime = clock.now()
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    if error is None:
        delivery.delivered_at = moment
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.gave_up_at = moment
        log.warning("webhook delivery given up", extra={"delivery_id": str(delivery.id), "error": error})
    else:
        delivery.next_attempt_at = moment + backoff(delivery.attempts)
    session.add(delivery)
