"""The waiting-list import over HTTP: dry run naming each bad cell, all or nothing, idempotent, and its template."""

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from service.imports.registrations import COLUMNS, EXAMPLES
from service.imports.tables import CSV_TYPE, XLSX_TYPE, csv_bytes, read_table
from tests.factories import waiting_list_rows as _rows
from tests.factories import waiting_list_workbook as _workbook

URL = "/v1/imports/registrations"
TODAY = datetime.now(UTC).date().isoformat()


def _post(client, body: bytes, *, dry_run: bool, media_type: str = XLSX_TYPE, filename: str = "wachtlijst.xlsx",
          region: str | None = None):
    params = {"dry_run": str(dry_run).lower(), "filename": filename, **({"region": region} if region else {})}
    return client.post(URL, params=params, content=body, headers={"Content-Type": media_type})


def _listed(client) -> list[dict]:
    return client.get("/v1/registrations", params={"limit": 100}).json()["items"]


def test_a_dry_run_names_each_bad_cell_by_row_and_column_and_writes_nothing(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    name = provider.org.name
    rows = _rows(name, 9, r0={"birth_year": "negentien"}, r1={"current_setting": "castle"},
                 r2={"regional_ties": "GM9999:4:0"}, r3={"care_provider": "No Such Provider"},
                 r4={"client_ref": "IMP-0000"}, r5={"waiting_since": "gisteren"},
                 r6={"avoid_nearby": "liquor_store"}, r7={"region": ""})
    response = _post(coordinator, _workbook(rows), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    problems = {(p["row"], p["column"]) for p in report["problems"]}
    # Row 1 is the header: the first data row is row 2.
    assert problems == {(2, "birth_year"), (3, "current_setting"), (4, "regional_ties"), (5, "care_provider"),
                        (6, "client_ref"), (7, "waiting_since"), (8, "avoid_nearby"),
                        (9, "region")}
    messages = {p["row"]: p["message"] for p in report["problems"]}
    assert "GM9999 does not exist" in messages[4]
    assert "No Such Provider" in messages[5]
    assert "row 2" in messages[6]
    assert report["rows"] == 9 and report["valid_rows"] == 1 and report["created"] == 0
    assert _listed(coordinator) == []


def test_a_missing_column_is_named(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    columns = [c for c in COLUMNS if c != "birth_year"]
    report = _post(coordinator, _workbook(_rows(provider.org.name), columns), dry_run=True).json()
    assert [(p["row"], p["column"], p["message"]) for p in report["problems"]] == [
        (1, "birth_year", "this column is missing")]


def test_an_import_with_one_bad_row_writes_nothing(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    rows = _rows(provider.org.name, 3, r2={"contract": "forever"})
    response = _post(coordinator, _workbook(rows), dry_run=False)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["row 4, column contract"]
    assert _listed(coordinator) == []


def test_the_import_creates_each_row_once_with_the_waiting_start_and_the_file_name(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    body = _workbook(_rows(provider.org.name))
    first = _post(coordinator, body, dry_run=False)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["unchanged"]) == (2, 0)
    stored = {r["client_ref"]: r for r in _listed(provider)}
    assert set(stored) == {"IMP-0000", "IMP-0001"}
    assert datetime.fromisoformat(stored["IMP-0000"]["waiting_since"]) == datetime(2024, 3, 1, tzinfo=UTC)
    assert stored["IMP-0000"]["waiting_since_reason"] == "wachtlijst.xlsx: registration date in the old list"
    assert stored["IMP-0001"]["regional_ties"][1] == {"municipality_code": "GM0356", "years_resident": 2,
                                                      "years_work_or_study": 0}
    again = _post(coordinator, body, dry_run=False)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)
    assert {r["client_ref"]: r["version"] for r in _listed(provider)} == {k: v["version"] for k, v in stored.items()}


def test_a_row_with_other_answers_than_the_stored_registration_is_refused(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    assert _post(coordinator, _workbook(_rows(provider.org.name)), dry_run=False).status_code == 200
    changed = _rows(provider.org.name, r0={"birth_year": "1990"})
    report = _post(coordinator, _workbook(changed), dry_run=True).json()
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(2, "client_ref")]


def test_a_provider_outside_the_region_is_refused(client_for):
    coordinator, outsider = client_for("coordinator"), client_for("care_provider", home=False)
    report = _post(coordinator, _workbook(_rows(str(outsider.org.id), 1)), dry_run=True).json()
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(2, "care_provider")]
    assert "does not work in region U16" in report["problems"][0]["message"]


def test_csv_imports_like_the_workbook(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    rows = _rows(provider.org.name)
    body = csv_bytes(header=list(COLUMNS), rows=[[r[c] for c in COLUMNS] for r in rows])
    response = _post(coordinator, body, dry_run=False, media_type=CSV_TYPE, filename="wachtlijst.csv")
    assert response.json()["created"] == 2


def test_the_template_opens_and_its_example_rows_import_cleanly(client_for):
    coordinator = client_for("coordinator")
    provider = client_for("care_provider", name=EXAMPLES[0]["care_provider"])
    response = coordinator.get(f"{URL}/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["registrations", "explanation"]
    assert [c.value for c in book["registrations"][1]] == list(COLUMNS)
    assert book["registrations"].max_row == 3
    assert read_table(body=response.content, media_type=XLSX_TYPE).rows
    imported = _post(coordinator, response.content, dry_run=False, filename="sjabloon.xlsx")
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 2
    assert len(_listed(provider)) == 2


def test_unreadable_files_and_other_roles_are_refused(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    assert _post(coordinator, b"not a zip", dry_run=True).status_code == 400
    assert _post(coordinator, b"a,b", dry_run=True, media_type="application/json").status_code == 415
    assert _post(coordinator, b"\xff\xfe", dry_run=True, media_type=CSV_TYPE).status_code == 400
    assert _post(provider, _workbook(_rows(provider.org.name)), dry_run=True).status_code == 403


def _far_workbook(cell: str) -> bytes:
    """A workbook whose sheet also holds one cell at `cell` (or, with "", a cell that does not say where it is)."""
    import zipfile
    plain, out = zipfile.ZipFile(io.BytesIO(_workbook(_rows("x", 1)))), io.BytesIO()
    with zipfile.ZipFile(out, "w") as crafted:
        for member in plain.infolist():
            data = plain.read(member.filename)
            if member.filename.startswith("xl/worksheets/"):
                row = f' r="{cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"' if cell else ""
                where = f' r="{cell}"' if cell else ""
                data = data.replace(b"</sheetData>", f'<row{row}><c{where} t="inlineStr"><is><t>x</t></is></c>'
                                    "</row></sheetData>".encode())
            crafted.writestr(member, data)
    return out.getvalue()


def test_a_workbook_reaching_far_beyond_any_list_is_refused_before_it_is_read(client_for):
    coordinator = client_for("coordinator")
    for cell, words in (("XFD1048576", "beyond row 99999 or column BL"), ("BM2", "beyond row 99999 or column BL"),
                        ("A100000", "beyond row 99999"), ("", "do not say where they are")):
        answer = _post(coordinator, _far_workbook(cell), dry_run=True)
        assert answer.status_code == 400, (cell, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert words in answer.json()["detail"]
    assert _post(coordinator, _far_workbook("BL99999"), dry_run=True).status_code == 200


def test_a_damaged_workbook_is_answered_400_never_500(client_for):
    import random
    coordinator, good = client_for("coordinator"), _workbook(_rows("x", 1))
    rng = random.Random(14)
    statuses = set()
    for _ in range(40):  # bytes changed at random: the zip's own checks, the deflate streams, the XML
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 12)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        answer = _post(coordinator, bytes(damaged), dry_run=True)
        assert answer.status_code in (200, 400), answer.text
        statuses.add(answer.status_code)
    assert 400 in statuses


def test_a_file_for_one_region_fills_empty_region_cells_and_names_other_regions(client_for):
    coordinator, provider = client_for("coordinator"), client_for("care_provider")
    rows = _rows(provider.org.name, 2, r0={"region": ""}, r1={"region": "ELDERS"})
    answer = _post(coordinator, _workbook(rows), dry_run=True, region="U16")
    assert answer.status_code == 200, answer.text
    assert [(p["row"], p["column"], p["type"]) for p in answer.json()["problems"]] == [
        (3, "care_provider", "provider_elsewhere"), (3, "region", "region_not_chosen")]
    without_column = [c for c in COLUMNS if c != "region"]
    imported = _post(coordinator, _workbook(rows, without_column), dry_run=False, region="U16").json()
    assert imported["created"] == 2
    assert {r["region"] for r in _listed(coordinator)} == {"U16"}
    assert _post(coordinator, _workbook(rows), dry_run=True, region="no spaces").status_code == 422
