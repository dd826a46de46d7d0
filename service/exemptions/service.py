"""Granting, listing and revoking exemptions, and the active ones the matcher applies.

An exemption is charged to the contingent of the region whose list the registration is on, whatever its ties: the
office that holds the list is the one that decides (a registration not yet placed on a list is refused, 409, never
granted for free). The contingent is per calendar year of granting; a revoked exemption no longer counts, so a grant
made by mistake can be undone.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from service.audit import service as audit
from service.concurrency import check_version
from service.errors import Conflict, FieldError, InvalidFields, NotFound
from service.exemptions.models import Exemption, ExemptionKind
from service.exemptions.schemas import ExemptionCreate, ExemptionPublic
from service.organisations.models import Organisation
from service.regions import service as regions_service
from service.regions.models import Region
from service.registrations import service as registrations_service
from service.registrations.models import OPEN_STATUSES
from service.sqltypes import utcnow

ENTITY = "registration"  # exemptions are audited on the registration, so they appear on its timeline


@dataclass(frozen=True)
class Granted:
    """A new exemption with the contingent it was counted against."""

    exemption: Exemption
    used: int
    contingent: int


@dataclass(frozen=True)
class MatcherExemptions:
    """What the active exemptions of one registration change for the matcher."""

    exempt_rules: frozenset[str]
    urgent: bool


def to_public(exemption: Exemption, used: int | None = None, contingent: int | None = None) -> ExemptionPublic:
    """An exemption as the API shows it; `used` and `contingent` only on grant."""
    return ExemptionPublic.model_validate(
        {**exemption.model_dump(), "active": is_active(exemption, utcnow().date()),
         "contingent_used": used, "contingent": contingent})


def is_active(exemption: Exemption, today: date) -> bool:
    """Not revoked and still valid today."""
    return exemption.revoked_at is None and exemption.valid_until >= today


@dataclass(frozen=True)
class Contingent:
    """A region's exemptions of one calendar year: how many it may grant and how many it has."""

    region_code: str
    year: int
    used: int
    total: int

    @property
    def left(self) -> int:
        return max(0, self.total - self.used)


def contingent_used(*, session: Session, region_code: str, year: int) -> int:
    """Exemptions granted in the region in that year and not revoked."""
    return session.exec(select(func.count()).select_from(Exemption).where(
        Exemption.region_code == region_code, Exemption.contingent_year == year,
        col(Exemption.revoked_at).is_(None))).one()


def contingent_of(*, session: Session, region_code: str, year: int) -> Contingent:
    """The region's contingent of `year` (its current policy) and what is used of it."""
    total = regions_service.get_region(session=session, code=region_code).policy.exemption_contingent
    return Contingent(region_code=region_code, year=year, total=total,
                      used=contingent_used(session=session, region_code=region_code, year=year))


def grant(*, session: Session, org: Organisation, registration_id: uuid.UUID, data: ExemptionCreate,
          expected_version: int | None = None) -> Granted:
    """Grant an exemption; 409 when the registration is closed, has no region, or the contingent is used up, and
    412 when it changed since the version the caller read (`expected_version`, when given)."""
    reg = registrations_service.read_registration(session=session, org=org, registration_id=registration_id)
    check_version(current=reg.version, expected=expected_version)
    if reg.status not in OPEN_STATUSES:
        raise Conflict(f"a registration that is {reg.status} cannot get an exemption", current_state=reg.status)
    today = utcnow().date()
    if data.valid_until < today:
        raise InvalidFields([FieldError(field="valid_until", message="must be today or later", type="date_past")])
    region_code = reg.region_code
    if region_code is None:
        raise Conflict("the registration is on no region's list yet, so no region's contingent can pay for an "
                       "exemption; place it on a list first (PUT /v1/registrations/{id}/region)")
    # Locking the region serialises grants in it, so two at once cannot both take the last place.
    session.exec(select(Region).where(Region.code == region_code).with_for_update()).one()
    counted = contingent_of(session=session, region_code=region_code, year=today.year)
    used, contingent = counted.used, counted.total
    if used >= contingent:
        raise Conflict(f"the {today.year} exemption contingent of region {region_code} is used up "
                       f"({used} of {contingent}); revoke one or raise exemption_contingent in the policy")
    exemption = Exemption(registration_id=reg.id, region_code=region_code, contingent_year=today.year,
                          kind=data.kind.value, rules_lifted=list(data.rules_lifted), reason=data.reason,
                          valid_until=data.valid_until, granted_by=org.id)
    session.add(exemption)
    session.flush()
    audit.record(session=session, organisation=org, action="exemption_granted", entity_type=ENTITY, entity_id=reg.id,
                 detail={"exemption_id": str(exemption.id), "kind": exemption.kind,
                         "rules_lifted": exemption.rules_lifted, "valid_until": exemption.valid_until.isoformat(),
                         "region": region_code, "contingent_used": used + 1, "contingent": contingent})
    return Granted(exemption=exemption, used=used + 1, contingent=contingent)


def list_exemptions(*, session: Session, org: Organisation, registration_id: uuid.UUID) -> list[Exemption]:
    """A registration's exemptions, newest first (its care provider and coordinators; the read is audited)."""
    reg = registrations_service.read_registration(session=session, org=org, registration_id=registration_id)
    return exemptions_of(session=session, registration_id=reg.id)


def exemptions_of(*, session: Session, registration_id: uuid.UUID) -> list[Exemption]:
    """The exemptions of a registration the caller has already read (and so audited), newest first."""
    return list(session.exec(select(Exemption).where(Exemption.registration_id == registration_id)
                             .order_by(col(Exemption.granted_at).desc(), col(Exemption.id))))


def revoke(*, session: Session, org: Organisation, registration_id: uuid.UUID, exemption_id: uuid.UUID,
           reason: str) -> Exemption:
    """Revoke an exemption with a reason; revoking twice is a 409."""
    reg = registrations_service.read_registration(session=session, org=org, registration_id=registration_id)
    exemption = session.exec(select(Exemption).where(Exemption.id == exemption_id,
                                                     Exemption.registration_id == reg.id).with_for_update()).first()
    if exemption is None:
        raise NotFound(f"registration {registration_id} has no exemption {exemption_id}")
    if exemption.revoked_at is not None:
        raise Conflict("the exemption is already revoked", current_state="revoked")
    exemption.revoked_at, exemption.revoked_by, exemption.revoke_reason = utcnow(), org.id, reason
    session.add(exemption)
    session.flush()
    audit.record(session=session, organisation=org, action="exemption_revoked", entity_type=ENTITY, entity_id=reg.id,
                 detail={"exemption_id": str(exemption.id), "kind": exemption.kind,
                         "rules_lifted": exemption.rules_lifted})
    return exemption


def matcher_exemptions(*, session: Session, registration_ids: Iterable[uuid.UUID],
                       today: date) -> dict[uuid.UUID, MatcherExemptions]:
    """Per registration with an active exemption: the union of rules lifted and whether it is urgent (one query)."""
    wanted = set(registration_ids)
    if not wanted:
        return {}
    # Active exemptions are few (a contingent of tens a year), registrations many: read all active ones once and
    # filter here, rather than sending tens of thousands of ids in an IN list.
    rows = session.exec(select(Exemption).where(col(Exemption.revoked_at).is_(None),
                                                col(Exemption.valid_until) >= today)).all()
    rules: dict[uuid.UUID, set[str]] = {}
    urgent: set[uuid.UUID] = set()
    for exemption in (e for e in rows if e.registration_id in wanted):
        rules.setdefault(exemption.registration_id, set()).update(exemption.rules_lifted)
        if exemption.kind == ExemptionKind.urgency:
            urgent.add(exemption.registration_id)
    return {rid: MatcherExemptions(exempt_rules=frozenset(codes), urgent=rid in urgent) for rid, codes in rules.items()}


def active_exemptions(*, session: Session, registration_ids: Iterable[uuid.UUID],
                      today: date) -> dict[uuid.UUID, list[Exemption]]:
    """The active exemptions of these registrations, newest first, in one query (the caller audits the read)."""
    wanted = sorted(set(registration_ids))
    if not wanted:
        return {}
    rows = session.exec(select(Exemption).where(col(Exemption.registration_id).in_(wanted),
                                                col(Exemption.revoked_at).is_(None),
                                                col(Exemption.valid_until) >= today)
                        .order_by(col(Exemption.granted_at).desc(), col(Exemption.id))).all()
    found: dict[uuid.UUID, list[Exemption]] = {}
    for exemption in rows:
        found.setdefault(exemption.registration_id, []).append(exemption)
    return found
