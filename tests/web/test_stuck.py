"""Vastgelopen without a browser: the stuck cases with the rule that blocks each alone, the filter by rule with its
counts, the CSV, and the reads it discloses in the audit log (as `GET /v1/stuck`)."""

from tests.service.stuck.scenario import ALMERE_ONLY, offer, register, setup, single, ties
from tests.web.coordinator_session import reads_of, signed_in, text_of


def _office(app, session, client_for):  # type: ignore[no-untyped-def]
    coordinator, corporation, care = setup(client_for)
    mother = register(care, coordinator, single(client_ref="ALMERE-1", regional_ties=ALMERE_ONLY), 700)
    flip = register(care, coordinator, single(client_ref="FLIP-1", contract="flip_required", regional_ties=ties(5)),
                    300)
    housed = register(care, coordinator, single(client_ref="PAST-1", regional_ties=ties(5)), 10)
    offer(corporation, contract_types=["regular"])
    return signed_in(app, session, coordinator.org), mother, flip, housed


def test_the_stuck_cases_come_longest_wait_first_with_the_rule_that_blocks_each_alone(app, session, client_for):
    page, mother, flip, housed = _office(app, session, client_for)

    answer = page.page("/vastgelopen")

    assert answer.status_code == 200, answer.text
    html = answer.text
    assert html.index("ALMERE-1") < html.index("FLIP-1") and "PAST-1" not in html
    assert f'href="/dossier/{mother}"' in html and f'href="/dossier/{flip}"' in html
    assert "1 woning past zonder deze regel" in html
    assert text_of(html, "beperkt-tot") == "Beperkt tot: alle vastgelopen cliënten · 2 cliënten"
    # Showing a case discloses it, as the API's list does: one audited read each, naming the person.
    [read] = reads_of(session, mother)
    assert read.person_id == page.person_id and read.api_key_id is None
    assert reads_of(session, housed) == []


def test_the_list_is_filtered_by_the_rule_with_a_count_per_rule_and_downloads_as_csv(app, session, client_for):
    page, mother, flip, _housed = _office(app, session, client_for)

    ties_only = page.page("/vastgelopen?regel=REGIONAL_TIES").text

    assert "ALMERE-1" in ties_only and "FLIP-1" not in ties_only
    assert text_of(ties_only, "beperkt-tot") == "Beperkt tot: geblokkeerd door Regiobinding · 1 cliënt van 2"
    assert 'href="/vastgelopen?regel=CONTRACT"' in ties_only and 'aria-current="page">Regiobinding' in ties_only
    assert "Toegankelijkheid" not in ties_only  # a rule that blocks nobody is no tab
    assert "FLIP-1" in page.page("/vastgelopen?regel=CONTRACT").text
    assert page.page("/vastgelopen?regel=onzin").text.count("/dossier/") == 2  # an unknown rule: all of them

    download = page.get("/vastgelopen?regel=CONTRACT&formaat=csv")

    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    header, row = download.content.decode("utf-8-sig").splitlines()
    assert header.startswith("Referentie;Zorgaanbieder;Regio;Wacht sinds;Wachtdagen")
    assert row.startswith("FLIP-1;") and ";Contractvorm: 1;" in row


def test_the_list_is_for_coordinators_only_and_in_english_on_request(app, session, client_for, make_org):
    page, *_ = _office(app, session, client_for)
    provider, _key = make_org("care_provider")
    assert signed_in(app, session, provider).page("/vastgelopen").status_code == 404
    page.cookies.set("doorstroom_lang", "en")
    english = page.page("/vastgelopen").text
    assert ">Stuck</h1>" in english and "1 dwelling fits without this rule" in english
