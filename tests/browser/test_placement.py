"""The whole placement journey in a real browser, each person in a browser of their own: the care provider registers
a client through the form, the corporation offers a dwelling through its form (the instant shortlist fills), the
coordinator opens the voordracht from the werkvoorraad and publishes it, the corporation chooses the client on its
minimised voordracht, the provider accepts the offer, the corporation records the let, and the coordinator's monitor
counts it. axe-core on every screen opened; screenshots.

The journey runs in a region of its own (one municipality, its own coordinator, corporation and care provider), so
the registrations of other tests on the same server never compete for its dwelling.
"""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from service.organisations.models import OrganisationKind
from tests import factories
from tests.browser.conftest import LiveServer, Member, Office, check_accessibility, screenshot, sign_in
from tests.browser.test_corporation import fill_offer
from tests.browser.test_review import RegionOffice

TODAY = factories.TODAY
MUNICIPALITY, MUNICIPALITY_NAME = "GM0599", "Rotterdam"


def _region(office: Office, server: LiveServer) -> tuple[RegionOffice, dict[OrganisationKind, Member]]:
    """A region of one municipality with a person in each of its three organisations, and this year's target."""
    tag = uuid.uuid4().hex[:6].upper()
    region = RegionOffice.create(office, server, MUNICIPALITY, corporation=f"Woonstad {tag}",
                                 care_provider=f"Zorg {tag}")
    people = {kind: office.member(kind, organisation=issued.organisation, api_key=issued.api_key)
              for kind, issued in region.issued.items() if kind is not OrganisationKind.coordinator}
    people[OrganisationKind.coordinator] = region.coordinator
    target = region.office_api.put(f"/v1/targets/{datetime.now(UTC).year}", json={"region": region.code, "total": 4})
    assert target.status_code == 200, target.text
    return region, people


@contextmanager
def _browser_of(browser: Any, server: LiveServer, member: Member) -> Iterator[Any]:
    """A browser of the person's own (1280x800, Dutch), signed in."""
    ctx = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800}, locale="nl-NL",
                              bypass_csp=True)
    ctx.set_default_timeout(10_000)
    try:
        tab = ctx.new_page()
        sign_in(tab, member)
        yield tab
    finally:
        ctx.close()


def _register(page: Any, ref: str) -> str:
    """The registration form filled in with the client; returns the registration's id."""
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Aanmelden").click()
    page.get_by_role("link", name="Nieuwe aanmelding").click()
    check_accessibility(page)
    label = page.get_by_label
    label("Uw kenmerk voor deze cliënt").fill(ref)
    label("Geboortejaar van de hoofdaanvrager").fill("1996")
    label("Aantal volwassenen").fill("1")
    label("Waar woont de cliënt nu?").select_option(label="Moeder-kindhuis")
    label("Bruto jaarinkomen van het huishouden, in euro").fill("21.400,50")
    label("Hoeveel begeleiding is er na de verhuizing nodig?").select_option(label="Gemiddelde begeleiding")
    page.get_by_role("group", name="Is die begeleiding na de verhuizing geregeld?").get_by_label("Ja").check()
    label("Schuldhulpverlening").select_option(label="Loopt")
    page.get_by_role("group", name="Heeft de cliënt een prikkelarme woning nodig?").get_by_label(
        "Liever wel: een prikkelarme woning telt zwaarder").check()
    label("Gemeente (1)").select_option(label=MUNICIPALITY_NAME)
    label("Jaren gewoond (1)").fill("6")
    label("Jaren gewerkt of gestudeerd (1)").fill("0")
    page.get_by_role("group", name="Welk huurcontract past?").get_by_label("Elk contract").check()
    label("Woonrijp vanaf").fill(TODAY.isoformat())
    label("De cliënt geeft toestemming om dit beperkte profiel te delen").check()
    page.get_by_role("button", name="Aanmelden").last.click()
    page.wait_for_url(re.compile(r".*/clienten/[0-9a-f-]{36}\?gedaan=aangemeld$"))
    check_accessibility(page)
    return re.search(r"/clienten/([0-9a-f-]{36})", page.url).group(1)


def _offer(page: Any, ref: str) -> str:
    """The dwelling form filled in; returns the dwelling's id."""
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Woning aanbieden").click()
    check_accessibility(page)
    fill_offer(page, ref, "3011 AB", city=MUNICIPALITY_NAME, neighbourhood=f"BU{MUNICIPALITY[2:]}0101",
               lat="51,9225", lon="4,4792")
    page.get_by_role("button", name="Woning aanbieden").click()
    page.wait_for_url(re.compile(r".*/woningen/[0-9a-f-]{36}\?gedaan=aangeboden$"))
    check_accessibility(page)
    return re.search(r"/woningen/([0-9a-f-]{36})", page.url).group(1)


def test_a_client_is_placed_across_the_three_roles_in_the_browser(browser, office, live_server):
    region, people = _region(office, live_server)
    tag = region.code.lower()
    corporation_name = region.issued[OrganisationKind.corporation].organisation.name
    address = f"Kanaalstraat 112B, {MUNICIPALITY_NAME}"
    with _browser_of(browser, live_server, people[OrganisationKind.care_provider]) as provider, \
            _browser_of(browser, live_server, people[OrganisationKind.corporation]) as corporation, \
            _browser_of(browser, live_server, people[OrganisationKind.coordinator]) as coordinator:
        client_id = _register(provider, f"KL-{tag}")
        dwelling_id = _offer(corporation, f"VHE-{tag}")

        # The coordinator finds the dwelling in the werkvoorraad; its instant shortlist holds the client.
        coordinator.goto("/werkvoorraad")
        check_accessibility(coordinator)
        coordinator.locator("#werkvoorraad").get_by_role("link", name=address).click()
        coordinator.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}$"))
        assert client_id[:8] in coordinator.content() or client_id in coordinator.content()
        check_accessibility(coordinator)
        coordinator.get_by_role("button", name="Publiceren naar de corporatie").click()
        coordinator.wait_for_url(re.compile(f".*/voordracht/{dwelling_id}\\?gedaan=gepubliceerd$"))
        check_accessibility(coordinator)

        # The corporation chooses her on its minimised voordracht: her provider's reference is not on it.
        corporation.goto("/woningen?tab=kiezen")
        corporation.locator("#woningen").get_by_role("link", name=address).click()
        cards = corporation.locator("#kandidaten article")
        assert cards.count() == 1 and client_id in cards.first.inner_html()
        assert f"KL-{tag}" not in corporation.content()
        check_accessibility(corporation)
        screenshot(corporation, live_server, "reis-voordracht")
        corporation.get_by_role("button", name="Kies kandidaat 1").click()
        assert "U hebt een kandidaat gekozen." in corporation.locator("#gedaan").inner_text()
        check_accessibility(corporation)

        # The provider sees the offer on the client's page and accepts it for her.
        provider.goto(f"/clienten/{client_id}")
        offer = provider.locator("#aanbod")
        assert "Er is een woning aangeboden" in offer.inner_text() and "Kanaalstraat 112B" in offer.inner_text()
        check_accessibility(provider)
        screenshot(provider, live_server, "reis-aanbod")
        provider.get_by_role("button", name="Aanbod aannemen").click()
        provider.wait_for_url(re.compile(f".*/clienten/{client_id}\\?gedaan=geaccepteerd$"))
        assert "Aanbod aangenomen" in provider.locator("#aanbod").inner_text()
        check_accessibility(provider)

        # The corporation records the let.
        corporation.reload()
        corporation.get_by_label("Contractvorm").select_option("regular")
        corporation.get_by_label("Ingangsdatum van het huurcontract").fill(TODAY.isoformat())  # counted this month
        corporation.get_by_role("button", name="Verhuur vastleggen").click()
        assert "De verhuur is vastgelegd." in corporation.locator("#gedaan").inner_text()
        assert "Verhuurd" in corporation.locator("#status").inner_text()
        check_accessibility(corporation)

        # The coordinator's monitor counts it: one offered, one let, for this corporation and this municipality.
        coordinator.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Monitor").click()
        coordinator.wait_for_url(re.compile(r".*/monitor$"))
        row = coordinator.locator("#per-corporatie tbody tr").filter(has_text=corporation_name)
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert cells[2:4] == ["1", "1"], cells  # offered, let
        town = coordinator.locator("#per-gemeente tbody tr").filter(has_text=MUNICIPALITY_NAME)
        assert [c.strip() for c in town.locator("td").all_inner_texts()][2:4] == ["1", "1"]
        check_accessibility(coordinator)
        screenshot(coordinator, live_server, "reis-monitor")
