"""Erasure on request (AVG article 17): a client's personal fields leave every place they are stored.

The registration's own care provider, or a coordinator of the region whose list it is on, erases it with a reason.
Open nominations and offers end first through the workflow (the registration is withdrawn, so it leaves every
shortlist and the corporations are told), then the personal fields are overwritten: birth year (kept to its
decade, which the age band needs), household, income, avoid lists, ties, preferences, notes, the client reference and
the free-text reasons (its own, its exemptions', the notes on its places on shortlists). The matcher's history of
the registration (its versions and their documents, which run inputs point into) is replaced by one version of the
erased form, runs stored in the older format (which copied every registration into their inputs) have its copy
erased, event payloads lose the client reference, the free-text reasons of its audit records (and of its places on
shortlists) are erased, and the audit records who erased it and why. What stays is what the monitor and the audit
need: the pseudonymous id, region, provider, status and dates. The retention of ended registrations
(service.privacy.retention) erases through `scrub` too.
"""

import json
import uuid
import zlib
from typing import Any

from sqlalchemy import String, cast, delete
from sqlmodel import Session, col, select

from service.audit import service as audit
from service.audit.models import AuditRecord
from service.errors import Conflict
from service.events.models import Event
from service.exemptions.models import Exemption
from service.organisations.models import Organisation
from service.registrations import service as registrations_service
from service.registrations.models import OPEN_STATUSES, Registration, RegistrationStatus
from service.shortlists.models import MatchingRun, ShortlistCandidate
from service.shortlists.pool import versions
from service.shortlists.pool.models import ContentBlob, RegistrationVersion
from service.shortlists.rows import RegistrationRow
from service.sqltypes import utcnow
from service.workflow import changes

ERASED_PREFIX = "gewist-"
ERASED_TEXT = "[gewist]"
# The audit detail keys that hold someone's own words rather than codes, ids or field names.
FREE_TEXT = {"reason", "note", "comment"}
# The keys of a registration row that `scrub` changes: a copied row takes these from the erased registration.
ERASED_ROW_KEYS = ("birth_year", "adults", "children", "annual_income_cents", "avoid_nearby", "avoid_areas",
                   "avoid_points", "regional_ties", "preferred_municipalities")


def erased_ref(registration_id: uuid.UUID) -> str:
    """The client reference an erased registration keeps: its own id, nothing of the client."""
    return f"{ERASED_PREFIX}{registration_id.hex}"


def is_erased(reg: Registration) -> bool:
    """True once a registration's personal fields are erased."""
    return reg.client_ref.startswith(ERASED_PREFIX)


def erase_registration(*, session: Session, org: Organisation, registration_id: uuid.UUID,
                       reason: str) -> Registration:
    """Erase a client's personal fields on request; 404 for a registration the organisation may not see, 409 when
    it is erased already."""
    reg = registrations_service.read_registration(session=session, org=org, registration_id=registration_id)
    if is_erased(reg):
        raise Conflict("this registration is erased already", current_state=reg.status)
    if RegistrationStatus(reg.status) in OPEN_STATUSES:
        reg = changes.withdraw_registration(session=session, org=org, registration_id=registration_id,
                                            reason=None, expected_version=None)
    scrub(session=session, reg=reg)
    # Who and why, never what: the reason is the requester's own words about the request, not the client's data.
    audit.record(session=session, organisation=org, action="erase", entity_type="registration", entity_id=reg.id,
                 detail={"reason": reason})
    return reg


def scrub(*, session: Session, reg: Registration) -> None:
    """Overwrite a registration's personal fields and every copy of them (versions, documents, event payloads)."""
    old_ref = reg.client_ref
    reg.birth_year -= reg.birth_year % 10
    reg.adults = 1
    reg.children_birth_years = []
    reg.annual_income_cents = 0
    reg.avoid_nearby, reg.avoid_areas, reg.avoid_points = [], [], []
    reg.regional_ties, reg.preferred_municipalities = [], []
    reg.notes = reg.withdrawal_reason = reg.pause_reason = reg.waiting_since_reason = None
    reg.client_ref = erased_ref(reg.id)
    reg.version += 1
    reg.updated_at = utcnow()
    session.add(reg)
    session.flush()
    _replace_history(session=session, reg=reg)
    _scrub_copied_runs(session=session, reg=reg)
    _scrub_events(session=session, registration_id=reg.id, old_ref=old_ref)
    candidate_ids = _scrub_reasons(session=session, registration_id=reg.id)
    _scrub_audit(session=session, entity_ids=[reg.id, *candidate_ids])


def _scrub_copied_runs(*, session: Session, reg: Registration) -> None:
    """Runs stored before change numbers (no `as_of_seq`) hold a copy of every registration they saw: the
    registration's copy there takes the erased values, the rest of the run stays replayable."""
    old_runs = select(MatchingRun).where(col(MatchingRun.as_of_seq).is_(None), col(MatchingRun.inputs).is_not(None))
    for run in session.exec(old_runs):
        assert run.inputs is not None
        doc = json.loads(zlib.decompress(run.inputs))
        rows = doc.get("registrations", [])
        found = [i for i, row in enumerate(rows) if row.get("id") == str(reg.id)]
        if not found:
            continue
        for i in found:
            erased = RegistrationRow.of_registration(
                reg, id=rows[i]["id"], waiting_days=rows[i]["waiting_days"], available=rows[i]["available"],
                exempt_rules=tuple(rows[i]["exempt_rules"]), urgent=rows[i]["urgent"]).to_json()
            rows[i] = {**rows[i], **{key: erased[key] for key in ERASED_ROW_KEYS}}
        run.inputs = zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 6)
        session.add(run)


def _scrub_reasons(*, session: Session, registration_id: uuid.UUID) -> list[uuid.UUID]:
    """The free text written about the client elsewhere: its exemptions' reasons and the notes on its places on
    shortlists (a rejection's or a decline's); the codes stay. The ids of those places."""
    for exemption in session.exec(select(Exemption).where(Exemption.registration_id == registration_id)):
        exemption.reason = ERASED_TEXT
        exemption.revoke_reason = ERASED_TEXT if exemption.revoke_reason is not None else None
        session.add(exemption)
    candidates = list(session.exec(select(ShortlistCandidate)
                                   .where(ShortlistCandidate.registration_id == registration_id)))
    for candidate in candidates:
        if candidate.note is not None:
            candidate.note = None
            session.add(candidate)
    return [c.id for c in candidates]


def _scrub_audit(*, session: Session, entity_ids: list[uuid.UUID]) -> None:
    """The audit records of the registration and of its places on shortlists keep who did what when; free-text
    reasons (which may describe the client) are erased with it."""
    for record in session.exec(select(AuditRecord).where(col(AuditRecord.entity_id).in_(entity_ids))):
        if any(key in FREE_TEXT for key in record.detail):
            record.detail = {key: ERASED_TEXT if key in FREE_TEXT else value for key, value in record.detail.items()}
            session.add(record)


def _replace_history(*, session: Session, reg: Registration) -> None:
    """One version of the erased form instead of the matcher's whole history of the registration."""
    old = list(session.exec(select(RegistrationVersion).where(RegistrationVersion.registration_id == reg.id)))
    versions.record_versions(session, [reg.id])
    for version in old:
        session.delete(version)
    session.flush()
    digests = {v.digest for v in old} - {reg.match_digest}
    still_used = set(session.exec(select(RegistrationVersion.digest)
                                  .where(col(RegistrationVersion.digest).in_(sorted(digests)))))
    gone = sorted(digests - still_used)
    if gone:
        session.execute(delete(ContentBlob).where(col(ContentBlob.digest).in_(gone)))


def _scrub_events(*, session: Session, registration_id: uuid.UUID, old_ref: str) -> None:
    """Event payloads about the registration keep its id and lose the client reference."""
    about = session.exec(select(Event).where(cast(Event.payload, String).contains(str(registration_id))))
    for event in about:
        payload = _without_ref(event.payload, str(registration_id), old_ref)
        if payload != event.payload:
            event.payload = payload
            session.add(event)


def _without_ref(value: Any, registration_id: str, old_ref: str) -> Any:
    if isinstance(value, dict):
        return {key: erased_ref(uuid.UUID(registration_id)) if key == "client_ref" and item == old_ref
                else _without_ref(item, registration_id, old_ref) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_ref(item, registration_id, old_ref) for item in value]
    return value
