"""Deadlines from region policy, on a clock the tests move: what is late, and what the tick does about it."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from service import clock
from service.cli import app as cli
from service.config import Settings
from service.main import create_app
from service.workflow.deadlines import apply_expiry, overdue
from tests.service.helpers import forbidden
from tests.service.workflow.flow import TODAY, World

ZERO = {"offers_expired": 0, "offers_surfaced": 0, "shortlists_rematched": 0, "shortlists_surfaced": 0,
        "registrations_resumed": 0}
# What a tick with nothing past its retention period reports beside the deadlines (service.privacy.retention).
NOTHING_RETAINED = {"registrations_erased": 0, "drafts_deleted": 0, "run_inputs_expired": 0,
                    "audit_records_deleted": 0, "sessions_deleted": 0, "setup_links_deleted": 0}

U16_MUNICIPALITIES = ("GM0344", "GM0356")  # as tests/service/workflow/flow.py sets up U16


def _late(session):  # type: ignore[no-untyped-def]
    """What is overdue in U16 four days from now."""
    return overdue(session=session, municipalities=U16_MUNICIPALITIES, at=_in(4))


def _in(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def _expire(session: Session, days: float) -> dict[str, int]:
    counts = apply_expiry(session=session, at=_in(days))
    session.commit()
    return counts


def _types(world: World, client: TestClient) -> list[str]:
    return [e["type"] for e in world.events(client)]


def test_overdue_lists_late_shortlists_and_offers_with_how_late_they_are(world: World, monkeypatch):
    w = world
    w.set_policy(shortlist_deadline_days=3, offer_deadline_days=2)
    waiting, _ = w.published()
    offered, (chosen, _second, _third) = w.published()
    w.ok(w.select(offered, chosen))
    assert w.coordinator.get("/v1/overdue").json() == []

    later = _in(5)
    monkeypatch.setattr(clock, "now", lambda: later)
    late = w.coordinator.get("/v1/overdue")
    assert late.status_code == 200, late.text
    offer, shortlist = late.json()  # the latest first
    assert (offer["kind"], offer["dwelling_id"], offer["registration_id"]) == ("offer", offered, chosen)
    assert offer["days_late"] == pytest.approx(3, abs=0.01)
    assert (shortlist["kind"], shortlist["dwelling_id"], shortlist["registration_id"]) == ("shortlist", waiting, None)
    assert shortlist["days_late"] == pytest.approx(2, abs=0.01)
    assert datetime.fromisoformat(shortlist["due_at"]) < later
    for client, kind in ((w.corporation, "corporation"), (w.care, "care_provider")):
        refused = client.get("/v1/overdue")
        forbidden(refused, "coordinator", kind=kind)
        assert offered not in refused.text and waiting not in refused.text


def test_an_expired_offer_falls_through_to_the_candidates_left(world: World, session: Session):
    w = world
    w.set_policy(offer_deadline_days=2, on_offer_expiry="fall_through")
    dwelling_id, (first, second, third) = w.published()
    w.ok(w.select(dwelling_id, first))
    assert _expire(session, 1) == ZERO

    assert _expire(session, 3) == {**ZERO, "offers_expired": 1}
    assert w.registration_status(first) == "active"
    assert w.dwelling_status(dwelling_id) == "published"
    assert w.candidates(dwelling_id) == {first: "expired", second: "published", third: "published"}
    assert _types(w, w.care).count("offer_expired") == 1
    assert _types(w, w.corporation).count("offer_expired") == 1
    [lapsed] = [t for t in w.transitions(first) if t["detail"]["from"] == "offered"]
    assert (lapsed["detail"]["to"], lapsed["detail"]["reason"], lapsed["organisation_id"]) == (
        "active", "offer expired", None)
    assert _expire(session, 3) == ZERO
    w.ok(w.select(dwelling_id, second))


def test_an_expired_offer_of_the_last_candidate_offers_and_matches_the_dwelling_again(world: World,
                                                                                     session: Session):
    w = world
    dwelling_id, [only] = w.published(registrations=1)
    waiting = w.register()
    w.ok(w.select(dwelling_id, only))
    assert _expire(session, 8) == {**ZERO, "offers_expired": 1}  # the default policy: 7 days, fall through
    assert w.dwelling_status(dwelling_id) == "shortlisted"
    assert waiting in w.ranked(dwelling_id)
    assert w.registration_status(waiting) == "nominated"
    assert apply_expiry(session=session, at=_in(8)) == ZERO


def test_the_surface_policy_only_lists_and_tells_once(world: World, session: Session):
    w = world
    w.set_policy(shortlist_deadline_days=2, offer_deadline_days=1, on_shortlist_expiry="surface",
                 on_offer_expiry="surface")
    waiting, _ = w.published()
    offered, (chosen, _second, _third) = w.published()
    w.ok(w.select(offered, chosen))

    assert _expire(session, 3) == {**ZERO, "offers_surfaced": 1, "shortlists_surfaced": 1}
    assert _expire(session, 4) == ZERO
    assert _expire(session, 9) == ZERO
    assert w.dwelling_status(waiting) == "published" and w.dwelling_status(offered) == "candidate_selected"
    assert w.registration_status(chosen) == "offered"
    assert _types(w, w.corporation).count("shortlist_expired") == 1
    assert _types(w, w.corporation).count("offer_expired") == 1
    assert _types(w, w.care).count("offer_expired") == 1
    assert {(o.kind, str(o.dwelling_id)) for o in _late(session)} == {
        ("shortlist", waiting), ("offer", offered)}
    w.ok(w.accept(chosen))  # late, but still possible
    assert {o.kind for o in _late(session)} == {"shortlist"}


def test_the_rematch_policy_releases_the_candidates_and_matches_again(world: World, session: Session):
    w = world
    w.set_policy(shortlist_deadline_days=2, on_shortlist_expiry="rematch")
    dwelling_id, candidates = w.published()
    first_shortlist = w.shortlist(dwelling_id)["id"]
    assert _expire(session, 1) == ZERO
    assert _expire(session, 3) == {**ZERO, "shortlists_rematched": 1}
    assert w.shortlist(dwelling_id)["id"] != first_shortlist
    assert w.dwelling_status(dwelling_id) == "shortlisted"
    assert _types(w, w.corporation).count("shortlist_expired") == 1
    released = [e["entity_id"] for e in w.events(w.care) if e["type"] == "candidate_released"]
    assert sorted(released) == sorted(candidates)
    assert _expire(session, 3) == ZERO  # the new shortlist is not published yet, so it has no deadline


def test_a_paused_registration_resumes_by_itself_on_its_date(world: World, session: Session):
    w = world
    reg = w.register()
    w.ok(w.pause(reg, days=5))
    assert _expire(session, 3) == ZERO
    assert w.registration_status(reg) == "paused"
    assert _expire(session, 5) == {**ZERO, "registrations_resumed": 1}
    assert w.registration_status(reg) == "active"
    assert _types(w, w.care)[-2:] == ["registration_paused", "registration_resumed"]
    assert w.care.get(f"/v1/registrations/{reg}").json()["status"] == "active"
    assert _expire(session, 6) == ZERO


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_doorstroom_tick_applies_deadlines_and_prints_its_counts(cli_env, monkeypatch):
    _run("db", "upgrade")
    assert json.loads(_run("tick")) == {**ZERO, **NOTHING_RETAINED, "rounds_failed": 0, "deliveries_tried": 0,
                                        "skipped": 0}

    app = create_app(Settings(database_url=cli_env))

    def client(kind: str) -> TestClient:
        created = json.loads(_run("org", "create", "--kind", kind, "--name", f"{kind} tick"))
        answering = TestClient(app, headers={"Authorization": f"Bearer {created['api_key']}"})
        answering.org_id = created["id"]  # type: ignore[attr-defined]
        return answering

    w = World(client("coordinator"), client("corporation"), client("care_provider"))
    for partner in (w.corporation, w.care):  # the operator links the partners to the office's region
        assert json.loads(_run("org", "regions", "--org", partner.org_id, "--add", "U16"))["regions"] == ["U16"]
    dwelling_id, (first, _second, _third) = w.published()
    paused = w.register()
    w.ok(w.pause(paused, days=3))
    w.ok(w.select(dwelling_id, first))
    assert json.loads(_run("tick")) == {**ZERO, **NOTHING_RETAINED, "rounds_failed": 0, "deliveries_tried": 0,
                                        "skipped": 0}

    later = datetime.combine(TODAY + timedelta(days=8), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert json.loads(_run("tick")) == {**ZERO, **NOTHING_RETAINED, "offers_expired": 1, "registrations_resumed": 1,
                                        "rounds_failed": 0, "deliveries_tried": 0, "skipped": 0}
    assert w.registration_status(first) == "active" and w.registration_status(paused) == "active"
    assert w.dwelling_status(dwelling_id) == "published"
