"""Timelines of a dwelling and of a registration, from the audit log, filtered to what the caller may see."""

import uuid

from sqlmodel import Session, col, select

from service.audit import service as audit
from service.audit.models import AuditRecord
from service.dwellings import service as dwellings_service
from service.organisations.models import Organisation, OrganisationKind
from service.registrations import service as registrations_service
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate
from service.workflow.schemas import TimelineEntry

# What a corporation sees of the candidates on its dwellings: only from publication on.
CORPORATION_CANDIDATE_STEPS = {CandidateStatus.published, CandidateStatus.selected, CandidateStatus.accepted,
                               CandidateStatus.let, CandidateStatus.rejected, CandidateStatus.declined,
                               CandidateStatus.expired, CandidateStatus.released, CandidateStatus.cancelled}


# Disclosures of a registration, not steps in its life: reads of it, of its timeline, and exports of everything
# held about the client (service.privacy.access).
READ_ACTIONS = ("read", "read_timeline", "access_export")


def _entries(session: Session, entity_ids: list[uuid.UUID]) -> list[AuditRecord]:
    if not entity_ids:
        return []
    # Reads (of the registration, or of this very timeline) are not steps in its life.
    return list(session.exec(select(AuditRecord).where(col(AuditRecord.entity_id).in_(entity_ids),
                                                       col(AuditRecord.action).not_in(READ_ACTIONS))
                             .order_by(col(AuditRecord.at), col(AuditRecord.id))))


def _entry(record: AuditRecord, *, hide_organisation: bool = False) -> TimelineEntry:
    organisation_id = None if hide_organisation else record.organisation_id
    return TimelineEntry(at=record.at, action=record.action, entity_type=record.entity_type,
                         entity_id=record.entity_id, organisation_id=organisation_id, detail=record.detail)


def dwelling_timeline(*, session: Session, org: Organisation, dwelling_id: uuid.UUID) -> list[TimelineEntry]:
    """The dwelling's own steps and its candidates' steps (for a corporation: those published to it, from then on)."""
    dwelling = dwellings_service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id)
    candidate_ids = list(session.exec(select(ShortlistCandidate.id)
                                      .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                                      .where(Shortlist.dwelling_id == dwelling.id)))
    records = _entries(session, [dwelling.id, *candidate_ids])
    entries = []
    corporation = org.kind == OrganisationKind.corporation
    # A candidate never published (a proposal superseded, released by a change, swapped out) is not the
    # corporation's business, whatever step ended it.
    published = _reached(records, CandidateStatus.published)
    for record in records:
        if record.entity_type == "shortlist_candidate" and corporation:
            if record.entity_id not in published or record.detail.get("to") not in CORPORATION_CANDIDATE_STEPS:
                continue
            # Who at the care provider or the office acted is not the corporation's business.
            entries.append(_entry(record, hide_organisation=record.organisation_id != org.id))
        else:
            entries.append(_entry(record))
    # The candidates' steps name registrations: showing them is a read of each, audited like any other.
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=_registrations_named(entries))
    return entries


def _reached(records: list[AuditRecord], status: CandidateStatus) -> set[uuid.UUID]:
    """The candidates whose steps include a move to `status`."""
    return {r.entity_id for r in records if r.entity_type == "shortlist_candidate" and r.detail.get("to") == status}


# The detail fields of a step that name a registration (a replacement names the one who took the place too).
REGISTRATION_FIELDS = ("registration_id", "replacement_registration_id")


def _registrations_named(entries: list[TimelineEntry]) -> list[uuid.UUID]:
    named = dict.fromkeys(uuid.UUID(str(e.detail[name])) for e in entries for name in REGISTRATION_FIELDS
                          if e.detail.get(name))
    return list(named)


def registration_timeline(*, session: Session, org: Organisation, registration_id: uuid.UUID) -> list[TimelineEntry]:
    """The registration's own steps and its nominations and offers (its care provider and coordinators).

    A care provider sees which dwelling a step was about only for dwellings its client was offered.
    """
    reg = registrations_service.read_registration(session=session, org=org, registration_id=registration_id)
    audit.record(session=session, organisation=org, action="read_timeline", entity_type="registration",
                 entity_id=reg.id)
    return registration_entries(session=session, org=org, registration_id=reg.id)


def registration_entries(*, session: Session, org: Organisation,
                         registration_id: uuid.UUID) -> list[TimelineEntry]:
    """The steps of a registration the caller has already read (and so audited), as far as `org` may see them."""
    candidate_ids = list(session.exec(select(ShortlistCandidate.id)
                                      .where(ShortlistCandidate.registration_id == registration_id)))
    records = _entries(session, [registration_id, *candidate_ids])
    # Which corporation employee acted is not the care provider's business: only the office's own staff see it.
    hide = org.kind != OrganisationKind.coordinator
    offered = _reached(records, CandidateStatus.selected)
    entries = []
    for r in records:
        entry = _entry(r, hide_organisation=hide and r.organisation_id != org.id)
        if hide and r.entity_type == "shortlist_candidate":
            # Who took the client's place is another provider's client; shortlisted but never offered: the step
            # (and a rejection's code) without the dwelling.
            hidden = {"replacement_registration_id"} | ({"dwelling_id"} if r.entity_id not in offered else set())
            entry = entry.model_copy(update={"detail": {k: v for k, v in r.detail.items() if k not in hidden}})
        entries.append(entry)
    # A replacement step names the registration that took the place: a read of that one too, as on the dwelling.
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=[rid for rid in _registrations_named(entries) if rid != registration_id])
    return entries
