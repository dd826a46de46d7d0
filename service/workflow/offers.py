"""The offers running for a care provider's clients: which dwelling, since when, and the date to answer by.

The care provider sees the address of a dwelling only once it is offered to its client (the corporation chose
her); nominations before that are the office's business.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.dwellings.models import Dwelling
from service.organisations.models import Organisation
from service.registrations.models import Registration
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate


@dataclass(frozen=True)
class RunningOffer:
    """A dwelling offered to a client, waiting for (or past) the client's answer."""

    registration_id: uuid.UUID
    dwelling_id: uuid.UUID
    address: str
    city: str
    rooms: int
    rent_cents: int
    offered_at: datetime | None
    answer_by: datetime | None
    accepted: bool


def running_offers(*, session: Session, org: Organisation,
                   registration_ids: list[uuid.UUID]) -> dict[uuid.UUID, RunningOffer]:
    """The running offer of each of these registrations of `org` (a care provider), in one query."""
    if not registration_ids:
        return {}
    rows = session.exec(
        select(ShortlistCandidate, Dwelling)
        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
        .join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
        .join(Registration, col(Registration.id) == col(ShortlistCandidate.registration_id))
        .where(col(ShortlistCandidate.registration_id).in_(registration_ids),
               col(Registration.care_provider_id) == org.id,
               col(ShortlistCandidate.status).in_([CandidateStatus.selected.value, CandidateStatus.accepted.value]))
    ).all()
    return {c.registration_id: RunningOffer(
        registration_id=c.registration_id, dwelling_id=d.id,
        address=f"{d.street} {d.house_number}{d.house_number_suffix or ''}", city=d.city, rooms=d.rooms,
        rent_cents=d.bare_rent_cents + d.service_costs_cents, offered_at=c.offered_at, answer_by=c.answer_by,
        accepted=c.status == CandidateStatus.accepted.value) for c, d in rows}
