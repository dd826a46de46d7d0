"""The periodic task: apply deadlines, resume paused registrations, fail dead rounds, apply retention, deliver
webhooks.

It runs inside the service on a background thread (DOORSTROOM_TICK_SECONDS) and as `doorstroom tick` for cron.
Every worker process and every replica runs its own ticker, so on PostgreSQL one tick at a time holds an advisory
lock and the others skip theirs; on SQLite the service is one process and writes are serialised anyway.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx
from sqlalchemy import Engine, text
from sqlmodel import Session

from service.events import service as events
from service.events.urls import WebhookPolicy
from service.privacy import retention
from service.shortlists import rounds
from service.workflow import deadlines

log = logging.getLogger("doorstroom.tick")

# The PostgreSQL advisory lock key of the tick: the ASCII bytes of "doortick" as one bigint. Advisory locks are
# per database, so every worker and replica on the same database contends for this one key; nothing else in the
# service may use it.
TICK_LOCK_KEY = 0x646F6F727469636B

# What a skipped tick reports, so that callers always see the same keys (the test of the skip checks they match).
_NOTHING_DONE = {"offers_expired": 0, "offers_surfaced": 0, "shortlists_rematched": 0, "shortlists_surfaced": 0,
                 "registrations_resumed": 0, "rounds_failed": 0, "registrations_erased": 0, "drafts_deleted": 0,
                 "run_inputs_expired": 0, "audit_records_deleted": 0, "sessions_deleted": 0,
                 "setup_links_deleted": 0, "deliveries_tried": 0}


@contextmanager
def tick_lock(engine: Engine) -> Iterator[bool]:
    """Hold the tick lock for the block; yields False, holding nothing, when another process has it."""
    if engine.dialect.name != "postgresql":
        # SQLite is served by one process (`serve --workers 1`) and BEGIN IMMEDIATE serialises its writers.
        yield True
        return
    # A session-level lock on a connection of its own: it outlives the tick's transactions, and if the process
    # dies the server ends the session and frees the lock. AUTOCOMMIT keeps that connection from sitting idle in
    # a transaction for the length of the tick.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        held: bool = connection.execute(text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"),
                                  {"key": TICK_LOCK_KEY}).scalar_one()
        if not held:
            yield False
            return
        try:
            yield True
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), {"key": TICK_LOCK_KEY})
            except Exception:
                # A pooled connection must never go back still holding the lock: closing it ends the session.
                log.warning("tick lock release failed; closing its connection", exc_info=True)
                connection.invalidate()


def run_tick(*, engine: Engine, client: httpx.Client, at: datetime | None = None,
             policy: WebhookPolicy | None = None) -> dict[str, int]:
    """One tick, unless another worker or replica is running one: deadlines in one transaction, then webhook
    deliveries (outside any long transaction). Returns the counts, with `skipped` 1 when it did nothing."""
    with tick_lock(engine) as held:
        if not held:
            log.info("tick skipped: another worker or replica is running it",
                     extra={"tick": "skipped", "lock_key": TICK_LOCK_KEY})
            return {**_NOTHING_DONE, "skipped": 1}
        log.debug("tick lock held", extra={"tick": "running", "lock_key": TICK_LOCK_KEY})
        with Session(engine, expire_on_commit=False) as session:
            counts = deadlines.apply_expiry(session=session, at=at)
            # Matching rounds whose worker died (its lease ran out) are failed, not left running forever.
            counts["rounds_failed"] = rounds.fail_stale(session=session, at=at)
            session.commit()
            # What is past its retention period is erased or deleted (service.privacy.retention).
            counts.update(retention.apply_retention(session=session, at=at))
            session.commit()
        counts["deliveries_tried"] = events.deliver_due(engine=engine, client=client, policy=policy)
    return {**counts, "skipped": 0}


class Ticker:
    """Runs `run_tick` every `seconds` on a daemon thread until stopped; a failing tick is logged, not fatal."""

    def __init__(self, *, engine: Engine, seconds: float, policy: WebhookPolicy | None = None) -> None:
        self.engine, self.seconds, self.policy = engine, seconds, policy
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="doorstroom-tick", daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current tick."""
        self._stop.set()
        self._thread.join(timeout=self.seconds + 10)

    def _loop(self) -> None:
        with events.delivery_client() as client:
            while not self._stop.wait(self.seconds):
                try:
                    counts = run_tick(engine=self.engine, client=client, policy=self.policy)
                    # A skip has logged itself; an idle tick every few seconds would only be noise.
                    if not counts["skipped"] and any(counts.values()):
                        log.info("tick", extra=counts)
                except Exception:  # a bad tick must not kill the thread; the next one retries
                    log.exception("tick failed")
