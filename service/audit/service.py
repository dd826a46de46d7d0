"""Writing and reading the audit log; records are written in the same transaction as what they record."""

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from service.audit.models import AuditRecord
from service.organisations.models import Organisation
from service.request_context import current_principal, current_request_id


def record(
    *,
    session: Session,
    organisation: Organisation | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    detail: dict[str, Any] | None = None,
    person_id: uuid.UUID | None = None,
) -> None:
    """Write one audit record for an act on an entity.

    Who acted comes from the request's principal (the signed-in person or the API key); `person_id` names the
    person where there is no principal yet (a sign-in step). Without either (the operator's CLI, the periodic
    tick) the record names only the organisation.
    """
    principal = current_principal()
    session.add(
        AuditRecord(
            organisation_id=organisation.id if organisation else None,
            person_id=person_id if person_id is not None else (principal.person_id if principal else None),
            api_key_id=principal.api_key_id if principal else None,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            request_id=current_request_id(),
            detail=detail or {},
        )
    )


def name_id(kind: str, name: str) -> uuid.UUID:
    """A stable audit entity id for things known by name (a region code, a place source)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"doorstroom:{kind}:{name}")


def record_reads(
    *, session: Session, organisation: Organisation, entity_type: str, entity_ids: list[uuid.UUID]
) -> None:
    """Write one `read` record per entity shown, so every disclosure of a registration can be traced."""
    for entity_id in entity_ids:
        record(session=session, organisation=organisation, action="read", entity_type=entity_type, entity_id=entity_id)


def list_records(
    *,
    within: ColumnElement[bool] | None = None,
    session: Session,
    entity_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None,
    action: str | None,
    limit: int,
    offset: int,
    person_id: uuid.UUID | None = None,
    api_key_id: uuid.UUID | None = None,
    actions: Collection[str] | None = None,
) -> tuple[list[AuditRecord], int]:
    """Audit records, newest first, optionally for one entity, organisation, person, API key or action (or any of
    `actions`)."""
    query = select(AuditRecord)
    if actions is not None:
        query = query.where(col(AuditRecord.action).in_(sorted(actions)))
    if within is not None:
        query = query.where(within)
    if entity_id is not None:
        query = query.where(AuditRecord.entity_id == entity_id)
    if organisation_id is not None:
        query = query.where(AuditRecord.organisation_id == organisation_id)
    if person_id is not None:
        query = query.where(AuditRecord.person_id == person_id)
    if api_key_id is not None:
        query = query.where(AuditRecord.api_key_id == api_key_id)
    if action is not None:
        query = query.where(AuditRecord.action == action)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(AuditRecord.at).desc(), col(AuditRecord.id)).limit(limit).offset(offset)
    ).all()
    return list(rows), total
