"""The prepared registration pool: what it proposes equals a fresh build, and runs replay after later changes.

Replaying a run rebuilds the registrations it saw from their versions (a cold build); the worker's pool served
the run warm, caught up change by change. A replay that is identical therefore shows both that the stored inputs
are exact and that the warm pool proposed what a fresh one would have.
"""

import random
import uuid
from datetime import timedelta

from sqlalchemy import event, insert, select, text
from sqlmodel import Session

from service import migrations
from service.db import make_engine
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from service.shortlists.pool import versions
from service.shortlists.pool.docs import digest_of, doc_of
from service.shortlists.pool.models import RegistrationVersion
from tests import factories
from tests.service.helpers import if_match
from tests.service.workflow.flow import DWELLING_AT, TODAY, World
from tests.world import link_home

UNTIL = (TODAY + timedelta(days=180)).isoformat()


def _run_of(w: World, dwelling_id: str) -> str:
    return w.shortlist(dwelling_id)["run_id"]


def _replay(w: World, run_id: str) -> dict:
    replayed = w.coordinator.post(f"/v1/matching-rounds/{run_id}/replay")
    assert replayed.status_code == 200, replayed.text
    return replayed.json()


def _patch(w: World, registration_id: str, **changes) -> None:  # type: ignore[no-untyped-def]
    version = w.care.get(f"/v1/registrations/{registration_id}").json()["version"]
    patched = w.care.patch(f"/v1/registrations/{registration_id}", headers=if_match(version), json=changes)
    assert patched.status_code == 200, patched.text


def test_an_instant_run_and_a_round_replay_identically_after_the_registrations_changed(world: World):
    w = world
    free = [w.register() for _ in range(7)]
    first = w.offer()
    instant_run = _run_of(w, first)
    assert w.ranked(first) == free[:3]

    # Afterwards: a nominee leaves, a free client changes, a newcomer waits longest of all.
    withdrawn = w.care.post(f"/v1/registrations/{free[0]}/withdraw", json={"reason": "found a home"})
    assert withdrawn.status_code == 200, withdrawn.text
    _patch(w, free[4], accessibility={"wheelchair": True, "no_stairs": True})
    newcomer = w.register()
    w.ok(w.coordinator.put(f"/v1/registrations/{newcomer}/waiting-since",
                           json={"waiting_since": "2020-01-01T00:00:00Z", "reason": "imported list"}))

    assert _replay(w, instant_run) == {"run_id": instant_run, "identical": True, "differing_dwellings": []}

    second = w.offer()
    assert w.ranked(second)[0] == newcomer and free[4] not in w.ranked(second)
    round_run = w.round()["id"]
    _patch(w, free[5], accessibility={"wheelchair": True, "no_stairs": True})
    w.register()
    w.pause(free[6])

    assert _replay(w, round_run)["identical"] is True
    assert _replay(w, instant_run)["identical"] is True


def test_a_warm_pool_proposes_what_a_fresh_build_would_after_many_kinds_of_change(world: World):
    w = world
    rng = random.Random(20261202)
    registrations = [w.register() for _ in range(8)]
    dwellings: list[str] = []
    for step in range(24):
        action = rng.choice(("register", "patch", "exempt", "pause", "waiting", "offer", "offer", "withdraw"))
        target = rng.choice(registrations)
        status = w.registration_status(target)
        if action == "register":
            registrations.append(w.register(**rng.choice(({}, {"low_stimulus": "preferred"},
                                                          {"contract": "regular_only"}))))
        elif action == "patch" and status in ("active", "nominated"):
            _patch(w, target, accessibility={"wheelchair": rng.random() < 0.5, "no_stairs": False})
        elif action == "exempt" and status in ("active", "nominated"):
            w.coordinator.post(f"/v1/registrations/{target}/exemptions", json={
                "kind": "urgency", "rules_lifted": [], "reason": "eviction date set", "valid_until": UNTIL})
        elif action == "pause" and status in ("active", "nominated"):
            w.ok(w.pause(target))
        elif action == "waiting" and status in ("active", "nominated"):
            since = (TODAY - timedelta(days=rng.randrange(1, 3000))).isoformat() + "T00:00:00Z"
            w.ok(w.coordinator.put(f"/v1/registrations/{target}/waiting-since",
                                   json={"waiting_since": since, "reason": "imported list"}))
        elif action == "withdraw" and dwellings:
            w.withdraw(rng.choice(dwellings))
        elif action == "offer":
            offered = w.corporation.post("/v1/dwellings", json=factories.dwelling(
                location=DWELLING_AT, available_from=TODAY.isoformat(), bare_rent=rng.choice(("650.00", "880.00"))))
            assert offered.status_code == 201, offered.text
            dwellings.append(offered.json()["id"])
        if dwellings and step % 4 == 3:
            w.round()
    assert dwellings
    runs = {_run_of(w, d) for d in dwellings}
    for run_id in runs:
        assert _replay(w, run_id)["identical"] is True, run_id


def test_registrations_stored_without_a_version_get_one_when_the_database_is_upgraded(fresh_database_url):
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            care = create_organisation(session=session, kind=OrganisationKind.care_provider, name="care")
            columns = registrations_service._columns(RegistrationCreate.model_validate(factories.registration()))
            reg_id = uuid.uuid4()
            # As a registration stored before versions existed: written past the ORM, so nothing versions it.
            session.execute(insert(Registration), [dict(columns, id=reg_id, care_provider_id=care.organisation.id,
                                                        client_ref="OLD-1", create_digest="old", form_version="1",
                                                        status="active")])
            session.commit()

        def versioned() -> tuple[int, int]:
            with engine.connect() as connection:
                seq = connection.execute(text("SELECT match_seq FROM registration")).scalar_one()
                rows = connection.execute(text("SELECT count(*) FROM registration_version")).scalar_one()
            return seq, rows

        assert versioned() == (0, 0)
        migrations.upgrade(fresh_database_url)
        # The counter starts at 0 (migration 0005) and this backfill is the database's first registration change.
        assert versioned() == (1, 1)
    finally:
        engine.dispose()


def test_a_new_registration_is_versioned_from_the_form_at_hand_and_equals_its_stored_document(fresh_database_url):
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            care = create_organisation(session=session, kind=OrganisationKind.care_provider, name="care")
            link_home(session, care.organisation)
            session.commit()
            read_back: list[str] = []

            @event.listens_for(engine, "before_cursor_execute")
            def _watch(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
                if statement.lstrip().upper().startswith("SELECT") and "FROM registration" in statement:
                    read_back.append(statement)

            data = RegistrationCreate.model_validate(factories.registration())
            registered = registrations_service.submit_registration(session=session, org=care.organisation, data=data)
            session.commit()
            event.remove(engine, "before_cursor_execute", _watch)
            # The idempotency lookup reads by reference before the insert; the versioning at commit reads nothing.
            assert len(read_back) == 1, read_back
            reg_id = registered.record.id

        with Session(engine) as session:
            stored = session.get(Registration, reg_id)
            assert stored is not None and stored.match_seq > 0
            version = session.execute(select(RegistrationVersion).where(
                RegistrationVersion.registration_id == reg_id)).scalars().one()
            expected = doc_of(stored, []).encode()
            assert (version.seq, version.digest) == (stored.match_seq, stored.match_digest) == (
                stored.match_seq, digest_of(expected))
            assert versions.load_blob(session, version.digest) == expected
    finally:
        engine.dispose()
