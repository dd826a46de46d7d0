"""Regio en beleid, the uploads: places from a GeoJSON file (`POST /v1/places/import`) and neighbourhood
vulnerability scores from a CSV file (`PUT /v1/neighbourhoods/vulnerability`), each answered with its report.

Both are multipart forms (the CSRF token is one of their fields). The services judge the files and report every
feature or line they skipped with its reason; this page words those reasons in the person's language and shows a
reason it has no words for as the service gave it (marked as English).
"""

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from matching.model import CATEGORIES
from service.errors import Conflict, InvalidFields
from service.places import service as places_service
from service.places.schemas import SOURCE_PATTERN
from service.regions import service as regions_service
from service.web.i18n import N_
from service.web.pages import CoordinatorPage, Page
from service.web.templating import Gettext

router = APIRouter()
FileField = Annotated[UploadFile | None, File()]

CATEGORY_LABELS = {
    "liquor_store": N_("Slijterijen"),
    "cannabis_shop": N_("Coffeeshops"),
    "bar_nightlife": N_("Cafés, bars en nachtclubs"),
    "gambling": N_("Gokhallen en casino's"),
}
assert set(CATEGORY_LABELS) == set(CATEGORIES), "every place category needs its label"

# The services' reasons (service/regions/service.py, service/places/geojson.py, service/csvinput.py,
# service/fields.py) in words; tests/web/test_region_uploads.py keeps this table in step with them.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), words) for pattern, words in (
    (r"expected two columns: code,score", N_("Er moeten precies twee kolommen zijn: code,score.")),
    (r"'(?P<code>.*)' is not a CBS neighbourhood code \(BUnnnnnnnn\)",
     N_("‘%(code)s’ is geen CBS-buurtcode (BU met acht cijfers).")),
    (r"score '(?P<score>.*)' is not a whole number from 0 to 100",
     N_("De score ‘%(score)s’ is geen heel getal van 0 tot en met 100.")),
    (r"municipality (?P<gm>\S+) of (?P<bu>\S+) does not exist",
     N_("De gemeente %(gm)s van buurt %(bu)s bestaat niet.")),
    (r"(?P<bu>\S+) lies outside your regions", N_("Buurt %(bu)s ligt niet in een van uw regio's.")),
    (r"the line cannot be read as CSV: .*", N_("Deze regel is geen leesbare CSV.")),
    (r"a value is longer than (?P<n>\d+) characters", N_("Een waarde is langer dan %(n)s tekens.")),
    (r"not a GeoJSON Feature", N_("Dit is geen GeoJSON-Feature.")),
    (r"geometry must be a Point", N_("De geometrie moet een punt (Point) zijn.")),
    (r"coordinates must be \[lon, lat\] numbers.*",
     N_("De coördinaten moeten twee getallen zijn: [lengtegraad, breedtegraad].")),
    (r"point \((?P<lat>[^,]+), (?P<lon>[^)]+)\) lies outside the Netherlands",
     N_("Het punt (%(lat)s, %(lon)s) ligt buiten Nederland.")),
    (r"properties must be an object", N_("De eigenschappen (properties) moeten een object zijn.")),
    (r"unknown category '(?P<category>.*)'; known: (?P<known>.*)",
     N_("Onbekende categorie ‘%(category)s’; bekend zijn: %(known)s.")),
    (r"no category and no OSM tag that maps to one",
     N_("Er is geen categorie en geen OSM-tag die bij een categorie hoort.")),
    (r"the (name|id) must not contain .*", N_("De naam of het id bevat tekens die niet kunnen worden opgeslagen.")),
    (r"the document must be a GeoJSON FeatureCollection", N_("Het bestand is geen GeoJSON FeatureCollection.")),
    (r"a FeatureCollection needs a `features` list", N_("De FeatureCollection heeft geen lijst ‘features’.")),
    (r"(this key )?must not contain .*", N_("Hier staan tekens die niet kunnen worden opgeslagen.")),
    (r"must be a number between .*", N_("Dit getal is te groot.")),
))


def in_words(reason: str, _: Gettext) -> tuple[str, bool]:
    """A service's reason in the person's language, and whether it was translated (else it is shown as given)."""
    for pattern, words in REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return _(words, **match.groupdict()), True
    return reason, False


def _text_of(upload: UploadFile | None, _: Gettext) -> tuple[str | None, str | None]:
    """The uploaded file as text, or why not."""
    if upload is None or not upload.filename:
        return None, _("Kies een bestand.")
    content = upload.file.read()
    if not content.strip():
        return None, _("Het bestand is leeg.")
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, _("Het bestand is geen tekst in UTF-8. Sla het op als ‘CSV UTF-8’ of als UTF-8-tekst.")


def _places_page(page: Page, *, status_code: int = 200, errors: list[tuple[str, str]] | None = None,
                 source: str = "", report: places_service.ImportReport | None = None) -> Response:
    skipped = [(page._("nr. %(n)s", n=r.index + 1) + f" (features[{r.index}])", r.reason)
               for r in (report.rejected if report else [])]
    return page.render("coordinator/uploads_places.html", status_code=status_code, errors=errors or [],
                       source=source, report=report, skipped=skipped, category_labels=CATEGORY_LABELS,
                       in_words=in_words)


@router.get("/regio/import/plaatsen")
def places_form(page: CoordinatorPage) -> Response:
    """The form for a places import: a name for the import and a GeoJSON file."""
    return _places_page(page)


@router.post("/regio/import/plaatsen")
def import_places(page: CoordinatorPage, bestand: FileField = None, bron: Annotated[str, Form()] = "") -> Response:
    """Import places as `POST /v1/places/import` and show the report: imported per category, skipped with why."""
    _ = page._
    source = bron.strip()
    errors = [] if re.fullmatch(SOURCE_PATTERN, source) else [
        ("bron", _("Geef de import een naam van letters, cijfers en . _ : - (hoogstens 100 tekens), bijvoorbeeld "
                   "osm-utrecht."))]
    text, problem = _text_of(bestand, _)
    document: Any = None
    if text is not None:
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            problem = _("Het bestand is geen geldige JSON, dus ook geen GeoJSON.")
    if problem:
        errors.append(("bestand", problem))
    if errors:
        return _places_page(page, status_code=422, errors=errors, source=bron)
    try:
        report = places_service.import_document(session=page.session, org=page.organisation, source=source,
                                                document=document)
    except InvalidFields as exc:
        found = exc.extra.get("errors") or []
        reasons = "; ".join(in_words(e.message, _)[0] + ("" if e.field == "body" else f" ({e.field})")
                            for e in found[:5])
        return _places_page(page, status_code=422, source=bron,
                            errors=[("bestand", _("Dit bestand kan niet worden geïmporteerd: %(why)s", why=reasons))])
    except Conflict:
        return _places_page(page, status_code=409, source=bron, errors=[("bron", _(
            "Onder deze naam heeft een ander regiobureau plaatsen geïmporteerd. Kies een andere naam."))])
    return _places_page(page, source=source, report=report)


def _vulnerability_page(page: Page, *, status_code: int = 200, errors: list[tuple[str, str]] | None = None,
                        stored: int = 0, rejected: list[dict[str, str | int]] | None = None) -> Response:
    skipped = [(page._("regel %(n)s", n=r["line"]), str(r["reason"])) for r in rejected or []]
    return page.render("coordinator/uploads_vulnerability.html", status_code=status_code, errors=errors or [],
                       report=rejected is not None, stored=stored, skipped=skipped, in_words=in_words)


@router.get("/regio/import/kwetsbaarheid")
def vulnerability_form(page: CoordinatorPage) -> Response:
    """The form for a vulnerability upload: a CSV file of `code,score` lines."""
    return _vulnerability_page(page)


@router.post("/regio/import/kwetsbaarheid")
def upload_vulnerability(page: CoordinatorPage, bestand: FileField = None) -> Response:
    """Store the scores as `PUT /v1/neighbourhoods/vulnerability` and show the report with every line skipped."""
    text, problem = _text_of(bestand, page._)
    if text is None:
        return _vulnerability_page(page, status_code=422, errors=[("bestand", problem or "")])
    stored, rejected = regions_service.upload_vulnerability(session=page.session, org=page.organisation, text=text)
    return _vulnerability_page(page, stored=stored, rejected=rejected)
