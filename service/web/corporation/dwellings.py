"""Mijn woningen: the corporation's dwellings by status, and each dwelling's page with the published voordracht as
minimised candidate cards; select or reject a candidate, record the let, withdraw the offer.

The voordracht is exactly what `GET /v1/dwellings/{id}/shortlist` gives a corporation (reads.shortlist_for, which
minimises and audits); every step calls the service its API route calls. A step that is refused renders the page
again with the reason and everything typed; a withdrawal carries the version it was read at, as If-Match does.
"""

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from service.dwellings import service as dwellings_service
from service.dwellings.models import Dwelling, DwellingStatus
from service.dwellings.schemas import ContractType
from service.errors import Conflict, InvalidFields, NotFound, PreconditionFailed
from service.registrations.schemas import ContractNeed, SupportIntensity
from service.shortlists import reads
from service.shortlists.models import CandidateStatus
from service.shortlists.schemas import CandidatePublic, ShortlistPublic
from service.web.corporation.offer import CONTRACT_TYPES, DWELLING_TYPES
from service.web.forms import calendar_date
from service.web.i18n import N_
from service.web.listing import Paging, query_prefix
from service.web.pages import CorporationPage, Page
from service.web.templating import Gettext
from service.workflow import changes, reasons, service
from service.workflow.own_dwellings import OwnTab, own_dwelling, own_dwellings, working_municipalities
from service.workflow.schemas import RecordLet, RejectCandidate, Withdrawal

router = APIRouter()

TAB_LABELS = {
    OwnTab.with_office: N_("Bij het regiobureau"),
    OwnTab.to_choose: N_("Kies een kandidaat"),
    OwnTab.chosen: N_("Kandidaat gekozen"),
    OwnTab.let: N_("Verhuurd"),
    OwnTab.withdrawn: N_("Ingetrokken"),
}
STATUS_LABELS = {
    DwellingStatus.offered: N_("Aangeboden"),
    DwellingStatus.shortlisted: N_("Voordracht in voorbereiding"),
    DwellingStatus.published: N_("Voordracht klaar: kies een kandidaat"),
    DwellingStatus.candidate_selected: N_("Kandidaat gekozen"),
    DwellingStatus.let: N_("Verhuurd"),
    DwellingStatus.withdrawn: N_("Ingetrokken"),
}
STATUS_TONES = {DwellingStatus.published: "warning", DwellingStatus.candidate_selected: "info",
                DwellingStatus.let: "ok", DwellingStatus.withdrawn: "neutral"}
CANDIDATE_LABELS = {
    CandidateStatus.published: N_("Voorgedragen"),
    CandidateStatus.selected: N_("Gekozen: wacht op het antwoord van de cliënt"),
    CandidateStatus.accepted: N_("Heeft het aanbod aangenomen"),
    CandidateStatus.let: N_("Huurder"),
    CandidateStatus.rejected: N_("Door u afgewezen"),
    CandidateStatus.declined: N_("Heeft het aanbod afgeslagen"),
    CandidateStatus.expired: N_("Heeft niet op tijd geantwoord"),
    CandidateStatus.released: N_("Niet meer op de voordracht"),
    CandidateStatus.cancelled: N_("Van de voordracht gehaald"),
}
CANDIDATE_TONES = {CandidateStatus.selected: "info", CandidateStatus.accepted: "ok", CandidateStatus.let: "ok",
                   CandidateStatus.rejected: "neutral", CandidateStatus.declined: "neutral",
                   CandidateStatus.expired: "neutral", CandidateStatus.released: "neutral",
                   CandidateStatus.cancelled: "neutral"}
SUPPORT_LABELS = {
    SupportIntensity.none: N_("Geen begeleiding"),
    SupportIntensity.light: N_("Lichte begeleiding"),
    SupportIntensity.medium: N_("Middelzware begeleiding"),
    SupportIntensity.intensive: N_("Intensieve begeleiding"),
}
CONTRACT_NEEDS = {
    ContractNeed.flip_required: N_("Alleen met een omklapcontract"),
    ContractNeed.regular_only: N_("Alleen een gewoon huurcontract"),
    ContractNeed.any: N_("Elke contractvorm"),
}
DONE = {
    "aangeboden": N_("De woning is aangeboden. Doorstroom zocht meteen passende kandidaten; u ziet ze zodra het "
                     "regiobureau de voordracht publiceert."),
    "gekozen": N_("U hebt een kandidaat gekozen. De zorgaanbieder bespreekt het aanbod met de cliënt; het antwoord "
                  "ziet u hier en in Meldingen."),
    "afgewezen": N_("De kandidaat is afgewezen. De zorgaanbieder hoort de reden."),
    "verhuurd": N_("De verhuur is vastgelegd. Gefeliciteerd met de nieuwe huurder."),
    "ingetrokken": N_("De woning is ingetrokken."),
}
STALE = N_("Deze woning is intussen veranderd, door een collega of in een ander venster. Hieronder ziet u hoe het "
           "er nu voor staat; doe het opnieuw als het nog nodig is.")
GONE = N_("Deze kandidaat staat niet meer op de voordracht. Hieronder ziet u hoe het er nu voor staat.")
OFFER_OUT = N_("Er loopt een aanbod aan een kandidaat. Wijs die kandidaat eerst af, met een reden, en trek de woning "
               "daarna in.")


@dataclass(frozen=True)
class Actions:
    """What the corporation can do with one candidate now (the service decides; this only offers the buttons)."""

    select: bool
    reject: bool
    let: bool


def _actions(dwelling: Dwelling, candidate: CandidatePublic) -> Actions:
    status, live = DwellingStatus(dwelling.status), candidate.status
    choosing = status in (DwellingStatus.published, DwellingStatus.candidate_selected)
    return Actions(select=status is DwellingStatus.published and live == CandidateStatus.published,
                   reject=choosing and live in (CandidateStatus.published, CandidateStatus.selected,
                                                CandidateStatus.accepted),
                   let=status is DwellingStatus.candidate_selected and live == CandidateStatus.accepted)


def _reason_options(language: str) -> list[tuple[str, str]]:
    return [(r.code, r.nl if language == "nl" else r.en) for r in reasons.CORPORATION_REASONS]


@router.get("/woningen")
def dwellings_page(page: CorporationPage, tab: OwnTab | None = None,
                   pagina: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """The corporation's dwellings, one tab at a time, with the count of every tab (first: what waits for them)."""
    paging = Paging.of(pagina)
    found = own_dwellings(session=page.session, org=page.organisation, tab=tab, limit=paging.limit,
                          offset=paging.offset)
    return page.render("corporation/dwellings.html", found=found, tab=found.tab, tabs=list(OwnTab),
                       tab_labels=TAB_LABELS, status_labels=STATUS_LABELS, status_tones=STATUS_TONES, paging=paging,
                       page_query=query_prefix(tab=found.tab.value))


def _shortlist(page: Page, dwelling: Dwelling) -> ShortlistPublic | None:
    """The corporation's view of the published voordracht, as the API gives it; None before it is published."""
    if dwelling.status not in (DwellingStatus.published, DwellingStatus.candidate_selected, DwellingStatus.let):
        return None
    try:
        return reads.shortlist_for(session=page.session, org=page.organisation, dwelling_id=dwelling.id)
    except NotFound:
        return None


def _detail(page: Page, dwelling_id: uuid.UUID, *, status_code: int = 200, errors: list[tuple[str, str]] | None = None,
            typed: dict[str, Any] | None = None, notice: str | None = None, done: str | None = None) -> Response:
    """A dwelling's page: the offer, where it stands, the voordracht and the steps open now."""
    dwelling = dwellings_service.get_dwelling(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    item = own_dwelling(session=page.session, org=page.organisation, dwelling_id=dwelling.id)
    shortlist = _shortlist(page, dwelling)
    _ = page._
    names = dict(working_municipalities(session=page.session, org=page.organisation))
    status = DwellingStatus(dwelling.status)
    return page.render(
        "corporation/dwellings_detail.html", status_code=status_code, dwelling=dwellings_service.to_public(dwelling),
        item=item, address=item.address if item else dwelling.external_ref, status=status, shortlist=shortlist,
        actions={c.registration_id: _actions(dwelling, c) for c in shortlist.candidates} if shortlist else {},
        municipality=names.get(dwelling.municipality_code, dwelling.municipality_code),
        can_withdraw=status in (DwellingStatus.offered, DwellingStatus.shortlisted, DwellingStatus.published),
        status_labels=STATUS_LABELS, status_tones=STATUS_TONES, candidate_labels=CANDIDATE_LABELS,
        candidate_tones=CANDIDATE_TONES, support_labels=SUPPORT_LABELS, contract_needs=CONTRACT_NEEDS,
        dwelling_types=DWELLING_TYPES, contract_types=CONTRACT_TYPES, reason_options=_reason_options(page.language),
        let_options=[(c, _(CONTRACT_TYPES[ContractType(c)])) for c in dwelling.contract_types],
        errors=errors or [], typed=typed or {}, notice=notice, offer_out=_(OFFER_OUT),
        done=_(DONE[done]) if done in DONE else None, let_registration=dwelling.let_registration_id,
        let_contract=dwelling.let_contract_type, let_start=dwelling.let_start_date)


@router.get("/woningen/{dwelling_id}")
def dwelling_page(page: CorporationPage, dwelling_id: uuid.UUID, gedaan: str | None = None) -> Response:
    """One dwelling (404 for another organisation's, as in the API)."""
    return _detail(page, dwelling_id, done=gedaan)


def _refused(page: Page, dwelling_id: uuid.UUID, exc: Exception, typed: dict[str, Any]) -> Response:
    """A step the service refused because the dwelling moved on since the page was read: say so, keep the typing."""
    _ = page._
    if isinstance(exc, NotFound):
        message = _(GONE)
    elif isinstance(exc, Conflict) and exc.extra.get("current_state") == DwellingStatus.candidate_selected.value \
            and typed.get("form") == "intrekken":
        message = _(OFFER_OUT)
    else:
        message = _(STALE)
    return _detail(page, dwelling_id, status_code=409, typed=typed, notice=message)


def _field_messages(exc: ValidationError | InvalidFields, messages: dict[tuple[str, str], str],
                    ids: dict[str, str], _: Gettext) -> list[tuple[str, str]]:
    """(field id, Dutch message) per error of a step's schema; `messages` by (field, error type), `*` any type."""
    raw = ([(".".join(str(p) for p in e.get("loc", ())), str(e.get("type"))) for e in exc.errors()]
           if isinstance(exc, ValidationError) else [(e.field, e.type) for e in exc.extra["errors"]])
    found: dict[str, str] = {}
    for field, kind in raw:
        field = field if field in ids else ""  # a rule of the whole document (other needs a note) is the note's
        message = messages.get((field, kind)) or messages.get((field, "*")) or messages[("", "*")]
        found.setdefault(ids.get(field, ids[""]), _(message))
    return list(found.items())


REJECT_MESSAGES = {
    ("reason_code", "missing"): N_("Kies een reden."),
    ("reason_code", "unknown_code"): N_("Kies een reden uit de lijst."),
    ("reason_code", "*"): N_("Kies een reden uit de lijst."),
    ("note", "string_too_long"): N_("De toelichting is te lang: hoogstens 1000 tekens."),
    ("note", "*"): N_("Schrijf bij de reden 'Anders' in de toelichting waarom u deze kandidaat afwijst."),
    ("", "*"): N_("Schrijf bij de reden 'Anders' in de toelichting waarom u deze kandidaat afwijst."),
}


@router.post("/woningen/{dwelling_id}/afwijzen")
def reject_candidate(page: CorporationPage, dwelling_id: uuid.UUID, registration_id: Annotated[uuid.UUID, Form()],
                     rank: Annotated[int, Form()], reason_code: Annotated[str, Form()] = "",
                     note: Annotated[str, Form()] = "") -> Response:
    """Reject a candidate for good, with one of the corporation's reasons (a note for 'other')."""
    dwellings_service.get_dwelling(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    typed = {"form": "afwijzen", "registration_id": registration_id, "reason_code": reason_code, "note": note}
    ids = {"reason_code": f"afwijzen-{rank}-reden", "note": f"afwijzen-{rank}-toelichting",
           "": f"afwijzen-{rank}-toelichting"}
    document = {"registration_id": registration_id, "note": note.strip() or None,
                **({"reason_code": reason_code} if reason_code else {})}
    try:
        data = RejectCandidate.model_validate(document)
        reasons.check_code(data.reason_code, reasons.CORPORATION_CODES)
    except (ValidationError, InvalidFields) as exc:
        return _detail(page, dwelling_id, status_code=422, typed=typed,
                       errors=_field_messages(exc, REJECT_MESSAGES, ids, page._))
    try:
        with page.session.begin_nested():
            service.reject_candidate(session=page.session, org=page.organisation, dwelling_id=dwelling_id,
                                     registration_id=data.registration_id, reason_code=data.reason_code,
                                     note=data.note)
    except (Conflict, NotFound) as exc:
        return _refused(page, dwelling_id, exc, typed)
    return page.redirect(f"/woningen/{dwelling_id}?gedaan=afgewezen")


@router.post("/woningen/{dwelling_id}/kiezen")
def select_candidate(page: CorporationPage, dwelling_id: uuid.UUID,
                     registration_id: Annotated[uuid.UUID, Form()]) -> Response:
    """Choose a candidate: the offer goes to the client."""
    dwellings_service.get_dwelling(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    try:
        with page.session.begin_nested():
            service.select_candidate(session=page.session, org=page.organisation, dwelling_id=dwelling_id,
                                     registration_id=registration_id)
    except (Conflict, NotFound) as exc:
        return _refused(page, dwelling_id, exc, {"form": "kiezen", "registration_id": registration_id})
    return page.redirect(f"/woningen/{dwelling_id}?gedaan=gekozen")


LET_MESSAGES = {
    ("contract_type", "missing"): N_("Kies de contractvorm."),
    ("contract_type", "not_offered"): N_("Deze woning wordt niet onder deze contractvorm verhuurd."),
    ("contract_type", "*"): N_("Kies de contractvorm uit de lijst."),
    ("start_date", "missing"): N_("Vul de ingangsdatum van het huurcontract in."),
    ("start_date", "*"): N_("Vul een datum in, bijvoorbeeld 1-12-2026."),
    ("", "*"): N_("Vul de contractvorm en de ingangsdatum in."),
}


@router.post("/woningen/{dwelling_id}/verhuurd")
def record_let(page: CorporationPage, dwelling_id: uuid.UUID, registration_id: Annotated[uuid.UUID, Form()],
               contract_type: Annotated[str, Form()] = "",
               start_date: Annotated[str, Form(alias="verhuur-ingang")] = "") -> Response:
    """Record the signed lease of the candidate who accepted: contract type and start date."""
    dwellings_service.get_dwelling(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    typed = {"form": "verhuur", "registration_id": registration_id, "contract_type": contract_type,
             "start_date": start_date}
    ids = {"contract_type": "verhuur-contract", "start_date": "verhuur-ingang", "": "verhuur-contract"}
    document = {"registration_id": registration_id, **({"contract_type": contract_type} if contract_type else {}),
                **({"start_date": calendar_date(start_date)} if start_date.strip() else {})}
    try:
        data = RecordLet.model_validate(document)
        with page.session.begin_nested():
            service.record_let(session=page.session, org=page.organisation, dwelling_id=dwelling_id,
                               registration_id=data.registration_id, contract_type=data.contract_type.value,
                               start_date=data.start_date)
    except (ValidationError, InvalidFields) as exc:
        return _detail(page, dwelling_id, status_code=422, typed=typed,
                       errors=_field_messages(exc, LET_MESSAGES, ids, page._))
    except (Conflict, NotFound) as exc:
        return _refused(page, dwelling_id, exc, typed)
    return page.redirect(f"/woningen/{dwelling_id}?gedaan=verhuurd")


WITHDRAW_MESSAGES = {
    ("reason", "string_too_long"): N_("De reden is te lang: hoogstens 500 tekens."),
    ("reason", "*"): N_("Deze reden kan niet worden opgeslagen."),
    ("", "*"): N_("Deze reden kan niet worden opgeslagen."),
}


@router.post("/woningen/{dwelling_id}/intrekken")
def withdraw_dwelling(page: CorporationPage, dwelling_id: uuid.UUID, versie: Annotated[int, Form()],
                      reason: Annotated[str, Form()] = "") -> Response:
    """Withdraw the offer, as it was when the page was read (the version, as If-Match)."""
    dwellings_service.get_dwelling(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    typed = {"form": "intrekken", "reason": reason}
    try:
        data = Withdrawal.model_validate({"reason": reason.strip() or None})
    except ValidationError as exc:
        return _detail(page, dwelling_id, status_code=422, typed=typed,
                       errors=_field_messages(exc, WITHDRAW_MESSAGES, {"reason": "intrekken-reden",
                                                                       "": "intrekken-reden"}, page._))
    try:
        with page.session.begin_nested():
            changes.withdraw_dwelling(session=page.session, org=page.organisation, dwelling_id=dwelling_id,
                                      reason=data.reason, expected_version=versie)
    except (Conflict, NotFound, PreconditionFailed) as exc:
        return _refused(page, dwelling_id, exc, typed)
    return page.redirect(f"/woningen/{dwelling_id}?gedaan=ingetrokken")

