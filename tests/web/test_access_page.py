"""The access page (inzage): the client's care provider and the region's coordinators see everything held about the
client on one printable Dutch page, linked from the dossier and the client's page; making it is audited, and
anyone else gets 404."""

import uuid

from sqlmodel import select

from service.audit.models import AuditRecord
from tests.service.stuck.scenario import ALMERE_ONLY, offer, register, setup, single
from tests.web.coordinator_session import signed_in, text_of


def _exports(session, registration_id):  # type: ignore[no-untyped-def]
    return session.exec(select(AuditRecord).where(AuditRecord.action == "access_export",
                                                  AuditRecord.entity_id == uuid.UUID(registration_id))).all()


def test_the_coordinator_and_the_care_provider_print_everything_held_about_the_client(app, session, client_for):
    coordinator, corporation, care = setup(client_for)
    mother = register(care, coordinator, single(client_ref="ALMERE-1", regional_ties=ALMERE_ONLY,
                                                notes="Netwerk in Amsterdam"), 700)
    offer(corporation)
    office = signed_in(app, session, coordinator.org)
    provider = signed_in(app, session, care.org, name="Zorg Test")

    dossier = office.page(f"/dossier/{mother}").text
    assert f'href="/inzage/{mother}"' in dossier
    assert f'href="/inzage/{mother}"' in provider.page(f"/clienten/{mother}").text

    answer = office.page(f"/inzage/{mother}")
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "Inzage in de gegevens van cliënt ALMERE-1" in html and "Netwerk in Amsterdam" in html
    assert "Almere: 5 jaar gewoond, 0 jaar gewerkt of gestudeerd" in text_of(html, "regiobinding")
    assert text_of(html, "inkomen") == "€ 21.400,00"
    lezers = text_of(html, "inzage-lezers")
    assert "gegevens bekeken" in lezers and "Coördinator Test" in lezers
    assert "Aangemeld door de zorgaanbieder" in text_of(html, "inzage-stappen")
    assert [r.organisation_id for r in _exports(session, mother)] == [coordinator.org.id]

    by_provider = provider.page(f"/inzage/{mother}").text
    assert "inzage opgesteld" in text_of(by_provider, "inzage-lezers")  # the office's export, now listed
    assert len(_exports(session, mother)) == 2
    provider.cookies.set("doorstroom_lang", "en")
    assert "The data held about client ALMERE-1" in provider.page(f"/inzage/{mother}").text


def test_others_get_404_and_nothing_is_exported(app, session, client_for, make_org):
    coordinator, corporation, care = setup(client_for)
    mother = register(care, coordinator, single(client_ref="ALMERE-2", regional_ties=ALMERE_ONLY), 10)
    elsewhere, _key = make_org("coordinator", home=False)
    other_care, _key = make_org("care_provider")
    for org in (elsewhere, other_care, corporation.org):
        assert signed_in(app, session, org).page(f"/inzage/{mother}").status_code == 404
    assert signed_in(app, session, coordinator.org).page("/inzage/niet-een-id").status_code == 400  # as every page
    assert _exports(session, mother) == []
