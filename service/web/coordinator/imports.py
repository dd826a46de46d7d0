"""Wachtlijst importeren: a coordinator brings an office's waiting list in from a CSV file or an Excel workbook.

First a dry run (`POST /importeren/proef`, as `POST /v1/imports/registrations?dry_run=true`): every problem of every
row, by row and column, with what the cell holds, in the person's language. A file without problems comes back
in the page as a hidden field, so the "Importeren" button (`POST /importeren`) imports exactly the file that was
checked, without JavaScript and without storing it: it is checked again as it is written (all or nothing), so a
changed hidden field can do no more than another upload. The checks and the writing are service/imports'.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from openpyxl.utils import get_column_letter

from service.imports import registrations as imports
from service.imports import tables
from service.imports.tables import CSV_TYPE, XLSX_TYPE, Table, UnreadableFile, read_table
from service.regions import reads
from service.web.coordinator.uploads import in_words
from service.web.forms import MESSAGES, error_message
from service.web.i18n import N_
from service.web.pages import CoordinatorPage, Page
from service.web.templating import Gettext

router = APIRouter()
FileField = Annotated[UploadFile | None, File()]
TextField = Annotated[str, Form()]

# The import's own kinds of problem in words; the form's error types are worded as the registration form words them.
OWN_WORDS = {
    imports.COLUMN_MISSING: N_("Deze kolom ontbreekt. Gebruik de kopregel van het sjabloon."),
    imports.COLUMN_UNKNOWN: N_("Deze kolom kent het sjabloon niet. Haal hem weg of geef hem de naam uit het sjabloon."),
    imports.REGION_MISSING: N_("Vul de regio in op wier wachtlijst de cliënt staat."),
    imports.REGION_NOT_OURS: N_("Regio %(region)s is geen regio van uw bureau."),
    imports.REGION_NOT_CHOSEN: N_("U importeert voor regio %(chosen)s, maar deze rij noemt regio %(region)s."),
    imports.PROVIDER_MISSING: N_("Vul de zorgaanbieder in."),
    imports.PROVIDER_UNKNOWN: N_("Geen zorgaanbieder heeft het id of precies de naam ‘%(name)s’."),
    imports.PROVIDER_ELSEWHERE: N_("%(provider)s werkt niet in regio %(region)s. Koppel de zorgaanbieder eerst aan "
                                   "de regio."),
    imports.DUPLICATE: N_("Hetzelfde cliëntkenmerk als rij %(row)s van dit bestand."),
    imports.ALREADY_DIFFERENT: N_("%(client_ref)s is al aangemeld door %(provider)s, met andere antwoorden. Wijzig "
                                  "die aanmelding in plaats van hem opnieuw te importeren."),
    "unknown_code": N_("Gemeente %(municipality)s bestaat niet."),
}
CHOICES = N_("Dit moet een van deze waarden zijn: %(expected)s.")
UNREADABLE = {
    tables.NO_HEADER: N_("Het bestand heeft geen kopregel."),
    tables.NOT_A_WORKBOOK: N_("Het bestand is geen Excel-werkmap (.xlsx)."),
    tables.NOT_UTF8: N_("Het bestand is geen tekst in UTF-8. Sla het op als ‘CSV UTF-8’, of als Excel-werkmap "
                        "(.xlsx)."),
    tables.TOO_BIG: N_("De werkmap is uitgepakt groter dan 256 MB. Splits hem in kleinere bestanden."),
    tables.TOO_FAR: N_("Een blad loopt door tot voorbij rij 99.999 of kolom BL. Splits het bestand, of haal weg wat "
                       "daarachter staat."),
    tables.UNPLACED: N_("Een blad heeft cellen zonder celverwijzing. Sla het bestand opnieuw op in Excel of "
                        "LibreOffice."),
}


def problem_in_words(problem: imports.Problem, _: Gettext, language: str) -> tuple[str, bool]:
    """A problem in the person's language, and whether it was translated (else it is shown as the service gave it)."""
    if problem.type in OWN_WORDS:
        return _(OWN_WORDS[problem.type], **problem.context), True
    if problem.type == imports.UNREADABLE:
        return in_words(problem.message, _)
    if problem.type in ("enum", "literal_error") and "expected" in problem.context:
        # pydantic lists them as 'a', 'b' or 'c'; the values stay as the file must hold them.
        return _(CHOICES, expected=str(problem.context["expected"]).replace("' or '", f"' {_('of')!s} '")), True
    if problem.type in MESSAGES or problem.type == "value_error":
        words = error_message({"type": problem.type, "ctx": problem.context, "msg": problem.message}, _, language)
        return words, words != problem.message
    return problem.message, False


@dataclass(frozen=True)
class Line:
    """One problem as the page's table shows it: where it is, what the cell holds, and what is wrong."""

    row: int
    column: str
    letter: str
    value: str
    words: str
    translated: bool


def _lines(page: Page, table: Table, problems: list[imports.Problem]) -> list[Line]:
    cells = dict(table.rows)
    lines = []
    for p in problems:
        letter = get_column_letter(table.header.index(p.column) + 1) if p.column in table.header else ""
        words, translated = problem_in_words(p, page._, page.language)
        lines.append(Line(row=p.row, column=p.column, letter=letter, value=cells.get(p.row, {}).get(p.column, ""),
                          words=words, translated=translated))
    return lines


def _file_name(name: str | None) -> str:
    """The upload's own name (recorded with each waiting start), without folders or control characters."""
    base = re.sub(r"[\x00-\x1f\x7f]", "", PurePosixPath((name or "").replace("\\", "/")).name)[:200]
    return base if len(base) >= 3 else "wachtlijst"


def _media_type(name: str, content: bytes) -> str | None:
    """An .xlsx workbook (a zip file) or CSV text; browsers name a .csv file's type in several ways."""
    if content.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        return XLSX_TYPE
    if name.lower().endswith((".csv", ".txt")):
        return CSV_TYPE
    return None


def _regions(page: Page) -> list[tuple[str, str]]:
    return [(r.code, f"{r.name} ({r.code})")
            for r in reads.region_summaries(session=page.session, org=page.organisation)]


def _page(page: Page, *, status_code: int = 200, errors: list[tuple[str, str]] | None = None, region: str = "",
          **context: object) -> Response:
    regions = _regions(page)
    shown: dict[str, Any] = {"imported": None, "report": None, "name": "", "lines": [], "media_type": "",
                                "content": "", **context}
    return page.render("coordinator/imports.html", status_code=status_code, errors=errors or [], regions=regions,
                       region=region or (regions[0][0] if len(regions) == 1 else ""), **shown)


@router.get("/importeren")
def import_form(page: CoordinatorPage) -> Response:
    """The form for a waiting-list import: a CSV file or an Excel workbook, and the region when there are several."""
    return _page(page)


@router.get("/importeren/sjabloon.xlsx")
def import_template(page: CoordinatorPage) -> Response:
    """The template workbook, as `GET /v1/imports/registrations/template.xlsx`."""
    return Response(imports.template(), media_type=XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="wachtlijst-sjabloon.xlsx"'})


def _checked(page: Page, *, content: bytes, media_type: str, name: str,
             region: str) -> tuple[Table | None, imports.Report | None, list[tuple[str, str]]]:
    """The file read and checked in full (nothing written), or the form's errors."""
    _ = page._
    errors = []
    if region not in {code for code, _label in _regions(page)}:
        errors.append(("regio", _("Kies een van de regio's van uw bureau.")))
    try:
        table = read_table(body=content, media_type=media_type)
    except UnreadableFile as exc:
        detail = exc.detail or ""
        errors.append(("bestand", _(UNREADABLE[detail]) if detail in UNREADABLE else detail))
        return None, None, errors
    if errors:
        return table, None, errors
    report = imports.check(session=page.session, coordinator=page.organisation, table=table, filename=name,
                           region=region)
    return table, report, []


@router.post("/importeren/proef")
def dry_run(page: CoordinatorPage, bestand: FileField = None, regio: TextField = "") -> Response:
    """The dry run: every problem of every row by row and column, nothing written; without problems, the button."""
    _ = page._
    content = bestand.file.read() if bestand is not None and bestand.filename else b""
    name = _file_name(bestand.filename if bestand is not None else None)
    media_type = _media_type(name, content)
    problem = (_("Kies een bestand.") if bestand is None or not bestand.filename else
               _("Het bestand is leeg.") if not content.strip() else
               _("Kies een CSV-bestand (.csv) of een Excel-werkmap (.xlsx).") if media_type is None else None)
    if problem or media_type is None:
        return _page(page, status_code=422, errors=[("bestand", problem or "")], region=regio)
    table, report, errors = _checked(page, content=content, media_type=media_type, name=name, region=regio)
    if errors or table is None or report is None:
        return _page(page, status_code=422, errors=errors, region=regio)
    if not report.rows and not report.problems:
        return _page(page, status_code=422, region=regio, errors=[("bestand", _(
            "Het bestand heeft alleen een kopregel. Zet onder de kopregel één rij per cliënt."))])
    return _page(page, region=regio, report=report, name=name, lines=_lines(page, table, report.problems),
                 media_type=media_type, content=base64.b64encode(content).decode() if not report.problems else "")


@router.post("/importeren")
def import_file(page: CoordinatorPage, inhoud: TextField = "", soort: TextField = "", bestandsnaam: TextField = "",
                regio: TextField = "") -> Response:
    """The import of the file the dry run checked: all rows or none, each client once; then what it did."""
    _ = page._
    name = _file_name(bestandsnaam)
    try:
        content = base64.b64decode(inhoud, validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not content or soort not in (CSV_TYPE, XLSX_TYPE):
        return _page(page, status_code=422, region=regio, errors=[("bestand", _(
            "Het gecontroleerde bestand is niet meegekomen. Kies het bestand opnieuw en controleer het."))])
    table, report, errors = _checked(page, content=content, media_type=soort, name=name, region=regio)
    if errors or table is None or report is None:
        return _page(page, status_code=422, errors=errors, region=regio)
    if report.problems:
        # Something changed since the dry run (another import, a provider's own registration): nothing is written.
        return _page(page, status_code=422, region=regio, report=report, name=name,
                     lines=_lines(page, table, report.problems), media_type=soort, content="")
    done = imports.write(session=page.session, coordinator=page.organisation, report=report)
    return _page(page, region=regio, imported=done, name=name)
