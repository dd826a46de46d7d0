"""The outbox: events per receiving organisation, webhook endpoints, and their delivery attempts."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Identity, Integer, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.crypto import EncryptedText
from service.sqltypes import JSONVariant, UTCDateTime, utcnow


class Event(SQLModel, table=True):
    """One event for one organisation, written in the same transaction as the change it reports.

    The id is a growing sequence, so `GET /v1/events?after=ID` is a cursor that never skips or repeats.
    """

    __tablename__ = "event"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), Identity(), primary_key=True),
    )
    organisation_id: uuid.UUID = Field(sa_column=Column(ForeignKey("organisation.id"), nullable=False, index=True))
    type: str = Field(sa_column=Column(String(40), nullable=False))
    entity_type: str = Field(sa_column=Column(String(30), nullable=False))
    entity_id: uuid.UUID = Field(nullable=False, index=True)
    payload: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WebhookEndpoint(SQLModel, table=True):
    """Where an organisation wants its events pushed; the secret signs every delivery (HMAC-SHA256)."""

    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(sa_column=Column(ForeignKey("organisation.id"), nullable=False, index=True))
    url: str = Field(sa_column=Column(String(500), nullable=False))
    # Needed in the clear to sign deliveries, so encrypted at rest (service/crypto.py), not hashed; it is shown to
    # the partner once, at registration.
    secret: str = Field(sa_column=Column(EncryptedText, nullable=False))
    event_types: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    active: bool = Field(default=True, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Deliveries given up one after the other with none delivered in between; at DISABLE_AFTER_GIVEN_UP the
    # endpoint is switched off (`disabled_at`, `disabled_reason`) and its organisation gets a webhook_disabled event.
    given_up_in_a_row: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str | None = Field(default=None, sa_column=Column(String(300)))


class Delivery(SQLModel, table=True):
    """One event to one endpoint: retried with backoff until delivered or given up (the event stays pullable)."""

    __tablename__ = "delivery"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), ForeignKey("event.id"),
                                           nullable=False, index=True))
    endpoint_id: uuid.UUID = Field(sa_column=Column(ForeignKey("webhook_endpoint.id"), nullable=False, index=True))
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    gave_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(String(300)))
