"""Wachtlijst importeren in a real browser: a coordinator uploads a workbook with one bad cell, reads it named by
row and column, uploads the corrected workbook, imports it and reads what was new; axe-core on every state."""

import uuid

from service.organisations.models import OrganisationKind
from tests.browser.conftest import check_accessibility, screenshot, sign_in
from tests.factories import waiting_list_rows, waiting_list_workbook


def test_a_bad_cell_is_named_then_the_corrected_workbook_is_imported(page, office, live_server, tmp_path):
    coordinator = office.member(OrganisationKind.coordinator)
    provider = office.member(OrganisationKind.care_provider, two_factor=False)
    prefix = f"BR{uuid.uuid4().hex[:6]}"
    name = provider.organisation.name
    bad = tmp_path / "wachtlijst.xlsx"
    bad.write_bytes(waiting_list_workbook(waiting_list_rows(name, 3, prefix=prefix,
                                                            r1={"birth_year": "negentien"})))
    sign_in(page, coordinator)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Wachtlijst importeren").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Wachtlijst importeren"
    assert page.get_by_role("link", name="Download het sjabloon (Excel-werkmap)").is_visible()
    check_accessibility(page)

    page.get_by_label("CSV-bestand of Excel-werkmap").set_input_files(str(bad))
    page.get_by_role("button", name="Controleren").click()
    assert page.locator("#samenvatting").inner_text() == "3 rijen gelezen · 2 rijen in orde · 1 probleem"
    assert page.locator("#problemen tbody tr").all_inner_texts() == [
        "3\tF · birth_year\tnegentien\tVul een heel getal in."]
    assert page.get_by_role("button", name="Importeren").count() == 0
    check_accessibility(page)
    screenshot(page, live_server, "wachtlijst-importeren")

    fixed = tmp_path / "wachtlijst-verbeterd.xlsx"
    fixed.write_bytes(waiting_list_workbook(waiting_list_rows(name, 3, prefix=prefix)))
    page.get_by_label("CSV-bestand of Excel-werkmap").set_input_files(str(fixed))
    page.get_by_role("button", name="Controleren").click()
    assert "Alle 3 rijen zijn in orde. Er is nog niets geïmporteerd." in page.locator("#klaar").inner_text()
    check_accessibility(page)
    page.get_by_role("button", name="Importeren").click()
    assert page.locator("#uitkomst").inner_text() == (
        "3 cliënten nieuw op de wachtlijst · 0 waren er al, ongewijzigd")
    check_accessibility(page)
    with live_server.api(provider.api_key) as api:
        listed = api.get("/v1/registrations", params={"limit": 100}).json()["items"]
    assert sorted(r["client_ref"] for r in listed) == [f"{prefix}-{i:04d}" for i in range(3)]
