"""The state machines of dwelling, shortlist candidate and registration, and the one way to move between states.

A move that the table does not allow is answered 409 with the current state; every allowed move is audited
with who, when, from, to and why.
"""

from enum import StrEnum
from typing import Any

from sqlmodel import Session

from service.audit import service as audit
from service.dwellings.models import DwellingStatus
from service.errors import Conflict
from service.organisations.models import Organisation
from service.registrations.models import RegistrationStatus
from service.sqltypes import utcnow


class CandidateStatus(StrEnum):
    """Where one candidate stands on one shortlist."""

    proposed = "proposed"  # on a shortlist the coordinator has not published
    published = "published"  # the corporation can see and choose them
    selected = "selected"  # chosen by the corporation: the offer is made to the client
    accepted = "accepted"  # the client accepted the offer; the corporation records the let
    let = "let"  # the lease is signed
    rejected = "rejected"  # by the corporation: final for this pair
    declined = "declined"  # by the client
    expired = "expired"  # the offer was not answered in time
    replaced = "replaced"  # swapped out by the coordinator before publishing
    released = "released"  # the dwelling went to someone else, was withdrawn or is matched again
    cancelled = "cancelled"  # the registration was housed elsewhere, paused or withdrawn


DWELLING_MOVES: dict[str, set[str]] = {
    DwellingStatus.offered: {DwellingStatus.shortlisted, DwellingStatus.withdrawn},
    DwellingStatus.shortlisted: {DwellingStatus.offered, DwellingStatus.published, DwellingStatus.withdrawn},
    DwellingStatus.published: {DwellingStatus.candidate_selected, DwellingStatus.offered, DwellingStatus.withdrawn},
    DwellingStatus.candidate_selected: {DwellingStatus.let, DwellingStatus.published, DwellingStatus.offered,
                                        DwellingStatus.withdrawn},
    DwellingStatus.let: set(),
    DwellingStatus.withdrawn: set(),
}
REGISTRATION_MOVES: dict[str, set[str]] = {
    RegistrationStatus.active: {RegistrationStatus.nominated, RegistrationStatus.paused,
                                RegistrationStatus.withdrawn},
    RegistrationStatus.nominated: {RegistrationStatus.active, RegistrationStatus.offered, RegistrationStatus.paused,
                                   RegistrationStatus.withdrawn},
    RegistrationStatus.offered: {RegistrationStatus.active, RegistrationStatus.housed, RegistrationStatus.withdrawn},
    RegistrationStatus.paused: {RegistrationStatus.active, RegistrationStatus.withdrawn},
    RegistrationStatus.housed: set(),
    RegistrationStatus.withdrawn: set(),
}
CANDIDATE_MOVES: dict[str, set[str]] = {
    CandidateStatus.proposed: {CandidateStatus.published, CandidateStatus.replaced, CandidateStatus.released,
                               CandidateStatus.cancelled},
    CandidateStatus.published: {CandidateStatus.selected, CandidateStatus.rejected, CandidateStatus.released,
                                CandidateStatus.cancelled},
    CandidateStatus.selected: {CandidateStatus.accepted, CandidateStatus.declined, CandidateStatus.rejected,
                               CandidateStatus.expired, CandidateStatus.released, CandidateStatus.cancelled},
    CandidateStatus.accepted: {CandidateStatus.let, CandidateStatus.rejected, CandidateStatus.released,
                               CandidateStatus.cancelled},
}
# Candidates who still hold a place on their shortlist.
LIVE_CANDIDATE_STATUSES = {CandidateStatus.proposed, CandidateStatus.published, CandidateStatus.selected,
                           CandidateStatus.accepted}


def move(*, session: Session, record: Any, to: str, moves: dict[str, set[str]], entity_type: str,
         org: Organisation | None, reason: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Move a record to state `to`, or answer 409 naming the current state when the table forbids it."""
    current = record.status
    if to not in moves.get(current, set()):
        raise Conflict(f"a {entity_type.replace('_', ' ')} that is {current} cannot become {to}",
                       current_state=current)
    record.status = to
    if hasattr(record, "version"):
        record.version += 1
    if hasattr(record, "updated_at"):
        record.updated_at = utcnow()
    session.add(record)
    audit.record(session=session, organisation=org, action="transition", entity_type=entity_type,
                 entity_id=record.id, detail={"from": current, "to": to, "reason": reason, **(detail or {})})
