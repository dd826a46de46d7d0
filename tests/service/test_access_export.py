"""Access on request: the export holds every row about the client (checked against the tables), making it is
audited, and only the client's care provider and the coordinators of its region may make it."""

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.audit.models import AuditRecord
from service.errors import PROBLEM_JSON
from service.exemptions.models import Exemption
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from service.registrations.models import Registration
from service.shortlists.models import RejectedPair, ShortlistCandidate
from service.shortlists.pool.models import RegistrationVersion
from tests.service.privacy_world import (
    Markers,
    Office,
    exempt_and_reject,
    register_client,
    set_up_office,
    shortlist_a_dwelling,
)


@pytest.fixture
def world(committed_app: tuple[FastAPI, Engine]) -> Iterator[tuple[Engine, Office, Registration, Markers, FastAPI]]:
    application, engine = committed_app
    markers = Markers.fresh()
    with Session(engine, expire_on_commit=False) as session:
        office = set_up_office(session)
        reg = register_client(session, office, markers)
        register_client(session, office, Markers.fresh(lat=53.2198765431))  # another client, never in the export
        exempt_and_reject(session, office, reg, markers)
        shortlist_a_dwelling(session, office)
    yield engine, office, reg, markers, application


def _client(application: FastAPI, key: str) -> TestClient:
    return TestClient(application, headers={"Authorization": f"Bearer {key}"})


def _rows_about(session: Session, reg: Registration) -> dict[str, set]:
    """Every row of the tables that is about the client, as the export names them."""
    candidates = list(session.exec(select(ShortlistCandidate).where(ShortlistCandidate.registration_id == reg.id)))
    audit = list(session.exec(select(AuditRecord).where(
        col(AuditRecord.entity_id).in_([reg.id, *(c.id for c in candidates)]))))
    return {
        "exemptions": {str(e.id) for e in session.exec(select(Exemption).where(Exemption.registration_id == reg.id))},
        "shortlists": {(str(c.shortlist_id), c.status, c.rank, c.note) for c in candidates},
        "rejections": {(str(r.dwelling_id), r.reason_code) for r in session.exec(
            select(RejectedPair).where(RejectedPair.registration_id == reg.id))},
        "matcher_versions": {v.seq for v in session.exec(
            select(RegistrationVersion).where(RegistrationVersion.registration_id == reg.id))},
        "audit": {(r.action, str(r.entity_id), r.at.isoformat()) for r in audit},
    }


def _rows_exported(doc: dict) -> dict[str, set]:
    def at(value: str) -> str:
        return value.replace("Z", "+00:00")

    return {
        "exemptions": {e["id"] for e in doc["exemptions"]},
        "shortlists": {(s["shortlist_id"], s["status"], s["rank"], s["note"]) for s in doc["shortlists"]},
        "rejections": {(r["dwelling_id"], r["reason_code"]) for r in doc["rejections"]},
        "matcher_versions": {v["seq"] for v in doc["matcher_versions"]},
        "audit": {(h["action"], h["entity_id"], at(h["at"])) for h in doc["history"]}
        | {(r["action"], doc["registration"]["id"], at(r["at"])) for r in doc["reads"]},
    }


def test_the_export_holds_every_row_about_the_client_and_is_audited(world):
    engine, office, reg, markers, application = world
    care = _client(application, office.care.api_key)
    coordinator = _client(application, office.coordinator.api_key)
    assert care.get(f"/v1/registrations/{reg.id}").status_code == 200
    assert coordinator.get(f"/v1/registrations/{reg.id}/timeline").status_code == 200
    with Session(engine) as session:
        expected = _rows_about(session, reg)
    assert expected["exemptions"] and expected["rejections"] and len(expected["shortlists"]) == 2

    answer = care.get(f"/v1/registrations/{reg.id}/access-export")
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert _rows_exported(doc) == expected
    assert (doc["registration"]["id"], doc["registration"]["client_ref"], doc["registration"]["notes"]) == (
        str(reg.id), markers.ref, markers.note)
    assert doc["care_provider"] == "care"
    assert {e["reason"] for e in doc["exemptions"]} == {markers.exempt}
    assert markers.rejected in {s["note"] for s in doc["shortlists"]}
    # The matcher's copies hold the avoid point as it saw it.
    assert doc["matcher_versions"][-1]["document"]["avoid_points"][0]["lat"] == markers.lat
    reads = [(r["action"], r["organisation"], r["by"]) for r in doc["reads"]]
    assert ("read", "care", "api_key") in reads and ("read_timeline", "office", "api_key") in reads

    with Session(engine) as session:
        (made,) = session.exec(select(AuditRecord).where(AuditRecord.action == "access_export")).all()
        assert (made.organisation_id, made.entity_id) == (office.care.organisation.id, reg.id)
        # Nothing else was read to make it: the one export record is all the audit log gained.
        assert _rows_about(session, reg)["audit"] == expected["audit"] | {
            ("access_export", str(reg.id), made.at.isoformat())}
    again = coordinator.get(f"/v1/registrations/{reg.id}/access-export").json()
    assert ("access_export", "care", "api_key") in [(r["action"], r["organisation"], r["by"]) for r in again["reads"]]
    # The export is a disclosure, not a step in the registration's life.
    assert "access_export" not in {h["action"] for h in again["history"]}


def test_only_the_care_provider_and_the_regions_coordinators_may_export(world):
    engine, office, reg, _markers, application = world
    with Session(engine, expire_on_commit=False) as session:
        elsewhere = create_organisation(session=session, kind=OrganisationKind.coordinator, name="elsewhere")
        session.commit()
    for key, status in ((office.other.api_key, 404), (elsewhere.api_key, 404), (office.corporation.api_key, 403)):
        answer = _client(application, key).get(f"/v1/registrations/{reg.id}/access-export")
        assert answer.status_code == status and answer.headers["content-type"] == PROBLEM_JSON
    coordinator = _client(application, office.coordinator.api_key)
    assert coordinator.get(f"/v1/registrations/{uuid.uuid4()}/access-export").status_code == 404
    bad = coordinator.get("/v1/registrations/not-an-id/access-export")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "path.registration_id"
    with Session(engine) as session:
        assert session.exec(select(AuditRecord).where(AuditRecord.action == "access_export")).all() == []
