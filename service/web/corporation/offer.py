"""Woning aanbieden: the dwelling form, in sections with plain-Dutch labels and help texts.

The form is turned into the offer document of `POST /v1/dwellings` (Dutch decimal commas and dates accepted) and
checked by the same schema (DwellingCreate); each error is shown in the summary and beside its field, with
everything typed kept. A valid offer goes to the same service as the API (changes.offer_dwelling, which also makes
the instant shortlist), and the browser goes on to the dwelling's page.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from service.dwellings.schemas import ContractType, DwellingCreate, DwellingType
from service.errors import Conflict, InvalidFields
from service.web.forms import calendar_date, decimal_number, euros, integer
from service.web.i18n import N_
from service.web.pages import CorporationPage, Page
from service.web.templating import Gettext
from service.workflow import changes
from service.workflow.own_dwellings import working_municipalities

router = APIRouter()

# Each field of the offer document: its form name (the document's path with dashes) -> the path.
TEXT = ("external_ref", "address.street", "address.house_number_suffix", "address.postcode", "address.city",
        "neighbourhood_code", "dwelling_type")
INTEGER = ("address.house_number", "rooms", "bedrooms", "floor", "max_occupants",
           "low_stimulus_features.shared_entrance_households")
DECIMAL = ("floor_area_m2", "location.lat", "location.lon")
MONEY = ("bare_rent", "service_costs")
YES_NO = ("has_elevator", "wheelchair_accessible", "suitable_for_children", "low_stimulus_features.gallery_access",
          "low_stimulus_features.next_to_business", "low_stimulus_features.busy_road")
DATES = ("available_from",)
CHOICES = ("contract_types",)
PATHS = (*TEXT, *INTEGER, *DECIMAL, *MONEY, *YES_NO, *DATES, *CHOICES)


def field_id(path: str) -> str:
    """The form name and HTML id of a document path (`address.street` -> `address-street`)."""
    return path.replace(".", "-")


LABELS = {
    "external_ref": N_("Uw eigen nummer voor deze woning"),
    "address.street": N_("Straat"),
    "address.house_number": N_("Huisnummer"),
    "address.house_number_suffix": N_("Toevoeging (niet verplicht)"),
    "address.postcode": N_("Postcode"),
    "address.city": N_("Plaats"),
    "neighbourhood_code": N_("Buurtcode (CBS)"),
    "location.lat": N_("Breedtegraad"),
    "location.lon": N_("Lengtegraad"),
    "dwelling_type": N_("Soort woning"),
    "rooms": N_("Aantal kamers"),
    "bedrooms": N_("Aantal slaapkamers"),
    "floor_area_m2": N_("Woonoppervlakte in m²"),
    "floor": N_("Verdieping"),
    "has_elevator": N_("Er is een lift"),
    "wheelchair_accessible": N_("Toegankelijk met een rolstoel"),
    "max_occupants": N_("Maximaal aantal bewoners"),
    "suitable_for_children": N_("Geschikt voor kinderen"),
    "bare_rent": N_("Kale huur per maand, in euro"),
    "service_costs": N_("Servicekosten per maand, in euro"),
    "low_stimulus_features.gallery_access": N_("De woning is bereikbaar via een galerij"),
    "low_stimulus_features.shared_entrance_households": N_("Aantal huishoudens achter dezelfde voordeur"),
    "low_stimulus_features.next_to_business": N_("Boven of naast een winkel, café of ander bedrijf"),
    "low_stimulus_features.busy_road": N_("Aan een drukke weg"),
    "contract_types": N_("Contractvormen"),
    "available_from": N_("Beschikbaar vanaf"),
}
HELP = {
    "external_ref": N_("Het nummer van de woning in uw eigen systeem, bijvoorbeeld VHE-20417: letters, cijfers en "
                       ". _ : / -, zonder spaties. Met hetzelfde nummer biedt u de woning nooit twee keer aan."),
    "address.postcode": N_("Vier cijfers en twee letters, bijvoorbeeld 3531 CH."),
    "neighbourhood_code": N_("BU gevolgd door acht cijfers, bijvoorbeeld BU03440302. De eerste vier cijfers zijn die "
                             "van de gemeente (0344 is Utrecht); de buurt bepaalt in welke regio de woning valt."),
    "location.lat": N_("Bijvoorbeeld 52,0907. Met de ligging meet het regiobureau de afstand tot plekken die een "
                       "cliënt moet mijden."),
    "location.lon": N_("Bijvoorbeeld 5,0985."),
    "rooms": N_("Woonkamer en slaapkamers samen."),
    "floor": N_("0 is de begane grond, -1 het souterrain."),
    "max_occupants": N_("Hoeveel mensen er volgens uw regels mogen wonen."),
    "bare_rent": N_("Met een komma voor de centen, bijvoorbeeld 598,40."),
    "service_costs": N_("Bijvoorbeeld 42,00; vul 0 in als er geen servicekosten zijn."),
    "low_stimulus_features.shared_entrance_households": N_("Tel de woning zelf mee: 1 als de woning een eigen "
                                                          "voordeur heeft."),
    "contract_types": N_("Kies elke vorm waaronder u deze woning wilt verhuren."),
    "available_from": N_("De eerste dag dat een nieuwe huurder erin kan."),
}
DWELLING_TYPES = {
    DwellingType.studio: N_("Studio"),
    DwellingType.apartment: N_("Appartement"),
    DwellingType.maisonette: N_("Maisonnette"),
    DwellingType.single_family: N_("Eengezinswoning"),
    DwellingType.room_shared_facilities: N_("Kamer met gedeelde voorzieningen"),
}
CONTRACT_TYPES = {
    ContractType.regular: N_("Gewoon huurcontract"),
    ContractType.flip: N_("Omklapcontract: de zorgaanbieder huurt eerst, later neemt de cliënt het contract over"),
    ContractType.with_agreements: N_("Huurcontract met afspraken: extra afspraken over wonen en gedrag"),
}

# What to write when a field is left empty, per field; other problems have a message per kind of error.
REQUIRED = {
    "external_ref": N_("Vul uw eigen nummer voor deze woning in."),
    "address.street": N_("Vul de straat in."),
    "address.house_number": N_("Vul het huisnummer in."),
    "address.postcode": N_("Vul de postcode in."),
    "address.city": N_("Vul de plaats in."),
    "neighbourhood_code": N_("Vul de buurtcode in."),
    "location.lat": N_("Vul de breedtegraad in."),
    "location.lon": N_("Vul de lengtegraad in."),
    "dwelling_type": N_("Kies het soort woning."),
    "rooms": N_("Vul het aantal kamers in."),
    "bedrooms": N_("Vul het aantal slaapkamers in."),
    "floor_area_m2": N_("Vul de woonoppervlakte in."),
    "floor": N_("Vul de verdieping in."),
    "max_occupants": N_("Vul het maximale aantal bewoners in."),
    "bare_rent": N_("Vul de kale huur in."),
    "service_costs": N_("Vul de servicekosten in (0 als er geen zijn)."),
    "low_stimulus_features.shared_entrance_households": N_("Vul in hoeveel huishoudens dezelfde voordeur hebben."),
    "available_from": N_("Vul de datum in waarop de woning beschikbaar is."),
}
# Messages for one field and one kind of error, where the general message would not help.
SPECIFIC = {
    ("external_ref", "string_pattern_mismatch"): N_("Gebruik alleen letters, cijfers en . _ : / - (geen spaties), "
                                                    "bijvoorbeeld VHE-20417."),
    ("address.house_number_suffix", "string_pattern_mismatch"): N_("Een toevoeging bestaat uit letters en cijfers, "
                                                                   "bijvoorbeeld B of 2-hoog."),
    ("address.postcode", "value_error"): N_("Vul een Nederlandse postcode in, zoals 3531 CH."),
    ("neighbourhood_code", "string_pattern_mismatch"): N_("Een buurtcode is BU gevolgd door acht cijfers, "
                                                          "bijvoorbeeld BU03440302."),
    ("neighbourhood_code", "unknown_code"): N_("Er is geen gemeente met de cijfers van deze buurtcode. Kijk de "
                                               "buurtcode na."),
    ("neighbourhood_code", "not_linked"): N_("Deze buurt ligt in een gemeente buiten de regio's waarin uw "
                                             "organisatie werkt. Het regiobureau van die regio kan u koppelen."),
    ("location.lat", "greater_than_equal"): N_("De breedtegraad ligt in Nederland tussen 50,75 en 53,70."),
    ("location.lat", "less_than_equal"): N_("De breedtegraad ligt in Nederland tussen 50,75 en 53,70."),
    ("location.lon", "greater_than_equal"): N_("De lengtegraad ligt in Nederland tussen 3,20 en 7,25."),
    ("location.lon", "less_than_equal"): N_("De lengtegraad ligt in Nederland tussen 3,20 en 7,25."),
    ("dwelling_type", "enum"): N_("Kies het soort woning."),
    ("bedrooms", "value_error"): N_("Een woning heeft niet meer slaapkamers dan kamers."),
    ("contract_types", "too_short"): N_("Kies minstens één contractvorm."),
    ("contract_types", "enum"): N_("Kies de contractvormen uit de lijst."),
    ("contract_types", "value_error"): N_("Kies elke contractvorm één keer."),
    ("available_from", "value_error"): N_("Kies een datum tussen een jaar geleden en drie jaar vooruit."),
}
GENERAL = {
    "int_type": N_("%(label)s: vul een heel getal in."),
    "int_parsing": N_("%(label)s: vul een heel getal in."),
    "float_type": N_("%(label)s: vul een getal in, bijvoorbeeld 42 of 42,5."),
    "float_parsing": N_("%(label)s: vul een getal in, bijvoorbeeld 42 of 42,5."),
    "decimal_type": N_("%(label)s: vul een bedrag in, bijvoorbeeld 598,40."),
    "decimal_parsing": N_("%(label)s: vul een bedrag in, bijvoorbeeld 598,40."),
    "decimal_max_places": N_("%(label)s: gebruik hoogstens twee cijfers achter de komma."),
    "decimal_max_digits": N_("%(label)s: dit bedrag is te groot."),
    "decimal_whole_digits": N_("%(label)s: dit bedrag is te groot."),
    "greater_than_equal": N_("%(label)s: moet minstens %(limit)s zijn."),
    "less_than_equal": N_("%(label)s: mag hoogstens %(limit)s zijn."),
    "string_too_short": N_("%(label)s: vul dit in."),
    "string_too_long": N_("%(label)s: dit is te lang (hoogstens %(limit)s tekens)."),
    "date_type": N_("%(label)s: vul een datum in, bijvoorbeeld 1-12-2026."),
    "date_parsing": N_("%(label)s: vul een datum in, bijvoorbeeld 1-12-2026."),
    "date_from_datetime_parsing": N_("%(label)s: vul een datum in, bijvoorbeeld 1-12-2026."),
    "text_unstorable": N_("%(label)s: bevat tekens die niet kunnen worden opgeslagen."),
}
OTHERWISE = N_("%(label)s: dit klopt niet.")
EXTERNAL_REF_TAKEN = N_("U gebruikte dit nummer al voor een andere woning. Kies een ander nummer, of bekijk die "
                        "woning in Mijn woningen.")

def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, name = path.split(".")
    target = document
    for parent in parents:
        target = target.setdefault(parent, {})
    target[name] = value


def document_from(form: Mapping[str, Any], contract_types: list[str]) -> dict[str, Any]:
    """The offer document of a posted form; fields left empty stay out, so the schema names them as missing."""
    document: dict[str, Any] = {}
    for path in PATHS:
        raw = form.get(field_id(path))
        text = raw.strip() if isinstance(raw, str) else ""
        if path in YES_NO:
            _set(document, path, text == "ja")
        elif path in CHOICES:
            _set(document, path, contract_types)
        elif not text:
            continue
        elif path in INTEGER:
            _set(document, path, integer(text))
        elif path in DECIMAL:
            _set(document, path, decimal_number(text))
        elif path in MONEY:
            _set(document, path, euros(text))
        elif path in DATES:
            _set(document, path, calendar_date(text))
        else:
            _set(document, path, text)
    return document


def _path_of(loc: tuple[Any, ...]) -> str:
    """The form field an error of the schema is about (a list item's error is the list's)."""
    names = [str(part) for part in loc if not isinstance(part, int)]
    return ".".join(names) or "external_ref"


def _limit(ctx: Mapping[str, Any]) -> str:
    value = next((ctx[k] for k in ("ge", "le", "min_length", "max_length") if k in ctx), "")
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


def message_for(path: str, kind: str, ctx: Mapping[str, Any] | None, _: Gettext) -> str:
    """The Dutch message for one error of one field."""
    label = _(LABELS.get(path, path))
    if kind == "missing" and path in REQUIRED:
        return _(REQUIRED[path])
    if (path, kind) in SPECIFIC:
        return _(SPECIFIC[(path, kind)])
    if kind in GENERAL:
        return _(GENERAL[kind], label=label, limit=_limit(ctx or {}))
    return _(OTHERWISE, label=label)


def schema_errors(exc: ValidationError, _: Gettext) -> list[tuple[str, str]]:
    """(field id, message) for each error the schema found, one per field, in the order of the form."""
    found: dict[str, str] = {}
    for error in exc.errors():
        path = _path_of(tuple(error.get("loc", ())))
        found.setdefault(path, message_for(path, str(error.get("type")), error.get("ctx"), _))
    return [(field_id(p), found[p]) for p in PATHS if p in found]


async def posted_form(request: Request) -> FormData:
    """The posted form (read once; the CSRF check has read it already)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def _render(page: Page, *, values: Mapping[str, Any], contract_types: list[str], errors: list[tuple[str, str]],
            status_code: int = 200) -> Response:
    _ = page._
    return page.render("corporation/offer.html", status_code=status_code, values=values,
                       contract_types=contract_types, errors=errors, labels=LABELS, help=HELP, field_id=field_id,
                       dwelling_types=[(t.value, _(label)) for t, label in DWELLING_TYPES.items()],
                       contract_type_options=[(c.value, _(label)) for c, label in CONTRACT_TYPES.items()],
                       municipalities=working_municipalities(session=page.session, org=page.organisation))


@router.get("/woning-aanbieden")
def offer_form(page: CorporationPage) -> Response:
    """The empty form."""
    return _render(page, values={}, contract_types=[], errors=[])


@router.post("/woning-aanbieden")
def offer_dwelling(page: CorporationPage, form: PostedForm) -> Response:
    """Check the offer with the API's schema and service; on success to the dwelling's page."""
    _ = page._
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    contract_types = [v for v in form.getlist(field_id("contract_types")) if isinstance(v, str)]
    try:
        data = DwellingCreate.model_validate(document_from(form, contract_types))
    except ValidationError as exc:
        return _render(page, values=values, contract_types=contract_types, errors=schema_errors(exc, _),
                       status_code=422)
    try:
        with page.session.begin_nested():  # a refused offer leaves nothing behind
            offered = changes.offer_dwelling(session=page.session, org=page.organisation, data=data)
    except InvalidFields as exc:
        found = [(e.field, message_for(e.field, e.type, None, _)) for e in exc.extra["errors"]]
        return _render(page, values=values, contract_types=contract_types, status_code=422,
                       errors=[(field_id(path), message) for path, message in found])
    except Conflict:
        return _render(page, values=values, contract_types=contract_types, status_code=409,
                       errors=[(field_id("external_ref"), _(EXTERNAL_REF_TAKEN))])
    return page.redirect(f"/woningen/{offered.record.id}?gedaan=aangeboden")

