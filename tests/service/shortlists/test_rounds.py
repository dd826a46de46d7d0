"""Rounds that do not hold a request: queued, claimed by exactly one worker, one per region, failed when stale."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from service.shortlists import rounds
from service.shortlists.models import MatchingRound, MatchingRoundRegion, MatchingRun
from service.sqltypes import utcnow
from tests.service.stuck.scenario import offer, register, setup, single, ties
from tests.world import link_home


@pytest.fixture
def office(client_for):  # type: ignore[no-untyped-def]
    coordinator, corporation, care = setup(client_for)
    register(care, coordinator, single(regional_ties=ties(4)), 100)
    offer(corporation)
    return coordinator


def test_a_round_answers_202_with_its_location_and_then_its_phase_and_figures(office):
    started = office.post("/v1/matching-rounds", json={"max_seconds": 2})

    assert started.status_code == 202, started.text
    body = started.json()
    assert (body["state"], body["phase"], body["progress"], body["dwellings"]) == ("queued", None, 0, None)
    finished = office.get(started.headers["location"]).json()
    assert (finished["state"], finished["progress"], finished["dwellings"], finished["filled_slots"]) == \
        ("finished", 1, 1, 1)
    assert finished["started_at"] is not None and finished["finished_at"] is not None
    assert finished["id"] in [r["id"] for r in office.get("/v1/matching-rounds").json()["items"]]


def test_a_second_round_in_a_region_answers_409_with_the_running_ones_id(office, session):
    queued = rounds.queue_round(session=session, org=office.org, max_seconds=2)
    session.commit()  # a savepoint of the test's transaction: the refused request rolls back only its own work

    refused = office.post("/v1/matching-rounds", json={"max_seconds": 2})

    assert refused.status_code == 409, refused.text
    assert refused.json()["existing_id"] == str(queued.id) and str(queued.id) in refused.json()["detail"]
    assert office.get(f"/v1/matching-rounds/{queued.id}").json()["state"] == "queued"


def test_the_database_holds_a_region_for_one_active_round_only(office, session):
    queued = rounds.queue_round(session=session, org=office.org, max_seconds=2)
    other = MatchingRound(started_by=office.org.id, regions=["U16"], municipalities=[], max_seconds=2,
                          state="queued", lease_until=utcnow())
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(other)
        session.flush()
        session.add(MatchingRoundRegion(round_id=other.id, region_code="U16"))
        session.flush()
    assert session.exec(select(MatchingRoundRegion.round_id).where(MatchingRoundRegion.active)).all() == [queued.id]


def test_a_round_whose_worker_died_is_failed_and_frees_its_region(office, session):
    queued = rounds.queue_round(session=session, org=office.org, max_seconds=2)
    queued.state, queued.worker = "running", "a-worker-that-died"
    session.add(queued)
    session.flush()

    assert rounds.fail_stale(session=session) == 0  # its lease has not run out yet
    assert rounds.fail_stale(session=session, at=queued.lease_until + timedelta(seconds=1)) == 1

    failed = office.get(f"/v1/matching-rounds/{queued.id}").json()
    assert failed["state"] == "failed" and failed["error"] == rounds.STALE_ERROR
    # Its worker can no longer finish it, and the region takes a new round.
    assert not rounds._end(session, queued.id, "a-worker-that-died", state=rounds.RoundState.finished, error=None)
    again = office.post("/v1/matching-rounds", json={"max_seconds": 2})
    assert again.status_code == 202 and office.get(again.headers["location"]).json()["state"] == "finished"


def test_a_start_after_the_lease_ran_out_fails_the_stale_round_itself(office, session):
    queued = rounds.queue_round(session=session, org=office.org, max_seconds=2)
    queued.lease_until = utcnow() - timedelta(seconds=1)  # queued, and nobody claimed it in time
    session.add(queued)
    session.flush()

    assert office.post("/v1/matching-rounds", json={"max_seconds": 2}).status_code == 202
    assert office.get(f"/v1/matching-rounds/{queued.id}").json()["state"] == "failed"


def test_of_workers_racing_for_a_round_exactly_one_runs_it(committed_app):
    _application, engine = committed_app
    round_id = _queued(engine)
    start = threading.Barrier(4)
    claimed: list[bool] = []

    def work() -> None:
        start.wait(timeout=30)
        claimed.append(rounds.execute(engine=engine, round_id=round_id))

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(claimed) == [False, False, False, True]
    with Session(engine) as session:
        done = session.get(MatchingRound, round_id)
        assert done is not None and done.state == "finished" and done.worker is not None
        assert session.get(MatchingRun, round_id) is not None
        assert not session.exec(select(MatchingRoundRegion).where(MatchingRoundRegion.active)).all()


def _queued(engine: Engine):  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as session:
        issued = create_organisation(session=session, kind=OrganisationKind.coordinator, name="Ronde Regio")
        link_home(session, issued.organisation)
        queued = rounds.queue_round(session=session, org=issued.organisation, max_seconds=1)
        session.commit()
        return queued.id
