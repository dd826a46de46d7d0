"""A coordinator's dossier of one registration (cliëntdossier): the whole registration, its eligibility per rule,
its exemptions with the region's contingent, the shortlists it is on, its timeline, and who read it.

Opening it is one audited read of the registration, exactly as `GET /v1/registrations/{id}`
(`registrations_service.read_registration`); the parts are then read with the services' unaudited helpers, so one
look at the dossier is one read in the log. A fixed number of queries, whatever the length of its history.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from service.audit import service as audit
from service.dwellings.models import Dwelling
from service.exemptions import service as exemptions_service
from service.exemptions.models import Exemption
from service.municipalities.models import Municipality
from service.municipalities.service import municipality_of
from service.organisations.models import ApiKey, Organisation
from service.people.models import Person
from service.regions import scope
from service.regions.models import Region
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationPublic
from service.shortlists.models import Shortlist, ShortlistCandidate
from service.sqltypes import utcnow
from service.stuck import service as stuck_service
from service.stuck.schemas import EligibilityPublic
from service.workflow import timeline
from service.workflow.schemas import TimelineEntry
from service.workflow.service import LIVE

READS_PAGE = 25


@dataclass(frozen=True)
class ExemptionLine:
    """One exemption of the registration, with the names of who granted and revoked it."""

    id: uuid.UUID
    kind: str
    rules_lifted: tuple[str, ...]
    reason: str
    valid_until: date
    granted_at: datetime
    granted_by: str
    active: bool
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None


@dataclass(frozen=True)
class Nomination:
    """A shortlist the registration holds a place on now."""

    dwelling_id: uuid.UUID
    address: str
    candidate_status: str
    rank: int


@dataclass(frozen=True)
class Step:
    """One step of the timeline, with who took it and the dwelling it was about (if any)."""

    at: datetime
    action: str
    entity_type: str
    organisation: str | None
    detail: dict[str, Any]
    dwelling_id: uuid.UUID | None
    dwelling_address: str | None


@dataclass(frozen=True)
class Read:
    """One read of the registration: when, by which organisation, and by whom there (named for one's own
    organisation only: the API shows a coordinator no names of other organisations' people or keys)."""

    at: datetime
    organisation: str | None
    person: str | None
    api_key: str | None
    by_own_organisation: bool
    by_person: bool
    by_key: bool


@dataclass(frozen=True)
class Dossier:
    """Everything the dossier page shows."""

    registration: RegistrationPublic
    care_provider: str
    region_name: str | None
    municipality_names: dict[str, str]
    eligibility: EligibilityPublic
    exemptions: list[ExemptionLine]
    contingent: exemptions_service.Contingent | None
    nominations: list[Nomination]
    steps: list[Step]
    reads: list[Read]
    reads_total: int
    move_targets: list[tuple[str, str]]


def address_of(dwelling: Dwelling) -> str:
    """A dwelling's address on one line."""
    return f"{dwelling.street} {dwelling.house_number}{dwelling.house_number_suffix or ''}, {dwelling.city}"


def names_of(session: Session, model: Any, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of organisations, people or keys by id."""
    found = {i for i in ids if i is not None}
    if not found:
        return {}
    return dict(session.exec(select(model.id, model.name).where(col(model.id).in_(found))).all())


def _exemption_lines(session: Session, exemptions: list[Exemption]) -> list[ExemptionLine]:
    orgs = names_of(session, Organisation, {e.granted_by for e in exemptions} |
                  {e.revoked_by for e in exemptions if e.revoked_by})
    today = utcnow().date()
    return [ExemptionLine(id=e.id, kind=e.kind, rules_lifted=tuple(e.rules_lifted), reason=e.reason,
                          valid_until=e.valid_until, granted_at=e.granted_at, granted_by=orgs.get(e.granted_by, ""),
                          active=exemptions_service.is_active(e, today), revoked_at=e.revoked_at,
                          revoked_by=orgs.get(e.revoked_by) if e.revoked_by else None, revoke_reason=e.revoke_reason)
            for e in exemptions]


def _nominations(session: Session, registration_id: uuid.UUID) -> list[Nomination]:
    rows = session.exec(select(ShortlistCandidate, Dwelling)
                        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                        .join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
                        .where(ShortlistCandidate.registration_id == registration_id,
                               col(ShortlistCandidate.status).in_(LIVE))).all()
    return [Nomination(dwelling_id=d.id, address=address_of(d), candidate_status=c.status, rank=c.rank)
            for c, d in rows]


def steps_of(session: Session, entries: list[TimelineEntry]) -> list[Step]:
    """The timeline's entries as the dossier shows them: newest first, with who took each and the dwelling's
    address."""
    orgs = names_of(session, Organisation, {e.organisation_id for e in entries if e.organisation_id})
    dwelling_ids = {uuid.UUID(str(e.detail["dwelling_id"])) for e in entries if e.detail.get("dwelling_id")}
    dwellings = {d.id: address_of(d) for d in session.exec(
        select(Dwelling).where(col(Dwelling.id).in_(dwelling_ids))).all()} if dwelling_ids else {}
    steps = []
    for e in entries:
        dwelling_id = uuid.UUID(str(e.detail["dwelling_id"])) if e.detail.get("dwelling_id") else None
        steps.append(Step(at=e.at, action=e.action, entity_type=e.entity_type,
                          organisation=orgs.get(e.organisation_id) if e.organisation_id else None, detail=e.detail,
                          dwelling_id=dwelling_id,
                          dwelling_address=dwellings.get(dwelling_id) if dwelling_id else None))
    # Newest first, as the office reads a history.
    return steps[::-1]


def _reads(session: Session, org: Organisation, registration_id: uuid.UUID,
           offset: int) -> tuple[list[Read], int]:
    records, total = audit.list_records(session=session, entity_id=registration_id, organisation_id=None,
                                        action=None, actions=timeline.READ_ACTIONS, limit=READS_PAGE, offset=offset)
    orgs = names_of(session, Organisation, {r.organisation_id for r in records if r.organisation_id})
    own = [r for r in records if r.organisation_id == org.id]
    people = names_of(session, Person, {r.person_id for r in own if r.person_id})
    keys = names_of(session, ApiKey, {r.api_key_id for r in own if r.api_key_id})
    reads = [Read(at=r.at, organisation=orgs.get(r.organisation_id) if r.organisation_id else None,
                  person=people.get(r.person_id) if r.person_id else None,
                  api_key=keys.get(r.api_key_id) if r.api_key_id else None,
                  by_own_organisation=r.organisation_id == org.id, by_person=r.person_id is not None,
                  by_key=r.api_key_id is not None)
             for r in records]
    return reads, total


def municipality_names_of(session: Session, reg: Registration) -> dict[str, str]:
    """The names of the municipalities a registration names (areas to avoid, ties, preferences)."""
    codes = {municipality_of(c) for c in reg.avoid_areas} | set(reg.preferred_municipalities)
    codes |= {str(t["municipality_code"]) for t in reg.regional_ties}
    if not codes:
        return {}
    return dict(session.exec(select(Municipality.code, Municipality.name)
                             .where(col(Municipality.code).in_(codes))).all())


def open_dossier(*, session: Session, org: Organisation, registration_id: uuid.UUID,
                 reads_offset: int = 0) -> Dossier:
    """The dossier of a registration on one of the coordinator's regions' lists (404 for any other); opening it is
    an audited read of the registration."""
    reg = registrations_service.read_registration(session=session, org=org, registration_id=registration_id)
    own = scope.scope_of(session=session, org=org)
    regions = dict(session.exec(select(Region.code, Region.name).where(col(Region.code).in_(own.regions))).all())
    contingent = exemptions_service.contingent_of(session=session, region_code=reg.region_code,
                                                  year=utcnow().year) if reg.region_code else None
    reads, reads_total = _reads(session, org, reg.id, reads_offset)
    return Dossier(
        registration=registrations_service.to_public(reg),
        care_provider=names_of(session, Organisation, {reg.care_provider_id}).get(reg.care_provider_id, ""),
        region_name=regions.get(reg.region_code) if reg.region_code else None,
        municipality_names=municipality_names_of(session, reg),
        eligibility=stuck_service.diagnose(session=session, reg=reg),
        exemptions=_exemption_lines(session, exemptions_service.exemptions_of(session=session,
                                                                              registration_id=reg.id)),
        contingent=contingent,
        nominations=_nominations(session, reg.id),
        steps=steps_of(session, timeline.registration_entries(session=session, org=org, registration_id=reg.id)),
        reads=reads,
        reads_total=reads_total,
        move_targets=sorted((code, name) for code, name in regions.items() if code != reg.region_code),
    )
