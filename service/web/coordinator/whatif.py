"""Wat als: change a region's policy on paper and compare the figures before and after, side by side, without
saving anything. The same service as `POST /v1/what-if`; saving a policy is done on Regio en beleid.

The comparison is computed inside the request (two solves on today's open dwellings and registrations) and shown
as its answer: nothing is stored but the audit record, so there is no result page to redirect to.
"""

import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import ValidationError

from service.errors import FieldError, InvalidFields, field_errors
from service.regions import scope
from service.regions import service as regions_service
from service.regions.schemas import Policy
from service.web import formatting
from service.web.forms import bounds, parse_number
from service.web.i18n import N_
from service.web.pages import CoordinatorPage, Page
from service.whatif import service as whatif_service
from service.whatif.schemas import WhatIfPublic, WhatIfRequest

router = APIRouter()

Kind = Literal["integer", "decimal", "choice", "yesno"]


@dataclass(frozen=True)
class PolicyField:
    """One field of the region's policy as the form shows it; its type and bounds come from the Policy schema."""

    name: str
    label: str
    help: str | None = None
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def annotation(self) -> Any:
        return Policy.model_fields[self.name].annotation

    @property
    def optional(self) -> bool:
        return type(None) in typing.get_args(self.annotation)

    @property
    def kind(self) -> Kind:
        annotation = self.annotation
        if annotation is bool:
            return "yesno"
        if typing.get_origin(annotation) is Literal:
            return "choice"
        if annotation is float:
            return "decimal"
        if annotation is int or (isinstance(annotation, types.UnionType) and int in typing.get_args(annotation)):
            return "integer"
        raise TypeError(f"no form field for {self.name}: {annotation}")

    @property
    def bounds(self) -> tuple[Any, Any]:
        return bounds(Policy, self.name)


@dataclass(frozen=True)
class Group:
    """A fieldset of the form."""

    legend: str
    fields: tuple[PolicyField, ...]
    note: str | None = None


GROUPS = (
    Group(N_("Harde regels"), (
        PolicyField("min_tie_years", N_("Minimaal aantal jaren regiobinding"),
                    N_("Jaren wonen, werken of studeren in een gemeente van de regio; een ontheffing heft het op.")),
        PolicyField("ready_date_slack_days", N_("Speling op de woonrijp-datum (dagen)"),
                    N_("Zoveel dagen na de beschikbaarheid van de woning mag een cliënt woonrijp zijn.")),
    )),
    Group(N_("Prikkelarm wonen"), (
        PolicyField("low_stimulus_max_entrance_households", N_("Hoogstens zoveel huishoudens per opgang")),
        PolicyField("low_stimulus_nightlife_radius_m", N_("Geen uitgaansgelegenheid binnen (meter)")),
    )),
    Group(N_("Weging (punten)"), (
        PolicyField("weight_waiting_per_day", N_("Punten per dag wachttijd")),
        PolicyField("weight_urgency", N_("Punten voor urgentie")),
        PolicyField("weight_preferred_municipality", N_("Punten voor een voorkeursgemeente")),
        PolicyField("weight_low_stimulus_preferred",
                    N_("Punten als de woning prikkelarm is en de cliënt dat liever heeft")),
        PolicyField("oversize_threshold_m2", N_("Te groot vanaf (m²)"),
                    N_("Boven deze oppervlakte kost elke m² punten, voor een klein huishouden.")),
        PolicyField("weight_oversize_per_m2", N_("Aftrek per m² boven die grens")),
        PolicyField("weight_support_vulnerability", N_("Aftrek per begeleidingsniveau × kwetsbaarheid van de buurt"),
                    N_("Begeleiding 0 tot 3, kwetsbaarheid 0 tot 100.")),
        PolicyField("weight_recent_placement", N_("Aftrek per recente plaatsing in de buurt")),
    )),
    Group(N_("Spreiding"), (
        PolicyField("max_high_support_per_neighbourhood",
                    N_("Hoogstens zoveel voordrachten met middel of intensieve begeleiding per buurt per ronde"),
                    N_("Leeg laten: geen grens.")),
    )),
    Group(N_("Termijnen en overige instellingen"), (
        PolicyField("shortlist_deadline_days", N_("Dagen voor de corporatie om te kiezen")),
        PolicyField("offer_deadline_days", N_("Dagen voor de cliënt om op een aanbod te antwoorden")),
        PolicyField("on_shortlist_expiry", N_("Als de corporatie niet op tijd kiest"), choices=(
            ("surface", N_("tonen als verlopen")), ("rematch", N_("kandidaten vrijgeven en opnieuw matchen")))),
        PolicyField("on_offer_expiry", N_("Als de cliënt niet op tijd antwoordt"), choices=(
            ("surface", N_("tonen als verlopen")), ("fall_through", N_("het aanbod vervalt, als bij een afwijzing")))),
        PolicyField("exemption_contingent", N_("Ontheffingen per kalenderjaar")),
        PolicyField("monitor_open", N_("Corporaties zien elkaars lijnen in de monitor")),
    ), N_("Deze instellingen veranderen de vergelijking niet: ze gaan over termijnen, ontheffingen en de monitor.")),
)
FIELDS = {f.name: f for group in GROUPS for f in group.fields}
SOLVER_LABELS = {"OPTIMAL": N_("Optimaal (bewezen)"), "FEASIBLE": N_("Goede uitkomst, niet bewezen optimaal"),
                 "NOT_RUN": N_("Niet gerekend: geen open woningen of inschrijvingen")}


def _shown(field: PolicyField, value: Any, language: str) -> str:
    """A policy value as the form shows it (`1,5`, `ja`)."""
    if value is None:
        return ""
    if field.kind == "yesno":
        return "ja" if value else "nee"
    if field.kind == "decimal":
        return formatting.plain_decimal(value, language)
    return str(value)


def _in_words(page: Page, field: PolicyField, value: Any) -> str:
    """A policy value in a sentence: the choice's label, `ja`/`nee`, `geen grens`, or the number."""
    _ = page._
    if value is None:
        return _("geen grens")
    if field.kind == "yesno":
        return _("ja") if value else _("nee")
    if field.kind == "choice":
        return _(dict(field.choices)[value])
    return _shown(field, value, page.language)


def _bounds_in_words(page: Page, field: PolicyField) -> dict[str, str]:
    low, high = field.bounds
    if field.kind == "integer":
        return {"low": formatting.number(low, page.language), "high": formatting.number(high, page.language)}
    return {"low": formatting.plain_decimal(low, page.language), "high": formatting.plain_decimal(high, page.language)}


def _range_message(page: Page, field: PolicyField) -> str:
    _ = page._
    if field.kind == "integer":
        return _("Vul een heel getal in van %(low)s tot en met %(high)s.", **_bounds_in_words(page, field))
    return _("Vul een getal in van %(low)s tot en met %(high)s.", **_bounds_in_words(page, field))


def _descriptions(page: Page) -> dict[str, str]:
    """The help beside each number field, ending with the values it allows."""
    _ = page._
    return {f.name: Markup(" ").join([*([_(f.help)] if f.help else []),
                              _("Van %(low)s tot en met %(high)s.", **_bounds_in_words(page, f))])
            for f in FIELDS.values() if f.kind in ("integer", "decimal")}


def _read(page: Page, form: Any, current: Policy) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, str]]]:
    """The changed values of the form (against `current`), what was typed, and the fields that are not a value."""
    _ = page._
    typed: dict[str, str] = {}
    changes: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for field in FIELDS.values():
        was = getattr(current, field.name)
        raw = form.get(field.name)
        text = raw if isinstance(raw, str) else _shown(field, was, page.language)
        typed[field.name] = text
        value: Any
        if field.kind == "yesno":
            if text not in ("ja", "nee"):
                errors.append((field.name, _("Kies ja of nee.")))
                continue
            value = text == "ja"
        elif field.kind == "choice":
            if text not in dict(field.choices):
                errors.append((field.name, _("Kies een van de mogelijkheden.")))
                continue
            value = text
        else:
            try:
                value = parse_number(text, integer=field.kind == "integer")
            except ValueError:
                errors.append((field.name, _range_message(page, field)))
                continue
            if value is None and not field.optional:
                errors.append((field.name, _range_message(page, field)))
                continue
        if value != was:
            changes[field.name] = value
    return changes, typed, errors


def _field_errors(page: Page, found: list[FieldError]) -> list[tuple[str, str]]:
    """The schema's field errors as the form's: the field's id and a message that names its bounds."""
    errors = []
    for error in found:
        name = error.field.removeprefix("policy.")
        field = FIELDS.get(name)
        numeric = field is not None and field.kind in ("integer", "decimal")
        errors.append((name, _range_message(page, field) if field is not None and numeric else error.message))
    return errors


def _form_page(page: Page, *, region: str | None, regions: list[str], typed: dict[str, str],
               errors: list[tuple[str, str]], status_code: int = 200, answer: WhatIfPublic | None = None,
               changed: list[tuple[PolicyField, Any, Any]] | None = None, version: int | None = None) -> Response:
    return page.render("coordinator/whatif.html", status_code=status_code, region=region, regions=regions,
                       groups=GROUPS, typed=typed, errors=errors, answer=answer, changed=changed or [],
                       version=version, solver_labels=SOLVER_LABELS, descriptions=_descriptions(page))


def _regions(page: Page) -> list[str]:
    return sorted(scope.scope_of(session=page.session, org=page.organisation).regions)


@router.get("/wat-als")
def what_if_form(page: CoordinatorPage, regio: Annotated[str | None, Query()] = None) -> Response:
    """The region's current policy in a form, to change and compare."""
    regions = _regions(page)
    region = regio or (regions[0] if regions else None)
    if region is None:
        return _form_page(page, region=None, regions=regions, typed={}, errors=[])
    scope.require_region(session=page.session, org=page.organisation, code=region)
    view = regions_service.get_region(session=page.session, code=region)
    typed = {f.name: _shown(f, getattr(view.policy, f.name), page.language) for f in FIELDS.values()}
    return _form_page(page, region=region, regions=regions, typed=typed, errors=[],
                      version=view.region.policy_version)


@router.post("/wat-als")
async def compare(page: CoordinatorPage, request: Request) -> Response:
    """Compare the region's current policy with the one typed into the form; nothing is saved."""
    form = await request.form()
    regions = _regions(page)
    region = str(form.get("regio") or "")
    scope.require_region(session=page.session, org=page.organisation, code=region)
    view = regions_service.get_region(session=page.session, code=region)
    changes, typed, errors = _read(page, form, view.policy)
    # The schema's own check, so every field out of bounds is named at once (the service checks again).
    try:
        Policy.model_validate({**view.policy.model_dump(), **changes})
    except ValidationError as exc:
        errors += _field_errors(page, field_errors(exc.errors()))
    answer = None
    if not errors:
        try:
            answer = whatif_service.what_if(session=page.session, org=page.organisation,
                                            data=WhatIfRequest(region=region, policy=changes))
        except InvalidFields as exc:
            errors += _field_errors(page, exc.extra.get("errors", []))
    if errors:
        errors.sort(key=lambda e: list(FIELDS).index(e[0]) if e[0] in FIELDS else len(FIELDS))
        return _form_page(page, region=region, regions=regions, typed=typed, errors=errors, status_code=422,
                          version=view.region.policy_version)
    changed = [(FIELDS[name], _in_words(page, FIELDS[name], getattr(view.policy, name)),
                _in_words(page, FIELDS[name], value)) for name, value in changes.items()]
    return _form_page(page, region=region, regions=regions, typed=typed, errors=[], answer=answer, changed=changed,
                      version=view.region.policy_version)
