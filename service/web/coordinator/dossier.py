"""Cliëntdossier: one registration as the office sees it, with its eligibility per rule, exemptions (grant and
revoke, with the contingent left), waiting-since, moving to another of the coordinator's regions, the timeline,
and who read it.

Each form calls the service its API route calls, inside a savepoint (a refused change leaves nothing behind but
the audited read of the page that says why), with the version the page was read at: an edit of an older version
is refused and the page shows the new state with what was typed still in the form.
"""

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

import matching
from service.errors import Conflict, FieldError, InvalidFields, PreconditionFailed
from service.exemptions import service as exemptions_service
from service.exemptions.schemas import ExemptionCreate, ExemptionRevoke
from service.registrations import service as registrations_service
from service.registrations.schemas import RegionMove, WaitingSince
from service.sqltypes import utcnow
from service.web.formatting import LOCAL_ZONE
from service.web.i18n import N_
from service.web.listing import Paging
from service.web.pages import CoordinatorPage, Page
from service.web.rules import RULE_LABELS
from service.workflow import changes
from service.workflow.dossier import READS_PAGE, open_dossier

router = APIRouter()
Errors = list[tuple[str, str]]

STATUS_LABELS = {"active": N_("Wacht op een woning"), "nominated": N_("Voorgedragen"), "offered": N_("Aanbod loopt"),
                 "paused": N_("Gepauzeerd"), "housed": N_("Gehuisvest"), "withdrawn": N_("Ingetrokken")}
STATUS_TONES = {"active": "neutral", "nominated": "info", "offered": "info", "paused": "warning", "housed": "ok",
                "withdrawn": "neutral"}
SETTING_LABELS = {"shelter": N_("maatschappelijke opvang"), "supported_housing": N_("beschermd wonen"),
                  "womens_shelter": N_("vrouwenopvang"), "mother_child_home": N_("moeder-kindhuis"),
                  "youth_care": N_("jeugdzorg"), "other": N_("anders")}
SUPPORT_LABELS = {"none": N_("geen"), "light": N_("licht"), "medium": N_("middel"), "intensive": N_("intensief")}
DEBT_LABELS = {"not_needed": N_("niet nodig"), "in_progress": N_("loopt"), "stable": N_("stabiel"),
               "needed_not_started": N_("nodig, nog niet begonnen")}
PLACE_LABELS = {"liquor_store": N_("slijterij"), "cannabis_shop": N_("coffeeshop"),
                "bar_nightlife": N_("café of uitgaansgelegenheid"), "gambling": N_("gokhal of casino")}
LOW_STIMULUS_LABELS = {"required": N_("noodzakelijk"), "preferred": N_("gewenst"), "not_needed": N_("niet nodig")}
CONTRACT_LABELS = {"flip_required": N_("alleen een omklapcontract"),
                   "regular_only": N_("alleen een gewoon huurcontract"), "any": N_("elk contract")}
KIND_LABELS = {"custom_case": N_("Maatwerk"), "housing_first": N_("Housing First"), "urgency": N_("Urgentie")}
# A nomination's steps on the timeline, by the candidate's new state.
CANDIDATE_STEPS = {"proposed": N_("Voorgedragen voor"), "published": N_("Voordracht gepubliceerd voor"),
                   "selected": N_("Aanbod gedaan voor"), "accepted": N_("Aanbod aanvaard voor"),
                   "let": N_("Huurcontract getekend voor"), "rejected": N_("Afgewezen door de corporatie voor"),
                   "declined": N_("Aanbod afgeslagen voor"), "expired": N_("Aanbod verlopen voor"),
                   "replaced": N_("Vervangen op de voordracht voor"), "released": N_("Vrijgegeven van"),
                   "cancelled": N_("Voordracht vervallen voor")}
# The reasons the service itself gives for a step (its own fixed words), as the office reads them; a person's own
# reason is shown as typed.
SYSTEM_REASONS = {
    "nominated by the matcher": N_("voorgedragen door de matching"),
    "shortlist superseded": N_("de voordracht is vervangen door een nieuwe matchingsronde"),
    "shortlist superseded by a round": N_("de voordracht is vervangen door een nieuwe matchingsronde"),
    "nomination ended by a change": N_("de voordracht is beëindigd door een wijziging"),
    "replaced": N_("vervangen op de voordracht"), "rejected": N_("afgewezen door de corporatie"),
    "declined": N_("aanbod afgeslagen"), "released": N_("vrijgegeven"), "housed": N_("elders gehuisvest"),
    "paused": N_("gepauzeerd"), "resumed": N_("hervat"), "withdrawn": N_("ingetrokken"),
    "offer expired": N_("het aanbod is verlopen"), "deadline": N_("de termijn is verstreken"),
}
NO_LONGER_PASSES = "no longer passes "
MOVED_TO_REGION = "moved to region "
DONE = {"ontheffing-verleend": N_("De ontheffing is verleend."),
        "ontheffing-ingetrokken": N_("De ontheffing is ingetrokken."),
        "wachttijd": N_("De wachttijd is aangepast."), "regio": N_("De cliënt staat op de lijst van de andere regio.")}
# The form fields' messages, by the API document's field (and its error type, where one needs its own words).
MESSAGES = {
    "kind": ("soort", N_("Kies de soort ontheffing.")),
    "rules_lifted": ("regels", N_("Kies welke regels de ontheffing opheft.")),
    "": ("regels", N_("Kies welke regels de ontheffing opheft; alleen een urgentie mag er geen opheffen.")),
    "reason": ("reden", N_("Geef een reden van 3 tot 1000 tekens.")),
    "valid_until": ("geldig_tot", N_("Vul een geldige datum in, vandaag of later.")),
    "waiting_since": ("wacht_sinds", N_("Vul een geldige datum in, niet in de toekomst.")),
    "waiting_since:too_late": ("wacht_sinds", N_("De wachttijd kan alleen eerder ingaan dan de aanmelding.")),
    "wait_reason": ("wacht_reden", N_("Geef een reden van 3 tot 500 tekens.")),
    "region": ("regio", N_("Kies een regio.")),
    "move_reason": ("verhuis_reden", N_("Geef een reden van 3 tot 500 tekens.")),
    "revoke_reason": ("intrek_reden", N_("Geef een reden van 3 tot 1000 tekens.")),
}
STALE = N_("Dit dossier is gewijzigd sinds u het opende. Hieronder staat de nieuwe stand; uw invoer staat nog in "
           "het formulier. Kijk of uw wijziging nog klopt en verstuur opnieuw.")


def _field_errors(page: Page, found: Iterable[tuple[str, str]], rename: dict[str, str] | None = None) -> Errors:
    """The page's messages for the API's field errors (field, type), one per form field."""
    errors: dict[str, str] = {}
    for api_field, kind in found:
        name = (rename or {}).get(api_field, api_field)
        form_field, message = MESSAGES.get(f"{name}:{kind}") or MESSAGES.get(name) or MESSAGES["reason"]
        errors.setdefault(form_field, page._(message))
    return list(errors.items())


def _from_pydantic(exc: ValidationError) -> list[tuple[str, str]]:
    return [(str(e["loc"][0]) if e["loc"] else "", str(e["type"])) for e in exc.errors()]


def _from_service(exc: InvalidFields) -> list[tuple[str, str]]:
    found: list[FieldError] = exc.extra.get("errors", [])
    return [(e.field, e.type) for e in found]


def _start_of(value: str) -> datetime | str:
    """A date typed in the form as 00:00 UTC of that day, the moment the API's documents use (and the day the
    waiting days count from); the raw text when it is no date."""
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time(0), tzinfo=UTC)
    except ValueError:
        return value


def reason_text(page: Page, reason: str) -> str:
    """A step's reason in the page's language: the service's own words translated, a person's as typed."""
    if reason in SYSTEM_REASONS:
        return page._(SYSTEM_REASONS[reason])
    if reason.startswith(NO_LONGER_PASSES):
        codes = reason.removeprefix(NO_LONGER_PASSES).split(", ")
        return page._("voldoet niet meer aan: %(rules)s",
                      rules=", ".join(page._(RULE_LABELS[c]) if c in RULE_LABELS else c for c in codes))
    if reason.startswith(MOVED_TO_REGION):
        return page._("naar de lijst van regio %(region)s", region=reason.removeprefix(MOVED_TO_REGION))
    return reason


def _render(page: Page, registration_id: uuid.UUID, *, status_code: int = 200, errors: Errors | None = None,
            typed: dict[str, Any] | None = None, done: str | None = None, reads_page: int = 1) -> Response:
    paging = Paging.of(reads_page)
    dossier = open_dossier(session=page.session, org=page.organisation, registration_id=registration_id,
                           reads_offset=(paging.number - 1) * READS_PAGE)
    today = utcnow().date()
    form: dict[str, Any] = {
        "soort": "custom_case", "regels": [], "reden": "", "geldig_tot": (today + timedelta(days=365)).isoformat(),
        "wacht_sinds": dossier.registration.waiting_since.astimezone(LOCAL_ZONE).date().isoformat(),
        "wacht_reden": "", "regio": "", "verhuis_reden": "", "intrek": None, "intrek_reden": "", **(typed or {})}
    return page.render(
        "coordinator/dossier.html", status_code=status_code, dossier=dossier, errors=errors or [], form=form,
        done=DONE.get(done or ""), done_code=done, reads_paging=paging,
        reads_has_next=paging.number * READS_PAGE < dossier.reads_total, today=today, rules=matching.RULE_CODES,
        kind_options=[(kind, page._(label)) for kind, label in KIND_LABELS.items()], **words(page))


def words(page: Page) -> dict[str, Any]:
    """What the dossier's registration and timeline templates need to word their codes (the access page uses them
    too)."""
    return {"status_labels": STATUS_LABELS, "status_tones": STATUS_TONES, "setting_labels": SETTING_LABELS,
            "support_labels": SUPPORT_LABELS, "debt_labels": DEBT_LABELS, "place_labels": PLACE_LABELS,
            "low_stimulus_labels": LOW_STIMULUS_LABELS, "contract_labels": CONTRACT_LABELS,
            "kind_labels": KIND_LABELS, "candidate_steps": CANDIDATE_STEPS, "moment": datetime.fromisoformat,
            "reason_of": lambda reason: reason_text(page, str(reason))}


def _done(registration_id: uuid.UUID, what: str, anchor: str) -> str:
    return f"/dossier/{registration_id}?gedaan={what}#{anchor}"


@router.get("/dossier/{registration_id}")
def dossier_page(page: CoordinatorPage, registration_id: uuid.UUID, gedaan: str | None = None,
                 pagina: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """The dossier; opening it is an audited read of the registration (404 for another region's)."""
    return _render(page, registration_id, done=gedaan, reads_page=pagina or 1)


def _submit(page: Page, registration_id: uuid.UUID, typed: dict[str, Any], change: Callable[[], object], *,
            first_field: str, rename: dict[str, str] | None = None, ids: dict[str, str] | None = None,
            conflict: Callable[[Conflict], str] | None = None) -> Response | None:
    """Make a change in a savepoint; None when it was made, else the dossier again saying why (nothing typed lost).

    `change` parses the form with the API's schema and calls the API's service; `rename` maps its document's
    field names to MESSAGES, `ids` the form fields to their ids on the page, `conflict` words a 409."""

    def again(status_code: int, errors: Errors) -> Response:
        errors = [((ids or {}).get(field, field), message) for field, message in errors]
        return _render(page, registration_id, status_code=status_code, errors=errors, typed=typed)

    try:
        with page.session.begin_nested():
            change()
    except ValidationError as exc:
        return again(422, _field_errors(page, _from_pydantic(exc), rename))
    except InvalidFields as exc:
        return again(422, _field_errors(page, _from_service(exc), rename))
    except PreconditionFailed:
        return again(409, [(first_field, page._(STALE))])
    except Conflict as exc:
        if conflict is None:
            raise
        return again(409, [(first_field, page._(conflict(exc)))])
    return None


@router.post("/dossier/{registration_id}/ontheffing")
def grant_exemption(page: CoordinatorPage, registration_id: uuid.UUID, versie: Annotated[int, Form()],
                    soort: Annotated[str, Form()] = "", regels: Annotated[list[str] | None, Form()] = None,
                    reden: Annotated[str, Form()] = "", geldig_tot: Annotated[str, Form()] = "") -> Response:
    """Grant an exemption with a reason, counted against the region's contingent."""

    def change() -> None:
        data = ExemptionCreate.model_validate({"kind": soort, "rules_lifted": regels or [], "reason": reden,
                                               "valid_until": geldig_tot})
        exemptions_service.grant(session=page.session, org=page.organisation, registration_id=registration_id,
                                 data=data, expected_version=versie)

    def conflict(exc: Conflict) -> str:
        return (N_("Een aanmelding met deze status kan geen ontheffing krijgen.") if exc.extra.get("current_state")
                else N_("Het contingent van deze regio voor dit jaar is op. Trek eerst een andere ontheffing in, of "
                        "laat het contingent in het beleid verhogen."))

    typed = {"soort": soort, "regels": regels or [], "reden": reden, "geldig_tot": geldig_tot}
    refused = _submit(page, registration_id, typed, change, first_field="soort", conflict=conflict)
    return refused or page.redirect(_done(registration_id, "ontheffing-verleend", "ontheffingen"))


@router.post("/dossier/{registration_id}/ontheffing/{exemption_id}/intrekken")
def revoke_exemption(page: CoordinatorPage, registration_id: uuid.UUID, exemption_id: uuid.UUID,
                     reden: Annotated[str, Form()] = "") -> Response:
    """Revoke an exemption with a reason; nominations that relied on it end (as the API's revoke)."""

    def change() -> None:
        data = ExemptionRevoke.model_validate({"reason": reden})
        changes.revoke_exemption(session=page.session, org=page.organisation, registration_id=registration_id,
                                 exemption_id=exemption_id, reason=data.reason)

    field = f"intrek_reden-{exemption_id}"
    refused = _submit(page, registration_id, {"intrek": exemption_id, "intrek_reden": reden}, change,
                      first_field=field, rename={"reason": "revoke_reason"}, ids={"intrek_reden": field},
                      conflict=lambda _exc: N_("Deze ontheffing was al ingetrokken."))
    return refused or page.redirect(_done(registration_id, "ontheffing-ingetrokken", "ontheffingen"))


@router.post("/dossier/{registration_id}/wachttijd")
def set_waiting_since(page: CoordinatorPage, registration_id: uuid.UUID, versie: Annotated[int, Form()],
                      wacht_sinds: Annotated[str, Form()] = "", wacht_reden: Annotated[str, Form()] = "") -> Response:
    """Start the waiting time earlier, with a reason."""

    def change() -> None:
        data = WaitingSince.model_validate({"waiting_since": _start_of(wacht_sinds), "reason": wacht_reden})
        registrations_service.set_waiting_since(session=page.session, org=page.organisation,
                                                registration_id=registration_id, waiting_since=data.waiting_since,
                                                reason=data.reason, expected_version=versie)

    refused = _submit(page, registration_id, {"wacht_sinds": wacht_sinds, "wacht_reden": wacht_reden}, change,
                      first_field="wacht_sinds", rename={"reason": "wait_reason"})
    return refused or page.redirect(_done(registration_id, "wachttijd", "wachttijd"))


@router.post("/dossier/{registration_id}/regio")
def move_region(page: CoordinatorPage, registration_id: uuid.UUID, versie: Annotated[int, Form()],
                regio: Annotated[str, Form()] = "", verhuis_reden: Annotated[str, Form()] = "") -> Response:
    """Put the registration on another of the coordinator's regions' lists, with a reason; its nominations end."""

    def change() -> None:
        data = RegionMove.model_validate({"region": regio, "reason": verhuis_reden})
        changes.move_registration_region(session=page.session, org=page.organisation,
                                         registration_id=registration_id, region=data.region, reason=data.reason,
                                         expected_version=versie)

    def conflict(exc: Conflict) -> str:
        return (N_("Een aanmelding met deze status kan niet naar een andere regio.") if exc.extra.get("current_state")
                else N_("De cliënt staat al op de lijst van die regio."))

    refused = _submit(page, registration_id, {"regio": regio, "verhuis_reden": verhuis_reden}, change,
                      first_field="regio", rename={"reason": "move_reason"}, conflict=conflict)
    return refused or page.redirect(_done(registration_id, "regio", "andere-regio"))
