"""Deadlines from region policy: what is late, and applying what policy says happens next (the tick)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from service.dwellings.models import Dwelling, DwellingStatus
from service.regions import service as regions_service
from service.registrations.models import Registration, RegistrationStatus
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate, ShortlistStatus
from service.sqltypes import utcnow
from service.workflow import notify
from service.workflow import service as workflow


@dataclass(frozen=True)
class Overdue:
    """A published shortlist without a selection, or an offer without an answer, past its deadline."""

    kind: str
    dwelling_id: uuid.UUID
    registration_id: uuid.UUID | None
    due_at: datetime
    days_late: float


def overdue(*, session: Session, municipalities: Iterable[str], at: datetime | None = None) -> list[Overdue]:
    """Everything late at `at` (default now) for dwellings in these municipalities, latest first."""
    moment = at or utcnow()
    codes = set(municipalities)
    late: list[Overdue] = []
    shortlists = [(s, d) for s, d in _late_shortlists(session, moment) if d.municipality_code in codes]
    offers = [(c, s) for c, s, d in _late_offers(session, moment) if d.municipality_code in codes]
    for shortlist, dwelling in shortlists:
        assert shortlist.select_by is not None
        late.append(Overdue(kind="shortlist", dwelling_id=dwelling.id, registration_id=None,
                            due_at=shortlist.select_by, days_late=_days(moment - shortlist.select_by)))
    for candidate, shortlist in offers:
        assert candidate.answer_by is not None
        late.append(Overdue(kind="offer", dwelling_id=shortlist.dwelling_id, registration_id=candidate.registration_id,
                            due_at=candidate.answer_by, days_late=_days(moment - candidate.answer_by)))
    return sorted(late, key=lambda o: o.days_late, reverse=True)


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 2)


def _late_shortlists(session: Session, moment: datetime) -> list[tuple[Shortlist, Dwelling]]:
    rows = session.exec(select(Shortlist, Dwelling).join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
                        .where(Shortlist.status == ShortlistStatus.published.value,
                               Dwelling.status == DwellingStatus.published.value,
                               col(Shortlist.select_by) < moment)).all()
    return [(s, d) for s, d in rows]


def _late_offers(session: Session, moment: datetime) -> list[tuple[ShortlistCandidate, Shortlist, Dwelling]]:
    rows = session.exec(select(ShortlistCandidate, Shortlist, Dwelling)
                        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                        .join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
                        .where(ShortlistCandidate.status == CandidateStatus.selected.value,
                               col(ShortlistCandidate.answer_by) < moment)).all()
    return [(c, s, d) for c, s, d in rows]


def apply_expiry(*, session: Session, at: datetime | None = None) -> dict[str, int]:
    """Apply policy to everything late: lapse offers, rematch or surface shortlists. Returns counts per action."""
    moment = at or utcnow()
    counts = {"offers_expired": 0, "offers_surfaced": 0, "shortlists_rematched": 0, "shortlists_surfaced": 0,
              "registrations_resumed": 0}
    for candidate, shortlist, _dwelling in _late_offers(session, moment):
        dwelling = session.exec(select(Dwelling).where(Dwelling.id == shortlist.dwelling_id).with_for_update()).one()
        policy = regions_service.policy_for_municipality(session=session, code=dwelling.municipality_code)
        reg = session.get(Registration, candidate.registration_id)
        assert reg is not None
        if policy.on_offer_expiry == "fall_through":
            workflow.move_candidate(session, candidate, CandidateStatus.expired, None, dwelling.id, "deadline")
            workflow.move_registration(session, reg.id, RegistrationStatus.active, None, "offer expired")
            notify.offer_expired(session=session, dwelling=dwelling, registration=reg)
            workflow.fall_through(session=session, dwelling=dwelling, shortlist=shortlist, org=None)
            counts["offers_expired"] += 1
        elif candidate.overdue_noted_at is None:
            candidate.overdue_noted_at = moment
            session.add(candidate)
            notify.offer_expired(session=session, dwelling=dwelling, registration=reg)
            counts["offers_surfaced"] += 1
    for shortlist, dwelling in _late_shortlists(session, moment):
        policy = regions_service.policy_for_municipality(session=session, code=dwelling.municipality_code)
        if policy.on_shortlist_expiry == "rematch":
            notify.shortlist_expired(session=session, dwelling=dwelling, shortlist=shortlist)
            workflow.release_candidates(session=session, shortlist=shortlist, org=None, dwelling_id=dwelling.id)
            workflow.fall_through(session=session, dwelling=dwelling, shortlist=shortlist, org=None)
            counts["shortlists_rematched"] += 1
        elif shortlist.overdue_noted_at is None:
            shortlist.overdue_noted_at = moment
            session.add(shortlist)
            notify.shortlist_expired(session=session, dwelling=dwelling, shortlist=shortlist)
            counts["shortlists_surfaced"] += 1
    for reg in session.exec(select(Registration).where(Registration.status == RegistrationStatus.paused.value,
                                                       col(Registration.paused_until) <= moment.date())).all():
        workflow.resume(session=session, org=None, registration_id=reg.id, registration=reg)
        counts["registrations_resumed"] += 1
    return counts
