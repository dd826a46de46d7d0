"""Matching rounds that do not hold a request: queued by `POST /v1/matching-rounds`, run in the background.

A round is a row of `matching_round`. Starting one holds each of its regions in `matching_round_region`, whose
partial unique index lets a region be held by one queued or running round at a time, whatever the interleaving of
requests and workers (a second start answers 409 with the running round's id). The worker that answered the
request then claims the round with one conditional UPDATE (queued -> running, its name as `worker`): of several
uvicorn workers exactly one wins. The round itself runs in one transaction (service.shortlists.service.run_round)
that also marks it finished, but only while this worker still holds it, so a round taken away as stale can never
be finished by its old worker.

While it runs the worker renews its lease (`lease_until`) and writes its phase and progress from a second
connection (PostgreSQL: those rows are not locked by the round's transaction). On SQLite the round's transaction
holds the one write lock, so there is no heartbeat: the lease given at the claim covers the whole time limit, and
the phase seen from outside is the claim's until the round commits. A round whose lease has run out (its worker
died, or never claimed it) is marked failed by the periodic tick and by the next start in its regions.
"""

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.errors import Conflict, NotFound
from service.organisations.models import Organisation
from service.regions import scope
from service.shortlists import service
from service.shortlists.models import MatchingRound, MatchingRoundRegion, RoundState
from service.sqltypes import utcnow

log = logging.getLogger("doorstroom.rounds")

# A queued round must be claimed within this time; a running one renews its lease this often and for this long.
CLAIM_SECONDS = 60.0
HEARTBEAT_SECONDS = 5.0
LEASE_SECONDS = 30.0
# Without a heartbeat (SQLite) the lease covers the optimiser's limit this many times over, plus the margin.
UNRENEWED_FACTOR, UNRENEWED_MARGIN = 4.0, 120.0
ACTIVE = (RoundState.queued.value, RoundState.running.value)
STALE_ERROR = "the worker running the round stopped (its lease ran out)"


def worker_name() -> str:
    """This process, as it signs the rounds it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def queue_round(*, session: Session, org: Organisation, max_seconds: float) -> MatchingRound:
    """Queue a round over the coordinator's regions (409 naming the round that already holds one of them)."""
    own = scope.scope_of(session=session, org=org)
    regions = sorted(own.regions)
    fail_stale(session=session, regions=regions)
    holder = _holder(session, regions)
    if holder is not None:
        raise _busy(holder)
    now = utcnow()
    queued = MatchingRound(started_by=org.id, regions=regions, municipalities=sorted(own.municipalities),
                           max_seconds=max_seconds, state=RoundState.queued.value, phase=None, progress=0.0,
                           created_at=now, lease_until=now + timedelta(seconds=CLAIM_SECONDS))
    try:
        with session.begin_nested():
            session.add(queued)
            session.flush()
            session.add_all([MatchingRoundRegion(round_id=queued.id, region_code=code) for code in regions])
            session.flush()
    except IntegrityError:
        # Another start took one of the regions between our look and our insert: the index decided.
        holder = _holder(session, regions)
        raise _busy(holder) from None
    return queued


def _holder(session: Session, regions: list[str]) -> uuid.UUID | None:
    if not regions:
        return None
    return session.exec(select(MatchingRoundRegion.round_id).where(
        col(MatchingRoundRegion.region_code).in_(regions), col(MatchingRoundRegion.active).is_(True))).first()


def _busy(holder: uuid.UUID | None) -> Conflict:
    return Conflict(f"a matching round is already running in your regions: {holder}",
                    existing_id=str(holder) if holder else None)


def fail_stale(*, session: Session, regions: list[str] | None = None, at: datetime | None = None) -> int:
    """Mark failed every queued or running round (of these regions, when given) whose lease has run out."""
    moment = at or utcnow()
    query = select(MatchingRound).where(col(MatchingRound.state).in_(ACTIVE), col(MatchingRound.lease_until) < moment)
    stale = [r for r in session.exec(query.with_for_update()).all() if regions is None or set(r.regions) & set(regions)]
    for item in stale:
        item.state, item.error, item.finished_at = RoundState.failed.value, STALE_ERROR, moment
        session.add(item)
        _release(session, item.id)
        log.warning("matching round marked failed: lease ran out", extra={"round_id": str(item.id),
                                                                          "worker": item.worker})
    session.flush()
    return len(stale)


def _release(session: Session, round_id: uuid.UUID) -> None:
    session.exec(update(MatchingRoundRegion).where(col(MatchingRoundRegion.round_id) == round_id)
                 .values(active=False))


def get_round(*, session: Session, org: Organisation, round_id: uuid.UUID) -> MatchingRound | None:
    """A round of the coordinator's own regions, or None (then the id may still be an instant run's)."""
    found = session.get(MatchingRound, round_id, populate_existing=True)  # fresh: a worker moves it on
    if found is None:
        return None
    own = scope.scope_of(session=session, org=org)
    if not (found.regions and set(found.regions) <= own.regions):
        raise NotFound(f"no matching run {round_id}")
    return found


def _session(bind: Engine | Connection) -> Session:
    # Tests hand in the connection of their rolled-back transaction: then every commit here is a savepoint.
    if isinstance(bind, Connection):
        return Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)
    return Session(bind, expire_on_commit=False)


def _claim(engine: Engine | Connection, round_id: uuid.UUID, worker: str, lease: float) -> bool:
    now = utcnow()
    with _session(engine) as session:
        claimed = session.exec(update(MatchingRound).where(
            col(MatchingRound.id) == round_id, col(MatchingRound.state) == RoundState.queued.value,
            col(MatchingRound.lease_until) >= now).values(
            state=RoundState.running.value, worker=worker, started_at=now, phase="eligibility", progress=0.0,
            lease_until=now + timedelta(seconds=lease))).rowcount == 1
        session.commit()
    return claimed


class _Heartbeat:
    """Renews the lease and writes the phase from its own connection while the round's transaction runs."""

    def __init__(self, engine: Engine | Connection, round_id: uuid.UUID, worker: str) -> None:
        self.engine, self.round_id, self.worker = engine, round_id, worker
        # A connection (a test's transaction) is not shared with a second thread.
        self.live = isinstance(engine, Engine) and engine.dialect.name == "postgresql"
        self.stopped = threading.Event()
        self.lock = threading.Lock()  # the phase (round's thread) and the beat (its own) write one at a time
        self.thread = threading.Thread(target=self._beat, name=f"round-{round_id}", daemon=True)

    def __enter__(self) -> "_Heartbeat":
        if self.live:
            self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """No more writes from the heartbeat's connection once this returns."""
        self.stopped.set()
        if self.live and self.thread.is_alive():
            self.thread.join()

    def phase(self, name: str, done: float) -> None:
        self._write(phase=name, progress=done)

    def _beat(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            self._write()

    def _write(self, **values: object) -> None:
        if not self.live:
            return
        with self.lock:
            if self.stopped.is_set() and values:
                return
            try:
                with _session(self.engine) as session:
                    session.exec(update(MatchingRound).where(
                        col(MatchingRound.id) == self.round_id, col(MatchingRound.worker) == self.worker,
                        col(MatchingRound.state) == RoundState.running.value).values(
                        lease_until=utcnow() + timedelta(seconds=LEASE_SECONDS), **values))
                    session.commit()
            except Exception:
                log.warning("matching round heartbeat failed", exc_info=True, extra={"round_id": str(self.round_id)})


def execute(*, engine: Engine | Connection, round_id: uuid.UUID) -> bool:
    """Claim a queued round and run it to the end (finished or failed); False when another worker has it."""
    worker = worker_name()
    with _session(engine) as session:
        queued = session.get(MatchingRound, round_id)
        if queued is None:
            return False
        lease = (LEASE_SECONDS if _Heartbeat(engine, round_id, worker).live
                 else queued.max_seconds * UNRENEWED_FACTOR + UNRENEWED_MARGIN)
    if not _claim(engine, round_id, worker, lease):
        return False
    try:
        with _Heartbeat(engine, round_id, worker) as heartbeat, _session(engine) as session:
            mine = session.get(MatchingRound, round_id)
            assert mine is not None
            org = session.get(Organisation, mine.started_by)
            assert org is not None  # foreign key
            service.run_round(session=session, org=org, municipalities=mine.municipalities,
                              max_seconds=mine.max_seconds, run_id=round_id, on_phase=heartbeat.phase)
            heartbeat.stop()
            done = _end(session, round_id, worker, state=RoundState.finished, error=None)
            if not done:
                session.rollback()
                log.warning("matching round was taken away while running; its result is dropped",
                            extra={"round_id": str(round_id)})
                return True
            session.commit()
    except Exception as error:
        log.exception("matching round failed", extra={"round_id": str(round_id)})
        with _session(engine) as session:
            _end(session, round_id, worker, state=RoundState.failed, error=f"{type(error).__name__}: {error}"[:500])
            session.commit()
    return True


def _end(session: Session, round_id: uuid.UUID, worker: str, *, state: RoundState, error: str | None) -> bool:
    """Finish or fail a round this worker still holds, and free its regions; False when it no longer holds it."""
    ended = session.exec(update(MatchingRound).where(
        col(MatchingRound.id) == round_id, col(MatchingRound.worker) == worker,
        col(MatchingRound.state) == RoundState.running.value).values(
        state=state.value, error=error, finished_at=utcnow(), phase=None,
        progress=1.0 if state == RoundState.finished else MatchingRound.progress)).rowcount == 1
    if ended:
        _release(session, round_id)
    return bool(ended)
