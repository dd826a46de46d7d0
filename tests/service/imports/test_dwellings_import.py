"""The dwelling import over HTTP: dry run naming each bad cell, all or nothing, idempotent on external_ref."""

import io

from openpyxl import load_workbook

from service.imports.dwellings import COLUMNS
from service.imports.tables import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes
from tests import factories

URL = "/v1/imports/dwellings"


def _row(**changes: str) -> dict[str, str]:
    doc = factories.dwelling()
    flat = {**doc["address"], **doc["location"], **doc["low_stimulus_features"],
            **{k: v for k, v in doc.items() if not isinstance(v, dict)}}
    row = {c: ("ja" if flat[c] is True else "nee" if flat[c] is False else
               "; ".join(flat[c]) if isinstance(flat[c], list) else str(flat[c])) for c in COLUMNS}
    return {**row, **changes}


def _workbook(rows: list[dict[str, str]]) -> bytes:
    header = list(COLUMNS)
    return xlsx_bytes(sheets=[("dwellings", header, [[r[c] for c in header] for r in rows])])


def _post(client, body: bytes, *, dry_run: bool, media_type: str = XLSX_TYPE):
    return client.post(URL, params={"dry_run": str(dry_run).lower()}, content=body,
                       headers={"Content-Type": media_type})


def test_a_dry_run_names_each_bad_cell_and_writes_nothing(client_for):
    corporation = client_for("corporation")
    first = _row()
    rows = [first, _row(rooms="twee"), _row(dwelling_type="castle"), _row(neighbourhood_code="BU99990101"),
            _row(external_ref=first["external_ref"]), _row(has_elevator="misschien")]
    report = _post(corporation, _workbook(rows), dry_run=True).json()
    assert [(p["row"], p["column"]) for p in report["problems"]] == [
        (3, "rooms"), (4, "dwelling_type"), (5, "neighbourhood_code"), (6, "external_ref"), (7, "has_elevator")]
    assert report["valid_rows"] == 1
    assert corporation.get("/v1/dwellings").json()["total"] == 0
    refused = _post(corporation, _workbook(rows), dry_run=False)
    assert refused.status_code == 422
    assert corporation.get("/v1/dwellings").json()["total"] == 0


def test_the_import_offers_each_new_dwelling_once_and_shortlists_it(client_for):
    corporation = client_for("corporation")
    rows = [_row(), _row()]
    body = csv_bytes(header=list(COLUMNS), rows=[[r[c] for c in COLUMNS] for r in rows])
    first = _post(corporation, body, dry_run=False, media_type=CSV_TYPE)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["unchanged"]) == (2, 0)
    listed = corporation.get("/v1/dwellings").json()["items"]
    assert {d["external_ref"] for d in listed} == {r["external_ref"] for r in rows}
    coordinator = client_for("coordinator")
    for dwelling in listed:
        assert coordinator.get(f"/v1/dwellings/{dwelling['id']}/shortlist").status_code == 200
    again = _post(corporation, body, dry_run=False, media_type=CSV_TYPE).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert corporation.get("/v1/dwellings").json()["total"] == 2


def test_a_row_with_other_answers_than_the_stored_offer_is_named(client_for):
    corporation = client_for("corporation")
    row = _row()
    assert _post(corporation, _workbook([row]), dry_run=False).status_code == 200
    report = _post(corporation, _workbook([{**row, "rooms": "3"}]), dry_run=True).json()
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(2, "external_ref")]


def test_the_template_opens_and_its_example_rows_import_cleanly(client_for):
    corporation = client_for("corporation")
    response = corporation.get(f"{URL}/template.xlsx")
    assert response.status_code == 200 and response.headers["content-type"] == XLSX_TYPE
    assert "woningen-sjabloon.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["dwellings", "explanation"]
    assert [c.value for c in book["dwellings"][1]] == list(COLUMNS)
    assert book["dwellings"].max_row == 3
    assert {row[0].value for row in book["explanation"].iter_rows(min_row=2)} == set(COLUMNS)
    checked = _post(corporation, response.content, dry_run=True)
    assert checked.status_code == 200, checked.text
    assert (checked.json()["problems"], checked.json()["valid_rows"]) == ([], 2)
    imported = _post(corporation, response.content, dry_run=False).json()
    assert (imported["created"], imported["unchanged"]) == (2, 0)
    assert corporation.get("/v1/dwellings").json()["total"] == 2


def test_only_a_corporation_gets_the_dwelling_template(client_for):
    assert client_for("coordinator").get(f"{URL}/template.xlsx").status_code == 403
    assert client_for("care_provider").get(f"{URL}/template.xlsx").status_code == 403
