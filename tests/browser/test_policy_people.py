"""Regio en beleid and Mensen en sleutels in a real browser: a coordinator edits the policy and sees the new version
with exactly that difference, uploads vulnerability scores and places and reads their reports; an admin invites a
person and sees the set-up link once, and creates and revokes an API key. axe-core on every screen state opened.

The journeys work on a region of their own (a municipality no other region has), so they change nothing that other
browser tests on the same server rely on; the places lie in the North Sea, far from every dwelling.
"""

import random
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from service.municipalities.models import Municipality
from service.organisations.models import OrganisationKind
from service.regions.models import RegionMunicipality
from tests.browser.conftest import LiveServer, Member, check_accessibility, screenshot, sign_in

DATA = Path(__file__).parent / "data"


def _own_region(live_server: LiveServer, coordinator: Member) -> tuple[str, str]:
    """A new region of one free municipality, set up by the coordinator through the API: (code, municipality)."""
    with Session(live_server.engine) as session:
        taken = select(RegionMunicipality.municipality_code)
        free = list(session.exec(select(Municipality.code).where(col(Municipality.code).not_in(taken))))
    municipality = random.choice(free)
    code = f"T{uuid.uuid4().hex[:6].upper()}"
    with live_server.api(coordinator.api_key) as api:
        answer = api.put(f"/v1/regions/{code}", json={"name": f"Testregio {code}", "municipality_codes": [municipality],
                                                      "policy": {"min_tie_years": 2}})
        assert answer.status_code == 200, answer.text
    return code, municipality


def _region(live_server: LiveServer, member: Member, code: str) -> dict[str, Any]:
    with live_server.api(member.api_key) as api:
        answer = api.get(f"/v1/regions/{code}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def test_edit_the_policy_and_see_the_new_version(page, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    code, municipality = _own_region(live_server, coordinator)
    before = _region(live_server, coordinator, code)
    sign_in(page, coordinator, next_path="/regio")
    assert page.get_by_role("heading", level=1).inner_text() == "Regio en beleid"
    assert page.get_by_role("heading", name=re.compile(f"Testregio {code}")).is_visible()
    check_accessibility(page)
    screenshot(page, live_server, "regio")

    page.get_by_role("link", name=f"Beleid en gemeenten bekijken of wijzigen ({code})").click()
    assert page.get_by_label("Termijn voor de cliënt").input_value() == "7"
    assert page.get_by_label(re.compile(r"^Regiobinding")).input_value() == "2"
    check_accessibility(page)
    page.get_by_label("Termijn voor de cliënt").fill("negen")
    page.get_by_role("button", name="Opslaan").click()
    summary = page.locator("#foutmeldingen")
    assert "Vul een heel getal in." in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "foutmeldingen"
    check_accessibility(page)
    summary.get_by_role("link", name="Vul een heel getal in.").click()
    assert page.evaluate("document.activeElement.id") == "offer_deadline_days"
    page.keyboard.press("Control+A")
    page.keyboard.type("9")
    page.get_by_role("button", name="Opslaan").click()

    page.wait_for_url(re.compile(f".*/regio/{code}/versies\\?gedaan=nieuwe-versie$"))
    assert "Het beleid is nu versie 2" in page.get_by_role("status").inner_text()
    newest = page.locator("#versie-2-blok")
    assert newest.get_by_role("rowheader").all_inner_texts() == ["Termijn voor de cliënt"]
    assert newest.get_by_role("cell").all_inner_texts() == ["7 dagen", "9 dagen"]
    assert "De eerste versie" in page.locator("#versie-1-blok").inner_text()
    check_accessibility(page)
    screenshot(page, live_server, "regio-versies")

    after = _region(live_server, coordinator, code)
    assert after["policy_version"] == before["policy_version"] + 1
    assert after["policy"] == {**before["policy"], "offer_deadline_days": 9}
    assert (after["name"], after["municipality_codes"]) == (before["name"], [municipality])


def test_a_vulnerability_upload_with_a_bad_row_and_a_places_import_show_their_reports(page, office, live_server,
                                                                                      tmp_path):
    coordinator = office.member(OrganisationKind.coordinator)
    _code, municipality = _own_region(live_server, coordinator)
    neighbourhood = f"BU{municipality[2:]}0101"
    scores = tmp_path / "kwetsbaarheid.csv"
    scores.write_text(f"code,score\n{neighbourhood},64\n{neighbourhood[:-1]}2,veel\n")
    sign_in(page, coordinator, next_path="/regio")
    page.get_by_role("link", name="Kwetsbaarheid van buurten uploaden").click()
    check_accessibility(page)
    page.get_by_role("button", name="Uploaden").click()  # no file chosen
    assert "Kies een bestand." in page.locator("#foutmeldingen").inner_text()
    check_accessibility(page)
    page.get_by_label("CSV-bestand").set_input_files(str(scores))
    page.get_by_role("button", name="Uploaden").click()
    report = page.locator("#verslag")
    assert "1 score opgeslagen · 1 regel overgeslagen" in report.inner_text()
    assert page.locator("#overgeslagen tbody tr").all_inner_texts() == [
        "regel 3\tDe score ‘veel’ is geen heel getal van 0 tot en met 100."]
    check_accessibility(page)

    page.get_by_role("link", name="Terug naar Regio en beleid").click()
    page.get_by_role("link", name="Plaatsen importeren").click()
    check_accessibility(page)
    page.get_by_label("Naam van de import").fill(f"browsertest-{uuid.uuid4().hex[:8]}")
    page.get_by_label("GeoJSON-bestand").set_input_files(str(DATA / "places.geojson"))
    page.get_by_role("button", name="Importeren").click()
    report = page.locator("#verslag")
    assert "2 plaatsen geïmporteerd · 1 overgeslagen" in report.inner_text()
    per_category = dict(row.split("\t") for row in page.locator("#per-categorie tbody tr").all_inner_texts())
    assert (per_category["Slijterijen"], per_category["Cafés, bars en nachtclubs"]) == ("1", "1")
    assert page.locator("#overgeslagen tbody tr").all_inner_texts() == [
        "nr. 3 (features[2])\tHet punt (48.86, 2.35) ligt buiten Nederland."]
    check_accessibility(page)
    screenshot(page, live_server, "regio-plaatsen")


def test_invite_a_person_and_create_and_revoke_a_key(page, office, live_server, browser):
    admin = office.member(OrganisationKind.coordinator)
    sign_in(page, admin)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mensen en sleutels").click()
    assert page.get_by_role("cell", name=re.compile(re.escape(admin.email))).is_visible()
    check_accessibility(page)
    screenshot(page, live_server, "mensen")

    page.get_by_role("link", name="Iemand uitnodigen").click()
    check_accessibility(page)
    email = f"nieuw-{uuid.uuid4().hex[:6]}@test.doorstroom.example"
    page.get_by_label("Naam").fill("Noor Jansen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Beheerder").check()
    page.get_by_role("button", name="Uitnodigen").click()
    link = page.locator("#set-up-link").inner_text()
    assert urlsplit(link).path == "/instellen"  # a page in the browser, not the API (on the public URL)
    token = link.split("/instellen?token=")[1]
    check_accessibility(page)
    with live_server.api(admin.api_key) as api:  # the link is the person's: it names them
        assert api.get(f"/v1/auth/setup?token={token}").json()["email"] == email
    page.get_by_role("link", name="Naar de mensen").click()
    assert page.get_by_role("link", name="Noor Jansen").is_visible()
    assert token not in page.content()  # shown once

    _the_invited_person_chooses_a_password(browser, live_server, f"/instellen?token={token}", email)

    page.get_by_role("link", name="API-sleutels").click()
    check_accessibility(page)
    page.get_by_label("Naam van de sleutel").fill("Koppeling monitor")
    page.get_by_role("button", name="Sleutel maken").click()
    api_key = page.locator("#api-sleutel").inner_text().strip()
    check_accessibility(page)
    with live_server.api(api_key) as api:
        assert api.get("/v1/regions").status_code == 200
    page.get_by_role("link", name="Naar de sleutels").click()
    assert api_key not in page.content()
    page.get_by_role("link", name="Koppeling monitor").click()
    check_accessibility(page)
    page.get_by_role("link", name="Sleutel ‘Koppeling monitor’ intrekken").click()
    check_accessibility(page)
    page.get_by_role("button", name="Ja, intrekken").click()
    assert "De sleutel is ingetrokken" in page.get_by_role("status").inner_text()
    assert "ingetrokken" in page.locator("#sleutels tbody tr", has_text="Koppeling monitor").inner_text()
    with live_server.api(api_key) as api:
        assert api.get("/v1/regions").status_code == 401


def _the_invited_person_chooses_a_password(browser, live_server, link, email):
    """In a browser of their own: the set-up page names them, refuses a short, a common and a mistyped password
    beside the field, saves a good one, and the sign-in page says so; the used link then answers 404."""
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="nl-NL",
                              bypass_csp=True)
    try:
        tab = ctx.new_page()
        tab.goto(link)
        assert tab.get_by_role("heading", name="Wachtwoord kiezen").is_visible()
        assert email in tab.content() and "Noor Jansen" in tab.content()
        check_accessibility(tab)
        screenshot(tab, live_server, "instellen")
        for typed, again, field, message in (
                ("kort1!", "kort1!", "wachtwoord", "minstens 12 tekens"),
                ("password1234", "password1234", "wachtwoord", "veel gebruikt"),
                ("een lange zin met woorden", "een lange zin met woordeN", "herhaling", "nog een keer")):
            tab.get_by_label("Nieuw wachtwoord").fill(typed)
            tab.get_by_label("Hetzelfde wachtwoord nog een keer").fill(again)
            tab.get_by_role("button", name="Wachtwoord opslaan").click()
            assert message in tab.locator(".utrecht-form-field", has=tab.locator(f"#{field}")).inner_text()
            assert message in tab.get_by_role("alert").inner_text()
            check_accessibility(tab)
        tab.get_by_label("Nieuw wachtwoord").fill("een lange zin met woorden")
        tab.get_by_label("Hetzelfde wachtwoord nog een keer").fill("een lange zin met woorden")
        tab.get_by_role("button", name="Wachtwoord opslaan").click()
        tab.wait_for_url(re.compile(r".*/inloggen\?ingesteld=1$"))
        assert "Uw wachtwoord is opgeslagen" in tab.get_by_role("status").inner_text()
        check_accessibility(tab)
        tab.get_by_label("E-mailadres").fill(email)
        tab.get_by_label("Wachtwoord").fill("een lange zin met woorden")
        tab.get_by_role("button", name="Inloggen").click()
        tab.wait_for_url(re.compile(r".*/account/tweestapsverificatie$"))  # a coordinator's person enrols first
        used = tab.goto(link)
        assert used.status == 404 and tab.get_by_role("heading", name="Deze link werkt niet (meer)").is_visible()
        check_accessibility(tab)
    finally:
        ctx.close()
