"""The path from a proposed shortlist to a signed lease (product.md, Lifecycle).

Each function is one transaction (the request's): it locks the dwelling first, so two requests acting on the
same dwelling at once are serialised and the second sees the first one's result (one winner, one 409).
"""

import uuid
from datetime import date, timedelta

from sqlmodel import Session, col, select

from service.dwellings import service as dwellings_service
from service.dwellings.models import DWELLING_STATES, Dwelling, DwellingStatus
from service.errors import Conflict, FieldError, InvalidFields, NotFound
from service.organisations.models import Organisation
from service.regions import service as regions_service
from service.registrations import service as registrations_service
from service.registrations.models import REGISTRATION_STATES, Registration, RegistrationStatus
from service.shortlists import service as shortlists_service
from service.shortlists.models import (
    CANDIDATE_STATES,
    LIVE_CANDIDATE_STATUSES,
    SHORTLIST_STATES,
    CandidateStatus,
    RejectedPair,
    Shortlist,
    ShortlistCandidate,
    ShortlistStatus,
)
from service.shortlists.pool import claim
from service.sqltypes import utcnow
from service.states import move
from service.workflow import notify

LIVE = [s.value for s in LIVE_CANDIDATE_STATUSES]  # as SQL values, for the queries below


def _dwelling(session: Session, org: Organisation, dwelling_id: uuid.UUID) -> Dwelling:
    return dwellings_service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id, for_update=True)


def _shortlist(session: Session, dwelling: Dwelling, status: ShortlistStatus) -> Shortlist:
    shortlist = shortlists_service.current_shortlist(session=session, dwelling_id=dwelling.id)
    if shortlist is None or shortlist.status != status.value:
        raise Conflict(f"dwelling {dwelling.id} has no {status.value} shortlist", current_state=dwelling.status)
    return shortlist


def _candidate(session: Session, shortlist: Shortlist, registration_id: uuid.UUID) -> ShortlistCandidate:
    candidate = session.exec(select(ShortlistCandidate).where(
        ShortlistCandidate.shortlist_id == shortlist.id, ShortlistCandidate.registration_id == registration_id,
        col(ShortlistCandidate.status).in_(LIVE))).first()
    if candidate is None:
        raise NotFound(f"registration {registration_id} is not a candidate on this shortlist")
    return candidate


def move_candidate(session: Session, candidate: ShortlistCandidate, to: CandidateStatus, org: Organisation | None,
                    dwelling_id: uuid.UUID, reason: str | None = None,
                    replacement_id: uuid.UUID | None = None) -> None:
    detail = {"dwelling_id": str(dwelling_id), "registration_id": str(candidate.registration_id)}
    if replacement_id is not None:
        detail["replacement_registration_id"] = str(replacement_id)  # who took the place: the timeline says so
    move(session=session, record=candidate, to=to.value, machine=CANDIDATE_STATES, org=org, reason=reason,
         detail=detail)


def move_registration(session: Session, registration_id: uuid.UUID, to: RegistrationStatus,
                       org: Organisation | None, reason: str | None = None) -> Registration:
    reg = session.exec(select(Registration).where(Registration.id == registration_id).with_for_update()).one()
    if reg.status != to.value:
        move(session=session, record=reg, to=to.value, machine=REGISTRATION_STATES,
             org=org, reason=reason)
        if to in (RegistrationStatus.housed, RegistrationStatus.withdrawn):
            reg.ended_at = reg.updated_at  # the retention of its personal fields counts from here
    return reg


def _move_dwelling(session: Session, dwelling: Dwelling, to: DwellingStatus, org: Organisation | None,
                   reason: str | None = None) -> None:
    move(session=session, record=dwelling, to=to.value, machine=DWELLING_STATES, org=org,
         reason=reason)


def close_shortlist(session: Session, shortlist: Shortlist, org: Organisation | None, reason: str) -> None:
    """A shortlist whose dwelling is let, withdrawn or matched again is closed."""
    move(session=session, record=shortlist, to=ShortlistStatus.closed.value, machine=SHORTLIST_STATES, org=org,
         reason=reason, detail={"dwelling_id": str(shortlist.dwelling_id)})


def publish(*, session: Session, org: Organisation, dwelling_id: uuid.UUID) -> Shortlist:
    """The coordinator publishes a reviewed shortlist; the corporation can now see and choose."""
    dwelling = _dwelling(session, org, dwelling_id)
    shortlist = _shortlist(session, dwelling, ShortlistStatus.proposed)
    _move_dwelling(session, dwelling, DwellingStatus.published, org)
    moment = utcnow()
    policy = regions_service.policy_for_municipality(session=session, code=dwelling.municipality_code)
    move(session=session, record=shortlist, to=ShortlistStatus.published.value, machine=SHORTLIST_STATES, org=org,
         detail={"dwelling_id": str(dwelling.id)})
    shortlist.published_at = moment
    shortlist.select_by = moment + timedelta(days=policy.shortlist_deadline_days)
    candidates = _live(session, shortlist)
    for candidate in candidates:
        move_candidate(session, candidate, CandidateStatus.published, org, dwelling.id)
    notify.shortlist_published(session=session, dwelling=dwelling, shortlist=shortlist, candidates=candidates)
    return shortlist


def replace(*, session: Session, org: Organisation, dwelling_id: uuid.UUID, registration_id: uuid.UUID,
            replacement_id: uuid.UUID, reason: str) -> Shortlist:
    """Before publishing, the coordinator swaps a candidate for another registration that passes every rule."""
    dwelling = _dwelling(session, org, dwelling_id)
    shortlist = _shortlist(session, dwelling, ShortlistStatus.proposed)
    candidate = _candidate(session, shortlist, registration_id)
    replacement = session.exec(select(Registration).where(Registration.id == replacement_id)
                               .with_for_update()).first()
    if replacement is None or not registrations_service.may_see(session=session, org=org, registration=replacement):
        raise InvalidFields([FieldError(field="replacement_registration_id", message="no such registration",
                                        type="not_found")])
    region = regions_service.region_code_of(session=session, municipality_code=dwelling.municipality_code)
    if replacement.region_code != region:
        raise InvalidFields([FieldError(
            field="replacement_registration_id", type="other_region",
            message=f"the replacement is on the list of region {replacement.region_code}; this dwelling lies in "
                    f"region {region}")])
    if replacement.status != RegistrationStatus.active.value:
        raise Conflict(f"the replacement is {replacement.status}; only an active registration (on no other "
                       "shortlist) can be nominated", current_state=replacement.status)
    proposal = shortlists_service.evaluate_pair(session=session, dwelling=dwelling, registration=replacement)
    if proposal.failed_rules:
        raise InvalidFields([FieldError(
            field="replacement_registration_id", type="hard_rule",
            message="the replacement does not pass every hard rule: " + ", ".join(proposal.failed_rules))])
    move_candidate(session, candidate, CandidateStatus.replaced, org, dwelling.id, reason, replacement.id)
    move_registration(session, candidate.registration_id, RegistrationStatus.active, org, "replaced")
    # The replacement's row lock is held and it is active: this is the claim, nominated like any other.
    if not claim.nominate(session, shortlist=shortlist, org=org, reason=reason, nominations=[claim.Nomination(
            registration_id=replacement.id, rank=candidate.rank, score=proposal.score,
            score_breakdown=proposal.score_breakdown)]):
        raise Conflict("the replacement was nominated elsewhere meanwhile", current_state="nominated")
    session.flush()
    return shortlist


def select_candidate(*, session: Session, org: Organisation, dwelling_id: uuid.UUID,
                     registration_id: uuid.UUID) -> ShortlistCandidate:
    """The corporation chooses a candidate from the published shortlist: the offer goes to the client."""
    dwelling = _dwelling(session, org, dwelling_id)
    shortlist = _shortlist(session, dwelling, ShortlistStatus.published)
    _move_dwelling(session, dwelling, DwellingStatus.candidate_selected, org)
    candidate = _candidate(session, shortlist, registration_id)
    move_candidate(session, candidate, CandidateStatus.selected, org, dwelling.id)
    policy = regions_service.policy_for_municipality(session=session, code=dwelling.municipality_code)
    candidate.offered_at = utcnow()
    candidate.answer_by = candidate.offered_at + timedelta(days=policy.offer_deadline_days)
    session.add(candidate)
    reg = move_registration(session, registration_id, RegistrationStatus.offered, org)
    notify.offer_made(session=session, dwelling=dwelling, registration=reg, candidate=candidate)
    return candidate


def reject_candidate(*, session: Session, org: Organisation, dwelling_id: uuid.UUID, registration_id: uuid.UUID,
                     reason_code: str, note: str | None) -> ShortlistCandidate:
    """The corporation rejects a candidate, for good: the pair is never proposed again."""
    dwelling = _dwelling(session, org, dwelling_id)
    if dwelling.status not in (DwellingStatus.published, DwellingStatus.candidate_selected):
        raise Conflict(f"a dwelling that is {dwelling.status} has no candidates to reject",
                       current_state=dwelling.status)
    shortlist = _shortlist(session, dwelling, ShortlistStatus.published)
    candidate = _candidate(session, shortlist, registration_id)
    move_candidate(session, candidate, CandidateStatus.rejected, org, dwelling.id, reason_code)
    candidate.reason_code, candidate.note = reason_code, note
    session.add(RejectedPair(dwelling_id=dwelling.id, registration_id=registration_id, reason_code=reason_code))
    reg = move_registration(session, registration_id, RegistrationStatus.active, org, "rejected")
    notify.candidate_rejected(session=session, dwelling=dwelling, registration=reg, reason_code=reason_code)
    fall_through(session=session, dwelling=dwelling, shortlist=shortlist, org=org)
    return candidate


def answer_offer(*, session: Session, org: Organisation, registration_id: uuid.UUID, accept: bool,
                 reason_code: str | None = None, note: str | None = None) -> ShortlistCandidate:
    """The care provider accepts or declines the offer on behalf of the client."""
    lock_dwellings_of(session, registration_id)
    reg = _registration_of(session, org, registration_id)
    candidate = session.exec(select(ShortlistCandidate).where(
        ShortlistCandidate.registration_id == reg.id,
        ShortlistCandidate.status == CandidateStatus.selected.value)).first()
    if candidate is None or reg.status != RegistrationStatus.offered.value:
        raise Conflict("there is no open offer for this registration", current_state=reg.status)
    shortlist = session.get(Shortlist, candidate.shortlist_id)
    assert shortlist is not None
    dwelling = session.exec(select(Dwelling).where(Dwelling.id == shortlist.dwelling_id).with_for_update()).one()
    if accept:
        move_candidate(session, candidate, CandidateStatus.accepted, org, dwelling.id)
        notify.offer_answered(session=session, dwelling=dwelling, registration=reg, accepted=True)
        return candidate
    move_candidate(session, candidate, CandidateStatus.declined, org, dwelling.id, reason_code)
    candidate.reason_code, candidate.note = reason_code, note
    move_registration(session, reg.id, RegistrationStatus.active, org, "declined")
    notify.offer_answered(session=session, dwelling=dwelling, registration=reg, accepted=False,
                          reason_code=reason_code)
    fall_through(session=session, dwelling=dwelling, shortlist=shortlist, org=org)
    return candidate


def record_let(*, session: Session, org: Organisation, dwelling_id: uuid.UUID, registration_id: uuid.UUID,
               contract_type: str, start_date: date) -> Dwelling:
    """The corporation records the signed lease: the dwelling is let and the client housed."""
    dwelling = _dwelling(session, org, dwelling_id)
    shortlist = _shortlist(session, dwelling, ShortlistStatus.published)
    candidate = _candidate(session, shortlist, registration_id)
    if candidate.status != CandidateStatus.accepted.value:
        raise Conflict("only a candidate who accepted the offer can sign the lease", current_state=candidate.status)
    if contract_type not in dwelling.contract_types:
        raise InvalidFields([FieldError(field="contract_type", type="not_offered",
                                        message=f"the dwelling offers {', '.join(dwelling.contract_types)}")])
    _move_dwelling(session, dwelling, DwellingStatus.let, org)
    dwelling.let_registration_id, dwelling.let_contract_type = registration_id, contract_type
    dwelling.let_start_date = start_date
    move_candidate(session, candidate, CandidateStatus.let, org, dwelling.id)
    reg = move_registration(session, registration_id, RegistrationStatus.housed, org)
    close_shortlist(session, shortlist, org, "let")
    release_candidates(session=session, shortlist=shortlist, org=org, dwelling_id=dwelling.id)
    cancel_nominations(session=session, registration=reg, org=org, reason="housed")
    notify.let_recorded(session=session, dwelling=dwelling, registration=reg)
    return dwelling


def lock_dwellings_of(session: Session, registration_id: uuid.UUID) -> None:
    """Lock the dwellings a registration is a live candidate for, before the registration itself.

    Every step locks dwellings before registrations; a step that starts from the registration (an answer, a pause,
    a withdrawal) locking it first would deadlock against one on the dwelling (a rejection, a selection).
    """
    session.exec(select(Dwelling.id)
                 .join(Shortlist, col(Shortlist.dwelling_id) == col(Dwelling.id))
                 .join(ShortlistCandidate, col(ShortlistCandidate.shortlist_id) == col(Shortlist.id))
                 .where(ShortlistCandidate.registration_id == registration_id,
                        col(ShortlistCandidate.status).in_(LIVE))
                 .order_by(col(Dwelling.id)).with_for_update(of=Dwelling)).all()


def _registration_of(session: Session, org: Organisation, registration_id: uuid.UUID) -> Registration:
    reg = session.exec(select(Registration).where(Registration.id == registration_id).with_for_update()).first()
    if reg is None or not registrations_service.may_see(session=session, org=org, registration=reg):
        raise NotFound(f"no registration {registration_id}")
    return reg


def _live(session: Session, shortlist: Shortlist) -> list[ShortlistCandidate]:
    return list(session.exec(select(ShortlistCandidate).where(ShortlistCandidate.shortlist_id == shortlist.id,
                                                              col(ShortlistCandidate.status).in_(LIVE))))


def release_candidates(*, session: Session, shortlist: Shortlist, org: Organisation | None,
                       dwelling_id: uuid.UUID) -> None:
    """Every live candidate of a shortlist is released and, unless housed, free to be matched again."""
    for candidate in _live(session, shortlist):
        move_candidate(session, candidate, CandidateStatus.released, org, dwelling_id)
        reg = move_registration(session, candidate.registration_id, RegistrationStatus.active, org, "released")
        notify.candidate_released(session=session, dwelling_id=dwelling_id, registration=reg)


def fall_through(*, session: Session, dwelling: Dwelling, shortlist: Shortlist, org: Organisation | None) -> None:
    """After a candidate dropped out: back to choosing among those left, or, with none left, match again."""
    live = _live(session, shortlist)
    if dwelling.status == DwellingStatus.candidate_selected and not any(
            c.status in (CandidateStatus.selected, CandidateStatus.accepted) for c in live):
        if live:
            _move_dwelling(session, dwelling, DwellingStatus.published, org, "selected candidate fell through")
            return
    if live:
        return
    close_shortlist(session, shortlist, org, "every candidate fell through")
    _move_dwelling(session, dwelling, DwellingStatus.offered, org, "every candidate fell through")
    session.flush()
    shortlists_service.shortlist_new_dwelling(session=session, dwelling=dwelling)


def cancel_nominations(*, session: Session, registration: Registration, org: Organisation | None,
                       reason: str) -> None:
    """A registration that is housed, paused or withdrawn leaves every shortlist it is on."""
    rows = session.exec(select(ShortlistCandidate, Shortlist)
                        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                        .where(ShortlistCandidate.registration_id == registration.id,
                               col(ShortlistCandidate.status).in_(LIVE))).all()
    for candidate, shortlist in rows:
        dwelling = session.exec(select(Dwelling).where(Dwelling.id == shortlist.dwelling_id).with_for_update()).one()
        move_candidate(session, candidate, CandidateStatus.cancelled, org, dwelling.id, reason)
        notify.nomination_cancelled(session=session, dwelling=dwelling, registration=registration)
        if shortlist.status == ShortlistStatus.published.value:
            fall_through(session=session, dwelling=dwelling, shortlist=shortlist, org=org)


def pause(*, session: Session, org: Organisation, registration_id: uuid.UUID, until: date, reason: str) -> Registration:
    """Take a registration out of matching until a date (it resumes by itself then)."""
    lock_dwellings_of(session, registration_id)
    reg = _registration_of(session, org, registration_id)
    if until <= utcnow().date():
        raise InvalidFields([FieldError(field="until", message="must lie in the future", type="date_past")])
    move(session=session, record=reg, to=RegistrationStatus.paused.value, machine=REGISTRATION_STATES, org=org,
         reason=reason, detail={"until": until.isoformat()})
    reg.paused_until, reg.pause_reason = until, reason
    cancel_nominations(session=session, registration=reg, org=org, reason="paused")
    notify.registration_paused(session=session, registration=reg, resumed=False)
    return reg


def resume(*, session: Session, org: Organisation | None, registration_id: uuid.UUID,
           registration: Registration | None = None) -> Registration:
    """Put a paused registration back into matching."""
    if registration is not None:
        reg = registration
    elif org is not None:
        reg = _registration_of(session, org, registration_id)
    else:  # the tick resumes registrations it has loaded itself
        raise ValueError("resume needs the registration, or the organisation asking for it")
    move(session=session, record=reg, to=RegistrationStatus.active.value, machine=REGISTRATION_STATES, org=org,
         reason="resumed")
    reg.paused_until, reg.pause_reason = None, None
    notify.registration_paused(session=session, registration=reg, resumed=True)
    return reg
