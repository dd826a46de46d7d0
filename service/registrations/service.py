"""Registering clients, reading and changing registrations, and the minimised candidate profile."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from service import housing_figures
from service.audit import service as audit
from service.concurrency import check_version
from service.errors import Conflict, FieldError, InvalidFields, NotFound
from service.fields import cents_to_euros, euros_to_cents
from service.idempotency import Created, Kind, create_once, digest_of
from service.municipalities import service as municipalities
from service.organisations import service as organisations
from service.organisations.models import Organisation, OrganisationKind
from service.regions import scope
from service.regions.models import Region
from service.registrations.models import OPEN_STATUSES, REGISTRATION_STATES, Registration, RegistrationStatus
from service.registrations.schemas import (
    CandidateProfile,
    CareProviderRef,
    ContractNeed,
    HouseholdComposition,
    RegistrationCreate,
    RegistrationFields,
    RegistrationPublic,
    RegistrationUpdate,
    SupportIntensity,
)
from service.sqltypes import utcnow
from service.states import move
from service.validation import invalid_fields_from

ENTITY = "registration"
# Age bands shown to corporations instead of the birth year.
AGE_BANDS = ((16, 17, "16-17"), (18, 22, "18-22"), (23, 26, "23-26"), (27, 35, "27-35"), (36, 50, "36-50"),
             (51, 66, "51-66"), (67, 200, "67+"))


# The registration a submission resulted in (`created` False: the same form again, an idempotent replay).
Registered = Created[Registration]
# A replay answers with the whole stored record: a read like any other, so audited as one.
SUBMISSION = Kind[Registration](
    entity_type=ENTITY, replay_is_read=True,
    detail=lambda reg: {"to": reg.status, "form_version": reg.form_version, "region": reg.region_code},
    taken=lambda existing: f"client_ref {existing.client_ref!r} is already registered with other answers; "
                           "change that registration with PATCH")


def _columns(data: RegistrationFields) -> dict[str, Any]:
    """The table columns of a form document."""
    return {
        "birth_year": data.birth_year,
        "adults": data.household.adults,
        "children_birth_years": list(data.household.children),
        "annual_income_cents": euros_to_cents(data.annual_income),
        "current_setting": data.current_setting.value,
        "support_intensity": data.support.intensity.value,
        "support_guaranteed_after_move": data.support.guaranteed_after_move,
        "debt_counselling": data.debt_counselling.value,
        "avoid_nearby": [a.model_dump(mode="json") for a in data.avoid_nearby],
        "avoid_areas": list(data.avoid_areas),
        "avoid_points": [p.model_dump(mode="json") for p in data.avoid_points],
        "low_stimulus": data.low_stimulus.value,
        "needs_wheelchair": data.accessibility.wheelchair,
        "needs_no_stairs": data.accessibility.no_stairs,
        "regional_ties": [t.model_dump(mode="json") for t in data.regional_ties],
        "preferred_municipalities": list(data.preferred_municipalities),
        "contract": data.contract.value,
        "ready_from": data.ready_from,
        "notes": data.notes,
    }


def _document(reg: Registration) -> dict[str, Any]:
    """The form document of a stored registration, the inverse of `_columns`."""
    return {
        "birth_year": reg.birth_year,
        "household": {"adults": reg.adults, "children": list(reg.children_birth_years)},
        "annual_income": str(cents_to_euros(reg.annual_income_cents)),
        "current_setting": reg.current_setting,
        "support": {"intensity": reg.support_intensity, "guaranteed_after_move": reg.support_guaranteed_after_move},
        "debt_counselling": reg.debt_counselling,
        "avoid_nearby": list(reg.avoid_nearby),
        "avoid_areas": list(reg.avoid_areas),
        "avoid_points": list(reg.avoid_points),
        "low_stimulus": reg.low_stimulus,
        "accessibility": {"wheelchair": reg.needs_wheelchair, "no_stairs": reg.needs_no_stairs},
        "regional_ties": list(reg.regional_ties),
        "preferred_municipalities": list(reg.preferred_municipalities),
        "contract": reg.contract,
        "ready_from": reg.ready_from,
        "notes": reg.notes,
    }


def to_public(reg: Registration) -> RegistrationPublic:
    """The full view, for the registration's own care provider and the coordinators."""
    return RegistrationPublic.model_validate(
        {
            **_document(reg),
            "id": reg.id,
            "care_provider_id": reg.care_provider_id,
            "region": reg.region_code,
            "client_ref": reg.client_ref,
            "form_version": reg.form_version,
            "consent_to_share": True,
            "status": reg.status,
            "version": reg.version,
            "waiting_since": reg.waiting_since,
            "waiting_since_reason": reg.waiting_since_reason,
            "created_at": reg.created_at,
            "updated_at": reg.updated_at,
            "withdrawn_at": reg.withdrawn_at,
            "withdrawal_reason": reg.withdrawal_reason,
        }
    )


def age_band(*, birth_year: int, year: int) -> str:
    """The age band of someone born in `birth_year`, in `year`."""
    age = year - birth_year
    # The figures year may lie before the applicant turned 16: that is a band too, never a crash.
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), f"under {AGE_BANDS[0][0]}")


def candidate_profile(
    *, session: Session, reg: Registration, year: int, rank: int | None = None, score: int | None = None
) -> CandidateProfile:
    """The minimised profile a corporation may see, with passend toewijzen judged by `year`'s figures."""
    provider = organisations.get_organisation(session=session, organisation_id=reg.care_provider_id)
    assert provider is not None  # a foreign key guarantees it
    household_size = reg.adults + len(reg.children_birth_years)
    # Judged first, so that a year without figures is reported as such before anything else is derived from it.
    passend_toewijzen = housing_figures.falls_under_passend_toewijzen(
        income_cents=reg.annual_income_cents, household_size=household_size,
        applicant_age=year - reg.birth_year, year=year,
    )
    return CandidateProfile(
        registration_id=reg.id,
        household=HouseholdComposition(adults=reg.adults, children=len(reg.children_birth_years)),
        age_band=age_band(birth_year=reg.birth_year, year=year),
        support_intensity=SupportIntensity(reg.support_intensity),
        care_provider=CareProviderRef(id=provider.id, name=provider.name),
        passend_toewijzen=passend_toewijzen,
        contract=ContractNeed(reg.contract),
        rank=rank,
        score=score,
    )


def _named_codes(data: RegistrationFields) -> list[tuple[str, str]]:
    """Each municipality-bearing code of a form with the field it stands in."""
    named: list[tuple[str, str]] = [(f"avoid_areas.{i}", c) for i, c in enumerate(data.avoid_areas)]
    named += [(f"regional_ties.{i}.municipality_code", t.municipality_code) for i, t in enumerate(data.regional_ties)]
    named += [(f"preferred_municipalities.{i}", c) for i, c in enumerate(data.preferred_municipalities)]
    return named


def referenced_municipalities(data: RegistrationFields) -> set[str]:
    """The municipalities a form's codes point into (to look many forms up at once)."""
    return {municipalities.municipality_of(code) for _, code in _named_codes(data)}


def reference_errors(data: RegistrationFields, *, unknown: set[str]) -> list[FieldError]:
    """The field errors of a form whose codes point into one of the `unknown` municipalities."""
    return [
        FieldError(field=field, message=f"municipality {municipalities.municipality_of(code)} does not exist",
                   type="unknown_code")
        for field, code in _named_codes(data)
        if municipalities.municipality_of(code) in unknown
    ]


def _check_references(*, session: Session, data: RegistrationFields) -> None:
    """Field errors that need the database: every municipality a code points into must exist."""
    unknown = municipalities.unknown_municipalities(session=session, codes=referenced_municipalities(data))
    errors = reference_errors(data, unknown=unknown)
    if errors:
        raise InvalidFields(errors)


def create_digest(data: RegistrationCreate) -> str:
    """The fingerprint of a form that tells an idempotent replay from other answers under the same client_ref."""
    return digest_of(data)


def stored_digests(*, session: Session, org: Organisation, client_refs: list[str]) -> dict[str, str]:
    """The create digest of each of these client references a care provider has already registered."""
    rows = session.exec(select(Registration.client_ref, Registration.create_digest).where(
        Registration.care_provider_id == org.id, col(Registration.client_ref).in_(client_refs))).all()
    return dict(rows)


def submit_registration(*, session: Session, org: Organisation, data: RegistrationCreate) -> Registered:
    """Store a care provider's registration; the same `client_ref` again never creates a second one."""

    def make(reader: Session, digest: str) -> Registration:
        region = _region_for(session=reader, org=org, wanted=data.region)
        _check_references(session=reader, data=data)
        now = utcnow()
        # Waiting time counts from the moment of registration: the very same instant as `created_at`.
        return Registration(care_provider_id=org.id, region_code=region, client_ref=data.client_ref,
                            create_digest=digest, form_version=data.form_version, created_at=now, updated_at=now,
                            waiting_since=now, **_columns(data))

    return create_once(session=session, org=org, kind=SUBMISSION, data=data, make=make,
                       find=lambda reader: _by_client_ref(session=reader, org=org, client_ref=data.client_ref))


def _region_for(*, session: Session, org: Organisation, wanted: str | None) -> str:
    """The region whose list a new registration goes on: the one named, or the provider's only region."""
    own = scope.scope_of(session=session, org=org)
    if wanted is not None:
        if not _region_exists(session=session, code=wanted):
            raise InvalidFields([FieldError(field="region", message=f"region {wanted} does not exist",
                                            type="unknown_code")])
        if wanted not in own.regions:
            raise InvalidFields([FieldError(
                field="region", type="not_linked",
                message=f"your organisation does not work in region {wanted}; its coordinators link you to it")])
        return wanted
    if len(own.regions) == 1:
        return next(iter(own.regions))
    if not own.regions:
        raise InvalidFields([FieldError(
            field="region", type="not_linked",
            message="your organisation is not linked to a region yet; a coordinator of the region links it")])
    raise InvalidFields([FieldError(
        field="region", type="missing",
        message=f"your organisation works in several regions ({', '.join(sorted(own.regions))}): "
                "say on which region's list this client is")])


def _region_exists(*, session: Session, code: str) -> bool:
    """Whether the region exists. The Region is kept in session.info so the identity map (which holds objects only
    while something refers to them) answers the next asks without a query: an import of 20,000 rows asks 20,000
    times. A rollback expires it as any loaded object, and the next get reads it again."""
    region = session.get(Region, code)
    session.info.setdefault("registrations.regions_seen", {})[code] = region
    return region is not None


def _by_client_ref(*, session: Session, org: Organisation, client_ref: str) -> Registration | None:
    return session.exec(
        select(Registration).where(Registration.care_provider_id == org.id, Registration.client_ref == client_ref)
    ).first()


def _load(*, session: Session, org: Organisation, registration_id: uuid.UUID, for_update: bool) -> Registration:
    """A registration the organisation may see; 404 for anything else, so ids of others never leak."""
    query = select(Registration).where(Registration.id == registration_id)
    if for_update:
        query = query.with_for_update()
    reg = session.exec(query).first()
    if reg is None or not may_see(session=session, org=org, registration=reg):
        raise NotFound(f"no registration {registration_id}")
    return reg


def may_see(*, session: Session, org: Organisation, registration: Registration) -> bool:
    """Its own care provider, and the coordinators of the region whose list it is on."""
    if org.kind == OrganisationKind.coordinator:
        return scope.scope_of(session=session, org=org).has_region(registration.region_code)
    return registration.care_provider_id == org.id


def ensure_visible(*, session: Session, org: Organisation, registration_id: uuid.UUID) -> None:
    """404 unless the organisation may see the registration (nothing of it is read, so nothing is audited)."""
    _load(session=session, org=org, registration_id=registration_id, for_update=False)


def read_registration(*, session: Session, org: Organisation, registration_id: uuid.UUID) -> Registration:
    """Read one registration; the read is audited."""
    reg = _load(session=session, org=org, registration_id=registration_id, for_update=False)
    audit.record_reads(session=session, organisation=org, entity_type=ENTITY, entity_ids=[reg.id])
    return reg


def list_registrations(
    *, session: Session, org: Organisation, status: RegistrationStatus | None, limit: int, offset: int
) -> tuple[list[Registration], int]:
    """The registrations an organisation may see, longest waiting first; each one shown is audited."""
    query = select(Registration)
    if org.kind == OrganisationKind.coordinator:
        query = query.where(col(Registration.region_code).in_(scope.scope_of(session=session, org=org).regions))
    else:
        query = query.where(Registration.care_provider_id == org.id)
    if status is not None:
        query = query.where(Registration.status == status.value)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = list(session.exec(
        query.order_by(col(Registration.waiting_since), col(Registration.id)).limit(limit).offset(offset)
    ).all())
    audit.record_reads(session=session, organisation=org, entity_type=ENTITY, entity_ids=[r.id for r in rows])
    return rows, total


def update_registration(
    *, session: Session, org: Organisation, registration_id: uuid.UUID, data: RegistrationUpdate,
    expected_version: int | None,
) -> Registration:
    """Apply a partial change to an open registration."""
    reg = _load(session=session, org=org, registration_id=registration_id, for_update=True)
    check_version(current=reg.version, expected=expected_version)
    if reg.status not in OPEN_STATUSES:
        raise Conflict(f"a registration that is {reg.status} can no longer be changed", current_state=reg.status)
    changes = data.model_dump(exclude_unset=True)
    try:
        merged = RegistrationFields.model_validate({**_document(reg), **changes})
    except ValidationError as exc:
        raise invalid_fields_from(exc) from None
    _check_references(session=session, data=merged)
    for name, value in _columns(merged).items():
        setattr(reg, name, value)
    reg.version += 1
    reg.updated_at = utcnow()
    session.add(reg)
    # Field names only: the audit log must not become a second copy of the special-category data.
    audit.record(session=session, organisation=org, action="update", entity_type=ENTITY, entity_id=reg.id,
                 detail={"fields": sorted(changes)})
    return reg


def withdraw_registration(
    *, session: Session, org: Organisation, registration_id: uuid.UUID, reason: str | None,
    expected_version: int | None,
) -> Registration:
    """Withdraw a registration that is not yet housed."""
    reg = _load(session=session, org=org, registration_id=registration_id, for_update=True)
    check_version(current=reg.version, expected=expected_version)
    if reg.status not in OPEN_STATUSES:
        raise Conflict(f"a registration that is {reg.status} cannot be withdrawn", current_state=reg.status)
    # The reason is the care provider's free text: kept on the record, never copied into the audit log.
    move(session=session, record=reg, to=RegistrationStatus.withdrawn.value, machine=REGISTRATION_STATES, org=org,
         action="withdraw")
    reg.withdrawn_at = reg.ended_at = reg.updated_at
    reg.withdrawal_reason = reason
    return reg


def set_region(*, session: Session, org: Organisation, registration_id: uuid.UUID, region: str,
               reason: str, expected_version: int | None = None) -> Registration:
    """Put an open registration on another region's list (a coordinator of its current region), with a reason.

    Its nominations are ended by the workflow, which calls this; the waiting time is kept. With `expected_version`,
    a registration changed since the caller read it is refused (412).
    """
    reg = _load(session=session, org=org, registration_id=registration_id, for_update=True)
    check_version(current=reg.version, expected=expected_version)
    if reg.status not in OPEN_STATUSES:
        raise Conflict(f"a registration that is {reg.status} cannot move to another region", current_state=reg.status)
    if session.get(Region, region) is None:
        raise InvalidFields([FieldError(field="region", message=f"region {region} does not exist",
                                        type="unknown_code")])
    if region == reg.region_code:
        raise Conflict(f"the registration is already on the list of region {region}")
    return _put_on_list(session=session, org=org, reg=reg, region=region, reason=reason)


def unplaced(*, session: Session) -> list[Registration]:
    """Registrations on no region's list (stored before registrations were; the upgrade could not place them)."""
    return list(session.exec(select(Registration).where(col(Registration.region_code).is_(None))
                             .order_by(col(Registration.created_at), col(Registration.id))).all())


def place(*, session: Session, registration_id: uuid.UUID, region: str, reason: str) -> Registration:
    """Put an unplaced registration on a region's list (the operator's CLI; a placed one moves by the API)."""
    reg = session.exec(select(Registration).where(Registration.id == registration_id).with_for_update()).first()
    if reg is None:
        raise NotFound(f"no registration {registration_id}")
    if reg.region_code is not None:
        raise Conflict(f"the registration is on the list of region {reg.region_code} already; a coordinator "
                       "moves it (PUT /v1/registrations/{id}/region)")
    if session.get(Region, region) is None:
        raise NotFound(f"no region {region}")
    return _put_on_list(session=session, org=None, reg=reg, region=region, reason=reason)


def _put_on_list(*, session: Session, org: Organisation | None, reg: Registration, region: str,
                 reason: str) -> Registration:
    """Change the region whose list a registration is on (a new version), audited with the reason."""
    previous = reg.region_code
    reg.region_code = region
    reg.version += 1
    reg.updated_at = utcnow()
    session.add(reg)
    audit.record(session=session, organisation=org, action="move_region", entity_type=ENTITY, entity_id=reg.id,
                 detail={"from": previous, "to": region, "reason": reason})
    return reg


def set_waiting_since(
    *, session: Session, org: Organisation, registration_id: uuid.UUID, waiting_since: datetime, reason: str,
    expected_version: int | None = None,
) -> Registration:
    """Let a coordinator start the waiting time earlier than the registration, with a reason (412 when it changed
    since `expected_version`, when given)."""
    reg = _load(session=session, org=org, registration_id=registration_id, for_update=True)
    check_version(current=reg.version, expected=expected_version)
    return start_waiting_at(session=session, org=org, reg=reg, waiting_since=waiting_since, reason=reason)


def start_waiting_at(*, session: Session, org: Organisation, reg: Registration, waiting_since: datetime,
                     reason: str) -> Registration:
    """`set_waiting_since` of a registration the caller holds already (an import that has just stored it)."""
    if not may_see(session=session, org=org, registration=reg):
        raise NotFound(f"no registration {reg.id}")
    if waiting_since.tzinfo is None:
        raise InvalidFields([FieldError(field="waiting_since", message="give a time zone, e.g. 2024-03-01T00:00:00Z",
                                        type="timezone_aware")])
    if waiting_since > reg.created_at:
        raise InvalidFields([FieldError(field="waiting_since", message="can only be earlier than the registration",
                                        type="too_late")])
    previous = reg.waiting_since
    reg.waiting_since = waiting_since
    reg.waiting_since_reason = reason
    reg.version += 1
    reg.updated_at = utcnow()
    session.add(reg)
    audit.record(session=session, organisation=org, action="set_waiting_since", entity_type=ENTITY, entity_id=reg.id,
                 detail={"from": previous.isoformat(), "to": waiting_since.isoformat(), "reason": reason})
    return reg


def count_by_status(*, session: Session, org: Organisation) -> dict[RegistrationStatus, int]:
    """How many of a care provider's registrations are in each status (counts only: no one's data)."""
    rows = session.exec(select(Registration.status, func.count()).where(Registration.care_provider_id == org.id)
                        .group_by(col(Registration.status))).all()
    counts = dict.fromkeys(RegistrationStatus, 0)
    for status, n in rows:
        counts[RegistrationStatus(status)] = n
    return counts
