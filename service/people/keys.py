"""API keys managed by their organisation's admins (and by the installation's operator from the CLI), audited.

The keys themselves live with the organisations (`organisations/service.py`); this module adds who may manage
them and the audit records (entity type `api_key`), which the organisations package cannot write itself.
"""

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from service.audit import service as audit
from service.errors import Conflict, FieldError, InvalidFields, NotFound
from service.organisations import service as organisations_service
from service.organisations.models import ApiKey, Organisation
from service.organisations.service import IssuedKey
from service.people.schemas import KeyIssued, KeyPublic

ENTITY = "api_key"


def public(key: ApiKey) -> KeyPublic:
    """The API view of a key (never the key)."""
    return KeyPublic(id=key.id, name=key.name, prefix=key.prefix, state=organisations_service.key_state(key).value,
                     created_at=key.created_at, created_by_person_id=key.created_by_person_id,
                     expires_at=key.expires_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at,
                     rotated_from_id=key.rotated_from_id)


def issued(issued_key: IssuedKey) -> KeyIssued:
    """The API view of a new key, with the key itself (this once)."""
    return KeyIssued(**public(issued_key.key).model_dump(), api_key=issued_key.api_key)


def create_key(
    *, session: Session, organisation: Organisation, name: str, expires_at: datetime | None,
    person_id: uuid.UUID | None,
) -> IssuedKey:
    """Issue a new key for the organisation."""
    try:
        new = organisations_service.issue_key(session=session, organisation=organisation, name=name,
                                              expires_at=expires_at, created_by_person_id=person_id)
    except ValueError as exc:
        field = "expires_at" if "expires_at" in str(exc) else "name"
        raise InvalidFields([FieldError(field=field, message=str(exc), type="value_error")]) from None
    audit.record(session=session, organisation=organisation, action="create", entity_type=ENTITY,
                 entity_id=new.key.id, detail={"expires_at": expires_at.isoformat() if expires_at else None})
    return new


def get_key(*, session: Session, key_id: uuid.UUID, organisation: Organisation | None) -> ApiKey:
    """One key; with `organisation`, 404 for another organisation's key."""
    key = organisations_service.get_key(session=session, key_id=key_id, organisation=organisation)
    if key is None:
        raise NotFound(f"no API key {key_id}")
    return key


def rotate_key(
    *, session: Session, key_id: uuid.UUID, organisation: Organisation | None, grace: timedelta,
    person_id: uuid.UUID | None,
) -> IssuedKey:
    """A successor key now; the old one works until the grace period ends (409 unless it is active)."""
    key = get_key(session=session, key_id=key_id, organisation=organisation)
    try:
        new = organisations_service.rotate_key(session=session, key=key, grace=grace, created_by_person_id=person_id)
    except ValueError as exc:
        raise Conflict(str(exc), current_state=organisations_service.key_state(key).value) from None
    audit.record(session=session, organisation=new.organisation, action="rotate", entity_type=ENTITY,
                 entity_id=key.id,
                 detail={"successor_id": str(new.key.id), "grace_seconds": int(grace.total_seconds())})
    return new


def revoke_key(*, session: Session, key_id: uuid.UUID, organisation: Organisation | None) -> ApiKey:
    """Revoke a key at once; it answers 401 from the next request on."""
    key = get_key(session=session, key_id=key_id, organisation=organisation)
    organisations_service.revoke_key(session=session, key=key)
    owner = organisation or organisations_service.get_organisation(session=session,
                                                                   organisation_id=key.organisation_id)
    audit.record(session=session, organisation=owner, action="revoke", entity_type=ENTITY, entity_id=key.id)
    return key
