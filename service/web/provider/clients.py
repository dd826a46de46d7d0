"""Mijn cliënten: the care provider's registrations by status, and per client the offer to answer, why there is no
dwelling yet, the timeline, and pause, resume and withdraw. Every step calls the service its API route calls."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from service import clock
from service.errors import Conflict, InvalidFields, PreconditionFailed
from service.registrations import service as registrations_service
from service.registrations.models import OPEN_STATUSES, RegistrationStatus
from service.stuck import service as stuck_service
from service.web.forms import calendar_date, schema_errors
from service.web.i18n import N_
from service.web.listing import Paging, query_prefix
from service.web.pages import CareProviderPage, Page
from service.web.rules import rule_text
from service.workflow import changes, reasons
from service.workflow import service as workflow
from service.workflow.offers import running_offers
from service.workflow.schemas import DeclineOffer, Pause
from service.workflow.timeline import registration_timeline

router = APIRouter()

STATUS_LABELS = {
    RegistrationStatus.active: N_("Wacht op een woning"),
    RegistrationStatus.nominated: N_("Voorgedragen"),
    RegistrationStatus.offered: N_("Woning aangeboden"),
    RegistrationStatus.paused: N_("Gepauzeerd"),
    RegistrationStatus.housed: N_("Gehuisvest"),
    RegistrationStatus.withdrawn: N_("Ingetrokken"),
}
STATUS_TONES = {RegistrationStatus.offered: "warning", RegistrationStatus.housed: "ok",
                RegistrationStatus.withdrawn: "neutral", RegistrationStatus.paused: "neutral"}
# What the timeline's steps mean to a care provider.
STEPS = {
    "create": N_("Aangemeld"), "update": N_("Gegevens gewijzigd"), "withdraw": N_("Ingetrokken"),
    "pause": N_("Gepauzeerd"), "resume": N_("Hervat"), "region_move": N_("Naar een andere regio"),
    "waiting_since": N_("Wachtdatum aangepast"), "status": N_("Status gewijzigd"),
}
NOTICES = {
    "aangemeld": N_("Uw cliënt is aangemeld en staat op de lijst van het regiobureau."),
    "gewijzigd": N_("De wijziging is opgeslagen."), "geaccepteerd": N_("Het aanbod is aangenomen."),
    "geweigerd": N_("Het aanbod is geweigerd."), "gepauzeerd": N_("De aanmelding is gepauzeerd."),
    "hervat": N_("De aanmelding doet weer mee."), "ingetrokken": N_("De aanmelding is ingetrokken."),
}


@router.get("/clienten")
def clients(page: CareProviderPage, status: RegistrationStatus | None = None,
            pagina: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """The provider's clients, longest waiting first, with their running offers."""
    paging = Paging.of(pagina)
    rows, total = registrations_service.list_registrations(session=page.session, org=page.organisation,
                                                           status=status, limit=paging.limit, offset=paging.offset)
    offers = running_offers(session=page.session, org=page.organisation, registration_ids=[r.id for r in rows])
    return page.render("provider/clients.html", rows=rows, total=total, offers=offers, status=status,
                       counts=registrations_service.count_by_status(session=page.session, org=page.organisation),
                       labels=STATUS_LABELS, tones=STATUS_TONES, paging=paging,
                       page_query=query_prefix(status=status.value if status else None))


def _client(page: Page, registration_id: uuid.UUID, *, errors: list[tuple[str, str]] | None = None,
            status_code: int = 200, notice: str | None = None) -> Response:
    _ = page._
    reg = registrations_service.read_registration(session=page.session, org=page.organisation,
                                                  registration_id=registration_id)
    offer = running_offers(session=page.session, org=page.organisation, registration_ids=[reg.id]).get(reg.id)
    eligibility = (stuck_service.eligibility(session=page.session, org=page.organisation, registration_id=reg.id)
                   if reg.status in (RegistrationStatus.active.value, RegistrationStatus.nominated.value) else None)
    timeline = registration_timeline(session=page.session, org=page.organisation, registration_id=reg.id)
    why = []
    if eligibility is not None:
        why = [(rule_text(r.code, _), r.passing, r.eligible_without) for r in eligibility.rules
               if r.code in eligibility.blocking_rules]
    return page.render("provider/clients_detail.html", status_code=status_code,
                       reg=registrations_service.to_public(reg),
                       offer=offer, eligibility=eligibility, why=why, timeline=timeline, steps=STEPS,
                       labels=STATUS_LABELS, tones=STATUS_TONES, open=RegistrationStatus(reg.status) in OPEN_STATUSES,
                       reason_options=[(r.code, r.nl if page.language == "nl" else r.en)
                                       for r in reasons.CLIENT_REASONS],
                       errors=errors or [], notice=notice, today=clock.now().date())


@router.get("/clienten/{registration_id}")
def client(page: CareProviderPage, registration_id: uuid.UUID, gedaan: str | None = None) -> Response:
    """One client: status, the offer to answer, why no dwelling yet, the timeline, and what can be done."""
    notice = page._(NOTICES[gedaan]) if gedaan in NOTICES else None
    return _client(page, registration_id, notice=notice)


@router.post("/clienten/{registration_id}/aanbod/accepteren")
def accept(page: CareProviderPage, registration_id: uuid.UUID) -> Response:
    """The client accepts the offer."""
    try:
        workflow.answer_offer(session=page.session, org=page.organisation, registration_id=registration_id,
                              accept=True)
    except Conflict as exc:
        return _client(page, registration_id, status_code=409, errors=[("aanbod", str(exc.detail))])
    return page.redirect(f"/clienten/{registration_id}?gedaan=geaccepteerd")


@router.post("/clienten/{registration_id}/aanbod/weigeren")
def decline(page: CareProviderPage, registration_id: uuid.UUID,
            reden: Annotated[str, Form(alias="reden-weigering")] = "",
            toelichting: Annotated[str, Form()] = "") -> Response:
    """The client declines the offer, with a reason (a note for "other")."""
    _ = page._
    try:
        data = DeclineOffer.model_validate({"reason_code": reden, "note": toelichting.strip() or None})
    except ValidationError as exc:
        errors = [("toelichting" if name in ("", "formulier") else "reden-weigering", message)
                  for name, message in schema_errors(exc, _)]
        return _client(page, registration_id, status_code=422, errors=errors)
    if data.reason_code not in reasons.CLIENT_CODES:
        return _client(page, registration_id, status_code=422, errors=[("reden-weigering", _("Kies een reden."))])
    workflow.answer_offer(session=page.session, org=page.organisation, registration_id=registration_id,
                          accept=False, reason_code=data.reason_code, note=data.note)
    return page.redirect(f"/clienten/{registration_id}?gedaan=geweigerd")


@router.post("/clienten/{registration_id}/pauzeren")
def pause(page: CareProviderPage, registration_id: uuid.UUID, tot: Annotated[str, Form()] = "",
          reden: Annotated[str, Form(alias="reden-pauze")] = "") -> Response:
    """Take the client out of matching until a date."""
    _ = page._
    try:
        data = Pause.model_validate({"until": calendar_date(tot), "reason": reden})
        workflow.pause(session=page.session, org=page.organisation, registration_id=registration_id,
                       until=data.until, reason=data.reason)
    except ValidationError as exc:
        names = {"until": "tot", "reason": "reden-pauze"}
        return _client(page, registration_id, status_code=422, errors=schema_errors(exc, _, names=names))
    except InvalidFields:
        return _client(page, registration_id, status_code=422,
                       errors=[("tot", _("Kies een datum na vandaag."))])
    return page.redirect(f"/clienten/{registration_id}?gedaan=gepauzeerd")


@router.post("/clienten/{registration_id}/hervatten")
def resume(page: CareProviderPage, registration_id: uuid.UUID) -> Response:
    """Put a paused client back into matching."""
    workflow.resume(session=page.session, org=page.organisation, registration_id=registration_id)
    return page.redirect(f"/clienten/{registration_id}?gedaan=hervat")


@router.post("/clienten/{registration_id}/intrekken")
def withdraw(page: CareProviderPage, registration_id: uuid.UUID, versie: Annotated[int | None, Form()] = None,
             reden: Annotated[str, Form(alias="reden-intrekken")] = "") -> Response:
    """Withdraw the registration (it leaves every shortlist it is on)."""
    _ = page._
    try:
        changes.withdraw_registration(session=page.session, org=page.organisation, registration_id=registration_id,
                                      reason=reden.strip()[:500] or None, expected_version=versie)
    except PreconditionFailed:
        return _client(page, registration_id, status_code=409, errors=[("reden-intrekken", _(
            "De aanmelding is intussen gewijzigd. Bekijk haar opnieuw en trek haar dan in."))])
    return page.redirect(f"/clienten/{registration_id}?gedaan=ingetrokken")
