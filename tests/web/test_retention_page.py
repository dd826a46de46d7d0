"""Bewaartermijnen: a coordinator sets the region's own retention periods on a form (as the API's PUT), an empty
field follows the setting, a bad value is refused naming the field with nothing saved, and others get 404."""

import pytest
from fastapi.testclient import TestClient

from service.organisations.models import OrganisationKind
from tests.web.signed_in import Browser, sign_in
from tests.world import HOME_REGION

PAGE = f"/regio/{HOME_REGION}/bewaartermijnen"


@pytest.fixture
def coordinator(app, session, make_org) -> Browser:
    org, key = make_org(OrganisationKind.coordinator)
    return sign_in(app, session, org, key)


def _retention(app, browser: Browser) -> dict:
    api = TestClient(app, headers={"Authorization": f"Bearer {browser.api_key}"})
    return api.get(f"/v1/regions/{HOME_REGION}/retention").json()


def test_the_form_saves_the_regions_own_periods_and_an_empty_field_follows_the_setting(coordinator, app):
    html = coordinator.get(f"/regio/{HOME_REGION}").text
    assert f'href="{PAGE}"' in html
    form = coordinator.get(PAGE).text
    assert "Nu geldt: 730 dagen." in form and "Nu geldt: 365 dagen." in form and "Nu geldt: 2555 dagen." in form
    saved = coordinator.post(PAGE, {"personal_days": "400", "run_inputs_days": "", "audit_days": "3000"})
    assert saved.status_code == 303, saved.text
    assert _retention(app, coordinator) == {
        "region_code": HOME_REGION, "personal_days": 400, "run_inputs_days": None, "audit_days": 3000,
        "effective_personal_days": 400, "effective_run_inputs_days": 365, "effective_audit_days": 3000}
    again = coordinator.get(saved.headers["location"]).text
    assert "De bewaartermijnen zijn opgeslagen." in again and 'value="400"' in again


def test_bad_periods_are_refused_per_field_and_nothing_is_saved(coordinator, app):
    refused = coordinator.post(PAGE, {"personal_days": "twee jaar", "run_inputs_days": "0", "audit_days": "7"})
    assert refused.status_code == 422
    html = refused.text
    assert 'id="personal_days-fout">Vul een heel getal in.' in html
    assert 'id="run_inputs_days-fout">Dit moet 1 of meer zijn.' in html
    assert 'id="audit_days-fout">Dit moet 30 of meer zijn.' in html
    assert 'value="twee jaar"' in html
    assert _retention(app, coordinator)["personal_days"] is None


def test_another_office_and_other_kinds_get_404(app, session, make_org):
    org, key = make_org(OrganisationKind.coordinator, home=False)
    assert sign_in(app, session, org, key).get(PAGE).status_code == 404
    care, care_key = make_org(OrganisationKind.care_provider)
    assert sign_in(app, session, care, care_key).get(PAGE).status_code == 404
