"""Which organisation hears of which step, and what it may read in it.

A corporation hears about its own dwellings and sees candidates only as pseudonymous ids and ranks; a care
provider hears about its own registrations and sees the dwelling it is offered. Nothing else crosses over.
"""

import uuid
from typing import Any

from sqlmodel import Session

from service.dwellings.models import Dwelling
from service.events import service as events
from service.fields import cents_to_euros
from service.registrations.models import Registration
from service.shortlists.models import Shortlist, ShortlistCandidate


def _about_dwelling(dwelling: Dwelling) -> dict[str, Any]:
    return {"dwelling_id": str(dwelling.id), "external_ref": dwelling.external_ref, "status": dwelling.status}


def _about_registration(registration: Registration) -> dict[str, Any]:
    return {"registration_id": str(registration.id), "client_ref": registration.client_ref,
            "status": registration.status}


def _offered_dwelling(dwelling: Dwelling) -> dict[str, Any]:
    """What a care provider needs to discuss an offer with the client."""
    return {"dwelling_id": str(dwelling.id), "street": dwelling.street, "house_number": dwelling.house_number,
            "house_number_suffix": dwelling.house_number_suffix, "postcode": dwelling.postcode,
            "city": dwelling.city, "dwelling_type": dwelling.dwelling_type, "rooms": dwelling.rooms,
            "floor_area_m2": dwelling.floor_area_m2, "bare_rent": str(cents_to_euros(dwelling.bare_rent_cents)),
            "service_costs": str(cents_to_euros(dwelling.service_costs_cents)),
            "available_from": dwelling.available_from.isoformat(), "contract_types": dwelling.contract_types}


def _to_corporation(session: Session, dwelling: Dwelling, type: str, **extra: Any) -> None:
    events.emit(session=session, recipient_id=dwelling.corporation_id, type=type, entity_type="dwelling",
                entity_id=dwelling.id, payload={**_about_dwelling(dwelling), **extra})


def _to_care_provider(session: Session, registration: Registration, type: str, **extra: Any) -> None:
    events.emit(session=session, recipient_id=registration.care_provider_id, type=type, entity_type="registration",
                entity_id=registration.id, payload={**_about_registration(registration), **extra})


def shortlist_published(*, session: Session, dwelling: Dwelling, shortlist: Shortlist,
                        candidates: list[ShortlistCandidate]) -> None:
    """The corporation may now choose."""
    _to_corporation(session, dwelling, "shortlist_published", shortlist_id=str(shortlist.id),
                    select_by=shortlist.select_by.isoformat() if shortlist.select_by else None,
                    candidates=[{"registration_id": str(c.registration_id), "rank": c.rank, "score": c.score}
                                for c in candidates])


def offer_made(*, session: Session, dwelling: Dwelling, registration: Registration,
               candidate: ShortlistCandidate) -> None:
    """The corporation chose: it gets a confirmation, the care provider the offer."""
    _to_corporation(session, dwelling, "candidate_selected", registration_id=str(registration.id))
    _to_care_provider(session, registration, "offer_made", dwelling=_offered_dwelling(dwelling),
                      answer_by=candidate.answer_by.isoformat() if candidate.answer_by else None)


def candidate_rejected(*, session: Session, dwelling: Dwelling, registration: Registration, reason_code: str) -> None:
    """The care provider hears the reason code (the corporation's note stays with the coordinator)."""
    _to_care_provider(session, registration, "candidate_rejected", dwelling_id=str(dwelling.id),
                      reason_code=reason_code)


def offer_answered(*, session: Session, dwelling: Dwelling, registration: Registration, accepted: bool,
                   reason_code: str | None = None) -> None:
    """The corporation hears the client's answer (the client's note stays with the coordinator)."""
    if accepted:
        _to_corporation(session, dwelling, "offer_accepted", registration_id=str(registration.id))
        _to_care_provider(session, registration, "offer_accepted", dwelling_id=str(dwelling.id))
    else:
        _to_corporation(session, dwelling, "offer_declined", registration_id=str(registration.id),
                        reason_code=reason_code)
        _to_care_provider(session, registration, "offer_declined", dwelling_id=str(dwelling.id))


def offer_expired(*, session: Session, dwelling: Dwelling, registration: Registration) -> None:
    """An offer lapsed unanswered: both sides hear it."""
    _to_corporation(session, dwelling, "offer_expired", registration_id=str(registration.id))
    _to_care_provider(session, registration, "offer_expired", dwelling_id=str(dwelling.id))


def shortlist_expired(*, session: Session, dwelling: Dwelling, shortlist: Shortlist) -> None:
    """A published shortlist passed its selection deadline."""
    _to_corporation(session, dwelling, "shortlist_expired", shortlist_id=str(shortlist.id))


def let_recorded(*, session: Session, dwelling: Dwelling, registration: Registration) -> None:
    """The lease is signed: the dwelling is let and the client housed."""
    _to_corporation(session, dwelling, "dwelling_let", registration_id=str(registration.id),
                    contract_type=dwelling.let_contract_type,
                    start_date=dwelling.let_start_date.isoformat() if dwelling.let_start_date else None)
    _to_care_provider(session, registration, "registration_housed", dwelling=_offered_dwelling(dwelling),
                      start_date=dwelling.let_start_date.isoformat() if dwelling.let_start_date else None)


def candidate_released(*, session: Session, dwelling_id: uuid.UUID, registration: Registration) -> None:
    """The client is free again: the dwelling went to someone else or was withdrawn."""
    _to_care_provider(session, registration, "candidate_released", dwelling_id=str(dwelling_id))


def nomination_cancelled(*, session: Session, dwelling: Dwelling, registration: Registration) -> None:
    """A candidate left the corporation's published shortlist (housed elsewhere, paused or withdrawn)."""
    _to_corporation(session, dwelling, "nomination_cancelled", registration_id=str(registration.id))


def registration_paused(*, session: Session, registration: Registration, resumed: bool) -> None:
    """The care provider hears that matching of its client stopped or started again."""
    if resumed:
        _to_care_provider(session, registration, "registration_resumed")
    else:
        _to_care_provider(session, registration, "registration_paused",
                          until=registration.paused_until.isoformat() if registration.paused_until else None)
