"""Meldingen without a browser: the organisation's own events, newest first, in plain Dutch with a link to the page
each concerns, paginated, and an audited read of every registration a page of them names."""

import re
import uuid

import pytest
from sqlmodel import col, select

from service.audit.models import AuditRecord
from service.events import service as events_service
from tests.service.workflow.flow import World
from tests.web.browsing import signed_in


@pytest.fixture
def world(client_for) -> World:  # type: ignore[no-untyped-def]
    return World(client_for("coordinator"), client_for("corporation"), client_for("care_provider"))


def _rows(html: str) -> list[str]:
    body = re.search(r'<table class="utrecht-table" id="meldingen">.*?</table>', html, re.S)
    assert body, html
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr class=\"utrecht-table__row\">(.*?)</tr>", body.group(0), re.S)[1:]]


def test_a_corporation_reads_its_events_newest_first_with_links_to_its_dwellings(app, session, world):
    dwelling_id, ranked = world.published()
    world.ok(world.select(dwelling_id, ranked[0]))
    world.ok(world.accept(ranked[0]))
    web = signed_in(app, session, world.corporation.org)  # type: ignore[attr-defined]
    page = web.get("/meldingen")
    assert page.status_code == 200
    rows = _rows(page.text)
    ref = world.corporation.get(f"/v1/dwellings/{dwelling_id}").json()["external_ref"]
    assert rows[0].startswith(tuple("0123456789")) and f"De kandidaat nam het aanbod van woning {ref} aan." in rows[0]
    assert f"U koos een kandidaat voor woning {ref}." in rows[1]
    assert f"De voordracht voor woning {ref} staat klaar: kies een kandidaat vóór" in rows[2]
    assert page.text.count(f'href="/woningen/{dwelling_id}"') == 3
    assert "3 meldingen" in page.text
    person_reads = session.exec(select(AuditRecord.entity_id).where(
        AuditRecord.action == "read", AuditRecord.entity_type == "registration",
        col(AuditRecord.person_id).is_not(None),
        AuditRecord.organisation_id == world.corporation.org.id)).all()  # type: ignore[attr-defined]
    assert {str(r) for r in person_reads} >= set(ranked)  # the published event names every candidate


def test_a_care_provider_reads_its_clients_events_with_links_to_each_client(app, session, world):
    dwelling_id, ranked = world.published()
    world.ok(world.reject(dwelling_id, ranked[1], reason_code="rent_risk"))
    world.ok(world.select(dwelling_id, ranked[0]))
    web = signed_in(app, session, world.care.org)  # type: ignore[attr-defined]
    page = web.get("/meldingen")
    rows = _rows(page.text)
    first = world.care.get(f"/v1/registrations/{ranked[0]}").json()
    second = world.care.get(f"/v1/registrations/{ranked[1]}").json()
    assert f"Aanbod voor cliënt {first['client_ref']}: Kanaalstraat 112B, Utrecht." in rows[0]
    assert (f"De corporatie wees cliënt {second['client_ref']} af voor een woning. Reden: Betalingsrisico huur."
            in rows[1])
    assert f'href="/clienten/{ranked[0]}"' in page.text and f'href="/clienten/{ranked[1]}"' in page.text
    assert "/woningen/" not in page.text


def test_events_are_paged_and_a_coordinator_without_events_is_told_so(app, session, world):
    org = world.corporation.org  # type: ignore[attr-defined]
    dwelling_id = world.offer()
    for n in range(27):
        events_service.emit(session=session, recipient_id=org.id, type="shortlist_expired", entity_type="dwelling",
                            entity_id=uuid.UUID(dwelling_id), payload={"external_ref": f"R-{n}"})
    session.commit()
    web = signed_in(app, session, org)
    first = web.get("/meldingen")
    assert len(_rows(first.text)) == 25 and "woning R-26 " in _rows(first.text)[0] and 'rel="next"' in first.text
    second = web.get("/meldingen?pagina=2")
    assert [r.split("woning ")[1].split(" ")[0] for r in _rows(second.text)] == ["R-1", "R-0"]
    coordinator = signed_in(app, session, world.coordinator.org)  # type: ignore[attr-defined]
    assert "Er zijn nog geen meldingen." in coordinator.get("/meldingen").text
