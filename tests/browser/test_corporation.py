"""The corporation in a real browser: offer a dwelling through the form (a validation error first), find it in Mijn
woningen, read the published voordracht as minimised cards, reject one candidate with "Anders" (the note required),
choose another, record the let once the client accepted, withdraw another dwelling; another corporation's dwelling
answers 404; Meldingen and the monitor. axe-core on every screen."""

import re
import uuid
from datetime import timedelta

from matching.scoring import SCORE_TERMS
from service.organisations.models import OrganisationKind
from tests import factories
from tests.browser.conftest import check_accessibility, sign_in

TODAY = factories.TODAY


def _registrations(care_api, coordinator_api, tag: str, count: int = 3) -> list[dict]:  # type: ignore[no-untyped-def]
    """Three clients of the care provider, waiting far longer than anyone else in the region (so the instant
    shortlist of the dwelling offered next is theirs), each with details a corporation must never see."""
    made = []
    for n in range(count):
        document = factories.registration(
            household={"adults": 1, "children": []}, ready_from=TODAY.isoformat(), annual_income=f"1987{n}.43",
            avoid_nearby=[{"category": "cannabis_shop", "radius_m": 777}],
            avoid_areas=["WK034405"], avoid_points=[{"lat": 52.0801, "lon": 5.1102, "radius_m": 400}],
            notes=f"Geheime aantekening {tag}-{n}: terugval in alcoholgebruik")
        created = care_api.post("/v1/registrations", json=document)
        assert created.status_code == 201, created.text
        since = (TODAY - timedelta(days=9000 - n)).isoformat() + "T00:00:00Z"
        moved = coordinator_api.put(f"/v1/registrations/{created.json()['id']}/waiting-since",
                                    json={"waiting_since": since, "reason": "overgenomen wachtlijst"})
        assert moved.status_code == 200, moved.text
        made.append(created.json())
    return made


def fill_offer(page, ref: str, postcode: str, *, city: str = "Utrecht",  # type: ignore[no-untyped-def]
               neighbourhood: str = "BU03440302", lat: str = "52,0907", lon: str = "5,0985") -> None:
    """The dwelling form filled in: Kanaalstraat 112B, two rooms, a regular contract, on a busy road."""
    label = page.get_by_label
    label("Uw eigen nummer voor deze woning").fill(ref)
    label("Straat", exact=True).fill("Kanaalstraat")
    label("Huisnummer", exact=True).fill("112")
    label("Toevoeging (niet verplicht)").fill("B")
    label("Postcode", exact=True).fill(postcode)
    label("Plaats", exact=True).fill(city)
    label("Buurtcode (CBS)").fill(neighbourhood)
    label("Breedtegraad").fill(lat)
    label("Lengtegraad").fill(lon)
    label("Soort woning").select_option("apartment")
    label("Aantal kamers", exact=True).fill("2")
    label("Aantal slaapkamers").fill("1")
    label("Woonoppervlakte in m²").fill("42,5")
    label("Verdieping").fill("1")
    label("Maximaal aantal bewoners").fill("2")
    label("Kale huur per maand, in euro").fill("598,40")
    label("Servicekosten per maand, in euro").fill("42,00")
    label("Aantal huishoudens achter dezelfde voordeur").fill("3")
    label("Aan een drukke weg").check()
    label("Gewoon huurcontract").check()
    label("Beschikbaar vanaf").fill((TODAY + timedelta(days=14)).isoformat())



def _number_in(html: str, digits: str) -> bool:
    """Whether `digits` stand in the page as a number of their own (the ids' hex digits may hold them by chance)."""
    return re.search(rf"(?<![0-9a-f-]){digits}(?![0-9a-f-])", html) is not None

def test_a_corporation_offers_a_dwelling_chooses_a_candidate_and_records_the_let(page, office, live_server, screen):
    tag = uuid.uuid4().hex[:6]
    corporation = office.member(OrganisationKind.corporation, name=f"Woonstichting {tag}")
    care = office.member(OrganisationKind.care_provider, name=f"Zorgaanbieder {tag}")
    coordinator = office.member(OrganisationKind.coordinator)
    care_api, coordinator_api = live_server.api(care.api_key), live_server.api(coordinator.api_key)
    clients = _registrations(care_api, coordinator_api, tag)

    sign_in(page, corporation)
    assert page.url.endswith("/woningen")
    check_accessibility(page)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Woning aanbieden").click()
    check_accessibility(page)

    # A mistake first: the error in the summary and beside its field, nothing typed lost.
    fill_offer(page, f"VHE-{tag}", "12AB")
    page.get_by_role("button", name="Woning aanbieden").click()
    summary = page.locator("#foutmeldingen")
    assert "Vul een Nederlandse postcode in, zoals 3531 CH." in summary.inner_text()
    assert page.locator("#address-postcode-fout").inner_text() == "Vul een Nederlandse postcode in, zoals 3531 CH."
    assert page.get_by_label("Straat", exact=True).input_value() == "Kanaalstraat"
    assert page.get_by_label("Kale huur per maand, in euro").input_value() == "598,40"
    assert page.get_by_label("Aan een drukke weg").is_checked()
    assert page.get_by_label("Gewoon huurcontract").is_checked()
    assert page.get_by_label("Postcode", exact=True).input_value() == "12AB"
    screen(page, "woning-aanbieden")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "address-postcode"
    page.get_by_label("Postcode", exact=True).fill("3531 CH")
    page.get_by_role("button", name="Woning aanbieden").click()
    page.wait_for_url(re.compile(r".*/woningen/[0-9a-f-]{36}\?gedaan=aangeboden$"))
    dwelling_id = re.search(r"/woningen/([0-9a-f-]{36})", page.url).group(1)
    assert page.locator("#gedaan").is_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Terug naar Mijn woningen").click()
    assert page.locator("#woningen").get_by_role("link", name="Kanaalstraat 112B, Utrecht").count() >= 1
    assert page.get_by_role("link", name=re.compile(r"^Bij het regiobureau")).get_attribute("aria-current") == "page"
    screen(page, "mijn-woningen")

    # The coordinator publishes the instant shortlist (through the API).
    office_view = coordinator_api.get(f"/v1/dwellings/{dwelling_id}/shortlist").json()
    assert {c["registration_id"] for c in office_view["candidates"]} == {c["id"] for c in clients}
    published = coordinator_api.post(f"/v1/dwellings/{dwelling_id}/shortlist/publish")
    assert published.status_code == 200, published.text
    page.goto("/woningen?tab=kiezen")
    assert "kies vóór" in page.locator("#woningen").inner_text()
    check_accessibility(page)
    page.locator("#woningen").get_by_role("link", name="Kanaalstraat 112B, Utrecht").click()
    cards = page.locator("#kandidaten article")
    assert cards.count() == 3
    html = page.content()
    for client in clients:
        assert client["id"] in html and client["client_ref"] not in html and client["notes"] not in html
    assert "alcohol" not in html and "WK034405" not in html and "52.0801" not in html and "52,0801" not in html
    assert "cannabis" not in html and "Coffeeshop" not in html and not _number_in(html, "777")  # surroundings to avoid
    assert not _number_in(html, "1987") and "19.87" not in html  # the exact income (only passend toewijzen)
    assert "score_breakdown" not in html and not [term for term in SCORE_TERMS if term in html]
    assert f"Zorgaanbieder {tag}" in cards.first.inner_text()
    screen(page, "corporatie-voordracht")

    # Reject candidate 1 with "Anders": the note is required.
    ranked = {c["rank"]: c["registration_id"] for c in office_view["candidates"]}
    first = page.locator("#kandidaat-1")
    first.get_by_text("Kandidaat 1 afwijzen").click()
    first.get_by_label("Reden").select_option("other")
    first.get_by_role("button", name="Kandidaat 1 definitief afwijzen").click()
    assert "toelichting" in page.locator("#foutmeldingen").inner_text()
    assert page.locator("#afwijzen-1-toelichting-fout").is_visible()
    assert page.locator("#afwijzen-1-reden").input_value() == "other"
    check_accessibility(page)
    page.locator("#afwijzen-1-toelichting").fill("Past niet bij de samenstelling van het portiek")
    page.locator("#kandidaat-1").get_by_role("button", name="Kandidaat 1 definitief afwijzen").click()
    assert "De kandidaat is afgewezen." in page.locator("#gedaan").inner_text()
    assert "Door u afgewezen" in page.locator("#kandidaat-1").inner_text()

    page.get_by_role("button", name="Kies kandidaat 2").click()
    assert "U hebt een kandidaat gekozen." in page.locator("#gedaan").inner_text()
    check_accessibility(page)

    # The client accepts (through the care provider's API); the corporation records the let.
    accepted = care_api.post(f"/v1/registrations/{ranked[2]}/offer/accept")
    assert accepted.status_code == 200, accepted.text
    page.reload()
    page.get_by_label("Contractvorm").select_option("regular")
    page.get_by_label("Ingangsdatum van het huurcontract").fill((TODAY + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Verhuur vastleggen").click()
    assert "De verhuur is vastgelegd." in page.locator("#gedaan").inner_text()
    assert "Verhuurd" in page.locator("#status").inner_text()
    check_accessibility(page)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Meldingen").click()
    rows = page.locator("#meldingen tbody tr")
    assert re.search(r"Woning VHE-" + tag + r" is verhuurd", rows.nth(0).inner_text())
    assert "nam het aanbod van woning VHE-" + tag in rows.nth(1).inner_text()
    assert page.get_by_role("link", name="Naar de woning").first.get_attribute("href") == f"/woningen/{dwelling_id}"
    screen(page, "meldingen")


def test_a_corporation_withdraws_a_dwelling_never_sees_anothers_and_reads_its_monitor(page, office, live_server,
                                                                                     screen):
    tag = uuid.uuid4().hex[:6]
    corporation = office.member(OrganisationKind.corporation, name=f"Woonstichting {tag}")
    care = office.member(OrganisationKind.care_provider, two_factor=False)
    coordinator = office.member(OrganisationKind.coordinator, two_factor=False)
    coordinator_api = live_server.api(coordinator.api_key)
    _registrations(live_server.api(care.api_key), coordinator_api, tag, count=1)
    offered = live_server.api(corporation.api_key).post("/v1/dwellings", json=factories.dwelling(
        external_ref=f"VHE-{tag}", available_from=TODAY.isoformat()))
    assert offered.status_code == 201, offered.text
    dwelling_id = offered.json()["id"]
    assert coordinator_api.post(f"/v1/dwellings/{dwelling_id}/shortlist/publish").status_code == 200
    sign_in(page, corporation)

    page.goto(f"/woningen/{dwelling_id}")
    page.get_by_text("Deze woning intrekken").click()
    page.get_by_label("Waarom trekt u de woning in?").fill("Verkocht")
    page.get_by_role("button", name="Woning intrekken").click()
    assert "De woning is ingetrokken." in page.locator("#gedaan").inner_text()
    assert "Ingetrokken" in page.locator("#status").inner_text()
    check_accessibility(page)
    page.get_by_role("link", name="Terug naar Mijn woningen").click()
    assert page.get_by_role("link", name=re.compile(r"^Ingetrokken")).get_attribute("aria-current") == "page"
    assert page.locator("#woningen").get_by_text(f"VHE-{tag}").is_visible()
    check_accessibility(page)

    # Another corporation's dwelling does not exist for this one.
    stranger = office.member(OrganisationKind.corporation, two_factor=False)
    theirs = live_server.api(stranger.api_key).post("/v1/dwellings", json=factories.dwelling()).json()["id"]
    response = page.goto(f"/woningen/{theirs}")
    assert response.status == 404 and page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
    check_accessibility(page)

    page.goto("/meldingen")
    assert f"De voordracht voor woning VHE-{tag} staat klaar" in page.locator("#meldingen").inner_text()
    check_accessibility(page)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Monitor").click()
    assert page.get_by_role("heading", name=f"Woonstichting {tag}: uw woningen").is_visible()
    screen(page, "mijn-monitor")
