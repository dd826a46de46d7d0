"""Regio en beleid without a browser: the policy form carries every field with its current value and saves as
`PUT /v1/regions/{code}` does, errors per field, a stale form says so, the versions show what changed, and the
uploads answer with their reports."""

import json
import re

import pytest
from fastapi.testclient import TestClient

from service.organisations.models import OrganisationKind
from service.places.geojson import parse_feature
from service.regions.schemas import Policy
from service.web.coordinator import policy_fields, uploads
from service.web.i18n import translations
from tests.web.signed_in import Browser, sign_in
from tests.world import HOME_MUNICIPALITIES, HOME_REGION


@pytest.fixture
def coordinator(app, session, make_org) -> Browser:
    org, key = make_org(OrganisationKind.coordinator)
    return sign_in(app, session, org, key)


def _api(app, browser: Browser) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {browser.api_key}"})


def _form_of(html: str) -> dict[str, str | list[str]]:
    """What the policy form would post as it stands: every text input, the checked radios and checkboxes."""
    form: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or 'type="file"' in tag:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) in ("radio", "checkbox") and " checked" not in tag:
            continue
        if name.group(1) == "gemeente":
            form.setdefault("gemeente", []).append(value.group(1) if value else "")  # type: ignore[union-attr]
        else:
            form[name.group(1)] = value.group(1) if value else ""
    return form


def test_every_policy_field_is_on_the_form_with_help_and_its_current_value(coordinator, app):
    assert set(policy_fields.FIELDS) == set(Policy.model_fields), "a policy field is missing from the form"
    page = coordinator.get(f"/regio/{HOME_REGION}")
    assert page.status_code == 200
    form = _form_of(page.text)
    stored = _api(app, coordinator).get(f"/v1/regions/{HOME_REGION}").json()
    for name, field in policy_fields.FIELDS.items():
        assert name in form, name
        assert f'id="{name}-uitleg"' in page.text
        expected = policy_fields.form_text(field, stored["policy"][name], "nl")
        assert form[name] == expected, name
    assert sorted(form["gemeente"]) == sorted(HOME_MUNICIPALITIES)


def test_saving_one_changed_field_makes_a_version_with_exactly_that_difference(coordinator, app):
    api = _api(app, coordinator)
    before = api.get(f"/v1/regions/{HOME_REGION}").json()
    form = _form_of(coordinator.get(f"/regio/{HOME_REGION}").text)
    form["offer_deadline_days"] = "9"
    saved = coordinator.post(f"/regio/{HOME_REGION}", form)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/regio/{HOME_REGION}/versies?gedaan=nieuwe-versie"
    after = api.get(f"/v1/regions/{HOME_REGION}").json()
    assert after["policy_version"] == before["policy_version"] + 1
    assert after["policy"] == {**before["policy"], "offer_deadline_days": 9}
    assert after["municipality_codes"] == before["municipality_codes"] and after["name"] == before["name"]
    versions = coordinator.get(saved.headers["location"])
    assert "Opgeslagen. Het beleid is nu versie" in versions.text
    newest = versions.text.split(f'id="versie-{after["policy_version"]}-blok"')[1].split("</section>")[0]
    assert re.findall(r'<th class="utrecht-table__cell" scope="row">([^<]+)</th>', newest) == [
        "Termijn voor de cliënt"]
    assert "7 dagen" in newest and "9 dagen" in newest


def test_saving_the_form_unchanged_keeps_the_version(coordinator, app):
    form = _form_of(coordinator.get(f"/regio/{HOME_REGION}").text)
    saved = coordinator.post(f"/regio/{HOME_REGION}", form)
    assert saved.headers["location"].endswith("gedaan=opgeslagen")
    assert _api(app, coordinator).get(f"/v1/regions/{HOME_REGION}").json()["policy_version"] == 1


def test_a_municipality_is_dropped_by_unticking_and_added_from_the_list(coordinator, app):
    form = _form_of(coordinator.get(f"/regio/{HOME_REGION}").text)
    form["gemeente"] = [c for c in form["gemeente"] if c != "GM0355"]
    form["gemeente-erbij"] = "GM0505"
    assert coordinator.post(f"/regio/{HOME_REGION}", form).status_code == 303
    region = _api(app, coordinator).get(f"/v1/regions/{HOME_REGION}").json()
    assert region["municipality_codes"] == sorted(["GM0344", "GM0356", "GM0505"])
    assert region["policy_version"] == 1


def test_bad_values_are_refused_per_field_in_dutch_and_nothing_typed_is_lost(coordinator, app):
    form = _form_of(coordinator.get(f"/regio/{HOME_REGION}").text)
    form.update({"weight_urgency": "-5", "min_tie_years": "twaalf", "oversize_threshold_m2": "42,5",
                 "naam": "", "gemeente": []})
    refused = coordinator.post(f"/regio/{HOME_REGION}", form)
    assert refused.status_code == 422
    summary = refused.text.split('id="foutmeldingen"')[1].split("</div>")[0]
    assert 'href="#weight_urgency">Punten voor urgentie: Dit moet 0 of meer zijn.</a>' in summary
    assert 'href="#min_tie_years">Regiobinding: minimaal aantal jaren: Vul een getal in.</a>' in summary
    assert 'href="#naam">Naam van de regio: Vul een naam in.</a>' in summary
    assert 'href="#gemeente-erbij">Gemeenten van de regio: Kies minstens één gemeente.</a>' in summary
    assert '<p class="utrecht-form-field-error-message" id="weight_urgency-fout">Dit moet 0 of meer zijn.</p>' in (
        refused.text)
    typed = _form_of(refused.text)
    assert (typed["weight_urgency"], typed["min_tie_years"], typed["oversize_threshold_m2"]) == ("-5", "twaalf",
                                                                                                "42,5")
    assert _api(app, coordinator).get(f"/v1/regions/{HOME_REGION}").json()["policy_version"] == 1


def test_a_field_missing_from_the_form_is_an_error_never_a_default(coordinator, app):
    form = _form_of(coordinator.get(f"/regio/{HOME_REGION}").text)
    del form["exemption_contingent"], form["monitor_open"]
    refused = coordinator.post(f"/regio/{HOME_REGION}", form)
    assert refused.status_code == 422
    assert 'href="#exemption_contingent">Vrijstellingen per kalenderjaar: Vul dit in.</a>' in refused.text
    assert 'href="#monitor_open-true">Corporaties zien elkaars cijfers in de monitor: Kies een van de' in refused.text


def test_decimals_are_read_with_a_comma_and_the_empty_cap_means_no_cap(coordinator, app):
    form = _form_of(coordinator.get(f"/regio/{HOME_REGION}").text)
    form.update({"min_tie_years": "2,5", "max_high_support_per_neighbourhood": "", "monitor_open": "true",
                 "on_offer_expiry": "surface"})
    assert coordinator.post(f"/regio/{HOME_REGION}", form).status_code == 303
    policy = _api(app, coordinator).get(f"/v1/regions/{HOME_REGION}").json()["policy"]
    assert (policy["min_tie_years"], policy["max_high_support_per_neighbourhood"]) == (2.5, None)
    assert (policy["monitor_open"], policy["on_offer_expiry"]) == (True, "surface")
    assert 'value="2,5"' in coordinator.get(f"/regio/{HOME_REGION}").text


def test_a_form_read_before_someone_elses_change_says_so_and_shows_both(coordinator, app):
    stale = _form_of(coordinator.get(f"/regio/{HOME_REGION}").text)
    first = dict(stale, weight_urgency="500")
    assert coordinator.post(f"/regio/{HOME_REGION}", first).status_code == 303
    second = dict(stale, offer_deadline_days="12")
    refused = coordinator.post(f"/regio/{HOME_REGION}", second)
    assert refused.status_code == 409
    assert "Iemand anders heeft deze regio intussen gewijzigd" in refused.text
    assert 'id="weight_urgency-nu"' in refused.text and "Nu opgeslagen: 500 punten" in refused.text
    again = _form_of(refused.text)
    assert again["offer_deadline_days"] == "12" and again["weight_urgency"] == "365"  # as typed
    assert again["gelezen_op"] != stale["gelezen_op"]
    policy = _api(app, coordinator).get(f"/v1/regions/{HOME_REGION}").json()["policy"]
    assert (policy["weight_urgency"], policy["offer_deadline_days"]) == (500, 7)
    assert coordinator.post(f"/regio/{HOME_REGION}", again).status_code == 303  # now knowingly


def test_the_overview_lists_the_regions_with_their_municipalities_by_name(coordinator):
    page = coordinator.get("/regio")
    assert page.status_code == 200
    assert "Utrecht" in page.text and "Nieuwegein" in page.text and f'href="/regio/{HOME_REGION}"' in page.text
    assert "Beperkt tot:" in page.text


def test_another_regions_policy_and_versions_answer_404(coordinator, client_for):
    other = client_for(OrganisationKind.coordinator, home=False)
    assert other.put("/v1/regions/ELDERS", json={"name": "Elders", "municipality_codes": ["GM0014"],
                                                  "policy": {}}).status_code == 200
    for path in ("/regio/ELDERS", "/regio/ELDERS/versies"):
        assert coordinator.get(path).status_code == 404
    assert coordinator.post("/regio/ELDERS", {"naam": "x"}).status_code == 404


def test_people_of_other_kinds_do_not_find_the_screen(app, session, make_org):
    org, key = make_org(OrganisationKind.corporation)
    corporation = sign_in(app, session, org, key)
    for path in ("/regio", f"/regio/{HOME_REGION}", "/regio/import/plaatsen", "/regio/import/kwetsbaarheid"):
        assert corporation.get(path).status_code == 404, path


def test_a_vulnerability_upload_reports_each_bad_line_in_dutch(coordinator, session):
    csv_text = "code,score\nBU03440302,72\nBU03440101,hoog\nBU05050101,10\n"
    answer = coordinator.post("/regio/import/kwetsbaarheid",
                              files={"bestand": ("scores.csv", csv_text.encode(), "text/csv")})
    assert answer.status_code == 200
    assert "1 score opgeslagen" in answer.text and "2 regels overgeslagen" in answer.text
    rows = re.findall(r'scope="row">regel (\d+)</th>\s*<td class="utrecht-table__cell">([^<]+)</td>', answer.text)
    assert rows == [("3", "De score ‘hoog’ is geen heel getal van 0 tot en met 100."),
                    ("4", "Buurt BU05050101 ligt niet in een van uw regio's.")]


def test_an_upload_without_a_file_or_without_its_token_is_refused(coordinator):
    assert coordinator.post("/regio/import/kwetsbaarheid",
                            files={"bestand": ("", b"", "text/csv")}).status_code == 422
    refused = coordinator.client.post("/regio/import/kwetsbaarheid", headers={"accept": "text/html"},
                                      files={"bestand": ("s.csv", b"BU03440302,1\n", "text/csv")})
    assert refused.status_code == 403


def test_a_places_import_reports_what_it_imported_and_what_it_skipped(coordinator):
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.3, 53.6]},
         "properties": {"shop": "alcohol", "name": "Slijterij op zee"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.31, 53.61]},
         "properties": {"amenity": "pub"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.0, 48.0]},
         "properties": {"amenity": "bar"}},
    ]}
    answer = coordinator.post("/regio/import/plaatsen", {"bron": "test-zee"},
                              files={"bestand": ("zee.geojson", json.dumps(document).encode(), "application/json")})
    assert answer.status_code == 200, answer.text
    assert "2 plaatsen geïmporteerd" in answer.text and "1 overgeslagen" in answer.text
    assert "Het punt (48.0, 2.0) ligt buiten Nederland." in answer.text
    assert re.search(r"Slijterijen</th>\s*<td[^>]*>1</td>", answer.text)


def test_a_places_file_that_is_no_geojson_is_refused_with_why(coordinator):
    answer = coordinator.post("/regio/import/plaatsen", {"bron": "kapot"},
                              files={"bestand": ("x.json", b'{"type": "Feature"}', "application/json")})
    assert answer.status_code == 422
    assert "Het bestand is geen GeoJSON FeatureCollection." in answer.text
    bad_name = coordinator.post("/regio/import/plaatsen", {"bron": "met spaties"},
                                files={"bestand": ("x.json", b"not json", "application/json")})
    assert bad_name.status_code == 422 and 'href="#bron"' in bad_name.text and 'href="#bestand"' in bad_name.text


@pytest.mark.parametrize("feature", [
    "no feature", {"type": "Feature", "geometry": {"type": "LineString"}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["a", "b"]}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 40]}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}, "properties": []},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}, "properties": {"category": "zoo"}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}, "properties": {"shop": "bakery"}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]},
     "properties": {"shop": "alcohol", "name": "a\x00b"}},
])
def test_every_reason_a_feature_is_skipped_has_dutch_words(feature):
    reason = parse_feature(feature)
    assert isinstance(reason, str)
    words, translated = uploads.in_words(reason, lambda m, **v: m % v if v else m)
    assert translated, reason


@pytest.mark.parametrize("line", ["BU03440302", "XX123,4", "BU03440302,101", "BU99990101,5", "BU05050101,5",
                                  "a" * 201 + ",1"])
def test_every_reason_a_line_is_skipped_has_dutch_words(coordinator, session, line):
    from service.regions import service as regions_service
    _stored, rejected = regions_service.upload_vulnerability(session=session, org=coordinator.organisation,
                                                             text=line + "\n")
    assert rejected
    assert uploads.in_words(str(rejected[0]["reason"]), lambda m, **v: m % v if v else m)[1], rejected[0]


def test_the_english_screen_has_its_words(coordinator):
    english = translations("en")
    for field in policy_fields.FIELDS.values():
        assert english.gettext(field.label) != field.label
        assert english.gettext(field.help) != field.help
