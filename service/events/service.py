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
from sqlmodel import Session, col, func, select

from service import clock
from service.audit import service as audit
from service.config import get_settings
from service.errors import NotFound
from service.events import urls
from service.events.models import Delivery, Event, WebhookEndpoint
from service.events.urls import WebhookPolicy
from service.organisations.models import Organisation

log = logging.getLogger("doorstroom.webhooks")
EVENT_TYPES = (
    "shortlist_published", "shortlist_expired", "candidate_selected", "candidate_rejected", "candidate_released",
    "offer_made", "offer_accepted", "offer_declined", "offer_expired", "dwelling_let", "registration_housed",
    "registration_paused", "registration_resumed", "nomination_cancelled", "webhook_disabled",
)
MAX_ATTEMPTS = 10
# An endpoint is switched off when this many of its deliveries in a row were given up (each after MAX_ATTEMPTS
# tries over about 85 minutes) with none delivered in between; a single success resets the count.
DISABLE_AFTER_GIVEN_UP = 5
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


def recent_events(*, session: Session, org: Organisation, limit: int, offset: int) -> tuple[list[Event], int]:
    """The organisation's own events newest first, one page, and how many there are (the web's Meldingen); each
    registration the page names is an audited read, as in `events_after`."""
    total = session.exec(select(func.count()).select_from(Event).where(Event.organisation_id == org.id)).one()
    events = list(session.exec(select(Event).where(Event.organisation_id == org.id)
                               .order_by(col(Event.id).desc()).limit(limit).offset(offset)))
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=registrations_named(events))
    return events, total


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


def register_endpoint(*, session: Session, org: Organisation, url: str, event_types: list[str],
                      policy: WebhookPolicy) -> WebhookEndpoint:
    """Register a webhook endpoint with a new signing secret; raises UnsafeUrl for a URL that may not be called."""
    urls.check(url, policy)
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
    event: dict[str, Any]


def delivery_client() -> httpx.Client:
    """The HTTP client of the delivery worker: no redirects, and no proxies from the environment, so the request
    goes to the address that was checked."""
    return httpx.Client(follow_redirects=False, trust_env=False, timeout=TIMEOUT_SECONDS)


def deliver_due(*, engine: Engine, client: httpx.Client, limit: int = 100, policy: WebhookPolicy | None = None) -> int:
    """Deliver what is due; a failing receiver is retried later and never holds up the service. Returns tries.

    Whatever goes wrong with one delivery (a refused URL, any exception of the HTTP client) is recorded on that
    delivery as a failed try; the others go on. `policy` defaults to the one of the process's settings."""
    policy = policy or WebhookPolicy.from_settings(get_settings())
    with Session(engine, expire_on_commit=False) as session:
        jobs = _claim(session=session, limit=limit)
        session.commit()
    for job in jobs:
        status, error = _post(client=client, job=job, policy=policy)
        try:
            with Session(engine) as session:
                _record(session=session, delivery_id=job.delivery_id, status=status, error=error)
                session.commit()
        except Exception:
            # The claim runs out after CLAIM_SECONDS and the delivery is tried again; the others go on now.
            log.exception("recording a webhook delivery failed", extra={"delivery_id": str(job.delivery_id)})
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
        document = {"id": event.id, "type": event.type, "created_at": event.created_at.isoformat(),
                    "entity_type": event.entity_type, "entity_id": str(event.entity_id), "data": event.payload}
        jobs.append(_Job(delivery_id=delivery.id, url=endpoint.url, secret=endpoint.secret, event=document))
    return jobs


def _post(*, client: httpx.Client, job: _Job, policy: WebhookPolicy) -> tuple[int | None, str | None]:
    """Send one delivery; never raises: any failure comes back as the error to record."""
    try:
        # Checked again at every try: the host is resolved now and the request goes to the address checked, so a
        # DNS answer that changed since registration (or since the check, rebinding) cannot aim it inward.
        target = urls.check(job.url, policy)
        url, host_header, extensions = urls.pin(target)
        body = json.dumps(job.event, separators=(",", ":")).encode()
        timestamp = str(int(clock.now().timestamp()))
        headers = {"Content-Type": "application/json", "Doorstroom-Event-Id": str(job.event["id"]),
                   "Doorstroom-Timestamp": timestamp,
                   "Doorstroom-Signature": signature(secret=job.secret, timestamp=timestamp, body=body), **host_header}
        response = client.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False,
                               extensions=extensions)
    except urls.UnsafeUrl as exc:
        return None, _printable(f"refused: the URL {exc}")
    except Exception as exc:  # any failure of this delivery is this delivery's, never the worker's
        return None, _printable(f"{type(exc).__name__}: {exc}")
    # Only 2xx is delivered: a redirect (3xx) is not followed and counts as a failed try.
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


def _printable(text: str) -> str:
    """An error message fit to store on any database: ASCII, no control characters, at most 300 characters."""
    ascii_text = text.encode("ascii", "backslashreplace").decode("ascii")
    return "".join(c if c.isprintable() else "?" for c in ascii_text)[:300]


def _record(*, session: Session, delivery_id: uuid.UUID, status: int | None, error: str | None) -> None:
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    moment: datetime = clock.now()
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    assert endpoint is not None
    if error is None:
        delivery.delivered_at = moment
        if endpoint.given_up_in_a_row:
            endpoint.given_up_in_a_row = 0
            session.add(endpoint)
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.gave_up_at = moment
        log.warning("webhook delivery given up", extra={"delivery_id": str(delivery.id), "error": error})
        endpoint.given_up_in_a_row += 1
        session.add(endpoint)
        if endpoint.active and endpoint.given_up_in_a_row >= DISABLE_AFTER_GIVEN_UP:
            _switch_off(session=session, endpoint=endpoint, moment=moment, error=error)
    else:
        delivery.next_attempt_at = moment + backoff(delivery.attempts)
    session.add(delivery)


def _switch_off(*, session: Session, endpoint: WebhookEndpoint, moment: datetime, error: str) -> None:
    """Switch off an endpoint that keeps failing and tell its organisation (by its other endpoints and the feed)."""
    endpoint.active = False
    endpoint.disabled_at = moment
    endpoint.disabled_reason = (f"switched off after {endpoint.given_up_in_a_row} deliveries in a row were given up;"
                                f" the last error: {error}")[:300]
    session.add(endpoint)
    session.flush()
    log.warning("webhook endpoint switched off", extra={"endpoint_id": str(endpoint.id)})
    emit(session=session, recipient_id=endpoint.organisation_id, type="webhook_disabled",
         entity_type="webhook_endpoint", entity_id=endpoint.id,
         payload={"endpoint_id": str(endpoint.id), "url": endpoint.url, "disabled_at": moment.isoformat(),
                  "reason": endpoint.disabled_reason, "given_up_in_a_row": endpoint.given_up_in_a_row})
