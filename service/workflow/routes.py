"""HTTP routes of the workflow: publish, replace, select, reject, offers, let, pause, deadlines, timelines."""

import uuid
from dataclasses import asdict

from fastapi import APIRouter, Response

from service.auth import (
    CareProvider,
    CareProviderOrCoordinator,
    Coordinator,
    Corporation,
    CorporationOrCoordinator,
    CurrentOrg,
)
from service.concurrency import etag
from service.db import SessionDep
from service.dwellings import service as dwellings_service
from service.dwellings.schemas import DwellingPublic
from service.errors import problem_responses
from service.regions import scope
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationPublic
from service.shortlists import reads
from service.shortlists.schemas import ShortlistPublic
from service.workflow import deadlines, reasons, service, timeline
from service.workflow.schemas import (
    DeclineOffer,
    OverduePublic,
    Pause,
    RecordLet,
    RejectCandidate,
    ReplaceCandidate,
    SelectCandidate,
    TimelineEntry,
)

router = APIRouter(tags=["workflow"])
STEP_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


def _registration(response: Response, reg: Registration) -> RegistrationPublic:
    public = registrations_service.to_public(reg)
    response.headers["ETag"] = etag(public.version)
    return public


@router.post("/v1/dwellings/{dwelling_id}/shortlist/publish", response_model=ShortlistPublic, responses=STEP_ERRORS)
def publish_shortlist(dwelling_id: uuid.UUID, org: Coordinator, session: SessionDep) -> ShortlistPublic:
    """Publish a reviewed shortlist to the corporation (coordinator)."""
    service.publish(session=session, org=org, dwelling_id=dwelling_id)
    return reads.shortlist_for(session=session, org=org, dwelling_id=dwelling_id)


@router.post("/v1/dwellings/{dwelling_id}/shortlist/replace", response_model=ShortlistPublic, responses=STEP_ERRORS)
def replace_candidate(dwelling_id: uuid.UUID, data: ReplaceCandidate, org: Coordinator,
                      session: SessionDep) -> ShortlistPublic:
    """Replace a proposed candidate, with a reason; the replacement must pass every hard rule (coordinator)."""
    service.replace(session=session, org=org, dwelling_id=dwelling_id, registration_id=data.registration_id,
                    replacement_id=data.replacement_registration_id, reason=data.reason)
    return reads.shortlist_for(session=session, org=org, dwelling_id=dwelling_id)


@router.post("/v1/dwellings/{dwelling_id}/shortlist/select", response_model=ShortlistPublic, responses=STEP_ERRORS)
def select_candidate(dwelling_id: uuid.UUID, data: SelectCandidate, org: Corporation,
                     session: SessionDep) -> ShortlistPublic:
    """Select a candidate from the published shortlist: the offer goes to the client (corporation)."""
    service.select_candidate(session=session, org=org, dwelling_id=dwelling_id, registration_id=data.registration_id)
    return reads.shortlist_for(session=session, org=org, dwelling_id=dwelling_id)


@router.post("/v1/dwellings/{dwelling_id}/shortlist/reject", response_model=DwellingPublic, responses=STEP_ERRORS)
def reject_candidate(dwelling_id: uuid.UUID, data: RejectCandidate, org: Corporation, session: SessionDep,
                     response: Response) -> DwellingPublic:
    """Reject a candidate for this dwelling, for good, with a reason code (corporation)."""
    reasons.check_code(data.reason_code, reasons.CORPORATION_CODES)
    service.reject_candidate(session=session, org=org, dwelling_id=dwelling_id, registration_id=data.registration_id,
                             reason_code=data.reason_code, note=data.note)
    dwelling = dwellings_service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id)
    response.headers["ETag"] = etag(dwelling.version)
    return dwellings_service.to_public(dwelling)


@router.post("/v1/registrations/{registration_id}/offer/accept", response_model=RegistrationPublic,
             responses=STEP_ERRORS)
def accept_offer(registration_id: uuid.UUID, org: CareProvider, session: SessionDep,
                 response: Response) -> RegistrationPublic:
    """Accept the offer on behalf of the client (care provider)."""
    service.answer_offer(session=session, org=org, registration_id=registration_id, accept=True)
    return _registration(response, registrations_service.read_registration(session=session, org=org,
                                                                            registration_id=registration_id))


@router.post("/v1/registrations/{registration_id}/offer/decline", response_model=RegistrationPublic,
             responses=STEP_ERRORS)
def decline_offer(registration_id: uuid.UUID, data: DeclineOffer, org: CareProvider, session: SessionDep,
                  response: Response) -> RegistrationPublic:
    """Decline the offer on behalf of the client, with a reason code (care provider)."""
    reasons.check_code(data.reason_code, reasons.CLIENT_CODES)
    service.answer_offer(session=session, org=org, registration_id=registration_id, accept=False,
                         reason_code=data.reason_code, note=data.note)
    return _registration(response, registrations_service.read_registration(session=session, org=org,
                                                                            registration_id=registration_id))


@router.post("/v1/dwellings/{dwelling_id}/let", response_model=DwellingPublic, responses=STEP_ERRORS)
def record_let(dwelling_id: uuid.UUID, data: RecordLet, org: Corporation, session: SessionDep,
               response: Response) -> DwellingPublic:
    """Record the signed lease: the dwelling is let and the client housed (corporation)."""
    dwelling = service.record_let(session=session, org=org, dwelling_id=dwelling_id,
                                  registration_id=data.registration_id, contract_type=data.contract_type.value,
                                  start_date=data.start_date)
    response.headers["ETag"] = etag(dwelling.version)
    return dwellings_service.to_public(dwelling)


@router.post("/v1/registrations/{registration_id}/pause", response_model=RegistrationPublic, responses=STEP_ERRORS)
def pause_registration(registration_id: uuid.UUID, data: Pause, org: CareProviderOrCoordinator,
                       session: SessionDep, response: Response) -> RegistrationPublic:
    """Take a registration out of matching until a date (care provider or coordinator)."""
    reg = service.pause(session=session, org=org, registration_id=registration_id, until=data.until,
                        reason=data.reason)
    return _registration(response, reg)


@router.post("/v1/registrations/{registration_id}/resume", response_model=RegistrationPublic, responses=STEP_ERRORS)
def resume_registration(registration_id: uuid.UUID, org: CareProviderOrCoordinator, session: SessionDep,
                        response: Response) -> RegistrationPublic:
    """Put a paused registration back into matching (care provider or coordinator)."""
    return _registration(response, service.resume(session=session, org=org, registration_id=registration_id))


@router.get("/v1/reason-codes", response_model=reasons.ReasonCodes, responses=problem_responses(401))
def list_reason_codes(org: CurrentOrg) -> reasons.ReasonCodes:
    """List the reason codes for rejections (corporation) and declines (client), in Dutch and English."""
    return reasons.ReasonCodes(corporation=reasons.CORPORATION_REASONS, client=reasons.CLIENT_REASONS)


@router.get("/v1/overdue", response_model=list[OverduePublic], responses=problem_responses(401, 403))
def list_overdue(org: Coordinator, session: SessionDep) -> list[OverduePublic]:
    """List published shortlists and offers past their deadline in your regions, latest first (coordinator)."""
    own = scope.scope_of(session=session, org=org)
    return [OverduePublic.model_validate(asdict(o))
            for o in deadlines.overdue(session=session, municipalities=own.municipalities)]


@router.get("/v1/dwellings/{dwelling_id}/timeline", response_model=list[TimelineEntry],
            responses=problem_responses(401, 403, 404, 422))
def get_dwelling_timeline(dwelling_id: uuid.UUID, org: CorporationOrCoordinator,
                          session: SessionDep) -> list[TimelineEntry]:
    """The steps in a dwelling's life, as far as you may see them."""
    return timeline.dwelling_timeline(session=session, org=org, dwelling_id=dwelling_id)


@router.get("/v1/registrations/{registration_id}/timeline", response_model=list[TimelineEntry],
            responses=problem_responses(401, 403, 404, 422))
def get_registration_timeline(registration_id: uuid.UUID, org: CareProviderOrCoordinator,
                              session: SessionDep) -> list[TimelineEntry]:
    """The steps in a registration's life: nominations, offers, answers (audited read)."""
    return timeline.registration_timeline(session=session, org=org, registration_id=registration_id)
