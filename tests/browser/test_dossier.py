"""The coordinator frees a stuck client in a real browser: Vastgelopen shows her with the rule that blocks her alone,
her dossier grants an exemption against the contingent, the next matching round puts her on the shortlist of the
dwelling she fits, and revoking it takes her off again. Also: waiting-since, a move to another region, and another
region's dossier answering 404. axe-core on every state.

Each test runs on a region of its own (a municipality no other test uses), so the stuck list and the round see
only its own clients and dwellings.
"""

import re
import time
import uuid
from datetime import date, timedelta

from service.organisations.models import OrganisationKind
from tests import factories
from tests.browser.conftest import Member, check_accessibility, screenshot, sign_in

TODAY = date.today()
ALMERE_ONLY = [{"municipality_code": "GM0034", "years_resident": 5, "years_work_or_study": 0}]


def _region(live_server, coordinator: Member, municipality: str, *partners: Member, **policy: object) -> str:
    """A region of the coordinator's own over one municipality, its partners linked (they also stay in U16)."""
    code = f"T{uuid.uuid4().hex[:6].upper()}"
    api = live_server.api(coordinator.api_key)
    made = api.put(f"/v1/regions/{code}", json={"name": f"Testregio {code}", "municipality_codes": [municipality],
                                                "policy": {"min_tie_years": 2, **policy}})
    assert made.status_code == 200, made.text
    for member in partners:
        assert api.put(f"/v1/regions/{code}/organisations/{member.organisation.id}").status_code == 200
    return code


def _client(live_server, care: Member, coordinator: Member, region: str, ref: str, waited_days: int) -> str:
    """A single adult tied only to Almere (outside the region), on the region's list, waiting `waited_days`."""
    doc = factories.registration(client_ref=ref, region=region, household={"adults": 1, "children": []},
                                 avoid_nearby=[], avoid_areas=[], avoid_points=[], regional_ties=ALMERE_ONLY,
                                 preferred_municipalities=[], ready_from=TODAY.isoformat())
    created = live_server.api(care.api_key).post("/v1/registrations", json=doc)
    assert created.status_code == 201, created.text
    reg = created.json()["id"]
    since = (TODAY - timedelta(days=waited_days)).isoformat() + "T00:00:00Z"
    assert live_server.api(coordinator.api_key).put(f"/v1/registrations/{reg}/waiting-since", json={
        "waiting_since": since, "reason": "overgenomen wachtlijst"}).status_code == 200
    return reg


def test_a_stuck_client_is_freed_with_an_exemption_shortlisted_in_the_next_round_and_revoked(page, office,
                                                                                          live_server):
    coordinator = office.member(OrganisationKind.coordinator, name="Regiobureau Eemland")
    care = office.member(OrganisationKind.care_provider, name="Zorg Eemland")
    corporation = office.member(OrganisationKind.corporation, name="Woonstichting Eemland")
    region = _region(live_server, coordinator, "GM0307", care, corporation, exemption_contingent=5)
    mother = _client(live_server, care, coordinator, region, f"EEM-{uuid.uuid4().hex[:4]}", 700)
    offered = live_server.api(corporation.api_key).post("/v1/dwellings", json=factories.dwelling(
        neighbourhood_code="BU03070101", location={"lat": 52.1561, "lon": 5.3878}, available_from=TODAY.isoformat(),
        address={"street": "Langestraat", "house_number": 12, "postcode": "3811 AB", "city": "Amersfoort"}))
    assert offered.status_code == 201, offered.text
    dwelling = offered.json()["id"]

    sign_in(page, coordinator)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Vastgelopen").click()
    page.wait_for_url(re.compile(r".*/vastgelopen$"))
    row = page.locator("#vastgelopen tbody tr").filter(has_text="EEM-")
    assert row.count() == 1
    assert "Regiobinding" in row.inner_text() and "1 woning past zonder deze regel" in row.inner_text()
    check_accessibility(page)
    screenshot(page, live_server, "vastgelopen")
    page.locator("ul.ds-tabs").get_by_role("link", name=re.compile("^Regiobinding")).click()
    assert "geblokkeerd door Regiobinding" in page.locator("#beperkt-tot").inner_text()

    page.locator("#vastgelopen").get_by_role("link", name=re.compile("^EEM-")).click()
    page.wait_for_url(re.compile(rf".*/dossier/{mother}$"))
    assert page.locator("#samenvatting").inner_text() == "0 woningen passen; 1 zonder regiobinding"
    assert "nog 5 van 5 over" in page.locator("#contingent").inner_text()
    check_accessibility(page)
    screenshot(page, live_server, "dossier")

    page.get_by_label("Soort ontheffing").select_option("custom_case")
    page.get_by_label(re.compile("^Regiobinding")).check()
    page.get_by_label("Reden van de ontheffing").fill("Netwerk in Almere is er niet meer; twee jaar woonrijp")
    page.get_by_role("button", name="Ontheffing verlenen").click()
    page.wait_for_url(re.compile(rf".*/dossier/{mother}\?gedaan=ontheffing-verleend#ontheffingen$"))
    assert "De ontheffing is verleend." in page.get_by_role("status").inner_text()
    assert "nog 4 van 5 over" in page.locator("#contingent").inner_text()
    assert page.locator("#samenvatting").inner_text() == "1 woning past"
    check_accessibility(page)

    # A grant changes no shortlist by itself: the office's next round (or the next dwelling offered) takes her in.
    with live_server.api(coordinator.api_key) as api:
        round_ = api.post("/v1/matching-rounds", json={})
        assert round_.status_code == 202, round_.text
        deadline = time.monotonic() + 60  # the round runs in the background: wait for it to finish
        while api.get(round_.headers["location"]).json()["state"] not in ("finished", "failed"):
            assert time.monotonic() < deadline, "the round did not finish"
            time.sleep(0.2)
        assert api.get(round_.headers["location"]).json()["state"] == "finished"
    page.reload()
    assert page.locator("#status").inner_text() == "Voorgedragen"
    nomination = page.locator("#voordrachten").get_by_role("link", name="Langestraat 12, Amersfoort")
    assert nomination.get_attribute("href") == f"/voordracht/{dwelling}"
    steps = page.locator("#tijdlijn-stappen").inner_text()
    assert "Status: Wacht op een woning → Voorgedragen\nReden: voorgedragen door de matching" in steps
    page.goto("/vastgelopen")
    assert page.locator("#vastgelopen tbody tr").filter(has_text="EEM-").count() == 0

    page.goto(f"/dossier/{mother}")
    page.locator("#ontheffingen-lijst").get_by_label("Reden van intrekken").fill("Toch een plek bij familie")
    page.get_by_role("button", name="Ontheffing intrekken").click()
    page.wait_for_url(re.compile(rf".*/dossier/{mother}\?gedaan=ontheffing-ingetrokken#ontheffingen$"))
    assert "nog 5 van 5 over" in page.locator("#contingent").inner_text()
    assert page.locator("#status").inner_text() == "Wacht op een woning"  # the nomination that relied on it ended
    assert page.locator("#samenvatting").inner_text() == "0 woningen passen; 1 zonder regiobinding"
    check_accessibility(page)


def test_waiting_since_and_a_region_move_and_another_regions_dossier_answers_404(browser, page, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    care = office.member(OrganisationKind.care_provider)
    region = _region(live_server, coordinator, "GM0327", care)
    client = _client(live_server, care, coordinator, region, f"LEU-{uuid.uuid4().hex[:4]}", 30)

    # A coordinator of U16 alone does not run this region: the dossier does not exist for her.
    neighbour = office.member(OrganisationKind.coordinator)
    other = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800}, bypass_csp=True,
                                locale="nl-NL")
    other_page = other.new_page()
    sign_in(other_page, neighbour)
    assert other_page.goto(f"/dossier/{client}").status == 404
    assert other_page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
    check_accessibility(other_page)

    sign_in(page, coordinator)
    page.goto(f"/dossier/{client}")
    earlier = TODAY - timedelta(days=400)
    page.get_by_label("Wacht sinds").fill(earlier.isoformat())
    page.get_by_role("button", name="Wachttijd aanpassen").click()
    summary = page.locator("#foutmeldingen")
    assert "Geef een reden" in summary.inner_text()
    assert page.get_by_label("Wacht sinds").input_value() == earlier.isoformat()  # nothing typed is lost
    check_accessibility(page)
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "wacht_reden"
    page.locator("#wacht_reden").fill("Stond al op de wachtlijst van de gemeente")
    page.get_by_role("button", name="Wachttijd aanpassen").click()
    page.wait_for_url(re.compile(r".*\?gedaan=wachttijd#wachttijd$"))
    assert page.locator("#wacht-sinds-nu").inner_text().endswith("(400 dagen)")

    page.get_by_label("Regio", exact=True).select_option("U16")
    page.locator("#verhuis_reden").fill("Woont voortaan in Utrecht")
    page.get_by_role("button", name="Naar deze regio").click()
    page.wait_for_url(re.compile(r".*\?gedaan=regio#andere-regio$"))
    assert page.locator("#regio-nu").inner_text() == "U16"
    assert f"Van de lijst van regio {region} naar die van regio U16" in page.locator("#tijdlijn-stappen").inner_text()
    check_accessibility(page)

    # Now on U16's list, the neighbouring office holds her dossier.
    assert other_page.goto(f"/dossier/{client}").status == 200
    page.reload()
    readers = page.locator("#lezers tbody tr")
    assert "Test coordinator" in readers.nth(0).inner_text()  # this very look, by name: her own organisation
    # The neighbour's read: the organisation, not the person (the API names no other organisation's people).
    assert neighbour.organisation.name in readers.nth(1).inner_text()
    assert "een medewerker" in readers.nth(1).inner_text()
    other.close()
