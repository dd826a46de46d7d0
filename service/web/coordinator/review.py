"""Voordracht: a coordinator reviews a dwelling's shortlist, replaces a candidate with a reason, and publishes it.

The page calls the same services as the API (`GET /v1/dwellings/{id}/shortlist` and `/timeline`, `POST
.../shortlist/replace` and `.../publish`), through service/workflow/review.py, which audits every registration it
shows as the API does. Another region's dwelling answers 404, as there.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError

from service.errors import Conflict, InvalidFields, NotFound
from service.web.i18n import N_
from service.web.pages import CoordinatorPage, Page
from service.web.words import DWELLING_STATUS
from service.workflow import review
from service.workflow import service as workflow
from service.workflow.schemas import ReplaceCandidate

router = APIRouter()

DWELLING_TYPES = {
    "studio": N_("Studio"),
    "apartment": N_("Appartement"),
    "maisonette": N_("Maisonnette"),
    "single_family": N_("Eengezinswoning"),
    "room_shared_facilities": N_("Kamer met gedeelde voorzieningen"),
}
CONTRACT_TYPES = {
    "regular": N_("Gewoon huurcontract"),
    "flip": N_("Omklapcontract"),
    "with_agreements": N_("Contract met afspraken"),
}
# What the page says after a step, once (the query string of the redirect names it).
DONE = {
    "vervangen": N_("De kandidaat is vervangen. De nieuwe kandidaat staat op dezelfde plaats."),
    "gepubliceerd": N_("De voordracht is gepubliceerd. De corporatie kan nu kiezen."),
}
# The form's fields, named as the API's document names them.
FIELDS = {"registration_id": "kandidaat", "replacement_registration_id": "vervanger", "reason": "reden"}


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@router.get("/voordracht/{dwelling_id}")
def review_page(page: CoordinatorPage, dwelling_id: uuid.UUID, gedaan: str | None = None) -> Response:
    """The dwelling, its candidates side by side, what was excluded, the actions of its state, and the timeline."""
    return _review(page, dwelling_id, done=DONE.get(gedaan or ""))


def _review(page: Page, dwelling_id: uuid.UUID, *, status_code: int = 200, done: str | None = None,
            errors: list[tuple[str, str]] | None = None) -> Response:
    found = review.review_for(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    steps = review.timeline_of(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    return page.render("coordinator/review.html", status_code=status_code, review=found, timeline=steps,
                       done=done, errors=errors or [], status_labels=DWELLING_STATUS, dwelling_types=DWELLING_TYPES,
                       contract_types=CONTRACT_TYPES)


def _replace_form(page: Page, dwelling_id: uuid.UUID, registration_id: uuid.UUID, *, status_code: int = 200,
                  errors: list[tuple[str, str]] | None = None, chosen: str = "", reason: str = "") -> Response:
    """The replacement form; `chosen` and `reason` are what the coordinator sent (kept after an error)."""
    found = review.alternatives_for(session=page.session, org=page.organisation, dwelling_id=dwelling_id,
                                    registration_id=registration_id)
    return page.render("coordinator/review_replace.html", status_code=status_code, replacement=found,
                       errors=errors or [], chosen=chosen, reason=reason, dwelling_types=DWELLING_TYPES)


@router.get("/voordracht/{dwelling_id}/vervangen")
def replace_form(page: CoordinatorPage, dwelling_id: uuid.UUID, kandidaat: uuid.UUID) -> Response:
    """Choose who takes a candidate's place from the next eligible registrations, and say why."""
    review.open_for_review(session=page.session, org=page.organisation, dwelling_id=dwelling_id)  # 404 first
    try:
        return _replace_form(page, dwelling_id, kandidaat)
    except (Conflict, NotFound):  # published meanwhile, or the candidate was replaced already
        return _moved_on(page, dwelling_id)


@router.post("/voordracht/{dwelling_id}/vervangen")
def replace_candidate(page: CoordinatorPage, dwelling_id: uuid.UUID, kandidaat: Annotated[str, Form()] = "",
                      vervanger: Annotated[str, Form()] = "", reden: Annotated[str, Form()] = "") -> Response:
    """Replace the candidate (the API's replace, with the same checks); errors show on the form, nothing lost."""
    _ = page._
    # Another region's dwelling is a 404 before anything else, as in the API.
    review.open_for_review(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    candidate_id = _uuid(kandidaat)
    if candidate_id is None:
        return page.redirect(f"/voordracht/{dwelling_id}")
    try:
        data = ReplaceCandidate.model_validate({"registration_id": kandidaat, "replacement_registration_id":
                                                vervanger or None, "reason": reden})
    except ValidationError as exc:
        return _replace_form(page, dwelling_id, candidate_id, status_code=422, chosen=vervanger, reason=reden,
                             errors=_form_errors(page, exc))
    try:
        # A savepoint: a refused replacement leaves nothing behind, and the form is shown again in this request.
        with page.session.begin_nested():
            workflow.replace(session=page.session, org=page.organisation, dwelling_id=dwelling_id,
                             registration_id=data.registration_id, replacement_id=data.replacement_registration_id,
                             reason=data.reason)
    except (InvalidFields, Conflict, NotFound) as exc:
        message = (_("Deze aanmelding kan de plaats niet innemen: zij voldoet niet aan elke harde regel voor deze "
                     "woning. Kies een ander.") if isinstance(exc, InvalidFields) else
                   _("Deze aanmelding is intussen ergens anders voorgedragen of niet meer actief. Kies een ander."))
        try:
            return _replace_form(page, dwelling_id, candidate_id, status_code=exc.status, chosen=vervanger,
                                 reason=reden, errors=[("vervanger", message)])
        except (Conflict, NotFound):
            return _moved_on(page, dwelling_id)
    return page.redirect(f"/voordracht/{dwelling_id}?gedaan=vervangen")


def _moved_on(page: Page, dwelling_id: uuid.UUID) -> Response:
    """Someone else changed or published the shortlist first: the review as it is now, saying so."""
    _ = page._
    return _review(page, dwelling_id, status_code=409, errors=[(
        "stand", _("Iemand was u voor: de voordracht is intussen gewijzigd. Hieronder ziet u hoe zij nu is."))])


def _form_errors(page: Page, exc: ValidationError) -> list[tuple[str, str]]:
    _ = page._
    errors: list[tuple[str, str]] = []
    for error in exc.errors():
        field = FIELDS.get(str(error["loc"][0]) if error["loc"] else "", "")
        if field == "vervanger":
            errors.append((field, _("Kies wie de plaats van deze kandidaat inneemt.")))
        elif field == "reden":
            errors.append((field, _("Geef de reden van de vervanging (ten minste 3 en ten hoogste 500 tekens).")))
    return errors or [("vervanger", _("Kies wie de plaats van deze kandidaat inneemt."))]


@router.post("/voordracht/{dwelling_id}/publiceren")
def publish(page: CoordinatorPage, dwelling_id: uuid.UUID) -> Response:
    """Publish the reviewed shortlist to the corporation (the API's publish)."""
    if not review.open_for_review(session=page.session, org=page.organisation, dwelling_id=dwelling_id):
        return _moved_on(page, dwelling_id)  # published already (twice pressed, or by a colleague), or gone
    workflow.publish(session=page.session, org=page.organisation, dwelling_id=dwelling_id)
    return page.redirect(f"/voordracht/{dwelling_id}?gedaan=gepubliceerd")
