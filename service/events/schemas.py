"""Documents of webhook subscriptions and the event feed."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from service.fields import StrictInput


class WebhookCreate(StrictInput):
    """A URL to receive events, optionally only some types (all when empty).

    The URL is https (http only in local development), without credentials, and its host must resolve to public
    addresses only, unless the operator's DOORSTROOM_WEBHOOK_ALLOWED_HOSTS lets it through."""

    url: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^https?://")]
    event_types: Annotated[list[str], Field(max_length=20)] = []


class WebhookPublic(BaseModel):
    """A registered endpoint; `secret` is only shown when it is created."""

    id: uuid.UUID
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    secret: str | None = None
    # Set when the service switched the endpoint off because it kept failing (not when you stopped it).
    disabled_at: datetime | None = None
    disabled_reason: str | None = None


class EventPublic(BaseModel):
    """One event for the calling organisation; `id` is the cursor for `?after=`."""

    id: int
    type: str
    entity_type: str
    entity_id: uuid.UUID
    created_at: datetime
    data: dict[str, Any]
