"""The coordinator's Monitor, Matchingsronde and Wat als in a real browser: start a round and watch it finish, read
its figures; read the monitor with its chart and download its CSV; compare a changed policy before saving it.

The server is shared by every browser test of a run, so region U16 holds other tests' dwellings and registrations
too: these tests set up their own through the API and look for their own lines, rows and links.
"""

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from service.organisations.models import OrganisationKind
from tests import factories
from tests.browser.conftest import Member, check_accessibility, screenshot, sign_in

TODAY = factories.TODAY
DWELLING_AT = {"lat": 52.0907, "lon": 5.0985}


def _single(**overrides: Any) -> dict[str, Any]:
    """A single adult with four years of ties to Utrecht who passes every rule for the factory dwelling."""
    return factories.registration(household={"adults": 1, "children": []}, avoid_nearby=[], avoid_areas=[],
                                  avoid_points=[], preferred_municipalities=[], ready_from=TODAY.isoformat(),
                                  regional_ties=[{"municipality_code": "GM0344", "years_resident": 4,
                                                  "years_work_or_study": 0}], **overrides)


def _register(live_server, care: Member, **overrides: Any) -> str:  # type: ignore[no-untyped-def]
    with live_server.api(care.api_key) as api:
        created = api.post("/v1/registrations", json={**_single(), **overrides})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _offer(live_server, corporation: Member, street: str, number: int, **overrides: Any) -> str:  # type: ignore[no-untyped-def]
    address = {"street": street, "house_number": number, "postcode": "3531CH", "city": "Utrecht"}
    with live_server.api(corporation.api_key) as api:
        created = api.post("/v1/dwellings", json=factories.dwelling(
            **{"address": address, "location": DWELLING_AT, "available_from": TODAY.isoformat(), **overrides}))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@contextmanager
def _round_held(live_server, dwelling_id: str) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """On PostgreSQL, hold a row lock on one of the round's dwellings, so the round waits in its first phase."""
    if live_server.backend != "postgresql":
        # SQLite: the round's transaction holds the one write lock, and the page waits for it to commit.
        yield
        return
    with live_server.engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT id FROM dwelling WHERE id = CAST(:id AS uuid) FOR UPDATE"), {"id": dwelling_id})
        yield


def test_a_coordinator_starts_a_round_watches_it_finish_and_reads_its_figures(page, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    corporation = office.member(OrganisationKind.corporation, name="Rondewonen")
    care = office.member(OrganisationKind.care_provider)
    for _ in range(4):
        _register(live_server, care)
    dwellings = [_offer(live_server, corporation, "Abeelstraat", n) for n in (1, 2)]

    sign_in(page, coordinator)
    page.goto("/matchingsronde")
    assert page.get_by_role("heading", level=1).inner_text() == "Matchingsronde"
    check_accessibility(page)
    page.get_by_label("Rekentijd in seconden").fill("5")
    # First the round's request is stopped on its way, to read what the page says while the server computes.
    page.route("**/matchingsronde", lambda route: route.abort("aborted") if route.request.method == "POST"
               else route.continue_())
    page.get_by_role("button", name="Ronde starten").click()
    busy = page.get_by_role("status").filter(has_text="Bezig met de ronde")
    expect(busy).to_be_visible()
    check_accessibility(page)
    page.unroute("**/matchingsronde")
    page.get_by_role("button", name="Ronde starten").click()  # a second press is not sent twice ...
    page.wait_for_timeout(200)
    assert page.url.endswith("/matchingsronde")
    page.reload()  # ... so the person starts it afresh
    page.get_by_label("Rekentijd in seconden").fill("5")
    with _round_held(live_server, dwellings[0]):
        page.get_by_role("button", name="Ronde starten").click()
        page.wait_for_url(re.compile(r".*/matchingsronde/[0-9a-f-]{36}\?gedaan=gestart$"))
        if live_server.backend == "postgresql":
            # The round runs in the background, held at its first phase: its page says so and polls for more.
            status = page.locator("#ronde-status")
            expect(status).to_contain_text("Bezig: gegevens lezen en de harde regels toetsen.")
            expect(page.locator("#ronde-voortgang")).to_have_attribute("hx-trigger", "every 2s")
            expect(page.locator("#vernieuwen")).to_be_visible()
            with page.expect_response(lambda answer: answer.url.endswith("/voortgang")) as polled:
                pass  # htmx asks again while it still runs
            assert polled.value.status == 200
            expect(status).to_contain_text("Bezig:")
            check_accessibility(page)
            screenshot(page, live_server, "matchingsronde-bezig")
    # Let go: the poll sees it finish and brings the figures onto the same page, without a reload by the person.
    expect(page.locator("#bevestiging")).to_contain_text("De ronde is klaar:", timeout=60_000)

    assert page.get_by_role("heading", level=1).inner_text().startswith("Matchingsronde van ")
    filled, slots = map(int, re.match(r"(\d+) van (\d+)", page.locator("#gevulde-plaatsen").inner_text()).groups())
    assert slots >= 6 and 0 < filled <= slots
    assert re.fullmatch(r"[\d.]+", page.locator("#doel").inner_text().strip())
    assert re.match(r"[\d.]+", page.locator("#bovengrens").inner_text().strip())
    assert page.locator("#gap").inner_text().strip().endswith("%")
    assert "voordrachten gemaakt" in page.locator("#veranderd").inner_text()
    assert "eerdere voorstellen vervangen" in page.locator("#veranderd").inner_text()
    for dwelling in dwellings:  # both of this test's dwellings were proposed for again
        expect(page.locator(f'#voordrachten a[href="/voordracht/{dwelling}"]')).to_have_count(1)
    check_accessibility(page)
    screenshot(page, live_server, "matchingsronde")

    run_path = page.url.split("?")[0].removeprefix(live_server.url)
    page.get_by_role("link", name="Terug naar Matchingsronde").click()
    first = page.locator("#rondes tbody tr").first
    expect(first.get_by_role("link")).to_have_attribute("href", run_path)  # newest first
    assert f"{filled} van {slots}" in first.inner_text()


def test_a_coordinator_reads_the_monitor_with_its_chart_and_downloads_its_csv(browser, page, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    corporation = office.member(OrganisationKind.corporation, name="Monitorwonen")
    care = office.member(OrganisationKind.care_provider)
    year = datetime.now(UTC).year
    with live_server.api(coordinator.api_key) as api:
        target = api.put(f"/v1/targets/{year}", json={
            "region": "U16", "total": 36, "corporation_overrides": {str(corporation.organisation.id): 12}})
        assert target.status_code == 200, target.text
    # A client ready long ago and a dwelling available long ago: nobody else's registration fits it, so the
    # instant shortlist proposes her, and the let goes through the whole way.
    long_ago = (TODAY - timedelta(days=200)).isoformat()
    client = _register(live_server, care, ready_from=(TODAY - timedelta(days=300)).isoformat())
    let_dwelling = _offer(live_server, corporation, "Monitorlaan", 1, available_from=long_ago)
    _offer(live_server, corporation, "Monitorlaan", 2)
    with live_server.api(coordinator.api_key) as office_api, live_server.api(corporation.api_key) as corp_api, \
            live_server.api(care.api_key) as care_api:
        shortlist = office_api.get(f"/v1/dwellings/{let_dwelling}/shortlist").json()
        assert [c["registration_id"] for c in shortlist["candidates"]] == [client]
        assert office_api.post(f"/v1/dwellings/{let_dwelling}/shortlist/publish").status_code == 200
        assert corp_api.post(f"/v1/dwellings/{let_dwelling}/shortlist/select",
                             json={"registration_id": client}).status_code == 200
        assert care_api.post(f"/v1/registrations/{client}/offer/accept").status_code == 200
        let = corp_api.post(f"/v1/dwellings/{let_dwelling}/let", json={
            "registration_id": client, "contract_type": "regular", "start_date": TODAY.isoformat()})
        assert let.status_code == 200, let.text

    sign_in(page, coordinator)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Monitor").click()
    page.wait_for_url(re.compile(r".*/monitor$"))
    mine = page.locator("#per-corporatie tbody tr").filter(has_text="Monitorwonen")
    cells = [c.strip() for c in mine.locator("td").all_inner_texts()]
    assert cells[0] == "12" and cells[2:4] == ["2", "1"]  # target, offered, let
    assert cells[4] in ("Op schema", "Achter op schema")  # the pace in words (and colour: the badge)
    assert page.locator("#per-gemeente tbody tr").count() >= 1
    chart = page.locator("figure.ds-chart img")
    expect(chart).to_have_attribute("alt", re.compile(r"^Lijngrafiek: aangeboden woningen"))
    page.wait_for_function("() => document.querySelector('figure.ds-chart img').naturalWidth > 0")
    assert page.locator("#maandcijfers tbody tr").count() == 12  # the chart's figures as text
    check_accessibility(page)
    screenshot(page, live_server, "monitor")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download de monitor als CSV").click()
    download = info.value
    assert download.suggested_filename == f"monitor-U16-{year}.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read()), delimiter=";"))
    assert rows[0] == ["Soort", "Code", "Naam", "Jaardoel", "Maand", "Aangeboden", "Voorgedragen", "Verhuurd",
                       "Afgevallen", "Mediaan dagen tot verhuur", "Aangeboden tot en met deze maand",
                       "Doel naar rato", "Tempo"]
    [this_month] = [r for r in rows if r[2] == "Monitorwonen" and r[4] == str(TODAY.month)]
    assert (this_month[0], this_month[3], this_month[5], this_month[7]) == ("corporatie", "12", "2", "1")

    page.get_by_label("Lijnen in de grafiek").select_option("corporaties")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#grafiek-cijfers tbody tr").filter(has_text="Monitorwonen")).to_have_count(1)
    check_accessibility(page)

    # Under the page's own strict CSP (no bypass), the chart still loads and nothing is refused.
    colleague = office.member(OrganisationKind.coordinator, organisation=coordinator.organisation,
                              api_key=coordinator.api_key)
    strict = browser.new_context(base_url=live_server.url, locale="nl-NL")
    tab = strict.new_page()
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(tab, colleague)
    tab.goto("/monitor")
    tab.wait_for_function("() => document.querySelector('figure.ds-chart img').naturalWidth > 0")
    assert not refused, refused
    strict.close()


def test_a_coordinator_compares_a_changed_policy_before_saving_it(page, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    corporation = office.member(OrganisationKind.corporation)
    care = office.member(OrganisationKind.care_provider)
    _register(live_server, care)
    _register(live_server, care, regional_ties=[])  # no ties: a required number of years keeps her out
    _offer(live_server, corporation, "Wat-alsweg", 1)
    with live_server.api(coordinator.api_key) as api:
        policy = api.get("/v1/regions/U16").json()["policy"]

    sign_in(page, coordinator)
    page.goto("/matchingsronde")
    page.get_by_role("link", name=re.compile("^Wat als")).click()
    page.wait_for_url(re.compile(r".*/wat-als$"))
    ties = page.get_by_label("Minimaal aantal jaren regiobinding")
    assert ties.input_value() == f"{policy['min_tie_years']:g}".replace(".", ",")  # the current policy
    check_accessibility(page)

    ties.fill("11")
    page.get_by_role("button", name="Vergelijken").click()
    summary = page.locator("#foutmeldingen")
    expect(summary).to_contain_text("Vul een getal in van 0 tot en met 10.")
    assert page.evaluate("document.activeElement.id") == "foutmeldingen"
    assert page.get_by_label("Minimaal aantal jaren regiobinding").input_value() == "11"  # nothing typed is lost
    check_accessibility(page)
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "min_tie_years"

    new_value = 1 if policy["min_tie_years"] >= 3 else 5
    page.get_by_label("Minimaal aantal jaren regiobinding").fill(str(new_value))
    page.get_by_role("button", name="Vergelijken").click()
    comparison = page.locator("#vergelijking")
    expect(comparison).to_contain_text("Er is niets opgeslagen.")
    change = page.locator("#wijzigingen tbody tr")
    assert [c.strip() for c in change.first.locator("th, td").all_inner_texts()] == [
        "Minimaal aantal jaren regiobinding", f"{policy['min_tie_years']:g}".replace(".", ","), str(new_value)]
    figures = page.locator("#cijfers tbody tr")
    assert figures.count() == 4
    assert figures.first.locator("th").inner_text() == "Inschrijvingen met minstens één passende woning"
    before, after, delta = (c.strip() for c in figures.first.locator("td").all_inner_texts())
    assert int(after) - int(before) == int(delta.replace("−", "-").replace("+", ""))
    expect(page.get_by_role("link", name="Regio en beleid").last).to_have_attribute("href", "/regio")
    check_accessibility(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, live_server, "wat-als")
    with live_server.api(coordinator.api_key) as api:
        assert api.get("/v1/regions/U16").json()["policy"] == policy  # nothing was saved
