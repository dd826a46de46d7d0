"""Webhook endpoints and the pull feed of events; an organisation only ever sees its own events."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from service.auth import CareProviderOrCorporation, CurrentOrg
from service.config import Settings, get_settings
from service.db import SessionDep
from service.errors import FieldError, InvalidFields, problem_responses
from service.events import service
from service.events.schemas import EventPublic, WebhookCreate, WebhookPublic
from service.events.urls import UnsafeUrl, WebhookPolicy

router = APIRouter(tags=["events"])


@router.post("/v1/webhooks", status_code=status.HTTP_201_CREATED, response_model=WebhookPublic,
             responses=problem_responses(400, 401, 403, 422))
def register_webhook(data: WebhookCreate, org: CareProviderOrCorporation, session: SessionDep,
                     request: Request) -> WebhookPublic:
    """Register a URL for your events; the answer shows the signing secret, once."""
    settings: Settings = getattr(request.app.state, "settings", None) or get_settings()
    unknown = [t for t in data.event_types if t not in service.EVENT_TYPES]
    if unknown:
        raise InvalidFields([FieldError(field="event_types", type="unknown_event",
                                        message=f"unknown event types {unknown}; known: {list(service.EVENT_TYPES)}")])
    try:
        endpoint = service.register_endpoint(session=session, org=org, url=data.url, event_types=data.event_types,
                                             policy=WebhookPolicy.from_settings(settings))
    except UnsafeUrl as exc:
        raise InvalidFields([FieldError(field="url", type="unsafe_url", message=f"the URL {exc}")]) from None
    return WebhookPublic.model_validate(endpoint, from_attributes=True)


@router.get("/v1/webhooks", response_model=list[WebhookPublic], responses=problem_responses(401, 403))
def list_webhooks(org: CareProviderOrCorporation, session: SessionDep) -> list[WebhookPublic]:
    """List your webhook endpoints (without their secrets)."""
    return [WebhookPublic.model_validate(e, from_attributes=True).model_copy(update={"secret": None})
            for e in service.list_endpoints(session=session, org=org)]


@router.delete("/v1/webhooks/{endpoint_id}", response_model=WebhookPublic, responses=problem_responses(401, 403, 404))
def deactivate_webhook(endpoint_id: uuid.UUID, org: CareProviderOrCorporation, session: SessionDep) -> WebhookPublic:
    """Stop deliveries to an endpoint; the events stay available from GET /v1/events."""
    endpoint = service.deactivate_endpoint(session=session, org=org, endpoint_id=endpoint_id)
    return WebhookPublic.model_validate(endpoint, from_attributes=True).model_copy(update={"secret": None})


@router.get("/v1/events", response_model=list[EventPublic], responses=problem_responses(401, 422))
def list_events(
    org: CurrentOrg,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1,
                                       description="the id of the last event you have; 0 for the start")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EventPublic]:
    """Your events after a cursor, oldest first (the pull alternative to webhooks)."""
    return [EventPublic(id=e.id or 0, type=e.type, entity_type=e.entity_type, entity_id=e.entity_id,
                        created_at=e.created_at, data=e.payload)
            for e in service.events_after(session=session, org=org, after=after, limit=limit)]
