"""Access on request (AVG article 15): everything held about one client, for its care provider or a coordinator of
its region to hand over, as JSON and as a printable page.

The registration, its history (the steps of the audit log, as its timeline shows them to the caller), its
exemptions, its places on shortlists and the offers with their reasons, the corporations' rejections, the matcher's
stored copies of it, and every read of it (who and when). Making the export is one audited act (`access_export`),
listed among the reads of the dossier and of the next export; the parts are read with unaudited helpers.
"""

import json
import uuid
import zlib

from sqlmodel import Session, col, select

from service.audit import service as audit
from service.audit.models import AuditRecord
from service.dwellings.models import Dwelling
from service.exemptions import service as exemptions_service
from service.organisations.models import Organisation
from service.people.models import Person
from service.privacy.schemas import AccessExport, DossierRead, MatcherVersion, PlaceOnShortlist, Rejection
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.shortlists.models import RejectedPair, Shortlist, ShortlistCandidate
from service.shortlists.pool import versions
from service.shortlists.pool.models import RegistrationVersion
from service.sqltypes import utcnow
from service.workflow import dossier, timeline

ACTION = "access_export"  # one of the timeline's READ_ACTIONS: a disclosure, not a step


def export(*, session: Session, org: Organisation, registration_id: uuid.UUID) -> AccessExport:
    """Everything held about a client whose registration `org` may see (404 for any other); audited."""
    registrations_service.ensure_visible(session=session, org=org, registration_id=registration_id)
    reg = session.get(Registration, registration_id)
    assert reg is not None
    result = AccessExport(
        exported_at=utcnow(), registration=registrations_service.to_public(reg),
        care_provider=dossier.names_of(session, Organisation, {reg.care_provider_id}).get(reg.care_provider_id, ""),
        history=timeline.registration_entries(session=session, org=org, registration_id=reg.id),
        exemptions=[exemptions_service.to_public(e)
                    for e in exemptions_service.exemptions_of(session=session, registration_id=reg.id)],
        shortlists=_places(session, reg.id), rejections=_rejections(session, reg.id),
        matcher_versions=_matcher_versions(session, reg.id), reads=_reads(session, org, reg.id))
    audit.record(session=session, organisation=org, action=ACTION, entity_type="registration", entity_id=reg.id)
    return result


def _places(session: Session, registration_id: uuid.UUID) -> list[PlaceOnShortlist]:
    rows = session.exec(select(ShortlistCandidate, Shortlist, Dwelling)
                        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                        .join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
                        .where(ShortlistCandidate.registration_id == registration_id)
                        .order_by(col(Shortlist.created_at), col(ShortlistCandidate.id))).all()
    return [PlaceOnShortlist(
        shortlist_id=s.id, dwelling_id=d.id,
        dwelling_address=dossier.address_of(d) if c.offered_at is not None else None,
        status=c.status, rank=c.rank, score=c.score, score_breakdown=c.score_breakdown, offered_at=c.offered_at,
        answer_by=c.answer_by, reason_code=c.reason_code, note=c.note, updated_at=c.updated_at)
        for c, s, d in rows]


def _rejections(session: Session, registration_id: uuid.UUID) -> list[Rejection]:
    return [Rejection(dwelling_id=r.dwelling_id, reason_code=r.reason_code, created_at=r.created_at)
            for r in session.exec(select(RejectedPair).where(RejectedPair.registration_id == registration_id)
                                  .order_by(col(RejectedPair.created_at)))]


def _matcher_versions(session: Session, registration_id: uuid.UUID) -> list[MatcherVersion]:
    found = []
    for version in session.exec(select(RegistrationVersion).where(
            RegistrationVersion.registration_id == registration_id).order_by(col(RegistrationVersion.seq))):
        data = versions.load_blob(session, version.digest)
        document = json.loads(zlib.decompress(data)) if data is not None else {}
        found.append(MatcherVersion(seq=version.seq, status=version.status, document=document))
    return found


def _reads(session: Session, org: Organisation, registration_id: uuid.UUID) -> list[DossierRead]:
    records = list(session.exec(select(AuditRecord).where(
        AuditRecord.entity_id == registration_id, col(AuditRecord.action).in_(timeline.READ_ACTIONS))
        .order_by(col(AuditRecord.at), col(AuditRecord.id))))
    orgs = dossier.names_of(session, Organisation, {r.organisation_id for r in records if r.organisation_id})
    # People are named for one's own organisation only, as the dossier does: others' staff are theirs to name.
    people = dossier.names_of(session, Person,
                              {r.person_id for r in records if r.person_id and r.organisation_id == org.id})
    return [DossierRead(at=r.at, action=r.action,
                        organisation=orgs.get(r.organisation_id) if r.organisation_id else None,
                        person=people.get(r.person_id) if r.person_id else None,
                        by="person" if r.person_id else "api_key" if r.api_key_id else "service")
            for r in records]
