"""The corporation's screens without a browser: the dwelling form (Dutch notations, every error beside its field,
nothing typed lost, the API's service behind it), Mijn woningen by status, the minimised voordracht, select, reject,
the let, withdrawing with the version read, another organisation's dwelling answering 404, and the monitor."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from matching.scoring import SCORE_TERMS
from service.web.corporation.offer import document_from
from tests.service.workflow.flow import NOTES, TODAY, World
from tests.web.browsing import WebClient, errors_of, field_message, signed_in


def offer_form(**overrides: str | None) -> list[tuple[str, str]]:
    """A complete dwelling form as a person fills it in (Dutch decimal commas, a Dutch date)."""
    fields: dict[str, str | None] = {
        "external_ref": f"VHE-{uuid.uuid4().hex[:8]}", "address-street": "Kanaalstraat",
        "address-house_number": "112", "address-house_number_suffix": "B", "address-postcode": "3531 ch",
        "address-city": "Utrecht", "neighbourhood_code": "BU03440302", "location-lat": "52,0907",
        "location-lon": "5,0985", "dwelling_type": "apartment", "rooms": "2", "bedrooms": "1",
        "floor_area_m2": "42,5", "floor": "1", "max_occupants": "2", "bare_rent": "598,40", "service_costs": "€ 42",
        "low_stimulus_features-shared_entrance_households": "4", "low_stimulus_features-busy_road": "ja",
        "available_from": TODAY.strftime("%d-%m-%Y"),
    }
    fields.update(overrides)
    pairs = [(k, v) for k, v in fields.items() if v is not None]
    return pairs + [("contract_types", "regular"), ("contract_types", "flip")]


@pytest.fixture
def world(client_for) -> World:  # type: ignore[no-untyped-def]
    return World(client_for("coordinator"), client_for("corporation", name="Woonstichting Test"),
                 client_for("care_provider", name="Zorg Test"))


@pytest.fixture
def web(app, session, world) -> WebClient:  # type: ignore[no-untyped-def]
    """A person of the world's corporation, signed in."""
    return signed_in(app, session, world.corporation.org)  # type: ignore[attr-defined]


def _dwelling_id(response: Any) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/woningen/([0-9a-f-]{36})\?gedaan=aangeboden", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


# --- Woning aanbieden ----------------------------------------------------------------------------------------------


def test_the_form_takes_dutch_notations_into_the_offer_document():
    document = document_from(dict(offer_form(bare_rent="1.234,56", **{"location-lat": "52.0907"})),
                             ["regular"])
    assert document["bare_rent"] == Decimal("1234.56") and document["service_costs"] == Decimal("42")
    assert document["floor_area_m2"] == 42.5 and document["location"] == {"lat": 52.0907, "lon": 5.0985}
    assert document["available_from"] == TODAY
    assert document["low_stimulus_features"] == {"shared_entrance_households": 4, "busy_road": True,
                                                 "gallery_access": False, "next_to_business": False}
    assert document["address"]["house_number"] == 112 and document["contract_types"] == ["regular"]


def test_the_form_shows_every_field_of_the_offer_with_its_label(web):
    page = web.get("/woning-aanbieden")
    assert page.status_code == 200
    for name in ("external_ref", "address-street", "address-house_number", "address-house_number_suffix",
                 "address-postcode", "address-city", "neighbourhood_code", "location-lat", "location-lon",
                 "dwelling_type", "rooms", "bedrooms", "floor_area_m2", "floor", "has_elevator",
                 "wheelchair_accessible", "max_occupants", "suitable_for_children", "bare_rent", "service_costs",
                 "low_stimulus_features-gallery_access", "low_stimulus_features-shared_entrance_households",
                 "low_stimulus_features-next_to_business", "low_stimulus_features-busy_road", "contract_types",
                 "available_from"):
        assert f'id="{name}"' in page.text and f'for="{name}"' in page.text, name
    assert "Utrecht (GM0344)" in page.text  # the municipalities the corporation works in


def test_an_offer_through_the_form_is_the_api_offer_with_its_instant_shortlist(web, world):
    world.register()
    answer = web.post("/woning-aanbieden", offer_form(external_ref="VHE-FORM-1"))
    dwelling_id = _dwelling_id(answer)
    stored = world.corporation.get(f"/v1/dwellings/{dwelling_id}").json()
    assert stored["external_ref"] == "VHE-FORM-1" and stored["status"] == "shortlisted"
    assert (stored["bare_rent"], stored["service_costs"], stored["floor_area_m2"]) == ("598.40", "42.00", 42.5)
    assert stored["address"]["postcode"] == "3531CH" and stored["contract_types"] == ["regular", "flip"]
    assert stored["low_stimulus_features"]["busy_road"] is True and stored["has_elevator"] is False
    page = web.get(answer.headers["location"])
    assert "De woning is aangeboden." in page.text and "Voordracht in voorbereiding" in page.text
    # The same form again is the same offer (an idempotent replay), never a second dwelling.
    again = web.post("/woning-aanbieden", offer_form(external_ref="VHE-FORM-1"))
    assert _dwelling_id(again) == dwelling_id


def test_every_error_is_in_the_summary_and_beside_its_field_and_nothing_typed_is_lost(web, world):
    before = world.corporation.get("/v1/dwellings").json()["total"]
    answer = web.post("/woning-aanbieden", [
        *[(k, v) for k, v in offer_form(**{"address-postcode": "12AB", "rooms": "twee", "bedrooms": "3",
                                         "address-street": "", "bare_rent": "598,4,0",
                                         "location-lat": "48,1"}) if k != "contract_types"]])
    assert answer.status_code == 422
    errors = dict(errors_of(answer.text))
    assert errors == {
        "address-street": "Vul de straat in.",
        "address-postcode": "Vul een Nederlandse postcode in, zoals 3531 CH.",
        "location-lat": "De breedtegraad ligt in Nederland tussen 50,75 en 53,70.",
        "rooms": "Aantal kamers: vul een heel getal in.",
        "bare_rent": "Kale huur per maand, in euro: vul een bedrag in, bijvoorbeeld 598,40.",
        "contract_types": "Kies minstens één contractvorm.",
    }
    for field, message in errors.items():
        assert field_message(answer.text, field) == message, field
    assert 'value="12AB"' in answer.text and 'value="twee"' in answer.text and 'value="598,4,0"' in answer.text
    assert 'name="low_stimulus_features-busy_road"\n         value="ja" checked' in answer.text
    assert world.corporation.get("/v1/dwellings").json()["total"] == before
    # With rooms a number, bedrooms above it is the next thing to correct.
    answer = web.post("/woning-aanbieden", offer_form(bedrooms="3"))
    assert dict(errors_of(answer.text)) == {"bedrooms": "Een woning heeft niet meer slaapkamers dan kamers."}


def test_a_neighbourhood_outside_the_corporations_regions_and_a_reused_number_are_refused_on_their_field(web, world):
    outside = web.post("/woning-aanbieden", offer_form(neighbourhood_code="BU03630000"))  # Amsterdam
    assert outside.status_code == 422
    assert "buiten de regio's waarin uw organisatie werkt" in dict(errors_of(outside.text))["neighbourhood_code"]
    world.offer(external_ref="VHE-TAKEN")
    taken = web.post("/woning-aanbieden", offer_form(external_ref="VHE-TAKEN"))
    assert taken.status_code == 409
    assert dict(errors_of(taken.text)) == {"external_ref": "U gebruikte dit nummer al voor een andere woning. Kies "
                                                           "een ander nummer, of bekijk die woning in Mijn woningen."}


# --- Mijn woningen and the voordracht ------------------------------------------------------------------------------


def test_mijn_woningen_lists_the_dwellings_by_status_with_counts_and_the_deadline_to_choose(web, world):
    waiting = world.offer()
    published, _ranked = world.published()
    page = web.get("/woningen")
    assert page.status_code == 200
    counts = dict(re.findall(r'tab=([a-z-]+)"[^>]*>[^<]+<span class="utrecht-badge-counter">(\d+)</span>', page.text))
    assert counts == {"bij-regiobureau": "1", "kiezen": "1", "kandidaat-gekozen": "0", "verhuurd": "0",
                      "ingetrokken": "0"}
    # First what waits for the corporation: the published voordracht, with the date to choose by.
    assert f"/woningen/{published}" in page.text and f"/woningen/{waiting}" not in page.text
    assert 'href="/woningen?tab=kiezen" aria-current="page"' in page.text and "kies vóór" in page.text
    with_office = web.get("/woningen?tab=bij-regiobureau")
    assert f"/woningen/{waiting}" in with_office.text and f"/woningen/{published}" not in with_office.text
    assert "Beperkt tot: Bij het regiobureau · 1 woning" in with_office.text


def test_the_voordracht_shows_minimised_cards_only(web, world, session):
    dwelling_id, ranked = world.published()
    api_view = world.corporation.get(f"/v1/dwellings/{dwelling_id}/shortlist").json()
    office_view = world.shortlist(dwelling_id)
    page = web.get(f"/woningen/{dwelling_id}")
    assert page.status_code == 200
    text = page.text
    for candidate in api_view["candidates"]:
        profile = candidate["profile"]
        assert profile["registration_id"] in text
        score = f'{candidate["score"]:,}'.replace(",", ".")
        assert f'rang {candidate["rank"]}, {score} punten' in text
    assert "Zorg Test" in text and "1 volwassene, geen kinderen" in text and "Middelzware begeleiding" in text
    registrations = [world.care.get(f"/v1/registrations/{r}").json() for r in ranked]
    for reg in registrations:
        assert reg["client_ref"] not in text
        assert reg["notes"] == NOTES and NOTES not in text and "alcohol" not in text
    assert "score_breakdown" not in text and not [t for t in SCORE_TERMS if t in text]
    assert office_view["candidates"][0]["score_breakdown"]  # the office sees it; the corporation's page does not


def test_another_organisations_dwelling_answers_404_on_every_page(web, world, client_for):
    other = client_for("corporation")
    theirs = world.offer(corporation=other)
    assert web.get(f"/woningen/{theirs}").status_code == 404
    for step in ("kiezen", "afwijzen", "verhuurd", "intrekken"):
        answer = web.post(f"/woningen/{theirs}/{step}", {"registration_id": str(uuid.uuid4()), "rank": "1",
                                                         "versie": "1"})
        assert answer.status_code == 404, step
    assert world.corporation.get(f"/v1/dwellings/{theirs}").status_code == 404


def test_other_kinds_of_organisation_have_no_corporation_screens(app, session, world):
    coordinator = signed_in(app, session, world.coordinator.org)  # type: ignore[attr-defined]
    for path in ("/woningen", "/woning-aanbieden", "/mijn-monitor"):
        assert coordinator.get(path).status_code == 404, path


def test_reject_with_other_needs_a_note_then_select_then_the_let(web, world):
    dwelling_id, ranked = world.published()
    first, second = ranked[0], ranked[1]
    refused = web.post(f"/woningen/{dwelling_id}/afwijzen", {"registration_id": first, "rank": "1",
                                                            "reason_code": "other", "note": "  "})
    assert refused.status_code == 422
    message = "Schrijf bij de reden 'Anders' in de toelichting waarom u deze kandidaat afwijst."
    assert dict(errors_of(refused.text)) == {"afwijzen-1-toelichting": message}
    assert re.search(r'<details class="ds-step" open>\s*<summary>Kandidaat 1 afwijzen', refused.text)
    assert re.search(r'<option value="other" selected>', refused.text)  # the chosen reason is kept
    assert world.candidates(dwelling_id)[first] == "published"
    no_reason = web.post(f"/woningen/{dwelling_id}/afwijzen", {"registration_id": first, "rank": "1"})
    assert dict(errors_of(no_reason.text)) == {"afwijzen-1-reden": "Kies een reden."}
    rejected = web.post(f"/woningen/{dwelling_id}/afwijzen", {"registration_id": first, "rank": "1",
                                                             "reason_code": "other", "note": "te ver van school"})
    assert rejected.headers["location"] == f"/woningen/{dwelling_id}?gedaan=afgewezen"
    assert world.candidates(dwelling_id)[first] == "rejected"

    chosen = web.post(f"/woningen/{dwelling_id}/kiezen", {"registration_id": second})
    assert chosen.headers["location"] == f"/woningen/{dwelling_id}?gedaan=gekozen"
    assert world.dwelling_status(dwelling_id) == "candidate_selected"
    # Choosing again from a page read before is refused with the reason, and changes nothing.
    again = web.post(f"/woningen/{dwelling_id}/kiezen", {"registration_id": ranked[2]})
    assert again.status_code == 409 and "intussen veranderd" in again.text
    assert world.candidates(dwelling_id)[ranked[2]] == "published"

    world.ok(world.accept(second))
    page = web.get(f"/woningen/{dwelling_id}")
    assert "Heeft het aanbod aangenomen" in page.text and 'action="/woningen/' + dwelling_id + '/verhuurd"' in page.text
    no_date = web.post(f"/woningen/{dwelling_id}/verhuurd", {"registration_id": second, "contract_type": "regular"})
    assert no_date.status_code == 422
    assert dict(errors_of(no_date.text)) == {"verhuur-ingang": "Vul de ingangsdatum van het huurcontract in."}
    assert '<option value="regular" selected>' in no_date.text
    start = TODAY + timedelta(days=30)
    let = web.post(f"/woningen/{dwelling_id}/verhuurd", {"registration_id": second, "contract_type": "regular",
                                                         "verhuur-ingang": start.isoformat()})
    assert let.headers["location"] == f"/woningen/{dwelling_id}?gedaan=verhuurd"
    stored = world.corporation.get(f"/v1/dwellings/{dwelling_id}").json()
    assert stored["status"] == "let" and world.registration_status(second) == "housed"
    assert "De verhuur is vastgelegd." in web.get(f"/woningen/{dwelling_id}?gedaan=verhuurd").text


def test_a_withdrawal_carries_the_version_it_was_read_at(web, world):
    dwelling_id = world.offer()
    page = web.get(f"/woningen/{dwelling_id}")
    version = re.search(r'name="versie" value="(\d+)"', page.text).group(1)
    world.ok(world.corporation.patch(f"/v1/dwellings/{dwelling_id}", json={"service_costs": "50.00"},
                                     headers={"If-Match": f'"{version}"'}))
    stale = web.post(f"/woningen/{dwelling_id}/intrekken", {"versie": version, "reason": "verkocht"})
    assert stale.status_code == 409 and "intussen veranderd" in stale.text
    assert ">verkocht</textarea>" in stale.text  # what was typed is kept
    assert world.dwelling_status(dwelling_id) != "withdrawn"
    current = re.search(r'name="versie" value="(\d+)"', stale.text).group(1)
    done = web.post(f"/woningen/{dwelling_id}/intrekken", {"versie": current, "reason": "verkocht"})
    assert done.headers["location"] == f"/woningen/{dwelling_id}?gedaan=ingetrokken"
    stored = world.corporation.get(f"/v1/dwellings/{dwelling_id}").json()
    assert stored["status"] == "withdrawn" and stored["withdrawal_reason"] == "verkocht"
    assert "/woningen/" + dwelling_id in web.get("/woningen?tab=ingetrokken").text


def test_a_dwelling_with_an_offer_out_is_not_withdrawn_before_the_candidate_is_rejected(web, world):
    dwelling_id, ranked = world.published()
    world.ok(world.select(dwelling_id, ranked[0]))
    page = web.get(f"/woningen/{dwelling_id}")
    assert "Wijs die kandidaat eerst af" in page.text and 'name="versie"' not in page.text


# --- Monitor -------------------------------------------------------------------------------------------------------


def test_the_monitor_shows_the_regions_total_and_only_the_corporations_own_line(web, world, client_for):
    world.set_policy(monitor_open=True)  # even when the region shows peers' lines, this page is about one's own
    other = client_for("corporation", name="Andere Corporatie")
    world.offer()
    world.offer(corporation=other)
    page = web.get("/mijn-monitor")
    assert page.status_code == 200
    assert "Regio U16: totaal" in page.text and "Woonstichting Test: uw woningen" in page.text
    assert "Andere Corporatie" not in page.text
    api = world.corporation.get("/v1/monitor", params={"region": "U16"}).json()
    month = TODAY.month
    own = next(line for line in api["lines"] if line["key"] == str(world.corporation.org.id))  # type: ignore[attr-defined]
    assert own["months"][month - 1]["offered"] == 1
    assert "januari" in page.text


def test_monitor_of_a_region_it_does_not_work_in_falls_back_to_its_own(web):
    assert web.get("/mijn-monitor?regio=XX99").status_code == 200

