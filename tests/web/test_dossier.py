"""The cliëntdossier without a browser: an audited read like the API's, 404 for another region's client, the
eligibility in plain Dutch, exemptions against the contingent, waiting-since, a region move, and stale edits."""

import re
import uuid
from datetime import timedelta

from sqlmodel import select

from service.exemptions.models import Exemption
from tests.service.stuck.scenario import ALMERE_ONLY, TODAY, offer, register, setup, single
from tests.web.coordinator_session import reads_of, signed_in, text_of

UNTIL = (TODAY + timedelta(days=90)).isoformat()


def _stuck_mother(app, session, client_for, **policy):  # type: ignore[no-untyped-def]
    coordinator, corporation, care = setup(client_for, **policy)
    mother = register(care, coordinator, single(client_ref="ALMERE-1", regional_ties=ALMERE_ONLY,
                                                notes="Netwerk in Amsterdam"), 700)
    offer(corporation)
    return signed_in(app, session, coordinator.org), coordinator, mother


def _version(html: str, action: str) -> str:
    form = html[html.index(f'action="{action}"'):]
    return re.search(r'name="versie" value="(\d+)"', form).group(1)


def _grant(page, mother, html, **overrides):  # type: ignore[no-untyped-def]
    form = {"versie": _version(html, f"/dossier/{mother}/ontheffing"), "soort": "custom_case",
            "regels": ["REGIONAL_TIES"], "reden": "Netwerk in Amsterdam, twee jaar woonrijp", "geldig_tot": UNTIL,
            **overrides}
    return page.form(f"/dossier/{mother}/ontheffing", form)


def test_opening_the_dossier_is_one_audited_read_as_the_api_and_shows_the_whole_registration(app, session,
                                                                                               client_for):
    page, coordinator, mother = _stuck_mother(app, session, client_for)
    before = len(reads_of(session, mother))

    answer = page.page(f"/dossier/{mother}")

    assert answer.status_code == 200, answer.text
    html = answer.text
    reads = reads_of(session, mother)
    assert len(reads) == before + 1 and reads[-1].person_id == page.person_id
    assert coordinator.get(f"/v1/registrations/{mother}").status_code == 200
    assert len(reads_of(session, mother)) == before + 2  # the API's read counts the same way
    assert text_of(html, "samenvatting") == "0 woningen passen; 1 zonder regiobinding"
    assert "Cliëntdossier ALMERE-1" in html and "Wacht op een woning" in html
    assert text_of(html, "wacht-sinds-nu").endswith("(700 dagen)")
    assert "Almere: 5 jaar gewoond, 0 jaar gewerkt of gestudeerd" in text_of(html, "regiobinding")
    assert text_of(html, "inkomen") == "€ 21.400,00" and "Netwerk in Amsterdam" in html
    assert "Coördinator Test" in html  # who read it: the person herself, just now
    assert page.page(f"/dossier/{mother}?pagina=2").status_code == 200  # the older reads, a page further
    page.cookies.set("doorstroom_lang", "en")
    english = page.page(f"/dossier/{mother}").text
    assert "Client file ALMERE-1" in english
    assert text_of(english, "samenvatting") == "0 dwellings fit; 1 without regional ties"


def test_another_regions_client_and_an_unknown_id_answer_404(app, session, client_for, make_org):
    _page, _coordinator, mother = _stuck_mother(app, session, client_for)
    elsewhere, _key = make_org("coordinator", home=False)
    other = signed_in(app, session, elsewhere)
    before = len(reads_of(session, mother))

    refused = other.page(f"/dossier/{mother}")

    assert refused.status_code == 404 and "Niet gevonden" in refused.text and "ALMERE-1" not in refused.text
    assert len(reads_of(session, mother)) == before
    assert other.page("/dossier/00000000-0000-0000-0000-000000000000").status_code == 404
    provider, _key = make_org("care_provider")
    assert signed_in(app, session, provider).page(f"/dossier/{mother}").status_code == 404


def test_granting_an_exemption_takes_one_from_the_contingent_and_lifts_the_rule(app, session, client_for):
    page, _coordinator, mother = _stuck_mother(app, session, client_for, exemption_contingent=3)
    html = page.page(f"/dossier/{mother}").text
    assert text_of(html, "contingent").startswith("Contingent") and "nog 3 van 3 over" in text_of(html, "contingent")

    granted = _grant(page, mother, html)

    assert granted.status_code == 303
    assert granted.headers["location"] == f"/dossier/{mother}?gedaan=ontheffing-verleend#ontheffingen"
    after = page.page(granted.headers["location"]).text
    assert "De ontheffing is verleend." in after and "nog 2 van 3 over" in text_of(after, "contingent")
    assert text_of(after, "samenvatting") == "1 woning past"
    assert "opgeheven door een ontheffing" in after and "Ontheffing verleend (Maatwerk)" in after


def test_a_grant_without_reason_or_rule_is_refused_beside_each_field_and_keeps_what_was_typed(app, session,
                                                                                              client_for):
    page, _coordinator, mother = _stuck_mother(app, session, client_for)
    html = page.page(f"/dossier/{mother}").text

    refused = _grant(page, mother, html, reden="", geldig_tot="2027-13-45")

    assert refused.status_code == 422
    summary = text_of(refused.text, "foutmeldingen")
    assert "Geef een reden" in summary and "Vul een geldige datum in" in summary
    for field in ("reden", "geldig_tot"):
        assert f'href="#{field}"' in refused.text and f'id="{field}-fout"' in refused.text
    assert 'value="2027-13-45"' in refused.text  # nothing typed is lost
    assert re.search(r'value="REGIONAL_TIES"\s+id="regels-REGIONAL_TIES" checked', refused.text)
    no_rule = _grant(page, mother, html, regels=[])
    assert no_rule.status_code == 422 and "alleen een urgentie mag er geen opheffen" in no_rule.text
    assert 'href="#regels"' in no_rule.text and 'id="regels-fout"' in no_rule.text
    assert session.exec(select(Exemption).where(Exemption.registration_id == uuid.UUID(mother))).all() == []


def test_a_used_up_contingent_and_a_stale_version_say_so_and_grant_nothing(app, session, client_for):
    page, _coordinator, mother = _stuck_mother(app, session, client_for, exemption_contingent=0)
    html = page.page(f"/dossier/{mother}").text

    used_up = _grant(page, mother, html)

    assert used_up.status_code == 409 and "Het contingent van deze regio voor dit jaar is op." in used_up.text
    assert 'Netwerk in Amsterdam, twee jaar woonrijp</textarea>' in used_up.text
    stale = _grant(page, mother, html, versie="1", reden="Een andere reden")
    assert stale.status_code == 409 and "Dit dossier is gewijzigd sinds u het opende" in stale.text
    assert "Een andere reden</textarea>" in stale.text
    assert _version(stale.text, f"/dossier/{mother}/ontheffing") != "1"  # the form now carries the new version
    assert session.exec(select(Exemption).where(Exemption.registration_id == uuid.UUID(mother))).all() == []


def test_revoking_needs_a_reason_gives_the_place_back_and_cannot_happen_twice(app, session, client_for):
    page, _coordinator, mother = _stuck_mother(app, session, client_for, exemption_contingent=3)
    _grant(page, mother, page.page(f"/dossier/{mother}").text)
    exemption = session.exec(select(Exemption).where(Exemption.registration_id == uuid.UUID(mother))).one()
    url = f"/dossier/{mother}/ontheffing/{exemption.id}/intrekken"

    missing = page.form(url, {"reden": " "})
    assert missing.status_code == 422 and f'href="#intrek_reden-{exemption.id}"' in missing.text
    revoked = page.form(url, {"reden": "Woont toch bij familie"})
    assert revoked.status_code == 303
    after = page.page(revoked.headers["location"]).text
    assert "nog 3 van 3 over" in text_of(after, "contingent") and "ingetrokken" in after
    assert text_of(after, "samenvatting") == "0 woningen passen; 1 zonder regiobinding"
    again = page.form(url, {"reden": "nog eens"})
    assert again.status_code == 409 and "Deze ontheffing was al ingetrokken." in again.text


def test_waiting_since_moves_earlier_with_a_reason_and_a_stale_or_later_date_is_refused(app, session, client_for):
    page, _coordinator, mother = _stuck_mother(app, session, client_for)
    html = page.page(f"/dossier/{mother}").text
    version = _version(html, f"/dossier/{mother}/wachttijd")
    earlier = (TODAY - timedelta(days=1000)).isoformat()

    later = page.form(f"/dossier/{mother}/wachttijd", {"versie": version, "wacht_sinds": (
        TODAY + timedelta(days=3)).isoformat(), "wacht_reden": "Overgenomen wachtlijst"})
    assert later.status_code == 422 and 'href="#wacht_sinds"' in later.text
    assert 'value="Overgenomen wachtlijst"' in later.text
    changed = page.form(f"/dossier/{mother}/wachttijd", {"versie": version, "wacht_sinds": earlier,
                                                           "wacht_reden": "Overgenomen wachtlijst"})
    assert changed.status_code == 303
    after = page.page(changed.headers["location"]).text
    assert text_of(after, "wacht-sinds-nu").endswith("(1000 dagen)")
    assert "Eerder ingesteld door de coördinator: Overgenomen wachtlijst" in after
    assert "Wachttijd telt voortaan vanaf" in after
    stale = page.form(f"/dossier/{mother}/wachttijd", {"versie": version, "wacht_sinds": TODAY.isoformat(),
                                                         "wacht_reden": "Toch later"})
    assert stale.status_code == 409 and "Dit dossier is gewijzigd sinds u het opende" in stale.text
    assert text_of(stale.text, "wacht-sinds-nu").endswith("(1000 dagen)")  # the stale edit changed nothing


def test_a_move_to_another_region_of_the_coordinator_puts_her_on_that_list(app, session, client_for):
    page, coordinator, mother = _stuck_mother(app, session, client_for)
    assert "Uw organisatie voert geen andere regio" in page.page(f"/dossier/{mother}").text
    assert coordinator.put("/v1/regions/DRE", json={"name": "Drechtsteden", "municipality_codes": ["GM0505"],
                                                    "policy": {}}).status_code == 200
    html = page.page(f"/dossier/{mother}").text
    form = {"versie": _version(html, f"/dossier/{mother}/regio"), "regio": "DRE"}

    assert page.form(f"/dossier/{mother}/regio", {**form, "verhuis_reden": ""}).status_code == 422
    moved = page.form(f"/dossier/{mother}/regio", {**form, "verhuis_reden": "Verhuist naar familie"})

    assert moved.status_code == 303
    after = page.page(moved.headers["location"]).text
    assert text_of(after, "regio-nu") == "DRE (Drechtsteden)"
    assert "Van de lijst van regio U16 naar die van regio DRE" in after
    assert coordinator.get(f"/v1/registrations/{mother}").json()["region"] == "DRE"
