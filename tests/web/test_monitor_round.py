"""The coordinator's Monitor, Matchingsronde and Wat als pages without a browser: what they show, the CSV and the
chart, the forms' errors, and only the coordinator's own regions."""

import csv
import io
import re
import uuid
from datetime import UTC, datetime

import pyotp
import pytest
from fastapi.testclient import TestClient

from service import clock
from service.auth import SESSION_COOKIE
from service.people import service as people_service
from service.people import sessions
from service.people.models import Person, PersonRole
from service.regions.schemas import Policy
from service.shortlists import changes, rounds
from service.web.coordinator import whatif
from tests.service.stuck.scenario import offer, register, setup, single, ties

HTML = {"accept": "text/html"}
NOW = datetime.now(UTC)


def _signed_in(app, session, org) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser-like client with a live session of a person of `org` past the second factor."""
    person, _link = people_service.create_person(session=session, organisation=org,
                                                 email=f"p-{uuid.uuid4().hex[:8]}@x.nl", name="P",
                                                 role=PersonRole.admin)
    people_service.set_password_directly(session=session, person=person, password="a long enough password 1")
    stored = session.get(Person, person.id)
    stored.totp_secret, stored.totp_enabled_at = pyotp.random_base32(), clock.now()
    session.add(stored)
    signed = sessions.sign_in(session=session, email=person.email, password="a long enough password 1",
                              address="127.0.0.1", user_agent="test")
    done = sessions.complete_second_factor(session=session, signed=signed, how="totp")
    session.commit()
    client = TestClient(app, base_url="https://testserver", headers=HTML)
    client.cookies.set(SESSION_COOKIE, done.token)
    return client


def _text_fields(html: str) -> dict[str, str]:
    """The text fields of a page's form with their values."""
    return dict(re.findall(r'name="([a-z_]+)"\s+type="text" value="([^"]*)"', html))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def office(app, session, client_for):  # type: ignore[no-untyped-def]
    """Region U16 with a coordinator (API and browser), a corporation and a care provider."""
    coordinator, corporation, care = setup(client_for)
    browser = _signed_in(app, session, coordinator.org)
    return coordinator, corporation, care, browser


def test_the_monitor_shows_target_offered_let_and_pace_per_line_and_its_chart_in_dutch(office):
    coordinator, corporation, care, browser = office
    assert coordinator.put(f"/v1/targets/{NOW.year}", json={"region": "U16", "total": 120}).status_code == 200
    offer(corporation)
    offer(corporation)

    page = browser.get("/monitor", params={"regio": "U16", "jaar": NOW.year})

    assert page.status_code == 200, page.text
    html = page.text
    assert "Per gemeente" in html and "Per corporatie" in html and corporation.org.name in html
    assert "Achter op schema" in html and "ds-badge--danger" in html  # in words and in colour
    assert f'src="/monitor/grafiek.svg?regio=U16&amp;jaar={NOW.year}&amp;grafiek=gemeenten&amp;"' in html
    assert 'id="maandcijfers"' in html and 'id="grafiek-cijfers"' in html  # the chart's figures as tables
    assert "style=" not in html and "<script>" not in html  # the page's CSP holds
    chart = browser.get("/monitor/grafiek.svg", params={"regio": "U16", "jaar": NOW.year, "grafiek": "corporaties"})
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert f'id="series-corporation-{corporation.org.id}"' in chart.text
    assert "doel naar rato (120 per jaar)" in chart.text and ">mrt<" in chart.text


def test_the_monitor_downloads_as_csv_with_dutch_headers_row_per_line_and_month(office):
    coordinator, corporation, _care, browser = office
    assert coordinator.put(f"/v1/targets/{NOW.year}", json={"region": "U16", "total": 18}).status_code == 200
    offer(corporation)

    answer = browser.get("/monitor", params={"regio": "U16", "jaar": NOW.year, "formaat": "csv"})

    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert f'filename="monitor-U16-{NOW.year}.csv"' in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Soort", "Code", "Naam", "Jaardoel", "Maand"]
    api_rows = coordinator.get("/v1/monitor", params={"region": "U16", "year": NOW.year}).json()["lines"]
    assert len(rows) == 1 + 12 * len(api_rows)
    region_month = next(r for r in rows[1:] if r[0] == "regio" and r[4] == str(NOW.month))
    assert region_month[5] == "1" and region_month[3] == "18"
    assert region_month[11] == f"{18 * NOW.month / 12:g}".replace(".", ",")  # a Dutch decimal comma


def test_another_regions_monitor_and_chart_answer_404(office):
    _coordinator, _corporation, _care, browser = office
    assert browser.get("/monitor", params={"regio": "ELDERS"}).status_code == 404
    assert browser.get("/monitor/grafiek.svg", params={"regio": "ELDERS"}).status_code == 404


def test_a_round_started_from_the_page_shows_its_figures_and_what_it_changed(office):
    coordinator, corporation, care, browser = office
    for days in (300, 200, 100):
        register(care, coordinator, single(regional_ties=ties(4)), days)
    first = offer(corporation)  # the instant shortlist takes all three
    second = offer(corporation, bare_rent="1100.00")  # too dear for all three (passend toewijzen)

    form = browser.get("/matchingsronde")
    assert form.status_code == 200 and 'data-bezig="ronde-bezig"' in form.text
    started = browser.post("/matchingsronde", data={"rekentijd": "2,5", "csrf_token": _csrf(form.text)},
                           follow_redirects=False)

    assert started.status_code == 303
    run_id = re.fullmatch(r"/matchingsronde/([0-9a-f-]+)\?gedaan=gestart", started.headers["location"]).group(1)
    page = browser.get(started.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert "De ronde is klaar: 3 van 6 plaatsen gevuld." in html
    assert "Optimaal (bewezen)" in html and 'id="bovengrens"' in html and 'id="gap"' in html
    assert "2 voordrachten gemaakt: 1 met kandidaten, 1 zonder." in html
    assert "2 eerdere voorstellen vervangen: 2 met dezelfde kandidaten, 0 met andere kandidaten." in html
    assert f"/voordracht/{first}" in html and f"/voordracht/{second}" in html
    listed = browser.get("/matchingsronde").text
    assert f"/matchingsronde/{run_id}" in listed and "3 van 6" in listed
    api = coordinator.get(f"/v1/matching-rounds/{run_id}").json()
    assert (api["filled_slots"], api["slots"], api["shortlists"]) == (3, 6, 2)


def test_the_changes_of_a_run_count_what_it_superseded_with_other_candidates(office, session):
    coordinator, corporation, care, _browser = office
    register(care, coordinator, single(regional_ties=ties(4)), 100)
    dwelling = offer(corporation)
    register(care, coordinator, single(regional_ties=ties(4)), 900)  # waited longer: the round prefers her
    run = coordinator.post("/v1/matching-rounds", json={"max_seconds": 2}).json()

    seen = changes.changes_of(session=session, run_ids=[uuid.UUID(run["id"])])[uuid.UUID(run["id"])]

    assert (seen.made, seen.superseded, seen.same, seen.different) == (1, 1, 0, 1)
    [item], total = changes.shortlists_of(session=session, run_id=uuid.UUID(run["id"]), limit=25, offset=0)
    assert (total, str(item.dwelling_id), item.change, item.candidates) == (1, dwelling, changes.Change.different, 2)


def test_a_wrong_time_limit_is_refused_beside_the_field_with_what_was_typed(office):
    _coordinator, _corporation, _care, browser = office
    form = browser.get("/matchingsronde")
    refused = browser.post("/matchingsronde", data={"rekentijd": "500", "csrf_token": _csrf(form.text)})
    assert refused.status_code == 422
    assert 'href="#rekentijd"' in refused.text and 'id="rekentijd-fout"' in refused.text
    assert "Vul een aantal seconden in van 0,5 tot en met 120." in refused.text and 'value="500"' in refused.text
    assert browser.post("/matchingsronde", data={"rekentijd": "2"}).status_code == 403  # no CSRF token


def test_a_round_with_nothing_to_do_says_so(office):
    _coordinator, _corporation, _care, browser = office
    form = browser.get("/matchingsronde")
    answer = browser.post("/matchingsronde", data={"rekentijd": "1", "csrf_token": _csrf(form.text)})
    assert answer.status_code == 200 and "De ronde had niets te doen" in answer.text


def test_a_run_of_another_region_answers_404(office, app, session, make_org):
    coordinator, corporation, care, _browser = office
    register(care, coordinator, single(regional_ties=ties(4)), 10)
    offer(corporation)
    run = coordinator.post("/v1/matching-rounds", json={"max_seconds": 1}).json()
    elsewhere, _key = make_org("coordinator", home=False)  # a coordinator of no region of this one
    stranger = _signed_in(app, session, elsewhere)
    assert stranger.get(f"/matchingsronde/{run['id']}").status_code == 404
    assert f"/matchingsronde/{run['id']}" not in stranger.get("/matchingsronde", params={"soort": "alle"}).text
    assert stranger.get(f"/matchingsronde/{uuid.uuid4()}").status_code == 404


def test_the_what_if_form_holds_every_policy_field_and_compares_side_by_side(office):
    coordinator, corporation, care, browser = office
    assert set(whatif.FIELDS) == set(Policy.model_fields)
    register(care, coordinator, single(regional_ties=ties(4)), 100)
    register(care, coordinator, single(regional_ties=ties(1)), 300)
    offer(corporation)

    form = browser.get("/wat-als")
    assert form.status_code == 200
    fields = _text_fields(form.text)
    assert fields["min_tie_years"] == "2" and fields["weight_urgency"] == "365"  # the region's current policy
    data = {**fields, "regio": "U16", "min_tie_years": "0,5", "on_shortlist_expiry": "surface",
            "on_offer_expiry": "fall_through", "monitor_open": "nee", "csrf_token": _csrf(form.text)}
    answer = browser.post("/wat-als", data=data)

    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "Er is niets opgeslagen." in html and 'href="/regio"' in html
    table = html[html.index('id="wijzigingen"'):html.index('id="cijfers"')]
    assert "Minimaal aantal jaren regiobinding" in table and ">2<" in table and ">0,5<" in table
    figures = html[html.index('id="cijfers"'):]
    assert re.search(r"Inschrijvingen met minstens één passende woning</th>\s*<td[^>]*>1</td>\s*<td[^>]*>2</td>"
                     r"\s*<td[^>]*>\+1</td>", figures)
    assert "1 cliënt die nu geen enkele passende woning heeft" in html
    assert 'value="0,5"' in html  # the form keeps what was typed
    assert coordinator.get("/v1/regions/U16").json()["policy"]["min_tie_years"] == 2  # nothing saved


def test_a_what_if_value_out_of_range_is_refused_by_field_and_nothing_typed_is_lost(office):
    _coordinator, _corporation, _care, browser = office
    form = browser.get("/wat-als")
    fields = _text_fields(form.text)
    data = {**fields, "regio": "U16", "min_tie_years": "11", "weight_urgency": "veel", "monitor_open": "nee",
            "on_shortlist_expiry": "surface", "on_offer_expiry": "surface", "csrf_token": _csrf(form.text)}
    refused = browser.post("/wat-als", data=data)
    assert refused.status_code == 422
    assert 'href="#min_tie_years"' in refused.text and 'href="#weight_urgency"' in refused.text
    assert "Vul een getal in van 0 tot en met 10." in refused.text
    assert "Vul een heel getal in van 0 tot en met 100.000." in refused.text
    assert 'value="11"' in refused.text and 'value="veel"' in refused.text
    assert browser.post("/wat-als", data={**data, "regio": "ELDERS"}).status_code == 404


def test_these_pages_are_for_coordinators_only(app, session, client_for):
    corporation = client_for("corporation")
    browser = _signed_in(app, session, corporation.org)
    for path in ("/monitor", "/monitor/grafiek.svg", "/matchingsronde", "/wat-als"):
        assert browser.get(path).status_code == 404, path


def test_the_three_screens_speak_english_when_asked(office):
    coordinator, corporation, care, browser = office
    register(care, coordinator, single(regional_ties=ties(4)), 10)
    offer(corporation)
    browser.cookies.set("doorstroom_lang", "en")
    assert "Per municipality" in browser.get("/monitor").text
    chart = browser.get("/monitor/grafiek.svg").text
    assert "dwellings offered (cumulative)" in chart and ">Mar<" in chart
    assert "Start a round" in browser.get("/matchingsronde").text
    form = browser.get("/wat-als").text
    assert "Minimum years of ties to the region" in form and "From 0 to 10." in form
    assert browser.get("/monitor", params={"formaat": "csv"}).text.lstrip("\ufeff").startswith("Kind;Code;Name;")


def test_a_queued_round_shows_its_progress_polled_by_htmx_then_sends_the_browser_to_its_figures(office, session):
    coordinator, corporation, care, browser = office
    register(care, coordinator, single(regional_ties=ties(4)), 100)
    offer(corporation)
    queued = rounds.queue_round(session=session, org=coordinator.org, max_seconds=2)
    session.commit()  # a savepoint of the test's transaction

    page = browser.get(f"/matchingsronde/{queued.id}?gedaan=gestart")
    assert page.status_code == 200 and "De ronde staat klaar en begint zo." in page.text
    assert f'hx-get="/matchingsronde/{queued.id}/voortgang"' in page.text and 'hx-trigger="every 2s"' in page.text
    assert f'id="vernieuwen" href="/matchingsronde/{queued.id}"' in page.text  # without JavaScript
    assert "<script>" not in page.text
    fragment = browser.get(f"/matchingsronde/{queued.id}/voortgang")
    assert fragment.status_code == 200 and 'hx-trigger="every 2s"' in fragment.text and "<html" not in fragment.text
    assert browser.post("/matchingsronde", data={"rekentijd": "1", "csrf_token": _csrf(browser.get(
        "/matchingsronde").text)}, follow_redirects=False).headers["location"] == f"/matchingsronde/{queued.id}"

    assert rounds.execute(engine=session.get_bind(), round_id=queued.id)

    done = browser.get(f"/matchingsronde/{queued.id}/voortgang")
    assert done.status_code == 204 and done.headers["hx-redirect"] == f"/matchingsronde/{queued.id}?gedaan=gestart"
    assert "De ronde is klaar:" in browser.get(done.headers["hx-redirect"]).text

