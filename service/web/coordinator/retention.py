"""Bewaartermijnen: a region's own retention periods (docs/privacy.md), saved the way
`PUT /v1/regions/{code}/retention` saves them: a period left empty follows the service's setting, and the page
shows the period in force beside each."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from service.privacy import retention
from service.privacy.schemas import RetentionPublic, RetentionPut
from service.web.forms import MESSAGES, field_errors, form_data, parse_integer
from service.web.i18n import N_
from service.web.pages import CoordinatorPage, Page

router = APIRouter()
CodePath = Annotated[str, Path(max_length=32)]
FormDep = Annotated[FormData, Depends(form_data)]
# Each period: its field, its label and what it means.
PERIODS = (
    ("personal_days", N_("Persoonlijke gegevens na het einde van een aanmelding"), N_(
        "Zoveel dagen nadat een cliënt is gehuisvest of de aanmelding is ingetrokken, worden de persoonlijke "
        "gegevens gewist. Wat blijft: het pseudonieme nummer, de regio, de zorgaanbieder, de status en de datums.")),
    ("run_inputs_days", N_("Invoer van matchingsrondes"), N_(
        "Zoveel dagen na een matchingsronde wordt haar invoer verwijderd; de ronde en haar cijfers blijven, maar "
        "zij kan niet meer worden nagerekend.")),
    ("audit_days", N_("Auditregels over de cliënten van de regio"), N_(
        "Zoveel dagen (minstens 30) blijft vastgelegd wie wat wanneer las of wijzigde; de statusovergangen waaruit "
        "de monitor telt, blijven.")),
)


def _page(page: Page, held: RetentionPublic, typed: dict[str, str], *, errors: list[tuple[str, str]],
          status_code: int = 200, saved: bool = False) -> Response:
    return page.render("coordinator/retention.html", status_code=status_code, held=held, typed=typed,
                       periods=PERIODS, errors=errors, saved=saved)


@router.get("/regio/{code}/bewaartermijnen")
def retention_form(page: CoordinatorPage, code: CodePath, gedaan: str | None = None) -> Response:
    """The region's own retention periods, each with the period in force (404 for another office's region)."""
    held = retention.read_retention(session=page.session, org=page.organisation, code=code)
    typed = {name: "" if getattr(held, name) is None else str(getattr(held, name)) for name, _l, _h in PERIODS}
    return _page(page, held, typed, errors=[], saved=gedaan == "opgeslagen")


@router.post("/regio/{code}/bewaartermijnen")
def save_retention(page: CoordinatorPage, code: CodePath, form: FormDep) -> Response:
    """Save the region's own periods as `PUT /v1/regions/{code}/retention`; an empty field follows the setting."""
    _ = page._
    held = retention.read_retention(session=page.session, org=page.organisation, code=code)
    typed = {name: str(form.get(name) or "").strip() for name, _l, _h in PERIODS}
    document: dict[str, int | None] = {}
    errors: list[tuple[str, str]] = []
    for name, text in typed.items():
        value = parse_integer(text) if text else None
        if text and value is None:
            errors.append((name, _(MESSAGES["int_parsing"])))
        document[name] = value
    try:
        data = RetentionPut.model_validate(document)
    except ValidationError as exc:
        errors += [e for e in field_errors(exc, anchor=lambda loc: str(loc[0]), _=_, language=page.language)
                   if e[0] not in dict(errors)]
    if errors:
        return _page(page, held, typed, errors=errors, status_code=422)
    retention.put_retention(session=page.session, org=page.organisation, code=code, data=data)
    return page.redirect(f"/regio/{code}/bewaartermijnen?gedaan=opgeslagen")
