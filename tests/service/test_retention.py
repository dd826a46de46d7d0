"""Retention on a clock the tests move: the tick erases the personal fields of registrations that ended longer ago
than their region's period (no trace left anywhere, the monitor unchanged), expires run inputs (a replay then answers
410), and deletes audit records past theirs, keeping the transitions the monitor counts."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from service import clock
from service.audit.models import AuditRecord
from service.errors import PROBLEM_JSON
from service.monitor.service import monitor
from service.privacy.erasure import erased_ref
from service.registrations.drafts import save_draft
from service.registrations.models import Registration, RegistrationStatus
from service.shortlists.models import MatchingRun
from service.tick import run_tick
from service.workflow import changes
from tests.service.privacy_world import (
    Markers,
    Office,
    copied_rows,
    exempt_and_reject,
    old_format_run,
    register_client,
    run_of,
    set_up_office,
    shortlist_a_dwelling,
)
from tests.service.traces import traces


@pytest.fixture
def world(committed_app: tuple[FastAPI, Engine]) -> Iterator[tuple[Engine, Office, TestClient]]:
    application, engine = committed_app
    with Session(engine, expire_on_commit=False) as session:
        office = set_up_office(session, regions=("U16", "U17"))
    with TestClient(application, headers={"Authorization": f"Bearer {office.coordinator.api_key}"}) as client:
        yield engine, office, client


def _tick(engine: Engine, monkeypatch: pytest.MonkeyPatch, at: datetime) -> dict[str, int]:
    monkeypatch.setattr(clock, "now", lambda: at)
    with httpx.Client() as client:
        return run_tick(engine=engine, client=client)


def _withdraw(session: Session, office: Office, reg: Registration, reason: str) -> datetime:
    ended = changes.withdraw_registration(session=session, org=office.care.organisation, registration_id=reg.id,
                                          reason=reason, expected_version=None)
    session.commit()
    assert ended.ended_at is not None
    return ended.ended_at


def test_the_tick_erases_ended_registrations_after_the_period_leaving_no_trace_and_the_monitor_unchanged(
        world, monkeypatch):
    engine, office, coordinator = world
    # The runs' inputs are kept ten years here, so the old run's copy must be erased, not deleted with the run.
    assert coordinator.put("/v1/regions/U16/retention", json={"run_inputs_days": 3650}).status_code == 200
    markers, active = Markers.fresh(), Markers.fresh(lat=53.2198765431)
    with Session(engine, expire_on_commit=False) as session:
        reg = register_client(session, office, markers)
        still_active = register_client(session, office, active)
        exempt_and_reject(session, office, reg, markers)
        old_run = old_format_run(session, [reg, still_active])
        ended = _withdraw(session, office, reg, reason=f"moved abroad {markers.note}")
    assert {marker for _, _, marker in traces(engine, markers.all)} == set(markers.all)

    # A day before the two years are up nothing is erased; the monitor of that year is read then.
    counts = _tick(engine, monkeypatch, ended + timedelta(days=729))
    assert counts["registrations_erased"] == 0
    assert {marker for _, _, marker in traces(engine, markers.all)} == set(markers.all)
    with Session(engine) as session:
        before = monitor(session=session, org=office.coordinator.organisation, year=ended.year, region_code="U16")
    assert any(m.offered and m.shortlisted for line in before.lines for m in line.months)

    counts = _tick(engine, monkeypatch, ended + timedelta(days=731))
    assert counts["registrations_erased"] == 1
    assert traces(engine, markers.all) == []
    # The client still waiting keeps every field, in the registration and in the old run's copy alike.
    assert {marker for _, _, marker in traces(engine, active.own)} == set(active.own)
    with Session(engine) as session:
        erased = session.get(Registration, reg.id)
        assert (erased.status, erased.client_ref, erased.notes, erased.avoid_points, erased.withdrawal_reason) == (
            RegistrationStatus.withdrawn.value, erased_ref(reg.id), None, [], None)
        assert erased.birth_year % 10 == 0 and erased.region_code == "U16" and erased.ended_at == ended
        (record,) = session.exec(select(AuditRecord).where(AuditRecord.action == "erase")).all()
        assert (record.organisation_id, record.entity_id, record.detail) == (None, reg.id, {"retention_days": 730})
        assert [r.id for r in copied_rows(session, old_run.id)] == [str(reg.id), str(still_active.id)]
        after = monitor(session=session, org=office.coordinator.organisation, year=ended.year, region_code="U16")
        assert after.lines == before.lines
    # Erased once: a later tick finds nothing more to do.
    assert _tick(engine, monkeypatch, ended + timedelta(days=800))["registrations_erased"] == 0


def test_run_inputs_expire_and_a_replay_then_says_so(world, monkeypatch):
    engine, office, coordinator = world
    with Session(engine, expire_on_commit=False) as session:
        register_client(session, office, Markers.fresh())
        run = run_of(session, shortlist_a_dwelling(session, office))
    replayed = coordinator.post(f"/v1/matching-rounds/{run.id}/replay")
    assert replayed.status_code == 200, replayed.text

    assert _tick(engine, monkeypatch, run.created_at + timedelta(days=364))["run_inputs_expired"] == 0
    assert coordinator.post(f"/v1/matching-rounds/{run.id}/replay").status_code == 200
    assert _tick(engine, monkeypatch, run.created_at + timedelta(days=366))["run_inputs_expired"] == 1
    expired = coordinator.post(f"/v1/matching-rounds/{run.id}/replay")
    assert expired.status_code == 410 and expired.headers["content-type"] == PROBLEM_JSON
    assert "expired" in expired.json()["detail"]
    with Session(engine) as session:
        assert session.get(MatchingRun, run.id).inputs is None
    # The run and its figures stay; only the inputs are gone.
    assert coordinator.get(f"/v1/matching-rounds/{run.id}").status_code == 200


def test_a_regions_own_periods_apply_to_its_registrations_runs_and_audit_records(world, monkeypatch):
    engine, office, coordinator = world
    put = coordinator.put("/v1/regions/U16/retention",
                          json={"personal_days": 10, "run_inputs_days": 5, "audit_days": 30})
    assert put.status_code == 200, put.text
    assert put.json() == {"region_code": "U16", "personal_days": 10, "run_inputs_days": 5, "audit_days": 30,
                          "effective_personal_days": 10, "effective_run_inputs_days": 5,
                          "effective_audit_days": 30}
    assert coordinator.get("/v1/regions/U17/retention").json()["effective_personal_days"] == 730
    u16, u17 = Markers.fresh(), Markers.fresh(lat=53.2198765431)
    with Session(engine, expire_on_commit=False) as session:
        in_u16 = register_client(session, office, u16, region="U16")
        in_u17 = register_client(session, office, u17, region="U17")
        run = run_of(session, shortlist_a_dwelling(session, office))  # the corporation's dwelling lies in U16
        ended = max(_withdraw(session, office, in_u16, "x"), _withdraw(session, office, in_u17, "y"))
        monitor_rows = session.exec(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "transition", AuditRecord.entity_type == "dwelling")).one()
        assert monitor_rows > 0

    counts = _tick(engine, monkeypatch, ended + timedelta(days=11))
    assert (counts["registrations_erased"], counts["run_inputs_expired"]) == (1, 1)
    assert traces(engine, u16.all) == []
    assert {marker for _, _, marker in traces(engine, u17.own)} == set(u17.own)
    assert coordinator.post(f"/v1/matching-rounds/{run.id}/replay").status_code == 410

    def about(session: Session, reg: Registration) -> int:
        return session.exec(select(func.count()).select_from(AuditRecord)
                            .where(AuditRecord.entity_id == reg.id)).one()

    counts = _tick(engine, monkeypatch, ended + timedelta(days=42))
    assert counts["audit_records_deleted"] > 0
    with Session(engine) as session:
        assert about(session, in_u16) == 0 and about(session, in_u17) > 0
    # Seven years after the U17 client was erased (two years on), the setting's period has passed for its records
    # too, the erasure's own included; the monitor's transitions stay.
    assert _tick(engine, monkeypatch, ended + timedelta(days=731))["registrations_erased"] == 1
    _tick(engine, monkeypatch, ended + timedelta(days=731 + 2556))
    with Session(engine) as session:
        assert about(session, in_u17) == 0
        left = session.exec(select(AuditRecord)).all()
        assert left and {(r.action, r.entity_type) for r in left} <= {("transition", "dwelling"),
                                                                      ("transition", "shortlist_candidate")}
        assert len([r for r in left if r.entity_type == "dwelling"]) == monitor_rows


def test_a_draft_never_submitted_is_deleted_after_the_period_for_personal_fields(world, monkeypatch):
    engine, office, _coordinator = world
    markers = Markers.fresh()
    with Session(engine, expire_on_commit=False) as session:
        draft = save_draft(session=session, org=office.care.organisation, draft_id=None,
                           values={"client_ref": markers.ref, "notes": markers.note}, label=markers.ref,
                           expected_version=None)
        session.commit()
    assert {marker for _, _, marker in traces(engine, markers.all)} == {markers.ref, markers.note}
    assert _tick(engine, monkeypatch, draft.updated_at + timedelta(days=729))["drafts_deleted"] == 0
    assert _tick(engine, monkeypatch, draft.updated_at + timedelta(days=731))["drafts_deleted"] == 1
    assert traces(engine, markers.all) == []


@pytest.mark.parametrize(("body", "field"), [
    ({"personal_days": 0}, "personal_days"), ({"run_inputs_days": "many"}, "run_inputs_days"),
    ({"audit_days": 7}, "audit_days"), ({"personal_days": 10, "keep": True}, "keep"),
])
def test_bad_retention_periods_are_refused_naming_the_field(world, body, field):
    _engine, _office, coordinator = world
    answer = coordinator.put("/v1/regions/U16/retention", json=body)
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM_JSON
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_only_a_coordinator_of_the_region_reads_or_sets_its_periods(world, committed_app):
    application, _engine = committed_app
    _engine, office, coordinator = world
    for key, status in ((office.care.api_key, 403), (office.corporation.api_key, 403)):
        client = TestClient(application, headers={"Authorization": f"Bearer {key}"})
        assert client.get("/v1/regions/U16/retention").status_code == status
        assert client.put("/v1/regions/U16/retention", json={}).status_code == status
    assert coordinator.get("/v1/regions/NOPE/retention").status_code == 404
