"""Erasure on request: open nominations end first, then no trace of the client's personal fields is left in any
table or column (encrypted and compressed values opened), the audit says who and why, and the monitor is unchanged."""

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import service.models  # noqa: F401
from service import config, migrations
from service.audit.models import AuditRecord
from service.db import make_engine
from service.dwellings.schemas import DwellingCreate
from service.dwellings.service import offer_dwelling
from service.errors import Conflict, NotFound
from service.monitor.service import monitor
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from service.privacy.erasure import erase_registration, erased_ref
from service.regions import scope
from service.regions.schemas import Policy, RegionPut
from service.regions.service import put_region
from service.registrations.models import Registration, RegistrationStatus
from service.registrations.schemas import RegistrationCreate
from service.registrations.service import set_waiting_since, submit_registration
from service.shortlists.models import CandidateStatus, ShortlistCandidate
from service.shortlists.service import shortlist_new_dwelling
from service.sqltypes import utcnow
from tests import factories
from tests.service.traces import traces

MARK = uuid.uuid4().hex[:12]
REF, NOTE, WAIT = f"ref{MARK}", f"note{MARK}", f"wait{MARK}"
LAT = 53.2176543219  # Groningen: far from the dwelling, so the client is matched
MARKERS = (REF, NOTE, WAIT, "53.2176543219")


@pytest.fixture
def engine_at_head(fresh_database_url: str) -> Iterator[Engine]:
    config.get_settings.cache_clear()
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def test_erasure_ends_nominations_and_leaves_no_trace_while_the_monitor_stays(engine_at_head):
    with Session(engine_at_head, expire_on_commit=False) as session:
        coordinator = create_organisation(session=session, kind=OrganisationKind.coordinator, name="office")
        care = create_organisation(session=session, kind=OrganisationKind.care_provider, name="care")
        other = create_organisation(session=session, kind=OrganisationKind.care_provider, name="other care")
        corporation = create_organisation(session=session, kind=OrganisationKind.corporation, name="corp")
        put_region(session=session, org=coordinator.organisation, code="U16",
                   data=RegionPut(name="U16", municipality_codes=["GM0344"], policy=Policy()))
        for org in (care, other, corporation):
            scope.link(session=session, by=None, organisation=org.organisation, region_code="U16")
        data = RegistrationCreate.model_validate(factories.registration(
            client_ref=REF, notes=NOTE, household={"adults": 1, "children": []},
            avoid_points=[{"lat": LAT, "lon": 6.56, "radius_m": 500}]))
        reg = submit_registration(session=session, org=care.organisation, data=data).record
        session.commit()
        set_waiting_since(session=session, org=coordinator.organisation, registration_id=reg.id,
                          waiting_since=utcnow() - timedelta(days=30), reason=WAIT)
        offered = offer_dwelling(session=session, org=corporation.organisation,
                                 data=DwellingCreate.model_validate(factories.dwelling()))
        shortlist_new_dwelling(session=session, dwelling=offered.record, first=True)
        session.commit()
        candidate = session.exec(select(ShortlistCandidate).where(ShortlistCandidate.registration_id == reg.id)).one()
        assert candidate.status == CandidateStatus.proposed.value
        year = utcnow().year
        before = monitor(session=session, org=coordinator.organisation, year=year, region_code="U16")
    assert {marker for _, _, marker in traces(engine_at_head, MARKERS)} == set(MARKERS)

    with Session(engine_at_head) as session:
        # Another care provider may not even see it.
        with pytest.raises(NotFound):
            erase_registration(session=session, org=other.organisation, registration_id=reg.id, reason="x")
    with Session(engine_at_head) as session:
        erase_registration(session=session, org=coordinator.organisation, registration_id=reg.id,
                           reason="verzoek van de cliënt")
        session.commit()

    assert traces(engine_at_head, MARKERS) == []
    with Session(engine_at_head) as session:
        erased = session.get(Registration, reg.id)
        assert erased.status == RegistrationStatus.withdrawn.value
        assert erased.client_ref == erased_ref(reg.id) and erased.notes is None and erased.avoid_points == []
        assert session.get(ShortlistCandidate, candidate.id).status == CandidateStatus.cancelled.value
        (record,) = session.exec(select(AuditRecord).where(AuditRecord.action == "erase")).all()
        assert (record.organisation_id, record.entity_id, record.detail) == (
            coordinator.organisation.id, reg.id, {"reason": "verzoek van de cliënt"})
        after = monitor(session=session, org=coordinator.organisation, year=year, region_code="U16")
        assert after == before
        with pytest.raises(Conflict):
            erase_registration(session=session, org=care.organisation, registration_id=reg.id, reason="again")
