"""The exports of the registrations and dwellings lists: CSV and .xlsx, the API lists' access rules, audited reads."""

import csv
import io

from openpyxl import load_workbook

from tests.service.helpers import audit_trail, create_dwelling, create_registration


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_care_provider_exports_its_own_registrations_and_each_is_an_audited_read(client_for):
    coordinator, mine, other = client_for("coordinator"), client_for("care_provider"), client_for("care_provider")
    own = create_registration(mine)
    create_registration(other)
    before = audit_trail(coordinator, own["id"])
    rows = _csv(mine.get("/v1/exports/registrations", params={"format": "csv"}))
    assert [r["client_ref"] for r in rows] == [own["client_ref"]]
    assert rows[0]["household_adults"] == "1"
    assert rows[0]["avoid_nearby"] == "liquor_store:300"
    assert audit_trail(coordinator, own["id"])[len(before):] == [("read", str(mine.org.id))]


def test_a_coordinator_exports_only_its_regions_registrations_as_a_workbook(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    elsewhere = client_for("coordinator", home=False)
    reg = create_registration(provider)
    response = coordinator.get("/v1/exports/registrations", params={"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["registrations"]
    header = [c.value for c in sheet[1]]
    refs = [row[header.index("client_ref")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert reg["client_ref"] in refs
    assert _csv(elsewhere.get("/v1/exports/registrations")) == []


def test_dwellings_export_respects_access(client_for):
    coordinator, corporation, other = client_for("coordinator"), client_for("corporation"), client_for("corporation")
    own = create_dwelling(corporation)
    theirs = create_dwelling(other)
    assert [r["external_ref"] for r in _csv(corporation.get("/v1/exports/dwellings"))] == [own["external_ref"]]
    assert {r["external_ref"] for r in _csv(coordinator.get("/v1/exports/dwellings"))} >= {
        own["external_ref"], theirs["external_ref"]}
    assert client_for("care_provider").get("/v1/exports/dwellings").status_code == 403
    assert corporation.get("/v1/exports/registrations").status_code == 403
    assert corporation.get("/v1/exports/dwellings", params={"format": "pdf"}).status_code == 422


def test_an_excel_export_leaves_out_control_characters_a_worksheet_cannot_hold():
    import io

    from openpyxl import load_workbook

    from service.imports.tables import xlsx_bytes

    book = load_workbook(io.BytesIO(xlsx_bytes(sheets=[("rows", ["street"], [["Kanaal\x01straat\x0b"]])])))
    assert [c.value for c in next(iter(book["rows"].iter_rows(min_row=2)))] == ["Kanaalstraat"]
