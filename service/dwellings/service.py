"""Offering, reading, changing and withdrawing dwellings."""

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from service.audit import service as audit
from service.concurrency import check_version
from service.dwellings.models import DWELLING_STATES, EDITABLE_STATUSES, OPEN_STATUSES, Dwelling, DwellingStatus
from service.dwellings.schemas import DwellingCreate, DwellingFields, DwellingPublic, DwellingUpdate
from service.errors import Conflict, FieldError, InvalidFields, NotFound
from service.fields import cents_to_euros, euros_to_cents
from service.idempotency import Created, Kind, create_once, digest_of
from service.municipalities import service as municipalities
from service.organisations.models import Organisation, OrganisationKind
from service.regions import scope
from service.sqltypes import utcnow
from service.states import move
from service.validation import invalid_fields_from

ENTITY = "dwelling"
# The dwelling an offer resulted in (`created` False: the same offer again, an idempotent replay).
Offered = Created[Dwelling]
# Dwellings are no personal data: reading one is not audited, so neither is a replay.
OFFER = Kind[Dwelling](
    entity_type=ENTITY, detail=lambda dwelling: {"to": dwelling.status}, replay_is_read=False, direct_insert=True,
    taken=lambda existing: f"external_ref {existing.external_ref!r} is already used for another offer; "
                           "change that dwelling with PATCH or use a new external_ref")


@dataclass(frozen=True)
class Changed:
    """A dwelling after a partial change: the fields that were sent, and whether its location moved."""

    dwelling: Dwelling
    fields: frozenset[str]
    moved: bool


def _columns(data: DwellingFields) -> dict[str, Any]:
    """The flat table columns of an offer document."""
    return {
        "street": data.address.street,
        "house_number": data.address.house_number,
        "house_number_suffix": data.address.house_number_suffix,
        "postcode": data.address.postcode,
        "city": data.address.city,
        "neighbourhood_code": data.neighbourhood_code,
        "municipality_code": municipalities.municipality_of(data.neighbourhood_code),
        "lat": data.location.lat,
        "lon": data.location.lon,
        "dwelling_type": data.dwelling_type.value,
        "rooms": data.rooms,
        "bedrooms": data.bedrooms,
        "floor_area_m2": data.floor_area_m2,
        "floor": data.floor,
        "has_elevator": data.has_elevator,
        "wheelchair_accessible": data.wheelchair_accessible,
        "max_occupants": data.max_occupants,
        "suitable_for_children": data.suitable_for_children,
        "bare_rent_cents": euros_to_cents(data.bare_rent),
        "service_costs_cents": euros_to_cents(data.service_costs),
        "gallery_access": data.low_stimulus_features.gallery_access,
        "shared_entrance_households": data.low_stimulus_features.shared_entrance_households,
        "next_to_business": data.low_stimulus_features.next_to_business,
        "busy_road": data.low_stimulus_features.busy_road,
        "contract_types": [c.value for c in data.contract_types],
        "available_from": data.available_from,
    }


def _document(dwelling: Dwelling) -> dict[str, Any]:
    """The offer document of a stored dwelling, the inverse of `_columns`."""
    return {
        "address": {
            "street": dwelling.street,
            "house_number": dwelling.house_number,
            "house_number_suffix": dwelling.house_number_suffix,
            "postcode": dwelling.postcode,
            "city": dwelling.city,
        },
        "neighbourhood_code": dwelling.neighbourhood_code,
        "location": {"lat": dwelling.lat, "lon": dwelling.lon},
        "dwelling_type": dwelling.dwelling_type,
        "rooms": dwelling.rooms,
        "bedrooms": dwelling.bedrooms,
        "floor_area_m2": dwelling.floor_area_m2,
        "floor": dwelling.floor,
        "has_elevator": dwelling.has_elevator,
        "wheelchair_accessible": dwelling.wheelchair_accessible,
        "max_occupants": dwelling.max_occupants,
        "suitable_for_children": dwelling.suitable_for_children,
        "bare_rent": str(cents_to_euros(dwelling.bare_rent_cents)),
        "service_costs": str(cents_to_euros(dwelling.service_costs_cents)),
        "low_stimulus_features": {
            "gallery_access": dwelling.gallery_access,
            "shared_entrance_households": dwelling.shared_entrance_households,
            "next_to_business": dwelling.next_to_business,
            "busy_road": dwelling.busy_road,
        },
        "contract_types": list(dwelling.contract_types),
        "available_from": dwelling.available_from,
    }


def to_public(dwelling: Dwelling) -> DwellingPublic:
    """The API view of a dwelling."""
    return DwellingPublic.model_validate(
        {
            **_document(dwelling),
            "id": dwelling.id,
            "corporation_id": dwelling.corporation_id,
            "external_ref": dwelling.external_ref,
            "status": dwelling.status,
            "version": dwelling.version,
            "municipality_code": dwelling.municipality_code,
            "created_at": dwelling.created_at,
            "updated_at": dwelling.updated_at,
            "withdrawn_at": dwelling.withdrawn_at,
            "withdrawal_reason": dwelling.withdrawal_reason,
        }
    )


def check_references(*, session: Session, org: Organisation, data: DwellingFields) -> None:
    """Field errors that need the database: the neighbourhood's municipality must exist and lie in a region the
    corporation works in (a dwelling outside every region would reach no matching office)."""
    gm = municipalities.municipality_of(data.neighbourhood_code)
    if municipalities.unknown_municipalities(session=session, codes=[gm]):
        raise InvalidFields(
            [FieldError(field="neighbourhood_code", message=f"municipality {gm} does not exist", type="unknown_code")]
        )
    if not scope.scope_of(session=session, org=org).has_municipality(gm):
        raise InvalidFields([FieldError(
            field="neighbourhood_code", type="not_linked",
            message=f"municipality {gm} lies in no region your organisation works in; the coordinators of its "
                    "region link you to it")])


def offer_dwelling(*, session: Session, org: Organisation, data: DwellingCreate) -> Offered:
    """Store a corporation's offer; the same `external_ref` again never creates a second dwelling."""

    def make(reader: Session, digest: str) -> Dwelling:
        check_references(session=reader, org=org, data=data)
        return Dwelling(corporation_id=org.id, external_ref=data.external_ref, create_digest=digest, **_columns(data))

    return create_once(session=session, org=org, kind=OFFER, data=data, make=make,
                       find=lambda reader: _by_external_ref(session=reader, org=org, external_ref=data.external_ref))


def _by_external_ref(*, session: Session, org: Organisation, external_ref: str) -> Dwelling | None:
    return session.exec(
        select(Dwelling).where(Dwelling.corporation_id == org.id, Dwelling.external_ref == external_ref)
    ).first()


def differs_from_stored(*, session: Session, org: Organisation, data: DwellingCreate) -> bool:
    """True when the corporation already offered this external_ref with other answers (offering it would be 409)."""
    existing = _by_external_ref(session=session, org=org, external_ref=data.external_ref)
    return existing is not None and existing.create_digest != digest_of(data)


def get_dwelling(*, session: Session, org: Organisation, dwelling_id: uuid.UUID, for_update: bool = False) -> Dwelling:
    """A dwelling the organisation may see; 404 for anything else, so ids of others never leak."""
    query = select(Dwelling).where(Dwelling.id == dwelling_id)
    if for_update:
        query = query.with_for_update()
    dwelling = session.exec(query).first()
    if dwelling is None or not may_see(session=session, org=org, dwelling=dwelling):
        raise NotFound(f"no dwelling {dwelling_id}")
    return dwelling


def may_see(*, session: Session, org: Organisation, dwelling: Dwelling) -> bool:
    """Its own corporation, and the coordinators of the region it lies in."""
    if org.kind == OrganisationKind.coordinator:
        return scope.scope_of(session=session, org=org).has_municipality(dwelling.municipality_code)
    return dwelling.corporation_id == org.id


def list_dwellings(
    *, session: Session, org: Organisation, status: DwellingStatus | None, limit: int, offset: int
) -> tuple[list[Dwelling], int]:
    """The dwellings an organisation may see, newest first: its own, or those of a coordinator's regions."""
    query = select(Dwelling)
    if org.kind == OrganisationKind.coordinator:
        own = scope.scope_of(session=session, org=org)
        query = query.where(col(Dwelling.municipality_code).in_(own.municipalities))
    else:
        query = query.where(Dwelling.corporation_id == org.id)
    if status is not None:
        query = query.where(Dwelling.status == status.value)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Dwelling.created_at).desc(), col(Dwelling.id)).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def update_dwelling(
    *, session: Session, org: Organisation, dwelling_id: uuid.UUID, data: DwellingUpdate, expected_version: int | None
) -> Changed:
    """Apply a partial change to an offer that is not yet on a published shortlist."""
    dwelling = get_dwelling(session=session, org=org, dwelling_id=dwelling_id, for_update=True)
    check_version(current=dwelling.version, expected=expected_version)
    if dwelling.status not in EDITABLE_STATUSES:
        raise Conflict(f"a dwelling that is {dwelling.status} can no longer be changed", current_state=dwelling.status)
    changes = data.model_dump(exclude_unset=True)
    try:
        # The merged document is validated whole, so cross-field rules (bedrooms <= rooms) hold after the change.
        merged = DwellingFields.model_validate({**_document(dwelling), **changes})
    except ValidationError as exc:
        raise invalid_fields_from(exc) from None
    check_references(session=session, org=org, data=merged)
    moved = (merged.location.lat, merged.location.lon) != (dwelling.lat, dwelling.lon)
    for name, value in _columns(merged).items():
        setattr(dwelling, name, value)
    dwelling.version += 1
    dwelling.updated_at = utcnow()
    session.add(dwelling)
    audit.record(session=session, organisation=org, action="update", entity_type=ENTITY, entity_id=dwelling.id,
                 detail={"fields": sorted(changes)})
    return Changed(dwelling=dwelling, fields=frozenset(changes), moved=moved)


def withdraw_dwelling(
    *, session: Session, org: Organisation, dwelling_id: uuid.UUID, reason: str | None, expected_version: int | None
) -> Dwelling:
    """Withdraw an offer before it is let; not while an offer is out to a client (reject that candidate first)."""
    dwelling = get_dwelling(session=session, org=org, dwelling_id=dwelling_id, for_update=True)
    check_version(current=dwelling.version, expected=expected_version)
    if dwelling.status == DwellingStatus.candidate_selected:
        # A client holding an offer must hear why it ends: the corporation rejects the candidate with a reason
        # code first. This also gives a select racing a withdraw exactly one winner.
        raise Conflict("an offer is out to a candidate: reject the candidate (with a reason) before withdrawing",
                       current_state=dwelling.status)
    if dwelling.status not in OPEN_STATUSES:
        raise Conflict(f"a dwelling that is {dwelling.status} cannot be withdrawn", current_state=dwelling.status)
    move(session=session, record=dwelling, to=DwellingStatus.withdrawn.value, machine=DWELLING_STATES, org=org,
         reason=reason, action="withdraw")
    dwelling.withdrawn_at = dwelling.updated_at
    dwelling.withdrawal_reason = reason
    return dwelling
