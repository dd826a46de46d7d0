"""Drafts of the registration form: what a care provider has typed with the client so far, kept until submitted.

A draft is not a registration: it is never matched and is on no list. It holds what was typed, unvalidated (the
form's field names and texts), so nothing is lost between sittings; submitting it validates the form as the API
does, registers the client through the same service, and deletes the draft in the same transaction. Every read of
a draft is audited like a registration's, and only its own care provider sees it.
"""

import uuid

from sqlmodel import Session, col, select

from service.audit import service as audit
from service.concurrency import check_version
from service.errors import NotFound
from service.organisations.models import Organisation
from service.registrations.models import RegistrationDraft
from service.sqltypes import utcnow

ENTITY = "registration_draft"
# Far above the form's own fields (lists of at most 50 entries): a bound on what one draft may hold.
MAX_VALUES = 1000
MAX_VALUE_LENGTH = 2000


def _bounded(values: dict[str, str]) -> dict[str, str]:
    return {k[:100]: v[:MAX_VALUE_LENGTH] for k, v in list(values.items())[:MAX_VALUES]}


def save_draft(*, session: Session, org: Organisation, draft_id: uuid.UUID | None, values: dict[str, str],
               label: str | None, expected_version: int | None) -> RegistrationDraft:
    """Keep what was typed: a new draft, or the draft `draft_id` at `expected_version` (412 when it changed)."""
    if draft_id is None:
        draft = RegistrationDraft(care_provider_id=org.id, values=_bounded(values), label=(label or None))
        session.add(draft)
        session.flush()
        audit.record(session=session, organisation=org, action="draft_create", entity_type=ENTITY, entity_id=draft.id)
        return draft
    draft = _load(session=session, org=org, draft_id=draft_id, for_update=True)
    check_version(current=draft.version, expected=expected_version)
    draft.values = _bounded(values)
    draft.label = (label or None)
    draft.version += 1
    draft.updated_at = utcnow()
    session.add(draft)
    session.flush()
    # Field names are not recorded either: which needs a client has is itself special-category data.
    audit.record(session=session, organisation=org, action="draft_update", entity_type=ENTITY, entity_id=draft.id)
    return draft


def _load(*, session: Session, org: Organisation, draft_id: uuid.UUID, for_update: bool) -> RegistrationDraft:
    query = select(RegistrationDraft).where(RegistrationDraft.id == draft_id)
    if for_update:
        query = query.with_for_update()
    draft = session.exec(query).first()
    if draft is None or draft.care_provider_id != org.id:
        raise NotFound(f"no draft {draft_id}")
    return draft


def read_draft(*, session: Session, org: Organisation, draft_id: uuid.UUID) -> RegistrationDraft:
    """One of the provider's drafts; the read is audited."""
    draft = _load(session=session, org=org, draft_id=draft_id, for_update=False)
    audit.record_reads(session=session, organisation=org, entity_type=ENTITY, entity_ids=[draft.id])
    return draft


def list_drafts(*, session: Session, org: Organisation) -> list[RegistrationDraft]:
    """The provider's drafts, most recently changed first (only their labels and dates are shown in a list)."""
    return list(session.exec(select(RegistrationDraft).where(RegistrationDraft.care_provider_id == org.id)
                             .order_by(col(RegistrationDraft.updated_at).desc(), col(RegistrationDraft.id))))


def discard_draft(*, session: Session, org: Organisation, draft_id: uuid.UUID, reason: str) -> None:
    """Delete a draft (submitted, or thrown away); `reason` is `submitted` or `discarded`."""
    draft = _load(session=session, org=org, draft_id=draft_id, for_update=True)
    session.delete(draft)
    session.flush()
    audit.record(session=session, organisation=org, action="draft_delete", entity_type=ENTITY, entity_id=draft_id,
                 detail={"reason": reason})
