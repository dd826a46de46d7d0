"""Wachtlijst importeren without a browser: a dry run names each problem by row and column in Dutch and writes
nothing, a clean file comes back with the Importeren button, the import is all or nothing and says what it did,
the template downloads, and the region is chosen when the office runs several."""

import base64
import html as html_text
import io
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.imports.registrations import COLUMNS
from service.imports.tables import XLSX_TYPE, csv_bytes
from service.organisations.models import OrganisationKind
from service.web.coordinator.imports import OWN_WORDS
from tests.factories import waiting_list_rows as _rows
from tests.factories import waiting_list_workbook as _workbook
from tests.web.coordinator_session import text_of
from tests.web.signed_in import Browser, sign_in
from tests.world import HOME_REGION

TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture
def coordinator(app, session, make_org) -> Browser:
    org, key = make_org(OrganisationKind.coordinator)
    return sign_in(app, session, org, key)


@pytest.fixture
def provider(make_org) -> str:
    org, _key = make_org(OrganisationKind.care_provider)
    return org.name


def _check(browser: Browser, content: bytes, name: str = "wachtlijst.xlsx", region: str = HOME_REGION,
           media_type: str = XLSX_TYPE):
    return browser.post("/importeren/proef", {"regio": region}, files={"bestand": (name, content, media_type)})


def _hidden(html: str) -> dict[str, str]:
    form = html.split('action="/importeren"')[1].split("</form>")[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _listed(app, browser: Browser) -> list[dict]:
    api = TestClient(app, headers={"Authorization": f"Bearer {browser.api_key}"})
    return api.get("/v1/registrations", params={"limit": 100}).json()["items"]


def _problems(html: str) -> list[tuple[str, str, str, str]]:
    table = html.split('id="problemen"')[1].split("</table>")[0]
    rows = re.findall(r"<tr class=\"utrecht-table__row\">(.*?)</tr>", table.split("<tbody")[1], re.S)
    return [tuple(" ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
                  for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)) for row in rows]


def test_the_screen_is_in_the_menu_with_the_form_and_the_template(coordinator):
    page = coordinator.get("/importeren")
    assert page.status_code == 200
    assert 'href="/importeren"' in page.text and "Wachtlijst importeren" in page.text
    assert 'enctype="multipart/form-data"' in page.text and 'name="bestand"' in page.text
    assert "Regio: " in page.text and HOME_REGION in page.text  # one region: nothing to choose
    template = coordinator.get("/importeren/sjabloon.xlsx")
    assert template.status_code == 200 and template.headers["content-type"] == XLSX_TYPE
    book = load_workbook(io.BytesIO(template.content), read_only=True)
    assert [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))] == list(COLUMNS)


def test_a_dry_run_names_each_bad_cell_by_row_and_column_in_dutch_and_writes_nothing(coordinator, provider, app):
    rows = _rows(provider, 5, r0={"birth_year": "negentien"}, r1={"current_setting": "kasteel"},
                 r2={"care_provider": "Onbekende Stichting"}, r3={"client_ref": "IMP-0000"})
    page = _check(coordinator, _workbook(rows))
    assert page.status_code == 200
    assert text_of(page.text, "samenvatting") == "5 rijen gelezen · 1 rij in orde · 4 problemen"
    assert _problems(page.text) == [
        ("2", "F · birth_year", "negentien", "Vul een heel getal in."),
        ("3", "J · current_setting", "kasteel", "Dit moet een van deze waarden zijn: 'shelter', "
         "'supported_housing', 'womens_shelter', 'mother_child_home', 'youth_care' of 'other'."),
        ("4", "A · care_provider", "Onbekende Stichting",
         "Geen zorgaanbieder heeft het id of precies de naam ‘Onbekende Stichting’."),
        ("5", "B · client_ref", "IMP-0000", "Hetzelfde cliëntkenmerk als rij 2 van dit bestand."),
    ]
    assert 'action="/importeren"' not in page.text  # no button while a row has a problem
    assert _listed(app, coordinator) == []


def test_a_clean_file_is_imported_once_and_the_page_says_what_it_did(coordinator, provider, app):
    checked = _check(coordinator, _workbook(_rows(provider, 2)))
    assert checked.status_code == 200
    assert "Alle 2 rijen zijn in orde. Er is nog niets geïmporteerd." in checked.text
    assert _listed(app, coordinator) == []
    hidden = _hidden(checked.text)
    assert hidden["bestandsnaam"] == "wachtlijst.xlsx" and hidden["regio"] == HOME_REGION
    done = coordinator.post("/importeren", hidden)
    assert done.status_code == 200, done.text
    assert text_of(done.text, "uitkomst") == "2 cliënten nieuw op de wachtlijst · 0 waren er al, ongewijzigd"
    listed = _listed(app, coordinator)
    assert sorted(r["client_ref"] for r in listed) == ["IMP-0000", "IMP-0001"]
    again = coordinator.post("/importeren", hidden)
    assert text_of(again.text, "uitkomst") == "0 cliënten nieuw op de wachtlijst · 2 waren er al, ongewijzigd"
    assert len(_listed(app, coordinator)) == 2


def test_a_csv_file_is_checked_too_and_its_problems_named(coordinator, provider):
    header = list(COLUMNS)
    rows = _rows(provider, 1, r0={"household_adults": "0"})
    content = csv_bytes(header=header, rows=[[r[c] for c in header] for r in rows])
    page = _check(coordinator, content, name="lijst.csv", media_type="application/vnd.ms-excel")
    assert _problems(page.text) == [("2", "G · household_adults", "0", "Dit moet 1 of meer zijn.")]


def test_an_import_whose_file_has_a_problem_now_writes_nothing(coordinator, provider, app):
    hidden = _hidden(_check(coordinator, _workbook(_rows(provider, 2))).text)
    tampered = _workbook(_rows(provider, 2, r1={"contract": "voor altijd"}))
    page = coordinator.post("/importeren", {**hidden, "inhoud": base64.b64encode(tampered).decode()})
    assert page.status_code == 422
    assert [p[:2] for p in _problems(page.text)] == [("3", "V · contract")]
    assert _listed(app, coordinator) == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("", b"", "Kies een bestand."),
    ("leeg.csv", b"  \n", "Het bestand is leeg."),
    ("foto.png", b"\x89PNG....", "Kies een CSV-bestand (.csv) of een Excel-werkmap (.xlsx)."),
    ("kapot.xlsx", b"PK\x03\x04 not really a zip", "Het bestand is geen Excel-werkmap (.xlsx)."),
    ("latin.csv", "naïef;ü".encode("latin-1"), "Het bestand is geen tekst in UTF-8."),
])
def test_a_file_that_cannot_be_read_is_named_beside_the_field(coordinator, name, content, message):
    page = _check(coordinator, content, name=name, media_type="application/octet-stream")
    assert page.status_code == 422
    assert 'id="foutmeldingen"' in page.text and message in text_of(page.text, "bestand-fout")


def test_a_file_with_only_its_header_row_is_named(coordinator):
    page = _check(coordinator, _workbook([]))
    assert page.status_code == 422 and "Het bestand heeft alleen een kopregel." in text_of(page.text, "bestand-fout")


def test_a_missing_column_is_named_in_the_header_row(coordinator, provider):
    columns = [c for c in COLUMNS if c != "birth_year"]
    page = _check(coordinator, _workbook(_rows(provider, 1), columns))
    assert _problems(page.text) == [
        ("1", "birth_year", "", "Deze kolom ontbreekt. Gebruik de kopregel van het sjabloon.")]


def test_with_several_regions_the_office_chooses_one_and_rows_naming_another_are_named(coordinator, provider, app):
    api = TestClient(app, headers={"Authorization": f"Bearer {coordinator.api_key}"})
    answer = api.put("/v1/regions/TWEEDE", json={"name": "Tweede regio", "municipality_codes": ["GM0014"],
                                                "policy": {}})
    assert answer.status_code == 200, answer.text
    form = coordinator.get("/importeren")
    assert '<select class="utrecht-select' in form.text and 'value="TWEEDE"' in form.text
    unchosen = _check(coordinator, _workbook(_rows(provider, 1)), region="")
    assert unchosen.status_code == 422 and "Kies een van de regio's van uw bureau." in unchosen.text
    rows = _rows(provider, 2, r0={"region": ""})
    page = _check(coordinator, _workbook(rows), region="TWEEDE")
    # The empty cell means the chosen region (where this provider does not work); the other row names U16.
    assert _problems(page.text) == [
        ("2", "A · care_provider", provider,
         f"{provider} werkt niet in regio TWEEDE. Koppel de zorgaanbieder eerst aan de regio."),
        ("3", "C · region", HOME_REGION, f"U importeert voor regio TWEEDE, maar deze rij noemt regio {HOME_REGION}."),
    ]


def test_every_own_kind_of_problem_has_its_words():
    from service.imports import registrations as r
    kinds = {r.COLUMN_MISSING, r.COLUMN_UNKNOWN, r.REGION_MISSING, r.REGION_NOT_OURS, r.REGION_NOT_CHOSEN,
             r.PROVIDER_MISSING, r.PROVIDER_UNKNOWN, r.PROVIDER_ELSEWHERE, r.DUPLICATE, r.ALREADY_DIFFERENT}
    assert kinds <= set(OWN_WORDS)


def test_a_care_provider_has_no_import_screen(app, session, make_org):
    org, key = make_org(OrganisationKind.care_provider)
    assert sign_in(app, session, org, key).get("/importeren").status_code == 404
