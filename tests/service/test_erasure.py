"""Erasure on request: open nominations end first, then no trace of the client's personal fields is left in any
table or column (encrypted and compressed values opened, runs of the older input format included), the audit says
who and why, and the monitor is unchanged."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from service import config, migrations
from service.audit.models import AuditRecord
from service.db import make_engine
from service.errors import Conflict, NotFound
from service.monitor.service import monitor
from service.privacy.erasure import erase_registration, erased_ref
from service.registrations.models import Registration, RegistrationStatus
from service.shortlists.models import CandidateStatus, ShortlistCandidate
from service.sqltypes import utcnow
from tests.service.privacy_world import (
    Markers,
    copied_rows,
    exempt_and_reject,
    old_format_run,
    register_client,
    set_up_office,
    shortlist_a_dwelling,
)
from tests.service.traces import traces


@pytest.fixture
def engine_at_head(fresh_database_url: str) -> Iterator[Engine]:
    config.get_settings.cache_clear()
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def test_erasure_ends_nominations_and_leaves_no_trace_while_the_monitor_stays(engine_at_head):
    markers, bystander = Markers.fresh(), Markers.fresh(lat=53.2198765431)
    with Session(engine_at_head, expire_on_commit=False) as session:
        office = set_up_office(session)
        reg = register_client(session, office, markers)
        kept = register_client(session, office, bystander)
        rejected = exempt_and_reject(session, office, reg, markers)
        shortlist_a_dwelling(session, office)
        # A run stored before change numbers copied both registrations into its inputs.
        old_run = old_format_run(session, [reg, kept])
        candidate = session.exec(select(ShortlistCandidate).where(
            ShortlistCandidate.registration_id == reg.id, ShortlistCandidate.shortlist_id != rejected.id)).one()
        assert candidate.status == CandidateStatus.proposed.value
        year = utcnow().year
        before = monitor(session=session, org=office.coordinator.organisation, year=year, region_code="U16")
    assert {marker for _, _, marker in traces(engine_at_head, markers.all)} == set(markers.all)
    assert ("matching_run", "inputs", repr(markers.lat)) in traces(engine_at_head, markers.all)
    # Audit rows hold codes, ids, states and field names, never the special-category values: only a person's own
    # reason text (here the waiting-since reason) may say something about the client, and erasure erases it.
    assert {marker for table, _, marker in traces(engine_at_head, markers.all) if table == "audit_record"} == {
        markers.wait}

    with Session(engine_at_head) as session:
        # Another care provider may not even see it.
        with pytest.raises(NotFound):
            erase_registration(session=session, org=office.other.organisation, registration_id=reg.id, reason="x")
    with Session(engine_at_head) as session:
        erase_registration(session=session, org=office.coordinator.organisation, registration_id=reg.id,
                           reason="verzoek van de cliënt")
        session.commit()

    assert traces(engine_at_head, markers.all) == []
    # The other client's copy in the old run is untouched, and the old run's rows still read as its replay reads.
    assert ("matching_run", "inputs", repr(bystander.lat)) in traces(engine_at_head, bystander.all)
    with Session(engine_at_head) as session:
        erased_row, kept_row = sorted(copied_rows(session, old_run.id), key=lambda r: r.id != str(reg.id))
        assert erased_row.id == str(reg.id) and erased_row.avoid_points == () and erased_row.regional_ties == ()
        assert kept_row.avoid_points[0].lat == bystander.lat
        erased = session.get(Registration, reg.id)
        assert erased.status == RegistrationStatus.withdrawn.value
        assert erased.client_ref == erased_ref(reg.id) and erased.notes is None and erased.avoid_points == []
        assert session.get(ShortlistCandidate, candidate.id).status == CandidateStatus.cancelled.value
        (record,) = session.exec(select(AuditRecord).where(AuditRecord.action == "erase")).all()
        assert (record.organisation_id, record.entity_id, record.detail) == (
            office.coordinator.organisation.id, reg.id, {"reason": "verzoek van de cliënt"})
        after = monitor(session=session, org=office.coordinator.organisation, year=year, region_code="U16")
        assert after == before
        with pytest.raises(Conflict):
            erase_registration(session=session, org=office.care.organisation, registration_id=reg.id, reason="again")
