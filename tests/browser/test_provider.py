"""The care provider in a real browser: the registration form filled in with the client (errors, a draft, a row
added, submitted), Mijn cliënten, and a draft that is never matched."""

import re
from datetime import date, timedelta

from sqlmodel import Session

from service.organisations.models import OrganisationKind
from service.registrations import drafts
from service.registrations.models import RegistrationDraft
from tests import factories
from tests.browser.conftest import check_accessibility, screenshot, sign_in


def _fill_household(page, *, birth_year: str) -> None:
    page.get_by_label("Geboortejaar van de hoofdaanvrager").fill(birth_year)
    page.get_by_label("Aantal volwassenen").fill("1")
    page.get_by_label("Geboortejaren van de kinderen").fill(str(date.today().year - 3))
    page.get_by_label("Waar woont de cliënt nu?").select_option(label="Moeder-kindhuis")


def test_a_care_provider_registers_a_client_through_the_form_with_a_draft_in_between(page, office, live_server):
    provider = office.member(OrganisationKind.care_provider, name="Zorg Test")
    sign_in(page, provider)
    assert page.url.endswith("/clienten")
    page.get_by_role("link", name="Een cliënt aanmelden").first.click()
    page.get_by_role("link", name="Nieuwe aanmelding").click()
    page.get_by_label("Uw kenmerk voor deze cliënt").fill("LR-2026-0001")
    _fill_household(page, birth_year="1890")  # implausible: the schema refuses it
    page.get_by_label("Bruto jaarinkomen van het huishouden, in euro").fill("21.400,50")
    page.get_by_role("button", name="Aanmelden").last.click()

    summary = page.locator("#foutmeldingen")
    text = summary.inner_text()
    for expected in ("Vul dit in.",):  # every required field left empty says so
        assert expected in text
    assert page.locator("#birth_year-fout").is_visible()
    assert page.locator("#support\\.intensity-fout").inner_text() == "Vul dit in."
    assert page.locator("#consent_to_share-fout").is_visible()
    # Nothing typed is lost.
    assert page.get_by_label("Uw kenmerk voor deze cliënt").input_value() == "LR-2026-0001"
    assert page.get_by_label("Bruto jaarinkomen van het huishouden, in euro").input_value() == "21.400,50"
    check_accessibility(page)
    screenshot(page, live_server, "aanmelden-fouten")

    page.get_by_label("Geboortejaar van de hoofdaanvrager").fill("1999")
    page.get_by_role("button", name="Bewaren als concept").click()
    page.wait_for_url(re.compile(r".*/aanmelden/concept/.+\?gedaan=bewaard$"))
    assert page.get_by_role("status").get_by_text("Het concept is bewaard.").is_visible()
    draft_url = page.url.split("?")[0]

    # A draft is not a registration: it is on no list and is never matched.
    with live_server.api(provider.api_key) as api:
        assert api.get("/v1/registrations").json()["total"] == 0

    page.get_by_role("link", name="Aanmelden").first.click()  # the navigation
    page.get_by_role("link", name="LR-2026-0001").click()
    assert page.url == draft_url
    assert page.get_by_label("Geboortejaar van de hoofdaanvrager").input_value() == "1999"
    page.get_by_label("Hoeveel begeleiding is er na de verhuizing nodig?").select_option(label="Gemiddelde begeleiding")
    page.get_by_role("group", name="Is die begeleiding na de verhuizing geregeld?").get_by_label("Ja").check()
    page.get_by_label("Schuldhulpverlening").select_option(label="Loopt")
    page.get_by_label("Soort plek (1)").select_option(label="Slijterij")
    page.get_by_label("Binnen hoeveel meter (1)").fill("300")
    page.get_by_role("button", name="Nog een soort plek").click()  # a row more, without losing anything
    page.get_by_label("Soort plek (2)").select_option(label="Coffeeshop")
    page.get_by_label("Binnen hoeveel meter (2)").fill("200")
    assert page.get_by_label("Binnen hoeveel meter (1)").input_value() == "300"
    page.get_by_label("Gebieden om te vermijden").fill("WK034405")
    page.get_by_role("group", name="Heeft de cliënt een prikkelarme woning nodig?").get_by_label(
        "Liever wel: een prikkelarme woning telt zwaarder").check()
    page.get_by_label("Gemeente (1)").select_option(label="Utrecht")
    page.get_by_label("Jaren gewoond (1)").fill("4")
    page.get_by_label("Jaren gewerkt of gestudeerd (1)").fill("0")
    page.get_by_role("group", name="Welk huurcontract past?").get_by_label("Elk contract").check()
    page.get_by_label("Woonrijp vanaf").fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_label("De cliënt geeft toestemming om dit beperkte profiel te delen").check()
    screenshot(page, live_server, "aanmelden")
    page.get_by_role("button", name="Aanmelden").last.click()

    page.wait_for_url(re.compile(r".*/clienten/.+\?gedaan=aangemeld$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Cliënt LR-2026-0001"
    assert page.get_by_text("Waarom nog geen woning?").is_visible()
    check_accessibility(page)
    with live_server.api(provider.api_key) as api:
        registrations = api.get("/v1/registrations").json()["items"]
        assert [r["client_ref"] for r in registrations] == ["LR-2026-0001"]
        stored = registrations[0]
        assert stored["annual_income"] == "21400.50"
        assert stored["avoid_nearby"] == [{"category": "liquor_store", "radius_m": 300},
                                          {"category": "cannabis_shop", "radius_m": 200}]
        assert stored["avoid_areas"] == ["WK034405"]
    page.get_by_role("link", name="Mijn cliënten").first.click()
    assert page.locator("#clienten").get_by_role("link", name="LR-2026-0001").is_visible()
    check_accessibility(page)
    # The submitted draft is gone.
    page.goto("/aanmelden")
    assert page.get_by_text("Geen concepten.").is_visible()


def test_a_provider_edits_a_submitted_registration_and_a_stale_edit_shows_both(browser, page, office, live_server):
    provider = office.member(OrganisationKind.care_provider)
    with live_server.api(provider.api_key) as api:
        reg = api.post("/v1/registrations", json=factories.registration(client_ref="CL-EDIT-1")).json()
    sign_in(page, provider)
    page.goto(f"/clienten/{reg['id']}/wijzigen")
    # Meanwhile someone else changes the registration through the API.
    with live_server.api(provider.api_key) as api:
        etag = api.get(f"/v1/registrations/{reg['id']}").headers["etag"]
        assert api.patch(f"/v1/registrations/{reg['id']}", json={"birth_year": 1990},
                         headers={"If-Match": etag}).status_code == 200
    page.get_by_label("Aantal volwassenen").fill("2")
    page.get_by_role("button", name="Wijziging opslaan").click()
    assert "Iemand anders heeft deze aanmelding gewijzigd" in page.locator("#foutmeldingen").inner_text()
    assert "1990" in page.locator("#andere-versie").inner_text()
    assert page.get_by_label("Aantal volwassenen").input_value() == "2"  # what was typed stays
    check_accessibility(page)
    page.get_by_role("button", name="Wijziging opslaan").click()  # saved over the newer version, knowingly
    page.wait_for_url(re.compile(r".*/clienten/.+\?gedaan=gewijzigd$"))
    with live_server.api(provider.api_key) as api:
        assert api.get(f"/v1/registrations/{reg['id']}").json()["household"]["adults"] == 2


def test_another_providers_client_answers_404(page, office, live_server):
    provider = office.member(OrganisationKind.care_provider)
    other = office.member(OrganisationKind.care_provider)
    with live_server.api(other.api_key) as api:
        reg = api.post("/v1/registrations", json=factories.registration()).json()
    sign_in(page, provider)
    assert page.goto(f"/clienten/{reg['id']}").status == 404
    assert page.goto(f"/clienten/{reg['id']}/wijzigen").status == 404
    with Session(live_server.engine, expire_on_commit=False) as session:  # the other provider's draft
        draft = drafts.save_draft(session=session, org=other.organisation, draft_id=None,
                                  values={"client_ref": "HUN-CONCEPT"}, label="HUN-CONCEPT", expected_version=None)
        session.commit()
    assert page.goto(f"/aanmelden/concept/{draft.id}").status == 404
    # Every action on their client or draft answers 404 too, with this person's own valid form token.
    page.goto("/clienten")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    for path in (f"/clienten/{reg['id']}/aanbod/accepteren", f"/clienten/{reg['id']}/aanbod/weigeren",
                 f"/clienten/{reg['id']}/pauzeren", f"/clienten/{reg['id']}/hervatten",
                 f"/clienten/{reg['id']}/intrekken", f"/clienten/{reg['id']}/wijzigen",
                 f"/aanmelden/concept/{draft.id}", f"/aanmelden/concept/{draft.id}/weggooien"):
        answer = page.request.post(path, form={"csrf_token": token, "reden": "other", "toelichting": "x"},
                                   headers={"accept": "text/html"}, max_redirects=0)
        assert answer.status == 404, (path, answer.status)
    with live_server.api(other.api_key) as api:
        assert api.get(f"/v1/registrations/{reg['id']}").json()["status"] == reg["status"]  # untouched
    with Session(live_server.engine) as session:
        assert session.get(RegistrationDraft, draft.id) is not None


def test_every_kind_of_mistake_in_the_form_is_shown_in_the_summary_and_beside_its_field(page, office, live_server):
    """A word for a number, a pattern not followed, too many decimals, too much and too little: each error is in
    the summary (linking to its field) and beside the field, and what was typed stays."""
    provider = office.member(OrganisationKind.care_provider)
    sign_in(page, provider)
    page.goto("/aanmelden/nieuw")
    _fill_household(page, birth_year="1999")
    page.get_by_label("Soort plek (1)").select_option(label="Slijterij")
    page.get_by_label("Gemeente (1)").select_option(label="Utrecht")
    mistakes = {  # label: what is typed, and (part of) what the form says about it
        "Aantal volwassenen": ("twee", "heel getal"),
        "Bruto jaarinkomen van het huishouden, in euro": ("21.400,505", "twee cijfers achter de komma"),
        "Gebieden om te vermijden": ("XYZ", ""),
        "Binnen hoeveel meter (1)": ("999999", "hoogstens"),
        "Jaren gewoond (1)": ("-3", "of meer"),
    }
    for label, (typed, _said) in mistakes.items():
        page.get_by_label(label, exact=True).fill(typed)
    page.get_by_role("button", name="Aanmelden").last.click()
    summary = page.locator("#foutmeldingen")
    for label, (typed, said) in mistakes.items():
        field = page.get_by_label(label, exact=True)
        field_id = field.get_attribute("id")
        beside = page.locator(f"[id='{field_id}-fout']")
        assert beside.is_visible(), label
        assert said in beside.inner_text(), (label, beside.inner_text())
        assert summary.locator(f"a[href='#{field_id}']").count() == 1, label
        assert field.input_value() == typed, label  # nothing typed is lost
        assert field.get_attribute("aria-invalid") == "true", label
    check_accessibility(page)
