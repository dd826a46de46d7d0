"""The web application's foundation in a real browser: sign-in with the second factor, TOTP enrolment with its QR
code and recovery codes, sessions, CSRF, an expired session, the strict Content-Security-Policy, the language."""

import re
from datetime import timedelta

from sqlmodel import Session, col, select

from service import clock
from service.organisations.models import OrganisationKind
from service.people.models import PersonSession
from tests.browser.conftest import check_accessibility, screenshot, sign_in


def test_a_coordinator_signs_in_with_password_and_code_and_lands_on_the_werkvoorraad(page, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator, name="Regiobureau Test")
    page.goto("/")
    assert page.url.endswith("/inloggen")
    check_accessibility(page)
    screenshot(page, live_server, "inloggen")
    page.get_by_label("E-mailadres").fill(coordinator.email)
    page.get_by_label("Wachtwoord").fill(coordinator.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r".*/inloggen/tweede-stap$"))
    check_accessibility(page)
    page.get_by_label("Code uit de app").fill("000000" if coordinator.code() != "000000" else "111111")
    page.get_by_role("button", name="Verder").click()
    assert page.get_by_role("alert").get_by_text("De code klopt niet of is al gebruikt.").is_visible()
    page.get_by_label("Code uit de app").fill(coordinator.code())
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url(re.compile(r".*/werkvoorraad$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Werkvoorraad"
    assert page.get_by_text("Regiobureau Test").is_visible()
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    assert nav.get_by_role("link", name="Werkvoorraad").get_attribute("aria-current") == "page"
    check_accessibility(page)


def test_a_wrong_password_is_refused_with_an_error_summary_linking_to_the_field(page, office):
    coordinator = office.member(OrganisationKind.coordinator)
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(coordinator.email)
    page.get_by_label("Wachtwoord").fill("not the password")
    page.get_by_role("button", name="Inloggen").click()
    summary = page.locator("#foutmeldingen")
    assert "Het e-mailadres of het wachtwoord klopt niet." in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "foutmeldingen"
    assert page.get_by_label("E-mailadres").input_value() == coordinator.email  # nothing typed is lost
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "wachtwoord"
    check_accessibility(page)


def test_a_new_coordinator_must_enrol_totp_with_the_qr_code_and_sees_ten_recovery_codes_once(page, office,
                                                                                            live_server):
    import pyotp

    coordinator = office.member(OrganisationKind.coordinator, two_factor=False)
    sign_in(page, coordinator)
    page.wait_for_url(re.compile(r".*/account/tweestapsverificatie$"))
    page.goto("/werkvoorraad")  # nothing else is open until two-factor sign-in is set up
    assert page.url.endswith("/account/tweestapsverificatie")
    check_accessibility(page)
    page.get_by_role("button", name="Instellen").click()
    assert page.locator("figure svg").is_visible()
    check_accessibility(page)
    screenshot(page, live_server, "tweestapsverificatie")
    secret = page.locator("#totp-sleutel").inner_text().strip()
    page.get_by_label("Code uit de app").fill("123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    page.get_by_role("button", name="Bevestigen").click()
    assert "De code klopt niet" in page.locator("#foutmeldingen").inner_text()
    page.get_by_label("Code uit de app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bevestigen").click()
    codes = page.locator("#herstelcodes li")
    assert codes.count() == 10
    check_accessibility(page)
    page.get_by_role("link", name="Ik heb de codes bewaard, ga verder").click()
    page.wait_for_url(re.compile(r".*/werkvoorraad$"))


def test_the_account_lists_the_sessions_and_ending_another_one_signs_that_browser_out(browser, page, office,
                                                                                      live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    other = browser.new_context(base_url=live_server.url, locale="nl-NL")
    other_page = other.new_page()
    sign_in(other_page, coordinator)
    sign_in(page, coordinator)
    page.goto("/account")
    rows = page.locator("#sessies tbody tr")
    assert rows.count() == 2
    check_accessibility(page)
    rows.filter(has_not_text="deze sessie").get_by_role("button").click()
    assert page.locator("#sessies tbody tr").count() == 1
    other_page.goto("/werkvoorraad")
    assert "/inloggen" in other_page.url
    other.close()


def test_a_form_posted_without_its_csrf_token_is_refused(page, office):
    coordinator = office.member(OrganisationKind.coordinator)
    sign_in(page, coordinator)
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="Uitloggen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    page.goto("/werkvoorraad")  # still signed in: the forged sign-out did nothing
    assert page.url.endswith("/werkvoorraad")


def test_an_expired_session_returns_to_sign_in_and_then_to_the_page(page, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    sign_in(page, coordinator)
    with Session(live_server.engine) as session:
        for web_session in session.exec(select(PersonSession)
                                        .where(col(PersonSession.person_id) == coordinator.person_id)):
            web_session.last_seen_at = clock.now() - timedelta(minutes=31)
            session.add(web_session)
        session.commit()
    page.goto("/werkvoorraad?tab=verhuurd")
    assert re.search(r"/inloggen\?volgende=/werkvoorraad%3Ftab%3Dverhuurd$", page.url), page.url
    sign_in_again = page.get_by_label("E-mailadres")
    sign_in_again.fill(coordinator.email)
    page.get_by_label("Wachtwoord").fill(coordinator.password)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit de app").fill(coordinator.code())
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url(re.compile(r".*/werkvoorraad\?tab=verhuurd$"))


def test_pages_keep_their_strict_content_security_policy_and_still_work(browser, office, live_server):
    coordinator = office.member(OrganisationKind.coordinator)
    strict = browser.new_context(base_url=live_server.url, locale="nl-NL")  # no bypass: the page's own CSP applies
    tab = strict.new_page()
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    response = tab.goto("/inloggen")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    sign_in(tab, coordinator)
    # The vendored stylesheets are applied (the design tokens reach the page) and htmx has loaded.
    assert tab.evaluate("getComputedStyle(document.body).getPropertyValue('--basis-text-font-family-default')")
    assert "sans-serif" in tab.evaluate("getComputedStyle(document.body).fontFamily")
    assert tab.evaluate("typeof window.htmx") == "object"
    assert not refused, refused
    strict.close()


def test_a_person_switches_to_english_and_back(page, office):
    coordinator = office.member(OrganisationKind.coordinator)
    sign_in(page, coordinator)
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Work queue"
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Nederlands").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Werkvoorraad"


def test_the_first_tab_goes_to_the_skip_link_and_it_jumps_to_the_content(page, office):
    coordinator = office.member(OrganisationKind.coordinator)
    sign_in(page, coordinator)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"


def test_the_werkvoorraad_with_its_nav_bar_fits_the_window_without_scrolling_sideways(page, office):
    coordinator = office.member(OrganisationKind.coordinator)
    sign_in(page, coordinator)
    assert page.get_by_role("navigation", name="Hoofdmenu").is_visible()
    assert page.evaluate("window.innerWidth") == 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("document.querySelector('nav.ds-nav').getBoundingClientRect().right") <= 1280


def test_a_corporation_person_does_not_see_the_coordinators_screens(page, office):
    corporation = office.member(OrganisationKind.corporation, two_factor=False)
    sign_in(page, corporation)
    response = page.goto("/werkvoorraad")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"


def test_the_api_documentation_renders_without_internet(browser, live_server):
    offline = browser.new_context(base_url=live_server.url)  # the pages' own CSP applies
    outside: list[str] = []

    def only_this_service(route):  # every request to another host fails, as on an office network without internet
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    offline.route("**/*", only_this_service)
    tab = offline.new_page()
    tab.goto("/docs")
    tab.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert tab.locator(".swagger-ui .opblock").count() > 50
    tab.goto("/redoc")
    tab.wait_for_selector("redoc-wrap, .redoc-wrap, [role=navigation]", timeout=20_000)
    assert not outside, outside
    offline.close()
