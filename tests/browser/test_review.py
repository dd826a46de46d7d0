"""The voordracht in a real browser: a care provider's clients and a corporation's offer come in through the API,
the coordinator finds the dwelling in the werkvoorraad, reviews its three candidates, replaces one with a reason,
publishes, and sees it move on; the same flow by keyboard only; another region's dwelling answers 404.

Each test runs its own region (one municipality of its own, its own coordinator, corporation and care provider), so
the registrations of other tests on the same server never compete for its dwellings.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import Session

from service.organisations import service as organisations_service
from service.organisations.models import OrganisationKind
from tests import factories
from tests.browser.conftest import LiveServer, Member, Office, check_accessibility, screenshot, sign_in

TODAY = factories.TODAY


@dataclass
class RegionOffice:
    """A region of one municipality with its coordinator (a person who signs in), a corporation and a provider."""

    code: str
    municipality: str
    coordinator: Member
    office_api: httpx.Client
    corporation: httpx.Client
    care: httpx.Client
    waited: int = 1200
    issued: dict[OrganisationKind, Any] = field(default_factory=dict)  # each organisation with its API key

    @classmethod
    def create(cls, office: Office, server: LiveServer, municipality: str, *, corporation: str = "Woonstede",
               care_provider: str = "Zorg en Wonen") -> "RegionOffice":
        code = f"T{uuid.uuid4().hex[:6].upper()}"
        keys = {}
        with Session(server.engine, expire_on_commit=False) as session:
            made = {kind: organisations_service.create_organisation(session=session, kind=kind, name=name)
                    for kind, name in ((OrganisationKind.coordinator, f"Regiobureau {code}"),
                                       (OrganisationKind.corporation, corporation),
                                       (OrganisationKind.care_provider, care_provider))}
            session.commit()
        keys = {kind: issued.api_key for kind, issued in made.items()}
        coordinator = office.member(OrganisationKind.coordinator, organisation=made[OrganisationKind.coordinator]
                                    .organisation, api_key=keys[OrganisationKind.coordinator])
        office_api = server.api(keys[OrganisationKind.coordinator])
        region = {"name": f"Testregio {code}", "municipality_codes": [municipality],
                  "policy": {"min_tie_years": 2, "weight_waiting_per_day": 1}}
        assert office_api.put(f"/v1/regions/{code}", json=region).status_code == 200
        for kind in (OrganisationKind.corporation, OrganisationKind.care_provider):
            linked = office_api.put(f"/v1/regions/{code}/organisations/{made[kind].organisation.id}")
            assert linked.status_code == 200, linked.text
        return cls(code=code, municipality=municipality, coordinator=coordinator, office_api=office_api,
                   corporation=server.api(keys[OrganisationKind.corporation]),
                   care=server.api(keys[OrganisationKind.care_provider]), issued=made)

    def register(self, extra_days: int = 0, **overrides: Any) -> str:
        """A single adult ready now with ties to the region; each one waited ten days less than the one before
        (plus `extra_days`), so their ranks are known."""
        doc = factories.registration(
            household={"adults": 1, "children": []}, avoid_nearby=[], avoid_areas=[], avoid_points=[],
            ready_from=TODAY.isoformat(), preferred_municipalities=[self.municipality],
            regional_ties=[{"municipality_code": self.municipality, "years_resident": 5, "years_work_or_study": 0}])
        doc.update(overrides)
        created = self.care.post("/v1/registrations", json=doc)
        assert created.status_code == 201, created.text
        registration_id = created.json()["id"]
        self.waited -= 10
        since = (TODAY - timedelta(days=self.waited + extra_days)).isoformat() + "T00:00:00Z"
        moved = self.office_api.put(f"/v1/registrations/{registration_id}/waiting-since",
                                    json={"waiting_since": since, "reason": "overgenomen van de oude lijst"})
        assert moved.status_code == 200, moved.text
        return registration_id

    def exempt(self, registration_id: str, *rules: str, reason: str) -> None:
        granted = self.office_api.post(f"/v1/registrations/{registration_id}/exemptions", json={
            "kind": "custom_case", "rules_lifted": list(rules), "reason": reason,
            "valid_until": (TODAY + timedelta(days=180)).isoformat()})
        assert granted.status_code == 201, granted.text

    def offer(self, street: str = "Kanaalstraat", number: int = 112, **overrides: Any) -> str:
        """A dwelling in the region's municipality; it gets its instant shortlist on arrival."""
        doc = factories.dwelling(
            address={"street": street, "house_number": number, "postcode": "9712 AB", "city": "Teststad"},
            neighbourhood_code=f"BU{self.municipality[2:]}0101", location={"lat": 53.2194, "lon": 6.5665},
            available_from=TODAY.isoformat())
        doc.update(overrides)
        created = self.corporation.post("/v1/dwellings", json=doc)
        assert created.status_code == 201, created.text
        return created.json()["id"]

    def ranked(self, dwelling_id: str) -> list[str]:
        shortlist = self.office_api.get(f"/v1/dwellings/{dwelling_id}/shortlist")
        assert shortlist.status_code == 200, shortlist.text
        return [c["registration_id"] for c in shortlist.json()["candidates"] if c["status"] != "replaced"]


def a_busy_region(office: Office, live_server: LiveServer, municipality: str) -> tuple[RegionOffice, str, list[str],
                                                                                          list[str]]:
    """A region whose werkvoorraad has three dwellings to review; the first has three candidates, two more
    registrations that could replace one, and two that no rule lets in. Returns (region, dwelling, ranked, spare)."""
    region = RegionOffice.create(office, live_server, municipality)
    # A low-stimulus need earns no preference points: a longer wait puts her first.
    clients = [region.register(contract="regular_only"),
               region.register(extra_days=100, low_stimulus="required",
                               support={"intensity": "light", "guaranteed_after_move": True}),
               region.register(regional_ties=[])]
    region.exempt(clients[2], "REGIONAL_TIES", reason="Housing First-traject, al jaren in de regio dakloos")
    spare = [region.register(contract="regular_only"), region.register(contract="regular_only")]
    region.register(regional_ties=[])  # no ties and no exemption: excluded by REGIONAL_TIES
    region.register(accessibility={"wheelchair": True, "no_stairs": False})  # excluded by ACCESSIBILITY
    dwelling_id = region.offer()
    ranked = region.ranked(dwelling_id)
    assert ranked == [clients[1], clients[0], clients[2]]
    # Two more dwellings to review, which only offer a flip contract: the spare ones want a regular contract.
    for _ in range(4):
        region.register(contract="any")
    region.offer("Vismarkt", 3, contract_types=["flip"])
    region.offer("Vismarkt", 5, contract_types=["flip"])
    return region, dwelling_id, ranked, spare


def test_the_coordinator_reviews_replaces_and_publishes_a_voordracht(page, office, live_server):
    region, dwelling_id, ranked, spare = a_busy_region(office, live_server, "GM0014")
    sign_in(page, region.coordinator)
    page.wait_for_url(re.compile(r".*/werkvoorraad$"))
    rows = page.locator("#werkvoorraad tbody tr")
    assert rows.count() == 3
    assert "3" in page.get_by_role("link", name=re.compile("^Te beoordelen")).inner_text()
    check_accessibility(page)
    screenshot(page, live_server, "werkvoorraad")

    page.get_by_role("link", name="Kanaalstraat 112, Teststad").click()
    page.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Voordracht: Kanaalstraat 112, Teststad"
    cards = page.locator("#kandidaten article")
    assert cards.count() == 3
    for rank, registration_id in enumerate(ranked, start=1):
        card = cards.nth(rank - 1)
        assert card.get_by_role("heading", name=re.compile(f"^Kandidaat {rank}")).is_visible()
        assert registration_id[:8] in card.inner_text()
        assert "Zorg en Wonen" in card.inner_text() and "dagen" in card.inner_text()
    assert "prikkelarm, zoals nodig" in cards.nth(0).inner_text()
    assert "gewoon huurcontract mogelijk" in cards.nth(1).inner_text()
    third = cards.nth(2).inner_text()
    assert "Maatwerk (heft op: regiobinding)" in third and "Housing First-traject" in third
    excluded = page.locator(".ds-excluded").inner_text()
    assert "1 aanmelding zonder regiobinding" in excluded and "1 die een toegankelijkere woning nodig heeft" in excluded
    assert "€\xa0598,40 kale huur" in page.locator("#woning").inner_text()
    check_accessibility(page)
    # The README shows the candidates side by side: the screen scrolled to them.
    page.locator("#kandidaten").evaluate(
        "el => window.scrollTo({top: el.getBoundingClientRect().top + window.scrollY - 24, behavior: 'instant'})")
    screenshot(page, live_server, "voordracht")

    # Replace candidate 2 by the second of the registrations offered, with a reason.
    page.get_by_role("link", name="Vervang kandidaat 2").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Kandidaat 2 vervangen"
    options = page.get_by_role("radio")
    assert options.count() == 2
    assert [options.nth(i).get_attribute("value") for i in range(2)] == spare
    check_accessibility(page)
    page.get_by_role("button", name="Kandidaat vervangen").click()  # without a choice and a reason: refused
    summary = page.locator("#foutmeldingen")
    assert "Kies wie de plaats van deze kandidaat inneemt." in summary.inner_text()
    assert "Geef de reden van de vervanging" in summary.inner_text()
    check_accessibility(page)
    page.get_by_label(re.compile(f"^Aanmelding {spare[1][:8]} kiezen")).check()
    page.get_by_label("Reden van de vervanging").fill("Woont dichter bij haar werk en haar netwerk")
    page.get_by_role("button", name="Kandidaat vervangen").click()

    page.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}\\?gedaan=vervangen$"))
    assert "De kandidaat is vervangen." in page.get_by_role("status").inner_text()
    second = page.locator("#kandidaten article").nth(1).inner_text()
    assert spare[1][:8] in second and ranked[1][:8] not in second
    assert f"Aanmelding {ranked[1][:8]}: Vervangen" in page.locator(".ds-former").inner_text()
    latest = page.locator("#tijdlijn li").first.inner_text()
    assert f"Aanmelding {ranked[1][:8]} vervangen door aanmelding {spare[1][:8]}" in latest
    assert "Reden: Woont dichter bij haar werk en haar netwerk" in latest
    assert region.ranked(dwelling_id) == [ranked[0], spare[1], ranked[2]]

    page.get_by_role("button", name="Publiceren naar de corporatie").click()
    page.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}\\?gedaan=gepubliceerd$"))
    assert "De voordracht is gepubliceerd." in page.get_by_role("status").inner_text()
    state = page.locator("#stand").inner_text()
    assert re.search(r"Wachten op de corporatie tot \d{1,2} \w+ \d{4}\.", state), state
    assert page.get_by_role("link", name=re.compile("^Vervang kandidaat")).count() == 0
    assert page.get_by_role("button", name="Publiceren naar de corporatie").count() == 0
    check_accessibility(page)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Werkvoorraad").click()
    assert page.locator("#werkvoorraad tbody tr").count() == 2
    page.get_by_role("link", name=re.compile("^Bij de corporatie")).click()
    row = page.locator("#werkvoorraad tbody tr")
    assert row.count() == 1
    assert "Kanaalstraat 112, Teststad" in row.inner_text() and "Gepubliceerd" in row.inner_text()
    assert re.search(r"verloopt op \d{1,2} \w+ \d{4}", row.inner_text())
    check_accessibility(page)


def _tab_to(page: Any, condition: str, *, limit: int = 80, key: str = "Tab") -> None:
    """Press Tab until the focused element satisfies `condition` (a JavaScript expression over `el`)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({condition}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


def _focus_is_visible(page: Any) -> bool:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")


def test_the_review_flow_works_by_keyboard_alone(page, office, live_server):
    region = RegionOffice.create(office, live_server, "GM0034")
    ranked = [region.register() for _ in range(3)]
    spare = [region.register(), region.register()]
    dwelling_id = region.offer("Stationsplein", 7)
    assert region.ranked(dwelling_id) == ranked

    # Signing in: Tab to each field, type, Enter.
    page.goto("/inloggen")
    _tab_to(page, "el.id === 'email'")
    page.keyboard.type(region.coordinator.email)
    page.keyboard.press("Tab")
    page.keyboard.type(region.coordinator.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/inloggen/tweede-stap$"))
    _tab_to(page, "el.id === 'code'")
    page.keyboard.type(region.coordinator.code())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/werkvoorraad$"))

    _tab_to(page, "el.textContent.trim() === 'Stationsplein 7, Teststad'")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}$"))

    _tab_to(page, "el.textContent.trim() === 'Vervang kandidaat 1'")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/vervangen\?kandidaat=.*"))
    _tab_to(page, "el.type === 'radio'")
    assert page.evaluate("document.activeElement.value") == spare[0]
    page.keyboard.press("ArrowDown")  # the arrow keys move through the group and choose
    assert page.evaluate("document.activeElement.value") == spare[1]
    page.keyboard.press("Space")
    assert page.evaluate("document.querySelector('input[name=vervanger]:checked').value") == spare[1]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reden"
    page.keyboard.type("Kan eerder verhuizen")
    _tab_to(page, "el.textContent.trim() === 'Kandidaat vervangen'")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}\\?gedaan=vervangen$"))
    # The notice has the focus, so a screen reader says at once what happened.
    assert page.evaluate("document.activeElement.id") == "melding"
    assert spare[1][:8] in page.locator("#kandidaten article").first.inner_text()
    _tab_to(page, "el.textContent.trim() === 'Publiceren naar de corporatie'")
    assert _focus_is_visible(page)
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}\\?gedaan=gepubliceerd$"))
    assert "De voordracht is gepubliceerd." in page.get_by_role("status").inner_text()
    assert region.office_api.get(f"/v1/dwellings/{dwelling_id}").json()["status"] == "published"


def test_another_regions_dwelling_answers_404(page, office, live_server):
    theirs = RegionOffice.create(office, live_server, "GM0037")
    for _ in range(3):
        theirs.register()
    dwelling_id = theirs.offer("Hoofdstraat", 1)
    ranked = theirs.ranked(dwelling_id)
    ours = RegionOffice.create(office, live_server, "GM0047")
    sign_in(page, ours.coordinator)
    token = page.evaluate("document.querySelector('input[name=csrf_token]').value")  # this person's own
    for path in (f"/voordracht/{dwelling_id}", f"/voordracht/{dwelling_id}/vervangen?kandidaat={ranked[0]}"):
        response = page.goto(path)
        assert response.status == 404, path
        assert page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
        shown = page.locator("main").inner_html()
        assert "Hoofdstraat" not in shown and ranked[0][:8] not in shown
    check_accessibility(page)
    # Not through the form either: a publish posted with this person's own CSRF token is a 404 too.
    answer = page.request.post(f"/voordracht/{dwelling_id}/publiceren", form={"csrf_token": token},
                               headers={"accept": "text/html"})
    assert answer.status == 404
    assert theirs.office_api.get(f"/v1/dwellings/{dwelling_id}").json()["status"] == "shortlisted"
