"""The voordracht page without a browser: what it shows, that every registration it shows is an audited read (as
the API's reads of the same data), the next eligible registrations from the matcher, replacing and publishing through
the API's services, the read-only states, and 404 for another region's dwelling."""

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.audit.models import AuditRecord
from service.auth import SESSION_COOKIE
from service.dwellings.models import Dwelling
from service.organisations.models import OrganisationKind
from service.people import service as people_service
from service.people import sessions
from service.people.models import PersonRole
from service.shortlists import alternatives
from tests import factories
from tests.service.workflow.flow import World

HTML = {"accept": "text/html"}
PASSWORD = "a long enough password 1"


class Browser:
    """A signed-in person of an organisation, asking for pages as a browser does (cookie and CSRF token)."""

    def __init__(self, app: Any, session: Session, org: Any) -> None:
        person, _link = people_service.create_person(session=session, organisation=org, name="Coördinator",
                                                     email=f"c-{uuid.uuid4().hex[:8]}@x.nl", role=PersonRole.admin)
        people_service.set_password_directly(session=session, person=person, password=PASSWORD)
        person.totp_secret, person.totp_enabled_at = "JBSWY3DPEHPK3PXP", clock.now()  # enrolled: signed in fully
        session.add(person)
        signed = sessions.sign_in(session=session, email=person.email, password=PASSWORD, address="127.0.0.1",
                                  user_agent="test", enforce_two_factor=True)
        signed = sessions.complete_second_factor(session=session, signed=signed, how="totp")
        session.commit()
        self.person_id, self.csrf = person.id, signed.csrf_token
        self.client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        self.client.cookies.set(SESSION_COOKIE, signed.token)

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=HTML)

    def post(self, path: str, **form: str) -> Any:
        return self.client.post(path, data={"csrf_token": self.csrf, **form}, headers=HTML)


@pytest.fixture
def world(client_for) -> World:  # type: ignore[no-untyped-def]
    return World(client_for("coordinator"), client_for("corporation", name="Woonstede"),
                 client_for("care_provider", name="Zorg Utrecht"))


@pytest.fixture
def office(app, session, world) -> Browser:  # type: ignore[no-untyped-def]
    return Browser(app, session, world.coordinator.org)


def reads_of(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    """The registrations the person's reads name, in the order they were written."""
    return list(session.exec(select(AuditRecord.entity_id).where(
        AuditRecord.person_id == person_id, AuditRecord.action == "read",
        AuditRecord.entity_type == "registration").order_by(col(AuditRecord.at), col(AuditRecord.id))))


def shortlisted(world: World, registrations: int = 5, **offer: Any) -> tuple[str, list[str], list[str]]:
    """A dwelling with an instant shortlist of three among `registrations` new clients; (dwelling, ranked, others)."""
    registered = [world.register() for _ in range(registrations)]
    dwelling_id = world.offer(**offer)
    ranked = world.ranked(dwelling_id)
    return dwelling_id, ranked, [r for r in registered if r not in ranked]


def test_the_voordracht_shows_the_dwelling_and_its_three_candidates_and_audits_each_read(world, office, session):
    dwelling_id, ranked, _others = shortlisted(world)
    page = office.get(f"/voordracht/{dwelling_id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Kanaalstraat 112B" in html and "€\xa0598,40" in html and "€\xa042,00" in html
    assert "Appartement" in html and "Omklapcontract" in html and "Woonstede" in html
    assert html.count('class="ds-card ds-candidate"') == 3
    for rank, rid in enumerate(ranked, start=1):
        assert f"Kandidaat {rank}" in html and rid[:8] in html
        assert f"/voordracht/{dwelling_id}/vervangen?kandidaat={rid}" in html
    assert "Zorg Utrecht" in html and "Wachttijd" in html and "Publiceren naar de corporatie" in html
    assert "5 aanmeldingen voldeden aan elke harde regel." in html
    # The shortlist read (one per candidate) and the timeline's (one per registration it names), as the API's.
    read = reads_of(session, office.person_id)
    assert sorted(set(read)) == sorted(uuid.UUID(r) for r in ranked)
    assert read[:3] == [uuid.UUID(r) for r in ranked]


def test_the_excluded_counts_are_plain_dutch_sentences(world, office):
    world.register()
    world.register(regional_ties=[])  # fewer than the region's two years of ties
    world.register(accessibility={"wheelchair": True, "no_stairs": False})
    dwelling_id = world.offer()
    html = office.get(f"/voordracht/{dwelling_id}").text
    assert re.search(r"\b1 aanmelding zonder regiobinding", html)
    assert re.search(r"\b1 die een toegankelijkere woning nodig heeft", html)
    assert "1 aanmelding voldeed aan elke harde regel." in html


def test_the_replace_form_offers_the_next_eligible_registrations_from_the_matcher(world, office, session):
    dwelling_id, ranked, others = shortlisted(world, registrations=5)
    unfit = world.register(accessibility={"wheelchair": True, "no_stairs": False})
    dwelling = session.get(Dwelling, uuid.UUID(dwelling_id))
    found = [str(a.registration_id) for a in alternatives.next_eligible(session=session, dwelling=dwelling)]
    assert found == others  # free and eligible, best first; the candidates and the wheelchair user are not there
    assert unfit not in found
    before = len(reads_of(session, office.person_id))
    page = office.get(f"/voordracht/{dwelling_id}/vervangen?kandidaat={ranked[1]}")
    assert page.status_code == 200, page.text
    assert "Kandidaat 2 vervangen" in page.text
    for rid in others:
        assert f'value="{rid}"' in page.text
    # The candidate and each registration offered are reads, audited.
    assert sorted(reads_of(session, office.person_id)[before:]) == sorted(uuid.UUID(r) for r in [ranked[1], *others])


def test_replacing_through_the_page_is_the_apis_replace_and_shows_in_the_timeline(world, office):
    dwelling_id, ranked, others = shortlisted(world, registrations=4)
    refused = office.post(f"/voordracht/{dwelling_id}/vervangen", kandidaat=ranked[0], vervanger=others[0], reden="")
    assert refused.status_code == 422
    assert 'id="foutmeldingen"' in refused.text and 'href="#reden"' in refused.text
    assert f'value="{others[0]}" aria-describedby="optie-{others[0]}" checked' in refused.text  # nothing lost
    assert world.ranked(dwelling_id) == ranked
    done = office.post(f"/voordracht/{dwelling_id}/vervangen", kandidaat=ranked[0], vervanger=others[0],
                       reden="dichter bij de school")
    assert done.status_code == 303 and done.headers["location"] == f"/voordracht/{dwelling_id}?gedaan=vervangen"
    assert world.candidates(dwelling_id)[others[0]] == "proposed"
    assert world.candidates(dwelling_id)[ranked[0]] == "replaced"
    page = office.get(done.headers["location"]).text
    assert "De kandidaat is vervangen." in page
    assert f"Aanmelding {ranked[0][:8]} vervangen door aanmelding {others[0][:8]}" in page
    assert "Reden: dichter bij de school" in page
    api = world.coordinator.get(f"/v1/dwellings/{dwelling_id}/timeline").json()
    step = next(e for e in api if e["detail"].get("to") == "replaced")
    assert step["detail"]["replacement_registration_id"] == others[0]


def test_a_replacement_that_fails_a_hard_rule_is_refused_on_the_form(world, office):
    dwelling_id, ranked, _others = shortlisted(world, registrations=3)
    unfit = world.register(accessibility={"wheelchair": True, "no_stairs": False})
    refused = office.post(f"/voordracht/{dwelling_id}/vervangen", kandidaat=ranked[0], vervanger=unfit,
                          reden="wil graag verhuizen")
    assert refused.status_code == 422
    assert "voldoet niet aan elke harde regel" in refused.text
    assert "wil graag verhuizen" in refused.text
    assert world.ranked(dwelling_id) == ranked


def test_publishing_through_the_page_makes_it_read_only_and_waiting_for_the_corporation(world, office):
    dwelling_id, _ranked, _others = shortlisted(world, registrations=3)
    done = office.post(f"/voordracht/{dwelling_id}/publiceren")
    assert done.status_code == 303
    assert world.dwelling_status(dwelling_id) == "published"
    html = office.get(done.headers["location"]).text
    assert "De voordracht is gepubliceerd." in html and "Wachten op de corporatie tot" in html
    assert "Vervang kandidaat" not in html and "Publiceren naar de corporatie" not in html
    assert "Alleen-lezen" in html
    again = office.post(f"/voordracht/{dwelling_id}/publiceren")  # pressed twice, or a colleague was first
    assert again.status_code == 409 and "Iemand was u voor" in again.text


def test_a_selected_candidate_shows_the_offer_running(world, office):
    dwelling_id, ranked, _others = shortlisted(world, registrations=3)
    world.ok(world.publish(dwelling_id))
    world.ok(world.select(dwelling_id, ranked[1]))
    html = office.get(f"/voordracht/{dwelling_id}").text
    assert "De corporatie koos kandidaat 2" in html and "Het aanbod aan de cliënt loopt tot" in html


def test_a_dwelling_without_candidates_says_why(world, office):
    world.register(regional_ties=[])
    dwelling_id = world.offer()
    html = office.get(f"/voordracht/{dwelling_id}").text
    assert "Geen kandidaten" in html and re.search(r"\b1 aanmelding zonder regiobinding", html)
    assert "Publiceren naar de corporatie" not in html


def test_another_regions_dwelling_answers_404_on_every_page_of_the_voordracht(world, office, app, session,
                                                                               client_for):
    dwelling_id, ranked, others = shortlisted(world, registrations=4)
    stranger = client_for("coordinator", home=False)
    region = {"name": "Drechtsteden", "municipality_codes": ["GM0505"], "policy": {}}
    assert stranger.put("/v1/regions/DRE", json=region).status_code == 200
    other = Browser(app, session, stranger.org)
    assert other.get(f"/voordracht/{dwelling_id}").status_code == 404
    assert other.get(f"/voordracht/{dwelling_id}/vervangen?kandidaat={ranked[0]}").status_code == 404
    assert other.post(f"/voordracht/{dwelling_id}/vervangen", kandidaat=ranked[0], vervanger=others[0],
                      reden="probeert het").status_code == 404
    assert other.post(f"/voordracht/{dwelling_id}/publiceren").status_code == 404
    assert world.dwelling_status(dwelling_id) == "shortlisted" and world.ranked(dwelling_id) == ranked
    assert reads_of(session, other.person_id) == []


def test_a_care_providers_timeline_does_not_name_who_took_the_clients_place(world):
    dwelling_id, ranked, others = shortlisted(world, registrations=4)
    world.ok(world.replace(dwelling_id, ranked[0], others[0]))
    steps = world.care.get(f"/v1/registrations/{ranked[0]}/timeline").json()
    replaced = next(e for e in steps if e["detail"].get("to") == "replaced")
    assert "replacement_registration_id" not in replaced["detail"]


def test_a_corporation_person_gets_404_for_the_voordracht(world, app, session):
    dwelling_id, _ranked, _others = shortlisted(world, registrations=3)
    corporation = Browser(app, session, world.corporation.org)
    assert corporation.get(f"/voordracht/{dwelling_id}").status_code == 404
    assert OrganisationKind(world.corporation.org.kind) is OrganisationKind.corporation


def test_a_registration_nominated_elsewhere_cannot_take_the_place(world, office):
    dwelling_id, ranked, _others = shortlisted(world, registrations=3)
    elsewhere = world.register()
    other_dwelling = world.offer()
    assert elsewhere in world.ranked(other_dwelling)
    refused = office.post(f"/voordracht/{dwelling_id}/vervangen", kandidaat=ranked[2], vervanger=elsewhere,
                          reden="woont er dichtbij")
    assert refused.status_code == 409
    assert "intussen ergens anders voorgedragen of niet meer actief" in refused.text
    assert "woont er dichtbij" in refused.text
    assert world.ranked(dwelling_id) == ranked and world.registration_status(elsewhere) == "nominated"


def test_a_replacement_started_before_publishing_says_the_shortlist_moved_on(world, office):
    dwelling_id, ranked, others = shortlisted(world, registrations=4)
    assert office.get(f"/voordracht/{dwelling_id}/vervangen?kandidaat={ranked[0]}").status_code == 200
    world.ok(world.publish(dwelling_id))  # a colleague publishes meanwhile
    late = office.post(f"/voordracht/{dwelling_id}/vervangen", kandidaat=ranked[0], vervanger=others[0],
                       reden="te laat ingediend")
    assert late.status_code == 409 and "Iemand was u voor" in late.text and 'href="#stand"' in late.text
    assert world.candidates(dwelling_id)[ranked[0]] == "published"
    assert office.get(f"/voordracht/{dwelling_id}/vervangen?kandidaat={ranked[0]}").status_code == 409


def test_an_exemption_shows_on_the_card_and_its_lifted_rule_is_not_claimed_as_met(world, office):
    exempt = world.register(regional_ties=[])
    granted = world.coordinator.post(f"/v1/registrations/{exempt}/exemptions", json={
        "kind": "housing_first", "rules_lifted": ["REGIONAL_TIES"], "reason": "Housing First-traject",
        "valid_until": (factories.TODAY + timedelta(days=90)).isoformat()})
    assert granted.status_code == 201, granted.text
    dwelling_id = world.offer()
    assert world.ranked(dwelling_id) == [exempt]
    html = office.get(f"/voordracht/{dwelling_id}").text
    card = html[html.index('class="ds-card ds-candidate"'):html.index("</article>")]
    assert "Housing First (heft op: regiobinding)" in card and "Housing First-traject" in card
    assert "regiobinding van ten minste" not in card


def test_the_voordracht_reads_in_english_too(world, office):
    dwelling_id, _ranked, _others = shortlisted(world, registrations=3)
    office.client.cookies.set("doorstroom_lang", "en")
    html = office.get(f"/voordracht/{dwelling_id}").text
    assert '<html lang="en"' in html
    assert "Candidate 1" in html and "Publish to the corporation" in html and "What this dwelling offers" in html
