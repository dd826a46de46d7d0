"""Mensen en sleutels, the people: an organisation's admins list its people, invite one (the set-up link is shown
once), change a role, deactivate, and issue a reset link, as `/v1/people` does (service/people/service.py).

The service keeps its rules (the last admin stays an admin, an e-mail address is used once): a refusal is shown
in words beside the form. The API keys are in keys.py.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from service.errors import Conflict
from service.people import service as people_service
from service.people.models import Person, PersonRole
from service.people.schemas import PersonCreate, PersonReset, PersonUpdate
from service.web.forms import field_errors
from service.web.i18n import N_
from service.web.listing import Paging, query_prefix
from service.web.pages import AdminPage, Page
from service.web.templating import Gettext

router = APIRouter()

ROLE_LABELS = {PersonRole.admin.value: N_("Beheerder"), PersonRole.member.value: N_("Medewerker")}
# The list's tabs: who they show (None: everyone).
TABS = {"actief": True, "gedeactiveerd": False, "iedereen": None}
TAB_LABELS = {"actief": N_("Actief"), "gedeactiveerd": N_("Gedeactiveerd"), "iedereen": N_("Iedereen")}
DONE = {"rol": N_("De rol is gewijzigd."), "gedeactiveerd": N_("De persoon is gedeactiveerd: alle sessies en "
                                                                "set-uplinks van deze persoon zijn beëindigd.")}
# The service's refusals (service/people/service.py) in words; another one is shown as the service gave it.
REFUSALS = {
    "this is the organisation's last admin; make another person admin first": N_(
        "Dit is de laatste beheerder van de organisatie. Maak eerst iemand anders beheerder."),
    "this person is deactivated": N_("Deze persoon is gedeactiveerd."),
    "a person with this e-mail address already exists": N_("Er is al iemand met dit e-mailadres."),
}
SPECIAL = {("email", "string_pattern_mismatch"): N_("Vul een e-mailadres in zoals naam@voorbeeld.nl."),
           ("email", "string_too_short"): N_("Vul een e-mailadres in zoals naam@voorbeeld.nl."),
           ("naam", "string_too_short"): N_("Vul de naam in.")}


def refusal(exc: Conflict, _: Gettext) -> str:
    """A service's refusal in the person's language."""
    words = REFUSALS.get(exc.detail or "")
    return _(words) if words else (exc.detail or _("Dit kan niet."))


@router.get("/mensen")
def people_page(page: AdminPage, status: str = "actief", pagina: Annotated[int | None, Query(ge=1)] = None,
                gedaan: str | None = None) -> Response:
    """The organisation's people by name, active or deactivated, with their role and sign-in."""
    tab = status if status in TABS else "actief"
    paging = Paging.of(pagina)
    rows, total = people_service.list_people(session=page.session, organisation=page.organisation,
                                             limit=paging.limit, offset=paging.offset, active=TABS[tab])
    counts = people_service.count_people(session=page.session, organisation=page.organisation)
    return page.render("shared/people.html", people=rows, total=total, tab=tab, tabs=TAB_LABELS,
                       counts={"actief": counts[True], "gedeactiveerd": counts[False],
                               "iedereen": counts[True] + counts[False]},
                       paging=paging, page_query=query_prefix(status=tab), role_labels=ROLE_LABELS,
                       done=DONE.get(gedaan or ""))


def _invite_page(page: Page, *, name: str = "", email: str = "", role: str = PersonRole.member.value,
                 errors: list[tuple[str, str]] | None = None, status_code: int = 200) -> Response:
    return page.render("shared/people_invite.html", status_code=status_code, name=name, email=email, role=role,
                       errors=errors or [], role_labels=ROLE_LABELS)


@router.get("/mensen/uitnodigen")
def invite_form(page: AdminPage) -> Response:
    """Name, e-mail address and role of the person to invite."""
    return _invite_page(page)


@router.post("/mensen/uitnodigen")
def invite(page: AdminPage, naam: Annotated[str, Form()] = "", email: Annotated[str, Form()] = "",
           rol: Annotated[str, Form()] = PersonRole.member.value) -> Response:
    """Invite a person as `POST /v1/people`: their one-time set-up link is shown this once."""
    _ = page._
    try:
        data = PersonCreate.model_validate({"name": naam, "email": email, "role": rol})
    except ValidationError as exc:
        errors = field_errors(exc, anchor=lambda loc: {"name": "naam", "role": "rol-member"}.get(loc[0], "email"),
                              _=_, language=page.language, special=SPECIAL)
        return _invite_page(page, name=naam, email=email, role=rol, errors=errors, status_code=422)
    try:
        person, link = people_service.create_person(session=page.session, organisation=page.organisation,
                                                    email=data.email, name=data.name, role=data.role,
                                                    base_url=page.settings.public_url)
    except Conflict as exc:
        return _invite_page(page, name=naam, email=email, role=rol, errors=[("email", refusal(exc, _))],
                            status_code=exc.status)
    return page.render("shared/people_link.html", status_code=201, person=person, link=link, purpose="invite",
                       role_labels=ROLE_LABELS, two_factor=False)


def _person(page: Page, person_id: uuid.UUID) -> Person:
    return people_service.get_person(session=page.session, organisation=page.organisation, person_id=person_id)


def _person_page(page: Page, person: Person, *, errors: list[tuple[str, str]] | None = None,
                 status_code: int = 200, done: str | None = None) -> Response:
    return page.render("shared/people_person.html", status_code=status_code, person=person, errors=errors or [],
                       role_labels=ROLE_LABELS, done=DONE.get(done or ""), is_self=person.id == page.person.id)


@router.get("/mensen/{person_id:uuid}")
def person_page(page: AdminPage, person_id: uuid.UUID, gedaan: str | None = None) -> Response:
    """One person: role, sign-in, and what an admin can do (change the role, a reset link, deactivate)."""
    return _person_page(page, _person(page, person_id), done=gedaan)


def _after_own_change(page: Page, person: Person, location: str) -> Response:
    """Where to go after a change: an admin who made themselves a member, or deactivated, leaves these pages."""
    return page.redirect("/" if person.id == page.person.id else location)


@router.post("/mensen/{person_id:uuid}/rol")
def change_role(page: AdminPage, person_id: uuid.UUID, rol: Annotated[str, Form()] = "") -> Response:
    """Make the person an admin or a member, as `PATCH /v1/people/{id}`."""
    _ = page._
    person = _person(page, person_id)
    try:
        data = PersonUpdate.model_validate({"role": rol})
        people_service.change_role(session=page.session, organisation=page.organisation, person_id=person_id,
                                   role=data.role)
    except ValidationError:
        return _person_page(page, person, status_code=422, errors=[("rol", _("Kies een rol."))])
    except Conflict as exc:
        return _person_page(page, person, status_code=exc.status, errors=[("rol", refusal(exc, _))])
    if person.id == page.person.id and data.role is not PersonRole.admin:
        return page.redirect("/")
    return page.redirect(f"/mensen/{person_id}?gedaan=rol")


@router.post("/mensen/{person_id:uuid}/herstellen")
def reset(page: AdminPage, person_id: uuid.UUID, tweestaps: Annotated[str, Form()] = "") -> Response:
    """A new set-up link to choose a password, as `POST /v1/people/{id}/reset`; optionally the second factor too."""
    _ = page._
    person = _person(page, person_id)
    data = PersonReset(reset_two_factor=tweestaps == "ja")
    try:
        link = people_service.reset(session=page.session, organisation=page.organisation, person_id=person_id,
                                    reset_two_factor=data.reset_two_factor, base_url=page.settings.public_url)
    except Conflict as exc:
        return _person_page(page, person, status_code=exc.status, errors=[("herstellen", refusal(exc, _))])
    return page.render("shared/people_link.html", person=person, link=link, purpose="reset",
                       role_labels=ROLE_LABELS, two_factor=data.reset_two_factor)


@router.get("/mensen/{person_id:uuid}/deactiveren")
def deactivate_confirm(page: AdminPage, person_id: uuid.UUID) -> Response:
    """Ask before deactivating: it cannot be undone."""
    return page.render("shared/people_deactivate.html", person=_person(page, person_id), errors=[])


@router.post("/mensen/{person_id:uuid}/deactiveren")
def deactivate(page: AdminPage, person_id: uuid.UUID) -> Response:
    """Deactivate the person as `POST /v1/people/{id}/deactivate`: their sessions and set-up links end at once."""
    person = _person(page, person_id)
    try:
        people_service.deactivate(session=page.session, organisation=page.organisation, person_id=person_id)
    except Conflict as exc:
        return page.render("shared/people_deactivate.html", status_code=exc.status, person=person,
                           errors=[("deactiveren", refusal(exc, page._))])
    return _after_own_change(page, person, "/mensen?status=gedeactiveerd&gedaan=gedeactiveerd")
